//! Who is calling: passwords (argon2), access tokens (JWT, HS256, signed by the newest of
//! several keys named by `kid`), API keys for integrations, the `AuthUser` extractor and
//! per-role guards, and room tokens for a self-hosted Jitsi.

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::ids::{AgentId, UserId};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::{AuthSettings, DEFAULT_KID, JitsiSettings};
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
    /// Not valid before (checked, with `auth.leeway_s`).
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    /// Who the token is for: this API ([`AUDIENCE`]), not a room or another service.
    pub aud: String,
    /// The token's own id: logout revokes it by this id (see `sessions`).
    pub jti: Uuid,
    /// A requester's organisation: whose calls they see. Accounts do not change
    /// organisation, so the token may carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Uuid>,
}

/// `iss` of every access token.
pub const ISSUER: &str = "parley";
/// `aud` of every access token.
pub const AUDIENCE: &str = "parley-api";

/// One key that verifies access tokens, by key id.
struct VerifyingKey {
    kid: String,
    decoding: DecodingKey,
}

/// Signing and verifying keys for access tokens. The first configured key signs and names
/// itself in the token's `kid` header; every configured key verifies, picked by `kid`, so
/// tokens signed before a rotation stay valid until they expire while their key is listed.
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    verifying: Vec<VerifyingKey>,
    validation: Validation,
    ttl_s: u64,
}

impl JwtKeys {
    pub fn new(settings: &AuthSettings) -> Self {
        let (current, previous) = settings.signing_keys();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.leeway_s;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        // A token without these could not be refused before its time, for another service,
        // or by id at logout.
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        let verifying = std::iter::once(&current)
            .chain(&previous)
            .map(|key| VerifyingKey {
                kid: key.kid.clone(),
                decoding: DecodingKey::from_secret(key.secret.expose_secret().as_bytes()),
            })
            .collect();
        Self {
            encoding: EncodingKey::from_secret(current.secret.expose_secret().as_bytes()),
            kid: current.kid,
            verifying,
            validation,
            ttl_s: settings.token_ttl_s,
        }
    }

    pub fn ttl_s(&self) -> u64 {
        self.ttl_s
    }

    /// The id of the key that signs new tokens.
    pub fn current_kid(&self) -> &str {
        &self.kid
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
            nbf: now,
            exp: now.saturating_add(ttl),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            jti: Uuid::new_v4(),
            org: user.organisation_id,
        })
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.encoding).map_err(|e| ApiError::internal(&e))
    }

    /// Checks a token with the key its `kid` names (`default` when it names none: tokens
    /// issued before key ids existed). An unknown key id is an invalid token.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let invalid = || ApiError::unauthorized("invalid_token", "the access token is not valid");
        let header = decode_header(token).map_err(|_| invalid())?;
        let kid = header.kid.as_deref().unwrap_or(DEFAULT_KID);
        let key = self
            .verifying
            .iter()
            .find(|key| key.kid == kid)
            .ok_or_else(invalid)?;
        decode::<Claims>(token, &key.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::unauthorized(
                    "token_expired",
                    "the access token expired; log in again",
                ),
                _ => invalid(),
            })
    }
}

/// The authenticated caller, from a `Bearer` access token or an API key.
///
/// An API key authenticates as a requester whose id is the key's id, and only on the
/// routes its scopes name (`POST /api/calls` with `calls:request`, `GET /api/calls/{id}`
/// with `calls:read`, `POST /api/calls/{id}/cancel` with `calls:cancel`; as a requester it
/// reaches only the calls it created); the extractor
/// answers 403 everywhere else, so handlers need no special case. The key itself is in the
/// request's extensions as an [`ApiKeyPrincipal`].
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// A requester's organisation, if they belong to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
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
        let token = bearer_token(parts)?;
        if token.starts_with(API_KEY_PREFIX) {
            let key = authenticate_api_key(&state.pool, token).await?;
            key.authorize(&parts.method, parts.uri.path())?;
            let user = key.as_user();
            parts.extensions.insert(key);
            return Ok(user);
        }
        let claims = state.keys.verify(token)?;
        state.sessions.check(&state.pool, &claims).await?;
        Ok(Self {
            id: UserId(claims.sub),
            email: claims.email,
            name: claims.name,
            role: claims.role,
            organisation_id: claims.org,
        })
    }
}

/// How an API key starts: `pk_<prefix>_<secret>`.
pub const API_KEY_PREFIX: &str = "pk_";
/// Hex characters of an API key's public prefix.
const API_KEY_PREFIX_LEN: usize = 16;
pub use wire::accounts::{
    API_KEY_SCOPES, SCOPE_CALLS_CANCEL, SCOPE_CALLS_READ, SCOPE_CALLS_REQUEST,
};
/// The routes an API key may call, each with the scope it needs. `{id}` stands for one
/// path segment that is a UUID.
const SCOPED_ROUTES: [(&str, Method, &str); 3] = [
    (SCOPE_CALLS_REQUEST, Method::POST, "/api/calls"),
    (SCOPE_CALLS_READ, Method::GET, "/api/calls/{id}"),
    (SCOPE_CALLS_CANCEL, Method::POST, "/api/calls/{id}/cancel"),
];

/// Whether `path` is `pattern` with each `{id}` replaced by a UUID.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (pattern.split('/'), path.split('/'));
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some("{id}"), Some(segment)) if Uuid::parse_str(segment).is_ok() => {}
            (Some(expected), Some(segment)) if expected == segment => {}
            _ => return false,
        }
    }
}

/// An integration authenticated by an API key.
#[derive(Debug, Clone)]
pub struct ApiKeyPrincipal {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
}

impl ApiKeyPrincipal {
    /// The `actor_role` of what an API key does, in event metadata.
    pub const ACTOR_ROLE: &'static str = "integration";

    /// 403 unless one of the key's scopes covers this route.
    pub fn authorize(&self, method: &Method, path: &str) -> Result<(), ApiError> {
        let allowed = SCOPED_ROUTES.iter().any(|(scope, m, p)| {
            m == method && path_matches(p, path) && self.scopes.iter().any(|held| held == scope)
        });
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "an API key may only call the routes its scopes allow (calls:request: POST \
                 /api/calls; calls:read: GET /api/calls/{id}; calls:cancel: POST \
                 /api/calls/{id}/cancel)",
            ))
        }
    }

    /// The key as a caller: a requester whose id is the key's id.
    pub fn as_user(&self) -> AuthUser {
        AuthUser {
            id: UserId(self.id),
            email: String::new(),
            name: self.name.clone(),
            role: Role::Requester,
            organisation_id: None,
        }
    }
}

/// `actor_role` for event metadata: `integration` for an API key, else the user's role.
pub fn actor_role(parts: &Parts, user: &AuthUser) -> &'static str {
    if parts.extensions.get::<ApiKeyPrincipal>().is_some() {
        ApiKeyPrincipal::ACTOR_ROLE
    } else {
        user.role.as_str()
    }
}

/// A new API key: what to store, and the key to show once.
pub struct NewApiKey {
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// `pk_<prefix>_<secret>`.
    pub key: String,
}

/// A random API key: a 16-hex-character prefix to look it up by, and 32 random bytes
/// (base64url) of secret, of which only the SHA-256 is kept.
pub fn generate_api_key() -> NewApiKey {
    let mut prefix = [0_u8; API_KEY_PREFIX_LEN / 2];
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut prefix);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let prefix = hex::encode(prefix);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    NewApiKey {
        key: format!("{API_KEY_PREFIX}{prefix}_{secret}"),
        secret_hash: hex::encode(Sha256::digest(secret.as_bytes())),
        prefix,
    }
}

/// Splits `pk_<prefix>_<secret>`; `None` when it is not shaped like a key.
fn split_api_key(token: &str) -> Option<(&str, &str)> {
    let (prefix, secret) = token.strip_prefix(API_KEY_PREFIX)?.split_once('_')?;
    let prefix_ok =
        prefix.len() == API_KEY_PREFIX_LEN && prefix.bytes().all(|b| b.is_ascii_hexdigit());
    let secret_ok = (1..=128).contains(&secret.len());
    (prefix_ok && secret_ok).then_some((prefix, secret))
}

/// Equality that takes the same time wherever the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// The integration an API key belongs to: 401 when the key is unknown, wrong or revoked.
pub async fn authenticate_api_key(
    pool: &sqlx::PgPool,
    token: &str,
) -> Result<ApiKeyPrincipal, ApiError> {
    let invalid = || ApiError::unauthorized("invalid_api_key", "the API key is not valid");
    let (prefix, secret) = split_api_key(token).ok_or_else(invalid)?;
    type Row = (Uuid, String, String, Vec<String>, Option<DateTime<Utc>>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, secret_hash, scopes, revoked_at FROM api_keys WHERE prefix = $1",
    )
    .bind(prefix.to_ascii_lowercase())
    .fetch_optional(pool)
    .await?;
    let (id, name, stored_hash, scopes, revoked_at) = row.ok_or_else(invalid)?;
    let stored = hex::decode(stored_hash).map_err(|e| ApiError::internal(&e))?;
    if !constant_time_eq(&Sha256::digest(secret.as_bytes()), &stored) {
        return Err(invalid());
    }
    if revoked_at.is_some() {
        return Err(ApiError::unauthorized(
            "api_key_revoked",
            "this API key was revoked",
        ));
    }
    Ok(ApiKeyPrincipal {
        id,
        name,
        prefix: prefix.to_ascii_lowercase(),
        scopes,
    })
}

/// The claims a self-hosted Jitsi's token authentication (prosody `token` auth with
/// `app_id`/`app_secret`) checks: `aud`, `iss` = app id, `sub` = the Jitsi domain, `room`,
/// `exp`/`nbf`, and the user in `context.user`. `moderator` is both in `context.user` and
/// at the top level (read by newer prosody modules).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiClaims {
    pub aud: String,
    pub iss: String,
    pub sub: String,
    pub room: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub moderator: bool,
    pub context: JitsiContext,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiContext {
    pub user: JitsiUser,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JitsiUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub moderator: bool,
}

/// Seconds a room token is valid before it was issued, for clocks a little apart.
const JITSI_CLOCK_SKEW_S: i64 = 60;

/// A room token for `user` in `room`, when the deployment has token authentication
/// (`jitsi.app_id` and `jitsi.app_secret`); `None` otherwise.
pub fn jitsi_token(
    settings: &JitsiSettings,
    user: &AuthUser,
    room: &str,
    moderator: bool,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let Some((app_id, secret)) = settings.token_auth() else {
        return Ok(None);
    };
    let now = now.timestamp();
    let ttl = i64::try_from(settings.token_ttl_s).unwrap_or(i64::MAX);
    let claims = JitsiClaims {
        aud: "jitsi".to_owned(),
        iss: app_id.to_owned(),
        sub: settings.domain.clone(),
        room: room.to_owned(),
        iat: now,
        nbf: now.saturating_sub(JITSI_CLOCK_SKEW_S),
        exp: now.saturating_add(ttl),
        moderator,
        context: JitsiContext {
            user: JitsiUser {
                id: user.id.to_string(),
                name: user.name.clone(),
                email: user.email.clone(),
                moderator,
            },
        },
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .map(Some)
    .map_err(|e| ApiError::internal(&e))
}

pub use crate::password_hashing::{hash_password, verify_password};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Settings, SigningKey};
    use secrecy::SecretString;

    fn auth_with(keys: &[(&str, &str)]) -> AuthSettings {
        let mut settings = Settings::local_defaults().unwrap().auth;
        settings.signing_keys = keys
            .iter()
            .map(|(kid, secret)| SigningKey {
                kid: (*kid).to_owned(),
                secret: SecretString::from((*secret).to_owned()),
            })
            .collect();
        settings
    }

    fn someone() -> AuthUser {
        AuthUser {
            organisation_id: None,
            id: UserId(Uuid::now_v7()),
            email: "a@example.com".into(),
            name: "A".into(),
            role: Role::Agent,
        }
    }

    #[test]
    fn the_first_key_signs_and_every_listed_key_verifies() {
        let old = JwtKeys::new(&auth_with(&[("k1", "first secret")]));
        let rotated = JwtKeys::new(&auth_with(&[
            ("k2", "second secret"),
            ("k1", "first secret"),
        ]));
        let retired = JwtKeys::new(&auth_with(&[("k2", "second secret")]));
        let token = old.issue(&someone()).unwrap();
        assert_eq!(decode_header(&token).unwrap().kid.as_deref(), Some("k1"));
        assert!(rotated.verify(&token).is_ok());
        assert_eq!(
            retired.verify(&token).map(|_| ()).unwrap_err().code,
            "invalid_token"
        );
        let fresh = rotated.issue(&someone()).unwrap();
        assert_eq!(decode_header(&fresh).unwrap().kid.as_deref(), Some("k2"));
        assert!(retired.verify(&fresh).is_ok());
        // A key id that is listed, with another secret, is still refused.
        let forged = JwtKeys::new(&auth_with(&[("k2", "not the secret")]))
            .issue(&someone())
            .unwrap();
        assert!(rotated.verify(&forged).is_err());
        // With no signing_keys, jwt_secret is key "default", which also takes tokens without a kid.
        let default = JwtKeys::new(&auth_with(&[]));
        assert_eq!(default.current_kid(), "default");
        let settings = auth_with(&[]);
        let claims = Claims {
            org: Default::default(),
            sub: Uuid::now_v7(),
            email: "a@example.com".into(),
            name: "A".into(),
            role: Role::Admin,
            iat: Utc::now().timestamp(),
            nbf: Utc::now().timestamp(),
            exp: Utc::now().timestamp() + 60,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: Uuid::new_v4(),
        };
        let no_kid = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(settings.jwt_secret.expose_secret().as_bytes()),
        )
        .unwrap();
        assert!(default.verify(&no_kid).is_ok());
        assert!(rotated.verify(&no_kid).is_err());
    }

    #[test]
    fn api_keys_have_the_documented_shape_and_only_the_hash_is_kept() {
        let new_key = generate_api_key();
        let (prefix, secret) = split_api_key(&new_key.key).unwrap();
        assert_eq!(prefix, new_key.prefix);
        assert_eq!(prefix.len(), 16);
        assert_eq!(URL_SAFE_NO_PAD.decode(secret).unwrap().len(), 32);
        assert_eq!(
            new_key.secret_hash,
            hex::encode(Sha256::digest(secret.as_bytes()))
        );
        assert!(!new_key.secret_hash.contains(secret));
        assert_ne!(generate_api_key().key, new_key.key);
        for bad in [
            "pk_",
            "pk_abc_def",
            "pk_0123456789abcdef_",
            "pk_0123456789abcdeg_x",
            "nope",
        ] {
            assert!(split_api_key(bad).is_none(), "{bad}");
        }
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"same!"));
    }

    #[test]
    fn an_api_key_may_only_request_calls() {
        let key = ApiKeyPrincipal {
            id: Uuid::now_v7(),
            name: "Clinic".into(),
            prefix: "0123456789abcdef".into(),
            scopes: vec![SCOPE_CALLS_REQUEST.into()],
        };
        assert!(key.authorize(&Method::POST, "/api/calls").is_ok());
        assert!(key.authorize(&Method::GET, "/api/calls").is_err());
        assert!(key.authorize(&Method::POST, "/api/api-keys").is_err());
        let unscoped = ApiKeyPrincipal {
            scopes: Vec::new(),
            ..key.clone()
        };
        assert!(unscoped.authorize(&Method::POST, "/api/calls").is_err());
        // Reading and cancelling need their own scopes.
        let call = format!("/api/calls/{}", Uuid::now_v7());
        assert!(key.authorize(&Method::GET, &call).is_err());
        let full = ApiKeyPrincipal {
            scopes: API_KEY_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            ..key.clone()
        };
        assert!(full.authorize(&Method::GET, &call).is_ok());
        assert!(
            full.authorize(&Method::POST, &format!("{call}/cancel"))
                .is_ok()
        );
        for other in [
            format!("{call}/room"),
            format!("{call}/history"),
            "/api/calls/export.csv".to_owned(),
            "/api/calls/not-a-uuid".to_owned(),
            format!("{call}/"),
        ] {
            assert!(full.authorize(&Method::GET, &other).is_err(), "{other}");
        }
        assert!(
            full.authorize(&Method::POST, &format!("{call}/rating"))
                .is_err()
        );
        assert_eq!(key.as_user().role, Role::Requester);
        assert_eq!(key.as_user().id.as_uuid(), key.id);
    }

    #[test]
    fn room_tokens_exist_only_with_token_authentication() {
        let mut jitsi = Settings::local_defaults().unwrap().jitsi;
        let now = Utc::now();
        assert_eq!(
            jitsi_token(&jitsi, &someone(), "room", true, now).unwrap(),
            None
        );
        jitsi.app_id = Some("parley".into());
        jitsi.app_secret = Some(SecretString::from("app secret"));
        let token = jitsi_token(&jitsi, &someone(), "parley-room", true, now)
            .unwrap()
            .unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["jitsi"]);
        validation.set_issuer(&["parley"]);
        let claims = decode::<JitsiClaims>(
            &token,
            &DecodingKey::from_secret(b"app secret"),
            &validation,
        )
        .unwrap()
        .claims;
        assert_eq!(claims.sub, "meet.jit.si");
        assert_eq!(claims.room, "parley-room");
        assert!(claims.moderator && claims.context.user.moderator);
        assert_eq!(claims.exp - claims.iat, 7200);
        assert!(claims.nbf <= claims.iat);
    }

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
}
