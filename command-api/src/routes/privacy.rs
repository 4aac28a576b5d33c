//! Privacy (issue 26, docs/privacy.md): erasure of a data subject, a subject's export and
//! an organisation's retention of free text. Admins only. The access audit is `audit.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::ids::{OrganisationId, UserId};
use domain::privacy::{Privacy, PrivacyCommand, RetentionDays};
use domain::workflow::execute;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::audit::{AccessEntryView, AuditFilter, audit_rows};
use super::queries::calls::{CallView, every_call, reveal_calls};
use crate::auth::{AuthUser, Role};
use crate::context::CommandContext;
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::privacy::audit::{AccessAction, ResourceType};
use crate::privacy::vault::ERASED;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(erase_subject))
        .routes(routes!(export_subject))
        .routes(routes!(set_retention))
}

/// Most calls of each kind (requested, interpreted) one export lists.
const EXPORT_MAX_CALLS: i64 = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureBody {
    /// The user whose personal data is to be forgotten.
    pub subject_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureAccepted {
    /// The erasure's id, as its `SubjectErased` event records it.
    pub id: Uuid,
}

/// Whether Parley holds anything about `subject`: an account or a key.
async fn subject_exists(state: &AppState, subject: Uuid) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) \
             OR EXISTS (SELECT 1 FROM privacy_keys WHERE subject_id = $1)",
    )
    .bind(subject)
    .fetch_one(&state.pool)
    .await?)
}

fn subject_not_found(subject: Uuid) -> ApiError {
    ApiError::not_found(
        "subject_not_found",
        format!("Parley holds nothing about subject {subject}"),
    )
}

/// Erases a data subject (admin): destroys every key sealing their personal data, clears
/// their account's name and email, and records `SubjectErased`. From then on their name,
/// their calls' notes and rating comments read `[erased]` everywhere.
#[utoipa::path(post, path = "/api/privacy/erasures", tag = "privacy", security(("bearer" = [])),
    request_body = ErasureBody,
    responses((status = 202, body = ErasureAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(subject_id = %body.subject_id))]
async fn erase_subject(
    ctx: CommandContext,
    State(state): State<AppState>,
    Json(body): Json<ErasureBody>,
) -> Result<(StatusCode, Json<ErasureAccepted>), ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let subject = body.subject_id;
    if !subject_exists(&state, subject).await? {
        return Err(subject_not_found(subject));
    }
    // Keys first: if recording the event fails, the data is already unreadable and a
    // retry records it. The account's row: one row by its key.
    let keys_destroyed = state.vault.destroy_subject(subject).await?;
    sqlx::query(
        "UPDATE users SET name = $2, email = $2, password_hash = $2, \
             erased_at = coalesce(erased_at, now()), disabled_at = coalesce(disabled_at, now()), \
             sessions_valid_from = now() \
         WHERE id = $1",
    )
    .bind(subject)
    .bind(ERASED)
    .execute(&state.pool)
    .await?;
    let erasure_id = Uuid::now_v7();
    let command = PrivacyCommand::RecordErasure {
        subject_id: UserId(subject),
        erasure_id,
        keys_destroyed,
        at: ctx.at,
    };
    execute::<Privacy, _>(
        state.privacy.as_ref(),
        &subject.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    state
        .access_audit
        .record(
            ctx.user.id.as_uuid(),
            AccessAction::Erase,
            ResourceType::Subject,
            subject.to_string(),
        )
        .await;
    tracing::info!(%erasure_id, keys_destroyed, "subject erased");
    Ok((
        StatusCode::ACCEPTED,
        Json(ErasureAccepted { id: erasure_id }),
    ))
}

/// The subject's account as the users table holds it.
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct SubjectAccount {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// One key sealing the subject's data (never the key itself).
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct SubjectKey {
    pub key_id: Uuid,
    /// `identity` (their name) or `call_text` (a call's notes and rating comment).
    pub data_class: String,
    pub created_at: DateTime<Utc>,
    /// Set once destroyed: what it sealed reads `[erased]`.
    pub destroyed_at: Option<DateTime<Utc>>,
}

/// Everything Parley holds about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectExport {
    pub subject_id: Uuid,
    pub exported_at: DateTime<Utc>,
    pub account: Option<SubjectAccount>,
    /// Calls they requested, with notes and rating comments.
    pub calls_requested: Vec<CallView>,
    /// Calls they interpreted.
    pub calls_interpreted: Vec<CallView>,
    pub keys: Vec<SubjectKey>,
    /// Their erasures, as recorded.
    pub erasures: Vec<AccessEntryView>,
    /// What they read, from the access audit.
    pub accesses: Vec<AccessEntryView>,
}

/// Exports everything held about one subject as JSON (admin; GDPR Art. 15 and 20).
#[utoipa::path(get, path = "/api/privacy/subjects/{id}/export", tag = "privacy", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the subject's user id")),
    responses((status = 200, body = SubjectExport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[tracing::instrument(skip(user, state))]
async fn export_subject(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<SubjectExport>, ApiError> {
    user.require(&[Role::Admin])?;
    if !subject_exists(&state, id).await? {
        return Err(subject_not_found(id));
    }
    let account: Option<SubjectAccount> = sqlx::query_as(
        "SELECT id, email, name, role, organisation_id, created_at, disabled_at, erased_at \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let calls_requested = subject_calls(&state, "c.requester_id", id).await?;
    let calls_interpreted = subject_calls(&state, "c.agent_id", id).await?;
    let keys: Vec<SubjectKey> = sqlx::query_as(
        "SELECT key_id, data_class, created_at, destroyed_at FROM privacy_keys \
         WHERE subject_id = $1 ORDER BY created_at",
    )
    .bind(id)
    .fetch_all(&state.pool)
    .await?;
    let accesses = audit_rows(&state, &AuditFilter::actor(id)).await?;
    let erasures = audit_rows(&state, &AuditFilter::erasures_of(id)).await?;
    state
        .access_audit
        .record(
            user.id.as_uuid(),
            AccessAction::Export,
            ResourceType::Subject,
            id.to_string(),
        )
        .await;
    Ok(Json(SubjectExport {
        subject_id: id,
        exported_at: Utc::now(),
        account,
        calls_requested,
        calls_interpreted,
        keys,
        erasures,
        accesses,
    }))
}

/// The calls whose `column` is `subject`, newest first (an index scan each).
async fn subject_calls(
    state: &AppState,
    column: &'static str,
    subject: Uuid,
) -> Result<Vec<CallView>, ApiError> {
    let mut query = every_call();
    query
        .push(format!(" AND {column} = "))
        .push_bind(subject)
        .push(" ORDER BY c.requested_at DESC NULLS LAST, c.call_id DESC LIMIT ")
        .push_bind(EXPORT_MAX_CALLS);
    let mut calls = query
        .build_query_as::<CallView>()
        .fetch_all(state.history.pool())
        .await?;
    reveal_calls(&state.vault, &mut calls).await?;
    Ok(calls)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionBody {
    /// Days the organisation's call notes and rating comments are kept, 1 to 36,500.
    pub retention_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionView {
    pub organisation_id: Uuid,
    pub retention_days: i64,
}

/// Sets how long an organisation's call notes and rating comments are kept (admin). Older
/// free text is shredded by the retention process (`privacy.retention_sweep_every_s`).
#[utoipa::path(put, path = "/api/organisations/{id}/retention", tag = "privacy", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "organisation id")), request_body = RetentionBody,
    responses((status = 200, body = RetentionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_retention(
    ctx: CommandContext,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<RetentionBody>,
) -> Result<Json<RetentionView>, ApiError> {
    ctx.user.require(&[Role::Admin])?;
    let retention_days = RetentionDays::parse(body.retention_days)?;
    super::organisations::load(&state, id).await?;
    let command = PrivacyCommand::SetRetention {
        organisation_id: OrganisationId(id),
        retention_days,
        at: ctx.at,
    };
    execute::<Privacy, _>(
        state.privacy.as_ref(),
        &id.to_string(),
        &command,
        &(),
        &ctx.metadata(),
        state.settings.commands.max_attempts,
    )
    .await?;
    // The process reads this table, never the events: written after the event, so a
    // failure here leaves the event standing and a retry writes the same row.
    sqlx::query(
        "INSERT INTO organisation_retention (organisation_id, retention_days, set_at) \
         VALUES ($1, $2, $3) ON CONFLICT (organisation_id) \
         DO UPDATE SET retention_days = EXCLUDED.retention_days, set_at = EXCLUDED.set_at",
    )
    .bind(id)
    .bind(i32::try_from(retention_days.days()).unwrap_or(i32::MAX))
    .bind(ctx.at)
    .execute(&state.pool)
    .await?;
    Ok(Json(RetentionView {
        organisation_id: id,
        retention_days: i64::from(retention_days.days()),
    }))
}
