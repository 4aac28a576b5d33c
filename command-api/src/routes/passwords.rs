//! Passwords: a user changes their own; an admin issues a one-use reset link; whoever holds
//! the link sets a new password with it. Each is a row of `account_changes` (who, what,
//! when) in the same transaction as the change.
//!
//! A reset link is 32 random bytes (base64url), shown once to the admin; only its SHA-256
//! is stored (`password_resets`), with its expiry. Using it sets the password, marks the
//! link used, and ends every session of the account: tokens issued up to that second are
//! refused (`users.sessions_valid_from`, see `sessions`). A change by the user keeps their
//! sessions; logging out ends one.

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{AuthUser, Role, hash_password, verify_password};
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::routes::accounts::record_change;
use crate::routes::users::PASSWORD_CHARS;
use crate::state::AppState;

/// How long a reset link works.
pub const RESET_VALID_FOR_HOURS: i64 = 24;
/// Where the SPA takes a reset link: `{RESET_PATH}#{RESET_TOKEN}=…` on the API's own
/// origin (the token after `#` never reaches a server log or a `Referer`).
pub use wire::accounts::{RESET_PATH, RESET_TOKEN};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_reset))
        .routes(routes!(reset_password))
        .routes(routes!(change_password))
}

/// 422 unless the password has the length of a new account's (`PASSWORD_CHARS`).
fn check_new_password(password: &str) -> Result<(), ApiError> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            "invalid_value",
            format!(
                "new_password: must be {} to {} characters",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        ))
    }
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// A reset link, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetLink {
    /// `/reset-password#token=…`, on the API's own origin: send it to the user.
    pub reset_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a one-use password reset link for an active account (admin); it works for 24
/// hours. The user's password and sessions stay until the link is used.
#[utoipa::path(post, path = "/api/users/{id}/password-reset", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = ResetLink), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn issue_reset(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<ResetLink>, ApiError> {
    user.require(&[Role::Admin])?;
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = URL_SAFE_NO_PAD.encode(secret);
    let expires_at = Utc::now() + Duration::hours(RESET_VALID_FOR_HOURS);
    let mut tx = state.pool.begin().await?;
    let issued = sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, expires_at, created_by) \
         SELECT $1, id, $3, $4 FROM users WHERE id = $2 AND disabled_at IS NULL",
    )
    .bind(token_hash(&token))
    .bind(id)
    .bind(expires_at)
    .bind(user.id.as_uuid())
    .execute(&mut *tx)
    .await?;
    if issued.rows_affected() == 0 {
        return Err(ApiError::not_found(
            "user_not_found",
            format!("no active account {id}"),
        ));
    }
    record_change(&mut tx, id, "password_reset_issued", user.id.as_uuid()).await?;
    tx.commit().await?;
    Ok(Json(ResetLink {
        reset_url: format!("{RESET_PATH}#{RESET_TOKEN}={token}"),
        expires_at,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The token of the reset link (after `#token=`).
    pub token: String,
    /// 8 to 256 characters.
    pub new_password: String,
}

/// Sets a new password with a reset link (no login needed). The link works once, for 24
/// hours: an unknown, used or expired one is 400 `invalid_reset_token`, the same answer for
/// each. Every session of the account ends.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth", request_body = ResetBody,
    responses((status = 204, description = "password set; every session ended"), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    Json(body): Json<ResetBody>,
) -> Result<StatusCode, ApiError> {
    check_new_password(&body.new_password)?;
    let hash = hash_password(body.new_password).await?;
    let mut tx = state.pool.begin().await?;
    let user_id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(token_hash(&body.token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        return Err(ApiError::bad_request(
            wire::accounts::INVALID_RESET_TOKEN,
            "this reset link is unknown, used or expired: ask an admin for a new one",
        ));
    };
    sqlx::query(
        "UPDATE users SET password_hash = $2, sessions_valid_from = now() \
         WHERE id = $1",
    )
    .bind(user_id)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    record_change(&mut tx, user_id, "password_reset", user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// 8 to 256 characters.
    pub new_password: String,
}

/// Changes the caller's own password, given the current one (403 `wrong_password`
/// otherwise). Sessions stay; an API key has no password (403).
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordBody,
    responses((status = 204, description = "password changed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn change_password(
    user: AuthUser,
    State(state): State<AppState>,
    Json(body): Json<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    check_new_password(&body.new_password)?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL")
            .bind(user.id.as_uuid())
            .fetch_optional(&state.pool)
            .await?;
    if stored.is_none() || !verify_password(body.current_password, stored).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            wire::accounts::WRONG_PASSWORD,
            "current_password is not this account's password",
        ));
    }
    let hash = hash_password(body.new_password).await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user.id.as_uuid())
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    record_change(
        &mut tx,
        user.id.as_uuid(),
        "password_changed",
        user.id.as_uuid(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
