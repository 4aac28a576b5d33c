//! Login (throttled, see `login_throttle`), logout and the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use domain::values::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AuthUser, verify_password};
use crate::directory::UserRecord;
use crate::error::{ApiError, ErrorBody, Json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
        .routes(routes!(logout))
        .merge(super::api_keys::router())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user: AuthUser,
}

fn wrong_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "wrong email or password")
}

/// An account as login reads it.
#[derive(sqlx::FromRow)]
struct LoginRow {
    id: uuid::Uuid,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    organisation_id: Option<uuid::Uuid>,
    /// The last time an admin unlocked the account: throttled attempts before it are forgotten.
    unlocked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Exchanges an email and password for an access token. An unknown email, a deactivated
/// account and a wrong password get the same answer, after the same work (a password hash
/// is checked in each case). Attempts are throttled by source address, and by email and
/// source together after `auth.lockout_after` wrong passwords in a row: 429
/// `login_throttled` with `Retry-After`, never a lock on the account itself
/// (docs/security.md).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginBody, responses(
    (status = 200, body = LoginResponse),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Result<Json<LoginResponse>, ApiError> {
    let throttle = &state.login_throttle;
    throttle.check_source(peer.ip())?;
    if body.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    // The same query whether the email is known or not, so both take the same time.
    let row: Option<LoginRow> = match Email::parse(&body.email) {
        Ok(email) => {
            sqlx::query_as(
                "SELECT id, email, name, role, password_hash, organisation_id, \
                        (SELECT max(at) FROM account_changes c \
                         WHERE c.user_id = users.id AND c.action = 'unlocked') AS unlocked_at \
                 FROM users WHERE email = $1 AND disabled_at IS NULL",
            )
            .bind(email.as_str())
            .fetch_optional(&state.pool)
            .await?
        }
        Err(_) => None,
    };
    let unlocked_at = row.as_ref().and_then(|row| row.unlocked_at);
    throttle.check_pair(&body.email, peer.ip(), unlocked_at, chrono::Utc::now())?;
    let (record, hash) = match row {
        Some(row) => (
            Some(UserRecord {
                id: row.id,
                email: row.email,
                name: row.name,
                role: row.role,
                organisation_id: row.organisation_id,
                deactivated_at: None,
            }),
            Some(row.password_hash),
        ),
        None => (None, None),
    };
    let verified = verify_password(body.password, hash).await?;
    let record = match record {
        Some(record) if verified => record,
        _ => {
            if let Some(wait) = throttle.failed(&body.email, peer.ip(), chrono::Utc::now()) {
                // No user id: the email may name nobody, and the log must not tell either.
                tracing::warn!(source = %peer.ip(), wait_s = wait.as_secs(), "login throttled after repeated failures");
            }
            return Err(wrong_credentials());
        }
    };
    throttle.succeeded(&body.email, peer.ip());
    let user = record.to_auth_user()?;
    tracing::info!(user_id = %user.id, role = user.role.as_str(), "logged in");
    Ok(Json(LoginResponse {
        access_token: state.keys.issue(&user)?,
        token_type: "Bearer",
        expires_in: state.keys.ttl_s(),
        user,
    }))
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = AuthUser), (status = 401, body = ErrorBody)))]
async fn me(user: AuthUser) -> Json<AuthUser> {
    Json(user)
}

/// Revokes the access token it is sent with: every API process refuses it within a
/// second (401 `token_revoked`). An API key may not call it (403, as on every route but
/// `POST /api/calls`); it is revoked with `DELETE /api/api-keys/{id}`.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 503, body = ErrorBody)))]
async fn logout(
    user: AuthUser,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    // The extractor checked the token already; its jti and exp are needed here.
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default();
    let claims = state.keys.verify(token)?;
    state.sessions.revoke(&state.pool, &claims).await?;
    tracing::info!(user_id = %user.id, "logged out");
    Ok(StatusCode::NO_CONTENT)
}
