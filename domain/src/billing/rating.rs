//! The pure rating of one call: its seats (who interpreted it, from when to when, with
//! how much hold) and the rate in force → billed lines. Every amount is a line's seconds
//! at the per-minute rate, rounded to cents; the call's amount is the sum of its lines,
//! so an invoice always adds up. The rules, with worked examples, are in docs/billing.md.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Rate, round_money};
use crate::ids::AgentId;

/// One interpreter's stretch on a call: from their `CallAccepted` to the handover
/// (`CallTransferred`) or the end (`CallEnded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    /// 1, 2, … in the order the interpreters connected.
    pub number: u32,
    pub agent_id: AgentId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Seconds of the seat spent on hold.
    pub hold_seconds: i64,
    /// The stream sequences of the events that open, hold, resume and close the seat.
    pub event_seqs: Vec<i64>,
    /// The seat closed on a media failure (`CallRequeued`): paid, never billed.
    #[serde(default)]
    pub media_failed: bool,
}

impl Seat {
    /// Whole seconds the seat lasted, hold included.
    pub fn seconds(&self) -> i64 {
        (self.to - self.from).num_seconds().max(0)
    }

    /// Whole seconds of the seat from `connected_at` on: what the client can be billed.
    pub fn seconds_from(&self, connected_at: DateTime<Utc>) -> i64 {
        (self.to - self.from.max(connected_at)).num_seconds().max(0)
    }
}

/// What is known of a finished call when it is rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// When the requester and the interpreter were first together: the first accept, or
    /// for a callback call the requester's join. Seat time before it is not billed.
    pub connected_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub urgent: bool,
    pub seats: Vec<Seat>,
    /// The events that connect and end the call (for the minimum and rounding lines).
    pub call_seqs: Vec<i64>,
    /// The event that says the call is urgent (its `CallRequested`).
    pub priority_seqs: Vec<i64>,
    /// A callback call whose requester never joined (`CallbackMissed`): nothing to bill.
    #[serde(default)]
    pub requester_absent: bool,
}

impl Usage {
    /// Whole seconds from connect to end.
    pub fn seconds(&self) -> i64 {
        (self.ended_at - self.connected_at).num_seconds().max(0)
    }

    /// The most seats open at one instant: 1 for a call handed from one interpreter to the
    /// next, the team's size for a team call.
    pub fn most_concurrent_seats(&self) -> u32 {
        let mut most = 0;
        for seat in &self.seats {
            let open = self
                .seats
                .iter()
                .filter(|other| other.from <= seat.from && seat.from < other.to)
                .count();
            most = most.max(open);
        }
        u32::try_from(most.max(1)).unwrap_or(u32::MAX)
    }
}

/// One billed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub description: String,
    pub seconds: i64,
    pub amount: Decimal,
    pub event_seqs: Vec<i64>,
}

/// A rated call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub billable_seconds: i64,
    pub amount: Decimal,
    pub lines: Vec<Line>,
}

/// `seconds` at `per_minute`, rounded to cents.
pub fn price(seconds: i64, per_minute: Decimal) -> Decimal {
    round_money(Decimal::from(seconds) * per_minute / Decimal::from(60))
}

fn media_failed_line(seat: &Seat) -> String {
    format!(
        "Seat {}: interpreter {} for {} s, ended on a media failure and requeued: not billed",
        seat.number,
        seat.agent_id,
        seat.seconds()
    )
}

/// Rates a finished call. `bill_hold`: whether hold time is billed (the card says).
pub fn rate_call(usage: &Usage, rate: &Rate, bill_hold: bool) -> Bill {
    let grace = i64::from(rate.grace_s);
    let free = |why: &dyn Fn(&Seat) -> String| {
        let lines = usage
            .seats
            .iter()
            .map(|seat| Line {
                description: why(seat),
                seconds: seat.seconds_from(usage.connected_at),
                amount: Decimal::ZERO,
                event_seqs: seat.event_seqs.clone(),
            })
            .collect();
        Bill {
            billable_seconds: 0,
            amount: Decimal::ZERO,
            lines,
        }
    };
    if usage.requester_absent {
        return free(&|seat| {
            if seat.media_failed {
                media_failed_line(seat)
            } else {
                format!(
                    "Seat {}: the requester did not join the callback: not billed",
                    seat.number
                )
            }
        });
    }
    if grace > 0 && usage.seconds() <= grace {
        return free(&|seat| {
            format!(
                "Seat {}: ended {} s after connecting, within the {grace} s grace period: not billed",
                seat.number,
                usage.seconds()
            )
        });
    }
    let mut lines = Vec::new();
    let mut used = 0;
    for seat in &usage.seats {
        if seat.media_failed {
            lines.push(Line {
                description: media_failed_line(seat),
                seconds: 0,
                amount: Decimal::ZERO,
                event_seqs: seat.event_seqs.clone(),
            });
            continue;
        }
        let seconds = seat.seconds_from(usage.connected_at);
        let hold = seat.hold_seconds.clamp(0, seconds);
        let billed = if bill_hold { seconds } else { seconds - hold };
        used += billed;
        let hold_note = match (hold, bill_hold) {
            (0, _) => String::new(),
            (_, true) => format!(", {hold} s on hold included"),
            (_, false) => format!(", {hold} s on hold not billed"),
        };
        lines.push(Line {
            description: format!(
                "Seat {}: interpreter {} connected {seconds} s{hold_note}",
                seat.number, seat.agent_id
            ),
            seconds: billed,
            amount: price(billed, rate.per_minute),
            event_seqs: seat.event_seqs.clone(),
        });
    }
    let seats = usage.most_concurrent_seats();
    let minimum = i64::from(rate.minimum_minutes) * 60 * i64::from(seats);
    if used < minimum {
        let missing = minimum - used;
        lines.push(Line {
            description: format!(
                "Minimum charge: {} min × {seats} seat(s), {missing} s added",
                rate.minimum_minutes
            ),
            seconds: missing,
            amount: price(missing, rate.per_minute),
            event_seqs: usage.call_seqs.clone(),
        });
    }
    let after_minimum = used.max(minimum);
    let increment = i64::from(rate.increment_s.max(1));
    let billable = after_minimum.div_euclid(increment) * increment
        + if after_minimum.rem_euclid(increment) > 0 {
            increment
        } else {
            0
        };
    if billable > after_minimum {
        let added = billable - after_minimum;
        lines.push(Line {
            description: format!("Rounded up to a whole {increment} s increment, {added} s added"),
            seconds: added,
            amount: price(added, rate.per_minute),
            event_seqs: usage.call_seqs.clone(),
        });
    }
    if usage.urgent && !rate.urgent_surcharge_pct.is_zero() {
        let subtotal: Decimal = lines.iter().map(|l| l.amount).sum();
        lines.push(Line {
            description: format!("Urgent surcharge {}%", rate.urgent_surcharge_pct),
            seconds: 0,
            amount: round_money(subtotal * rate.urgent_surcharge_pct / Decimal::from(100)),
            event_seqs: usage.priority_seqs.clone(),
        });
    }
    Bill {
        billable_seconds: billable,
        amount: lines.iter().map(|l| l.amount).sum(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::values::Modality;

    fn rate(per_minute: Decimal, minimum: u32, increment: u32, grace: u32) -> Rate {
        Rate {
            modality: Modality::Video,
            languages: vec![],
            per_minute,
            minimum_minutes: minimum,
            increment_s: increment,
            grace_s: grace,
            urgent_surcharge_pct: Decimal::from(50),
        }
    }

    fn usage(lengths: &[(i64, i64)], urgent: bool) -> Usage {
        let start = DateTime::UNIX_EPOCH;
        let mut at = start;
        let seats = lengths
            .iter()
            .enumerate()
            .map(|(i, (seconds, hold))| {
                let from = at;
                at += TimeDelta::seconds(*seconds);
                Seat {
                    number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    agent_id: AgentId(uuid::Uuid::nil()),
                    from,
                    to: at,
                    hold_seconds: *hold,
                    event_seqs: vec![],
                    media_failed: false,
                }
            })
            .collect();
        Usage {
            connected_at: start,
            ended_at: at,
            urgent,
            seats,
            call_seqs: vec![],
            priority_seqs: vec![],
            requester_absent: false,
        }
    }

    fn amount(bill: &Bill) -> String {
        super::super::money_text(bill.amount)
    }

    #[test]
    fn a_call_within_grace_is_free() {
        let bill = rate_call(
            &usage(&[(8, 0)], false),
            &rate(Decimal::new(120, 2), 5, 60, 10),
            true,
        );
        assert_eq!((bill.billable_seconds, amount(&bill)), (0, "0.00".into()));
    }

    #[test]
    fn a_short_call_pays_the_minimum_and_a_long_one_is_rounded_up() {
        let card = rate(Decimal::new(120, 2), 3, 60, 10);
        // 95 s: minimum 180 s → 1.90 + 1.70 = 3.60.
        let short = rate_call(&usage(&[(95, 0)], false), &card, true);
        assert_eq!(
            (short.billable_seconds, amount(&short)),
            (180, "3.60".into())
        );
        // 200 s: rounded up to 240 s → 4.00 + 0.80 = 4.80.
        let long = rate_call(&usage(&[(200, 0)], false), &card, true);
        assert_eq!((long.billable_seconds, amount(&long)), (240, "4.80".into()));
    }

    #[test]
    fn an_urgent_call_carries_its_surcharge_and_hold_can_be_left_out() {
        let card = rate(Decimal::new(100, 2), 0, 1, 0);
        // 120 s, 30 of them on hold not billed: 90 s → 1.50, +50% → 0.75.
        let bill = rate_call(&usage(&[(120, 30)], true), &card, false);
        assert_eq!((bill.billable_seconds, amount(&bill)), (90, "2.25".into()));
    }

    #[test]
    fn a_call_handed_over_pays_one_minimum_not_two() {
        let card = rate(Decimal::new(60, 2), 5, 60, 0);
        let bill = rate_call(&usage(&[(60, 0), (60, 0)], false), &card, true);
        assert_eq!(bill.billable_seconds, 300);
        assert_eq!(amount(&bill), "3.00");
        assert_eq!(bill.lines.len(), 3);
    }

    #[test]
    fn a_callback_the_requester_never_joined_is_not_billed() {
        let mut absent = usage(&[(120, 0)], false);
        absent.requester_absent = true;
        let bill = rate_call(&absent, &rate(Decimal::ONE, 5, 60, 0), true);
        assert_eq!((bill.billable_seconds, amount(&bill)), (0, "0.00".into()));
        // Joined 40 s into the interpreter's seat: 80 s billed, rounded up to 120 s.
        let mut joined = usage(&[(120, 0)], false);
        joined.connected_at += TimeDelta::seconds(40);
        let bill = rate_call(&joined, &rate(Decimal::ONE, 0, 60, 0), true);
        assert_eq!((bill.billable_seconds, amount(&bill)), (120, "2.00".into()));
        assert_eq!(bill.lines[0].seconds, 80);
    }

    proptest! {
        #[test]
        fn the_amount_is_the_sum_of_the_lines_and_never_less_than_the_time_used(
            lengths in proptest::collection::vec((0i64..5_000, 0i64..600), 1..4),
            cents in 0i64..100_000,
            minimum in 0u32..30,
            increment in 1u32..600,
            grace in 0u32..60,
            urgent in any::<bool>(),
            bill_hold in any::<bool>(),
        ) {
            let card = rate(Decimal::new(cents, 2), minimum, increment, grace);
            let used = usage(&lengths, urgent);
            let bill = rate_call(&used, &card, bill_hold);
            let sum: Decimal = bill.lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(sum, bill.amount);
            prop_assert_eq!(bill.amount, round_money(bill.amount));
            prop_assert!(bill.lines.iter().all(|l| l.amount >= Decimal::ZERO));
            if bill.billable_seconds > 0 {
                prop_assert_eq!(bill.billable_seconds % i64::from(increment), 0);
                prop_assert!(bill.billable_seconds >= i64::from(minimum) * 60);
                let seconds: i64 = bill.lines.iter().map(|l| l.seconds).sum();
                prop_assert_eq!(seconds, bill.billable_seconds);
            }
        }
    }
}
