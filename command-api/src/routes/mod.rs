//! The HTTP surface. Each resource module owns its routes; this module merges them, adds
//! the OpenAPI document, the docs page and the JSON answers for unknown routes.

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;
use uuid::Uuid;

use crate::error::{ApiError, Json};
use crate::state::AppState;

pub mod accounts;
pub mod agents;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod bounds;
pub mod call_media;
pub mod callbacks;
pub mod calls;
pub mod consult;
pub mod guests;
pub mod health;
pub mod openapi;
pub mod organisations;
pub mod paging;
pub mod passwords;
pub mod preferences;
pub mod privacy;
pub mod queries;
pub mod queues;
pub mod rate_cards;
pub mod sso;
pub mod users;
pub mod what_if;

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
                       Errors are `{\"error\": {\"code\", \"message\"}}`. Any request whose body is over \
                       `http.body_limit_bytes` is answered 413; a method a path does not serve, 405 \
                       `method_not_allowed`; an unknown `/api` path, 404 `route_not_found`. See \
                       docs/security.md for who may call what.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth", description = "Login and the current user"),
        (name = "calls", description = "A call's life: request, offer, accept, end, wrap-up, rate"),
        (name = "agents", description = "Interpreters: status and skills"),
        (name = "queues", description = "Queues and routing configuration"),
        (name = "users", description = "Accounts"),
        (name = "organisations", description = "Organisations requesters belong to, and their routing policies"),
        (name = "billing", description = "Rate cards, bills traced to their events, credit notes, invoices and interpreter pay"),
        (name = "privacy", description = "Erasure, a subject's export, retention of free text and the access audit"),
        (name = "floor", description = "The floor as it was at any instant, from the event history"),
        (name = "metrics", description = "Contact-center metrics from the read models"),
        (name = "push", description = "Live updates over a WebSocket"),
        (name = "operations", description = "Health, readiness, Prometheus metrics and this document"),
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
        .merge(sso::router())
        .merge(calls::router())
        .merge(call_media::router())
        .merge(guests::router())
        .merge(consult::router())
        .merge(callbacks::router())
        .merge(agents::router())
        .merge(queues::router())
        .merge(users::router())
        .merge(organisations::router())
        .merge(billing::router())
        .merge(privacy::router())
        .merge(audit::router())
        .merge(accounts::router())
        .merge(passwords::router())
        .merge(preferences::router())
        .merge(health::router())
        .merge(queries::router())
        .merge(what_if::router())
        .merge(crate::push::router())
        .merge(crate::metrics::router())
        .split_for_parts()
}

/// The OpenAPI document as served at `/api/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    openapi::finish(&api_router().1)
}

/// The routes plus `/api/openapi.json`, `/docs` and JSON fallbacks. Every route is added
/// by `utoipa_axum::routes!` in `api_router`, which documents it from the same attribute;
/// `openapi_tests.rs` refuses any other way of adding one.
pub fn app_router(state: AppState) -> Router {
    let (router, openapi) = api_router();
    let document = openapi::finish(&openapi);
    let files = web_ui_files(&state.settings.http.web_root);
    router
        // Swagger UI's files are compiled in (the `vendored` feature): `/docs` works offline.
        .merge(SwaggerUi::new("/docs").external_url_unchecked(openapi::DOCUMENT_PATH, document))
        // Only matched routes: their template (`/api/calls/{id}`) labels the metrics.
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        // Sealed personal fields become plain text (or "[erased]") in every JSON answer.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::privacy::reveal::layer,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::read_your_writes::layer,
        ))
        .fallback(move |request: axum::extract::Request| web_ui(files.clone(), request))
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .with_state(state)
}

/// The built web UI: its files, and its `index.html` for any other path (client-side routes).
type WebUiFiles = tower_http::services::ServeDir<tower_http::services::ServeFile>;

fn web_ui_files(web_root: &str) -> WebUiFiles {
    let root = std::path::Path::new(web_root);
    tower_http::services::ServeDir::new(root)
        .precompressed_gzip()
        .fallback(tower_http::services::ServeFile::new(
            root.join("index.html"),
        ))
}

/// The fallback: GETs outside `/api` get the web UI; unknown `/api/…` routes (and other
/// methods) keep the JSON 404.
async fn web_ui(files: WebUiFiles, request: axum::extract::Request) -> axum::response::Response {
    use tower::ServiceExt;

    let path = request.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    let is_read = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if is_api || !is_read {
        return ApiError::not_found("route_not_found", "no such route").into_response();
    }
    let Ok(mut response) = files.oneshot(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return ApiError::not_found(
            "web_ui_not_built",
            "the web UI is not built: run scripts/stack.sh build (or web-ui/build.sh)",
        )
        .into_response();
    }
    // The page names its assets by build id; the page itself must never be stale.
    let is_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-cache"),
        );
    }
    response.map(axum::body::Body::new)
}
