//! Billing as the API answers it and the web UI reads it (issue 19): a call's bill, a
//! monthly invoice and an interpreter's monthly pay. Amounts are decimal strings with two
//! places ("12.40"), never floats; ids and instants are strings (UUIDs, RFC 3339).
//! `event_seqs` are stream sequences: the `seq` of the events in the call's history.

use serde::{Deserialize, Serialize};

/// Who made a correction: from the event's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// One billed line of a call and the events that justify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillLine {
    pub description: String,
    pub seconds: i64,
    pub amount: String,
    pub event_seqs: Vec<i64>,
}

/// A credit note on a call's bill (`CallCredited`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credit {
    pub call_id: String,
    /// 1, 2, … per call.
    pub credit_no: u32,
    /// What is credited, positive ("3.00").
    pub amount: String,
    pub currency: String,
    pub reason: String,
    pub by: Actor,
    pub at: String,
    /// The month (`YYYY-MM`, UTC) whose invoice carries the credit: the month it was made.
    pub month: String,
    pub event_seqs: Vec<i64>,
}

/// `GET /api/billing/calls/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallBill {
    pub call_id: String,
    pub organisation_id: Option<String>,
    /// The month (UTC) of the call's connect: the invoice it is on.
    pub month: String,
    pub connected_at: String,
    pub ended_at: String,
    pub billable_seconds: i64,
    pub amount: String,
    /// `null` when no rate card priced the call (then `amount` is "0.00").
    pub currency: Option<String>,
    pub rate_card_version: Option<u32>,
    pub lines: Vec<BillLine>,
    /// Corrections made since, oldest first; the lines above never change.
    pub credits: Vec<Credit>,
    /// `amount` less every credit.
    pub net_amount: String,
}

/// What an invoice line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceLineKind {
    Call,
    Credit,
}

impl InvoiceLineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Credit => "credit",
        }
    }
}

/// One line of an invoice: a call billed in the month, or a credit made in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub kind: InvoiceLineKind,
    pub call_id: String,
    /// The call's connect, or the credit's instant.
    pub at: String,
    pub billable_seconds: i64,
    /// Negative for a credit ("-3.00").
    pub amount: String,
    pub rate_card_version: Option<u32>,
    pub description: String,
    /// For a credit: the note, its reason and who made it.
    pub credit: Option<Credit>,
    pub event_seqs: Vec<i64>,
}

/// `GET /api/invoices?organisation_id=&month=`. `total` is the sum of the lines' amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub organisation_id: String,
    pub month: String,
    /// `null` when the organisation has no rate card and nothing was billed.
    pub currency: Option<String>,
    pub total: String,
    pub lines: Vec<InvoiceLine>,
}

/// One seat of a call an interpreter is paid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayLine {
    pub call_id: String,
    pub seat: u32,
    pub started_at: String,
    pub ended_at: String,
    /// Paid seconds: the whole seat, hold included.
    pub seconds: i64,
    pub hold_seconds: i64,
    pub amount: String,
    pub pay_rate_version: Option<u32>,
    pub event_seqs: Vec<i64>,
}

/// `GET /api/payroll?agent_id=&month=`. `amount` is the sum of the lines' amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payroll {
    pub agent_id: String,
    pub month: String,
    pub currency: Option<String>,
    pub paid_seconds: i64,
    pub amount: String,
    pub lines: Vec<PayLine>,
}
