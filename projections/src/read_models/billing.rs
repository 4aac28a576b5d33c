//! `read_billing` (issue 19): every finished call rated by the rate card in force when it
//! connected, every interpreter seat priced by the pay rate in force when it started, and
//! every credit note. Fed only by the stream, so a rebuild from sequence 1 gives the same
//! bills to the cent.
//!
//! Rate cards and pay rates are learnt from the stream too (`RateCardSet`, `PayRateSet`),
//! and a call is rated when its `CallEnded` arrives, with the versions known at that point
//! of the stream. A card set later, even one back-dated before the call, never re-rates a
//! call already rated: its row is written once. A replay meets the same events in the same
//! order, so it chooses the same versions.
//!
//! `event_seqs` of every line are stream sequences, the `seq` of `read_history.events`.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use futures::future::BoxFuture;
use sqlx::PgConnection;
use uuid::Uuid;

use domain::CallEvent;
use domain::billing::ledger::{CallBilling, CallBillingEvent, PayRates, PayRatesEvent};
use domain::billing::{RateCard, money_text};
use domain::organisation::{Organisation, OrganisationEvent};

use super::billing_rating;
use super::billing_tally::{Effect, Tally};
use super::support::{self, CALL};
use crate::bus::BusEvent;
use crate::projection::{Changes, Projection, ProjectionError};

pub struct Billing;

/// Amounts are stored as the decimal text the API shows ("12.40"): exact, and no float on
/// the way. Months are `YYYY-MM` (UTC).
const SCHEMA: &str = r"
CREATE TABLE rate_cards (
    organisation_id uuid NOT NULL,
    version         int NOT NULL,
    effective_from  timestamptz NOT NULL,
    card            jsonb NOT NULL,
    actor           jsonb NOT NULL,
    set_at          timestamptz NOT NULL,
    seq             bigint NOT NULL,
    PRIMARY KEY (organisation_id, version)
);
CREATE TABLE pay_rates (
    -- The nil UUID: the default rate.
    agent_id       uuid NOT NULL,
    version        int NOT NULL,
    effective_from timestamptz NOT NULL,
    currency       text NOT NULL,
    per_minute     text NOT NULL,
    actor          jsonb NOT NULL,
    set_at         timestamptz NOT NULL,
    seq            bigint NOT NULL,
    PRIMARY KEY (agent_id, version)
);
CREATE TABLE calls (
    call_id           uuid PRIMARY KEY,
    organisation_id   uuid,
    requester_id      uuid NOT NULL,
    month             text,
    connected_at      timestamptz,
    ended_at          timestamptz,
    tally             jsonb NOT NULL,
    rated             boolean NOT NULL DEFAULT false,
    billable_seconds  bigint,
    amount            text,
    currency          text,
    rate_card_version int,
    lines             jsonb,
    seq               bigint NOT NULL
);
CREATE TABLE seats (
    call_id          uuid NOT NULL,
    seat             int NOT NULL,
    agent_id         uuid NOT NULL,
    month            text NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz NOT NULL,
    seconds          bigint NOT NULL,
    hold_seconds     bigint NOT NULL,
    amount           text NOT NULL,
    currency         text,
    pay_rate_version int,
    event_seqs       bigint[] NOT NULL,
    seq              bigint NOT NULL,
    PRIMARY KEY (call_id, seat)
);
CREATE TABLE credits (
    call_id         uuid NOT NULL,
    credit_no       int NOT NULL,
    organisation_id uuid NOT NULL,
    month           text NOT NULL,
    amount          text NOT NULL,
    currency        text NOT NULL,
    reason          text NOT NULL,
    actor           jsonb NOT NULL,
    at              timestamptz NOT NULL,
    seq             bigint NOT NULL,
    PRIMARY KEY (call_id, credit_no)
);
";

const INDEXES: &str = r"
CREATE INDEX IF NOT EXISTS calls_invoice ON calls (organisation_id, month) WHERE rated;
CREATE INDEX IF NOT EXISTS seats_payroll ON seats (agent_id, month);
CREATE INDEX IF NOT EXISTS credits_invoice ON credits (organisation_id, month);
";

/// The month (`YYYY-MM`, UTC) of an instant.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

impl Projection for Billing {
    fn name(&self) -> &'static str {
        "billing"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn index_sql(&self) -> &'static str {
        INDEXES
    }

    fn upgrade_sql(&self) -> &'static str {
        INDEXES
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move {
            let kind = event.aggregate_type.as_str();
            if kind == CALL {
                apply_call(tx, event, seq).await?;
            } else if kind == Organisation::TYPE {
                if let OrganisationEvent::RateCardSet { version, card, at } =
                    support::decode(event)?
                {
                    store_card(tx, event, seq, version, &card, at).await?;
                }
            } else if kind == PayRates::TYPE {
                let PayRatesEvent::PayRateSet {
                    version,
                    agent_id,
                    rate,
                    at,
                } = support::decode(event)?;
                sqlx::query(
                    "INSERT INTO pay_rates (agent_id, version, effective_from, currency, per_minute, actor, set_at, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(agent_id.map_or(Uuid::nil(), |a| a.as_uuid()))
                .bind(version_int(version))
                .bind(rate.effective_from)
                .bind(rate.currency.as_str())
                .bind(rate.per_minute.to_string())
                .bind(support::actor(event))
                .bind(at)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            } else if kind == CallBilling::TYPE {
                let CallBillingEvent::CallCredited {
                    call_id,
                    organisation_id,
                    credit_no,
                    amount,
                    currency,
                    reason,
                    at,
                } = support::decode(event)?;
                sqlx::query(
                    "INSERT INTO credits (call_id, credit_no, organisation_id, month, amount, currency, reason, actor, at, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                )
                .bind(call_id.as_uuid())
                .bind(version_int(credit_no))
                .bind(organisation_id.as_uuid())
                .bind(month_of(at))
                .bind(money_text(amount))
                .bind(currency.as_str())
                .bind(reason.as_str())
                .bind(support::actor(event))
                .bind(at)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            }
            Ok(vec![])
        })
    }
}

pub(super) fn version_int(version: u32) -> i32 {
    i32::try_from(version).unwrap_or(i32::MAX)
}

async fn store_card(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
    version: u32,
    card: &RateCard,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let json = serde_json::to_value(card).map_err(|e| ProjectionError::decode(event, e))?;
    sqlx::query(
        "INSERT INTO rate_cards (organisation_id, version, effective_from, card, actor, set_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(support::aggregate_uuid(event)?)
    .bind(version_int(version))
    .bind(card.effective_from)
    .bind(json)
    .bind(support::actor(event))
    .bind(at)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn apply_call(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
) -> Result<(), ProjectionError> {
    let call_event: CallEvent = support::decode(event)?;
    let call_id = support::aggregate_uuid(event)?;
    if let Some(tally) = Tally::requested(&call_event, seq) {
        let json = serde_json::to_value(&tally).map_err(|e| ProjectionError::decode(event, e))?;
        sqlx::query(
            "INSERT INTO calls (call_id, organisation_id, requester_id, tally, seq) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(call_id)
        .bind(tally.organisation_id.map(|o| o.as_uuid()))
        .bind(tally.requester_id.as_uuid())
        .bind(json)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        return Ok(());
    }
    if !Tally::concerns(&call_event) {
        return Ok(());
    }
    let stored: Option<(serde_json::Value,)> =
        sqlx::query_as("SELECT tally FROM calls WHERE call_id = $1")
            .bind(call_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((stored,)) = stored else {
        return Ok(()); // a call requested before billing existed cannot be rated
    };
    let mut tally: Tally =
        serde_json::from_value(stored).map_err(|e| ProjectionError::decode(event, e))?;
    let effect = tally.fold(&call_event, seq);
    if effect == Effect::None {
        return Ok(());
    }
    let json = serde_json::to_value(&tally).map_err(|e| ProjectionError::decode(event, e))?;
    let usage = if effect == Effect::Ended {
        tally.usage()
    } else {
        None
    };
    // A missed callback never connected the client: it is dated by its end.
    let connected_at = usage
        .as_ref()
        .map(|u| u.connected_at)
        .or(tally.connected_at);
    let month = connected_at.map(month_of);
    sqlx::query(
        "UPDATE calls SET tally = $2, month = $3, connected_at = $4, ended_at = $5, seq = $6 \
         WHERE call_id = $1",
    )
    .bind(call_id)
    .bind(json)
    .bind(&month)
    .bind(connected_at)
    .bind(tally.ended.map(|(at, _)| at))
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    if let Some(usage) = usage {
        billing_rating::rate(tx, event, call_id, &tally, &usage).await?;
        billing_rating::pay(tx, call_id, &usage, seq).await?;
    }
    Ok(())
}
