//! Where things are looked up on the write side: queue configurations (folded from the
//! queue events, which are few) with the routing rule that maps a request to a queue, and
//! user accounts.

use std::collections::BTreeMap;
use std::sync::Arc;

use cqrs_es::Aggregate;
use domain::call::CallRequest;
use domain::ids::{QueueId, UserId};
use domain::queue::{Queue, QueueConfig, QueueEvent};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::error::ApiError;

/// Every configured queue, by id.
pub type Queues = BTreeMap<QueueId, QueueConfig>;

/// The queue configurations, kept between requests: every request that routes a call
/// needs them, and folding every queue event each time cost PostgreSQL more than the
/// command's own statements (see docs/benchmarks.md, B1).
///
/// Each use reads how many queue events are stored (one row, kept by a trigger on the
/// events table: migration 0006) and folds them again only when that number moved. Events
/// are only ever added, so a changed count is the one sign of a change, whichever API
/// instance made it; a newest position would not be (a transaction may commit a lower
/// position after a higher one).
#[derive(Default)]
pub struct QueueDirectory {
    folded: tokio::sync::Mutex<Option<(i64, Arc<Queues>)>>,
}

impl QueueDirectory {
    pub async fn current(&self, pool: &PgPool) -> Result<Arc<Queues>, ApiError> {
        let count: i64 = sqlx::query_scalar("SELECT events FROM queue_events_stored")
            .fetch_one(pool)
            .await?;
        if let Some((folded_at, queues)) = &*self.folded.lock().await
            && *folded_at == count
        {
            return Ok(queues.clone());
        }
        // Counted before folding: a fold that also saw later events is only refreshed
        // once more by the next request, never kept stale.
        let queues = Arc::new(load_queues(pool).await?);
        *self.folded.lock().await = Some((count, queues.clone()));
        Ok(queues)
    }
}

async fn load_queues(pool: &PgPool) -> Result<Queues, ApiError> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT aggregate_id, payload::jsonb FROM events WHERE aggregate_type = $1 ORDER BY aggregate_id, sequence",
    )
    .bind(Queue::TYPE)
    .fetch_all(pool)
    .await?;
    let mut queues: BTreeMap<String, Queue> = BTreeMap::new();
    for (id, payload) in rows {
        let event: QueueEvent =
            serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))?;
        queues.entry(id).or_default().apply(event);
    }
    Ok(queues
        .into_values()
        .filter_map(|queue| Some((queue.id?, queue.config?)))
        .collect())
}

/// The routing rule: among the queues that serve the request, the most specific one (a
/// matching specialty beats a general pool, a matching modality beats "any"), then the
/// highest `precedence`, then the one serving the fewest languages. A name plays no part:
/// a new queue must never take routing over by how it sorts. Queues with the same match
/// and precedence are refused (`find_overlap`); what can still tie (e.g. `[es, pt]` and
/// `[es, ca]`) goes to the lowest id, which is the oldest queue (ids are time-ordered).
pub fn choose_queue(queues: &Queues, request: &CallRequest) -> Option<QueueId> {
    queues
        .iter()
        .filter(|(_, config)| config.serves_request(request))
        .max_by(|(a_id, a), (b_id, b)| {
            a.specificity()
                .cmp(&b.specificity())
                .then_with(|| a.precedence.cmp(&b.precedence))
                .then_with(|| b.languages.len().cmp(&a.languages.len()))
                .then_with(|| b_id.cmp(a_id))
        })
        .map(|(id, _)| *id)
}

/// A queue other than `except` whose match (languages, modality, specialty) and precedence
/// equal `config`'s: the two would compete for every request with no rule between them.
pub fn find_overlap(
    queues: &Queues,
    config: &QueueConfig,
    except: Option<QueueId>,
) -> Option<(QueueId, QueueConfig)> {
    queues
        .iter()
        .find(|(id, other)| Some(**id) != except && other.overlaps(config))
        .map(|(id, other)| (*id, other.clone()))
}

/// A user account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    /// A requester's organisation: its requesters see one another's calls.
    #[sqlx(default)]
    pub organisation_id: Option<Uuid>,
    /// When the account was deactivated: listed only by `GET /api/users` with
    /// `include_deactivated=true`, and only for a deactivated account.
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl UserRecord {
    pub fn to_auth_user(&self) -> Result<AuthUser, ApiError> {
        Ok(AuthUser {
            id: UserId(self.id),
            email: self.email.clone(),
            name: self.name.clone(),
            role: Role::parse(&self.role).map_err(|e| ApiError::internal(&e))?,
            organisation_id: self.organisation_id,
        })
    }
}

pub async fn find_user(pool: &PgPool, id: Uuid) -> Result<Option<UserRecord>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT id, email, name, role, organisation_id FROM users WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// The user `id` if it is an interpreter account; 404 otherwise.
pub async fn find_agent_user(pool: &PgPool, id: Uuid) -> Result<UserRecord, ApiError> {
    find_user(pool, id)
        .await?
        .filter(|user| user.role == Role::Agent.as_str())
        .ok_or_else(|| {
            ApiError::not_found("agent_not_found", format!("no interpreter has id {id}"))
        })
}
