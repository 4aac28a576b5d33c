//! The access audit (HIPAA "audit controls"): who read which call's detail, history,
//! replay or room, and who exported what. Rows go to `access_audit`, which the database
//! keeps append-only.
//!
//! A read does not wait for its row: entries go through a bounded channel to one writer
//! that inserts them in batches. Nothing is dropped: when the writer is behind by a whole
//! channel, a read waits for room; when the database refuses a batch, the writer keeps it
//! and retries, logging each failure. Entries still in memory when the process dies are
//! the one loss (docs/privacy.md says so).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::mpsc;
use uuid::Uuid;

const CHANNEL: usize = 10_000;
const BATCH: usize = 500;

/// What was done to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessAction {
    /// A call's detail (`GET /api/calls/{id}`).
    Read,
    /// A call's history.
    ReadHistory,
    /// A call as of an instant, replayed from its events.
    Replay,
    /// A call's meeting room.
    JoinRoom,
    /// An export (the calls CSV, a subject's data).
    Export,
    /// An erasure.
    Erase,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadHistory => "read_history",
            Self::Replay => "replay",
            Self::JoinRoom => "join_room",
            Self::Export => "export",
            Self::Erase => "erase",
        }
    }
}

/// What kind of thing was accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    Call,
    /// The call detail records export; the id is its range `from/to`.
    CallsExport,
    Subject,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::CallsExport => "calls_export",
            Self::Subject => "subject",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub action: AccessAction,
    pub resource_type: ResourceType,
    pub resource_id: String,
}

#[derive(Clone)]
pub struct AccessAudit {
    sender: mpsc::Sender<AccessEntry>,
}

impl AccessAudit {
    /// The audit and its writer (spawned on the current runtime).
    pub fn spawn(pool: PgPool) -> Self {
        let (sender, receiver) = mpsc::channel(CHANNEL);
        tokio::spawn(write_batches(pool, receiver));
        Self { sender }
    }

    /// Queues one entry; waits only while the writer is a whole channel behind.
    pub async fn record(
        &self,
        actor_id: Uuid,
        action: AccessAction,
        resource_type: ResourceType,
        resource_id: impl Into<String>,
    ) {
        let entry = AccessEntry {
            at: Utc::now(),
            actor_id,
            action,
            resource_type,
            resource_id: resource_id.into(),
        };
        if let Err(lost) = self.sender.send(entry).await {
            // Only when the writer is gone (the process is stopping): say so, loudly.
            tracing::error!(entry = ?lost.0, "access audit writer stopped; entry not stored");
        }
    }
}

#[tracing::instrument(name = "access_audit_writer", skip_all)]
async fn write_batches(pool: PgPool, mut receiver: mpsc::Receiver<AccessEntry>) {
    let mut batch = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        let mut backoff = Duration::from_millis(100);
        while let Err(e) = insert(&pool, &batch).await {
            tracing::error!(cause = %e, entries = batch.len(), "storing access audit entries failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
        batch.clear();
    }
}

async fn insert(pool: &PgPool, batch: &[AccessEntry]) -> Result<(), sqlx::Error> {
    let at: Vec<DateTime<Utc>> = batch.iter().map(|e| e.at).collect();
    let actors: Vec<Uuid> = batch.iter().map(|e| e.actor_id).collect();
    let actions: Vec<&str> = batch.iter().map(|e| e.action.as_str()).collect();
    let types: Vec<&str> = batch.iter().map(|e| e.resource_type.as_str()).collect();
    let ids: Vec<&str> = batch.iter().map(|e| e.resource_id.as_str()).collect();
    sqlx::query(
        "INSERT INTO access_audit (at, actor_id, action, resource_type, resource_id) \
         SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::text[], $5::text[])",
    )
    .bind(at)
    .bind(actors)
    .bind(actions)
    .bind(types)
    .bind(ids)
    .execute(pool)
    .await?;
    Ok(())
}
