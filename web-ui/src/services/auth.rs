//! `POST /api/auth/login`, `GET /api/auth/me`, `GET /api/auth/config`, the end of a single
//! sign-on (`POST /api/auth/oidc/exchange`), passwords (`POST /api/auth/password`,
//! `POST /api/auth/password-reset`).

use super::http::{Api, ApiError};
use crate::types::{
    AuthConfig, ChangePassword, LoginRequest, LoginResponse, ResetPassword, SsoExchange, User,
};

pub async fn login(api: &Api, email: &str, password: &str) -> Result<LoginResponse, ApiError> {
    let body = LoginRequest {
        email: email.trim().to_owned(),
        password: password.to_owned(),
    };
    api.post("/api/auth/login", &body).await
}

pub async fn me(api: &Api) -> Result<User, ApiError> {
    api.get("/api/auth/me").await
}

/// How one may sign in here (whether single sign-on is configured).
pub async fn config(api: &Api) -> Result<AuthConfig, ApiError> {
    api.get("/api/auth/config").await
}

/// Where the browser goes to sign in with the identity provider.
pub const SSO_LOGIN_PATH: &str = "/api/auth/oidc/login";

/// Turns the one-time code of a single sign-on (`/#sso=...`) into a session.
pub async fn finish_sso(api: &Api, code: &str) -> Result<LoginResponse, ApiError> {
    let body = SsoExchange {
        code: code.to_owned(),
    };
    api.post("/api/auth/oidc/exchange", &body).await
}

/// Changes the signed-in user's own password.
pub async fn change_password(api: &Api, body: &ChangePassword) -> Result<(), ApiError> {
    api.post_no_content("/api/auth/password", Some(body)).await
}

/// Sets a new password with a reset link's token (no sign-in needed).
pub async fn reset_password(api: &Api, body: &ResetPassword) -> Result<(), ApiError> {
    api.post_no_content("/api/auth/password-reset", Some(body))
        .await
}
