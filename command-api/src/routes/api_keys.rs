//! API keys for integrations, managed by admins. A key is shown once, when it is created;
//! only the SHA-256 of its secret is stored. Keys are revoked, never deleted.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::values::ValueError;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{API_KEY_SCOPES, AuthUser, Role, generate_api_key};
use crate::error::{ApiError, ErrorBody, Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_api_key, list_api_keys))
        .routes(routes!(revoke_api_key))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyBody {
    /// Who uses the key, e.g. `Clinic scheduling system` (1–100 characters).
    pub name: String,
    /// What the key may do: `calls:request`, `calls:read` and `calls:cancel` (of the calls
    /// it requested); all three when left out.
    pub scopes: Option<Vec<String>>,
}

/// A new key. `key` is shown this once: store it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: Uuid,
    pub name: String,
    /// `pk_<prefix>_<secret>`: send it as `Authorization: Bearer <key>`.
    pub key: String,
    /// The key's public part, to recognise it in the list.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    /// The admin who created it.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The admin who revoked it.
    pub revoked_by: Option<Uuid>,
}

/// How long a key's name may be, in characters, after trimming.
pub const NAME_CHARS: std::ops::RangeInclusive<usize> = 1..=100;

fn parse_name(raw: &str) -> Result<String, ValueError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if !NAME_CHARS.contains(&chars) || name.chars().any(char::is_control) {
        return Err(ValueError::new(
            "name",
            format!(
                "must be {} to {} characters, without control characters",
                NAME_CHARS.start(),
                NAME_CHARS.end()
            ),
        ));
    }
    Ok(name.to_owned())
}

fn parse_scopes(raw: Option<Vec<String>>) -> Result<Vec<String>, ValueError> {
    let mut scopes =
        raw.unwrap_or_else(|| API_KEY_SCOPES.iter().map(|s| (*s).to_owned()).collect());
    if let Some(unknown) = scopes
        .iter()
        .find(|scope| !API_KEY_SCOPES.contains(&scope.as_str()))
    {
        return Err(ValueError::new(
            "scopes",
            format!(
                "{unknown:?} is not a scope; known: {}",
                API_KEY_SCOPES.join(", ")
            ),
        ));
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ValueError::new("scopes", "name at least one scope"));
    }
    Ok(scopes)
}

/// Creates an API key (admin). The answer holds the key; it is never shown again.
#[utoipa::path(post, path = "/api/api-keys", tag = "auth", security(("bearer" = [])), request_body = CreateApiKeyBody,
    responses((status = 201, body = CreatedApiKey), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn create_api_key(
    user: AuthUser,
    State(state): State<AppState>,
    Json(body): Json<CreateApiKeyBody>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    user.require(&[Role::Admin])?;
    let name = parse_name(&body.name)?;
    let scopes = parse_scopes(body.scopes)?;
    let id = Uuid::now_v7();
    // A prefix is 64 random bits; a clash is all but impossible, but cheap to retry.
    for _ in 0..3 {
        let new_key = generate_api_key();
        let created_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (prefix) DO NOTHING RETURNING created_at",
        )
        .bind(id)
        .bind(&name)
        .bind(&new_key.prefix)
        .bind(&new_key.secret_hash)
        .bind(&scopes)
        .bind(user.id.as_uuid())
        .fetch_optional(&state.pool)
        .await?;
        if let Some(created_at) = created_at {
            tracing::info!(by = %user.id, key_id = %id, prefix = %new_key.prefix, ?scopes, "API key created");
            return Ok((
                StatusCode::CREATED,
                Json(CreatedApiKey {
                    id,
                    name,
                    key: new_key.key,
                    prefix: new_key.prefix,
                    scopes,
                    created_at,
                }),
            ));
        }
    }
    Err(ApiError::internal(
        &"three API key prefixes in a row clashed",
    ))
}

/// Lists API keys, newest first, revoked ones included (admin). Secrets are never listed.
#[utoipa::path(get, path = "/api/api-keys", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKeyView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn list_api_keys(
    user: AuthUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<ApiKeyView>>, ApiError> {
    user.require(&[Role::Admin])?;
    let keys = sqlx::query_as(
        "SELECT id, name, prefix, scopes, created_by, created_at, revoked_at, revoked_by \
         FROM api_keys ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(keys))
}

/// Revokes an API key (admin): from now on it answers 401. Revoking a revoked key changes
/// nothing; 404 for an unknown key.
#[utoipa::path(delete, path = "/api/api-keys/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn revoke_api_key(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin])?;
    let revoked: Option<Option<Uuid>> = sqlx::query_scalar(
        "WITH revoked AS ( \
             UPDATE api_keys SET revoked_at = now(), revoked_by = $2 \
             WHERE id = $1 AND revoked_at IS NULL RETURNING id) \
         SELECT (SELECT id FROM revoked) FROM api_keys WHERE id = $1",
    )
    .bind(id)
    .bind(user.id.as_uuid())
    .fetch_optional(&state.pool)
    .await?;
    match revoked {
        None => Err(ApiError::not_found(
            "api_key_not_found",
            format!("no API key {id}"),
        )),
        Some(newly) => {
            if newly.is_some() {
                tracing::info!(by = %user.id, key_id = %id, "API key revoked");
            }
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_all_three_and_unknown_ones_are_refused() {
        assert_eq!(
            parse_scopes(None).ok(),
            Some(vec![
                "calls:cancel".into(),
                "calls:read".into(),
                "calls:request".into()
            ])
        );
        assert_eq!(
            parse_scopes(Some(vec!["calls:request".into(), "calls:request".into()])).ok(),
            Some(vec!["calls:request".into()])
        );
        assert!(parse_scopes(Some(vec![])).is_err());
        assert!(parse_scopes(Some(vec!["admin".into()])).is_err());
        assert!(parse_name("  ").is_err());
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert_eq!(parse_name(" Clinic ").ok().as_deref(), Some("Clinic"));
    }
}
