//! Billing traced to events (issue 19), against real PostgreSQL and NATS: calls of known
//! lengths are stored with chosen instants (the domain takes time from its commands), then
//! the bills, the invoice, its CSV and the payroll are compared with amounts worked out by
//! hand (docs/billing.md shows the same sums).

use chrono::{DateTime, TimeDelta, Utc};
use command_api::auth::Role;
use command_api::seed::demo_organisation_id;
use domain::call::{CallCommand, CallRequest, TransferTarget};
use domain::ids::{AgentId, CallId, OrganisationId, QueueId, UserId};
use domain::values::{LanguageCode, Modality, Priority};
use domain::workflow::{Metadata, execute};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, agent2_id, spawn_app};

fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .unwrap()
        .with_timezone(&Utc)
}

/// Runs call commands straight on the event store, at the instants they carry.
pub struct Calls<'a> {
    pub app: &'a TestApp,
    pub organisation: OrganisationId,
    pub requester: UserId,
}

impl Calls<'_> {
    async fn run(&self, call: CallId, command: CallCommand) {
        let store = command_api::state::event_store::<domain::Call>(&self.app.pool);
        execute::<domain::Call, _>(
            &store,
            &call.to_string(),
            &command,
            &(),
            &Metadata::new(),
            3,
        )
        .await
        .unwrap_or_else(|e| panic!("{command:?}: {e:?}"));
    }

    /// A video call in Spanish, answered by `agent` at `start`, then the commands `then`,
    /// ended by `ended_by` at `start + seconds`.
    pub async fn call(
        &self,
        start: &str,
        seconds: i64,
        urgent: bool,
        agent: AgentId,
        then: Vec<CallCommand>,
        ended_by: AgentId,
    ) -> Uuid {
        let start = at(start);
        let call = CallId(Uuid::now_v7());
        let request = CallRequest {
            language: LanguageCode::parse("es").unwrap(),
            source_language: LanguageCode::parse("en").unwrap(),
            modality: Modality::Video,
            specialty: None,
            priority: if urgent {
                Priority::Urgent
            } else {
                Priority::Normal
            },
            requirements: Default::default(),
        };
        let requested = start - TimeDelta::seconds(30);
        let commands = [
            CallCommand::Request {
                call_id: call,
                requester_id: self.requester,
                organisation_id: Some(self.organisation),
                request,
                // A queue nobody routes: no router runs in these tests.
                queue: Some(QueueId(Uuid::now_v7())),
                at: requested,
            },
            CallCommand::Offer {
                agent_id: agent,
                expires_at: start + TimeDelta::hours(1),
                at: requested,
            },
            CallCommand::Accept {
                agent_id: agent,
                at: start,
            },
        ];
        for command in commands {
            self.run(call, command).await;
        }
        for command in then {
            self.run(call, command).await;
        }
        let end = CallCommand::End {
            agent_id: ended_by,
            at: start + TimeDelta::seconds(seconds),
        };
        self.run(call, end).await;
        call.as_uuid()
    }
}

pub fn card(effective_from: &str, per_minute: &str) -> Value {
    json!({
        "effective_from": effective_from,
        "currency": "EUR",
        "rates": [{
            "modality": "video",
            "per_minute": per_minute,
            "minimum_minutes": 3,
            "increment_s": 60,
            "grace_s": 10,
            "urgent_surcharge_pct": 50
        }, {
            "modality": "audio",
            "languages": ["es", "fr"],
            "per_minute": 0.9,
        }]
    })
}

#[tokio::test]
async fn calls_of_known_lengths_are_billed_and_paid_to_the_cent_and_stay_so() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let agent = app.login(Role::Agent).await;
    let organisation = demo_organisation_id("riverside");
    let org = organisation.as_uuid();
    let answer = app
        .put(
            &format!("/api/organisations/{org}/rate-card"),
            &admin,
            card("2026-11-01", "1.20"),
        )
        .await
        .expect(200);
    assert_eq!(answer.body, json!({"version": 1}));
    for (rate, who) in [("0.50", None), ("0.60", Some(agent.id))] {
        app.put(
            "/api/payroll/rates",
            &admin,
            json!({"agent_id": who, "effective_from": "2026-11-01T00:00:00Z", "currency": "EUR", "per_minute": rate}),
        )
        .await
        .expect(200);
    }
    let (a, b) = (AgentId(agent.id), AgentId(agent2_id()));
    let calls = Calls {
        app: &app,
        organisation,
        requester: UserId(command_api::seed::demo_user_id("requester@example.com")),
    };
    // 8 s: within the 10 s grace, free.
    let grace = calls
        .call("2026-11-03T10:00:00Z", 8, false, a, vec![], a)
        .await;
    // 95 s: the 3 min minimum, 180 s at 1.20 = 3.60.
    let minimum = calls
        .call("2026-11-03T11:00:00Z", 95, false, a, vec![], a)
        .await;
    // 200 s, 30 of them on hold (billed: the card does not say otherwise): rounded up to
    // 240 s = 4.80.
    let held = at("2026-11-04T09:00:00Z");
    let hold = vec![
        CallCommand::Hold {
            agent_id: a,
            at: held + TimeDelta::seconds(20),
        },
        CallCommand::Resume {
            agent_id: a,
            at: held + TimeDelta::seconds(50),
        },
    ];
    let rounded = calls
        .call("2026-11-04T09:00:00Z", 200, false, a, hold, a)
        .await;
    // 130 s urgent: 180 s = 3.60, +50% = 5.40.
    let urgent = calls
        .call("2026-11-05T09:00:00Z", 130, true, a, vec![], a)
        .await;
    // Handed from a to b at 70 s, ended at 250 s: 250 s → 300 s = 6.00, two seats.
    let start = at("2026-11-06T09:00:00Z");
    let handover = vec![
        CallCommand::Transfer {
            by_agent: Some(a),
            target: TransferTarget::Agent(b),
            offer_expires_at: Some(start + TimeDelta::hours(1)),
            at: start + TimeDelta::seconds(70),
        },
        CallCommand::Accept {
            agent_id: b,
            at: start + TimeDelta::seconds(70),
        },
    ];
    let team = calls
        .call("2026-11-06T09:00:00Z", 250, false, a, handover, b)
        .await;
    app.wait_for_projections().await;

    let bill = |id: Uuid| {
        let app = &app;
        let admin = &admin;
        async move {
            app.get(&format!("/api/billing/calls/{id}"), admin)
                .await
                .expect(200)
                .body
        }
    };
    let expected = [
        (grace, 0, "0.00"),
        (minimum, 180, "3.60"),
        (rounded, 240, "4.80"),
        (urgent, 180, "5.40"),
        (team, 300, "6.00"),
    ];
    for (call, seconds, amount) in expected {
        let body = bill(call).await;
        assert_eq!(body["billable_seconds"], seconds, "{body}");
        assert_eq!(body["amount"], amount, "{body}");
        assert_eq!(body["currency"], "EUR");
        assert_eq!(body["rate_card_version"], 1);
        let lines = body["lines"].as_array().unwrap();
        assert!(
            lines
                .iter()
                .all(|l| !l["event_seqs"].as_array().unwrap().is_empty()),
            "{body}"
        );
    }
    let team_bill = bill(team).await;
    let seats: Vec<&str> = team_bill["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_str().unwrap())
        .collect();
    assert_eq!(seats, ["1.40", "3.60", "1.00"], "{team_bill}");

    let invoice_path = format!("/api/invoices?organisation_id={org}&month=2026-11");
    let invoice = app.get(&invoice_path, &admin).await.expect(200).body;
    assert_eq!(invoice["total"], "19.80", "{invoice}");
    assert_eq!(invoice["currency"], "EUR");
    assert_eq!(invoice["lines"].as_array().unwrap().len(), 5);

    // The CSV says what the JSON says.
    let csv = app
        .client
        .get(format!("{}/api/invoices/{org}/2026-11.csv", app.address))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let from_json: Vec<(String, String)> = invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["call_id"].as_str().unwrap().to_owned(),
                l["amount"].as_str().unwrap().to_owned(),
            )
        })
        .chain([(String::new(), "19.80".to_owned())])
        .collect();
    let from_csv: Vec<(String, String)> =
        rows.iter().map(|r| (r[1].clone(), r[4].clone())).collect();
    assert_eq!(from_csv, from_json, "{text}");

    // Pay: a at 0.60/min for 8 + 95 + 200 + 130 + 70 s, b at the default 0.50 for 180 s.
    let pay = app
        .get(
            &format!("/api/payroll?agent_id={}&month=2026-11", agent.id),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (pay["paid_seconds"].clone(), pay["amount"].clone()),
        (json!(503), json!("5.03")),
        "{pay}"
    );
    let held_seat = pay["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["call_id"] == rounded.to_string())
        .unwrap();
    assert_eq!(
        (
            held_seat["seconds"].clone(),
            held_seat["hold_seconds"].clone()
        ),
        (json!(200), json!(30))
    );
    assert_eq!(held_seat["event_seqs"].as_array().unwrap().len(), 4);
    let pay_b = app
        .get(
            &format!("/api/payroll?agent_id={}&month=2026-11", agent2_id()),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (pay_b["paid_seconds"].clone(), pay_b["amount"].clone()),
        (json!(180), json!("1.50")),
        "{pay_b}"
    );

    // A card back-dated over the whole month changes no invoice already made; a call
    // rated after it is billed by it.
    app.put(
        &format!("/api/organisations/{org}/rate-card"),
        &admin,
        card("2026-11-01", "2.00"),
    )
    .await
    .expect(200);
    let later = calls
        .call("2026-11-20T09:00:00Z", 60, false, b, vec![], b)
        .await;
    app.wait_for_projections().await;
    let after = app.get(&invoice_path, &admin).await.expect(200).body;
    assert_eq!(after["total"], "25.80", "{after}");
    assert_eq!(
        after["lines"].as_array().unwrap()[..5],
        invoice["lines"].as_array().unwrap()[..5]
    );
    let later_bill = bill(later).await;
    assert_eq!(
        (
            later_bill["amount"].clone(),
            later_bill["rate_card_version"].clone()
        ),
        (json!("6.00"), json!(2))
    );
    let versions = app
        .get(&format!("/api/organisations/{org}/rate-cards"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["rates"][0]["per_minute"], "2.00");

    // A credit note is an event: the bill keeps its lines, the credit shows beside them
    // with who made it, and the invoice of the month it was made carries it.
    let credit = json!({"amount": "3.00", "reason": "billed for time on a broken line"});
    app.post(
        &format!("/api/billing/calls/{rounded}/credit"),
        &admin,
        credit,
    )
    .await
    .expect(201);
    let too_much = json!({"amount": "1.81", "reason": "again"});
    let refused = app
        .post(
            &format!("/api/billing/calls/{rounded}/credit"),
            &admin,
            too_much,
        )
        .await
        .expect(422);
    assert_eq!(refused.error_code(), "credit_exceeds_billed");
    app.wait_for_projections().await;
    let credited = bill(rounded).await;
    assert_eq!(
        (credited["amount"].clone(), credited["net_amount"].clone()),
        (json!("4.80"), json!("1.80"))
    );
    assert_eq!(credited["credits"][0]["by"]["role"], "admin", "{credited}");
    let this_month = Utc::now().format("%Y-%m").to_string();
    let now_invoice = app
        .get(
            &format!("/api/invoices?organisation_id={org}&month={this_month}"),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(now_invoice["total"], "-3.00", "{now_invoice}");
    assert_eq!(now_invoice["lines"][0]["kind"], "credit");
    assert_eq!(
        now_invoice["lines"][0]["credit"]["reason"],
        "billed for time on a broken line"
    );

    // Rebuilt from the first event, the projection gives the same invoices to the cent.
    let billing = projections::read_models::all()
        .into_iter()
        .find(|p| p.name() == "billing")
        .unwrap();
    projections::worker::rebuild(&app.pool, &app.jetstream(), &app.bus(), billing.as_ref())
        .await
        .unwrap();
    assert_eq!(app.get(&invoice_path, &admin).await.expect(200).body, after);
    assert_eq!(bill(rounded).await, credited);
    let rebuilt_pay = app
        .get(
            &format!("/api/payroll?agent_id={}&month=2026-11", agent.id),
            &admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(rebuilt_pay, pay);
}
