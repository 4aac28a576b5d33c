//! `read_calls`: one row per call — its request, where it is, who has it, and once it is
//! over its call detail record (waits, talk, hold, wrap-up, disposition, rating).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::{Executor, PgConnection};
use uuid::Uuid;

use domain::CallEvent;
use domain::call::CallStatus;
use domain::privacy::{Privacy, SUBJECT_ERASED};
use domain::values::SEALED_PREFIX;

use super::call_agents::VisibleTo;
use super::support::{self, CALL, seconds_between, ts};
use crate::bus::{Audience, BusEvent, BusEventRef, ViewKind};
use crate::projection::{Changes, Projection, ProjectionError, RawEvent};

/// Values of `calls.outcome`.
pub const ANSWERED: &str = "answered";
pub const ABANDONED: &str = "abandoned";
pub const NO_INTERPRETER: &str = "no_interpreter_available";

/// One row of `read_calls.calls`, also the `data` of `call` and `offer` notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CallRow {
    pub call_id: Uuid,
    pub requester_id: Uuid,
    /// The requester's organisation; its requesters see the call.
    pub organisation_id: Option<Uuid>,
    pub language: String,
    pub source_language: String,
    pub modality: String,
    pub specialty: Option<String>,
    pub priority: String,
    /// The queue it waits in, or was last answered from.
    pub queue_id: Option<Uuid>,
    /// `CallStatus::as_str`.
    pub status: String,
    /// The agent the call rings for, while it rings.
    pub offered_to: Option<Uuid>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// The agent connected to the call (kept after it ended); `None` while it waits.
    pub agent_id: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
    /// When it last entered a queue.
    pub queued_at: Option<DateTime<Utc>>,
    /// Its first answer.
    pub answered_at: Option<DateTime<Utc>>,
    /// When its current (or last) connection was answered; a transfer clears it.
    pub connected_at: Option<DateTime<Utc>>,
    /// When its current hold began, while on hold.
    pub hold_started_at: Option<DateTime<Utc>>,
    /// Seconds on hold during the current connection, holds already resumed.
    pub connection_hold_s: i32,
    /// When it ended: by its agent, abandoned, or without an interpreter.
    pub ended_at: Option<DateTime<Utc>>,
    pub wrapped_up_at: Option<DateTime<Utc>>,
    /// answered | abandoned | no_interpreter_available: its first resolution. A call
    /// answered, transferred to a queue and then abandoned stays `answered` (its status
    /// says `abandoned`), as in the metrics.
    pub outcome: Option<String>,
    /// Seconds from the request to its first answer, or to its abandon / giving up.
    pub wait_s: Option<i32>,
    /// Talk and hold seconds over all its connections (a transfer closes one).
    pub talk_s: Option<i32>,
    pub hold_s: Option<i32>,
    pub wrap_up_s: Option<i32>,
    pub disposition: Option<String>,
    pub notes: Option<String>,
    pub stars: Option<i32>,
    pub rating_comment: Option<String>,
    pub transfers: i32,
    pub overflows: i32,
    /// Widening steps taken in its current queue ("widened to step 2").
    pub widening_step: i32,
    /// The requester chose to be called back (`CallbackChosen`).
    pub callback: bool,
    /// An interpreter accepted the callback call: the requester must join before this.
    pub join_by: Option<DateTime<Utc>>,
    /// When the requester joined their callback call.
    pub joined_at: Option<DateTime<Utc>>,
    pub seq: i64,
}

fn add(total: Option<i32>, seconds: i64) -> Option<i32> {
    Some(total.unwrap_or(0).saturating_add(support::int(seconds)))
}

impl CallRow {
    fn set_status(&mut self, status: CallStatus) {
        self.status = status.as_str().to_owned();
    }

    fn clear_offer(&mut self) {
        self.offered_to = None;
        self.offer_expires_at = None;
    }

    /// Whether an interpreter holds the call now (connected or on hold).
    fn is_connected(&self) -> bool {
        self.connected_at.is_some()
            && (self.status == CallStatus::Connected.as_str()
                || self.status == CallStatus::OnHold.as_str())
    }

    fn clear_connection(&mut self) {
        self.connected_at = None;
        self.hold_started_at = None;
        self.connection_hold_s = 0;
    }

    fn resolve(&mut self, outcome: &str, wait_seconds: i64) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome.to_owned());
            self.wait_s = Some(support::int(wait_seconds));
        }
    }

    /// The row a `CallRequested` creates; `None` for any other event.
    fn requested(call_id: Uuid, event: &CallEvent) -> Option<Self> {
        let CallEvent::CallRequested {
            requester_id,
            organisation_id,
            request,
            at,
            ..
        } = event
        else {
            return None;
        };
        Some(Self {
            call_id,
            requester_id: requester_id.as_uuid(),
            organisation_id: organisation_id.map(|o| o.as_uuid()),
            language: request.language.as_str().to_owned(),
            source_language: request.source_language.as_str().to_owned(),
            modality: request.modality.as_str().to_owned(),
            specialty: request.specialty.map(|s| s.as_str().to_owned()),
            priority: request.priority.as_str().to_owned(),
            queue_id: None,
            status: CallStatus::Requested.as_str().to_owned(),
            offered_to: None,
            offer_expires_at: None,
            agent_id: None,
            requested_at: ts(*at),
            queued_at: None,
            answered_at: None,
            connected_at: None,
            hold_started_at: None,
            connection_hold_s: 0,
            ended_at: None,
            wrapped_up_at: None,
            outcome: None,
            wait_s: None,
            talk_s: None,
            hold_s: None,
            wrap_up_s: None,
            disposition: None,
            notes: None,
            stars: None,
            rating_comment: None,
            transfers: 0,
            overflows: 0,
            widening_step: 0,
            callback: false,
            join_by: None,
            joined_at: None,
            seq: 0,
        })
    }

    /// Folds one event into the row. Returns the agent the event concerns when the row no
    /// longer names them (an offer declined, expired, withdrawn or abandoned; a transfer).
    fn evolve(&mut self, event: &CallEvent) -> Option<Uuid> {
        use CallEvent as E;
        match event {
            E::CallRequested { .. } => None,
            E::CallQueued {
                queue_id,
                priority,
                at,
            } => {
                self.set_status(CallStatus::Queued);
                self.queue_id = Some(queue_id.as_uuid());
                self.widening_step = 0;
                self.priority = priority.as_str().to_owned();
                self.queued_at = Some(ts(*at));
                self.agent_id = None;
                self.clear_offer();
                self.clear_connection();
                None
            }
            E::CallOffered {
                agent_id,
                queue_id,
                expires_at,
                ..
            } => {
                self.offered_to = Some(agent_id.as_uuid());
                self.offer_expires_at = Some(ts(*expires_at));
                // A live call still connected (`connected_at` is cleared when a call is
                // handed on) rings for its transfer's new interpreter: it stays connected.
                if !self.is_connected() {
                    self.set_status(CallStatus::Offered);
                    self.queue_id = Some(queue_id.as_uuid());
                    self.agent_id = None;
                }
                None
            }
            E::OfferDeclined { agent_id, .. }
            | E::OfferExpired { agent_id, .. }
            | E::OfferWithdrawn { agent_id, .. } => {
                if !self.is_connected() {
                    self.set_status(CallStatus::Queued);
                }
                self.clear_offer();
                Some(agent_id.as_uuid())
            }
            // The call stays with its interpreter until a handover (`CallTransferred`)
            // or the end of the request.
            E::TransferRequested { .. } | E::ConsultRequested { .. } => {
                self.widening_step = 0;
                None
            }
            // The colleague consulted is on the call beside its interpreter.
            E::ConsultAnswered { .. } => {
                self.clear_offer();
                None
            }
            E::ConsultCancelled { consultant, .. } => {
                self.clear_offer();
                consultant.map(|a| a.as_uuid())
            }
            E::TransferFailed { .. } => None,
            E::CallAccepted {
                agent_id,
                queue_id,
                wait_seconds,
                at,
            } => {
                self.set_status(CallStatus::Connected);
                self.queue_id = Some(queue_id.as_uuid());
                self.agent_id = Some(agent_id.as_uuid());
                self.clear_offer();
                self.answered_at.get_or_insert(ts(*at));
                self.clear_connection();
                self.connected_at = Some(ts(*at));
                self.resolve(ANSWERED, *wait_seconds);
                None
            }
            E::CallHeld { at, .. } => {
                self.set_status(CallStatus::OnHold);
                self.hold_started_at = Some(ts(*at));
                None
            }
            E::CallResumed { hold_seconds, .. } => {
                self.set_status(CallStatus::Connected);
                self.hold_started_at = None;
                self.connection_hold_s = self
                    .connection_hold_s
                    .saturating_add(support::int(*hold_seconds));
                None
            }
            E::CallTransferred {
                from_agent_id, at, ..
            } => {
                self.transfers += 1;
                if let (Some(_), Some(connected_at)) = (from_agent_id, self.connected_at) {
                    // The connection closes here without a `CallEnded`: count it now.
                    let hold = i64::from(self.connection_hold_s)
                        + self
                            .hold_started_at
                            .map_or(0, |held| seconds_between(held, *at));
                    let talk = (seconds_between(connected_at, *at) - hold).max(0);
                    self.talk_s = add(self.talk_s, talk);
                    self.hold_s = add(self.hold_s, hold);
                    self.clear_connection();
                }
                from_agent_id.map(|a| a.as_uuid())
            }
            E::CallEnded {
                talk_seconds,
                hold_seconds,
                at,
                ..
            } => {
                self.set_status(CallStatus::Ended);
                self.ended_at = Some(ts(*at));
                self.talk_s = add(self.talk_s, *talk_seconds);
                self.hold_s = add(self.hold_s, *hold_seconds);
                self.hold_started_at = None;
                None
            }
            E::CallWrappedUp {
                disposition,
                notes,
                wrap_up_seconds,
                at,
                ..
            } => {
                self.set_status(CallStatus::WrappedUp);
                self.wrapped_up_at = Some(ts(*at));
                self.disposition = Some(disposition.as_str().to_owned());
                self.notes = notes.as_ref().map(|n| n.as_str().to_owned());
                self.wrap_up_s = add(self.wrap_up_s, *wrap_up_seconds);
                None
            }
            E::CallAbandoned {
                offered_agent_id,
                wait_seconds,
                at,
            } => {
                self.set_status(CallStatus::Abandoned);
                self.ended_at = Some(ts(*at));
                self.clear_offer();
                self.resolve(ABANDONED, *wait_seconds);
                offered_agent_id.map(|a| a.as_uuid())
            }
            E::CallOverflowed { .. } => {
                self.overflows += 1;
                None
            }
            E::NoInterpreterAvailable {
                queue_id,
                wait_seconds,
                at,
                ..
            } => {
                self.set_status(CallStatus::NoInterpreterAvailable);
                self.ended_at = Some(ts(*at));
                if let Some(queue_id) = queue_id {
                    self.queue_id = Some(queue_id.as_uuid());
                }
                self.clear_offer();
                self.resolve(NO_INTERPRETER, *wait_seconds);
                None
            }
            E::CallRated { stars, comment, .. } => {
                self.stars = Some(i32::from(stars.get()));
                self.rating_comment = comment.as_ref().map(|c| c.as_str().to_owned());
                None
            }
            E::CallPoolWidened { step, .. } => {
                self.widening_step = i32::try_from(*step).unwrap_or(i32::MAX);
                None
            }
            E::CallbackChosen { .. } => {
                self.callback = true;
                None
            }
            E::CallbackOffered { join_by, .. } => {
                self.join_by = Some(ts(*join_by));
                None
            }
            E::RequesterJoined { at } => {
                self.joined_at = Some(ts(*at));
                None
            }
            // The interpreter's part ends here; `CallQueued` follows and waits again.
            E::CallRequeued {
                agent_id,
                talk_seconds,
                hold_seconds,
                ..
            } => {
                self.talk_s = add(self.talk_s, *talk_seconds);
                self.hold_s = add(self.hold_s, *hold_seconds);
                self.hold_started_at = None;
                self.clear_connection();
                Some(agent_id.as_uuid())
            }
            // Who watched and how the media went are in the call's history.
            E::MonitoringStarted { .. }
            | E::SupervisorBargedIn { .. }
            | E::MonitoringStopped { .. }
            | E::MediaQualityChanged { .. }
            | E::GuestInvited { .. }
            | E::GuestJoined { .. }
            | E::GuestLeft { .. }
            | E::GuestRemoved { .. } => None,
            // Abandoned by the requester, as in the metrics; `CallEnded` follows.
            E::CallbackMissed { .. } => {
                if self.outcome.as_deref() == Some(ANSWERED) {
                    self.outcome = Some(ABANDONED.to_owned());
                }
                None
            }
        }
    }
}

pub struct Calls;

const SCHEMA: &str = r"
CREATE TABLE calls (
    call_id           uuid PRIMARY KEY,
    requester_id      uuid NOT NULL,
    organisation_id   uuid,
    language          text NOT NULL,
    source_language   text NOT NULL,
    modality          text NOT NULL,
    specialty         text,
    priority          text NOT NULL,
    queue_id          uuid,
    status            text NOT NULL,
    offered_to        uuid,
    offer_expires_at  timestamptz,
    agent_id          uuid,
    requested_at      timestamptz NOT NULL,
    queued_at         timestamptz,
    answered_at       timestamptz,
    connected_at      timestamptz,
    hold_started_at   timestamptz,
    connection_hold_s int NOT NULL DEFAULT 0,
    ended_at          timestamptz,
    wrapped_up_at     timestamptz,
    outcome           text,
    wait_s            int,
    talk_s            int,
    hold_s            int,
    wrap_up_s         int,
    disposition       text,
    notes             text,
    stars             int,
    rating_comment    text,
    transfers         int NOT NULL DEFAULT 0,
    overflows         int NOT NULL DEFAULT 0,
    widening_step     int NOT NULL DEFAULT 0,
    callback          boolean NOT NULL DEFAULT false,
    join_by           timestamptz,
    joined_at         timestamptz,
    seq               bigint NOT NULL
);
-- Who may see which call besides its requester and floor staff (`call_agents.rs`).
CREATE TABLE call_agents (
    agent_id     uuid NOT NULL,
    call_id      uuid NOT NULL,
    requested_at timestamptz NOT NULL,
    answered     boolean NOT NULL,
    PRIMARY KEY (call_id, agent_id)
);
";

/// The indexes of `calls` beside its primary key: for readers only.
const INDEXES: &str = r"
CREATE INDEX calls_status ON calls (status);
CREATE INDEX calls_offered_to ON calls (offered_to);
-- The call list's order (newest first, then by id; `GET /api/calls`), so a page is an
-- index scan from the cursor on, not a sort of every matching row. It serves the
-- `from`/`to` ranges as well. The same order within a queue, an interpreter (the
-- `agent_id` filter), and a requester's own calls.
CREATE INDEX calls_newest_first ON calls (requested_at DESC NULLS LAST, call_id DESC);
CREATE INDEX calls_queue_newest_first ON calls (queue_id, requested_at DESC NULLS LAST, call_id DESC);
CREATE INDEX calls_agent_newest_first ON calls (agent_id, requested_at DESC NULLS LAST, call_id DESC);
CREATE INDEX calls_requester_newest_first ON calls (requester_id, requested_at DESC NULLS LAST, call_id DESC);
CREATE INDEX calls_organisation_newest_first ON calls (organisation_id, requested_at DESC NULLS LAST, call_id DESC);
-- An interpreter's own page of the call list: their rows, newest first.
CREATE INDEX call_agents_newest_first ON call_agents (agent_id, requested_at DESC, call_id DESC);
-- The calls waiting in each queue, for a call's place in line (`GET /api/calls/{id}`):
-- a few rows per queue, however many calls the queue has handled.
CREATE INDEX calls_waiting ON calls (queue_id) WHERE status IN ('queued', 'offered');
";

/// What a schema made before organisations, widening and callbacks lacks (see `Projection::upgrade_sql`).
const UPGRADE: &str = r"
ALTER TABLE calls ADD COLUMN IF NOT EXISTS organisation_id uuid;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS widening_step int NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS callback boolean NOT NULL DEFAULT false;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS join_by timestamptz;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS joined_at timestamptz;
CREATE INDEX IF NOT EXISTS calls_organisation_newest_first ON calls (organisation_id, requested_at DESC NULLS LAST, call_id DESC);
";

impl Projection for Calls {
    fn name(&self) -> &'static str {
        "calls"
    }

    fn schema_sql(&self) -> &'static str {
        SCHEMA
    }

    fn index_sql(&self) -> &'static str {
        INDEXES
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
        Box::pin(async move { apply(tx, [(seq, event)]).await })
    }

    fn apply_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        events: &'a [(i64, BusEvent)],
    ) -> BoxFuture<'a, Result<Changes, ProjectionError>> {
        Box::pin(async move { apply(tx, events.iter().map(|(seq, event)| (*seq, event))).await })
    }

    fn rebuild_many<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        messages: &'a [RawEvent],
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(rebuild(tx, messages))
    }
}

/// The rows a batch of events left, in memory.
struct Folded {
    rows: HashMap<Uuid, CallRow>,
    /// The calls the events changed, in the order of their first event here.
    touched: Vec<Uuid>,
    /// The calls whose row was read from the table (the others are new).
    stored: HashSet<Uuid>,
    /// The notices of applying the events one by one, when asked for.
    changes: Changes,
    /// The interpreters who came to see a call, or ceased to.
    visible: VisibleTo,
}

/// A call event of the stream, decoded.
struct Decoded<'e> {
    seq: i64,
    call_id: Uuid,
    event: CallEvent,
    event_type: Cow<'e, str>,
}

/// What a personal field reads once erased (as the API's privacy layer writes it).
const ERASED_TEXT: &str = "[erased]";

/// Whether an event is the erasure of a data subject (the `Privacy` aggregate's id is then
/// the subject's).
fn is_erasure(aggregate_type: &str, event_type: &str) -> bool {
    aggregate_type == <Privacy as cqrs_es::Aggregate>::TYPE && event_type == SUBJECT_ERASED
}

/// The call events among `events`, and the subjects erased among them.
fn decode_events<'e>(
    events: impl IntoIterator<Item = (i64, &'e BusEvent)>,
) -> Result<(Vec<Decoded<'e>>, Vec<Uuid>), ProjectionError> {
    let mut decoded = Vec::new();
    let mut erased = Vec::new();
    for (seq, event) in events {
        if is_erasure(&event.aggregate_type, &event.event_type) {
            erased.push(support::aggregate_uuid(event)?);
        }
        if event.aggregate_type != CALL {
            continue;
        }
        decoded.push(Decoded {
            seq,
            call_id: support::aggregate_uuid(event)?,
            event: support::decode::<CallEvent>(event)?,
            event_type: Cow::Borrowed(&event.event_type),
        });
    }
    Ok((decoded, erased))
}

/// The call events among `messages`, decoded straight from their bodies: the payload
/// into the `CallEvent`, without the intermediate `serde_json::Value` of a [`BusEvent`].
fn decode_messages(
    messages: &[RawEvent],
) -> Result<(Vec<Decoded<'_>>, Vec<Uuid>), ProjectionError> {
    let mut decoded = Vec::with_capacity(messages.len());
    let mut erased = Vec::new();
    for message in messages {
        let envelope: BusEventRef<'_> =
            serde_json::from_slice(&message.body).map_err(|error| message.undecodable(error))?;
        if is_erasure(&envelope.aggregate_type, &envelope.event_type) {
            if let Ok(subject) = Uuid::parse_str(&envelope.aggregate_id) {
                erased.push(subject);
            }
        }
        if envelope.aggregate_type != CALL {
            continue;
        }
        let failed = |reason: String| ProjectionError::Decode {
            event_type: envelope.event_type.to_string(),
            event_version: "?".to_owned(),
            aggregate_id: envelope.aggregate_id.to_string(),
            reason,
        };
        let call_id = Uuid::parse_str(&envelope.aggregate_id)
            .map_err(|error| failed(format!("aggregate id: {error}")))?;
        let event = envelope
            .decode::<CallEvent>()
            .map_err(|error| failed(error.to_string()))?;
        decoded.push(Decoded {
            seq: message.seq,
            call_id,
            event,
            event_type: envelope.event_type,
        });
    }
    Ok((decoded, erased))
}

/// The free text of calls requested by `subjects` that old events stored in the clear
/// (before sealing, issue 26) becomes `[erased]`; sealed text needs nothing, its key is
/// gone. One statement over those subjects' rows (`calls_requester_newest_first`).
async fn erase_plain_text(tx: &mut PgConnection, subjects: &[Uuid]) -> Result<(), ProjectionError> {
    if subjects.is_empty() {
        return Ok(());
    }
    let plain = |column: &str| {
        format!(
            "({column} IS NOT NULL AND {column} NOT LIKE '{SEALED_PREFIX}%' AND {column} <> '{ERASED_TEXT}')"
        )
    };
    let (notes, comment) = (plain("notes"), plain("rating_comment"));
    sqlx::query(&format!(
        "UPDATE calls SET notes = CASE WHEN {notes} THEN '{ERASED_TEXT}' ELSE notes END, \
                          rating_comment = CASE WHEN {comment} THEN '{ERASED_TEXT}' ELSE rating_comment END \
          WHERE requester_id = ANY($1) AND ({notes} OR {comment})"
    ))
    .bind(subjects)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Reads every existing row the events touch in one statement, and folds the events into
/// the rows in memory. With `notices`, builds the notices of applying the events one by
/// one (each carries the row as it was after its event).
async fn fold(
    tx: &mut PgConnection,
    decoded: Vec<Decoded<'_>>,
    notices: bool,
) -> Result<Folded, ProjectionError> {
    if decoded.is_empty() {
        return Ok(Folded {
            rows: HashMap::new(),
            touched: Vec::new(),
            stored: HashSet::new(),
            changes: Vec::new(),
            visible: VisibleTo::default(),
        });
    }

    // The stored rows of the calls whose first event here does not create them.
    let mut first_seen = HashSet::new();
    let wanted: Vec<Uuid> = decoded
        .iter()
        .filter(|d| {
            first_seen.insert(d.call_id) && !matches!(d.event, CallEvent::CallRequested { .. })
        })
        .map(|d| d.call_id)
        .collect();
    let mut rows: HashMap<Uuid, CallRow> =
        support::load_many::<CallRow>(tx, "calls", "call_id", &wanted)
            .await?
            .into_iter()
            .map(|row| (row.call_id, row))
            .collect();
    let stored: HashSet<Uuid> = rows.keys().copied().collect();

    let mut touched = Vec::new();
    let mut touched_set = HashSet::new();
    let mut visible = VisibleTo::default();
    let mut changes = Vec::with_capacity(if notices { decoded.len() + 1 } else { 0 });
    for Decoded {
        seq,
        call_id,
        event: call_event,
        event_type,
    } in decoded
    {
        if let Some(row) = CallRow::requested(call_id, &call_event) {
            rows.insert(call_id, row);
        }
        let Some(row) = rows.get_mut(&call_id) else {
            tracing::warn!(%call_id, seq, %event_type, "call event for an unknown call; skipped");
            continue;
        };
        // Whom the call was with before this event: told when it leaves them.
        let before = row.agent_id.or(row.offered_to);
        let concerned = row.evolve(&call_event);
        row.seq = seq;
        visible.fold(call_id, row.requested_at, &call_event);
        if touched_set.insert(call_id) {
            touched.push(call_id);
        }
        if !notices {
            continue;
        }
        let data =
            serde_json::to_value(&*row).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        if let CallEvent::CallOffered { agent_id, .. } = &call_event {
            changes.push(support::notice(
                ViewKind::Offer,
                call_id,
                seq,
                data.clone(),
                Audience {
                    organisation_id: None,
                    agent_id: Some(agent_id.as_uuid()),
                    requester_id: None,
                    released_agent_id: None,
                },
            ));
        }
        changes.push(support::notice(ViewKind::Call, call_id, seq, data, {
            let agent_id = row.agent_id.or(row.offered_to).or(concerned);
            Audience {
                agent_id,
                requester_id: Some(row.requester_id),
                organisation_id: row.organisation_id,
                released_agent_id: concerned
                    .or(before)
                    .filter(|released| Some(*released) != agent_id),
            }
        }));
    }
    Ok(Folded {
        rows,
        touched,
        stored,
        changes,
        visible,
    })
}

/// Inserts or replaces the rows in one statement.
async fn upsert<'r>(
    tx: &mut PgConnection,
    rows: impl IntoIterator<Item = &'r CallRow>,
) -> Result<(), ProjectionError> {
    support::store_many(tx, "calls", &["call_id"], rows).await
}

/// Applies consecutive events: folds them (see [`fold`]) and writes each touched row once.
async fn apply<'e>(
    tx: &mut PgConnection,
    events: impl IntoIterator<Item = (i64, &'e BusEvent)>,
) -> Result<Changes, ProjectionError> {
    let (decoded, erased) = decode_events(events)?;
    let folded = fold(tx, decoded, true).await?;
    upsert(
        tx,
        folded.touched.iter().filter_map(|id| folded.rows.get(id)),
    )
    .await?;
    folded.visible.write(tx).await?;
    erase_plain_text(tx, &erased).await?;
    Ok(folded.changes)
}

/// [`apply`] for a rebuild: no notices, and the new rows (most of them) go in with one
/// `COPY`. A new row is one whose call's first event here is `CallRequested`; should that
/// call have a row already (a `CallRequested` twice on the stream), the `COPY` fails on
/// the primary key, is rolled back to its savepoint, and the rows are written as `apply`
/// writes them.
async fn rebuild(tx: &mut PgConnection, messages: &[RawEvent]) -> Result<(), ProjectionError> {
    let (decoded, erased) = decode_messages(messages)?;
    let folded = fold(tx, decoded, false).await?;
    write_rebuilt(tx, folded).await?;
    // After this batch's rows are written, as `apply` does.
    erase_plain_text(tx, &erased).await
}

async fn write_rebuilt(tx: &mut PgConnection, mut folded: Folded) -> Result<(), ProjectionError> {
    std::mem::take(&mut folded.visible).write(tx).await?;
    let (stored, new): (Vec<&CallRow>, Vec<&CallRow>) = folded
        .touched
        .iter()
        .filter_map(|id| folded.rows.get(id))
        .partition(|row| folded.stored.contains(&row.call_id));
    upsert(tx, stored).await?;
    if new.is_empty() {
        return Ok(());
    }
    (&mut *tx).execute("SAVEPOINT copy_calls").await?;
    match support::copy_many(tx, "calls", new.iter().copied()).await {
        Ok(_) => Ok(()),
        Err(ProjectionError::Database(sqlx::Error::Database(error)))
            if error.is_unique_violation() =>
        {
            tracing::warn!(%error, "a new call's row exists already; writing the batch's new rows one statement at a time");
            (&mut *tx)
                .execute("ROLLBACK TO SAVEPOINT copy_calls")
                .await?;
            upsert(tx, new).await
        }
        Err(error) => Err(error),
    }
}

support::copy_row!(CallRow {
    call_id,
    requester_id,
    organisation_id,
    language,
    source_language,
    modality,
    specialty,
    priority,
    queue_id,
    status,
    offered_to,
    offer_expires_at,
    agent_id,
    requested_at,
    queued_at,
    answered_at,
    connected_at,
    hold_started_at,
    connection_hold_s,
    ended_at,
    wrapped_up_at,
    outcome,
    wait_s,
    talk_s,
    hold_s,
    wrap_up_s,
    disposition,
    notes,
    stars,
    rating_comment,
    transfers,
    overflows,
    widening_step,
    callback,
    join_by,
    joined_at,
    seq,
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_models::support::CopyRow;

    #[test]
    fn copy_writes_every_column_of_the_row() {
        let requested = CallEvent::CallRequested {
            call_id: domain::CallId(Uuid::nil()),
            requester_id: domain::UserId(Uuid::nil()),
            organisation_id: None,
            request: domain::call::CallRequest {
                language: domain::values::LanguageCode::parse("es").unwrap(),
                source_language: domain::values::LanguageCode::parse("en").unwrap(),
                modality: domain::values::Modality::Video,
                specialty: None,
                priority: domain::values::Priority::Normal,
                requirements: Default::default(),
            },
            at: DateTime::UNIX_EPOCH,
        };
        let mut row = CallRow::requested(Uuid::nil(), &requested).unwrap();
        row.notes = Some("a\tb\\c\nd".to_owned());
        row.seq = 7;
        let fields: HashSet<String> = match serde_json::to_value(&row) {
            Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
            other => panic!("a row serialises to an object, not {other:?}"),
        };
        let columns: HashSet<String> = CallRow::COLUMNS
            .split(',')
            .map(|column| column.trim().to_owned())
            .collect();
        assert_eq!(columns, fields);
        let mut tuple = Vec::new();
        row.write_copy_row(&mut tuple);
        // 37 fields: 2 bytes of count, then each field's length and value (NULL: no value).
        assert_eq!(&tuple[..2], &37_i16.to_be_bytes());
        let notes = b"a\tb\\c\nd";
        let mut field = (notes.len() as i32).to_be_bytes().to_vec();
        field.extend_from_slice(notes);
        assert!(tuple.windows(field.len()).any(|w| w == field.as_slice()));
        // requested_at: 1970-01-01 is 946,684,800 s before PostgreSQL's epoch.
        let mut requested_at = 8_i32.to_be_bytes().to_vec();
        requested_at.extend_from_slice(&(-946_684_800_000_000_i64).to_be_bytes());
        assert!(tuple.windows(12).any(|w| w == requested_at.as_slice()));
        assert!(tuple.ends_with(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]));
    }
}
