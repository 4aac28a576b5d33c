//! The `Organisation` aggregate: a client of the agency (a clinic, a court, a school) and
//! its requester policy (preferred and banned interpreters, required certifications).
//! Every policy change is an event; the actor who made it travels in the event's metadata.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::billing::{Currency, RateCard};
use crate::callback::WebhookUrl;
use crate::ids::OrganisationId;
use crate::matching::OrganisationPolicy;
use crate::values::DisplayName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrganisationCommand {
    Create {
        organisation_id: OrganisationId,
        name: DisplayName,
        at: DateTime<Utc>,
    },
    SetPolicy {
        policy: OrganisationPolicy,
        at: DateTime<Utc>,
    },
    SetWebhook {
        webhook_url: Option<WebhookUrl>,
        at: DateTime<Utc>,
    },
    /// Adds a version of the organisation's rate card (issue 19).
    SetRateCard { card: RateCard, at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrganisationEvent {
    OrganisationCreated {
        organisation_id: OrganisationId,
        name: DisplayName,
        at: DateTime<Utc>,
    },
    /// The whole policy as it stands after the change (the history shows the difference).
    OrganisationPolicySet {
        policy: OrganisationPolicy,
        at: DateTime<Utc>,
    },
    /// Where the organisation is told that an interpreter accepted a callback call of its
    /// requesters (when the request names no URL of its own); `None`: nowhere.
    OrganisationWebhookSet {
        webhook_url: Option<WebhookUrl>,
        at: DateTime<Utc>,
    },
    /// Version `version` (1, 2, …) of the organisation's rate card; in force from the
    /// card's `effective_from` until a later version's. Earlier versions stay as they were.
    RateCardSet {
        version: u32,
        card: RateCard,
        at: DateTime<Utc>,
    },
}

impl OrganisationEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::OrganisationCreated { at, .. }
            | Self::OrganisationPolicySet { at, .. }
            | Self::OrganisationWebhookSet { at, .. }
            | Self::RateCardSet { at, .. } => *at,
        }
    }
}

impl DomainEvent for OrganisationEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OrganisationCreated { .. } => "OrganisationCreated",
            Self::OrganisationPolicySet { .. } => "OrganisationPolicySet",
            Self::OrganisationWebhookSet { .. } => "OrganisationWebhookSet",
            Self::RateCardSet { .. } => "RateCardSet",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationError {
    #[error("the organisation does not exist")]
    NotFound,
    #[error("the organisation already exists")]
    AlreadyExists,
    #[error("an interpreter cannot be both preferred and banned")]
    PreferredAndBanned,
    #[error("the organisation's rate cards are in {0}; every version uses one currency")]
    RateCardCurrencyChanged(String),
}

impl OrganisationError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "organisation_not_found",
            Self::AlreadyExists => "organisation_exists",
            Self::PreferredAndBanned => "preferred_and_banned",
            Self::RateCardCurrencyChanged(_) => "currency_changed",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: Option<OrganisationId>,
    pub name: Option<DisplayName>,
    pub policy: OrganisationPolicy,
    #[serde(default)]
    pub webhook_url: Option<WebhookUrl>,
    /// How many rate card versions it has, and their one currency.
    #[serde(default)]
    pub rate_card_versions: u32,
    #[serde(default)]
    pub rate_card_currency: Option<Currency>,
}

impl Organisation {
    fn decide(
        &self,
        command: OrganisationCommand,
    ) -> Result<Vec<OrganisationEvent>, OrganisationError> {
        match command {
            OrganisationCommand::Create {
                organisation_id,
                name,
                at,
            } => {
                if self.id.is_some() {
                    return Err(OrganisationError::AlreadyExists);
                }
                Ok(vec![OrganisationEvent::OrganisationCreated {
                    organisation_id,
                    name,
                    at,
                }])
            }
            OrganisationCommand::SetPolicy { mut policy, at } => {
                self.id.ok_or(OrganisationError::NotFound)?;
                for list in [
                    &mut policy.preferred_agent_ids,
                    &mut policy.banned_agent_ids,
                ] {
                    list.sort();
                    list.dedup();
                }
                policy.required_certifications.sort();
                policy.required_certifications.dedup();
                if policy
                    .preferred_agent_ids
                    .iter()
                    .any(|a| policy.banned_agent_ids.contains(a))
                {
                    return Err(OrganisationError::PreferredAndBanned);
                }
                if policy == self.policy {
                    return Ok(vec![]);
                }
                Ok(vec![OrganisationEvent::OrganisationPolicySet {
                    policy,
                    at,
                }])
            }
            OrganisationCommand::SetWebhook { webhook_url, at } => {
                self.id.ok_or(OrganisationError::NotFound)?;
                if webhook_url == self.webhook_url {
                    return Ok(vec![]);
                }
                Ok(vec![OrganisationEvent::OrganisationWebhookSet {
                    webhook_url,
                    at,
                }])
            }
            OrganisationCommand::SetRateCard { card, at } => {
                self.id.ok_or(OrganisationError::NotFound)?;
                if let Some(currency) = &self.rate_card_currency
                    && *currency != card.currency
                {
                    return Err(OrganisationError::RateCardCurrencyChanged(
                        currency.as_str().to_owned(),
                    ));
                }
                Ok(vec![OrganisationEvent::RateCardSet {
                    version: self.rate_card_versions + 1,
                    card,
                    at,
                }])
            }
        }
    }
}

impl Aggregate for Organisation {
    const TYPE: &'static str = "Organisation";
    type Command = OrganisationCommand;
    type Event = OrganisationEvent;
    type Error = OrganisationError;
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
            OrganisationEvent::OrganisationCreated {
                organisation_id,
                name,
                ..
            } => {
                self.id = Some(organisation_id);
                self.name = Some(name);
            }
            OrganisationEvent::OrganisationPolicySet { policy, .. } => self.policy = policy,
            OrganisationEvent::OrganisationWebhookSet { webhook_url, .. } => {
                self.webhook_url = webhook_url;
            }
            OrganisationEvent::RateCardSet { version, card, .. } => {
                self.rate_card_versions = version;
                self.rate_card_currency = Some(card.currency);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AgentId;

    fn created() -> Organisation {
        let mut org = Organisation::default();
        org.apply(OrganisationEvent::OrganisationCreated {
            organisation_id: OrganisationId(uuid::Uuid::nil()),
            name: DisplayName::parse("Clinic").unwrap(),
            at: DateTime::UNIX_EPOCH,
        });
        org
    }

    #[test]
    fn an_interpreter_both_preferred_and_banned_is_refused() {
        let agent = AgentId(uuid::Uuid::from_u128(7));
        let policy = OrganisationPolicy {
            preferred_agent_ids: vec![agent],
            banned_agent_ids: vec![agent],
            ..OrganisationPolicy::default()
        };
        let command = OrganisationCommand::SetPolicy {
            policy,
            at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(
            created().decide(command),
            Err(OrganisationError::PreferredAndBanned)
        );
    }

    #[test]
    fn setting_the_same_policy_again_stores_nothing() {
        let command = OrganisationCommand::SetPolicy {
            policy: OrganisationPolicy::default(),
            at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(created().decide(command), Ok(vec![]));
        let unknown = OrganisationCommand::SetPolicy {
            policy: OrganisationPolicy::default(),
            at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(
            Organisation::default().decide(unknown),
            Err(OrganisationError::NotFound)
        );
    }
}
