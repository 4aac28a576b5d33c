//! Invariants under load (issue 4, item 5), against real PostgreSQL and NATS: the
//! simulator drives interpreters and requesters through the public HTTP API while the
//! router, the relay and the projections run; then the event store and the metrics are
//! checked. Scaled so CI stays fast; the full size is `#[ignore]`d (docs/routing.md).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use command_api::auth::Role;
use command_api::simulate::{self, SimulationConfig, SimulationReport};
use serde_json::{Value, json};

use crate::helpers::{Pipeline, TestApp, spawn_app_with};

/// Events that end a call's wait for good.
const TERMINAL: [&str; 4] = [
    "CallEnded",
    "CallWrappedUp",
    "CallAbandoned",
    "NoInterpreterAvailable",
];

#[derive(Debug, Clone, Copy)]
struct Shape {
    agents: usize,
    rate: f64,
    duration: Duration,
    time_scale: f64,
    poll_interval: Duration,
    /// Every queue's timers.
    ring_timeout_s: i64,
    max_wait_s: i64,
    /// How late a timer may fire; `None`: only reported (the full size on a small machine).
    timer_slack_s: Option<f64>,
}

/// An app with its relay, projection workers and router, the seeded queues' timers made
/// tight: ring and maximum wait as `shape` says, wrap-up 1 s.
async fn busy_floor(shape: Shape) -> (TestApp, Pipeline) {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 10_000;
        settings.auth.login_per_minute = 10_000;
        settings.database.max_connections = 20;
    })
    .await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    // The seed's events reach the stream, then the queue board.
    app.assert_stream_matches_events().await;
    app.wait_for_projections().await;
    let admin = app.login(Role::Admin).await;
    let queues = app.get("/api/queues", &admin).await.expect(200).body;
    let queues = queues.as_array().expect("a list of queues");
    assert!(!queues.is_empty(), "the seed creates queues");
    for queue in queues {
        let body = json!({
            "name": queue["name"],
            "languages": queue["languages"],
            "specialty": queue["specialty"],
            "modality": queue["modality"],
            "strategy": queue["strategy"],
            "min_proficiency": queue["min_proficiency"],
            "overflow_queue_id": queue["overflow_queue_id"],
            "service_level_s": queue["service_level_s"],
            "source_language": queue["source_language"],
            "widening": queue["widening"],
            "ring_timeout_s": shape.ring_timeout_s,
            "max_wait_s": shape.max_wait_s,
            "wrap_up_s": 1,
        });
        let id = queue["id"].as_str().expect("a queue id");
        app.put(&format!("/api/queues/{id}"), &admin, body)
            .await
            .expect(202);
    }
    app.wait_for_projections().await;
    (app, pipeline)
}

/// One stored event.
#[derive(Debug, sqlx::FromRow)]
struct Stored {
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    payload: Value,
}

impl Stored {
    fn call_id(&self) -> String {
        self.payload[&self.event_type]["call_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn time(&self, field: &str) -> chrono::DateTime<chrono::Utc> {
        serde_json::from_value(self.payload[&self.event_type][field].clone())
            .unwrap_or_else(|_| panic!("{} has no time {field}: {}", self.event_type, self.payload))
    }

    fn agent_id(&self) -> String {
        self.payload[&self.event_type]["agent_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Waits until every call has a terminal event; the seconds it took.
async fn wait_for_outcomes(app: &TestApp, within: Duration) -> f64 {
    let started = tokio::time::Instant::now();
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type = 'Call' \
             AND aggregate_id NOT IN (SELECT aggregate_id FROM events WHERE aggregate_type = 'Call' \
             AND event_type = ANY($1))",
        )
        .bind(TERMINAL.map(str::to_owned).to_vec())
        .fetch_one(&app.pool)
        .await
        .expect("count open calls");
        if open == 0 {
            return started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < within,
            "{open} calls still without an outcome after {within:?}: a call waits forever"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the event store says happened to the calls.
#[derive(Debug, Default)]
struct Outcomes {
    calls: usize,
    answered: usize,
    abandoned: usize,
    no_interpreter: usize,
    overflowed: usize,
    offers: usize,
    declined: usize,
    expired: usize,
    withdrawn: usize,
    ended: usize,
    wrapped_up: usize,
    wrap_ups_timed_out: usize,
    set_away: usize,
    /// The most seconds an offer expired after its ring timeout.
    ring_lateness_s: f64,
    /// The most seconds a call overflowed or gave up after its maximum wait. A call
    /// ringing when its maximum wait passes keeps ringing: it leaves the queue once that
    /// offer is declined or expires, up to a ring timeout late.
    max_wait_lateness_s: f64,
}

/// Walks every agent's and every call's events and panics on a broken invariant.
async fn check_event_store(app: &TestApp, max_wait_s: i64) -> Outcomes {
    let events: Vec<Stored> = sqlx::query_as(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, payload::jsonb AS payload \
         FROM events WHERE aggregate_type IN ('Agent', 'Call') \
         ORDER BY aggregate_type, aggregate_id, sequence",
    )
    .fetch_all(&app.pool)
    .await
    .expect("read the events");
    let mut by_aggregate: BTreeMap<(&str, &str), Vec<&Stored>> = BTreeMap::new();
    for event in &events {
        by_aggregate
            .entry((&event.aggregate_type, &event.aggregate_id))
            .or_default()
            .push(event);
    }
    let mut outcomes = Outcomes::default();
    // Which agents ever started each call.
    let mut started_by: HashMap<String, Vec<String>> = HashMap::new();

    for ((kind, agent), events) in by_aggregate.iter().filter(|((k, _), _)| *k == "Agent") {
        let (mut ringing, mut on_call, mut wrap_up) =
            (None::<String>, None::<String>, None::<String>);
        for event in events {
            let call = event.call_id();
            let at = format!("{kind} {agent} seq {}", event.sequence);
            match event.event_type.as_str() {
                "AgentOfferReceived" => {
                    assert!(
                        ringing.is_none(),
                        "{at}: a second offer while {ringing:?} rings"
                    );
                    assert!(
                        on_call.is_none(),
                        "{at}: an offer while on call {on_call:?}"
                    );
                    assert!(
                        wrap_up.is_none(),
                        "{at}: an offer during wrap-up of {wrap_up:?}"
                    );
                    ringing = Some(call);
                }
                "AgentOfferCleared" => {
                    assert_eq!(
                        ringing.take(),
                        Some(call),
                        "{at}: cleared an offer it did not hold"
                    );
                }
                "AgentCallStarted" => {
                    assert!(
                        on_call.is_none(),
                        "{at}: two calls at once ({on_call:?} and {call})"
                    );
                    assert_eq!(
                        ringing.take(),
                        Some(call.clone()),
                        "{at}: started a call not offered to it"
                    );
                    started_by
                        .entry(call.clone())
                        .or_default()
                        .push((*agent).to_owned());
                    on_call = Some(call);
                }
                "AgentCallEnded" => {
                    assert_eq!(
                        on_call.take(),
                        Some(call),
                        "{at}: ended a call it was not on"
                    );
                }
                "AgentWrapUpStarted" => wrap_up = Some(call),
                "AgentWrapUpEnded" => {
                    assert_eq!(
                        wrap_up.take(),
                        Some(call),
                        "{at}: ended a wrap-up it was not in"
                    );
                    let filed = &event.payload["AgentWrapUpEnded"]["disposition"];
                    outcomes.wrap_ups_timed_out += usize::from(filed.is_null());
                }
                "AgentStatusChanged" => {
                    outcomes.set_away +=
                        usize::from(event.payload["AgentStatusChanged"]["to"] == json!("away"));
                }
                _ => {}
            }
        }
    }

    for ((_, call), events) in by_aggregate.iter().filter(|((k, _), _)| *k == "Call") {
        outcomes.calls += 1;
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        let count = |t: &str| types.iter().filter(|x| **x == t).count();
        // One offer at a time: every CallOffered is resolved before the next. Timers fire
        // when due, never before.
        let mut offered_to: Option<String> = None;
        let (mut queued_at, mut offer_due) = (None, None);
        let late = |due: chrono::DateTime<chrono::Utc>, fired: &Stored, what: &str| {
            let lateness = (fired.time("at") - due).as_seconds_f64();
            assert!(
                lateness >= 0.0,
                "call {call}: {what} fired {lateness} s early: {types:?}"
            );
            lateness
        };
        for event in events {
            match event.event_type.as_str() {
                "CallQueued" => queued_at = Some(event.time("at")),
                "OfferExpired" => {
                    let lateness =
                        late(offer_due.expect("an offer rang"), event, "the ring timeout");
                    outcomes.ring_lateness_s = outcomes.ring_lateness_s.max(lateness);
                }
                "CallAccepted" => {
                    let due = offer_due.expect("an offer rang");
                    assert!(
                        event.time("at") <= due,
                        "call {call}: accepted after its offer expired: {types:?}"
                    );
                }
                "CallOverflowed" => {
                    let due = queued_at.expect("queued") + chrono::Duration::seconds(max_wait_s);
                    let lateness = late(due, event, "the maximum wait");
                    outcomes.max_wait_lateness_s = outcomes.max_wait_lateness_s.max(lateness);
                }
                "NoInterpreterAvailable"
                    if event.payload["NoInterpreterAvailable"]["reason"]
                        == json!("max_wait_exceeded") =>
                {
                    let due = queued_at.expect("queued") + chrono::Duration::seconds(max_wait_s);
                    let lateness = late(due, event, "the maximum wait");
                    outcomes.max_wait_lateness_s = outcomes.max_wait_lateness_s.max(lateness);
                }
                _ => {}
            }
            match event.event_type.as_str() {
                "CallOffered" => {
                    assert!(
                        offered_to.is_none(),
                        "call {call}: offered to two agents at once: {types:?}"
                    );
                    offered_to = Some(event.agent_id());
                    offer_due = Some(event.time("expires_at"));
                }
                "OfferDeclined" | "OfferExpired" | "OfferWithdrawn" | "CallAccepted" => {
                    assert_eq!(
                        offered_to.take(),
                        Some(event.agent_id()),
                        "call {call}: {types:?}"
                    );
                }
                // Hanging up releases a ringing offer; the timers act on calls with none.
                "CallAbandoned" => offered_to = None,
                "NoInterpreterAvailable" | "CallOverflowed" => {
                    assert!(
                        offered_to.is_none(),
                        "call {call}: left its queue while ringing: {types:?}"
                    );
                }
                _ => {}
            }
        }
        let accepted = count("CallAccepted");
        assert!(
            accepted <= 1,
            "call {call} accepted {accepted} times: {types:?}"
        );
        let starters = started_by.get(*call).cloned().unwrap_or_default();
        assert_eq!(
            starters.len(),
            accepted,
            "call {call}: agents who started it: {starters:?}"
        );
        if let Some(accept) = events.iter().find(|e| e.event_type == "CallAccepted") {
            assert_eq!(
                starters,
                [accept.agent_id()],
                "call {call}: accepted by one, started by another"
            );
        }
        let last = types
            .iter()
            .rev()
            .find(|t| **t != "CallRated")
            .copied()
            .unwrap_or_default();
        let terminals = types.iter().filter(|t| TERMINAL.contains(t)).count();
        if accepted == 1 {
            let accepted_at = types
                .iter()
                .position(|t| *t == "CallAccepted")
                .unwrap_or_default();
            let ended_at = types.iter().position(|t| *t == "CallEnded");
            assert!(
                ended_at.is_some_and(|e| e > accepted_at),
                "call {call}: answered, never ended: {types:?}"
            );
            assert!(
                ["CallEnded", "CallWrappedUp"].contains(&last),
                "call {call}: {types:?}"
            );
            assert_eq!(
                count("CallAbandoned") + count("NoInterpreterAvailable"),
                0,
                "call {call}: {types:?}"
            );
            outcomes.answered += 1;
        } else {
            assert_eq!(terminals, 1, "call {call}: exactly one outcome: {types:?}");
            match last {
                "CallAbandoned" => outcomes.abandoned += 1,
                "NoInterpreterAvailable" => outcomes.no_interpreter += 1,
                other => panic!("call {call} ended on {other}: {types:?}"),
            }
        }
        outcomes.overflowed += usize::from(count("CallOverflowed") > 0);
        outcomes.offers += count("CallOffered");
        outcomes.declined += count("OfferDeclined");
        outcomes.expired += count("OfferExpired");
        outcomes.withdrawn += count("OfferWithdrawn");
        outcomes.ended += count("CallEnded");
        outcomes.wrapped_up += count("CallWrappedUp");
    }
    outcomes
}

/// The language metrics, summed over every bucket.
async fn language_metrics(app: &TestApp) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT coalesce(sum(offered), 0)::int8, coalesce(sum(answered), 0)::int8, \
                coalesce(sum(abandoned), 0)::int8, coalesce(sum(no_interpreter), 0)::int8 \
         FROM read_metrics.buckets WHERE dimension = 'language'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("read the metrics")
}

fn count(n: usize) -> u64 {
    u64::try_from(n).expect("a count")
}

async fn run_under_load(shape: Shape) {
    let started = tokio::time::Instant::now();
    let (app, _pipeline) = busy_floor(shape).await;
    let mut config = SimulationConfig::new(
        app.address.clone(),
        shape.agents,
        shape.rate,
        shape.duration,
    );
    config.seed = Some(4);
    config.time_scale = shape.time_scale;
    config.poll_interval = shape.poll_interval;
    config.drain = Duration::from_secs(60);
    let report: SimulationReport = simulate::run(config).await.expect("the simulation runs");
    eprintln!("{}", simulate::summary_table(&report));

    let waited_s = wait_for_outcomes(&app, Duration::from_secs(60)).await;
    let outcomes = check_event_store(&app, shape.max_wait_s).await;
    app.wait_for_projections().await;
    let (offered, answered, abandoned, no_interpreter) = language_metrics(&app).await;
    eprintln!(
        "load: {} agents, {} calls in {:.1} s of arrivals+drain ({:.1} s in all, outcomes {:.1} s after the run): \
         {outcomes:?}; metrics offered {offered} = answered {answered} + abandoned {abandoned} + no interpreter {no_interpreter}",
        shape.agents,
        outcomes.calls,
        report.elapsed_s,
        started.elapsed().as_secs_f64(),
        waited_s,
    );

    // The simulator saw only ordinary races.
    assert!(
        report.errors.keys().all(|status| status == "409"),
        "unexpected answers: {:?}",
        report.errors
    );
    assert_eq!(
        report.requests_sent,
        simulate_planned(&shape),
        "every arrival was sent"
    );
    assert_eq!(
        report.requests_accepted, report.requests_sent,
        "every request was taken"
    );
    assert_eq!(
        report.still_open(),
        0,
        "outcomes as the requester saw them: {:?}",
        report.outcomes
    );
    // What the simulator did is what the event store holds.
    assert_eq!(count(outcomes.calls), report.requests_accepted);
    assert_eq!(
        count(outcomes.answered),
        report.accepted,
        "an answered call per 202 on accept"
    );
    assert_eq!(count(outcomes.declined), report.declined);
    assert_eq!(count(outcomes.ended), report.ended);
    assert_eq!(
        count(outcomes.abandoned),
        report.cancelled,
        "only requesters abandon"
    );
    assert!(
        outcomes.answered * 4 > outcomes.calls,
        "calls are answered: {outcomes:?}"
    );
    // Timers fire on time (slack for a loaded CI machine).
    if let Some(slack) = shape.timer_slack_s {
        #[allow(clippy::cast_precision_loss)]
        let ring_timeout_s = shape.ring_timeout_s as f64;
        assert!(outcomes.ring_lateness_s < slack, "{outcomes:?}");
        assert!(
            outcomes.max_wait_lateness_s < ring_timeout_s + slack,
            "{outcomes:?}"
        );
    }
    // The metrics add up, nothing still waiting.
    assert_eq!(
        offered,
        answered + abandoned + no_interpreter,
        "offered = answered + abandoned + no interpreter + still waiting (0)"
    );
    assert_eq!(offered, i64::try_from(outcomes.calls).expect("a count"));
    assert_eq!(answered, i64::try_from(outcomes.answered).expect("a count"));
    assert_eq!(
        abandoned,
        i64::try_from(outcomes.abandoned).expect("a count")
    );
    assert_eq!(
        no_interpreter,
        i64::try_from(outcomes.no_interpreter).expect("a count")
    );
}

fn simulate_planned(shape: &Shape) -> u64 {
    SimulationConfig::new("", shape.agents, shape.rate, shape.duration).planned_calls()
}

/// 40 interpreters, 300 calls over 10 s, talk ~1 s, ring 2 s, maximum wait 8 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invariants_hold_under_load() {
    run_under_load(Shape {
        agents: 40,
        rate: 30.0,
        duration: Duration::from_secs(10),
        time_scale: 0.05,
        poll_interval: Duration::from_millis(200),
        ring_timeout_s: 2,
        max_wait_s: 8,
        timer_slack_s: Some(3.0),
    })
    .await;
}

/// Issue 4's full size: 200 interpreters, 2,000 calls over 40 s, talk ~1 s, ring 5 s,
/// maximum wait 20 s (docs/routing.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "full size (minutes of load); run with `cargo test -p command-api --test api -- --ignored load`"]
async fn invariants_hold_under_full_load() {
    run_under_load(Shape {
        agents: 200,
        rate: 50.0,
        duration: Duration::from_secs(40),
        time_scale: 0.05,
        poll_interval: Duration::from_secs(1),
        ring_timeout_s: 5,
        max_wait_s: 20,
        timer_slack_s: None,
    })
    .await;
}
