//! Guests of a live call: someone without an account (a patient's daughter, a lawyer)
//! whom a participant brings into the room by link. The invitation names the guest and
//! when its link expires (`GuestInvited`); the guest's joins and departures are events
//! (`GuestJoined`, `GuestLeft`); a participant or a supervisor may remove them
//! (`GuestRemoved`), after which the link admits nobody. The link itself is the API's
//! business: the domain knows only the guest's id and expiry.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::call::{Call, CallError, CallEvent};
use crate::ids::{AgentId, UserId};
use crate::values::PersonalText;

/// A guest of one call, unique among all calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GuestId(pub uuid::Uuid);

/// Who may bring a guest in or send one away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Host {
    Requester(UserId),
    Interpreter(AgentId),
    Supervisor(UserId),
}

/// A guest as the call keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    /// As the invitation holds it (sealed).
    pub name: PersonalText,
    pub expires_at: DateTime<Utc>,
    pub in_room: bool,
}

impl Guest {
    /// Most guests one call may have at once.
    pub const MAX_PER_CALL: usize = 5;
}

/// The guests of a call not removed.
pub type Guests = BTreeMap<GuestId, Guest>;

impl Call {
    /// A participant of the live call, or a supervisor; returns who, as a user.
    fn ensure_host(&self, host: Host) -> Result<UserId, CallError> {
        match host {
            Host::Requester(id) => {
                self.ensure_requester(id)?;
                self.ensure_live_with(None)?;
                Ok(id)
            }
            Host::Interpreter(agent) => Ok(self.ensure_live_with(Some(agent))?.into()),
            Host::Supervisor(id) => {
                self.ensure_live_with(None)?;
                Ok(id)
            }
        }
    }

    pub(crate) fn decide_invite_guest(
        &self,
        guest_id: GuestId,
        name: PersonalText,
        host: Host,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let invited_by = self.ensure_host(host)?;
        if self.guests.contains_key(&guest_id) {
            return Err(CallError::GuestExists);
        }
        if self.guests.len() >= Guest::MAX_PER_CALL {
            return Err(CallError::TooManyGuests);
        }
        if expires_at <= at {
            return Err(CallError::GuestLinkExpired);
        }
        Ok(vec![CallEvent::GuestInvited {
            guest_id,
            name,
            invited_by,
            expires_at,
            at,
        }])
    }

    /// The guest `guest_id`, not removed.
    pub fn guest(&self, guest_id: GuestId) -> Result<&Guest, CallError> {
        self.exists()?;
        self.guests.get(&guest_id).ok_or(CallError::GuestNotFound)
    }

    pub(crate) fn decide_guest_joins(
        &self,
        guest_id: GuestId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let guest = self.guest(guest_id)?;
        if at >= guest.expires_at {
            return Err(CallError::GuestLinkExpired);
        }
        self.ensure_live_with(None)?;
        // Opening the room again (a reload) is not a second arrival.
        if guest.in_room {
            return Ok(vec![]);
        }
        Ok(vec![CallEvent::GuestJoined { guest_id, at }])
    }

    pub(crate) fn decide_guest_leaves(
        &self,
        guest_id: GuestId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let guest = self.guest(guest_id)?;
        if !guest.in_room {
            return Ok(vec![]);
        }
        Ok(vec![CallEvent::GuestLeft { guest_id, at }])
    }

    pub(crate) fn decide_remove_guest(
        &self,
        guest_id: GuestId,
        host: Host,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.guest(guest_id)?;
        let removed_by = self.ensure_host(host)?;
        Ok(vec![CallEvent::GuestRemoved {
            guest_id,
            removed_by,
            at,
        }])
    }

    /// `GuestLeft` for every guest still in the room, when the call leaves it.
    pub(crate) fn guests_left(&self, at: DateTime<Utc>) -> Vec<CallEvent> {
        self.guests
            .iter()
            .filter(|(_, guest)| guest.in_room)
            .map(|(&guest_id, _)| CallEvent::GuestLeft { guest_id, at })
            .collect()
    }

    pub(crate) fn apply_guest(&mut self, event: &CallEvent) {
        match event {
            CallEvent::GuestInvited {
                guest_id,
                name,
                expires_at,
                ..
            } => {
                self.guests.insert(
                    *guest_id,
                    Guest {
                        name: name.clone(),
                        expires_at: *expires_at,
                        in_room: false,
                    },
                );
            }
            CallEvent::GuestJoined { guest_id, .. } | CallEvent::GuestLeft { guest_id, .. } => {
                let joined = matches!(event, CallEvent::GuestJoined { .. });
                if let Some(guest) = self.guests.get_mut(guest_id) {
                    guest.in_room = joined;
                }
            }
            CallEvent::GuestRemoved { guest_id, .. } => {
                self.guests.remove(guest_id);
            }
            _ => {}
        }
    }
}
