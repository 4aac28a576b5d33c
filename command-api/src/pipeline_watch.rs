//! Noticing a pipeline that stopped moving. The relay, the projection workers and the
//! router run in other processes, and a part that stands still (a lock it waits on, a
//! hung connection) logs nothing by itself. Each API process therefore looks every few
//! seconds at where each part stands and whether events wait for it:
//!
//! | part | position | waiting |
//! |------|----------|---------|
//! | `relay` | its cursor (`global_position`) | committed events beyond the cursor |
//! | `projection:<name>` | the read model's checkpoint | stream messages past it |
//! | `router` | the stream sequence it last reported (`pipeline_progress`) | stream messages past it |
//!
//! A part whose position has not changed in `pipeline.stall_after_s` while something
//! waits is **stalled**: `/readyz` answers 503 naming it, the log warns (once, then every
//! minute while it lasts), and `parley_pipeline_stalled_seconds{part}` says for how long.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::state::AppState;

/// How often a stalled part is logged again while it stays stalled.
const WARN_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// One part as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartState {
    pub part: String,
    pub position: i64,
    /// Events (or messages) waiting for it.
    pub waiting: i64,
    /// Seconds without progress while something waits (0: moving, or nothing waits).
    pub still_for_s: u64,
    pub stalled: bool,
}

struct Progress {
    position: i64,
    since: Instant,
    warned_at: Option<Instant>,
}

#[derive(Default)]
struct Seen {
    progress: HashMap<String, Progress>,
    parts: Vec<PartState>,
}

pub struct PipelineWatch {
    stall_after: Option<Duration>,
    seen: Mutex<Seen>,
}

impl PipelineWatch {
    pub fn new(stall_after_s: u64) -> Self {
        Self {
            stall_after: (stall_after_s > 0).then(|| Duration::from_secs(stall_after_s)),
            seen: Mutex::default(),
        }
    }

    /// Every part as last seen.
    pub fn parts(&self) -> Vec<PartState> {
        self.seen
            .lock()
            .map(|seen| seen.parts.clone())
            .unwrap_or_default()
    }

    /// The stalled parts, by name.
    pub fn stalled(&self) -> Vec<String> {
        self.parts()
            .into_iter()
            .filter(|part| part.stalled)
            .map(|part| part.part)
            .collect()
    }

    /// Records one look at every part, `(part, position, waiting)`, taken at `now`.
    fn record(&self, observed: Vec<(String, i64, i64)>, now: Instant) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let mut parts = Vec::with_capacity(observed.len());
        for (part, position, waiting) in observed {
            let progress = seen
                .progress
                .entry(part.clone())
                .or_insert_with(|| Progress {
                    position,
                    since: now,
                    warned_at: None,
                });
            if progress.position != position || waiting <= 0 {
                if progress.warned_at.is_some() {
                    tracing::info!(part, position, "pipeline part moving again");
                }
                *progress = Progress {
                    position,
                    since: now,
                    warned_at: None,
                };
            }
            let still = now.saturating_duration_since(progress.since);
            let stalled = self.stall_after.is_some_and(|after| still >= after);
            if stalled
                && progress
                    .warned_at
                    .is_none_or(|at| now.saturating_duration_since(at) >= WARN_AGAIN_AFTER)
            {
                tracing::warn!(
                    part,
                    position,
                    waiting,
                    still_for_s = still.as_secs(),
                    "pipeline part stalled: it has not advanced while events wait"
                );
                progress.warned_at = Some(now);
            }
            parts.push(PartState {
                part,
                position,
                waiting: waiting.max(0),
                still_for_s: if waiting > 0 { still.as_secs() } else { 0 },
                stalled,
            });
        }
        seen.parts = parts;
    }

    /// Looks at every part once. A part that cannot be read (NATS down) is left out: the
    /// readiness check names NATS itself.
    pub async fn look(&self, state: &AppState) {
        let mut observed = Vec::new();
        match projections::relay::lag(&state.pool).await {
            Ok((cursor, behind)) => {
                observed.push(("relay".to_owned(), cursor.global_position, behind));
            }
            Err(error) => tracing::debug!(%error, "cannot read the relay's position"),
        }
        let js = async_nats::jetstream::new(state.nats.clone());
        let all = projections::read_models::all();
        let statuses =
            projections::worker::status(&state.pool, &js, &state.settings.bus, &all).await;
        match statuses {
            Ok(statuses) => {
                let stream_last = statuses.first().map_or(0, |s| s.stream_last);
                for status in statuses {
                    observed.push((
                        format!("projection:{}", status.name),
                        status.checkpoint,
                        status.lag,
                    ));
                }
                match projections::leader::reported_progress(&state.pool, "router").await {
                    Ok(position) => {
                        let position = position.unwrap_or(0);
                        observed.push(("router".to_owned(), position, stream_last - position));
                    }
                    Err(error) => tracing::debug!(%error, "cannot read the router's position"),
                }
            }
            Err(error) => tracing::debug!(%error, "cannot read the projections' positions"),
        }
        self.record(observed, Instant::now());
    }
}

/// Looks at the pipeline every quarter of `stall_after_s` (between 0.25 s and 5 s) until
/// the task is aborted.
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let after = state.pipeline_watch.stall_after?;
    let every = (after / 4).clamp(Duration::from_millis(250), Duration::from_secs(5));
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            state.pipeline_watch.look(&state).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_stalled_only_when_it_stands_still_while_events_wait() {
        let watch = PipelineWatch::new(10);
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let relay = |position: i64, waiting: i64| vec![("relay".to_owned(), position, waiting)];
        watch.record(relay(5, 0), at(0));
        watch.record(relay(5, 0), at(30));
        assert!(
            watch.stalled().is_empty(),
            "nothing waits: idle, not stalled"
        );
        // Events wait from after the look at 30 s on.
        watch.record(relay(5, 3), at(31));
        watch.record(relay(5, 3), at(39));
        assert!(watch.stalled().is_empty(), "9 s is not 10");
        watch.record(relay(5, 3), at(40));
        assert_eq!(watch.stalled(), ["relay"]);
        assert_eq!(watch.parts()[0].still_for_s, 10);
        watch.record(relay(6, 3), at(42));
        assert!(watch.stalled().is_empty(), "it moved");
        let never = PipelineWatch::new(0);
        never.record(relay(5, 3), at(0));
        never.record(relay(5, 3), at(1000));
        assert!(never.stalled().is_empty());
        assert_eq!(never.parts()[0].still_for_s, 1000);
    }
}
