//! The floor as it was at an instant.

use super::http::{query, Api, ApiError};
use crate::types::FloorView;

pub async fn at(api: &Api, at: Option<&str>) -> Result<FloorView, ApiError> {
    let q = query(&[("at", at.map(str::to_owned))]);
    api.get(&format!("/api/floor{q}")).await
}
