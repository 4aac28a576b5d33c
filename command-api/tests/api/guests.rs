//! Guests of a live call over HTTP: invited by a participant with a link, joined without
//! an account, removed (the link then admits nobody), expired, and out of the room when
//! the call ends; each step in the call's history with who did it.

use std::time::Duration;

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Answer, Session, TestApp, spawn_app, spawn_app_with};

async fn connected(app: &TestApp) -> (Uuid, Session, Session, Session) {
    let (requester, supervisor, agent) = (
        app.login(Role::Requester).await,
        app.login(Role::Supervisor).await,
        app.login(Role::Agent).await,
    );
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    (call, requester, supervisor, agent)
}

async fn invite(app: &TestApp, call: Uuid, who: &Session, name: &str) -> Answer {
    app.post(
        &format!("/api/calls/{call}/participants"),
        who,
        json!({"name": name, "kind": "guest"}),
    )
    .await
}

/// The token of an invitation's `join_url` (`/guest#token=…`).
fn token_of(invitation: &Value) -> String {
    let url = invitation["join_url"].as_str().unwrap_or_default();
    let token = url.strip_prefix("/guest#token=");
    assert!(token.is_some(), "{invitation}");
    token.unwrap_or_default().to_owned()
}

async fn as_guest(app: &TestApp, verb: &str, token: &str) -> Answer {
    app.send(
        Method::POST,
        &format!("/api/guests/{verb}"),
        None,
        Some(json!({ "token": token })),
    )
    .await
}

async fn count(app: &TestApp, call: Uuid, event_type: &str) -> usize {
    let types = app.event_types(call).await;
    types.iter().filter(|t| *t == event_type).count()
}

#[tokio::test]
async fn a_guest_joins_by_link_without_an_account_and_is_removed() {
    let app = spawn_app().await;
    let (call, requester, _supervisor, agent) = connected(&app).await;
    let invitation = invite(&app, call, &requester, "Maria (daughter)")
        .await
        .expect(201)
        .body;
    assert!(invitation["expires_at"].as_str().is_some(), "{invitation}");
    let token = token_of(&invitation);

    let room = as_guest(&app, "join", &token).await.expect(200).body;
    assert_eq!(
        room["name"], "Maria (daughter)",
        "the name is revealed: {room}"
    );
    assert_eq!(room["call_id"], json!(call));
    assert!(
        room["room"]
            .as_str()
            .is_some_and(|r| r.starts_with("parley-")),
        "{room}"
    );
    // The page asks again every few seconds: one arrival all the same.
    as_guest(&app, "join", &token).await.expect(200);
    assert_eq!(count(&app, call, "GuestJoined").await, 1);
    let actor: (String, String) = sqlx::query_as(
        "SELECT metadata->>'actor_id', metadata->>'actor_role' FROM events
          WHERE aggregate_id = $1 AND event_type = 'GuestJoined'",
    )
    .bind(call.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("the GuestJoined event");
    assert_eq!(
        actor,
        (
            invitation["id"].as_str().unwrap_or_default().to_owned(),
            "guest".to_owned()
        )
    );

    // The audit is written in batches, a moment later.
    let guest_uuid =
        Uuid::parse_str(invitation["id"].as_str().unwrap_or_default()).unwrap_or_default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let audited: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM access_audit WHERE actor_id = $1 AND resource_id = $2",
        )
        .bind(guest_uuid)
        .bind(call.to_string())
        .fetch_one(&app.pool)
        .await
        .expect("read the access audit");
        if audited >= 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the guest's opening of the room is in the access audit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let guest = invitation["id"].as_str().unwrap_or_default();
    let path = format!("/api/calls/{call}/participants/{guest}");
    app.send(Method::DELETE, &path, Some(&agent.token), None)
        .await
        .expect(204);
    let refused = as_guest(&app, "join", &token).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(refused.error_code(), "guest_not_found");
    let again = app
        .send(Method::DELETE, &path, Some(&agent.token), None)
        .await;
    assert_eq!(again.status, 404, "{}", again.body);
    assert_eq!(count(&app, call, "GuestRemoved").await, 1);
}

#[tokio::test]
async fn bad_invitations_and_bad_links_are_refused() {
    let app = spawn_app().await;
    let (call, requester, _supervisor, _agent) = connected(&app).await;
    let admin = app.login(Role::Admin).await;
    let forbidden = invite(&app, call, &admin, "Maria").await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    let other = app.login_as("agent2@example.com").await;
    let not_theirs = invite(&app, call, &other, "Maria").await;
    assert_eq!(not_theirs.status, 409, "{}", not_theirs.body);
    for (body, status) in [
        (json!({"name": "", "kind": "guest"}), 422),
        (json!({"name": "x".repeat(101), "kind": "guest"}), 422),
        (json!({"name": "Maria", "kind": "robot"}), 400),
        (json!({"name": "Maria"}), 400),
        (json!({"name": "Maria", "kind": "guest", "extra": 1}), 400),
    ] {
        let answer = app
            .post(
                &format!("/api/calls/{call}/participants"),
                &requester,
                body.clone(),
            )
            .await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
    }
    let unknown = invite(&app, Uuid::now_v7(), &requester, "Maria").await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    let token = token_of(
        &invite(&app, call, &requester, "Maria")
            .await
            .expect(201)
            .body,
    );
    let mut tampered = token.clone();
    tampered.replace_range(..1, if token.starts_with('0') { "1" } else { "0" });
    for bad in [tampered.as_str(), "", "nonsense", "a.b.c.d"] {
        let answer = as_guest(&app, "join", bad).await;
        assert_eq!(answer.status, 404, "{bad}: {}", answer.body);
        assert_eq!(answer.error_code(), "guest_link_not_found");
    }
    let no_token = app
        .send(Method::POST, "/api/guests/join", None, Some(json!({})))
        .await;
    assert_eq!(no_token.status, 400, "{}", no_token.body);
    for n in 0..4 {
        invite(&app, call, &requester, &format!("Guest {n}"))
            .await
            .expect(201);
    }
    let sixth = invite(&app, call, &requester, "One too many").await;
    assert_eq!(sixth.status, 409, "{}", sixth.body);
    assert_eq!(sixth.error_code(), "too_many_guests");
}

#[tokio::test]
async fn a_link_expires_and_the_end_of_the_call_takes_its_guests_out() {
    let app = spawn_app_with(|s| s.jitsi.guest_link_ttl_s = 1).await;
    let (call, requester, _supervisor, agent) = connected(&app).await;
    let late = token_of(
        &invite(&app, call, &requester, "Late")
            .await
            .expect(201)
            .body,
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = as_guest(&app, "join", &late).await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert_eq!(expired.error_code(), "guest_link_expired");

    let app = spawn_app().await;
    let (call, requester, _supervisor, agent2) = connected(&app).await;
    let (a, b) = (
        token_of(&invite(&app, call, &requester, "A").await.expect(201).body),
        token_of(&invite(&app, call, &agent2, "B").await.expect(201).body),
    );
    as_guest(&app, "join", &a).await.expect(200);
    as_guest(&app, "join", &b).await.expect(200);
    as_guest(&app, "leave", &b).await.expect(202);
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/end"),
        Some(&agent2.token),
        None,
    )
    .await
    .expect(202);
    let types = app.event_types(call).await;
    assert_eq!(
        types[types.len() - 2..],
        ["GuestLeft".to_owned(), "CallEnded".to_owned()],
        "A, still in the room, leaves with the end: {types:?}"
    );
    assert_eq!(count(&app, call, "GuestLeft").await, 2);
    let over = as_guest(&app, "join", &a).await;
    assert_eq!(over.status, 409, "{}", over.body);
    drop(agent);
}
