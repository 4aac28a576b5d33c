//! Interpreters' live connections, kept in PostgreSQL so that every API process and the
//! router see the same ones (`agent_connections`, migration 0009).
//!
//! An API process registers each interpreter's WebSocket when it opens, refreshes
//! `last_seen` while the client is heard from (heartbeats, pongs), and stamps `closed_at`
//! when it closes. A process that dies leaves its rows open, but their `last_seen` stops
//! moving. The router reads, for each interpreter it cares about, the last moment a
//! connection of theirs was known alive (`last_live`) and decides presence from that
//! (`RouterState::presence_decisions`).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::ids::AgentId;
use sqlx::PgPool;
use uuid::Uuid;

/// How often a live connection's `last_seen` is refreshed: a third of the timeout, so a
/// connection is never taken for gone between two refreshes, and at most every 5 s.
pub fn beat_every(timeout: Duration) -> Duration {
    (timeout / 3).clamp(Duration::from_millis(200), Duration::from_secs(5))
}

/// Rows closed, or silent, this long ago are deleted: the table holds an hour of
/// connections, whatever the history.
const KEEP_FOR_S: i64 = 3600;

/// One registered connection of an interpreter.
#[derive(Debug, Clone, Copy)]
pub struct Connection {
    pub id: Uuid,
    pub agent_id: AgentId,
}

impl Connection {
    pub async fn open(pool: &PgPool, agent_id: AgentId) -> Result<Self, sqlx::Error> {
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO agent_connections (connection_id, agent_id) VALUES ($1, $2)")
            .bind(id)
            .bind(agent_id.as_uuid())
            .execute(pool)
            .await?;
        Ok(Self { id, agent_id })
    }

    /// The client was heard from recently: the connection is alive now.
    pub async fn beat(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE agent_connections SET last_seen = now() \
             WHERE connection_id = $1 AND closed_at IS NULL",
        )
        .bind(self.id)
        .execute(pool)
        .await
        .map(|_| ())
    }

    pub async fn close(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE agent_connections SET closed_at = now(), last_seen = now() \
             WHERE connection_id = $1 AND closed_at IS NULL",
        )
        .bind(self.id)
        .execute(pool)
        .await
        .map(|_| ())
    }
}

/// For each of `agents` with any connection on record: the last moment one of them was
/// known alive (its last refresh, or its closing), on this process's clock (the database
/// gives the age, so the two machines' clocks need not agree).
pub async fn last_live(
    pool: &PgPool,
    agents: &[AgentId],
) -> Result<HashMap<AgentId, DateTime<Utc>>, sqlx::Error> {
    if agents.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = agents.iter().map(AgentId::as_uuid).collect();
    let rows: Vec<(Uuid, f64)> = sqlx::query_as(
        "SELECT agent_id, extract(epoch FROM now() - max(last_seen))::float8 \
         FROM agent_connections WHERE agent_id = ANY($1) GROUP BY agent_id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|(agent, age_s)| {
            let age = chrono::Duration::milliseconds((age_s.max(0.0) * 1000.0) as i64);
            (AgentId(agent), now - age)
        })
        .collect())
}

/// Deletes connections closed or silent for over an hour.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM agent_connections WHERE last_seen < now() - make_interval(secs => $1)")
        .bind(KEEP_FOR_S as f64)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
}
