//! Health, readiness, and the published API description.

use command_api::auth::Role;
use reqwest::Method;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_200_when_everything_is_up() {
    let app = spawn_app().await;
    app.send(Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    // NATS connects in the background; give it a moment.
    let mut ready = None;
    for _ in 0..50 {
        let answer = app.send(Method::GET, "/readyz", None, None).await;
        if answer.status.as_u16() == 200 {
            ready = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ready = ready.expect("ready within 5 s");
    assert_eq!(ready.body["checks"]["database"], "ok");
    assert_eq!(ready.body["checks"]["nats"], "ok");
}

#[tokio::test]
async fn readyz_answers_503_naming_nats_when_the_bus_is_unreachable() {
    let app = spawn_app_with(|settings| settings.nats.url = "nats://127.0.0.1:1".into()).await;
    let answer = app
        .send(Method::GET, "/readyz", None, None)
        .await
        .expect(503);
    assert_eq!(answer.error_code(), "not_ready");
    assert_eq!(answer.body["checks"]["database"], "ok");
    assert!(
        answer.body["checks"]["nats"]
            .as_str()
            .unwrap_or_default()
            .starts_with("unreachable")
    );
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nats")
    );
    // Commands still work without the bus.
    let requester = app.login(command_api::auth::Role::Requester).await;
    app.request_call(&requester).await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_the_docs_page_serves() {
    let app = spawn_app().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let paths = spec.body["paths"].as_object().expect("paths");
    for path in [
        "/api/auth/login",
        "/api/auth/me",
        "/api/calls",
        "/api/calls/{id}",
        "/api/calls/{id}/offer",
        "/api/calls/{id}/accept",
        "/api/calls/{id}/decline",
        "/api/calls/{id}/hold",
        "/api/calls/{id}/resume",
        "/api/calls/{id}/end",
        "/api/calls/{id}/transfer",
        "/api/calls/{id}/wrap-up",
        "/api/calls/{id}/cancel",
        "/api/calls/{id}/rating",
        "/api/agents/me/status",
        "/api/agents/{id}/status",
        "/api/agents/{id}/skills",
        "/api/queues",
        "/api/queues/{id}",
        "/api/queues/{id}/members",
        "/api/users",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    let docs = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status().as_u16(), 200);
    assert!(
        docs.text()
            .await
            .unwrap_or_default()
            .to_lowercase()
            .contains("<html")
    );
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_format_with_latency_commands_and_lag() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(command_api::auth::Role::Requester).await;
    app.request_call(&requester).await;
    app.wait_for_projections().await;
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(app.token_for(Role::Admin))
        .send()
        .await
        .expect("metrics");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    let text = response.text().await.expect("text");
    for needle in [
        "parley_http_request_duration_seconds_bucket",
        "route=\"/api/calls\"",
        "parley_commands_total",
        "outcome=\"accepted\"",
        "parley_websocket_clients",
        "parley_relay_lag_events 0",
        "parley_projection_lag_events{projection=\"calls\"} 0",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from /metrics:\n{text}"
        );
    }
}

#[tokio::test]
async fn metrics_are_for_a_scraper_with_the_token_or_floor_staff_only() {
    let app = spawn_app_with(|settings| {
        settings.http.metrics_token = "scrape-me-0123456789".to_owned().into();
    })
    .await;
    let scrape = |token: Option<String>| {
        let request = app.client.get(format!("{}/metrics", app.address));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.expect("scrape").status().as_u16() }
    };
    assert_eq!(scrape(None).await, 401, "nobody may read it anonymously");
    assert_eq!(scrape(Some("scrape-me-wrong".into())).await, 401);
    assert_eq!(scrape(Some("scrape-me-0123456789".into())).await, 200);
    assert_eq!(scrape(Some(app.token_for(Role::Supervisor))).await, 200);
    assert_eq!(scrape(Some(app.token_for(Role::Agent))).await, 403);
}
