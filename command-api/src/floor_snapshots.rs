//! Floor snapshots: the floor (queues, interpreters, and the calls not yet over) as of
//! instants on a fixed grid, so that the floor as of any instant is one snapshot plus the
//! events after it (`time_travel::floor_as_of`) rather than a fold of the whole history.
//!
//! `parley project` builds them (`run`): it reads the events table in commit order from the
//! last snapshot's position, below the oldest running transaction (as the relay does), and
//! each time an event's own time passes the next instant of the grid it stores the floor as
//! it stood before that event. An interval with no event writes nothing: the one before
//! still holds. A snapshot of another [`FORMAT`] is ignored; raising it makes the builder
//! start again from the first event. Calls leave the floor when they are over, so a
//! snapshot's size is the floor's, not the history's.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, DurationRound, Utc};
use domain::call::CallStatus;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::error::ApiError;
use crate::time_travel::{FloorAsOf, fold_event};

/// The shape of `floor_snapshots.floor`. Raise it when `FloorAsOf` or an aggregate's state
/// changes in a way an older snapshot would not decode into correctly.
pub const FORMAT: i32 = 1;

/// Events read per statement while building.
const PAGE: i64 = 5_000;

/// A stored snapshot: the floor and the last event folded into it, in commit order.
pub struct Snapshot {
    pub as_of: DateTime<Utc>,
    pub floor: FloorAsOf,
    pub tx_id: String,
    pub global_position: i64,
}

type SnapshotRow = (DateTime<Utc>, String, i64, sqlx::types::Json<FloorAsOf>);

/// The latest snapshot at or before `at`, if any.
pub async fn latest_at_or_before(
    pool: &PgPool,
    at: DateTime<Utc>,
) -> Result<Option<Snapshot>, ApiError> {
    let row: Option<SnapshotRow> = sqlx::query_as(
        "SELECT as_of, tx_id::text, global_position, floor FROM floor_snapshots \
         WHERE format = $1 AND as_of <= $2 ORDER BY as_of DESC LIMIT 1",
    )
    .bind(FORMAT)
    .bind(at)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(as_of, tx_id, global_position, floor)| Snapshot {
        as_of,
        floor: floor.0,
        tx_id,
        global_position,
    }))
}

/// The event's own time: `at` in its payload (`{"<EventType>": {…, "at": …}}`).
fn event_time(payload: &serde_json::Value) -> Option<DateTime<Utc>> {
    let fields = payload.as_object()?.values().next()?;
    fields.get("at")?.as_str()?.parse().ok()
}

/// Whether the call can leave the floor: over, or known only by events after its end.
fn finished(status: CallStatus) -> bool {
    matches!(
        status,
        CallStatus::New
            | CallStatus::Ended
            | CallStatus::WrappedUp
            | CallStatus::Abandoned
            | CallStatus::NoInterpreterAvailable
    )
}

/// The floor as the builder has folded it so far: kept in memory between rounds, so a
/// round reads only the events committed since the one before.
pub struct Builder {
    floor: FloorAsOf,
    /// The last event folded, in commit order.
    position: (String, i64),
    /// The next instant of the grid; `None` before the first event.
    next: Option<DateTime<Utc>>,
    /// Events folded since the last snapshot written.
    folded_since: usize,
}

impl Builder {
    /// Resumes from the latest snapshot, or from the first event.
    pub async fn resume(pool: &PgPool, every: chrono::Duration) -> anyhow::Result<Self> {
        let latest = latest_at_or_before(pool, DateTime::<Utc>::MAX_UTC)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        Ok(match latest {
            Some(s) => Self {
                floor: s.floor,
                position: (s.tx_id, s.global_position),
                next: Some(s.as_of + every),
                folded_since: 0,
            },
            None => Self {
                floor: FloorAsOf::default(),
                position: ("0".to_owned(), 0),
                next: None,
                folded_since: 0,
            },
        })
    }

    /// Folds the events committed since the last round and writes every snapshot due at
    /// `now`: an instant of the grid at least 90 s past, with a later event committed.
    /// Returns how many it wrote.
    pub async fn advance(
        &mut self,
        pool: &PgPool,
        every: chrono::Duration,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let due_by = now - chrono::Duration::seconds(90);
        let mut written = 0;
        loop {
            let rows: Vec<(String, i64, String, String, serde_json::Value)> = sqlx::query_as(
                "SELECT tx_id::text, global_position, aggregate_type, aggregate_id, payload::jsonb \
                 FROM events WHERE (tx_id, global_position) > ($1::text::xid8, $2) \
                   AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) \
                 ORDER BY tx_id, global_position LIMIT $3",
            )
            .bind(&self.position.0)
            .bind(self.position.1)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            .context("reading events for a floor snapshot")?;
            if rows.is_empty() {
                return Ok(written);
            }
            for (tx_id, global_position, aggregate_type, aggregate_id, payload) in rows {
                if let Some(at) = event_time(&payload) {
                    let boundary = self
                        .next
                        .get_or_insert_with(|| at.duration_trunc(every).unwrap_or(at) + every);
                    while at > *boundary {
                        if *boundary > due_by {
                            // Not due yet: this event is read again next round.
                            return Ok(written);
                        }
                        if self.folded_since > 0 {
                            store(pool, *boundary, &self.position, &self.floor).await?;
                            written += 1;
                            self.folded_since = 0;
                        }
                        *boundary += every;
                    }
                }
                self.fold(&aggregate_type, &aggregate_id, payload)?;
                self.position = (tx_id, global_position);
            }
        }
    }

    fn fold(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
        payload: serde_json::Value,
    ) -> anyhow::Result<()> {
        let far = DateTime::<Utc>::MAX_UTC;
        if fold_event(&mut self.floor, aggregate_type, aggregate_id, payload, far)
            .map_err(|e| anyhow::anyhow!(e.message))?
        {
            self.folded_since += 1;
        }
        if aggregate_type == "Call"
            && let Ok(id) = aggregate_id.parse()
        {
            let id = domain::CallId(id);
            if self
                .floor
                .calls
                .get(&id)
                .is_some_and(|c| finished(c.state.status))
            {
                self.floor.calls.remove(&id);
            }
        }
        Ok(())
    }
}

async fn store(
    pool: &PgPool,
    as_of: DateTime<Utc>,
    position: &(String, i64),
    floor: &FloorAsOf,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO floor_snapshots (as_of, format, tx_id, global_position, events, floor) \
         VALUES ($1, $2, $3::text::xid8, $4, $5, $6) ON CONFLICT (as_of) DO NOTHING",
    )
    .bind(as_of)
    .bind(FORMAT)
    .bind(&position.0)
    .bind(position.1)
    .bind(i64::try_from(floor.events).unwrap_or(i64::MAX))
    .bind(sqlx::types::Json(floor))
    .execute(pool)
    .await
    .context("storing a floor snapshot")?;
    Ok(())
}

/// Builds the snapshots that fall due, every 30 s, until `shutdown`. `every` is the grid;
/// zero turns snapshots off.
pub async fn run(pool: PgPool, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let Ok(every) = chrono::Duration::from_std(every) else {
        return;
    };
    if every.is_zero() {
        return;
    }
    let mut builder = None;
    loop {
        let round = async {
            let builder = match &mut builder {
                Some(builder) => builder,
                None => builder.insert(Builder::resume(&pool, every).await?),
            };
            builder.advance(&pool, every, Utc::now()).await
        };
        match round.await {
            Ok(0) => {}
            Ok(written) => tracing::info!(written, "floor snapshots written"),
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "floor snapshots failed");
                // Start again from what is stored.
                builder = None;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
