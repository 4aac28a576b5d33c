//! Liveness and readiness.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ErrorDetail, Json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    /// `ok` or what is wrong, per dependency.
    pub checks: Checks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    pub database: String,
    pub nats: String,
    /// `ok`, or `stalled: <part>, …`: parts that have not advanced in
    /// `pipeline.stall_after_s` while events wait for them.
    pub pipeline: String,
}

/// The database and the bus are reachable and no part of the pipeline is stalled; 503
/// names what is wrong.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let database = match tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool),
    )
    .await
    {
        Ok(Ok(_)) => "ok".to_owned(),
        Ok(Err(e)) => format!("unreachable: {e}"),
        Err(_) => "unreachable: no answer within 2 s".to_owned(),
    };
    let nats = match state.nats.connection_state() {
        async_nats::connection::State::Connected => "ok".to_owned(),
        other => format!("unreachable: {other}"),
    };
    let stalled = state.pipeline_watch.stalled();
    let pipeline = if stalled.is_empty() {
        "ok".to_owned()
    } else {
        format!("stalled: {}", stalled.join(", "))
    };
    let failed: Vec<String> = [("database", &database), ("nats", &nats)]
        .into_iter()
        .filter(|(_, check)| check.as_str() != "ok")
        .map(|(name, _)| format!("{name} unreachable"))
        .chain((!stalled.is_empty()).then(|| format!("pipeline stalled ({})", stalled.join(", "))))
        .collect();
    let checks = Checks {
        database,
        nats,
        pipeline,
    };
    if failed.is_empty() {
        return (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                checks,
                error: None,
            }),
        );
    }
    let error = ErrorDetail {
        code: "not_ready".to_owned(),
        message: format!("not ready: {}", failed.join("; ")),
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(Readiness {
            status: "not_ready",
            checks,
            error: Some(error),
        }),
    )
}
