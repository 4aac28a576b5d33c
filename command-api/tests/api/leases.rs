//! Offers are leases: every offer carries its expiry, and a router that takes over (or
//! restarts) re-arms every ring timeout from the events. Here real `parley route`
//! processes run beside each other; the leader is killed with SIGKILL while offers ring,
//! and the standby takes over. No offer may outlive its ring timeout by more than 2 s,
//! and no interpreter may stay reserved for a call that no longer rings for them.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use command_api::auth::Role;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app_with};

/// The ring timeout of the test's queue.
const RING_S: i64 = 2;
/// How late past its expiry an offer may end.
const GRACE_S: i64 = 2;

/// A `parley route` process on the test's database and bus.
pub(crate) fn router_process(app: &TestApp) -> Child {
    let settings = &app.state.settings;
    Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("route")
        .env("PARLEY__ENVIRONMENT", "local")
        .env("PARLEY__DATABASE__URL", app.database_url())
        .env("PARLEY__NATS__URL", &settings.nats.url)
        .env("PARLEY__BUS__STREAM", &settings.bus.stream)
        .env("PARLEY__BUS__PREFIX", &settings.bus.prefix)
        // The interpreters here never answer: let their offers ring out for ever.
        .env("PARLEY__COMMANDS__AWAY_AFTER_MISSED_OFFERS", "0")
        // Plain HTTP clients, no sockets.
        .env("PARLEY__PRESENCE__TIMEOUT_S", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start parley route")
}

/// Every offer made (call side), with its expiry and when it ended (`None`: still ringing).
async fn offers(app: &TestApp) -> Vec<(Uuid, Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let rows: Vec<(String, i64, String, Value)> = sqlx::query_as(
        "SELECT aggregate_id, sequence, event_type, payload::jsonb FROM events \
         WHERE aggregate_type = 'Call' ORDER BY aggregate_id, sequence",
    )
    .fetch_all(&app.pool)
    .await
    .expect("read the calls' events");
    let mut out = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    for (call, _, event_type, payload) in rows {
        let body = &payload[&event_type];
        let at = |field: &str| -> DateTime<Utc> {
            serde_json::from_value(body[field].clone()).expect("a time")
        };
        match event_type.as_str() {
            "CallOffered" => {
                let agent = body["agent_id"]
                    .as_str()
                    .expect("agent")
                    .parse()
                    .expect("uuid");
                open.insert(call.clone(), out.len());
                out.push((call.parse().expect("uuid"), agent, at("expires_at"), None));
            }
            "OfferExpired" | "OfferDeclined" | "OfferWithdrawn" | "CallAccepted"
            | "CallAbandoned" => {
                if let Some(i) = open.remove(&call) {
                    out[i].3 = Some(at("at"));
                }
            }
            _ => {}
        }
    }
    out
}

/// What each interpreter holds on the agent side: the call ringing for them, if any.
async fn agent_side_ringing(app: &TestApp, agent: Uuid) -> Option<Uuid> {
    let last: Option<(String, Value)> = sqlx::query_as(
        "SELECT event_type, payload::jsonb FROM events WHERE aggregate_type = 'Agent' \
         AND aggregate_id = $1 AND event_type IN ('AgentOfferReceived', 'AgentOfferCleared', 'AgentCallStarted') \
         ORDER BY sequence DESC LIMIT 1",
    )
    .bind(agent.to_string())
    .fetch_optional(&app.pool)
    .await
    .expect("read the agent's events");
    match last {
        Some((kind, payload)) if kind == "AgentOfferReceived" => payload[&kind]["call_id"]
            .as_str()
            .and_then(|c| c.parse().ok()),
        _ => None,
    }
}

#[tokio::test]
async fn a_router_killed_with_sigkill_mid_offers_leaves_no_offer_past_its_lease() {
    let app = spawn_app_with(|s| s.presence.timeout_s = 0).await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let requester = app.login(Role::Requester).await;
    app.post(
        "/api/queues",
        &admin,
        json!({"name": "Portuguese", "languages": ["pt"], "ring_timeout_s": RING_S, "max_wait_s": 600}),
    )
    .await
    .expect(202);
    let agents = [
        app.login(Role::Agent).await,
        app.login_as("agent2@example.com").await,
    ];
    for agent in &agents {
        app.put(
            &format!("/api/agents/{}/skills", agent.id),
            &admin,
            json!({"languages": [{"code": "pt", "proficiency": 4}], "specialties": ["general"], "modalities": ["audio", "video"]}),
        )
        .await
        .expect(202);
        app.set_status(agent, "available").await;
    }
    // A call a second: each is offered once to each interpreter (who passes), so new
    // ones keep offers ringing all through the test.
    let requests = {
        let (address, token) = (app.address.clone(), requester.token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            loop {
                let _ = client
                    .post(format!("{address}/api/calls"))
                    .bearer_auth(&token)
                    .json(&json!({"language": "pt", "modality": "video"}))
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    // Offers ring and run out, round after round; the standby waits for the lock. The
    // oldest process alive leads: each round kills it and starts a new standby.
    let mut routers = std::collections::VecDeque::from([router_process(&app)]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    routers.push_back(router_process(&app));
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let ringing = offers(&app).await.iter().filter(|o| o.3.is_none()).count();
        assert!(ringing > 0, "offers ring when the leader dies");
        let mut leader = routers.pop_front().expect("a leader");
        leader.start_kill().expect("SIGKILL the leader");
        leader.wait().await.expect("the leader is gone");
        tokio::time::sleep(Duration::from_secs(2 * RING_S as u64 + 1)).await;
        routers.push_back(router_process(&app));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    requests.abort();
    let checked_at = Utc::now();
    drop(routers);

    let offers = offers(&app).await;
    assert!(
        offers.len() >= 8,
        "offers rang through the kills: {}",
        offers.len()
    );
    for (call, agent, expires_at, ended) in &offers {
        let end = ended.unwrap_or(checked_at);
        assert!(
            end - *expires_at <= chrono::Duration::seconds(GRACE_S),
            "the offer of {call} to {agent} ran {} past its expiry",
            end - *expires_at
        );
    }
    for agent in &agents {
        if let Some(call) = agent_side_ringing(&app, agent.id).await {
            let open = offers
                .iter()
                .any(|o| o.0 == call && o.1 == agent.id && o.3.is_none());
            assert!(
                open,
                "{} reserved for {call}, which does not ring for them",
                agent.id
            );
        }
    }
}
