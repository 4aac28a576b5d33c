//! Read-model retention: old calls leave the read models with everything kept about them,
//! in batches, and the rest stays.

use chrono::{Duration, Utc};
use command_api::auth::Role;
use command_api::history::{FloorHistory, fill_read_models};
use command_api::seed::demo_queue_id;
use projections::retention::{BATCH, Retention, prune};
use uuid::Uuid;

use crate::helpers::spawn_app;

async fn count(app: &crate::helpers::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn calls_and_buckets_older_than_the_retention_leave_the_read_models() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let now = Utc::now();
    let interpreters = [Uuid::new_v4(), Uuid::new_v4()];
    // 30,000 calls, one a second back from now (8 h 20 min); two days of buckets.
    let floor = FloorHistory {
        calls: 30_000,
        history_per_call: 2,
        metric_days: 2,
        queue: demo_queue_id("es-general").as_uuid(),
        requester: requester.id,
        interpreters: &interpreters,
        now,
    };
    fill_read_models(&app.pool, &floor).await.expect("a floor");
    // The metrics' lookups of 12,000 calls, older than the cutoff and none of them
    // connected: more than one batch, each deleting no `connections` row.
    sqlx::query(
        "INSERT INTO read_metrics.call_facts (call_id, requested_at, language, language_resolved, \
                                              queue_resolved, connection_hold_s, seq) \
         SELECT gen_random_uuid(), $1 - g * interval '1 second', 'es', true, true, 0, g \
           FROM generate_series(1, 12000) AS g",
    )
    .bind(now - Duration::hours(5))
    .execute(&app.pool)
    .await
    .expect("old call facts");
    let buckets_before = count(&app, "SELECT count(*) FROM read_metrics.buckets").await;

    // A day's retention, a day less four hours later: what is older than four hours goes.
    let later = now + Duration::days(1) - Duration::hours(4);
    let keep_a_day = Retention {
        calls_days: Some(1),
        metrics_days: Some(1),
    };
    let pruned = prune(&app.pool, keep_a_day, later).await.expect("prune");
    let cutoff = now - Duration::hours(4);
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM read_calls.calls WHERE requested_at >= $1")
            .bind(cutoff)
            .fetch_one(&app.pool)
            .await
            .expect("kept");
    assert_eq!(kept, 4 * 3600, "the last four hours' calls stay");
    assert_eq!(
        i64::try_from(pruned.calls).expect("a count"),
        30_000 - kept,
        "in batches of {BATCH}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM read_calls.calls").await,
        kept
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM read_calls.call_agents").await,
        kept
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM read_history.events").await,
        kept * 2
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM read_metrics.call_facts").await,
        0,
        "every batch of old lookups goes, not only the first"
    );
    let buckets_after = count(&app, "SELECT count(*) FROM read_metrics.buckets").await;
    assert_eq!(
        buckets_before - buckets_after,
        i64::try_from(pruned.buckets).expect("a count")
    );
    let old_buckets: i64 =
        sqlx::query_scalar("SELECT count(*) FROM read_metrics.buckets WHERE bucket_start < $1")
            .bind(cutoff)
            .fetch_one(&app.pool)
            .await
            .expect("old buckets");
    assert_eq!(old_buckets, 0);
    assert!(buckets_after > 0, "the last four hours' buckets stay");

    // Nothing more to prune, and the call list pages through what stays.
    assert_eq!(
        prune(&app.pool, keep_a_day, later)
            .await
            .expect("prune again"),
        Default::default()
    );
    let page = app
        .get("/api/calls?limit=5", &app.login(Role::Supervisor).await)
        .await
        .expect(200);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(5));
}
