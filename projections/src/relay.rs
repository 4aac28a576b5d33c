//! The relay: committed events, in commit order, to the JetStream stream.
//!
//! * Order and no gaps: rows are read by `(tx_id, global_position)` and only below the
//!   oldest transaction still running (`pg_snapshot_xmin`), so a row whose transaction
//!   commits late is never skipped: the relay waits for it.
//! * No loss: the cursor is saved only after JetStream acked every message of the batch.
//! * No doubles: every message carries `Nats-Msg-Id`; on start the relay also moves its
//!   cursor to the stream's last message, in case it died between publish and save.
//! * One at a time: a PostgreSQL advisory lock, held on a dedicated connection; a second
//!   relay waits on it and takes over when the first one's connection goes away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgListener, PgRow};
use sqlx::{Connection, Executor, PgConnection, PgPool, Row};
use tokio::sync::watch;
use tracing::Instrument;

use crate::bus::{BusEvent, BusNames};
use crate::leader::{Leadership, RELAY_LOCK};
use crate::stream::ensure_stream;

/// Channel the events table's trigger notifies on each insert.
pub const EVENTS_CHANNEL: &str = "parley_events";
/// Header carrying the request id of the command that stored the event.
pub const REQUEST_ID_HEADER: &str = "Parley-Request-Id";

#[derive(Debug, Clone)]
pub struct RelayOptions {
    pub names: BusNames,
    pub batch_size: i64,
    /// Fallback poll when no notification arrives (e.g. a notification was missed).
    pub idle_poll: Duration,
    /// The longest wait between polls while later rows wait behind an open transaction.
    /// Polls start at [`FIRST_FENCED_POLL`] and double up to this. Transactions that write
    /// no events (the read-model workers', for one) hold the fence too, and their commit
    /// sends no notification: a fixed 20 ms poll put up to 20 ms on the relay's latency
    /// whenever a worker was mid-batch, i.e. most of the time under load.
    pub fenced_poll: Duration,
    /// Test hook: fail once after publishing a batch and before saving the cursor, as a
    /// crash there would.
    pub fail_before_saving_cursor: Option<Arc<AtomicBool>>,
}

/// The first wait while rows are fenced: most transactions are a few milliseconds long.
pub const FIRST_FENCED_POLL: Duration = Duration::from_millis(1);

impl RelayOptions {
    pub fn new(names: BusNames) -> Self {
        Self {
            names,
            batch_size: 500,
            idle_poll: Duration::from_secs(2),
            fenced_poll: Duration::from_millis(20),
            fail_before_saving_cursor: None,
        }
    }
}

/// Where the relay stands in the events table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub floor_position: i64,
    /// `xid8` as text (sqlx has no xid8 type).
    pub tx_id: String,
    pub global_position: i64,
    pub stream_sequence: i64,
}

pub async fn load_cursor(conn: &mut PgConnection) -> anyhow::Result<Cursor> {
    let row = sqlx::query(
        "SELECT floor_position, tx_id::text AS tx_id, global_position, stream_sequence FROM relay_cursor",
    )
    .fetch_one(&mut *conn)
    .await
    .context("reading the relay cursor")?;
    Ok(Cursor {
        floor_position: row.try_get("floor_position")?,
        tx_id: row.try_get("tx_id")?,
        global_position: row.try_get("global_position")?,
        stream_sequence: row.try_get("stream_sequence")?,
    })
}

pub(crate) async fn save_cursor(conn: &mut PgConnection, cursor: &Cursor) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE relay_cursor SET floor_position = $1, tx_id = $2::text::xid8, global_position = $3, \
         stream_sequence = $4, updated_at = now()",
    )
    .bind(cursor.floor_position)
    .bind(&cursor.tx_id)
    .bind(cursor.global_position)
    .bind(cursor.stream_sequence)
    .execute(&mut *conn)
    .await
    .context("saving the relay cursor")?;
    Ok(())
}

/// The columns of an events row as the relay reads it (see `PendingEvent::from_row`).
pub(crate) const EVENT_COLUMNS: &str = "aggregate_type, aggregate_id, sequence, event_type, event_version, \
     payload::jsonb AS payload, metadata::jsonb AS metadata, recorded_at, tx_id::text AS tx_id_text, global_position";

pub(crate) struct PendingEvent {
    pub(crate) event: BusEvent,
    pub(crate) tx_id: String,
    pub(crate) global_position: i64,
}

impl PendingEvent {
    /// An events row selected with `EVENT_COLUMNS`.
    pub(crate) fn from_row(row: &PgRow) -> anyhow::Result<Self> {
        Ok(Self {
            event: BusEvent {
                aggregate_type: row.try_get("aggregate_type")?,
                aggregate_id: row.try_get("aggregate_id")?,
                sequence: row.try_get("sequence")?,
                event_type: row.try_get("event_type")?,
                event_version: row.try_get("event_version")?,
                recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
                payload: row.try_get("payload")?,
                metadata: row.try_get("metadata")?,
            },
            tx_id: row.try_get("tx_id_text")?,
            global_position: row.try_get("global_position")?,
        })
    }
}

/// The next committed events after `cursor`; `fenced` tells whether later rows exist that
/// wait behind a transaction still open.
async fn next_batch(
    conn: &mut PgConnection,
    cursor: &Cursor,
    limit: i64,
    fence: bool,
) -> anyhow::Result<(Vec<PendingEvent>, bool)> {
    let fence_clause = if fence {
        "AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
    } else {
        ""
    };
    // The order names the table's columns: a bare `tx_id` would mean the text output
    // column, which sorts '10000' before '9999' and, at a power of ten, skips rows.
    let sql = format!(
        "SELECT {EVENT_COLUMNS} \
         FROM events \
         WHERE global_position > $1 AND (tx_id, global_position) > ($2::text::xid8, $3) {fence_clause} \
         ORDER BY events.tx_id, events.global_position LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(cursor.floor_position)
        .bind(&cursor.tx_id)
        .bind(cursor.global_position)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("reading committed events")?;
    let batch = rows
        .iter()
        .map(PendingEvent::from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let fenced = fence && batch.is_empty() && rows_behind_fence(conn, cursor).await?;
    Ok((batch, fenced))
}

/// Whether rows after `cursor` wait behind a transaction still open: rows whose
/// transaction id lies between the oldest one running and the next one to start.
///
/// Both bounds matter after a logical restore into a fresh cluster. The restored rows keep
/// their old transaction ids, which may lie above every id the new cluster has handed out;
/// they are all below the epoch's `floor_position`, so the filter drops them, but without
/// the upper bound the index scan would walk through every one of them, on every idle poll.
/// With both bounds the scan covers the ids of the transactions running now.
pub async fn rows_behind_fence(conn: &mut PgConnection, cursor: &Cursor) -> anyhow::Result<bool> {
    // Not `EXISTS (…)`: the planner expects many matches and picks a sequential scan,
    // which reads the whole table when nothing matches (the usual case). The first row in
    // index order is an index-only probe.
    let waiting = sqlx::query_scalar::<_, bool>(
        "SELECT (SELECT global_position FROM events WHERE global_position > $1 \
         AND (tx_id, global_position) > ($2::text::xid8, $3) \
         AND tx_id >= pg_snapshot_xmin(pg_current_snapshot()) \
         AND tx_id < pg_snapshot_xmax(pg_current_snapshot()) \
         ORDER BY events.tx_id, events.global_position LIMIT 1) IS NOT NULL",
    )
    .bind(cursor.floor_position)
    .bind(&cursor.tx_id)
    .bind(cursor.global_position)
    .fetch_one(&mut *conn)
    .await
    .context("looking for events behind an open transaction")?;
    Ok(waiting)
}

/// Publishes a batch, waits for every ack, and returns the last stream sequence.
pub(crate) async fn publish_batch(
    js: &jetstream::Context,
    names: &BusNames,
    batch: &[PendingEvent],
) -> anyhow::Result<u64> {
    let mut acks: Vec<PublishAckFuture> = Vec::with_capacity(batch.len());
    for pending in batch {
        let event = &pending.event;
        let body = Bytes::from(serde_json::to_vec(event).context("encoding an event")?);
        let mut message = PublishMessage::build()
            .payload(body)
            .message_id(event.message_id());
        if let Some(request_id) = event.metadata.get("request_id").and_then(|v| v.as_str()) {
            message = message.header(REQUEST_ID_HEADER, request_id);
        }
        let subject = names.event_subject(&event.aggregate_type, &event.aggregate_id);
        acks.push(
            js.send_publish(subject, message)
                .await
                .context("publishing an event")?,
        );
    }
    let mut last = 0;
    for ack in acks {
        let ack = ack.await.context("waiting for JetStream to ack")?;
        last = ack.sequence;
    }
    Ok(last)
}

/// How long the relay keeps publishing a batch again before it gives up and restarts.
const PUBLISH_RETRY_FOR: Duration = Duration::from_secs(60);

/// Publishes a batch until JetStream acks all of it. While a NATS cluster elects a new
/// leader for the stream (a node died), publishes fail for a few seconds; trying again in
/// place, every 100 ms, costs no new session, lock or stream lookup, and the stream's
/// duplicate window drops what the failed attempt had stored.
async fn publish_until_acked(
    js: &jetstream::Context,
    names: &BusNames,
    batch: &[PendingEvent],
    leadership: &mut Leadership,
) -> anyhow::Result<u64> {
    let started = std::time::Instant::now();
    let mut warned = false;
    loop {
        match publish_batch(js, names, batch).await {
            Ok(sequence) => {
                if warned {
                    tracing::info!(
                        took_ms = started.elapsed().as_millis(),
                        "JetStream acks the relay's batch again"
                    );
                }
                return Ok(sequence);
            }
            Err(error) if started.elapsed() < PUBLISH_RETRY_FOR => {
                if !warned {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "publishing failed; trying again"
                    );
                    warned = true;
                }
                // A relay that lost its lock meanwhile must not publish on.
                leadership.check().await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Moves the cursor to the stream's last message when the stream is ahead of it: the
/// previous relay died after publishing and before saving.
async fn reconcile(
    conn: &mut PgConnection,
    js: &jetstream::Context,
    names: &BusNames,
    cursor: &mut Cursor,
) -> anyhow::Result<()> {
    let mut stream = js
        .get_stream(&names.stream)
        .await
        .context("reading the stream")?;
    let last_sequence = stream
        .info()
        .await
        .context("reading stream info")?
        .state
        .last_sequence;
    let stream_sequence = u64::try_from(cursor.stream_sequence).unwrap_or(0);
    if last_sequence < stream_sequence {
        // Publishing on would hand out sequences the read models already hold: they
        // would skip the new events as duplicates.
        bail!(
            "the stream {} ends at sequence {last_sequence} but the relay already published up to {stream_sequence}: \
             the stream was lost or replaced; follow \"Recover from a lost stream\" in docs/runbook.md",
            names.stream
        );
    }
    if last_sequence == 0 || last_sequence == stream_sequence {
        return Ok(());
    }
    let message = stream
        .get_raw_message(last_sequence)
        .await
        .context("reading the stream's last message")?;
    let event: BusEvent =
        serde_json::from_slice(&message.payload).context("decoding the stream's last message")?;
    let position = sqlx::query(
        "SELECT tx_id::text AS tx_id, global_position FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
    )
    .bind(&event.aggregate_type)
    .bind(&event.aggregate_id)
    .bind(event.sequence)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(position) = position else {
        tracing::warn!(
            message_id = event.message_id(),
            "the stream's last event is not in the events table"
        );
        return Ok(());
    };
    let global_position: i64 = position.try_get("global_position")?;
    if global_position > cursor.floor_position {
        cursor.tx_id = position.try_get("tx_id")?;
        cursor.global_position = global_position;
    }
    cursor.stream_sequence = i64::try_from(last_sequence).unwrap_or(i64::MAX);
    save_cursor(conn, cursor).await?;
    tracing::info!(
        stream_sequence = last_sequence,
        "relay cursor reconciled with the stream"
    );
    Ok(())
}

/// Refuses to run when transaction ids went backwards (a restore into a fresh cluster)
/// until `rebase` has started a new epoch.
async fn check_epoch(conn: &mut PgConnection, cursor: &Cursor) -> anyhow::Result<()> {
    let behind: bool = sqlx::query_scalar("SELECT pg_current_xact_id() < $1::text::xid8")
        .bind(&cursor.tx_id)
        .fetch_one(&mut *conn)
        .await?;
    if behind {
        bail!(
            "transaction ids are below the relay cursor ({}): the database was restored; run `parley relay rebase` once",
            cursor.tx_id
        );
    }
    Ok(())
}

/// Runs the relay until `shutdown` turns true: waits for leadership, then relays.
pub async fn run(
    pool: PgPool,
    js: jetstream::Context,
    options: RelayOptions,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Some(mut leadership) =
        Leadership::acquire(&pool, RELAY_LOCK, "relay", &mut shutdown).await?
    else {
        return Ok(());
    };
    tracing::info!(stream = options.names.stream, "relay active");
    ensure_stream(&js, &options.names).await?;
    let mut conn = PgConnection::connect_with(&pool.connect_options())
        .await
        .context("connecting the relay")?;
    // The cursor is saved after every batch; waiting for its WAL flush put the disk's
    // latency on every event's way to the bus. A cursor lost in a crash is behind the
    // stream, which `reconcile` repairs on start (and the duplicate window drops re-sends).
    conn.execute("SET synchronous_commit = off")
        .await
        .context("setting up the relay's connection")?;
    let mut cursor = load_cursor(&mut conn).await?;
    check_epoch(&mut conn, &cursor).await?;
    reconcile(&mut conn, &js, &options.names, &mut cursor).await?;
    let mut listener = PgListener::connect_with(&pool)
        .await
        .context("listening for events")?;
    listener.listen(EVENTS_CHANNEL).await?;
    let mut lock_check = tokio::time::interval(Duration::from_secs(2));
    let mut last_lock_check = std::time::Instant::now();
    let mut fenced_wait = FIRST_FENCED_POLL;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let (batch, fenced) = next_batch(&mut conn, &cursor, options.batch_size, true).await?;
        if batch.is_empty() {
            let wait = if fenced {
                let wait = fenced_wait.min(options.fenced_poll);
                fenced_wait = wait * 2;
                wait
            } else {
                fenced_wait = FIRST_FENCED_POLL;
                options.idle_poll
            };
            tokio::select! {
                notification = listener.recv() => { notification.context("event notifications")?; }
                () = tokio::time::sleep(wait) => {}
                _ = lock_check.tick() => {
                    // Leadership lives on this connection: losing it means another relay may
                    // take over, so this one must stop.
                    leadership.check().await?;
                }
                _ = shutdown.changed() => {}
            }
            continue;
        }
        fenced_wait = FIRST_FENCED_POLL;
        if last_lock_check.elapsed() > Duration::from_secs(2) {
            // Also under continuous load: a relay that lost its lock must stop publishing.
            leadership.check().await?;
            last_lock_check = std::time::Instant::now();
        }
        let span = tracing::info_span!(
            "relay_batch",
            events = batch.len(),
            first_position = batch.first().map(|e| e.global_position),
            stream_seq = tracing::field::Empty,
        );
        let stream_sequence = publish_until_acked(&js, &options.names, &batch, &mut leadership)
            .instrument(span.clone())
            .await?;
        span.record("stream_seq", stream_sequence);
        if let Some(fail) = &options.fail_before_saving_cursor
            && fail.swap(false, Ordering::SeqCst)
        {
            bail!(
                "injected failure after publishing {} events, before saving the cursor",
                batch.len()
            );
        }
        if let Some(last) = batch.last() {
            cursor.tx_id.clone_from(&last.tx_id);
            cursor.global_position = last.global_position;
            cursor.stream_sequence = i64::try_from(stream_sequence).unwrap_or(i64::MAX);
            save_cursor(&mut conn, &cursor).await?;
        }
        tracing::debug!(events = batch.len(), stream_sequence, "relayed");
    }
}

/// After a logical restore: publish what the restored database holds beyond the cursor
/// (nothing else writes while the stack is stopped, so no fence is needed), then start a
/// new epoch above every restored row, whatever transaction ids new rows get.
pub async fn rebase(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
) -> anyhow::Result<Cursor> {
    ensure_stream(js, names).await?;
    let mut conn = pool.acquire().await?;
    let mut cursor = load_cursor(&mut conn).await?;
    reconcile(&mut conn, js, names, &mut cursor).await?;
    loop {
        let (batch, _) = next_batch(&mut conn, &cursor, 500, false).await?;
        let Some(last) = batch.last() else { break };
        let stream_sequence = publish_batch(js, names, &batch).await?;
        cursor.tx_id.clone_from(&last.tx_id);
        cursor.global_position = last.global_position;
        cursor.stream_sequence = i64::try_from(stream_sequence).unwrap_or(i64::MAX);
        save_cursor(&mut conn, &cursor).await?;
    }
    let floor: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    start_epoch(&mut conn, &mut cursor, floor).await?;
    tracing::info!(
        floor,
        "relay rebased: a new epoch starts above the restored events"
    );
    Ok(cursor)
}

/// Starts a new epoch above `floor` (the highest `global_position` of the rows before it):
/// new rows are read above it in their own server's transaction order. The epoch is also
/// recorded, so that a stream rebuilt later orders each epoch's rows after the previous ones.
pub(crate) async fn start_epoch(
    conn: &mut PgConnection,
    cursor: &mut Cursor,
    floor: i64,
) -> anyhow::Result<()> {
    cursor.floor_position = floor;
    cursor.tx_id = "0".to_owned();
    cursor.global_position = 0;
    let mut tx = conn.begin().await?;
    save_cursor(&mut tx, cursor).await?;
    sqlx::query("INSERT INTO relay_epochs (floor_position) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(floor)
        .execute(&mut *tx)
        .await
        .context("recording the relay epoch")?;
    tx.commit().await.context("starting a relay epoch")?;
    Ok(())
}

/// How far the relay is behind the events table.
pub async fn lag(pool: &PgPool) -> anyhow::Result<(Cursor, i64)> {
    let mut conn = pool.acquire().await?;
    let cursor = load_cursor(&mut conn).await?;
    let behind: i64 = sqlx::query_scalar(
        // The upper bound skips rows restored with transaction ids from the future (see
        // `rows_behind_fence`); they are below the floor, so relayed already.
        "SELECT count(*) FROM events WHERE global_position > $1 AND (tx_id, global_position) > ($2::text::xid8, $3) \
         AND tx_id < pg_snapshot_xmax(pg_current_snapshot())",
    )
    .bind(cursor.floor_position)
    .bind(&cursor.tx_id)
    .bind(cursor.global_position)
    .fetch_one(&mut *conn)
    .await?;
    Ok((cursor, behind))
}
