//! Given/when/then tests of the `Call` aggregate: every command, every refusal.

// Test helpers outside `#[test]` functions (fixtures, loaders) unwrap too: a failed
// fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::Aggregate;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::call::{
    Call, CallCommand, CallError, CallEvent, CallStatus, NoInterpreterReason, RingingOffer,
    TransferFailReason, TransferTarget, WithdrawReason,
};
use domain::values::Priority;

fn given(events: Vec<CallEvent>) -> AggregateTestExecutor<Call> {
    TestFramework::<Call>::with(()).given(events)
}

fn nothing() -> AggregateTestExecutor<Call> {
    TestFramework::<Call>::with(()).given_no_previous_events()
}

fn fold(events: Vec<CallEvent>) -> Call {
    let mut call = Call::default();
    for event in events {
        call.apply(event);
    }
    call
}

fn request_command(queue: Option<domain::QueueId>) -> CallCommand {
    CallCommand::Request {
        organisation_id: None,
        call_id: CALL,
        requester_id: REQUESTER,
        request: request(),
        queue,
        at: t(0),
    }
}

fn held_at(seconds: i64) -> CallEvent {
    CallEvent::CallHeld {
        agent_id: AGENT,
        at: t(seconds),
    }
}

// ───────────────────────────── Request ─────────────────────────────

#[tokio::test]
async fn requesting_a_call_with_a_queue_places_it_in_that_queue() {
    nothing()
        .when_async(request_command(Some(QUEUE)))
        .await
        .then_expect_events(requested());
}

#[tokio::test]
async fn requesting_a_call_no_queue_serves_ends_it_with_no_interpreter() {
    nothing()
        .when_async(request_command(None))
        .await
        .then_expect_events(vec![
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: CALL,
                requester_id: REQUESTER,
                request: request(),
                at: t(0),
            },
            CallEvent::NoInterpreterAvailable {
                queue_id: None,
                reason: NoInterpreterReason::NoMatchingQueue,
                wait_seconds: 0,
                at: t(0),
            },
        ]);
}

#[tokio::test]
async fn an_urgent_request_is_queued_as_urgent() {
    nothing()
        .when_async(CallCommand::Request {
            organisation_id: None,
            call_id: CALL,
            requester_id: REQUESTER,
            request: urgent_request(),
            queue: Some(QUEUE),
            at: t(0),
        })
        .await
        .then_expect_events(vec![
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: CALL,
                requester_id: REQUESTER,
                request: urgent_request(),
                at: t(0),
            },
            CallEvent::CallQueued {
                queue_id: QUEUE,
                priority: Priority::Urgent,
                at: t(0),
            },
        ]);
}

#[tokio::test]
async fn requesting_a_call_that_already_exists_is_refused() {
    given(requested())
        .when_async(request_command(Some(QUEUE)))
        .await
        .then_expect_error(CallError::AlreadyExists);
}

#[tokio::test]
async fn requesting_again_a_call_that_found_no_queue_is_refused() {
    given(vec![
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: CALL,
            requester_id: REQUESTER,
            request: request(),
            at: t(0),
        },
        CallEvent::NoInterpreterAvailable {
            queue_id: None,
            reason: NoInterpreterReason::NoMatchingQueue,
            wait_seconds: 0,
            at: t(0),
        },
    ])
    .when_async(request_command(Some(QUEUE)))
    .await
    .then_expect_error(CallError::AlreadyExists);
}

// ───────────────────────────── Offer ─────────────────────────────

fn offer(agent_id: domain::AgentId) -> CallCommand {
    CallCommand::Offer {
        agent_id,
        expires_at: t(30),
        at: t(10),
    }
}

#[tokio::test]
async fn offering_a_queued_call_rings_the_agent_until_the_expiry() {
    given(requested())
        .when_async(offer(AGENT))
        .await
        .then_expect_events(vec![CallEvent::CallOffered {
            agent_id: AGENT,
            queue_id: QUEUE,
            expires_at: t(30),
            at: t(10),
        }]);
}

#[tokio::test]
async fn offering_an_already_ringing_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(offer(OTHER_AGENT))
        .await
        .then_expect_error(CallError::AlreadyOffered);
}

#[tokio::test]
async fn offering_a_call_again_to_the_agent_it_rings_for_is_refused() {
    given(ringing_for(AGENT))
        .when_async(offer(AGENT))
        .await
        .then_expect_error(CallError::AlreadyOffered);
}

#[tokio::test]
async fn offering_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(offer(AGENT))
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn offering_a_connected_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(offer(OTHER_AGENT))
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
}

#[tokio::test]
async fn offering_a_call_that_found_no_interpreter_is_refused() {
    given(then(
        requested(),
        [CallEvent::NoInterpreterAvailable {
            queue_id: Some(QUEUE),
            reason: NoInterpreterReason::MaxWaitExceeded,
            wait_seconds: 300,
            at: t(300),
        }],
    ))
    .when_async(offer(AGENT))
    .await
    .then_expect_error(CallError::NotWaiting("no_interpreter_available"));
}

#[tokio::test]
async fn offering_an_abandoned_call_is_refused() {
    given(then(
        requested(),
        [CallEvent::CallAbandoned {
            offered_agent_id: None,
            wait_seconds: 5,
            at: t(5),
        }],
    ))
    .when_async(offer(AGENT))
    .await
    .then_expect_error(CallError::NotWaiting("abandoned"));
}

#[tokio::test]
async fn a_declined_call_can_be_offered_to_someone_else() {
    given(then(
        ringing_for(AGENT),
        [CallEvent::OfferDeclined {
            agent_id: AGENT,
            at: t(12),
        }],
    ))
    .when_async(CallCommand::Offer {
        agent_id: OTHER_AGENT,
        expires_at: t(40),
        at: t(20),
    })
    .await
    .then_expect_events(vec![CallEvent::CallOffered {
        agent_id: OTHER_AGENT,
        queue_id: QUEUE,
        expires_at: t(40),
        at: t(20),
    }]);
}

// ───────────────────────────── Accept ─────────────────────────────

#[tokio::test]
async fn accepting_a_ringing_offer_connects_the_call_and_reports_the_wait_since_the_request() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(17),
        })
        .await
        .then_expect_events(vec![CallEvent::CallAccepted {
            agent_id: AGENT,
            queue_id: QUEUE,
            wait_seconds: 17,
            at: t(17),
        }]);
}

#[tokio::test]
async fn accepting_a_call_offered_to_someone_else_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: OTHER_AGENT,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn accepting_after_the_expiry_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(31),
        })
        .await
        .then_expect_error(CallError::OfferExpired);
}

#[tokio::test]
async fn accepting_exactly_at_the_expiry_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(30),
        })
        .await
        .then_expect_error(CallError::OfferExpired);
}

#[tokio::test]
async fn accepting_one_second_before_the_expiry_connects_the_call() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(29),
        })
        .await
        .then_expect_events(vec![CallEvent::CallAccepted {
            agent_id: AGENT,
            queue_id: QUEUE,
            wait_seconds: 29,
            at: t(29),
        }]);
}

#[tokio::test]
async fn accepting_a_queued_call_that_rings_for_nobody_is_refused() {
    given(requested())
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn accepting_a_call_twice_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(21),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn accepting_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn accepting_a_declined_offer_is_refused() {
    given(then(
        ringing_for(AGENT),
        [CallEvent::OfferDeclined {
            agent_id: AGENT,
            at: t(12),
        }],
    ))
    .when_async(CallCommand::Accept {
        agent_id: AGENT,
        at: t(13),
    })
    .await
    .then_expect_error(CallError::NotOfferedToYou);
}

// ───────────────────────────── Decline ─────────────────────────────

#[tokio::test]
async fn declining_a_ringing_offer_puts_the_call_back_in_its_queue() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Decline {
            agent_id: AGENT,
            at: t(12),
        })
        .await
        .then_expect_events(vec![CallEvent::OfferDeclined {
            agent_id: AGENT,
            at: t(12),
        }]);
    let call = fold(then(
        ringing_for(AGENT),
        [CallEvent::OfferDeclined {
            agent_id: AGENT,
            at: t(12),
        }],
    ));
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.offer, None);
    assert_eq!(call.queue_id, Some(QUEUE));
}

#[tokio::test]
async fn declining_a_call_offered_to_someone_else_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Decline {
            agent_id: OTHER_AGENT,
            at: t(12),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn declining_a_connected_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Decline {
            agent_id: AGENT,
            at: t(25),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn declining_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Decline {
            agent_id: AGENT,
            at: t(12),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── ExpireOffer ─────────────────────────────

#[tokio::test]
async fn expiring_an_offer_at_its_expiry_puts_the_call_back_in_its_queue() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::ExpireOffer {
            agent_id: AGENT,
            at: t(30),
        })
        .await
        .then_expect_events(vec![CallEvent::OfferExpired {
            agent_id: AGENT,
            at: t(30),
        }]);
}

#[tokio::test]
async fn expiring_an_offer_after_its_expiry_is_accepted() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::ExpireOffer {
            agent_id: AGENT,
            at: t(95),
        })
        .await
        .then_expect_events(vec![CallEvent::OfferExpired {
            agent_id: AGENT,
            at: t(95),
        }]);
}

#[tokio::test]
async fn expiring_an_offer_before_its_expiry_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::ExpireOffer {
            agent_id: AGENT,
            at: t(29),
        })
        .await
        .then_expect_error(CallError::OfferNotExpired);
}

#[tokio::test]
async fn expiring_an_offer_made_to_someone_else_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::ExpireOffer {
            agent_id: OTHER_AGENT,
            at: t(40),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn expiring_an_offer_that_was_accepted_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::ExpireOffer {
            agent_id: AGENT,
            at: t(40),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn expiring_an_offer_on_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::ExpireOffer {
            agent_id: AGENT,
            at: t(40),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn an_expired_offer_leaves_the_call_queued_and_ringing_for_nobody() {
    let call = fold(then(
        ringing_for(AGENT),
        [CallEvent::OfferExpired {
            agent_id: AGENT,
            at: t(30),
        }],
    ));
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.offer, None);
    assert_eq!(call.agent_id, None);
}

// ───────────────────────────── WithdrawOffer ─────────────────────────────

#[tokio::test]
async fn withdrawing_a_ringing_offer_puts_the_call_back_in_its_queue() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::WithdrawOffer {
            agent_id: AGENT,
            reason: WithdrawReason::AgentUnavailable,
            at: t(15),
        })
        .await
        .then_expect_events(vec![CallEvent::OfferWithdrawn {
            agent_id: AGENT,
            reason: WithdrawReason::AgentUnavailable,
            at: t(15),
        }]);
}

#[tokio::test]
async fn withdrawing_an_offer_made_to_someone_else_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::WithdrawOffer {
            agent_id: OTHER_AGENT,
            reason: WithdrawReason::AgentUnavailable,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn withdrawing_an_offer_that_was_already_accepted_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::WithdrawOffer {
            agent_id: AGENT,
            reason: WithdrawReason::AgentUnavailable,
            at: t(25),
        })
        .await
        .then_expect_error(CallError::NotOfferedToYou);
}

#[tokio::test]
async fn withdrawing_an_offer_on_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::WithdrawOffer {
            agent_id: AGENT,
            reason: WithdrawReason::Transferred,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── Hold / Resume ─────────────────────────────

#[tokio::test]
async fn holding_a_connected_call_puts_it_on_hold() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(50),
        })
        .await
        .then_expect_events(vec![held_at(50)]);
}

#[tokio::test]
async fn holding_a_call_already_on_hold_is_refused() {
    given(then(connected_with(AGENT), [held_at(50)]))
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(55),
        })
        .await
        .then_expect_error(CallError::AlreadyOnHold);
}

#[tokio::test]
async fn holding_someone_elses_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Hold {
            agent_id: OTHER_AGENT,
            at: t(50),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[tokio::test]
async fn holding_a_queued_call_is_refused() {
    given(requested())
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotInProgress("queued"));
}

#[tokio::test]
async fn holding_a_ringing_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotInProgress("offered"));
}

#[tokio::test]
async fn holding_an_ended_call_is_refused() {
    given(ended_with(AGENT))
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(250),
        })
        .await
        .then_expect_error(CallError::NotInProgress("ended"));
}

#[tokio::test]
async fn holding_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Hold {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn resuming_a_held_call_reports_how_long_it_was_held() {
    given(then(connected_with(AGENT), [held_at(50)]))
        .when_async(CallCommand::Resume {
            agent_id: AGENT,
            at: t(72),
        })
        .await
        .then_expect_events(vec![CallEvent::CallResumed {
            agent_id: AGENT,
            hold_seconds: 22,
            at: t(72),
        }]);
}

#[tokio::test]
async fn resuming_a_call_that_is_not_on_hold_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Resume {
            agent_id: AGENT,
            at: t(50),
        })
        .await
        .then_expect_error(CallError::NotOnHold);
}

#[tokio::test]
async fn resuming_someone_elses_call_is_refused() {
    given(then(connected_with(AGENT), [held_at(50)]))
        .when_async(CallCommand::Resume {
            agent_id: OTHER_AGENT,
            at: t(60),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[tokio::test]
async fn resuming_a_queued_call_is_refused() {
    given(requested())
        .when_async(CallCommand::Resume {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotInProgress("queued"));
}

#[tokio::test]
async fn resuming_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Resume {
            agent_id: AGENT,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn repeated_holds_add_up() {
    let call = fold(then(
        connected_with(AGENT),
        [
            held_at(50),
            CallEvent::CallResumed {
                agent_id: AGENT,
                hold_seconds: 10,
                at: t(60),
            },
            held_at(100),
            CallEvent::CallResumed {
                agent_id: AGENT,
                hold_seconds: 5,
                at: t(105),
            },
        ],
    ));
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.hold_seconds, 15);
    assert_eq!(call.hold_started_at, None);
}

// ───────────────────────────── Transfer ─────────────────────────────

/// [`CALL`] live with [`AGENT`], a transfer to [`OTHER_QUEUE`] asked at `t(60)`.
fn transfer_requested() -> Vec<CallEvent> {
    then(
        connected_with(AGENT),
        [CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            queue_id: OTHER_QUEUE,
            at: t(60),
        }],
    )
}

/// [`transfer_requested`], ringing for [`OTHER_AGENT`] from `t(70)` to `t(90)`.
fn transfer_ringing() -> Vec<CallEvent> {
    then(
        transfer_requested(),
        [CallEvent::CallOffered {
            agent_id: OTHER_AGENT,
            queue_id: OTHER_QUEUE,
            expires_at: t(90),
            at: t(70),
        }],
    )
}

#[test]
fn a_call_whose_transfer_rings_stays_connected_with_its_interpreter() {
    let call = fold(transfer_ringing());
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));
    assert_eq!(call.offer.map(|o| o.agent_id), Some(OTHER_AGENT));
}

#[tokio::test]
async fn a_call_with_a_transfer_under_way_may_be_offered_in_the_target_queue() {
    given(transfer_requested())
        .when_async(CallCommand::Offer {
            agent_id: OTHER_AGENT,
            expires_at: t(90),
            at: t(70),
        })
        .await
        .then_expect_events(vec![CallEvent::CallOffered {
            agent_id: OTHER_AGENT,
            queue_id: OTHER_QUEUE,
            expires_at: t(90),
            at: t(70),
        }]);
}

#[tokio::test]
async fn accepting_a_transfer_hands_the_call_over_in_one_commit() {
    given(transfer_ringing())
        .when_async(CallCommand::Accept {
            agent_id: OTHER_AGENT,
            at: t(75),
        })
        .await
        .then_expect_events(vec![
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Queue(OTHER_QUEUE),
                at: t(75),
            },
            CallEvent::CallAccepted {
                agent_id: OTHER_AGENT,
                queue_id: OTHER_QUEUE,
                wait_seconds: 75,
                at: t(75),
            },
        ]);
}

#[test]
fn after_the_handover_the_call_is_with_the_new_interpreter_in_the_target_queue() {
    let call = fold(then(
        transfer_ringing(),
        [
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Queue(OTHER_QUEUE),
                at: t(75),
            },
            CallEvent::CallAccepted {
                agent_id: OTHER_AGENT,
                queue_id: OTHER_QUEUE,
                wait_seconds: 75,
                at: t(75),
            },
        ],
    ));
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(OTHER_AGENT));
    assert_eq!(call.queue_id, Some(OTHER_QUEUE));
    assert_eq!(call.pending_transfer, None);
}

#[tokio::test]
async fn a_transfer_nobody_accepted_fails_and_the_call_stays_with_its_interpreter() {
    given(transfer_requested())
        .when_async(CallCommand::FailTransfer { at: t(360) })
        .await
        .then_expect_events(vec![CallEvent::TransferFailed {
            agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            reason: TransferFailReason::MaxWaitExceeded,
            at: t(360),
        }]);
    let call = fold(then(
        transfer_requested(),
        [CallEvent::TransferFailed {
            agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            reason: TransferFailReason::MaxWaitExceeded,
            at: t(360),
        }],
    ));
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));
    assert_eq!(call.queue_id, Some(QUEUE));
}

#[tokio::test]
async fn failing_a_transfer_while_it_rings_or_when_none_is_under_way_is_refused() {
    given(transfer_ringing())
        .when_async(CallCommand::FailTransfer { at: t(360) })
        .await
        .then_expect_error(CallError::AlreadyOffered);
    given(connected_with(AGENT))
        .when_async(CallCommand::FailTransfer { at: t(360) })
        .await
        .then_expect_error(CallError::NoTransferPending);
}

#[tokio::test]
async fn a_declined_transfer_to_a_queue_stays_under_way_for_the_next_interpreter() {
    given(transfer_ringing())
        .when_async(CallCommand::Decline {
            agent_id: OTHER_AGENT,
            at: t(72),
        })
        .await
        .then_expect_events(vec![CallEvent::OfferDeclined {
            agent_id: OTHER_AGENT,
            at: t(72),
        }]);
}

#[tokio::test]
async fn a_named_interpreter_declining_a_transfer_fails_it_at_once() {
    let ringing = then(
        connected_with(AGENT),
        [
            CallEvent::TransferRequested {
                from_agent_id: AGENT,
                target: TransferTarget::Agent(OTHER_AGENT),
                queue_id: QUEUE,
                at: t(60),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(80),
                at: t(60),
            },
        ],
    );
    given(ringing)
        .when_async(CallCommand::Decline {
            agent_id: OTHER_AGENT,
            at: t(65),
        })
        .await
        .then_expect_events(vec![
            CallEvent::OfferDeclined {
                agent_id: OTHER_AGENT,
                at: t(65),
            },
            CallEvent::TransferFailed {
                agent_id: AGENT,
                target: TransferTarget::Agent(OTHER_AGENT),
                reason: TransferFailReason::NotAccepted,
                at: t(65),
            },
        ]);
}

#[tokio::test]
async fn transferring_a_call_whose_transfer_is_under_way_is_refused() {
    given(transfer_requested())
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(QUEUE),
            offer_expires_at: None,
            at: t(65),
        })
        .await
        .then_expect_error(CallError::TransferPending);
}

#[tokio::test]
async fn ending_a_call_whose_transfer_rings_takes_the_offer_back() {
    given(transfer_ringing())
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(80),
        })
        .await
        .then_expect_events(vec![
            CallEvent::OfferWithdrawn {
                agent_id: OTHER_AGENT,
                reason: WithdrawReason::CallEnded,
                at: t(80),
            },
            CallEvent::CallEnded {
                agent_id: AGENT,
                talk_seconds: 60,
                hold_seconds: 0,
                at: t(80),
            },
        ]);
}

#[tokio::test]
async fn an_agent_transferring_a_live_call_to_a_queue_requests_it_there_and_keeps_the_call() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_events(vec![CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            queue_id: OTHER_QUEUE,
            at: t(60),
        }]);
}

#[tokio::test]
async fn a_transfer_request_of_an_urgent_call_is_stored_like_any_other() {
    let events = vec![
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: CALL,
            requester_id: REQUESTER,
            request: urgent_request(),
            at: t(0),
        },
        CallEvent::CallQueued {
            queue_id: QUEUE,
            priority: Priority::Urgent,
            at: t(0),
        },
        CallEvent::CallOffered {
            agent_id: AGENT,
            queue_id: QUEUE,
            expires_at: t(30),
            at: t(10),
        },
        CallEvent::CallAccepted {
            agent_id: AGENT,
            queue_id: QUEUE,
            wait_seconds: 20,
            at: t(20),
        },
    ];
    given(events)
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_events(vec![CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            queue_id: OTHER_QUEUE,
            at: t(60),
        }]);
}

#[tokio::test]
async fn an_agent_may_send_a_live_call_back_to_its_own_queue() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Queue(QUEUE),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_events(vec![CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(QUEUE),
            queue_id: QUEUE,
            at: t(60),
        }]);
}

#[tokio::test]
async fn an_agent_transferring_a_live_call_to_another_agent_rings_them() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Agent(OTHER_AGENT),
            offer_expires_at: Some(t(80)),
            at: t(60),
        })
        .await
        .then_expect_events(vec![
            CallEvent::TransferRequested {
                from_agent_id: AGENT,
                target: TransferTarget::Agent(OTHER_AGENT),
                queue_id: QUEUE,
                at: t(60),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(80),
                at: t(60),
            },
        ]);
}

#[tokio::test]
async fn a_call_transferred_to_another_agent_rings_for_them_and_has_no_agent_yet() {
    let call = fold(then(
        connected_with(AGENT),
        [
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Agent(OTHER_AGENT),
                at: t(60),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(80),
                at: t(60),
            },
        ],
    ));
    assert_eq!(call.status, CallStatus::Offered);
    assert_eq!(call.agent_id, None);
    assert_eq!(
        call.offer,
        Some(RingingOffer {
            agent_id: OTHER_AGENT,
            expires_at: t(80)
        })
    );
}

#[tokio::test]
async fn a_call_transferred_to_another_agent_can_be_accepted_by_them() {
    given(then(
        connected_with(AGENT),
        [
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Agent(OTHER_AGENT),
                at: t(60),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(80),
                at: t(60),
            },
        ],
    ))
    .when_async(CallCommand::Accept {
        agent_id: OTHER_AGENT,
        at: t(70),
    })
    .await
    .then_expect_events(vec![CallEvent::CallAccepted {
        agent_id: OTHER_AGENT,
        queue_id: QUEUE,
        wait_seconds: 70,
        at: t(70),
    }]);
}

#[tokio::test]
async fn transferring_a_live_call_to_its_own_agent_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Agent(AGENT),
            offer_expires_at: Some(t(80)),
            at: t(60),
        })
        .await
        .then_expect_error(CallError::SameAgent);
}

#[tokio::test]
async fn a_supervisor_transferring_a_live_call_to_its_own_agent_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Agent(AGENT),
            offer_expires_at: Some(t(80)),
            at: t(60),
        })
        .await
        .then_expect_error(CallError::SameAgent);
}

#[tokio::test]
async fn transferring_to_an_agent_without_an_offer_expiry_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Agent(OTHER_AGENT),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_error(CallError::MissingOfferExpiry);
}

#[tokio::test]
async fn a_supervisor_transferring_a_waiting_call_with_a_ringing_offer_withdraws_the_offer_first() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(15),
        })
        .await
        .then_expect_events(vec![
            CallEvent::OfferWithdrawn {
                agent_id: AGENT,
                reason: WithdrawReason::Transferred,
                at: t(15),
            },
            CallEvent::CallTransferred {
                from_agent_id: None,
                target: TransferTarget::Queue(OTHER_QUEUE),
                at: t(15),
            },
            CallEvent::CallQueued {
                queue_id: OTHER_QUEUE,
                priority: Priority::Normal,
                at: t(15),
            },
        ]);
}

#[tokio::test]
async fn a_supervisor_transferring_a_ringing_call_to_another_agent_withdraws_and_reoffers() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Agent(OTHER_AGENT),
            offer_expires_at: Some(t(35)),
            at: t(15),
        })
        .await
        .then_expect_events(vec![
            CallEvent::OfferWithdrawn {
                agent_id: AGENT,
                reason: WithdrawReason::Transferred,
                at: t(15),
            },
            CallEvent::CallTransferred {
                from_agent_id: None,
                target: TransferTarget::Agent(OTHER_AGENT),
                at: t(15),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(35),
                at: t(15),
            },
        ]);
}

#[tokio::test]
async fn a_supervisor_transferring_a_queued_call_to_an_agent_rings_them() {
    given(requested())
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Agent(AGENT),
            offer_expires_at: Some(t(25)),
            at: t(5),
        })
        .await
        .then_expect_events(vec![
            CallEvent::CallTransferred {
                from_agent_id: None,
                target: TransferTarget::Agent(AGENT),
                at: t(5),
            },
            CallEvent::CallOffered {
                agent_id: AGENT,
                queue_id: QUEUE,
                expires_at: t(25),
                at: t(5),
            },
        ]);
}

#[tokio::test]
async fn a_supervisor_transferring_a_waiting_call_to_its_own_queue_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(QUEUE),
            offer_expires_at: None,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::SameQueue);
}

#[tokio::test]
async fn a_supervisor_transferring_a_live_call_leaves_it_with_its_agent_until_someone_accepts() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_events(vec![CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            queue_id: OTHER_QUEUE,
            at: t(60),
        }]);
}

#[tokio::test]
async fn transferring_someone_elses_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(OTHER_AGENT),
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(60),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[tokio::test]
async fn an_agent_transferring_a_waiting_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: Some(AGENT),
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotInProgress("offered"));
}

#[tokio::test]
async fn transferring_an_ended_call_is_refused() {
    given(ended_with(AGENT))
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(250),
        })
        .await
        .then_expect_error(CallError::NotInProgress("ended"));
}

#[tokio::test]
async fn transferring_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Transfer {
            by_agent: None,
            target: TransferTarget::Queue(OTHER_QUEUE),
            offer_expires_at: None,
            at: t(5),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn transferring_a_call_on_hold_requeues_it_without_its_agent() {
    let events = then(
        connected_with(AGENT),
        [
            held_at(50),
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Queue(OTHER_QUEUE),
                at: t(60),
            },
            CallEvent::CallQueued {
                queue_id: OTHER_QUEUE,
                priority: Priority::Normal,
                at: t(60),
            },
        ],
    );
    let call = fold(events.clone());
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.agent_id, None);
    assert_eq!(call.queue_id, Some(OTHER_QUEUE));
    given(events)
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(70),
        })
        .await
        .then_expect_error(CallError::NotInProgress("queued"));
}

#[tokio::test]
async fn the_transferring_agent_can_hold_the_call_no_longer() {
    given(then(
        connected_with(AGENT),
        [
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Agent(OTHER_AGENT),
                at: t(60),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(80),
                at: t(60),
            },
        ],
    ))
    .when_async(CallCommand::Hold {
        agent_id: AGENT,
        at: t(65),
    })
    .await
    .then_expect_error(CallError::NotInProgress("offered"));
}

// ───────────────────────────── End ─────────────────────────────

#[tokio::test]
async fn ending_a_connected_call_reports_the_talk_time() {
    given(connected_with(AGENT))
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(200),
        })
        .await
        .then_expect_events(vec![CallEvent::CallEnded {
            agent_id: AGENT,
            talk_seconds: 180,
            hold_seconds: 0,
            at: t(200),
        }]);
}

#[tokio::test]
async fn ending_a_call_after_a_hold_takes_the_hold_out_of_the_talk_time() {
    given(then(
        connected_with(AGENT),
        [
            held_at(50),
            CallEvent::CallResumed {
                agent_id: AGENT,
                hold_seconds: 30,
                at: t(80),
            },
        ],
    ))
    .when_async(CallCommand::End {
        agent_id: AGENT,
        at: t(200),
    })
    .await
    .then_expect_events(vec![CallEvent::CallEnded {
        agent_id: AGENT,
        talk_seconds: 150,
        hold_seconds: 30,
        at: t(200),
    }]);
}

#[tokio::test]
async fn ending_a_call_while_on_hold_counts_the_hold_until_the_end() {
    given(then(
        connected_with(AGENT),
        [
            held_at(50),
            CallEvent::CallResumed {
                agent_id: AGENT,
                hold_seconds: 30,
                at: t(80),
            },
            held_at(150),
        ],
    ))
    .when_async(CallCommand::End {
        agent_id: AGENT,
        at: t(200),
    })
    .await
    .then_expect_events(vec![CallEvent::CallEnded {
        agent_id: AGENT,
        talk_seconds: 100,
        hold_seconds: 80,
        at: t(200),
    }]);
}

#[tokio::test]
async fn a_second_answer_after_a_transfer_starts_hold_and_talk_time_afresh() {
    given(then(
        connected_with(AGENT),
        [
            held_at(50),
            CallEvent::CallResumed {
                agent_id: AGENT,
                hold_seconds: 30,
                at: t(80),
            },
            CallEvent::CallTransferred {
                from_agent_id: Some(AGENT),
                target: TransferTarget::Agent(OTHER_AGENT),
                at: t(100),
            },
            CallEvent::CallOffered {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                expires_at: t(120),
                at: t(100),
            },
            CallEvent::CallAccepted {
                agent_id: OTHER_AGENT,
                queue_id: QUEUE,
                wait_seconds: 110,
                at: t(110),
            },
        ],
    ))
    .when_async(CallCommand::End {
        agent_id: OTHER_AGENT,
        at: t(200),
    })
    .await
    .then_expect_events(vec![CallEvent::CallEnded {
        agent_id: OTHER_AGENT,
        talk_seconds: 90,
        hold_seconds: 0,
        at: t(200),
    }]);
}

#[tokio::test]
async fn ending_a_call_twice_is_refused() {
    given(ended_with(AGENT))
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(210),
        })
        .await
        .then_expect_error(CallError::NotInProgress("ended"));
}

#[tokio::test]
async fn ending_someone_elses_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::End {
            agent_id: OTHER_AGENT,
            at: t(200),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[tokio::test]
async fn ending_a_ringing_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotInProgress("offered"));
}

#[tokio::test]
async fn ending_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

#[tokio::test]
async fn an_ended_call_keeps_its_agent_and_end_time() {
    let call = fold(ended_with(AGENT));
    assert_eq!(call.status, CallStatus::Ended);
    assert_eq!(call.agent_id, Some(AGENT));
    assert_eq!(call.ended_at, Some(t(200)));
    assert_eq!(call.connected_at, Some(t(20)));
}

// ───────────────────────────── WrapUp ─────────────────────────────

#[tokio::test]
async fn wrapping_up_an_ended_call_reports_the_wrap_up_time() {
    given(ended_with(AGENT))
        .when_async(CallCommand::WrapUp {
            agent_id: AGENT,
            disposition: completed(),
            notes: Some(notes("interpreted a follow-up visit")),
            at: t(245),
        })
        .await
        .then_expect_events(vec![CallEvent::CallWrappedUp {
            agent_id: AGENT,
            disposition: completed(),
            notes: Some(notes("interpreted a follow-up visit")),
            wrap_up_seconds: 45,
            at: t(245),
        }]);
}

#[tokio::test]
async fn wrapping_up_someone_elses_call_is_refused() {
    given(ended_with(AGENT))
        .when_async(CallCommand::WrapUp {
            agent_id: OTHER_AGENT,
            disposition: completed(),
            notes: None,
            at: t(245),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[tokio::test]
async fn wrapping_up_a_call_before_it_ended_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::WrapUp {
            agent_id: AGENT,
            disposition: completed(),
            notes: None,
            at: t(100),
        })
        .await
        .then_expect_error(CallError::NotEnded("connected"));
}

#[tokio::test]
async fn wrapping_up_a_call_twice_is_refused() {
    given(wrapped_up_with(AGENT))
        .when_async(CallCommand::WrapUp {
            agent_id: AGENT,
            disposition: completed(),
            notes: None,
            at: t(260),
        })
        .await
        .then_expect_error(CallError::NotEnded("wrapped_up"));
}

#[tokio::test]
async fn wrapping_up_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::WrapUp {
            agent_id: AGENT,
            disposition: completed(),
            notes: None,
            at: t(100),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── Cancel ─────────────────────────────

#[tokio::test]
async fn a_supervisor_cancels_a_waiting_call_whoever_requested_it() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::CancelForRequester { at: t(14) })
        .await
        .then_expect_events(vec![CallEvent::CallAbandoned {
            offered_agent_id: Some(AGENT),
            wait_seconds: 14,
            at: t(14),
        }]);
}

#[tokio::test]
async fn a_supervisor_cannot_cancel_a_call_that_no_longer_waits() {
    given(connected_with(AGENT))
        .when_async(CallCommand::CancelForRequester { at: t(30) })
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
}

#[tokio::test]
async fn cancelling_a_queued_call_abandons_it_and_reports_the_wait() {
    given(requested())
        .when_async(CallCommand::Cancel {
            requester_id: REQUESTER,
            at: t(8),
        })
        .await
        .then_expect_events(vec![CallEvent::CallAbandoned {
            offered_agent_id: None,
            wait_seconds: 8,
            at: t(8),
        }]);
}

#[tokio::test]
async fn cancelling_a_ringing_call_names_the_agent_whose_offer_it_releases() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Cancel {
            requester_id: REQUESTER,
            at: t(14),
        })
        .await
        .then_expect_events(vec![CallEvent::CallAbandoned {
            offered_agent_id: Some(AGENT),
            wait_seconds: 14,
            at: t(14),
        }]);
}

#[tokio::test]
async fn an_abandoned_call_rings_for_nobody() {
    let call = fold(then(
        ringing_for(AGENT),
        [CallEvent::CallAbandoned {
            offered_agent_id: Some(AGENT),
            wait_seconds: 14,
            at: t(14),
        }],
    ));
    assert_eq!(call.status, CallStatus::Abandoned);
    assert_eq!(call.offer, None);
}

#[tokio::test]
async fn cancelling_someone_elses_request_is_refused() {
    given(requested())
        .when_async(CallCommand::Cancel {
            requester_id: OTHER_REQUESTER,
            at: t(8),
        })
        .await
        .then_expect_error(CallError::NotYourRequest);
}

#[tokio::test]
async fn cancelling_a_connected_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Cancel {
            requester_id: REQUESTER,
            at: t(30),
        })
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
}

#[tokio::test]
async fn cancelling_a_call_twice_is_refused() {
    given(then(
        requested(),
        [CallEvent::CallAbandoned {
            offered_agent_id: None,
            wait_seconds: 8,
            at: t(8),
        }],
    ))
    .when_async(CallCommand::Cancel {
        requester_id: REQUESTER,
        at: t(9),
    })
    .await
    .then_expect_error(CallError::NotWaiting("abandoned"));
}

#[tokio::test]
async fn cancelling_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Cancel {
            requester_id: REQUESTER,
            at: t(8),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── Overflow ─────────────────────────────

#[tokio::test]
async fn overflowing_a_queued_call_moves_it_to_the_next_queue_keeping_its_priority() {
    let events = vec![
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: CALL,
            requester_id: REQUESTER,
            request: urgent_request(),
            at: t(0),
        },
        CallEvent::CallQueued {
            queue_id: QUEUE,
            priority: Priority::Urgent,
            at: t(0),
        },
    ];
    given(events)
        .when_async(CallCommand::Overflow {
            to_queue: OTHER_QUEUE,
            at: t(300),
        })
        .await
        .then_expect_events(vec![
            CallEvent::CallOverflowed {
                from_queue_id: QUEUE,
                to_queue_id: OTHER_QUEUE,
                at: t(300),
            },
            CallEvent::CallQueued {
                queue_id: OTHER_QUEUE,
                priority: Priority::Urgent,
                at: t(300),
            },
        ]);
}

#[tokio::test]
async fn overflowing_a_ringing_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::Overflow {
            to_queue: OTHER_QUEUE,
            at: t(15),
        })
        .await
        .then_expect_error(CallError::AlreadyOffered);
}

#[tokio::test]
async fn overflowing_a_call_into_its_own_queue_is_refused() {
    given(requested())
        .when_async(CallCommand::Overflow {
            to_queue: QUEUE,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::SameQueue);
}

#[tokio::test]
async fn overflowing_a_connected_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Overflow {
            to_queue: OTHER_QUEUE,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
}

#[tokio::test]
async fn overflowing_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Overflow {
            to_queue: OTHER_QUEUE,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── GiveUp ─────────────────────────────

#[tokio::test]
async fn giving_up_on_a_queued_call_reports_its_queue_and_wait() {
    given(requested())
        .when_async(CallCommand::GiveUp {
            reason: NoInterpreterReason::MaxWaitExceeded,
            at: t(300),
        })
        .await
        .then_expect_events(vec![CallEvent::NoInterpreterAvailable {
            queue_id: Some(QUEUE),
            reason: NoInterpreterReason::MaxWaitExceeded,
            wait_seconds: 300,
            at: t(300),
        }]);
}

#[tokio::test]
async fn giving_up_on_a_ringing_call_is_refused() {
    given(ringing_for(AGENT))
        .when_async(CallCommand::GiveUp {
            reason: NoInterpreterReason::MaxWaitExceeded,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::AlreadyOffered);
}

#[tokio::test]
async fn giving_up_on_a_connected_call_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::GiveUp {
            reason: NoInterpreterReason::MaxWaitExceeded,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
}

#[tokio::test]
async fn giving_up_on_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::GiveUp {
            reason: NoInterpreterReason::MaxWaitExceeded,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── Rate ─────────────────────────────

#[tokio::test]
async fn rating_an_ended_call_records_the_stars() {
    given(ended_with(AGENT))
        .when_async(CallCommand::Rate {
            requester_id: REQUESTER,
            stars: stars(5),
            comment: Some(notes("clear and quick")),
            at: t(210),
        })
        .await
        .then_expect_events(vec![CallEvent::CallRated {
            stars: stars(5),
            comment: Some(notes("clear and quick")),
            at: t(210),
        }]);
}

#[tokio::test]
async fn rating_a_wrapped_up_call_records_the_stars() {
    given(wrapped_up_with(AGENT))
        .when_async(CallCommand::Rate {
            requester_id: REQUESTER,
            stars: stars(3),
            comment: None,
            at: t(300),
        })
        .await
        .then_expect_events(vec![CallEvent::CallRated {
            stars: stars(3),
            comment: None,
            at: t(300),
        }]);
}

#[tokio::test]
async fn rating_a_call_twice_is_refused() {
    given(then(
        ended_with(AGENT),
        [CallEvent::CallRated {
            stars: stars(4),
            comment: None,
            at: t(210),
        }],
    ))
    .when_async(CallCommand::Rate {
        requester_id: REQUESTER,
        stars: stars(1),
        comment: None,
        at: t(220),
    })
    .await
    .then_expect_error(CallError::AlreadyRated);
}

#[tokio::test]
async fn a_rating_before_the_wrap_up_still_counts_after_it() {
    given(then(
        ended_with(AGENT),
        [
            CallEvent::CallRated {
                stars: stars(4),
                comment: None,
                at: t(210),
            },
            CallEvent::CallWrappedUp {
                agent_id: AGENT,
                disposition: completed(),
                notes: None,
                wrap_up_seconds: 30,
                at: t(230),
            },
        ],
    ))
    .when_async(CallCommand::Rate {
        requester_id: REQUESTER,
        stars: stars(2),
        comment: None,
        at: t(240),
    })
    .await
    .then_expect_error(CallError::AlreadyRated);
}

#[tokio::test]
async fn rating_a_call_before_it_ended_is_refused() {
    given(connected_with(AGENT))
        .when_async(CallCommand::Rate {
            requester_id: REQUESTER,
            stars: stars(5),
            comment: None,
            at: t(100),
        })
        .await
        .then_expect_error(CallError::NotEnded("connected"));
}

#[tokio::test]
async fn rating_an_abandoned_call_is_refused() {
    given(then(
        requested(),
        [CallEvent::CallAbandoned {
            offered_agent_id: None,
            wait_seconds: 8,
            at: t(8),
        }],
    ))
    .when_async(CallCommand::Rate {
        requester_id: REQUESTER,
        stars: stars(1),
        comment: None,
        at: t(10),
    })
    .await
    .then_expect_error(CallError::NotEnded("abandoned"));
}

#[tokio::test]
async fn rating_someone_elses_call_is_refused() {
    given(ended_with(AGENT))
        .when_async(CallCommand::Rate {
            requester_id: OTHER_REQUESTER,
            stars: stars(5),
            comment: None,
            at: t(210),
        })
        .await
        .then_expect_error(CallError::NotYourRequest);
}

#[tokio::test]
async fn rating_a_call_that_does_not_exist_is_refused() {
    nothing()
        .when_async(CallCommand::Rate {
            requester_id: REQUESTER,
            stars: stars(5),
            comment: None,
            at: t(210),
        })
        .await
        .then_expect_error(CallError::NotFound);
}

// ───────────────────────────── Events ─────────────────────────────

#[test]
fn every_event_reports_its_instant_type_and_version() {
    use cqrs_es::DomainEvent;
    let mut events = wrapped_up_with(AGENT);
    events.push(CallEvent::CallRated {
        stars: stars(5),
        comment: None,
        at: t(300),
    });
    let types: Vec<String> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        types,
        [
            "CallRequested",
            "CallQueued",
            "CallOffered",
            "CallAccepted",
            "CallEnded",
            "CallWrappedUp",
            "CallRated"
        ]
    );
    let instants: Vec<_> = events.iter().map(CallEvent::at).collect();
    assert_eq!(instants, [t(0), t(0), t(10), t(20), t(200), t(230), t(300)]);
    assert!(
        events
            .iter()
            .all(|e| e.event_version() == domain::EVENT_VERSION)
    );
}

#[test]
fn events_survive_a_json_round_trip() {
    for event in wrapped_up_with(AGENT) {
        let json = serde_json::to_string(&event).unwrap();
        let back: CallEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }
}
