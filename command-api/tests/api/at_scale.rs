//! Read paths on a large store: their cost follows the page asked for, not the rows held.

use std::time::{Duration, Instant};

use command_api::auth::Role;
use command_api::seed::demo_user_id;

use crate::helpers::spawn_app;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// `GET /api/calls` orders newest first; with 300,000 calls held, a page must come from
/// the index that has that order (`calls_newest_first`), not from sorting every row.
#[tokio::test]
async fn a_page_of_the_call_list_costs_the_same_with_300_000_calls_held() {
    // The application creates the read models' schemas, indexes included, as it starts.
    let app = spawn_app().await;
    let supervisor = app.login(Role::Supervisor).await;
    let requester = app.login(Role::Requester).await;
    let time_pages = |session| {
        let app = &app;
        async move {
            let mut samples = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..15 {
                let path = match &cursor {
                    Some(c) => format!("/api/calls?limit=50&cursor={c}"),
                    None => "/api/calls?limit=50".to_owned(),
                };
                let started = Instant::now();
                let page = app.get(&path, session).await.expect(200);
                samples.push(started.elapsed());
                cursor = page.body["next_cursor"].as_str().map(str::to_owned);
            }
            median(samples)
        }
    };
    let (empty_staff, empty_own) = (time_pages(&supervisor).await, time_pages(&requester).await);

    sqlx::query(
        "INSERT INTO read_calls.calls (call_id, requester_id, language, source_language, modality, \
                                       priority, status, requested_at, seq) \
         SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN $1 ELSE gen_random_uuid() END, 'es', 'en', \
                'video', 'normal', 'wrapped_up', now() - g * interval '1 second', g \
           FROM generate_series(1, 300000) AS g",
    )
    .bind(demo_user_id("requester@example.com"))
    .execute(&app.pool)
    .await
    .expect("fill the call list");
    sqlx::query("ANALYZE read_calls.calls")
        .execute(&app.pool)
        .await
        .expect("analyze");
    let (full_staff, full_own) = (time_pages(&supervisor).await, time_pages(&requester).await);
    eprintln!(
        "a page of 50: supervisor {empty_staff:?} → {full_staff:?}, requester {empty_own:?} → {full_own:?} (300,000 calls)"
    );
    // A sort of 300,000 rows takes hundreds of milliseconds; an index scan of a page, a few.
    let bound = |empty: Duration| empty * 3 + Duration::from_millis(30);
    assert!(
        full_staff < bound(empty_staff),
        "supervisor: {empty_staff:?} → {full_staff:?}"
    );
    assert!(
        full_own < bound(empty_own),
        "requester: {empty_own:?} → {full_own:?}"
    );
}
