//! Calls: request, the agent's and the requester's commands, the read model, history,
//! time travel, the room and the export.

use serde_json::json;

use super::http::{query, Api, ApiError};
use crate::types::{
    Accepted, Call, CallAsOf, CallPage, HistoryEntry, MonitorRoom, MoveTarget, NewCall, Room,
    RoutingAnswer,
};
use wire::room::{
    GuestInvitation, GuestRoom, GuestToken, InviteGuestBody, ParticipantKind, RequeueBody,
    RequeueReason,
};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallFilter {
    pub status: Option<String>,
    pub queue_id: Option<String>,
    pub agent_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub async fn request(api: &Api, call: &NewCall) -> Result<Accepted, ApiError> {
    api.post("/api/calls", call).await
}

pub async fn list(api: &Api, filter: &CallFilter) -> Result<CallPage, ApiError> {
    let q = query(&[
        ("status", filter.status.clone()),
        ("queue_id", filter.queue_id.clone()),
        ("agent_id", filter.agent_id.clone()),
        ("from", filter.from.clone()),
        ("to", filter.to.clone()),
        ("limit", filter.limit.map(|l| l.to_string())),
        ("cursor", filter.cursor.clone()),
    ]);
    api.get(&format!("/api/calls{q}")).await
}

pub async fn get(api: &Api, id: &str) -> Result<Call, ApiError> {
    api.get(&format!("/api/calls/{id}")).await
}

/// A body-less command on a call: `accept`, `decline`, `hold`, `resume`, `end`, `cancel`.
pub async fn command(api: &Api, id: &str, verb: &str) -> Result<Accepted, ApiError> {
    api.post_empty(&format!("/api/calls/{id}/{verb}")).await
}

/// The media failed: the call goes back to its queue and the interpreter into wrap-up.
pub async fn requeue_on_media_failure(api: &Api, id: &str) -> Result<Accepted, ApiError> {
    let body = RequeueBody {
        reason: RequeueReason::MediaFailure,
    };
    api.post(&format!("/api/calls/{id}/requeue"), &body).await
}

/// A supervisor's monitoring: `monitor` (listen-only) or `barge` (speak up); each is
/// stored in the call's history.
pub async fn monitor(api: &Api, id: &str, verb: &str) -> Result<MonitorRoom, ApiError> {
    api.post_empty(&format!("/api/calls/{id}/{verb}")).await
}

/// Brings a guest into the live call: the link to hand them.
pub async fn invite_guest(api: &Api, id: &str, name: &str) -> Result<GuestInvitation, ApiError> {
    let body = InviteGuestBody {
        name: name.trim().to_owned(),
        kind: ParticipantKind::Guest,
    };
    api.post(&format!("/api/calls/{id}/participants"), &body)
        .await
}

pub async fn remove_guest(api: &Api, id: &str, guest_id: &str) -> Result<(), ApiError> {
    api.delete(&format!("/api/calls/{id}/participants/{guest_id}"))
        .await
}

/// A guest's own page, without an account: joins, and again every few seconds to learn
/// whether they may stay.
pub async fn guest_joins(api: &Api, token: &str) -> Result<GuestRoom, ApiError> {
    let body = GuestToken {
        token: token.to_owned(),
    };
    api.post("/api/guests/join", &body).await
}

pub async fn guest_leaves(api: &Api, token: &str) -> Result<Accepted, ApiError> {
    let body = GuestToken {
        token: token.to_owned(),
    };
    api.post("/api/guests/leave", &body).await
}

/// "Call me back instead": the waiting call keeps its place (the requester's).
pub async fn callback(api: &Api, id: &str) -> Result<Accepted, ApiError> {
    api.post(&format!("/api/calls/{id}/callback"), &json!({}))
        .await
}

fn move_body(to: &MoveTarget) -> serde_json::Value {
    match to {
        MoveTarget::Queue(queue_id) => json!({ "queue_id": queue_id }),
        MoveTarget::Agent(agent_id) => json!({ "agent_id": agent_id }),
    }
}

pub async fn transfer(api: &Api, id: &str, to: &MoveTarget) -> Result<Accepted, ApiError> {
    api.post(&format!("/api/calls/{id}/transfer"), &move_body(to))
        .await
}

/// A warm transfer: rings the target while the interpreter keeps the caller; then
/// `complete-transfer` or `cancel-consult` (`command`).
pub async fn consult(api: &Api, id: &str, to: &MoveTarget) -> Result<Accepted, ApiError> {
    api.post(&format!("/api/calls/{id}/consult"), &move_body(to))
        .await
}

/// The supervisor's manual offer to a named interpreter.
pub async fn offer(api: &Api, id: &str, agent_id: &str) -> Result<Accepted, ApiError> {
    api.post(
        &format!("/api/calls/{id}/offer"),
        &json!({ "agent_id": agent_id }),
    )
    .await
}

pub async fn wrap_up(
    api: &Api,
    id: &str,
    disposition: &str,
    notes: &str,
) -> Result<Accepted, ApiError> {
    let body = if notes.trim().is_empty() {
        json!({ "disposition": disposition })
    } else {
        json!({ "disposition": disposition, "notes": notes.trim() })
    };
    api.post(&format!("/api/calls/{id}/wrap-up"), &body).await
}

pub async fn rate(api: &Api, id: &str, stars: u8, comment: &str) -> Result<Accepted, ApiError> {
    let body = if comment.trim().is_empty() {
        json!({ "stars": stars })
    } else {
        json!({ "stars": stars, "comment": comment.trim() })
    };
    api.post(&format!("/api/calls/{id}/rating"), &body).await
}

pub async fn history(api: &Api, id: &str) -> Result<Vec<HistoryEntry>, ApiError> {
    api.get(&format!("/api/calls/{id}/history")).await
}

pub async fn state_at(api: &Api, id: &str, at: &str) -> Result<CallAsOf, ApiError> {
    let q = query(&[("at", Some(at.to_owned()))]);
    api.get(&format!("/api/calls/{id}/state{q}")).await
}

/// Whether `agent_id` was offered the call and, if not, why (supervisor, admin).
pub async fn routing(api: &Api, id: &str, agent_id: &str) -> Result<RoutingAnswer, ApiError> {
    let q = query(&[("agent_id", Some(agent_id.to_owned()))]);
    api.get(&format!("/api/calls/{id}/routing{q}")).await
}

pub async fn room(api: &Api, id: &str) -> Result<Room, ApiError> {
    api.get(&format!("/api/calls/{id}/room")).await
}

/// The call detail records of `[from, to)` as a CSV file, held by the browser (a Blob).
pub async fn export_csv(api: &Api, from: &str, to: &str) -> Result<web_sys::Blob, ApiError> {
    let q = query(&[("from", Some(from.to_owned())), ("to", Some(to.to_owned()))]);
    api.get_blob(&format!("/api/calls/export.csv{q}")).await
}
