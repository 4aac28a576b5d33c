//! Bad input of every kind, at every endpoint that takes a body: a clear 4xx in the error
//! shape, never a 500.

use command_api::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::authorization::endpoints;
use crate::helpers::{Session, TestApp, spawn_app};

/// A session whose role may call the endpoint, so that the body is what gets judged.
fn caller<'a>(sessions: &'a [Session], allowed: &[Role]) -> &'a Session {
    sessions
        .iter()
        .find(|s| allowed.contains(&s.role))
        .expect("a session for an allowed role")
}

async fn all_sessions(app: &TestApp) -> Vec<Session> {
    let mut sessions = Vec::new();
    for role in Role::ALL {
        sessions.push(app.login(role).await);
    }
    sessions
}

#[tokio::test]
async fn every_body_endpoint_refuses_malformed_misshapen_oversized_and_invalid_bodies() {
    let app = spawn_app().await;
    let sessions = all_sessions(&app).await;
    let requester = caller(&sessions, &[Role::Requester]);
    let call = app.request_call(requester).await;
    let mut checked = 0;
    for endpoint in endpoints(call).into_iter().filter(|e| e.body.is_some()) {
        let session = caller(&sessions, endpoint.allowed);
        let (method, path) = (endpoint.method.clone(), endpoint.path.as_str());
        let label = format!("{method} {path}");
        let json_type = Some("application/json");

        for (raw, expected_code) in [
            (&b"{\"unterminated"[..], "malformed_json"),
            (&b"not json at all"[..], "malformed_json"),
            (&b"null"[..], "invalid_body"),
            (&b"[1, 2, 3]"[..], "invalid_body"),
            // Serde would read a struct from an array: only an object is a body.
            (&b"[[]]"[..], "invalid_body"),
            (&b"[\"x\"]"[..], "invalid_body"),
            (&b"{}"[..], "invalid_body"),
        ] {
            let answer = app
                .send_raw(
                    method.clone(),
                    path,
                    &session.token,
                    json_type,
                    raw.to_vec(),
                )
                .await;
            // `{}` is complete for bodies whose fields are all optional.
            if raw == b"{}" && answer.status.as_u16() != 400 {
                assert!(
                    answer.status.is_client_error() || answer.status.is_success(),
                    "{label} {{}}: {answer:?}"
                );
                continue;
            }
            assert_eq!(
                answer.status.as_u16(),
                400,
                "{label} with {:?}: {}",
                String::from_utf8_lossy(raw),
                answer.body
            );
            assert_eq!(answer.error_code(), expected_code, "{label}");
        }

        let mut unknown_field = endpoint.body.clone().unwrap_or_default();
        unknown_field["unexpected"] = json!(true);
        let answer = app
            .send(
                method.clone(),
                path,
                Some(&session.token),
                Some(unknown_field),
            )
            .await;
        assert_eq!(
            answer.status.as_u16(),
            400,
            "{label} unknown field: {}",
            answer.body
        );
        assert_eq!(answer.error_code(), "invalid_body");
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("unexpected")
        );

        if let Some(wrong_types) = endpoint.wrong_types.clone() {
            let answer = app
                .send(
                    method.clone(),
                    path,
                    Some(&session.token),
                    Some(wrong_types),
                )
                .await;
            assert_eq!(
                answer.status.as_u16(),
                400,
                "{label} wrong types: {}",
                answer.body
            );
            assert_eq!(answer.error_code(), "invalid_body");
        }

        if let Some(invalid) = endpoint.invalid_values.clone() {
            let answer = app
                .send(method.clone(), path, Some(&session.token), Some(invalid))
                .await;
            assert_eq!(
                answer.status.as_u16(),
                422,
                "{label} invalid values: {}",
                answer.body
            );
            answer.error_code();
        }

        let oversized = format!("{{\"notes\": \"{}\"}}", "x".repeat(200 * 1024)).into_bytes();
        let answer = app
            .send_raw(method.clone(), path, &session.token, json_type, oversized)
            .await;
        assert_eq!(
            answer.status.as_u16(),
            413,
            "{label} oversized: {}",
            answer.body
        );
        assert_eq!(answer.error_code(), "payload_too_large");

        let body = serde_json::to_vec(&endpoint.body).unwrap_or_default();
        let answer = app
            .send_raw(method.clone(), path, &session.token, None, body.clone())
            .await;
        assert_eq!(
            answer.status.as_u16(),
            415,
            "{label} without content type: {}",
            answer.body
        );
        let answer = app
            .send_raw(
                method.clone(),
                path,
                &session.token,
                Some("text/plain"),
                body,
            )
            .await;
        assert_eq!(
            answer.status.as_u16(),
            415,
            "{label} as text/plain: {}",
            answer.body
        );
        checked += 1;
    }
    assert!(checked >= 11, "only {checked} body endpoints checked");
}

#[tokio::test]
async fn ids_that_are_not_uuids_are_a_400_and_unknown_ids_a_404() {
    let app = spawn_app().await;
    let agent = app.login(Role::Agent).await;
    let supervisor = app.login(Role::Supervisor).await;
    for action in ["accept", "decline", "hold", "resume", "end"] {
        let answer = app
            .send(
                Method::POST,
                &format!("/api/calls/not-a-uuid/{action}"),
                Some(&agent.token),
                None,
            )
            .await
            .expect(400);
        assert_eq!(answer.error_code(), "invalid_path");
        let unknown = uuid::Uuid::new_v4();
        let answer = app
            .send(
                Method::POST,
                &format!("/api/calls/{unknown}/{action}"),
                Some(&agent.token),
                None,
            )
            .await;
        assert!(
            matches!(answer.status.as_u16(), 404 | 409),
            "{action}: {answer:?}"
        );
        answer.error_code();
    }
    let answer = app
        .get(&format!("/api/calls/{}", uuid::Uuid::new_v4()), &supervisor)
        .await
        .expect(404);
    assert_eq!(answer.error_code(), "call_not_found");
    let answer = app
        .put(
            &format!("/api/agents/{}/status", uuid::Uuid::new_v4()),
            &supervisor,
            json!({"status": "break"}),
        )
        .await
        .expect(404);
    assert_eq!(answer.error_code(), "agent_not_found");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let answer = app.get("/api/nothing-here", &admin).await.expect(404);
    assert_eq!(answer.error_code(), "route_not_found");
    let answer = app
        .send(Method::DELETE, "/api/calls", Some(&admin.token), None)
        .await
        .expect(405);
    assert_eq!(answer.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn a_transfer_needs_exactly_one_known_target() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let call = app.request_call(&requester).await;
    let path = format!("/api/calls/{call}/transfer");
    let answer = app.post(&path, &supervisor, json!({})).await.expect(422);
    assert_eq!(answer.error_code(), "invalid_transfer_target");
    let answer = app
        .post(
            &path,
            &supervisor,
            json!({"queue_id": uuid::Uuid::new_v4()}),
        )
        .await
        .expect(422);
    assert_eq!(answer.error_code(), "unknown_queue");
    let answer = app
        .post(
            &path,
            &supervisor,
            json!({"agent_id": uuid::Uuid::new_v4()}),
        )
        .await
        .expect(422);
    assert_eq!(answer.error_code(), "unknown_agent");
}

/// Reads what the server sends until it closes the connection; `None` when it is still
/// open after `wait`.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    wait: std::time::Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut buffer = [0_u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&received).into_owned()),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_answered_413_and_the_connection_is_closed() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app().await;
    let token = app.token_for(Role::Requester);
    let address = app.address.trim_start_matches("http://");
    let limit = app.state.settings.http.body_limit_bytes;
    // Just over the limit and far over it, each sent whole; and a large length announced
    // with no body sent (a client waiting for `100 Continue`, or one that stalls).
    for (label, announced, sent) in [
        ("just over, sent", limit + 10, limit + 10),
        ("far over, sent", 200 * 1024, 200 * 1024),
        ("announced only", 10 * 1024 * 1024, 0),
    ] {
        let body = format!("{{\"notes\": \"{}\"}}", "x".repeat(sent.saturating_sub(13)));
        let body = &body[..sent.min(body.len())];
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "POST /api/calls HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {announced}\r\n\r\n{body}"
        );
        // The server may close while the body is still being written: that is the point.
        let _ = stream.write_all(request.as_bytes()).await;
        let answer = read_until_closed(&mut stream, std::time::Duration::from_secs(3))
            .await
            .unwrap_or_else(|| {
                panic!("{label}: the connection is still open 3 s after the request")
            });
        assert!(answer.starts_with("HTTP/1.1 413"), "{label}: {answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{label}: {answer}"
        );
        assert!(answer.contains("payload_too_large"), "{label}: {answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-security-policy"),
            "{label}: the usual headers too: {answer}"
        );
    }

    // An ordinary answer keeps the connection for the next request.
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    assert!(
        read_until_closed(&mut stream, std::time::Duration::from_millis(500))
            .await
            .is_none(),
        "an ordinary answer keeps the connection open"
    );
}

/// Found by the API fuzz: a NUL in the metrics' `language` filter reached PostgreSQL, which
/// refused it, and the client got 503; an offset can also push an instant past year 9999.
#[tokio::test]
async fn text_and_times_the_database_cannot_hold_are_refused_as_bad_input() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    for (query, status, code) in [
        ("group_by=language&language=%00", 422, "invalid_value"),
        ("group_by=language&language=es%00x", 422, "invalid_value"),
        (
            "from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59-23:59",
            400,
            "invalid_time",
        ),
        ("from=0000-01-01T00:00:00%2B23:59", 400, "invalid_time"),
    ] {
        let answer = app.get(&format!("/api/metrics?{query}"), &admin).await;
        assert_eq!(answer.status.as_u16(), status, "{query}: {}", answer.body);
        assert_eq!(answer.error_code(), code, "{query}");
    }
    // The filter is read as a language code, so "spa" finds Spanish's "es".
    app.get("/api/metrics?group_by=language&language=spa", &admin)
        .await
        .expect(200);
    let floor = app
        .get("/api/floor?at=9999-12-31T23:59:59-23:59", &admin)
        .await;
    assert_eq!(floor.status.as_u16(), 400, "{}", floor.body);
}
