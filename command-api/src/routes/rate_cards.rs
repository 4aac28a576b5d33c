//! Rate cards (issue 19): the prices of an organisation, versioned by `effective_from`.
//! Each version is a `RateCardSet` event of the `Organisation` aggregate, with its actor;
//! earlier versions are never edited (docs/billing.md).

use axum::extract::State;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::billing::{Currency, MONEY_SCALE, RATE_SCALE, Rate, RateCard, rate_text};
use domain::organisation::{Organisation, OrganisationCommand, OrganisationEvent};
use domain::values::{LanguageCode, Modality, ValueError};
use domain::workflow::execute;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::billing::{VersionRecord, actor, instant, money, stored_events};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::routes::organisations;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_rate_card))
        .routes(routes!(rate_cards))
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

/// A version of a rate card as the API shows it.
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
