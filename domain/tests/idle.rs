//! `idle_since`, the one definition the router and the agent board share.

// The shared fixtures unwrap: a failed fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use domain::agent::{AgentEvent, CallEndReason, OfferOutcome};
use domain::idle::{IdleState, idle_since_after};
use domain::values::AgentStatus;

/// Folds `events` from an offline interpreter holding nothing, tracking what the rule
/// needs the way the router and the board do.
fn fold(events: &[AgentEvent]) -> Vec<Option<chrono::DateTime<chrono::Utc>>> {
    let mut state = IdleState {
        idle_since: None,
        available: false,
        idle: true,
    };
    let mut seen = Vec::new();
    for event in events {
        state.idle_since = idle_since_after(state, event);
        match event {
            AgentEvent::AgentStatusChanged { to, .. } => {
                state.available = *to == AgentStatus::Available;
            }
            AgentEvent::AgentOfferReceived { .. }
            | AgentEvent::AgentCallStarted { .. }
            | AgentEvent::AgentWrapUpStarted { .. } => state.idle = false,
            AgentEvent::AgentOfferCleared { .. } | AgentEvent::AgentWrapUpEnded { .. } => {
                state.idle = true;
            }
            _ => {}
        }
        seen.push(state.idle_since);
    }
    seen
}

fn status(from: AgentStatus, to: AgentStatus, at: i64) -> AgentEvent {
    AgentEvent::AgentStatusChanged {
        agent_id: AGENT,
        from,
        to,
        at: t(at),
    }
}

fn offer(at: i64) -> AgentEvent {
    AgentEvent::AgentOfferReceived {
        call_id: CALL,
        expires_at: t(at + 20),
        at: t(at),
    }
}

fn cleared(outcome: OfferOutcome, at: i64) -> AgentEvent {
    AgentEvent::AgentOfferCleared {
        call_id: CALL,
        outcome,
        at: t(at),
    }
}

#[test]
fn becoming_available_starts_the_wait_and_unanswered_offers_keep_it() {
    use AgentStatus::{Available, Offline};
    let seen = fold(&[
        status(Offline, Available, 10),
        offer(20),
        cleared(OfferOutcome::Declined, 25),
        offer(30),
        cleared(OfferOutcome::Expired, 50),
        offer(60),
        cleared(OfferOutcome::Withdrawn, 61),
    ]);
    assert!(seen.iter().all(|s| *s == Some(t(10))), "{seen:?}");
}

#[test]
fn a_call_clears_it_and_the_end_of_wrap_up_starts_it_again() {
    use AgentStatus::{Available, Offline};
    let seen = fold(&[
        status(Offline, Available, 10),
        offer(20),
        AgentEvent::AgentCallStarted {
            call_id: CALL,
            at: t(25),
        },
        AgentEvent::AgentCallEnded {
            call_id: CALL,
            reason: CallEndReason::Completed,
            at: t(100),
        },
        AgentEvent::AgentWrapUpStarted {
            call_id: CALL,
            at: t(100),
        },
        AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 30,
            at: t(130),
        },
    ]);
    assert_eq!(
        seen,
        [Some(t(10)), Some(t(10)), None, None, None, Some(t(130))]
    );
}

#[test]
fn leaving_available_clears_it_and_a_break_taken_in_wrap_up_waits_for_its_end() {
    use AgentStatus::{Available, Break, Offline};
    let seen = fold(&[
        status(Offline, Available, 10),
        status(Available, Break, 20),
        status(Break, Available, 30),
        AgentEvent::AgentCallStarted {
            call_id: CALL,
            at: t(40),
        },
        AgentEvent::AgentWrapUpStarted {
            call_id: CALL,
            at: t(50),
        },
        status(Available, Break, 55),
        AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 10,
            at: t(60),
        },
        status(Break, Available, 70),
    ]);
    assert_eq!(
        seen,
        [
            Some(t(10)),
            None,
            Some(t(30)),
            None,
            None,
            None,
            None,
            Some(t(70))
        ]
    );
}
