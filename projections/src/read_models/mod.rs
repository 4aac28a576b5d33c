//! The read models. Each is a `Projection` with its own schema `read_<name>`.

use std::sync::Arc;

use crate::projection::Projection;

/// Every projection the workers run.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![]
}
