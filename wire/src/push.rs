//! The kinds of the messages `GET /api/ws` pushes: `{"type", "seq", "data"}` (docs/api.md,
//! "Push").

use serde::{Deserialize, Serialize};

/// What a read-model object is, for pushed updates: the `type` of a notice about one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Queue,
    Agent,
    Call,
    /// A call offered to an interpreter: the call's row, sent to that interpreter too.
    Offer,
}

impl ViewKind {
    pub const ALL: [ViewKind; 4] = [Self::Queue, Self::Agent, Self::Call, Self::Offer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Agent => "agent",
            Self::Call => "call",
            Self::Offer => "offer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Every `type` a pushed message can have: a row's notice, or one about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    View(ViewKind),
    /// Authenticated: notices follow.
    Ready,
    /// Something was lost (the client fell behind): reload what is shown.
    Resync,
    /// Authentication failed; a close frame follows.
    Error,
}

impl PushKind {
    pub const READY: &'static str = "ready";
    pub const RESYNC: &'static str = "resync";
    pub const ERROR: &'static str = "error";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::View(kind) => kind.as_str(),
            Self::Ready => Self::READY,
            Self::Resync => Self::RESYNC,
            Self::Error => Self::ERROR,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            Self::READY => Some(Self::Ready),
            Self::RESYNC => Some(Self::Resync),
            Self::ERROR => Some(Self::Error),
            other => ViewKind::parse(other).map(Self::View),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_it_is_written() {
        for kind in ViewKind::ALL {
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(PushKind::parse(kind.as_str()), Some(PushKind::View(kind)));
        }
        for kind in [PushKind::Ready, PushKind::Resync, PushKind::Error] {
            assert_eq!(PushKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PushKind::parse("heartbeat"), None);
    }
}
