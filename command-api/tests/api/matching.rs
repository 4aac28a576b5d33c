//! Matching against real PostgreSQL and NATS with a running router (issue 17):
//! organisations and what their requesters see, bans, preferred interpreters, language
//! pairs, certification requirements, widening at its time, and the policy history.

use std::time::Duration;

use command_api::auth::Role;
use command_api::seed::{demo_organisation_id, demo_queue_id, demo_user_id};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Pipeline, Session, TestApp, spawn_app};

struct Floor {
    app: TestApp,
    _pipeline: Pipeline,
    admin: Session,
    /// Rita, of Riverside Clinic.
    clinic: Session,
    /// Colm, of Harbor County Court (court-certified interpreters only; Dalia preferred).
    court: Session,
    agent1: Session,
    agent2: Session,
    agent3: Session,
}

/// An app with a relay, workers and a router, and the three demo interpreters signed in
/// but on break.
async fn floor() -> Floor {
    let app = spawn_app().await;
    let mut pipeline = app.start_pipeline();
    let router = app.spawn_router(&pipeline);
    pipeline.routers.push(router);
    let admin = app.login(Role::Admin).await;
    let floor = Floor {
        clinic: app.login(Role::Requester).await,
        court: app.login_as("court@example.com").await,
        agent1: app.login(Role::Agent).await,
        agent2: app.login_as("agent2@example.com").await,
        agent3: app.login_as("agent3@example.com").await,
        admin,
        _pipeline: pipeline,
        app,
    };
    for agent in [&floor.agent1, &floor.agent2, &floor.agent3] {
        floor.app.set_status(agent, "break").await;
    }
    floor
}

impl Floor {
    async fn request(&self, requester: &Session, body: Value) -> Uuid {
        self.app
            .post("/api/calls", requester, body)
            .await
            .expect(202)
            .id()
    }

    async fn offered_to(&self, call: Uuid) -> Value {
        self.app.call_state(call).await["offered_to"].clone()
    }

    /// Waits until the call rings for `agent`.
    async fn until_offered(&self, call: Uuid, agent: &Session, within: Duration) {
        self.app
            .until_call_field(call, "offered_to", json!(agent.id), within)
            .await;
    }

    /// Asserts that the call rings for nobody during `period`.
    async fn never_offered(&self, call: Uuid, period: Duration) {
        let until = tokio::time::Instant::now() + period;
        while tokio::time::Instant::now() < until {
            let offered = self.offered_to(call).await;
            assert_eq!(offered, Value::Null, "call {call} was offered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `GET /api/calls/{call}/routing?agent_id=` as the admin.
    async fn routing(&self, call: Uuid, agent: &Session) -> Value {
        self.app
            .get(
                &format!("/api/calls/{call}/routing?agent_id={}", agent.id),
                &self.admin,
            )
            .await
            .expect(200)
            .body
    }

    async fn set_policy(&self, organisation: Uuid, by: &Session, policy: Value) {
        self.app
            .put(
                &format!("/api/organisations/{organisation}/policy"),
                by,
                policy,
            )
            .await
            .expect(200);
    }

    async fn skills(&self, agent: &Session, skills: Value) {
        self.app
            .put(
                &format!("/api/agents/{}/skills", agent.id),
                &self.admin,
                skills,
            )
            .await
            .expect(202);
    }
}

#[tokio::test]
async fn a_banned_interpreter_is_never_offered_the_organisations_calls_even_when_alone() {
    let floor = floor().await;
    let clinic = demo_organisation_id("riverside").as_uuid();
    floor
        .set_policy(
            clinic,
            &floor.admin,
            json!({"banned_agent_ids": [floor.agent1.id]}),
        )
        .await;
    floor.app.set_status(&floor.agent1, "available").await;
    let call = floor
        .request(
            &floor.clinic,
            json!({"language": "es", "modality": "video"}),
        )
        .await;
    floor.never_offered(call, Duration::from_secs(3)).await;
    // Not by hand either.
    let supervisor = floor.app.login(Role::Supervisor).await;
    let refused = floor
        .app
        .post(
            &format!("/api/calls/{call}/offer"),
            &supervisor,
            json!({"agent_id": floor.agent1.id}),
        )
        .await
        .expect(409);
    assert_eq!(refused.error_code(), "agent_banned");
    // Another interpreter of the language takes it; a court call goes to the banned one.
    floor.app.set_status(&floor.agent2, "available").await;
    floor
        .until_offered(call, &floor.agent2, Duration::from_secs(5))
        .await;
    let why = floor.routing(call, &floor.agent1).await;
    assert_eq!(why["offered"], false, "{why}");
    assert_eq!(why["reasons"][0]["code"], "banned_by_organisation", "{why}");
    assert_eq!(
        why["reasons"][0]["detail"],
        "The call's organisation bans this interpreter."
    );
    let offered = floor.routing(call, &floor.agent2).await;
    assert_eq!(offered["offered"], true, "{offered}");
    assert_eq!(offered["offers"][0]["outcome"], "ringing", "{offered}");
    // Answered, then the ban lifted: the answer judges the policy the call was routed by.
    floor.app.accept(call, &floor.agent2).await.expect(202);
    floor.set_policy(clinic, &floor.admin, json!({})).await;
    let why = floor.routing(call, &floor.agent1).await;
    assert_eq!(why["reasons"][0]["code"], "banned_by_organisation", "{why}");
    assert_eq!(why["skills_changed_since"], false, "{why}");
    floor
        .skills(
            &floor.agent1,
            json!({"languages": [{"code": "es", "proficiency": 5}], "modalities": ["video"],
                   "certifications": ["court"]}),
        )
        .await;
    // The court's own policy: court-certified only, nobody preferred.
    let court = demo_organisation_id("harbor-court").as_uuid();
    floor
        .set_policy(
            court,
            &floor.admin,
            json!({"required_certifications": ["court"]}),
        )
        .await;
    let court_call = floor
        .request(&floor.court, json!({"language": "es", "modality": "video"}))
        .await;
    floor
        .until_offered(court_call, &floor.agent1, Duration::from_secs(5))
        .await;
    // The answer says when the interpreter's skills changed after the call was routed.
    let why = floor.routing(call, &floor.agent1).await;
    assert_eq!(why["skills_changed_since"], true, "{why}");
}

#[tokio::test]
async fn preferred_interpreters_go_first_and_the_call_waits_for_them_up_to_the_preferred_wait() {
    let floor = floor().await;
    let clinic = demo_organisation_id("riverside").as_uuid();
    floor
        .set_policy(
            clinic,
            &floor.admin,
            json!({"preferred_agent_ids": [floor.agent2.id], "preferred_wait_s": 3}),
        )
        .await;
    // The preferred interpreter is on break: the call waits for them, then goes to anyone.
    floor.app.set_status(&floor.agent1, "available").await;
    let call = floor
        .request(
            &floor.clinic,
            json!({"language": "es", "modality": "video"}),
        )
        .await;
    floor
        .never_offered(call, Duration::from_millis(2_000))
        .await;
    floor
        .until_offered(call, &floor.agent1, Duration::from_secs(4))
        .await;
    floor.app.accept(call, &floor.agent1).await.expect(202);
    // Both free: the preferred one first, though the other has been idle longer.
    floor.app.set_status(&floor.agent3, "available").await;
    floor
        .skills(
            &floor.agent3,
            json!({"languages": [{"code": "es", "proficiency": 5}], "modalities": ["video"]}),
        )
        .await;
    floor.app.set_status(&floor.agent2, "available").await;
    let second = floor
        .request(
            &floor.clinic,
            json!({"language": "es", "modality": "video"}),
        )
        .await;
    floor
        .until_offered(second, &floor.agent2, Duration::from_secs(5))
        .await;
    // agent3 was free: the organisation's preference chose agent2.
    let why = floor.routing(second, &floor.agent3).await;
    assert_eq!(
        why["reasons"][0]["code"], "another_interpreter_chosen",
        "{why}"
    );
    assert_eq!(
        why["reasons"][0]["preferred_by_organisation"], true,
        "{why}"
    );
    assert_eq!(why["reasons"][0]["chosen"], json!(floor.agent2.id), "{why}");
}

#[tokio::test]
async fn a_german_arabic_call_goes_to_the_interpreter_of_that_pair_not_to_an_arabic_english_one() {
    let floor = floor().await;
    floor.app.set_status(&floor.agent2, "available").await;
    floor.app.set_status(&floor.agent3, "available").await;
    let call = floor
        .request(
            &floor.clinic,
            json!({"language": "ar", "source_language": "de", "modality": "audio"}),
        )
        .await;
    let state = floor.app.call_state(call).await;
    assert_eq!(
        state["queue_id"],
        json!(demo_queue_id("de-ar").as_uuid()),
        "{state}"
    );
    floor
        .until_offered(call, &floor.agent3, Duration::from_secs(5))
        .await;
    // The other direction is the same pair.
    let back = floor
        .request(
            &floor.clinic,
            json!({"language": "de", "source_language": "ar", "modality": "audio"}),
        )
        .await;
    assert_eq!(
        floor.app.call_state(back).await["queue_id"],
        json!(demo_queue_id("de-ar").as_uuid())
    );
    let why = floor.routing(call, &floor.agent2).await;
    assert_eq!(why["reasons"][0]["code"], "pair_missing", "{why}");
    assert_eq!(why["skills_changed_since"], false, "{why}");
    assert_eq!(why["reasons"][0]["from"], "de", "{why}");
    // Arabic from English is not Dalia's pair: it goes to Bilal.
    let english = floor
        .request(
            &floor.clinic,
            json!({"language": "ar", "modality": "audio"}),
        )
        .await;
    floor
        .until_offered(english, &floor.agent2, Duration::from_secs(5))
        .await;
}

/// A French queue whose pool is relaxed after 2 s: requirements dropped, the floor lowered
/// from 5 to 3.
async fn widening_queue(floor: &Floor) -> Uuid {
    floor
        .app
        .post(
            "/api/queues",
            &floor.admin,
            json!({"name": "French · widening", "languages": ["fr"], "min_proficiency": 5,
                   "max_wait_s": 60, "ring_timeout_s": 10,
                   "widening": [{"after_s": 2, "drop_requirements": true},
                                {"after_s": 4, "min_proficiency": 3}]}),
        )
        .await
        .expect(202)
        .id()
}

#[tokio::test]
async fn widening_relaxes_requirements_then_proficiency_at_its_times_and_says_so_in_the_timeline() {
    let floor = floor().await;
    let queue = widening_queue(&floor).await;
    // agent1: French 5 without the certification; agent2: French 3 with it.
    floor
        .skills(
            &floor.agent1,
            json!({"languages": [{"code": "fr", "proficiency": 5}], "modalities": ["audio"]}),
        )
        .await;
    floor
        .skills(
            &floor.agent2,
            json!({"languages": [{"code": "fr", "proficiency": 3}], "modalities": ["audio"],
                   "certifications": ["medical"]}),
        )
        .await;
    floor.app.set_status(&floor.agent2, "available").await;
    let call = floor
        .request(
            &floor.clinic,
            json!({"language": "fr", "modality": "audio",
                   "requirements": {"certifications": ["medical"]}}),
        )
        .await;
    assert_eq!(floor.app.call_state(call).await["queue_id"], json!(queue));
    // Step 1 drops the requirement, but agent2's French is below 5 until step 2 (4 s).
    floor
        .never_offered(call, Duration::from_millis(3_500))
        .await;
    floor
        .until_offered(call, &floor.agent2, Duration::from_secs(4))
        .await;
    floor.app.wait_for_projections().await;
    let history = floor
        .app
        .get(&format!("/api/calls/{call}/history"), &floor.admin)
        .await
        .expect(200);
    let widened: Vec<&Value> = history
        .body
        .as_array()
        .expect("a history")
        .iter()
        .filter(|e| e["type"] == "CallPoolWidened")
        .collect();
    assert_eq!(widened.len(), 2, "{}", history.body);
    assert_eq!(widened[0]["data"]["step"], 1);
    assert_eq!(widened[0]["data"]["step_index"], 0);
    assert_eq!(widened[1]["data"]["step"], 2);
    let detail = floor
        .app
        .get(&format!("/api/calls/{call}"), &floor.admin)
        .await
        .expect(200);
    assert_eq!(detail.body["widening_step"], 2, "{}", detail.body);
}

#[tokio::test]
async fn a_required_gender_or_certification_filters_until_a_step_drops_it_never_the_organisations()
{
    let floor = floor().await;
    widening_queue(&floor).await;
    floor
        .skills(
            &floor.agent1,
            json!({"languages": [{"code": "fr", "proficiency": 5}], "modalities": ["audio"]}),
        )
        .await;
    floor
        .app
        .put(
            &format!("/api/agents/{}/profile", floor.agent1.id),
            &floor.admin,
            json!({"gender": "female"}),
        )
        .await
        .expect(202);
    floor.app.set_status(&floor.agent1, "available").await;
    // Gender asked and held: at once.
    let asked = floor
        .request(
            &floor.clinic,
            json!({"language": "fr", "modality": "audio", "requirements": {"gender": "Female"}}),
        )
        .await;
    floor
        .until_offered(asked, &floor.agent1, Duration::from_secs(2))
        .await;
    floor
        .app
        .post(
            &format!("/api/calls/{asked}/decline"),
            &floor.agent1,
            json!({}),
        )
        .await
        .expect(202);
    // The court requires "court" of every interpreter: no widening step drops that.
    let court = floor
        .request(&floor.court, json!({"language": "fr", "modality": "audio"}))
        .await;
    floor.never_offered(court, Duration::from_secs(5)).await;
    let types = floor.app.event_types(court).await;
    assert!(types.contains(&"CallPoolWidened".to_owned()), "{types:?}");
}

#[tokio::test]
async fn organisations_policies_and_their_history_over_the_api() {
    let floor = floor().await;
    let app = &floor.app;
    let supervisor = app.login(Role::Supervisor).await;
    let school = app
        .post(
            "/api/organisations",
            &floor.admin,
            json!({"name": "Elm Street School"}),
        )
        .await
        .expect(201);
    let school_id = school.id();
    app.post("/api/organisations", &supervisor, json!({"name": "X"}))
        .await
        .expect(403);
    let listed = app.get("/api/organisations", &supervisor).await.expect(200);
    let names: Vec<&str> = listed
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Elm Street School",
            "Harbor County Court",
            "Riverside Clinic"
        ]
    );
    // A requester of the school; the clinic's requester does not see the school's calls.
    let teacher = app
        .post(
            "/api/users",
            &floor.admin,
            json!({"email": "teacher@example.com", "name": "Tess Teacher", "role": "requester",
                   "password": "password123", "organisation_id": school_id}),
        )
        .await
        .expect(201);
    assert_eq!(teacher.body["organisation_id"], json!(school_id));
    let bad = app
        .post(
            "/api/users",
            &floor.admin,
            json!({"email": "x@example.com", "name": "X", "role": "agent",
                   "password": "password123", "organisation_id": school_id}),
        )
        .await
        .expect(422);
    assert_eq!(bad.error_code(), "invalid_value", "{}", bad.body);
    let teacher = app.login_as("teacher@example.com").await;
    let call = floor
        .request(&teacher, json!({"language": "es", "modality": "video"}))
        .await;
    app.wait_for_projections().await;
    app.get(&format!("/api/calls/{call}"), &teacher)
        .await
        .expect(200);
    app.get(&format!("/api/calls/{call}"), &floor.clinic)
        .await
        .expect(404);
    // Policy changes: by whom, what moved.
    let agent1 = demo_user_id("agent1@example.com");
    floor
        .set_policy(
            school_id,
            &floor.admin,
            json!({"banned_agent_ids": [agent1], "preferred_wait_s": 20}),
        )
        .await;
    floor
        .set_policy(
            school_id,
            &supervisor,
            json!({"banned_agent_ids": [], "preferred_agent_ids": [agent1],
                   "required_certifications": ["Education"]}),
        )
        .await;
    for (policy, code) in [
        (
            json!({"banned_agent_ids": [Uuid::new_v4()]}),
            "unknown_agent",
        ),
        (
            json!({"banned_agent_ids": [agent1], "preferred_agent_ids": [agent1]}),
            "preferred_and_banned",
        ),
        (json!({"preferred_wait_s": -1}), "invalid_value"),
        (
            json!({"required_certifications": ["two words"]}),
            "invalid_value",
        ),
    ] {
        let answer = app
            .put(
                &format!("/api/organisations/{school_id}/policy"),
                &floor.admin,
                policy,
            )
            .await
            .expect(422);
        assert_eq!(answer.error_code(), code, "{}", answer.body);
    }
    app.put(
        &format!("/api/organisations/{}/policy", Uuid::new_v4()),
        &floor.admin,
        json!({}),
    )
    .await
    .expect(404);
    app.put(
        &format!("/api/organisations/{school_id}/policy"),
        &floor.clinic,
        json!({}),
    )
    .await
    .expect(403);
    let history = app
        .get(
            &format!("/api/organisations/{school_id}/policy/history"),
            &supervisor,
        )
        .await
        .expect(200);
    let changes = history.body.as_array().expect("a history");
    assert_eq!(changes.len(), 2, "{}", history.body);
    assert_eq!(changes[0]["actor"]["id"], json!(floor.admin.id.to_string()));
    assert_eq!(
        changes[0]["change"]["banned_agent_ids"]["added"],
        json!([agent1])
    );
    assert_eq!(
        changes[0]["change"]["preferred_wait_s"],
        json!({"from": 0, "to": 20})
    );
    assert_eq!(changes[1]["actor"]["id"], json!(supervisor.id.to_string()));
    assert_eq!(
        changes[1]["change"]["banned_agent_ids"]["removed"],
        json!([agent1])
    );
    assert_eq!(
        changes[1]["change"]["required_certifications"]["added"],
        json!(["education"])
    );
    assert!(changes[1]["at"].is_string());
}
