//! `GET /api/metrics`.

use super::http::{query, Api, ApiError};
use crate::types::MetricsReport;

#[derive(Clone, Debug, PartialEq)]
pub struct MetricsQuery {
    pub group_by: String,
    pub interval: String,
    pub from: String,
    pub to: String,
}

pub async fn report(api: &Api, q: &MetricsQuery) -> Result<MetricsReport, ApiError> {
    let qs = query(&[
        ("group_by", Some(q.group_by.clone())),
        ("interval", Some(q.interval.clone())),
        ("from", Some(q.from.clone())),
        ("to", Some(q.to.clone())),
    ]);
    api.get(&format!("/api/metrics{qs}")).await
}

/// The cell of `GET /api/metrics` to drill into.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub metric: &'static str,
    pub group_by: String,
    pub group: String,
    pub label: String,
    pub interval_start: String,
    pub interval: String,
}

/// `GET /api/metrics/calls`: the calls behind a cell, with their shares.
pub async fn calls_behind(api: &Api, cell: &Cell) -> Result<wire::metrics::MetricCalls, ApiError> {
    let qs = query(&[
        ("metric", Some(cell.metric.to_owned())),
        ("group_by", Some(cell.group_by.clone())),
        ("group", Some(cell.group.clone())),
        ("interval_start", Some(cell.interval_start.clone())),
        ("interval", Some(cell.interval.clone())),
    ]);
    api.get(&format!("/api/metrics/calls{qs}")).await
}
