//! The `Privacy` aggregate (issue 26): the facts of crypto-shredding. A data subject was
//! erased; an organisation keeps free text this many days; free text past that was
//! shredded. None of them names personal data: a subject appears only by id.
//!
//! The aggregate's id is the subject's user id (erasure) or the organisation's id
//! (retention). Destroying keys is the command API's work; these events record that it
//! happened, so the log says when and at whose request.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{OrganisationId, UserId};
use crate::values::ValueError;

/// Days an organisation keeps the free text of its calls (notes, rating comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct RetentionDays(u32);

impl RetentionDays {
    pub const MIN: i64 = 1;
    /// A hundred years: "keep" is written as a long retention, never as none.
    pub const MAX: i64 = 36_500;

    pub fn parse(raw: i64) -> Result<Self, ValueError> {
        if !(Self::MIN..=Self::MAX).contains(&raw) {
            return Err(ValueError::new(
                "retention_days",
                format!("must be {} to {}, got {raw}", Self::MIN, Self::MAX),
            ));
        }
        u32::try_from(raw)
            .map(Self)
            .map_err(|_| ValueError::new("retention_days", "out of range"))
    }

    pub fn days(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for RetentionDays {
    type Error = ValueError;
    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<RetentionDays> for i64 {
    fn from(v: RetentionDays) -> Self {
        i64::from(v.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum PrivacyCommand {
    /// Records that the keys of `subject_id` were destroyed, at an admin's request.
    RecordErasure {
        subject_id: UserId,
        erasure_id: Uuid,
        keys_destroyed: u64,
        at: DateTime<Utc>,
    },
    SetRetention {
        organisation_id: OrganisationId,
        retention_days: RetentionDays,
        at: DateTime<Utc>,
    },
    /// Records that the retention process destroyed the free-text keys of `calls` calls
    /// whose text was written before `written_before`.
    RecordShredding {
        organisation_id: OrganisationId,
        shredding_id: Uuid,
        calls: u64,
        written_before: DateTime<Utc>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PrivacyEvent {
    SubjectErased {
        subject_id: UserId,
        erasure_id: Uuid,
        keys_destroyed: u64,
        at: DateTime<Utc>,
    },
    RetentionSet {
        organisation_id: OrganisationId,
        retention_days: RetentionDays,
        at: DateTime<Utc>,
    },
    CallTextShredded {
        organisation_id: OrganisationId,
        shredding_id: Uuid,
        calls: u64,
        written_before: DateTime<Utc>,
        at: DateTime<Utc>,
    },
}

impl PrivacyEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::SubjectErased { at, .. }
            | Self::RetentionSet { at, .. }
            | Self::CallTextShredded { at, .. } => *at,
        }
    }
}

/// The event type of [`PrivacyEvent::SubjectErased`], which read models holding plain
/// text of old events react to.
pub const SUBJECT_ERASED: &str = "SubjectErased";

impl DomainEvent for PrivacyEvent {
    fn event_type(&self) -> String {
        let name = match self {
            Self::SubjectErased { .. } => SUBJECT_ERASED,
            Self::RetentionSet { .. } => "RetentionSet",
            Self::CallTextShredded { .. } => "CallTextShredded",
        };
        name.to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

/// Nothing refuses a privacy fact: the checks (who may ask, whether the subject exists)
/// are the command API's, and an erasure may be recorded again (a second erasure after new
/// data was written destroys the new keys too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {}

/// What the log says about one subject or organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Privacy {
    pub erasures: u32,
    pub retention_days: Option<RetentionDays>,
    pub shreddings: u32,
}

impl Privacy {
    pub fn decide(&self, command: PrivacyCommand) -> Result<Vec<PrivacyEvent>, PrivacyError> {
        Ok(match command {
            PrivacyCommand::RecordErasure {
                subject_id,
                erasure_id,
                keys_destroyed,
                at,
            } => vec![PrivacyEvent::SubjectErased {
                subject_id,
                erasure_id,
                keys_destroyed,
                at,
            }],
            PrivacyCommand::SetRetention {
                organisation_id,
                retention_days,
                at,
            } => {
                // Setting the same retention again stores nothing (the route answers 200).
                if self.retention_days == Some(retention_days) {
                    return Ok(vec![]);
                }
                vec![PrivacyEvent::RetentionSet {
                    organisation_id,
                    retention_days,
                    at,
                }]
            }
            PrivacyCommand::RecordShredding {
                organisation_id,
                shredding_id,
                calls,
                written_before,
                at,
            } => vec![PrivacyEvent::CallTextShredded {
                organisation_id,
                shredding_id,
                calls,
                written_before,
                at,
            }],
        })
    }
}

impl Aggregate for Privacy {
    const TYPE: &'static str = "Privacy";
    type Command = PrivacyCommand;
    type Event = PrivacyEvent;
    type Error = PrivacyError;
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
            PrivacyEvent::SubjectErased { .. } => self.erasures += 1,
            PrivacyEvent::RetentionSet { retention_days, .. } => {
                self.retention_days = Some(retention_days);
            }
            PrivacyEvent::CallTextShredded { .. } => self.shreddings += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_days_are_bounded() {
        assert!(RetentionDays::parse(0).is_err());
        assert!(RetentionDays::parse(36_501).is_err());
        assert_eq!(RetentionDays::parse(90).map(RetentionDays::days), Ok(90));
    }

    #[test]
    fn the_same_retention_again_stores_nothing() {
        let days = RetentionDays::parse(30).unwrap();
        let set = PrivacyCommand::SetRetention {
            organisation_id: OrganisationId(Uuid::nil()),
            retention_days: days,
            at: DateTime::UNIX_EPOCH,
        };
        let mut privacy = Privacy::default();
        let events = privacy.decide(set).unwrap();
        assert_eq!(events.len(), 1);
        for event in events {
            privacy.apply(event);
        }
        assert_eq!(privacy.decide(set), Ok(vec![]));
    }

    #[test]
    fn an_erasure_names_no_personal_data() {
        let event = Privacy::default()
            .decide(PrivacyCommand::RecordErasure {
                subject_id: UserId(Uuid::from_u128(1)),
                erasure_id: Uuid::from_u128(2),
                keys_destroyed: 3,
                at: DateTime::UNIX_EPOCH,
            })
            .unwrap();
        let json = serde_json::to_value(&event[0]).unwrap();
        let fields: Vec<_> = json["SubjectErased"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(fields, ["at", "erasure_id", "keys_destroyed", "subject_id"]);
    }
}
