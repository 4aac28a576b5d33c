//! An account's lifecycle, by admins: deactivate, reactivate, and unlock (forget the login
//! throttling of its email). Each change is one row
//! of `account_changes` (who, what, when) beside the change to `users`, in one
//! transaction.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(deactivate_user))
        .routes(routes!(reactivate_user))
        .routes(routes!(unlock_user))
}

/// Records `action` on `user_id` by `by`, setting `disabled_at` as `set_disabled` says
/// (`None`: leave it). 404 when there is no such account.
pub async fn change_account(
    state: &AppState,
    user_id: Uuid,
    by: &AuthUser,
    action: &'static str,
    set_disabled: Option<bool>,
) -> Result<(), ApiError> {
    let mut tx = state.pool.begin().await?;
    let found: Option<Uuid> = sqlx::query_scalar(
        "UPDATE users SET disabled_at = CASE \
             WHEN $2::bool IS NULL THEN disabled_at \
             WHEN $2 THEN coalesce(disabled_at, now()) \
             ELSE NULL END \
         WHERE id = $1 RETURNING id",
    )
    .bind(user_id)
    .bind(set_disabled)
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(ApiError::not_found(
            "user_not_found",
            format!("no account {user_id}"),
        ));
    }
    record_change(&mut tx, user_id, action, by.id.as_uuid()).await?;
    tx.commit().await?;
    Ok(())
}

/// One row of `account_changes`: `by` did `action` to `user_id`. Call it in the
/// transaction that makes the change, so the record and the change commit together.
pub async fn record_change(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    action: &'static str,
    by: Uuid,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO account_changes (id, user_id, action, by_user) VALUES ($1, $2, $3, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(action)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    tracing::info!(%by, %user_id, action, "account changed");
    Ok(())
}

/// Deactivates an account (admin): it can no longer log in, and its tokens are refused
/// within a second (401 `account_deactivated`). An admin cannot deactivate themselves
/// (409 `cannot_deactivate_self`), so an installation always keeps one admin who acts.
#[utoipa::path(post, path = "/api/users/{id}/deactivate", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 204, description = "deactivated"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn deactivate_user(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin])?;
    if id == user.id.as_uuid() {
        return Err(ApiError::conflict(
            wire::accounts::CANNOT_DEACTIVATE_SELF,
            "an admin cannot deactivate their own account",
        ));
    }
    change_account(&state, id, &user, "deactivated", Some(true)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reactivates an account (admin): it logs in again, and tokens issued before the
/// deactivation that have not expired are accepted again.
#[utoipa::path(post, path = "/api/users/{id}/reactivate", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 204, description = "reactivated"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn reactivate_user(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin])?;
    change_account(&state, id, &user, "reactivated", Some(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets the throttled login attempts of an account's email, from every source, on
/// every API process (admin). Source-address limits stay.
#[utoipa::path(post, path = "/api/users/{id}/unlock", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 204, description = "unlocked"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn unlock_user(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin])?;
    change_account(&state, id, &user, "unlocked", None).await?;
    Ok(StatusCode::NO_CONTENT)
}
