//! An interpreter as they were at an instant, read backwards from their newest event: the
//! cost grows with the events since that instant, not with their whole history, and stops
//! at [`MOST_EVENTS`].

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::agent::{Agent, AgentEvent};
use domain::ids::AgentId;
use domain::values::AgentStatus;

use crate::error::ApiError;
use crate::state::AppState;

/// How many events back a search goes before it stops.
const MOST_EVENTS: i64 = 50_000;
const PAGE: i64 = 500;

/// Reads the interpreter's events newest first, handing each to `visit` until it answers
/// `true` (enough seen) or [`MOST_EVENTS`] were read.
async fn scan_back(
    state: &AppState,
    agent: AgentId,
    mut visit: impl FnMut(AgentEvent) -> bool,
) -> Result<(), ApiError> {
    let (mut before, mut read) = (i64::MAX, 0);
    while read < MOST_EVENTS {
        let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
            "SELECT sequence, payload::jsonb FROM events \
             WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence < $3 \
             ORDER BY sequence DESC LIMIT $4",
        )
        .bind(Agent::TYPE)
        .bind(agent.to_string())
        .bind(before)
        .bind(PAGE)
        .fetch_all(state.history.pool())
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        before = last.0;
        read += PAGE;
        for (_, payload) in rows {
            let event = serde_json::from_value(payload).map_err(|e| ApiError::internal(&e))?;
            if visit(event) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// `(status, activity)` at `at`; `None` where no event before `at` within reach says.
/// The activity is `idle`, `ringing`, `on_call` or `wrap_up`.
pub async fn status_at(
    state: &AppState,
    agent: AgentId,
    at: DateTime<Utc>,
) -> Result<(Option<AgentStatus>, Option<String>), ApiError> {
    let (mut status, mut activity) = (None, None);
    scan_back(state, agent, |event| {
        if event.at() <= at {
            use AgentEvent as E;
            let (said_status, said_activity) = match event {
                E::AgentStatusChanged { to, .. } => (Some(to), None),
                E::AgentPresenceLost { on_call: None, .. } => (Some(AgentStatus::Away), None),
                E::AgentOfferReceived { .. } => (None, Some("ringing")),
                E::AgentCallStarted { .. } => (None, Some("on_call")),
                E::AgentWrapUpStarted { .. } => (None, Some("wrap_up")),
                E::AgentOfferCleared { .. }
                | E::AgentCallEnded { .. }
                | E::AgentWrapUpEnded { .. } => (None, Some("idle")),
                _ => (None, None),
            };
            status = status.or(said_status);
            if activity.is_none() {
                activity = said_activity.map(str::to_owned);
            }
        }
        status.is_some() && activity.is_some()
    })
    .await?;
    // An interpreter with no activity event before `at` was idle.
    Ok((status, activity.or(Some("idle".to_owned()))))
}

/// Whether the interpreter's skills or profile changed after `since`.
pub async fn skills_changed_since(
    state: &AppState,
    agent: AgentId,
    since: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let mut changed = false;
    scan_back(state, agent, |event| {
        if event.at() <= since {
            return true;
        }
        changed |= matches!(
            event,
            AgentEvent::AgentSkillsSet { .. } | AgentEvent::AgentProfileSet { .. }
        );
        changed
    })
    .await?;
    Ok(changed)
}
