//! The request context stored with every event: who acted, which request, which
//! conversation, and when.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use domain::workflow::Metadata;
use tower_http::request_id::RequestId;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

pub const CORRELATION_ID_HEADER: &str = "x-correlation-id";

/// An authenticated command's context. `at` is read once, here: the domain never reads a clock.
pub struct CommandContext {
    pub user: AuthUser,
    /// `integration` for an API key, else the user's role.
    pub actor_role: &'static str,
    pub request_id: String,
    pub correlation_id: String,
    pub at: DateTime<Utc>,
    /// The actor's name as their events carry it: sealed under their identity key for a
    /// person's request (issue 26); plain for an API key and for the system's own work,
    /// which name no person.
    pub actor_name: String,
}

impl CommandContext {
    pub fn metadata(&self) -> Metadata {
        Metadata::from([
            ("actor_id".to_owned(), self.user.id.to_string()),
            ("actor_role".to_owned(), self.actor_role.to_owned()),
            ("actor_name".to_owned(), self.actor_name.clone()),
            ("request_id".to_owned(), self.request_id.clone()),
            ("correlation_id".to_owned(), self.correlation_id.clone()),
        ])
    }

    /// Context for work the system does on its own (seeding, timers).
    pub fn system(user: AuthUser, at: DateTime<Utc>) -> Self {
        let id = Uuid::now_v7().to_string();
        Self {
            actor_role: user.role.as_str(),
            actor_name: user.name.clone(),
            user,
            request_id: id.clone(),
            correlation_id: id,
            at,
        }
    }
}

impl FromRequestParts<AppState> for CommandContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
        let correlation_id = parts
            .headers
            .get(CORRELATION_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .map_or_else(|| request_id.clone(), str::to_owned);
        let actor_role = crate::auth::actor_role(parts, &user);
        // An API key's name names an integration, not a person: it stays in the clear.
        let actor_name = if actor_role == crate::auth::ApiKeyPrincipal::ACTOR_ROLE {
            user.name.clone()
        } else {
            crate::privacy::seal_actor_name(state, &user).await?
        };
        Ok(Self {
            actor_role,
            actor_name,
            user,
            request_id,
            correlation_id,
            at: Utc::now(),
        })
    }
}
