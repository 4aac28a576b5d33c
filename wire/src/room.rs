//! Where a call's participants meet (`GET /api/calls/{id}/room`), the ways in when video
//! fails, a supervisor's monitoring (`POST /api/calls/{id}/monitor`, `/barge`), and
//! the guests a participant brings in by link.

use serde::{Deserialize, Serialize};

/// A call's Jitsi room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Room {
    /// The Jitsi deployment, e.g. `meet.jit.si`.
    pub domain: String,
    /// The room name: unguessable, the same for every participant of the call.
    pub room: String,
    /// A room token for a self-hosted Jitsi with token authentication (`jitsi.app_id` and
    /// `jitsi.app_secret` set): HS256, `aud` `jitsi`, `iss` the app id, `sub` the domain,
    /// `room`, `exp`, `nbf`, and `context.user` with `moderator` true only for the
    /// interpreter. `null` otherwise.
    #[serde(default)]
    pub jwt: Option<String>,
    /// A telephone way into the room when video fails, when the deployment has one
    /// (`jitsi.dial_in_number`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_in: Option<DialIn>,
}

/// A number to call and the room's PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DialIn {
    pub number: String,
    /// Eight digits, stable per room.
    pub pin: String,
}

/// How a supervisor is in a call's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MonitorMode {
    /// Muted, camera off: the participants do not hear them.
    Listen,
    /// Barged in: they speak in the call.
    Talk,
}

/// The room for a monitoring supervisor, and how they are in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorRoom {
    #[serde(flatten)]
    pub room: Room,
    pub mode: MonitorMode,
}

/// Why an interpreter gives a live call back to its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequeueReason {
    /// The room would not load, or neither video nor audio got through.
    MediaFailure,
}

/// `POST /api/calls/{id}/requeue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequeueBody {
    pub reason: RequeueReason,
}

/// Where the web UI opens a guest's link: `{GUEST_PATH}#token=…` on the API's own origin
/// (the token after `#` never reaches a server log).
pub const GUEST_PATH: &str = "/guest";

/// What kind of participant `POST /api/calls/{id}/participants` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    /// Someone without an account, brought in by link.
    Guest,
}

/// `POST /api/calls/{id}/participants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteGuestBody {
    /// How the guest is shown to the others, 1–100 characters.
    pub name: String,
    pub kind: ParticipantKind,
}

/// The invitation: the guest's id and the link to hand them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuestInvitation {
    pub id: String,
    /// This site's `/guest#token=…`: the token stays in the browser, out of server logs.
    pub join_url: String,
    /// RFC 3339; the link admits nobody after it.
    pub expires_at: String,
}

/// `POST /api/guests/join` and `/leave`: the token of the guest's link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuestToken {
    pub token: String,
}

/// What a guest's page needs to open the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuestRoom {
    #[serde(flatten)]
    pub room: Room,
    pub call_id: String,
    pub guest_id: String,
    /// The name the host gave.
    pub name: String,
    /// RFC 3339.
    pub expires_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monitor_room_is_a_room_with_its_mode_and_dial_in_is_left_out_when_absent() {
        let room = MonitorRoom {
            room: Room {
                domain: "meet.example".into(),
                room: "parley-1".into(),
                jwt: None,
                dial_in: None,
            },
            mode: MonitorMode::Listen,
        };
        let json = serde_json::to_value(&room).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"domain": "meet.example", "room": "parley-1", "jwt": null,
                               "mode": "listen"})
        );
        let back: MonitorRoom = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, room);
    }
}
