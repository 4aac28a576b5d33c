//! The wait estimate of the queue board (`GET /api/queues`) and of a waiting call
//! (`GET /api/calls/{id}`). The rule is `wire::estimate`: the web UI applies it too when it
//! recounts a queue from pushed rows, so both must be the one definition.

pub use wire::{Basis, EstimateReason, estimate};
