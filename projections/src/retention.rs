//! Read-model retention: what the read models forget once it is old enough.
//!
//! The events table is the record and keeps everything: a call of any age can be replayed
//! (`/api/calls/{id}/state`) and every read model rebuilt. The read models serve the
//! screens, and a row nobody will page to again still costs its share of every index and
//! vacuum. So `parley project` prunes, every `every`:
//!
//! * calls requested before `calls_days` ago: their `calls` row, who could see them
//!   (`call_agents`), their `read_history` rows, and the metrics projection's private
//!   lookups for them (`call_facts`, `connections`) and the metrics' drill-down rows of
//!   that age (`contributions`);
//! * metric buckets that started before `metrics_days` ago (the all-time counters that
//!   `/metrics` reports stay).
//!
//! Rows go in batches of [`BATCH`], each its own short transaction, so a prune never holds
//! locks for long and may be interrupted at any point.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;

/// Rows deleted per statement.
pub const BATCH: i64 = 10_000;

/// How long the read models keep what they hold; `None` keeps it for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub calls_days: Option<u32>,
    pub metrics_days: Option<u32>,
}

/// What one prune deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub calls: u64,
    pub buckets: u64,
}

/// One batch of old calls and everything kept about them; returns how many calls went.
/// `SKIP LOCKED` (in each statement here): a second `parley project` pruning at the same
/// time takes other rows.
const PRUNE_CALLS: &str = "
WITH gone AS (
    DELETE FROM read_calls.calls WHERE call_id IN (
        SELECT call_id FROM read_calls.calls WHERE requested_at < $1
         ORDER BY requested_at DESC NULLS LAST, call_id DESC LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING call_id),
seen AS (DELETE FROM read_calls.call_agents v USING gone WHERE v.call_id = gone.call_id),
history AS (DELETE FROM read_history.events h USING gone WHERE h.call_id = gone.call_id)
SELECT count(*) FROM gone";

/// The metrics projection's lookups of calls requested before the cutoff. They are pruned
/// on their own: the calls read model may be rebuilding, or hold fewer calls.
const PRUNE_CALL_FACTS: &str = "
WITH gone AS (
    DELETE FROM read_metrics.call_facts WHERE call_id IN (
        SELECT call_id FROM read_metrics.call_facts WHERE requested_at < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING call_id),
connections AS (DELETE FROM read_metrics.connections c USING gone WHERE c.call_id = gone.call_id)
SELECT count(*) FROM gone";

/// The metrics' drill-down rows go with the calls they name (`calls_retention_days`).
const PRUNE_CONTRIBUTIONS: &str = "
WITH gone AS (
    DELETE FROM read_metrics.contributions WHERE ctid IN (
        SELECT ctid FROM read_metrics.contributions WHERE bucket_start < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*) FROM gone";

const PRUNE_BUCKETS: &str = "
WITH gone AS (
    DELETE FROM read_metrics.buckets WHERE ctid IN (
        SELECT ctid FROM read_metrics.buckets WHERE bucket_start < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*) FROM gone";

/// Runs `sql` (one batch: it deletes at most [`BATCH`] rows older than `cutoff` and counts
/// them) until a batch comes back short; returns the rows deleted in all.
async fn in_batches(
    pool: &PgPool,
    sql: &str,
    cutoff: DateTime<Utc>,
    what: &str,
) -> anyhow::Result<u64> {
    let mut deleted = 0;
    loop {
        let gone: i64 = sqlx::query_scalar(sql)
            .bind(cutoff)
            .bind(BATCH)
            .fetch_one(pool)
            .await
            .with_context(|| format!("pruning {what}"))?;
        deleted += u64::try_from(gone).unwrap_or_default();
        if gone < BATCH {
            return Ok(deleted);
        }
    }
}

/// Deletes, batch after batch, what `retention` no longer keeps as of `now`.
pub async fn prune(
    pool: &PgPool,
    retention: Retention,
    now: DateTime<Utc>,
) -> anyhow::Result<Pruned> {
    let mut pruned = Pruned::default();
    if let Some(days) = retention.calls_days {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        pruned.calls =
            in_batches(pool, PRUNE_CALLS, cutoff, "old calls from the read models").await?;
        in_batches(
            pool,
            PRUNE_CONTRIBUTIONS,
            cutoff,
            "old metric contributions",
        )
        .await?;
        in_batches(
            pool,
            PRUNE_CALL_FACTS,
            cutoff,
            "the metrics' lookups of old calls",
        )
        .await?;
    }
    if let Some(days) = retention.metrics_days {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        pruned.buckets = in_batches(pool, PRUNE_BUCKETS, cutoff, "old metric buckets").await?;
    }
    Ok(pruned)
}

/// Prunes at once, then every `every`, until `shutdown`. A failed prune is logged and
/// tried again at the next turn: retention never stops the workers.
pub async fn run(
    pool: PgPool,
    retention: Retention,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    if retention.calls_days.is_none() && retention.metrics_days.is_none() {
        return;
    }
    let mut turns = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = turns.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        match prune(&pool, retention, Utc::now()).await {
            Ok(pruned) if pruned != Pruned::default() => {
                tracing::info!(
                    calls = pruned.calls,
                    buckets = pruned.buckets,
                    "read models pruned"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "pruning the read models failed"
            ),
        }
    }
}
