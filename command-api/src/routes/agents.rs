//! Interpreters: presence (status) and skills.

use axum::extract::State;
use domain::agent::AgentCommand;
use domain::ids::AgentId;
use domain::matching::{AgentProfile, LanguagePair, Tag};
use domain::values::{
    AgentStatus, LanguageCode, LanguageSkill, Modality, Proficiency, Skills, Specialty, ValueError,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{AcceptedResponse, accepted};
use crate::auth::Role;
use crate::context::CommandContext;
use crate::directory::find_agent_user;
use crate::error::{ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_my_status))
        .routes(routes!(set_agent_status))
        .routes(routes!(set_agent_skills))
        .routes(routes!(set_agent_profile))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `available`, `break` or `offline`.
    pub status: String,
}

async fn change_status(
    state: &AppState,
    ctx: &CommandContext,
    agent: AgentId,
    status: &str,
) -> AcceptedResponse {
    let status = AgentStatus::parse_chosen(status)?;
    let committed = state
        .floor
        .change_status(agent, status, ctx.at, &ctx.metadata())
        .await?;
    accepted(agent.as_uuid(), committed.version)
}

/// Sets your own status (agent). Leaving `available` while an offer rings releases it.
#[utoipa::path(put, path = "/api/agents/me/status", tag = "agents", security(("bearer" = [])), request_body = StatusBody,
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_my_status(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<StatusBody>,
) -> AcceptedResponse {
    let agent = ctx.user.as_agent()?;
    change_status(&state, &ctx, agent, &body.status).await
}

/// Sets an interpreter's status (supervisor).
#[utoipa::path(put, path = "/api/agents/{id}/status", tag = "agents", security(("bearer" = [])), request_body = StatusBody,
    params(("id" = Uuid, Path, description = "interpreter (user) id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_agent_status(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<StatusBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Supervisor])?;
    find_agent_user(&state.pool, id).await?;
    change_status(&state, &ctx, AgentId(id), &body.status).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSkillBody {
    /// ISO 639 code.
    pub code: String,
    /// 1 (basic) to 5 (native / certified).
    pub proficiency: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillsBody {
    pub languages: Vec<LanguageSkillBody>,
    /// Any of `general`, `medical`, `legal`.
    #[serde(default)]
    pub specialties: Vec<String>,
    /// At least one of `video`, `audio`.
    pub modalities: Vec<String>,
    /// Pairs of any two languages, either direction serving (`languages` are pairs with
    /// English).
    #[serde(default)]
    pub pairs: Vec<LanguagePairBody>,
    /// Words such as `court`, `medical`.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub certifications: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguagePairBody {
    /// ISO 639 code.
    pub from: String,
    /// ISO 639 code.
    pub to: String,
    /// 1 (basic) to 5 (native / certified).
    pub proficiency: i64,
}

/// How many languages and pairs one interpreter's skills list, together.
pub const SKILL_LANGUAGES: std::ops::RangeInclusive<usize> = 1..=50;
/// Most certifications one interpreter holds.
pub const MAX_CERTIFICATIONS: usize = 20;

impl SkillsBody {
    fn parse(&self) -> Result<Skills, ValueError> {
        if !SKILL_LANGUAGES.contains(&(self.languages.len() + self.pairs.len())) {
            return Err(ValueError::new(
                "languages",
                format!(
                    "give {} to {} languages and pairs together",
                    SKILL_LANGUAGES.start(),
                    SKILL_LANGUAGES.end()
                ),
            ));
        }
        if self.modalities.is_empty() {
            return Err(ValueError::new("modalities", "give at least one modality"));
        }
        let languages = self
            .languages
            .iter()
            .map(|l| {
                Ok(LanguageSkill {
                    code: LanguageCode::parse(&l.code)?,
                    proficiency: Proficiency::parse(l.proficiency)?,
                })
            })
            .collect::<Result<Vec<_>, ValueError>>()?;
        let specialties = self
            .specialties
            .iter()
            .map(|s| Specialty::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let modalities = self
            .modalities
            .iter()
            .map(|m| Modality::parse(m))
            .collect::<Result<Vec<_>, _>>()?;
        if self.certifications.len() > MAX_CERTIFICATIONS {
            return Err(ValueError::new(
                "certifications",
                format!("at most {MAX_CERTIFICATIONS}"),
            ));
        }
        let pairs = self
            .pairs
            .iter()
            .map(|p| {
                let code = |raw: &str| {
                    LanguageCode::parse(raw).map_err(|e| ValueError::new("pairs", e.message))
                };
                Ok(LanguagePair {
                    from: code(&p.from)?,
                    to: code(&p.to)?,
                    proficiency: Proficiency::parse(p.proficiency)?,
                })
            })
            .collect::<Result<Vec<_>, ValueError>>()?;
        let certifications = Tag::parse_set("certifications", &self.certifications)?;
        Ok(Skills::new(languages, specialties, modalities)?
            .with_pairs(pairs)?
            .with_certifications(certifications))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// A word such as `female`, `male`, `nonbinary`; left out or null: not stated.
    #[schema(max_length = 32)]
    pub gender: Option<String>,
}

/// Sets what an interpreter's profile says beyond skills (admin): requests may require a
/// gender. Stored as `AgentProfileSet`.
#[utoipa::path(put, path = "/api/agents/{id}/profile", tag = "agents", security(("bearer" = [])), request_body = ProfileBody,
    params(("id" = Uuid, Path, description = "interpreter (user) id")),
    responses((status = 202, body = super::Accepted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_agent_profile(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<ProfileBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Admin])?;
    let profile = AgentProfile {
        gender: body
            .gender
            .as_deref()
            .map(|g| Tag::parse("gender", g))
            .transpose()?,
    };
    let at = ctx.at;
    admin_command(&state, &ctx, id, |agent_id| AgentCommand::SetProfile {
        agent_id,
        profile,
        at,
    })
    .await
}

/// Sends an admin's command to the interpreter `id` (404 unless an interpreter account).
async fn admin_command(
    state: &AppState,
    ctx: &CommandContext,
    id: Uuid,
    command: impl FnOnce(AgentId) -> AgentCommand,
) -> AcceptedResponse {
    find_agent_user(&state.pool, id).await?;
    let agent_id = AgentId(id);
    let committed = state
        .floor
        .agent(agent_id, command(agent_id), &ctx.metadata())
        .await?;
    accepted(id, committed.version)
}

/// Replaces an interpreter's skills (admin).
#[utoipa::path(put, path = "/api/agents/{id}/skills", tag = "agents", security(("bearer" = [])), request_body = SkillsBody,
    params(("id" = Uuid, Path, description = "interpreter (user) id")),
    responses((status = 202, body = super::Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_agent_skills(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<SkillsBody>,
) -> AcceptedResponse {
    ctx.user.require(&[Role::Admin])?;
    let skills = body.parse()?;
    let at = ctx.at;
    admin_command(&state, &ctx, id, |agent_id| AgentCommand::SetSkills {
        agent_id,
        skills,
        at,
    })
    .await
}
