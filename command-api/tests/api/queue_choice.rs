//! Which queue routes a request: the most specific match, then `precedence`. A new queue
//! never takes routing over silently: one that matches exactly what an existing queue
//! matches, at the same precedence, is refused with 409 `queue_overlap`.

use command_api::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, spanish_general_queue, spawn_app};

async fn queue_of_new_call(app: &TestApp, requester: &Session) -> Value {
    let call = app
        .post(
            "/api/calls",
            requester,
            json!({"language": "es", "modality": "audio", "specialty": "legal"}),
        )
        .await
        .expect(202)
        .id();
    app.call_state(call).await["queue_id"].clone()
}

#[tokio::test]
async fn a_new_queue_matching_an_existing_one_at_the_same_precedence_is_refused() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    // Same match as the seeded "Spanish · general"; its name sorts first.
    let answer = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "A Spanish pool", "languages": ["es"]}),
        )
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "queue_overlap");
    assert_eq!(
        queue_of_new_call(&app, &requester).await,
        json!(spanish_general_queue()),
        "the existing queue keeps routing"
    );
}

#[tokio::test]
async fn precedence_decides_between_queues_of_the_same_match() {
    let app = spawn_app().await;
    // The queue board is a read model.
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    let lower = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "A Spanish backup", "languages": ["es"], "precedence": -1}),
        )
        .await
        .expect(202)
        .id();
    assert_eq!(
        queue_of_new_call(&app, &requester).await,
        json!(spanish_general_queue()),
        "a lower precedence does not take over"
    );
    let higher = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "Spanish · first", "languages": ["es"], "precedence": 1}),
        )
        .await
        .expect(202)
        .id();
    assert_eq!(queue_of_new_call(&app, &requester).await, json!(higher));
    app.wait_for_projections().await;
    let boards: Vec<Value> =
        serde_json::from_value(app.get("/api/queues", &admin).await.expect(200).body)
            .expect("a list");
    let precedence_of = |id: Uuid| {
        boards
            .iter()
            .find(|q| q["id"] == json!(id))
            .map(|q| q["precedence"].clone())
    };
    assert_eq!(precedence_of(higher), Some(json!(1)));
    assert_eq!(precedence_of(spanish_general_queue()), Some(json!(0)));

    // Updating into an overlap is refused too; saving a queue unchanged is not an overlap.
    let answer = app
        .put(
            &format!("/api/queues/{lower}"),
            &admin,
            json!({"name": "A Spanish backup", "languages": ["es"], "precedence": 1}),
        )
        .await
        .expect(409);
    assert_eq!(answer.error_code(), "queue_overlap");
    app.put(
        &format!("/api/queues/{higher}"),
        &admin,
        json!({"name": "Spanish · first", "languages": ["es"], "precedence": 1}),
    )
    .await
    .expect(202);
    let answer = app
        .post(
            "/api/queues",
            &admin,
            json!({"name": "Out of range", "languages": ["es"], "precedence": 5000}),
        )
        .await
        .expect(422);
    assert_eq!(answer.error_code(), "invalid_value");
}
