//! Accounts (admin).

use super::http::{Api, ApiError};
use crate::types::{Account, NewAccount};

pub async fn list(api: &Api) -> Result<Vec<Account>, ApiError> {
    api.get_all("/api/users").await
}

pub async fn create(api: &Api, account: &NewAccount) -> Result<Account, ApiError> {
    api.post("/api/users", account).await
}
