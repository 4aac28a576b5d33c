//! The `Agent`'s presence commands: `LosePresence` sets an interpreter who could be offered
//! calls away, flags one on a call (never ends it), and does nothing for the others;
//! `RestorePresence` lifts a flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;
use domain::agent::{Activity, Agent, AgentCommand, AgentEvent, CallEndReason};
use domain::values::AgentStatus;

fn signed_in(status: AgentStatus) -> Vec<AgentEvent> {
    vec![
        AgentEvent::AgentSkillsSet {
            agent_id: AGENT,
            skills: skills(),
            at: t(0),
        },
        AgentEvent::AgentStatusChanged {
            agent_id: AGENT,
            from: AgentStatus::Offline,
            to: status,
            at: t(1),
        },
    ]
}

fn on_a_call() -> Vec<AgentEvent> {
    let mut events = signed_in(AgentStatus::Available);
    events.extend([
        AgentEvent::AgentOfferReceived {
            call_id: CALL,
            expires_at: t(30),
            at: t(10),
        },
        AgentEvent::AgentCallStarted {
            call_id: CALL,
            at: t(20),
        },
    ]);
    events
}

fn lost(from: AgentStatus, on_call: Option<domain::ids::CallId>) -> AgentEvent {
    AgentEvent::AgentPresenceLost {
        agent_id: AGENT,
        from,
        on_call,
        at: t(60),
    }
}

fn lose() -> AgentCommand {
    AgentCommand::LosePresence {
        agent_id: AGENT,
        at: t(60),
    }
}

fn restore() -> AgentCommand {
    AgentCommand::RestorePresence {
        agent_id: AGENT,
        at: t(70),
    }
}

fn fold(events: Vec<AgentEvent>) -> Agent {
    let mut agent = Agent::default();
    for event in events {
        agent.apply(event);
    }
    agent
}

#[tokio::test]
async fn an_available_interpreter_who_loses_presence_goes_away() {
    let events = signed_in(AgentStatus::Available);
    TestFramework::<Agent>::with(())
        .given(events.clone())
        .when_async(lose())
        .await
        .then_expect_events(vec![lost(AgentStatus::Available, None)]);
    let agent = fold([events, vec![lost(AgentStatus::Available, None)]].concat());
    assert_eq!(agent.status, Some(AgentStatus::Away));
    assert!(!agent.presence_lost);
}

#[tokio::test]
async fn an_interpreter_on_a_call_is_flagged_once_and_stays_on_it() {
    let flagged = [on_a_call(), vec![lost(AgentStatus::Available, Some(CALL))]].concat();
    TestFramework::<Agent>::with(())
        .given(on_a_call())
        .when_async(lose())
        .await
        .then_expect_events(vec![lost(AgentStatus::Available, Some(CALL))]);
    let agent = fold(flagged.clone());
    assert_eq!(
        (agent.status, agent.activity),
        (Some(AgentStatus::Available), Activity::OnCall(CALL))
    );
    assert!(agent.presence_lost);
    // A second finding changes nothing; a connection back lifts the flag.
    TestFramework::<Agent>::with(())
        .given(flagged.clone())
        .when_async(lose())
        .await
        .then_expect_events(vec![]);
    TestFramework::<Agent>::with(())
        .given(flagged)
        .when_async(restore())
        .await
        .then_expect_events(vec![AgentEvent::AgentPresenceRestored {
            agent_id: AGENT,
            at: t(70),
        }]);
}

#[tokio::test]
async fn ending_the_call_lifts_the_flag() {
    let mut events = [on_a_call(), vec![lost(AgentStatus::Available, Some(CALL))]].concat();
    events.push(AgentEvent::AgentCallEnded {
        call_id: CALL,
        reason: CallEndReason::Completed,
        at: t(80),
    });
    assert!(!fold(events).presence_lost);
}

#[tokio::test]
async fn nobody_offered_calls_has_no_presence_to_lose_or_restore() {
    for status in [AgentStatus::Break, AgentStatus::Offline, AgentStatus::Away] {
        TestFramework::<Agent>::with(())
            .given(signed_in(status))
            .when_async(lose())
            .await
            .then_expect_events(vec![]);
    }
    TestFramework::<Agent>::with(())
        .given(signed_in(AgentStatus::Available))
        .when_async(restore())
        .await
        .then_expect_events(vec![]);
}
