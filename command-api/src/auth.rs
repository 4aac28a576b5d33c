//! Who is calling: passwords (argon2), access tokens (JWT, HS256), the `AuthUser`
//! extractor and per-role guards, and the login rate limit.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;
use domain::ids::{AgentId, UserId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::AuthSettings;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
    Analyst,
    Requester,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Supervisor,
        Role::Agent,
        Role::Analyst,
        Role::Requester,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Supervisor => "supervisor",
            Self::Agent => "agent",
            Self::Analyst => "analyst",
            Self::Requester => "requester",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, domain::values::ValueError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim())
            .ok_or_else(|| {
                domain::values::ValueError::new(
                    "role",
                    format!("{raw:?} is not one of admin, supervisor, agent, analyst, requester"),
                )
            })
    }
}

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

const ISSUER: &str = "parley";

/// Signing and verifying keys for access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_s: u64,
}

impl JwtKeys {
    pub fn new(settings: &AuthSettings) -> Self {
        let secret = settings.jwt_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.leeway_s;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_s: settings.token_ttl_s,
        }
    }

    pub fn ttl_s(&self) -> u64 {
        self.ttl_s
    }

    pub fn issue(&self, user: &AuthUser) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl_s).unwrap_or(i64::MAX);
        self.sign(&Claims {
            sub: user.id.as_uuid(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            iat: now,
            exp: now.saturating_add(ttl),
            iss: ISSUER.to_owned(),
        })
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::internal(&e))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::unauthorized(
                    "token_expired",
                    "the access token expired; log in again",
                ),
                _ => ApiError::unauthorized("invalid_token", "the access token is not valid"),
            })
    }
}

/// The authenticated caller, from a `Bearer` access token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl AuthUser {
    /// Refuses with 403 unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the {} role may not do this",
                self.role.as_str()
            )))
        }
    }

    /// The caller as an interpreter; 403 for other roles.
    pub fn as_agent(&self) -> Result<AgentId, ApiError> {
        self.require(&[Role::Agent])?;
        Ok(AgentId(self.id.as_uuid()))
    }
}

pub fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let missing =
        || ApiError::unauthorized("missing_token", "send `Authorization: Bearer <token>`");
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(missing)?;
    let value = header.to_str().map_err(|_| missing())?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(missing)
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = state.keys.verify(bearer_token(parts)?)?;
        Ok(Self {
            id: UserId(claims.sub),
            email: claims.email,
            name: claims.name,
            role: claims.role,
        })
    }
}

/// Hashes a password with argon2id off the async threads (it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))
}

/// A valid hash of a password nobody has, checked when the email is unknown so that both
/// failures take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8Xr1bsj9sF6m0x9ybAVFbVOhGSzIY8P6yEyVZ6ZyEjU";

/// Verifies a password against a stored hash (or the dummy hash when there is none).
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    Ok(known && matches)
}

/// Login attempts per client address and per email: a burst, then a steady rate.
pub struct LoginLimiter {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_email: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    pub fn new(settings: &AuthSettings) -> Arc<Self> {
        let per_minute = NonZeroU32::new(settings.login_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.login_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Arc::new(Self {
            by_address: RateLimiter::keyed(quota),
            by_email: RateLimiter::keyed(quota),
        })
    }

    /// Counts one attempt; 429 with the wait when over the limit.
    pub fn check(&self, address: IpAddr, email: &str) -> Result<(), ApiError> {
        let now = DefaultClock::default().now();
        let over = |not_until: governor::NotUntil<_>| {
            ApiError::too_many_requests(not_until.wait_time_from(now).as_secs().max(1))
        };
        self.by_address.check_key(&address).map_err(over)?;
        self.by_email
            .check_key(&email.to_lowercase())
            .map_err(over)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("password123".into()).await.unwrap();
        assert!(
            verify_password("password123".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("password124".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_email_never_verifies_even_with_the_dummy_password() {
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse"
        );
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }
}
