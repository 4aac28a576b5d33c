//! Given/when/then tests of the `Agent` aggregate: every command, every refusal.

// Test helpers outside `#[test]` functions (fixtures, loaders) unwrap too: a failed
// fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::Aggregate;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::agent::{
    Activity, Agent, AgentCommand, AgentError, AgentEvent, CallEndReason, OfferOutcome,
};
use domain::ids::CallId;
use domain::values::AgentStatus;

fn given(events: Vec<AgentEvent>) -> AggregateTestExecutor<Agent> {
    TestFramework::<Agent>::with(()).given(events)
}

fn nothing() -> AggregateTestExecutor<Agent> {
    TestFramework::<Agent>::with(()).given_no_previous_events()
}

fn fold(events: Vec<AgentEvent>) -> Agent {
    let mut agent = Agent::default();
    for event in events {
        agent.apply(event);
    }
    agent
}

fn with(
    mut events: Vec<AgentEvent>,
    more: impl IntoIterator<Item = AgentEvent>,
) -> Vec<AgentEvent> {
    events.extend(more);
    events
}

fn status_changed(from: AgentStatus, to: AgentStatus, at: i64) -> AgentEvent {
    AgentEvent::AgentStatusChanged {
        agent_id: AGENT,
        from,
        to,
        at: t(at),
    }
}

fn skilled() -> Vec<AgentEvent> {
    vec![AgentEvent::AgentSkillsSet {
        agent_id: AGENT,
        skills: skills(),
        at: t(0),
    }]
}

fn available() -> Vec<AgentEvent> {
    with(
        skilled(),
        [status_changed(
            AgentStatus::Offline,
            AgentStatus::Available,
            1,
        )],
    )
}

fn offer_received(call_id: CallId, at: i64) -> AgentEvent {
    AgentEvent::AgentOfferReceived {
        call_id,
        expires_at: t(at + 20),
        at: t(at),
    }
}

fn offer_cleared(call_id: CallId, outcome: OfferOutcome, at: i64) -> AgentEvent {
    AgentEvent::AgentOfferCleared {
        call_id,
        outcome,
        at: t(at),
    }
}

fn ringing() -> Vec<AgentEvent> {
    with(available(), [offer_received(CALL, 10)])
}

fn on_call() -> Vec<AgentEvent> {
    with(
        ringing(),
        [AgentEvent::AgentCallStarted {
            call_id: CALL,
            at: t(20),
        }],
    )
}

fn in_wrap_up() -> Vec<AgentEvent> {
    with(
        on_call(),
        [
            AgentEvent::AgentCallEnded {
                call_id: CALL,
                reason: CallEndReason::Completed,
                at: t(200),
            },
            AgentEvent::AgentWrapUpStarted {
                call_id: CALL,
                at: t(200),
            },
        ],
    )
}

/// An available agent who let `n` offers (for calls 1..=n) expire, one after the other.
fn missed(n: u128) -> Vec<AgentEvent> {
    let mut events = available();
    for i in 1..=n {
        let at = 10 * i64::try_from(i).unwrap();
        events.push(offer_received(call_n(i), at));
        events.push(offer_cleared(call_n(i), OfferOutcome::Expired, at + 5));
    }
    events
}

fn change_status(status: AgentStatus, at: i64) -> AgentCommand {
    AgentCommand::ChangeStatus {
        agent_id: AGENT,
        status,
        at: t(at),
    }
}

fn receive_offer() -> AgentCommand {
    AgentCommand::ReceiveOffer {
        call_id: OTHER_CALL,
        expires_at: t(520),
        at: t(500),
    }
}

fn clear_offer(call_id: CallId, outcome: OfferOutcome, at: i64) -> AgentCommand {
    AgentCommand::ClearOffer {
        call_id,
        outcome,
        away_after_missed: 3,
        at: t(at),
    }
}

// ───────────────────────────── SetSkills ─────────────────────────────

#[tokio::test]
async fn setting_skills_on_a_new_agent_creates_it() {
    nothing()
        .when_async(AgentCommand::SetSkills {
            agent_id: AGENT,
            skills: skills(),
            at: t(0),
        })
        .await
        .then_expect_events(skilled());
    let agent = fold(skilled());
    assert_eq!(agent.id, Some(AGENT));
    assert_eq!(agent.skills, Some(skills()));
    assert_eq!(agent.status, None);
    assert_eq!(agent.activity, Activity::Idle);
}

#[tokio::test]
async fn changing_an_agents_skills_records_the_new_ones() {
    given(available())
        .when_async(AgentCommand::SetSkills {
            agent_id: AGENT,
            skills: other_skills(),
            at: t(5),
        })
        .await
        .then_expect_events(vec![AgentEvent::AgentSkillsSet {
            agent_id: AGENT,
            skills: other_skills(),
            at: t(5),
        }]);
}

#[tokio::test]
async fn setting_the_same_skills_again_changes_nothing() {
    given(available())
        .when_async(AgentCommand::SetSkills {
            agent_id: AGENT,
            skills: skills(),
            at: t(5),
        })
        .await
        .then_expect_events(vec![]);
}

// ───────────────────────────── ChangeStatus ─────────────────────────────

#[tokio::test]
async fn a_skilled_agent_going_available_leaves_offline() {
    given(skilled())
        .when_async(change_status(AgentStatus::Available, 1))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Offline,
            AgentStatus::Available,
            1,
        )]);
}

#[tokio::test]
async fn going_available_with_no_skills_is_refused() {
    nothing()
        .when_async(change_status(AgentStatus::Available, 1))
        .await
        .then_expect_error(AgentError::NoSkills);
}

#[tokio::test]
async fn going_available_with_no_skills_is_refused_even_after_a_break() {
    given(vec![status_changed(
        AgentStatus::Offline,
        AgentStatus::Break,
        1,
    )])
    .when_async(change_status(AgentStatus::Available, 2))
    .await
    .then_expect_error(AgentError::NoSkills);
}

#[tokio::test]
async fn an_agent_without_skills_may_still_take_a_break() {
    nothing()
        .when_async(change_status(AgentStatus::Break, 1))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Offline,
            AgentStatus::Break,
            1,
        )]);
}

#[tokio::test]
async fn going_to_the_status_one_already_has_changes_nothing() {
    given(available())
        .when_async(change_status(AgentStatus::Available, 5))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn a_new_agent_going_offline_changes_nothing() {
    nothing()
        .when_async(change_status(AgentStatus::Offline, 5))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn going_on_break_records_where_the_agent_came_from() {
    given(available())
        .when_async(change_status(AgentStatus::Break, 5))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Available,
            AgentStatus::Break,
            5,
        )]);
}

#[tokio::test]
async fn going_offline_on_a_call_is_refused() {
    given(on_call())
        .when_async(change_status(AgentStatus::Offline, 50))
        .await
        .then_expect_error(AgentError::OnCall("offline"));
}

#[tokio::test]
async fn being_set_away_on_a_call_is_refused() {
    given(on_call())
        .when_async(change_status(AgentStatus::Away, 50))
        .await
        .then_expect_error(AgentError::OnCall("away"));
}

#[tokio::test]
async fn going_on_break_on_a_call_is_accepted_for_after_the_call() {
    given(on_call())
        .when_async(change_status(AgentStatus::Break, 50))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Available,
            AgentStatus::Break,
            50,
        )]);
}

#[tokio::test]
async fn going_offline_while_an_offer_rings_is_accepted_and_keeps_the_offer_for_the_workflow_to_release()
 {
    let events = ringing();
    given(events.clone())
        .when_async(change_status(AgentStatus::Offline, 15))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Available,
            AgentStatus::Offline,
            15,
        )]);
    let agent = fold(with(
        events,
        [status_changed(
            AgentStatus::Available,
            AgentStatus::Offline,
            15,
        )],
    ));
    assert_eq!(agent.activity, Activity::Ringing(CALL));
}

#[tokio::test]
async fn going_offline_in_wrap_up_is_accepted() {
    given(in_wrap_up())
        .when_async(change_status(AgentStatus::Offline, 210))
        .await
        .then_expect_events(vec![status_changed(
            AgentStatus::Available,
            AgentStatus::Offline,
            210,
        )]);
}

#[tokio::test]
async fn coming_back_available_forgets_the_missed_offers() {
    let agent = fold(with(
        missed(2),
        [
            status_changed(AgentStatus::Available, AgentStatus::Break, 40),
            status_changed(AgentStatus::Break, AgentStatus::Available, 50),
        ],
    ));
    assert_eq!(agent.missed_offers_in_row, 0);
}

// ───────────────────────────── ReceiveOffer ─────────────────────────────

#[tokio::test]
async fn an_idle_available_agent_receives_an_offer() {
    given(available())
        .when_async(receive_offer())
        .await
        .then_expect_events(vec![AgentEvent::AgentOfferReceived {
            call_id: OTHER_CALL,
            expires_at: t(520),
            at: t(500),
        }]);
    assert_eq!(fold(ringing()).activity, Activity::Ringing(CALL));
}

#[tokio::test]
async fn offering_to_an_agent_who_already_holds_an_offer_is_refused() {
    given(ringing())
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::AlreadyHasOffer);
}

#[tokio::test]
async fn offering_the_same_call_twice_to_an_agent_is_refused() {
    given(ringing())
        .when_async(AgentCommand::ReceiveOffer {
            call_id: CALL,
            expires_at: t(40),
            at: t(12),
        })
        .await
        .then_expect_error(AgentError::AlreadyHasOffer);
}

#[tokio::test]
async fn offering_to_an_agent_on_a_call_is_refused() {
    given(on_call())
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::AlreadyOnCall);
}

#[tokio::test]
async fn offering_to_an_agent_in_wrap_up_is_refused() {
    given(in_wrap_up())
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::InWrapUp);
}

#[tokio::test]
async fn offering_to_an_agent_on_break_is_refused() {
    given(with(
        available(),
        [status_changed(
            AgentStatus::Available,
            AgentStatus::Break,
            5,
        )],
    ))
    .when_async(receive_offer())
    .await
    .then_expect_error(AgentError::NotAvailable("break"));
}

#[tokio::test]
async fn offering_to_an_agent_set_away_is_refused() {
    given(with(
        available(),
        [status_changed(AgentStatus::Available, AgentStatus::Away, 5)],
    ))
    .when_async(receive_offer())
    .await
    .then_expect_error(AgentError::NotAvailable("away"));
}

#[tokio::test]
async fn offering_to_an_agent_who_never_went_available_is_refused() {
    given(skilled())
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::NotAvailable("offline"));
}

#[tokio::test]
async fn offering_to_an_unknown_agent_is_refused() {
    nothing()
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::NotFound);
}

// ───────────────────────────── ClearOffer ─────────────────────────────

#[tokio::test]
async fn clearing_a_declined_offer_leaves_the_agent_idle() {
    let events = ringing();
    given(events.clone())
        .when_async(clear_offer(CALL, OfferOutcome::Declined, 12))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Declined, 12)]);
    let agent = fold(with(
        events,
        [offer_cleared(CALL, OfferOutcome::Declined, 12)],
    ));
    assert_eq!(agent.activity, Activity::Idle);
    assert_eq!(agent.missed_offers_in_row, 0);
}

#[tokio::test]
async fn clearing_a_withdrawn_offer_leaves_the_agent_idle() {
    given(ringing())
        .when_async(clear_offer(CALL, OfferOutcome::Withdrawn, 12))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Withdrawn, 12)]);
}

#[tokio::test]
async fn clearing_one_expired_offer_counts_it_as_missed() {
    given(ringing())
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 30))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 30)]);
    assert_eq!(fold(missed(1)).missed_offers_in_row, 1);
}

#[tokio::test]
async fn clearing_an_offer_for_another_call_is_refused() {
    given(ringing())
        .when_async(clear_offer(OTHER_CALL, OfferOutcome::Declined, 12))
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn clearing_an_offer_of_an_idle_agent_is_refused() {
    given(available())
        .when_async(clear_offer(CALL, OfferOutcome::Withdrawn, 12))
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn clearing_the_offer_of_a_call_already_accepted_is_refused() {
    given(on_call())
        .when_async(clear_offer(CALL, OfferOutcome::Withdrawn, 25))
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn clearing_an_offer_of_an_unknown_agent_is_refused() {
    nothing()
        .when_async(clear_offer(CALL, OfferOutcome::Withdrawn, 12))
        .await
        .then_expect_error(AgentError::NotFound);
}

#[tokio::test]
async fn the_third_expired_offer_in_a_row_sets_the_agent_away() {
    given(with(missed(2), [offer_received(CALL, 100)]))
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
        .await
        .then_expect_events(vec![
            offer_cleared(CALL, OfferOutcome::Expired, 120),
            status_changed(AgentStatus::Available, AgentStatus::Away, 120),
        ]);
}

#[tokio::test]
async fn an_agent_set_away_receives_no_more_offers_until_back() {
    let events = with(
        missed(2),
        [
            offer_received(CALL, 100),
            offer_cleared(CALL, OfferOutcome::Expired, 120),
            status_changed(AgentStatus::Available, AgentStatus::Away, 120),
        ],
    );
    let agent = fold(events.clone());
    assert_eq!(agent.status, Some(AgentStatus::Away));
    assert_eq!(agent.activity, Activity::Idle);
    given(events.clone())
        .when_async(receive_offer())
        .await
        .then_expect_error(AgentError::NotAvailable("away"));
    let back = fold(with(
        events,
        [status_changed(
            AgentStatus::Away,
            AgentStatus::Available,
            130,
        )],
    ));
    assert_eq!(back.missed_offers_in_row, 0);
}

#[tokio::test]
async fn two_expired_offers_in_a_row_do_not_set_the_agent_away() {
    given(with(missed(1), [offer_received(CALL, 100)]))
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

#[tokio::test]
async fn a_declined_offer_breaks_the_run_of_missed_offers() {
    let events = with(
        missed(2),
        [
            offer_received(OTHER_CALL, 60),
            offer_cleared(OTHER_CALL, OfferOutcome::Declined, 65),
            offer_received(CALL, 100),
        ],
    );
    assert_eq!(fold(events.clone()).missed_offers_in_row, 0);
    given(events)
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

#[tokio::test]
async fn an_accepted_call_breaks_the_run_of_missed_offers() {
    let events = with(
        missed(2),
        [
            offer_received(OTHER_CALL, 60),
            AgentEvent::AgentCallStarted {
                call_id: OTHER_CALL,
                at: t(62),
            },
            AgentEvent::AgentCallEnded {
                call_id: OTHER_CALL,
                reason: CallEndReason::Completed,
                at: t(80),
            },
            AgentEvent::AgentWrapUpStarted {
                call_id: OTHER_CALL,
                at: t(80),
            },
            AgentEvent::AgentWrapUpEnded {
                call_id: OTHER_CALL,
                disposition: None,
                wrap_up_seconds: 10,
                at: t(90),
            },
            offer_received(CALL, 100),
        ],
    );
    assert_eq!(fold(events.clone()).missed_offers_in_row, 0);
    given(events)
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

#[tokio::test]
async fn withdrawn_offers_are_not_missed_offers() {
    let mut events = available();
    for i in 1..=3 {
        events.push(offer_received(call_n(i), 10 * i64::try_from(i).unwrap()));
        events.push(offer_cleared(
            call_n(i),
            OfferOutcome::Withdrawn,
            10 * i64::try_from(i).unwrap() + 5,
        ));
    }
    assert_eq!(fold(events.clone()).missed_offers_in_row, 0);
    events.push(offer_received(CALL, 100));
    given(events)
        .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

#[tokio::test]
async fn a_missed_offer_threshold_of_zero_never_sets_the_agent_away() {
    given(with(missed(5), [offer_received(CALL, 100)]))
        .when_async(AgentCommand::ClearOffer {
            call_id: CALL,
            outcome: OfferOutcome::Expired,
            away_after_missed: 0,
            at: t(120),
        })
        .await
        .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

#[tokio::test]
async fn a_threshold_of_one_sets_the_agent_away_at_the_first_miss() {
    given(ringing())
        .when_async(AgentCommand::ClearOffer {
            call_id: CALL,
            outcome: OfferOutcome::Expired,
            away_after_missed: 1,
            at: t(30),
        })
        .await
        .then_expect_events(vec![
            offer_cleared(CALL, OfferOutcome::Expired, 30),
            status_changed(AgentStatus::Available, AgentStatus::Away, 30),
        ]);
}

#[tokio::test]
async fn a_missed_offer_does_not_set_away_an_agent_who_already_left_available() {
    given(with(
        missed(2),
        [
            offer_received(CALL, 100),
            status_changed(AgentStatus::Available, AgentStatus::Break, 105),
        ],
    ))
    .when_async(clear_offer(CALL, OfferOutcome::Expired, 120))
    .await
    .then_expect_events(vec![offer_cleared(CALL, OfferOutcome::Expired, 120)]);
}

// ───────────────────────────── StartCall ─────────────────────────────

#[tokio::test]
async fn a_ringing_agent_starts_the_call_offered() {
    given(ringing())
        .when_async(AgentCommand::StartCall {
            call_id: CALL,
            at: t(20),
        })
        .await
        .then_expect_events(vec![AgentEvent::AgentCallStarted {
            call_id: CALL,
            at: t(20),
        }]);
    assert_eq!(fold(on_call()).activity, Activity::OnCall(CALL));
}

#[tokio::test]
async fn starting_a_call_that_was_offered_to_the_agent_is_refused_for_another_call() {
    given(ringing())
        .when_async(AgentCommand::StartCall {
            call_id: OTHER_CALL,
            at: t(20),
        })
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn starting_a_call_without_an_offer_is_refused() {
    given(available())
        .when_async(AgentCommand::StartCall {
            call_id: CALL,
            at: t(20),
        })
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn starting_a_call_twice_is_refused() {
    given(on_call())
        .when_async(AgentCommand::StartCall {
            call_id: CALL,
            at: t(21),
        })
        .await
        .then_expect_error(AgentError::NoSuchOffer);
}

#[tokio::test]
async fn starting_a_call_for_an_unknown_agent_is_refused() {
    nothing()
        .when_async(AgentCommand::StartCall {
            call_id: CALL,
            at: t(20),
        })
        .await
        .then_expect_error(AgentError::NotFound);
}

// ───────────────────────────── EndCall ─────────────────────────────

#[tokio::test]
async fn ending_the_agents_call_starts_the_wrap_up() {
    given(on_call())
        .when_async(AgentCommand::EndCall {
            call_id: CALL,
            reason: CallEndReason::Completed,
            at: t(200),
        })
        .await
        .then_expect_events(vec![
            AgentEvent::AgentCallEnded {
                call_id: CALL,
                reason: CallEndReason::Completed,
                at: t(200),
            },
            AgentEvent::AgentWrapUpStarted {
                call_id: CALL,
                at: t(200),
            },
        ]);
    let agent = fold(in_wrap_up());
    assert_eq!(agent.activity, Activity::WrapUp(CALL));
    assert_eq!(agent.wrap_up_started_at, Some(t(200)));
}

#[tokio::test]
async fn a_transferred_call_also_starts_the_wrap_up() {
    given(on_call())
        .when_async(AgentCommand::EndCall {
            call_id: CALL,
            reason: CallEndReason::Transferred,
            at: t(90),
        })
        .await
        .then_expect_events(vec![
            AgentEvent::AgentCallEnded {
                call_id: CALL,
                reason: CallEndReason::Transferred,
                at: t(90),
            },
            AgentEvent::AgentWrapUpStarted {
                call_id: CALL,
                at: t(90),
            },
        ]);
}

#[tokio::test]
async fn ending_the_wrong_call_is_refused() {
    given(on_call())
        .when_async(AgentCommand::EndCall {
            call_id: OTHER_CALL,
            reason: CallEndReason::Completed,
            at: t(200),
        })
        .await
        .then_expect_error(AgentError::NotOnThisCall);
}

#[tokio::test]
async fn ending_a_call_that_only_rings_is_refused() {
    given(ringing())
        .when_async(AgentCommand::EndCall {
            call_id: CALL,
            reason: CallEndReason::Completed,
            at: t(15),
        })
        .await
        .then_expect_error(AgentError::NotOnThisCall);
}

#[tokio::test]
async fn ending_a_call_already_in_wrap_up_is_refused() {
    given(in_wrap_up())
        .when_async(AgentCommand::EndCall {
            call_id: CALL,
            reason: CallEndReason::Completed,
            at: t(210),
        })
        .await
        .then_expect_error(AgentError::NotOnThisCall);
}

#[tokio::test]
async fn ending_a_call_of_an_unknown_agent_is_refused() {
    nothing()
        .when_async(AgentCommand::EndCall {
            call_id: CALL,
            reason: CallEndReason::Completed,
            at: t(200),
        })
        .await
        .then_expect_error(AgentError::NotFound);
}

// ───────────────────────────── EndWrapUp ─────────────────────────────

#[tokio::test]
async fn ending_the_wrap_up_reports_its_length_and_leaves_the_agent_idle() {
    let events = in_wrap_up();
    given(events.clone())
        .when_async(AgentCommand::EndWrapUp {
            call_id: CALL,
            disposition: None,
            at: t(245),
        })
        .await
        .then_expect_events(vec![AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 45,
            at: t(245),
        }]);
    let agent = fold(with(
        events,
        [AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 45,
            at: t(245),
        }],
    ));
    assert_eq!(agent.activity, Activity::Idle);
    assert_eq!(agent.wrap_up_started_at, None);
}

#[tokio::test]
async fn an_agent_out_of_wrap_up_can_take_the_next_offer() {
    given(with(
        in_wrap_up(),
        [AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 45,
            at: t(245),
        }],
    ))
    .when_async(receive_offer())
    .await
    .then_expect_events(vec![AgentEvent::AgentOfferReceived {
        call_id: OTHER_CALL,
        expires_at: t(520),
        at: t(500),
    }]);
}

#[tokio::test]
async fn ending_the_wrap_up_of_the_wrong_call_is_refused() {
    given(in_wrap_up())
        .when_async(AgentCommand::EndWrapUp {
            call_id: OTHER_CALL,
            disposition: None,
            at: t(245),
        })
        .await
        .then_expect_error(AgentError::NotWrappingUpThisCall);
}

#[tokio::test]
async fn ending_a_wrap_up_while_still_on_the_call_is_refused() {
    given(on_call())
        .when_async(AgentCommand::EndWrapUp {
            call_id: CALL,
            disposition: None,
            at: t(100),
        })
        .await
        .then_expect_error(AgentError::NotWrappingUpThisCall);
}

#[tokio::test]
async fn ending_a_wrap_up_twice_is_refused() {
    given(with(
        in_wrap_up(),
        [AgentEvent::AgentWrapUpEnded {
            call_id: CALL,
            disposition: None,
            wrap_up_seconds: 45,
            at: t(245),
        }],
    ))
    .when_async(AgentCommand::EndWrapUp {
        call_id: CALL,
        disposition: None,
        at: t(250),
    })
    .await
    .then_expect_error(AgentError::NotWrappingUpThisCall);
}

#[tokio::test]
async fn ending_a_wrap_up_of_an_unknown_agent_is_refused() {
    nothing()
        .when_async(AgentCommand::EndWrapUp {
            call_id: CALL,
            disposition: None,
            at: t(245),
        })
        .await
        .then_expect_error(AgentError::NotFound);
}

// ───────────────────────────── Events ─────────────────────────────

#[test]
fn agent_events_survive_a_json_round_trip() {
    for event in in_wrap_up() {
        let json = serde_json::to_string(&event).unwrap();
        let back: AgentEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }
}
