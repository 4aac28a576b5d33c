//! The `PARLEY_EVENTS` stream, created or brought up to date idempotently at start.

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, stream};

use crate::bus::BusNames;

/// File storage, a 2-minute duplicate window, no deletes and no purges: the stream is the
/// global order of events and projection checkpoints point into it. Messages older than
/// `max_age_days` go; a reader that needs them reads them back from the events table
/// (`stored_events`), under the same numbers.
pub fn stream_config(names: &BusNames) -> stream::Config {
    stream::Config {
        name: names.stream.clone(),
        subjects: vec![names.events_wildcard()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        duplicate_window: Duration::from_secs(120),
        deny_delete: true,
        deny_purge: true,
        max_age: Duration::from_secs(u64::from(names.max_age_days) * 86_400),
        num_replicas: names.replicas.max(1),
        ..Default::default()
    }
}

/// Creates the stream, or updates its settings when they drifted. Safe to call from every
/// process at every start.
pub async fn ensure_stream(
    js: &jetstream::Context,
    names: &BusNames,
) -> anyhow::Result<stream::Stream> {
    let wanted = stream_config(names);
    let mut stream = js
        .get_or_create_stream(wanted.clone())
        .await
        .with_context(|| format!("creating stream {}", names.stream))?;
    let current = stream
        .info()
        .await
        .context("reading stream info")?
        .config
        .clone();
    let drifted = current.subjects != wanted.subjects
        || current.duplicate_window != wanted.duplicate_window
        || current.deny_delete != wanted.deny_delete
        || current.deny_purge != wanted.deny_purge
        || current.max_age != wanted.max_age
        || current.num_replicas != wanted.num_replicas;
    if drifted {
        tracing::info!(stream = names.stream, "updating stream settings");
        js.update_stream(wanted)
            .await
            .context("updating stream settings")?;
        stream = js
            .get_stream(&names.stream)
            .await
            .context("reading stream")?;
    }
    Ok(stream)
}

/// How long a follower of the stream may receive nothing before it asks whether the stream
/// is ahead of it. An ordered consumer whose NATS node died delivers nothing until the
/// client's own heartbeat check gives up on it, 15 s or more; a follower that finds the
/// stream ahead after this long recreates its consumer on a live node instead.
pub const QUIET_CHECK: Duration = Duration::from_secs(1);

/// Whether the stream holds messages past `read_up_to`. Unknown (the stream has no leader
/// this instant) counts as not ahead: the next check asks again.
pub async fn is_ahead_of(js: &jetstream::Context, names: &BusNames, read_up_to: u64) -> bool {
    match last_sequence(js, names).await {
        Ok(last) => last > read_up_to,
        Err(error) => {
            tracing::debug!(
                error = format!("{error:#}"),
                "cannot read the stream's last sequence"
            );
            false
        }
    }
}

/// The stream's last sequence (0 when empty).
pub async fn last_sequence(js: &jetstream::Context, names: &BusNames) -> anyhow::Result<u64> {
    let mut stream = js
        .get_stream(&names.stream)
        .await
        .context("reading stream")?;
    Ok(stream
        .info()
        .await
        .context("reading stream info")?
        .state
        .last_sequence)
}

/// The stream's first message still held: messages before it aged out (`max_age_days`).
/// One past the last when every message aged out, 1 when the stream is new.
pub async fn first_sequence(js: &jetstream::Context, names: &BusNames) -> anyhow::Result<i64> {
    let mut stream = js
        .get_stream(&names.stream)
        .await
        .context("reading stream")?;
    let state = &stream.info().await.context("reading stream info")?.state;
    Ok(i64::try_from(state.first_sequence.max(1)).unwrap_or(i64::MAX))
}
