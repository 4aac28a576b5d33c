//! Each event's share of the metric buckets, kept beside them: the drill-down from a
//! metric cell to the calls behind it (`GET /api/metrics/calls`).
//!
//! Every delta an event adds to a bucket is also written here, once, with the call it
//! belongs to (a call event's own call; an interpreter event's `call_id` when it has one,
//! such as a wrap-up) and the event's stream sequence. So the contributions of a cell sum
//! to the cell's counters exactly, by construction: they are the same deltas, written in
//! the same transaction. Interpreter time that belongs to no call (`logged_in_s`, and the
//! `busy_s` of a status interval) has no `call_id` and is listed by its event.

use sqlx::PgConnection;
use uuid::Uuid;

use super::Deltas;
use super::support::CALL;
use crate::bus::BusEvent;
use crate::projection::ProjectionError;

/// The rows one batch adds, written in one statement.
#[derive(Debug, Default)]
pub(super) struct Contributions {
    bucket_starts: Vec<chrono::DateTime<chrono::Utc>>,
    dimensions: Vec<&'static str>,
    keys: Vec<String>,
    counters: Vec<&'static str>,
    amounts: Vec<i64>,
    call_ids: Vec<Option<Uuid>>,
    seqs: Vec<i64>,
}

/// The call an event is about: a call event's aggregate, or an interpreter event's call.
fn call_of(event: &BusEvent) -> Option<Uuid> {
    if event.aggregate_type == CALL {
        return event.aggregate_id.parse().ok();
    }
    event.data().get("call_id")?.as_str()?.parse().ok()
}

impl Contributions {
    pub(super) fn record(&mut self, deltas: &Deltas, event: &BusEvent, seq: i64) {
        let call_id = call_of(event);
        for ((bucket_start, dimension, key), counters) in &deltas.0 {
            for (counter, amount) in counters {
                if *amount == 0 {
                    continue;
                }
                self.bucket_starts.push(*bucket_start);
                self.dimensions.push(dimension.as_str());
                self.keys.push(key.clone());
                self.counters.push(counter.column());
                self.amounts.push(*amount);
                self.call_ids.push(call_id);
                self.seqs.push(seq);
            }
        }
    }

    pub(super) async fn write(self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        if self.seqs.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO contributions (bucket_start, dimension, key, counter, amount, call_id, seq) \
             SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::uuid[], $7::int8[])",
        )
        .bind(&self.bucket_starts)
        .bind(&self.dimensions)
        .bind(&self.keys)
        .bind(&self.counters)
        .bind(&self.amounts)
        .bind(&self.call_ids)
        .bind(&self.seqs)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
