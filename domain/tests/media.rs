//! Given/when/then tests of a live call's media: a requeue on media failure, a
//! supervisor's monitoring and barge-in, and quality reports stored only on a change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::Aggregate;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::call::{Call, CallCommand, CallError, CallEvent, CallStatus, TransferTarget};
use domain::media::{Participant, QualityLevel, QualitySample, RequeueReason};
use domain::values::Priority;

const SUPERVISOR: domain::UserId = domain::UserId(uuid::Uuid::from_u128(0x5E9E_0001));

fn given(events: Vec<CallEvent>) -> AggregateTestExecutor<Call> {
    TestFramework::<Call>::with(()).given(events)
}

fn folded(events: Vec<CallEvent>) -> Call {
    let mut call = Call::default();
    for event in events {
        call.apply(event);
    }
    call
}

fn requeue(agent_id: domain::AgentId, at: i64) -> CallCommand {
    CallCommand::Requeue {
        agent_id,
        reason: RequeueReason::MediaFailure,
        at: t(at),
    }
}

fn monitoring() -> Vec<CallEvent> {
    then(
        connected_with(AGENT),
        [CallEvent::MonitoringStarted {
            supervisor_id: SUPERVISOR,
            at: t(30),
        }],
    )
}

fn sample(loss: f32, frozen: bool) -> QualitySample {
    QualitySample {
        bitrate_kbps: 900,
        packet_loss_pct: loss,
        video_frozen: frozen,
    }
}

fn report(samples: Vec<QualitySample>, at: i64) -> CallCommand {
    CallCommand::ReportQuality {
        participant: Participant::Requester(REQUESTER),
        samples,
        at: t(at),
    }
}

#[tokio::test]
async fn a_media_failure_puts_the_live_call_back_in_its_queue_with_its_part_counted() {
    let requeued = CallEvent::CallRequeued {
        agent_id: AGENT,
        queue_id: QUEUE,
        reason: RequeueReason::MediaFailure,
        talk_seconds: 40,
        hold_seconds: 0,
        at: t(60),
    };
    let queued = CallEvent::CallQueued {
        queue_id: QUEUE,
        priority: Priority::Normal,
        at: t(60),
    };
    given(connected_with(AGENT))
        .when_async(requeue(AGENT, 60))
        .await
        .then_expect_events(vec![requeued.clone(), queued.clone()]);

    let call = folded(then(connected_with(AGENT), [requeued, queued]));
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.agent_id, None);
    // Its request time is kept, and with it its place in the queue.
    assert_eq!(call.requested_at, Some(t(0)));
    assert!(call.is_routable());
}

#[tokio::test]
async fn only_the_calls_interpreter_requeues_a_live_call_without_a_transfer_under_way() {
    given(connected_with(AGENT))
        .when_async(requeue(OTHER_AGENT, 60))
        .await
        .then_expect_error(CallError::NotYourCall);
    given(ringing_for(AGENT))
        .when_async(requeue(AGENT, 60))
        .await
        .then_expect_error(CallError::NotInProgress("offered"));
    let transferring = then(
        connected_with(AGENT),
        [CallEvent::TransferRequested {
            from_agent_id: AGENT,
            target: TransferTarget::Queue(OTHER_QUEUE),
            queue_id: OTHER_QUEUE,
            at: t(40),
        }],
    );
    given(transferring)
        .when_async(requeue(AGENT, 60))
        .await
        .then_expect_error(CallError::TransferPending);
}

#[tokio::test]
async fn a_supervisor_listens_barges_in_and_leaves_each_once() {
    given(connected_with(AGENT))
        .when_async(CallCommand::StartMonitoring {
            supervisor_id: SUPERVISOR,
            at: t(30),
        })
        .await
        .then_expect_events(vec![CallEvent::MonitoringStarted {
            supervisor_id: SUPERVISOR,
            at: t(30),
        }]);
    // Opening the room again is the same session.
    given(monitoring())
        .when_async(CallCommand::StartMonitoring {
            supervisor_id: SUPERVISOR,
            at: t(35),
        })
        .await
        .then_expect_events(vec![]);
    given(monitoring())
        .when_async(CallCommand::BargeIn {
            supervisor_id: SUPERVISOR,
            at: t(40),
        })
        .await
        .then_expect_events(vec![CallEvent::SupervisorBargedIn {
            supervisor_id: SUPERVISOR,
            at: t(40),
        }]);
    given(connected_with(AGENT))
        .when_async(CallCommand::BargeIn {
            supervisor_id: SUPERVISOR,
            at: t(40),
        })
        .await
        .then_expect_error(CallError::NotMonitoring);
    given(connected_with(AGENT))
        .when_async(CallCommand::StopMonitoring {
            supervisor_id: SUPERVISOR,
            at: t(40),
        })
        .await
        .then_expect_error(CallError::NotMonitoring);
    given(ended_with(AGENT))
        .when_async(CallCommand::StartMonitoring {
            supervisor_id: SUPERVISOR,
            at: t(300),
        })
        .await
        .then_expect_error(CallError::NotInProgress("ended"));
}

#[tokio::test]
async fn the_end_of_the_call_stops_its_monitors_in_the_same_commit() {
    given(monitoring())
        .when_async(CallCommand::End {
            agent_id: AGENT,
            at: t(200),
        })
        .await
        .then_expect_events(vec![
            CallEvent::MonitoringStopped {
                supervisor_id: SUPERVISOR,
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

#[tokio::test]
async fn quality_is_stored_only_when_a_participants_level_changes() {
    // All good from the start: nothing to store.
    given(connected_with(AGENT))
        .when_async(report(vec![sample(0.5, false)], 30))
        .await
        .then_expect_events(vec![]);
    // One frozen frame in the batch makes it poor.
    let poor = CallEvent::MediaQualityChanged {
        participant_id: REQUESTER,
        level: QualityLevel::Poor,
        sample: sample(1.0, true),
        at: t(35),
    };
    given(connected_with(AGENT))
        .when_async(report(vec![sample(0.5, false), sample(1.0, true)], 35))
        .await
        .then_expect_events(vec![poor.clone()]);
    given(then(connected_with(AGENT), [poor.clone()]))
        .when_async(report(vec![sample(12.0, false)], 40))
        .await
        .then_expect_events(vec![]);
    given(then(connected_with(AGENT), [poor]))
        .when_async(report(vec![sample(4.0, false)], 45))
        .await
        .then_expect_events(vec![CallEvent::MediaQualityChanged {
            participant_id: REQUESTER,
            level: QualityLevel::Degraded,
            sample: sample(4.0, false),
            at: t(45),
        }]);
    given(requested())
        .when_async(report(vec![sample(20.0, false)], 5))
        .await
        .then_expect_error(CallError::NotInProgress("queued"));
    // Someone else's client is not a participant.
    given(connected_with(AGENT))
        .when_async(CallCommand::ReportQuality {
            participant: Participant::Interpreter(OTHER_AGENT),
            samples: vec![sample(20.0, false)],
            at: t(50),
        })
        .await
        .then_expect_error(CallError::NotYourCall);
}

#[test]
fn a_sample_is_poor_on_a_freeze_or_heavy_loss_and_degraded_on_some_loss_or_low_bitrate() {
    assert_eq!(sample(0.0, false).level(), QualityLevel::Good);
    assert_eq!(sample(3.0, false).level(), QualityLevel::Degraded);
    assert_eq!(sample(10.0, false).level(), QualityLevel::Poor);
    assert_eq!(sample(0.0, true).level(), QualityLevel::Poor);
    let thin = QualitySample {
        bitrate_kbps: 100,
        ..sample(0.0, false)
    };
    assert_eq!(thin.level(), QualityLevel::Degraded);
}
