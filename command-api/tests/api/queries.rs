//! The query side: boards, call list and detail, history, time travel, metrics, export and
//! rooms. Read-model rows are written straight into the projections' tables, so each test
//! states exactly what the read models hold; time travel runs over real commands.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use command_api::auth::Role;
use command_api::seed::{demo_queue_id, demo_user_id};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{Executor, PgPool};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, agent2_id, spawn_app, spawn_app_with};

/// The read-model tables, as the projections define them. The application creates them
/// when it migrates; this makes sure they exist even where a projection is not registered.
pub async fn create_read_models(pool: &PgPool) {
    pool.execute(
        r"
CREATE SCHEMA IF NOT EXISTS read_queues;
CREATE TABLE IF NOT EXISTS read_queues.queues (
    queue_id uuid PRIMARY KEY, name text NOT NULL, languages text[] NOT NULL DEFAULT '{}',
    specialty text, modality text, strategy text NOT NULL DEFAULT 'longest_idle',
    min_proficiency int NOT NULL DEFAULT 1, ring_timeout_s int NOT NULL DEFAULT 20,
    max_wait_s int NOT NULL DEFAULT 300, overflow_queue_id uuid, wrap_up_s int NOT NULL DEFAULT 60,
    service_level_s int NOT NULL DEFAULT 30, members uuid[] NOT NULL DEFAULT '{}', seq bigint NOT NULL);
CREATE SCHEMA IF NOT EXISTS read_agents;
CREATE TABLE IF NOT EXISTS read_agents.agents (
    agent_id uuid PRIMARY KEY, status text NOT NULL DEFAULT 'offline', status_since timestamptz,
    activity text NOT NULL DEFAULT 'idle', activity_since timestamptz, current_call_id uuid,
    offer_call_id uuid, offer_expires_at timestamptz, languages text[] NOT NULL DEFAULT '{}',
    proficiency jsonb NOT NULL DEFAULT '{}', specialties text[] NOT NULL DEFAULT '{}',
    modalities text[] NOT NULL DEFAULT '{}', calls_today int NOT NULL DEFAULT 0, calls_today_date date,
    idle_since timestamptz, missed_offers_in_row int NOT NULL DEFAULT 0, seq bigint NOT NULL);
CREATE SCHEMA IF NOT EXISTS read_calls;
CREATE TABLE IF NOT EXISTS read_calls.calls (
    call_id uuid PRIMARY KEY, requester_id uuid NOT NULL, language text NOT NULL,
    source_language text NOT NULL, modality text NOT NULL, specialty text, priority text NOT NULL,
    queue_id uuid, status text NOT NULL, offered_to uuid, offer_expires_at timestamptz, agent_id uuid,
    requested_at timestamptz NOT NULL, queued_at timestamptz, answered_at timestamptz,
    ended_at timestamptz, wrapped_up_at timestamptz, outcome text, wait_s int, talk_s int, hold_s int,
    wrap_up_s int, disposition text, notes text, stars int, rating_comment text,
    transfers int NOT NULL DEFAULT 0, overflows int NOT NULL DEFAULT 0, seq bigint NOT NULL);
CREATE SCHEMA IF NOT EXISTS read_history;
CREATE TABLE IF NOT EXISTS read_history.events (
    call_id uuid NOT NULL, seq bigint NOT NULL, event_type text NOT NULL, at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL, actor jsonb NOT NULL, data jsonb NOT NULL,
    PRIMARY KEY (call_id, seq));
CREATE SCHEMA IF NOT EXISTS read_metrics;
CREATE TABLE IF NOT EXISTS read_metrics.buckets (
    bucket_start timestamptz NOT NULL, dimension text NOT NULL, key text NOT NULL,
    offered int NOT NULL DEFAULT 0, answered int NOT NULL DEFAULT 0, answered_in_sl int NOT NULL DEFAULT 0,
    abandoned int NOT NULL DEFAULT 0, short_abandoned int NOT NULL DEFAULT 0,
    overflowed int NOT NULL DEFAULT 0, no_interpreter int NOT NULL DEFAULT 0,
    answer_wait_s bigint NOT NULL DEFAULT 0, talk_s bigint NOT NULL DEFAULT 0,
    hold_s bigint NOT NULL DEFAULT 0, wrap_up_s bigint NOT NULL DEFAULT 0, handled int NOT NULL DEFAULT 0,
    busy_s bigint NOT NULL DEFAULT 0, logged_in_s bigint NOT NULL DEFAULT 0, seq bigint NOT NULL,
    PRIMARY KEY (bucket_start, dimension, key));
",
    )
    .await
    .expect("create the read-model tables");
}

/// Inserts one row from a JSON object: the keys given, the table's defaults for the rest.
pub async fn insert_row(pool: &PgPool, table: &str, row: Value) {
    let columns: Vec<String> = row
        .as_object()
        .expect("a row is an object")
        .keys()
        .map(|k| format!("\"{k}\""))
        .collect();
    let columns = columns.join(", ");
    sqlx::query(&format!(
        "INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_populate_record(NULL::{table}, $1)"
    ))
    .bind(&row)
    .execute(pool)
    .await
    .unwrap_or_else(|e| panic!("insert into {table}: {e}"));
}

/// A call row with everything required, and `extra` on top.
async fn insert_call(
    pool: &PgPool,
    id: Uuid,
    requester: Uuid,
    requested_at: DateTime<Utc>,
    extra: Value,
) {
    let mut row = json!({
        "call_id": id, "requester_id": requester, "language": "es", "source_language": "en",
        "modality": "video", "priority": "normal", "status": "queued",
        "requested_at": rfc3339(requested_at), "seq": 1,
    });
    for (key, value) in extra.as_object().expect("an object") {
        row[key] = value.clone();
    }
    // As `CallRequested` carries it: the requester's organisation, whose requesters see it.
    let organisation: Option<Uuid> =
        sqlx::query_scalar("SELECT organisation_id FROM users WHERE id = $1")
            .bind(requester)
            .fetch_optional(pool)
            .await
            .expect("a user lookup")
            .flatten();
    row["organisation_id"] = json!(organisation);
    // What the `calls` projection keeps beside the row: who may see the call.
    for (column, answered) in [("agent_id", true), ("offered_to", false)] {
        if let Some(agent) = row.get(column).filter(|agent| !agent.is_null()) {
            insert_call_agent(pool, agent.clone(), id, requested_at, answered).await;
        }
    }
    insert_row(pool, "read_calls.calls", row).await;
}

/// A row of `read_calls.call_agents`: `agent` may see the call.
async fn insert_call_agent(
    pool: &PgPool,
    agent: Value,
    call: Uuid,
    requested_at: DateTime<Utc>,
    answered: bool,
) {
    let row = json!({
        "agent_id": agent, "call_id": call, "requested_at": rfc3339(requested_at), "answered": answered,
    });
    insert_row(pool, "read_calls.call_agents", row).await;
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, hour, minute, 0)
        .single()
        .expect("a time")
}

/// An application whose tests log in as many roles as they like.
async fn app_with_read_models() -> TestApp {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 1000;
        settings.auth.login_per_minute = 1000;
    })
    .await;
    create_read_models(&app.pool).await;
    app
}

async fn agent2(app: &TestApp) -> Session {
    app.login_as("agent2@example.com").await
}

/// A second requester, from another organisation.
async fn other_requester(app: &TestApp) -> Session {
    let admin = app.login(Role::Admin).await;
    app.post(
        "/api/users",
        &admin,
        json!({"email": "other.requester@example.com", "name": "Oscar Other", "role": "requester", "password": "password123"}),
    )
    .await
    .expect(201);
    app.login_as("other.requester@example.com").await
}

fn ids(body: &Value) -> Vec<Uuid> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").parse().expect("a uuid"))
        .collect()
}

#[tokio::test]
async fn the_queue_board_counts_waiting_calls_free_interpreters_and_todays_service_level() {
    let app = app_with_read_models().await;
    let pool = &app.pool;
    let requester = app.login(Role::Requester).await;
    let (q1, q2) = (Uuid::new_v4(), Uuid::new_v4());
    let agent1 = demo_user_id("agent1@example.com");
    let (agent2, on_break) = (agent2_id(), Uuid::new_v4());
    let now = Utc::now();
    insert_row(pool, "read_queues.queues", json!({"queue_id": q1, "name": "A · Spanish video", "languages": ["es"], "modality": "video", "strategy": "longest_idle", "min_proficiency": 1, "ring_timeout_s": 20, "max_wait_s": 300, "wrap_up_s": 60, "service_level_s": 30, "seq": 10})).await;
    insert_row(pool, "read_queues.queues", json!({"queue_id": q2, "name": "B · Arabic", "languages": ["ar"], "members": [agent2], "strategy": "longest_idle", "min_proficiency": 1, "ring_timeout_s": 20, "max_wait_s": 300, "wrap_up_s": 60, "service_level_s": 30, "seq": 9})).await;
    for (id, status, activity, languages, seq) in [
        (agent1, "available", "idle", json!(["es", "zh"]), 14),
        (agent2, "available", "on_call", json!(["ar", "es"]), 15),
        (on_break, "break", "idle", json!(["es"]), 16),
    ] {
        insert_row(pool, "read_agents.agents", json!({"agent_id": id, "status": status, "activity": activity, "languages": languages, "modalities": ["video"], "seq": seq})).await;
    }
    let (waiting_a, waiting_b, talking) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let ago = |s: i64| now - chrono::Duration::seconds(s);
    insert_call(
        pool,
        waiting_a,
        requester.id,
        ago(70),
        json!({"queue_id": q1, "status": "queued", "queued_at": rfc3339(ago(60)), "seq": 11}),
    )
    .await;
    insert_call(pool, waiting_b, requester.id, ago(40), json!({"queue_id": q1, "status": "offered", "offered_to": agent1, "queued_at": rfc3339(ago(30)), "seq": 12})).await;
    insert_call(
        pool,
        talking,
        requester.id,
        ago(300),
        json!({"queue_id": q1, "status": "connected", "agent_id": agent2, "seq": 13}),
    )
    .await;
    insert_row(pool, "read_metrics.buckets", json!({
        "bucket_start": rfc3339(now.date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc()),
        "dimension": "queue", "key": q1.to_string(), "offered": 10, "short_abandoned": 2, "answered_in_sl": 6,
        "answered": 7, "handled": 4, "talk_s": 400, "hold_s": 40, "wrap_up_s": 80, "seq": 17,
    }))
    .await;

    // Any signed-in user may see the board.
    let board = app.get("/api/queues", &requester).await.expect(200).body;
    let board = board.as_array().expect("a list");
    assert_eq!(board.len(), 2, "{board:?}");
    let a = &board[0];
    assert_eq!(a["id"], q1.to_string());
    assert_eq!(a["name"], "A · Spanish video");
    assert_eq!(a["modality"], "video");
    assert_eq!(a["waiting"], 2);
    let longest = a["longest_wait_s"].as_i64().expect("seconds");
    assert!((59..=65).contains(&longest), "longest wait {longest}");
    assert_eq!(
        a["agents_available"], 1,
        "agent1 only: agent2 is on a call, the third on break"
    );
    assert_eq!(a["agents_on_call"], 1);
    assert_eq!(a["agents_on_break"], 1);
    assert_eq!(a["service_level_today"], 0.75, "6 ÷ (10 − 2)");
    assert_eq!(
        a["estimated_wait_s"], 130,
        "(2 + 1 − 1) × 520/4 ÷ 2 staffed"
    );
    assert_eq!(a["estimate_reason"], Value::Null);
    assert_eq!(a["seq"], 17);

    let b = &board[1];
    assert_eq!(b["members"], json!([agent2]));
    assert_eq!(b["waiting"], 0);
    assert_eq!(b["longest_wait_s"], 0);
    assert_eq!(b["agents_available"], 0, "its only member is on a call");
    assert_eq!(b["service_level_today"], Value::Null);
    assert_eq!(b["estimated_wait_s"], Value::Null);
    assert_eq!(b["estimate_reason"], "no_recent_service");
    assert_eq!(b["seq"], 15);

    let anonymous = app
        .send(Method::GET, "/api/queues", None, None)
        .await
        .expect(401);
    assert_eq!(anonymous.error_code(), "missing_token");
}

#[tokio::test]
async fn the_agent_board_shows_everyone_to_floor_staff_and_an_interpreter_themselves_or_their_colleagues_presence()
 {
    let app = app_with_read_models().await;
    let agent1 = app.login(Role::Agent).await;
    let today = Utc::now().date_naive();
    let yesterday = today.pred_opt().expect("a day before");
    insert_row(&app.pool, "read_agents.agents", json!({"agent_id": agent1.id, "status": "available", "status_since": "2025-03-10T09:00:00Z", "activity": "on_call", "current_call_id": Uuid::nil(), "languages": ["es", "zh"], "proficiency": {"es": 5, "zh": 4}, "calls_today": 3, "calls_today_date": today, "seq": 7})).await;
    insert_row(&app.pool, "read_agents.agents", json!({"agent_id": agent2_id(), "status": "available", "activity": "ringing", "offer_call_id": Uuid::nil(), "offer_expires_at": "2025-03-10T09:00:20Z", "missed_offers_in_row": 1, "languages": ["ar"], "calls_today": 5, "calls_today_date": yesterday, "seq": 8})).await;

    for role in [Role::Supervisor, Role::Admin, Role::Analyst] {
        let session = app.login(role).await;
        let board = app.get("/api/agents", &session).await.expect(200).body;
        let rows = board.as_array().expect("a list");
        assert_eq!(rows.len(), 2, "{role:?} sees every interpreter");
        assert_eq!(rows[0]["name"], "Ana Agent");
        assert_eq!(rows[0]["email"], "agent1@example.com");
        assert_eq!(rows[0]["status"], "available");
        assert_eq!(rows[0]["since"], "2025-03-10T09:00:00Z");
        assert_eq!(rows[0]["activity"], "on_call");
        assert_eq!(rows[0]["current_call_id"], Uuid::nil().to_string());
        assert_eq!(rows[0]["calls_today"], 3);
        assert_eq!(rows[0]["languages"], json!(["es", "zh"]));
        assert_eq!(rows[0]["seq"], 7);
        assert_eq!(rows[1]["name"], "Bilal Agent");
        assert_eq!(
            rows[1]["calls_today"], 0,
            "yesterday's count is not today's"
        );
    }
    let mine = app.get("/api/agents", &agent1).await.expect(200).body;
    assert_eq!(mine.as_array().expect("a list").len(), 1);
    assert_eq!(mine[0]["id"], agent1.id.to_string());
    assert_eq!(
        app.get("/api/agents?scope=me", &agent1)
            .await
            .expect(200)
            .body,
        mine
    );

    // To hand a call to a named colleague: everyone's presence and skills, and only the
    // interpreter's own calls and offers.
    let colleagues = app
        .get("/api/agents?scope=colleagues", &agent1)
        .await
        .expect(200)
        .body;
    let rows = colleagues.as_array().expect("a list");
    assert_eq!(rows.len(), 2, "{colleagues}");
    let own = rows
        .iter()
        .find(|r| r["id"] == agent1.id.to_string())
        .expect("own row");
    assert_eq!(own["current_call_id"], Uuid::nil().to_string());
    assert_eq!(own["calls_today"], 3);
    let other = rows
        .iter()
        .find(|r| r["id"] == agent2_id().to_string())
        .expect("agent2's row");
    assert_eq!(other["name"], "Bilal Agent");
    assert_eq!(other["status"], "available");
    assert_eq!(other["activity"], "ringing");
    assert_eq!(other["languages"], json!(["ar"]));
    assert_eq!(
        other["offer_call_id"],
        Value::Null,
        "not agent1's business: {other}"
    );
    assert_eq!(other["offer_expires_at"], Value::Null);
    assert_eq!(other["current_call_id"], Value::Null);
    assert_eq!(other["calls_today"], 0);
    assert_eq!(other["missed_offers_in_row"], 0);
    assert_eq!(
        app.get("/api/agents?scope=everyone", &agent1)
            .await
            .status
            .as_u16()
            / 100,
        4,
        "an unknown scope is refused"
    );
    let supervisor = app.login(Role::Supervisor).await;
    let all = app
        .get("/api/agents?scope=colleagues", &supervisor)
        .await
        .expect(200)
        .body;
    let seen = all
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["id"] == agent2_id().to_string())
        .cloned()
        .expect("agent2");
    assert_eq!(
        seen["offer_call_id"],
        Uuid::nil().to_string(),
        "floor staff see everything"
    );
    let requester = app.login(Role::Requester).await;
    assert_eq!(
        app.get("/api/agents", &requester)
            .await
            .expect(403)
            .error_code(),
        "forbidden"
    );
}

/// Seven calls a minute apart from 09:00: three of the demo requester's taken by agent1,
/// two ringing for agent1, two of another requester taken by agent2.
async fn seven_calls(app: &TestApp, mine: &Session, other: &Session) -> (Vec<Uuid>, Uuid, Uuid) {
    let (q1, q2) = (Uuid::new_v4(), Uuid::new_v4());
    let agent1 = demo_user_id("agent1@example.com");
    const STATUSES: [&str; 3] = ["connected", "ended", "wrapped_up"];
    let calls: Vec<Uuid> = (0..7).map(|_| Uuid::new_v4()).collect();
    for (i, id) in calls.iter().enumerate() {
        let minute = u32::try_from(i).expect("small");
        let (requester, extra) = match i {
            0..=2 => (
                mine.id,
                json!({"queue_id": q1, "status": STATUSES[i], "agent_id": agent1, "seq": 100 + i}),
            ),
            3 | 4 => (
                other.id,
                json!({"queue_id": q2, "status": "offered", "offered_to": agent1, "seq": 100 + i}),
            ),
            _ => (
                other.id,
                json!({"queue_id": q1, "status": "wrapped_up", "agent_id": agent2_id(), "seq": 100 + i}),
            ),
        };
        insert_call(&app.pool, *id, requester, at(9, minute), extra).await;
    }
    (calls, q1, q2)
}

#[tokio::test]
async fn the_call_list_shows_each_role_its_calls_newest_first_in_pages() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let other = other_requester(&app).await;
    let (calls, _, _) = seven_calls(&app, &requester, &other).await;
    let newest_first =
        |indexes: &[usize]| indexes.iter().rev().map(|i| calls[*i]).collect::<Vec<_>>();

    let page = app.get("/api/calls", &requester).await.expect(200).body;
    assert_eq!(ids(&page), newest_first(&[0, 1, 2]));
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(page["items"][2]["status"], "connected");
    assert_eq!(page["items"][2]["agent_name"], "Ana Agent");
    assert_eq!(
        page["items"][2]["requester_name"],
        "Rita Requester (Riverside Clinic)"
    );
    assert_eq!(page["items"][2]["seq"], 100);

    let agent1 = app.login(Role::Agent).await;
    let page = app.get("/api/calls", &agent1).await.expect(200).body;
    assert_eq!(
        ids(&page),
        newest_first(&[0, 1, 2, 3, 4]),
        "taken by or ringing for agent1"
    );
    let page = app
        .get("/api/calls", &agent2(&app).await)
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&page), newest_first(&[5, 6]));
    let page = app.get("/api/calls", &other).await.expect(200).body;
    assert_eq!(ids(&page), newest_first(&[3, 4, 5, 6]));

    for role in [Role::Supervisor, Role::Analyst, Role::Admin] {
        let session = app.login(role).await;
        let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/api/calls?limit=3&cursor={cursor}"),
                None => "/api/calls?limit=3".to_owned(),
            };
            let page = app.get(&path, &session).await.expect(200).body;
            pages += 1;
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3, "3 + 3 + 1");
        assert_eq!(
            seen,
            newest_first(&[0, 1, 2, 3, 4, 5, 6]),
            "{role:?} sees every call once"
        );
    }
}

#[tokio::test]
async fn the_call_list_filters_and_refuses_bad_parameters() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let other = other_requester(&app).await;
    let (calls, _, q2) = seven_calls(&app, &requester, &other).await;
    let supervisor = app.login(Role::Supervisor).await;
    let list = |query: String| {
        let app = &app;
        let supervisor = &supervisor;
        async move {
            ids(&app
                .get(&format!("/api/calls?{query}"), supervisor)
                .await
                .expect(200)
                .body)
        }
    };
    assert_eq!(
        list("status=offered".into()).await,
        vec![calls[4], calls[3]]
    );
    assert_eq!(
        list("status=offered,wrapped_up".into()).await,
        vec![calls[6], calls[5], calls[4], calls[3], calls[2]]
    );
    assert_eq!(
        list(format!("queue_id={q2}")).await,
        vec![calls[4], calls[3]]
    );
    assert_eq!(
        list(format!("agent_id={}", agent2_id())).await,
        vec![calls[6], calls[5]]
    );
    assert_eq!(
        list(format!(
            "from={}&to={}",
            rfc3339(at(9, 2)),
            rfc3339(at(9, 5))
        ))
        .await,
        vec![calls[4], calls[3], calls[2]],
        "from inclusive, to exclusive"
    );
    // An offset whose `+` arrived unescaped still reads.
    assert_eq!(
        list("from=2025-03-10T10:02:00+01:00&to=2025-03-10T09:03:00Z".into()).await,
        vec![calls[2]]
    );

    for (query, status, code) in [
        ("limit=0", 422, "invalid_value"),
        ("limit=201", 422, "invalid_value"),
        ("limit=many", 400, "invalid_query"),
        ("cursor=zzz", 400, "invalid_cursor"),
        ("status=lost", 422, "invalid_value"),
        ("from=yesterday", 400, "invalid_time"),
        ("to=2025-13-40T00:00:00Z", 400, "invalid_time"),
        ("queue_id=not-a-uuid", 400, "invalid_query"),
        ("colour=blue", 400, "invalid_query"),
    ] {
        let answer = app.get(&format!("/api/calls?{query}"), &supervisor).await;
        assert_eq!(answer.status.as_u16(), status, "{query}: {}", answer.body);
        assert_eq!(answer.error_code(), code, "{query}");
    }
}

#[tokio::test]
async fn call_detail_and_history_follow_visibility_and_roles() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let other = other_requester(&app).await;
    let (calls, _, _) = seven_calls(&app, &requester, &other).await;
    let agent1 = app.login(Role::Agent).await;
    let supervisor = app.login(Role::Supervisor).await;

    let own = app
        .get(&format!("/api/calls/{}", calls[0]), &requester)
        .await
        .expect(200)
        .body;
    assert_eq!(own["id"], calls[0].to_string());
    assert_eq!(own["status"], "connected");
    assert_eq!(own["requested_at"], "2025-03-10T09:00:00Z");
    assert_eq!(own["seq"], 100);
    app.get(&format!("/api/calls/{}", calls[3]), &requester)
        .await
        .expect(404);
    app.get(&format!("/api/calls/{}", calls[3]), &agent1)
        .await
        .expect(200);
    app.get(&format!("/api/calls/{}", calls[0]), &agent2(&app).await)
        .await
        .expect(404);
    app.get(
        &format!("/api/calls/{}", calls[0]),
        &app.login(Role::Analyst).await,
    )
    .await
    .expect(200);
    let missing = app
        .get(&format!("/api/calls/{}", Uuid::new_v4()), &supervisor)
        .await
        .expect(404);
    assert_eq!(missing.error_code(), "call_not_found");
    assert_eq!(
        app.get("/api/calls/not-a-uuid", &supervisor)
            .await
            .expect(400)
            .error_code(),
        "invalid_path"
    );

    for (seq, event_type, minute) in [
        (41, "CallRequested", 0),
        (42, "CallQueued", 0),
        (57, "CallOffered", 1),
    ] {
        insert_row(&app.pool, "read_history.events", json!({
            "call_id": calls[0], "seq": seq, "call_sequence": seq - 40, "event_type": event_type, "event_version": "1",
            "at": rfc3339(at(9, minute)), "recorded_at": rfc3339(at(9, minute)),
            "actor": {"id": requester.id, "role": "requester", "name": "Rita"}, "data": {"n": seq},
        }))
        .await;
    }
    let history = app
        .get(&format!("/api/calls/{}/history", calls[0]), &supervisor)
        .await
        .expect(200)
        .body;
    let types: Vec<&str> = history
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, ["CallRequested", "CallQueued", "CallOffered"]);
    assert_eq!(history[2]["seq"], 57);
    assert_eq!(history[2]["at"], "2025-03-10T09:01:00Z");
    assert_eq!(history[0]["actor"]["role"], "requester");
    assert_eq!(history[2]["data"], json!({"n": 57}));
    app.get(
        &format!("/api/calls/{}/history", calls[0]),
        &app.login(Role::Admin).await,
    )
    .await
    .expect(200);
    for role in [Role::Agent, Role::Analyst, Role::Requester] {
        app.get(
            &format!("/api/calls/{}/history", calls[0]),
            &app.login(role).await,
        )
        .await
        .expect(403);
    }
    app.get(
        &format!("/api/calls/{}/history", Uuid::new_v4()),
        &supervisor,
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn an_interpreter_still_sees_a_call_they_answered_and_transferred_away() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = agent2(&app).await;
    let (call, queue, requested_at) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
    // Back in a queue after agent1 transferred it: no interpreter, ringing for nobody.
    insert_call(
        &app.pool,
        call,
        requester.id,
        requested_at,
        json!({"queue_id": queue, "status": "queued", "transfers": 1, "seq": 9}),
    )
    .await;
    insert_call_agent(&app.pool, json!(agent1.id), call, requested_at, true).await;
    let now = rfc3339(Utc::now());
    for (seq, event_type, agent) in [
        (5, "CallAccepted", agent1.id),
        (8, "CallOffered", agent2.id),
    ] {
        insert_row(&app.pool, "read_history.events", json!({
            "call_id": call, "seq": seq, "call_sequence": seq, "event_type": event_type, "event_version": "1",
            "at": now, "recorded_at": now, "actor": {"id": agent, "role": "agent"},
            "data": {"agent_id": agent, "queue_id": queue, "wait_seconds": 3, "at": now},
        }))
        .await;
    }

    let seen = app
        .get(&format!("/api/calls/{call}"), &agent1)
        .await
        .expect(200)
        .body;
    assert_eq!(seen["status"], "queued");
    assert_eq!(seen["agent_id"], Value::Null);
    let list = app.get("/api/calls", &agent1).await.expect(200).body;
    assert_eq!(
        ids(&list),
        vec![call],
        "in the list of the one who answered it"
    );
    // Seeing it is not being on it: no room for them.
    app.get(&format!("/api/calls/{call}/room"), &agent1)
        .await
        .expect(404);

    // An offer that was never answered does not make it theirs.
    app.get(&format!("/api/calls/{call}"), &agent2)
        .await
        .expect(404);
    let list = app.get("/api/calls", &agent2).await.expect(200).body;
    assert_eq!(ids(&list), Vec::<Uuid>::new());
}

#[tokio::test]
async fn call_detail_gives_the_place_in_the_queue_urgent_first_then_by_request_time_and_its_own_estimate()
 {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let (queue, elsewhere) = (Uuid::new_v4(), Uuid::new_v4());
    let (first, urgent, offered, other_queue, connected) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let rows = [
        (
            first,
            at(9, 0),
            json!({"queue_id": queue, "queued_at": rfc3339(at(9, 0))}),
        ),
        (
            urgent,
            at(9, 5),
            json!({"queue_id": queue, "queued_at": rfc3339(at(9, 5)), "priority": "urgent"}),
        ),
        (
            offered,
            at(9, 2),
            json!({"queue_id": queue, "queued_at": rfc3339(at(9, 2)), "status": "offered"}),
        ),
        (
            other_queue,
            at(8, 0),
            json!({"queue_id": elsewhere, "queued_at": rfc3339(at(8, 0))}),
        ),
        (
            connected,
            at(8, 0),
            json!({"queue_id": queue, "queued_at": rfc3339(at(8, 0)), "status": "connected"}),
        ),
    ];
    for (id, requested_at, extra) in rows {
        insert_call(&app.pool, id, requester.id, requested_at, extra).await;
    }
    // The queue (not the other one) has today's handle time, 100 s a call, and two
    // Spanish interpreters available: one free, one on a call.
    insert_row(&app.pool, "read_queues.queues", json!({"queue_id": queue, "name": "Spanish", "languages": ["es"], "strategy": "longest_idle", "min_proficiency": 1, "ring_timeout_s": 20, "max_wait_s": 300, "wrap_up_s": 60, "service_level_s": 30, "seq": 1})).await;
    for (agent, activity) in [
        (demo_user_id("agent1@example.com"), "idle"),
        (agent2_id(), "on_call"),
    ] {
        insert_row(&app.pool, "read_agents.agents", json!({"agent_id": agent, "status": "available", "activity": activity, "languages": ["es"], "seq": 2})).await;
    }
    insert_row(&app.pool, "read_metrics.buckets", json!({
        "bucket_start": rfc3339(Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc()),
        "dimension": "queue", "key": queue.to_string(), "handled": 2, "talk_s": 150, "wrap_up_s": 50, "seq": 3,
    }))
    .await;
    let position = |body: Value| body["position"].clone();
    for (id, expected, estimate) in [
        (urgent, json!(1), json!(0)),
        (first, json!(2), json!(50)),
        (offered, json!(3), json!(100)),
        (other_queue, json!(1), Value::Null),
        (connected, Value::Null, Value::Null),
    ] {
        let body = app
            .get(&format!("/api/calls/{id}"), &requester)
            .await
            .expect(200)
            .body;
        assert_eq!(position(body.clone()), expected, "call {id}");
        assert_eq!(body["id"], id.to_string());
        // 0 while a free interpreter is there for it; then (place − free) × 100 s ÷ 2 staffed.
        assert_eq!(body["estimated_wait_s"], estimate, "call {id}'s estimate");
        // How many wait in its queue, this one included: all the waiting screen needs.
        let waiting = match (&expected, id == other_queue) {
            (Value::Null, _) => Value::Null,
            (_, true) => json!(1),
            (_, false) => json!(3),
        };
        assert_eq!(body["queue_waiting"], waiting, "call {id}'s queue");
    }
    let seen_by_floor = app
        .get(&format!("/api/calls/{first}"), &supervisor)
        .await
        .expect(200)
        .body;
    assert_eq!(seen_by_floor["position"], 2);
}

async fn step(app: &TestApp, path: &str, session: &Session, body: Option<Value>) {
    app.send(Method::POST, path, Some(&session.token), body)
        .await
        .expect(202);
}

/// Sleeps half a step, notes the instant, sleeps the other half.
async fn instant_between_steps() -> DateTime<Utc> {
    tokio::time::sleep(Duration::from_millis(550)).await;
    let instant = Utc::now();
    tokio::time::sleep(Duration::from_millis(550)).await;
    instant
}

#[tokio::test]
async fn a_call_and_the_floor_are_rebuilt_as_they_were_at_each_instant() {
    let app = spawn_app().await;
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    app.set_status(&agent, "available").await;
    let before = instant_between_steps().await;
    let call = app.request_call(&requester).await;
    let queued = instant_between_steps().await;
    step(
        &app,
        &format!("/api/calls/{call}/offer"),
        &supervisor,
        Some(json!({"agent_id": agent.id})),
    )
    .await;
    let offered = instant_between_steps().await;
    step(&app, &format!("/api/calls/{call}/accept"), &agent, None).await;
    let connected = instant_between_steps().await;
    step(&app, &format!("/api/calls/{call}/hold"), &agent, None).await;
    let held = instant_between_steps().await;
    step(&app, &format!("/api/calls/{call}/end"), &agent, None).await;

    let state_at = |instant: DateTime<Utc>| {
        let (app, supervisor) = (&app, &supervisor);
        async move {
            app.get(
                &format!("/api/calls/{call}/state?at={}", rfc3339(instant)),
                supervisor,
            )
            .await
        }
    };
    let none = state_at(before).await.expect(404);
    assert_eq!(none.error_code(), "call_not_found");
    let medical = demo_queue_id("es-medical").as_uuid().to_string();
    let s = state_at(queued).await.expect(200).body;
    assert_eq!(
        (s["status"].as_str(), s["version"].as_u64()),
        (Some("queued"), Some(2)),
        "{s}"
    );
    assert_eq!(s["queue_id"], medical);
    let as_of = DateTime::parse_from_rfc3339(s["as_of"].as_str().expect("as_of")).expect("a time");
    assert_eq!(as_of.timestamp_micros(), queued.timestamp_micros());
    assert_eq!(s["last_event_type"], "CallQueued");
    let s = state_at(offered).await.expect(200).body;
    assert_eq!(
        (s["status"].as_str(), s["offered_to"].as_str()),
        (Some("offered"), Some(agent.id.to_string().as_str()))
    );
    assert_eq!(s["agent_id"], Value::Null);
    let s = state_at(connected).await.expect(200).body;
    assert_eq!(
        (s["status"].as_str(), s["agent_id"].as_str()),
        (Some("connected"), Some(agent.id.to_string().as_str()))
    );
    assert_eq!(s["offered_to"], Value::Null);
    let s = state_at(held).await.expect(200).body;
    assert_eq!(s["status"], "on_hold");
    let now = app
        .get(&format!("/api/calls/{call}/state"), &supervisor)
        .await
        .expect(200)
        .body;
    assert_eq!(now["status"], "ended", "no `at` means now");
    assert!(now["version"].as_u64() > s["version"].as_u64());

    let floor_at = |instant: DateTime<Utc>| {
        let (app, supervisor) = (&app, &supervisor);
        async move {
            app.get(&format!("/api/floor?at={}", rfc3339(instant)), supervisor)
                .await
                .expect(200)
                .body
        }
    };
    let queue_of = |floor: &Value| {
        floor["queues"]
            .as_array()
            .expect("queues")
            .iter()
            .find(|q| q["id"] == medical)
            .expect("the queue")
            .clone()
    };
    let agent_of = |floor: &Value| {
        floor["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|a| a["id"] == agent.id.to_string())
            .expect("the agent")
            .clone()
    };

    let floor = floor_at(before).await;
    assert_eq!(queue_of(&floor)["waiting"], json!([]));
    assert_eq!(queue_of(&floor)["name"], "Spanish · medical");
    assert_eq!(
        (
            agent_of(&floor)["status"].as_str(),
            agent_of(&floor)["activity"].as_str()
        ),
        (Some("available"), Some("idle"))
    );
    assert_eq!(agent_of(&floor)["name"], "Ana Agent");

    let floor = floor_at(queued).await;
    let waiting = &queue_of(&floor)["waiting"];
    assert_eq!(waiting.as_array().map(Vec::len), Some(1));
    assert_eq!(waiting[0]["id"], call.to_string());
    assert_eq!(waiting[0]["status"], "queued");
    assert!(queue_of(&floor)["longest_wait_s"].as_i64() <= Some(1));

    let floor = floor_at(offered).await;
    assert_eq!(queue_of(&floor)["waiting"][0]["status"], "offered");
    assert_eq!(
        (
            agent_of(&floor)["activity"].as_str(),
            agent_of(&floor)["call_id"].as_str()
        ),
        (Some("ringing"), Some(call.to_string().as_str()))
    );

    let floor = floor_at(connected).await;
    assert_eq!(queue_of(&floor)["waiting"], json!([]));
    assert_eq!(queue_of(&floor)["agents_on_call"], 1);
    assert_eq!(agent_of(&floor)["activity"], "on_call");
    assert_eq!(floor["in_progress"][0]["id"], call.to_string());

    for role in [Role::Analyst, Role::Agent, Role::Requester] {
        let session = app.login(role).await;
        app.get(
            &format!("/api/calls/{call}/state?at={}", rfc3339(queued)),
            &session,
        )
        .await
        .expect(403);
        app.get("/api/floor", &session).await.expect(403);
    }
    assert_eq!(
        app.get(&format!("/api/calls/{call}/state?at=noon"), &supervisor)
            .await
            .expect(400)
            .error_code(),
        "invalid_time"
    );
    assert_eq!(
        app.get("/api/floor?at=noon", &supervisor)
            .await
            .expect(400)
            .error_code(),
        "invalid_time"
    );
}

#[tokio::test]
async fn metrics_roll_up_the_buckets_with_the_derived_figures() {
    let app = app_with_read_models().await;
    let (q1, q2) = (Uuid::new_v4(), Uuid::new_v4());
    insert_row(&app.pool, "read_queues.queues", json!({"queue_id": q1, "name": "Spanish", "languages": ["es"], "strategy": "longest_idle", "min_proficiency": 1, "ring_timeout_s": 20, "max_wait_s": 300, "wrap_up_s": 60, "service_level_s": 30, "seq": 1})).await;
    let agent1 = demo_user_id("agent1@example.com");
    let bucket = |start: DateTime<Utc>, dimension: &str, key: String, figures: Value| {
        let mut row = json!({"bucket_start": rfc3339(start), "dimension": dimension, "key": key});
        for (k, v) in figures.as_object().expect("an object") {
            row[k] = v.clone();
        }
        row
    };
    for row in [
        bucket(
            at(10, 0),
            "queue",
            q1.to_string(),
            json!({"offered": 4, "answered": 3, "answered_in_sl": 2, "abandoned": 1, "handled": 3, "answer_wait_s": 30, "talk_s": 300, "hold_s": 30, "wrap_up_s": 60, "seq": 5}),
        ),
        bucket(
            at(10, 15),
            "queue",
            q1.to_string(),
            json!({"offered": 2, "answered": 1, "answered_in_sl": 1, "short_abandoned": 1, "handled": 1, "answer_wait_s": 10, "talk_s": 100, "hold_s": 0, "wrap_up_s": 30, "seq": 9}),
        ),
        bucket(
            at(11, 30),
            "queue",
            q1.to_string(),
            json!({"offered": 1, "answered": 1, "answered_in_sl": 0, "handled": 1, "answer_wait_s": 50, "talk_s": 60, "seq": 12}),
        ),
        bucket(
            at(10, 45),
            "queue",
            q2.to_string(),
            json!({"offered": 1, "no_interpreter": 1, "seq": 7}),
        ),
        bucket(
            at(10, 0),
            "agent",
            agent1.to_string(),
            json!({"answered": 2, "handled": 2, "talk_s": 400, "busy_s": 450, "logged_in_s": 900, "seq": 6}),
        ),
        bucket(
            at(10, 15),
            "agent",
            agent1.to_string(),
            json!({"busy_s": 0, "logged_in_s": 900, "seq": 8}),
        ),
        bucket(
            at(10, 0),
            "language",
            "es".into(),
            json!({"offered": 3, "answered": 3, "answered_in_sl": 3, "handled": 3, "seq": 4}),
        ),
        // Outside the range asked for.
        bucket(
            at(10, 0) + chrono::Duration::days(1),
            "queue",
            q1.to_string(),
            json!({"offered": 50, "seq": 20}),
        ),
    ] {
        insert_row(&app.pool, "read_metrics.buckets", row).await;
    }
    let analyst = app.login(Role::Analyst).await;
    let day = "from=2025-03-10T00:00:00Z&to=2025-03-11T00:00:00Z";

    let report = app
        .get(
            &format!("/api/metrics?group_by=queue&interval=1h&{day}"),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    let rows = report["rows"].as_array().expect("rows");
    let keyed: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["bucket_start"].as_str().unwrap().to_owned(),
                r["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected = vec![
        ("2025-03-10T10:00:00Z".to_owned(), q1.to_string()),
        ("2025-03-10T10:00:00Z".to_owned(), q2.to_string()),
        ("2025-03-10T11:00:00Z".to_owned(), q1.to_string()),
    ];
    expected[..2].sort();
    assert_eq!(keyed, expected);
    let ten = rows
        .iter()
        .find(|r| r["key"] == q1.to_string())
        .expect("10:00 of q1");
    assert_eq!(
        (
            ten["offered"].as_i64(),
            ten["answered"].as_i64(),
            ten["short_abandoned"].as_i64()
        ),
        (Some(6), Some(4), Some(1))
    );
    assert_eq!(ten["label"], "Spanish");
    assert_eq!(ten["service_level"], 0.6, "3 ÷ (6 − 1)");
    assert_eq!(ten["asa_s"], 10.0, "40 ÷ 4");
    assert_eq!(ten["aht_s"], 130.0, "(400 + 30 + 90) ÷ 4");
    // The one abandon was a short one: the brief counts abandons after the threshold.
    assert_eq!(ten["abandoned_after_threshold"], 0);
    assert_eq!(ten["abandonment_rate"], 0.0);
    assert_eq!(ten["occupancy"], Value::Null, "only for interpreters");
    assert_eq!(ten["seq"], 9);
    let q1_total = report["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|r| r["key"] == q1.to_string())
        .expect("q1 total")
        .clone();
    assert_eq!(
        (q1_total["offered"].as_i64(), q1_total["seq"].as_i64()),
        (Some(7), Some(12))
    );

    let daily = app
        .get(
            &format!("/api/metrics?group_by=queue&interval=1d&queue_id={q1}&{day}"),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(daily["rows"].as_array().map(Vec::len), Some(1));
    assert_eq!(daily["rows"][0]["bucket_start"], "2025-03-10T00:00:00Z");
    assert_eq!(daily["rows"][0]["offered"], 7);
    let quarter = app
        .get(
            &format!("/api/metrics?group_by=queue&interval=15m&queue_id={q1}&{day}"),
            &analyst,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(quarter["rows"].as_array().map(Vec::len), Some(3));

    let agents = app
        .get(
            &format!("/api/metrics?group_by=agent&interval=1h&{day}"),
            &app.login(Role::Supervisor).await,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(agents["rows"][0]["occupancy"], 0.25, "450 ÷ 1800");
    assert_eq!(agents["rows"][0]["label"], "Ana Agent");
    let languages = app
        .get(
            &format!("/api/metrics?group_by=language&language=es&{day}"),
            &app.login(Role::Admin).await,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(languages["rows"][0]["service_level"], 1.0);
    assert_eq!(languages["interval"], "1h");

    for (query, status, code) in [
        (format!("group_by=team&{day}"), 422, "invalid_value"),
        (format!("interval=2h&{day}"), 422, "invalid_value"),
        ("from=yesterday".to_owned(), 400, "invalid_time"),
        (
            "from=2025-03-11T00:00:00Z&to=2025-03-10T00:00:00Z".to_owned(),
            422,
            "invalid_range",
        ),
        (
            "from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z".to_owned(),
            422,
            "range_too_long",
        ),
        (
            format!("group_by=agent&queue_id={q1}&{day}"),
            422,
            "invalid_filter",
        ),
        (format!("bucket=1&{day}"), 400, "invalid_query"),
    ] {
        let answer = app.get(&format!("/api/metrics?{query}"), &analyst).await;
        assert_eq!(answer.status.as_u16(), status, "{query}: {}", answer.body);
        assert_eq!(answer.error_code(), code, "{query}");
    }
    for role in [Role::Agent, Role::Requester] {
        app.get("/api/metrics", &app.login(role).await)
            .await
            .expect(403);
    }
    let today = app.get("/api/metrics", &analyst).await.expect(200).body;
    assert_eq!(today["rows"], json!([]), "today by default: nothing yet");
}

#[tokio::test]
async fn the_csv_export_has_a_header_row_and_quotes_free_text() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let (first, second, later) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let notes = "He said \"hola\", then left\nsecond line";
    insert_call(&app.pool, second, requester.id, at(11, 0), json!({"status": "wrapped_up", "agent_id": demo_user_id("agent1@example.com"), "wait_s": 12, "talk_s": 300, "disposition": "completed", "notes": notes, "stars": 5, "rating_comment": "=HYPERLINK(\"x\")", "seq": 31})).await;
    insert_call(
        &app.pool,
        first,
        requester.id,
        at(9, 30),
        json!({"status": "abandoned", "outcome": "abandoned", "wait_s": 40, "seq": 30}),
    )
    .await;
    insert_call(
        &app.pool,
        later,
        requester.id,
        at(9, 30) + chrono::Duration::days(2),
        json!({"seq": 32}),
    )
    .await;

    let analyst = app.login(Role::Analyst).await;
    let response = app
        .client
        .get(format!(
            "{}/api/calls/export.csv?from=2025-03-10T00:00:00Z&to=2025-03-11T00:00:00Z",
            app.address
        ))
        .bearer_auth(&analyst.token)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let body = response.text().await.expect("a body");
    assert!(
        body.contains("\"He said \"\"hola\"\", then left\nsecond line\""),
        "RFC 4180 quoting: {body}"
    );
    assert!(
        body.starts_with("call_id,requested_at,"),
        "a header row: {body}"
    );

    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(records.len(), 2, "the two calls requested that day");
    assert_eq!(
        &records[0][column("call_id")],
        first.to_string(),
        "oldest first"
    );
    assert_eq!(&records[0][column("status")], "abandoned");
    assert_eq!(&records[0][column("requested_at")], "2025-03-10T09:30:00Z");
    assert_eq!(
        &records[0][column("requester_name")],
        "Rita Requester (Riverside Clinic)"
    );
    assert_eq!(&records[1][column("notes")], notes);
    assert_eq!(&records[1][column("agent_name")], "Ana Agent");
    assert_eq!(&records[1][column("talk_s")], "300");
    assert_eq!(
        &records[1][column("rating_comment")],
        "'=HYPERLINK(\"x\")",
        "a formula is defused"
    );

    app.get("/api/calls/export.csv", &app.login(Role::Admin).await)
        .await
        .expect(200);
    for role in [Role::Supervisor, Role::Agent, Role::Requester] {
        app.get("/api/calls/export.csv", &app.login(role).await)
            .await
            .expect(403);
    }
    assert_eq!(
        app.get("/api/calls/export.csv?from=soon", &analyst)
            .await
            .expect(400)
            .error_code(),
        "invalid_time"
    );
    assert_eq!(
        app.get(
            "/api/calls/export.csv?from=2025-03-11T00:00:00Z&to=2025-03-10T00:00:00Z",
            &analyst
        )
        .await
        .expect(422)
        .error_code(),
        "invalid_range"
    );
}

#[tokio::test]
async fn the_room_is_for_the_participants_and_the_same_for_all_of_them() {
    let app = app_with_read_models().await;
    let requester = app.login(Role::Requester).await;
    let agent1 = app.login(Role::Agent).await;
    let supervisor = app.login(Role::Supervisor).await;
    let (live, waiting, over) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    insert_call(
        &app.pool,
        live,
        requester.id,
        at(9, 0),
        json!({"status": "connected", "agent_id": agent1.id, "answered_at": rfc3339(at(9, 1))}),
    )
    .await;
    insert_call(
        &app.pool,
        waiting,
        requester.id,
        at(9, 5),
        json!({"status": "queued"}),
    )
    .await;
    insert_call(
        &app.pool,
        over,
        requester.id,
        at(8, 0),
        json!({"status": "wrapped_up", "agent_id": agent1.id}),
    )
    .await;

    let room = app
        .get(&format!("/api/calls/{live}/room"), &requester)
        .await
        .expect(200)
        .body;
    assert_eq!(room["domain"], "meet.jit.si");
    assert_eq!(room["jwt"], Value::Null);
    let name = room["room"].as_str().expect("a room").to_owned();
    assert!(name.starts_with("parley-") && name.len() == 39, "{name}");
    assert!(
        name["parley-".len()..]
            .chars()
            .all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    for session in [&agent1, &supervisor, &requester] {
        let again = app
            .get(&format!("/api/calls/{live}/room"), session)
            .await
            .expect(200)
            .body;
        assert_eq!(again["room"], name.as_str(), "stable and shared");
    }
    app.get(&format!("/api/calls/{live}/room"), &agent2(&app).await)
        .await
        .expect(404);
    app.get(
        &format!("/api/calls/{live}/room"),
        &other_requester(&app).await,
    )
    .await
    .expect(404);
    app.get(
        &format!("/api/calls/{live}/room"),
        &app.login(Role::Analyst).await,
    )
    .await
    .expect(404);
    assert_eq!(
        app.get(&format!("/api/calls/{waiting}/room"), &requester)
            .await
            .expect(409)
            .error_code(),
        "no_room"
    );
    app.get(&format!("/api/calls/{waiting}/room"), &agent1)
        .await
        .expect(404);
    app.get(&format!("/api/calls/{over}/room"), &agent1)
        .await
        .expect(409);
    app.get(&format!("/api/calls/{}/room", Uuid::new_v4()), &supervisor)
        .await
        .expect(404);
}

#[tokio::test]
async fn the_query_endpoints_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let document: Value = app
        .client
        .get(format!("{}/api/openapi.json", app.address))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let paths = document["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/queues", "get"),
        ("/api/queues", "post"),
        ("/api/agents", "get"),
        ("/api/calls", "get"),
        ("/api/calls", "post"),
        ("/api/calls/{id}", "get"),
        ("/api/calls/{id}/history", "get"),
        ("/api/calls/{id}/state", "get"),
        ("/api/calls/{id}/room", "get"),
        ("/api/calls/export.csv", "get"),
        ("/api/floor", "get"),
        ("/api/metrics", "get"),
        ("/api/ws", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn the_queries_read_what_the_pipeline_projected() {
    let app = app_with_read_models().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let supervisor = app.login(Role::Supervisor).await;
    let agent = app.login(Role::Agent).await;
    let call = app.connected_call(&requester, &supervisor, &agent).await;
    app.assert_stream_matches_events().await;
    app.wait_for_projections().await;

    let detail = app
        .get(&format!("/api/calls/{call}"), &agent)
        .await
        .expect(200)
        .body;
    assert_eq!(detail["status"], "connected", "{detail}");
    assert_eq!(detail["agent_id"], agent.id.to_string());
    assert!(detail["seq"].as_i64() > Some(0));
    let mine = app.get("/api/calls", &requester).await.expect(200).body;
    assert_eq!(ids(&mine), vec![call]);

    let history = app
        .get(&format!("/api/calls/{call}/history"), &supervisor)
        .await
        .expect(200)
        .body;
    let types: Vec<&str> = history
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        ["CallRequested", "CallQueued", "CallOffered", "CallAccepted"]
    );

    let medical = demo_queue_id("es-medical").as_uuid().to_string();
    let board = app.get("/api/queues", &requester).await.expect(200).body;
    let queue = board
        .as_array()
        .expect("a list")
        .iter()
        .find(|q| q["id"] == medical)
        .expect("the queue")
        .clone();
    assert_eq!(
        (queue["waiting"].as_i64(), queue["agents_on_call"].as_i64()),
        (Some(0), Some(1)),
        "{queue}"
    );
    assert!(queue["seq"].as_i64() > Some(0));

    let agents = app.get("/api/agents", &agent).await.expect(200).body;
    assert_eq!(agents[0]["activity"], "on_call", "{agents}");
    assert_eq!(agents[0]["current_call_id"], call.to_string());
    assert_eq!(agents[0]["status"], "available");

    app.get(&format!("/api/calls/{call}/room"), &requester)
        .await
        .expect(200);
    let metrics = app
        .get("/api/metrics?group_by=queue&interval=1d", &supervisor)
        .await
        .expect(200)
        .body;
    let today = metrics["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|r| r["key"] == medical)
        .expect("the queue's figures")
        .clone();
    assert_eq!(
        (today["offered"].as_i64(), today["answered"].as_i64()),
        (Some(1), Some(1)),
        "{today}"
    );
}
