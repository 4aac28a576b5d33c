//! The metric drill-down as the API answers it and the web UI reads it (issue 20): the
//! calls behind one cell of `GET /api/metrics`, each with its share. Ids and instants are
//! strings (UUIDs, RFC 3339).

use serde::{Deserialize, Serialize};

/// The metrics a cell can be drilled into; `offered` is the volume (no denominator).
pub const DRILLABLE: [&str; 6] = [
    "service_level",
    "asa_s",
    "aht_s",
    "abandonment_rate",
    "occupancy",
    "offered",
];

/// One call's share of a cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallShare {
    /// `null` for interpreter time that belongs to no call.
    pub call_id: Option<String>,
    /// The first event that counted this share.
    pub seq: i64,
    pub numerator: i64,
    pub denominator: i64,
}

/// `GET /api/metrics/calls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricCalls {
    pub metric: String,
    pub group_by: String,
    pub group: String,
    pub interval_start: String,
    pub interval: String,
    /// The cell: the sums of the shares below, and their ratio.
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
    pub formula_version: u32,
    /// One per call (and per call-less event), by call id.
    pub calls: Vec<CallShare>,
}
