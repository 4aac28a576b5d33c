//! Billing (issue 19): what an organisation pays for its calls and what an interpreter is
//! paid for them. Money is an exact decimal (`rust_decimal`), never a float.
//!
//! - A **rate card** belongs to an organisation and is versioned by `effective_from`
//!   (`OrganisationEvent::RateCardSet`). A call is billed by the version in force when it
//!   connected.
//! - A **pay rate** belongs to an interpreter, or is the default for every interpreter
//!   without one (`PayRatesEvent::PayRateSet`, see [`ledger`]).
//! - A **credit** corrects a billed call by a new event (`CallBillingEvent::CallCredited`),
//!   never by editing what was billed.
//! - [`rating`] holds the pure functions that turn a call's seats into billed lines.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::values::{LanguageCode, Modality, ValueError};

pub mod ledger;
pub mod rating;

/// Most digits after the point of a per-minute rate (a tenth of a cent per minute and
/// finer are real in this trade: 0.0125).
pub const RATE_SCALE: u32 = 4;
/// The largest amount of money any single value may hold (a credit, for instance).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);
/// Cents: amounts billed and paid are rounded to this many places, half away from zero.
pub const MONEY_SCALE: u32 = 2;

/// A currency code: three letters (ISO 4217 shape, e.g. `EUR`), kept in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(ValueError::new(
                "currency",
                format!("{raw:?} is not a three-letter currency code such as EUR or USD"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Currency> for String {
    fn from(code: Currency) -> Self {
        code.0
    }
}

/// Parses a non-negative decimal of at most `scale` places and at most `max`, from the
/// text of a JSON string or number ("12.40", 12.4). Never goes through a float.
pub fn parse_decimal(
    field: &'static str,
    raw: &str,
    scale: u32,
    max: Decimal,
) -> Result<Decimal, ValueError> {
    let value: Decimal = raw
        .trim()
        .parse()
        .map_err(|_| ValueError::new(field, format!("{raw:?} is not a decimal number")))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ValueError::new(field, format!("{raw} is negative")));
    }
    if value.normalize().scale() > scale {
        return Err(ValueError::new(
            field,
            format!("{raw} has more than {scale} digits after the point"),
        ));
    }
    if value > max {
        return Err(ValueError::new(field, format!("{raw} is over {max}")));
    }
    Ok(value.normalize().abs())
}

/// An amount of money as the API writes it: two places ("12.40").
pub fn money_text(amount: Decimal) -> String {
    let mut rounded = round_money(amount);
    rounded.rescale(MONEY_SCALE);
    rounded.to_string()
}

/// A rate as the API writes it: at least two places, more when it has them ("2.00",
/// "0.0125").
pub fn rate_text(rate: Decimal) -> String {
    let mut shown = rate.normalize();
    if shown.scale() < MONEY_SCALE {
        shown.rescale(MONEY_SCALE);
    }
    shown.to_string()
}

/// Rounds to cents, half away from zero (0.125 → 0.13).
pub fn round_money(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(
        MONEY_SCALE,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    )
}

/// One line of a rate card: the price of one modality (and, when `languages` is not
/// empty, only of those languages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub modality: Modality,
    /// Empty: every language of the modality not named by another rate.
    #[serde(default)]
    pub languages: Vec<LanguageCode>,
    pub per_minute: Decimal,
    /// A connected call (out of grace) is billed at least this long, per seat.
    pub minimum_minutes: u32,
    /// Billed time is rounded up to a multiple of this many seconds (1: per second).
    pub increment_s: u32,
    /// A call that ends within this many seconds of connecting is not billed.
    pub grace_s: u32,
    /// Added to an urgent call's amount, in percent of it.
    pub urgent_surcharge_pct: Decimal,
}

impl Rate {
    pub const MAX_PER_MINUTE: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);
    pub const MAX_SURCHARGE_PCT: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);
    pub const MAX_MINIMUM_MINUTES: u32 = 1_440;
    pub const INCREMENT_RANGE_S: std::ops::RangeInclusive<u32> = 1..=3_600;
    pub const MAX_GRACE_S: u32 = 3_600;
}

/// A version of an organisation's prices, in force from `effective_from` until a later
/// version's `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCard {
    pub effective_from: DateTime<Utc>,
    pub currency: Currency,
    /// Whether time on hold is billed (it is by default); interpreters are paid for it
    /// either way.
    #[serde(default = "billed_by_default")]
    pub bill_hold: bool,
    pub rates: Vec<Rate>,
}

fn billed_by_default() -> bool {
    true
}

impl RateCard {
    pub const MAX_RATES: usize = 100;

    /// A card whose rates are each unambiguous: at most one rate per modality without
    /// languages, and no language named twice for one modality.
    pub fn new(
        effective_from: DateTime<Utc>,
        currency: Currency,
        bill_hold: bool,
        rates: Vec<Rate>,
    ) -> Result<Self, ValueError> {
        if rates.is_empty() || rates.len() > Self::MAX_RATES {
            return Err(ValueError::new(
                "rates",
                format!("give 1 to {} rates", Self::MAX_RATES),
            ));
        }
        let mut seen: Vec<(Modality, Option<&LanguageCode>)> = Vec::new();
        for rate in &rates {
            let keys: Vec<Option<&LanguageCode>> = if rate.languages.is_empty() {
                vec![None]
            } else {
                rate.languages.iter().map(Some).collect()
            };
            for key in keys {
                if seen.contains(&(rate.modality, key)) {
                    let language = key.map_or("every other language", LanguageCode::as_str);
                    return Err(ValueError::new(
                        "rates",
                        format!("two rates price {} {language}", rate.modality),
                    ));
                }
                seen.push((rate.modality, key));
            }
        }
        Ok(Self {
            effective_from,
            currency,
            bill_hold,
            rates,
        })
    }

    /// The rate of a call: the one naming its language for its modality, else the
    /// modality's rate without languages. `None`: the card does not price such calls.
    pub fn rate_for(&self, modality: Modality, language: &LanguageCode) -> Option<&Rate> {
        let of_modality = || self.rates.iter().filter(move |r| r.modality == modality);
        of_modality()
            .find(|r| r.languages.contains(language))
            .or_else(|| of_modality().find(|r| r.languages.is_empty()))
    }
}

/// What an interpreter earns per minute on a call, from `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRate {
    pub effective_from: DateTime<Utc>,
    pub currency: Currency,
    pub per_minute: Decimal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly_and_refuse_what_is_not_money() {
        let max = Rate::MAX_PER_MINUTE;
        assert_eq!(
            parse_decimal("p", "12.40", 2, max),
            Ok(Decimal::new(124, 1))
        );
        assert_eq!(parse_decimal("p", "0.1", 2, max), Ok(Decimal::new(1, 1)));
        assert!(parse_decimal("p", "-1", 2, max).is_err());
        assert!(parse_decimal("p", "1.005", 2, max).is_err());
        // Exponents are exact too (a JSON number may be written so).
        assert_eq!(parse_decimal("p", "1e3", 2, max), Ok(Decimal::from(1000)));
        assert!(parse_decimal("p", "abc", 2, max).is_err());
        assert!(parse_decimal("p", "100001", 2, max).is_err());
        assert_eq!(money_text(Decimal::new(124, 1)), "12.40");
        assert_eq!(money_text(Decimal::new(125, 3)), "0.13");
        assert_eq!(rate_text(Decimal::from(2)), "2.00");
        assert_eq!(rate_text(Decimal::new(125, 4)), "0.0125");
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(Currency::parse(" eur").map(String::from), Ok("EUR".into()));
        for bad in ["EU", "EURO", "€", "E1R", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }
}
