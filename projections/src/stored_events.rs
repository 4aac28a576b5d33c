//! The stream's messages read back from the events table, for a reader whose next message
//! the stream no longer holds: the stream keeps `bus.max_age_days` of messages, the table
//! keeps every event.
//!
//! The relay publishes the rows epoch by epoch, each epoch in `(tx_id, global_position)`
//! order, and the stream numbers them 1, 2, 3, … (a re-publish is dropped by its message
//! id and takes no number). So the n-th row in that order is stream message n, up to the
//! relay's cursor, whose `stream_sequence` numbers the last row it published. Reading back
//! checks that correspondence where it can: the row numbered `cursor.stream_sequence` must
//! be the cursor's own row.

use anyhow::{Context, bail};
use bytes::Bytes;
use sqlx::PgPool;

use crate::projection::RawEvent;
use crate::relay::{self, Cursor, EVENT_COLUMNS, PendingEvent};

/// Rows of one epoch: above `floor`, up to `ceiling` (the next epoch's floor) if any.
#[derive(Debug, Clone, Copy)]
struct Epoch {
    floor: i64,
    ceiling: Option<i64>,
}

/// Reads stored events in stream order, numbered as the stream numbers them, in pages.
pub struct StoredEvents {
    pool: PgPool,
    epochs: Vec<Epoch>,
    epoch: usize,
    /// The last row read in the current epoch: `(tx_id as text, global_position)`.
    after: (String, i64),
    /// Rows of the current epoch still to skip before the first one handed out.
    skip: i64,
    /// The stream sequence of the next row handed out.
    next_seq: i64,
    /// The last stream sequence handed out.
    up_to: i64,
    cursor: Cursor,
}

impl StoredEvents {
    /// Stored events after stream sequence `after`, up to the relay's cursor (or `until`,
    /// when lower). Skipping `after` rows is an index scan of them: a reader this far behind
    /// is a new read model, a rebuild, or one stopped for longer than the stream keeps.
    pub async fn open(pool: &PgPool, after: i64, until: Option<i64>) -> anyhow::Result<Self> {
        let mut conn = pool.acquire().await.context("reading the relay cursor")?;
        let cursor = relay::load_cursor(&mut conn).await?;
        let floors: Vec<i64> = sqlx::query_scalar(
            "SELECT floor_position FROM relay_epochs WHERE floor_position > 0 ORDER BY floor_position",
        )
        .fetch_all(&mut *conn)
        .await
        .context("reading the relay epochs")?;
        let mut starts = vec![0];
        starts.extend(floors);
        let epochs: Vec<Epoch> = starts
            .iter()
            .enumerate()
            .map(|(i, &floor)| Epoch {
                floor,
                ceiling: starts.get(i + 1).copied(),
            })
            .collect();
        let up_to = until.map_or(cursor.stream_sequence, |until| {
            until.min(cursor.stream_sequence)
        });
        // Whole epochs before the first row wanted are skipped by their count.
        let mut epoch = 0;
        let mut skip = after.max(0);
        while skip > 0 && epoch + 1 < epochs.len() {
            let rows = epoch_rows(pool, epochs[epoch]).await?;
            if rows > skip {
                break;
            }
            skip -= rows;
            epoch += 1;
        }
        Ok(Self {
            pool: pool.clone(),
            epochs,
            epoch,
            after: ("0".to_owned(), 0),
            skip,
            next_seq: after.max(0) + 1,
            up_to,
            cursor,
        })
    }

    /// The last stream sequence this reader hands out.
    pub fn up_to(&self) -> i64 {
        self.up_to
    }

    /// The next rows (at most `limit`), as the stream carries them; empty when done.
    pub async fn next_batch(&mut self, limit: usize) -> anyhow::Result<Vec<RawEvent>> {
        let mut events = Vec::new();
        while events.is_empty() && self.next_seq <= self.up_to {
            let Some(&epoch) = self.epochs.get(self.epoch) else {
                bail!(
                    "the events table ends at stream sequence {} but the relay published up to {}: \
                     the stream and the table disagree (docs/runbook.md, \"Recover from a lost stream\")",
                    self.next_seq - 1,
                    self.up_to
                );
            };
            let wanted = usize::try_from(self.up_to - self.next_seq + 1).unwrap_or(limit);
            let page = self.page(epoch, limit.min(wanted)).await?;
            if page.is_empty() {
                self.epoch += 1;
                self.after = ("0".to_owned(), 0);
                continue;
            }
            for pending in page {
                self.check_against_cursor(&pending)?;
                self.after = (pending.tx_id.clone(), pending.global_position);
                let body = serde_json::to_vec(&pending.event).context("encoding an event")?;
                events.push(RawEvent {
                    seq: self.next_seq,
                    body: Bytes::from(body),
                });
                self.next_seq += 1;
            }
        }
        Ok(events)
    }

    async fn page(&mut self, epoch: Epoch, limit: usize) -> anyhow::Result<Vec<PendingEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events \
             WHERE global_position > $1 AND ($2::bigint IS NULL OR global_position <= $2) \
               AND (tx_id, global_position) > ($3::text::xid8, $4) \
             ORDER BY events.tx_id, events.global_position OFFSET $5 LIMIT $6"
        );
        let rows = sqlx::query(&sql)
            .bind(epoch.floor)
            .bind(epoch.ceiling)
            .bind(&self.after.0)
            .bind(self.after.1)
            .bind(self.skip)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .context("reading stored events in stream order")?;
        self.skip = 0;
        rows.iter().map(PendingEvent::from_row).collect()
    }

    /// The row numbered as the relay's last publication must be the cursor's row.
    fn check_against_cursor(&self, pending: &PendingEvent) -> anyhow::Result<()> {
        let cursor = &self.cursor;
        let cursor_names_a_row = cursor.global_position > cursor.floor_position;
        if self.next_seq == cursor.stream_sequence
            && cursor_names_a_row
            && (pending.tx_id != cursor.tx_id || pending.global_position != cursor.global_position)
        {
            bail!(
                "stored event {} is stream message {} by the table's order, but the relay's cursor \
                 says that message is the event at global position {}: the stream and the table \
                 disagree (docs/runbook.md, \"Recover from a lost stream\")",
                pending.event.message_id(),
                self.next_seq,
                cursor.global_position
            );
        }
        Ok(())
    }
}

async fn epoch_rows(pool: &PgPool, epoch: Epoch) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE global_position > $1 AND ($2::bigint IS NULL OR global_position <= $2)",
    )
    .bind(epoch.floor)
    .bind(epoch.ceiling)
    .fetch_one(pool)
    .await
    .context("counting an epoch's events")
}
