//! Who may read billing, and what bad billing input is answered (issue 19).

use command_api::auth::Role;
use command_api::seed::demo_organisation_id;
use domain::ids::{AgentId, UserId};
use serde_json::json;
use uuid::Uuid;

use crate::billing::{Calls, card};
use crate::helpers::{agent2_id, spawn_app};

#[tokio::test]
async fn a_requester_reads_the_bills_of_their_organisation_only() {
    let app = spawn_app().await;
    let _pipeline = app.start_pipeline();
    let admin = app.login(Role::Admin).await;
    let organisation = demo_organisation_id("riverside");
    app.put(
        &format!("/api/organisations/{}/rate-card", organisation.as_uuid()),
        &admin,
        card("2026-11-01", "1.00"),
    )
    .await
    .expect(200);
    let calls = Calls {
        app: &app,
        organisation,
        requester: UserId(command_api::seed::demo_user_id("requester@example.com")),
    };
    let a = AgentId(agent2_id());
    let call = calls
        .call("2026-11-03T10:00:00Z", 60, false, a, vec![], a)
        .await;
    app.wait_for_projections().await;
    let path = format!("/api/billing/calls/{call}");
    let own = app.login(Role::Requester).await;
    assert_eq!(
        app.get(&path, &own).await.expect(200).body["amount"],
        "3.00"
    );
    let other = app.login_as("court@example.com").await;
    assert_eq!(
        app.get(&path, &other).await.expect(404).error_code(),
        "bill_not_found"
    );
    let agent = app.login(Role::Agent).await;
    app.get(&path, &agent).await.expect(403);
    // An interpreter reads their own pay, nobody else's.
    let own_pay = format!("/api/payroll?agent_id={}&month=2026-11", agent.id);
    app.get(&own_pay, &agent).await.expect(200);
    let others = format!("/api/payroll?agent_id={}&month=2026-11", agent2_id());
    app.get(&others, &agent).await.expect(403);
}

#[tokio::test]
async fn bad_rates_currencies_and_months_are_refused_with_4xx() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let org = demo_organisation_id("riverside").as_uuid();
    let path = format!("/api/organisations/{org}/rate-card");
    let mut negative = card("2026-11-01", "-1.00");
    for (body, code) in [
        (negative.take(), "invalid_value"),
        (
            json!({"effective_from": "2026-11-01", "currency": "EURO", "rates": card("2026-11-01", "1")["rates"]}),
            "invalid_value",
        ),
        (
            json!({"effective_from": "last week", "currency": "EUR", "rates": card("2026-11-01", "1")["rates"]}),
            "invalid_value",
        ),
        (
            json!({"effective_from": "2026-11-01", "currency": "EUR", "rates": []}),
            "invalid_value",
        ),
        (card("2026-11-01", "1.2.3"), "invalid_value"),
    ] {
        let answer = app.put(&path, &admin, body).await.expect(422);
        assert_eq!(answer.error_code(), code);
    }
    app.put(&path, &admin, card("2026-11-01", "1"))
        .await
        .expect(200);
    let mut dollars = card("2026-12-01", "1");
    dollars["currency"] = json!("USD");
    assert_eq!(
        app.put(&path, &admin, dollars)
            .await
            .expect(422)
            .error_code(),
        "currency_changed"
    );
    for month in ["2026-13", "2026-1", "november", "2026-11-01", ""] {
        let answer = app
            .get(
                &format!("/api/invoices?organisation_id={org}&month={month}"),
                &admin,
            )
            .await;
        assert_eq!(answer.status.as_u16(), 400, "{month}: {}", answer.body);
    }
    let csv = app
        .get(&format!("/api/invoices/{org}/2026-13.csv"), &admin)
        .await
        .expect(400);
    assert_eq!(csv.error_code(), "invalid_month");
    let unknown = Uuid::now_v7();
    app.get(
        &format!("/api/invoices?organisation_id={unknown}&month=2026-11"),
        &admin,
    )
    .await
    .expect(404);
    app.get(&format!("/api/billing/calls/{unknown}"), &admin)
        .await
        .expect(404);
    let pay = json!({"effective_from": "2026-11-01", "currency": "EUR", "per_minute": "-0.5"});
    app.put("/api/payroll/rates", &admin, pay).await.expect(422);
}
