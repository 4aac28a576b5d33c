//! "Keep my place, call me back" over HTTP (docs/routing.md, "Callbacks"): the requester
//! of a waiting call chooses a callback (the call keeps its place), then joins the
//! interpreter who accepted it within the join window.

use axum::extract::State;
use axum::http::StatusCode;
use domain::call::CallCommand;
use domain::callback::WebhookUrl;
use domain::ids::{CallId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{Accepted, AcceptedResponse, accepted};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::error::{ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(choose_callback))
        .routes(routes!(join_callback))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackBody {
    /// An `http` or `https` URL notified (signed, see docs/api.md) when an interpreter
    /// accepts the call. At most 2,000 characters.
    #[schema(max_length = 2000)]
    pub webhook_url: Option<String>,
}

/// Chooses a callback instead of waiting on the screen (the call's requester): the call
/// keeps its queue and its place. When an interpreter accepts it, the requester is
/// notified (the `call` push, and the webhook if given) and has the join window
/// (`callbacks.join_window_s`) to join, or the call ends as abandoned. 409
/// `call_not_waiting` once the call is answered or over, `callback_already_chosen` the
/// second time, `not_your_request` for anyone else's call; 422 for a bad URL, or a URL
/// while webhooks are not configured.
#[utoipa::path(post, path = "/api/calls/{id}/callback", tag = "calls", security(("bearer" = [])), request_body = CallbackBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn choose_callback(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<CallbackBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Requester, Role::Admin])?;
    let asked = body
        .webhook_url
        .as_deref()
        .map(WebhookUrl::parse)
        .transpose()?;
    if let Some(url) = &asked {
        state.settings.callbacks.check_webhook(url)?;
    }
    // Without a URL of its own, the request uses its organisation's, while the deployment
    // still sends webhooks there.
    let webhook_url = match (asked, ctx.user.organisation_id) {
        (Some(url), _) => Some(url),
        (None, Some(organisation)) => super::organisations::load(&state, organisation)
            .await?
            .0
            .webhook_url
            .filter(|url| state.settings.callbacks.check_webhook(url).is_ok()),
        (None, None) => None,
    };
    let command = CallCommand::ChooseCallback {
        requester_id: UserId(ctx.user.id.as_uuid()),
        webhook_url,
        join_window_s: state.settings.callbacks.join_window_s,
        at: ctx.at,
    };
    let committed = state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    let (_, Json(answer)) = accepted(id, committed.version)?;
    Ok((StatusCode::OK, Json(answer)))
}

/// Joins the interpreter who accepted your callback call (the call's requester), within
/// the join window. 409 `callback_not_ready` before an interpreter accepted,
/// `join_window_passed` after the window, `callback_already_joined` the second time.
#[utoipa::path(post, path = "/api/calls/{id}/join", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = Accepted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn join_callback(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Requester, Role::Admin])?;
    let command = CallCommand::JoinCallback {
        requester_id: UserId(ctx.user.id.as_uuid()),
        at: ctx.at,
    };
    let committed = state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}
