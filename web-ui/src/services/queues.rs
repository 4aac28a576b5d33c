//! Queues: the live board and the admin's settings.

use super::http::{Api, ApiError};
use crate::types::{Accepted, Queue, QueueSettings};

pub async fn board(api: &Api) -> Result<Vec<Queue>, ApiError> {
    api.get("/api/queues").await
}

pub async fn create(api: &Api, settings: &QueueSettings) -> Result<Accepted, ApiError> {
    api.post("/api/queues", settings).await
}

pub async fn update(api: &Api, id: &str, settings: &QueueSettings) -> Result<Accepted, ApiError> {
    api.put(&format!("/api/queues/{id}"), settings).await
}
