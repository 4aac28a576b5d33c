//! Given/when/then tests of a callback call: chosen while waiting, offered at the accept,
//! joined within the window or missed after it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::Aggregate;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::call::{Call, CallCommand, CallError, CallEvent, CallStatus};
use domain::callback::WebhookUrl;

fn given(events: Vec<CallEvent>) -> AggregateTestExecutor<Call> {
    TestFramework::<Call>::with(()).given(events)
}

fn url() -> WebhookUrl {
    WebhookUrl::parse("https://clinic.example/hooks/parley").unwrap()
}

fn chosen(at: i64) -> CallEvent {
    CallEvent::CallbackChosen {
        webhook_url: Some(url()),
        join_window_s: 120,
        at: t(at),
    }
}

fn choose(requester: domain::UserId) -> CallCommand {
    CallCommand::ChooseCallback {
        requester_id: requester,
        webhook_url: Some(url()),
        join_window_s: 120,
        at: t(5),
    }
}

/// A callback call chosen at t(5), offered at t(10), accepted at t(20): join by t(140).
fn accepted_callback() -> Vec<CallEvent> {
    let mut events = requested();
    events.push(chosen(5));
    events.extend(ringing_for(AGENT).into_iter().skip(2));
    events.push(CallEvent::CallAccepted {
        agent_id: AGENT,
        queue_id: QUEUE,
        wait_seconds: 20,
        at: t(20),
    });
    events.push(CallEvent::CallbackOffered {
        agent_id: AGENT,
        webhook_url: Some(url()),
        join_by: t(140),
        at: t(20),
    });
    events
}

#[tokio::test]
async fn the_requester_of_a_waiting_call_chooses_a_callback_and_it_keeps_its_queue() {
    given(requested())
        .when_async(choose(REQUESTER))
        .await
        .then_expect_events(vec![chosen(5)]);
    let mut call = Call::default();
    for event in then(requested(), [chosen(5)]) {
        call.apply(event);
    }
    assert_eq!(call.status, CallStatus::Queued);
    assert_eq!(call.queue_id, Some(QUEUE));
}

#[tokio::test]
async fn a_callback_is_refused_to_someone_else_to_a_call_not_waiting_and_twice() {
    given(requested())
        .when_async(choose(OTHER_REQUESTER))
        .await
        .then_expect_error(CallError::NotYourRequest);
    given(connected_with(AGENT))
        .when_async(choose(REQUESTER))
        .await
        .then_expect_error(CallError::NotWaiting("connected"));
    given(then(requested(), [chosen(1)]))
        .when_async(choose(REQUESTER))
        .await
        .then_expect_error(CallError::CallbackAlreadyChosen);
}

#[tokio::test]
async fn accepting_a_callback_call_connects_it_and_opens_the_join_window() {
    let mut events = requested();
    events.push(chosen(5));
    events.extend(ringing_for(AGENT).into_iter().skip(2));
    given(events)
        .when_async(CallCommand::Accept {
            agent_id: AGENT,
            at: t(20),
        })
        .await
        .then_expect_events(accepted_callback().split_off(4));
}

#[tokio::test]
async fn the_requester_joins_within_the_window_but_not_after_it() {
    given(accepted_callback())
        .when_async(CallCommand::JoinCallback {
            requester_id: REQUESTER,
            at: t(60),
        })
        .await
        .then_expect_events(vec![CallEvent::RequesterJoined { at: t(60) }]);
    given(accepted_callback())
        .when_async(CallCommand::JoinCallback {
            requester_id: REQUESTER,
            at: t(140),
        })
        .await
        .then_expect_error(CallError::JoinWindowPassed);
    given(connected_with(AGENT))
        .when_async(CallCommand::JoinCallback {
            requester_id: REQUESTER,
            at: t(60),
        })
        .await
        .then_expect_error(CallError::CallbackNotReady);
    given(then(
        accepted_callback(),
        [CallEvent::RequesterJoined { at: t(60) }],
    ))
    .when_async(CallCommand::MissCallback { at: t(200) })
    .await
    .then_expect_error(CallError::CallbackAlreadyJoined);
}

#[tokio::test]
async fn a_missed_window_ends_the_call_for_its_interpreter_and_not_before() {
    given(accepted_callback())
        .when_async(CallCommand::MissCallback { at: t(139) })
        .await
        .then_expect_error(CallError::JoinWindowOpen);
    given(accepted_callback())
        .when_async(CallCommand::MissCallback { at: t(140) })
        .await
        .then_expect_events(vec![
            CallEvent::CallbackMissed {
                agent_id: AGENT,
                at: t(140),
            },
            CallEvent::CallEnded {
                agent_id: AGENT,
                talk_seconds: 120,
                hold_seconds: 0,
                at: t(140),
            },
        ]);
}

#[test]
fn webhook_urls_are_http_or_https_with_a_host() {
    for good in [
        "https://clinic.example/hook",
        "http://127.0.0.1:8080/x?y=1",
        "https://[::1]:9/",
    ] {
        assert!(WebhookUrl::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "ftp://x.example",
        "https://",
        "https:///path",
        "https://a b.example",
        "javascript:alert(1)",
    ] {
        assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
    }
    assert!(WebhookUrl::parse(&format!("https://x.example/{}", "a".repeat(2000))).is_err());
}

#[test]
fn a_webhook_host_is_allowed_by_name_or_by_its_domain() {
    let url = |raw: &str| WebhookUrl::parse(raw).unwrap();
    let allowed = vec![
        "hooks.clinic.example".to_owned(),
        ".court.example".to_owned(),
    ];
    assert!(url("https://hooks.clinic.example/x").host_allowed(&allowed));
    assert!(url("https://a.court.example:8443/x").host_allowed(&allowed));
    assert!(url("https://court.example/x").host_allowed(&allowed));
    assert!(!url("https://evilcourt.example/x").host_allowed(&allowed));
    assert!(!url("http://127.0.0.1/x").host_allowed(&allowed));
    assert!(!url("http://user@10.0.0.1/x").host_allowed(&allowed));
    assert!(url("http://[::1]:80/x").host_allowed(&[]));
    assert_eq!(url("http://[::1]:80/x").host(), "::1");
}
