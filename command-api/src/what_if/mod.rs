//! What-if runs (`POST /api/what-if`): a background job that loads an interval's requests
//! (`inputs`), replays them through the router in a sandbox under the changes asked for
//! (`projections::what_if`), projects the sandbox's events with the real metrics
//! projection into a schema of its own, and stores the actual and simulated metrics side
//! by side in `what_if_runs`, read with the same SQL.
//!
//! One run at a time per process (the others wait, `queued`): a replay is CPU work and must
//! not take the cores commands need. The replay itself runs on a blocking thread. While a
//! run works it moves its `heartbeat_at`; a run whose process died stops moving and reads
//! as failed.

pub mod inputs;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use projections::read_models::metrics::Metrics;
use projections::what_if::{Changes, drop_sandbox, project_into, simulate};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::sync::Semaphore;
use tracing::Instrument;
use utoipa::ToSchema;
use uuid::Uuid;
use wire::what_if::RunStatus;

use crate::routes::queries::metrics::{MetricsRow, totals_from};

static RUNS: Semaphore = Semaphore::const_new(1);

/// How often a working run writes its progress and heartbeat.
const HEARTBEAT: Duration = Duration::from_millis(500);
/// A running run whose heartbeat is older than this has lost its process.
pub const STALE_AFTER_S: i64 = 30;

/// The metrics of one side of a run: every queue over the interval, and all of them
/// together (with the interpreters' occupancy).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RunMetrics {
    pub total: MetricsRow,
    pub queues: Vec<MetricsRow>,
}

/// What a run replays, under which changes.
pub struct Run {
    pub id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub changes: Changes,
}

/// Starts `run` in the background (its row is already stored, `queued`).
pub fn start(primary: PgPool, history: PgPool, run: Run) {
    let span = tracing::info_span!("what_if", run_id = %run.id);
    tokio::spawn(
        async move {
            let id = run.id;
            let outcome = execute(&primary, &history, run).await;
            let stored = match outcome {
                Ok((actual, simulated)) => finish(&primary, id, &actual, &simulated).await,
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "what-if run failed");
                    fail(&primary, id, &format!("{error:#}")).await
                }
            };
            if let Err(error) = stored {
                tracing::error!(
                    error = format!("{error:#}"),
                    "storing a what-if run's outcome"
                );
            }
        }
        .instrument(span),
    );
}

async fn execute(
    primary: &PgPool,
    history: &PgPool,
    run: Run,
) -> anyhow::Result<(RunMetrics, RunMetrics)> {
    // Thousandths done, written by a heartbeat task from the moment the run waits its
    // turn, so a queued run whose process dies reads as failed too.
    let progress = Arc::new(AtomicU32::new(0));
    let heartbeat = tokio::spawn(heartbeat(primary.clone(), run.id, progress.clone()));
    let outcome = async {
        let _turn = RUNS.acquire().await.context("what-if runs stopped")?;
        set_status(primary, run.id, RunStatus::Running).await?;
        replay_and_compare(primary, history, &run, &progress).await
    }
    .await;
    heartbeat.abort();
    outcome
}

async fn replay_and_compare(
    primary: &PgPool,
    history: &PgPool,
    run: &Run,
    progress: &Arc<AtomicU32>,
) -> anyhow::Result<(RunMetrics, RunMetrics)> {
    let replay = inputs::load(history, run.from, run.to)
        .await
        .map_err(|e| anyhow::anyhow!("loading the interval: {}", e.message))?;
    progress.store(100, Ordering::Relaxed);
    let names: Vec<(String, String)> = replay
        .queues
        .iter()
        .map(|q| (q.id.to_string(), q.config.name.as_str().to_owned()))
        .collect();
    let changes = run.changes.clone();
    let shared = progress.clone();
    let stream = tokio::task::spawn_blocking(move || {
        let mut report = |placed: usize, total: usize| {
            let share = 100 + 600 * placed / total.max(1);
            shared.store(u32::try_from(share).unwrap_or(700), Ordering::Relaxed);
        };
        futures::executor::block_on(simulate(&replay, &changes, &mut report))
    })
    .await
    .context("the replay's thread")??;

    let schema = format!("what_if_{}", run.id.simple());
    let total_events = stream.len().max(1);
    let projected = project_into(primary, &Metrics, &schema, &stream, &mut |applied| {
        let share = 700 + 250 * applied / total_events;
        progress.store(u32::try_from(share).unwrap_or(950), Ordering::Relaxed);
    })
    .await;
    let simulated = match projected {
        Ok(()) => side(primary, &format!("{schema}.buckets"), run, &names).await,
        Err(error) => Err(error),
    };
    drop_sandbox(primary, &schema).await?;
    let actual = side(history, "read_metrics.buckets", run, &names).await?;
    Ok((actual, simulated?))
}

/// One side's metrics from a buckets table.
async fn side(
    pool: &PgPool,
    table: &str,
    run: &Run,
    names: &[(String, String)],
) -> anyhow::Result<RunMetrics> {
    let read = |e: crate::error::ApiError| anyhow::anyhow!("reading {table}: {}", e.message);
    let mut queues = totals_from(pool, table, "queue", run.from, run.to)
        .await
        .map_err(read)?;
    let agents = totals_from(pool, table, "agent", run.from, run.to)
        .await
        .map_err(read)?;
    let mut total = MetricsRow {
        bucket_start: run.from,
        key: "all".to_owned(),
        ..MetricsRow::default()
    };
    for queue in &mut queues {
        queue.label = names
            .iter()
            .find(|(id, _)| *id == queue.key)
            .map(|(_, name)| name.clone());
        total.add(queue);
    }
    total.busy_s = agents.iter().map(|a| a.busy_s).sum();
    total.logged_in_s = agents.iter().map(|a| a.logged_in_s).sum();
    total.derive(true);
    Ok(RunMetrics { total, queues })
}

async fn heartbeat(pool: PgPool, id: Uuid, progress: Arc<AtomicU32>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    loop {
        tick.tick().await;
        #[allow(clippy::cast_precision_loss)] // thousandths
        let share = progress.load(Ordering::Relaxed) as f32 / 1000.0;
        let written = sqlx::query(
            "UPDATE what_if_runs SET progress = $2, heartbeat_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(share)
        .execute(&pool)
        .await;
        if let Err(error) = written {
            tracing::warn!(%error, "writing a what-if run's progress");
        }
    }
}

async fn set_status(pool: &PgPool, id: Uuid, status: RunStatus) -> anyhow::Result<()> {
    sqlx::query("UPDATE what_if_runs SET status = $2, heartbeat_at = now() WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .execute(pool)
        .await
        .context("updating a what-if run")?;
    Ok(())
}

async fn finish(
    pool: &PgPool,
    id: Uuid,
    actual: &RunMetrics,
    simulated: &RunMetrics,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE what_if_runs SET status = $2, progress = 1, actual = $3, simulated = $4, \
         finished_at = now(), heartbeat_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(RunStatus::Done.as_str())
    .bind(sqlx::types::Json(actual))
    .bind(sqlx::types::Json(simulated))
    .execute(pool)
    .await
    .context("storing a what-if run's metrics")?;
    Ok(())
}

async fn fail(pool: &PgPool, id: Uuid, error: &str) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE what_if_runs SET status = $2, error = $3, finished_at = now(), \
         heartbeat_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(RunStatus::Failed.as_str())
    .bind(error)
    .execute(pool)
    .await
    .context("storing a what-if run's failure")?;
    Ok(())
}
