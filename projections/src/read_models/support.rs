//! Small helpers shared by the read models: decoding, actors, notices, row storage and
//! the 15-minute buckets of the metrics.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::bus::{Audience, BusEvent, ViewChanged, ViewKind};
use crate::projection::ProjectionError;

/// Aggregate types on the stream.
pub const CALL: &str = "Call";
pub const AGENT: &str = "Agent";
pub const QUEUE: &str = "Queue";

/// Length of a metrics bucket.
pub const BUCKET_SECONDS: i64 = 15 * 60;

/// The domain event carried by `event`, typed.
pub fn decode<E: DeserializeOwned>(event: &BusEvent) -> Result<E, ProjectionError> {
    event
        .decode::<E>()
        .map_err(|error| ProjectionError::decode(event, error))
}

/// The aggregate id of `event` as a UUID (every Parley aggregate id is one).
pub fn aggregate_uuid(event: &BusEvent) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(&event.aggregate_id)
        .map_err(|error| ProjectionError::decode(event, format!("aggregate id: {error}")))
}

/// Who caused `event`: `{"id", "role", "name"}` from its metadata (`null` when absent).
pub fn actor(event: &BusEvent) -> Value {
    let field = |key: &str| event.metadata.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "id": field("actor_id"),
        "role": field("actor_role"),
        "name": field("actor_name"),
    })
}

/// `at` at PostgreSQL's precision (microseconds), so a row pushed in a notice equals the
/// row read back over REST.
pub fn ts(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Whole seconds from `from` to `to`, never negative.
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().max(0)
}

/// A count of seconds (or anything) for an `int` column, saturating.
pub fn int(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Start of the 15-minute bucket holding `at` (UTC, aligned on the hour).
pub fn bucket_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let secs = at.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(BUCKET_SECONDS), 0).unwrap_or(at)
}

/// Splits the interval `[from, to)` over the buckets it spans: `(bucket start, seconds)`
/// per bucket, in order. The pieces add up to the interval's whole seconds exactly (each
/// piece is the difference of whole seconds elapsed since `from`). Empty when `to <= from`.
pub fn split_by_bucket(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, i64)> {
    let mut pieces = Vec::new();
    let mut cursor = from;
    let mut counted = 0;
    while cursor < to {
        let bucket = bucket_start(cursor);
        let piece_end = (bucket + TimeDelta::seconds(BUCKET_SECONDS)).min(to);
        let elapsed = (piece_end - from).num_seconds();
        if elapsed > counted {
            pieces.push((bucket, elapsed - counted));
            counted = elapsed;
        }
        if piece_end <= cursor {
            break; // cannot happen; guards against an endless loop
        }
        cursor = piece_end;
    }
    pieces
}

/// A view notice for the object `id`, changed by the event at stream sequence `seq`.
pub fn notice(kind: ViewKind, id: Uuid, seq: i64, data: Value, audience: Audience) -> ViewChanged {
    ViewChanged {
        kind,
        seq: u64::try_from(seq).unwrap_or_default(),
        id,
        data,
        audience,
    }
}

/// The row of `table` whose `key` column is `id`, if any.
pub async fn load<T>(
    tx: &mut PgConnection,
    table: &str,
    key: &str,
    id: Uuid,
) -> Result<Option<T>, ProjectionError>
where
    T: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    let sql = format!("SELECT * FROM {table} WHERE {key} = $1");
    Ok(sqlx::query_as::<_, T>(&sql)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?)
}

/// Inserts or replaces a whole row of `table` (primary key `keys`) from `row`, whose
/// serialized fields are named like the table's columns. Returns the row as JSON, the
/// `data` of a notice.
pub async fn store<T: Serialize>(
    tx: &mut PgConnection,
    table: &str,
    keys: &[&str],
    row: &T,
) -> Result<Value, ProjectionError> {
    let value = serde_json::to_value(row).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let updates = upsert_assignments(&value, keys);
    let sql = format!(
        "INSERT INTO {table} SELECT * FROM jsonb_populate_record(NULL::{table}, $1) \
         ON CONFLICT ({}) DO UPDATE SET {updates}",
        keys.join(", ")
    );
    sqlx::query(&sql).bind(&value).execute(&mut *tx).await?;
    Ok(value)
}

/// `column = EXCLUDED.column` for every field of `row` but the keys.
fn upsert_assignments(row: &Value, keys: &[&str]) -> String {
    row.as_object()
        .map(|fields| {
            fields
                .keys()
                .filter(|column| !keys.contains(&column.as_str()))
                .map(|column| format!("{column} = EXCLUDED.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The rows of `table` whose `key` column is one of `ids` (in no particular order). The ids
/// are joined through `unnest` rather than `= ANY`: a rebuild's fresh table has no
/// statistics yet, and the planner then picks a sequential scan for `= ANY`.
pub async fn load_many<T>(
    tx: &mut PgConnection,
    table: &str,
    key: &str,
    ids: &[Uuid],
) -> Result<Vec<T>, ProjectionError>
where
    T: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {table}.* FROM unnest($1::uuid[]) AS wanted (id) JOIN {table} ON {table}.{key} = wanted.id"
    );
    Ok(sqlx::query_as::<_, T>(&sql)
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?)
}

/// Inserts or replaces whole rows of `table` (primary key `keys`) in one statement, like
/// [`store`] for each. The rows' serialized fields are named like the table's columns,
/// and there is at most one row per key (a statement cannot change a row twice).
pub async fn store_many<'r, T: Serialize + 'r>(
    tx: &mut PgConnection,
    table: &str,
    keys: &[&str],
    rows: impl IntoIterator<Item = &'r T>,
) -> Result<(), ProjectionError> {
    let rows = rows
        .into_iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let updates = upsert_assignments(first, keys);
    let sql = format!(
        "INSERT INTO {table} SELECT * FROM jsonb_populate_recordset(NULL::{table}, $1) \
         ON CONFLICT ({}) DO UPDATE SET {updates}",
        keys.join(", ")
    );
    sqlx::query(&sql)
        .bind(Value::Array(rows))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// One field of PostgreSQL's binary `COPY … FROM STDIN` format: its length (-1 for
/// NULL) and its value in the type's binary form.
pub trait CopyField {
    fn write_copy(&self, out: &mut Vec<u8>);
}

/// A field's length prefix; `value` is never near 2 GiB (a row's text, an id).
fn field_length(out: &mut Vec<u8>, length: usize) {
    out.extend_from_slice(&i32::try_from(length).unwrap_or(i32::MAX).to_be_bytes());
}

impl CopyField for str {
    fn write_copy(&self, out: &mut Vec<u8>) {
        field_length(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }
}

impl CopyField for String {
    fn write_copy(&self, out: &mut Vec<u8>) {
        self.as_str().write_copy(out);
    }
}

impl CopyField for Uuid {
    fn write_copy(&self, out: &mut Vec<u8>) {
        field_length(out, 16);
        out.extend_from_slice(self.as_bytes());
    }
}

impl CopyField for i32 {
    fn write_copy(&self, out: &mut Vec<u8>) {
        field_length(out, 4);
        out.extend_from_slice(&self.to_be_bytes());
    }
}

impl CopyField for bool {
    fn write_copy(&self, out: &mut Vec<u8>) {
        field_length(out, 1);
        out.push(u8::from(*self));
    }
}

impl CopyField for i64 {
    fn write_copy(&self, out: &mut Vec<u8>) {
        field_length(out, 8);
        out.extend_from_slice(&self.to_be_bytes());
    }
}

/// 2000-01-01T00:00:00Z, where PostgreSQL counts `timestamptz` from, in Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl CopyField for DateTime<Utc> {
    /// Microseconds since 2000-01-01 UTC (finer digits are dropped, as [`ts`] does).
    fn write_copy(&self, out: &mut Vec<u8>) {
        let micros = self
            .timestamp_micros()
            .saturating_sub(POSTGRES_EPOCH_MICROS);
        micros.write_copy(out);
    }
}

impl<T: CopyField> CopyField for Option<T> {
    fn write_copy(&self, out: &mut Vec<u8>) {
        match self {
            Some(value) => value.write_copy(out),
            None => out.extend_from_slice(&(-1_i32).to_be_bytes()),
        }
    }
}

/// A row `COPY` can write: its columns (named like its fields) and its binary tuple.
pub trait CopyRow {
    /// `column, column, …` in the order of [`Self::write_copy_row`].
    const COLUMNS: &'static str;
    /// Appends the row as one tuple: its field count, then each field.
    fn write_copy_row(&self, out: &mut Vec<u8>);
}

/// Implements [`CopyRow`] for a struct from the list of its fields, which are named like
/// the table's columns: one list, so the columns and the values cannot drift apart.
macro_rules! copy_row {
    ($row:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::read_models::support::CopyRow for $row {
            const COLUMNS: &'static str = stringify!($($field),+);
            fn write_copy_row(&self, out: &mut Vec<u8>) {
                use $crate::read_models::support::CopyField as _;
                const FIELDS: usize = [$(stringify!($field)),+].len();
                out.extend_from_slice(&(FIELDS as i16).to_be_bytes());
                $(self.$field.write_copy(out);)+
            }
        }
    };
}
pub(crate) use copy_row;

/// Inserts `rows` into `table` with one binary `COPY … FROM STDIN`, for rows known not to
/// exist yet (a rebuild's fresh table): cheaper to encode, send and parse than
/// [`store_many`]'s JSON, and inserted in bulk. A duplicate key fails the statement.
pub async fn copy_many<'r, T: CopyRow + 'r>(
    tx: &mut PgConnection,
    table: &str,
    rows: impl IntoIterator<Item = &'r T>,
) -> Result<u64, ProjectionError> {
    // Signature, flags (no OIDs), no header extension.
    let mut data = b"PGCOPY\n\xff\r\n\0".to_vec();
    data.extend_from_slice(&0_i32.to_be_bytes());
    data.extend_from_slice(&0_i32.to_be_bytes());
    let header = data.len();
    for row in rows {
        row.write_copy_row(&mut data);
    }
    if data.len() == header {
        return Ok(0);
    }
    data.extend_from_slice(&(-1_i16).to_be_bytes());
    let mut copy = tx
        .copy_in_raw(&format!(
            "COPY {table} ({}) FROM STDIN (FORMAT binary)",
            T::COLUMNS
        ))
        .await?;
    copy.send(data).await?;
    Ok(copy.finish().await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).unwrap()
    }

    #[test]
    fn buckets_start_on_the_quarter_hour() {
        assert_eq!(bucket_start(at(10, 0, 0)), at(10, 0, 0));
        assert_eq!(bucket_start(at(10, 14, 59)), at(10, 0, 0));
        assert_eq!(bucket_start(at(10, 15, 0)), at(10, 15, 0));
        assert_eq!(bucket_start(at(23, 59, 59)), at(23, 45, 0));
        let fractional = at(10, 29, 59) + TimeDelta::milliseconds(999);
        assert_eq!(bucket_start(fractional), at(10, 15, 0));
    }

    #[test]
    fn an_interval_is_split_at_every_bucket_border() {
        assert_eq!(
            split_by_bucket(at(10, 10, 0), at(10, 40, 0)),
            vec![
                (at(10, 0, 0), 300),
                (at(10, 15, 0), 900),
                (at(10, 30, 0), 600)
            ]
        );
        assert_eq!(
            split_by_bucket(at(10, 1, 0), at(10, 2, 0)),
            vec![(at(10, 0, 0), 60)]
        );
        assert_eq!(
            split_by_bucket(at(10, 15, 0), at(10, 30, 0)),
            vec![(at(10, 15, 0), 900)]
        );
        assert!(split_by_bucket(at(10, 5, 0), at(10, 5, 0)).is_empty());
        assert!(split_by_bucket(at(10, 5, 0), at(10, 4, 0)).is_empty());
    }

    #[test]
    fn the_pieces_add_up_to_the_whole_seconds_of_the_interval() {
        let from = at(10, 14, 58) + TimeDelta::milliseconds(700);
        let to = at(12, 0, 2) + TimeDelta::milliseconds(300);
        let pieces = split_by_bucket(from, to);
        let total: i64 = pieces.iter().map(|(_, s)| s).sum();
        assert_eq!(total, (to - from).num_seconds());
        assert_eq!(pieces.first().copied(), Some((at(10, 0, 0), 1)));
        assert_eq!(pieces.last().copied(), Some((at(12, 0, 0), 2)));
        assert_eq!(pieces.len(), 9);
    }
}
