//! Any metric over time, one line per group (the busiest few), from the report's rows.

use std::collections::BTreeMap;

use crate::components::charts::Series;
use crate::types::{MetricsReport, MetricsRow};

/// Lines drawn at most: the groups with the most calls offered.
const MAX_LINES: usize = 6;

/// The metrics a trend can show: (value, its name's message, whether a share).
pub const TREND_METRICS: [(&str, &str, bool); 6] = [
    ("service_level", "metric-service-level", true),
    ("asa_s", "metric-asa", false),
    ("aht_s", "metric-aht", false),
    ("abandonment_rate", "metric-abandonment-rate", true),
    ("occupancy", "metric-occupancy", true),
    ("offered", "metric-offered", false),
];

/// A metric's name in the interface's language.
pub fn metric_name(metric: &str) -> String {
    TREND_METRICS
        .iter()
        .find(|(m, _, _)| *m == metric)
        .map_or_else(|| metric.to_owned(), |(_, id, _)| crate::i18n::t(id))
}

fn value(row: &MetricsRow, metric: &str) -> Option<f64> {
    match metric {
        "service_level" => row.service_level,
        "asa_s" => row.asa_s,
        "aht_s" => row.aht_s,
        "abandonment_rate" => row.abandonment_rate,
        "occupancy" => row.occupancy,
        _ => Some(row.offered as f64),
    }
}

/// The x labels (one per interval) and one series per group, 0 where a group had nothing.
pub fn trend(
    report: &MetricsReport,
    metric: &str,
    label: impl Fn(i64) -> String,
) -> (Vec<String>, Vec<Series>) {
    let mut busiest: Vec<&MetricsRow> = report.totals.iter().collect();
    busiest.sort_by_key(|m| std::cmp::Reverse(m.offered));
    let groups: Vec<&MetricsRow> = busiest.into_iter().take(MAX_LINES).collect();
    let mut cells: BTreeMap<i64, BTreeMap<&str, f64>> = BTreeMap::new();
    for row in &report.rows {
        let at = row.bucket_start.map(|t| t.timestamp()).unwrap_or_default();
        let entry = cells.entry(at).or_default();
        if let Some(v) = value(row, metric) {
            entry.insert(row.key.as_str(), v);
        }
    }
    let labels = cells.keys().map(|at| label(*at)).collect();
    let series = groups
        .iter()
        .map(|group| Series {
            name: group.name(),
            values: cells
                .values()
                .map(|by_group| by_group.get(group.key.as_str()).copied().unwrap_or(0.0))
                .collect(),
        })
        .collect();
    (labels, series)
}
