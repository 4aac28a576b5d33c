//! Parley's command API: HTTP, auth, the write side's workflows, and the `parley` binary's
//! subcommands.

pub mod auth;
pub mod config;
pub mod context;
pub mod directory;
pub mod error;
pub mod floor_snapshots;
pub mod guest_links;
pub mod history;
pub mod login_throttle;
pub mod metrics;
pub mod oidc;
pub mod password_hashing;
pub mod pipeline_watch;
pub mod privacy;
pub mod projector;
pub mod push;
pub mod read_your_writes;
pub mod replica;
pub mod routes;
pub mod seed;
pub mod seed_prices;
pub mod sessions;
pub mod simulate;
pub mod snapshot_store;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod time_travel;
pub mod webhooks;
pub mod what_if;
