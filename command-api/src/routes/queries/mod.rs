//! The query side (docs/api.md, "Queries"): read models over SQL, time travel over the event
//! store, metrics and exports. Every read-model object carries `seq`, the bus sequence of
//! the last event applied to it.
//!
//! Each projection owns a schema (`read_queues`, `read_agents`, `read_calls`,
//! `read_history`, `read_metrics`); queries name their tables with it.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

pub mod agent_at;
pub mod billing;
pub mod board;
pub mod calls;
pub mod drill_down;
pub mod estimate;
pub mod floor;
pub mod formulas;
pub mod metrics;
pub mod offer_explanation;
pub mod payroll;
pub mod reports;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(board::router())
        .merge(billing::router())
        .merge(payroll::router())
        .merge(calls::router())
        .merge(drill_down::router())
        .merge(floor::router())
        .merge(formulas::router())
        .merge(metrics::router())
        .merge(offer_explanation::router())
        .merge(reports::router())
}

/// Parses an RFC 3339 instant from a query string (400 when it does not parse). A `+` of
/// an offset that arrived unescaped reads as a space, so a space there is taken as `+`.
pub fn parse_instant(field: &'static str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|e| match raw.rfind(' ') {
            Some(i) if i > 10 => {
                DateTime::parse_from_rfc3339(&format!("{}+{}", &raw[..i], &raw[i + 1..]))
            }
            _ => Err(e),
        })
        .map(|t| t.with_timezone(&Utc))
        .ok()
        // An offset can push year 9999 or 0000 past four digits in UTC, which RFC 3339
        // answers could not write back.
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_time",
                format!(
                    "{field}: {raw:?} is not an RFC 3339 time between the years 0000 and 9999 \
                     (UTC) such as 2025-01-31T09:30:00Z"
                ),
            )
        })
}

/// Midnight UTC starting the day `now` is in.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(NaiveTime::MIN).and_utc()
}

/// `from`/`to` of a report: both optional (today, UTC, by default), `from < to`, and at
/// most `max_days` apart.
pub fn time_range(
    from: Option<&str>,
    to: Option<&str>,
    max_days: i64,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let today = start_of_day(Utc::now());
    let from = from
        .map(|raw| parse_instant("from", raw))
        .transpose()?
        .unwrap_or(today);
    let to = to
        .map(|raw| parse_instant("to", raw))
        .transpose()?
        .unwrap_or(today + Duration::days(1));
    if from >= to {
        return Err(ApiError::unprocessable(
            "invalid_range",
            "from must be before to",
        ));
    }
    if to - from > Duration::days(max_days) {
        return Err(ApiError::unprocessable(
            "range_too_long",
            format!("from and to may be at most {max_days} days apart"),
        ));
    }
    Ok((from, to))
}

/// `numerator ÷ denominator`, or `None` when there is nothing to divide by.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // counts and seconds stay far below 2^52
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The call is missing or not the caller's to see: both answer the same 404.
pub fn call_not_found(id: uuid::Uuid) -> ApiError {
    ApiError::not_found("call_not_found", format!("no call {id}"))
}
