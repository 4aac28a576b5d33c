//! `parley project`: the read-model workers and the jobs beside them (read-model pruning,
//! floor snapshots, webhook delivery), led by one process at a time.
//!
//! A second `parley project` with the same selection of read models stands by on an
//! advisory lock and takes over when the first one's database session ends, as the relay
//! and the router do. Processes with different selections (`--only calls`, `--only
//! metrics`) hold different locks and run side by side; the jobs run only in a process
//! that projects every read model.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use projections::leader::Leadership;
use projections::projection::Projection;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::config::Settings;

/// The lock of a process projecting every read model; a selection adds its bitmask.
const PROJECTOR_LOCK: i64 = 0x5041_524C_4559_0100;

/// The lock key of a selection: the same selection, the same key.
fn lock_key(selected: &[Arc<dyn Projection>]) -> i64 {
    let all = projections::read_models::all();
    if selected.len() == all.len() {
        return PROJECTOR_LOCK;
    }
    let mask = all
        .iter()
        .enumerate()
        .filter(|(_, p)| selected.iter().any(|s| s.name() == p.name()))
        .fold(0_i64, |mask, (i, _)| mask | (1 << i));
    PROJECTOR_LOCK + 1 + mask
}

/// Waits for the lead, then projects until shutdown or until the lead is lost (an error:
/// the caller starts again and stands by).
pub async fn run(
    pool: PgPool,
    nats: async_nats::Client,
    settings: Arc<Settings>,
    selected: Vec<Arc<dyn Projection>>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let every_read_model = selected.len() == projections::read_models::all().len();
    let Some(mut leadership) =
        Leadership::acquire(&pool, lock_key(&selected), "projector", &mut shutdown).await?
    else {
        return Ok(());
    };
    let js = async_nats::jetstream::new(nats.clone());
    projections::stream::ensure_stream(&js, &settings.bus).await?;
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    if every_read_model {
        let read_models = &settings.read_models;
        tasks.push(tokio::spawn(projections::retention::run(
            pool.clone(),
            read_models.retention(),
            Duration::from_secs(read_models.prune_every_s.max(1)),
            stopped.clone(),
        )));
        tasks.push(tokio::spawn(crate::floor_snapshots::run(
            pool.clone(),
            Duration::from_secs(read_models.floor_snapshot_every_s),
            stopped.clone(),
        )));
        // The callback webhooks the `callbacks` projection queues (docs/routing.md).
        tasks.push(tokio::spawn(crate::webhooks::run(
            pool.clone(),
            settings.callbacks.clone(),
            stopped.clone(),
        )));
    }
    let workers: Vec<_> = selected
        .into_iter()
        .map(|projection| {
            tokio::spawn(projections::worker::run(
                pool.clone(),
                js.clone(),
                nats.clone(),
                settings.bus.clone(),
                projection,
                stopped.clone(),
            ))
        })
        .collect();
    let mut lock_check = tokio::time::interval(Duration::from_secs(2));
    let outcome = loop {
        tokio::select! {
            _ = lock_check.tick() => {
                if let Err(error) = leadership.check().await {
                    break Err(error);
                }
            }
            _ = shutdown.changed() => break Ok(()),
        }
    };
    let _ = stop.send(true);
    for worker in futures::future::join_all(workers).await {
        worker.context("a projection worker panicked")??;
    }
    for task in futures::future::join_all(tasks).await {
        task.context("a job beside the projections panicked")?;
    }
    outcome
}
