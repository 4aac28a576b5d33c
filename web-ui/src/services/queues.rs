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

/// Sets the interpreters who serve a queue; empty: everyone with the skills.
pub async fn set_members(api: &Api, id: &str, agent_ids: &[String]) -> Result<Accepted, ApiError> {
    api.put(
        &format!("/api/queues/{id}/members"),
        &serde_json::json!({ "agent_ids": agent_ids }),
    )
    .await
}
