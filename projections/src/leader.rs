//! Leadership by PostgreSQL advisory lock: one active relay and one active router, the
//! others standing by. The lock lives as long as the session that took it, so a process
//! that dies (or loses its database connection) hands over without any protocol of ours.
//!
//! Advisory locks are open to every role that may connect unless they are taken away:
//! migration 0008 revokes the advisory-lock functions from PUBLIC, so that another role
//! (the analysts', say) cannot take a leader's key and stall the pipeline without a word.
//! A leader warns at start when that revocation is missing (migrations run by a role that
//! could not revoke). Parts also report their progress here, for the API's stall watch.

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
        role: &'static str,
        shutdown: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<Option<Self>> {
        let mut candidate = Candidate::connect(pool, key, role).await?;
        loop {
            if candidate.try_lead().await? {
                return Ok(Some(candidate.into_leadership()));
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

/// A session that asks for a lock when its owner chooses, so that the owner can do other
/// work between attempts (a standby router keeps its state warm meanwhile).
pub struct Candidate {
    connection: PgConnection,
    key: i64,
    role: &'static str,
    announced: bool,
}

impl Candidate {
    pub async fn connect(pool: &PgPool, key: i64, role: &'static str) -> anyhow::Result<Self> {
        let mut connection = PgConnection::connect_with(&pool.connect_options())
            .await
            .with_context(|| format!("connecting for the {role} lock"))?;
        warn_if_locks_are_public(&mut connection).await;
        Ok(Self {
            connection,
            key,
            role,
            announced: false,
        })
    }

    /// Takes the lock if it is free; then [`Candidate::into_leadership`] keeps it.
    pub async fn try_lead(&mut self) -> anyhow::Result<bool> {
        let role = self.role;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(self.key)
            .fetch_one(&mut self.connection)
            .await
            .with_context(|| format!("taking the {role} lock"))?;
        if locked {
            tracing::info!(role, "active");
        } else if !self.announced {
            tracing::info!(role, "another instance is active; standing by");
            self.announced = true;
        }
        Ok(locked)
    }

    pub fn into_leadership(self) -> Leadership {
        Leadership {
            connection: self.connection,
        }
    }
}

/// Warns when every role may still call the advisory-lock functions.
async fn warn_if_locks_are_public(connection: &mut PgConnection) {
    let open: Result<bool, _> = sqlx::query_scalar(
        "SELECT has_function_privilege('public', 'pg_try_advisory_lock(bigint)', 'EXECUTE')",
    )
    .fetch_one(connection)
    .await;
    if matches!(open, Ok(true)) {
        tracing::warn!(
            "every database role may take the leader locks (pg_try_advisory_lock is granted to \
             PUBLIC): run the migrations as a superuser, or revoke it by hand (docs/runbook.md)"
        );
    }
}

impl Leadership {
    /// Records how far `part` has read the stream, for the API's stall watch. On the
    /// leader's own connection, so that a busy pool never holds the leader up.
    pub async fn report_progress(&mut self, part: &str, position: u64) -> anyhow::Result<()> {
        report_progress(&mut self.connection, part, position).await
    }
}

/// Records how far `part` has read the stream, for the API's stall watch.
pub async fn report_progress(
    connection: &mut PgConnection,
    part: &str,
    position: u64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO pipeline_progress (part, position, at) VALUES ($1, $2, now()) \
         ON CONFLICT (part) DO UPDATE SET position = excluded.position, at = excluded.at",
    )
    .bind(part)
    .bind(i64::try_from(position).unwrap_or(i64::MAX))
    .execute(connection)
    .await
    .with_context(|| format!("reporting the {part}'s progress"))?;
    Ok(())
}

/// How far `part` last said it had read the stream; `None` when it never said.
pub async fn reported_progress(pool: &PgPool, part: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT position FROM pipeline_progress WHERE part = $1")
            .bind(part)
            .fetch_optional(pool)
            .await?,
    )
}
