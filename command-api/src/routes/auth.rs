//! Login and the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
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

/// Exchanges an email and password for an access token. Unknown email and wrong password
/// get the same answer, in about the same time.
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
    let record: Option<(UserRecord, String)> = match Email::parse(&body.email) {
        Ok(email) => sqlx::query_as::<_, (uuid::Uuid, String, String, String, String)>(
            "SELECT id, email, name, role, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL",
        )
        .bind(email.as_str())
        .fetch_optional(&state.pool)
        .await?
        .map(|(id, email, name, role, hash)| (UserRecord { id, email, name, role }, hash)),
        Err(_) => None,
    };
    let (record, hash) = match record {
        Some((record, hash)) => (Some(record), Some(hash)),
        None => (None, None),
    };
    let verified = verify_password(body.password, hash).await?;
    let record = record.filter(|_| verified).ok_or_else(wrong_credentials)?;
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
