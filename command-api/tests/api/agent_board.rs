//! `GET /api/agents` rows: `status`, `reason`, `since` and `idle_since`, the latter by the
//! one definition the router orders longest-idle by (`domain::idle`).

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_declined_offer_keeps_the_interpreters_place_on_the_board_as_in_routing() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    app.set_status(&agent, "available").await;
    let call = app.request_call(&requester).await;
    app.post(
        &format!("/api/calls/{call}/offer"),
        &supervisor,
        json!({"agent_id": agent.id}),
    )
    .await
    .expect(202);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.send(
        Method::POST,
        &format!("/api/calls/{call}/decline"),
        Some(&agent.token),
        None,
    )
    .await
    .expect(202);
    app.wait_for_projections().await;

    let board = app.get("/api/agents", &supervisor).await.expect(200).body;
    let row: Value = board
        .as_array()
        .expect("a list")
        .iter()
        .find(|row| row["id"] == json!(agent.id))
        .cloned()
        .expect("the interpreter's row");
    assert_eq!(row["status"], "available", "{row}");
    assert_eq!(row["activity"], "idle", "{row}");
    assert_eq!(row["reason"], Value::Null, "{row}");
    assert!(row["since"].is_string(), "{row}");
    assert_eq!(
        row["idle_since"], row["since"],
        "idle since they became available, not since the decline: {row}"
    );
}

/// Every row of `path`, following the `Link` headers page by page; and the number of pages.
pub async fn every_page(
    app: &crate::helpers::TestApp,
    path: &str,
    token: &str,
) -> (Vec<Value>, usize) {
    let (mut rows, mut pages, mut next) = (Vec::new(), 0, Some(path.to_owned()));
    while let Some(path) = next.take() {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("a page");
        assert_eq!(response.status(), 200, "{path}");
        next = response
            .headers()
            .get("link")
            .and_then(|link| link.to_str().ok())
            .and_then(|link| link.strip_prefix('<')?.split_once(">; rel=\"next\""))
            .map(|(next, _)| next.to_owned());
        let page: Vec<Value> = response.json().await.expect("a JSON array");
        rows.extend(page);
        pages += 1;
        assert!(pages < 100, "the pages never end");
    }
    (rows, pages)
}

#[tokio::test]
async fn the_board_and_the_accounts_come_in_pages_that_add_up_to_the_whole_list() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let supervisor = app.login(Role::Supervisor).await;
    // The demo interpreters reach the board once the pipeline has projected them.
    for _ in 0..100 {
        let board = app.get("/api/agents", &supervisor).await.expect(200);
        if board.body.as_array().is_some_and(|rows| rows.len() >= 2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for (path, page) in [
        ("/api/agents", "/api/agents?limit=1"),
        ("/api/users", "/api/users?limit=2"),
    ] {
        let (whole, one_page) = every_page(&app, path, &supervisor.token).await;
        assert_eq!(one_page, 1, "{path}: up to a thousand rows are one page");
        let (paged, pages) = every_page(&app, page, &supervisor.token).await;
        assert_eq!(
            paged, whole,
            "{page}: the pages hold the list, in order, once"
        );
        assert!(pages >= 2, "{page}: {pages} pages");
    }
    for bad in ["/api/agents?limit=0", "/api/users?limit=1001"] {
        app.get(bad, &supervisor).await.expect(422);
    }
    for bad in ["/api/agents?after=forged", "/api/users?after=WzFd"] {
        let answer = app.get(bad, &supervisor).await.expect(400);
        assert_eq!(answer.body["error"]["code"], "invalid_cursor", "{bad}");
    }
}
