//! After a run under faults or for a long time: did every event arrive once? The events
//! table is the record; the stream and the read models must hold each event exactly once,
//! and every command answered 202 must have stored its event.

use std::time::Duration;

use serde::Serialize;
use sqlx::PgPool;
use tokio::time::Instant;

/// What was lost or doubled.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Integrity {
    /// Calls answered 202 whose request is not in the events table.
    pub commands_lost: i64,
    pub stream_messages: i64,
    pub stored_events: i64,
    pub events_doubled_in_stream: i64,
    /// Call events the calls' history holds twice, and call events it lacks.
    pub events_doubled_in_read_models: i64,
    pub read_models_missing_events: i64,
}

impl Integrity {
    pub fn is_whole(&self) -> bool {
        self.commands_lost == 0
            && self.events_doubled_in_stream == 0
            && self.events_doubled_in_read_models == 0
            && self.read_models_missing_events == 0
    }
}

/// Waits until the relay published every stored event and every read model applied it.
pub async fn wait_until_caught_up(pool: &PgPool, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let lowest_sql = projections::worker::lowest_checkpoint_sql();
    loop {
        let (published, behind): (i64, i64) = sqlx::query_as(
            "SELECT stream_sequence, (SELECT count(*) FROM events e WHERE (e.tx_id, e.global_position) > (c.tx_id, c.global_position) \
             AND e.global_position > c.floor_position) FROM relay_cursor c",
        )
        .fetch_one(pool)
        .await?;
        let lowest: i64 = sqlx::query_scalar(&lowest_sql).fetch_one(pool).await?;
        if behind == 0 && lowest >= published {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the pipeline did not catch up: {behind} unpublished, read models at {lowest} of {published}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Compares the events table with the stream (`nats_url` may list a cluster's servers)
/// and the calls' history, and looks up every accepted call.
pub async fn check(
    pool: &PgPool,
    nats_url: &str,
    stream: &str,
    accepted_calls: &[String],
) -> anyhow::Result<Integrity> {
    let commands_lost: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM unnest($1::text[]) AS accepted(id) WHERE NOT EXISTS \
         (SELECT 1 FROM events WHERE aggregate_type = 'Call' AND aggregate_id = accepted.id AND sequence = 1)",
    )
    .bind(accepted_calls)
    .fetch_one(pool)
    .await?;
    // Each pair is read in the order that keeps a late event from looking like a fault:
    // the router stores events after the load (calls giving up), so the stream is read
    // before the table, and the table before the read model.
    let servers: Vec<async_nats::ServerAddr> = nats_url
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let js = async_nats::jetstream::new(async_nats::connect(servers).await?);
    let mut stream = js.get_stream(stream).await?;
    let stream_messages = i64::try_from(stream.info().await?.state.messages)?;
    let stored_events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    let call_events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Call'")
            .fetch_one(pool)
            .await?;
    let (history_rows, distinct_history): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT (call_id, call_sequence)) FROM read_history.events",
    )
    .fetch_one(pool)
    .await?;
    Ok(Integrity {
        commands_lost,
        stream_messages,
        stored_events,
        events_doubled_in_stream: (stream_messages - stored_events).max(0),
        events_doubled_in_read_models: history_rows - distinct_history,
        read_models_missing_events: (call_events - distinct_history).max(0),
    })
}
