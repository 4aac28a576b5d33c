//! The bus contract (docs/events.md, "On the bus"): stream and subject names, the body of one event on
//! the stream, and the view-changed notices the projection workers publish after a commit.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

/// Names on the bus. Production uses the defaults; each test gets its own stream and
/// subject prefix so tests run in parallel on one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusNames {
    /// JetStream stream holding every event: `PARLEY_EVENTS`.
    pub stream: String,
    /// Subject prefix: events go to `<prefix>.events.<aggregate_type>.<aggregate_id>`,
    /// view notices to `<prefix>.views.<kind>`.
    pub prefix: String,
    /// How many days the stream keeps a message (0: for ever). Older ones are read back
    /// from the events table by whoever still needs them (`stored_events`).
    #[serde(default = "default_max_age_days")]
    pub max_age_days: u32,
    /// Copies of the stream a NATS cluster keeps (1 on a single server, 3 on a cluster of
    /// three: a write waits for two of them).
    #[serde(default = "default_replicas")]
    pub replicas: usize,
}

fn default_replicas() -> usize {
    1
}

/// A month: long enough that only a new read model, a rebuild, or a part stopped for weeks
/// reads the table instead of the stream.
fn default_max_age_days() -> u32 {
    30
}

impl Default for BusNames {
    fn default() -> Self {
        Self {
            stream: "PARLEY_EVENTS".to_owned(),
            prefix: "parley".to_owned(),
            max_age_days: default_max_age_days(),
            replicas: default_replicas(),
        }
    }
}

impl BusNames {
    /// A private set of names, for tests.
    pub fn unique() -> Self {
        let id = Uuid::new_v4().simple().to_string();
        Self {
            stream: format!("TEST_{}", id.to_uppercase()),
            prefix: format!("test{id}"),
            max_age_days: default_max_age_days(),
            replicas: default_replicas(),
        }
    }

    pub fn events_wildcard(&self) -> String {
        format!("{}.events.>", self.prefix)
    }

    pub fn event_subject(&self, aggregate_type: &str, aggregate_id: &str) -> String {
        format!("{}.events.{aggregate_type}.{aggregate_id}", self.prefix)
    }

    pub fn views_wildcard(&self) -> String {
        format!("{}.views.>", self.prefix)
    }

    pub fn view_subject(&self, kind: ViewKind) -> String {
        format!("{}.views.{}", self.prefix, kind.as_str())
    }
}

/// `Nats-Msg-Id` of an event: unique per stored event, so a re-publish is dropped by the
/// stream's duplicate window.
pub fn message_id(aggregate_type: &str, aggregate_id: &str, sequence: i64) -> String {
    format!("{aggregate_type}:{aggregate_id}:{sequence}")
}

/// One stored event as it travels on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusEvent {
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// The aggregate's sequence (1-based).
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub recorded_at: DateTime<Utc>,
    /// The event, as stored (serde's externally tagged enum).
    pub payload: serde_json::Value,
    /// actor_id, actor_role, actor_name, request_id, correlation_id.
    pub metadata: serde_json::Value,
}

impl BusEvent {
    pub fn message_id(&self) -> String {
        message_id(&self.aggregate_type, &self.aggregate_id, self.sequence)
    }

    /// The event's own fields: the payload without its tag.
    pub fn data(&self) -> &serde_json::Value {
        self.payload
            .as_object()
            .and_then(|tagged| tagged.values().next())
            .unwrap_or(&self.payload)
    }

    /// The domain event, typed. Fails on an aggregate type mismatch or an unknown shape.
    /// Reads the payload in place (no copy of it first).
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E, serde_json::Error> {
        E::deserialize(&self.payload)
    }
}

/// A [`BusEvent`] message read in place: what the event is about, borrowed from the
/// message's body, and its payload left as raw JSON. A reader decodes the events it wants
/// straight into their type; the rest of the message (metadata, times) is skipped by serde
/// without being built.
#[derive(Debug, Deserialize)]
pub struct BusEventRef<'a> {
    #[serde(borrow)]
    pub aggregate_type: Cow<'a, str>,
    #[serde(borrow)]
    pub aggregate_id: Cow<'a, str>,
    #[serde(borrow)]
    pub event_type: Cow<'a, str>,
    #[serde(borrow)]
    pub payload: &'a RawValue,
}

impl BusEventRef<'_> {
    /// The domain event, typed, from the payload's text.
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E, serde_json::Error> {
        serde_json::from_str(self.payload.get())
    }
}

/// What a read-model object is, for pushed updates (docs/api.md, "Push"): defined in `wire`,
/// which the web UI shares.
pub use wire::ViewKind;

/// Who besides floor staff (supervisors, admins) may receive a notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// The interpreter it concerns (an offer to them, their call, their status).
    pub agent_id: Option<Uuid>,
    /// The requester whose call it is.
    pub requester_id: Option<Uuid>,
    /// The requester's organisation, whose requesters all see the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
    /// An interpreter the change releases from the call (an offer declined, expired or
    /// withdrawn; a call handed on, whose new interpreter's `CallAccepted` follows the
    /// `CallTransferred`) while `agent_id` names another: they hear of it too, so a client
    /// that applies pushed rows sees the call leave them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_agent_id: Option<Uuid>,
}

/// Published on core NATS after a projection commits: one read-model object changed.
/// A reader that only passes the object on reads it as `ViewChanged<&RawValue>`, which
/// keeps the object's JSON as it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewChanged<Data = serde_json::Value> {
    #[serde(rename = "type")]
    pub kind: ViewKind,
    /// Stream sequence of the last event applied to the object.
    pub seq: u64,
    pub id: Uuid,
    /// The object as the read model now holds it.
    pub data: Data,
    pub audience: Audience,
}
