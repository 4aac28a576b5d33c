//! A call's life over HTTP. Handlers parse the body into value objects (422 when a value is
//! invalid), check the role (403), and hand the command to the domain's `Floor`.

use axum::extract::State;
use chrono::Duration;
use domain::call::{CallCommand, CallRequest, TransferTarget};
use domain::ids::{AgentId, CallId, OrganisationId, QueueId, UserId};
use domain::matching::{Requirements, Tag};
use domain::values::{
    Disposition, LanguageCode, Modality, Notes, Priority, Specialty, Stars, ValueError,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{AcceptedResponse, accepted};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::directory::{choose_queue, find_agent_user};
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_call))
        .routes(routes!(offer_call))
        .routes(routes!(accept_call))
        .routes(routes!(decline_call))
        .routes(routes!(hold_call))
        .routes(routes!(resume_call))
        .routes(routes!(end_call))
        .routes(routes!(transfer_call))
        .routes(routes!(wrap_up_call))
        .routes(routes!(cancel_call))
        .routes(routes!(rate_call))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCallBody {
    /// ISO 639 code of the language the interpreter speaks with the other party, e.g. `es`.
    pub language: String,
    /// The requester's language; `en` when left out.
    pub source_language: Option<String>,
    /// `video` or `audio`.
    pub modality: String,
    /// `general`, `medical` or `legal`.
    pub specialty: Option<String>,
    /// `normal` (default) or `urgent`.
    pub priority: Option<String>,
    /// What the interpreter must be: `{gender?, certifications?: []}`.
    pub requirements: Option<RequirementsBody>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementsBody {
    /// A word, e.g. `female`; matched against the interpreter's profile.
    #[schema(max_length = 32)]
    pub gender: Option<String>,
    /// Words, e.g. `court`, `medical`; the interpreter holds every one.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub certifications: Vec<String>,
}

/// Most certifications a request may require.
pub const MAX_REQUIRED_CERTIFICATIONS: usize = 20;

impl RequirementsBody {
    fn parse(&self) -> Result<Requirements, ValueError> {
        if self.certifications.len() > MAX_REQUIRED_CERTIFICATIONS {
            return Err(ValueError::new(
                "requirements",
                format!("at most {MAX_REQUIRED_CERTIFICATIONS} certifications"),
            ));
        }
        Ok(Requirements {
            gender: self
                .gender
                .as_deref()
                .map(|g| Tag::parse("requirements.gender", g))
                .transpose()?,
            certifications: Tag::parse_set("requirements.certifications", &self.certifications)?,
        })
    }
}

impl RequestCallBody {
    fn parse(&self) -> Result<CallRequest, ApiError> {
        Ok(CallRequest {
            requirements: self
                .requirements
                .as_ref()
                .map(RequirementsBody::parse)
                .transpose()?
                .unwrap_or_default(),
            language: LanguageCode::parse(&self.language)?,
            source_language: LanguageCode::parse(self.source_language.as_deref().unwrap_or("en"))
                .map_err(|e| {
                domain::values::ValueError::new("source_language", e.message)
            })?,
            modality: Modality::parse(&self.modality)?,
            specialty: self
                .specialty
                .as_deref()
                .map(Specialty::parse)
                .transpose()?,
            priority: self
                .priority
                .as_deref()
                .map(Priority::parse)
                .transpose()?
                .unwrap_or(Priority::Normal),
        })
    }
}

/// Requests an interpreter (requester, admin). Routing rules choose the queue; when no queue
/// serves the request the call ends at once as "no interpreter available".
#[utoipa::path(post, path = "/api/calls", tag = "calls", security(("bearer" = [])), request_body = RequestCallBody,
    responses((status = 202, body = super::Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<RequestCallBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Requester, Role::Admin])?;
    let request = body.parse()?;
    let queues = state.queue_directory.current(&state.pool).await?;
    let queue = choose_queue(&queues, &request);
    let call_id = CallId(Uuid::now_v7());
    // The request's span names the call from here on (see `startup::request_span`).
    tracing::Span::current().record("call_id", tracing::field::display(call_id.as_uuid()));
    let command = CallCommand::Request {
        organisation_id: ctx.user.organisation_id.map(OrganisationId),
        call_id,
        requester_id: ctx.user.id,
        request,
        queue,
        at: ctx.at,
    };
    let committed = state
        .floor
        .request_call(call_id, command, &ctx.metadata())
        .await?;
    accepted(call_id.as_uuid(), committed.version)
}

/// The ring timeout of `queue`, or the default when the queue is unknown.
async fn ring_timeout(state: &AppState, queue: Option<QueueId>) -> Result<Duration, ApiError> {
    let queues = state.queue_directory.current(&state.pool).await?;
    let seconds = queue.and_then(|id| queues.get(&id)).map_or(
        domain::queue::QueueConfig::DEFAULT_RING_TIMEOUT_S,
        |config| config.ring_timeout_s,
    );
    Ok(Duration::seconds(i64::from(seconds)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    pub agent_id: Uuid,
    /// Seconds the offer rings; the queue's ring timeout when left out.
    pub ring_timeout_s: Option<u32>,
}

/// Rings a named interpreter for a waiting call (supervisor). The router uses the same
/// workflow; this is the supervisor's manual assignment.
#[utoipa::path(post, path = "/api/calls/{id}/offer", tag = "calls", security(("bearer" = [])), request_body = OfferBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn offer_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<OfferBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Supervisor])?;
    let range = domain::queue::QueueConfig::RING_TIMEOUT_RANGE_S;
    let ring = match body.ring_timeout_s {
        Some(seconds) if range.contains(&seconds) => Duration::seconds(i64::from(seconds)),
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_value",
                format!(
                    "ring_timeout_s: {other} is outside {}..={}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        None => {
            let (call, _) = state.floor.load_call(CallId(id)).await?;
            ring_timeout(&state, call.queue_id).await?
        }
    };
    find_agent_user(&state.pool, body.agent_id).await?;
    let (call, _) = state.floor.load_call(CallId(id)).await?;
    refuse_unfit(&state, &call, AgentId(body.agent_id)).await?;
    let committed = state
        .floor
        .offer(
            CallId(id),
            AgentId(body.agent_id),
            ctx.at + ring,
            ctx.at,
            &ctx.metadata(),
        )
        .await?;
    accepted(id, committed.version)
}

/// A call handed to a named interpreter by a person: 422 `language_mismatch` when they
/// lack the call's language pair, 409 `agent_banned` when the call's organisation bans
/// them. No one, not even a supervisor, hands a call to such an interpreter.
async fn refuse_unfit(
    state: &AppState,
    call: &domain::call::Call,
    agent: AgentId,
) -> Result<(), ApiError> {
    if let Some(request) = &call.request {
        let (interpreter, _) = state.floor.load_agent(agent).await?;
        let holds = interpreter.skills.as_ref().is_some_and(|skills| {
            skills
                .proficiency_between(&request.source_language, &request.language)
                .is_some()
        });
        if !holds {
            return Err(ApiError::unprocessable(
                "language_mismatch",
                format!(
                    "interpreter {agent} does not interpret {} ↔ {}",
                    request.source_language.as_str(),
                    request.language.as_str()
                ),
            ));
        }
    }
    let Some(organisation) = call.organisation_id else {
        return Ok(());
    };
    let (organisation, _) = super::organisations::load(state, organisation.as_uuid()).await?;
    if organisation.policy.banned_agent_ids.contains(&agent) {
        return Err(ApiError::conflict(
            "agent_banned",
            format!("the call's organisation bans interpreter {agent}"),
        ));
    }
    Ok(())
}

/// Generates a handler for a call action taken by the call's interpreter with no body.
macro_rules! agent_action {
    ($name:ident, $path:literal, $summary:literal, |$state:ident, $id:ident, $agent:ident, $ctx:ident| $call:expr) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "calls", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "call id")),
            responses((status = 202, body = super::Accepted), (status = 401, body = ErrorBody),
                (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        async fn $name($ctx: CommandContext, State($state): State<AppState>, Path(id): Path<Uuid>) -> AcceptedResponse {
            let $agent = $ctx.user.as_agent()?;
            let $id = CallId(id);
            let committed = $call.await?;
            accepted(id, committed.version)
        }
    };
}

agent_action!(
    accept_call,
    "/api/calls/{id}/accept",
    "Accepts the offer ringing for you (agent).",
    |state, id, agent, ctx| state.floor.accept(id, agent, ctx.at, &ctx.metadata())
);
agent_action!(
    decline_call,
    "/api/calls/{id}/decline",
    "Declines the offer ringing for you (agent); the call goes back to its queue.",
    |state, id, agent, ctx| state.floor.decline(id, agent, ctx.at, &ctx.metadata())
);
agent_action!(
    hold_call,
    "/api/calls/{id}/hold",
    "Puts your call on hold (agent).",
    |state, id, agent, ctx| state.floor.call(
        id,
        CallCommand::Hold {
            agent_id: agent,
            at: ctx.at
        },
        &ctx.metadata()
    )
);
agent_action!(
    resume_call,
    "/api/calls/{id}/resume",
    "Resumes your call from hold (agent).",
    |state, id, agent, ctx| state.floor.call(
        id,
        CallCommand::Resume {
            agent_id: agent,
            at: ctx.at
        },
        &ctx.metadata()
    )
);
agent_action!(
    end_call,
    "/api/calls/{id}/end",
    "Ends your call (agent); you enter wrap-up.",
    |state, id, agent, ctx| state.floor.end(id, agent, ctx.at, &ctx.metadata())
);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Transfer into this queue…
    pub queue_id: Option<Uuid>,
    /// …or ring this interpreter. Exactly one of the two.
    pub agent_id: Option<Uuid>,
}

/// Transfers a call to a queue or a named interpreter (its agent, or a supervisor — who may
/// also re-route a call still waiting). A live call stays with its interpreter until the new
/// one accepts; when nobody does within the target queue's maximum wait (or the named
/// interpreter does not answer), `TransferFailed` is stored and the call stays where it was.
/// 422 `language_mismatch` for a queue that does not serve the call's language.
#[utoipa::path(post, path = "/api/calls/{id}/transfer", tag = "calls", security(("bearer" = [])), request_body = TransferBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<TransferBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Agent, Role::Supervisor])?;
    let by_agent = (ctx.user.role == Role::Agent).then(|| AgentId(ctx.user.id.as_uuid()));
    let (target, expires_at) = checked_target(&state, &ctx, id, &body).await?;
    let committed = state
        .floor
        .transfer(
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

/// Where a transfer or a consult sends the call, checked: exactly one target, a queue that
/// exists and serves the call's language, or an interpreter fit for it; with the expiry of
/// the offer that rings them.
pub(crate) async fn checked_target(
    state: &AppState,
    ctx: &CommandContext,
    id: Uuid,
    body: &TransferBody,
) -> Result<(TransferTarget, chrono::DateTime<chrono::Utc>), ApiError> {
    let target = match (body.queue_id, body.agent_id) {
        (Some(queue), None) => TransferTarget::Queue(QueueId(queue)),
        (None, Some(agent)) => TransferTarget::Agent(AgentId(agent)),
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_transfer_target",
                "give exactly one of queue_id and agent_id",
            ));
        }
    };
    let (call, _) = state.floor.load_call(CallId(id)).await?;
    let ring_queue = match target {
        TransferTarget::Queue(queue) => {
            let queues = state.queue_directory.current(&state.pool).await?;
            let config = queues.get(&queue).ok_or_else(|| {
                ApiError::unprocessable("unknown_queue", format!("no queue {queue}"))
            })?;
            // A queue of another language has no interpreter for this caller: the call
            // would only wait there until the transfer failed.
            if let Some(request) = &call.request
                && !config.serves_languages(&request.source_language, &request.language)
            {
                return Err(ApiError::unprocessable(
                    "language_mismatch",
                    format!(
                        "queue {queue} does not serve {}, the language of this call",
                        request.language.as_str()
                    ),
                ));
            }
            Some(queue)
        }
        TransferTarget::Agent(agent) => {
            find_agent_user(&state.pool, agent.as_uuid())
                .await
                .map_err(|_| {
                    ApiError::unprocessable("unknown_agent", format!("no interpreter {agent}"))
                })?;
            refuse_unfit(state, &call, agent).await?;
            call.queue_id
        }
    };
    let expires_at = ctx.at + ring_timeout(state, ring_queue).await?;
    Ok((target, expires_at))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapUpBody {
    /// Outcome code, 1–64 characters, e.g. `completed`.
    pub disposition: String,
    /// Up to 2,000 characters.
    pub notes: Option<String>,
}

/// Files the wrap-up of your ended call (agent); you become available again.
#[utoipa::path(post, path = "/api/calls/{id}/wrap-up", tag = "calls", security(("bearer" = [])), request_body = WrapUpBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn wrap_up_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<WrapUpBody>,
) -> AcceptedResponse {
    let agent = ctx.user.as_agent()?;
    let disposition = Disposition::parse(&body.disposition)?;
    let notes = match body.notes.as_deref().map(Notes::parse).transpose()? {
        Some(notes) => Some(crate::privacy::seal_call_text(&state, CallId(id), &notes).await?),
        None => None,
    };
    let committed = state
        .floor
        .wrap_up(
            CallId(id),
            agent,
            disposition,
            notes,
            ctx.at,
            &ctx.metadata(),
        )
        .await?;
    accepted(id, committed.version)
}

/// Hangs up while waiting (the call's requester, or an API key for the calls it requested):
/// the call is abandoned. A supervisor may cancel any waiting call.
#[utoipa::path(post, path = "/api/calls/{id}/cancel", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn cancel_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> AcceptedResponse {
    ctx.user
        .require(&[Role::Requester, Role::Admin, Role::Supervisor])?;
    let committed = if ctx.user.role == Role::Supervisor {
        state
            .floor
            .cancel_for_requester(CallId(id), ctx.at, &ctx.metadata())
            .await?
    } else {
        state
            .floor
            .cancel(
                CallId(id),
                UserId(ctx.user.id.as_uuid()),
                ctx.at,
                &ctx.metadata(),
            )
            .await?
    };
    accepted(id, committed.version)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 to 5.
    pub stars: i64,
    /// Up to 2,000 characters.
    pub comment: Option<String>,
}

/// Rates an ended call, once (the call's requester).
#[utoipa::path(post, path = "/api/calls/{id}/rating", tag = "calls", security(("bearer" = [])), request_body = RatingBody,
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rate_call(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<RatingBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Requester, Role::Admin])?;
    let stars = Stars::parse(body.stars)?;
    let comment = body
        .comment
        .as_deref()
        .map(Notes::parse)
        .transpose()
        .map_err(|e| domain::values::ValueError::new("comment", e.message))?;
    let comment = match comment {
        Some(comment) => Some(crate::privacy::seal_call_text(&state, CallId(id), &comment).await?),
        None => None,
    };
    let command = CallCommand::Rate {
        requester_id: ctx.user.id,
        stars,
        comment,
        at: ctx.at,
    };
    let committed = state
        .floor
        .call(CallId(id), command, &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}
