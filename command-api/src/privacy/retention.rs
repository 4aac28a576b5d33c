//! Retention of free text per organisation: the notes and rating comments of a call are
//! shredded (their call's `call_text` key destroyed) once older than the organisation's
//! `retention_days`, and each pass that destroyed keys records a `CallTextShredded` event.
//!
//! Several `parley serve` instances may sweep at once: a key is destroyed by one of them
//! (the `UPDATE` only takes live keys, `SKIP LOCKED`), and each records only what it
//! destroyed.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use domain::ids::OrganisationId;
use domain::privacy::{Privacy, PrivacyCommand};
use domain::workflow::{Metadata, execute};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Keys destroyed per organisation and statement: a long backlog goes in several passes.
const SHRED_BATCH: i64 = 10_000;

/// What one sweep destroyed in one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shredded {
    pub organisation_id: Uuid,
    pub calls: u64,
    pub written_before: DateTime<Utc>,
}

/// One pass over every organisation with a retention, as if the time were `now`.
#[tracing::instrument(skip(state))]
pub async fn sweep_once(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Shredded>, ApiError> {
    let retentions: Vec<(Uuid, i32)> =
        sqlx::query_as("SELECT organisation_id, retention_days FROM organisation_retention")
            .fetch_all(&state.pool)
            .await?;
    let mut done = Vec::new();
    for (organisation_id, days) in retentions {
        let written_before = now - TimeDelta::days(i64::from(days));
        let destroyed = sqlx::query(
            "UPDATE privacy_keys SET wrapped_key = NULL, destroyed_at = now() \
             WHERE key_id IN ( \
                 SELECT key_id FROM privacy_keys \
                  WHERE organisation_id = $1 AND data_class = 'call_text' \
                    AND wrapped_key IS NOT NULL AND created_at < $2 \
                  ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
               AND wrapped_key IS NOT NULL",
        )
        .bind(organisation_id)
        .bind(written_before)
        .bind(SHRED_BATCH)
        .execute(&state.pool)
        .await?
        .rows_affected();
        if destroyed == 0 {
            continue;
        }
        let command = PrivacyCommand::RecordShredding {
            organisation_id: OrganisationId(organisation_id),
            shredding_id: Uuid::now_v7(),
            calls: destroyed,
            written_before,
            at: Utc::now(),
        };
        execute::<Privacy, _>(
            state.privacy.as_ref(),
            &organisation_id.to_string(),
            &command,
            &(),
            &retention_metadata(),
            state.settings.commands.max_attempts,
        )
        .await?;
        tracing::info!(%organisation_id, calls = destroyed, %written_before, "free text shredded");
        done.push(Shredded {
            organisation_id,
            calls: destroyed,
            written_before,
        });
    }
    Ok(done)
}

/// Sweeps every `privacy.retention_sweep_every_s` (never when 0).
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.settings.privacy.retention_sweep_every_s;
    if every == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(every));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = sweep_once(&state, Utc::now()).await {
                tracing::warn!(error = %e.message, "retention sweep failed; next pass retries");
            }
        }
    }))
}

fn retention_metadata() -> Metadata {
    let id = Uuid::now_v7().to_string();
    Metadata::from([
        ("actor_id".to_owned(), "retention".to_owned()),
        ("actor_role".to_owned(), "system".to_owned()),
        ("actor_name".to_owned(), "retention".to_owned()),
        ("request_id".to_owned(), id.clone()),
        ("correlation_id".to_owned(), id),
    ])
}
