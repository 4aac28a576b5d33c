//! Login (with a lockout after repeated wrong passwords), logout and the current user.

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

/// 429 `account_locked`, with the seconds until the lock ends in `Retry-After`.
fn account_locked(retry_after_s: u64) -> ApiError {
    ApiError {
        retry_after_s: Some(retry_after_s),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "account_locked",
            format!(
                "too many failed logins: this account is locked; try again in {retry_after_s} s"
            ),
        )
    }
}

/// An account as login reads it.
#[derive(sqlx::FromRow)]
struct LoginRow {
    id: uuid::Uuid,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    /// Seconds the account stays locked; zero or less (or none) when it is not locked.
    locked_for_s: Option<i64>,
}

/// Counts a wrong password for an account; locks it on the `lockout_after`-th in a row.
/// Whether the account is locked now.
async fn count_failure(state: &AppState, user_id: uuid::Uuid) -> Result<bool, ApiError> {
    let settings = &state.settings.auth;
    if settings.lockout_after == 0 {
        return Ok(false);
    }
    let after = i32::try_from(settings.lockout_after).unwrap_or(i32::MAX);
    let minutes = i32::try_from(settings.lockout_minutes).unwrap_or(i32::MAX);
    let locked: Option<bool> = sqlx::query_scalar(
        "UPDATE users SET \
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END, \
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) \
                               ELSE locked_until END \
         WHERE id = $1 RETURNING coalesce(locked_until > now(), false)",
    )
    .bind(user_id)
    .bind(after)
    .bind(minutes)
    .fetch_optional(&state.pool)
    .await?;
    Ok(locked.unwrap_or(false))
}

/// Exchanges an email and password for an access token. Unknown email and wrong password
/// get the same answer, in about the same time. `auth.lockout_after` wrong passwords in a
/// row lock the account for `auth.lockout_minutes`: 429 `account_locked` with `Retry-After`,
/// even for the right password, until the lock ends.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginBody, responses(
    (status = 200, body = LoginResponse),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Result<Json<LoginResponse>, ApiError> {
    state.login_limiter.check(peer.ip(), &body.email)?;
    if body.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    let row: Option<LoginRow> = match Email::parse(&body.email) {
        Ok(email) => {
            sqlx::query_as(
                "SELECT id, email, name, role, password_hash, \
                        ceil(extract(epoch FROM locked_until - now()))::int8 AS locked_for_s \
                 FROM users WHERE email = $1 AND disabled_at IS NULL",
            )
            .bind(email.as_str())
            .fetch_optional(&state.pool)
            .await?
        }
        Err(_) => None,
    };
    if let Some(locked_for_s) = row
        .as_ref()
        .and_then(|row| row.locked_for_s)
        .filter(|s| *s > 0)
    {
        return Err(account_locked(
            u64::try_from(locked_for_s).unwrap_or(u64::MAX),
        ));
    }
    let (record, hash) = match row {
        Some(row) => (
            Some(UserRecord {
                id: row.id,
                email: row.email,
                name: row.name,
                role: row.role,
            }),
            Some(row.password_hash),
        ),
        None => (None, None),
    };
    let verified = verify_password(body.password, hash).await?;
    let Some(record) = record else {
        return Err(wrong_credentials());
    };
    if !verified {
        if count_failure(&state, record.id).await? {
            tracing::warn!(
                user_id = %record.id,
                after = state.settings.auth.lockout_after,
                minutes = state.settings.auth.lockout_minutes,
                "account locked after repeated failed logins"
            );
        }
        return Err(wrong_credentials());
    }
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL \
         WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
    )
    .bind(record.id)
    .execute(&state.pool)
    .await?;
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
/// second (401 `token_revoked`). An API key is revoked with `DELETE /api/api-keys/{id}`.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn logout(
    user: AuthUser,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
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
    if token.starts_with(crate::auth::API_KEY_PREFIX) {
        return Err(ApiError::bad_request(
            "not_a_session",
            "an API key is not logged out: revoke it with DELETE /api/api-keys/{id}",
        ));
    }
    let claims = state.keys.verify(token)?;
    state.sessions.revoke(&state.pool, &claims).await?;
    tracing::info!(user_id = %user.id, "logged out");
    Ok(StatusCode::NO_CONTENT)
}
