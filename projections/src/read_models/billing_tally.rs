//! What the billing projection keeps of a call until it ends: what was asked for, who
//! interpreted it from when to when, and which stream sequences say so. Folded from the
//! call's events in stream order; kept as JSON in `read_billing.calls.tally`.
//!
//! Seats come from the events, not from a count on the call: each `CallAccepted` opens a
//! seat for its interpreter, a handover (`CallTransferred` with `from_agent_id`) closes
//! that interpreter's seat, `CallEnded` closes every seat still open. A team call, where
//! several interpreters accept one call, is then billed per seat as it stands.
//!
//! A media failure (`CallRequeued`) closes its interpreter's seat, paid and not billed:
//! the client is connected again only by the next accept. A requeued call that nobody
//! answers again ends its tally at its abandonment or give-up, so that seat is still paid.
//!
//! A callback call (`CallbackOffered` right after its `CallAccepted`) connects the client
//! only when the requester joins (`RequesterJoined`): the interpreter's wait before it is
//! paid, not billed. If the requester never joins (`CallbackMissed`), nothing is billed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use domain::CallEvent;
use domain::billing::rating::{Seat, Usage};
use domain::ids::{AgentId, OrganisationId, UserId};
use domain::values::{LanguageCode, Modality, Priority};

/// A seat not closed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSeat {
    pub number: u32,
    pub agent_id: AgentId,
    pub from: DateTime<Utc>,
    pub hold_started_at: Option<DateTime<Utc>>,
    pub hold_seconds: i64,
    pub event_seqs: Vec<i64>,
}

impl OpenSeat {
    fn close(mut self, at: DateTime<Utc>, seq: i64, media_failed: bool) -> Seat {
        if let Some(held) = self.hold_started_at {
            self.hold_seconds += (at - held).num_seconds().max(0);
        }
        self.event_seqs.push(seq);
        Seat {
            number: self.number,
            agent_id: self.agent_id,
            from: self.from,
            to: at,
            hold_seconds: self.hold_seconds,
            event_seqs: self.event_seqs,
            media_failed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub organisation_id: Option<OrganisationId>,
    pub requester_id: UserId,
    pub modality: Modality,
    pub language: LanguageCode,
    pub priority: Priority,
    pub requested_seq: i64,
    /// When the client was connected (first accept, or the callback's join), and by which
    /// event.
    pub connected_at: Option<DateTime<Utc>>,
    pub connect_seq: Option<i64>,
    /// A callback call whose interpreter waits for the requester to join.
    #[serde(default)]
    pub awaiting_requester: bool,
    /// The requester of a callback call never joined.
    #[serde(default)]
    pub requester_absent: bool,
    pub open: Vec<OpenSeat>,
    pub closed: Vec<Seat>,
    /// When and by which event the call ended.
    pub ended: Option<(DateTime<Utc>, i64)>,
}

/// What a call event does to the billing of its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing billing needs.
    None,
    /// The tally changed; store it.
    Changed,
    /// The call ended: rate it.
    Ended,
}

impl Tally {
    /// The tally a `CallRequested` starts, or `None` for any other event.
    pub fn requested(event: &CallEvent, seq: i64) -> Option<Self> {
        let CallEvent::CallRequested {
            requester_id,
            organisation_id,
            request,
            ..
        } = event
        else {
            return None;
        };
        Some(Self {
            organisation_id: *organisation_id,
            requester_id: *requester_id,
            modality: request.modality,
            language: request.language.clone(),
            priority: request.priority,
            requested_seq: seq,
            connected_at: None,
            connect_seq: None,
            awaiting_requester: false,
            requester_absent: false,
            open: Vec::new(),
            closed: Vec::new(),
            ended: None,
        })
    }

    /// Whether `event` matters to billing at all (so the projection reads no row for the
    /// many events that do not: offers, queueing, widening, rating, …).
    pub fn concerns(event: &CallEvent) -> bool {
        use CallEvent as E;
        matches!(
            event,
            E::CallAccepted { .. }
                | E::CallHeld { .. }
                | E::CallResumed { .. }
                | E::CallTransferred {
                    from_agent_id: Some(_),
                    ..
                }
                | E::CallEnded { .. }
                | E::CallRequeued { .. }
                | E::CallAbandoned { .. }
                | E::NoInterpreterAvailable { .. }
                | E::CallbackOffered { .. }
                | E::RequesterJoined { .. }
                | E::CallbackMissed { .. }
        )
    }

    fn seat_of(&mut self, agent: AgentId) -> Option<&mut OpenSeat> {
        self.open.iter_mut().find(|seat| seat.agent_id == agent)
    }

    /// Folds one event (stream sequence `seq`).
    pub fn fold(&mut self, event: &CallEvent, seq: i64) -> Effect {
        use CallEvent as E;
        if self.ended.is_some() {
            return Effect::None;
        }
        match event {
            E::CallAccepted { agent_id, at, .. } => {
                if self.connected_at.is_none() {
                    self.connected_at = Some(*at);
                    self.connect_seq = Some(seq);
                }
                let number =
                    u32::try_from(self.open.len() + self.closed.len() + 1).unwrap_or(u32::MAX);
                self.open.push(OpenSeat {
                    number,
                    agent_id: *agent_id,
                    from: *at,
                    hold_started_at: None,
                    hold_seconds: 0,
                    event_seqs: vec![seq],
                });
                Effect::Changed
            }
            E::CallHeld { agent_id, at } => match self.seat_of(*agent_id) {
                Some(seat) => {
                    seat.hold_started_at = Some(*at);
                    seat.event_seqs.push(seq);
                    Effect::Changed
                }
                None => Effect::None,
            },
            E::CallResumed {
                agent_id,
                hold_seconds,
                ..
            } => match self.seat_of(*agent_id) {
                Some(seat) => {
                    seat.hold_started_at = None;
                    seat.hold_seconds += hold_seconds.max(&0);
                    seat.event_seqs.push(seq);
                    Effect::Changed
                }
                None => Effect::None,
            },
            E::CallTransferred {
                from_agent_id: Some(from),
                at,
                ..
            } => match self.open.iter().position(|seat| seat.agent_id == *from) {
                Some(index) => {
                    let seat = self.open.remove(index);
                    self.closed.push(seat.close(*at, seq, false));
                    Effect::Changed
                }
                None => Effect::None,
            },
            E::CallRequeued { agent_id, at, .. } => {
                match self.open.iter().position(|seat| seat.agent_id == *agent_id) {
                    Some(index) => {
                        let seat = self.open.remove(index);
                        self.closed.push(seat.close(*at, seq, true));
                    }
                    None => return Effect::None,
                }
                // The client is connected again by the next accept, not before.
                self.connected_at = None;
                self.connect_seq = None;
                Effect::Changed
            }
            // Only a requeued call has seats to pay when it ends without an interpreter.
            E::CallAbandoned { at, .. } | E::NoInterpreterAvailable { at, .. }
                if !self.closed.is_empty() =>
            {
                self.finish(*at, seq)
            }
            E::CallbackOffered { .. } => {
                // The interpreter is there; the client is not yet.
                self.awaiting_requester = true;
                self.connected_at = None;
                self.connect_seq = None;
                Effect::Changed
            }
            E::RequesterJoined { at } if self.awaiting_requester => {
                self.awaiting_requester = false;
                self.connected_at = Some(*at);
                self.connect_seq = Some(seq);
                Effect::Changed
            }
            E::CallbackMissed { .. } => {
                self.requester_absent = true;
                Effect::Changed
            }
            E::CallEnded { at, .. } => self.finish(*at, seq),
            _ => Effect::None,
        }
    }

    fn finish(&mut self, at: DateTime<Utc>, seq: i64) -> Effect {
        for seat in std::mem::take(&mut self.open) {
            self.closed.push(seat.close(at, seq, false));
        }
        self.closed.sort_by_key(|seat| seat.number);
        self.ended = Some((at, seq));
        Effect::Ended
    }

    /// The finished call as the rating reads it; `None` until an interpreter answered it
    /// and it ended. A callback whose requester never joined is "connected" at its end.
    pub fn usage(&self) -> Option<Usage> {
        let (ended_at, end_seq) = self.ended?;
        self.closed.first()?;
        let (connected_at, connect_seq) = self
            .connected_at
            .zip(self.connect_seq)
            .unwrap_or((ended_at, end_seq));
        Some(Usage {
            connected_at,
            ended_at,
            urgent: self.priority == Priority::Urgent,
            seats: self.closed.clone(),
            call_seqs: vec![connect_seq, end_seq],
            priority_seqs: vec![self.requested_seq],
            requester_absent: self.requester_absent || self.connected_at.is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use uuid::Uuid;

    use super::*;
    use domain::call::{CallRequest, TransferTarget};
    use domain::ids::{CallId, QueueId};

    /// A Spanish call requested at `at`.
    fn requested(at: DateTime<Utc>, modality: Modality, priority: Priority) -> CallEvent {
        CallEvent::CallRequested {
            call_id: CallId(Uuid::nil()),
            requester_id: UserId(Uuid::nil()),
            organisation_id: None,
            request: CallRequest {
                language: LanguageCode::parse("es").unwrap_or_else(|_| unreachable!()),
                source_language: LanguageCode::parse("en").unwrap_or_else(|_| unreachable!()),
                modality,
                specialty: None,
                priority,
                requirements: Default::default(),
            },
            at,
        }
    }

    #[test]
    fn a_handover_closes_one_seat_and_opens_the_next_and_hold_is_counted_per_seat() {
        let t0 = DateTime::UNIX_EPOCH;
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        let (a, b) = (AgentId(Uuid::from_u128(1)), AgentId(Uuid::from_u128(2)));
        let queue_id = QueueId(Uuid::nil());
        let requested = requested(t0, Modality::Video, Priority::Urgent);
        let Some(mut tally) = Tally::requested(&requested, 1) else {
            panic!("a tally from CallRequested")
        };
        let events = [
            CallEvent::CallAccepted {
                agent_id: a,
                queue_id,
                wait_seconds: 0,
                at: at(0),
            },
            CallEvent::CallHeld {
                agent_id: a,
                at: at(10),
            },
            CallEvent::CallTransferred {
                from_agent_id: Some(a),
                target: TransferTarget::Agent(b),
                at: at(40),
            },
            CallEvent::CallAccepted {
                agent_id: b,
                queue_id,
                wait_seconds: 40,
                at: at(40),
            },
            CallEvent::CallEnded {
                agent_id: b,
                talk_seconds: 0,
                hold_seconds: 0,
                at: at(100),
            },
        ];
        for (seq, event) in (2..).zip(&events) {
            tally.fold(event, seq);
        }
        let Some(usage) = tally.usage() else {
            panic!("a finished call")
        };
        assert_eq!(usage.seconds(), 100);
        assert!(usage.urgent);
        let seats: Vec<_> = usage
            .seats
            .iter()
            .map(|s| (s.number, s.seconds(), s.hold_seconds, s.event_seqs.clone()))
            .collect();
        assert_eq!(
            seats,
            vec![(1, 40, 30, vec![2, 3, 4]), (2, 60, 0, vec![5, 6])]
        );
        assert_eq!(usage.most_concurrent_seats(), 1);
    }

    #[test]
    fn a_callback_is_billed_from_the_join_and_not_at_all_when_the_requester_never_joins() {
        let t0 = DateTime::UNIX_EPOCH;
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        let a = AgentId(Uuid::from_u128(1));
        let requested = requested(t0, Modality::Audio, Priority::Normal);
        let answered = [
            CallEvent::CallAccepted {
                agent_id: a,
                queue_id: QueueId(Uuid::nil()),
                wait_seconds: 0,
                at: at(0),
            },
            CallEvent::CallbackOffered {
                agent_id: a,
                webhook_url: None,
                join_by: at(120),
                at: at(0),
            },
        ];
        let ended = |s: i64| CallEvent::CallEnded {
            agent_id: a,
            talk_seconds: 0,
            hold_seconds: 0,
            at: at(s),
        };
        let fold = |events: &[CallEvent]| {
            let mut tally = Tally::requested(&requested, 1).unwrap_or_else(|| unreachable!());
            for (seq, event) in (2..).zip(events) {
                tally.fold(event, seq);
            }
            tally.usage().unwrap_or_else(|| unreachable!())
        };
        let mut joined = answered.to_vec();
        joined.extend([CallEvent::RequesterJoined { at: at(40) }, ended(100)]);
        let usage = fold(&joined);
        assert_eq!((usage.connected_at, usage.seconds()), (at(40), 60));
        assert!(!usage.requester_absent);
        assert_eq!(
            usage.seats[0].seconds(),
            100,
            "the interpreter's wait is paid"
        );
        assert_eq!(usage.seats[0].seconds_from(usage.connected_at), 60);
        let mut missed = answered.to_vec();
        missed.extend([
            CallEvent::CallbackMissed {
                agent_id: a,
                at: at(120),
            },
            ended(120),
        ]);
        let usage = fold(&missed);
        assert!(usage.requester_absent);
        assert_eq!(usage.seats[0].seconds(), 120);
    }

    #[test]
    fn a_media_failure_closes_a_paid_unbilled_seat_and_the_next_accept_connects_the_client() {
        let t0 = DateTime::UNIX_EPOCH;
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        let (a, b) = (AgentId(Uuid::from_u128(1)), AgentId(Uuid::from_u128(2)));
        let queue_id = QueueId(Uuid::nil());
        let requested = requested(t0, Modality::Video, Priority::Normal);
        let accepted = |agent_id, s| CallEvent::CallAccepted {
            agent_id,
            queue_id,
            wait_seconds: s,
            at: at(s),
        };
        let requeued = CallEvent::CallRequeued {
            agent_id: a,
            queue_id,
            reason: domain::media::RequeueReason::MediaFailure,
            talk_seconds: 50,
            hold_seconds: 0,
            at: at(60),
        };
        let fold = |events: &[CallEvent]| {
            let mut tally = Tally::requested(&requested, 1).unwrap_or_else(|| unreachable!());
            for (seq, event) in (2..).zip(events) {
                tally.fold(event, seq);
            }
            tally.usage()
        };
        let answered_again = [
            accepted(a, 10),
            requeued.clone(),
            accepted(b, 90),
            CallEvent::CallEnded {
                agent_id: b,
                talk_seconds: 100,
                hold_seconds: 0,
                at: at(190),
            },
        ];
        let Some(usage) = fold(&answered_again) else {
            panic!("an ended call has its usage")
        };
        assert_eq!((usage.connected_at, usage.seconds()), (at(90), 100));
        let seats: Vec<_> = usage
            .seats
            .iter()
            .map(|s| {
                (
                    s.number,
                    s.seconds(),
                    s.media_failed,
                    s.seconds_from(usage.connected_at),
                )
            })
            .collect();
        assert_eq!(seats, vec![(1, 50, true, 0), (2, 100, false, 100)]);

        // Nobody answers again: the failed seat is still paid, and nothing is billed.
        let abandoned = [
            accepted(a, 10),
            requeued,
            CallEvent::CallAbandoned {
                offered_agent_id: None,
                wait_seconds: 120,
                at: at(120),
            },
        ];
        let Some(usage) = fold(&abandoned) else {
            panic!("a requeued call that is abandoned still pays its seat")
        };
        assert!(usage.requester_absent);
        assert_eq!(usage.seats.len(), 1);
        assert_eq!(
            (usage.seats[0].seconds(), usage.seats[0].media_failed),
            (50, true)
        );
    }
}
