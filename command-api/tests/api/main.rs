//! The API's integration tests: one binary, each test with its own application, database
//! and port. Needs `DATABASE_URL` (a server where tests may create databases) and
//! `NATS_URL`; `scripts/test.sh` provides both.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test panics to fail

mod agent_board;
mod api_key_calls;
mod at_a_million;
mod at_scale;
mod authorization;
mod bad_input;
mod billing;
mod billing_access;
mod call_media;
mod callbacks;
mod calls;
mod consults;
mod drill_down;
mod estimates;
mod events;
mod floor_snapshots;
mod guests;
mod helpers;
mod leadership;
mod leases;
mod load;
mod lockout;
mod login;
mod login_memory;
mod matching;
mod oidc;
mod oidc_provider;
mod openapi;
mod operations;
mod passwords;
mod pipeline;
mod preferences;
mod presence;
mod privacy;
mod privacy_access;
mod push;
mod queries;
mod queue_choice;
mod read_your_writes;
mod reports;
mod retention;
mod routing;
mod scale_out;
mod security;
mod security_headers;
mod snapshots;
mod sockets;
mod stream_retention;
mod takeover;
mod tokens;
mod transfers;
mod what_if;
