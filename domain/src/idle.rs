//! `idle_since`: when an interpreter last became free to take a call. One definition, used
//! by the router (longest-idle routing orders by it) and by the agent board
//! (`GET /api/agents`), so what supervisors see is what routing does.

use chrono::{DateTime, Utc};

use crate::agent::AgentEvent;
use crate::values::AgentStatus;

/// The interpreter's state just before an event, as far as `idle_since` needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleState {
    pub idle_since: Option<DateTime<Utc>>,
    /// Their status is `available`.
    pub available: bool,
    /// They hold no offer, call or wrap-up.
    pub idle: bool,
}

/// `idle_since` after `event`:
/// - set when they become `available` from another status while holding nothing, and when
///   their wrap-up ends while `available`;
/// - kept while an offer rings and after it is declined, expires or is withdrawn: an
///   unanswered offer does not cost them their place in line (nor earn them a new one);
/// - cleared (`None`) when they leave `available`, start a call, or end one (wrap-up
///   follows): they are not free, so they have no place in line.
pub fn idle_since_after(before: IdleState, event: &AgentEvent) -> Option<DateTime<Utc>> {
    use AgentEvent as E;
    match event {
        E::AgentStatusChanged { from, to, at, .. } => match (*from, *to) {
            (_, to) if to != AgentStatus::Available => None,
            (AgentStatus::Available, _) => before.idle_since,
            _ => before.idle.then_some(*at),
        },
        E::AgentCallStarted { .. } | E::AgentCallEnded { .. } | E::AgentWrapUpStarted { .. } => {
            None
        }
        E::AgentWrapUpEnded { at, .. } => before.available.then_some(*at),
        // Gone away: not free any more. Flagged on a call: busy already.
        E::AgentPresenceLost { on_call: None, .. } => None,
        E::AgentSkillsSet { .. }
        | E::AgentProfileSet { .. }
        | E::AgentOfferReceived { .. }
        | E::AgentOfferCleared { .. }
        | E::AgentPresenceLost { .. }
        | E::AgentPresenceRestored { .. } => before.idle_since,
    }
}
