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
