//! The access audit (issue 26, docs/privacy.md): who read or exported what. Admins only;
//! no endpoint changes it.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::queries::parse_instant;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::privacy::audit::AccessAction;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(access_audit))
}

/// Most audit entries one query answers.
const AUDIT_MAX_ROWS: i64 = 1_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only accesses to this resource (a call id, a subject id, an export's range).
    pub resource_id: Option<String>,
    /// Only accesses by this user.
    pub actor_id: Option<Uuid>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
}

/// One access, as the audit holds it.
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct AccessEntryView {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    /// `read`, `read_history`, `replay`, `join_room`, `export`.
    pub action: String,
    /// `call`, `calls_export`, `subject`.
    pub resource_type: String,
    pub resource_id: String,
}

#[derive(Debug, Default)]
pub(crate) struct AuditFilter {
    resource_id: Option<String>,
    actor_id: Option<Uuid>,
    action: Option<&'static str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    pub(crate) fn actor(actor: Uuid) -> Self {
        Self {
            actor_id: Some(actor),
            ..Self::default()
        }
    }

    pub(crate) fn erasures_of(subject: Uuid) -> Self {
        Self {
            resource_id: Some(subject.to_string()),
            action: Some(AccessAction::Erase.as_str()),
            ..Self::default()
        }
    }
}

pub(crate) async fn audit_rows(
    state: &AppState,
    filter: &AuditFilter,
) -> Result<Vec<AccessEntryView>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT at, actor_id, action, resource_type, resource_id FROM access_audit \
         WHERE ($1::text IS NULL OR resource_id = $1) AND ($2::uuid IS NULL OR actor_id = $2) \
           AND ($3::text IS NULL OR action = $3) \
           AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) \
         ORDER BY at, id LIMIT $6",
    )
    .bind(filter.resource_id.as_deref())
    .bind(filter.actor_id)
    .bind(filter.action)
    .bind(filter.from)
    .bind(filter.to)
    .bind(AUDIT_MAX_ROWS)
    .fetch_all(state.history.pool())
    .await?)
}

/// Who read or exported what, oldest first, at most 1,000 entries (admin). The audit is
/// append-only: no endpoint changes it, and the database refuses to.
#[utoipa::path(get, path = "/api/audit/access", tag = "privacy", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = Vec<AccessEntryView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn access_audit(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<Vec<AccessEntryView>>, ApiError> {
    user.require(&[Role::Admin])?;
    let from = params
        .from
        .as_deref()
        .map(|raw| parse_instant("from", raw))
        .transpose()?;
    let to = params
        .to
        .as_deref()
        .map(|raw| parse_instant("to", raw))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(ApiError::bad_request(
            "invalid_range",
            "from must be before to",
        ));
    }
    if params
        .resource_id
        .as_deref()
        .is_some_and(|id| id.is_empty() || id.len() > 200)
    {
        return Err(ApiError::bad_request(
            "invalid_resource_id",
            "resource_id must be 1 to 200 characters",
        ));
    }
    let filter = AuditFilter {
        resource_id: params.resource_id,
        actor_id: params.actor_id,
        action: None,
        from,
        to,
    };
    Ok(Json(audit_rows(&state, &filter).await?))
}
