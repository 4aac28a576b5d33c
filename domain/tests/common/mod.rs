//! Fixtures shared by the domain's integration tests: fixed ids, fixed instants and a
//! standard request, so every expected event can be written out in full.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::call::{CallEvent, CallRequest};
use domain::ids::{AgentId, CallId, QueueId, UserId};
use domain::values::{
    Disposition, LanguageCode, LanguageSkill, Modality, Notes, PersonalText, Priority, Proficiency,
    Skills, Specialty, Stars,
};
use uuid::Uuid;

pub const CALL: CallId = CallId(Uuid::from_u128(0xCA11_0001));
pub const OTHER_CALL: CallId = CallId(Uuid::from_u128(0xCA11_0002));
pub const AGENT: AgentId = AgentId(Uuid::from_u128(0xA6E7_0001));
pub const OTHER_AGENT: AgentId = AgentId(Uuid::from_u128(0xA6E7_0002));
pub const QUEUE: QueueId = QueueId(Uuid::from_u128(0x0E0E_0001));
pub const OTHER_QUEUE: QueueId = QueueId(Uuid::from_u128(0x0E0E_0002));
pub const REQUESTER: UserId = UserId(Uuid::from_u128(0x05E2_0001));
pub const OTHER_REQUESTER: UserId = UserId(Uuid::from_u128(0x05E2_0002));

/// The `n`th call / agent / queue / requester of a bigger scenario.
pub fn call_n(n: u128) -> CallId {
    CallId(Uuid::from_u128(0xCA11_1000 + n))
}
pub fn agent_n(n: u128) -> AgentId {
    AgentId(Uuid::from_u128(0xA6E7_1000 + n))
}
pub fn queue_n(n: u128) -> QueueId {
    QueueId(Uuid::from_u128(0x0E0E_1000 + n))
}
pub fn requester_n(n: u128) -> UserId {
    UserId(Uuid::from_u128(0x05E2_1000 + n))
}

/// A fixed base instant: Monday 6 January 2025, 09:00:00 UTC.
pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 6, 9, 0, 0).unwrap()
}

/// `seconds` after [`base`].
pub fn t(seconds: i64) -> DateTime<Utc> {
    base() + Duration::seconds(seconds)
}

pub fn lang(code: &str) -> LanguageCode {
    LanguageCode::parse(code).unwrap()
}

/// Spanish ⇐ English, video, medical, normal priority.
pub fn request() -> CallRequest {
    CallRequest {
        requirements: Default::default(),
        language: lang("es"),
        source_language: lang("en"),
        modality: Modality::Video,
        specialty: Some(Specialty::Medical),
        priority: Priority::Normal,
    }
}

pub fn urgent_request() -> CallRequest {
    CallRequest {
        priority: Priority::Urgent,
        ..request()
    }
}

/// Spanish at proficiency 4, medical, video.
pub fn skills() -> Skills {
    Skills::new(
        vec![LanguageSkill {
            code: lang("es"),
            proficiency: Proficiency::parse(4).unwrap(),
        }],
        vec![Specialty::Medical],
        vec![Modality::Video],
    )
    .unwrap()
}

/// French at proficiency 5, legal, audio.
pub fn other_skills() -> Skills {
    Skills::new(
        vec![LanguageSkill {
            code: lang("fr"),
            proficiency: Proficiency::parse(5).unwrap(),
        }],
        vec![Specialty::Legal],
        vec![Modality::Audio],
    )
    .unwrap()
}

pub fn completed() -> Disposition {
    Disposition::parse("completed").unwrap()
}

/// Free text as events stored before sealing carry it (plain); the API seals new text.
pub fn notes(text: &str) -> PersonalText {
    PersonalText::Plain(Notes::parse(text).unwrap())
}

pub fn stars(n: i64) -> Stars {
    Stars::parse(n).unwrap()
}

/// The events of [`REQUESTER`] requesting [`CALL`] at `t(0)`, placed in [`QUEUE`].
pub fn requested() -> Vec<CallEvent> {
    vec![
        CallEvent::CallRequested {
            organisation_id: None,
            call_id: CALL,
            requester_id: REQUESTER,
            request: request(),
            at: t(0),
        },
        CallEvent::CallQueued {
            queue_id: QUEUE,
            priority: Priority::Normal,
            at: t(0),
        },
    ]
}

/// `events` followed by `more`.
pub fn then(
    mut events: Vec<CallEvent>,
    more: impl IntoIterator<Item = CallEvent>,
) -> Vec<CallEvent> {
    events.extend(more);
    events
}

/// [`CALL`] ringing for `agent_id` from `t(10)`, expiring at `t(30)`.
pub fn ringing_for(agent_id: AgentId) -> Vec<CallEvent> {
    then(
        requested(),
        [CallEvent::CallOffered {
            agent_id,
            queue_id: QUEUE,
            expires_at: t(30),
            at: t(10),
        }],
    )
}

/// [`CALL`] answered by `agent_id` at `t(20)` (a 20 s wait).
pub fn connected_with(agent_id: AgentId) -> Vec<CallEvent> {
    then(
        ringing_for(agent_id),
        [CallEvent::CallAccepted {
            agent_id,
            queue_id: QUEUE,
            wait_seconds: 20,
            at: t(20),
        }],
    )
}

/// [`CALL`] ended by `agent_id` at `t(200)` after 180 s of talk.
pub fn ended_with(agent_id: AgentId) -> Vec<CallEvent> {
    then(
        connected_with(agent_id),
        [CallEvent::CallEnded {
            agent_id,
            talk_seconds: 180,
            hold_seconds: 0,
            at: t(200),
        }],
    )
}

/// [`CALL`] wrapped up by `agent_id` at `t(230)`.
pub fn wrapped_up_with(agent_id: AgentId) -> Vec<CallEvent> {
    then(
        ended_with(agent_id),
        [CallEvent::CallWrappedUp {
            agent_id,
            disposition: completed(),
            notes: None,
            wrap_up_seconds: 30,
            at: t(230),
        }],
    )
}
