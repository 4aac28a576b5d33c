//! A live call's media over HTTP: the interpreter's requeue when the media fails, a
//! supervisor's silent monitoring and barge-in, and the participants' quality reports.
//! Each is a command on the call, so it lands in the call's history with who and when.

use axum::extract::State;
use domain::call::CallCommand;
use domain::ids::{AgentId, CallId};
use domain::media::{Participant, QualitySample, RequeueReason};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::queries::calls::{audit, room_for};
use super::{AcceptedResponse, accepted};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::privacy::audit::AccessAction;
use crate::state::AppState;
use wire::room::{MonitorMode, MonitorRoom, RequeueBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(requeue_call))
        .routes(routes!(start_monitoring))
        .routes(routes!(stop_monitoring))
        .routes(routes!(barge_in))
        .routes(routes!(report_quality))
}

/// Ends your part of a live call whose media failed and puts the call back in its queue
/// (agent). The call keeps its place; you go into wrap-up; it is not offered to you again.
#[utoipa::path(post, path = "/api/calls/{id}/requeue", tag = "calls", security(("bearer" = [])), request_body = RequeueBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn requeue_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<RequeueBody>,
) -> AcceptedResponse {
    let agent = ctx.user.as_agent()?;
    let reason = match body.reason {
        wire::room::RequeueReason::MediaFailure => RequeueReason::MediaFailure,
    };
    let committed = state
        .floor
        .requeue(CallId(id), agent, reason, ctx.at, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}

async fn monitor_command(
    ctx: &CommandContext,
    state: &AppState,
    id: Uuid,
    command: CallCommand,
    mode: MonitorMode,
) -> Result<Json<MonitorRoom>, ApiError> {
    ctx.user.require(&[Role::Supervisor])?;
    state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    audit(state, &ctx.user, AccessAction::JoinRoom, id).await;
    // A supervisor never moderates: they cannot mute or remove the participants.
    let room = room_for(state, &ctx.user, id, false)?;
    Ok(Json(MonitorRoom { room, mode }))
}

/// Joins a live call listen-only (supervisor): stores `MonitoringStarted` (once per
/// session; joining again is the same session) and returns the room to open muted.
#[utoipa::path(post, path = "/api/calls/{id}/monitor", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = MonitorRoom), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_monitoring(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<MonitorRoom>, ApiError> {
    let command = CallCommand::StartMonitoring {
        supervisor_id: ctx.user.id,
        at: ctx.at,
    };
    monitor_command(&ctx, &state, id, command, MonitorMode::Listen).await
}

/// Speaks up in a call you monitor (supervisor): stores `SupervisorBargedIn`. 409
/// `not_monitoring` unless you are monitoring it.
#[utoipa::path(post, path = "/api/calls/{id}/barge", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = MonitorRoom), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn barge_in(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<MonitorRoom>, ApiError> {
    let command = CallCommand::BargeIn {
        supervisor_id: ctx.user.id,
        at: ctx.at,
    };
    monitor_command(&ctx, &state, id, command, MonitorMode::Talk).await
}

/// Leaves a call you monitor (supervisor): stores `MonitoringStopped`.
#[utoipa::path(post, path = "/api/calls/{id}/monitor/stop", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn stop_monitoring(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Supervisor])?;
    let command = CallCommand::StopMonitoring {
        supervisor_id: ctx.user.id,
        at: ctx.at,
    };
    let committed = state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}

/// Most samples one report may carry.
pub const MAX_QUALITY_SAMPLES: usize = 20;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualityBody {
    /// 1–20 readings since the last report: `{bitrate_kbps, packet_loss_pct, video_frozen}`.
    #[schema(value_type = Vec<Object>)]
    pub samples: Vec<QualitySample>,
}

impl QualityBody {
    fn checked(self) -> Result<Vec<QualitySample>, ApiError> {
        if self.samples.is_empty() || self.samples.len() > MAX_QUALITY_SAMPLES {
            return Err(ApiError::unprocessable(
                "invalid_samples",
                format!("send 1 to {MAX_QUALITY_SAMPLES} samples"),
            ));
        }
        let loss_ok = |s: &QualitySample| (0.0..=100.0).contains(&s.packet_loss_pct);
        if !self.samples.iter().all(loss_ok) {
            return Err(ApiError::unprocessable(
                "invalid_samples",
                "packet_loss_pct must be a number from 0 to 100",
            ));
        }
        Ok(self.samples)
    }
}

/// Reports your connection in a live call (its requester or its interpreter), every few
/// seconds. Stored as `MediaQualityChanged` only when your level (good, degraded, poor)
/// changes, so the call's history shows when the media degraded and for whom.
#[utoipa::path(post, path = "/api/calls/{id}/quality", tag = "calls", security(("bearer" = [])), request_body = QualityBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report_quality(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<QualityBody>,
) -> AcceptedResponse {
    let participant = match ctx.user.role {
        Role::Requester => Participant::Requester(ctx.user.id),
        Role::Agent => Participant::Interpreter(AgentId(ctx.user.id.as_uuid())),
        _ => {
            return Err(ApiError::forbidden(
                "only the call's requester or interpreter reports its connection",
            ));
        }
    };
    let command = CallCommand::ReportQuality {
        participant,
        samples: body.checked()?,
        at: ctx.at,
    };
    let committed = state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}
