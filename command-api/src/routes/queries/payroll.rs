//! An interpreter's pay for a month (issue 19), from `read_billing.seats`: each seat they
//! held, priced when the call ended by the pay rate in force when the seat started. The
//! amount is the sum of the lines (docs/billing.md, "Interpreter pay").

use axum::extract::State;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use wire::billing::{PayLine, Payroll};

use super::billing::{amount, month, rfc3339};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(payroll))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PayrollParams {
    pub agent_id: Uuid,
    /// `YYYY-MM` (UTC).
    pub month: String,
}

type SeatRow = (
    Uuid,
    i32,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
    i64,
    String,
    Option<String>,
    Option<i32>,
    Vec<i64>,
);

/// An interpreter's pay for a month (admin, analyst; an interpreter their own): each seat
/// they held on a call that started in the month, hold and grace included.
#[utoipa::path(get, path = "/api/payroll", tag = "billing", security(("bearer" = [])), params(PayrollParams),
    responses((status = 200, body = Payroll), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn payroll(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<PayrollParams>,
) -> Result<Json<Payroll>, ApiError> {
    user.require(&[Role::Admin, Role::Analyst, Role::Agent])?;
    if user.role == Role::Agent && user.id.as_uuid() != params.agent_id {
        return Err(ApiError::forbidden(
            "an interpreter sees only their own pay",
        ));
    }
    let month = month(&params.month)?;
    let rows: Vec<SeatRow> = sqlx::query_as(
        "SELECT call_id, seat, started_at, ended_at, seconds, hold_seconds, amount, currency, pay_rate_version, event_seqs \
         FROM read_billing.seats WHERE agent_id = $1 AND month = $2 ORDER BY started_at, call_id, seat",
    )
    .bind(params.agent_id)
    .bind(&month)
    .fetch_all(&state.pool)
    .await?;
    let mut total = Decimal::ZERO;
    let mut paid_seconds = 0;
    let mut currency = None;
    let mut lines = Vec::new();
    for (
        call_id,
        seat,
        started_at,
        ended_at,
        seconds,
        hold_seconds,
        paid,
        seat_currency,
        version,
        event_seqs,
    ) in rows
    {
        total += amount(&paid)?;
        paid_seconds += seconds;
        currency = currency.or(seat_currency);
        lines.push(PayLine {
            call_id: call_id.to_string(),
            seat: u32::try_from(seat).unwrap_or_default(),
            started_at: rfc3339(started_at),
            ended_at: rfc3339(ended_at),
            seconds,
            hold_seconds,
            amount: paid,
            pay_rate_version: version.and_then(|v| u32::try_from(v).ok()),
            event_seqs,
        });
    }
    Ok(Json(Payroll {
        agent_id: params.agent_id.to_string(),
        month,
        currency,
        paid_seconds,
        amount: domain::billing::money_text(total),
        lines,
    }))
}
