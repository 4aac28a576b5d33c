//! What the server and the web UI say to each other, defined once for both: the server's
//! crates and the web UI (built for wasm32, outside the host workspace) depend on this
//! crate, so a kind or a reason cannot be spelt two ways. It depends on serde alone.

pub mod accounts;
pub mod billing;
pub mod estimate;
pub mod locales;
pub mod metrics;
pub mod push;
pub mod room;
pub mod what_if;

pub use estimate::{Basis, EstimateReason, estimate};
pub use push::{PushKind, ViewKind};
