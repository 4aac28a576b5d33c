//! Parley's write-side domain.
//!
//! Aggregates decide (`handle`) and fold (`apply`); nothing here reads the clock, a random
//! source or the network. Every command carries the instant it happened at and every new
//! id it needs, so replays and tests are deterministic.

pub mod agent;
pub mod billing;
pub mod call;
pub mod callback;
pub mod consult;
pub mod guests;
pub mod idle;
pub mod ids;
pub mod matching;
pub mod media;
pub mod organisation;
pub mod privacy;
pub mod queue;
pub mod values;
pub mod workflow;

pub use agent::{Agent, AgentCommand, AgentError, AgentEvent};
pub use call::{Call, CallCommand, CallError, CallEvent};
pub use ids::{AgentId, CallId, QueueId, UserId};
pub use queue::{Queue, QueueCommand, QueueError, QueueEvent};

/// Version of every event shape defined today. A changed shape gets a new version and an
/// upcaster; stored events are never edited.
pub const EVENT_VERSION: &str = "1";
