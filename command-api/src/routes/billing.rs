//! Billing commands (issue 19): rate cards of an organisation, pay rates of interpreters,
//! and credit notes on a billed call. Each is an event with its actor; nothing billed is
//! ever edited. The bills themselves are read in `queries::billing`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use domain::billing::ledger::{
    CallBilling, CallBillingCommand, CallBillingEvent, PayRates, PayRatesCommand, PayRatesEvent,
};
use domain::billing::{
    Currency, MAX_AMOUNT, MONEY_SCALE, PayRate, RATE_SCALE, Rate, RateCard, parse_decimal,
    rate_text,
};
use domain::ids::{AgentId, CallId, OrganisationId};
use domain::organisation::{Organisation, OrganisationCommand, OrganisationEvent};
use domain::values::{LanguageCode, Modality, Notes, ValueError};
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
use crate::routes::organisations;
use crate::state::{AppState, event_store};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_rate_card))
        .routes(routes!(rate_cards))
        .routes(routes!(set_pay_rate, pay_rates))
        .routes(routes!(credit_call))
}

/// One rate of a card. Money may be given as a decimal string ("1.20", preferred) or a
/// JSON number; it is read from its text, never through a float.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateView {
    /// `video` or `audio`.
    pub modality: String,
    /// ISO 639 codes this rate prices; empty or absent: every other language.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Per minute, at most 4 places, 0–100000.
    #[schema(value_type = String, example = "1.20")]
    pub per_minute: Value,
    /// 0–1440, default 0.
    #[serde(default)]
    pub minimum_minutes: i64,
    /// 1–3600, default 1 (per second).
    #[serde(default = "per_second")]
    pub increment_s: i64,
    /// 0–3600, default 0.
    #[serde(default)]
    pub grace_s: i64,
    /// Percent, 0–1000, at most 2 places; default 0.
    #[serde(default)]
    #[schema(value_type = String, example = "25")]
    pub urgent_surcharge_pct: Value,
}

fn per_second() -> i64 {
    1
}

/// `PUT /api/organisations/{id}/rate-card`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateCardBody {
    /// RFC 3339 instant, or a date (midnight UTC).
    pub effective_from: String,
    /// Three letters, e.g. `EUR`; every version of an organisation's card uses one.
    pub currency: String,
    /// Whether hold time is billed; default true.
    #[serde(default)]
    pub bill_hold: Option<bool>,
    pub rates: Vec<RateView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRecord {
    pub version: u32,
}

/// Who changed something, from the event's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateCardVersion {
    pub version: u32,
    pub effective_from: DateTime<Utc>,
    pub currency: String,
    pub bill_hold: bool,
    pub rates: Vec<RateView>,
    pub set_at: DateTime<Utc>,
    /// `{id, name, role}` of whoever set it.
    pub set_by: Value,
}

fn money(
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

fn whole(
    value: i64,
    field: &'static str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ValueError> {
    u32::try_from(value)
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            ValueError::new(
                field,
                format!("{value} is outside {}..={}", range.start(), range.end()),
            )
        })
}

/// An RFC 3339 instant or a plain date (its midnight, UTC).
fn instant(raw: &str) -> Result<DateTime<Utc>, ValueError> {
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

impl RateView {
    fn parse(&self) -> Result<Rate, ValueError> {
        Ok(Rate {
            modality: Modality::parse(&self.modality)?,
            languages: self
                .languages
                .iter()
                .map(|l| LanguageCode::parse(l))
                .collect::<Result<_, _>>()?,
            per_minute: money(
                &self.per_minute,
                "per_minute",
                RATE_SCALE,
                Rate::MAX_PER_MINUTE,
            )?,
            minimum_minutes: whole(
                self.minimum_minutes,
                "minimum_minutes",
                0..=Rate::MAX_MINIMUM_MINUTES,
            )?,
            increment_s: whole(self.increment_s, "increment_s", Rate::INCREMENT_RANGE_S)?,
            grace_s: whole(self.grace_s, "grace_s", 0..=Rate::MAX_GRACE_S)?,
            urgent_surcharge_pct: money(
                &self.urgent_surcharge_pct,
                "urgent_surcharge_pct",
                MONEY_SCALE,
                Rate::MAX_SURCHARGE_PCT,
            )?,
        })
    }
}

impl From<&Rate> for RateView {
    fn from(rate: &Rate) -> Self {
        Self {
            modality: rate.modality.as_str().to_owned(),
            languages: rate
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            per_minute: Value::String(rate_text(rate.per_minute)),
            minimum_minutes: i64::from(rate.minimum_minutes),
            increment_s: i64::from(rate.increment_s),
            grace_s: i64::from(rate.grace_s),
            urgent_surcharge_pct: Value::String(rate.urgent_surcharge_pct.to_string()),
        }
    }
}

/// Adds a version of the organisation's rate card (admin); → 200 `{version}`. Calls are
/// billed by the version in force when they connected (docs/billing.md). 422 on a bad
/// value (`invalid_value`) or a currency other than the earlier versions'
/// (`currency_changed`). Stored as `RateCardSet` with its actor.
#[utoipa::path(put, path = "/api/organisations/{id}/rate-card", tag = "billing", security(("bearer" = [])),
    request_body = RateCardBody, params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = VersionRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_rate_card(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<RateCardBody>,
) -> Result<Json<VersionRecord>, ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let rates = body
        .rates
        .iter()
        .map(RateView::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let card = RateCard::new(
        instant(&body.effective_from)?,
        Currency::parse(&body.currency)?,
        body.bill_hold.unwrap_or(true),
        rates,
    )?;
    organisations::load(&state, id).await?;
    let committed = execute::<Organisation, _>(
        state.organisations.as_ref(),
        &id.to_string(),
        &OrganisationCommand::SetRateCard { card, at: ctx.at },
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    let version = committed
        .events
        .iter()
        .find_map(|event| match event {
            OrganisationEvent::RateCardSet { version, .. } => Some(*version),
            _ => None,
        })
        .ok_or_else(|| ApiError::internal(&"a rate card command stored no RateCardSet"))?;
    Ok(Json(VersionRecord { version }))
}

/// The stored events of one aggregate with their metadata, oldest first.
async fn stored_events(
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

fn actor(metadata: &Value) -> Value {
    serde_json::json!({
        "id": metadata.get("actor_id"),
        "name": metadata.get("actor_name"),
        "role": metadata.get("actor_role"),
    })
}

/// Every version of the organisation's rate card, oldest first (admin, analyst), read
/// from its events.
#[utoipa::path(get, path = "/api/organisations/{id}/rate-cards", tag = "billing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = Vec<RateCardVersion>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn rate_cards(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<RateCardVersion>>, ApiError> {
    ctx.user.require(&[Role::Admin, Role::Analyst])?;
    organisations::load(&state, id).await?;
    let mut versions = Vec::new();
    for (payload, metadata) in stored_events(&state, Organisation::TYPE, id).await? {
        let event: OrganisationEvent =
            serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))?;
        if let OrganisationEvent::RateCardSet { version, card, at } = event {
            versions.push(RateCardVersion {
                version,
                effective_from: card.effective_from,
                currency: card.currency.as_str().to_owned(),
                bill_hold: card.bill_hold,
                rates: card.rates.iter().map(RateView::from).collect(),
                set_at: at,
                set_by: actor(&metadata),
            });
        }
    }
    Ok(Json(versions))
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
