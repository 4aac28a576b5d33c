//! The replay itself: a discrete-event loop over a simulated clock. At each instant the
//! scripted happenings due (a request, a status change, an answer, a hang-up) go through
//! the real `Floor`, every event committed is folded into the real `RouterState`, and the
//! router's decisions at that instant are carried out by the real `carry_out`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Duration, Utc};
use domain::agent::{Agent, AgentCommand};
use domain::call::{Call, CallCommand, CallEvent};
use domain::ids::{AgentId, CallId, QueueId};
use domain::organisation::OrganisationEvent;
use domain::queue::QueueEvent;
use domain::values::{AgentStatus, Disposition};
use domain::workflow::{Floor, Metadata};
use uuid::Uuid;

use super::store::{FoldedStore, SharedStream, lock};
use super::{Changes, DRAIN_S, Interpreter, Replay, Request, WhatIfError};
use crate::bus::BusEvent;
use crate::router::{RouterState, carry_out};

/// How far a replay is: requests placed of the total.
pub trait Progress {
    fn report(&mut self, placed: usize, total: usize);
}

impl<F: FnMut(usize, usize)> Progress for F {
    fn report(&mut self, placed: usize, total: usize) {
        self(placed, total);
    }
}

/// Something scripted to happen at an instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    Request(usize),
    Status(AgentId, AgentStatus),
    Answer(CallId, AgentId),
    HangUp(CallId, AgentId),
    WrapUp(CallId, AgentId),
    Abandon(CallId),
}

type Sandbox = Floor<FoldedStore<Call>, FoldedStore<Agent>>;

struct Replayer<'a> {
    replay: &'a Replay,
    floor: Sandbox,
    stream: SharedStream,
    router: RouterState,
    /// Stream events already folded into the router and looked at.
    fed: usize,
    now: DateTime<Utc>,
    /// Min-heap of (instant, order of scheduling, happening).
    agenda: BinaryHeap<Reverse<(DateTime<Utc>, u64, Happening)>>,
    scheduled: u64,
    requests: HashMap<CallId, usize>,
    placed: usize,
}

/// Replays `replay` under `changes`; returns the sandbox's stream, in commit order.
pub async fn simulate(
    replay: &Replay,
    changes: &Changes,
    progress: &mut dyn Progress,
) -> Result<Vec<BusEvent>, WhatIfError> {
    let stream = SharedStream::default();
    lock(&stream).now = Some(replay.from);
    let floor = Floor {
        calls: FoldedStore::new(stream.clone()),
        agents: FoldedStore::new(stream.clone()),
        max_attempts: 3,
        away_after_missed: 2,
    };
    let mut replayer = Replayer {
        replay,
        floor,
        stream,
        router: RouterState::default(),
        fed: 0,
        now: replay.from,
        agenda: BinaryHeap::new(),
        scheduled: 0,
        requests: HashMap::new(),
        placed: 0,
    };
    replayer.set_up(changes).await?;
    replayer.run(progress).await?;
    let stream = std::mem::take(&mut lock(&replayer.stream).events);
    Ok(stream)
}

fn metadata() -> Metadata {
    Metadata::from([("actor_role".to_owned(), "what_if".to_owned())])
}

/// The interpreters of the replay after the staffing changes: copies of a queue's busiest
/// interpreters added, or its busiest taken away (those whose absence shows most).
fn staffed(replay: &Replay, changes: &Changes) -> Result<Vec<Interpreter>, WhatIfError> {
    let mut interpreters = replay.interpreters.clone();
    let mut deltas: Vec<(QueueId, i32)> = changes
        .staffing_delta
        .iter()
        .map(|(q, n)| (*q, *n))
        .collect();
    deltas.sort();
    for (queue, delta) in deltas {
        let mut busiest: Vec<&Interpreter> = replay
            .interpreters
            .iter()
            .filter(|i| i.answered.get(&queue).is_some_and(|n| *n > 0))
            .collect();
        busiest.sort_by_key(|i| (Reverse(i.answered.get(&queue).copied()), i.id));
        if delta != 0 && busiest.is_empty() {
            return Err(WhatIfError::NobodyToRestaff(queue));
        }
        let count = usize::try_from(delta.unsigned_abs()).unwrap_or(usize::MAX);
        if delta > 0 {
            for (copy, original) in busiest.iter().cycle().take(count).enumerate() {
                let mut twin = (*original).clone();
                let name = format!("what-if {queue} {copy} {}", original.id);
                twin.id = AgentId(Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes()));
                interpreters.push(twin);
            }
        } else {
            let gone: Vec<AgentId> = busiest.iter().take(count).map(|i| i.id).collect();
            interpreters.retain(|i| !gone.contains(&i.id));
        }
    }
    Ok(interpreters)
}

impl Replayer<'_> {
    fn schedule(&mut self, at: DateTime<Utc>, happening: Happening) {
        self.scheduled += 1;
        self.agenda.push(Reverse((at, self.scheduled, happening)));
    }

    fn push_event<E: cqrs_es::DomainEvent>(&self, kind: &str, id: String, event: &E) {
        let mut stream = lock(&self.stream);
        let Ok(payload) = serde_json::to_value(event) else {
            return;
        };
        stream.events.push(BusEvent {
            aggregate_type: kind.to_owned(),
            aggregate_id: id,
            sequence: 1,
            event_type: event.event_type(),
            event_version: event.event_version(),
            recorded_at: self.now,
            payload,
            metadata: serde_json::json!({}),
        });
    }

    /// Queues (with their changes), policies and interpreters as at `from`; the agenda.
    async fn set_up(&mut self, changes: &Changes) -> Result<(), WhatIfError> {
        let from = self.replay.from;
        for queue in &self.replay.queues {
            let mut config = queue.config.clone();
            if let Some(change) = changes.queues.get(&queue.id) {
                if let Some(strategy) = change.strategy {
                    config.strategy = strategy;
                }
                if let Some(ring_timeout_s) = change.ring_timeout_s {
                    config.ring_timeout_s = ring_timeout_s;
                }
                if let Some(widening) = &change.widening {
                    config.widening.clone_from(widening);
                }
            }
            let created = QueueEvent::QueueCreated {
                queue_id: queue.id,
                config,
                at: from,
            };
            self.push_event("Queue", queue.id.to_string(), &created);
            if !queue.members.is_empty() {
                let members = QueueEvent::QueueMembersSet {
                    members: queue.members.clone(),
                    at: from,
                };
                self.push_event("Queue", queue.id.to_string(), &members);
            }
        }
        for (organisation, policy) in &self.replay.organisations {
            let set = OrganisationEvent::OrganisationPolicySet {
                policy: policy.clone(),
                at: from,
            };
            self.push_event("Organisation", organisation.to_string(), &set);
        }
        for interpreter in staffed(self.replay, changes)? {
            let id = interpreter.id;
            let commands = [
                AgentCommand::SetSkills {
                    agent_id: id,
                    skills: interpreter.skills.clone(),
                    at: from,
                },
                AgentCommand::SetProfile {
                    agent_id: id,
                    profile: interpreter.profile.clone(),
                    at: from,
                },
            ];
            for command in commands {
                self.floor
                    .agent(id, command, &metadata())
                    .await
                    .map_err(|e| WhatIfError::SetUp(e.to_string()))?;
            }
            let joins_at = interpreter.busy_until.unwrap_or(from).max(from);
            self.schedule(joins_at, Happening::Status(id, interpreter.status));
            for (at, status) in interpreter.status_changes {
                self.schedule(at.max(joins_at), Happening::Status(id, status));
            }
        }
        for (index, request) in self.replay.requests.iter().enumerate() {
            self.requests.insert(request.call_id, index);
            self.schedule(request.at, Happening::Request(index));
            if let Some(patience) = request.patience_s {
                let gives_up = request.at + Duration::seconds(patience);
                self.schedule(gives_up, Happening::Abandon(request.call_id));
            }
        }
        self.feed()
    }

    /// Folds the new stream events into the router, and schedules what follows from them:
    /// an offer is answered after the call's ring time, an answer hangs up after its talk
    /// time, an end is wrapped up after its wrap-up time.
    fn feed(&mut self) -> Result<(), WhatIfError> {
        let new: Vec<BusEvent> = lock(&self.stream).events[self.fed..].to_vec();
        self.fed += new.len();
        for event in new {
            let bytes =
                serde_json::to_vec(&event).map_err(|e| WhatIfError::Router(e.to_string()))?;
            self.router
                .apply_message(&bytes)
                .map_err(|e| WhatIfError::Router(format!("{e:#}")))?;
            if event.aggregate_type != "Call" {
                continue;
            }
            let Ok(call) = event.aggregate_id.parse().map(CallId) else {
                continue;
            };
            let Some(request) = self.requests.get(&call).map(|i| &self.replay.requests[*i]) else {
                continue;
            };
            let (talk_s, wrap_up_s, ring_s) = (request.talk_s, request.wrap_up_s, request.ring_s);
            match serde_json::from_value::<CallEvent>(event.payload) {
                Ok(CallEvent::CallOffered { agent_id, at, .. }) => {
                    self.schedule(
                        at + Duration::seconds(ring_s),
                        Happening::Answer(call, agent_id),
                    );
                }
                Ok(CallEvent::CallAccepted { agent_id, at, .. }) => {
                    self.schedule(
                        at + Duration::seconds(talk_s),
                        Happening::HangUp(call, agent_id),
                    );
                }
                Ok(CallEvent::CallEnded { agent_id, at, .. }) => {
                    if let Some(wrap_up_s) = wrap_up_s {
                        let done = at + Duration::seconds(wrap_up_s);
                        self.schedule(done, Happening::WrapUp(call, agent_id));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Does one scripted happening. A refusal is part of the replay (the offer expired
    /// before the answer, the call was answered before the caller gave up) and is let be.
    async fn happen(&mut self, happening: Happening) {
        let (now, md) = (self.now, metadata());
        let floor = &self.floor;
        let _refused_or_done = match happening {
            Happening::Request(index) => {
                self.placed += 1;
                let request: &Request = &self.replay.requests[index];
                let command = CallCommand::Request {
                    call_id: request.call_id,
                    requester_id: request.requester_id,
                    organisation_id: request.organisation_id,
                    request: request.request.clone(),
                    queue: request.queue,
                    at: now,
                };
                floor
                    .request_call(request.call_id, command, &md)
                    .await
                    .is_ok()
            }
            Happening::Status(agent, status) => {
                floor.change_status(agent, status, now, &md).await.is_ok()
            }
            Happening::Answer(call, agent) => floor.accept(call, agent, now, &md).await.is_ok(),
            Happening::HangUp(call, agent) => floor.end(call, agent, now, &md).await.is_ok(),
            Happening::WrapUp(call, agent) => {
                let disposition = Disposition::parse("completed").ok();
                match disposition {
                    Some(d) => floor.wrap_up(call, agent, d, None, now, &md).await.is_ok(),
                    None => false,
                }
            }
            Happening::Abandon(call) => {
                let requester = self
                    .requests
                    .get(&call)
                    .map(|i| self.replay.requests[*i].requester_id);
                match requester {
                    Some(requester) => floor.cancel(call, requester, now, &md).await.is_ok(),
                    None => false,
                }
            }
        };
    }

    /// The loop: the next instant is the earlier of the agenda's next happening and the
    /// router's next timer. A timer whose decision was refused may stay due; it is then
    /// retried a second later, so the loop always moves on.
    async fn run(&mut self, progress: &mut dyn Progress) -> Result<(), WhatIfError> {
        let total = self.replay.requests.len();
        let end = self.replay.to + Duration::seconds(DRAIN_S);
        let mut last_decided: Option<DateTime<Utc>> = None;
        loop {
            let next_happening = self.agenda.peek().map(|Reverse((at, _, _))| *at);
            // A timer still due after the round at its instant had its decision refused:
            // it is tried again a second later, and happenings before that go first.
            let next_timer = match (self.router.next_deadline(self.now), last_decided) {
                (Some(due), Some(decided)) if due <= decided => {
                    Some(decided + Duration::seconds(1))
                }
                (due, _) => due,
            };
            let Some(next) = next_happening.into_iter().chain(next_timer).min() else {
                break;
            };
            if next > end {
                break;
            }
            self.now = next.max(self.now);
            lock(&self.stream).now = Some(self.now);
            while let Some(Reverse((at, _, _))) = self.agenda.peek() {
                if *at > self.now {
                    break;
                }
                if let Some(Reverse((_, _, happening))) = self.agenda.pop() {
                    self.happen(happening).await;
                }
            }
            self.feed()?;
            let decisions = self.router.decide(self.now);
            if !decisions.is_empty() {
                carry_out(&mut self.router, &self.floor, decisions, self.now)
                    .await
                    .map_err(|e| WhatIfError::Router(format!("{e:#}")))?;
                self.feed()?;
            }
            last_decided = Some(self.now);
            if self.placed % 100 == 0 || self.placed == total {
                progress.report(self.placed, total);
            }
        }
        progress.report(self.placed, total);
        Ok(())
    }
}
