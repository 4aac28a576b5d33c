//! API keys for integrations (admin).

use super::http::{Api, ApiError};
use crate::types::{ApiKey, CreatedApiKey, NewApiKey};

pub async fn list(api: &Api) -> Result<Vec<ApiKey>, ApiError> {
    api.get("/api/api-keys").await
}

pub async fn create(api: &Api, key: &NewApiKey) -> Result<CreatedApiKey, ApiError> {
    api.post("/api/api-keys", key).await
}

pub async fn revoke(api: &Api, id: &str) -> Result<(), ApiError> {
    api.delete(&format!("/api/api-keys/{id}")).await
}
