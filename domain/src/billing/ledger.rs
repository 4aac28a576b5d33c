//! Two small aggregates of billing:
//!
//! - [`PayRates`]: the agency's pay rates, one aggregate for the whole deployment (id
//!   [`PayRates::ID`]); each interpreter's rate, or the default, is a versioned
//!   `PayRateSet`. One payroll, one currency.
//! - [`CallBilling`]: the corrections of one call's bill (id: the call's id). A disputed
//!   line is credited by a `CallCredited` event; what was billed is never edited.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Currency, PayRate};
use crate::ids::{AgentId, CallId, OrganisationId};
use crate::values::Notes;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PayRatesCommand {
    /// `agent_id` `None`: the default rate of every interpreter without one of their own.
    SetPayRate {
        agent_id: Option<AgentId>,
        rate: PayRate,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PayRatesEvent {
    /// Version `version` (1, 2, … over every rate of the deployment) of a pay rate.
    PayRateSet {
        version: u32,
        agent_id: Option<AgentId>,
        rate: PayRate,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for PayRatesEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PayRateSet { .. } => "PayRateSet",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("pay rates are in {0}; every pay rate uses one currency")]
    PayCurrencyChanged(String),
    #[error("the call has not been billed")]
    NotBilled,
    #[error("a credit must be more than zero")]
    EmptyCredit,
    #[error(
        "the call was billed {billed}; {credited} is credited already, {asked} more is too much"
    )]
    CreditExceedsBilled {
        billed: Decimal,
        credited: Decimal,
        asked: Decimal,
    },
}

impl BillingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::PayCurrencyChanged(_) => "currency_changed",
            Self::NotBilled => "call_not_billed",
            Self::EmptyCredit => "empty_credit",
            Self::CreditExceedsBilled { .. } => "credit_exceeds_billed",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PayRates {
    pub versions: u32,
    pub currency: Option<Currency>,
}

impl PayRates {
    /// The one aggregate id of the deployment's pay rates.
    pub const ID: Uuid = Uuid::nil();

    fn decide(&self, command: PayRatesCommand) -> Result<Vec<PayRatesEvent>, BillingError> {
        let PayRatesCommand::SetPayRate { agent_id, rate, at } = command;
        if let Some(currency) = &self.currency
            && *currency != rate.currency
        {
            return Err(BillingError::PayCurrencyChanged(
                currency.as_str().to_owned(),
            ));
        }
        Ok(vec![PayRatesEvent::PayRateSet {
            version: self.versions + 1,
            agent_id,
            rate,
            at,
        }])
    }
}

impl Aggregate for PayRates {
    const TYPE: &'static str = "PayRates";
    type Command = PayRatesCommand;
    type Event = PayRatesEvent;
    type Error = BillingError;
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
        let PayRatesEvent::PayRateSet { version, rate, .. } = event;
        self.versions = version;
        self.currency = Some(rate.currency);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CallBillingCommand {
    /// Credits `amount` of the call's bill. `billed` and `currency` are what the billing
    /// read model holds for the call (its amount and currency, `None` if not billed): the
    /// API reads them, the aggregate decides with them and keeps the running credit.
    Credit {
        call_id: CallId,
        organisation_id: OrganisationId,
        billed: Option<(Decimal, Currency)>,
        amount: Decimal,
        reason: Notes,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CallBillingEvent {
    /// Credit note `credit_no` (1, 2, … per call) of `amount` on the call's bill. Who made
    /// it travels in the event's metadata.
    CallCredited {
        call_id: CallId,
        organisation_id: OrganisationId,
        credit_no: u32,
        amount: Decimal,
        currency: Currency,
        reason: Notes,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for CallBillingEvent {
    fn event_type(&self) -> String {
        match self {
            Self::CallCredited { .. } => "CallCredited",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallBilling {
    pub credits: u32,
    pub credited: Decimal,
}

impl CallBilling {
    fn decide(&self, command: CallBillingCommand) -> Result<Vec<CallBillingEvent>, BillingError> {
        let CallBillingCommand::Credit {
            call_id,
            organisation_id,
            billed,
            amount,
            reason,
            at,
        } = command;
        let (billed, currency) = billed.ok_or(BillingError::NotBilled)?;
        if amount <= Decimal::ZERO {
            return Err(BillingError::EmptyCredit);
        }
        if self.credited + amount > billed {
            return Err(BillingError::CreditExceedsBilled {
                billed,
                credited: self.credited,
                asked: amount,
            });
        }
        Ok(vec![CallBillingEvent::CallCredited {
            call_id,
            organisation_id,
            credit_no: self.credits + 1,
            amount,
            currency,
            reason,
            at,
        }])
    }
}

impl Aggregate for CallBilling {
    const TYPE: &'static str = "CallBilling";
    type Command = CallBillingCommand;
    type Event = CallBillingEvent;
    type Error = BillingError;
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
        let CallBillingEvent::CallCredited {
            credit_no, amount, ..
        } = event;
        self.credits = credit_no;
        self.credited += amount;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(amount: i64, billed: Option<i64>) -> CallBillingCommand {
        CallBillingCommand::Credit {
            call_id: CallId(Uuid::nil()),
            organisation_id: OrganisationId(Uuid::nil()),
            billed: billed.map(|b| (Decimal::new(b, 2), Currency("EUR".into()))),
            amount: Decimal::new(amount, 2),
            reason: Notes::parse("billed too long").unwrap_or_else(|_| unreachable!()),
            at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn credits_add_up_to_at_most_what_was_billed() {
        let mut billing = CallBilling::default();
        let events = billing.decide(credit(300, Some(480)));
        let Ok(events) = events else {
            panic!("{events:?}")
        };
        for event in events {
            billing.apply(event);
        }
        assert_eq!(billing.credited, Decimal::new(300, 2));
        assert!(matches!(
            billing.decide(credit(181, Some(480))),
            Err(BillingError::CreditExceedsBilled { .. })
        ));
        assert!(billing.decide(credit(180, Some(480))).is_ok());
        assert_eq!(
            billing.decide(credit(0, Some(480))),
            Err(BillingError::EmptyCredit)
        );
        assert_eq!(
            CallBilling::default().decide(credit(1, None)),
            Err(BillingError::NotBilled)
        );
    }

    #[test]
    fn every_pay_rate_uses_one_currency() {
        let set = |currency: &str| PayRatesCommand::SetPayRate {
            agent_id: None,
            rate: PayRate {
                effective_from: DateTime::UNIX_EPOCH,
                currency: Currency(currency.into()),
                per_minute: Decimal::ONE,
            },
            at: DateTime::UNIX_EPOCH,
        };
        let mut rates = PayRates::default();
        for event in rates.decide(set("EUR")).unwrap_or_default() {
            rates.apply(event);
        }
        assert_eq!(rates.versions, 1);
        assert_eq!(
            rates.decide(set("USD")),
            Err(BillingError::PayCurrencyChanged("EUR".into()))
        );
    }
}
