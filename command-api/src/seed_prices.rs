//! The demo's prices (issue 19): a rate card for each demo organisation and a default
//! interpreter pay rate, in force from the start of 2026 so that every demo call is billed
//! and paid. Set once: a demo that already has prices keeps them (an admin may have
//! changed them), so seeding again adds no version. `parley seed` sets them; the tests'
//! demo data has none, so that each test sets the prices it checks.

use chrono::{TimeZone, Utc};
use domain::billing::ledger::{PayRates, PayRatesCommand};
use domain::billing::{Currency, PayRate, Rate, RateCard};
use domain::organisation::{Organisation, OrganisationCommand};
use domain::values::{LanguageCode, Modality};
use domain::workflow::{Metadata, execute, load};
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::seed::{DEMO_ORGANISATIONS, demo_organisation_id};
use crate::state::event_store;

/// Cents as a decimal amount.
fn cents(amount: i64) -> Decimal {
    Decimal::new(amount, 2)
}

/// Video per minute with a 5-minute minimum, billed per minute after a 30 s grace; sign
/// language dearer; audio per second; urgent calls 25 % more. The court pays more.
fn card(court: bool) -> anyhow::Result<RateCard> {
    let premium: i64 = if court { 50 } else { 0 };
    let rate =
        |modality, languages: Vec<LanguageCode>, per_minute, minimum_minutes, increment_s| Rate {
            modality,
            languages,
            per_minute: cents(per_minute + premium),
            minimum_minutes,
            increment_s,
            grace_s: 30,
            urgent_surcharge_pct: Decimal::from(25),
        };
    Ok(RateCard::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default(),
        Currency::parse("USD")?,
        true,
        vec![
            rate(Modality::Video, vec![], 195, 5, 60),
            rate(
                Modality::Video,
                vec![LanguageCode::parse("ase")?],
                350,
                15,
                60,
            ),
            rate(Modality::Audio, vec![], 125, 1, 1),
        ],
    )?)
}

pub async fn seed_prices(pool: &PgPool, metadata: &Metadata, attempts: u32) -> anyhow::Result<()> {
    let at = Utc::now();
    let organisations = event_store::<Organisation>(pool);
    for (key, name, _) in DEMO_ORGANISATIONS {
        let id = demo_organisation_id(key).to_string();
        let (organisation, _) = load::<Organisation, _>(&organisations, &id)
            .await
            .map_err(|e| anyhow::anyhow!("reading organisation {name}: {e}"))?;
        if organisation.rate_card_versions > 0 {
            continue;
        }
        let command = OrganisationCommand::SetRateCard {
            card: card(key == "harbor-court")?,
            at,
        };
        execute::<Organisation, _>(&organisations, &id, &command, &(), metadata, attempts)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the rate card of {name}: {e}"))?;
    }
    let pay_rates = event_store::<PayRates>(pool);
    let id = PayRates::ID.to_string();
    let (rates, _) = load::<PayRates, _>(&pay_rates, &id)
        .await
        .map_err(|e| anyhow::anyhow!("reading the pay rates: {e}"))?;
    if rates.versions == 0 {
        let command = PayRatesCommand::SetPayRate {
            agent_id: None,
            rate: PayRate {
                effective_from: Utc
                    .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                    .single()
                    .unwrap_or_default(),
                currency: Currency::parse("USD")?,
                per_minute: cents(95),
            },
            at,
        };
        execute::<PayRates, _>(&pay_rates, &id, &command, &(), metadata, attempts)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the default pay rate: {e}"))?;
    }
    Ok(())
}
