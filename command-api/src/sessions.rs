//! Whether a verified access token still stands: its user exists and is active, and the
//! token was not revoked at logout. A signature alone cannot say so, since both change
//! after the token was issued.
//!
//! The answer comes from the database (`users.disabled_at`, `revoked_tokens`), so that a
//! logout or a deactivation on one API process holds on every other. Each process keeps
//! the answer per token for [`FRESH_FOR`], so a busy client costs one query per half
//! second, and a change is seen everywhere within a second.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::Claims;
use crate::error::ApiError;

/// How long an answer is reused: half the one-second promise, leaving the rest for the
/// query that refreshes it.
const FRESH_FOR: Duration = Duration::from_millis(500);
/// Tokens remembered per process; the least recently used go first.
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Active,
    Deactivated,
    /// The account no longer exists.
    Gone,
    Revoked,
}

impl Standing {
    fn into_result(self) -> Result<(), ApiError> {
        match self {
            Self::Active => Ok(()),
            Self::Deactivated => Err(ApiError::unauthorized(
                "account_deactivated",
                "this account is deactivated",
            )),
            Self::Gone => Err(ApiError::unauthorized(
                "invalid_token",
                "the account of this token no longer exists",
            )),
            Self::Revoked => Err(ApiError::unauthorized(
                "token_revoked",
                "this token was revoked (a logout, or a password reset); log in again",
            )),
        }
    }
}

/// The per-process memory of recent answers, by token id.
pub struct Sessions {
    recent: Mutex<LruCache<Uuid, (Instant, Standing)>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self {
            recent: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl Sessions {
    /// 401 when the token's user is deactivated or gone, or the token was revoked.
    pub async fn check(&self, pool: &PgPool, claims: &Claims) -> Result<(), ApiError> {
        if let Some(standing) = self.remembered(claims.jti) {
            return standing.into_result();
        }
        // A token issued before the account's last password reset is ended too
        // (`sessions_valid_from`). `iat` is in whole seconds, so a token issued in the
        // same second as the reset, before or after it, is refused as well: after a reset
        // the next login's token works from the next second on.
        let (deactivated, revoked): (Option<bool>, bool) = sqlx::query_as(
            "SELECT (SELECT disabled_at IS NOT NULL FROM users WHERE id = $1), \
                    EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2) \
                    OR coalesce((SELECT sessions_valid_from > to_timestamp($3::int8) FROM users WHERE id = $1), false)",
        )
        .bind(claims.sub)
        .bind(claims.jti)
        .bind(claims.iat)
        .fetch_one(pool)
        .await?;
        let standing = match (deactivated, revoked) {
            (_, true) => Standing::Revoked,
            (None, false) => Standing::Gone,
            (Some(true), false) => Standing::Deactivated,
            (Some(false), false) => Standing::Active,
        };
        self.remember(claims.jti, standing);
        standing.into_result()
    }

    /// Revokes a token until it would have expired anyway; this process refuses it at once,
    /// the others within a second.
    pub async fn revoke(&self, pool: &PgPool, claims: &Claims) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, to_timestamp($3::int8)) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(claims.jti)
        .bind(claims.sub)
        .bind(claims.exp)
        .execute(pool)
        .await?;
        // An expired token is refused by its `exp`: its row is no longer needed.
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 hour'")
            .execute(pool)
            .await?;
        self.remember(claims.jti, Standing::Revoked);
        Ok(())
    }

    fn remembered(&self, jti: Uuid) -> Option<Standing> {
        let mut recent = self.recent.lock().ok()?;
        match recent.get(&jti) {
            Some((at, standing)) if at.elapsed() < FRESH_FOR => Some(*standing),
            _ => None,
        }
    }

    fn remember(&self, jti: Uuid, standing: Standing) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.put(jti, (Instant::now(), standing));
        }
    }
}
