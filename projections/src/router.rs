//! The router: a process manager that turns the event stream into routing decisions.
//!
//! It keeps its state from the stream (from its last checkpoint on) and, once it leads and
//! has caught up (`router_run.rs`), offers each waiting call to one eligible interpreter
//! chosen by the queue's strategy, and runs the timers — ring timeout, maximum wait, wrap-up time — from event state alone, so a
//! restarted router re-arms every timer. Invariants stay in the aggregates: the router
//! only sends commands through the domain's `Floor`, which refuses a second offer or a
//! second agent whatever the router believes.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::EventStore;
use domain::agent::{Activity, Agent, AgentCommand, AgentEvent, OfferOutcome};
use domain::call::{Call, CallEvent, NoInterpreterReason};
use domain::ids::{AgentId, CallId, OrganisationId, QueueId};
use domain::matching::{AgentProfile, OrganisationPolicy, Requirements};
use domain::organisation::OrganisationEvent;
use domain::queue::{QueueConfig, QueueEvent};
use domain::values::{AgentStatus, Modality, Priority, RoutingStrategy, Skills};
use domain::workflow::{Floor, Metadata, Versioned};
use domain::{CallCommand, values::LanguageCode};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tracing::Instrument;

use crate::bus::BusEventRef;

#[path = "router_callback.rs"]
mod callback;
#[path = "router_run.rs"]
mod run;
pub use run::run;
#[path = "router_policy.rs"]
mod policy;

/// A router's knowledge of one queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueueState {
    config: QueueConfig,
    members: Vec<AgentId>,
    /// Round robin: the agent offered last.
    last_offered: Option<AgentId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AgentState {
    status: AgentStatus,
    activity: Activity,
    skills: Skills,
    /// When they last became free (for longest idle).
    idle_since: Option<DateTime<Utc>>,
    wrap_up_since: Option<DateTime<Utc>>,
    offer_expires_at: Option<DateTime<Utc>>,
    calls_today: (Option<NaiveDate>, u32),
    /// When `status` last changed: a new status needs no connection before this.
    status_since: Option<DateTime<Utc>>,
    /// On a call with no live connection since then (`AgentPresenceLost` with a call).
    presence_lost_at: Option<DateTime<Utc>>,
    #[serde(default)]
    profile: AgentProfile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CallState {
    language: LanguageCode,
    source_language: LanguageCode,
    modality: Modality,
    priority: Priority,
    requirements: Requirements,
    organisation: Option<OrganisationId>,
    /// Its place in line among calls of the same priority; kept through overflows and
    /// widening.
    requested_at: DateTime<Utc>,
    /// Widening steps taken in its current queue (`CallPoolWidened`).
    widening_step: u32,
    queue: Option<QueueId>,
    /// When it entered its current queue (the maximum wait counts from here).
    queued_at: DateTime<Utc>,
    waiting: bool,
    offer: Option<(AgentId, DateTime<Utc>)>,
    /// The interpreter who answered it, while connected.
    agent: Option<AgentId>,
    /// Agents who declined or let this call's offer expire in this queue, and the one who
    /// transferred it away.
    passed_by: HashSet<AgentId>,
    /// Who transferred it into the queue it is about to enter.
    transferred_by: Option<AgentId>,
    /// A transfer of the live call under way: routed like a waiting call, but its maximum
    /// wait ends in `TransferFailed` (the call stays with `agent`), never in giving up.
    transfer_pending: bool,
    /// A callback call's join window, open from its accept until the requester joins.
    #[serde(default)]
    join_by: Option<DateTime<Utc>>,
}

/// Everything the router knows, folded from the stream. It is also what a router
/// checkpoint holds (`router_checkpoint.rs`), so a router taking over starts from the last
/// checkpoint rather than from the stream's first message.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RouterState {
    queues: HashMap<QueueId, QueueState>,
    agents: HashMap<AgentId, AgentState>,
    calls: HashMap<CallId, CallState>,
    /// Each organisation's policy (`OrganisationPolicySet`).
    #[serde(default)]
    organisations: HashMap<OrganisationId, OrganisationPolicy>,
    /// The queue each finished call was in, for its agent's wrap-up time.
    call_queue: HashMap<CallId, QueueId>,
    /// Offers the floor refused (the router's view lagged the aggregates): not sent again
    /// until an event about the call or the agent shows what changed, so the router neither
    /// repeats a refused offer in a loop nor excludes a free agent for good. Not kept in a
    /// checkpoint: a router taking over may try such an offer once more.
    #[serde(skip)]
    refused: HashSet<(CallId, AgentId)>,
}

/// A decision the router takes: one command to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Offer {
        call: CallId,
        agent: AgentId,
        expires_at: DateTime<Utc>,
    },
    ExpireOffer {
        call: CallId,
        agent: AgentId,
    },
    Overflow {
        call: CallId,
        to: QueueId,
    },
    GiveUp {
        call: CallId,
    },
    /// Nobody accepted a transfer within the target queue's maximum wait.
    FailTransfer {
        call: CallId,
    },
    /// The call's wait reached its queue's widening step `step` (1-based).
    Widen {
        call: CallId,
        step: u32,
    },
    EndWrapUp {
        agent: AgentId,
        call: CallId,
    },
    /// The agent side still rings for a call whose offer ended (a crash between the two
    /// steps of a workflow): release it.
    ReleaseAgentOffer {
        agent: AgentId,
        call: CallId,
    },
    /// The call was accepted but the agent side missed it: start the call there.
    StartAgentCall {
        agent: AgentId,
        call: CallId,
    },
    /// A callback call's join window passed without its requester (`router_callback.rs`).
    MissCallback {
        call: CallId,
    },
    /// No live connection for the presence timeout (`presence`).
    LosePresence {
        agent: AgentId,
    },
    /// A live connection again for an agent whose call was flagged.
    RestorePresence {
        agent: AgentId,
    },
}

impl Decision {
    /// The call and interpreter a decision is about, for the log.
    fn span(&self) -> tracing::Span {
        let (call, agent) = match self {
            Self::Offer { call, agent, .. }
            | Self::ExpireOffer { call, agent }
            | Self::EndWrapUp { agent, call }
            | Self::ReleaseAgentOffer { agent, call }
            | Self::StartAgentCall { agent, call } => (Some(call.0), Some(agent.0)),
            Self::Overflow { call, .. }
            | Self::GiveUp { call }
            | Self::FailTransfer { call }
            | Self::Widen { call, .. }
            | Self::MissCallback { call } => (Some(call.0), None),
            Self::LosePresence { agent } | Self::RestorePresence { agent } => (None, Some(agent.0)),
        };
        tracing::info_span!(
            "decision",
            kind = self.kind(),
            call_id = call.map(tracing::field::display),
            agent_id = agent.map(tracing::field::display),
        )
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Offer { .. } => "offer",
            Self::ExpireOffer { .. } => "expire_offer",
            Self::Overflow { .. } => "overflow",
            Self::GiveUp { .. } => "give_up",
            Self::FailTransfer { .. } => "fail_transfer",
            Self::Widen { .. } => "widen",
            Self::EndWrapUp { .. } => "end_wrap_up",
            Self::ReleaseAgentOffer { .. } => "release_agent_offer",
            Self::StartAgentCall { .. } => "start_agent_call",
            Self::MissCallback { .. } => "miss_callback",
            Self::LosePresence { .. } => "lose_presence",
            Self::RestorePresence { .. } => "restore_presence",
        }
    }
}

/// How long past its expiry an agent-side offer may outlive the call-side one before the
/// router repairs it (the normal workflow needs milliseconds).
const REPAIR_GRACE_S: i64 = 2;

impl RouterState {
    /// Folds one stream message (a [`crate::bus::BusEvent`]'s JSON) into the state. Only
    /// the payload of a queue, agent or call event is decoded, straight into its type.
    pub fn apply_message(&mut self, body: &[u8]) -> anyhow::Result<()> {
        let event: BusEventRef<'_> =
            serde_json::from_slice(body).context("a stream message is not an event")?;
        self.apply(&event)
    }

    /// Folds one event from the stream.
    fn apply(&mut self, event: &BusEventRef<'_>) -> anyhow::Result<()> {
        let id: uuid::Uuid = event
            .aggregate_id
            .parse()
            .context("aggregate id is not a UUID")?;
        match event.aggregate_type.as_ref() {
            "Queue" => self.apply_queue(QueueId(id), event.decode()?),
            "Agent" => self.apply_agent(AgentId(id), event.decode()?),
            "Call" => {
                self.refused.retain(|(call, _)| call.0 != id);
                self.apply_call(CallId(id), &event.decode()?);
            }
            "Organisation" => {
                if let OrganisationEvent::OrganisationPolicySet { policy, .. } = event.decode()? {
                    // A policy may lift a ban: offers refused before may go now.
                    self.refused.clear();
                    self.organisations.insert(OrganisationId(id), policy);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn apply_queue(&mut self, id: QueueId, event: QueueEvent) {
        match event {
            QueueEvent::QueueCreated { config, .. } => {
                self.queues.insert(
                    id,
                    QueueState {
                        config,
                        members: vec![],
                        last_offered: None,
                    },
                );
            }
            QueueEvent::QueueUpdated { config, .. } => {
                if let Some(queue) = self.queues.get_mut(&id) {
                    queue.config = config;
                }
            }
            QueueEvent::QueueMembersSet { members, .. } => {
                if let Some(queue) = self.queues.get_mut(&id) {
                    queue.members = members;
                }
            }
        }
    }

    fn apply_agent(&mut self, id: AgentId, event: AgentEvent) {
        self.refused.retain(|(_, agent)| *agent != id);
        let wrapped_up = match &event {
            AgentEvent::AgentWrapUpEnded { call_id, .. } => Some(*call_id),
            _ => None,
        };
        let agent = self.agents.entry(id).or_insert_with(|| AgentState {
            status: AgentStatus::Offline,
            activity: Activity::Idle,
            skills: Skills::default(),
            idle_since: None,
            wrap_up_since: None,
            offer_expires_at: None,
            calls_today: (None, 0),
            status_since: None,
            presence_lost_at: None,
            profile: AgentProfile::default(),
        });
        // The one definition the agent board shows too.
        agent.idle_since = domain::idle::idle_since_after(
            domain::idle::IdleState {
                idle_since: agent.idle_since,
                available: agent.status == AgentStatus::Available,
                idle: agent.activity == Activity::Idle,
            },
            &event,
        );
        match event {
            AgentEvent::AgentSkillsSet { skills, .. } => agent.skills = skills,
            AgentEvent::AgentProfileSet { profile, .. } => agent.profile = profile,
            AgentEvent::AgentStatusChanged { to, at, .. } => {
                agent.status = to;
                agent.status_since = Some(at);
            }
            AgentEvent::AgentOfferReceived {
                call_id,
                expires_at,
                ..
            } => {
                agent.activity = Activity::Ringing(call_id);
                agent.offer_expires_at = Some(expires_at);
            }
            AgentEvent::AgentOfferCleared { .. } => {
                agent.activity = Activity::Idle;
                agent.offer_expires_at = None;
            }
            AgentEvent::AgentCallStarted { call_id, at } => {
                agent.activity = Activity::OnCall(call_id);
                agent.offer_expires_at = None;
                let day = at.date_naive();
                agent.calls_today = match agent.calls_today {
                    (Some(d), n) if d == day => (Some(d), n + 1),
                    _ => (Some(day), 1),
                };
            }
            AgentEvent::AgentCallEnded { .. } => {
                agent.activity = Activity::Idle;
                agent.presence_lost_at = None;
            }
            AgentEvent::AgentWrapUpStarted { call_id, at } => {
                agent.activity = Activity::WrapUp(call_id);
                agent.wrap_up_since = Some(at);
            }
            AgentEvent::AgentWrapUpEnded { .. } => {
                agent.activity = Activity::Idle;
                agent.wrap_up_since = None;
            }
            AgentEvent::AgentPresenceLost { on_call, at, .. } => match on_call {
                Some(_) => agent.presence_lost_at = Some(at),
                None => {
                    agent.status = AgentStatus::Away;
                    agent.status_since = Some(at);
                }
            },
            AgentEvent::AgentPresenceRestored { .. } => agent.presence_lost_at = None,
        }
        if let Some(call) = wrapped_up {
            self.forget_finished(call);
        }
    }

    /// Drops what the router kept of a call for its interpreters' wrap-up time, once the call
    /// is over and nobody wraps it up any more (after a transfer, two may): the map holds
    /// the calls in progress, not every call ever answered.
    fn forget_finished(&mut self, call: CallId) {
        let still_needed = self.calls.contains_key(&call)
            || self
                .agents
                .values()
                .any(|a| a.activity == Activity::WrapUp(call));
        if !still_needed {
            self.call_queue.remove(&call);
        }
    }

    fn apply_call(&mut self, id: CallId, event: &CallEvent) {
        if let CallEvent::CallRequested {
            request,
            organisation_id,
            at,
            ..
        } = event
        {
            self.calls.insert(
                id,
                CallState {
                    language: request.language.clone(),
                    source_language: request.source_language.clone(),
                    modality: request.modality,
                    priority: request.priority,
                    requirements: request.requirements.clone(),
                    organisation: *organisation_id,
                    requested_at: *at,
                    widening_step: 0,
                    queue: None,
                    queued_at: *at,
                    waiting: false,
                    offer: None,
                    agent: None,
                    passed_by: HashSet::new(),
                    transferred_by: None,
                    transfer_pending: false,
                    join_by: None,
                },
            );
            return;
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        match event {
            CallEvent::CallQueued { queue_id, at, .. } => {
                let (queue_id, at) = (*queue_id, *at);
                if call.queue != Some(queue_id) {
                    call.passed_by.clear();
                }
                // An interpreter who transferred the call handed it on: not back to them.
                if let Some(agent) = call.transferred_by.take() {
                    call.passed_by.insert(agent);
                }
                call.queue = Some(queue_id);
                call.queued_at = at;
                call.widening_step = 0;
                call.waiting = true;
                call.offer = None;
            }
            CallEvent::CallPoolWidened { step, .. } => call.widening_step = *step,
            CallEvent::CallbackOffered { join_by, .. } => call.join_by = Some(*join_by),
            CallEvent::RequesterJoined { .. } | CallEvent::CallbackMissed { .. } => {
                call.join_by = None;
            }
            CallEvent::CallOffered {
                agent_id,
                expires_at,
                ..
            } => {
                // An offer to a named interpreter during a transfer is not routing: once
                // it ends, the transfer ends with it.
                if !call.transfer_pending {
                    call.waiting = true;
                }
                call.offer = Some((*agent_id, *expires_at));
            }
            CallEvent::OfferDeclined { agent_id, .. }
            | CallEvent::OfferExpired { agent_id, .. } => {
                call.offer = None;
                call.passed_by.insert(*agent_id);
            }
            CallEvent::OfferWithdrawn { .. } => call.offer = None,
            CallEvent::CallAccepted {
                queue_id, agent_id, ..
            } => {
                // Kept while connected: its interpreter may transfer it back into routing.
                self.call_queue.insert(id, *queue_id);
                call.waiting = false;
                call.offer = None;
                call.agent = Some(*agent_id);
                call.transfer_pending = false;
            }
            CallEvent::CallTransferred { from_agent_id, .. } => {
                call.agent = None;
                call.transferred_by = *from_agent_id;
            }
            // Not back to the interpreter whose media failed: `CallQueued` follows.
            CallEvent::CallRequeued { agent_id, .. } => {
                call.agent = None;
                call.transferred_by = Some(*agent_id);
            }
            CallEvent::TransferRequested {
                from_agent_id,
                target,
                queue_id,
                at,
            }
            | CallEvent::ConsultRequested {
                from_agent_id,
                target,
                queue_id,
                at,
            } => {
                call.transfer_pending = true;
                call.offer = None;
                if let domain::call::TransferTarget::Queue(_) = target {
                    // Routed in the target queue, but never back to the one handing on.
                    if call.queue != Some(*queue_id) {
                        call.passed_by.clear();
                    }
                    call.passed_by.insert(*from_agent_id);
                    call.queue = Some(*queue_id);
                    call.queued_at = *at;
                    call.widening_step = 0;
                    call.waiting = true;
                }
            }
            // An answered or cancelled consult is routed no more.
            CallEvent::TransferFailed { .. }
            | CallEvent::ConsultAnswered { .. }
            | CallEvent::ConsultCancelled { .. } => {
                call.transfer_pending = false;
                call.waiting = false;
                call.offer = None;
            }
            CallEvent::CallEnded { .. }
            | CallEvent::CallWrappedUp { .. }
            | CallEvent::CallAbandoned { .. }
            | CallEvent::NoInterpreterAvailable { .. } => {
                self.calls.remove(&id);
            }
            // Transfers and overflows are followed by `CallQueued` or `CallOffered`.
            _ => {}
        }
    }

    /// Whether the router may offer `call` to `agent` now: free, not passed or refused,
    /// and a match by the one rule (`domain::matching::check`).
    fn eligible(
        &self,
        agent_id: AgentId,
        agent: &AgentState,
        (call_id, call): (CallId, &CallState),
        queue: &QueueState,
    ) -> bool {
        agent.status == AgentStatus::Available
            && agent.activity == Activity::Idle
            && !call.passed_by.contains(&agent_id)
            && !self.refused.contains(&(call_id, agent_id))
            && self.matches(agent_id, agent, call, queue).is_ok()
    }

    /// The agent the queue's strategy picks among `candidates`.
    fn pick(
        &self,
        queue: &QueueState,
        call: &CallState,
        candidates: &[AgentId],
        today: NaiveDate,
    ) -> Option<AgentId> {
        let agent = |id: &AgentId| &self.agents[id];
        let idle = |id: &AgentId| agent(id).idle_since.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let calls_today = |id: &AgentId| match agent(id).calls_today {
            (Some(day), n) if day == today => n,
            _ => 0,
        };
        match queue.config.strategy {
            RoutingStrategy::LongestIdle => {
                candidates.iter().min_by_key(|id| (idle(id), **id)).copied()
            }
            RoutingStrategy::FewestCallsToday => candidates
                .iter()
                .min_by_key(|id| (calls_today(id), idle(id), **id))
                .copied(),
            RoutingStrategy::BestProficiency => candidates
                .iter()
                .max_by_key(|id| {
                    let proficiency = agent(id)
                        .skills
                        .proficiency_between(&call.source_language, &call.language)
                        .map(|p| p.get());
                    (
                        proficiency,
                        std::cmp::Reverse(idle(id)),
                        std::cmp::Reverse(**id),
                    )
                })
                .copied(),
            RoutingStrategy::RoundRobin => {
                let mut sorted = candidates.to_vec();
                sorted.sort();
                let after_last = queue
                    .last_offered
                    .and_then(|last| sorted.iter().find(|id| **id > last).copied());
                after_last.or_else(|| sorted.first().copied())
            }
        }
    }

    /// Everything due at `now`: timers that fired, then offers for waiting calls (urgent
    /// first, then first come, first served), each agent at most once per round.
    pub fn decide(&self, now: DateTime<Utc>) -> Vec<Decision> {
        let mut decisions = Vec::new();
        for (call_id, call) in &self.calls {
            if let Some((agent, expires_at)) = call.offer
                && now >= expires_at
            {
                decisions.push(Decision::ExpireOffer {
                    call: *call_id,
                    agent,
                });
            }
            if call.waiting && call.offer.is_none() {
                let queue = call.queue.and_then(|q| self.queues.get(&q));
                let max_wait = chrono::Duration::seconds(i64::from(
                    queue.map_or(QueueConfig::DEFAULT_MAX_WAIT_S, |q| q.config.max_wait_s),
                ));
                if now >= call.queued_at + max_wait {
                    let overflow = queue
                        .and_then(|q| q.config.overflow_queue_id)
                        .filter(|to| self.queues.contains_key(to) && Some(*to) != call.queue);
                    decisions.push(match overflow {
                        _ if call.transfer_pending => Decision::FailTransfer { call: *call_id },
                        Some(to) => Decision::Overflow { call: *call_id, to },
                        None => Decision::GiveUp { call: *call_id },
                    });
                } else if let Some(step) = queue.and_then(|q| Self::widening_due(call, q, now)) {
                    decisions.push(Decision::Widen {
                        call: *call_id,
                        step,
                    });
                }
            }
        }
        for (agent_id, agent) in &self.agents {
            if let (Activity::Ringing(call_id), Some(expires_at)) =
                (agent.activity, agent.offer_expires_at)
                && now >= expires_at + chrono::Duration::seconds(REPAIR_GRACE_S)
            {
                let call = self.calls.get(&call_id);
                if call.and_then(|c| c.agent) == Some(*agent_id) {
                    decisions.push(Decision::StartAgentCall {
                        agent: *agent_id,
                        call: call_id,
                    });
                } else if call
                    .and_then(|c| c.offer)
                    .is_none_or(|(offered, _)| offered != *agent_id)
                {
                    decisions.push(Decision::ReleaseAgentOffer {
                        agent: *agent_id,
                        call: call_id,
                    });
                }
            }
            if let (Activity::WrapUp(call), Some(since)) = (agent.activity, agent.wrap_up_since) {
                let wrap_up_s = self
                    .call_queue
                    .get(&call)
                    .and_then(|q| self.queues.get(q))
                    .map_or(QueueConfig::DEFAULT_WRAP_UP_S, |q| q.config.wrap_up_s);
                if now >= since + chrono::Duration::seconds(i64::from(wrap_up_s)) {
                    decisions.push(Decision::EndWrapUp {
                        agent: *agent_id,
                        call,
                    });
                }
            }
        }
        decisions.extend(self.callback_decisions(now));
        let timed_out: HashSet<CallId> = decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Overflow { call, .. }
                | Decision::GiveUp { call }
                | Decision::FailTransfer { call } => Some(*call),
                _ => None,
            })
            .collect();
        let mut waiting: Vec<(&CallId, &CallState)> = self
            .calls
            .iter()
            .filter(|(id, call)| call.waiting && call.offer.is_none() && !timed_out.contains(id))
            .collect();
        // Urgent first, then by request time: an overflowed or widened call keeps its place.
        waiting
            .sort_by_key(|(id, call)| (call.priority != Priority::Urgent, call.requested_at, **id));
        let mut taken: HashSet<AgentId> = HashSet::new();
        for (call_id, call) in waiting {
            let Some(queue) = call.queue.and_then(|q| self.queues.get(&q)) else {
                continue;
            };
            let candidates: Vec<AgentId> = self
                .agents
                .iter()
                .filter(|(id, agent)| {
                    !taken.contains(*id) && self.eligible(**id, agent, (*call_id, call), queue)
                })
                .map(|(id, _)| *id)
                .collect();
            let Some(candidates) = self.preferred_first(call, candidates, now) else {
                continue;
            };
            if let Some(agent) = self.pick(queue, call, &candidates, now.date_naive()) {
                taken.insert(agent);
                let expires_at =
                    now + chrono::Duration::seconds(i64::from(queue.config.ring_timeout_s));
                decisions.push(Decision::Offer {
                    call: *call_id,
                    agent,
                    expires_at,
                });
            }
        }
        decisions
    }

    /// The next instant a timer fires, if any.
    pub fn next_deadline(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let offers = self
            .calls
            .values()
            .filter_map(|c| c.offer.map(|(_, at)| at));
        let max_waits = self
            .calls
            .values()
            .filter(|c| c.waiting && c.offer.is_none())
            .map(|c| {
                let max_wait = c
                    .queue
                    .and_then(|q| self.queues.get(&q))
                    .map_or(QueueConfig::DEFAULT_MAX_WAIT_S, |q| q.config.max_wait_s);
                c.queued_at + chrono::Duration::seconds(i64::from(max_wait))
            });
        let wrap_ups = self
            .agents
            .values()
            .filter_map(|a| match (a.activity, a.wrap_up_since) {
                (Activity::WrapUp(call), Some(since)) => {
                    let wrap_up_s = self
                        .call_queue
                        .get(&call)
                        .and_then(|q| self.queues.get(q))
                        .map_or(QueueConfig::DEFAULT_WRAP_UP_S, |q| q.config.wrap_up_s);
                    Some(since + chrono::Duration::seconds(i64::from(wrap_up_s)))
                }
                _ => None,
            });
        let repairs = self
            .agents
            .values()
            .filter_map(|a| a.offer_expires_at)
            .map(|at| at + chrono::Duration::seconds(REPAIR_GRACE_S));
        offers
            .chain(max_waits)
            .chain(wrap_ups)
            .chain(repairs)
            .chain(self.policy_deadlines(now))
            .chain(self.callback_deadlines())
            .min()
    }

    /// Interpreters whose presence matters now: those who can be offered a call
    /// (available, or holding an offer) and those on a call, or flagged on one.
    pub fn presence_watched(&self) -> Vec<AgentId> {
        self.agents
            .iter()
            .filter(|(_, a)| {
                a.status == AgentStatus::Available
                    || matches!(a.activity, Activity::Ringing(_) | Activity::OnCall(_))
                    || a.presence_lost_at.is_some()
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Presence decisions at `now`, from the last moment each watched interpreter had a
    /// live connection (`presence::last_live`; absent: never connected). An interpreter is
    /// lost when neither a connection nor their latest status change falls within
    /// `timeout`: a status set over REST gets the timeout to connect. A flagged call is
    /// restored once a connection is alive after the flag.
    pub fn presence_decisions(
        &self,
        now: DateTime<Utc>,
        last_live: &HashMap<AgentId, DateTime<Utc>>,
        timeout: chrono::Duration,
    ) -> Vec<Decision> {
        let mut decisions = Vec::new();
        for (id, agent) in &self.agents {
            let live = last_live.get(id).copied();
            if let Some(lost_at) = agent.presence_lost_at {
                if live.is_some_and(|live| live > lost_at) {
                    decisions.push(Decision::RestorePresence { agent: *id });
                }
                continue;
            }
            let watched = agent.status == AgentStatus::Available
                || matches!(agent.activity, Activity::Ringing(_) | Activity::OnCall(_));
            let evidence = live.max(agent.status_since);
            if watched && evidence.is_none_or(|at| now - at > timeout) {
                decisions.push(Decision::LosePresence { agent: *id });
            }
        }
        decisions
    }

    /// A decision the floor refused: don't offer that call to that agent again until an
    /// event about either comes in (see `RouterState::refused`).
    fn refused(&mut self, decision: &Decision) {
        if let Decision::Offer { call, agent, .. } = decision {
            self.refused.insert((*call, *agent));
        }
    }

    /// Marks a decision as sent, so the next round does not repeat it before its events
    /// come back on the stream.
    fn assume(&mut self, decision: &Decision, now: DateTime<Utc>) {
        match decision {
            Decision::Offer {
                call,
                agent,
                expires_at,
            } => {
                if let Some(state) = self.calls.get_mut(call) {
                    state.offer = Some((*agent, *expires_at));
                    if let Some(queue) = state.queue.and_then(|q| self.queues.get_mut(&q)) {
                        queue.last_offered = Some(*agent);
                    }
                }
                if let Some(state) = self.agents.get_mut(agent) {
                    state.activity = Activity::Ringing(*call);
                }
            }
            Decision::ExpireOffer { call, agent } => {
                if let Some(state) = self.calls.get_mut(call) {
                    state.offer = None;
                    state.passed_by.insert(*agent);
                }
            }
            Decision::Overflow { call, .. }
            | Decision::GiveUp { call }
            | Decision::FailTransfer { call } => {
                if let Some(state) = self.calls.get_mut(call) {
                    state.waiting = false;
                }
            }
            Decision::Widen { call, step } => {
                if let Some(state) = self.calls.get_mut(call) {
                    state.widening_step = *step;
                }
            }
            Decision::MissCallback { call } => {
                if let Some(state) = self.calls.get_mut(call) {
                    state.join_by = None;
                }
            }
            Decision::EndWrapUp { agent, .. } | Decision::ReleaseAgentOffer { agent, .. } => {
                if let Some(state) = self.agents.get_mut(agent) {
                    state.activity = Activity::Idle;
                    state.wrap_up_since = None;
                    state.offer_expires_at = None;
                }
            }
            Decision::StartAgentCall { agent, call } => {
                if let Some(state) = self.agents.get_mut(agent) {
                    state.activity = Activity::OnCall(*call);
                    state.offer_expires_at = None;
                }
            }
            // The events follow within milliseconds; until then the presence check that
            // sent this must not send it again.
            Decision::LosePresence { agent } => {
                if let Some(state) = self.agents.get_mut(agent) {
                    match state.activity {
                        Activity::OnCall(_) => state.presence_lost_at = Some(now),
                        _ => state.status = AgentStatus::Away,
                    }
                }
            }
            Decision::RestorePresence { agent } => {
                if let Some(state) = self.agents.get_mut(agent) {
                    state.presence_lost_at = None;
                }
            }
        }
    }
}

async fn agent_command<CS, AS>(
    floor: &Floor<CS, AS>,
    agent: AgentId,
    command: AgentCommand,
    metadata: &Metadata,
) -> Result<(), domain::workflow::WorkflowError>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    floor
        .agent(agent, command, metadata)
        .await
        .map(|_| ())
        .map_err(Into::into)
}

fn router_metadata() -> Metadata {
    let id = uuid::Uuid::now_v7().to_string();
    Metadata::from([
        ("actor_id".to_owned(), "router".to_owned()),
        ("actor_role".to_owned(), "system".to_owned()),
        ("actor_name".to_owned(), "router".to_owned()),
        ("request_id".to_owned(), id.clone()),
        ("correlation_id".to_owned(), id),
    ])
}

/// Sends one decision; `Ok(false)` when the floor refused it. Refusals are expected now and
/// then (the floor moved meanwhile): the events that moved it correct the router's state.
async fn send<CS, AS>(
    floor: &Floor<CS, AS>,
    decision: &Decision,
    now: DateTime<Utc>,
) -> anyhow::Result<bool>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    let metadata = router_metadata();
    let result = match decision {
        Decision::Offer {
            call,
            agent,
            expires_at,
        } => floor
            .offer(*call, *agent, *expires_at, now, &metadata)
            .await
            .map(|_| ()),
        Decision::ExpireOffer { call, agent } => floor
            .expire_offer(*call, *agent, now, &metadata)
            .await
            .map(|_| ()),
        Decision::Overflow { call, to } => floor
            .call(
                *call,
                CallCommand::Overflow {
                    to_queue: *to,
                    at: now,
                },
                &metadata,
            )
            .await
            .map(|_| ())
            .map_err(Into::into),
        Decision::GiveUp { call } => floor
            .call(
                *call,
                CallCommand::GiveUp {
                    reason: NoInterpreterReason::MaxWaitExceeded,
                    at: now,
                },
                &metadata,
            )
            .await
            .map(|_| ())
            .map_err(Into::into),
        Decision::FailTransfer { call } => floor
            .call(*call, CallCommand::FailTransfer { at: now }, &metadata)
            .await
            .map(|_| ())
            .map_err(Into::into),
        Decision::Widen { call, step } => floor
            .call(
                *call,
                CallCommand::WidenPool {
                    step: *step,
                    at: now,
                },
                &metadata,
            )
            .await
            .map(|_| ())
            .map_err(Into::into),
        Decision::MissCallback { call } => {
            floor.miss_callback(*call, now, &metadata).await.map(|_| ())
        }
        Decision::EndWrapUp { agent, call } => {
            let command = AgentCommand::EndWrapUp {
                call_id: *call,
                disposition: None,
                at: now,
            };
            agent_command(floor, *agent, command, &metadata).await
        }
        Decision::ReleaseAgentOffer { agent, call } => {
            let command = AgentCommand::ClearOffer {
                call_id: *call,
                outcome: OfferOutcome::Withdrawn,
                away_after_missed: 0,
                at: now,
            };
            agent_command(floor, *agent, command, &metadata).await
        }
        Decision::StartAgentCall { agent, call } => {
            let command = AgentCommand::StartCall {
                call_id: *call,
                at: now,
            };
            agent_command(floor, *agent, command, &metadata).await
        }
        Decision::LosePresence { agent } => floor
            .lose_presence(*agent, now, &metadata)
            .await
            .map(|_| ()),
        Decision::RestorePresence { agent } => {
            let command = AgentCommand::RestorePresence {
                agent_id: *agent,
                at: now,
            };
            agent_command(floor, *agent, command, &metadata).await
        }
    };
    match result {
        Ok(()) => Ok(true),
        Err(domain::workflow::WorkflowError::Call(domain::workflow::ExecuteError::Rejected(
            refusal,
        ))) => {
            tracing::debug!(?decision, %refusal, "call refused a routing decision");
            Ok(false)
        }
        Err(domain::workflow::WorkflowError::Agent(domain::workflow::ExecuteError::Rejected(
            refusal,
        ))) => {
            tracing::debug!(?decision, %refusal, "agent refused a routing decision");
            Ok(false)
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) const PRESENCE_CHECK_EVERY: Duration = Duration::from_secs(1);
/// Presence checks between two prunings of old connection rows (a minute).
pub(crate) const PRUNE_CONNECTIONS_EVERY: u64 = 60;

/// Reads the watched interpreters' live connections and sends what follows: away for
/// those with none for `timeout` (an offer in hand withdrawn and offered on), a flag on
/// the call of those on one, and the flag lifted when they are back. This runs at start
/// and on takeover too, so presence lost while no router ran is found at once.
pub(crate) async fn check_presence<CS, AS>(
    pool: &PgPool,
    floor: &Floor<CS, AS>,
    state: &mut RouterState,
    timeout: Duration,
) -> anyhow::Result<()>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    let watched = state.presence_watched();
    if watched.is_empty() {
        return Ok(());
    }
    let live = crate::presence::last_live(pool, &watched)
        .await
        .context("reading the interpreters' live connections")?;
    let timeout = chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
    let now = Utc::now();
    let decisions = state.presence_decisions(now, &live, timeout);
    for decision in &decisions {
        tracing::info!(?decision, "presence");
    }
    carry_out(state, floor, decisions, now).await
}

/// Sends `decisions` one after another through the floor and folds each outcome into the
/// state: an accepted decision is assumed done until its events come back on the stream;
/// a refused one is held back (`RouterState::refused`).
pub async fn carry_out<CS, AS>(
    state: &mut RouterState,
    floor: &Floor<CS, AS>,
    decisions: Vec<Decision>,
    now: DateTime<Utc>,
) -> anyhow::Result<()>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    for decision in decisions {
        let span = decision.span();
        if send(floor, &decision, now).instrument(span).await? {
            state.assume(&decision, now);
        } else {
            state.refused(&decision);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cqrs_es::DomainEvent;

    pub(super) fn bus_event<E: DomainEvent>(
        aggregate_type: &str,
        id: uuid::Uuid,
        sequence: i64,
        event: &E,
    ) -> Vec<u8> {
        serde_json::to_vec(&crate::bus::BusEvent {
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: id.to_string(),
            sequence,
            event_type: event.event_type(),
            event_version: event.event_version(),
            recorded_at: Utc::now(),
            payload: serde_json::to_value(event).unwrap_or_default(),
            metadata: serde_json::json!({}),
        })
        .unwrap_or_default()
    }

    /// A floor with one Spanish queue, one available Spanish interpreter and one call
    /// waiting in that queue; returns the state and the three ids.
    pub(super) fn one_call_one_interpreter(
        t0: DateTime<Utc>,
    ) -> (RouterState, QueueId, AgentId, CallId) {
        let queue = QueueId(uuid::Uuid::new_v4());
        let agent = AgentId(uuid::Uuid::new_v4());
        let call = CallId(uuid::Uuid::new_v4());
        let spanish = LanguageCode::parse("es").unwrap();
        let config = QueueConfig::new(domain::queue::QueueSettings {
            name: "Spanish".into(),
            languages: vec!["es".into()],
            ..Default::default()
        })
        .unwrap();
        let skills = Skills::new(
            vec![domain::values::LanguageSkill {
                code: spanish.clone(),
                proficiency: domain::values::Proficiency::parse(5).unwrap(),
            }],
            vec![],
            vec![Modality::Audio],
        )
        .unwrap();
        let mut state = RouterState::default();
        state
            .apply_message(&bus_event(
                "Queue",
                queue.0,
                1,
                &QueueEvent::QueueCreated {
                    queue_id: queue,
                    config,
                    at: t0,
                },
            ))
            .unwrap();
        let agent_events = [
            AgentEvent::AgentSkillsSet {
                agent_id: agent,
                skills,
                at: t0,
            },
            AgentEvent::AgentStatusChanged {
                agent_id: agent,
                from: AgentStatus::Offline,
                to: AgentStatus::Available,
                at: t0,
            },
        ];
        for (i, event) in agent_events.iter().enumerate() {
            state
                .apply_message(&bus_event(
                    "Agent",
                    agent.0,
                    i64::try_from(i).unwrap() + 1,
                    event,
                ))
                .unwrap();
        }
        let call_events = [
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: call,
                requester_id: domain::UserId(uuid::Uuid::new_v4()),
                request: domain::call::CallRequest {
                    requirements: Default::default(),
                    language: spanish,
                    source_language: LanguageCode::parse("en").unwrap(),
                    modality: Modality::Audio,
                    specialty: None,
                    priority: Priority::Normal,
                },
                at: t0,
            },
            CallEvent::CallQueued {
                queue_id: queue,
                priority: Priority::Normal,
                at: t0,
            },
        ];
        for (i, event) in call_events.iter().enumerate() {
            state
                .apply_message(&bus_event(
                    "Call",
                    call.0,
                    i64::try_from(i).unwrap() + 1,
                    event,
                ))
                .unwrap();
        }
        (state, queue, agent, call)
    }

    fn offers(decisions: &[Decision]) -> Vec<(CallId, AgentId)> {
        decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Offer { call, agent, .. } => Some((*call, *agent)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_offer_the_floor_refused_is_not_repeated_until_news_of_the_agent_then_is_made_again() {
        let t0 = Utc::now();
        let (mut state, _, agent, call) = one_call_one_interpreter(t0);
        let first = state.decide(t0);
        assert_eq!(offers(&first), vec![(call, agent)]);
        // The interpreter went on break a moment before: the floor refuses the offer.
        state.refused(&first[0]);
        assert!(
            offers(&state.decide(t0)).is_empty(),
            "no loop of refused offers"
        );
        // Their break, then their return, arrive on the stream.
        for (sequence, (from, to)) in [
            (AgentStatus::Available, AgentStatus::Break),
            (AgentStatus::Break, AgentStatus::Available),
        ]
        .into_iter()
        .enumerate()
        {
            let event = AgentEvent::AgentStatusChanged {
                agent_id: agent,
                from,
                to,
                at: t0,
            };
            state
                .apply_message(&bus_event(
                    "Agent",
                    agent.0,
                    i64::try_from(sequence).unwrap() + 3,
                    &event,
                ))
                .unwrap();
        }
        assert_eq!(
            offers(&state.decide(t0 + chrono::Duration::seconds(1))),
            vec![(call, agent)],
            "an available, idle interpreter is not excluded for good"
        );
    }

    #[test]
    fn a_state_read_back_from_its_checkpoint_decides_the_same() {
        let t0 = Utc::now();
        let (state, _, agent, call) = one_call_one_interpreter(t0);
        let saved = serde_json::to_value(&state).expect("a checkpoint");
        let restored: RouterState = serde_json::from_value(saved.clone()).expect("it decodes");
        assert_eq!(serde_json::to_value(&restored).expect("again"), saved);
        assert_eq!(restored.decide(t0), state.decide(t0));
        assert!(
            matches!(restored.decide(t0)[..], [Decision::Offer { call: c, agent: a, .. }] if c == call && a == agent),
            "{:?}",
            restored.decide(t0)
        );
    }

    #[test]
    fn a_call_transferred_back_to_its_queue_is_not_offered_to_the_interpreter_who_transferred_it() {
        let t0 = Utc::now();
        let (mut state, queue, agent, call) = one_call_one_interpreter(t0);
        let events = [
            CallEvent::CallOffered {
                agent_id: agent,
                queue_id: queue,
                expires_at: t0 + chrono::Duration::seconds(20),
                at: t0,
            },
            CallEvent::CallAccepted {
                agent_id: agent,
                queue_id: queue,
                wait_seconds: 0,
                at: t0,
            },
            CallEvent::CallTransferred {
                from_agent_id: Some(agent),
                target: domain::call::TransferTarget::Queue(queue),
                at: t0,
            },
            CallEvent::CallQueued {
                queue_id: queue,
                priority: Priority::Normal,
                at: t0,
            },
        ];
        for (i, event) in events.iter().enumerate() {
            state
                .apply_message(&bus_event(
                    "Call",
                    call.0,
                    i64::try_from(i).unwrap() + 3,
                    event,
                ))
                .unwrap();
        }
        assert!(
            offers(&state.decide(t0 + chrono::Duration::seconds(1))).is_empty(),
            "the only interpreter is the one who handed it on"
        );
    }

    #[test]
    fn a_transfer_nobody_takes_fails_at_the_target_queues_maximum_wait_and_never_gives_up() {
        let t0 = Utc::now();
        let (mut state, queue, agent, call) = one_call_one_interpreter(t0);
        let events = [
            CallEvent::CallOffered {
                agent_id: agent,
                queue_id: queue,
                expires_at: t0 + chrono::Duration::seconds(20),
                at: t0,
            },
            CallEvent::CallAccepted {
                agent_id: agent,
                queue_id: queue,
                wait_seconds: 0,
                at: t0,
            },
            CallEvent::TransferRequested {
                from_agent_id: agent,
                target: domain::call::TransferTarget::Queue(queue),
                queue_id: queue,
                at: t0,
            },
        ];
        for (i, event) in events.iter().enumerate() {
            state
                .apply_message(&bus_event(
                    "Call",
                    call.0,
                    i64::try_from(i).unwrap() + 3,
                    event,
                ))
                .unwrap();
        }
        assert!(
            state.decide(t0 + chrono::Duration::seconds(1)).is_empty(),
            "not offered back to the interpreter who keeps it"
        );
        let max_wait = chrono::Duration::seconds(i64::from(QueueConfig::DEFAULT_MAX_WAIT_S));
        assert_eq!(
            state.decide(t0 + max_wait),
            vec![Decision::FailTransfer { call }]
        );
    }

    #[test]
    fn an_agent_side_offer_left_behind_by_a_crash_is_released_after_its_expiry() {
        let agent = AgentId(uuid::Uuid::new_v4());
        let call = CallId(uuid::Uuid::new_v4());
        let t0 = Utc::now();
        let mut state = RouterState::default();
        let events = [
            AgentEvent::AgentStatusChanged {
                agent_id: agent,
                from: AgentStatus::Offline,
                to: AgentStatus::Available,
                at: t0,
            },
            AgentEvent::AgentOfferReceived {
                call_id: call,
                expires_at: t0 + chrono::Duration::seconds(10),
                at: t0,
            },
        ];
        for (i, event) in events.iter().enumerate() {
            state
                .apply_message(&bus_event(
                    "Agent",
                    agent.0,
                    i64::try_from(i).unwrap_or(0) + 1,
                    event,
                ))
                .unwrap();
        }
        // The call side never recorded the offer (the process died in between).
        assert!(
            state.decide(t0 + chrono::Duration::seconds(11)).is_empty(),
            "within the grace period"
        );
        assert_eq!(
            state.decide(t0 + chrono::Duration::seconds(13)),
            vec![Decision::ReleaseAgentOffer { agent, call }]
        );
        assert!(state.next_deadline(t0).is_some());
    }

    #[test]
    fn presence_is_lost_after_the_timeout_without_a_live_connection_and_kept_with_one() {
        let t0 = Utc::now();
        let (state, _, agent, _) = one_call_one_interpreter(t0);
        let timeout = chrono::Duration::seconds(30);
        let none = HashMap::new();
        // Available over REST at t0: the timeout to connect, then away.
        assert!(
            state
                .presence_decisions(t0 + timeout, &none, timeout)
                .is_empty()
        );
        let later = t0 + timeout + chrono::Duration::seconds(1);
        assert_eq!(
            state.presence_decisions(later, &none, timeout),
            vec![Decision::LosePresence { agent }]
        );
        // A connection alive within the timeout keeps them; one closed too long ago does not.
        let live = HashMap::from([(agent, later - chrono::Duration::seconds(5))]);
        assert!(state.presence_decisions(later, &live, timeout).is_empty());
        let stale = HashMap::from([(agent, t0 - chrono::Duration::seconds(40))]);
        assert_eq!(
            state.presence_decisions(later, &stale, timeout),
            vec![Decision::LosePresence { agent }]
        );
        assert_eq!(state.presence_watched(), vec![agent]);
    }

    #[test]
    fn a_finished_call_is_forgotten_once_its_wrap_up_ends() {
        let t0 = Utc::now();
        let (mut state, queue, agent, call) = one_call_one_interpreter(t0);
        let call_events = [
            CallEvent::CallAccepted {
                agent_id: agent,
                queue_id: queue,
                wait_seconds: 1,
                at: t0,
            },
            CallEvent::CallEnded {
                agent_id: agent,
                talk_seconds: 5,
                hold_seconds: 0,
                at: t0,
            },
        ];
        for (i, event) in call_events.iter().enumerate() {
            state
                .apply_message(&bus_event("Call", call.0, 10 + i as i64, event))
                .unwrap();
        }
        let agent_events = [
            AgentEvent::AgentWrapUpStarted {
                call_id: call,
                at: t0,
            },
            AgentEvent::AgentWrapUpEnded {
                call_id: call,
                disposition: None,
                wrap_up_seconds: 0,
                at: t0,
            },
        ];
        assert_eq!(state.call_queue.len(), 1, "kept while the call is on");
        for (i, event) in agent_events.iter().enumerate() {
            state
                .apply_message(&bus_event("Agent", agent.0, 10 + i as i64, event))
                .unwrap();
        }
        assert!(state.call_queue.is_empty(), "forgotten after its wrap-up");
    }
}
