//! Building and running the HTTP application. Binding the listener inside `build` lets
//! tests start the real application on port 0.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::{DatabaseSettings, Settings};
use crate::error::ApiError;
use crate::routes::app_router;
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The embedded migrations in `infra/migrations`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../infra/migrations");

pub async fn connect_database(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_s))
        .connect(settings.url.expose_secret())
        .await
        .context("cannot connect to PostgreSQL (database.url)")
}

/// Applies the SQL migrations, then creates any missing read-model schema.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying migrations")?;
    projections::worker::ensure_schemas(pool, &projections::read_models::all()).await
}

/// Connects to NATS in the background: the API serves commands while the bus is down and
/// `/readyz` says so. `url` may list the servers of a cluster, separated by commas; the
/// client moves to another when the one it uses goes away.
pub async fn connect_nats(url: &str) -> anyhow::Result<async_nats::Client> {
    let servers = url
        .split(',')
        .map(|server| server.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("invalid NATS address {url:?} (nats.url)"))?;
    async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .name("parley-api")
        .connect(servers)
        .await
        .with_context(|| format!("cannot connect to NATS at {url:?} (nats.url)"))
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects, migrates and binds; does not serve yet.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        crate::metrics::handle();
        let pool = connect_database(&settings.database).await?;
        migrate(&pool).await?;
        let nats = connect_nats(&settings.nats.url).await?;
        let address = format!("{}:{}", settings.http.host, settings.http.port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        Ok(Self {
            listener,
            state: AppState::new(settings, pool, nats)?,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown_timeout = Duration::from_secs(self.state.settings.http.shutdown_timeout_s);
        let body_limit = self.state.settings.http.body_limit_bytes;
        let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
        let cors = cors_layer(&self.state.settings.http.cors_origins);
        let policy = content_security_policy(&self.state.settings);
        // The WebSocket hub's one subscription to the view notices (works while NATS is down).
        let hub = self.state.hub.spawn(
            self.state.nats.clone(),
            &self.state.settings.bus,
            self.state.vault.clone(),
        );
        let watch = crate::pipeline_watch::spawn(self.state.clone());
        let replica_check = self.state.history.spawn_health_check();
        let retention = crate::privacy::retention::spawn(self.state.clone());
        let app = app_router(self.state)
            .layer(axum::extract::DefaultBodyLimit::max(body_limit))
            .layer(axum::middleware::from_fn(move |request, next| {
                refuse_oversized_bodies(body_limit, request, next)
            }))
            .layer(CatchPanicLayer::custom(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                )
                .into_response()
            }))
            .layer(axum::middleware::from_fn(docs_page_policy))
            .layer(cors)
            .layer(SetResponseHeaderLayer::if_not_present(
                axum::http::header::CONTENT_SECURITY_POLICY,
                policy,
            ))
            .layer(SetResponseHeaderLayer::overriding(
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                axum::http::header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::new(request_id.clone()))
            .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
        tracing::info!(address = %self.listener.local_addr()?, "serving");
        let server = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal());
        // Bound the drain: after the signal, give in-flight requests `shutdown_timeout`.
        let result = tokio::select! {
            result = server => result.context("HTTP server failed"),
            () = async { shutdown_signal().await; tokio::time::sleep(shutdown_timeout).await } => {
                tracing::warn!("in-flight requests did not finish in time; stopping");
                Ok(())
            }
        };
        hub.abort();
        if let Some(retention) = retention {
            retention.abort();
        }
        if let Some(replica_check) = replica_check {
            replica_check.abort();
        }
        if let Some(watch) = watch {
            watch.abort();
        }
        result
    }
}

/// A body over the limit is refused with `Connection: close`, and hyper then closes the
/// connection: the rest of the refused body is never read, so the connection cannot carry
/// another request (and keeping it would let a client send one oversized body after
/// another). A `Content-Length` over the limit is refused before any of the body is read,
/// so a client that announces a huge body and sends nothing is not waited for.
async fn refuse_oversized_bodies(
    limit: usize,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let mut response = match announced {
        Some(length) if length > u64::try_from(limit).unwrap_or(u64::MAX) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is too large",
        )
        .into_response(),
        _ => next.run(request).await,
    };
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    response
}

/// Cross-origin requests: only from `http.cors_origins` (none configured: the API's own
/// origin only, as browsers then send no CORS answer). `"*"` (any) is refused in production
/// by `Settings::check`. Tokens travel in `Authorization`, so no credentials (cookies).
pub fn cors_layer(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let correlation_id = HeaderName::from_static(crate::context::CORRELATION_ID_HEADER);
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            request_id.clone(),
            correlation_id.clone(),
        ])
        .expose_headers([request_id, correlation_id])
        .max_age(Duration::from_secs(600))
}

/// The policy of the API docs page (`/docs`): Swagger UI, served from the binary, needs
/// nothing from elsewhere; it sets inline styles and shows `data:` images. Only that page
/// gets it.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

async fn docs_page_policy(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let is_docs = path == "/docs" || path.starts_with("/docs/");
    let mut response = next.run(request).await;
    if is_docs {
        response.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// The Content-Security-Policy of every response (but `/docs`): the web UI's own scripts,
/// its WebAssembly, and the configured Jitsi deployment's IFrame API and frames.
/// `script-src` also lists the hashes of `index.html`'s inline scripts; they are read again
/// when the file changes (a rebuild of the web UI while the API runs).
fn content_security_policy(
    settings: &Settings,
) -> impl FnMut(&axum::response::Response) -> Option<HeaderValue> + Clone + use<> {
    let jitsi = jitsi_source(&settings.jitsi.domain);
    let index = std::path::Path::new(&settings.http.web_root).join("index.html");
    let cache = std::sync::Arc::new(std::sync::Mutex::new(
        None::<(Option<std::time::SystemTime>, HeaderValue)>,
    ));
    move |response: &axum::response::Response| {
        let is_html = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only pages run scripts: other answers reuse the last policy without a look at the disk.
        if let Some((_, policy)) = cache.as_ref().filter(|_| !is_html) {
            return Some(policy.clone());
        }
        let modified = std::fs::metadata(&index).and_then(|m| m.modified()).ok();
        match cache.as_ref() {
            Some((seen, policy)) if *seen == modified => Some(policy.clone()),
            _ => {
                let page = std::fs::read_to_string(&index).unwrap_or_default();
                let policy = web_ui_policy(jitsi.as_deref(), &inline_script_hashes(&page));
                let value = HeaderValue::from_str(&policy).ok()?;
                *cache = Some((modified, value.clone()));
                Some(value)
            }
        }
    }
}

/// `https://<jitsi.domain>` when the domain is a plain host (and port); anything else would
/// change the policy's meaning, so it is left out (and the rooms will not load).
fn jitsi_source(domain: &str) -> Option<String> {
    let plain = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
    if plain {
        Some(format!("https://{domain}"))
    } else {
        tracing::warn!(
            domain,
            "jitsi.domain is not a plain host name: left out of the Content-Security-Policy"
        );
        None
    }
}

/// The web UI's policy, given the Jitsi source and the inline scripts' hash sources.
pub fn web_ui_policy(jitsi: Option<&str>, script_hashes: &[String]) -> String {
    let mut scripts = vec!["'self'", "'wasm-unsafe-eval'"];
    scripts.extend(script_hashes.iter().map(String::as_str));
    let mut frames = Vec::new();
    if let Some(jitsi) = jitsi {
        scripts.push(jitsi);
        frames.push(jitsi);
    }
    let frames = if frames.is_empty() {
        "'none'".to_owned()
    } else {
        frames.join(" ")
    };
    format!(
        "default-src 'self'; script-src {}; frame-src {frames}; connect-src 'self' ws: wss:; \
         img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'",
        scripts.join(" ")
    )
}

/// `'sha256-…'` sources for the inline `<script>` elements of an HTML page (those without
/// `src`), hashed as browsers do: over the element's text, line endings normalised to LF.
pub fn inline_script_hashes(page: &str) -> Vec<String> {
    use base64::Engine;
    use sha2::Digest;

    let lower = page.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| open_end + i) else {
            break;
        };
        let tag = &lower[start..open_end];
        if !tag.contains(" src=") && !tag.contains("application/json") {
            let text = page[open_end..close]
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            let digest = sha2::Sha256::digest(text.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = close;
    }
    hashes
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}

/// The span of one HTTP request: its method, path and request id (set by the outer
/// `SetRequestIdLayer`, or the client's), so that every line logged while it is served,
/// and the events it stores, can be tied to it.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // A call's commands and queries name it in their path; `POST /api/calls` records the
    // id it mints (`routes::calls`).
    let call_id = request
        .uri()
        .path()
        .strip_prefix("/api/calls/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse::<uuid::Uuid>().ok());
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        request_id,
        call_id = call_id.map(tracing::field::display),
    )
}
