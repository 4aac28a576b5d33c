//! Callback calls in the read models against a real PostgreSQL: the call row shows the
//! choice, the join window and the join; a missed callback counts as abandoned in the
//! metrics (language and queue), its interpreter's answer still counted; the webhook
//! outbox gets one row per accepted callback call with a URL, however often it is fed.
//! Needs `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use domain::agent::CallEndReason;
use domain::call::CallEvent;
use domain::callback::WebhookUrl;

#[tokio::test]
async fn a_missed_callback_is_abandoned_in_the_call_row_and_the_metrics_and_queues_one_webhook() {
    let mut h = Harness::new().await;
    // The outbox is a migration's table, outside the projections' schemas.
    sqlx::raw_sql(include_str!(
        "../../infra/migrations/0014_callback_webhooks.sql"
    ))
    .execute(h.pool())
    .await
    .unwrap();
    let (q, a, r) = (queue_n(1), agent_n(1), requester_n(1));
    h.create_queue(q, queue_config("Spanish", &["es"], 30, None), t(0))
        .await;
    h.agent_ready(a, t(0)).await;
    let (missed, joined) = (call_n(1), call_n(2));
    let url = WebhookUrl::parse("https://clinic.example/hook").unwrap();
    for (call, webhook_url) in [(missed, Some(url.clone())), (joined, None)] {
        h.request(call, r, "es", q, t(0)).await;
        h.call(
            call,
            CallEvent::CallbackChosen {
                webhook_url,
                join_window_s: 60,
                at: t(1),
            },
        )
        .await;
    }
    assert!(h.call_row(missed).await.callback);

    // The missed one: answered at 10 s (within the service level), nobody joins by 70 s.
    h.offer(missed, a, q, t(5)).await;
    h.accept(missed, a, q, 10, t(10)).await;
    h.call(
        missed,
        CallEvent::CallbackOffered {
            agent_id: a,
            webhook_url: Some(url.clone()),
            join_by: t(70),
            at: t(10),
        },
    )
    .await;
    assert_eq!(h.call_row(missed).await.join_by, Some(t(70)));
    h.call(
        missed,
        CallEvent::CallbackMissed {
            agent_id: a,
            at: t(70),
        },
    )
    .await;
    h.call(
        missed,
        CallEvent::CallEnded {
            agent_id: a,
            talk_seconds: 60,
            hold_seconds: 0,
            at: t(70),
        },
    )
    .await;
    h.agent_call_ended(missed, a, CallEndReason::CallbackMissed, t(70))
        .await;
    let row = h.call_row(missed).await;
    assert_eq!(
        (row.status.as_str(), row.outcome.as_deref(), row.joined_at),
        ("ended", Some("abandoned"), None)
    );

    // The joined one: answered by the same interpreter later, joined in time.
    h.offer(joined, a, q, t(100)).await;
    h.accept(joined, a, q, 105, t(105)).await;
    h.call(
        joined,
        CallEvent::CallbackOffered {
            agent_id: a,
            webhook_url: None,
            join_by: t(165),
            at: t(105),
        },
    )
    .await;
    h.call(joined, CallEvent::RequesterJoined { at: t(120) })
        .await;
    let row = h.call_row(joined).await;
    assert_eq!(
        (row.status.as_str(), row.outcome.as_deref(), row.joined_at),
        ("connected", Some("answered"), Some(t(120)))
    );

    let es = h.bucket("language", "es", t(0)).await;
    assert_eq!(
        (es.offered, es.answered, es.abandoned, es.answered_in_sl),
        (2, 1, 1, 0)
    );
    assert_eq!(
        es.answer_wait_s, 105,
        "the missed answer's wait is taken back"
    );
    let queue = h.bucket("queue", &q.to_string(), t(0)).await;
    assert_eq!((queue.offered, queue.answered, queue.abandoned), (2, 1, 1));
    // The interpreter answered both: their figures stay.
    let agent = h.bucket("agent", &a.to_string(), t(0)).await;
    assert_eq!((agent.answered, agent.handled), (2, 1));

    // One outbox row, for the call with a URL; feeding its event again adds nothing.
    let outbox: Vec<(uuid::Uuid, String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT call_id, url, join_by FROM callback_webhooks")
            .fetch_all(h.pool())
            .await
            .unwrap();
    assert_eq!(
        outbox,
        vec![(missed.as_uuid(), url.as_str().to_owned(), t(70))]
    );
    h.assert_every_batching_matches().await;
}
