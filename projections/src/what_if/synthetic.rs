//! A synthetic day for tests and benchmarks: one Spanish queue, interpreters available
//! throughout, and calls spread evenly over the hours, each answered after `ring_s`,
//! lasting `talk_s`, with every fifth caller ready to hang up after a minute of waiting.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::call::CallRequest;
use domain::ids::{AgentId, CallId, QueueId, UserId};
use domain::matching::{AgentProfile, Requirements};
use domain::queue::{QueueConfig, QueueSettings};
use domain::values::{
    AgentStatus, LanguageCode, LanguageSkill, Modality, Priority, Proficiency, Skills, Specialty,
    ValueError,
};

use super::{Interpreter, Replay, ReplayQueue, Request};

/// The shape of a synthetic day. Ids are derived from `seed`, so two days never collide.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticDay {
    pub seed: u128,
    pub from: DateTime<Utc>,
    pub hours: i64,
    pub interpreters: usize,
    pub calls: usize,
    pub ring_s: i64,
    pub talk_s: i64,
}

impl SyntheticDay {
    pub fn queue_id(&self) -> QueueId {
        QueueId(uuid::Uuid::from_u128(self.seed << 32 | 0x0E0E))
    }

    pub fn replay(&self) -> Result<Replay, ValueError> {
        let spanish = LanguageCode::parse("es")?;
        let skill = LanguageSkill {
            code: spanish.clone(),
            proficiency: Proficiency::parse(4)?,
        };
        let skills = Skills::new(vec![skill], vec![Specialty::General], vec![Modality::Video])?;
        let config = QueueConfig::new(QueueSettings {
            name: format!("Spanish {:x}", self.seed),
            languages: vec!["es".into()],
            ring_timeout_s: Some(15),
            max_wait_s: Some(600),
            wrap_up_s: Some(30),
            ..Default::default()
        })?;
        let id =
            |kind: u128, i: usize| uuid::Uuid::from_u128(self.seed << 32 | kind << 24 | i as u128);
        let interpreters = (0..self.interpreters)
            .map(|i| Interpreter {
                id: AgentId(id(0xA, i)),
                skills: skills.clone(),
                profile: AgentProfile::default(),
                status: AgentStatus::Available,
                busy_until: None,
                status_changes: vec![],
                answered: HashMap::from([(self.queue_id(), 1)]),
            })
            .collect();
        let calls = i64::try_from(self.calls.max(1)).unwrap_or(i64::MAX);
        let spacing_ms = self.hours * 3_600_000 / calls;
        let english = LanguageCode::parse("en")?;
        let requests = (0..self.calls)
            .map(|i| Request {
                call_id: CallId(id(0xC, i)),
                requester_id: UserId(id(0xB, 0)),
                organisation_id: None,
                request: CallRequest {
                    language: spanish.clone(),
                    source_language: english.clone(),
                    modality: Modality::Video,
                    specialty: None,
                    priority: Priority::Normal,
                    requirements: Requirements::default(),
                },
                queue: Some(self.queue_id()),
                at: self.from + Duration::milliseconds(spacing_ms * i64::try_from(i).unwrap_or(0)),
                ring_s: self.ring_s,
                talk_s: self.talk_s,
                wrap_up_s: Some(10),
                patience_s: (i % 5 == 4).then_some(60),
            })
            .collect();
        Ok(Replay {
            from: self.from,
            to: self.from + Duration::hours(self.hours),
            queues: vec![ReplayQueue {
                id: self.queue_id(),
                config,
                members: vec![],
            }],
            organisations: vec![],
            interpreters,
            requests,
        })
    }
}
