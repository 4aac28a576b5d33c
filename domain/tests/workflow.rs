//! The `Floor` workflows spanning a call and an agent, on in-memory stores.

// Test helpers outside `#[test]` functions (fixtures, loaders) unwrap too: a failed
// fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use cqrs_es::mem_store::MemStore;
use domain::agent::{Activity, Agent, AgentCommand, AgentError};
use domain::call::{
    Call, CallCommand, CallError, CallEvent, CallStatus, RingingOffer, TransferTarget,
};
use domain::ids::{AgentId, CallId, QueueId};
use domain::values::AgentStatus;
use domain::workflow::{ExecuteError, Floor, Metadata, WorkflowError};

type TestFloor = Floor<MemStore<Call>, MemStore<Agent>>;

fn floor() -> TestFloor {
    Floor {
        calls: MemStore::default(),
        agents: MemStore::default(),
        max_attempts: 3,
        away_after_missed: 3,
    }
}

fn md() -> Metadata {
    Metadata::new()
}

async fn ready(floor: &TestFloor, agent_id: AgentId) {
    floor
        .agent(
            agent_id,
            AgentCommand::SetSkills {
                agent_id,
                skills: skills(),
                at: t(0),
            },
            &md(),
        )
        .await
        .unwrap();
    floor
        .change_status(agent_id, AgentStatus::Available, t(0), &md())
        .await
        .unwrap();
}

async fn request_in(floor: &TestFloor, call_id: CallId, queue: QueueId, at: DateTime<Utc>) {
    floor
        .call(
            call_id,
            CallCommand::Request {
                organisation_id: None,
                call_id,
                requester_id: REQUESTER,
                request: request(),
                queue: Some(queue),
                at,
            },
            &md(),
        )
        .await
        .unwrap();
}

/// A floor with [`AGENT`] and [`OTHER_AGENT`] available and [`CALL`] queued in [`QUEUE`].
async fn setup() -> TestFloor {
    let floor = floor();
    ready(&floor, AGENT).await;
    ready(&floor, OTHER_AGENT).await;
    request_in(&floor, CALL, QUEUE, t(0)).await;
    floor
}

/// [`setup`] with [`CALL`] ringing for [`AGENT`] from `t(10)` until `t(30)`.
async fn ringing() -> TestFloor {
    let floor = setup().await;
    floor.offer(CALL, AGENT, t(30), t(10), &md()).await.unwrap();
    floor
}

/// [`ringing`] then answered by [`AGENT`] at `t(20)`.
async fn connected() -> TestFloor {
    let floor = ringing().await;
    floor.accept(CALL, AGENT, t(20), &md()).await.unwrap();
    floor
}

async fn call_of(floor: &TestFloor, call_id: CallId) -> Call {
    floor.load_call(call_id).await.unwrap().0
}

async fn agent_of(floor: &TestFloor, agent_id: AgentId) -> Agent {
    floor.load_agent(agent_id).await.unwrap().0
}

async fn activity(floor: &TestFloor, agent_id: AgentId) -> Activity {
    agent_of(floor, agent_id).await.activity
}

fn call_refusal<T: std::fmt::Debug>(result: Result<T, WorkflowError>) -> CallError {
    match result {
        Err(WorkflowError::Call(ExecuteError::Rejected(e))) => e,
        other => panic!("expected a call refusal, got {other:?}"),
    }
}

fn agent_refusal<T: std::fmt::Debug>(result: Result<T, WorkflowError>) -> AgentError {
    match result {
        Err(WorkflowError::Agent(ExecuteError::Rejected(e))) => e,
        other => panic!("expected an agent refusal, got {other:?}"),
    }
}

// ───────────────────────────── the happy path ─────────────────────────────

#[tokio::test]
async fn offer_accept_end_and_wrap_up_leave_the_agent_idle_and_available() {
    let floor = setup().await;

    floor.offer(CALL, AGENT, t(30), t(10), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Offered);

    floor.accept(CALL, AGENT, t(20), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));

    let ended = floor.end(CALL, AGENT, t(200), &md()).await.unwrap();
    assert_eq!(
        ended.events,
        vec![CallEvent::CallEnded {
            agent_id: AGENT,
            talk_seconds: 180,
            hold_seconds: 0,
            at: t(200),
        }]
    );
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));

    floor
        .wrap_up(CALL, AGENT, completed(), None, t(230), &md())
        .await
        .unwrap();
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.activity, Activity::Idle);
    assert_eq!(agent.status, Some(AgentStatus::Available));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::WrappedUp);
}

#[tokio::test]
async fn committed_versions_count_the_events_of_the_aggregate() {
    let floor = floor();
    ready(&floor, AGENT).await;
    request_in(&floor, CALL, QUEUE, t(0)).await;
    assert_eq!(floor.load_call(CALL).await.unwrap().1, 2);
    let offered = floor.offer(CALL, AGENT, t(30), t(10), &md()).await.unwrap();
    assert_eq!(offered.version, 3);
    // A no-op reports the unchanged version and no events.
    let same = floor
        .change_status(AGENT, AgentStatus::Available, t(11), &md())
        .await
        .unwrap();
    assert!(same.events.is_empty());
    assert_eq!(same.version, floor.load_agent(AGENT).await.unwrap().1);
}

#[tokio::test]
async fn an_agent_can_take_the_next_call_after_wrapping_up() {
    let floor = connected().await;
    floor.end(CALL, AGENT, t(200), &md()).await.unwrap();
    floor
        .wrap_up(CALL, AGENT, completed(), None, t(230), &md())
        .await
        .unwrap();
    request_in(&floor, OTHER_CALL, QUEUE, t(240)).await;
    floor
        .offer(OTHER_CALL, AGENT, t(270), t(250), &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(OTHER_CALL));
}

#[tokio::test]
async fn holding_and_resuming_does_not_touch_the_agent_side() {
    let floor = connected().await;
    floor
        .call(
            CALL,
            CallCommand::Hold {
                agent_id: AGENT,
                at: t(50),
            },
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    let ended = floor.end(CALL, AGENT, t(80), &md()).await.unwrap();
    assert_eq!(
        ended.events,
        vec![CallEvent::CallEnded {
            agent_id: AGENT,
            talk_seconds: 30,
            hold_seconds: 30,
            at: t(80),
        }]
    );
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
}

// ───────────────────────────── offers refused ─────────────────────────────

#[tokio::test]
async fn an_offer_to_a_busy_agent_is_refused_and_leaves_the_call_queued() {
    let floor = connected().await;
    request_in(&floor, OTHER_CALL, QUEUE, t(25)).await;

    let refusal = agent_refusal(floor.offer(OTHER_CALL, AGENT, t(60), t(40), &md()).await);
    assert_eq!(refusal, AgentError::AlreadyOnCall);
    let other = call_of(&floor, OTHER_CALL).await;
    assert_eq!(other.status, CallStatus::Queued);
    assert_eq!(other.offer, None);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
}

#[tokio::test]
async fn an_offer_to_an_agent_already_ringing_is_refused() {
    let floor = ringing().await;
    request_in(&floor, OTHER_CALL, QUEUE, t(11)).await;
    let refusal = agent_refusal(floor.offer(OTHER_CALL, AGENT, t(40), t(12), &md()).await);
    assert_eq!(refusal, AgentError::AlreadyHasOffer);
    assert_eq!(call_of(&floor, OTHER_CALL).await.status, CallStatus::Queued);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
}

#[tokio::test]
async fn an_offer_to_an_agent_on_break_is_refused() {
    let floor = setup().await;
    floor
        .change_status(AGENT, AgentStatus::Break, t(5), &md())
        .await
        .unwrap();
    let refusal = agent_refusal(floor.offer(CALL, AGENT, t(30), t(10), &md()).await);
    assert_eq!(refusal, AgentError::NotAvailable("break"));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Queued);
}

#[tokio::test]
async fn an_offer_refused_by_the_call_because_it_already_rings_releases_the_agent() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.offer(CALL, OTHER_AGENT, t(40), t(12), &md()).await);
    assert_eq!(refusal, CallError::AlreadyOffered);
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
    // The first offer is untouched.
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
    assert_eq!(
        call_of(&floor, CALL).await.offer,
        Some(RingingOffer {
            agent_id: AGENT,
            expires_at: t(30)
        })
    );
}

#[tokio::test]
async fn an_offer_of_a_call_that_does_not_exist_releases_the_agent() {
    let floor = setup().await;
    let refusal = call_refusal(floor.offer(OTHER_CALL, AGENT, t(40), t(12), &md()).await);
    assert_eq!(refusal, CallError::NotFound);
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
}

#[tokio::test]
async fn an_offer_of_a_connected_call_releases_the_agent() {
    let floor = connected().await;
    let refusal = call_refusal(floor.offer(CALL, OTHER_AGENT, t(60), t(40), &md()).await);
    assert_eq!(refusal, CallError::NotWaiting("connected"));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
}

// ───────────────────────────── accept refused ─────────────────────────────

#[tokio::test]
async fn accepting_a_call_offered_to_someone_else_changes_nothing() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.accept(CALL, OTHER_AGENT, t(15), &md()).await);
    assert_eq!(refusal, CallError::NotOfferedToYou);
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Offered);
}

#[tokio::test]
async fn accepting_after_the_expiry_is_refused_and_the_expiry_then_frees_the_agent() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.accept(CALL, AGENT, t(31), &md()).await);
    assert_eq!(refusal, CallError::OfferExpired);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));

    floor.expire_offer(CALL, AGENT, t(31), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Queued);
}

// ───────────────────────────── decline / expire / cancel ─────────────────────────────

#[tokio::test]
async fn declining_frees_the_agent_and_requeues_the_call() {
    let floor = ringing().await;
    floor.decline(CALL, AGENT, t(12), &md()).await.unwrap();
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.activity, Activity::Idle);
    assert_eq!(agent.status, Some(AgentStatus::Available));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.offer, None);
    // …and the call can ring for someone else.
    floor
        .offer(CALL, OTHER_AGENT, t(33), t(13), &md())
        .await
        .unwrap();
}

#[tokio::test]
async fn declining_someone_elses_offer_changes_nothing() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.decline(CALL, OTHER_AGENT, t(12), &md()).await);
    assert_eq!(refusal, CallError::NotOfferedToYou);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
}

#[tokio::test]
async fn an_expired_offer_frees_the_agent_and_requeues_the_call() {
    let floor = ringing().await;
    floor.expire_offer(CALL, AGENT, t(30), &md()).await.unwrap();
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.activity, Activity::Idle);
    assert_eq!(agent.missed_offers_in_row, 1);
    assert_eq!(agent.status, Some(AgentStatus::Available));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Queued);
}

#[tokio::test]
async fn expiring_an_offer_before_its_expiry_leaves_it_ringing() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.expire_offer(CALL, AGENT, t(29), &md()).await);
    assert_eq!(refusal, CallError::OfferNotExpired);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Offered);
}

#[tokio::test]
async fn three_expired_offers_in_a_row_set_the_agent_away() {
    let floor = setup().await;
    for round in 0..3 {
        let start = 100 * round;
        floor
            .offer(CALL, AGENT, t(start + 20), t(start + 1), &md())
            .await
            .unwrap();
        floor
            .expire_offer(CALL, AGENT, t(start + 20), &md())
            .await
            .unwrap();
    }
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.status, Some(AgentStatus::Away));
    assert_eq!(agent.activity, Activity::Idle);
    let refusal = agent_refusal(floor.offer(CALL, AGENT, t(420), t(400), &md()).await);
    assert_eq!(refusal, AgentError::NotAvailable("away"));
}

#[tokio::test]
async fn a_decline_between_expired_offers_keeps_the_agent_available() {
    let floor = setup().await;
    let mut start = 0;
    for decline in [false, false, true, false] {
        floor
            .offer(CALL, AGENT, t(start + 20), t(start + 1), &md())
            .await
            .unwrap();
        if decline {
            floor
                .decline(CALL, AGENT, t(start + 5), &md())
                .await
                .unwrap();
        } else {
            floor
                .expire_offer(CALL, AGENT, t(start + 20), &md())
                .await
                .unwrap();
        }
        start += 100;
    }
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.status, Some(AgentStatus::Available));
    assert_eq!(agent.missed_offers_in_row, 1);
}

#[tokio::test]
async fn cancelling_a_ringing_call_frees_the_agent() {
    let floor = ringing().await;
    let committed = floor.cancel(CALL, REQUESTER, t(14), &md()).await.unwrap();
    assert_eq!(
        committed.events,
        vec![CallEvent::CallAbandoned {
            offered_agent_id: Some(AGENT),
            wait_seconds: 14,
            at: t(14),
        }]
    );
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Abandoned);
}

#[tokio::test]
async fn cancelling_a_queued_call_abandons_it() {
    let floor = setup().await;
    floor.cancel(CALL, REQUESTER, t(9), &md()).await.unwrap();
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Abandoned);
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
}

#[tokio::test]
async fn cancelling_by_another_requester_leaves_the_call_ringing() {
    let floor = ringing().await;
    let refusal = call_refusal(floor.cancel(CALL, OTHER_REQUESTER, t(14), &md()).await);
    assert_eq!(refusal, CallError::NotYourRequest);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
}

#[tokio::test]
async fn cancelling_a_connected_call_is_refused_and_the_agent_stays_on_it() {
    let floor = connected().await;
    let refusal = call_refusal(floor.cancel(CALL, REQUESTER, t(40), &md()).await);
    assert_eq!(refusal, CallError::NotWaiting("connected"));
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
}

// ───────────────────────────── status changes ─────────────────────────────

#[tokio::test]
async fn going_on_break_while_ringing_frees_the_agent_and_requeues_the_call() {
    let floor = ringing().await;
    floor
        .change_status(AGENT, AgentStatus::Break, t(15), &md())
        .await
        .unwrap();
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.status, Some(AgentStatus::Break));
    assert_eq!(agent.activity, Activity::Idle);
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.offer, None);
}

#[tokio::test]
async fn going_offline_while_ringing_frees_the_agent_and_requeues_the_call() {
    let floor = ringing().await;
    floor
        .change_status(AGENT, AgentStatus::Offline, t(15), &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Queued);
}

#[tokio::test]
async fn going_offline_on_a_call_is_refused_and_the_call_goes_on() {
    let floor = connected().await;
    let refusal = agent_refusal(
        floor
            .change_status(AGENT, AgentStatus::Offline, t(40), &md())
            .await,
    );
    assert_eq!(refusal, AgentError::OnCall("offline"));
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Connected);
}

#[tokio::test]
async fn going_on_break_on_a_call_keeps_the_call() {
    let floor = connected().await;
    floor
        .change_status(AGENT, AgentStatus::Break, t(40), &md())
        .await
        .unwrap();
    let agent = agent_of(&floor, AGENT).await;
    assert_eq!(agent.status, Some(AgentStatus::Break));
    assert_eq!(agent.activity, Activity::OnCall(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Connected);
}

#[tokio::test]
async fn going_available_without_skills_is_refused() {
    let floor = floor();
    let refusal = agent_refusal(
        floor
            .change_status(AGENT, AgentStatus::Available, t(1), &md())
            .await,
    );
    assert_eq!(refusal, AgentError::NoSkills);
}

// ───────────────────────────── ending and wrapping up ─────────────────────────────

#[tokio::test]
async fn ending_someone_elses_call_is_refused_and_changes_nothing() {
    let floor = connected().await;
    let refusal = call_refusal(floor.end(CALL, OTHER_AGENT, t(100), &md()).await);
    assert_eq!(refusal, CallError::NotYourCall);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
}

#[tokio::test]
async fn ending_a_call_twice_is_refused() {
    let floor = connected().await;
    floor.end(CALL, AGENT, t(100), &md()).await.unwrap();
    let refusal = call_refusal(floor.end(CALL, AGENT, t(101), &md()).await);
    assert_eq!(refusal, CallError::NotInProgress("ended"));
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
}

#[tokio::test]
async fn a_wrap_up_after_the_agent_side_timed_out_still_files_the_disposition() {
    let floor = connected().await;
    floor.end(CALL, AGENT, t(100), &md()).await.unwrap();
    // The router ends the wrap-up on the agent side when its timer runs out…
    floor
        .agent(
            AGENT,
            AgentCommand::EndWrapUp {
                call_id: CALL,
                disposition: None,
                at: t(160),
            },
            &md(),
        )
        .await
        .unwrap();
    // …and the late disposition is still recorded on the call.
    floor
        .wrap_up(CALL, AGENT, completed(), None, t(170), &md())
        .await
        .unwrap();
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::WrappedUp);
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
}

#[tokio::test]
async fn wrapping_up_someone_elses_call_is_refused() {
    let floor = connected().await;
    floor.end(CALL, AGENT, t(100), &md()).await.unwrap();
    let refusal = call_refusal(
        floor
            .wrap_up(CALL, OTHER_AGENT, completed(), None, t(120), &md())
            .await,
    );
    assert_eq!(refusal, CallError::NotYourCall);
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
}

// ───────────────────────────── transfers ─────────────────────────────

#[tokio::test]
async fn transferring_a_live_call_to_another_agent_rings_them_and_the_first_keeps_it_until_they_accept()
 {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            Some(AGENT),
            TransferTarget::Agent(OTHER_AGENT),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Ringing(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));
    assert_eq!(
        call.offer,
        Some(RingingOffer {
            agent_id: OTHER_AGENT,
            expires_at: t(80)
        })
    );

    floor.accept(CALL, OTHER_AGENT, t(70), &md()).await.unwrap();
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(call_of(&floor, CALL).await.agent_id, Some(OTHER_AGENT));
}

#[tokio::test]
async fn transferring_a_live_call_to_a_queue_leaves_it_with_its_agent_until_someone_accepts() {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            Some(AGENT),
            TransferTarget::Queue(OTHER_QUEUE),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));
    // The router offers it in the target queue meanwhile.
    floor
        .offer(CALL, OTHER_AGENT, t(85), t(65), &md())
        .await
        .unwrap();
    floor.accept(CALL, OTHER_AGENT, t(70), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.queue_id, Some(OTHER_QUEUE));
    assert_eq!(call.agent_id, Some(OTHER_AGENT));
}

#[tokio::test]
async fn a_transfer_nobody_takes_fails_and_leaves_the_call_with_its_agent() {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            None,
            TransferTarget::Queue(OTHER_QUEUE),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    floor
        .call(CALL, CallCommand::FailTransfer { at: t(400) }, &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.agent_id, Some(AGENT));
    assert_eq!(call.pending_transfer, None);
    // The call goes on as before: its agent ends it.
    floor.end(CALL, AGENT, t(410), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
}

#[tokio::test]
async fn a_call_ended_while_its_transfer_rings_frees_the_one_it_rang_for() {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            Some(AGENT),
            TransferTarget::Agent(OTHER_AGENT),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    floor.end(CALL, AGENT, t(65), &md()).await.unwrap();
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(call_of(&floor, CALL).await.offer, None);
}

#[tokio::test]
async fn an_agent_who_transferred_the_call_files_the_wrap_up_of_their_part() {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            Some(AGENT),
            TransferTarget::Agent(OTHER_AGENT),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    floor.accept(CALL, OTHER_AGENT, t(65), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    let committed = floor
        .wrap_up(CALL, AGENT, completed(), None, t(70), &md())
        .await
        .unwrap();
    assert!(
        committed.events.is_empty(),
        "the call, now with someone else, is untouched"
    );
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    let (call, _) = floor.load_call(CALL).await.unwrap();
    assert_eq!(call.status, CallStatus::Connected);
    // A second filing is refused: they are no longer wrapping it up.
    let refusal = call_refusal(
        floor
            .wrap_up(CALL, AGENT, completed(), None, t(75), &md())
            .await,
    );
    assert_eq!(refusal, CallError::NotEnded("connected"));
}

#[tokio::test]
async fn a_supervisor_transferring_a_live_call_leaves_its_agent_on_it_until_the_target_accepts() {
    let floor = connected().await;
    floor
        .transfer(
            CALL,
            None,
            TransferTarget::Agent(OTHER_AGENT),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Ringing(CALL));
    // The named interpreter declines: the transfer fails, the call stays.
    floor
        .decline(CALL, OTHER_AGENT, t(65), &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Connected);
    assert_eq!(call.pending_transfer, None);
}

#[tokio::test]
async fn a_supervisor_transferring_a_ringing_call_to_another_agent_frees_the_first() {
    let floor = ringing().await;
    floor
        .transfer(
            CALL,
            None,
            TransferTarget::Agent(OTHER_AGENT),
            t(35),
            t(15),
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Ringing(CALL));
    assert_eq!(
        call_of(&floor, CALL).await.offer.map(|o| o.agent_id),
        Some(OTHER_AGENT)
    );
}

#[tokio::test]
async fn a_supervisor_transferring_a_ringing_call_to_a_queue_frees_the_agent() {
    let floor = ringing().await;
    floor
        .transfer(
            CALL,
            None,
            TransferTarget::Queue(OTHER_QUEUE),
            t(35),
            t(15),
            &md(),
        )
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::Idle);
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.queue_id, Some(OTHER_QUEUE));
}

#[tokio::test]
async fn a_supervisor_transferring_a_ringing_call_to_its_own_queue_changes_nothing() {
    let floor = ringing().await;
    let refusal = call_refusal(
        floor
            .transfer(
                CALL,
                None,
                TransferTarget::Queue(QUEUE),
                t(35),
                t(15),
                &md(),
            )
            .await,
    );
    assert_eq!(refusal, CallError::SameQueue);
    assert_eq!(activity(&floor, AGENT).await, Activity::Ringing(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Offered);
}

#[tokio::test]
async fn transferring_to_a_busy_agent_is_refused_and_the_call_stays_live() {
    let floor = connected().await;
    let third = agent_n(3);
    ready(&floor, third).await;
    request_in(&floor, OTHER_CALL, QUEUE, t(1)).await;
    floor
        .offer(OTHER_CALL, OTHER_AGENT, t(40), t(21), &md())
        .await
        .unwrap();
    let refusal = agent_refusal(
        floor
            .transfer(
                CALL,
                Some(AGENT),
                TransferTarget::Agent(OTHER_AGENT),
                t(80),
                t(60),
                &md(),
            )
            .await,
    );
    assert_eq!(refusal, AgentError::AlreadyHasOffer);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(
        activity(&floor, OTHER_AGENT).await,
        Activity::Ringing(OTHER_CALL)
    );
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Connected);
}

#[tokio::test]
async fn a_transfer_by_an_agent_who_does_not_have_the_call_releases_the_target() {
    let floor = connected().await;
    let third = agent_n(3);
    ready(&floor, third).await;
    let refusal = call_refusal(
        floor
            .transfer(
                CALL,
                Some(OTHER_AGENT),
                TransferTarget::Agent(third),
                t(80),
                t(60),
                &md(),
            )
            .await,
    );
    assert_eq!(refusal, CallError::NotYourCall);
    assert_eq!(activity(&floor, third).await, Activity::Idle);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Connected);
}

#[tokio::test]
async fn transferring_a_call_to_its_own_agent_is_refused() {
    let floor = connected().await;
    let refusal = agent_refusal(
        floor
            .transfer(
                CALL,
                Some(AGENT),
                TransferTarget::Agent(AGENT),
                t(80),
                t(60),
                &md(),
            )
            .await,
    );
    assert_eq!(refusal, AgentError::AlreadyOnCall);
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
}

#[tokio::test]
async fn transferring_an_ended_call_releases_the_target() {
    let floor = connected().await;
    floor.end(CALL, AGENT, t(50), &md()).await.unwrap();
    let refusal = call_refusal(
        floor
            .transfer(
                CALL,
                None,
                TransferTarget::Agent(OTHER_AGENT),
                t(80),
                t(60),
                &md(),
            )
            .await,
    );
    assert_eq!(refusal, CallError::NotInProgress("ended"));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::Idle);
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
}

/// [`CALL`] connected with [`AGENT`], who consults [`OTHER_AGENT`] by name at `t(60)`.
async fn consulting() -> TestFloor {
    let floor = connected().await;
    floor
        .consult(
            CALL,
            AGENT,
            TransferTarget::Agent(OTHER_AGENT),
            t(80),
            t(60),
            &md(),
        )
        .await
        .unwrap();
    floor
}

#[tokio::test]
async fn a_consult_answered_puts_both_interpreters_on_the_call_and_completing_hands_it_over() {
    let floor = consulting().await;
    floor.accept(CALL, OTHER_AGENT, t(65), &md()).await.unwrap();
    // Both on the call; the caller still with the first.
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.agent_id, Some(AGENT));
    assert!(
        !call.is_routable(),
        "an answered consult is not routed any more"
    );
    // Only the first interpreter completes it.
    let refused = floor
        .complete_transfer(CALL, OTHER_AGENT, t(90), &md())
        .await;
    assert_eq!(call_refusal(refused), CallError::NotYourCall);
    floor
        .complete_transfer(CALL, AGENT, t(90), &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::OnCall(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(call.agent_id, Some(OTHER_AGENT));
    assert_eq!(call.pending_transfer, None);
    let again = floor
        .complete_transfer(CALL, OTHER_AGENT, t(95), &md())
        .await;
    assert_eq!(call_refusal(again), CallError::NoConsult);
}

#[tokio::test]
async fn a_consult_cancelled_keeps_the_call_and_sends_the_colleague_to_wrap_up() {
    let floor = consulting().await;
    let early = floor.complete_transfer(CALL, AGENT, t(62), &md()).await;
    assert_eq!(call_refusal(early), CallError::ConsultNotAnswered);
    floor.accept(CALL, OTHER_AGENT, t(65), &md()).await.unwrap();
    floor
        .cancel_consult(CALL, AGENT, t(90), &md())
        .await
        .unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::OnCall(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::WrapUp(CALL));
    let call = call_of(&floor, CALL).await;
    assert_eq!(
        (call.status, call.agent_id),
        (CallStatus::Connected, Some(AGENT))
    );
    assert_eq!(call.pending_transfer, None);
    // A consult still ringing is cancelled too, and the offer released.
    floor
        .consult(
            CALL,
            AGENT,
            TransferTarget::Queue(OTHER_QUEUE),
            t(120),
            t(100),
            &md(),
        )
        .await
        .unwrap();
    floor
        .cancel_consult(CALL, AGENT, t(105), &md())
        .await
        .unwrap();
    let nothing = floor.cancel_consult(CALL, AGENT, t(106), &md()).await;
    assert_eq!(call_refusal(nothing), CallError::NoConsult);
}

#[tokio::test]
async fn ending_the_call_during_a_consult_sends_both_interpreters_to_wrap_up() {
    let floor = consulting().await;
    floor.accept(CALL, OTHER_AGENT, t(65), &md()).await.unwrap();
    floor.end(CALL, AGENT, t(90), &md()).await.unwrap();
    assert_eq!(activity(&floor, AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(activity(&floor, OTHER_AGENT).await, Activity::WrapUp(CALL));
    assert_eq!(call_of(&floor, CALL).await.status, CallStatus::Ended);
}
