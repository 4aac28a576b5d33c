//! Password hashes (argon2id, the crate's defaults: m = 19,456 KiB, t = 2, p = 1), on
//! threads of their own that each keep one buffer for the algorithm's memory.
//!
//! Each computation needs 19 MiB. On the blocking pool, concurrent logins each allocated
//! theirs and the allocator kept them: 60 interpreters signing in together left
//! `parley serve` at 1.3 GiB, and a crowd of logins from many addresses (each within its
//! own throttle) could take all the memory. Here one thread per core computes, each in the
//! buffer it keeps (`hash_password_into_with_memory`): the memory is the cores × 19 MiB,
//! allocated once, and other logins wait their turn in the queue.

use std::cell::RefCell;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, LazyLock, Mutex};

use argon2::password_hash::{self, Output, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::ApiError;

/// A valid hash of a password nobody has, checked when the email is unknown so that both
/// failures take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8Xr1bsj9sF6m0x9ybAVFbVOhGSzIY8P6yEyVZ6ZyEjU";

/// The most memory a stored hash may ask for (64 MiB): more is refused, not allocated.
const MAX_BLOCKS: usize = 64 * 1024;

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The algorithm's memory of this hashing thread, reused by every computation.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The hashing threads' queue: one thread per core, started on first use.
static QUEUE: LazyLock<Sender<Job>> = LazyLock::new(|| {
    let (jobs, queue) = channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..std::thread::available_parallelism().map_or(2, usize::from) {
        let queue = Arc::clone(&queue);
        let spawned = std::thread::Builder::new()
            .name(format!("password-hashing-{n}"))
            .spawn(move || {
                loop {
                    // The lock is held only while taking the next job.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start a password-hashing thread");
        }
    }
    jobs
});

/// Runs `work` on a hashing thread and waits for its answer.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (done, answer) = tokio::sync::oneshot::channel();
    QUEUE
        .send(Box::new(move || {
            let _ = done.send(work());
        }))
        .map_err(|e| ApiError::internal(&e))?;
    answer.await.map_err(|e| ApiError::internal(&e))
}

/// The hash of `password` with `salt` as `argon` computes it, in this thread's buffer.
fn compute(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    output_len: usize,
) -> password_hash::Result<Output> {
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return Err(password_hash::Error::ParamValueInvalid(
            password_hash::errors::InvalidValue::TooLong,
        ));
    }
    BLOCKS.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Output::init_with(output_len, |out| {
            argon
                .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
                .map_err(|_| password_hash::Error::Crypto)
        })
    })
}

/// Hashes a password with argon2id, as a PHC string.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        let params = Params::default();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut raw_salt = [0_u8; 64];
        let raw_salt = salt.decode_b64(&mut raw_salt)?;
        let output = compute(
            &argon,
            &params,
            password.as_bytes(),
            raw_salt,
            Params::DEFAULT_OUTPUT_LEN,
        )?;
        Ok::<_, password_hash::Error>(
            PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: (&params).try_into()?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            }
            .to_string(),
        )
    })
    .await?
    .map_err(|e| ApiError::internal(&e))
}

/// Whether `password` matches `stored`: computed with the hash's own algorithm,
/// parameters and salt, compared in constant time (`Output`'s equality).
fn matches(password: &[u8], stored: &str) -> password_hash::Result<bool> {
    let hash = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(hash.algorithm)?;
    let version = hash
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&hash)?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut raw_salt = [0_u8; 64];
    let raw_salt = salt.decode_b64(&mut raw_salt)?;
    let computed = compute(&argon, &params, password, raw_salt, expected.len())?;
    Ok(computed == expected)
}

/// Verifies a password against a stored hash (or the dummy hash when there is none, so
/// that an unknown email takes as long as a wrong password).
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matched =
        on_hashing_thread(move || matches(password.as_bytes(), &stored).unwrap_or(false)).await?;
    Ok(known && matched)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    #[tokio::test]
    async fn a_hash_made_here_verifies_here_and_with_the_crate_and_the_wrong_password_does_not() {
        let hash = hash_password("correct horse".to_owned()).await.unwrap();
        assert!(
            verify_password("correct horse".to_owned(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".to_owned(), Some(hash.clone()))
                .await
                .unwrap()
        );
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn an_unknown_email_never_verifies_and_the_dummy_hash_costs_a_real_computation() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(
            Params::try_from(&dummy).unwrap().block_count(),
            Params::default().block_count()
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_made_by_the_crate_verifies_here() {
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(b"password123", &salt)
            .unwrap()
            .to_string();
        assert!(
            verify_password("password123".to_owned(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("password123".to_owned(), None)
                .await
                .unwrap()
        );
    }
}
