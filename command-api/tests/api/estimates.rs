//! The queue board's wait estimate is `null`, with `estimate_reason`, when no honest
//! estimate exists: nobody eligible is signed in as available, or nobody in the queue
//! finished a call today.

use chrono::Utc;
use command_api::auth::Role;
use command_api::seed::demo_user_id;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::spawn_app;
use crate::queries::{create_read_models, insert_row};

#[tokio::test]
async fn the_board_gives_no_estimate_when_nobody_can_answer_or_nobody_was_served_today() {
    let app = spawn_app().await;
    create_read_models(&app.pool).await;
    let pool = &app.pool;
    let (french, german) = (Uuid::new_v4(), Uuid::new_v4());
    for (id, name, language) in [(french, "French", "fr"), (german, "German", "de")] {
        insert_row(pool, "read_queues.queues", json!({"queue_id": id, "name": name, "languages": [language], "strategy": "longest_idle", "min_proficiency": 1, "ring_timeout_s": 20, "max_wait_s": 300, "wrap_up_s": 60, "service_level_s": 30, "seq": 1})).await;
    }
    // The French interpreter is on break; the German one available but busy.
    for (agent, status, activity, language) in [
        (demo_user_id("agent1@example.com"), "break", "idle", "fr"),
        (
            demo_user_id("agent2@example.com"),
            "available",
            "on_call",
            "de",
        ),
    ] {
        insert_row(pool, "read_agents.agents", json!({"agent_id": agent, "status": status, "activity": activity, "languages": [language], "seq": 2})).await;
    }
    // French calls were handled today (a handle time exists); German ones were not.
    insert_row(pool, "read_metrics.buckets", json!({
        "bucket_start": Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc().to_rfc3339(),
        "dimension": "queue", "key": french.to_string(), "handled": 2, "talk_s": 150, "wrap_up_s": 50, "seq": 3,
    }))
    .await;
    let requester = app.login(Role::Requester).await;
    let board = app.get("/api/queues", &requester).await.expect(200).body;
    let row = |id: Uuid| {
        board
            .as_array()
            .expect("a list")
            .iter()
            .find(|q| q["id"] == json!(id))
            .cloned()
            .expect("the queue")
    };
    let french = row(french);
    assert_eq!(french["estimated_wait_s"], Value::Null, "{french}");
    assert_eq!(french["estimate_reason"], "no_interpreters_signed_in");
    let german = row(german);
    assert_eq!(german["estimated_wait_s"], Value::Null, "{german}");
    assert_eq!(german["estimate_reason"], "no_recent_service");
}
