//! The matching invariants of the router model (issue 17), checked against the stream the
//! world writes:
//! - a banned interpreter is never offered their organisation's call;
//! - a call never rings for an interpreter without its language pair;
//! - widening never reorders calls of one priority: an offer never goes to a later call
//!   while an earlier one, still unoffered after the round, could have had that
//!   interpreter.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::call::{Call, CallEvent};
use domain::ids::{AgentId, CallId, OrganisationId, QueueId};
use domain::matching::{self, AgentProfile, Need, Offerable, OrganisationPolicy, Pool};
use domain::organisation::OrganisationEvent;
use domain::queue::QueueConfig;
use domain::{AgentEvent, values::Skills};
use projections::bus::BusEvent;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// What the stream has said so far about what matching depends on.
#[derive(Default)]
pub struct Model {
    scanned: usize,
    policies: HashMap<OrganisationId, OrganisationPolicy>,
    skills: HashMap<AgentId, Skills>,
    profiles: HashMap<AgentId, AgentProfile>,
    /// Interpreters who declined or let ring out a call since it last entered a queue.
    passed: HashMap<CallId, HashSet<AgentId>>,
    /// Calls ever transferred: their routing has rules of its own; the order check skips
    /// them.
    transferred: HashSet<CallId>,
    /// Calls just handed to a named interpreter: their next offer is a person's choice
    /// (the API checks it), not the router's.
    named: HashSet<CallId>,
    /// Offers made since the last `take_offers`.
    offers: Vec<(CallId, AgentId)>,
}

fn decode<E: serde::de::DeserializeOwned>(message: &BusEvent) -> E {
    serde_json::from_value(message.payload.clone()).expect("a stored event decodes")
}

impl Model {
    /// Folds the new messages, checking each offer against the ban and the pair as the
    /// stream stood when it was made.
    pub fn scan(
        &mut self,
        log: &[Vec<u8>],
        calls: &HashMap<CallId, Call>,
    ) -> Result<(), TestCaseError> {
        for body in &log[self.scanned..] {
            let message: BusEvent = serde_json::from_slice(body).expect("a stream message");
            let id: uuid::Uuid = message.aggregate_id.parse().expect("a uuid");
            match message.aggregate_type.as_str() {
                "Organisation" => {
                    if let OrganisationEvent::OrganisationPolicySet { policy, .. } =
                        decode(&message)
                    {
                        self.policies.insert(OrganisationId(id), policy);
                    }
                }
                "Agent" => match decode(&message) {
                    AgentEvent::AgentSkillsSet { skills, .. } => {
                        self.skills.insert(AgentId(id), skills);
                    }
                    AgentEvent::AgentProfileSet { profile, .. } => {
                        self.profiles.insert(AgentId(id), profile);
                    }
                    _ => {}
                },
                "Call" => self.scan_call(CallId(id), &decode(&message), calls)?,
                _ => {}
            }
        }
        self.scanned = log.len();
        Ok(())
    }

    fn scan_call(
        &mut self,
        call: CallId,
        event: &CallEvent,
        calls: &HashMap<CallId, Call>,
    ) -> Result<(), TestCaseError> {
        match *event {
            CallEvent::CallQueued { .. } => {
                self.passed.remove(&call);
            }
            CallEvent::OfferDeclined { agent_id, .. }
            | CallEvent::OfferExpired { agent_id, .. } => {
                self.passed.entry(call).or_default().insert(agent_id);
            }
            CallEvent::CallTransferred { target, .. }
            | CallEvent::TransferRequested { target, .. } => {
                self.transferred.insert(call);
                if let domain::call::TransferTarget::Agent(_) = target {
                    self.named.insert(call);
                }
            }
            CallEvent::CallOffered { .. } if self.named.remove(&call) => {}
            CallEvent::CallOffered { agent_id, .. } => {
                self.offers.push((call, agent_id));
                let state = &calls[&call];
                let request = state
                    .request
                    .as_ref()
                    .expect("an offered call was requested");
                let banned = state
                    .organisation_id
                    .and_then(|o| self.policies.get(&o))
                    .is_some_and(|p| p.banned_agent_ids.contains(&agent_id));
                prop_assert!(
                    !banned,
                    "call {call:?} rang for {agent_id:?}, banned by its organisation"
                );
                let pair = self.skills.get(&agent_id).and_then(|s| {
                    s.proficiency_between(&request.source_language, &request.language)
                });
                prop_assert!(
                    pair.is_some(),
                    "call {call:?} ({}→{}) rang for {agent_id:?}, who lacks the pair",
                    request.source_language,
                    request.language
                );
            }
            _ => {}
        }
        Ok(())
    }

    pub fn take_offers(&mut self) -> Vec<(CallId, AgentId)> {
        std::mem::take(&mut self.offers)
    }

    /// Whether `agent` could have been offered `call` as it stood (`before` a round).
    fn could_take(
        &self,
        call_id: CallId,
        call: &Call,
        agent: AgentId,
        queue: (QueueId, &QueueConfig, &[AgentId]),
        now: DateTime<Utc>,
    ) -> bool {
        let (Some(request), Some(requested_at)) = (call.request.as_ref(), call.requested_at) else {
            return false;
        };
        if self
            .passed
            .get(&call_id)
            .is_some_and(|p| p.contains(&agent))
        {
            return false;
        }
        let policy = call.organisation_id.and_then(|o| self.policies.get(&o));
        if let Some(policy) = policy.filter(|p| !p.preferred_agent_ids.is_empty())
            && !policy.preferred_agent_ids.contains(&agent)
            && (now - requested_at).num_seconds() < i64::from(policy.preferred_wait_s)
        {
            return false;
        }
        let (queue_id, config, members) = queue;
        let taken = usize::try_from(call.widening_step).unwrap_or(usize::MAX);
        let pool = Pool::widened(
            queue_id,
            config.min_proficiency,
            config.specialty,
            &config.widening,
            taken,
        );
        let skills = self.skills.get(&agent).cloned().unwrap_or_default();
        let profile = self.profiles.get(&agent).cloned().unwrap_or_default();
        let in_queue = |_: QueueId| members.is_empty() || members.contains(&agent);
        let need = Need {
            source_language: &request.source_language,
            language: &request.language,
            modality: request.modality,
            requirements: &request.requirements,
            policy,
        };
        let offerable = Offerable {
            id: agent,
            skills: &skills,
            profile: &profile,
            in_queue: &in_queue,
        };
        matching::check(&need, &pool, &offerable).is_ok()
    }

    /// After a round at `now`: no offer went to a call while an earlier one of the same
    /// priority, unoffered before and after the round, could have taken that interpreter.
    pub fn check_order(
        &self,
        before: &HashMap<CallId, Call>,
        after: &HashMap<CallId, Call>,
        offers: &[(CallId, AgentId)],
        queue: (QueueId, &QueueConfig, &[AgentId]),
        now: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let unoffered = |calls: &HashMap<CallId, Call>, id: &CallId| {
            calls
                .get(id)
                .is_some_and(|c| c.status.is_waiting() && c.offer.is_none())
        };
        for (later, agent) in offers {
            let Some(y) = before.get(later).filter(|_| unoffered(before, later)) else {
                continue;
            };
            for (earlier, x) in before {
                let overtaken = earlier != later
                    && !self.transferred.contains(earlier)
                    && unoffered(before, earlier)
                    && unoffered(after, earlier)
                    && x.priority_of() == y.priority_of()
                    && (x.requested_at, *earlier) < (y.requested_at, *later)
                    && self.could_take(*earlier, x, *agent, queue, now);
                prop_assert!(
                    !overtaken,
                    "{later:?} rang for {agent:?} ahead of {earlier:?}, requested earlier at the same priority"
                );
            }
        }
        Ok(())
    }
}

trait PriorityOf {
    fn priority_of(&self) -> Option<domain::values::Priority>;
}

impl PriorityOf for Call {
    fn priority_of(&self) -> Option<domain::values::Priority> {
        self.request.as_ref().map(|r| r.priority)
    }
}
