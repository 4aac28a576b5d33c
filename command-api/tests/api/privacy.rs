//! Issue 26: personal fields sealed per subject inside events, erasure by destroying keys,
//! retention of free text, and a subject's export (the access audit and bad input:
//! `privacy_access.rs`).

use chrono::{TimeDelta, Utc};
use command_api::auth::Role;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, spawn_app};

const ERASED: &str = "[erased]";

/// A new organisation with a new requester called `name`; the requester's session.
pub(crate) async fn requester_named(app: &TestApp, admin: &Session, name: &str) -> (Uuid, Session) {
    let organisation = app
        .post(
            "/api/organisations",
            admin,
            json!({"name": format!("Clinic {}", Uuid::new_v4().simple())}),
        )
        .await
        .expect(201)
        .id();
    let email = format!("{}@privacy.example", Uuid::new_v4().simple());
    let password = "a long enough password";
    app.post(
        "/api/users",
        admin,
        json!({"email": email, "name": name, "role": "requester", "password": password,
               "organisation_id": organisation}),
    )
    .await
    .expect(201);
    (organisation, app.login_as_with(&email, password).await)
}

/// A call of `requester` answered, ended, wrapped up with `notes` and rated with `comment`.
pub(crate) async fn finished_call(
    app: &TestApp,
    requester: &Session,
    notes: &str,
    comment: &str,
) -> Uuid {
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    let call = app.connected_call(requester, &supervisor, &agent).await;
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/end"),
        Some(&agent.token),
        None,
    )
    .await
    .expect(202);
    app.post(
        &format!("/api/calls/{call}/wrap-up"),
        &agent,
        json!({"disposition": "completed", "notes": notes}),
    )
    .await
    .expect(202);
    app.post(
        &format!("/api/calls/{call}/rating"),
        requester,
        json!({"stars": 4, "comment": comment}),
    )
    .await
    .expect(202);
    call
}

/// How many stored events hold `text` in their payload or metadata.
async fn events_holding(app: &TestApp, text: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE strpos(payload::text, $1) > 0 OR strpos(metadata::text, $1) > 0",
    )
    .bind(text)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Every message body of the test's stream.
async fn stream_bodies(app: &TestApp) -> Vec<String> {
    let js = app.jetstream();
    let mut stream = js.get_stream(&app.bus().stream).await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut bodies = Vec::new();
    for sequence in 1..=last {
        let message = stream.get_raw_message(sequence).await.unwrap();
        bodies.push(String::from_utf8_lossy(&message.payload).into_owned());
    }
    bodies
}

async fn csv_export(app: &TestApp, admin: &Session) -> String {
    let response = app
        .client
        .get(format!("{}/api/calls/export.csv", app.address))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Every string of `value`, at any depth.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

#[tokio::test]
async fn no_plaintext_personal_field_reaches_the_events_or_the_stream() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    // Property: for generated names, notes and comments, none is stored in the clear, and
    // every read path gives each back.
    let mut runner = TestRunner::deterministic();
    let name = "[A-Z][a-z]{8,14} [A-Z][a-z]{8,14}";
    let text = "[A-Za-z]{6,12}( [A-Za-z]{6,12}){2,8}";
    let mut cases = Vec::new();
    for _ in 0..3 {
        let name = name.new_tree(&mut runner).unwrap().current();
        let notes = text.new_tree(&mut runner).unwrap().current();
        let comment = text.new_tree(&mut runner).unwrap().current();
        let (_, requester) = requester_named(&app, &admin, &name).await;
        let call = finished_call(&app, &requester, &notes, &comment).await;
        cases.push((name, notes, comment, call));
    }
    app.wait_for_projections().await;
    let bodies = stream_bodies(&app).await;
    assert!(!bodies.is_empty());
    for (name, notes, comment, call) in &cases {
        for secret in [name, notes, comment] {
            assert_eq!(
                events_holding(&app, secret).await,
                0,
                "{secret:?} in events"
            );
            assert!(
                bodies.iter().all(|body| !body.contains(secret.as_str())),
                "{secret:?} on the stream"
            );
        }
        let detail = app
            .get(&format!("/api/calls/{call}"), &admin)
            .await
            .expect(200)
            .body;
        assert_eq!(detail["requester_name"], name.as_str());
        assert_eq!(detail["notes"], notes.as_str());
        assert_eq!(detail["rating_comment"], comment.as_str());
        let history = app
            .get(&format!("/api/calls/{call}/history"), &admin)
            .await
            .expect(200)
            .body;
        let seen = strings(&history);
        assert!(seen.contains(name), "the requester's name in {history}");
        assert!(seen.contains(notes), "the notes in {history}");
        assert!(seen.iter().all(|s| !s.starts_with("sealed:")), "{history}");
    }
}

#[tokio::test]
async fn an_erased_subject_reads_erased_everywhere_even_after_a_rebuild() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let name = "Philippa Forgettable";
    let (_, requester) = requester_named(&app, &admin, name).await;
    let call = finished_call(
        &app,
        &requester,
        "patient disclosed asthma",
        "kind interpreter",
    )
    .await;
    app.wait_for_projections().await;
    let before = app
        .get(&format!("/api/calls/{call}"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(before["notes"], "patient disclosed asthma");
    assert!(
        csv_export(&app, &admin)
            .await
            .contains("patient disclosed asthma")
    );

    let erasure = app
        .post(
            "/api/privacy/erasures",
            &admin,
            json!({"subject_id": requester.id}),
        )
        .await
        .expect(202);
    let erasure_id = erasure.id();
    assert_eq!(
        erasure.body.as_object().unwrap().len(),
        1,
        "{}",
        erasure.body
    );
    app.wait_for_projections().await;

    let assert_erased = |detail: &Value| {
        assert_eq!(detail["requester_name"], ERASED, "{detail}");
        assert_eq!(detail["notes"], ERASED, "{detail}");
        assert_eq!(detail["rating_comment"], ERASED, "{detail}");
        // The interpreter was not erased.
        assert_ne!(detail["agent_name"], ERASED, "{detail}");
    };
    let detail = app
        .get(&format!("/api/calls/{call}"), &admin)
        .await
        .expect(200)
        .body;
    assert_erased(&detail);
    let list = app.get("/api/calls", &admin).await.expect(200).body;
    let listed = strings(&list);
    assert!(
        !listed
            .iter()
            .any(|s| s.contains("asthma") || s.contains(name)),
        "{list}"
    );
    let history = app
        .get(&format!("/api/calls/{call}/history"), &admin)
        .await
        .expect(200)
        .body;
    let seen = strings(&history);
    assert!(
        !seen
            .iter()
            .any(|s| s.contains("asthma") || s.contains(name)),
        "{history}"
    );
    assert!(seen.contains(&ERASED.to_owned()), "{history}");
    let csv = csv_export(&app, &admin).await;
    assert!(!csv.contains("asthma") && !csv.contains(name) && !csv.contains("kind interpreter"));
    assert!(csv.contains(ERASED), "{csv}");

    // The erasure is a fact in the log, naming nobody.
    let erased: Vec<(String, String)> = sqlx::query_as(
        "SELECT event_type, payload::text FROM events WHERE aggregate_type = 'Privacy' AND aggregate_id = $1",
    )
    .bind(requester.id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0].0, "SubjectErased");
    assert!(erased[0].1.contains(&erasure_id.to_string()));
    assert!(!erased[0].1.contains("Philippa"));

    // A rebuild from the first event gives the same answers.
    for name in ["calls", "history"] {
        let projection = projections::read_models::all()
            .into_iter()
            .find(|p| p.name() == name)
            .unwrap();
        projections::worker::rebuild(&app.pool, &app.jetstream(), &app.bus(), projection.as_ref())
            .await
            .unwrap();
    }
    assert_eq!(
        app.get(&format!("/api/calls/{call}"), &admin)
            .await
            .expect(200)
            .body["notes"],
        ERASED
    );
    let rebuilt = app
        .get(&format!("/api/calls/{call}/history"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(rebuilt, history);

    // The export says what is left: ids, times, "[erased]".
    let export = app
        .get(
            &format!("/api/privacy/subjects/{}/export", requester.id),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(export["account"]["name"], ERASED);
    assert_eq!(export["account"]["email"], ERASED);
    assert_eq!(export["calls_requested"][0]["id"], call.to_string());
    assert_eq!(export["calls_requested"][0]["notes"], ERASED);
    assert!(
        export["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| !k["destroyed_at"].is_null())
    );
    assert!(
        !strings(&export)
            .iter()
            .any(|s| s.contains("asthma") || s.contains(name))
    );
    // Their sessions no longer stand: within a second, as a deactivation's (each process
    // remembers a token's standing that long).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    loop {
        let answer = app.get("/api/auth/me", &requester).await;
        if answer.status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still accepted: {}",
            answer.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_subject_export_holds_their_data_in_the_clear() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let (organisation, requester) = requester_named(&app, &admin, "Otto Exported").await;
    let call = finished_call(&app, &requester, "needs a follow-up", "very good").await;
    app.wait_for_projections().await;
    let export = app
        .get(
            &format!("/api/privacy/subjects/{}/export", requester.id),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(export["subject_id"], requester.id.to_string());
    assert_eq!(export["account"]["name"], "Otto Exported");
    assert_eq!(
        export["account"]["organisation_id"],
        organisation.to_string()
    );
    let calls = export["calls_requested"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["id"], call.to_string());
    assert_eq!(calls[0]["notes"], "needs a follow-up");
    assert_eq!(calls[0]["rating_comment"], "very good");
    let classes: Vec<&str> = export["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["data_class"].as_str())
        .collect();
    assert!(
        classes.contains(&"identity") && classes.contains(&"call_text"),
        "{classes:?}"
    );
}

#[tokio::test]
async fn free_text_older_than_the_retention_is_shredded_and_the_shredding_recorded() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let (organisation, requester) = requester_named(&app, &admin, "Rhoda Retained").await;
    let call = finished_call(&app, &requester, "old notes", "old comment").await;
    app.put(
        &format!("/api/organisations/{organisation}/retention"),
        &admin,
        json!({"retention_days": 1}),
    )
    .await
    .expect(200);
    // Nothing is a day old yet.
    assert!(
        command_api::privacy::retention::sweep_once(&app.state, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    // Two days on, the call's free text is past its retention.
    let later = Utc::now() + TimeDelta::days(2);
    let shredded = command_api::privacy::retention::sweep_once(&app.state, later)
        .await
        .unwrap();
    assert_eq!(shredded.len(), 1);
    assert_eq!(shredded[0].organisation_id, organisation);
    assert_eq!(shredded[0].calls, 1);
    app.wait_for_projections().await;
    let detail = app
        .get(&format!("/api/calls/{call}"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(detail["notes"], ERASED);
    assert_eq!(detail["rating_comment"], ERASED);
    // Only the free text: the requester's name stays.
    assert_eq!(detail["requester_name"], "Rhoda Retained");
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE aggregate_type = 'Privacy' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(organisation.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(recorded, ["RetentionSet", "CallTextShredded"]);
    // A second pass has nothing left to do.
    assert!(
        command_api::privacy::retention::sweep_once(&app.state, later)
            .await
            .unwrap()
            .is_empty()
    );
}
