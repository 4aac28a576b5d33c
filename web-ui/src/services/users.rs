//! Accounts (admin): list, create, deactivate, reactivate, password reset links.

use super::http::{Api, ApiError};
use crate::types::{Account, NewAccount, ResetLink};

/// Active accounts only (the lists that pick people: skills, queue members).
pub async fn list(api: &Api) -> Result<Vec<Account>, ApiError> {
    api.get_all("/api/users").await
}

/// Every account, deactivated ones too (the admin's accounts table).
pub async fn list_all(api: &Api) -> Result<Vec<Account>, ApiError> {
    api.get_all("/api/users?include_deactivated=true").await
}

pub async fn create(api: &Api, account: &NewAccount) -> Result<Account, ApiError> {
    api.post("/api/users", account).await
}

pub async fn deactivate(api: &Api, id: &str) -> Result<(), ApiError> {
    api.post_no_content::<()>(&format!("/api/users/{id}/deactivate"), None)
        .await
}

pub async fn reactivate(api: &Api, id: &str) -> Result<(), ApiError> {
    api.post_no_content::<()>(&format!("/api/users/{id}/reactivate"), None)
        .await
}

/// A one-use reset link for the account, valid for a day.
pub async fn issue_reset(api: &Api, id: &str) -> Result<ResetLink, ApiError> {
    api.post_empty(&format!("/api/users/{id}/password-reset"))
        .await
}
