//! The read models against a real PostgreSQL: domain events in, rows and notices out.
//! Needs `DATABASE_URL` (a server where tests may create databases).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::json;

use common::*;
use domain::agent::{CallEndReason, OfferOutcome};
use domain::call::{NoInterpreterReason, TransferTarget, WithdrawReason};
use domain::values::{AgentStatus, Disposition, Notes, PersonalText, Stars};
use domain::{AgentEvent, CallEvent, QueueEvent};
use projections::bus::{Audience, ViewKind};
use projections::read_models::calls::CallRow;
use projections::read_models::metrics::SHORT_ABANDON_S;
use projections::read_models::support::bucket_start;

#[tokio::test]
async fn every_read_model_has_its_own_schema_name() {
    let names: Vec<_> = projections::read_models::all()
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(
        names,
        [
            "queues",
            "agents",
            "calls",
            "history",
            "metrics",
            "callbacks",
            "billing"
        ]
    );
}

#[tokio::test]
async fn queues_follow_their_settings_and_members() {
    let mut h = Harness::new().await;
    let (q, overflow) = (queue_n(1), queue_n(2));
    let created = h
        .create_queue(q, queue_config("Spanish", &["es"], 30, None), t(0))
        .await;
    let row = h.queue_row(q).await;
    assert_eq!(row.name, "Spanish");
    assert_eq!(row.languages, ["es"]);
    assert_eq!(
        (
            row.strategy.as_str(),
            row.service_level_s,
            row.ring_timeout_s
        ),
        ("longest_idle", 30, 20)
    );
    assert_eq!(
        (row.max_wait_s, row.wrap_up_s, row.min_proficiency),
        (300, 60, 1)
    );
    assert!(row.members.is_empty());
    assert_eq!(row.seq, created);

    let updated = h
        .queue(
            q,
            QueueEvent::QueueUpdated {
                config: queue_config("Spanish & Catalan", &["es", "ca"], 20, Some(overflow)),
                at: t(10),
            },
        )
        .await;
    let row = h.queue_row(q).await;
    assert_eq!(row.name, "Spanish & Catalan");
    assert_eq!(row.languages, ["es", "ca"]);
    assert_eq!(row.service_level_s, 20);
    assert_eq!(row.overflow_queue_id, Some(overflow.as_uuid()));
    assert_eq!(row.seq, updated);

    let members = vec![agent_n(1), agent_n(2)];
    let set = h
        .queue(
            q,
            QueueEvent::QueueMembersSet {
                members: members.clone(),
                at: t(20),
            },
        )
        .await;
    let row = h.queue_row(q).await;
    assert_eq!(
        row.members,
        members.iter().map(|a| a.as_uuid()).collect::<Vec<_>>()
    );
    assert_eq!(row.seq, set);
    assert_eq!(
        row.name, "Spanish & Catalan",
        "members leave the settings alone"
    );

    let notices = h.notices_of(set);
    assert_eq!(notices.len(), 1);
    let notice = &notices[0].change;
    assert_eq!(
        (notice.kind, notice.id, notice.audience.clone()),
        (ViewKind::Queue, q.as_uuid(), Audience::default())
    );
    assert_eq!(notice.data["members"], json!(members));
    assert_eq!(notice.data["seq"], json!(set));
}

#[tokio::test]
async fn a_full_call_life_fills_calls_history_and_agents() {
    let mut h = Harness::new().await;
    let (q, a, c, r) = (queue_n(1), agent_n(1), call_n(1), requester_n(1));
    h.create_queue(q, queue_config("Spanish", &["es"], 30, None), t(0))
        .await;
    h.agent_ready(a, t(2)).await;
    let agent = h.agent_row(a).await;
    assert_eq!(
        (agent.status.as_str(), agent.activity.as_str()),
        ("available", "idle")
    );
    assert_eq!(
        (agent.status_since, agent.idle_since),
        (Some(t(2)), Some(t(2)))
    );
    assert_eq!(agent.languages, ["es"]);
    assert_eq!(agent.proficiency, json!({"es": 4}));
    assert_eq!(agent.modalities, ["video"]);

    h.request(c, r, "es", q, t(10)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.queue_id, call.queued_at),
        ("queued", Some(q.as_uuid()), Some(t(10)))
    );
    assert_eq!(
        (
            call.language.as_str(),
            call.source_language.as_str(),
            call.modality.as_str()
        ),
        ("es", "en", "video")
    );
    assert_eq!(
        (call.requester_id, call.requested_at, call.priority.as_str()),
        (r.as_uuid(), t(10), "normal")
    );

    h.offer(c, a, q, t(12)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.offered_to),
        ("offered", Some(a.as_uuid()))
    );
    assert_eq!(call.offer_expires_at, Some(t(32)));
    let agent = h.agent_row(a).await;
    assert_eq!(
        (agent.activity.as_str(), agent.activity_since),
        ("ringing", Some(t(12)))
    );
    assert_eq!(
        (agent.offer_call_id, agent.offer_expires_at),
        (Some(c.as_uuid()), Some(t(32)))
    );
    assert_eq!(
        agent.idle_since,
        Some(t(2)),
        "a ringing agent keeps their place"
    );

    h.accept(c, a, q, 10, t(20)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.agent_id, call.offered_to),
        ("connected", Some(a.as_uuid()), None)
    );
    assert_eq!(
        (call.answered_at, call.wait_s, call.outcome.as_deref()),
        (Some(t(20)), Some(10), Some("answered"))
    );
    let agent = h.agent_row(a).await;
    assert_eq!(
        (
            agent.activity.as_str(),
            agent.current_call_id,
            agent.offer_call_id
        ),
        ("on_call", Some(c.as_uuid()), None)
    );
    assert_eq!(
        (agent.calls_today, agent.calls_today_date),
        (1, Some(t(20).date_naive()))
    );
    assert_eq!(agent.idle_since, None);

    h.call(
        c,
        CallEvent::CallHeld {
            agent_id: a,
            at: t(100),
        },
    )
    .await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.hold_started_at),
        ("on_hold", Some(t(100)))
    );
    h.call(
        c,
        CallEvent::CallResumed {
            agent_id: a,
            hold_seconds: 30,
            at: t(130),
        },
    )
    .await;
    assert_eq!(h.call_row(c).await.status, "connected");

    h.end(c, a, 350, 30, t(400)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.ended_at),
        ("ended", Some(t(400)))
    );
    assert_eq!((call.talk_s, call.hold_s), (Some(350), Some(30)));
    let agent = h.agent_row(a).await;
    assert_eq!(
        (agent.activity.as_str(), agent.current_call_id),
        ("wrap_up", Some(c.as_uuid()))
    );

    let wrapped = h
        .call(
            c,
            CallEvent::CallWrappedUp {
                agent_id: a,
                disposition: Disposition::parse("completed").unwrap(),
                notes: Some(PersonalText::Plain(Notes::parse("went well").unwrap())),
                wrap_up_seconds: 30,
                at: t(430),
            },
        )
        .await;
    let wrap_ended = h.wrap_up_ended(c, a, 30, t(430)).await;
    h.metadata = json!({"actor_id": r.to_string(), "actor_role": "requester", "actor_name": "Rita Requester"});
    let rated = h
        .call(
            c,
            CallEvent::CallRated {
                stars: Stars::parse(5).unwrap(),
                comment: Some(PersonalText::Plain(Notes::parse("great").unwrap())),
                at: t(500),
            },
        )
        .await;

    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.wrapped_up_at, call.wrap_up_s),
        ("wrapped_up", Some(t(430)), Some(30))
    );
    assert_eq!(
        (call.disposition.as_deref(), call.notes.as_deref()),
        (Some("completed"), Some("went well"))
    );
    assert_eq!(
        (call.stars, call.rating_comment.as_deref()),
        (Some(5), Some("great"))
    );
    assert_eq!(
        (call.agent_id, call.transfers, call.overflows),
        (Some(a.as_uuid()), 0, 0)
    );
    assert_eq!(
        call.seq, rated,
        "the call row carries the seq of its last event"
    );
    assert!(wrapped < wrap_ended && wrap_ended < rated);

    let agent = h.agent_row(a).await;
    assert_eq!(
        (agent.activity.as_str(), agent.current_call_id),
        ("idle", None)
    );
    assert_eq!((agent.idle_since, agent.calls_today), (Some(t(430)), 1));
    assert_eq!(
        agent.seq, wrap_ended,
        "the agent row carries the seq of its last event"
    );

    let history = h.history(c).await;
    let types: Vec<_> = history.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "CallRequested",
            "CallQueued",
            "CallOffered",
            "CallAccepted",
            "CallHeld",
            "CallResumed",
            "CallEnded",
            "CallWrappedUp",
            "CallRated"
        ]
    );
    assert_eq!(
        history.iter().map(|e| e.call_sequence).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );
    assert!(history.windows(2).all(|w| w[0].seq < w[1].seq));
    let accepted = &history[3];
    assert_eq!(accepted.at, t(20));
    assert_eq!(accepted.data["wait_seconds"], json!(10));
    assert_eq!(accepted.data["agent_id"], json!(a));
    assert_eq!(
        accepted.actor,
        json!({"id": "7270fbbb-4d84-5ba3-b21e-ab054a39f884", "role": "agent", "name": "Ana Agent"})
    );
    assert_eq!(accepted.event_version, "1");
    assert_eq!(
        accepted.to_event().unwrap(),
        CallEvent::CallAccepted {
            agent_id: a,
            queue_id: q,
            wait_seconds: 10,
            at: t(20)
        }
    );
    let last = history.last().unwrap();
    assert_eq!((last.seq, last.at), (rated, t(500)));
    assert_eq!(
        last.actor,
        json!({"id": r.to_string(), "role": "requester", "name": "Rita Requester"})
    );

    // Its metrics: arrival, answer and handling all in the 10:00 bucket.
    for (dimension, key, answer_wait) in [
        ("language", "es".to_owned(), 10),
        ("queue", q.to_string(), 10),
        ("agent", a.to_string(), 8),
    ] {
        let b = h.bucket(dimension, &key, t(0)).await;
        assert_eq!(
            (b.offered, b.answered, b.answered_in_sl, b.answer_wait_s),
            (1, 1, 1, answer_wait),
            "{dimension}"
        );
        assert_eq!(
            (b.handled, b.talk_s, b.hold_s, b.wrap_up_s),
            (1, 350, 30, 30),
            "{dimension}"
        );
        assert_eq!(
            b.seq, wrap_ended,
            "{dimension}: the bucket carries the seq of its last event"
        );
    }
    let b = h.bucket("agent", &a.to_string(), t(0)).await;
    assert_eq!(b.busy_s, 430 - 12, "ringing, on the call and in wrap-up");
    assert_eq!(b.logged_in_s, 430 - 2, "counted up to the last event");
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn notices_carry_kind_seq_and_audience() {
    let mut h = Harness::new().await;
    let (q, a, c, r) = (queue_n(1), agent_n(1), call_n(1), requester_n(1));
    let created = h
        .create_queue(q, queue_config("Spanish", &["es"], 30, None), t(0))
        .await;
    let ready = h.agent_ready(a, t(1)).await;
    let queued = h.request(c, r, "es", q, t(10)).await;
    let offered = h.offer(c, a, q, t(12)).await;
    let declined = h
        .call(
            c,
            CallEvent::OfferDeclined {
                agent_id: a,
                at: t(15),
            },
        )
        .await;
    let cleared = h
        .agent(
            a,
            AgentEvent::AgentOfferCleared {
                call_id: c,
                outcome: OfferOutcome::Declined,
                at: t(15),
            },
        )
        .await;
    h.offer(c, a, q, t(16)).await;
    let accepted = h.accept_call(c, a, q, 10, t(20)).await;

    // Every notice: seq of its event, data.seq the same, only from the three live models.
    for notice in &h.notices {
        assert!(
            matches!(notice.projection, "queues" | "agents" | "calls"),
            "{notice:?}"
        );
        assert_eq!(notice.change.data["seq"], json!(notice.change.seq));
    }

    let queue = h.notices_of(created);
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].change.kind, queue[0].change.audience.clone()),
        (ViewKind::Queue, Audience::default())
    );

    let agent = h.notices_of(ready);
    assert_eq!(agent.len(), 1);
    assert_eq!(
        (agent[0].change.kind, agent[0].change.id),
        (ViewKind::Agent, a.as_uuid())
    );
    assert_eq!(
        agent[0].change.audience,
        Audience {
            organisation_id: None,
            agent_id: Some(a.as_uuid()),
            requester_id: None,
            released_agent_id: None,
        }
    );
    assert_eq!(agent[0].change.data["status"], "available");

    let call = h.notices_of(queued);
    assert_eq!(call.len(), 1);
    assert_eq!(
        (call[0].change.kind, call[0].change.id),
        (ViewKind::Call, c.as_uuid())
    );
    assert_eq!(
        call[0].change.audience,
        Audience {
            organisation_id: None,
            agent_id: None,
            requester_id: Some(r.as_uuid()),
            released_agent_id: None,
        }
    );
    assert_eq!(call[0].change.data["status"], "queued");
    assert_eq!(call[0].change.data["requested_at"], json!(t(10)));

    let offer = h.notices_of(offered);
    let kinds: Vec<_> = offer.iter().map(|n| n.change.kind).collect();
    assert_eq!(kinds, [ViewKind::Offer, ViewKind::Call]);
    assert_eq!(
        offer[0].change.audience,
        Audience {
            organisation_id: None,
            agent_id: Some(a.as_uuid()),
            requester_id: None,
            released_agent_id: None,
        },
        "an offer goes to the offered agent only"
    );
    assert_eq!(offer[0].change.data["offered_to"], json!(a));
    assert_eq!(offer[0].change.data["status"], "offered");
    assert_eq!(
        offer[1].change.audience,
        Audience {
            organisation_id: None,
            agent_id: Some(a.as_uuid()),
            requester_id: Some(r.as_uuid()),
            released_agent_id: None,
        }
    );

    let decline = h.notices_of(declined);
    assert_eq!(decline.len(), 1);
    assert_eq!(
        decline[0].change.audience,
        Audience {
            organisation_id: None,
            agent_id: Some(a.as_uuid()),
            requester_id: Some(r.as_uuid()),
            released_agent_id: None,
        },
        "the agent who declined still hears of it"
    );
    assert_eq!(decline[0].change.data["offered_to"], json!(null));
    assert_eq!(h.notices_of(cleared)[0].change.data["activity"], "idle");

    let accept = h.notices_of(accepted);
    assert_eq!(accept.len(), 1);
    assert_eq!(
        accept[0].change.audience,
        Audience {
            organisation_id: None,
            agent_id: Some(a.as_uuid()),
            requester_id: Some(r.as_uuid()),
            released_agent_id: None,
        }
    );
    assert_eq!(accept[0].change.data["agent_id"], json!(a));
    assert_eq!(accept[0].change.data["answered_at"], json!(t(20)));
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn abandon_overflow_and_no_interpreter_end_calls_and_add_up_in_metrics() {
    let mut h = Harness::new().await;
    let (qa, qb, a, r) = (queue_n(1), queue_n(2), agent_n(1), requester_n(1));
    h.create_queue(qb, queue_config("General", &["es", "fr"], 30, None), t(0))
        .await;
    h.create_queue(qa, queue_config("Spanish", &["es"], 30, Some(qb)), t(0))
        .await;
    let (c1, c2, c3, c4, c5, c6) = (
        call_n(1),
        call_n(2),
        call_n(3),
        call_n(4),
        call_n(5),
        call_n(6),
    );

    // 1: hangs up after 3 s: a short abandon.
    h.request(c1, r, "es", qa, t(0)).await;
    let abandoned = h
        .call(
            c1,
            CallEvent::CallAbandoned {
                offered_agent_id: None,
                wait_seconds: 3,
                at: t(3),
            },
        )
        .await;
    // 2: hangs up while ringing for the agent.
    h.request(c2, r, "es", qa, t(10)).await;
    h.offer_call(c2, a, qa, t(15)).await;
    h.call(
        c2,
        CallEvent::CallAbandoned {
            offered_agent_id: Some(a),
            wait_seconds: 30,
            at: t(40),
        },
    )
    .await;
    // 3: overflows at 10:16:40 to the general queue, then no interpreter at 10:21:40.
    h.request(c3, r, "es", qa, t(20)).await;
    h.call(
        c3,
        CallEvent::CallOverflowed {
            from_queue_id: qa,
            to_queue_id: qb,
            at: t(1000),
        },
    )
    .await;
    h.call(
        c3,
        CallEvent::CallQueued {
            queue_id: qb,
            priority: domain::values::Priority::Normal,
            at: t(1000),
        },
    )
    .await;
    let gave_up = h
        .call(
            c3,
            CallEvent::NoInterpreterAvailable {
                queue_id: Some(qb),
                reason: NoInterpreterReason::MaxWaitExceeded,
                wait_seconds: 1280,
                at: t(1300),
            },
        )
        .await;
    // 4: French, no queue for it at all.
    h.call(
        c4,
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: c4,
            requester_id: r,
            request: request("fr"),
            at: t(30),
        },
    )
    .await;
    h.call(
        c4,
        CallEvent::NoInterpreterAvailable {
            queue_id: None,
            reason: NoInterpreterReason::NoMatchingQueue,
            wait_seconds: 0,
            at: t(30),
        },
    )
    .await;
    // 5: still waiting.
    h.request(c5, r, "es", qa, t(50)).await;
    // 6: answered after 40 s, beyond the service level.
    h.request(c6, r, "es", qa, t(60)).await;
    h.offer_call(c6, a, qa, t(95)).await;
    h.accept_call(c6, a, qa, 40, t(100)).await;

    let call = h.call_row(c1).await;
    assert_eq!(
        (call.status.as_str(), call.outcome.as_deref(), call.wait_s),
        ("abandoned", Some("abandoned"), Some(3))
    );
    assert_eq!((call.ended_at, call.seq), (Some(t(3)), abandoned));
    let call = h.call_row(c2).await;
    assert_eq!(
        (call.status.as_str(), call.offered_to, call.wait_s),
        ("abandoned", None, Some(30))
    );
    let call = h.call_row(c3).await;
    assert_eq!(
        (call.status.as_str(), call.outcome.as_deref()),
        ("no_interpreter_available", Some("no_interpreter_available"))
    );
    assert_eq!(
        (call.overflows, call.queue_id, call.queued_at),
        (1, Some(qb.as_uuid()), Some(t(1000)))
    );
    assert_eq!(
        (call.wait_s, call.ended_at, call.seq),
        (Some(1280), Some(t(1300)), gave_up)
    );
    let call = h.call_row(c4).await;
    assert_eq!(
        (call.status.as_str(), call.queue_id, call.wait_s),
        ("no_interpreter_available", None, Some(0))
    );
    assert_eq!(h.call_row(c5).await.status, "queued");

    // Language: every call counts in the bucket of its request, whenever it ended.
    let es = h.bucket("language", "es", t(0)).await;
    assert_eq!((es.offered, es.answered, es.answered_in_sl), (5, 1, 0));
    assert_eq!(
        (es.abandoned, es.short_abandoned, es.no_interpreter),
        (2, 1, 1)
    );
    assert_eq!(es.overflowed, 0);
    assert_eq!(es.answer_wait_s, 40);
    let fr = h.bucket("language", "fr", t(0)).await;
    assert_eq!((fr.offered, fr.no_interpreter), (1, 1));
    assert_eq!(
        h.buckets("language").await.len(),
        2,
        "nothing in the buckets where calls ended"
    );

    // Queue: the overflow counts on the queue it left, in the bucket it entered it.
    let a_bucket = h.bucket("queue", &qa.to_string(), t(0)).await;
    assert_eq!(
        (
            a_bucket.offered,
            a_bucket.answered,
            a_bucket.abandoned,
            a_bucket.short_abandoned
        ),
        (5, 1, 2, 1)
    );
    assert_eq!((a_bucket.overflowed, a_bucket.no_interpreter), (1, 0));
    let b_bucket = h.bucket("queue", &qb.to_string(), hms(10, 15, 0)).await;
    assert_eq!(
        (
            b_bucket.offered,
            b_bucket.no_interpreter,
            b_bucket.overflowed
        ),
        (1, 1, 0)
    );
    assert_eq!(h.bucket("queue", &qb.to_string(), t(0)).await.offered, 0);

    // Agent: two offers, one abandoned while ringing, one answered.
    let agent = h.bucket("agent", &a.to_string(), t(0)).await;
    assert_eq!(
        (
            agent.offered,
            agent.answered,
            agent.abandoned,
            agent.answer_wait_s
        ),
        (2, 1, 1, 5)
    );

    // The identities, against the calls still waiting in the calls read model.
    let waiting: Vec<CallRow> =
        sqlx::query_as("SELECT * FROM read_calls.calls WHERE status IN ('queued', 'offered')")
            .fetch_all(h.pool())
            .await
            .unwrap();
    let mut waiting_by_language: BTreeMap<_, i32> = BTreeMap::new();
    let mut waiting_by_queue: BTreeMap<_, i32> = BTreeMap::new();
    for call in waiting {
        *waiting_by_language
            .entry((bucket_start(call.requested_at), call.language))
            .or_default() += 1;
        *waiting_by_queue
            .entry((
                bucket_start(call.queued_at.unwrap()),
                call.queue_id.unwrap().to_string(),
            ))
            .or_default() += 1;
    }
    for b in h.buckets("language").await {
        let waiting = waiting_by_language
            .get(&(b.bucket_start, b.key.clone()))
            .copied()
            .unwrap_or(0);
        assert_eq!(
            b.offered,
            b.answered + b.abandoned + b.no_interpreter + waiting,
            "{b:?}"
        );
    }
    for b in h.buckets("queue").await {
        let waiting = waiting_by_queue
            .get(&(b.bucket_start, b.key.clone()))
            .copied()
            .unwrap_or(0);
        assert_eq!(
            b.offered,
            b.answered
                + b.abandoned
                + b.no_interpreter
                + b.overflowed
                + b.transferred_out
                + waiting,
            "{b:?}"
        );
    }
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn service_level_and_short_abandons_use_the_queue_threshold() {
    let mut h = Harness::new().await;
    let (q, a, r) = (queue_n(1), agent_n(1), requester_n(1));
    h.create_queue(q, queue_config("Spanish", &["es"], 20, None), t(0))
        .await;
    // Answered after 10, 20 (the threshold itself) and 25 seconds.
    for (n, wait) in [(1, 10), (2, 20), (3, 25)] {
        let c = call_n(n);
        h.request(c, r, "es", q, t(0)).await;
        h.offer_call(c, a, q, t(wait - 1)).await;
        h.accept_call(c, a, q, wait, t(wait)).await;
    }
    // Abandoned after the short-abandon threshold itself and one second more.
    for (n, wait) in [(4, SHORT_ABANDON_S), (5, SHORT_ABANDON_S + 1)] {
        let c = call_n(n);
        h.request(c, r, "es", q, t(0)).await;
        h.call(
            c,
            CallEvent::CallAbandoned {
                offered_agent_id: None,
                wait_seconds: wait,
                at: t(wait),
            },
        )
        .await;
    }
    for (dimension, key) in [("language", "es".to_owned()), ("queue", q.to_string())] {
        let b = h.bucket(dimension, &key, t(0)).await;
        assert_eq!(
            (b.offered, b.answered, b.answered_in_sl, b.answer_wait_s),
            (5, 3, 2, 55),
            "{dimension}"
        );
        assert_eq!((b.abandoned, b.short_abandoned), (2, 1), "{dimension}");
        // Service level = answered within the threshold / offered not abandoned short.
        let service_level = f64::from(b.answered_in_sl) / f64::from(b.offered - b.short_abandoned);
        assert!((service_level - 0.5).abs() < f64::EPSILON);
    }
    // A changed threshold counts from then on.
    h.queue(
        q,
        QueueEvent::QueueUpdated {
            config: queue_config("Spanish", &["es"], 30, None),
            at: t(100),
        },
    )
    .await;
    let c = call_n(6);
    h.request(c, r, "es", q, t(100)).await;
    h.accept_call(c, a, q, 25, t(125)).await;
    assert_eq!(
        h.bucket("queue", &q.to_string(), t(0)).await.answered_in_sl,
        3
    );
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn busy_and_logged_in_time_are_split_across_bucket_borders() {
    let mut h = Harness::new().await;
    let (q, a, c, r) = (queue_n(1), agent_n(1), call_n(1), requester_n(1));
    h.agent(
        a,
        AgentEvent::AgentSkillsSet {
            agent_id: a,
            skills: skills(),
            at: hms(9, 0, 0),
        },
    )
    .await;
    h.status(
        a,
        AgentStatus::Offline,
        AgentStatus::Available,
        hms(10, 10, 0),
    )
    .await;
    h.request(c, r, "es", q, hms(10, 13, 0)).await;
    h.offer(c, a, q, hms(10, 14, 0)).await;
    h.accept(c, a, q, 70, hms(10, 14, 10)).await;
    h.end(c, a, 350, 0, hms(10, 20, 0)).await;
    h.wrap_up_ended(c, a, 60, hms(10, 21, 0)).await;
    h.status(
        a,
        AgentStatus::Available,
        AgentStatus::Break,
        hms(10, 25, 0),
    )
    .await;
    h.status(
        a,
        AgentStatus::Break,
        AgentStatus::Available,
        hms(10, 35, 0),
    )
    .await;
    let offline = h
        .status(
            a,
            AgentStatus::Available,
            AgentStatus::Offline,
            hms(10, 50, 0),
        )
        .await;
    // Back at 11:00 and still available: that interval is open, so not counted yet.
    h.status(
        a,
        AgentStatus::Offline,
        AgentStatus::Available,
        hms(11, 0, 0),
    )
    .await;

    let key = a.to_string();
    let mut seen = Vec::new();
    for (start, logged_in, busy) in [
        (hms(10, 0, 0), 300, 60),
        (hms(10, 15, 0), 600, 360),
        (hms(10, 30, 0), 600, 0),
        (hms(10, 45, 0), 300, 0),
        (hms(11, 0, 0), 0, 0),
    ] {
        let b = h.bucket("agent", &key, start).await;
        assert_eq!(
            (b.logged_in_s, b.busy_s),
            (logged_in, busy),
            "bucket {start}"
        );
        seen.push(b);
    }
    assert_eq!(seen[3].seq, offline, "the last event that added to it");
    // The call itself: answered in the 10:00 bucket (the offer's), handled there too.
    assert_eq!(
        (
            seen[0].offered,
            seen[0].answered,
            seen[0].handled,
            seen[0].talk_s,
            seen[0].wrap_up_s
        ),
        (1, 1, 1, 350, 60)
    );
    let occupancy = seen.iter().map(|b| b.busy_s).sum::<i64>() as f64
        / seen.iter().map(|b| b.logged_in_s).sum::<i64>() as f64;
    assert!((occupancy - 420.0 / 1800.0).abs() < 1e-9);
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn busy_time_counts_as_logged_in_even_on_break() {
    let mut h = Harness::new().await;
    let (q, a, c, r) = (queue_n(1), agent_n(1), call_n(1), requester_n(1));
    h.agent_ready(a, t(0)).await;
    h.request(c, r, "es", q, t(10)).await;
    h.offer(c, a, q, t(10)).await;
    h.accept(c, a, q, 10, t(20)).await;
    h.status(a, AgentStatus::Available, AgentStatus::Break, t(100))
        .await;
    h.end(c, a, 180, 0, t(200)).await;
    h.wrap_up_ended(c, a, 30, t(230)).await;
    h.status(a, AgentStatus::Break, AgentStatus::Offline, t(300))
        .await;
    let b = h.bucket("agent", &a.to_string(), t(0)).await;
    assert_eq!((b.logged_in_s, b.busy_s), (230, 220));
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn a_transfer_closes_one_connection_and_the_next_queue_counts_its_own() {
    let mut h = Harness::new().await;
    let (qa, qb, a1, a2, c, r) = (
        queue_n(1),
        queue_n(2),
        agent_n(1),
        agent_n(2),
        call_n(1),
        requester_n(1),
    );
    h.create_queue(qa, queue_config("Spanish", &["es"], 30, None), t(0))
        .await;
    h.create_queue(qb, queue_config("Spanish legal", &["es"], 30, None), t(0))
        .await;
    h.agent_ready(a1, t(0)).await;
    h.agent_ready(a2, t(0)).await;
    h.request(c, r, "es", qa, t(0)).await;
    h.offer(c, a1, qa, t(5)).await;
    h.accept(c, a1, qa, 10, t(10)).await;
    h.call(
        c,
        CallEvent::CallHeld {
            agent_id: a1,
            at: t(100),
        },
    )
    .await;
    h.call(
        c,
        CallEvent::CallResumed {
            agent_id: a1,
            hold_seconds: 30,
            at: t(130),
        },
    )
    .await;
    // 10:16:40, on hold again since 10:16:30: the agent moves it to the legal queue.
    h.call(
        c,
        CallEvent::CallHeld {
            agent_id: a1,
            at: t(990),
        },
    )
    .await;
    let transferred = h
        .call(
            c,
            CallEvent::CallTransferred {
                from_agent_id: Some(a1),
                target: TransferTarget::Queue(qb),
                at: t(1000),
            },
        )
        .await;
    assert_eq!(
        h.notices_of(transferred)[0].change.audience.agent_id,
        Some(a1.as_uuid()),
        "the transferring agent hears of it"
    );
    h.call(
        c,
        CallEvent::CallQueued {
            queue_id: qb,
            priority: domain::values::Priority::Normal,
            at: t(1000),
        },
    )
    .await;
    h.agent_call_ended(c, a1, CallEndReason::Transferred, t(1000))
        .await;
    h.wrap_up_ended(c, a1, 60, t(1060)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.agent_id, call.transfers),
        ("queued", None, 1)
    );
    assert_eq!(
        (call.talk_s, call.hold_s, call.connected_at),
        (Some(950), Some(40), None)
    );

    // A third interpreter lets it ring out: they do not keep seeing it.
    let a3 = agent_n(3);
    h.agent_ready(a3, t(0)).await;
    h.offer(c, a3, qb, t(1001)).await;
    let mut ringing = [(a1.as_uuid(), true), (a3.as_uuid(), false)];
    ringing.sort();
    assert_eq!(h.call_watchers(c).await, ringing);
    h.call(
        c,
        CallEvent::OfferExpired {
            agent_id: a3,
            at: t(1004),
        },
    )
    .await;
    h.offer(c, a2, qb, t(1005)).await;
    h.accept(c, a2, qb, 1010, t(1010)).await;
    // Who may see the call: the one who transferred it away, and the one on it now.
    let mut both = [(a1.as_uuid(), true), (a2.as_uuid(), true)];
    both.sort();
    assert_eq!(h.call_watchers(c).await, both);
    h.end(c, a2, 300, 0, t(1310)).await;
    h.wrap_up_ended(c, a2, 20, t(1330)).await;
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.agent_id, call.queue_id),
        ("ended", Some(a2.as_uuid()), Some(qb.as_uuid()))
    );
    assert_eq!(
        (call.answered_at, call.wait_s, call.outcome.as_deref()),
        (Some(t(10)), Some(10), Some("answered"))
    );
    assert_eq!((call.talk_s, call.hold_s), (Some(1250), Some(40)));

    let first = hms(10, 0, 0);
    let second = hms(10, 15, 0);
    for (dimension, key, start, offered, answered, talk, hold, wrap) in [
        ("queue", qa.to_string(), first, 1, 1, 950, 40, 60),
        ("queue", qb.to_string(), second, 1, 1, 300, 0, 20),
        ("agent", a1.to_string(), first, 1, 1, 950, 40, 60),
        ("agent", a2.to_string(), second, 1, 1, 300, 0, 20),
        ("language", "es".to_owned(), first, 1, 1, 950, 40, 60),
        ("language", "es".to_owned(), second, 0, 0, 300, 0, 20),
    ] {
        let b = h.bucket(dimension, &key, start).await;
        assert_eq!(
            (b.offered, b.answered, b.handled),
            (offered, answered, 1),
            "{dimension} {key} {start}"
        );
        assert_eq!(
            (b.talk_s, b.hold_s, b.wrap_up_s),
            (talk, hold, wrap),
            "{dimension} {key} {start}"
        );
    }
    // The legal queue answered within 10 s of the call entering it.
    let b = h.bucket("queue", &qb.to_string(), second).await;
    assert_eq!((b.answered_in_sl, b.answer_wait_s), (1, 10));
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn a_supervisor_moving_a_waiting_call_resolves_its_queue_entry() {
    let mut h = Harness::new().await;
    let (qa, qb, a, c, r) = (
        queue_n(1),
        queue_n(2),
        agent_n(1),
        call_n(1),
        requester_n(1),
    );
    h.request(c, r, "es", qa, t(0)).await;
    h.offer_call(c, a, qa, t(5)).await;
    h.call(
        c,
        CallEvent::OfferWithdrawn {
            agent_id: a,
            reason: WithdrawReason::Transferred,
            at: t(8),
        },
    )
    .await;
    h.call(
        c,
        CallEvent::CallTransferred {
            from_agent_id: None,
            target: TransferTarget::Queue(qb),
            at: t(8),
        },
    )
    .await;
    h.call(
        c,
        CallEvent::CallQueued {
            queue_id: qb,
            priority: domain::values::Priority::Normal,
            at: t(8),
        },
    )
    .await;
    let qa_bucket = h.bucket("queue", &qa.to_string(), t(0)).await;
    assert_eq!((qa_bucket.offered, qa_bucket.transferred_out), (1, 1));
    assert_eq!(h.bucket("queue", &qb.to_string(), t(0)).await.offered, 1);
    let agent = h.bucket("agent", &a.to_string(), t(0)).await;
    assert_eq!((agent.offered, agent.withdrawn), (1, 1));
    let call = h.call_row(c).await;
    assert_eq!(
        (call.status.as_str(), call.transfers, call.queue_id),
        ("queued", 1, Some(qb.as_uuid()))
    );
}

#[tokio::test]
async fn the_agent_board_tracks_offers_missed_offers_and_calls_per_day() {
    let mut h = Harness::new().await;
    let (q, a) = (queue_n(1), agent_n(1));
    h.agent_ready(a, t(1)).await;
    let clear = |call, outcome, at| AgentEvent::AgentOfferCleared {
        call_id: call,
        outcome,
        at,
    };

    h.agent(
        a,
        AgentEvent::AgentOfferReceived {
            call_id: call_n(1),
            expires_at: t(30),
            at: t(10),
        },
    )
    .await;
    h.agent(a, clear(call_n(1), OfferOutcome::Expired, t(30)))
        .await;
    let row = h.agent_row(a).await;
    assert_eq!(
        (row.missed_offers_in_row, row.idle_since, row.offer_call_id),
        (1, Some(t(1)), None),
        "an offer that rang out keeps their place in line (domain::idle, as the router)"
    );

    h.agent(
        a,
        AgentEvent::AgentOfferReceived {
            call_id: call_n(2),
            expires_at: t(60),
            at: t(40),
        },
    )
    .await;
    h.agent(a, clear(call_n(2), OfferOutcome::Withdrawn, t(45)))
        .await;
    let row = h.agent_row(a).await;
    assert_eq!(
        (row.missed_offers_in_row, row.idle_since),
        (1, Some(t(1))),
        "a withdrawn offer is neither missed nor answered"
    );

    h.agent(
        a,
        AgentEvent::AgentOfferReceived {
            call_id: call_n(3),
            expires_at: t(70),
            at: t(50),
        },
    )
    .await;
    h.agent(a, clear(call_n(3), OfferOutcome::Expired, t(70)))
        .await;
    h.status(a, AgentStatus::Available, AgentStatus::Away, t(70))
        .await;
    let row = h.agent_row(a).await;
    assert_eq!(
        (
            row.status.as_str(),
            row.status_since,
            row.missed_offers_in_row
        ),
        ("away", Some(t(70)), 2)
    );
    assert_eq!(row.idle_since, None);

    h.status(a, AgentStatus::Away, AgentStatus::Available, t(100))
        .await;
    let row = h.agent_row(a).await;
    assert_eq!(
        (row.missed_offers_in_row, row.idle_since),
        (0, Some(t(100)))
    );

    // Two calls late on Monday, one early on Tuesday (UTC days).
    let late = hms(23, 50, 0);
    for (n, at) in [
        (4, late),
        (5, late + Duration::minutes(5)),
        (6, late + Duration::minutes(20)),
    ] {
        let c = call_n(n);
        h.agent(
            a,
            AgentEvent::AgentOfferReceived {
                call_id: c,
                expires_at: at,
                at,
            },
        )
        .await;
        h.accept(c, a, q, 0, at).await;
        h.end(c, a, 60, 0, at + Duration::seconds(60)).await;
        h.wrap_up_ended(c, a, 10, at + Duration::seconds(70)).await;
        if n == 5 {
            let row = h.agent_row(a).await;
            assert_eq!(
                (row.calls_today, row.calls_today_date),
                (2, Some(late.date_naive()))
            );
        }
    }
    let row = h.agent_row(a).await;
    assert_eq!(
        (row.calls_today, row.calls_today_date),
        (1, Some((late + Duration::minutes(20)).date_naive()))
    );
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn events_of_other_aggregates_and_unknown_calls_change_nothing_they_do_not_own() {
    let mut h = Harness::new().await;
    // A call event for a call the models never saw requested: skipped, not a failure.
    let seq = h
        .call(
            call_n(9),
            CallEvent::CallHeld {
                agent_id: agent_n(1),
                at: t(0),
            },
        )
        .await;
    assert!(h.notices_of(seq).is_empty());
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM read_calls.calls")
        .fetch_one(h.pool())
        .await
        .unwrap();
    assert_eq!(calls, 0);
    // History keeps every call event all the same.
    assert_eq!(h.history(call_n(9)).await.len(), 1);
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn a_call_requested_again_replaces_its_row_in_a_rebuild_too() {
    let mut h = Harness::new().await;
    // As if the stream held a call's `CallRequested` twice: the second starts the row
    // afresh. A rebuild copies a call's new row with `COPY`; one that exists already from
    // an earlier batch must be replaced all the same (batches of 1 and 3 below).
    for (language, at) in [("es", t(0)), ("fr", t(5))] {
        h.call(
            call_n(1),
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: call_n(1),
                requester_id: requester_n(1),
                request: request(language),
                at,
            },
        )
        .await;
    }
    h.call(
        call_n(2),
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: call_n(2),
            requester_id: requester_n(1),
            request: request("de"),
            at: t(6),
        },
    )
    .await;
    let row = h.call_row(call_n(1)).await;
    assert_eq!((row.language.as_str(), row.seq), ("fr", 2));
    h.assert_every_batching_matches().await;
}

#[tokio::test]
async fn an_erasure_clears_the_plain_free_text_of_old_events_of_that_requester_only() {
    let mut h = Harness::new().await;
    let plain = |text: &str| Some(PersonalText::Plain(Notes::parse(text).unwrap()));
    // Events stored before sealing (issue 26) hold their free text in the clear.
    for (call, requester) in [(call_n(1), requester_n(1)), (call_n(2), requester_n(2))] {
        h.call(
            call,
            CallEvent::CallRequested {
                organisation_id: None,
                call_id: call,
                requester_id: requester,
                request: request("es"),
                at: t(0),
            },
        )
        .await;
        h.call(
            call,
            CallEvent::CallWrappedUp {
                agent_id: agent_n(1),
                disposition: Disposition::parse("completed").unwrap(),
                notes: plain("spoke of a diagnosis"),
                wrap_up_seconds: 5,
                at: t(60),
            },
        )
        .await;
        h.call(
            call,
            CallEvent::CallRated {
                stars: Stars::parse(5).unwrap(),
                comment: plain("thank you"),
                at: t(90),
            },
        )
        .await;
    }
    let erased = domain::privacy::PrivacyEvent::SubjectErased {
        subject_id: requester_n(1),
        erasure_id: uuid::Uuid::from_u128(77),
        keys_destroyed: 0,
        at: t(120),
    };
    h.feed("Privacy", requester_n(1).as_uuid(), &erased).await;
    let row = h.call_row(call_n(1)).await;
    assert_eq!(row.notes.as_deref(), Some("[erased]"));
    assert_eq!(row.rating_comment.as_deref(), Some("[erased]"));
    let other = h.call_row(call_n(2)).await;
    assert_eq!(other.notes.as_deref(), Some("spoke of a diagnosis"));
    // A rebuild and every batching give the same rows.
    h.assert_every_batching_matches().await;
}
