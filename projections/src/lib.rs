//! Parley's read side: the relay from the event store to JetStream, the projection workers
//! and their read models.

pub mod bus;
pub mod leader;
pub mod presence;
pub mod projection;
pub mod read_models;
pub mod relay;
pub mod retention;
pub mod router;
pub mod router_checkpoint;
pub mod stored_events;
pub mod stream;
pub mod stream_rebuild;
pub mod what_if;
pub mod worker;
