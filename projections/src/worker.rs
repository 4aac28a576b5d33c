//! Projection workers: each read model follows the stream with an ordered consumer from its
//! checkpoint + 1, and applies events and moves its checkpoint in ONE transaction, so a
//! crash at any point loses nothing and doubles nothing. After each commit the changed
//! objects are announced on core NATS for the WebSocket hubs.
//!
//! A rebuild fills a fresh schema (`read_<name>_next`) from sequence 1 beside the live one
//! and swaps the two by renaming, in one transaction, while the live checkpoint is locked.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull::OrderedConfig};
use futures::StreamExt;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool};
use tokio::sync::{mpsc, watch};

use crate::bus::{BusNames, ViewChanged};
use crate::projection::{Projection, ProjectionError, RawEvent, schema_name};

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

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// A string literal for SQL sent as text (`standard_conforming_strings` is on).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A transaction on `conn` whose unqualified names resolve in `schema` first. `also`, more
/// statements (each ending in `;`), rides on the same round trip as the `BEGIN`.
async fn begin_in<'c>(
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
enum Indexes {
    Now,
    /// Left for `create_indexes`, once the rows are in (a rebuild's copy).
    Later,
}

/// Creates `schema` with the projection's tables and a checkpoint at 0, if it is missing.
async fn create_schema(
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

/// A read model a worker feeds: the projection and the schema it writes into (its live
/// schema, or a rebuild's copy).
#[derive(Clone, Copy)]
struct Member<'a> {
    projection: &'a dyn Projection,
    schema: &'a str,
}

/// What one transaction did.
enum BatchOutcome {
    Applied {
        changes: Vec<ViewChanged>,
    },
    /// A message past a member's checkpoint + 1 arrived: restart the consumer from the
    /// checkpoints.
    Gap {
        projection: &'static str,
        checkpoint: i64,
        got: i64,
    },
}

/// A member's projection failed on a batch (an event it cannot decode, or a statement the
/// server refused): the other members of its worker go on without it.
#[derive(Debug, thiserror::Error)]
#[error("projection {projection}: {error}")]
struct MemberFailed {
    projection: &'static str,
    error: ProjectionError,
}

impl MemberFailed {
    fn new(member: Member<'_>, error: ProjectionError) -> Self {
        Self {
            projection: member.projection.name(),
            error,
        }
    }

    /// Whether the failure is the projection's own, not the connection's or the server's
    /// state (which would fail any member next).
    fn is_the_projections_own(&self) -> bool {
        matches!(
            self.error,
            ProjectionError::Decode { .. } | ProjectionError::Database(sqlx::Error::Database(_))
        )
    }
}

/// Applies `messages` (stream order) to every member in ONE transaction with their
/// checkpoints. Each member skips what is at or below its own checkpoint (a redelivery, or
/// a rebuild swapped in a copy that is ahead); the rest must follow it without a gap.
///
/// One transaction for all the read models of a worker, not one each: the commit, the
/// locks, the checkpoint reads and writes are paid once per batch, and each message is
/// consumed and decoded once (bench/notes.md § 10).
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
    members: &[Member<'_>],
    mode: Mode<'_>,
    messages: &[RawEvent],
) -> anyhow::Result<BatchOutcome> {
    // The locks serialise with a rebuild's swap: once they are ours, every name below
    // resolves to the schema that is live now, never to one renamed away under us. Members
    // are sorted by schema (see `run`), so two workers take them in the same order. They
    // and the settings ride on the `BEGIN`'s round trip.
    let locks = members
        .iter()
        .map(|member| {
            format!(
                "pg_advisory_xact_lock(hashtext({}))",
                literal(&format!("swap:{}", member.schema))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut tx = conn
        .begin_with(format!(
            "BEGIN; SELECT {locks}; SET LOCAL synchronous_commit = off; \
             SET LOCAL plan_cache_mode = force_custom_plan;"
        ))
        .await?;
    // Every checkpoint in one round trip, each row locked: a second worker of the same
    // read model waits here, then skips what this one applied. One scalar subquery per
    // table, not a join of the tables: the planner, knowing nothing of their one row,
    // costs a join of five so high that JIT compilation takes 120 ms of every batch.
    let subqueries = members
        .iter()
        .map(|member| {
            format!(
                "(SELECT stream_seq FROM {}.checkpoint FOR UPDATE)",
                quoted(member.schema)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let checkpoints: Vec<i64> = sqlx::query_scalar(&format!("SELECT ARRAY[{subqueries}]"))
        .fetch_one(&mut *tx)
        .await?;
    // Where each member's unapplied messages begin, checked for gaps before anything is
    // applied.
    let mut fresh_from = Vec::with_capacity(members.len());
    for (member, &checkpoint) in members.iter().zip(&checkpoints) {
        let from = messages
            .iter()
            .position(|message| message.seq > checkpoint)
            .unwrap_or(messages.len());
        let mut last = checkpoint;
        for &RawEvent { seq, .. } in &messages[from..] {
            if seq != last + 1 {
                return Ok(BatchOutcome::Gap {
                    projection: member.projection.name(),
                    checkpoint,
                    got: seq,
                });
            }
            last = seq;
        }
        fresh_from.push(from);
    }
    // A live batch is decoded once for all the members, from the first message one of
    // them has not applied.
    let first_fresh = fresh_from.iter().copied().min().unwrap_or(messages.len());
    let decoded = match mode {
        Mode::Live { .. } => messages[first_fresh..]
            .iter()
            .map(RawEvent::decode)
            .collect::<Result<Vec<_>, _>>()?,
        Mode::Rebuild => Vec::new(),
    };
    let mut changes = Vec::new();
    let mut moved_checkpoints = String::new();
    for (&member, &from) in members.iter().zip(&fresh_from) {
        let Some(last) = messages[from..].last() else {
            continue;
        };
        let failed = |error| MemberFailed::new(member, error);
        tx.execute(format!("SET LOCAL search_path TO {}, public", quoted(member.schema)).as_str())
            .await?;
        match mode {
            Mode::Live { .. } => changes.extend(
                member
                    .projection
                    .apply_many(&mut tx, &decoded[from - first_fresh..])
                    .await
                    .map_err(failed)?,
            ),
            Mode::Rebuild => member
                .projection
                .rebuild_many(&mut tx, &messages[from..])
                .await
                .map_err(failed)?,
        }
        moved_checkpoints.push_str(&format!(
            "UPDATE {}.checkpoint SET stream_seq = {}, updated_at = now();",
            quoted(member.schema),
            last.seq
        ));
    }
    if !moved_checkpoints.is_empty() {
        tx.execute(moved_checkpoints.as_str()).await?;
    }
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
    /// The read models fed, sorted by schema.
    members: &'a [Member<'a>],
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
        members,
        until,
        mode,
        batch: max_batch,
        linger,
    } = target;
    let names_of_members = members_text(members);
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    'consumer: loop {
        // From the member furthest behind; the others skip what they applied already.
        let mut start = i64::MAX;
        for member in members {
            start = start.min(checkpoint(&mut conn, member.schema).await?);
        }
        if until.is_some_and(|until| start >= until) || *shutdown.borrow() {
            return Ok(());
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
        loop {
            let read = tokio::select! {
                read = batches.recv() => read,
                _ = shutdown.changed() => return Ok(()),
            };
            let batch = match read {
                // The reader stops after the batch that reaches `until` (returned below).
                None => continue 'consumer,
                Some(Ok(batch)) => batch,
                Some(Err(ReadError::Consumer(error))) => {
                    tracing::warn!(%error, projections = names_of_members, "consumer failed; recreating it");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue 'consumer;
                }
                Some(Err(ReadError::Message(error))) => return Err(error),
            };
            if !batch.events.is_empty() {
                match apply_batch(&mut conn, members, mode, &batch.events).await? {
                    BatchOutcome::Gap {
                        projection,
                        checkpoint,
                        got,
                    } => {
                        tracing::info!(
                            projection,
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

/// The names of a worker's read models, for its logs: `agents,calls`.
fn members_text(members: &[Member<'_>]) -> String {
    members
        .iter()
        .map(|member| member.projection.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// How a group of read models fed by one worker stopped.
enum GroupEnd {
    Shutdown,
    /// One of them failed on its own (see [`MemberFailed`]): it goes on in a worker of its
    /// own, the others in another.
    Split {
        failed: Arc<dyn Projection>,
        others: Vec<Arc<dyn Projection>>,
    },
}

/// Runs the projection workers until shutdown: ONE worker (one consumer, one transaction
/// per batch) for all of `projections`, restarting after failures with a pause. A read model
/// that fails on its own, e.g. on an event it cannot decode, is split off into a worker of
/// its own, which retries every second while the others go on.
pub async fn run(
    pool: PgPool,
    js: jetstream::Context,
    nats: async_nats::Client,
    names: BusNames,
    mut projections: Vec<Arc<dyn Projection>>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Sorted, so every worker takes the members' locks in the same order.
    projections.sort_by_key(|projection| schema_name(projection.as_ref()));
    let mut conn = pool.acquire().await?;
    for projection in &projections {
        let schema = schema_name(projection.as_ref());
        create_schema(&mut conn, projection.as_ref(), &schema, Indexes::Now).await?;
    }
    drop(conn);
    let mut groups = tokio::task::JoinSet::new();
    let feed = |group| {
        run_group(
            pool.clone(),
            js.clone(),
            nats.clone(),
            names.clone(),
            group,
            shutdown.clone(),
        )
    };
    groups.spawn(feed(projections));
    while let Some(ended) = groups.join_next().await {
        match ended.context("a projection worker panicked")?? {
            GroupEnd::Shutdown => {}
            GroupEnd::Split { failed, others } => {
                groups.spawn(feed(vec![failed]));
                groups.spawn(feed(others));
            }
        }
    }
    Ok(())
}

/// Feeds `group` (sorted by schema) until shutdown, or until one of several members fails
/// on its own.
async fn run_group(
    pool: PgPool,
    js: jetstream::Context,
    nats: async_nats::Client,
    names: BusNames,
    group: Vec<Arc<dyn Projection>>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<GroupEnd> {
    let schemas: Vec<String> = group
        .iter()
        .map(|projection| schema_name(projection.as_ref()))
        .collect();
    let members: Vec<Member<'_>> = group
        .iter()
        .zip(&schemas)
        .map(|(projection, schema)| Member {
            projection: projection.as_ref(),
            schema,
        })
        .collect();
    loop {
        let target = Target {
            members: &members,
            until: None,
            mode: Mode::Live { announce_on: &nats },
            batch: MAX_BATCH,
            linger: LIVE_LINGER,
        };
        let Err(error) = follow(&pool, &js, &names, target, &mut shutdown).await else {
            return Ok(GroupEnd::Shutdown);
        };
        let own_failure = error
            .downcast_ref::<MemberFailed>()
            .filter(|failed| failed.is_the_projections_own());
        if let Some(failed) = own_failure
            && group.len() > 1
        {
            tracing::error!(
                projection = failed.projection,
                error = format!("{error:#}"),
                "projection failed; running it apart from the others"
            );
            let (failed, others) = group
                .iter()
                .cloned()
                .partition::<Vec<_>, _>(|projection| projection.name() == failed.projection);
            if let Some(failed) = failed.into_iter().next() {
                return Ok(GroupEnd::Split { failed, others });
            }
        }
        tracing::error!(
            projection = members_text(&members),
            error = format!("{error:#}"),
            "projection failed; retrying"
        );
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return Ok(GroupEnd::Shutdown),
        }
    }
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
            members: &[Member {
                projection,
                schema: &next,
            }],
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
    //! create databases): redelivered messages, gaps, the checkpoints, and several read
    //! models in one transaction.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use futures::future::BoxFuture;

    use super::*;
    use crate::bus::BusEvent;
    use crate::projection::Changes;

    /// Records the stream sequence of every event it is given in its table `applied`, once
    /// (a second time would break the primary key).
    struct Recording {
        name: &'static str,
        schema_sql: &'static str,
    }

    const RECORDING_SQL: &str = "CREATE TABLE applied (seq bigint PRIMARY KEY)";
    const FIRST: Recording = Recording {
        name: "batch_first",
        schema_sql: RECORDING_SQL,
    };
    const SECOND: Recording = Recording {
        name: "batch_second",
        schema_sql: RECORDING_SQL,
    };

    impl Projection for Recording {
        fn name(&self) -> &'static str {
            self.name
        }

        fn schema_sql(&self) -> &'static str {
            self.schema_sql
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

    /// A database of its own, holding the schemas of `projections`.
    struct TestDatabase {
        admin: PgConnection,
        name: String,
        conn: PgConnection,
        schemas: Vec<String>,
    }

    impl TestDatabase {
        async fn new(projections: &[&Recording]) -> Self {
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
            let mut schemas = Vec::new();
            for &projection in projections {
                let schema = schema_name(projection);
                create_schema(&mut conn, projection, &schema, Indexes::Now)
                    .await
                    .unwrap();
                schemas.push(schema);
            }
            Self {
                admin,
                name,
                conn,
                schemas,
            }
        }

        /// Applies the messages `seqs` to `projections` (some of those the database was
        /// made for) in one transaction; `Some((projection, checkpoint, got))` for a gap.
        async fn batch(
            &mut self,
            projections: &[&Recording],
            seqs: &[i64],
        ) -> anyhow::Result<Option<(&'static str, i64, i64)>> {
            let schemas: Vec<String> = projections
                .iter()
                .map(|&projection| schema_name(projection))
                .collect();
            let members: Vec<Member<'_>> = projections
                .iter()
                .zip(&schemas)
                .map(|(&projection, schema)| Member { projection, schema })
                .collect();
            let messages: Vec<RawEvent> = seqs.iter().copied().map(message).collect();
            Ok(
                match apply_batch(&mut self.conn, &members, Mode::Rebuild, &messages).await? {
                    BatchOutcome::Applied { .. } => None,
                    BatchOutcome::Gap {
                        projection,
                        checkpoint,
                        got,
                    } => Some((projection, checkpoint, got)),
                },
            )
        }

        /// The checkpoint and the sequences applied of the projection at `index`.
        async fn applied(&mut self, index: usize) -> (i64, Vec<i64>) {
            let schema = &self.schemas[index];
            let seqs = sqlx::query_scalar(&format!(
                "SELECT seq FROM {}.applied ORDER BY seq",
                quoted(schema)
            ))
            .fetch_all(&mut self.conn)
            .await
            .unwrap();
            (checkpoint(&mut self.conn, schema).await.unwrap(), seqs)
        }

        async fn drop(mut self) {
            self.conn.close().await.unwrap();
            let name = &self.name;
            self.admin
                .execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str())
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_batch_skips_what_was_applied_and_a_gap_moves_nothing() {
        let mut db = TestDatabase::new(&[&FIRST]).await;
        let only = [&FIRST];

        assert_eq!(db.batch(&only, &[1, 2]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (2, vec![1, 2]));
        // A redelivery overlapping what is applied: only 3 is new.
        assert_eq!(db.batch(&only, &[1, 2, 3]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (3, vec![1, 2, 3]));
        // Everything applied already: the checkpoint stays (it does not go back to 2),
        // nothing is applied twice.
        assert_eq!(db.batch(&only, &[1, 2]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (3, vec![1, 2, 3]));
        // A gap after the checkpoint, or inside the batch: nothing moves, the checkpoint
        // included.
        let gap = |got| Some((FIRST.name, 3, got));
        assert_eq!(db.batch(&only, &[5, 6]).await.unwrap(), gap(5));
        assert_eq!(db.batch(&only, &[4, 6]).await.unwrap(), gap(6));
        assert_eq!(db.applied(0).await, (3, vec![1, 2, 3]));
        assert_eq!(db.batch(&only, &[4, 5, 6]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (6, vec![1, 2, 3, 4, 5, 6]));
        db.drop().await;
    }

    #[tokio::test]
    async fn read_models_sharing_a_batch_each_start_after_their_own_checkpoint() {
        let mut db = TestDatabase::new(&[&FIRST, &SECOND]).await;
        let both = [&FIRST, &SECOND];

        // The first read model is ahead (as after a rebuild swapped in a newer copy).
        assert_eq!(db.batch(&[&FIRST], &[1, 2, 3]).await.unwrap(), None);
        assert_eq!(db.batch(&both, &[1, 2]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (3, vec![1, 2, 3]));
        assert_eq!(db.applied(1).await, (2, vec![1, 2]));
        // A gap for one of them moves neither: the first does not apply 4 and 5 alone.
        assert_eq!(
            db.batch(&both, &[4, 5]).await.unwrap(),
            Some((SECOND.name, 2, 4))
        );
        assert_eq!(db.applied(0).await, (3, vec![1, 2, 3]));
        assert_eq!(db.applied(1).await, (2, vec![1, 2]));
        // From the one furthest behind: each applies what it lacks, in one transaction.
        assert_eq!(db.batch(&both, &[3, 4, 5]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (5, vec![1, 2, 3, 4, 5]));
        assert_eq!(db.applied(1).await, (5, vec![1, 2, 3, 4, 5]));
        db.drop().await;
    }

    #[tokio::test]
    async fn a_read_model_that_fails_is_named_and_its_partners_roll_back_with_it() {
        let refusing = Recording {
            name: "batch_refusing",
            schema_sql: "CREATE TABLE applied (seq bigint PRIMARY KEY CHECK (seq < 3))",
        };
        let mut db = TestDatabase::new(&[&FIRST, &refusing]).await;
        let both = [&FIRST, &refusing];

        assert_eq!(db.batch(&both, &[1, 2]).await.unwrap(), None);
        let error = db.batch(&both, &[3, 4]).await.unwrap_err();
        let failed = error.downcast_ref::<MemberFailed>().expect("MemberFailed");
        assert_eq!(failed.projection, refusing.name);
        assert!(failed.is_the_projections_own(), "{error:#}");
        // The transaction was one: the first read model did not keep 3 and 4 either.
        assert_eq!(db.applied(0).await, (2, vec![1, 2]));
        assert_eq!(db.applied(1).await, (2, vec![1, 2]));
        // Alone, the first goes on.
        assert_eq!(db.batch(&[&FIRST], &[3, 4]).await.unwrap(), None);
        assert_eq!(db.applied(0).await, (4, vec![1, 2, 3, 4]));
        db.drop().await;
    }
}
