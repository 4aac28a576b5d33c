//! `/metrics` in Prometheus text format: HTTP latency by route, command outcomes by route,
//! WebSocket clients, and — read at scrape time from the database and the stream, so they
//! are true whichever process does the work — relay lag, projection lag, and the router's
//! offers and ring timeouts (from `read_metrics.totals`, as the router runs elsewhere).
//! Readable by a scraper with `http.metrics_token`, or by an admin or supervisor.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::auth::{AuthUser, Role, bearer_token};
use crate::error::ApiError;
use crate::state::AppState;

const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process-wide recorder (one per process, however many applications a test starts).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("duration_seconds".to_owned()),
                    &LATENCY_BUCKETS,
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Records every request's latency, and every command's outcome, by route template.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let labels = [
        ("method", method.to_string()),
        ("route", route.clone()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::histogram!("parley_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    if route.starts_with("/api/")
        && (method == Method::POST || method == Method::PUT)
        && route != "/api/auth/login"
    {
        let outcome = match status {
            s if s.is_success() => "accepted",
            StatusCode::CONFLICT => "conflict",
            s if s.is_client_error() => "rejected",
            _ => "failed",
        };
        metrics::counter!("parley_commands_total", "route" => route, "outcome" => outcome)
            .increment(1);
    }
    response
}

fn gauge_line(out: &mut String, name: &str, help: &str, samples: &[(String, f64)]) {
    metric_lines(out, name, "gauge", help, samples);
}

fn metric_lines(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, f64)]) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// Offers the router made and offers that rang out, from the metrics read model's all-time
/// totals (a few rows, however long the history; they lag the router by that projection's
/// lag).
async fn router_offers(pool: &sqlx::PgPool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(SUM(total) FILTER (WHERE counter = 'offered'), 0)::bigint, \
                COALESCE(SUM(total) FILTER (WHERE counter = 'expired'), 0)::bigint \
         FROM read_metrics.totals WHERE dimension = 'agent'",
    )
    .fetch_one(pool)
    .await
}

/// Who may read `/metrics`, which says how busy the center and each part are: a scraper
/// presenting `http.metrics_token`, or a signed-in admin or supervisor.
pub struct Scraper;

impl FromRequestParts<AppState> for Scraper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let expected = state.settings.http.metrics_token.expose_secret();
        if !expected.is_empty()
            && let Ok(token) = bearer_token(parts)
            // Digests compared, so the time taken tells nothing about the token.
            && Sha256::digest(token.as_bytes()) == Sha256::digest(expected.as_bytes())
        {
            return Ok(Self);
        }
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(&[Role::Admin, Role::Supervisor])?;
        Ok(Self)
    }
}

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(render))
}

/// The Prometheus page (text exposition format 0.0.4), for a scraper sending
/// `http.metrics_token` as its bearer token, or a signed-in admin or supervisor.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(("bearer" = [])), responses(
    (status = 200, content_type = "text/plain", body = String, description = "Prometheus text format")))]
pub async fn render(_scraper: Scraper, State(state): State<AppState>) -> Response {
    let mut out = handle().map(PrometheusHandle::render).unwrap_or_default();
    gauge_line(
        &mut out,
        "parley_websocket_clients",
        "WebSocket clients connected to this API process.",
        &[(String::new(), state.hub.clients() as f64)],
    );
    match projections::relay::lag(&state.pool).await {
        Ok((_, behind)) => gauge_line(
            &mut out,
            "parley_relay_lag_events",
            "Committed events the relay has not yet published.",
            &[(String::new(), behind as f64)],
        ),
        Err(error) => tracing::warn!(%error, "cannot read the relay lag"),
    }
    let js = async_nats::jetstream::new(state.nats.clone());
    let all = projections::read_models::all();
    match projections::worker::status(&state.pool, &js, &state.settings.bus, &all).await {
        Ok(statuses) => {
            let samples: Vec<(String, f64)> = statuses
                .iter()
                .map(|s| (format!("{{projection=\"{}\"}}", s.name), s.lag as f64))
                .collect();
            gauge_line(
                &mut out,
                "parley_projection_lag_events",
                "Stream messages a read model has not applied yet.",
                &samples,
            );
        }
        Err(error) => tracing::debug!(%error, "cannot read projection lag (is NATS up?)"),
    }
    let parts = state.pipeline_watch.parts();
    if !parts.is_empty() {
        let samples: Vec<(String, f64)> = parts
            .iter()
            .map(|p| (format!("{{part=\"{}\"}}", p.part), p.still_for_s as f64))
            .collect();
        gauge_line(
            &mut out,
            "parley_pipeline_stalled_seconds",
            "Seconds a part of the pipeline has not advanced while events wait for it (0: moving or idle).",
            &samples,
        );
    }
    match router_offers(&state.pool).await {
        Ok((offered, expired)) => {
            metric_lines(
                &mut out,
                "parley_router_offers_total",
                "counter",
                "Offers made to interpreters, by the router or a supervisor (from the metrics read model).",
                &[(String::new(), offered as f64)],
            );
            metric_lines(
                &mut out,
                "parley_router_offer_timeouts_total",
                "counter",
                "Offers that rang out unanswered (from the metrics read model).",
                &[(String::new(), expired as f64)],
            );
        }
        Err(error) => tracing::warn!(%error, "cannot read the router's offer counts"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
