//! `read_agents`: every interpreter's presence, what they hold in hand, skills and
//! counters, one row per agent. The status board and the router read it.

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use domain::AgentEvent;
use domain::agent::{OfferOutcome, StatusReason};
use domain::idle::{IdleState, idle_since_after};
use domain::values::AgentStatus;

use super::support::{self, AGENT, ts};
use crate::bus::{Audience, BusEvent, ViewKind};
use crate::projection::{Changes, Projection, ProjectionError};

/// Values of `agents.activity`.
pub const IDLE: &str = "idle";
pub const RINGING: &str = "ringing";
pub const ON_CALL: &str = "on_call";
pub const WRAP_UP: &str = "wrap_up";

/// One row of `read_agents.agents`, also the `data` of an `agent` notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AgentRow {
    pub agent_id: Uuid,
    /// available | break | offline | away (`AgentStatus::as_str`).
    pub status: String,
    /// When the status last changed; `None` before the first status change.
    pub status_since: Option<DateTime<Utc>>,
    /// idle | ringing | on_call | wrap_up.
    pub activity: String,
    pub activity_since: Option<DateTime<Utc>>,
    /// The call they are on or wrapping up.
    pub current_call_id: Option<Uuid>,
    /// The call ringing for them.
    pub offer_call_id: Option<Uuid>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub languages: Vec<String>,
    /// `{"es": 5}`: proficiency per language code.
    pub proficiency: Value,
    pub specialties: Vec<String>,
    pub modalities: Vec<String>,
    /// `[{"from": "de", "to": "ar", "proficiency": 4}]`: pairs beyond English.
    pub pairs: Value,
    pub certifications: Vec<String>,
    pub gender: Option<String>,
    /// Calls started on `calls_today_date` (UTC); stale when that date is not today.
    pub calls_today: i32,
    pub calls_today_date: Option<NaiveDate>,
    /// When they last became free to take a call: `domain::idle`, the definition
    /// longest-idle routing orders by. Kept while an offer rings and after it ends
    /// unanswered; `None` while not available or busy with a call.
    pub idle_since: Option<DateTime<Utc>>,
    pub missed_offers_in_row: i32,
    /// Why the status is what it is when the interpreter did not choose it
    /// (`StatusReason::as_str`); `None` otherwise.
    pub reason: Option<String>,
    /// On a call with no live connection since then: flagged to supervisors.
    pub presence_lost_at: Option<DateTime<Utc>>,
    pub seq: i64,
}

impl AgentRow {
    fn new(agent_id: Uuid) -> Self {
        Self {
            agent_id,
            status: AgentStatus::Offline.as_str().to_owned(),
            status_since: None,
            activity: IDLE.to_owned(),
            activity_since: None,
            current_call_id: None,
            offer_call_id: None,
            offer_expires_at: None,
            languages: Vec::new(),
            proficiency: Value::Object(Map::new()),
            specialties: Vec::new(),
            modalities: Vec::new(),
            pairs: Value::Array(Vec::new()),
            certifications: Vec::new(),
            gender: None,
            calls_today: 0,
            calls_today_date: None,
            idle_since: None,
            missed_offers_in_row: 0,
            reason: None,
            presence_lost_at: None,
            seq: 0,
        }
    }

    fn is_available(&self) -> bool {
        self.status == AgentStatus::Available.as_str()
    }

    fn set_activity(&mut self, activity: &str, at: DateTime<Utc>) {
        self.activity = activity.to_owned();
        self.activity_since = Some(ts(at));
    }

    /// Folds one event into the row.
    fn evolve(&mut self, event: &AgentEvent) {
        use AgentEvent as E;
        // The one definition the router orders longest-idle by.
        let before = IdleState {
            idle_since: self.idle_since,
            available: self.is_available(),
            idle: self.activity == IDLE,
        };
        self.idle_since = idle_since_after(before, event).map(ts);
        match event {
            E::AgentSkillsSet { skills, .. } => {
                self.languages = skills
                    .languages
                    .iter()
                    .map(|l| l.code.as_str().to_owned())
                    .collect();
                self.proficiency = Value::Object(
                    skills
                        .languages
                        .iter()
                        .map(|l| (l.code.as_str().to_owned(), Value::from(l.proficiency.get())))
                        .collect(),
                );
                self.specialties = skills
                    .specialties
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect();
                self.modalities = skills
                    .modalities
                    .iter()
                    .map(|m| m.as_str().to_owned())
                    .collect();
                self.pairs = serde_json::to_value(&skills.pairs).unwrap_or_default();
                self.certifications = skills
                    .certifications
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect();
            }
            E::AgentProfileSet { profile, .. } => {
                self.gender = profile.gender.as_ref().map(|g| g.as_str().to_owned());
            }
            E::AgentStatusChanged { to, at, .. } => {
                self.status = to.as_str().to_owned();
                self.status_since = Some(ts(*at));
                // Nobody chooses away: only missed offers set it with this event.
                self.reason = (*to == AgentStatus::Away)
                    .then(|| StatusReason::MissedOffers.as_str().to_owned());
                if *to == AgentStatus::Available {
                    self.missed_offers_in_row = 0;
                }
            }
            E::AgentOfferReceived {
                call_id,
                expires_at,
                at,
            } => {
                self.set_activity(RINGING, *at);
                self.offer_call_id = Some(call_id.as_uuid());
                self.offer_expires_at = Some(ts(*expires_at));
            }
            E::AgentOfferCleared { outcome, at, .. } => {
                self.set_activity(IDLE, *at);
                self.offer_call_id = None;
                self.offer_expires_at = None;
                match outcome {
                    OfferOutcome::Expired => self.missed_offers_in_row += 1,
                    OfferOutcome::Declined => self.missed_offers_in_row = 0,
                    OfferOutcome::Withdrawn => {}
                }
            }
            E::AgentCallStarted { call_id, at } => {
                self.set_activity(ON_CALL, *at);
                self.current_call_id = Some(call_id.as_uuid());
                self.offer_call_id = None;
                self.offer_expires_at = None;
                self.missed_offers_in_row = 0;
                let day = at.date_naive();
                if self.calls_today_date == Some(day) {
                    self.calls_today += 1;
                } else {
                    self.calls_today = 1;
                    self.calls_today_date = Some(day);
                }
            }
            // Always followed, in the same commit, by `AgentWrapUpStarted`.
            E::AgentCallEnded { at, .. } => {
                self.set_activity(IDLE, *at);
                self.current_call_id = None;
                self.presence_lost_at = None;
            }
            E::AgentWrapUpStarted { call_id, at } => {
                self.set_activity(WRAP_UP, *at);
                self.current_call_id = Some(call_id.as_uuid());
            }
            E::AgentWrapUpEnded { at, .. } => {
                self.set_activity(IDLE, *at);
                self.current_call_id = None;
            }
            E::AgentPresenceLost {
                on_call: Some(_),
                at,
                ..
            } => self.presence_lost_at = Some(ts(*at)),
            E::AgentPresenceLost { at, .. } => {
                self.status = AgentStatus::Away.as_str().to_owned();
                self.status_since = Some(ts(*at));
                self.reason = Some(StatusReason::PresenceLost.as_str().to_owned());
            }
            E::AgentPresenceRestored { .. } => self.presence_lost_at = None,
        }
    }
}

pub struct Agents;

const SCHEMA: &str = r"
CREATE TABLE agents (
    agent_id             uuid PRIMARY KEY,
    status               text NOT NULL DEFAULT 'offline',
    status_since         timestamptz,
    activity             text NOT NULL DEFAULT 'idle',
    activity_since       timestamptz,
    current_call_id      uuid,
    offer_call_id        uuid,
    offer_expires_at     timestamptz,
    languages            text[] NOT NULL DEFAULT '{}',
    proficiency          jsonb NOT NULL DEFAULT '{}',
    specialties          text[] NOT NULL DEFAULT '{}',
    modalities           text[] NOT NULL DEFAULT '{}',
    pairs                jsonb NOT NULL DEFAULT '[]',
    certifications       text[] NOT NULL DEFAULT '{}',
    gender               text,
    calls_today          int NOT NULL DEFAULT 0,
    calls_today_date     date,
    idle_since           timestamptz,
    missed_offers_in_row int NOT NULL DEFAULT 0,
    reason               text,
    presence_lost_at     timestamptz,
    seq                  bigint NOT NULL
);
CREATE INDEX agents_status_activity ON agents (status, activity);
";

/// What a schema made before language pairs and profiles lacks.
const UPGRADE: &str = r"
ALTER TABLE agents ADD COLUMN IF NOT EXISTS pairs jsonb NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS certifications text[] NOT NULL DEFAULT '{}';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS gender text;
";

impl Projection for Agents {
    fn name(&self) -> &'static str {
        "agents"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn upgrade_sql(&self) -> &'static str {
        UPGRADE
    }

    fn apply<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        event: &'a BusEvent,
        seq: i64,
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, event, seq).await })
    }
}

async fn apply(
    tx: &mut PgConnection,
    event: &BusEvent,
    seq: i64,
) -> Result<Changes, ProjectionError> {
    if event.aggregate_type != AGENT {
        return Ok(vec![]);
    }
    let agent_id = support::aggregate_uuid(event)?;
    let agent_event = support::decode::<AgentEvent>(event)?;
    let mut row = support::load::<AgentRow>(tx, "agents", "agent_id", agent_id)
        .await?
        .unwrap_or_else(|| AgentRow::new(agent_id));
    row.evolve(&agent_event);
    row.seq = seq;
    let data = support::store(tx, "agents", &["agent_id"], &row).await?;
    Ok(vec![support::notice(
        ViewKind::Agent,
        agent_id,
        seq,
        data,
        Audience {
            organisation_id: None,
            agent_id: Some(agent_id),
            requester_id: None,
            released_agent_id: None,
        },
    )])
}
