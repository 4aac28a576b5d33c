//! The writes of `read_billing` when a call ends: its bill, rated by the rate card in
//! force when it connected, and each seat's pay, priced by the pay rate in force when the
//! seat started. Each row is written once (`NOT rated`, `ON CONFLICT DO NOTHING`), so a
//! card or a rate set later never changes them.

use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use domain::billing::rating::{self, Bill, Usage};
use domain::billing::{RateCard, money_text};

use super::billing::{month_of, version_int};
use super::billing_tally::Tally;
use crate::bus::BusEvent;
use crate::projection::ProjectionError;

/// Rates the finished call with the card in force when it connected, once.
pub(super) async fn rate(
    tx: &mut PgConnection,
    event: &BusEvent,
    call_id: Uuid,
    tally: &Tally,
    usage: &Usage,
) -> Result<(), ProjectionError> {
    let card: Option<(i32, serde_json::Value)> = match tally.organisation_id {
        Some(organisation) => {
            sqlx::query_as(
                "SELECT version, card FROM rate_cards WHERE organisation_id = $1 AND effective_from <= $2 \
                 ORDER BY effective_from DESC, version DESC LIMIT 1",
            )
            .bind(organisation.as_uuid())
            .bind(usage.connected_at)
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let card = match card {
        Some((version, card)) => Some((
            version,
            serde_json::from_value::<RateCard>(card)
                .map_err(|e| ProjectionError::decode(event, e))?,
        )),
        None => None,
    };
    let priced = card.as_ref().and_then(|(version, card)| {
        card.rate_for(tally.modality, &tally.language).map(|rate| {
            (
                *version,
                card,
                rating::rate_call(usage, rate, card.bill_hold),
            )
        })
    });
    let (version, currency, bill) = match priced {
        Some((version, card, bill)) => (Some(version), Some(card.currency.as_str()), bill),
        // No card (or no rate for the call's modality and language): the call is on the
        // invoice at zero, with the reason, so nobody misses it.
        None => (None, None, unpriced(usage, tally)),
    };
    let lines = serde_json::to_value(
        bill.lines
            .iter()
            .map(|line| wire::billing::BillLine {
                description: line.description.clone(),
                seconds: line.seconds,
                amount: money_text(line.amount),
                event_seqs: line.event_seqs.clone(),
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| ProjectionError::decode(event, e))?;
    sqlx::query(
        "UPDATE calls SET rated = true, billable_seconds = $2, amount = $3, currency = $4, \
         rate_card_version = $5, lines = $6 WHERE call_id = $1 AND NOT rated",
    )
    .bind(call_id)
    .bind(bill.billable_seconds)
    .bind(money_text(bill.amount))
    .bind(currency)
    .bind(version)
    .bind(lines)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn unpriced(usage: &Usage, tally: &Tally) -> Bill {
    Bill {
        billable_seconds: 0,
        amount: Decimal::ZERO,
        lines: vec![rating::Line {
            description: format!(
                "No rate card in force for {} {} calls when this call connected: not billed",
                tally.modality, tally.language
            ),
            seconds: usage.seconds(),
            amount: Decimal::ZERO,
            event_seqs: usage.call_seqs.clone(),
        }],
    }
}

/// Prices each seat of the finished call with its interpreter's pay rate (else the
/// default) in force when the seat started. Every second of the seat is paid, hold and
/// grace included: the interpreter was there.
pub(super) async fn pay(
    tx: &mut PgConnection,
    call_id: Uuid,
    usage: &Usage,
    seq: i64,
) -> Result<(), ProjectionError> {
    for seat in &usage.seats {
        let rate: Option<(i32, String, String)> = sqlx::query_as(
            "SELECT version, currency, per_minute FROM pay_rates \
             WHERE agent_id IN ($1, $2) AND effective_from <= $3 \
             ORDER BY (agent_id = $1) DESC, effective_from DESC, version DESC LIMIT 1",
        )
        .bind(seat.agent_id.as_uuid())
        .bind(Uuid::nil())
        .bind(seat.from)
        .fetch_optional(&mut *tx)
        .await?;
        // No pay rate in force: the seat is listed at zero, so the gap shows on payroll.
        let per_minute = match &rate {
            Some((_, _, text)) => text.parse::<Decimal>().map_err(|e| {
                sqlx::Error::Decode(
                    format!("read_billing.pay_rates per_minute {text:?}: {e}").into(),
                )
            })?,
            None => Decimal::ZERO,
        };
        sqlx::query(
            "INSERT INTO seats (call_id, seat, agent_id, month, started_at, ended_at, seconds, hold_seconds, \
             amount, currency, pay_rate_version, event_seqs, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
        )
        .bind(call_id)
        .bind(version_int(seat.number))
        .bind(seat.agent_id.as_uuid())
        .bind(month_of(seat.from))
        .bind(seat.from)
        .bind(seat.to)
        .bind(seat.seconds())
        .bind(seat.hold_seconds)
        .bind(money_text(rating::price(seat.seconds(), per_minute)))
        .bind(rate.as_ref().map(|(_, currency, _)| currency.clone()))
        .bind(rate.as_ref().map(|(version, _, _)| *version))
        .bind(&seat.event_seqs)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
