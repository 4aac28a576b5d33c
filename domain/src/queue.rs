//! The `Queue` aggregate: a queue's configuration (what it serves, how it routes, its timers)
//! and its membership (which interpreters may take its calls).

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::call::CallRequest;
use crate::ids::{AgentId, QueueId};
use crate::matching::WideningStep;
use crate::values::{
    DisplayName, LanguageCode, Modality, Proficiency, RoutingStrategy, Specialty, ValueError,
};

/// A queue's settings, valid by construction (see [`QueueConfig::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueConfig {
    pub name: DisplayName,
    /// Languages the queue serves (the target language of a request).
    pub languages: Vec<LanguageCode>,
    /// `None` serves every specialty: a general pool.
    pub specialty: Option<Specialty>,
    /// `None` serves both modalities.
    pub modality: Option<Modality>,
    pub strategy: RoutingStrategy,
    /// Lowest proficiency an interpreter needs in the call's language.
    pub min_proficiency: Proficiency,
    pub ring_timeout_s: u32,
    pub max_wait_s: u32,
    pub overflow_queue_id: Option<QueueId>,
    pub wrap_up_s: u32,
    pub service_level_s: u32,
    /// Which queue routes a request when two serve it equally specifically: the higher.
    /// Queues stored before this setting existed read as 0.
    #[serde(default)]
    pub precedence: i32,
    /// With a source language the queue serves one language pair, in either direction:
    /// `source_language` ↔ each of `languages`. Without, it serves `languages` from any.
    #[serde(default)]
    pub source_language: Option<LanguageCode>,
    /// Steps that relax the pool as a call waits (`matching::WideningStep`).
    #[serde(default)]
    pub widening: Vec<WideningStep>,
}

/// Raw settings, as they come from an admin; those left out take the product's defaults.
#[derive(Debug, Clone, Default)]
pub struct QueueSettings {
    pub name: String,
    pub languages: Vec<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    pub strategy: Option<String>,
    pub min_proficiency: Option<i64>,
    pub ring_timeout_s: Option<i64>,
    pub max_wait_s: Option<i64>,
    pub overflow_queue_id: Option<QueueId>,
    pub wrap_up_s: Option<i64>,
    pub service_level_s: Option<i64>,
    pub precedence: Option<i64>,
    pub source_language: Option<String>,
    pub widening: Vec<WideningStep>,
}

fn seconds(
    field: &'static str,
    raw: Option<i64>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ValueError> {
    let value = raw.unwrap_or(i64::from(default));
    u32::try_from(value)
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            ValueError::new(
                field,
                format!(
                    "{value} is outside {}..={} seconds",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_precedence(raw: Option<i64>) -> Result<i32, ValueError> {
    let value = raw.unwrap_or(0);
    i32::try_from(value)
        .ok()
        .filter(|v| QueueConfig::PRECEDENCE_RANGE.contains(v))
        .ok_or_else(|| {
            let range = QueueConfig::PRECEDENCE_RANGE;
            ValueError::new(
                "precedence",
                format!("{value} is outside {}..={}", range.start(), range.end()),
            )
        })
}

impl QueueConfig {
    pub const DEFAULT_RING_TIMEOUT_S: u32 = 20;
    pub const DEFAULT_MAX_WAIT_S: u32 = 300;
    pub const DEFAULT_WRAP_UP_S: u32 = 60;
    pub const DEFAULT_SERVICE_LEVEL_S: u32 = 30;
    /// The range of `precedence`: wide enough to slot a queue between any two.
    pub const PRECEDENCE_RANGE: std::ops::RangeInclusive<i32> = -1_000..=1_000;
    /// The accepted ranges of the timers, in seconds (the API documents the same bounds).
    pub const RING_TIMEOUT_RANGE_S: std::ops::RangeInclusive<u32> = 1..=600;
    pub const MAX_WAIT_RANGE_S: std::ops::RangeInclusive<u32> = 5..=86_400;
    pub const WRAP_UP_RANGE_S: std::ops::RangeInclusive<u32> = 0..=3_600;
    pub const SERVICE_LEVEL_RANGE_S: std::ops::RangeInclusive<u32> = 1..=3_600;

    /// Parses every setting, with the product's defaults for those left out.
    pub fn new(settings: QueueSettings) -> Result<Self, ValueError> {
        let QueueSettings {
            name,
            languages,
            specialty,
            modality,
            strategy,
            min_proficiency,
            ring_timeout_s,
            max_wait_s,
            overflow_queue_id,
            wrap_up_s,
            service_level_s,
            precedence,
            source_language,
            widening,
        } = settings;
        WideningStep::check_list(&widening)?;
        let source_language = source_language
            .as_deref()
            .map(|raw| {
                LanguageCode::parse(raw).map_err(|e| ValueError::new("source_language", e.message))
            })
            .transpose()?;
        let languages = languages
            .iter()
            .map(|raw| LanguageCode::parse(raw))
            .collect::<Result<Vec<_>, _>>()?;
        if languages.is_empty() {
            return Err(ValueError::new(
                "languages",
                "a queue serves at least one language",
            ));
        }
        let mut unique = languages.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != languages.len() {
            return Err(ValueError::new("languages", "a language is listed twice"));
        }
        Ok(Self {
            name: DisplayName::parse(&name)?,
            languages,
            specialty: specialty.as_deref().map(Specialty::parse).transpose()?,
            modality: modality.as_deref().map(Modality::parse).transpose()?,
            strategy: strategy
                .as_deref()
                .map(RoutingStrategy::parse)
                .transpose()?
                .unwrap_or(RoutingStrategy::LongestIdle),
            min_proficiency: Proficiency::parse(min_proficiency.unwrap_or(1))?,
            ring_timeout_s: seconds(
                "ring_timeout_s",
                ring_timeout_s,
                Self::DEFAULT_RING_TIMEOUT_S,
                Self::RING_TIMEOUT_RANGE_S,
            )?,
            max_wait_s: seconds(
                "max_wait_s",
                max_wait_s,
                Self::DEFAULT_MAX_WAIT_S,
                Self::MAX_WAIT_RANGE_S,
            )?,
            overflow_queue_id,
            wrap_up_s: seconds(
                "wrap_up_s",
                wrap_up_s,
                Self::DEFAULT_WRAP_UP_S,
                Self::WRAP_UP_RANGE_S,
            )?,
            service_level_s: seconds(
                "service_level_s",
                service_level_s,
                Self::DEFAULT_SERVICE_LEVEL_S,
                Self::SERVICE_LEVEL_RANGE_S,
            )?,
            precedence: parse_precedence(precedence)?,
            source_language,
            widening,
        })
    }

    /// How specific this queue's match is: a specialty counts 2, a modality 1. Among the
    /// queues that serve a request, the most specific routes it.
    /// A language pair counts 4: a German↔Arabic queue beats an Arabic-from-anything one.
    pub fn specificity(&self) -> u8 {
        u8::from(self.source_language.is_some()) * 4
            + u8::from(self.specialty.is_some()) * 2
            + u8::from(self.modality.is_some())
    }

    /// Whether both queues match exactly the same requests: the same languages (in any
    /// order), modality and specialty.
    pub fn same_match(&self, other: &Self) -> bool {
        let sorted = |languages: &[LanguageCode]| {
            let mut languages = languages.to_vec();
            languages.sort();
            languages
        };
        self.modality == other.modality
            && self.source_language == other.source_language
            && self.specialty == other.specialty
            && sorted(&self.languages) == sorted(&other.languages)
    }

    /// Whether `other` would compete with this queue for every request it serves with no
    /// rule to choose between them: the same match at the same precedence.
    pub fn overlaps(&self, other: &Self) -> bool {
        self.precedence == other.precedence && self.same_match(other)
    }

    /// Whether this queue serves `request`: its language pair (see `source_language`),
    /// modality and specialty.
    pub fn serves_request(&self, request: &CallRequest) -> bool {
        self.serves_languages(&request.source_language, &request.language)
            && self.serves_target(request.modality, request.specialty)
    }

    /// Whether this queue serves a call from `source` into `language`: by `language`
    /// alone, or for a pair queue, by the pair in either direction.
    pub fn serves_languages(&self, source: &LanguageCode, language: &LanguageCode) -> bool {
        match &self.source_language {
            None => self.languages.contains(language),
            Some(ours) => {
                (source == ours && self.languages.contains(language))
                    || (language == ours && self.languages.contains(source))
            }
        }
    }

    fn serves_target(&self, modality: Modality, specialty: Option<Specialty>) -> bool {
        self.modality.is_none_or(|m| m == modality)
            && match (self.specialty, specialty) {
                (None, _) => true,
                (Some(ours), Some(asked)) => ours == asked,
                (Some(_), None) => false,
            }
    }

    /// Whether this queue serves a request for `language` in `modality` with `specialty`.
    pub fn serves(
        &self,
        language: &LanguageCode,
        modality: Modality,
        specialty: Option<Specialty>,
    ) -> bool {
        self.languages.contains(language) && self.serves_target(modality, specialty)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueueCommand {
    Create {
        queue_id: QueueId,
        config: QueueConfig,
        at: DateTime<Utc>,
    },
    Update {
        config: QueueConfig,
        at: DateTime<Utc>,
    },
    SetMembers {
        members: Vec<AgentId>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueueEvent {
    QueueCreated {
        queue_id: QueueId,
        config: QueueConfig,
        at: DateTime<Utc>,
    },
    QueueUpdated {
        config: QueueConfig,
        at: DateTime<Utc>,
    },
    /// An empty list means every interpreter with the right skills may take the calls.
    QueueMembersSet {
        members: Vec<AgentId>,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for QueueEvent {
    fn event_type(&self) -> String {
        match self {
            Self::QueueCreated { .. } => "QueueCreated",
            Self::QueueUpdated { .. } => "QueueUpdated",
            Self::QueueMembersSet { .. } => "QueueMembersSet",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("the queue does not exist")]
    NotFound,
    #[error("the queue already exists")]
    AlreadyExists,
    #[error("a queue cannot overflow into itself")]
    OverflowIntoItself,
    #[error("a queue's widening cannot add its own interpreters")]
    WidensIntoItself,
}

impl QueueError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "queue_not_found",
            Self::AlreadyExists => "queue_exists",
            Self::OverflowIntoItself => "queue_overflows_into_itself",
            Self::WidensIntoItself => "queue_widens_into_itself",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub id: Option<QueueId>,
    pub config: Option<QueueConfig>,
    pub members: Vec<AgentId>,
}

impl QueueConfig {
    /// A queue overflowing or widening into itself would go round in circles.
    fn check_refers_not_to(&self, id: QueueId) -> Result<(), QueueError> {
        if self.overflow_queue_id == Some(id) {
            return Err(QueueError::OverflowIntoItself);
        }
        if self
            .widening
            .iter()
            .any(|step| step.add_queue_id == Some(id))
        {
            return Err(QueueError::WidensIntoItself);
        }
        Ok(())
    }
}

impl Queue {
    fn decide(&self, command: QueueCommand) -> Result<Vec<QueueEvent>, QueueError> {
        match command {
            QueueCommand::Create {
                queue_id,
                config,
                at,
            } => {
                if self.id.is_some() {
                    return Err(QueueError::AlreadyExists);
                }
                config.check_refers_not_to(queue_id)?;
                Ok(vec![QueueEvent::QueueCreated {
                    queue_id,
                    config,
                    at,
                }])
            }
            QueueCommand::Update { config, at } => {
                let id = self.id.ok_or(QueueError::NotFound)?;
                config.check_refers_not_to(id)?;
                if self.config.as_ref() == Some(&config) {
                    return Ok(vec![]);
                }
                Ok(vec![QueueEvent::QueueUpdated { config, at }])
            }
            QueueCommand::SetMembers { mut members, at } => {
                self.id.ok_or(QueueError::NotFound)?;
                members.sort();
                members.dedup();
                if members == self.members {
                    return Ok(vec![]);
                }
                Ok(vec![QueueEvent::QueueMembersSet { members, at }])
            }
        }
    }
}

impl Aggregate for Queue {
    const TYPE: &'static str = "Queue";
    type Command = QueueCommand;
    type Event = QueueEvent;
    type Error = QueueError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            QueueEvent::QueueCreated {
                queue_id, config, ..
            } => {
                self.id = Some(queue_id);
                self.config = Some(config);
            }
            QueueEvent::QueueUpdated { config, .. } => self.config = Some(config),
            QueueEvent::QueueMembersSet { members, .. } => self.members = members,
        }
    }
}
