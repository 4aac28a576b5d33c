//! The pool of the expensive questions (the past, metrics, the export, routing
//! explanations), on a streaming replica when `database.replica_url` names one.
//!
//! A replica holds the events table, the snapshots and every read model with its
//! checkpoint, so these questions read there and leave the primary to commands. When the
//! replica does not answer, they read from the primary's pool of the same size instead:
//! a health check every [`CHECK_EVERY`] flips between the two, so a stopped replica costs
//! at most that long of failed reads, and a revived one is used again as soon as it
//! answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::task::JoinHandle;

use crate::config::DatabaseSettings;

/// How often the replica is asked whether it answers.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long a health check may take before the replica counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_millis(500);

/// The history pool: the replica's while it answers, the primary's otherwise.
#[derive(Clone)]
pub struct HistoryPools {
    primary: PgPool,
    replica: Option<PgPool>,
    replica_answers: Arc<AtomicBool>,
}

impl HistoryPools {
    /// Pools of `history_connections` on the primary and, when configured, on the replica.
    /// Both connect lazily: a replica down at start is simply not used yet.
    pub fn new(primary: &PgPool, settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let options = || {
            PgPoolOptions::new()
                .max_connections(settings.history_connections.max(1))
                .acquire_timeout(Duration::from_secs(settings.acquire_timeout_s))
        };
        let replica = match &settings.replica_url {
            Some(url) => Some(
                options()
                    .acquire_timeout(CHECK_TIMEOUT)
                    .connect_lazy(url.expose_secret())
                    .map_err(|error| {
                        anyhow::anyhow!("database.replica_url is not a PostgreSQL URL: {error}")
                    })?,
            ),
            None => None,
        };
        Ok(Self {
            primary: options().connect_lazy_with((*primary.connect_options()).clone()),
            replica,
            replica_answers: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The pool to ask now.
    pub fn pool(&self) -> &PgPool {
        self.replica_in_use().unwrap_or(&self.primary)
    }

    /// The replica, while questions read from it.
    pub fn replica_in_use(&self) -> Option<&PgPool> {
        self.replica
            .as_ref()
            .filter(|_| self.replica_answers.load(Ordering::Relaxed))
    }

    /// Checks the replica every [`CHECK_EVERY`] until the process ends; `None` without one.
    pub fn spawn_health_check(&self) -> Option<JoinHandle<()>> {
        let replica = self.replica.clone()?;
        let answers = Arc::clone(&self.replica_answers);
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(CHECK_EVERY);
            loop {
                ticks.tick().await;
                let ok = tokio::time::timeout(
                    CHECK_TIMEOUT,
                    sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&replica),
                )
                .await
                .is_ok_and(|answer| answer.is_ok());
                if answers.swap(ok, Ordering::Relaxed) != ok {
                    if ok {
                        tracing::info!("the replica answers: the past and metrics read from it");
                    } else {
                        tracing::warn!(
                            "the replica does not answer: the past and metrics read from the primary"
                        );
                    }
                }
            }
        }))
    }
}
