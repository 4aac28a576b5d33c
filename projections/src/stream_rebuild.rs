//! Replacing the stream with one built from the events table, for a restored database or a
//! lost stream: the events table is the record, the stream and the read models derive from it.
//!
//! Run with every other part stopped. It takes the relay's lock (and refuses while a relay
//! holds it), deletes the stream and creates it empty, publishes every stored event in
//! commit order, epoch after epoch, starts a new epoch above them, and empties the read
//! models so their workers replay the new stream from sequence 1.

use std::sync::Arc;

use anyhow::{Context, bail};
use async_nats::jetstream;
use futures::TryStreamExt;
use sqlx::{Connection, PgConnection, PgPool};

use crate::bus::BusNames;
use crate::leader::RELAY_LOCK;
use crate::projection::Projection;
use crate::relay::{self, Cursor, EVENT_COLUMNS, PendingEvent};
use crate::stream::ensure_stream;
use crate::worker;

/// Events per publish round: sent together, then every ack awaited.
const PUBLISH_BATCH: usize = 500;

/// What the rebuild did.
#[derive(Debug)]
pub struct StreamRebuilt {
    pub events: u64,
    pub cursor: Cursor,
}

pub async fn rebuild_stream(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
    projections: &[Arc<dyn Projection>],
) -> anyhow::Result<StreamRebuilt> {
    // The lock is held by this session until it ends, so no relay starts meanwhile.
    let mut conn = PgConnection::connect_with(&pool.connect_options())
        .await
        .context("connecting to rebuild the stream")?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(RELAY_LOCK)
        .fetch_one(&mut conn)
        .await
        .context("taking the relay lock")?;
    if !locked {
        bail!(
            "a relay is running: stop every part (relay, router, workers, API) before rebuilding the stream"
        );
    }

    match js.delete_stream(&names.stream).await {
        Ok(_) => tracing::info!(stream = names.stream, "old stream deleted"),
        Err(error)
            if matches!(
                error.kind(),
                jetstream::context::DeleteStreamErrorKind::JetStream(ref js_error)
                    if js_error.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
            ) =>
        {
            tracing::info!(stream = names.stream, "no old stream to delete");
        }
        Err(error) => return Err(error).context("deleting the old stream"),
    }
    ensure_stream(js, names).await?;

    let mut cursor = relay::load_cursor(&mut conn).await?;
    let events = publish_every_event(pool, &mut conn, js, names, &mut cursor).await?;
    let floor: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
        .fetch_one(&mut conn)
        .await?;
    relay::start_epoch(&mut conn, &mut cursor, floor).await?;
    tracing::info!(events, floor, "stream rebuilt from the events table");

    // Their checkpoints point into the stream that was replaced, as the router's does.
    crate::router_checkpoint::forget(&mut conn, &names.stream).await?;
    for projection in projections {
        worker::drop_read_model(&mut conn, projection.as_ref()).await?;
    }
    worker::ensure_schemas(pool, projections).await?;
    Ok(StreamRebuilt { events, cursor })
}

/// Publishes every row, epoch by epoch (an epoch's rows come from one server, so their
/// transaction ids compare), and within an epoch in commit order.
async fn publish_every_event(
    pool: &PgPool,
    conn: &mut PgConnection,
    js: &jetstream::Context,
    names: &BusNames,
    cursor: &mut Cursor,
) -> anyhow::Result<u64> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events \
         ORDER BY (SELECT count(*) FROM relay_epochs WHERE relay_epochs.floor_position < events.global_position), \
                  events.tx_id, events.global_position"
    );
    // A pooled connection streams the rows while `conn` keeps the lock and saves the cursor.
    let mut rows = sqlx::query(&sql).fetch(pool);
    cursor.stream_sequence = 0;
    let mut published = 0_u64;
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    loop {
        let row = rows.try_next().await.context("reading the events")?;
        if let Some(row) = &row {
            batch.push(PendingEvent::from_row(row)?);
        }
        if batch.len() == PUBLISH_BATCH || (row.is_none() && !batch.is_empty()) {
            let stream_sequence = relay::publish_batch(js, names, &batch).await?;
            published += batch.len() as u64;
            cursor.stream_sequence = i64::try_from(stream_sequence).unwrap_or(i64::MAX);
            batch.clear();
        }
        if row.is_none() {
            break;
        }
    }
    relay::save_cursor(conn, cursor).await?;
    Ok(published)
}
