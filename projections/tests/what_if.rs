//! The what-if sandbox on a synthetic day: one Spanish queue, a few interpreters, calls
//! arriving faster than they can be served. Replayed unchanged, every call is placed and
//! resolved; with the staffing doubled, the callers wait less; with a ring timeout shorter
//! than the interpreters' answers, offers expire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use domain::call::CallEvent;
use domain::ids::QueueId;
use projections::bus::BusEvent;
use projections::what_if::{Changes, QueueChange, Replay, SyntheticDay, simulate};

fn day(interpreters: usize, calls: usize, hours: i64, talk_s: i64) -> (Replay, QueueId) {
    let day = SyntheticDay {
        seed: 1,
        from: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
        hours,
        interpreters,
        calls,
        ring_s: 4,
        talk_s,
    };
    (day.replay().unwrap(), day.queue_id())
}

#[derive(Debug, Default)]
struct Outcome {
    answered: usize,
    abandoned: usize,
    no_interpreter: usize,
    wait_s: i64,
    expired: usize,
}

impl Outcome {
    fn asa(&self) -> f64 {
        self.wait_s as f64 / self.answered.max(1) as f64
    }
}

fn outcome(stream: &[BusEvent]) -> Outcome {
    let mut outcome = Outcome::default();
    for event in stream.iter().filter(|e| e.aggregate_type == "Call") {
        match serde_json::from_value::<CallEvent>(event.payload.clone()).unwrap() {
            CallEvent::CallAccepted { wait_seconds, .. } => {
                outcome.answered += 1;
                outcome.wait_s += wait_seconds;
            }
            CallEvent::CallAbandoned { .. } => outcome.abandoned += 1,
            CallEvent::NoInterpreterAvailable { .. } => outcome.no_interpreter += 1,
            CallEvent::OfferExpired { .. } => outcome.expired += 1,
            _ => {}
        }
    }
    outcome
}

async fn replay(replay: &Replay, changes: &Changes) -> Outcome {
    let mut reports = 0;
    let stream = simulate(replay, changes, &mut |_: usize, _: usize| reports += 1)
        .await
        .unwrap();
    assert!(reports > 0, "the replay reports its progress");
    outcome(&stream)
}

#[tokio::test]
async fn every_call_is_resolved_and_doubling_the_staff_shortens_the_wait() {
    // 3 interpreters, 120 calls of 3 minutes in 2 hours: about 3 per minute of work for 3.
    let (day, queue_id) = day(3, 120, 2, 180);
    let unchanged = replay(&day, &Changes::default()).await;
    assert_eq!(
        unchanged.answered + unchanged.abandoned + unchanged.no_interpreter,
        120,
        "{unchanged:?}"
    );
    let doubled = Changes {
        staffing_delta: HashMap::from([(queue_id, 3)]),
        ..Changes::default()
    };
    let more = replay(&day, &doubled).await;
    assert_eq!(
        more.answered + more.abandoned + more.no_interpreter,
        120,
        "{more:?}"
    );
    assert!(
        more.asa() < unchanged.asa() / 2.0,
        "doubled staff: ASA {:.1} s against {:.1} s",
        more.asa(),
        unchanged.asa()
    );
    assert!(
        more.abandoned <= unchanged.abandoned,
        "{more:?} against {unchanged:?}"
    );
}

#[tokio::test]
async fn a_ring_timeout_shorter_than_the_answers_makes_every_offer_expire() {
    let (day, queue_id) = day(2, 10, 1, 60);
    let unchanged = replay(&day, &Changes::default()).await;
    assert_eq!(unchanged.expired, 0, "{unchanged:?}");
    let short_ring = Changes {
        queues: HashMap::from([(
            queue_id,
            QueueChange {
                ring_timeout_s: Some(3),
                ..QueueChange::default()
            },
        )]),
        ..Changes::default()
    };
    let short = replay(&day, &short_ring).await;
    assert_eq!(short.answered, 0, "{short:?}");
    assert!(short.expired > 0, "{short:?}");
}

#[tokio::test]
async fn taking_away_staff_nobody_had_is_refused() {
    let (mut day, queue_id) = day(1, 1, 1, 60);
    day.interpreters[0].answered.clear();
    let fewer = Changes {
        staffing_delta: HashMap::from([(queue_id, -1)]),
        ..Changes::default()
    };
    let refused = simulate(&day, &fewer, &mut |_: usize, _: usize| {}).await;
    assert!(refused.is_err());
}

/// A day of 10,000 calls on 60 interpreters (the size) replays in well under a
/// minute, even in a debug build.
#[tokio::test]
async fn a_day_of_ten_thousand_calls_replays_in_under_a_minute() {
    let (day, _) = day(60, 10_000, 24, 300);
    let started = Instant::now();
    let outcome = replay(&day, &Changes::default()).await;
    let took = started.elapsed();
    eprintln!("10,000 calls replayed in {took:?}: {outcome:?}");
    assert_eq!(
        outcome.answered + outcome.abandoned + outcome.no_interpreter,
        10_000
    );
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
}
