//! Typed identifiers, so a call id can never be passed where an agent id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

typed_id!(
    /// A call (one request for an interpreter, from request to rating).
    CallId
);
typed_id!(
    /// An interpreter. The same UUID as the interpreter's user account.
    AgentId
);
typed_id!(
    /// A queue: configuration plus the calls waiting in it.
    QueueId
);
typed_id!(
    /// An organisation requesters belong to: a clinic, a court, a school.
    OrganisationId
);
typed_id!(
    /// Any user account (requester, supervisor, admin, ...).
    UserId
);

impl From<AgentId> for UserId {
    fn from(id: AgentId) -> Self {
        Self(id.0)
    }
}
