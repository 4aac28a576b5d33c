//! Leadership by PostgreSQL advisory lock: one active relay and one active router, the
//! others standing by. The lock lives as long as the session that took it, so a process
//! that dies (or loses its database connection) hands over without any protocol of ours.

use std::time::Duration;

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::watch;

/// Advisory lock keys ("PARLEY" + n).
pub const RELAY_LOCK: i64 = 0x5041_524C_4559_0001;
pub const ROUTER_LOCK: i64 = 0x5041_524C_4559_0002;

/// The session holding a lock; keep it alive while leading.
pub struct Leadership {
    connection: PgConnection,
}

impl Leadership {
    /// Waits until `key` is ours; `None` when shutdown came first.
    pub async fn acquire(
        pool: &PgPool,
        key: i64,
        role: &str,
        shutdown: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<Option<Self>> {
        let mut connection = PgConnection::connect_with(&pool.connect_options())
            .await
            .with_context(|| format!("connecting for the {role} lock"))?;
        let mut announced = false;
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut connection)
                .await
                .with_context(|| format!("taking the {role} lock"))?;
            if locked {
                tracing::info!(role, "active");
                return Ok(Some(Self { connection }));
            }
            if !announced {
                tracing::info!(role, "another instance is active; standing by");
                announced = true;
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return Ok(None);
            }
        }
    }

    /// Fails when the session holding the lock is gone: another instance may lead now.
    pub async fn check(&mut self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&mut self.connection)
            .await
            .context("the leadership connection was lost")?;
        Ok(())
    }
}
