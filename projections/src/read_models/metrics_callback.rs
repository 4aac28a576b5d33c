//! A missed callback in the metrics: the interpreter answered the call (`CallAccepted`
//! counted it `answered`), but its requester never joined, so the call counts as
//! `abandoned` by the requester. `CallbackMissed` moves the language and queue
//! resolutions from answered to abandoned, taking back the answer's wait and service
//! level, so `offered = answered + abandoned + no_interpreter + still waiting` holds. The
//! interpreter's own counts (offered, answered, handled, talk) stay: they did answer, and
//! their time on the call was spent.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::support::seconds_between;
use super::{CallFacts, Counter, Deltas, Dimension, service_level_s};
use crate::projection::ProjectionError;

pub(super) async fn callback_missed(
    tx: &mut PgConnection,
    f: &CallFacts,
    deltas: &mut Deltas,
) -> Result<(), ProjectionError> {
    let (Some(answered_at), Some(queue_id)) = (f.connected_at, f.connected_queue_id) else {
        return Ok(());
    };
    let sl = service_level_s(tx, queue_id).await?;
    let wait = seconds_between(f.requested_at, answered_at);
    take_back(
        deltas,
        f.requested_at,
        Dimension::Language,
        &f.language,
        wait,
        sl,
    );
    let entered: DateTime<Utc> = f.queued_at.unwrap_or(f.requested_at);
    let queue_wait = seconds_between(entered, answered_at);
    take_back(
        deltas,
        entered,
        Dimension::Queue,
        &queue_id.to_string(),
        queue_wait,
        sl,
    );
    Ok(())
}

/// Undoes one answer counted at `bucket` and counts an abandon there instead.
fn take_back(
    deltas: &mut Deltas,
    bucket: DateTime<Utc>,
    dimension: Dimension,
    key: &str,
    wait: i64,
    sl: i64,
) {
    deltas.add(bucket, dimension, key, Counter::Answered, -1);
    deltas.add(bucket, dimension, key, Counter::AnswerWaitS, -wait);
    if wait <= sl {
        deltas.add(bucket, dimension, key, Counter::AnsweredInSl, -1);
    }
    deltas.count(bucket, dimension, key, Counter::Abandoned);
}
