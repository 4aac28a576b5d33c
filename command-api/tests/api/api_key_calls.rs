//! API keys and the calls they request: a key reads and cancels its own calls (scopes
//! `calls:read`, `calls:cancel`) and nobody else's; a key scoped to requesting only keeps
//! requesting; a supervisor cancels any waiting call, whoever requested it.

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Answer, Session, TestApp, spawn_app};

async fn new_key(app: &TestApp, admin: &Session, body: Value) -> String {
    app.post("/api/api-keys", admin, body)
        .await
        .expect(201)
        .body["key"]
        .as_str()
        .expect("a key")
        .to_owned()
}

/// Sends with a bearer token: an API key, or a session's token.
async fn with_key(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> Answer {
    app.send(method, path, Some(key), body).await
}

async fn request_with_key(app: &TestApp, key: &str) -> Uuid {
    with_key(
        app,
        Method::POST,
        "/api/calls",
        key,
        Some(json!({"language": "es", "modality": "video"})),
    )
    .await
    .expect(202)
    .id()
}

#[tokio::test]
async fn an_api_key_reads_and_cancels_the_calls_it_requested_and_no_others() {
    let app = spawn_app().await;
    // `GET /api/calls/{id}` reads a read model.
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    let key = new_key(&app, &admin, json!({"name": "Clinic scheduler"})).await;
    let own = request_with_key(&app, &key).await;
    let someone_elses = app.request_call(&requester).await;
    app.wait_for_projections().await;

    let read = with_key(&app, Method::GET, &format!("/api/calls/{own}"), &key, None)
        .await
        .expect(200);
    assert_eq!(read.body["id"], json!(own));
    assert_eq!(read.body["status"], "queued");
    let hidden = with_key(
        &app,
        Method::GET,
        &format!("/api/calls/{someone_elses}"),
        &key,
        None,
    )
    .await
    .expect(404);
    assert_eq!(hidden.error_code(), "call_not_found");

    let refused = with_key(
        &app,
        Method::POST,
        &format!("/api/calls/{someone_elses}/cancel"),
        &key,
        None,
    )
    .await
    .expect(409);
    assert_eq!(refused.error_code(), "not_your_request");
    with_key(
        &app,
        Method::POST,
        &format!("/api/calls/{own}/cancel"),
        &key,
        None,
    )
    .await
    .expect(202);
    assert_eq!(app.call_state(own).await["status"], "abandoned");
    assert_eq!(app.call_state(someone_elses).await["status"], "queued");
}

#[tokio::test]
async fn a_key_scoped_to_requesting_only_still_requests_but_may_not_read_or_cancel() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let key = new_key(
        &app,
        &admin,
        json!({"name": "Old integration", "scopes": ["calls:request"]}),
    )
    .await;
    let call = request_with_key(&app, &key).await;
    for (method, path) in [
        (Method::GET, format!("/api/calls/{call}")),
        (Method::POST, format!("/api/calls/{call}/cancel")),
    ] {
        let answer = with_key(&app, method, &path, &key, None).await.expect(403);
        assert_eq!(answer.error_code(), "forbidden");
    }
    assert_eq!(app.call_state(call).await["status"], "queued");
}

#[tokio::test]
async fn a_supervisor_cancels_any_waiting_call_but_not_one_in_progress() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let supervisor = app.login(Role::Supervisor).await;
    let requester = app.login(Role::Requester).await;
    let agent = app.login(Role::Agent).await;
    let key = new_key(&app, &admin, json!({"name": "Clinic scheduler"})).await;
    let by_key = request_with_key(&app, &key).await;
    let by_requester = app.request_call(&requester).await;
    for call in [by_key, by_requester] {
        with_key(
            &app,
            Method::POST,
            &format!("/api/calls/{call}/cancel"),
            &supervisor.token,
            None,
        )
        .await
        .expect(202);
        assert_eq!(app.call_state(call).await["status"], "abandoned");
    }
    let live = app.connected_call(&requester, &supervisor, &agent).await;
    let answer = with_key(
        &app,
        Method::POST,
        &format!("/api/calls/{live}/cancel"),
        &supervisor.token,
        None,
    )
    .await
    .expect(409);
    assert_eq!(answer.error_code(), "call_not_waiting");
}
