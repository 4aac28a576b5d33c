//! Organisations and their requester policies (issue 17): who a requester works for, which
//! interpreters that organisation prefers or bans, and what every interpreter of its calls
//! must be certified for. Each change is an `Organisation` event with its actor.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use cqrs_es::{Aggregate, AggregateContext, EventStore};
use domain::ids::{AgentId, OrganisationId};
use domain::matching::{OrganisationPolicy, Tag};
use domain::organisation::{Organisation, OrganisationCommand, OrganisationEvent};
use domain::values::{DisplayName, ValueError};
use domain::workflow::Versioned;
use domain::workflow::execute;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::Role;
use crate::context::CommandContext;
use crate::directory::find_agent_user;
use crate::error::{ApiError, ErrorBody, Json, Path, Query};
use crate::routes::paging::{decode_after, encode_after, page, page_limit};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_organisation, list_organisations))
        .routes(routes!(get_organisation))
        .routes(routes!(get_policy, set_policy))
        .routes(routes!(policy_history))
        .routes(routes!(set_webhook))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// An `http` or `https` URL told (signed) when an interpreter accepts a callback call of
    /// the organisation's requesters that names no URL of its own; null: none.
    #[schema(max_length = 2000)]
    pub webhook_url: Option<String>,
}

/// Sets the organisation's callback webhook (admin). 422 `webhooks_not_configured` when
/// this deployment has no webhook secret. Stored as `OrganisationWebhookSet`.
#[utoipa::path(put, path = "/api/organisations/{id}/webhook", tag = "organisations", security(("bearer" = [])),
    request_body = WebhookBody, params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = WebhookBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_webhook(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<WebhookBody>,
) -> Result<Json<WebhookBody>, ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let webhook_url = body
        .webhook_url
        .as_deref()
        .map(domain::callback::WebhookUrl::parse)
        .transpose()?;
    if let Some(url) = &webhook_url {
        state.settings.callbacks.check_webhook(url)?;
    }
    load(&state, id).await?;
    let command = OrganisationCommand::SetWebhook {
        webhook_url: webhook_url.clone(),
        at: ctx.at,
    };
    run(&state, &ctx, OrganisationId(id), command).await?;
    Ok(Json(WebhookBody {
        webhook_url: webhook_url.map(String::from),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationBody {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationRecord {
    pub id: Uuid,
    pub name: String,
}

/// One organisation with its policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationDetail {
    pub id: Uuid,
    pub name: String,
    pub policy: PolicyView,
    /// Where callbacks of its requesters are announced (`PUT …/webhook`).
    pub webhook_url: Option<String>,
    /// The organisation's event sequence: how many changes it has had.
    pub version: u64,
}

/// A policy as the API shows and takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyView {
    /// Offered first when free; the call waits up to `preferred_wait_s` for one of them.
    #[serde(default)]
    pub preferred_agent_ids: Vec<Uuid>,
    /// Never offered this organisation's calls, whatever the widening.
    #[serde(default)]
    pub banned_agent_ids: Vec<Uuid>,
    /// 0–3600, default 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 3600)]
    pub preferred_wait_s: i64,
    /// Certifications every interpreter of this organisation's calls holds.
    #[serde(default)]
    pub required_certifications: Vec<String>,
}

impl From<&OrganisationPolicy> for PolicyView {
    fn from(policy: &OrganisationPolicy) -> Self {
        Self {
            preferred_agent_ids: policy.preferred_agent_ids.iter().map(|a| a.0).collect(),
            banned_agent_ids: policy.banned_agent_ids.iter().map(|a| a.0).collect(),
            preferred_wait_s: i64::from(policy.preferred_wait_s),
            required_certifications: policy
                .required_certifications
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        }
    }
}

impl PolicyView {
    fn parse(&self) -> Result<OrganisationPolicy, ValueError> {
        let max = OrganisationPolicy::MAX_AGENTS;
        for (field, list) in [
            ("preferred_agent_ids", &self.preferred_agent_ids),
            ("banned_agent_ids", &self.banned_agent_ids),
        ] {
            if list.len() > max {
                return Err(ValueError::new(
                    field,
                    format!("at most {max} interpreters"),
                ));
            }
        }
        let range = OrganisationPolicy::PREFERRED_WAIT_RANGE_S;
        let preferred_wait_s = u32::try_from(self.preferred_wait_s)
            .ok()
            .filter(|s| range.contains(s))
            .ok_or_else(|| {
                ValueError::new(
                    "preferred_wait_s",
                    format!(
                        "{} is outside {}..={}",
                        self.preferred_wait_s,
                        range.start(),
                        range.end()
                    ),
                )
            })?;
        Ok(OrganisationPolicy {
            preferred_agent_ids: self
                .preferred_agent_ids
                .iter()
                .map(|a| AgentId(*a))
                .collect(),
            banned_agent_ids: self.banned_agent_ids.iter().map(|a| AgentId(*a)).collect(),
            preferred_wait_s,
            required_certifications: Tag::parse_set(
                "required_certifications",
                &self.required_certifications,
            )?,
        })
    }
}

/// The organisation `id`, or 404.
pub async fn load(state: &AppState, id: Uuid) -> Result<(Organisation, usize), ApiError> {
    let mut context = state
        .organisations
        .load_aggregate(&id.to_string())
        .await
        .map_err(|e| ApiError::unavailable("event store", &e))?;
    let organisation = context.aggregate().clone();
    if organisation.id.is_none() {
        return Err(ApiError::not_found(
            "organisation_not_found",
            format!("no organisation has id {id}"),
        ));
    }
    Ok((organisation, context.version()))
}

/// Creates an organisation (admin).
#[utoipa::path(post, path = "/api/organisations", tag = "organisations", security(("bearer" = [])),
    request_body = OrganisationBody,
    responses((status = 201, body = OrganisationRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_organisation(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<OrganisationBody>,
) -> Result<(StatusCode, Json<OrganisationRecord>), ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let name = DisplayName::parse(&body.name)?;
    let id = OrganisationId(Uuid::now_v7());
    let command = OrganisationCommand::Create {
        organisation_id: id,
        name: name.clone(),
        at: ctx.at,
    };
    run(&state, &ctx, id, command).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganisationRecord {
            id: id.as_uuid(),
            name: name.as_str().to_owned(),
        }),
    ))
}

async fn run(
    state: &AppState,
    ctx: &CommandContext,
    id: OrganisationId,
    command: OrganisationCommand,
) -> Result<usize, ApiError> {
    let committed = execute::<Organisation, _>(
        state.organisations.as_ref(),
        &id.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    Ok(committed.version)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganisationListParams {
    /// 1–1000, default 1000.
    pub limit: Option<i64>,
    /// The position after which the page starts, from the previous page's `Link` header.
    pub after: Option<String>,
}

/// Lists organisations by name (admin, supervisor, analyst), in pages like `GET /api/users`.
#[utoipa::path(get, path = "/api/organisations", tag = "organisations", security(("bearer" = [])),
    params(OrganisationListParams),
    responses((status = 200, body = Vec<OrganisationRecord>, headers(("Link" = String, description = "the next page, when one follows"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_organisations(
    ctx: CommandContext,
    State(state): State<AppState>,
    Query(params): Query<OrganisationListParams>,
) -> Result<(HeaderMap, Json<Vec<OrganisationRecord>>), ApiError> {
    ctx.user
        .require(&[Role::Admin, Role::Supervisor, Role::Analyst])?;
    let limit = page_limit(params.limit)?;
    let [name, id] = match params.after.as_deref() {
        Some(raw) => decode_after::<2>(raw)?.map(Some),
        None => [None, None],
    };
    // An organisation's first event names it: the primary key's (type, id, sequence)
    // order finds them without reading the policy changes' payloads.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT aggregate_id, payload->'OrganisationCreated'->>'name' AS name FROM events \
         WHERE aggregate_type = $1 AND sequence = 1 \
           AND ($2::text IS NULL OR (payload->'OrganisationCreated'->>'name', aggregate_id) > ($2, $3)) \
         ORDER BY name, aggregate_id LIMIT $4",
    )
    .bind(Organisation::TYPE)
    .bind(name)
    .bind(id)
    .bind(limit + 1)
    .fetch_all(&state.pool)
    .await?;
    let rows = rows
        .into_iter()
        .filter_map(|(id, name)| {
            Some(OrganisationRecord {
                id: id.parse().ok()?,
                name,
            })
        })
        .collect();
    let (headers, rows) = page(rows, limit, "/api/organisations", |last| {
        encode_after(&[&last.name, &last.id.to_string()])
    });
    Ok((headers, Json(rows)))
}

/// One organisation and its policy (admin, supervisor, analyst).
#[utoipa::path(get, path = "/api/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = OrganisationDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_organisation(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<OrganisationDetail>, ApiError> {
    ctx.user
        .require(&[Role::Admin, Role::Supervisor, Role::Analyst])?;
    let (organisation, version) = load(&state, id).await?;
    Ok(Json(OrganisationDetail {
        id,
        name: organisation
            .name
            .as_ref()
            .map_or(String::new(), |n| n.as_str().to_owned()),
        policy: PolicyView::from(&organisation.policy),
        webhook_url: organisation.webhook_url.map(String::from),
        version: u64::try_from(version).unwrap_or(u64::MAX),
    }))
}

/// The organisation's policy (admin, supervisor).
#[utoipa::path(get, path = "/api/organisations/{id}/policy", tag = "organisations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = PolicyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_policy(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<PolicyView>, ApiError> {
    ctx.user.require(&[Role::Admin, Role::Supervisor])?;
    let (organisation, _) = load(&state, id).await?;
    Ok(Json(PolicyView::from(&organisation.policy)))
}

/// Replaces the organisation's policy (admin, supervisor). Every interpreter named must
/// exist (422 `unknown_agent`); one both preferred and banned is refused (422
/// `preferred_and_banned`). Stored as `OrganisationPolicySet` with its actor.
#[utoipa::path(put, path = "/api/organisations/{id}/policy", tag = "organisations", security(("bearer" = [])),
    request_body = PolicyView, params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = PolicyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_policy(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<PolicyView>,
) -> Result<Json<PolicyView>, ApiError> {
    ctx.user.require(&[Role::Admin, Role::Supervisor])?;
    let policy = body.parse()?;
    load(&state, id).await?;
    for agent in policy
        .preferred_agent_ids
        .iter()
        .chain(&policy.banned_agent_ids)
    {
        find_agent_user(&state.pool, agent.0).await.map_err(|_| {
            ApiError::unprocessable("unknown_agent", format!("no interpreter {agent}"))
        })?;
    }
    let command = OrganisationCommand::SetPolicy { policy, at: ctx.at };
    run(&state, &ctx, OrganisationId(id), command).await?;
    let (organisation, _) = load(&state, id).await?;
    Ok(Json(PolicyView::from(&organisation.policy)))
}

/// One change of a policy: who, when, and what moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyChange {
    pub at: DateTime<Utc>,
    /// `{id, name, role}` of whoever changed it.
    pub actor: serde_json::Value,
    /// Each field that changed: lists as `{added, removed}`, numbers as `{from, to}`.
    pub change: serde_json::Value,
    pub policy: PolicyView,
    /// The organisation's event sequence of this change.
    pub version: i64,
}

/// The policy's changes, oldest first (admin, supervisor).
#[utoipa::path(get, path = "/api/organisations/{id}/policy/history", tag = "organisations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "organisation id")),
    responses((status = 200, body = Vec<PolicyChange>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn policy_history(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<PolicyChange>>, ApiError> {
    ctx.user.require(&[Role::Admin, Role::Supervisor])?;
    load(&state, id).await?;
    let rows: Vec<(i64, serde_json::Value, serde_json::Value)> = sqlx::query_as(
        "SELECT sequence, payload::jsonb, metadata::jsonb FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(Organisation::TYPE)
    .bind(id.to_string())
    .fetch_all(&state.pool)
    .await?;
    let mut before = PolicyView::from(&OrganisationPolicy::default());
    let mut changes = Vec::new();
    for (version, payload, metadata) in rows {
        let event: OrganisationEvent =
            serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))?;
        if let OrganisationEvent::OrganisationPolicySet { policy, at } = event {
            let after = PolicyView::from(&policy);
            changes.push(PolicyChange {
                at,
                actor: serde_json::json!({
                    "id": metadata.get("actor_id"),
                    "name": metadata.get("actor_name"),
                    "role": metadata.get("actor_role"),
                }),
                change: difference(&before, &after),
                policy: after.clone(),
                version,
            });
            before = after;
        }
    }
    Ok(Json(changes))
}

/// What changed between two policies, field by field.
fn difference(before: &PolicyView, after: &PolicyView) -> serde_json::Value {
    fn lists<T: PartialEq + Serialize>(before: &[T], after: &[T]) -> Option<serde_json::Value> {
        let added: Vec<&T> = after.iter().filter(|x| !before.contains(x)).collect();
        let removed: Vec<&T> = before.iter().filter(|x| !after.contains(x)).collect();
        (!added.is_empty() || !removed.is_empty())
            .then(|| serde_json::json!({"added": added, "removed": removed}))
    }
    let mut change = serde_json::Map::new();
    let mut put = |field: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value {
            change.insert(field.to_owned(), value);
        }
    };
    put(
        "preferred_agent_ids",
        lists(&before.preferred_agent_ids, &after.preferred_agent_ids),
    );
    put(
        "banned_agent_ids",
        lists(&before.banned_agent_ids, &after.banned_agent_ids),
    );
    put(
        "required_certifications",
        lists(
            &before.required_certifications,
            &after.required_certifications,
        ),
    );
    put(
        "preferred_wait_s",
        (before.preferred_wait_s != after.preferred_wait_s).then(
            || serde_json::json!({"from": before.preferred_wait_s, "to": after.preferred_wait_s}),
        ),
    );
    serde_json::Value::Object(change)
}
