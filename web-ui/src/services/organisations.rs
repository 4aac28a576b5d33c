//! Organisations and their requester policies (admin; supervisors edit policies).

use super::http::{Api, ApiError};
use crate::types::{NewOrganisation, Organisation, OrganisationDetail, Policy, PolicyChange};

pub async fn list(api: &Api) -> Result<Vec<Organisation>, ApiError> {
    api.get_all("/api/organisations").await
}

pub async fn create(api: &Api, name: &str) -> Result<Organisation, ApiError> {
    let body = NewOrganisation {
        name: name.trim().to_owned(),
    };
    api.post("/api/organisations", &body).await
}

pub async fn get(api: &Api, id: &str) -> Result<OrganisationDetail, ApiError> {
    api.get(&format!("/api/organisations/{id}")).await
}

/// Replaces the policy; answers the policy as stored.
pub async fn set_policy(api: &Api, id: &str, policy: &Policy) -> Result<Policy, ApiError> {
    api.put(&format!("/api/organisations/{id}/policy"), policy)
        .await
}

/// The policy's changes, oldest first.
pub async fn policy_history(api: &Api, id: &str) -> Result<Vec<PolicyChange>, ApiError> {
    api.get(&format!("/api/organisations/{id}/policy/history"))
        .await
}
