//! The router's side of matching (issue 17): the one rule of `domain::matching` applied to
//! the router's state, widening timers, and the organisation's preferred interpreters.

use chrono::{DateTime, Utc};
use domain::ids::{AgentId, QueueId};
use domain::matching::{self, Mismatch, Need, Offerable, OrganisationPolicy, Pool};

use super::{AgentState, CallState, QueueState, RouterState};

impl RouterState {
    fn policy_of(&self, call: &CallState) -> Option<&OrganisationPolicy> {
        call.organisation.and_then(|o| self.organisations.get(&o))
    }

    /// Whether `agent` matches `call` in `queue` as widened so far: `Ok` or the reason not.
    pub(super) fn matches(
        &self,
        agent_id: AgentId,
        agent: &AgentState,
        call: &CallState,
        queue: &QueueState,
    ) -> Result<(), Mismatch> {
        let Some(queue_id) = call.queue else {
            return Err(Mismatch::NotInQueue);
        };
        let config = &queue.config;
        let taken = usize::try_from(call.widening_step).unwrap_or(usize::MAX);
        let pool = Pool::widened(
            queue_id,
            config.min_proficiency,
            config.specialty,
            &config.widening,
            taken,
        );
        let in_queue = |q: QueueId| {
            self.queues
                .get(&q)
                .is_some_and(|q| q.members.is_empty() || q.members.contains(&agent_id))
        };
        let need = Need {
            source_language: &call.source_language,
            language: &call.language,
            modality: call.modality,
            requirements: &call.requirements,
            policy: self.policy_of(call),
        };
        let offerable = Offerable {
            id: agent_id,
            skills: &agent.skills,
            profile: &agent.profile,
            in_queue: &in_queue,
        };
        matching::check(&need, &pool, &offerable)
    }

    /// The widening step `call` has reached in `queue` at `now` when it is beyond the one
    /// taken: steps count from when the call entered the queue.
    pub(super) fn widening_due(
        call: &CallState,
        queue: &QueueState,
        now: DateTime<Utc>,
    ) -> Option<u32> {
        let waited = (now - call.queued_at).num_seconds();
        let reached = queue
            .config
            .widening
            .iter()
            .take_while(|step| waited >= i64::from(step.after_s))
            .count();
        let reached = u32::try_from(reached).unwrap_or(u32::MAX);
        (reached > call.widening_step).then_some(reached)
    }

    /// The candidates the strategy chooses among: the organisation's preferred
    /// interpreters when any of them is a candidate; otherwise everyone once the call has
    /// waited `preferred_wait_s`, and nobody (`None`: wait) before that.
    pub(super) fn preferred_first(
        &self,
        call: &CallState,
        candidates: Vec<AgentId>,
        now: DateTime<Utc>,
    ) -> Option<Vec<AgentId>> {
        let Some(policy) = self
            .policy_of(call)
            .filter(|p| !p.preferred_agent_ids.is_empty())
        else {
            return Some(candidates);
        };
        let preferred: Vec<AgentId> = candidates
            .iter()
            .filter(|id| policy.preferred_agent_ids.contains(id))
            .copied()
            .collect();
        if !preferred.is_empty() {
            return Some(preferred);
        }
        let waited = (now - call.requested_at).num_seconds();
        (waited >= i64::from(policy.preferred_wait_s)).then_some(candidates)
    }

    /// When the next widening step or the end of a preferred wait falls due, for the
    /// router's timer. A preferred wait already over needs no timer (its call is offered
    /// to anyone as soon as anyone is free), so only those still ahead of `now` count.
    pub(super) fn policy_deadlines(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.calls
            .values()
            .filter(|c| c.waiting && c.offer.is_none())
            .flat_map(move |call| {
                let next_step = call
                    .queue
                    .and_then(|q| self.queues.get(&q))
                    .and_then(|q| {
                        let taken = usize::try_from(call.widening_step).ok()?;
                        q.config.widening.get(taken)
                    })
                    .map(|step| {
                        call.queued_at + chrono::Duration::seconds(i64::from(step.after_s))
                    });
                let preferred_ends = self
                    .policy_of(call)
                    .filter(|p| !p.preferred_agent_ids.is_empty())
                    .map(|p| {
                        call.requested_at + chrono::Duration::seconds(i64::from(p.preferred_wait_s))
                    })
                    .filter(|end| *end > now);
                next_step.into_iter().chain(preferred_ends)
            })
    }
}
