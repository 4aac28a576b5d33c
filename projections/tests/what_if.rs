//! The what-if sandbox on a synthetic day: one Spanish queue, a few interpreters, calls
//! arriving faster than they can be served. Replayed unchanged, every call is placed and
//! resolved; with the staffing doubled, the callers wait less; with a ring timeout shorter
//! than the interpreters' answers, offers expire.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::call::{CallEvent, CallRequest};
use domain::ids::{AgentId, CallId, QueueId, UserId};
use domain::matching::{AgentProfile, Requirements};
use domain::queue::{QueueConfig, QueueSettings};
use domain::values::{
    AgentStatus, LanguageCode, LanguageSkill, Modality, Priority, Proficiency, Skills, Specialty,
};
use projections::bus::BusEvent;
use projections::what_if::{
    Changes, Interpreter, QueueChange, Replay, ReplayQueue, Request, simulate,
};
use uuid::Uuid;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

fn queue_id() -> QueueId {
    QueueId(Uuid::from_u128(0x0E0E_0001))
}

fn spanish() -> Skills {
    let skill = LanguageSkill {
        code: LanguageCode::parse("es").unwrap(),
        proficiency: Proficiency::parse(4).unwrap(),
    };
    Skills::new(vec![skill], vec![Specialty::General], vec![Modality::Video]).unwrap()
}

/// `interpreters` available all day; `calls` requests spread evenly over `hours`, each
/// answered after 4 s of ringing and lasting `talk_s`; every fifth caller hangs up after
/// 60 s of waiting.
fn day(interpreters: usize, calls: usize, hours: i64, talk_s: i64) -> Replay {
    let from = start();
    let to = from + Duration::hours(hours);
    let config = QueueConfig::new(QueueSettings {
        name: "Spanish".into(),
        languages: vec!["es".into()],
        ring_timeout_s: Some(15),
        max_wait_s: Some(600),
        wrap_up_s: Some(30),
        ..Default::default()
    })
    .unwrap();
    let interpreters = (0..interpreters)
        .map(|i| Interpreter {
            id: AgentId(Uuid::from_u128(0xA6E0_0000 + i as u128)),
            skills: spanish(),
            profile: AgentProfile::default(),
            status: AgentStatus::Available,
            busy_until: None,
            status_changes: vec![],
            answered: HashMap::from([(queue_id(), 10)]),
        })
        .collect();
    let spacing_ms = hours * 3_600_000 / i64::try_from(calls).unwrap();
    let requests = (0..calls)
        .map(|i| Request {
            call_id: CallId(Uuid::from_u128(0xCA11_0000 + i as u128)),
            requester_id: UserId(Uuid::from_u128(0x8E0_0001)),
            organisation_id: None,
            request: CallRequest {
                language: LanguageCode::parse("es").unwrap(),
                source_language: LanguageCode::parse("en").unwrap(),
                modality: Modality::Video,
                specialty: None,
                priority: Priority::Normal,
                requirements: Requirements::default(),
            },
            queue: Some(queue_id()),
            at: from + Duration::milliseconds(spacing_ms * i64::try_from(i).unwrap()),
            ring_s: 4,
            talk_s,
            wrap_up_s: Some(10),
            patience_s: (i % 5 == 4).then_some(60),
        })
        .collect();
    Replay {
        from,
        to,
        queues: vec![ReplayQueue {
            id: queue_id(),
            config,
            members: vec![],
        }],
        organisations: vec![],
        interpreters,
        requests,
    }
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
    let day = day(3, 120, 2, 180);
    let unchanged = replay(&day, &Changes::default()).await;
    assert_eq!(
        unchanged.answered + unchanged.abandoned + unchanged.no_interpreter,
        120,
        "{unchanged:?}"
    );
    let doubled = Changes {
        staffing_delta: HashMap::from([(queue_id(), 3)]),
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
    let day = day(2, 10, 1, 60);
    let unchanged = replay(&day, &Changes::default()).await;
    assert_eq!(unchanged.expired, 0, "{unchanged:?}");
    let short_ring = Changes {
        queues: HashMap::from([(
            queue_id(),
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
    let mut day = day(1, 1, 1, 60);
    day.interpreters[0].answered.clear();
    let fewer = Changes {
        staffing_delta: HashMap::from([(queue_id(), -1)]),
        ..Changes::default()
    };
    let refused = simulate(&day, &fewer, &mut |_: usize, _: usize| {}).await;
    assert!(refused.is_err());
}

/// A day of 10,000 calls on 60 interpreters (the size) replays in well under a
/// minute, even in a debug build.
#[tokio::test]
async fn a_day_of_ten_thousand_calls_replays_in_under_a_minute() {
    let day = day(60, 10_000, 24, 300);
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
