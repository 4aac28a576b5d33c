//! Projection workers: each read model follows the stream with an ordered consumer from its
//! checkpoint + 1, and applies events and moves its checkpoint in ONE transaction, so a
//! crash at any point loses nothing and doubles nothing. After each commit the changed
//! objects are announced on core NATS for the WebSocket hubs.
//!
//! A rebuild fills a fresh schema (`read_<name>_next`) from sequence 1 beside the live one
//! and swaps the two by renaming, in one transaction, while the live checkpoint is locked.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull::OrderedConfig};
use futures::StreamExt;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool};
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

use crate::bus::{BusNames, ViewChanged};
use crate::projection::{Projection, ProjectionError, RawEvent, schema_name};
use crate::stored_events::StoredEvents;

/// Messages a live worker applies in one transaction at most.
const MAX_BATCH: usize = 256;
/// How long a live worker waits for more messages to join a batch it has begun. At 1,000
/// events/s this cuts the transactions to about a third (each costs four round trips
/// besides its own statements, and a commit) for at most this much lag; an idle stream's
/// lone message waits it too. (5 ms and 10 ms measured alike in B4; bench/notes.md § 7.)
const LIVE_LINGER: Duration = Duration::from_millis(10);
/// Messages a rebuild gathers for one transaction (the last ready chunk may take it past),
/// and how long it waits for more to arrive before applying a smaller batch: nobody waits
/// on a rebuild's latency, and every transaction costs round trips and a commit.
const REBUILD_BATCH: usize = 16_384;
const REBUILD_LINGER: Duration = Duration::from_millis(20);

/// Read models an analyst's SQL may read (through the `parley_analyst` role).
const ANALYST_SCHEMAS: [&str; 2] = ["read_calls", "read_metrics"];

pub(crate) fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// A string literal for SQL sent as text (`standard_conforming_strings` is on).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A transaction on `conn` whose unqualified names resolve in `schema` first. `also`, more
/// statements (each ending in `;`), rides on the same round trip as the `BEGIN`.
pub(crate) async fn begin_in<'c>(
    conn: &'c mut PgConnection,
    schema: &str,
    also: &str,
) -> sqlx::Result<sqlx::Transaction<'c, sqlx::Postgres>> {
    conn.begin_with(format!(
        "BEGIN; SET LOCAL search_path TO {}, public; {also}",
        quoted(schema)
    ))
    .await
}

/// Drops a read model's schemas: the live one and any leftover of a rebuild (`_next`,
/// `_retired`). `ensure_schemas` creates it again, empty, with its checkpoint at 0.
pub async fn drop_read_model(
    conn: &mut PgConnection,
    projection: &dyn Projection,
) -> anyhow::Result<()> {
    let live = schema_name(projection);
    conn.execute(
        format!(
            "DROP SCHEMA IF EXISTS {}, {}, {} CASCADE",
            quoted(&live),
            quoted(&format!("{live}_next")),
            quoted(&format!("{live}_retired"))
        )
        .as_str(),
    )
    .await
    .with_context(|| format!("dropping the read model {live}"))?;
    Ok(())
}

/// Whether `create_schema` creates the secondary indexes (`Projection::index_sql`) too.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indexes {
    Now,
    /// Left for `create_indexes`, once the rows are in (a rebuild's copy).
    Later,
}

/// Creates `schema` with the projection's tables and a checkpoint at 0, if it is missing.
pub(crate) async fn create_schema(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    schema: &str,
    indexes: Indexes,
) -> anyhow::Result<()> {
    // The search path may name the schema before it exists: it is looked up on use.
    let mut tx = begin_in(conn, schema, "").await?;
    // Several processes may start at once: serialise schema creation.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(schema)
        .execute(&mut *tx)
        .await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        tx.execute(format!("CREATE SCHEMA {}", quoted(schema)).as_str())
            .await?;
        tx.execute(projection.schema_sql())
            .await
            .with_context(|| format!("creating the tables of {schema}"))?;
        if indexes == Indexes::Now && !projection.index_sql().trim().is_empty() {
            tx.execute(projection.index_sql())
                .await
                .with_context(|| format!("creating the indexes of {schema}"))?;
        }
        tx.execute(
            "CREATE TABLE checkpoint (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), \
             stream_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()); \
             INSERT INTO checkpoint (stream_seq) VALUES (0);",
        )
        .await?;
        grant_analyst(&mut tx, schema, schema).await?;
    } else if !projection.upgrade_sql().trim().is_empty() {
        tx.execute(projection.upgrade_sql())
            .await
            .with_context(|| format!("upgrading the tables of {schema}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Creates the secondary indexes of a schema made with `Indexes::Later`, on a connection
/// of its own without sqlx's statement log: building them over a million rows takes
/// seconds, which is expected, not the slow statement sqlx would warn about.
async fn create_indexes(
    pool: &PgPool,
    projection: &dyn Projection,
    schema: &str,
) -> anyhow::Result<()> {
    if projection.index_sql().trim().is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    let mut conn = PgConnection::connect_with(&options).await?;
    let mut tx = begin_in(&mut conn, schema, "").await?;
    tx.execute(projection.index_sql())
        .await
        .with_context(|| format!("creating the indexes of {schema}"))?;
    tx.commit().await?;
    conn.close().await?;
    tracing::info!(
        projection = projection.name(),
        schema,
        took_ms = started.elapsed().as_millis(),
        "indexes created"
    );
    Ok(())
}

/// `target` becomes readable by analysts when `logical` is one of the analyst schemas.
async fn grant_analyst(conn: &mut PgConnection, logical: &str, target: &str) -> anyhow::Result<()> {
    if ANALYST_SCHEMAS.contains(&logical) {
        let schema = quoted(target);
        conn.execute(
            format!("GRANT USAGE ON SCHEMA {schema} TO parley_analyst; GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO parley_analyst;")
                .as_str(),
        )
        .await?;
    }
    Ok(())
}

/// Makes sure every read model's schema exists (run with the migrations).
pub async fn ensure_schemas(
    pool: &PgPool,
    projections: &[Arc<dyn Projection>],
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    for projection in projections {
        create_schema(
            &mut conn,
            projection.as_ref(),
            &schema_name(projection.as_ref()),
            Indexes::Now,
        )
        .await?;
    }
    Ok(())
}

async fn checkpoint(conn: &mut PgConnection, schema: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT stream_seq FROM {}.checkpoint",
        quoted(schema)
    ))
    .fetch_one(&mut *conn)
    .await?)
}

/// What one transaction did.
enum BatchOutcome {
    Applied {
        changes: Vec<ViewChanged>,
    },
    /// A message past checkpoint + 1 arrived: restart the consumer from the checkpoint.
    Gap {
        checkpoint: i64,
        got: i64,
    },
}

/// Applies `messages` (stream order) to `schema` in one transaction with its checkpoint.
///
/// The transaction commits with `synchronous_commit = off`: a read model is derived from
/// the stream, and a commit lost in a crash loses its rows and its checkpoint together, so
/// the worker applies the same events again from the checkpoint. The events table keeps its
/// durable commits.
///
/// Its statements are planned for their parameters each time (`force_custom_plan`): a read
/// model starts empty, and a generic plan cached then (a hash join over a sequential scan)
/// stays cached as the table grows until autovacuum analyses it, costing a scan of the whole
/// table per batch in the meantime.
async fn apply_batch(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    schema: &str,
    mode: Mode<'_>,
    messages: &[RawEvent],
) -> Result<BatchOutcome, ProjectionError> {
    // The lock serialises with a rebuild's swap: once it is ours, every name below resolves
    // to the schema that is live now, never to one renamed away under us. It and the
    // settings ride on the `BEGIN`'s round trip: a batch costs four round trips besides
    // its own statements.
    let mut tx = begin_in(
        conn,
        schema,
        &format!(
            "SELECT pg_advisory_xact_lock(hashtext({})); SET LOCAL synchronous_commit = off; \
             SET LOCAL plan_cache_mode = force_custom_plan;",
            literal(&format!("swap:{schema}"))
        ),
    )
    .await?;
    let checkpoint: i64 = sqlx::query_scalar("SELECT stream_seq FROM checkpoint FOR UPDATE")
        .fetch_one(&mut *tx)
        .await?;
    // Messages at or below the checkpoint were applied already (a redelivery, or a rebuild
    // swapped in a newer copy); the rest must follow it without a gap.
    let fresh_from = messages
        .iter()
        .position(|message| message.seq > checkpoint)
        .unwrap_or(messages.len());
    let fresh = &messages[fresh_from..];
    let mut last = checkpoint;
    for &RawEvent { seq, .. } in fresh {
        if seq != last + 1 {
            return Ok(BatchOutcome::Gap {
                checkpoint,
                got: seq,
            });
        }
        last = seq;
    }
    let changes = match mode {
        _ if fresh.is_empty() => Vec::new(),
        Mode::Live { .. } => {
            let events = fresh
                .iter()
                .map(RawEvent::decode)
                .collect::<Result<Vec<_>, _>>()?;
            projection.apply_many(&mut tx, &events).await?
        }
        Mode::Rebuild => {
            projection.rebuild_many(&mut tx, fresh).await?;
            Vec::new()
        }
    };
    sqlx::query("UPDATE checkpoint SET stream_seq = $1, updated_at = now()")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(BatchOutcome::Applied { changes })
}

/// A consumer message's stream sequence and body (decoded by whoever applies it).
fn raw_event(message: &jetstream::Message) -> anyhow::Result<RawEvent> {
    let info = message
        .info()
        .map_err(|e| anyhow::anyhow!("message without stream info: {e}"))?;
    let seq = i64::try_from(info.stream_sequence).context("stream sequence out of range")?;
    Ok(RawEvent {
        seq,
        body: message.payload.clone(),
    })
}

/// A live worker announces what changed after each commit; a rebuild fills a schema
/// nobody reads yet (`Projection::rebuild_many`) and announces nothing.
#[derive(Clone, Copy)]
enum Mode<'a> {
    Live { announce_on: &'a async_nats::Client },
    Rebuild,
}

/// Where `follow` writes, how far, and whether it announces changes.
struct Target<'a> {
    projection: &'a dyn Projection,
    schema: &'a str,
    /// Stop once this stream sequence is applied; `None`: follow until shutdown.
    until: Option<i64>,
    mode: Mode<'a>,
    /// Messages gathered for one transaction (the last ready chunk may take it past).
    batch: usize,
    /// How long to wait for more messages to fill a batch (zero: apply what is ready).
    linger: Duration,
}

/// Messages read ahead of the transaction applying them, by `read_batches`.
struct ReadBatch {
    events: Vec<RawEvent>,
    /// The consumer's stream ended after these: follow it again from the checkpoint.
    ended: bool,
}

/// Why `read_batches` stopped before its consumer ended.
enum ReadError {
    /// The consumer failed (e.g. missed heartbeats): recreate it from the checkpoint.
    Consumer(String),
    /// A message without its stream sequence.
    Message(anyhow::Error),
}

/// Reads the consumer's messages into batches of up to `max_batch` (the last ready chunk
/// may take one past), waiting up to `linger` for more to fill one, and hands them to the
/// applying side through `out`. It runs in a task of its own, so the next batch is read
/// while the previous one is being applied. Stops after a message at
/// or past `until`, on an error (sent first), when the consumer ends, or when `out` closes.
async fn read_batches<S, E>(
    mut messages: S,
    max_batch: usize,
    linger: Duration,
    until: Option<i64>,
    out: mpsc::Sender<Result<ReadBatch, ReadError>>,
) where
    S: futures::Stream<Item = Vec<Result<jetstream::Message, E>>> + Unpin,
    E: std::fmt::Display,
{
    loop {
        let Some(chunk) = messages.next().await else {
            let _ = out
                .send(Ok(ReadBatch {
                    events: Vec::new(),
                    ended: true,
                }))
                .await;
            return;
        };
        let mut events = Vec::with_capacity(chunk.len());
        let mut ended = false;
        let mut pending = Some(chunk);
        let lingering_until = tokio::time::Instant::now() + linger;
        while let Some(chunk) = pending.take() {
            for message in chunk {
                let decoded = match message {
                    Ok(message) => raw_event(&message).map_err(ReadError::Message),
                    Err(error) => Err(ReadError::Consumer(error.to_string())),
                };
                match decoded {
                    Ok(event) => events.push(event),
                    Err(error) => {
                        let _ = out.send(Err(error)).await;
                        return;
                    }
                }
            }
            let reached_until =
                until.is_some_and(|until| events.last().is_some_and(|last| last.seq >= until));
            if reached_until {
                let _ = out.send(Ok(ReadBatch { events, ended })).await;
                return;
            }
            if linger.is_zero() || events.len() >= max_batch {
                break;
            }
            match tokio::time::timeout_at(lingering_until, messages.next()).await {
                Ok(Some(more)) => pending = Some(more),
                Ok(None) => ended = true,
                Err(_) => {}
            }
        }
        if out.send(Ok(ReadBatch { events, ended })).await.is_err() || ended {
            return;
        }
    }
}

/// Aborts the task when dropped (the reader of a consumer given up on).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Batches a reader keeps ready ahead of the transaction applying the current one.
const READ_AHEAD: usize = 2;

/// Follows the stream into the target schema.
async fn follow(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
    target: Target<'_>,
    shutdown: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Target {
        projection,
        schema,
        until,
        mode,
        batch: max_batch,
        linger,
    } = target;
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    'consumer: loop {
        let start = checkpoint(&mut conn, schema).await?;
        if until.is_some_and(|until| start >= until) || *shutdown.borrow() {
            return Ok(());
        }
        if start + 1 < crate::stream::first_sequence(js, names).await? {
            let target = Target {
                projection,
                schema,
                until,
                mode,
                batch: max_batch,
                linger,
            };
            catch_up_from_table(pool, &mut conn, names, &target, start).await?;
            continue 'consumer;
        }
        let stream = js
            .get_stream(&names.stream)
            .await
            .context("reading the stream")?;
        let consumer = stream
            .create_consumer(OrderedConfig {
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: u64::try_from(start + 1).unwrap_or(1),
                },
                ..Default::default()
            })
            .await
            .context("creating the ordered consumer")?;
        let messages = consumer
            .messages()
            .await
            .context("consuming")?
            .ready_chunks(max_batch);
        let (batches_in, mut batches) = mpsc::channel(READ_AHEAD);
        // Dropped (and the reader stopped) whenever this consumer is given up on.
        let _reader = AbortOnDrop(tokio::spawn(read_batches(
            messages, max_batch, linger, until, batches_in,
        )));
        let mut applied_up_to = start;
        loop {
            let read = tokio::select! {
                read = batches.recv() => Some(read),
                _ = shutdown.changed() => return Ok(()),
                () = tokio::time::sleep(crate::stream::QUIET_CHECK) => None,
            };
            let Some(read) = read else {
                let applied = u64::try_from(applied_up_to).unwrap_or(0);
                if crate::stream::is_ahead_of(js, names, applied).await {
                    tracing::warn!(
                        projection = projection.name(),
                        applied_up_to,
                        "the consumer went quiet behind the stream; recreating it"
                    );
                    continue 'consumer;
                }
                continue;
            };
            let batch = match read {
                // The reader stops after the batch that reaches `until` (returned below).
                None => continue 'consumer,
                Some(Ok(batch)) => batch,
                Some(Err(ReadError::Consumer(error))) => {
                    tracing::warn!(%error, projection = projection.name(), "consumer failed; recreating it");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue 'consumer;
                }
                Some(Err(ReadError::Message(error))) => return Err(error),
            };
            if !batch.events.is_empty() {
                let span = tracing::info_span!(
                    "apply_batch",
                    projection = projection.name(),
                    first_seq = batch.events.first().map(|e| e.seq),
                    last_seq = batch.events.last().map(|e| e.seq),
                );
                match apply_batch(&mut conn, projection, schema, mode, &batch.events)
                    .instrument(span)
                    .await?
                {
                    BatchOutcome::Gap { checkpoint, got } => {
                        tracing::info!(
                            projection = projection.name(),
                            checkpoint,
                            got,
                            "gap; restarting from the checkpoint"
                        );
                        continue 'consumer;
                    }
                    BatchOutcome::Applied { changes } => {
                        if let Mode::Live { announce_on } = mode {
                            announce(announce_on, names, &changes).await;
                        }
                    }
                }
            }
            let last = batch.events.last().map(|last| last.seq);
            applied_up_to = last.unwrap_or(applied_up_to);
            if let (Some(until), Some(last)) = (until, last)
                && last >= until
            {
                return Ok(());
            }
            if batch.ended {
                continue 'consumer;
            }
        }
    }
}

/// Applies the messages the stream no longer holds, read back from the events table, up
/// to the relay's cursor (or the target's `until`). Fails when that moves nothing, so that
/// a stream and table that disagree stop the worker loudly instead of looping.
async fn catch_up_from_table(
    pool: &PgPool,
    conn: &mut PgConnection,
    names: &BusNames,
    target: &Target<'_>,
    start: i64,
) -> anyhow::Result<()> {
    let mut stored = StoredEvents::open(pool, start, target.until).await?;
    tracing::info!(
        projection = target.projection.name(),
        from = start + 1,
        to = stored.up_to(),
        "the stream no longer holds these messages; reading them from the events table"
    );
    let mut applied = start;
    loop {
        let events = stored.next_batch(target.batch).await?;
        let Some(last) = events.last().map(|event| event.seq) else {
            break;
        };
        match apply_batch(conn, target.projection, target.schema, target.mode, &events).await? {
            BatchOutcome::Applied { changes } => {
                if let Mode::Live { announce_on } = target.mode {
                    announce(announce_on, names, &changes).await;
                }
            }
            BatchOutcome::Gap { checkpoint, got } => {
                bail!("reading back from the events table: checkpoint {checkpoint}, next row {got}")
            }
        }
        applied = last;
    }
    if applied == start {
        bail!(
            "{}: the stream starts after sequence {} and the events table has nothing after it              up to the relay's cursor",
            target.projection.name(),
            start + 1
        );
    }
    Ok(())
}

/// Best effort: a missed notice is healed by clients reloading on a `seq` gap.
async fn announce(nats: &async_nats::Client, names: &BusNames, changes: &[ViewChanged]) {
    for change in changes {
        match serde_json::to_vec(change) {
            Ok(body) => {
                if let Err(error) = nats
                    .publish(names.view_subject(change.kind), body.into())
                    .await
                {
                    tracing::warn!(%error, "cannot announce a view change");
                }
            }
            Err(error) => tracing::error!(%error, "cannot encode a view change"),
        }
    }
}

/// Runs one projection's worker until shutdown, restarting after failures with a pause.
pub async fn run(
    pool: PgPool,
    js: jetstream::Context,
    nats: async_nats::Client,
    names: BusNames,
    projection: Arc<dyn Projection>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let schema = schema_name(projection.as_ref());
    create_schema(
        &mut *pool.acquire().await?,
        projection.as_ref(),
        &schema,
        Indexes::Now,
    )
    .await?;
    loop {
        let target = Target {
            projection: projection.as_ref(),
            schema: &schema,
            until: None,
            mode: Mode::Live { announce_on: &nats },
            batch: MAX_BATCH,
            linger: LIVE_LINGER,
        };
        match follow(&pool, &js, &names, target, &mut shutdown).await {
            Ok(()) => return Ok(()),
            Err(error) => {
                tracing::error!(
                    projection = projection.name(),
                    error = format!("{error:#}"),
                    "projection failed; retrying"
                );
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
            }
        }
    }
}

/// One statement giving the lowest checkpoint of every read model (0 without any): how
/// far all of them have applied the stream.
pub fn lowest_checkpoint_sql() -> String {
    let checkpoints: Vec<String> = crate::read_models::all()
        .iter()
        .map(|projection| {
            format!(
                "SELECT stream_seq FROM {}.checkpoint",
                quoted(&schema_name(projection.as_ref()))
            )
        })
        .collect();
    format!(
        "SELECT coalesce(min(stream_seq), 0)::int8 FROM ({}) AS checkpoints",
        checkpoints.join(" UNION ALL ")
    )
}

/// One projection's position.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectionStatus {
    pub name: &'static str,
    pub checkpoint: i64,
    pub stream_last: i64,
    pub lag: i64,
}

pub async fn status(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
    projections: &[Arc<dyn Projection>],
) -> anyhow::Result<Vec<ProjectionStatus>> {
    let stream_last =
        i64::try_from(crate::stream::last_sequence(js, names).await?).unwrap_or(i64::MAX);
    let mut conn = pool.acquire().await?;
    let mut statuses = Vec::new();
    for projection in projections {
        let checkpoint = checkpoint(&mut conn, &schema_name(projection.as_ref())).await?;
        statuses.push(ProjectionStatus {
            name: projection.name(),
            checkpoint,
            stream_last,
            lag: (stream_last - checkpoint).max(0),
        });
    }
    Ok(statuses)
}

/// Rebuilds a read model from sequence 1 beside the live one, then swaps it in. Readers
/// and the live worker keep going throughout; the swap is one short transaction.
pub async fn rebuild(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
    projection: &dyn Projection,
) -> anyhow::Result<i64> {
    let live = schema_name(projection);
    let next = format!("{live}_next");
    let mut conn = pool.acquire().await?;
    conn.execute(format!("DROP SCHEMA IF EXISTS {} CASCADE", quoted(&next)).as_str())
        .await?;
    create_schema(&mut conn, projection, &live, Indexes::Now).await?;
    create_schema(&mut conn, projection, &next, Indexes::Later).await?;
    let mut indexed = false;
    let (_never, mut no_shutdown) = watch::channel(false);
    loop {
        let target =
            i64::try_from(crate::stream::last_sequence(js, names).await?).unwrap_or(i64::MAX);
        let copy = Target {
            projection,
            schema: &next,
            until: Some(target),
            mode: Mode::Rebuild,
            batch: REBUILD_BATCH,
            linger: REBUILD_LINGER,
        };
        follow(pool, js, names, copy, &mut no_shutdown).await?;
        if !indexed {
            // Once, over the rows loaded so far; a catch-up below maintains them.
            create_indexes(pool, projection, &next).await?;
            indexed = true;
        }
        // Hold the live checkpoint still, and swap only if the copy is not behind it.
        let mut tx = conn.begin().await?;
        // The live worker takes this lock before each batch (see `apply_batch`).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("swap:{live}"))
            .execute(&mut *tx)
            .await?;
        let live_checkpoint: i64 = sqlx::query_scalar(&format!(
            "SELECT stream_seq FROM {}.checkpoint FOR UPDATE",
            quoted(&live)
        ))
        .fetch_one(&mut *tx)
        .await?;
        let next_checkpoint: i64 = sqlx::query_scalar(&format!(
            "SELECT stream_seq FROM {}.checkpoint",
            quoted(&next)
        ))
        .fetch_one(&mut *tx)
        .await?;
        if next_checkpoint < live_checkpoint {
            // The live copy moved on meanwhile: catch up again.
            tx.rollback().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let retired = format!("{live}_retired");
        tx.execute(
            format!(
                "DROP SCHEMA IF EXISTS {retired} CASCADE; ALTER SCHEMA {live} RENAME TO {retired}; ALTER SCHEMA {next} RENAME TO {live};",
                retired = quoted(&retired),
                live = quoted(&live),
                next = quoted(&next),
            )
            .as_str(),
        )
        .await?;
        grant_analyst(&mut tx, &live, &live).await?;
        tx.commit().await?;
        conn.execute(format!("DROP SCHEMA IF EXISTS {} CASCADE", quoted(&retired)).as_str())
            .await?;
        tracing::info!(
            projection = projection.name(),
            checkpoint = next_checkpoint,
            "rebuilt and swapped in"
        );
        return Ok(next_checkpoint);
    }
}

#[cfg(test)]
mod tests {
    //! `apply_batch` against a real PostgreSQL (`DATABASE_URL`, a server where tests may
    //! create databases): redelivered messages, gaps and the checkpoint.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use futures::future::BoxFuture;

    use super::*;
    use crate::bus::BusEvent;
    use crate::projection::Changes;

    /// Records the stream sequence of every event it is given, once (a second time would
    /// break the primary key).
    struct Recording;

    impl Projection for Recording {
        fn name(&self) -> &'static str {
            "batch_test"
        }

        fn schema_sql(&self) -> &'static str {
            "CREATE TABLE applied (seq bigint PRIMARY KEY)"
        }

        fn apply<'a>(
            &'a self,
            tx: &'a mut PgConnection,
            _event: &'a BusEvent,
            seq: i64,
        ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
            Box::pin(async move {
                sqlx::query("INSERT INTO applied VALUES ($1)")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                Ok(Vec::new())
            })
        }
    }

    fn message(seq: i64) -> RawEvent {
        let event = BusEvent {
            aggregate_type: "Call".to_owned(),
            aggregate_id: "c1".to_owned(),
            sequence: seq,
            event_type: "CallTested".to_owned(),
            event_version: "1".to_owned(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            payload: serde_json::json!({"CallTested": {}}),
            metadata: serde_json::json!({}),
        };
        RawEvent {
            seq,
            body: serde_json::to_vec(&event).unwrap().into(),
        }
    }

    async fn batch(conn: &mut PgConnection, schema: &str, seqs: &[i64]) -> Option<(i64, i64)> {
        let messages: Vec<RawEvent> = seqs.iter().copied().map(message).collect();
        match apply_batch(conn, &Recording, schema, Mode::Rebuild, &messages)
            .await
            .unwrap()
        {
            BatchOutcome::Applied { .. } => None,
            BatchOutcome::Gap { checkpoint, got } => Some((checkpoint, got)),
        }
    }

    async fn applied(conn: &mut PgConnection, schema: &str) -> (i64, Vec<i64>) {
        let seqs = sqlx::query_scalar(&format!(
            "SELECT seq FROM {}.applied ORDER BY seq",
            quoted(schema)
        ))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        (checkpoint(conn, schema).await.unwrap(), seqs)
    }

    #[tokio::test]
    async fn a_batch_skips_what_was_applied_and_a_gap_moves_nothing() {
        let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
        let name = format!("worker_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .unwrap();
        let options: sqlx::postgres::PgConnectOptions = admin_url.parse().unwrap();
        let mut conn = PgConnection::connect_with(&options.database(&name))
            .await
            .unwrap();
        let schema = schema_name(&Recording);
        create_schema(&mut conn, &Recording, &schema, Indexes::Now)
            .await
            .unwrap();

        assert_eq!(batch(&mut conn, &schema, &[1, 2]).await, None);
        assert_eq!(applied(&mut conn, &schema).await, (2, vec![1, 2]));
        // A redelivery overlapping what is applied: only 3 is new.
        assert_eq!(batch(&mut conn, &schema, &[1, 2, 3]).await, None);
        assert_eq!(applied(&mut conn, &schema).await, (3, vec![1, 2, 3]));
        // Everything applied already: the checkpoint stays (it does not go back to 2),
        // nothing is applied twice.
        assert_eq!(batch(&mut conn, &schema, &[1, 2]).await, None);
        assert_eq!(applied(&mut conn, &schema).await, (3, vec![1, 2, 3]));
        // A gap after the checkpoint, or inside the batch: nothing moves, the checkpoint
        // included.
        assert_eq!(batch(&mut conn, &schema, &[5, 6]).await, Some((3, 5)));
        assert_eq!(batch(&mut conn, &schema, &[4, 6]).await, Some((3, 6)));
        assert_eq!(applied(&mut conn, &schema).await, (3, vec![1, 2, 3]));
        assert_eq!(batch(&mut conn, &schema, &[4, 5, 6]).await, None);
        assert_eq!(
            applied(&mut conn, &schema).await,
            (6, vec![1, 2, 3, 4, 5, 6])
        );

        conn.close().await.unwrap();
        admin
            .execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str())
            .await
            .unwrap();
    }
}
