//! `POST /api/auth/login`, `GET /api/auth/me`, passwords (`POST /api/auth/password`,
//! `POST /api/auth/password-reset`).

use super::http::{Api, ApiError};
use crate::types::{ChangePassword, LoginRequest, LoginResponse, ResetPassword, User};

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

/// Changes the signed-in user's own password.
pub async fn change_password(api: &Api, body: &ChangePassword) -> Result<(), ApiError> {
    api.post_no_content("/api/auth/password", Some(body)).await
}

/// Sets a new password with a reset link's token (no sign-in needed).
pub async fn reset_password(api: &Api, body: &ResetPassword) -> Result<(), ApiError> {
    api.post_no_content("/api/auth/password-reset", Some(body))
        .await
}
