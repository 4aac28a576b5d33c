//! The read models. Each is a `Projection` with its own schema `read_<name>`, fed only by
//! the stream (so each one can be rebuilt alone from sequence 1), writing unqualified
//! table names into the `search_path` the worker sets.
//!
//! | projection | schema | tables | notices |
//! |------------|--------|--------|---------|
//! | [`queues::Queues`] | `read_queues` | `queues` | `queue` |
//! | [`agents::Agents`] | `read_agents` | `agents` | `agent` (to that agent) |
//! | [`calls::Calls`] | `read_calls` | `calls` | `call` (to its requester and agent), `offer` (to the offered agent) |
//! | [`history::History`] | `read_history` | `events` | none |
//! | [`metrics::Metrics`] | `read_metrics` | `buckets` (+ private lookups) | none |
//! | [`callbacks::Callbacks`] | `read_callbacks` | `queued`; fills `public.callback_webhooks` | none |
//! | [`billing::Billing`] | `read_billing` | `calls`, `seats`, `credits`, `rate_cards`, `pay_rates` | none |
//!
//! Every row carries `seq`, the stream sequence of the last event applied to it. Times
//! are the events' own `at`, never the clock.

use std::sync::Arc;

use crate::projection::Projection;

pub mod agents;
pub mod billing;
mod billing_rating;
mod billing_tally;
mod call_agents;
pub mod callbacks;
pub mod calls;
pub mod history;
pub mod metrics;
pub mod queues;
pub mod support;

/// Every projection the workers run.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(queues::Queues),
        Arc::new(agents::Agents),
        Arc::new(calls::Calls),
        Arc::new(history::History),
        Arc::new(metrics::Metrics),
        Arc::new(callbacks::Callbacks),
        Arc::new(billing::Billing),
    ]
}
