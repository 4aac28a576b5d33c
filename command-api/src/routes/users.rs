//! Accounts, managed by admins.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::values::{DisplayName, Email, ValueError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{AuthUser, Role, hash_password};
use crate::directory::UserRecord;
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::routes::paging::{decode_after, encode_after, page, page_limit};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_user, list_users))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    pub email: String,
    pub name: String,
    /// admin, supervisor, agent, analyst or requester.
    pub role: String,
    /// At least 8 characters.
    pub password: String,
    /// The organisation a requester works for (`POST /api/organisations`); requesters only.
    pub organisation_id: Option<Uuid>,
}

/// How long a new password may be, in characters.
pub use wire::accounts::PASSWORD_CHARS;

/// A new account, valid by construction.
pub struct NewUser {
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    pub password: String,
    pub organisation_id: Option<Uuid>,
}

impl TryFrom<CreateUserBody> for NewUser {
    type Error = ValueError;
    fn try_from(body: CreateUserBody) -> Result<Self, Self::Error> {
        let chars = body.password.chars().count();
        if !PASSWORD_CHARS.contains(&chars) {
            return Err(ValueError::new(
                "password",
                format!(
                    "must be {} to {} characters",
                    PASSWORD_CHARS.start(),
                    PASSWORD_CHARS.end()
                ),
            ));
        }
        let role = Role::parse(&body.role)?;
        if body.organisation_id.is_some() && role != Role::Requester {
            return Err(ValueError::new(
                "organisation_id",
                "only a requester belongs to an organisation",
            ));
        }
        Ok(Self {
            email: Email::parse(&body.email)?,
            name: DisplayName::parse(&body.name)?,
            role,
            password: body.password,
            organisation_id: body.organisation_id,
        })
    }
}

/// Stores a new account; `Ok(None)` when the email is taken.
pub async fn insert_user(
    pool: &sqlx::PgPool,
    id: Uuid,
    user: NewUser,
) -> Result<Option<UserRecord>, ApiError> {
    let hash = hash_password(user.password).await?;
    Ok(sqlx::query_as(
        "INSERT INTO users (id, email, name, role, password_hash, organisation_id) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (email) WHERE email <> '[erased]' DO NOTHING RETURNING id, email, name, role, organisation_id",
    )
    .bind(id)
    .bind(user.email.as_str())
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(hash)
    .bind(user.organisation_id)
    .fetch_optional(pool)
    .await?)
}

/// Creates an account (admin).
#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = [])), request_body = CreateUserBody,
    responses((status = 201, body = UserRecord), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    user: AuthUser,
    State(state): State<AppState>,
    Json(body): Json<CreateUserBody>,
) -> Result<(StatusCode, Json<UserRecord>), ApiError> {
    user.require(&[Role::Admin])?;
    let new_user = NewUser::try_from(body)?;
    if let Some(organisation) = new_user.organisation_id {
        crate::routes::organisations::load(&state, organisation)
            .await
            .map_err(|e| match e.status {
                StatusCode::NOT_FOUND => ApiError::unprocessable(
                    "unknown_organisation",
                    format!("organisation_id: no organisation {organisation}"),
                ),
                _ => e,
            })?;
    }
    let email = new_user.email.clone();
    let created = insert_user(&state.pool, Uuid::now_v7(), new_user)
        .await?
        .ok_or_else(|| {
            ApiError::conflict("email_taken", format!("an account with {email} exists"))
        })?;
    tracing::info!(by = %user.id, created = %created.id, role = created.role, "user created");
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// 1–1000, default 1000.
    pub limit: Option<i64>,
    /// The position after which the page starts, from the previous page's `Link` header.
    pub after: Option<String>,
    /// Deactivated accounts too (each with its `deactivated_at`); active ones only when
    /// left out.
    pub include_deactivated: Option<bool>,
}

/// Lists accounts (admin, supervisor), active ones unless `include_deactivated=true`, by
/// role then email, in pages: when more follow, a `Link` header names the next page
/// (`rel="next"`).
#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])), params(UserListParams),
    responses((status = 200, body = Vec<UserRecord>, headers(("Link" = String, description = "the next page, when one follows"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_users(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<UserListParams>,
) -> Result<(HeaderMap, Json<Vec<UserRecord>>), ApiError> {
    user.require(&[Role::Admin, Role::Supervisor])?;
    let limit = page_limit(params.limit)?;
    let include_deactivated = params.include_deactivated.unwrap_or(false);
    let [role, email] = match params.after.as_deref() {
        Some(raw) => decode_after::<2>(raw)?.map(Some),
        None => [None, None],
    };
    let users: Vec<UserRecord> = sqlx::query_as(
        "SELECT id, email, name, role, organisation_id, disabled_at AS deactivated_at FROM users \
         WHERE ($4 OR disabled_at IS NULL) \
           AND ($1::text IS NULL OR (role, email) > ($1, $2)) \
         ORDER BY role, email LIMIT $3",
    )
    .bind(role)
    .bind(email)
    .bind(limit + 1)
    .bind(include_deactivated)
    .fetch_all(&state.pool)
    .await?;
    let path = if include_deactivated {
        "/api/users?include_deactivated=true"
    } else {
        "/api/users"
    };
    let (headers, users) = page(users, limit, path, |last| {
        encode_after(&[&last.role, &last.email])
    });
    Ok((headers, Json(users)))
}
