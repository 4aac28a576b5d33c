//! Every endpoint × every role: forbidden roles get 403, allowed roles never get 401/403,
//! and no token gets 401.

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, agent2_id, spanish_general_queue, spawn_app};

/// One endpoint of the API with a valid body and the roles that may call it.
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub allowed: &'static [Role],
    /// A body of the right shape whose values are invalid (422), where the endpoint takes one.
    pub invalid_values: Option<Value>,
    /// A body with a field of the wrong JSON type (400).
    pub wrong_types: Option<Value>,
}

const EVERYONE: &[Role] = &Role::ALL;

fn endpoint(
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [Role],
) -> Endpoint {
    Endpoint {
        method,
        path,
        body,
        allowed,
        invalid_values: None,
        wrong_types: None,
    }
}

impl Endpoint {
    fn invalid(mut self, invalid_values: Value, wrong_types: Value) -> Self {
        self.invalid_values = Some(invalid_values);
        self.wrong_types = Some(wrong_types);
        self
    }
}

/// The whole command and query surface, with ids from the seeded data and `call`.
pub fn endpoints(call: Uuid) -> Vec<Endpoint> {
    let agent = agent2_id();
    let queue = spanish_general_queue();
    let organisation = command_api::seed::demo_organisation_id("riverside");
    let queue_body =
        json!({"name": "Portuguese · general", "languages": ["pt"], "ring_timeout_s": 15});
    let user_email = format!("new-{}@example.com", Uuid::new_v4().simple());
    vec![
        endpoint(Method::GET, "/api/auth/me".into(), None, EVERYONE),
        endpoint(
            Method::POST,
            "/api/calls".into(),
            Some(json!({"language": "es", "modality": "audio"})),
            &[Role::Requester, Role::Admin],
        )
        .invalid(
            json!({"language": "klingon", "modality": "fax", "priority": "asap"}),
            json!({"language": 12, "modality": ["video"]}),
        ),
        endpoint(Method::GET, format!("/api/calls/{call}"), None, EVERYONE),
        endpoint(
            Method::POST,
            format!("/api/calls/{call}/offer"),
            Some(json!({"agent_id": agent})),
            &[Role::Supervisor],
        )
        .invalid(
            json!({"agent_id": agent, "ring_timeout_s": 0}),
            json!({"agent_id": "not-a-uuid"}),
        ),
        endpoint(Method::POST, format!("/api/calls/{call}/accept"), None, &[Role::Agent]),
        endpoint(Method::POST, format!("/api/calls/{call}/decline"), None, &[Role::Agent]),
        endpoint(Method::POST, format!("/api/calls/{call}/hold"), None, &[Role::Agent]),
        endpoint(Method::POST, format!("/api/calls/{call}/resume"), None, &[Role::Agent]),
        endpoint(Method::POST, format!("/api/calls/{call}/end"), None, &[Role::Agent]),
        endpoint(
            Method::POST,
            format!("/api/calls/{call}/transfer"),
            Some(json!({"queue_id": queue})),
            &[Role::Agent, Role::Supervisor],
        )
        .invalid(json!({"queue_id": queue, "agent_id": agent}), json!({"queue_id": 7})),
        endpoint(
            Method::POST,
            format!("/api/calls/{call}/wrap-up"),
            Some(json!({"disposition": "completed", "notes": "fine"})),
            &[Role::Agent],
        )
        .invalid(json!({"disposition": "  "}), json!({"disposition": true})),
        endpoint(Method::POST, format!("/api/calls/{call}/cancel"), None, &[Role::Requester, Role::Admin, Role::Supervisor]),
        endpoint(
            Method::POST,
            format!("/api/calls/{call}/rating"),
            Some(json!({"stars": 5, "comment": "great"})),
            &[Role::Requester, Role::Admin],
        )
        .invalid(json!({"stars": 6}), json!({"stars": "five"})),
        endpoint(
            Method::PUT,
            "/api/agents/me/status".into(),
            Some(json!({"status": "break"})),
            &[Role::Agent],
        )
        .invalid(json!({"status": "asleep"}), json!({"status": 1})),
        endpoint(
            Method::PUT,
            format!("/api/agents/{agent}/status"),
            Some(json!({"status": "break"})),
            &[Role::Supervisor],
        )
        .invalid(json!({"status": "away"}), json!({"status": null})),
        endpoint(
            Method::PUT,
            format!("/api/agents/{agent}/skills"),
            Some(json!({"languages": [{"code": "ar", "proficiency": 5}], "specialties": ["legal"], "modalities": ["video"]})),
            &[Role::Admin],
        )
        .invalid(
            json!({"languages": [{"code": "ar", "proficiency": 9}], "modalities": ["video"]}),
            json!({"languages": "ar", "modalities": ["video"]}),
        ),
        endpoint(Method::POST, "/api/queues".into(), Some(queue_body.clone()), &[Role::Admin]).invalid(
            json!({"name": "x", "languages": ["pt"], "ring_timeout_s": 100000}),
            json!({"name": "x", "languages": "pt"}),
        ),
        endpoint(Method::PUT, format!("/api/queues/{queue}"), Some(queue_body), &[Role::Admin]).invalid(
            json!({"name": "", "languages": ["es"]}),
            json!({"name": ["x"], "languages": ["es"]}),
        ),
        endpoint(
            Method::PUT,
            format!("/api/queues/{queue}/members"),
            Some(json!({"agent_ids": [agent]})),
            &[Role::Admin],
        )
        .invalid(json!({"agent_ids": [Uuid::new_v4()]}), json!({"agent_ids": agent})),
        endpoint(Method::GET, "/api/queues".into(), None, EVERYONE),
        endpoint(
            Method::POST,
            "/api/users".into(),
            Some(json!({"email": user_email, "name": "New Person", "role": "requester", "password": "long enough"})),
            &[Role::Admin],
        )
        .invalid(
            json!({"email": "not an email", "name": "N", "role": "king", "password": "short"}),
            json!({"email": 1, "name": "N", "role": "agent", "password": "long enough"}),
        ),
        endpoint(Method::GET, "/api/users".into(), None, &[Role::Admin, Role::Supervisor]),
        endpoint(
            Method::POST,
            "/api/organisations".into(),
            Some(json!({"name": "Elm Street School"})),
            &[Role::Admin],
        )
        .invalid(json!({"name": ""}), json!({"name": 7})),
        endpoint(
            Method::GET,
            "/api/organisations".into(),
            None,
            &[Role::Admin, Role::Supervisor, Role::Analyst],
        ),
        endpoint(
            Method::PUT,
            format!("/api/organisations/{organisation}/policy"),
            Some(json!({"preferred_wait_s": 10})),
            &[Role::Admin, Role::Supervisor],
        )
        .invalid(
            json!({"preferred_wait_s": -1}),
            json!({"banned_agent_ids": "everyone"}),
        ),
        endpoint(
            Method::GET,
            format!("/api/organisations/{organisation}/policy/history"),
            None,
            &[Role::Admin, Role::Supervisor],
        ),
        endpoint(
            Method::GET,
            "/api/metrics/calls?metric=offered&group_by=language&group=es&interval_start=2026-11-01T00:00:00Z"
                .into(),
            None,
            &[Role::Admin, Role::Supervisor, Role::Analyst],
        ),
        endpoint(
            Method::GET,
            "/api/metrics/formulas".into(),
            None,
            &[Role::Admin, Role::Supervisor, Role::Analyst],
        ),
        // The demo requester belongs to this organisation.
        endpoint(
            Method::GET,
            format!("/api/reports/connect-times?organisation_id={organisation}&month=2026-11"),
            None,
            &[Role::Admin, Role::Supervisor, Role::Analyst, Role::Requester],
        ),
        endpoint(
            Method::GET,
            format!(
                "/api/reports/connect-times/calls?organisation_id={organisation}&month=2026-11"
            ),
            None,
            &[Role::Admin, Role::Supervisor, Role::Analyst, Role::Requester],
        ),
        endpoint(
            Method::PUT,
            format!("/api/organisations/{organisation}/rate-card"),
            Some(json!({"effective_from": "2026-11-01", "currency": "EUR",
                "rates": [{"modality": "video", "per_minute": "1.20"}]})),
            &[Role::Admin],
        )
        .invalid(
            json!({"effective_from": "2026-11-01", "currency": "EUR",
                "rates": [{"modality": "video", "per_minute": "-1"}]}),
            json!({"effective_from": "2026-11-01", "currency": "EUR", "rates": "all"}),
        ),
        endpoint(
            Method::GET,
            format!("/api/organisations/{organisation}/rate-cards"),
            None,
            &[Role::Admin, Role::Analyst],
        ),
        endpoint(
            Method::PUT,
            "/api/payroll/rates".into(),
            Some(json!({"effective_from": "2026-11-01", "currency": "EUR", "per_minute": "0.50"})),
            &[Role::Admin],
        )
        .invalid(
            json!({"effective_from": "2026-11-01", "currency": "EURO", "per_minute": "0.50"}),
            json!({"effective_from": 1, "currency": "EUR", "per_minute": "0.50"}),
        ),
        endpoint(
            Method::GET,
            "/api/payroll/rates".into(),
            None,
            &[Role::Admin, Role::Analyst],
        ),
        endpoint(
            Method::POST,
            format!("/api/billing/calls/{call}/credit"),
            Some(json!({"amount": "1.00", "reason": "disputed"})),
            &[Role::Admin],
        )
        .invalid(
            json!({"amount": "-1", "reason": "disputed"}),
            json!({"amount": "1.00", "reason": 7}),
        ),
        endpoint(
            Method::GET,
            format!("/api/billing/calls/{call}"),
            None,
            &[Role::Admin, Role::Analyst, Role::Requester],
        ),
        endpoint(
            Method::GET,
            format!("/api/invoices?organisation_id={organisation}&month=2026-11"),
            None,
            &[Role::Admin, Role::Analyst],
        ),
        endpoint(
            Method::GET,
            format!("/api/invoices/{organisation}/2026-11.csv"),
            None,
            &[Role::Admin, Role::Analyst],
        ),
        endpoint(
            Method::GET,
            format!("/api/payroll?agent_id={agent}&month=2026-11"),
            None,
            &[Role::Admin, Role::Analyst],
        ),
    ]
}

async fn sessions(app: &TestApp) -> Vec<Session> {
    let mut sessions = Vec::new();
    for role in Role::ALL {
        sessions.push(app.login(role).await);
    }
    sessions
}

#[tokio::test]
async fn every_endpoint_answers_each_role_as_its_rules_say() {
    let app = spawn_app().await;
    let sessions = sessions(&app).await;
    let requester = sessions
        .iter()
        .find(|s| s.role == Role::Requester)
        .expect("a requester");
    let call = app.request_call(requester).await;
    let mut checked = 0;
    for endpoint in endpoints(call) {
        for session in &sessions {
            let answer = app
                .send(
                    endpoint.method.clone(),
                    &endpoint.path,
                    Some(&session.token),
                    endpoint.body.clone(),
                )
                .await;
            let status = answer.status.as_u16();
            let who = format!(
                "{} {} as {:?}: {} {}",
                endpoint.method, endpoint.path, session.role, status, answer.body
            );
            if endpoint.allowed.contains(&session.role) {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "allowed role refused: {who}"
                );
            } else {
                assert_eq!(status, 403, "forbidden role let through: {who}");
                assert_eq!(answer.error_code(), "forbidden", "{who}");
            }
            checked += 1;
        }
        let anonymous = app
            .send(
                endpoint.method.clone(),
                &endpoint.path,
                None,
                endpoint.body.clone(),
            )
            .await;
        assert_eq!(
            anonymous.status.as_u16(),
            401,
            "{} {} without a token",
            endpoint.method,
            endpoint.path
        );
        assert_eq!(anonymous.error_code(), "missing_token");
    }
    assert!(
        checked >= 21 * 5,
        "only {checked} endpoint × role pairs checked"
    );
}

#[tokio::test]
async fn a_garbled_or_foreign_token_is_refused() {
    let app = spawn_app().await;
    for token in [
        "garbage",
        "a.b.c",
        "Bearer",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
    ] {
        let answer = app
            .send(Method::GET, "/api/auth/me", Some(token), None)
            .await
            .expect(401);
        assert_eq!(answer.error_code(), "invalid_token");
    }
}

#[tokio::test]
async fn a_requester_cannot_see_or_cancel_someone_elses_call() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let requester = app.login(Role::Requester).await;
    let admin = app.login(Role::Admin).await;
    let call = app.request_call(&requester).await;
    app.wait_for_projections().await;
    let agent = app.login(Role::Agent).await;
    let seen_by_agent = app
        .get(&format!("/api/calls/{call}"), &agent)
        .await
        .expect(404);
    assert_eq!(seen_by_agent.error_code(), "call_not_found");
    let cancel = app
        .send(
            Method::POST,
            &format!("/api/calls/{call}/cancel"),
            Some(&admin.token),
            None,
        )
        .await
        .expect(409);
    assert_eq!(cancel.error_code(), "not_your_request");
    app.get(&format!("/api/calls/{call}"), &requester)
        .await
        .expect(200);
}
