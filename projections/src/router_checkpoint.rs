//! Router checkpoints: the router's state as of a stream sequence, so that a router taking
//! over folds the messages after the last checkpoint, not the whole stream.
//!
//! The routing leader writes one every [`EVERY`] while it routes and has read further
//! (`router_checkpoints`, one row per stream). A router that takes the lead loads it and
//! consumes from the next sequence. The row is ignored, and the stream replayed from its
//! first message, when it is of another [`FORMAT`], when it no longer decodes, or when it
//! lies beyond the stream's end (the stream was replaced); rebuilding the stream deletes it.
//!
//! What a checkpoint holds is bounded by the floor as it is (queues, interpreters, the
//! calls not yet finished), not by history: finished calls leave the router's state.

use std::time::Duration;

use anyhow::Context;
use sqlx::{PgConnection, PgPool};

use crate::router::RouterState;

/// The shape of the state in a checkpoint. Raise it when `RouterState` changes in a way
/// an older checkpoint would not decode into correctly.
pub const FORMAT: i32 = 3;

/// How often the leader writes a checkpoint while the stream moves.
pub const EVERY: Duration = Duration::from_secs(5);

/// A router's state and the stream sequence of the last message folded into it.
#[derive(Debug)]
pub struct Checkpoint {
    pub stream_seq: u64,
    pub state: RouterState,
}

/// The checkpoint of `stream`, if there is a usable one: of this [`FORMAT`], decoding,
/// and not beyond `last_seq`, the stream's last sequence.
pub async fn load(
    pool: &PgPool,
    stream: &str,
    last_seq: u64,
) -> anyhow::Result<Option<Checkpoint>> {
    let row: Option<(i64, i32, serde_json::Value)> = sqlx::query_as(
        "SELECT stream_seq, format, state FROM router_checkpoints WHERE stream = $1",
    )
    .bind(stream)
    .fetch_optional(pool)
    .await
    .context("reading the router checkpoint")?;
    let Some((seq, format, state)) = row else {
        return Ok(None);
    };
    let stream_seq = u64::try_from(seq).unwrap_or_default();
    if format != FORMAT {
        tracing::info!(
            format,
            wanted = FORMAT,
            "router checkpoint of another format; replaying the stream"
        );
        return Ok(None);
    }
    if stream_seq > last_seq {
        tracing::warn!(
            stream_seq,
            last_seq,
            "router checkpoint beyond the stream's end; replaying the stream"
        );
        return Ok(None);
    }
    match serde_json::from_value(state) {
        Ok(state) => Ok(Some(Checkpoint { stream_seq, state })),
        Err(error) => {
            tracing::warn!(%error, "router checkpoint does not decode; replaying the stream");
            Ok(None)
        }
    }
}

/// Writes the state as of `stream_seq` over the stream's previous checkpoint.
pub async fn save(
    pool: &PgPool,
    stream: &str,
    stream_seq: u64,
    state: &RouterState,
) -> anyhow::Result<()> {
    let state = serde_json::to_value(state).context("encoding the router state")?;
    sqlx::query(
        "INSERT INTO router_checkpoints (stream, stream_seq, format, state, written_at) \
         VALUES ($1, $2, $3, $4, now()) \
         ON CONFLICT (stream) DO UPDATE SET stream_seq = EXCLUDED.stream_seq, format = EXCLUDED.format, \
             state = EXCLUDED.state, written_at = EXCLUDED.written_at",
    )
    .bind(stream)
    .bind(i64::try_from(stream_seq).unwrap_or(i64::MAX))
    .bind(FORMAT)
    .bind(state)
    .execute(pool)
    .await
    .context("writing the router checkpoint")?;
    Ok(())
}

/// Deletes the stream's checkpoint: its sequences name messages of a stream replaced.
pub async fn forget(conn: &mut PgConnection, stream: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM router_checkpoints WHERE stream = $1")
        .bind(stream)
        .execute(conn)
        .await
        .context("deleting the router checkpoint")?;
    Ok(())
}
