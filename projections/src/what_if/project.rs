//! A sandbox's stream projected by a real projection into a schema of its own, so that its
//! figures are read with the same SQL as the live read model's.

use anyhow::Context;
use sqlx::{Executor, PgPool};

use crate::bus::BusEvent;
use crate::projection::Projection;
use crate::worker::{Indexes, begin_in, create_schema, quoted};

/// Events applied per transaction.
const BATCH: usize = 2_000;

/// Creates `schema` with `projection`'s tables and applies `events` to it in order,
/// reporting how many are applied after each batch.
pub async fn project_into(
    pool: &PgPool,
    projection: &dyn Projection,
    schema: &str,
    events: &[BusEvent],
    progress: &mut (dyn FnMut(usize) + Send),
) -> anyhow::Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .context("a connection for the sandbox")?;
    create_schema(&mut conn, projection, schema, Indexes::Now)
        .await
        .with_context(|| format!("creating the sandbox schema {schema}"))?;
    let numbered: Vec<(i64, BusEvent)> = events
        .iter()
        .cloned()
        .zip(1..)
        .map(|(event, seq)| (seq, event))
        .collect();
    let mut applied = 0;
    for batch in numbered.chunks(BATCH) {
        let mut tx = begin_in(&mut conn, schema, "").await?;
        projection
            .apply_many(&mut tx, batch)
            .await
            .with_context(|| format!("projecting the sandbox's events into {schema}"))?;
        tx.commit().await?;
        applied += batch.len();
        progress(applied);
    }
    Ok(())
}

/// Drops a sandbox schema and everything in it.
pub async fn drop_sandbox(pool: &PgPool, schema: &str) -> anyhow::Result<()> {
    pool.execute(format!("DROP SCHEMA IF EXISTS {} CASCADE", quoted(schema)).as_str())
        .await
        .with_context(|| format!("dropping the sandbox schema {schema}"))?;
    Ok(())
}
