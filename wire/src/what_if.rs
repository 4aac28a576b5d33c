//! What-if routing runs as the API takes and answers them (issue 20): a past interval
//! replayed through the router under changed queue settings or staffing. Instants are
//! RFC 3339 strings; ids are UUID strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl RunStatus {
    pub const ALL: [Self; 4] = [Self::Queued, Self::Running, Self::Done, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Done or failed: nothing more will change.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// One widening step, as `PUT /api/queues/{id}` takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WideningStepBody {
    /// Seconds into the call's wait in the queue, 1–86400, later than the step before.
    pub after_s: i64,
    /// A lower proficiency floor, 1–5.
    pub min_proficiency: Option<i64>,
    #[serde(default)]
    pub drop_specialty: bool,
    #[serde(default)]
    pub drop_requirements: bool,
    /// Also offer to this queue's interpreters.
    pub add_queue_id: Option<String>,
}

/// A queue's settings for the replay; what is left out stays as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueChange {
    pub id: String,
    /// `longest_idle`, `round_robin`, … as a queue's `strategy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// 1–600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_timeout_s: Option<i64>,
    /// Replaces the queue's widening steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widening: Option<Vec<WideningStepBody>>,
}

/// `POST /api/what-if`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Start (RFC 3339); rounded down to a quarter hour, the metrics' grain.
    pub from: String,
    /// End, exclusive; rounded up to a quarter hour. At most 7 days after `from`, not in
    /// the future.
    pub to: String,
    #[serde(default)]
    pub queues: Vec<QueueChange>,
    /// Interpreters added to (positive) or taken from (negative) a queue, by queue id.
    #[serde(default)]
    pub staffing_delta: BTreeMap<String, i32>,
}

/// The answer to `POST /api/what-if`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunStarted {
    pub id: String,
}
