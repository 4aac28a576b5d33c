//! Floor snapshots (issue 21 §1): the floor as of an instant, from the latest snapshot plus
//! the events after it, equals the fold of the whole history, and costs the same on a long
//! history as on a short one.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use command_api::auth::Role;
use command_api::floor_snapshots::Builder;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, median, spawn_app};

async fn floor_at(app: &TestApp, at: DateTime<Utc>) -> Value {
    let supervisor = app.token_for(Role::Supervisor);
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut view = app
        .send(
            reqwest::Method::GET,
            &format!("/api/floor?at={}", at.replace('+', "%2B")),
            Some(&supervisor),
            None,
        )
        .await
        .expect(200)
        .body;
    // How many events were folded differs by design: a snapshot drops the calls that are
    // over, and their later events (a rating) fold into nothing shown.
    view.as_object_mut().map(|v| v.remove("events"));
    view
}

async fn snapshots(app: &TestApp, every: chrono::Duration) -> usize {
    let mut builder = Builder::resume(&app.pool, every).await.expect("resume");
    // As if the grid's instants were long past.
    let later = Utc::now() + chrono::Duration::days(30);
    builder
        .advance(&app.pool, every, later)
        .await
        .expect("build snapshots")
}

#[tokio::test]
async fn the_floor_from_a_snapshot_and_the_events_after_it_equals_the_fold_of_everything() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    let mut instants = Vec::new();
    let pause = || tokio::time::sleep(Duration::from_millis(1_100));
    let mark = |instants: &mut Vec<DateTime<Utc>>| instants.push(Utc::now());

    app.set_status(&agent2, "available").await;
    let answered = app.connected_call(&requester, &supervisor, &agent1).await;
    let waiting = app.request_call(&requester).await;
    let cancelled = app.request_call(&requester).await;
    mark(&mut instants);
    pause().await;
    app.post(
        &format!("/api/calls/{cancelled}/cancel"),
        &requester,
        json!({}),
    )
    .await
    .expect(202);
    app.post(&format!("/api/calls/{answered}/hold"), &agent1, json!({}))
        .await
        .expect(202);
    mark(&mut instants);
    pause().await;
    app.post(&format!("/api/calls/{answered}/end"), &agent1, json!({}))
        .await
        .expect(202);
    app.post(
        &format!("/api/calls/{waiting}/offer"),
        &supervisor,
        json!({"agent_id": agent2.id}),
    )
    .await
    .expect(202);
    mark(&mut instants);
    pause().await;
    app.post(
        &format!("/api/calls/{answered}/wrap-up"),
        &agent1,
        json!({"disposition": "completed"}),
    )
    .await
    .expect(202);
    app.post(
        &format!("/api/calls/{answered}/rating"),
        &requester,
        json!({"stars": 5}),
    )
    .await
    .expect(202);
    app.accept(waiting, &agent2).await.expect(202);
    mark(&mut instants);
    pause().await;
    app.set_status(&agent1, "break").await;
    mark(&mut instants);

    let mut folded = Vec::new();
    for at in &instants {
        folded.push(floor_at(&app, *at).await);
    }
    let written = snapshots(&app, chrono::Duration::seconds(1)).await;
    assert!(written >= 3, "{written} snapshots");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM floor_snapshots")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(usize::try_from(stored).ok(), Some(written));
    for (at, expected) in instants.iter().zip(&folded) {
        assert_eq!(&floor_at(&app, *at).await, expected, "the floor at {at}");
    }
    // Between the snapshots' instants too, and before the first.
    let start = instants[0] - chrono::Duration::milliseconds(700);
    for step in 0..12 {
        let at = start + chrono::Duration::milliseconds(450 * step);
        sqlx::query("UPDATE floor_snapshots SET format = -format")
            .execute(&app.pool)
            .await
            .expect("hide");
        let everything = floor_at(&app, at).await;
        sqlx::query("UPDATE floor_snapshots SET format = -format")
            .execute(&app.pool)
            .await
            .expect("show");
        assert_eq!(floor_at(&app, at).await, everything, "the floor at {at}");
    }
    // A second round finds nothing new to write.
    assert_eq!(snapshots(&app, chrono::Duration::seconds(1)).await, 0);
}

/// 100 interpreters switching between available and break every 6 minutes for five days:
/// 120,000 events, each stored when it happened.
async fn five_days_of_status_changes(app: &TestApp, end: DateTime<Utc>) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata, recorded_at) \
         SELECT 'Agent', a.id::text, s, 'AgentStatusChanged', '1', \
                json_build_object('AgentStatusChanged', json_build_object( \
                    'agent_id', a.id, \
                    'from', CASE WHEN s % 2 = 0 THEN 'available' ELSE 'break' END, \
                    'to', CASE WHEN s % 2 = 0 THEN 'break' ELSE 'available' END, \
                    'at', to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))), \
                '{}', t.at \
           FROM generate_series(1, 100) AS n, \
                LATERAL (SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid AS id) AS a, \
                generate_series(1, 1200) AS s, \
                LATERAL (SELECT $1 - (1201 - s) * interval '6 minutes' + n * interval '1 second' AS at) AS t \
          ORDER BY t.at",
    )
    .bind(end)
    .execute(&app.pool)
    .await
    .expect("five days of status changes");
}

#[tokio::test]
async fn the_floor_as_of_an_instant_costs_the_same_on_five_days_of_history_as_on_one_hour() {
    let app = spawn_app().await;
    // After the seed's events, as the commit order has it: from an hour from now on.
    let end = Utc::now() + chrono::Duration::days(5) + chrono::Duration::hours(1);
    five_days_of_status_changes(&app, end).await;
    let started = Instant::now();
    let written = snapshots(&app, chrono::Duration::minutes(30)).await;
    eprintln!("{written} snapshots in {:?}", started.elapsed());
    assert!(written > 200, "{written}");
    let time_floor = |at: DateTime<Utc>| {
        let app = &app;
        async move {
            let mut samples = Vec::new();
            for _ in 0..7 {
                let started = Instant::now();
                let view = floor_at(app, at).await;
                samples.push(started.elapsed());
                assert_eq!(
                    view["agents"].as_array().map(Vec::len),
                    Some(103),
                    "100 and the 3 seeded"
                );
            }
            median(samples)
        }
    };
    let first_hour = time_floor(end - chrono::Duration::days(5) + chrono::Duration::hours(1)).await;
    let last_day = time_floor(end - chrono::Duration::minutes(37)).await;
    eprintln!(
        "floor as of an instant: {first_hour:?} in the first hour, {last_day:?} five days on"
    );
    assert!(
        last_day <= first_hour * 3 + Duration::from_millis(20),
        "{last_day:?} against {first_hour:?}"
    );
    // Right, too: at 37 minutes before the end, 6 steps of 6 minutes plus one minute, the
    // interpreter n = 1 had made its change of s = 1194 (to break, an even s).
    let view = floor_at(&app, end - chrono::Duration::minutes(37)).await;
    let first = Uuid::from_u128(1).to_string();
    let agent = view["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == json!(first)))
        .cloned()
        .expect("interpreter 1");
    assert_eq!(agent["status"], "break", "{agent}");
}
