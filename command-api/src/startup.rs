//! Building and running the HTTP application. Binding the listener inside `build` lets
//! tests start the real application on port 0.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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
/// `/readyz` says so.
pub async fn connect_nats(url: &str) -> anyhow::Result<async_nats::Client> {
    async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .name("parley-api")
        .connect(url)
        .await
        .with_context(|| format!("invalid NATS address {url:?} (nats.url)"))
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
            state: AppState::new(settings, pool, nats),
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
        // The WebSocket hub's one subscription to the view notices (works while NATS is down).
        let hub = self
            .state
            .hub
            .spawn(self.state.nats.clone(), &self.state.settings.bus);
        let app = app_router(self.state)
            .layer(axum::extract::DefaultBodyLimit::max(body_limit))
            .layer(CatchPanicLayer::custom(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                )
                .into_response()
            }))
            .layer(TraceLayer::new_for_http())
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
        result
    }
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
