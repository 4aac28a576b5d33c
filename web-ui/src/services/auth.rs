//! `POST /api/auth/login`, `GET /api/auth/me`.

use super::http::{Api, ApiError};
use crate::types::{LoginRequest, LoginResponse, User};

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
