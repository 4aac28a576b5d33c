//! The data keys of crypto-shredding (issue 26): sealing personal text before it reaches a
//! command, revealing it when a read path answers, destroying keys on erasure and
//! retention.
//!
//! A sealed token is `sealed:v1:<key id>:<base64url(nonce ‖ ciphertext)>`, AES-256-GCM with
//! the key id as associated data (a token cannot be moved under another key). Data keys
//! live in `privacy_keys`, each wrapped by the master key (`privacy.master_key`). A token
//! whose key is destroyed (or was never made) reveals as `[erased]`.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::Mutex;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::values::SEALED_PREFIX;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// What a personal field reads once its key is gone.
pub const ERASED: &str = "[erased]";

const NONCE_LEN: usize = 12;
/// Identity keys kept unwrapped for sealing (one per recently active user).
const SEALING_CACHE: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("the key store could not be reached: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored data key does not unwrap: the master key is not the one it was wrapped with.
    #[error("data key {0} does not unwrap with the configured master key")]
    Unwrap(Uuid),
    #[error("sealing failed")]
    Seal,
}

/// Which personal data a key seals (the `data_class` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataClass {
    /// A subject's name as it travels in event metadata; key id = subject id.
    Identity,
    /// A call's notes and rating comment; key id = call id, subject = its requester.
    CallText,
}

impl DataClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::CallText => "call_text",
        }
    }
}

/// One key to seal under: its id, whose data it holds, and for free text the organisation
/// whose retention applies.
#[derive(Debug, Clone, Copy)]
pub struct KeyOwner {
    pub key_id: Uuid,
    pub subject_id: Uuid,
    pub class: DataClass,
    pub organisation_id: Option<Uuid>,
}

pub struct Vault {
    master: Aes256Gcm,
    pool: PgPool,
    /// Unwrapped identity keys, for sealing only. A key destroyed meanwhile elsewhere may
    /// still seal here: what it seals is unreadable, so nothing personal survives. Reading
    /// always asks the table.
    sealing: Mutex<lru::LruCache<Uuid, Key<Aes256Gcm>>>,
}

impl Vault {
    pub fn new(master_key: &SecretString, pool: PgPool) -> Self {
        let digest = Sha256::digest(master_key.expose_secret().as_bytes());
        Self {
            master: Aes256Gcm::new(&digest),
            pool,
            sealing: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(SEALING_CACHE).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Seals `text` under `owner`'s key, made on first use. `None` when that key was
    /// destroyed: the subject was erased or the text's retention passed, so nothing is kept.
    #[tracing::instrument(skip(self, text), fields(key_id = %owner.key_id, class = owner.class.as_str()))]
    pub async fn seal(&self, owner: KeyOwner, text: &str) -> Result<Option<String>, PrivacyError> {
        let Some(key) = self.key_for_sealing(owner).await? else {
            return Ok(None);
        };
        seal_with(&key, owner.key_id, text).map(Some)
    }

    async fn key_for_sealing(
        &self,
        owner: KeyOwner,
    ) -> Result<Option<Key<Aes256Gcm>>, PrivacyError> {
        if let Some(key) = self.cached(owner.key_id) {
            return Ok(Some(key));
        }
        let fresh = Aes256Gcm::generate_key(OsRng);
        let wrapped = self.wrap(owner.key_id, &fresh)?;
        let inserted = sqlx::query(
            "INSERT INTO privacy_keys (key_id, subject_id, data_class, organisation_id, wrapped_key) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(owner.key_id)
        .bind(owner.subject_id)
        .bind(owner.class.as_str())
        .bind(owner.organisation_id)
        .bind(wrapped)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let key = if inserted == 1 {
            Some(fresh)
        } else {
            let stored: Option<Option<Vec<u8>>> =
                sqlx::query_scalar("SELECT wrapped_key FROM privacy_keys WHERE key_id = $1")
                    .bind(owner.key_id)
                    .fetch_optional(&self.pool)
                    .await?;
            stored
                .flatten()
                .map(|wrapped| self.unwrap(owner.key_id, &wrapped))
                .transpose()?
        };
        if let (Some(key), DataClass::Identity) = (&key, owner.class) {
            self.remember(owner.key_id, *key);
        }
        Ok(key)
    }

    fn cached(&self, key_id: Uuid) -> Option<Key<Aes256Gcm>> {
        self.sealing
            .lock()
            .ok()
            .and_then(|mut cache| cache.get(&key_id).copied())
    }

    fn remember(&self, key_id: Uuid, key: Key<Aes256Gcm>) {
        if let Ok(mut cache) = self.sealing.lock() {
            cache.put(key_id, key);
        }
    }

    /// Forgets cached keys of `subject` (this instance's; see `sealing`).
    pub fn forget(&self, subject: Uuid) {
        if let Ok(mut cache) = self.sealing.lock() {
            cache.pop(&subject);
        }
    }

    fn wrap(&self, key_id: Uuid, key: &Key<Aes256Gcm>) -> Result<Vec<u8>, PrivacyError> {
        seal_bytes(&self.master, key_id, &key[..])
    }

    fn unwrap(&self, key_id: Uuid, wrapped: &[u8]) -> Result<Key<Aes256Gcm>, PrivacyError> {
        let bytes =
            open_bytes(&self.master, key_id, wrapped).ok_or(PrivacyError::Unwrap(key_id))?;
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PrivacyError::Unwrap(key_id))?;
        Ok(Key::<Aes256Gcm>::from(bytes))
    }

    /// The plain text of each distinct token in `tokens`, `[erased]` where its key is gone
    /// or the token does not open. One query for all their keys.
    pub async fn reveal<'a>(
        &self,
        tokens: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, String>, PrivacyError> {
        let tokens: HashSet<&str> = tokens.into_iter().collect();
        let parsed: Vec<(&str, Option<SealedBytes>)> =
            tokens.into_iter().map(|t| (t, parse_token(t))).collect();
        let ids: Vec<Uuid> = parsed
            .iter()
            .filter_map(|(_, p)| p.as_ref().map(|(id, _)| *id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut keys = HashMap::new();
        if !ids.is_empty() {
            let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
                "SELECT key_id, wrapped_key FROM privacy_keys \
                 WHERE key_id = ANY($1) AND wrapped_key IS NOT NULL",
            )
            .bind(&ids)
            .fetch_all(&self.pool)
            .await?;
            for (key_id, wrapped) in rows {
                keys.insert(key_id, self.unwrap(key_id, &wrapped)?);
            }
        }
        Ok(parsed
            .into_iter()
            .map(|(token, parsed)| {
                let plain = parsed
                    .and_then(|(key_id, sealed)| {
                        let key = keys.get(&key_id)?;
                        open_bytes(&Aes256Gcm::new(key), key_id, &sealed)
                    })
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .unwrap_or_else(|| ERASED.to_owned());
                (token.to_owned(), plain)
            })
            .collect())
    }

    /// Destroys every key of `subject`, and makes sure their identity key can never be made
    /// again. Returns how many live keys were destroyed. Bounded by the subject's keys
    /// (index `privacy_keys_subject`).
    pub async fn destroy_subject(&self, subject: Uuid) -> Result<u64, PrivacyError> {
        let mut tx = self.pool.begin().await?;
        let destroyed = sqlx::query(
            "UPDATE privacy_keys SET wrapped_key = NULL, destroyed_at = now() \
             WHERE subject_id = $1 AND wrapped_key IS NOT NULL",
        )
        .bind(subject)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT INTO privacy_keys (key_id, subject_id, data_class, destroyed_at) \
             VALUES ($1, $1, $2, now()) ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(subject)
        .bind(DataClass::Identity.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.forget(subject);
        Ok(destroyed)
    }
}

fn seal_with(key: &Key<Aes256Gcm>, key_id: Uuid, text: &str) -> Result<String, PrivacyError> {
    let sealed = seal_bytes(&Aes256Gcm::new(key), key_id, text.as_bytes())?;
    Ok(format!(
        "{SEALED_PREFIX}{key_id}:{}",
        URL_SAFE_NO_PAD.encode(sealed)
    ))
}

/// `nonce ‖ ciphertext`, with the key id as associated data.
fn seal_bytes(cipher: &Aes256Gcm, key_id: Uuid, plain: &[u8]) -> Result<Vec<u8>, PrivacyError> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: plain,
        aad: key_id.as_bytes(),
    };
    let ciphertext = cipher
        .encrypt(&nonce, payload)
        .map_err(|_| PrivacyError::Seal)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn open_bytes(cipher: &Aes256Gcm, key_id: Uuid, sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let payload = Payload {
        msg: ciphertext,
        aad: key_id.as_bytes(),
    };
    cipher.decrypt(&Nonce::from(nonce), payload).ok()
}

/// A token's key id and its `nonce ‖ ciphertext`.
type SealedBytes = (Uuid, Vec<u8>);

/// The key id and sealed bytes of a token; `None` when it is not one.
fn parse_token(token: &str) -> Option<SealedBytes> {
    let rest = token.strip_prefix(SEALED_PREFIX)?;
    let (key_id, sealed) = rest.split_once(':')?;
    let key_id = Uuid::parse_str(key_id).ok()?;
    let sealed = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    Some((key_id, sealed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_with_its_key_only() {
        let key = Aes256Gcm::generate_key(OsRng);
        let id = Uuid::from_u128(1);
        let token = seal_with(&key, id, "Rita Requester").unwrap();
        assert!(token.starts_with(SEALED_PREFIX));
        assert!(!token.contains("Rita"));
        let (parsed_id, sealed) = parse_token(&token).unwrap();
        assert_eq!(parsed_id, id);
        let opened = open_bytes(&Aes256Gcm::new(&key), id, &sealed).unwrap();
        assert_eq!(opened, b"Rita Requester");
        // The same bytes under another key id (associated data) do not open.
        assert!(open_bytes(&Aes256Gcm::new(&key), Uuid::from_u128(2), &sealed).is_none());
        let other = Aes256Gcm::generate_key(OsRng);
        assert!(open_bytes(&Aes256Gcm::new(&other), id, &sealed).is_none());
    }

    #[test]
    fn sealing_twice_gives_different_tokens() {
        let key = Aes256Gcm::generate_key(OsRng);
        let id = Uuid::from_u128(1);
        assert_ne!(
            seal_with(&key, id, "same").unwrap(),
            seal_with(&key, id, "same").unwrap()
        );
    }

    #[test]
    fn garbage_is_not_a_token() {
        assert!(parse_token("hello").is_none());
        assert!(parse_token("sealed:v1:not-a-uuid:AAAA").is_none());
        assert!(parse_token(&format!("sealed:v1:{}:!!", Uuid::nil())).is_none());
    }
}
