//! Queues: what they serve, how they route, their timers and members.

use axum::extract::State;
use domain::ids::{AgentId, QueueId};
use domain::matching::WideningStep;
use domain::queue::{Queue, QueueCommand, QueueConfig, QueueSettings};
use domain::values::{Proficiency, ValueError};
use domain::workflow::execute;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{AcceptedResponse, accepted};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::directory::{find_agent_user, find_overlap};
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_queue))
        .routes(routes!(update_queue))
        .routes(routes!(set_queue_members))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueBody {
    pub name: String,
    /// ISO 639 codes served.
    pub languages: Vec<String>,
    /// `general`, `medical` or `legal`; left out: every specialty.
    pub specialty: Option<String>,
    /// `video` or `audio`; left out: both.
    pub modality: Option<String>,
    /// `longest_idle` (default), `round_robin`, `fewest_calls_today`, `best_proficiency`.
    pub strategy: Option<String>,
    /// 1–5, default 1.
    pub min_proficiency: Option<i64>,
    /// 1–600, default 20.
    pub ring_timeout_s: Option<i64>,
    /// 5–86400, default 300.
    pub max_wait_s: Option<i64>,
    pub overflow_queue_id: Option<Uuid>,
    /// 0–3600, default 60.
    pub wrap_up_s: Option<i64>,
    /// 1–3600, default 30.
    pub service_level_s: Option<i64>,
    /// −1000–1000, default 0. Among queues that serve a request equally specifically, the
    /// highest precedence routes it. Two queues with the same languages, modality and
    /// specialty need different precedences (409 `queue_overlap` otherwise).
    pub precedence: Option<i64>,
    /// With it, the queue serves one language pair in either direction:
    /// `source_language` ↔ each of `languages` (e.g. `de` with `["ar"]`). Left out: the
    /// `languages` from any language.
    pub source_language: Option<String>,
    /// Steps that relax the pool as a call waits, at increasing `after_s`; each step taken
    /// stores `CallPoolWidened`. At most 10.
    #[serde(default)]
    pub widening: Vec<WideningBody>,
}

/// One widening step as an admin writes it.
#[derive(Debug, Clone, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WideningBody {
    /// Seconds into the call's wait in this queue, 1–86400, later than the step before.
    #[schema(minimum = 1, maximum = 86400)]
    pub after_s: i64,
    /// A lower proficiency floor, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub min_proficiency: Option<i64>,
    /// Any specialty will do.
    #[serde(default)]
    pub drop_specialty: bool,
    /// The request's own requirements (gender, certifications) no longer filter; an
    /// organisation's required certifications and bans still do.
    #[serde(default)]
    pub drop_requirements: bool,
    /// Also offer to this queue's interpreters.
    pub add_queue_id: Option<Uuid>,
}

impl WideningBody {
    fn parse(&self) -> Result<WideningStep, ValueError> {
        let after_s = u32::try_from(self.after_s).map_err(|_| {
            ValueError::new(
                "widening",
                format!("after_s: {} is out of range", self.after_s),
            )
        })?;
        Ok(WideningStep {
            after_s,
            min_proficiency: self.min_proficiency.map(Proficiency::parse).transpose()?,
            drop_specialty: self.drop_specialty,
            drop_requirements: self.drop_requirements,
            add_queue_id: self.add_queue_id.map(QueueId),
        })
    }
}

/// Most languages one queue serves.
pub const MAX_QUEUE_LANGUAGES: usize = 50;
/// Most members one queue lists.
pub const MAX_QUEUE_MEMBERS: usize = 1000;

impl QueueBody {
    async fn parse(self, state: &AppState) -> Result<QueueConfig, ApiError> {
        if self.languages.len() > MAX_QUEUE_LANGUAGES {
            return Err(ApiError::unprocessable(
                "invalid_value",
                format!("languages: at most {MAX_QUEUE_LANGUAGES}"),
            ));
        }
        let overflow_queue_id = self.overflow_queue_id.map(QueueId);
        let queues = state.queue_directory.current(&state.pool).await?;
        if let Some(overflow) = overflow_queue_id
            && !queues.contains_key(&overflow)
        {
            return Err(ApiError::unprocessable(
                "unknown_overflow_queue",
                format!("overflow_queue_id: no queue {overflow}"),
            ));
        }
        let widening = self
            .widening
            .iter()
            .map(WideningBody::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(unknown) = widening
            .iter()
            .filter_map(|step| step.add_queue_id)
            .find(|q| !queues.contains_key(q))
        {
            return Err(ApiError::unprocessable(
                "unknown_queue",
                format!("widening: add_queue_id: no queue {unknown}"),
            ));
        }
        Ok(QueueConfig::new(QueueSettings {
            name: self.name,
            languages: self.languages,
            specialty: self.specialty,
            modality: self.modality,
            strategy: self.strategy,
            min_proficiency: self.min_proficiency,
            ring_timeout_s: self.ring_timeout_s,
            max_wait_s: self.max_wait_s,
            overflow_queue_id,
            wrap_up_s: self.wrap_up_s,
            service_level_s: self.service_level_s,
            precedence: self.precedence,
            source_language: self.source_language,
            widening,
        })?)
    }
}

/// 409 `queue_overlap` when another queue matches exactly the same requests at the same
/// precedence: routing between them would have no rule. The check reads the current
/// configurations; two admins creating twins at the same instant could both pass it.
async fn refuse_overlap(
    state: &AppState,
    config: &QueueConfig,
    except: Option<QueueId>,
) -> Result<(), ApiError> {
    let queues = state.queue_directory.current(&state.pool).await?;
    match find_overlap(&queues, config, except) {
        Some((id, other)) => Err(ApiError::conflict(
            "queue_overlap",
            format!(
                "queue {id} ({}) already serves the same languages, modality and specialty \
                 at precedence {}; give this queue another precedence",
                other.name.as_str(),
                other.precedence
            ),
        )),
        None => Ok(()),
    }
}

pub async fn run_queue_command(
    state: &AppState,
    ctx: &CommandContext,
    queue_id: QueueId,
    command: QueueCommand,
) -> AcceptedResponse {
    let committed = execute::<Queue, _>(
        state.queues.as_ref(),
        &queue_id.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    accepted(queue_id.as_uuid(), committed.version)
}

/// Creates a queue (admin). 409 `queue_overlap` when a queue with the same languages,
/// modality and specialty has the same precedence.
#[utoipa::path(post, path = "/api/queues", tag = "queues", security(("bearer" = [])), request_body = QueueBody,
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_queue(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<QueueBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Admin])?;
    let config = body.parse(&state).await?;
    refuse_overlap(&state, &config, None).await?;
    let queue_id = QueueId(Uuid::now_v7());
    run_queue_command(
        &state,
        &ctx,
        queue_id,
        QueueCommand::Create {
            queue_id,
            config,
            at: ctx.at,
        },
    )
    .await
}

/// Replaces a queue's settings (admin). 409 `queue_overlap` as for creating one.
#[utoipa::path(put, path = "/api/queues/{id}", tag = "queues", security(("bearer" = [])), request_body = QueueBody,
    params(("id" = Uuid, Path, description = "queue id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_queue(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<QueueBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Admin])?;
    let config = body.parse(&state).await?;
    refuse_overlap(&state, &config, Some(QueueId(id))).await?;
    run_queue_command(
        &state,
        &ctx,
        QueueId(id),
        QueueCommand::Update { config, at: ctx.at },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersBody {
    /// Interpreters who may take this queue's calls; empty: everyone with the skills.
    pub agent_ids: Vec<Uuid>,
}

/// Sets which interpreters serve a queue (admin).
#[utoipa::path(put, path = "/api/queues/{id}/members", tag = "queues", security(("bearer" = [])), request_body = MembersBody,
    params(("id" = Uuid, Path, description = "queue id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_queue_members(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<MembersBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Admin])?;
    if body.agent_ids.len() > MAX_QUEUE_MEMBERS {
        return Err(ApiError::unprocessable(
            "invalid_value",
            format!("agent_ids: at most {MAX_QUEUE_MEMBERS}"),
        ));
    }
    for agent in &body.agent_ids {
        find_agent_user(&state.pool, *agent).await.map_err(|_| {
            ApiError::unprocessable(
                "unknown_agent",
                format!("agent_ids: no interpreter {agent}"),
            )
        })?;
    }
    let members = body.agent_ids.into_iter().map(AgentId).collect();
    run_queue_command(
        &state,
        &ctx,
        QueueId(id),
        QueueCommand::SetMembers {
            members,
            at: ctx.at,
        },
    )
    .await
}
