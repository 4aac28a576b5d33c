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
