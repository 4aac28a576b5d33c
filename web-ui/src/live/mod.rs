//! Pages kept current by pushed rows (docs/architecture.md, "What each path costs"): a page
//! loads over REST once, applies each pushed row in place, and loads again only on a resync
//! or when a row cannot be placed. Pure logic, tested on the host
//! (`cargo test --manifest-path web-ui/Cargo.toml --lib`).

pub mod board;
pub mod desk;
pub mod floor;
pub mod kinds;
pub mod rows;

pub use kinds::{pushed, Names};
pub use rows::{Applied, LiveRow, LiveRows};

/// A pushed message of `kind` carrying `data`, for the tests of the pages' logic.
#[cfg(test)]
fn message(kind: wire::ViewKind, data: serde_json::Value) -> crate::types::LiveMessage {
    crate::types::LiveMessage {
        kind: kind.as_str().to_owned(),
        seq: 0,
        data,
        error: None,
    }
}
