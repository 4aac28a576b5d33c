//! Billing commands (issue 19): pay rates of interpreters and credit notes on a billed
//! call (rate cards are in `rate_cards`), and the parsing they share. Each is an event
//! with its actor; nothing billed is ever edited. The bills are read in
//! `queries::billing`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use domain::billing::ledger::{
    CallBilling, CallBillingCommand, CallBillingEvent, PayRates, PayRatesCommand, PayRatesEvent,
};
use domain::billing::{
    Currency, MAX_AMOUNT, MONEY_SCALE, PayRate, RATE_SCALE, Rate, parse_decimal, rate_text,
};
use domain::ids::{AgentId, CallId, OrganisationId};
use domain::values::{Notes, ValueError};
use domain::workflow::execute;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::Role;
use crate::context::CommandContext;
use crate::directory::find_agent_user;
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::state::{AppState, event_store};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(super::rate_cards::router())
        .routes(routes!(set_pay_rate, pay_rates))
        .routes(routes!(credit_call))
}

/// The answer to setting a versioned price: its version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRecord {
    pub version: u32,
}

pub(crate) fn money(
    value: &Value,
    field: &'static str,
    scale: u32,
    max: Decimal,
) -> Result<Decimal, ValueError> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Null => "0".to_owned(),
        other => {
            return Err(ValueError::new(field, format!("{other} is not a decimal")));
        }
    };
    parse_decimal(field, &text, scale, max)
}

/// An RFC 3339 instant or a plain date (its midnight, UTC).
pub(crate) fn instant(raw: &str) -> Result<DateTime<Utc>, ValueError> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .ok_or_else(|| {
            ValueError::new(
                "effective_from",
                format!("{raw:?} is not an RFC 3339 time or a YYYY-MM-DD date"),
            )
        })
}

/// The stored events of one aggregate with their metadata, oldest first.
pub(crate) async fn stored_events(
    state: &AppState,
    aggregate_type: &str,
    id: Uuid,
) -> Result<Vec<(Value, Value)>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT payload::jsonb, metadata::jsonb FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(aggregate_type)
    .bind(id.to_string())
    .fetch_all(&state.pool)
    .await?)
}

pub(crate) fn actor(metadata: &Value) -> Value {
    serde_json::json!({
        "id": metadata.get("actor_id"),
        "name": metadata.get("actor_name"),
        "role": metadata.get("actor_role"),
    })
}

/// `PUT /api/payroll/rates`: an interpreter's pay rate, or the default (no `agent_id`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRateBody {
    #[serde(default)]
    pub agent_id: Option<Uuid>,
    /// RFC 3339 instant, or a date (midnight UTC).
    pub effective_from: String,
    /// Three letters; every pay rate uses one currency.
    pub currency: String,
    /// Per minute, at most 4 places, 0–100000.
    #[schema(value_type = String, example = "0.80")]
    pub per_minute: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayRateVersion {
    pub version: u32,
    /// `null`: the default rate.
    pub agent_id: Option<Uuid>,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub per_minute: String,
    pub set_at: DateTime<Utc>,
    pub set_by: Value,
}

/// Sets a pay rate (admin) → 200 `{version}`: an interpreter's own, or the default for
/// every interpreter without one. 422 on a bad value, an unknown interpreter
/// (`unknown_agent`) or another currency than the earlier rates' (`currency_changed`).
#[utoipa::path(put, path = "/api/payroll/rates", tag = "billing", security(("bearer" = [])),
    request_body = PayRateBody,
    responses((status = 200, body = VersionRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_pay_rate(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<PayRateBody>,
) -> Result<Json<VersionRecord>, ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let rate = PayRate {
        effective_from: instant(&body.effective_from)?,
        currency: Currency::parse(&body.currency)?,
        per_minute: money(
            &body.per_minute,
            "per_minute",
            RATE_SCALE,
            Rate::MAX_PER_MINUTE,
        )?,
    };
    if let Some(agent) = body.agent_id {
        find_agent_user(&state.pool, agent).await.map_err(|_| {
            ApiError::unprocessable("unknown_agent", format!("no interpreter {agent}"))
        })?;
    }
    let store = event_store::<PayRates>(&state.pool);
    let command = PayRatesCommand::SetPayRate {
        agent_id: body.agent_id.map(AgentId),
        rate,
        at: ctx.at,
    };
    let committed = execute::<PayRates, _>(
        &store,
        &PayRates::ID.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    let version = committed
        .events
        .first()
        .map(|PayRatesEvent::PayRateSet { version, .. }| *version)
        .ok_or_else(|| ApiError::internal(&"a pay rate command stored no PayRateSet"))?;
    Ok(Json(VersionRecord { version }))
}

/// Every pay rate ever set, oldest first (admin, analyst).
#[utoipa::path(get, path = "/api/payroll/rates", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = Vec<PayRateVersion>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn pay_rates(
    ctx: CommandContext,
    State(state): State<AppState>,
) -> Result<Json<Vec<PayRateVersion>>, ApiError> {
    ctx.user.require(&[Role::Admin, Role::Analyst])?;
    let mut versions = Vec::new();
    for (payload, metadata) in stored_events(&state, PayRates::TYPE, PayRates::ID).await? {
        let PayRatesEvent::PayRateSet {
            version,
            agent_id,
            rate,
            at,
        } = serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))?;
        versions.push(PayRateVersion {
            version,
            agent_id: agent_id.map(|a| a.as_uuid()),
            effective_from: rate.effective_from,
            currency: rate.currency.as_str().to_owned(),
            per_minute: rate_text(rate.per_minute),
            set_at: at,
            set_by: actor(&metadata),
        });
    }
    Ok(Json(versions))
}

/// `POST /api/billing/calls/{id}/credit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    /// What to credit, more than 0 and at most what is billed and not yet credited.
    #[schema(value_type = String, example = "3.00")]
    pub amount: Value,
    /// Why (1–2000 characters), shown on the invoice.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditRecord {
    pub call_id: Uuid,
    pub credit_no: u32,
    pub amount: String,
    pub currency: String,
}

/// Credits part or all of a billed call (admin) → 201: a credit note, stored as
/// `CallCredited` with its actor; the call's bill is never edited. A re-rate is the credit
/// of the difference. 404 `bill_not_found` until the call is billed; 422 for a credit of 0
/// (`empty_credit`) or over what is left (`credit_exceeds_billed`).
#[utoipa::path(post, path = "/api/billing/calls/{id}/credit", tag = "billing", security(("bearer" = [])),
    request_body = CreditBody, params(("id" = Uuid, Path, description = "call id")),
    responses((status = 201, body = CreditRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn credit_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<CreditBody>,
) -> Result<(StatusCode, Json<CreditRecord>), ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let amount = money(&body.amount, "amount", MONEY_SCALE, MAX_AMOUNT)?;
    let reason = Notes::parse(&body.reason)?;
    if reason.as_str().is_empty() {
        return Err(ValueError::new("reason", "say why the call is credited").into());
    }
    let billed: Option<(Option<Uuid>, String, Option<String>)> = sqlx::query_as(
        "SELECT organisation_id, amount, currency FROM read_billing.calls WHERE call_id = $1 AND rated",
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let Some((Some(organisation_id), billed, Some(currency))) = billed else {
        return Err(ApiError::not_found(
            "bill_not_found",
            format!(
                "call {id} has no bill to credit (not ended, not priced, or not projected yet)"
            ),
        ));
    };
    let billed: Decimal = billed.parse().map_err(|e| ApiError::internal(&e))?;
    let currency = Currency::parse(&currency)?;
    let store = event_store::<CallBilling>(&state.pool);
    let command = CallBillingCommand::Credit {
        call_id: CallId(id),
        organisation_id: OrganisationId(organisation_id),
        billed: Some((billed, currency.clone())),
        amount,
        reason,
        at: ctx.at,
    };
    let committed = execute::<CallBilling, _>(
        &store,
        &id.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    let credit_no = committed
        .events
        .first()
        .map(|CallBillingEvent::CallCredited { credit_no, .. }| *credit_no)
        .ok_or_else(|| ApiError::internal(&"a credit command stored no CallCredited"))?;
    Ok((
        StatusCode::CREATED,
        Json(CreditRecord {
            call_id: id,
            credit_no,
            amount: domain::billing::money_text(amount),
            currency: currency.as_str().to_owned(),
        }),
    ))
}
