//! What lands in the event store: metadata, commit-order columns, immutability.

use command_api::auth::Role;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn events_carry_actor_request_and_correlation_ids_and_commit_order_columns() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let response = app
        .client
        .post(format!("{}/api/calls", app.address))
        .bearer_auth(&requester.token)
        .header("x-request-id", "req-123")
        .header("x-correlation-id", "conversation-9")
        .json(&serde_json::json!({"language": "ar", "modality": "video", "specialty": "legal"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(
        response.headers()["x-request-id"],
        "req-123",
        "the request id is echoed"
    );
    let call: Value = response.json().await.expect("json");
    let call = call["id"].as_str().expect("id").to_owned();

    let rows: Vec<(String, String, Value, i64, String)> = sqlx::query_as(
        "SELECT event_type, event_version, metadata::jsonb, global_position, tx_id::text FROM events \
         WHERE aggregate_type = 'Call' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(&call)
    .fetch_all(&app.pool)
    .await
    .expect("events");
    assert_eq!(rows.len(), 2);
    for (event_type, version, metadata, _, _) in &rows {
        assert_eq!(version, "1", "{event_type}");
        assert_eq!(metadata["actor_id"], requester.id.to_string());
        assert_eq!(metadata["actor_role"], "requester");
        assert_eq!(metadata["request_id"], "req-123");
        assert_eq!(metadata["correlation_id"], "conversation-9");
    }
    assert_eq!(rows[0].4, rows[1].4, "one command, one transaction");
    assert!(rows[0].3 < rows[1].3, "positions follow the append order");
}

#[tokio::test]
async fn stored_events_cannot_be_updated_deleted_or_truncated() {
    let app = spawn_app().await;
    for statement in [
        "UPDATE events SET payload = '{}'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let refused = sqlx::query(statement).execute(&app.pool).await;
        let message = refused.expect_err(statement).to_string();
        assert!(
            message.contains("events are immutable"),
            "{statement}: {message}"
        );
    }
}

#[tokio::test]
async fn a_new_listener_is_woken_when_events_are_committed() {
    let app = spawn_app().await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&app.pool)
        .await
        .expect("listen");
    listener.listen("parley_events").await.expect("listen");
    let requester = app.login(Role::Requester).await;
    app.request_call(&requester).await;
    let notification = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .expect("woken within 5 s")
        .expect("a notification");
    assert_eq!(notification.channel(), "parley_events");
}
