//! Billing read from `read_billing` (issue 19): a call's bill with the events behind each
//! line, and an organisation's monthly invoice (JSON and CSV); an interpreter's pay is in
//! `payroll`. The totals are the sums of the lines, added here in exact decimals.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use wire::billing::{Actor, BillLine, CallBill, Credit, Invoice, InvoiceLine, InvoiceLineKind};

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Path, Query};
use crate::routes::organisations;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(call_bill))
        .routes(routes!(invoice))
        .routes(routes!(invoice_csv))
}

/// A `YYYY-MM` month (UTC), checked: 400 `invalid_month` otherwise.
pub(crate) fn month(raw: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 7)
        .map(|_| raw.to_owned())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_month",
                format!("month: {raw:?} is not a month such as 2026-11 (YYYY-MM)"),
            )
        })
}

pub(crate) fn amount(text: &str) -> Result<Decimal, ApiError> {
    text.parse()
        .map_err(|e| ApiError::internal(&format!("stored amount {text:?}: {e}")))
}

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn actor(value: &Value) -> Actor {
    let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Actor {
        id: field("id"),
        name: field("name"),
        role: field("role"),
    }
}

type CreditRow = (
    Uuid,
    i32,
    String,
    String,
    String,
    Value,
    DateTime<Utc>,
    String,
    i64,
);
const CREDIT_COLUMNS: &str = "SELECT call_id, credit_no, amount, currency, reason, actor, at, month, seq FROM read_billing.credits";

fn credit(row: CreditRow) -> Credit {
    let (call_id, credit_no, amount, currency, reason, by, at, month, seq) = row;
    Credit {
        call_id: call_id.to_string(),
        credit_no: u32::try_from(credit_no).unwrap_or_default(),
        amount,
        currency,
        reason,
        by: actor(&by),
        at: rfc3339(at),
        month,
        event_seqs: vec![seq],
    }
}

#[derive(sqlx::FromRow)]
struct BilledCall {
    call_id: Uuid,
    organisation_id: Option<Uuid>,
    requester_id: Uuid,
    month: Option<String>,
    connected_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    billable_seconds: Option<i64>,
    amount: Option<String>,
    currency: Option<String>,
    rate_card_version: Option<i32>,
    lines: Option<Value>,
}

const CALL_COLUMNS: &str = "SELECT call_id, organisation_id, requester_id, month, connected_at, ended_at, \
     billable_seconds, amount, currency, rate_card_version, lines FROM read_billing.calls";

fn bill_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(
        "bill_not_found",
        format!("call {id} has no bill: unknown, not ended yet, or not projected yet"),
    )
}

/// A call's bill: its lines, each with the stream sequences of the events behind it, and
/// any credit since (admin, analyst; a requester for their organisation's calls, or their
/// own without one). 404 `bill_not_found` until the call ended and was rated.
#[utoipa::path(get, path = "/api/billing/calls/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = CallBill), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn call_bill(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<CallBill>, ApiError> {
    user.require(&[Role::Admin, Role::Analyst, Role::Requester])?;
    let row: Option<BilledCall> =
        sqlx::query_as(&format!("{CALL_COLUMNS} WHERE call_id = $1 AND rated"))
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let row = row.ok_or_else(|| bill_not_found(id))?;
    if user.role == Role::Requester {
        let theirs = match user.organisation_id {
            Some(organisation) => row.organisation_id == Some(organisation),
            None => row.requester_id == user.id.as_uuid(),
        };
        if !theirs {
            // Not theirs to know of: the same answer as an unknown call.
            return Err(bill_not_found(id));
        }
    }
    let credits: Vec<CreditRow> = sqlx::query_as(&format!(
        "{CREDIT_COLUMNS} WHERE call_id = $1 ORDER BY credit_no"
    ))
    .bind(id)
    .fetch_all(&state.pool)
    .await?;
    let credits: Vec<Credit> = credits.into_iter().map(credit).collect();
    let billed = amount(row.amount.as_deref().unwrap_or("0"))?;
    let mut credited = Decimal::ZERO;
    for c in &credits {
        credited += amount(&c.amount)?;
    }
    let lines: Vec<BillLine> = serde_json::from_value(row.lines.unwrap_or(Value::Null))
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(CallBill {
        call_id: row.call_id.to_string(),
        organisation_id: row.organisation_id.map(|o| o.to_string()),
        month: row.month.unwrap_or_default(),
        connected_at: row.connected_at.map(rfc3339).unwrap_or_default(),
        ended_at: row.ended_at.map(rfc3339).unwrap_or_default(),
        billable_seconds: row.billable_seconds.unwrap_or_default(),
        amount: domain::billing::money_text(billed),
        currency: row.currency,
        rate_card_version: row.rate_card_version.and_then(|v| u32::try_from(v).ok()),
        lines,
        credits,
        net_amount: domain::billing::money_text(billed - credited),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvoiceParams {
    pub organisation_id: Uuid,
    /// `YYYY-MM` (UTC).
    pub month: String,
}

/// The invoice of `organisation` for `month`: each call connected in the month, then each
/// credit note made in it; the total is the sum of the lines.
async fn build_invoice(
    state: &AppState,
    organisation: Uuid,
    month: String,
) -> Result<Invoice, ApiError> {
    organisations::load(state, organisation).await?;
    let calls: Vec<BilledCall> = sqlx::query_as(&format!(
        "{CALL_COLUMNS} WHERE organisation_id = $1 AND month = $2 AND rated ORDER BY connected_at, call_id"
    ))
    .bind(organisation)
    .bind(&month)
    .fetch_all(&state.pool)
    .await?;
    let credits: Vec<CreditRow> = sqlx::query_as(&format!(
        "{CREDIT_COLUMNS} WHERE organisation_id = $1 AND month = $2 ORDER BY at, call_id, credit_no"
    ))
    .bind(organisation)
    .bind(&month)
    .fetch_all(&state.pool)
    .await?;
    let mut total = Decimal::ZERO;
    let mut currency = None;
    let mut lines = Vec::new();
    for call in calls {
        let billed = amount(call.amount.as_deref().unwrap_or("0"))?;
        total += billed;
        currency = currency.or(call.currency.clone());
        let seqs = call
            .lines
            .as_ref()
            .and_then(|l| serde_json::from_value::<Vec<BillLine>>(l.clone()).ok())
            .unwrap_or_default();
        let mut event_seqs: Vec<i64> = seqs.iter().flat_map(|l| l.event_seqs.clone()).collect();
        event_seqs.sort_unstable();
        event_seqs.dedup();
        lines.push(InvoiceLine {
            kind: InvoiceLineKind::Call,
            call_id: call.call_id.to_string(),
            at: call.connected_at.map(rfc3339).unwrap_or_default(),
            billable_seconds: call.billable_seconds.unwrap_or_default(),
            amount: domain::billing::money_text(billed),
            rate_card_version: call.rate_card_version.and_then(|v| u32::try_from(v).ok()),
            description: seqs
                .iter()
                .map(|l| l.description.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            credit: None,
            event_seqs,
        });
    }
    let mut notes: Vec<Credit> = credits.into_iter().map(credit).collect();
    // The credit's author is named inside the line's description (and the CSV), where the
    // privacy layer does not look: reveal the sealed names here.
    let mut names: Vec<&mut Option<String>> = notes.iter_mut().map(|n| &mut n.by.name).collect();
    crate::privacy::reveal::reveal_fields(&state.vault, &mut names).await?;
    for note in notes {
        let credited = amount(&note.amount)?;
        total -= credited;
        currency = currency.or(Some(note.currency.clone()));
        lines.push(InvoiceLine {
            kind: InvoiceLineKind::Credit,
            call_id: note.call_id.clone(),
            at: note.at.clone(),
            billable_seconds: 0,
            amount: domain::billing::money_text(-credited),
            rate_card_version: None,
            description: format!(
                "Credit note {} by {}: {}",
                note.credit_no,
                note.by.name.as_deref().unwrap_or("unknown"),
                note.reason
            ),
            event_seqs: note.event_seqs.clone(),
            credit: Some(note),
        });
    }
    if currency.is_none() {
        currency = sqlx::query_scalar(
            "SELECT card->>'currency' FROM read_billing.rate_cards WHERE organisation_id = $1 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(organisation)
        .fetch_optional(&state.pool)
        .await?;
    }
    Ok(Invoice {
        organisation_id: organisation.to_string(),
        month,
        currency,
        total: domain::billing::money_text(total),
        lines,
    })
}

/// An organisation's invoice for a month (admin, analyst): the calls connected in it and
/// the credit notes made in it. 400 `invalid_month` for a month not `YYYY-MM`.
#[utoipa::path(get, path = "/api/invoices", tag = "billing", security(("bearer" = [])), params(InvoiceParams),
    responses((status = 200, body = Invoice), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn invoice(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<InvoiceParams>,
) -> Result<Json<Invoice>, ApiError> {
    user.require(&[Role::Admin, Role::Analyst])?;
    let month = month(&params.month)?;
    Ok(Json(
        build_invoice(&state, params.organisation_id, month).await?,
    ))
}

/// The invoice as CSV (admin, analyst), one row per line, the same amounts as the JSON,
/// then a `total` row. The last path segment is the month with `.csv`: `2026-11.csv`.
#[utoipa::path(get, path = "/api/invoices/{organisation_id}/{file}", tag = "billing", security(("bearer" = [])),
    params(("organisation_id" = Uuid, Path, description = "organisation id"),
        ("file" = String, Path, description = "the month and `.csv`, e.g. `2026-11.csv`")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn invoice_csv(
    user: AuthUser,
    State(state): State<AppState>,
    Path((organisation, file)): Path<(Uuid, String)>,
) -> Result<Response, ApiError> {
    user.require(&[Role::Admin, Role::Analyst])?;
    let raw = file.strip_suffix(".csv").ok_or_else(|| {
        ApiError::bad_request("invalid_month", format!("{file:?}: ask for YYYY-MM.csv"))
    })?;
    let month = month(raw)?;
    let invoice = build_invoice(&state, organisation, month).await?;
    let bytes = invoice_csv_bytes(&invoice).map_err(|e| ApiError::internal(&e))?;
    let disposition = format!(
        "attachment; filename=\"invoice-{}-{}.csv\"",
        invoice.organisation_id, invoice.month
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn invoice_csv_bytes(invoice: &Invoice) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record([
        "kind",
        "call_id",
        "at",
        "billable_seconds",
        "amount",
        "currency",
        "rate_card_version",
        "description",
        "event_seqs",
    ])?;
    let currency = invoice.currency.clone().unwrap_or_default();
    for line in &invoice.lines {
        let seqs: Vec<String> = line.event_seqs.iter().map(i64::to_string).collect();
        writer.write_record([
            line.kind.as_str(),
            &line.call_id,
            &line.at,
            &line.billable_seconds.to_string(),
            &line.amount,
            &currency,
            &line
                .rate_card_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            &crate::routes::queries::calls::defuse(Some(&line.description)),
            &seqs.join(" "),
        ])?;
    }
    writer.write_record(["total", "", "", "", &invoice.total, &currency, "", "", ""])?;
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}
