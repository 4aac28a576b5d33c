//! A warm transfer over HTTP (its interpreter): consult a colleague or a queue while the
//! caller stays connected, then complete the handover or cancel it (`domain::consult`).

use axum::extract::State;
use domain::ids::{AgentId, CallId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::calls::{TransferBody, checked_target};
use super::{AcceptedResponse, accepted};
use crate::context::CommandContext;
use crate::error::{ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(consult_call))
        .routes(routes!(complete_transfer))
        .routes(routes!(cancel_consult))
}

/// Consults a colleague (`agent_id`) or a queue (`queue_id`) about your live call (agent):
/// it rings for them as a transfer does, but their accept only joins them to the call
/// (`ConsultAnswered`); you keep the caller until you complete the handover. Checked as a
/// transfer: 422 `invalid_transfer_target`, `unknown_queue`, `unknown_agent`,
/// `language_mismatch`; 409 `transfer_pending` while a transfer or consult is under way.
#[utoipa::path(post, path = "/api/calls/{id}/consult", tag = "calls", security(("bearer" = [])), request_body = TransferBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn consult_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<TransferBody>,
) -> AcceptedResponse {
    let by_agent = ctx.user.as_agent()?;
    let (target, expires_at) = checked_target(&state, &ctx, id, &body).await?;
    let committed = state
        .floor
        .consult(
            CallId(id),
            by_agent,
            target,
            expires_at,
            ctx.at,
            &ctx.metadata(),
        )
        .await?;
    accepted(id, committed.version)
}

/// Hands your call to the colleague who answered your consult (agent): in one commit
/// they take it (`CallTransferred`, `CallAccepted`) and you go into wrap-up. 409
/// `no_consult`, `consult_not_answered`.
#[utoipa::path(post, path = "/api/calls/{id}/complete-transfer", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn complete_transfer(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> AcceptedResponse {
    let by_agent: AgentId = ctx.user.as_agent()?;
    let committed = state
        .floor
        .complete_transfer(CallId(id), by_agent, ctx.at, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}

/// Ends your consult (agent): a ringing offer is withdrawn, a colleague who answered goes
/// into wrap-up, and the call stays with you (`ConsultCancelled`). 409 `no_consult`.
#[utoipa::path(post, path = "/api/calls/{id}/cancel-consult", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_consult(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> AcceptedResponse {
    let by_agent = ctx.user.as_agent()?;
    let committed = state
        .floor
        .cancel_consult(CallId(id), by_agent, ctx.at, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}
