//! `POST /api/what-if` and `GET /api/what-if/{id}`.

use serde::Deserialize;
use wire::what_if::{RunStarted, RunStatus, WhatIfRequest};

use super::http::{Api, ApiError};
use crate::types::MetricsRow;

/// One side of a run: all queues together, and each.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RunMetrics {
    pub total: MetricsRow,
    pub queues: Vec<MetricsRow>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WhatIfRun {
    pub id: String,
    pub status: RunStatus,
    pub progress: f64,
    pub actual: Option<RunMetrics>,
    pub simulated: Option<RunMetrics>,
    pub error: Option<String>,
}

pub async fn start(api: &Api, request: &WhatIfRequest) -> Result<RunStarted, ApiError> {
    api.post("/api/what-if", request).await
}

pub async fn run(api: &Api, id: &str) -> Result<WhatIfRun, ApiError> {
    api.get(&format!("/api/what-if/{id}")).await
}
