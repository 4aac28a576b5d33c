//! The routing process: a router keeps its state warm from the stream whether it leads or
//! stands by, so that taking the lead costs a lock and the few messages of the last
//! instants, never a replay of history.
//!
//! A router starts from the last checkpoint (`router_checkpoint.rs`), reads back from the
//! events table whatever the stream no longer holds (`stored_events.rs`), and follows the
//! stream from there. While another router leads it asks for the lock every
//! [`STANDBY_POLL`]; once it leads it decides, runs the timers (their deadlines are in the
//! state, so an overdue one fires at the first decision), checks presence and writes the
//! checkpoints.

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull::OrderedConfig};
use chrono::Utc;
use cqrs_es::EventStore;
use domain::agent::Agent;
use domain::call::Call;
use domain::workflow::{Floor, Versioned};
use futures::StreamExt;
use sqlx::PgPool;
use tokio::sync::watch;

use super::{
    PRESENCE_CHECK_EVERY, PRUNE_CONNECTIONS_EVERY, RouterState, carry_out, check_presence,
};
use crate::bus::BusNames;
use crate::leader::{Candidate, ROUTER_LOCK};
use crate::router_checkpoint;
use crate::stored_events::StoredEvents;

/// How often a standby asks for the lock: the most a takeover waits after the leader's
/// session is gone.
const STANDBY_POLL: Duration = Duration::from_millis(200);

/// Rows folded per page when reading back from the events table.
const READ_BACK_PAGE: usize = 4_096;

/// The state as of the checkpoint, brought up to the stream's first message still held.
async fn resume(
    pool: &PgPool,
    js: &jetstream::Context,
    names: &BusNames,
) -> anyhow::Result<(RouterState, u64)> {
    let last_seq = crate::stream::last_sequence(js, names).await?;
    let loading = std::time::Instant::now();
    let checkpoint = match router_checkpoint::load(pool, &names.stream, last_seq).await {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "no router checkpoint; replaying the stream"
            );
            None
        }
    };
    let (mut state, mut resumed_at) = match checkpoint {
        Some(checkpoint) => {
            tracing::info!(
                seq = checkpoint.stream_seq,
                took_ms = loading.elapsed().as_millis(),
                "router resumes from its checkpoint"
            );
            (checkpoint.state, checkpoint.stream_seq)
        }
        None => (RouterState::default(), 0),
    };
    let after = i64::try_from(resumed_at).unwrap_or(i64::MAX);
    if after + 1 < crate::stream::first_sequence(js, names).await? {
        let mut stored = StoredEvents::open(pool, after, None).await?;
        tracing::info!(
            from = after + 1,
            to = stored.up_to(),
            "the stream no longer holds these messages; the router reads them from the events table"
        );
        loop {
            let events = stored.next_batch(READ_BACK_PAGE).await?;
            if events.is_empty() {
                break;
            }
            for event in events {
                state.apply_message(&event.body)?;
                resumed_at = u64::try_from(event.seq).unwrap_or_default();
            }
        }
    }
    Ok((state, resumed_at))
}

/// Folds the next message, which must follow `read_up_to`, and returns its sequence. A
/// message missing (aged out before it was read) fails the run: the next one reads it back
/// from the events table.
fn fold<E: std::fmt::Display>(
    state: &mut RouterState,
    message: Result<jetstream::Message, E>,
    read_up_to: u64,
) -> anyhow::Result<u64> {
    let message =
        message.map_err(|error| anyhow::anyhow!("the router's consumer failed: {error}"))?;
    let seq = message
        .info()
        .map_err(|error| anyhow::anyhow!("a stream message without its sequence: {error}"))?
        .stream_sequence;
    anyhow::ensure!(
        seq == read_up_to + 1,
        "the router's stream jumped from {read_up_to} to {seq}: messages aged out before they were read"
    );
    state.apply_message(&message.payload)?;
    Ok(seq)
}

/// Runs a router until shutdown: keeps its state from the stream, stands by until it holds
/// the routing lock, then routes. With a `presence_timeout`, the leader also checks the
/// interpreters' live connections every second (`check_presence`).
pub async fn run<CS, AS>(
    pool: PgPool,
    js: jetstream::Context,
    names: BusNames,
    floor: &Floor<CS, AS>,
    presence_timeout: Option<Duration>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    let stream = crate::stream::ensure_stream(&js, &names).await?;
    let (mut state, resumed_at) = resume(&pool, &js, &names).await?;
    let deliver_policy = match resumed_at {
        0 => DeliverPolicy::All,
        seq => DeliverPolicy::ByStartSequence {
            start_sequence: seq + 1,
        },
    };
    let consumer = stream
        .create_consumer(OrderedConfig {
            deliver_policy,
            ..Default::default()
        })
        .await
        .context("creating the router's consumer")?;
    let mut messages = consumer
        .messages()
        .await
        .context("consuming")?
        .ready_chunks(256);
    // The stream sequence folded so far; the leader reports it every second for the API's
    // stall watch.
    let mut read_up_to = resumed_at;

    // When the last message came: a consumer quiet while the stream is ahead is stuck on a
    // dead NATS node (`stream::QUIET_CHECK`), and this run ends so a new one recreates it.
    let mut last_message_at = tokio::time::Instant::now();
    let mut quiet_check = tokio::time::interval(crate::stream::QUIET_CHECK);
    quiet_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut candidate = Candidate::connect(&pool, ROUTER_LOCK, "router").await?;
    let mut lock_poll = tokio::time::interval(STANDBY_POLL);
    lock_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            chunk = messages.next() => {
                let chunk = chunk.context("the router's consumer ended")?;
                last_message_at = tokio::time::Instant::now();
                for message in chunk {
                    read_up_to = fold(&mut state, message, read_up_to)?;
                }
            }
            _ = quiet_check.tick() => {
                ensure_not_stuck(&js, &names, last_message_at, read_up_to).await?;
            }
            _ = lock_poll.tick() => {
                if candidate.try_lead().await? {
                    break;
                }
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
    let mut leadership = candidate.into_leadership();

    // Decisions wait until the state holds every message published before the lead was
    // taken: a standby is there already, or within a few messages.
    let caught_up_at = crate::stream::last_sequence(&js, &names).await?;
    let mut replayed = caught_up_at <= read_up_to;
    if replayed {
        tracing::info!(seq = read_up_to, "router caught up; routing");
    }
    let mut lock_check = tokio::time::interval(Duration::from_secs(2));
    let mut presence_check = tokio::time::interval(PRESENCE_CHECK_EVERY);
    presence_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut presence_checks: u64 = 0;
    let mut progress_report = tokio::time::interval(Duration::from_secs(1));
    let mut progress_failed = false;
    let mut checkpoint_due = tokio::time::interval(router_checkpoint::EVERY);
    let mut checkpointed = resumed_at;
    let mut checkpoint_failed = false;
    loop {
        if replayed {
            let now = Utc::now();
            let decisions = state.decide(now);
            carry_out(&mut state, floor, decisions, now).await?;
        }
        let sleep = state
            .next_deadline(Utc::now())
            .map_or(Duration::from_secs(5), |at| {
                (at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
            })
            .min(Duration::from_secs(5))
            .max(Duration::from_millis(5));
        tokio::select! {
            chunk = messages.next() => {
                let chunk = chunk.context("the router's consumer ended")?;
                last_message_at = tokio::time::Instant::now();
                for message in chunk {
                    read_up_to = fold(&mut state, message, read_up_to)?;
                    if read_up_to >= caught_up_at && !replayed {
                        tracing::info!(seq = read_up_to, "router caught up; routing");
                        replayed = true;
                    }
                }
            }
            () = tokio::time::sleep(sleep) => {}
            _ = lock_check.tick() => leadership.check().await?,
            _ = quiet_check.tick() => {
                ensure_not_stuck(&js, &names, last_message_at, read_up_to).await?;
            }
            _ = presence_check.tick(), if replayed && presence_timeout.is_some() => {
                let timeout = presence_timeout.unwrap_or_default();
                check_presence(&pool, floor, &mut state, timeout).await?;
                presence_checks += 1;
                if presence_checks % PRUNE_CONNECTIONS_EVERY == 0 {
                    crate::presence::prune(&pool).await.context("pruning old connections")?;
                }
            }
            _ = checkpoint_due.tick(), if replayed && read_up_to > checkpointed => {
                // Like the progress report: a failed checkpoint costs a longer takeover,
                // never routing. Said once per run.
                match router_checkpoint::save(&pool, &names.stream, read_up_to, &state).await {
                    Ok(()) => checkpointed = read_up_to,
                    Err(error) if !checkpoint_failed => {
                        tracing::warn!(error = format!("{error:#}"), "cannot write the router checkpoint");
                        checkpoint_failed = true;
                    }
                    Err(_) => {}
                }
            }
            _ = progress_report.tick() => {
                // Only the stall watch reads it: a failure (a database not migrated yet)
                // must not stop routing. Said once per run.
                if let Err(error) = leadership.report_progress("router", read_up_to).await
                    && !progress_failed
                {
                    tracing::warn!(error = format!("{error:#}"), "cannot report the router's progress");
                    progress_failed = true;
                }
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

/// Fails when the consumer has delivered nothing for `stream::QUIET_CHECK` while the
/// stream holds messages past `read_up_to`: its NATS node is gone, and the run that
/// follows recreates the consumer on a live one.
async fn ensure_not_stuck(
    js: &jetstream::Context,
    names: &BusNames,
    last_message_at: tokio::time::Instant,
    read_up_to: u64,
) -> anyhow::Result<()> {
    if last_message_at.elapsed() >= crate::stream::QUIET_CHECK
        && crate::stream::is_ahead_of(js, names, read_up_to).await
    {
        anyhow::bail!("the router's consumer went quiet at {read_up_to} behind the stream");
    }
    Ok(())
}
