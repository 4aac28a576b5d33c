//! Issue 26: the access audit records reads and cannot be altered; the privacy endpoints
//! refuse non-admins and bad input.

use std::time::Duration;

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, spawn_app};
use crate::privacy::finished_call;

/// The audit's entries about `resource`, once the writer stored `count` of them.
async fn audited(app: &TestApp, admin: &Session, resource: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let entries = app
            .get(&format!("/api/audit/access?resource_id={resource}"), admin)
            .await
            .expect(200)
            .body;
        let entries = entries.as_array().unwrap().clone();
        if entries.len() >= count || tokio::time::Instant::now() > deadline {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn reads_of_a_call_are_audited_and_the_audit_cannot_be_altered() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let supervisor = app.login(Role::Supervisor).await;
    let requester = app.login(Role::Requester).await;
    let call = finished_call(&app, &requester, "notes", "comment").await;
    app.wait_for_projections().await;
    app.get(&format!("/api/calls/{call}"), &supervisor)
        .await
        .expect(200);
    app.get(&format!("/api/calls/{call}/history"), &supervisor)
        .await
        .expect(200);
    app.get(&format!("/api/calls/{call}/state"), &supervisor)
        .await
        .expect(200);

    let entries = audited(&app, &admin, &call.to_string(), 3).await;
    let by_supervisor: Vec<&str> = entries
        .iter()
        .filter(|e| e["actor_id"] == supervisor.id.to_string())
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        by_supervisor,
        ["read", "read_history", "replay"],
        "{entries:?}"
    );
    for entry in &entries {
        assert_eq!(entry["resource_type"], "call");
        assert!(entry["at"].is_string());
    }
    let mine = app
        .get(
            &format!(
                "/api/audit/access?actor_id={}&from=2000-01-01T00:00:00Z",
                supervisor.id
            ),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert!(mine.as_array().unwrap().len() >= 3);

    // No endpoint alters it, and the database refuses to.
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let answer = app
            .send(
                method.clone(),
                "/api/audit/access",
                Some(&admin.token),
                Some(json!({})),
            )
            .await;
        assert_eq!(answer.status.as_u16(), 405, "{method}");
    }
    for statement in [
        "UPDATE access_audit SET actor_id = gen_random_uuid()",
        "DELETE FROM access_audit",
        "TRUNCATE access_audit",
    ] {
        let refused = sqlx::query(statement).execute(&app.pool).await.unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    assert_eq!(
        audited(&app, &admin, &call.to_string(), 3).await.len(),
        entries.len()
    );
}

#[tokio::test]
async fn privacy_endpoints_refuse_bad_input_and_non_admins() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let supervisor = app.login(Role::Supervisor).await;
    let requester = app.login(Role::Requester).await;
    let unknown = Uuid::new_v4();

    let answer = app
        .post(
            "/api/privacy/erasures",
            &admin,
            json!({"subject_id": unknown}),
        )
        .await;
    assert_eq!(answer.expect(404).error_code(), "subject_not_found");
    let answer = app
        .get(&format!("/api/privacy/subjects/{unknown}/export"), &admin)
        .await;
    assert_eq!(answer.expect(404).error_code(), "subject_not_found");
    let organisation = app
        .post("/api/organisations", &admin, json!({"name": "Court"}))
        .await
        .expect(201)
        .id();
    let retention = format!("/api/organisations/{organisation}/retention");
    for body in [
        json!({"retention_days": 0}),
        json!({"retention_days": 36_501}),
    ] {
        app.put(&retention, &admin, body).await.expect(422);
    }
    app.put(
        &format!("/api/organisations/{unknown}/retention"),
        &admin,
        json!({"retention_days": 30}),
    )
    .await
    .expect(404);

    for session in [&supervisor, &requester] {
        app.post(
            "/api/privacy/erasures",
            session,
            json!({"subject_id": requester.id}),
        )
        .await
        .expect(403);
        app.get(
            &format!("/api/privacy/subjects/{}/export", requester.id),
            session,
        )
        .await
        .expect(403);
        app.put(&retention, session, json!({"retention_days": 30}))
            .await
            .expect(403);
        app.get("/api/audit/access", session).await.expect(403);
    }
    for body in [
        json!({}),
        json!({"subject_id": "not-a-uuid"}),
        json!({"subject_id": unknown, "name": "x"}),
    ] {
        let status = app
            .post("/api/privacy/erasures", &admin, body)
            .await
            .status
            .as_u16();
        assert!(status == 400 || status == 422, "{status}");
    }
    let status = app
        .put(&retention, &admin, json!({"retention_days": "ninety"}))
        .await
        .status
        .as_u16();
    assert!(status == 400 || status == 422, "{status}");
    for query in [
        "actor_id=nope",
        "from=yesterday",
        "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        "colour=red",
    ] {
        let answer = app.get(&format!("/api/audit/access?{query}"), &admin).await;
        assert_eq!(answer.status.as_u16(), 400, "{query}: {}", answer.body);
    }
    app.get("/api/privacy/subjects/not-a-uuid/export", &admin)
        .await
        .expect(400);
    // A well-formed retention is stored, and the same again is fine.
    for _ in 0..2 {
        let set = app
            .put(&retention, &admin, json!({"retention_days": 90}))
            .await
            .expect(200)
            .body;
        assert_eq!(set["retention_days"], 90);
    }
}
