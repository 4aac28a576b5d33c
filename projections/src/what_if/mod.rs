//! What-if routing: the requests of a past interval replayed through the real router
//! (`RouterState`) and the real aggregates (`Floor`) in a sandbox, under changed queue
//! settings or staffing. The sandbox has its own in-memory event store, its own stream and
//! a simulated clock; it never reads the clock or touches the live system. What it
//! produces is a stream of events shaped like the live one, which the caller projects with
//! the real metrics projection, so the simulated metrics and the actual ones come from the
//! same code.
//!
//! What is replayed, and what is taken from what really happened:
//! - each request, at its time, to the queue it really went to;
//! - each interpreter's status changes (available, break, offline), at their times;
//! - how long an offered interpreter took to answer (that call's real ring time), how long
//!   the call lasted and its wrap-up, and, for a caller who really hung up while waiting,
//!   how long they waited before hanging up. A caller who was answered is assumed to wait
//!   as long as the queue allows.
//!
//! Not replayed: declines, holds, transfers, callbacks and presence losses. The sandbox's
//! interpreters answer every offer, after the call's real ring time (so a shorter ring
//! timeout can make offers expire).

mod project;
mod simulate;
mod store;
mod synthetic;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::call::CallRequest;
use domain::ids::{AgentId, CallId, OrganisationId, QueueId, UserId};
use domain::matching::AgentProfile;
use domain::matching::{OrganisationPolicy, WideningStep};
use domain::queue::QueueConfig;
use domain::values::{AgentStatus, RoutingStrategy, Skills};

pub use project::{drop_sandbox, project_into};
pub use simulate::{Progress, simulate};
pub use synthetic::SyntheticDay;

/// Everything a replay needs: the floor at `from` and what happened until `to`.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub queues: Vec<ReplayQueue>,
    pub organisations: Vec<(OrganisationId, OrganisationPolicy)>,
    pub interpreters: Vec<Interpreter>,
    /// In order of request time.
    pub requests: Vec<Request>,
}

#[derive(Debug, Clone)]
pub struct ReplayQueue {
    pub id: QueueId,
    pub config: QueueConfig,
    pub members: Vec<AgentId>,
}

/// An interpreter as they stood at `from`, and the status changes they made after.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub id: AgentId,
    pub skills: Skills,
    pub profile: AgentProfile,
    pub status: AgentStatus,
    /// Busy with a call at `from`: joins the replay when that call's wrap-up really ended.
    pub busy_until: Option<DateTime<Utc>>,
    pub status_changes: Vec<(DateTime<Utc>, AgentStatus)>,
    /// Calls this interpreter really answered in the interval, per queue: who staffing
    /// changes add copies of, or take away.
    pub answered: HashMap<QueueId, u32>,
}

/// One request, and what really happened to it that the replay reuses.
#[derive(Debug, Clone)]
pub struct Request {
    pub call_id: CallId,
    pub requester_id: UserId,
    pub organisation_id: Option<OrganisationId>,
    pub request: CallRequest,
    pub queue: Option<QueueId>,
    pub at: DateTime<Utc>,
    /// Seconds the interpreter who answered took (the real ring time).
    pub ring_s: i64,
    /// Seconds from the answer to the end.
    pub talk_s: i64,
    /// The wrap-up the interpreter really took; `None`: the queue's timer ends it.
    pub wrap_up_s: Option<i64>,
    /// The caller really hung up after waiting this long.
    pub patience_s: Option<i64>,
}

/// A queue's settings changed for the replay.
#[derive(Debug, Clone, Default)]
pub struct QueueChange {
    pub strategy: Option<RoutingStrategy>,
    pub ring_timeout_s: Option<u32>,
    pub widening: Option<Vec<WideningStep>>,
}

/// What the replay changes.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub queues: HashMap<QueueId, QueueChange>,
    /// Interpreters added to (positive) or taken from (negative) a queue: copies of the
    /// queue's busiest interpreters, with their status changes, or those interpreters gone.
    pub staffing_delta: HashMap<QueueId, i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    #[error("queue {0}: no interpreter answered a call of it in the interval to copy or take away")]
    NobodyToRestaff(QueueId),
    #[error("the sandbox refused its own set-up: {0}")]
    SetUp(String),
    #[error("the sandbox's router failed: {0}")]
    Router(String),
}

/// How many seconds past `to` the replay runs on for the calls requested before it.
pub const DRAIN_S: i64 = 4 * 3600;
