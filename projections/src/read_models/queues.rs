//! `read_queues`: every queue's settings and members, one row per queue.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use domain::QueueEvent;
use domain::queue::QueueConfig;

use super::support::{self, QUEUE};
use crate::bus::{Audience, BusEvent, ViewKind};
use crate::projection::{Changes, Projection, ProjectionError};

/// One row of `read_queues.queues`, also the `data` of a `queue` notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct QueueRow {
    pub queue_id: Uuid,
    pub name: String,
    pub languages: Vec<String>,
    /// `None`: every specialty (a general pool).
    pub specialty: Option<String>,
    /// `None`: both modalities.
    pub modality: Option<String>,
    pub strategy: String,
    pub min_proficiency: i32,
    pub ring_timeout_s: i32,
    pub max_wait_s: i32,
    pub overflow_queue_id: Option<Uuid>,
    pub wrap_up_s: i32,
    pub service_level_s: i32,
    /// Empty: every interpreter with the right skills.
    pub members: Vec<Uuid>,
    /// A pair queue's other language (`QueueConfig::source_language`).
    pub source_language: Option<String>,
    /// The widening steps, as `QueueConfig` holds them.
    pub widening: serde_json::Value,
    pub seq: i64,
}

impl QueueRow {
    fn configure(&mut self, config: &QueueConfig) {
        self.name = config.name.as_str().to_owned();
        self.languages = config
            .languages
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect();
        self.specialty = config.specialty.map(|s| s.as_str().to_owned());
        self.modality = config.modality.map(|m| m.as_str().to_owned());
        self.strategy = config.strategy.as_str().to_owned();
        self.min_proficiency = i32::from(config.min_proficiency.get());
        self.ring_timeout_s = support::int(config.ring_timeout_s.into());
        self.max_wait_s = support::int(config.max_wait_s.into());
        self.overflow_queue_id = config.overflow_queue_id.map(|q| q.as_uuid());
        self.wrap_up_s = support::int(config.wrap_up_s.into());
        self.service_level_s = support::int(config.service_level_s.into());
        self.source_language = config
            .source_language
            .as_ref()
            .map(|l| l.as_str().to_owned());
        self.widening = serde_json::to_value(&config.widening).unwrap_or_default();
    }

    fn new(queue_id: Uuid, config: &QueueConfig, seq: i64) -> Self {
        let mut row = Self {
            queue_id,
            name: String::new(),
            languages: Vec::new(),
            specialty: None,
            modality: None,
            strategy: String::new(),
            min_proficiency: 1,
            ring_timeout_s: 0,
            max_wait_s: 0,
            overflow_queue_id: None,
            wrap_up_s: 0,
            service_level_s: 0,
            members: Vec::new(),
            source_language: None,
            widening: serde_json::Value::Array(Vec::new()),
            seq,
        };
        row.configure(config);
        row
    }
}

pub struct Queues;

const SCHEMA: &str = r"
CREATE TABLE queues (
    queue_id          uuid PRIMARY KEY,
    name              text NOT NULL,
    languages         text[] NOT NULL DEFAULT '{}',
    specialty         text,
    modality          text,
    strategy          text NOT NULL,
    min_proficiency   int NOT NULL,
    ring_timeout_s    int NOT NULL,
    max_wait_s        int NOT NULL,
    overflow_queue_id uuid,
    wrap_up_s         int NOT NULL,
    service_level_s   int NOT NULL,
    members           uuid[] NOT NULL DEFAULT '{}',
    source_language   text,
    widening          jsonb NOT NULL DEFAULT '[]',
    seq               bigint NOT NULL
);
";

/// What a schema made before pair queues and widening lacks.
const UPGRADE: &str = r"
ALTER TABLE queues ADD COLUMN IF NOT EXISTS source_language text;
ALTER TABLE queues ADD COLUMN IF NOT EXISTS widening jsonb NOT NULL DEFAULT '[]';
";

impl Projection for Queues {
    fn name(&self) -> &'static str {
        "queues"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn upgrade_sql(&self) -> &'static str {
        UPGRADE
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, event, seq).await })
    }
}

async fn apply(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
) -> Result<Changes, ProjectionError> {
    if event.aggregate_type != QUEUE {
        return Ok(vec![]);
    }
    let queue_id = support::aggregate_uuid(event)?;
    let row = match support::decode::<QueueEvent>(event)? {
        QueueEvent::QueueCreated { config, .. } => Some(QueueRow::new(queue_id, &config, seq)),
        QueueEvent::QueueUpdated { config, .. } => {
            support::load::<QueueRow>(tx, "queues", "queue_id", queue_id)
                .await?
                .map(|mut row| {
                    row.configure(&config);
                    row
                })
        }
        QueueEvent::QueueMembersSet { members, .. } => {
            support::load::<QueueRow>(tx, "queues", "queue_id", queue_id)
                .await?
                .map(|mut row| {
                    row.members = members.iter().map(|m| m.as_uuid()).collect();
                    row
                })
        }
    };
    let Some(mut row) = row else {
        tracing::warn!(%queue_id, seq, event_type = %event.event_type, "queue event for an unknown queue; skipped");
        return Ok(vec![]);
    };
    row.seq = seq;
    let data = support::store(tx, "queues", &["queue_id"], &row).await?;
    Ok(vec![support::notice(
        ViewKind::Queue,
        queue_id,
        seq,
        data,
        Audience::default(),
    )])
}
