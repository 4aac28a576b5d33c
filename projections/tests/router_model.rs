//! The router against a model of the floor: random sequences of requests, answers,
//! declines, status changes, presence losses, cancels, transfers (by the interpreter or a
//! supervisor, to the queue or a colleague), ends, wrap-ups, clock jumps router restarts and takeovers from a checkpoint, with the router's own rounds in between, run through the real
//! `RouterState` and `Floor` on in-memory stores and a simulated clock. After every step:
//! - never two interpreters on one call (nor rung for it), never two calls ringing for one
//!   interpreter;
//! - no interpreter reserved (ringing, on the agent side) without that call's offer;
//! - no connected caller without their interpreter on the call;
//! - the matching invariants of `router_model/matching.rs`: bans, language pairs, and an
//!   order that widening never changes. The interpreters differ in pairs, proficiency and
//!   certification, requests in source language, requirement, organisation and priority,
//!   the queue widens twice, and the organisation's policy changes as the test runs.
//!
//! At the end the floor is drained (time runs on, the router runs, nobody answers) and
//! every call must have reached an outcome.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use cqrs_es::mem_store::{MemStore, MemStoreAggregateContext};
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventEnvelope, EventStore};
use domain::agent::{Activity, Agent, AgentCommand};
use domain::call::{Call, CallCommand, CallRequest, CallStatus, TransferTarget};
use domain::ids::{AgentId, CallId, OrganisationId, QueueId, UserId};
use domain::matching::{LanguagePair, OrganisationPolicy, Requirements, Tag, WideningStep};
use domain::organisation::OrganisationEvent;
use domain::queue::{QueueConfig, QueueEvent, QueueSettings};
use domain::values::{
    AgentStatus, Disposition, LanguageCode, LanguageSkill, Modality, Priority, Proficiency, Skills,
    Specialty,
};
use domain::workflow::{Floor, Metadata};
use projections::bus::BusEvent;
use projections::router::{RouterState, carry_out};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use uuid::Uuid;

#[path = "router_model/matching.rs"]
mod matching;

const AGENTS: usize = 3;
const CALLS: usize = 6;
const RING_S: i64 = 10;
const MAX_WAIT_S: u32 = 90;

/// The stream: every committed event, in commit order, as the bus carries it.
type Log = Arc<Mutex<Vec<Vec<u8>>>>;

fn message<E: DomainEvent + serde::Serialize>(
    kind: &str,
    id: &str,
    sequence: usize,
    event: &E,
) -> Vec<u8> {
    serde_json::to_vec(&BusEvent {
        aggregate_type: kind.to_owned(),
        aggregate_id: id.to_owned(),
        sequence: i64::try_from(sequence).unwrap(),
        event_type: event.event_type(),
        event_version: event.event_version(),
        recorded_at: Utc::now(),
        payload: serde_json::to_value(event).unwrap(),
        metadata: serde_json::json!({}),
    })
    .unwrap()
}

/// An in-memory store that also appends what it commits to the stream.
struct Logged<A: Aggregate> {
    inner: MemStore<A>,
    log: Log,
}

impl<A: Aggregate> EventStore<A> for Logged<A> {
    type AC = MemStoreAggregateContext<A>;

    async fn load_events(
        &self,
        id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        self.inner.load_events(id).await
    }

    async fn load_aggregate(&self, id: &str) -> Result<Self::AC, AggregateError<A::Error>> {
        self.inner.load_aggregate(id).await
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: Self::AC,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let committed = self.inner.commit(events, context, metadata).await?;
        let mut log = self.log.lock().unwrap();
        for envelope in &committed {
            log.push(message(
                A::TYPE,
                &envelope.aggregate_id,
                envelope.sequence,
                &envelope.payload,
            ));
        }
        Ok(committed)
    }
}

/// What a request asks: from German (else English), the `court` certification, on behalf
/// of the organisation, urgent.
#[derive(Debug, Clone, Copy)]
struct Ask {
    german: bool,
    court: bool,
    organisation: bool,
    urgent: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Request(Ask),
    /// The organisation's policy: the interpreters it bans (a bit each), one it prefers,
    /// and how long a call waits for them.
    Policy(u8, Option<usize>, u32),
    Accept(usize),
    Decline(usize),
    Status(usize, AgentStatus),
    LosePresence(usize),
    End(usize),
    WrapUp(usize),
    Cancel(usize),
    /// The interpreter on a call hands it to the queue, or to a colleague by name; `None`:
    /// a supervisor moves the call `usize`.
    Transfer(Option<usize>, usize, bool),
    /// Seconds of simulated time, then a router round.
    Advance(i64),
    Round,
    RestartRouter,
    /// The leader writes a checkpoint: its state and how far it has read.
    Checkpoint,
    /// A router takes over from the last checkpoint (from nothing before the first) and
    /// folds the messages after it, as `parley route` does.
    TakeOver,
}

fn op() -> impl Strategy<Value = Op> {
    let agent = 0..AGENTS;
    let status = prop_oneof![
        4 => Just(AgentStatus::Available),
        1 => Just(AgentStatus::Break),
        1 => Just(AgentStatus::Offline),
    ];
    prop_oneof![
        3 => (any::<bool>(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.2))
            .prop_map(|(german, court, organisation, urgent)| Op::Request(Ask { german, court, organisation, urgent })),
        1 => (0..8u8, prop::option::of(0..AGENTS), 0..30u32)
            .prop_map(|(bans, preferred, wait)| Op::Policy(bans, preferred, wait)),
        4 => agent.clone().prop_map(Op::Accept),
        2 => agent.clone().prop_map(Op::Decline),
        2 => (agent.clone(), status).prop_map(|(a, s)| Op::Status(a, s)),
        1 => agent.clone().prop_map(Op::LosePresence),
        2 => agent.clone().prop_map(Op::End),
        2 => agent.prop_map(Op::WrapUp),
        1 => (0..CALLS).prop_map(Op::Cancel),
        2 => (prop::option::of(0..AGENTS), 0..CALLS.max(AGENTS), any::<bool>())
            .prop_map(|(by, target, to_agent)| Op::Transfer(by, target, to_agent)),
        3 => (1..=25i64).prop_map(Op::Advance),
        4 => Just(Op::Round),
        1 => Just(Op::RestartRouter),
        1 => Just(Op::Checkpoint),
        1 => Just(Op::TakeOver),
    ]
}

struct World {
    floor: Floor<Logged<Call>, Logged<Agent>>,
    log: Log,
    router: RouterState,
    fed: usize,
    /// The last checkpoint written: the state as JSON, and the messages folded into it.
    checkpoint: Option<(serde_json::Value, usize)>,
    now: DateTime<Utc>,
    queue: QueueId,
    config: QueueConfig,
    organisation: OrganisationId,
    policies_set: usize,
    requested: usize,
    model: matching::Model,
}

fn agent_id(i: usize) -> AgentId {
    AgentId(Uuid::from_u128(0xA6E0_0000 + i as u128))
}

fn call_id(i: usize) -> CallId {
    CallId(Uuid::from_u128(0xCA11_0000 + i as u128))
}

/// Interpreter 0: Spanish 4 with English, court-certified. 1: Spanish 2 with English
/// (below the queue's floor until the second widening step) and German↔Spanish 3. 2:
/// German↔Spanish 5 only.
fn interpreter(i: usize) -> Skills {
    let level = |p| Proficiency::parse(p).unwrap();
    let spanish = |p| LanguageSkill {
        code: LanguageCode::parse("es").unwrap(),
        proficiency: level(p),
    };
    let german_spanish = |p| LanguagePair {
        from: LanguageCode::parse("de").unwrap(),
        to: LanguageCode::parse("es").unwrap(),
        proficiency: level(p),
    };
    let (languages, pairs, certifications) = match i {
        0 => (
            vec![spanish(4)],
            vec![],
            vec![Tag::parse("certifications", "court").unwrap()],
        ),
        1 => (vec![spanish(2)], vec![german_spanish(3)], vec![]),
        _ => (vec![], vec![german_spanish(5)], vec![]),
    };
    Skills::new(languages, vec![Specialty::General], vec![Modality::Video])
        .unwrap()
        .with_pairs(pairs)
        .unwrap()
        .with_certifications(certifications)
}

fn requester() -> UserId {
    UserId(Uuid::from_u128(0x8E0_0001))
}

fn md() -> Metadata {
    Metadata::new()
}

impl World {
    async fn new() -> Self {
        let log: Log = Arc::default();
        let floor = Floor {
            calls: Logged {
                inner: MemStore::default(),
                log: log.clone(),
            },
            agents: Logged {
                inner: MemStore::default(),
                log: log.clone(),
            },
            max_attempts: 3,
            away_after_missed: 2,
        };
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        let queue = QueueId(Uuid::from_u128(0x0E0E_0001));
        // Proficiency 3 at first; requirements dropped after 20 s, any level after 40 s.
        let widening = vec![
            WideningStep {
                after_s: 20,
                min_proficiency: None,
                drop_specialty: false,
                drop_requirements: true,
                add_queue_id: None,
            },
            WideningStep {
                after_s: 40,
                min_proficiency: Some(Proficiency::parse(1).unwrap()),
                drop_specialty: false,
                drop_requirements: false,
                add_queue_id: None,
            },
        ];
        let config = QueueConfig::new(QueueSettings {
            name: "Spanish".into(),
            languages: vec!["es".into()],
            ring_timeout_s: Some(RING_S),
            max_wait_s: Some(i64::from(MAX_WAIT_S)),
            min_proficiency: Some(3),
            widening,
            ..Default::default()
        })
        .unwrap();
        log.lock().unwrap().push(message(
            "Queue",
            &queue.to_string(),
            1,
            &QueueEvent::QueueCreated {
                queue_id: queue,
                config: config.clone(),
                at: now,
            },
        ));
        let organisation = OrganisationId(Uuid::from_u128(0x0C0C_0001));
        log.lock().unwrap().push(message(
            "Organisation",
            &organisation.to_string(),
            1,
            &OrganisationEvent::OrganisationCreated {
                organisation_id: organisation,
                name: domain::values::DisplayName::parse("Court").unwrap(),
                at: now,
            },
        ));
        for i in 0..AGENTS {
            let id = agent_id(i);
            let command = AgentCommand::SetSkills {
                agent_id: id,
                skills: interpreter(i),
                at: now,
            };
            floor.agent(id, command, &md()).await.unwrap();
            floor
                .change_status(id, AgentStatus::Available, now, &md())
                .await
                .unwrap();
        }
        let mut world = Self {
            floor,
            log,
            router: RouterState::default(),
            fed: 0,
            checkpoint: None,
            now,
            queue,
            config,
            organisation,
            policies_set: 0,
            requested: 0,
            model: matching::Model::default(),
        };
        world.feed();
        world
    }

    fn feed(&mut self) {
        let log = self.log.lock().unwrap().clone();
        for body in &log[self.fed..] {
            self.router.apply_message(body).unwrap();
        }
        self.fed = log.len();
    }

    async fn round(&mut self) -> Result<(), TestCaseError> {
        self.feed();
        let before = self.call_map().await;
        self.scan(&before)?;
        self.model.take_offers();
        let decisions = self.router.decide(self.now);
        carry_out(&mut self.router, &self.floor, decisions, self.now)
            .await
            .unwrap();
        self.feed();
        let after = self.call_map().await;
        self.scan(&after)?;
        let offers = self.model.take_offers();
        let queue = (self.queue, &self.config, &[][..]);
        self.model
            .check_order(&before, &after, &offers, queue, self.now)
    }

    async fn call_map(&self) -> HashMap<CallId, Call> {
        let mut calls = HashMap::new();
        for (c, call) in self.calls().await.into_iter().enumerate() {
            calls.insert(call_id(c), call);
        }
        calls
    }

    fn scan(&mut self, calls: &HashMap<CallId, Call>) -> Result<(), TestCaseError> {
        let log = self.log.lock().unwrap().clone();
        self.model.scan(&log, calls)
    }

    async fn ringing_or_on(&self, agent: usize) -> Activity {
        self.floor
            .load_agent(agent_id(agent))
            .await
            .unwrap()
            .0
            .activity
    }

    /// Applies one operation; refusals are part of the game (the floor decides).
    async fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let now = self.now;
        match *op {
            Op::Request(ask) if self.requested < CALLS => {
                let id = call_id(self.requested);
                self.requested += 1;
                let requirements = Requirements {
                    gender: None,
                    certifications: if ask.court {
                        vec![Tag::parse("certifications", "court").unwrap()]
                    } else {
                        vec![]
                    },
                };
                let request = CallRequest {
                    requirements,
                    language: LanguageCode::parse("es").unwrap(),
                    source_language: LanguageCode::parse(if ask.german { "de" } else { "en" })
                        .unwrap(),
                    modality: Modality::Video,
                    specialty: None,
                    priority: if ask.urgent {
                        Priority::Urgent
                    } else {
                        Priority::Normal
                    },
                };
                let command = CallCommand::Request {
                    organisation_id: ask.organisation.then_some(self.organisation),
                    call_id: id,
                    requester_id: requester(),
                    request,
                    queue: Some(self.queue),
                    at: now,
                };
                self.floor.request_call(id, command, &md()).await.unwrap();
            }
            Op::Request(_) => {}
            Op::Policy(bans, preferred, preferred_wait_s) => {
                let banned_agent_ids: Vec<AgentId> = (0..AGENTS)
                    .filter(|a| bans & (1 << a) != 0)
                    .map(agent_id)
                    .collect();
                let preferred_agent_ids = preferred
                    .map(agent_id)
                    .filter(|a| !banned_agent_ids.contains(a))
                    .into_iter()
                    .collect();
                let policy = OrganisationPolicy {
                    preferred_agent_ids,
                    banned_agent_ids,
                    preferred_wait_s,
                    required_certifications: vec![],
                };
                self.policies_set += 1;
                self.log.lock().unwrap().push(message(
                    "Organisation",
                    &self.organisation.to_string(),
                    1 + self.policies_set,
                    &OrganisationEvent::OrganisationPolicySet { policy, at: now },
                ));
            }
            Op::Accept(a) | Op::Decline(a) => {
                if let Activity::Ringing(call) = self.ringing_or_on(a).await {
                    let result = if matches!(op, Op::Accept(_)) {
                        self.floor.accept(call, agent_id(a), now, &md()).await
                    } else {
                        self.floor.decline(call, agent_id(a), now, &md()).await
                    };
                    let _ = result;
                }
            }
            Op::Status(a, status) => {
                let _ = self
                    .floor
                    .change_status(agent_id(a), status, now, &md())
                    .await;
            }
            Op::LosePresence(a) => {
                let _ = self.floor.lose_presence(agent_id(a), now, &md()).await;
            }
            Op::End(a) => {
                if let Activity::OnCall(call) = self.ringing_or_on(a).await {
                    self.floor.end(call, agent_id(a), now, &md()).await.unwrap();
                }
            }
            Op::WrapUp(a) => {
                if let Activity::WrapUp(call) = self.ringing_or_on(a).await {
                    let _ = self
                        .floor
                        .wrap_up(
                            call,
                            agent_id(a),
                            Disposition::parse("completed").unwrap(),
                            None,
                            now,
                            &md(),
                        )
                        .await;
                }
            }
            Op::Cancel(c) if c < self.requested => {
                let _ = self.floor.cancel(call_id(c), requester(), now, &md()).await;
            }
            Op::Cancel(_) => {}
            Op::Transfer(by, target, to_agent) => {
                let call = match by {
                    Some(a) => match self.ringing_or_on(a).await {
                        Activity::OnCall(call) => Some(call),
                        _ => None,
                    },
                    None => (target < self.requested).then(|| call_id(target)),
                };
                if let Some(call) = call {
                    let to = if to_agent {
                        TransferTarget::Agent(agent_id(target % AGENTS))
                    } else {
                        TransferTarget::Queue(self.queue)
                    };
                    let expires_at = now + Duration::seconds(RING_S);
                    let by_agent = by.map(agent_id);
                    let _ = self
                        .floor
                        .transfer(call, by_agent, to, expires_at, now, &md())
                        .await;
                }
            }
            Op::Advance(seconds) => {
                self.now += Duration::seconds(seconds);
                self.round().await?;
            }
            Op::Round => self.round().await?,
            Op::RestartRouter => {
                self.router = RouterState::default();
                self.fed = 0;
                self.feed();
            }
            Op::Checkpoint => {
                self.feed();
                let state = serde_json::to_value(&self.router).unwrap();
                self.checkpoint = Some((state, self.fed));
            }
            Op::TakeOver => {
                (self.router, self.fed) = match &self.checkpoint {
                    Some((state, fed)) => (serde_json::from_value(state.clone()).unwrap(), *fed),
                    None => (RouterState::default(), 0),
                };
                self.feed();
            }
        }
        self.feed();
        let calls = self.call_map().await;
        self.scan(&calls)
    }

    async fn calls(&self) -> Vec<Call> {
        let mut calls = Vec::new();
        for c in 0..self.requested {
            calls.push(self.floor.load_call(call_id(c)).await.unwrap().0);
        }
        calls
    }

    async fn check(&self, after: &Op) -> Result<(), TestCaseError> {
        let calls = self.calls().await;
        let mut agents = Vec::new();
        for a in 0..AGENTS {
            agents.push(self.ringing_or_on(a).await);
        }
        for (c, call) in calls.iter().enumerate() {
            let id = call_id(c);
            // While a live call is handed over it may ring for the next interpreter, the
            // first keeping the caller: one on it and one rung at most.
            for held in [Activity::OnCall(id), Activity::Ringing(id)] {
                let holding: Vec<usize> = (0..AGENTS).filter(|&a| agents[a] == held).collect();
                prop_assert!(
                    holding.len() <= 1,
                    "after {after:?}: {held:?} held by {holding:?}"
                );
            }
            if call.status == CallStatus::Connected || call.status == CallStatus::OnHold {
                let agent = call.agent_id.map(|a| a.0.as_u128() - 0xA6E0_0000);
                prop_assert!(
                    agent.is_some_and(|a| agents[a as usize] == Activity::OnCall(id)),
                    "after {after:?}: call {c} connected without its interpreter ({agent:?}, {agents:?})"
                );
            }
        }
        for (a, activity) in agents.iter().enumerate() {
            let ringing = calls
                .iter()
                .filter(|call| call.offer.is_some_and(|o| o.agent_id == agent_id(a)))
                .count();
            prop_assert!(
                ringing <= 1,
                "after {after:?}: {ringing} calls ring for agent {a}"
            );
            if let Activity::Ringing(call) = activity {
                let c = usize::try_from(call.0.as_u128() - 0xCA11_0000).unwrap();
                let offered = calls[c].offer.is_some_and(|o| o.agent_id == agent_id(a));
                prop_assert!(
                    offered,
                    "after {after:?}: agent {a} reserved for call {c} without its offer"
                );
            }
        }
        Ok(())
    }
}

fn terminal(status: CallStatus) -> bool {
    matches!(
        status,
        CallStatus::Ended
            | CallStatus::WrappedUp
            | CallStatus::Abandoned
            | CallStatus::NoInterpreterAvailable
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_router_keeps_the_floor_sound_whatever_happens(ops in prop::collection::vec(op(), 1..60)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let mut world = World::new().await;
            for op in &ops {
                world.step(op).await?;
                world.check(op).await?;
            }
            // Drain: nobody answers any more, calls in progress end; time runs on.
            for _ in 0..40 {
                for a in 0..AGENTS {
                    world.step(&Op::End(a)).await?;
                }
                world.step(&Op::Advance(RING_S)).await?;
                world.check(&Op::Round).await?;
            }
            for (c, call) in world.calls().await.iter().enumerate() {
                prop_assert!(terminal(call.status), "call {c} has no outcome: {:?}", call.status);
            }
            Ok(())
        })?;
    }
}
