//! Guests of a live call over HTTP: a participant (or a supervisor) invites one and gets
//! a link; the guest, without an account, opens the room with the link's token and may
//! leave; a participant removes them. Each is a command on the call (see
//! `domain::guests`), so the call's history says who came, who brought them and when.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, SecondsFormat, Utc};
use domain::call::CallCommand;
use domain::guests::{GuestId, Host};
use domain::ids::{AgentId, CallId};
use domain::values::Notes;
use domain::workflow::{Metadata, load};
use secrecy::ExposeSecret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use wire::room::{GuestInvitation, GuestRoom, GuestToken, InviteGuestBody, ParticipantKind};

use super::queries::calls::room_for;
use super::{AcceptedResponse, accepted};
use crate::auth::{AuthUser, Role};
use crate::context::CommandContext;
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::guest_links::{self, GUEST_PATH};
use crate::privacy::audit::{AccessAction, ResourceType};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite_guest))
        .routes(routes!(remove_guest))
        .routes(routes!(guest_joins))
        .routes(routes!(guest_leaves))
}

/// Longest name a guest may be given.
pub const MAX_GUEST_NAME_CHARS: usize = 100;

fn host_of(user: &AuthUser) -> Result<Host, ApiError> {
    match user.role {
        Role::Requester => Ok(Host::Requester(user.id)),
        Role::Agent => Ok(Host::Interpreter(AgentId(user.id.as_uuid()))),
        Role::Supervisor => Ok(Host::Supervisor(user.id)),
        Role::Admin | Role::Analyst => Err(ApiError::forbidden(
            "only the call's requester, its interpreter or a supervisor brings guests in",
        )),
    }
}

/// Invites a guest into a live call (its requester, its interpreter, a supervisor): 201
/// with the link to hand them, valid `jitsi.guest_link_ttl_s`. At most five guests.
#[utoipa::path(post, path = "/api/calls/{id}/participants", tag = "calls", security(("bearer" = [])), request_body = InviteGuestBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 201, body = GuestInvitation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn invite_guest(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<InviteGuestBody>,
) -> Result<(StatusCode, Json<GuestInvitation>), ApiError> {
    let host = host_of(&ctx.user)?;
    let ParticipantKind::Guest = body.kind;
    let name = Notes::parse(&body.name)?;
    if !(1..=MAX_GUEST_NAME_CHARS).contains(&name.as_str().trim().chars().count()) {
        return Err(ApiError::unprocessable(
            "invalid_value",
            format!("name: 1 to {MAX_GUEST_NAME_CHARS} characters"),
        ));
    }
    let call_id = CallId(id);
    let guest_id = GuestId(Uuid::now_v7());
    let ttl = Duration::seconds(i64::from(state.settings.jitsi.guest_link_ttl_s));
    let expires_at = ctx.at + ttl;
    let command = CallCommand::InviteGuest {
        guest_id,
        name: crate::privacy::seal_call_text(&state, call_id, &name).await?,
        host,
        expires_at,
        at: ctx.at,
    };
    state.floor.call(call_id, command, &ctx.metadata()).await?;
    let secret = state.settings.auth.jwt_secret.expose_secret().as_bytes();
    let token = guest_links::mint(secret, call_id, guest_id, expires_at)?;
    Ok((
        StatusCode::CREATED,
        Json(GuestInvitation {
            id: guest_id.0.to_string(),
            join_url: format!("{GUEST_PATH}#token={token}"),
            expires_at: expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }),
    ))
}

/// Removes a guest (its requester, its interpreter, a supervisor): their link admits
/// nobody any more, and their open page leaves the room. 404 for an unknown guest.
#[utoipa::path(delete, path = "/api/calls/{id}/participants/{pid}", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id"), ("pid" = Uuid, Path, description = "guest id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_guest(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path((id, pid)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let command = CallCommand::RemoveGuest {
        guest_id: GuestId(pid),
        host: host_of(&ctx.user)?,
        at: ctx.at,
    };
    state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The metadata of a guest's own events: they have no account, only their id.
fn guest_metadata(guest_id: GuestId) -> Metadata {
    let request_id = Uuid::now_v7().to_string();
    Metadata::from([
        ("actor_id".to_owned(), guest_id.0.to_string()),
        ("actor_role".to_owned(), "guest".to_owned()),
        ("actor_name".to_owned(), String::new()),
        ("request_id".to_owned(), request_id.clone()),
        ("correlation_id".to_owned(), request_id),
    ])
}

/// Opens the room for a guest (no account: the link's token): stores `GuestJoined` the
/// first time and answers the room again after. The guest's page asks again every few
/// seconds; 404 `guest_not_found` once removed, 410 once the link expired, 409 once the
/// call is over, and the page leaves the room.
#[utoipa::path(post, path = "/api/guests/join", tag = "calls", request_body = GuestToken,
    responses((status = 200, body = GuestRoom), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn guest_joins(
    State(state): State<AppState>,
    Json(body): Json<GuestToken>,
) -> Result<Json<GuestRoom>, ApiError> {
    let now = Utc::now();
    let secret = state.settings.auth.jwt_secret.expose_secret().as_bytes();
    let (call_id, guest_id) = guest_links::verify(secret, &body.token, now)?;
    let command = CallCommand::GuestJoins { guest_id, at: now };
    state
        .floor
        .call(call_id, command, &guest_metadata(guest_id))
        .await?;
    let (call, _) = load::<domain::Call, _>(&state.floor.calls, &call_id.to_string())
        .await
        .map_err(|e| ApiError::unavailable("event store", &e))?;
    let guest = call.guest(guest_id)?;
    // Opening the room is a read of the call (HIPAA's audit controls), the guest its actor.
    state
        .access_audit
        .record(
            guest_id.0,
            AccessAction::JoinRoom,
            ResourceType::Call,
            call_id.0.to_string(),
        )
        .await;
    // The room token names the guest by id; Jitsi shows the name the page gives it.
    let as_guest = AuthUser {
        id: domain::ids::UserId(guest_id.0),
        email: String::new(),
        name: String::new(),
        role: Role::Requester,
        organisation_id: None,
    };
    Ok(Json(GuestRoom {
        room: room_for(&state, &as_guest, call_id.0, false)?,
        call_id: call_id.0.to_string(),
        guest_id: guest_id.0.to_string(),
        name: guest.name.as_str().to_owned(),
        expires_at: guest.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
}

/// The guest left the room (their page closed it): stores `GuestLeft`.
#[utoipa::path(post, path = "/api/guests/leave", tag = "calls", request_body = GuestToken,
    responses((status = 202, body = super::Accepted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody)))]
async fn guest_leaves(
    State(state): State<AppState>,
    Json(body): Json<GuestToken>,
) -> AcceptedResponse {
    let now = Utc::now();
    let secret = state.settings.auth.jwt_secret.expose_secret().as_bytes();
    let (call_id, guest_id) = guest_links::verify(secret, &body.token, now)?;
    let command = CallCommand::GuestLeaves { guest_id, at: now };
    let committed = state
        .floor
        .call(call_id, command, &guest_metadata(guest_id))
        .await?;
    accepted(call_id.0, committed.version)
}
