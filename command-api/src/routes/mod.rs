//! The HTTP surface. Each resource module owns its routes; this module merges them, adds
//! the OpenAPI document, the docs page and the JSON answers for unknown routes.

use axum::Router;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_scalar::{Scalar, Servable};
use uuid::Uuid;

use crate::error::{ApiError, Json};
use crate::state::AppState;

pub mod agents;
pub mod auth;
pub mod calls;
pub mod health;
pub mod queues;
pub mod users;

/// The answer to every accepted command: the aggregate and its sequence after the command.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub id: Uuid,
    pub version: u64,
}

pub type AcceptedResponse = Result<(StatusCode, Json<Accepted>), ApiError>;

pub fn accepted(id: Uuid, version: usize) -> AcceptedResponse {
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id,
            version: u64::try_from(version).unwrap_or(u64::MAX),
        }),
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        description = "Commands and queries of Parley, the event-sourced interpretation call center. \
                       Errors are `{\"error\": {\"code\", \"message\"}}`.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth", description = "Login and the current user"),
        (name = "calls", description = "A call's life: request, offer, accept, end, wrap-up, rate"),
        (name = "agents", description = "Interpreters: status and skills"),
        (name = "queues", description = "Queues and routing configuration"),
        (name = "users", description = "Accounts"),
        (name = "operations", description = "Health and readiness"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// Every route, with its OpenAPI description.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(calls::router())
        .merge(agents::router())
        .merge(queues::router())
        .merge(users::router())
        .merge(health::router())
        .split_for_parts()
}

/// The routes plus `/api/openapi.json`, `/docs` and JSON fallbacks.
pub fn app_router(state: AppState) -> Router {
    let (router, openapi) = api_router();
    let spec = openapi.clone();
    router
        .route(
            "/api/openapi.json",
            axum::routing::get(move || std::future::ready(axum::Json(spec.clone()))),
        )
        .merge(Scalar::with_url("/docs", openapi))
        .fallback(|| async { ApiError::not_found("route_not_found", "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .with_state(state)
}
