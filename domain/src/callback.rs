//! "Keep my place, call me back": a requester facing a long wait chooses a callback. The
//! call keeps its queue and its place (priority, then request time); when an interpreter
//! accepts it, the call is connected as usual and the requester has a join window
//! (`CallbackOffered.join_by`). Joining stores `RequesterJoined`; a window that passes
//! without a join ends the call (`CallbackMissed`, then `CallEnded`), counted as abandoned
//! by the requester. The router owns the timer, as it owns the ring timeout.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::call::{Call, CallError, CallEvent, CallStatus};
use crate::ids::UserId;
use crate::values::ValueError;

/// An `http` or `https` URL the requester's organisation is notified at when the
/// interpreter is ready. Checked for shape only: no network here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "webhook_url";
        let url = raw.trim();
        if url.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new(
                FIELD,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValueError::new(
                FIELD,
                "must not contain spaces or control characters",
            ));
        }
        let lower = url.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(|| ValueError::new(FIELD, "must be an http or https URL"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        if host.is_empty() {
            return Err(ValueError::new(FIELD, "must name a host"));
        }
        Ok(Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host the URL names, lowercased (an IPv6 address without its brackets).
    pub fn host(&self) -> String {
        let lower = self.0.to_ascii_lowercase();
        let rest = lower
            .split_once("://")
            .map_or(lower.as_str(), |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
            None => host.split(':').next().unwrap_or_default().to_owned(),
        }
    }

    /// Whether the host is one of `allowed` (`.example.org` also allows its subdomains);
    /// any host when `allowed` is empty.
    pub fn host_allowed(&self, allowed: &[String]) -> bool {
        let host = self.host();
        allowed.is_empty()
            || allowed.iter().any(|entry| {
                let entry = entry.trim().to_ascii_lowercase();
                match entry.strip_prefix('.') {
                    Some(domain) => host == domain || host.ends_with(&entry),
                    None => host == entry,
                }
            })
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<WebhookUrl> for String {
    fn from(v: WebhookUrl) -> Self {
        v.0
    }
}

/// A call's callback, from the requester's choice to their join (or its miss).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    pub webhook_url: Option<WebhookUrl>,
    /// Seconds the requester has to join once an interpreter accepted.
    pub join_window_s: u32,
    /// Set when an interpreter accepted: the requester must join before this.
    pub join_by: Option<DateTime<Utc>>,
    pub joined: bool,
}

impl Callback {
    /// Bounds of the join window a deployment may set.
    pub const JOIN_WINDOW_RANGE_S: std::ops::RangeInclusive<u32> = 1..=3600;
}

impl Call {
    pub(crate) fn decide_choose_callback(
        &self,
        requester_id: UserId,
        webhook_url: Option<WebhookUrl>,
        join_window_s: u32,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.ensure_requester(requester_id)?;
        if !self.status.is_waiting() {
            return Err(CallError::NotWaiting(self.status.as_str()));
        }
        if self.callback.is_some() {
            return Err(CallError::CallbackAlreadyChosen);
        }
        Ok(vec![CallEvent::CallbackChosen {
            webhook_url,
            join_window_s,
            at,
        }])
    }

    /// The event that opens the join window when `agent_id` accepts a callback call; none
    /// for a call without a callback, or whose window was already opened (a later transfer).
    pub(crate) fn callback_offered(
        &self,
        agent_id: crate::ids::AgentId,
        at: DateTime<Utc>,
    ) -> Option<CallEvent> {
        let callback = self.callback.as_ref()?;
        if callback.join_by.is_some() {
            return None;
        }
        Some(CallEvent::CallbackOffered {
            agent_id,
            webhook_url: callback.webhook_url.clone(),
            join_by: at + Duration::seconds(i64::from(callback.join_window_s)),
            at,
        })
    }

    /// The callback whose window is open now: offered, not joined, the call live.
    fn open_window(&self) -> Result<DateTime<Utc>, CallError> {
        let join_by = self
            .callback
            .as_ref()
            .and_then(|c| c.join_by)
            .ok_or(CallError::CallbackNotReady)?;
        if self.callback.as_ref().is_some_and(|c| c.joined) {
            return Err(CallError::CallbackAlreadyJoined);
        }
        if !self.status.is_live() {
            return Err(CallError::NotInProgress(self.status.as_str()));
        }
        Ok(join_by)
    }

    pub(crate) fn decide_join(
        &self,
        requester_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.ensure_requester(requester_id)?;
        let join_by = self.open_window()?;
        if at >= join_by {
            return Err(CallError::JoinWindowPassed);
        }
        Ok(vec![CallEvent::RequesterJoined { at }])
    }

    pub(crate) fn decide_miss_callback(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.exists()?;
        let join_by = self.open_window()?;
        if at < join_by {
            return Err(CallError::JoinWindowOpen);
        }
        let agent_id = self.ensure_live_with(None)?;
        let mut events = vec![CallEvent::CallbackMissed { agent_id, at }];
        events.extend(self.ended(agent_id, at));
        Ok(events)
    }

    pub(crate) fn apply_callback(&mut self, event: &CallEvent) {
        match event {
            CallEvent::CallbackChosen {
                webhook_url,
                join_window_s,
                ..
            } => {
                self.callback = Some(Callback {
                    webhook_url: webhook_url.clone(),
                    join_window_s: *join_window_s,
                    join_by: None,
                    joined: false,
                });
            }
            CallEvent::CallbackOffered { join_by, .. } => {
                if let Some(callback) = &mut self.callback {
                    callback.join_by = Some(*join_by);
                }
            }
            CallEvent::RequesterJoined { .. } => {
                if let Some(callback) = &mut self.callback {
                    callback.joined = true;
                }
            }
            // `CallEnded` follows in the same commit.
            _ => {}
        }
    }
}

/// Whether a call in `status` with `callback` waits for its requester to join.
pub fn awaiting_join(status: CallStatus, callback: Option<&Callback>) -> bool {
    status.is_live() && callback.is_some_and(|c| c.join_by.is_some() && !c.joined)
}
