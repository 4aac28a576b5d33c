//! Given/when/then tests of a call's guests: invited by a participant or a supervisor,
//! joined by link until it expires, removed, and gone from the room when the call ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::call::{Call, CallCommand, CallError, CallEvent};
use domain::guests::{Guest, GuestId, Host};

const GUEST: GuestId = GuestId(uuid::Uuid::from_u128(0x6E57_0001));

fn given(events: Vec<CallEvent>) -> AggregateTestExecutor<Call> {
    TestFramework::<Call>::with(()).given(events)
}

fn invite(guest_id: GuestId, host: Host, at: i64) -> CallCommand {
    CallCommand::InviteGuest {
        guest_id,
        name: notes("Maria, the patient's daughter"),
        host,
        expires_at: t(at + 3600),
        at: t(at),
    }
}

fn invited(guest_id: GuestId, at: i64) -> CallEvent {
    CallEvent::GuestInvited {
        guest_id,
        name: notes("Maria, the patient's daughter"),
        invited_by: REQUESTER,
        expires_at: t(at + 3600),
        at: t(at),
    }
}

fn with_guest() -> Vec<CallEvent> {
    then(connected_with(AGENT), [invited(GUEST, 30)])
}

#[tokio::test]
async fn a_participant_invites_a_guest_into_the_live_call() {
    given(connected_with(AGENT))
        .when_async(invite(GUEST, Host::Requester(REQUESTER), 30))
        .await
        .then_expect_events(vec![invited(GUEST, 30)]);
    given(connected_with(AGENT))
        .when_async(invite(GUEST, Host::Requester(OTHER_REQUESTER), 30))
        .await
        .then_expect_error(CallError::NotYourRequest);
    given(connected_with(AGENT))
        .when_async(invite(GUEST, Host::Interpreter(OTHER_AGENT), 30))
        .await
        .then_expect_error(CallError::NotYourCall);
    given(ringing_for(AGENT))
        .when_async(invite(GUEST, Host::Interpreter(AGENT), 30))
        .await
        .then_expect_error(CallError::NotInProgress("offered"));
    given(with_guest())
        .when_async(invite(GUEST, Host::Requester(REQUESTER), 40))
        .await
        .then_expect_error(CallError::GuestExists);
}

#[tokio::test]
async fn a_call_has_at_most_five_guests() {
    let mut events = connected_with(AGENT);
    for n in 0..Guest::MAX_PER_CALL {
        events.push(invited(GuestId(uuid::Uuid::from_u128(n as u128 + 10)), 30));
    }
    given(events)
        .when_async(invite(GUEST, Host::Interpreter(AGENT), 40))
        .await
        .then_expect_error(CallError::TooManyGuests);
}

#[tokio::test]
async fn the_guest_joins_once_until_the_link_expires_and_not_after_removal() {
    given(with_guest())
        .when_async(CallCommand::GuestJoins {
            guest_id: GUEST,
            at: t(40),
        })
        .await
        .then_expect_events(vec![CallEvent::GuestJoined {
            guest_id: GUEST,
            at: t(40),
        }]);
    let joined = then(
        with_guest(),
        [CallEvent::GuestJoined {
            guest_id: GUEST,
            at: t(40),
        }],
    );
    given(joined.clone())
        .when_async(CallCommand::GuestJoins {
            guest_id: GUEST,
            at: t(45),
        })
        .await
        .then_expect_events(vec![]);
    given(with_guest())
        .when_async(CallCommand::GuestJoins {
            guest_id: GUEST,
            at: t(30 + 3600),
        })
        .await
        .then_expect_error(CallError::GuestLinkExpired);
    let removed = then(
        joined.clone(),
        [CallEvent::GuestRemoved {
            guest_id: GUEST,
            removed_by: AGENT.into(),
            at: t(50),
        }],
    );
    given(removed)
        .when_async(CallCommand::GuestJoins {
            guest_id: GUEST,
            at: t(55),
        })
        .await
        .then_expect_error(CallError::GuestNotFound);
    given(joined)
        .when_async(CallCommand::RemoveGuest {
            guest_id: GUEST,
            host: Host::Interpreter(AGENT),
            at: t(50),
        })
        .await
        .then_expect_events(vec![CallEvent::GuestRemoved {
            guest_id: GUEST,
            removed_by: AGENT.into(),
            at: t(50),
        }]);
}

#[tokio::test]
async fn the_end_of_the_call_takes_its_guests_out_of_the_room() {
    let joined = then(
        with_guest(),
        [CallEvent::GuestJoined {
            guest_id: GUEST,
            at: t(40),
        }],
    );
    given(joined)
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(200),
        })
        .await
        .then_expect_events(vec![
            CallEvent::GuestLeft {
                guest_id: GUEST,
                at: t(200),
            },
            CallEvent::CallEnded {
                agent_id: AGENT,
                talk_seconds: 180,
                hold_seconds: 0,
                at: t(200),
            },
        ]);
}
