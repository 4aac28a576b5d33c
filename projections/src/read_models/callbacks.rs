//! `read_callbacks`: fills the webhook outbox (`public.callback_webhooks`, a migration)
//! from the stream. Each `CallbackOffered` with a webhook URL adds one row, which
//! `parley project` delivers (`command_api::webhooks`). The outbox lives outside this
//! projection's schema, so a rebuild replays into it without sending anything twice: the
//! call id is its primary key.

use futures::future::BoxFuture;
use sqlx::PgConnection;

use domain::CallEvent;

use super::support::{self, CALL};
use crate::bus::BusEvent;
use crate::projection::{Changes, Projection, ProjectionError};

pub struct Callbacks;

/// The calls whose webhook was queued, with the stream sequence that queued it.
const SCHEMA: &str = r"
CREATE TABLE queued (
    call_id uuid PRIMARY KEY,
    seq     bigint NOT NULL
);
";

impl Projection for Callbacks {
    fn name(&self) -> &'static str {
        "callbacks"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move {
            if event.aggregate_type != CALL || event.event_type != "CallbackOffered" {
                return Ok(vec![]);
            }
            let CallEvent::CallbackOffered {
                webhook_url: Some(url),
                join_by,
                at,
                ..
            } = support::decode::<CallEvent>(event)?
            else {
                return Ok(vec![]);
            };
            let call_id = support::aggregate_uuid(event)?;
            sqlx::query(
                "INSERT INTO public.callback_webhooks (call_id, url, join_by, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (call_id) DO NOTHING",
            )
            .bind(call_id)
            .bind(url.as_str())
            .bind(join_by)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO queued (call_id, seq) VALUES ($1, $2) \
                 ON CONFLICT (call_id) DO UPDATE SET seq = EXCLUDED.seq",
            )
            .bind(call_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            Ok(vec![])
        })
    }
}
