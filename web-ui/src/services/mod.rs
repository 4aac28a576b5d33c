//! One module per API resource, plus `http` (the client and its error type).

pub mod agents;
pub mod api_keys;
pub mod auth;
pub mod billing;
pub mod calls;
pub mod floor;
pub mod http;
pub mod metrics;
pub mod organisations;
pub mod queues;
pub mod users;
pub mod what_if;

pub use http::{Api, ApiError};
