//! Random sequences of floor operations, run through `Floor` on in-memory stores, must keep
//! "one call, one agent; one agent, one call" true after every single step.

// Test helpers outside `#[test]` functions (fixtures, loaders) unwrap too: a failed
// fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use cqrs_es::mem_store::MemStore;
use domain::agent::{Activity, Agent, AgentCommand};
use domain::call::{Call, CallCommand, CallStatus, NoInterpreterReason, TransferTarget};
use domain::ids::{AgentId, CallId, QueueId, UserId};
use domain::values::AgentStatus;
use domain::workflow::{ExecuteError, Floor, Metadata, WorkflowError};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const AGENTS: usize = 4;
const CALLS: usize = 5;
const QUEUES: usize = 2;

type TestFloor = Floor<MemStore<Call>, MemStore<Agent>>;

fn agent(i: usize) -> AgentId {
    agent_n(i as u128)
}
fn call(i: usize) -> CallId {
    call_n(i as u128)
}
fn queue(i: usize) -> QueueId {
    queue_n(i as u128)
}
fn requester(i: usize) -> UserId {
    requester_n(i as u128)
}

/// Who sends a command about a call: the agent it rings for or is with, or anyone.
#[derive(Debug, Clone, Copy)]
enum Who {
    Right,
    Agent(usize),
}

/// Which call or agent an operation is about: mostly one the operation fits (a ringing call
/// to accept, an idle agent to offer to, ...), so that sequences get somewhere; sometimes any.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Fitting(usize),
    Any(usize),
}

impl Pick {
    fn among(self, fits: impl Fn(usize) -> bool, all: usize) -> usize {
        match self {
            Self::Any(n) => n % all,
            Self::Fitting(n) => {
                let candidates: Vec<usize> = (0..all).filter(|&i| fits(i)).collect();
                if candidates.is_empty() {
                    n % all
                } else {
                    candidates[n % candidates.len()]
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Request {
        call: Pick,
        queue: usize,
    },
    SetSkills {
        agent: usize,
        french: bool,
    },
    ChangeStatus {
        agent: usize,
        status: AgentStatus,
    },
    Offer {
        call: Pick,
        agent: Pick,
        ring: i64,
    },
    Accept {
        call: Pick,
        who: Who,
    },
    Decline {
        call: Pick,
        who: Who,
    },
    /// `late`: at or after the offer's expiry; otherwise now, which may be before it.
    Expire {
        call: Pick,
        who: Who,
        late: bool,
    },
    Hold {
        call: Pick,
        who: Who,
    },
    Resume {
        call: Pick,
        who: Who,
    },
    End {
        call: Pick,
        who: Who,
    },
    WrapUp {
        call: Pick,
        who: Who,
    },
    /// The router ends a wrap-up whose timer ran out, on the agent side only.
    WrapUpTimesOut {
        agent: usize,
    },
    Cancel {
        call: Pick,
        right_requester: bool,
    },
    TransferToAgent {
        call: Pick,
        by: Option<Who>,
        target: Pick,
        ring: i64,
    },
    TransferToQueue {
        call: Pick,
        by: Option<Who>,
        queue: usize,
    },
    Overflow {
        call: Pick,
        queue: usize,
    },
    GiveUp {
        call: Pick,
    },
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![4 => Just(Who::Right), 1 => (0..AGENTS).prop_map(Who::Agent)]
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![4 => (0..8usize).prop_map(Pick::Fitting), 1 => (0..8usize).prop_map(Pick::Any)]
}

fn status() -> impl Strategy<Value = AgentStatus> {
    prop_oneof![
        4 => Just(AgentStatus::Available),
        1 => Just(AgentStatus::Break),
        1 => Just(AgentStatus::Offline),
        1 => Just(AgentStatus::Away),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0..AGENTS;
    let q = 0..QUEUES;
    let ring = 5..40i64;
    prop_oneof![
        2 => (pick(), q.clone()).prop_map(|(call, queue)| Op::Request { call, queue }),
        1 => (a.clone(), any::<bool>()).prop_map(|(agent, french)| Op::SetSkills { agent, french }),
        2 => (a.clone(), status()).prop_map(|(agent, status)| Op::ChangeStatus { agent, status }),
        6 => (pick(), pick(), ring.clone()).prop_map(|(call, agent, ring)| Op::Offer { call, agent, ring }),
        5 => (pick(), who()).prop_map(|(call, who)| Op::Accept { call, who }),
        2 => (pick(), who()).prop_map(|(call, who)| Op::Decline { call, who }),
        3 => (pick(), who(), any::<bool>()).prop_map(|(call, who, late)| Op::Expire { call, who, late }),
        1 => (pick(), who()).prop_map(|(call, who)| Op::Hold { call, who }),
        1 => (pick(), who()).prop_map(|(call, who)| Op::Resume { call, who }),
        3 => (pick(), who()).prop_map(|(call, who)| Op::End { call, who }),
        3 => (pick(), who()).prop_map(|(call, who)| Op::WrapUp { call, who }),
        1 => a.prop_map(|agent| Op::WrapUpTimesOut { agent }),
        1 => (pick(), any::<bool>()).prop_map(|(call, right_requester)| Op::Cancel { call, right_requester }),
        3 => (pick(), proptest::option::of(who()), pick(), ring)
            .prop_map(|(call, by, target, ring)| Op::TransferToAgent { call, by, target, ring }),
        2 => (pick(), proptest::option::of(who()), q.clone())
            .prop_map(|(call, by, queue)| Op::TransferToQueue { call, by, queue }),
        1 => (pick(), q).prop_map(|(call, queue)| Op::Overflow { call, queue }),
        1 => pick().prop_map(|call| Op::GiveUp { call }),
    ]
}

/// A refusal by either aggregate is an expected outcome of a random operation; a store
/// failure or a conflict is not.
fn refused_or_ok<T>(result: Result<T, WorkflowError>) -> Result<(), TestCaseError> {
    match result {
        Ok(_)
        | Err(WorkflowError::Call(ExecuteError::Rejected(_)))
        | Err(WorkflowError::Agent(ExecuteError::Rejected(_))) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("unexpected failure: {other}"))),
    }
}

struct Run {
    floor: TestFloor,
    /// Seconds since `base()`; only ever grows.
    now: i64,
}

impl Run {
    fn at(&self) -> DateTime<Utc> {
        t(self.now)
    }

    /// Moves the clock to `instant` if it is later than now.
    fn advance_to(&mut self, instant: DateTime<Utc>) {
        self.now = self.now.max((instant - base()).num_seconds());
    }

    async fn call_state(&self, call_id: CallId) -> Call {
        self.floor.load_call(call_id).await.unwrap().0
    }

    /// The agent a `Who::Right` means for this call: the one it rings for, else its agent.
    async fn resolve(&self, call_id: CallId, who: Who) -> AgentId {
        match who {
            Who::Agent(i) => agent(i),
            Who::Right => {
                let call = self.call_state(call_id).await;
                call.offer
                    .map(|offer| offer.agent_id)
                    .or(call.agent_id)
                    .unwrap_or(agent(0))
            }
        }
    }

    /// The call index `pick` means, given what each call must be for the operation to fit.
    fn call_fitting(calls: &[Call], pick: Pick, fits: impl Fn(&Call) -> bool) -> usize {
        pick.among(|c| fits(&calls[c]), CALLS)
    }

    async fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let md = Metadata::new();
        let (calls, agents) = self.snapshot().await;
        let ringing = |call: &Call| call.offer.is_some();
        let live = |call: &Call| call.status.is_live();
        let on_hold = |call: &Call| call.status == CallStatus::OnHold;
        let ended = |call: &Call| call.status == CallStatus::Ended;
        let waiting = |call: &Call| call.status.is_waiting();
        let queued = |call: &Call| call.status == CallStatus::Queued;
        let new = |call: &Call| call.status == CallStatus::New;
        let free = |a: usize| {
            agents[a].activity == Activity::Idle && agents[a].status == Some(AgentStatus::Available)
        };
        let floor = &self.floor;
        let now = self.at();
        match *op {
            Op::Request { call: c, queue: q } => {
                let c = Self::call_fitting(&calls, c, new);
                let command = CallCommand::Request {
                    organisation_id: None,
                    call_id: call(c),
                    requester_id: requester(c),
                    request: request(),
                    queue: Some(queue(q)),
                    at: now,
                };
                refused_or_ok(
                    floor
                        .call(call(c), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::SetSkills { agent: a, french } => {
                let skills = if french { other_skills() } else { skills() };
                let command = AgentCommand::SetSkills {
                    agent_id: agent(a),
                    skills,
                    at: now,
                };
                refused_or_ok(
                    floor
                        .agent(agent(a), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::ChangeStatus { agent: a, status } => {
                refused_or_ok(floor.change_status(agent(a), status, now, &md).await)
            }
            Op::Offer {
                call: c,
                agent: a,
                ring,
            } => {
                let c = Self::call_fitting(&calls, c, queued);
                let a = a.among(free, AGENTS);
                let expires = now + Duration::seconds(ring);
                refused_or_ok(floor.offer(call(c), agent(a), expires, now, &md).await)
            }
            Op::Accept { call: c, who } => {
                let c = Self::call_fitting(&calls, c, ringing);
                let a = self.resolve(call(c), who).await;
                refused_or_ok(floor.accept(call(c), a, now, &md).await)
            }
            Op::Decline { call: c, who } => {
                let c = Self::call_fitting(&calls, c, ringing);
                let a = self.resolve(call(c), who).await;
                refused_or_ok(floor.decline(call(c), a, now, &md).await)
            }
            Op::Expire { call: c, who, late } => {
                let c = Self::call_fitting(&calls, c, ringing);
                let a = self.resolve(call(c), who).await;
                let at = match self.call_state(call(c)).await.offer {
                    Some(offer) if late => offer.expires_at.max(now),
                    _ => now,
                };
                let result = floor.expire_offer(call(c), a, at, &md).await;
                self.advance_to(at);
                refused_or_ok(result)
            }
            Op::Hold { call: c, who } => {
                let c = Self::call_fitting(&calls, c, live);
                let a = self.resolve(call(c), who).await;
                let command = CallCommand::Hold {
                    agent_id: a,
                    at: now,
                };
                refused_or_ok(
                    floor
                        .call(call(c), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::Resume { call: c, who } => {
                let c = Self::call_fitting(&calls, c, on_hold);
                let a = self.resolve(call(c), who).await;
                let command = CallCommand::Resume {
                    agent_id: a,
                    at: now,
                };
                refused_or_ok(
                    floor
                        .call(call(c), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::End { call: c, who } => {
                let c = Self::call_fitting(&calls, c, live);
                let a = self.resolve(call(c), who).await;
                refused_or_ok(floor.end(call(c), a, now, &md).await)
            }
            Op::WrapUp { call: c, who } => {
                let c = Self::call_fitting(&calls, c, ended);
                let a = self.resolve(call(c), who).await;
                refused_or_ok(floor.wrap_up(call(c), a, completed(), None, now, &md).await)
            }
            Op::WrapUpTimesOut { agent: a } => {
                let (state, _) = floor.load_agent(agent(a)).await.unwrap();
                let Activity::WrapUp(call_id) = state.activity else {
                    return Ok(());
                };
                let command = AgentCommand::EndWrapUp {
                    call_id,
                    disposition: None,
                    at: now,
                };
                refused_or_ok(
                    floor
                        .agent(agent(a), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::Cancel {
                call: c,
                right_requester,
            } => {
                let c = Self::call_fitting(&calls, c, waiting);
                let by = if right_requester {
                    requester(c)
                } else {
                    requester(c + 10)
                };
                refused_or_ok(floor.cancel(call(c), by, now, &md).await)
            }
            Op::TransferToAgent {
                call: c,
                by,
                target,
                ring,
            } => {
                let c = Self::call_fitting(&calls, c, |call: &Call| live(call) || waiting(call));
                let by = match by {
                    Some(who) => Some(self.resolve(call(c), who).await),
                    None => None,
                };
                let expires = now + Duration::seconds(ring);
                let target = TransferTarget::Agent(agent(target.among(free, AGENTS)));
                refused_or_ok(floor.transfer(call(c), by, target, expires, now, &md).await)
            }
            Op::TransferToQueue {
                call: c,
                by,
                queue: q,
            } => {
                let c = Self::call_fitting(&calls, c, |call: &Call| live(call) || waiting(call));
                let by = match by {
                    Some(who) => Some(self.resolve(call(c), who).await),
                    None => None,
                };
                let expires = now + Duration::seconds(20);
                let target = TransferTarget::Queue(queue(q));
                refused_or_ok(floor.transfer(call(c), by, target, expires, now, &md).await)
            }
            Op::Overflow { call: c, queue: q } => {
                let c = Self::call_fitting(&calls, c, queued);
                let command = CallCommand::Overflow {
                    to_queue: queue(q),
                    at: now,
                };
                refused_or_ok(
                    floor
                        .call(call(c), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
            Op::GiveUp { call: c } => {
                let c = Self::call_fitting(&calls, c, queued);
                let command = CallCommand::GiveUp {
                    reason: NoInterpreterReason::MaxWaitExceeded,
                    at: now,
                };
                refused_or_ok(
                    floor
                        .call(call(c), command, &md)
                        .await
                        .map_err(WorkflowError::from),
                )
            }
        }
    }

    async fn snapshot(&self) -> (Vec<Call>, Vec<Agent>) {
        let mut calls = Vec::new();
        for c in 0..CALLS {
            calls.push(self.call_state(call(c)).await);
        }
        let mut agents = Vec::new();
        for a in 0..AGENTS {
            agents.push(self.floor.load_agent(agent(a)).await.unwrap().0);
        }
        (calls, agents)
    }
}

fn check(calls: &[Call], agents: &[Agent]) -> Result<(), TestCaseError> {
    let call_index = |id: CallId| (0..CALLS).find(|&c| call(c) == id);

    // A call rings iff it is offered, or live with a transfer under way (it rings for the
    // new interpreter while the first keeps it); only a live call has an agent.
    for (c, state) in calls.iter().enumerate() {
        let transfer_rings = state.status.is_live() && state.pending_transfer.is_some();
        prop_assert_eq!(
            state.status == CallStatus::Offered || transfer_rings && state.offer.is_some(),
            state.offer.is_some(),
            "call {} is {:?} with offer {:?}",
            c,
            state.status,
            state.offer
        );
        if state.status.is_live() {
            prop_assert!(state.agent_id.is_some(), "live call {} has no agent", c);
        }
    }

    for (a, state) in agents.iter().enumerate() {
        let id = agent(a);
        // No agent is on two live calls.
        let live = calls
            .iter()
            .filter(|call| call.status.is_live() && call.agent_id == Some(id))
            .count();
        prop_assert!(live <= 1, "agent {} is on {} live calls", a, live);
        // No agent holds two offers.
        let ringing = calls
            .iter()
            .filter(|call| call.offer.is_some_and(|offer| offer.agent_id == id))
            .count();
        prop_assert!(ringing <= 1, "agent {} is offered {} calls", a, ringing);
        // An agent never rings for a call and is on another at once (per the call side).
        prop_assert!(live + ringing <= 1, "agent {} rings and talks at once", a);

        match state.activity {
            Activity::OnCall(call_id) => {
                let c = call_index(call_id).expect("a known call");
                let call = &calls[c];
                prop_assert!(
                    call.status.is_live() && call.agent_id == Some(id),
                    "agent {} is on call {} which is {:?} with {:?}",
                    a,
                    c,
                    call.status,
                    call.agent_id
                );
            }
            Activity::Ringing(call_id) => {
                let c = call_index(call_id).expect("a known call");
                prop_assert_eq!(
                    calls[c].offer.map(|offer| offer.agent_id),
                    Some(id),
                    "agent {} rings for call {} which is {:?}",
                    a,
                    c,
                    calls[c].status
                );
            }
            Activity::WrapUp(call_id) => {
                let c = call_index(call_id).expect("a known call");
                prop_assert!(
                    !(calls[c].status.is_live() && calls[c].agent_id == Some(id)),
                    "agent {} wraps up call {} while still on it",
                    a,
                    c
                );
            }
            Activity::Idle => {}
        }
    }

    for (c, state) in calls.iter().enumerate() {
        // A call offered to an agent rings on that agent's side.
        if let Some(offer) = state.offer {
            let a = (0..AGENTS)
                .find(|&a| agent(a) == offer.agent_id)
                .expect("a known agent");
            prop_assert_eq!(
                agents[a].activity,
                Activity::Ringing(call(c)),
                "call {} is offered to agent {}",
                c,
                a
            );
        }
        // A live call's agent is on it on their side.
        if state.status.is_live() {
            let id = state.agent_id.expect("checked above");
            let a = (0..AGENTS)
                .find(|&a| agent(a) == id)
                .expect("a known agent");
            prop_assert_eq!(
                agents[a].activity,
                Activity::OnCall(call(c)),
                "call {} is live with agent {}",
                c,
                a
            );
        }
        // No two agents are on the same call, and it rings for one at most. Both at once
        // only while a transfer is under way: the first keeps it until the second accepts.
        let on_it = agents
            .iter()
            .filter(|agent| matches!(agent.activity, Activity::OnCall(id) if id == call(c)))
            .count();
        let ringing = agents
            .iter()
            .filter(|agent| matches!(agent.activity, Activity::Ringing(id) if id == call(c)))
            .count();
        prop_assert!(on_it <= 1, "call {} is held by {} agents", c, on_it);
        prop_assert!(ringing <= 1, "call {} rings for {} agents", c, ringing);
        prop_assert!(
            on_it + ringing <= 1 || state.pending_transfer.is_some(),
            "call {} is held and rings elsewhere with no transfer under way",
            c
        );
    }
    Ok(())
}

/// A floor where agents 0, 1 and 2 are skilled and available, agent 3 has nothing yet,
/// calls 0 and 1 wait in queue 0 and call 2 in queue 1; calls 3 and 4 are not requested.
async fn start() -> Run {
    let run = Run {
        floor: Floor {
            calls: MemStore::default(),
            agents: MemStore::default(),
            max_attempts: 3,
            away_after_missed: 3,
        },
        now: 0,
    };
    let md = Metadata::new();
    for a in 0..AGENTS - 1 {
        let command = AgentCommand::SetSkills {
            agent_id: agent(a),
            skills: skills(),
            at: t(0),
        };
        run.floor.agent(agent(a), command, &md).await.unwrap();
        run.floor
            .change_status(agent(a), AgentStatus::Available, t(0), &md)
            .await
            .unwrap();
    }
    for c in 0..3 {
        let command = CallCommand::Request {
            organisation_id: None,
            call_id: call(c),
            requester_id: requester(c),
            request: request(),
            queue: Some(queue(c / 2)),
            at: t(0),
        };
        run.floor.call(call(c), command, &md).await.unwrap();
    }
    run
}

/// Runs `steps` (each after advancing the clock by its seconds), checking the invariants
/// after every one; returns the final state.
async fn run_checked(steps: &[(Op, i64)]) -> Result<(Vec<Call>, Vec<Agent>), TestCaseError> {
    let mut run = start().await;
    for (i, (op, dt)) in steps.iter().enumerate() {
        run.now += dt;
        run.step(op).await?;
        let (calls, agents) = run.snapshot().await;
        check(&calls, &agents).map_err(|e| {
            TestCaseError::fail(format!("after step {i} ({op:?}) at +{}s: {e}", run.now))
        })?;
    }
    Ok(run.snapshot().await)
}

fn run(steps: &[(Op, i64)]) -> Result<(Vec<Call>, Vec<Agent>), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(run_checked(steps))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn one_call_one_agent_and_one_agent_one_call_hold_after_every_step(
        steps in proptest::collection::vec((op(), 0..6i64), 1..60)
    ) {
        run(&steps)?;
    }
}

/// A long, mostly successful scenario, so the property is known not to pass only because
/// every operation was refused.
#[test]
fn a_scripted_busy_floor_keeps_the_invariants() {
    use Op::*;
    let steps = vec![
        (
            Request {
                call: Pick::Any(0),
                queue: 0,
            },
            1,
        ),
        (
            Request {
                call: Pick::Any(1),
                queue: 0,
            },
            1,
        ),
        (
            Request {
                call: Pick::Any(2),
                queue: 1,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(0),
                agent: Pick::Any(0),
                ring: 20,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(1),
                agent: Pick::Any(1),
                ring: 20,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(2),
                agent: Pick::Any(0),
                ring: 20,
            },
            1,
        ),
        (
            Accept {
                call: Pick::Any(0),
                who: Who::Right,
            },
            1,
        ),
        (
            Decline {
                call: Pick::Any(1),
                who: Who::Right,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(1),
                agent: Pick::Any(2),
                ring: 5,
            },
            1,
        ),
        (
            Accept {
                call: Pick::Any(1),
                who: Who::Right,
            },
            10,
        ),
        (
            Expire {
                call: Pick::Any(1),
                who: Who::Right,
                late: true,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(2),
                agent: Pick::Any(1),
                ring: 20,
            },
            1,
        ),
        (
            ChangeStatus {
                agent: 1,
                status: AgentStatus::Break,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(2),
                agent: Pick::Any(2),
                ring: 20,
            },
            1,
        ),
        (
            TransferToAgent {
                call: Pick::Any(0),
                by: Some(Who::Right),
                target: Pick::Any(1),
                ring: 20,
            },
            1,
        ),
        (
            ChangeStatus {
                agent: 1,
                status: AgentStatus::Available,
            },
            1,
        ),
        (
            TransferToAgent {
                call: Pick::Any(0),
                by: Some(Who::Right),
                target: Pick::Any(1),
                ring: 20,
            },
            1,
        ),
        (
            Accept {
                call: Pick::Any(0),
                who: Who::Right,
            },
            1,
        ),
        (
            Accept {
                call: Pick::Any(2),
                who: Who::Right,
            },
            1,
        ),
        (
            Hold {
                call: Pick::Any(2),
                who: Who::Right,
            },
            1,
        ),
        (
            End {
                call: Pick::Any(2),
                who: Who::Right,
            },
            1,
        ),
        (
            WrapUp {
                call: Pick::Any(2),
                who: Who::Right,
            },
            1,
        ),
        (
            TransferToQueue {
                call: Pick::Any(0),
                by: None,
                queue: 1,
            },
            1,
        ),
        (WrapUpTimesOut { agent: 0 }, 1),
        (
            Request {
                call: Pick::Any(3),
                queue: 0,
            },
            1,
        ),
        (
            Offer {
                call: Pick::Any(3),
                agent: Pick::Any(0),
                ring: 20,
            },
            1,
        ),
        (
            Cancel {
                call: Pick::Any(3),
                right_requester: true,
            },
            1,
        ),
        (GiveUp { call: Pick::Any(1) }, 1),
        (
            Overflow {
                call: Pick::Any(0),
                queue: 0,
            },
            1,
        ),
    ];
    let (calls, agents) = run(&steps).unwrap();
    let statuses: Vec<_> = calls.iter().map(|c| c.status).collect();
    // Call 0's last transfer (to queue 1) is still under way: it stays with agent 1, and
    // the overflow of a call that does not wait was refused.
    assert_eq!(
        statuses,
        [
            CallStatus::Connected,
            CallStatus::NoInterpreterAvailable,
            CallStatus::WrappedUp,
            CallStatus::Abandoned,
            CallStatus::New,
        ]
    );
    assert_eq!(calls[0].queue_id, Some(queue(0)));
    let activities: Vec<_> = agents.iter().map(|a| a.activity).collect();
    assert_eq!(
        activities,
        [
            Activity::Idle,
            Activity::OnCall(call(0)),
            Activity::Idle,
            Activity::Idle
        ]
    );
}
