//! Interpreters: the status board, status changes and skills.

use serde_json::json;

use super::http::{Api, ApiError};
use crate::types::{Accepted, Agent, Profile, Skills};

pub async fn board(api: &Api) -> Result<Vec<Agent>, ApiError> {
    api.get_all("/api/agents").await
}

/// For an interpreter: their own row and their colleagues' presence and skills (without
/// the colleagues' calls), to hand a call to a named colleague.
pub async fn colleagues(api: &Api) -> Result<Vec<Agent>, ApiError> {
    api.get_all("/api/agents?scope=colleagues").await
}

pub async fn set_my_status(api: &Api, status: &str) -> Result<Accepted, ApiError> {
    api.put("/api/agents/me/status", &json!({ "status": status }))
        .await
}

pub async fn set_status(api: &Api, agent_id: &str, status: &str) -> Result<Accepted, ApiError> {
    api.put(
        &format!("/api/agents/{agent_id}/status"),
        &json!({ "status": status }),
    )
    .await
}

pub async fn set_skills(api: &Api, agent_id: &str, skills: &Skills) -> Result<Accepted, ApiError> {
    api.put(&format!("/api/agents/{agent_id}/skills"), skills)
        .await
}

/// The interpreter's profile (`gender`; `None` clears it).
pub async fn set_profile(
    api: &Api,
    agent_id: &str,
    profile: &Profile,
) -> Result<Accepted, ApiError> {
    api.put(&format!("/api/agents/{agent_id}/profile"), profile)
        .await
}
