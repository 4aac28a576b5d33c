//! The interpreter's console as pushed rows change it: their own row, the offer ringing
//! for them, the call they are on and today's calls. Loaded over REST once; afterwards a
//! pushed row is applied in place, and only a call the console has never seen (an offer's
//! or a call's names are not in pushed rows) is fetched, alone.

use chrono::{DateTime, NaiveDate, Utc};
use wire::ViewKind;

use super::kinds::{newest_first, pushed, Names};
use super::rows::{LiveRow, LiveRows};
use crate::types::{Agent, Call, LiveMessage};

/// What the REST load read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub me: Option<Agent>,
    pub offer: Option<Call>,
    pub call: Option<Call>,
    pub today: Vec<Call>,
    /// More of today's calls than were sent.
    pub more_today: bool,
}

/// What one pushed message asks of the page besides drawing again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub changed: bool,
    /// Load the whole desk again (something could not be placed).
    pub reload: bool,
    /// Fetch this one call: its names are not in the pushed row.
    pub fetch: Option<String>,
}

pub struct Desk {
    pub me: Option<Agent>,
    pub offer: Option<Call>,
    pub call: Option<Call>,
    pub today: LiveRows<Call>,
    /// An offer that ran out unanswered: its card says so instead of vanishing.
    pub missed: Option<Call>,
    names: Names,
    /// Messages that came while a load was under way (`None`: no load): applied again to
    /// what it read, which may be older than they are.
    during_load: Option<Vec<LiveMessage>>,
}

impl Default for Desk {
    fn default() -> Self {
        Self {
            me: None,
            offer: None,
            call: None,
            today: LiveRows::new(newest_first),
            missed: None,
            names: Names::default(),
            during_load: None,
        }
    }
}

impl Desk {
    /// A REST load starts: messages from now on are applied again after it.
    pub fn begin_load(&mut self) {
        self.during_load = Some(Vec::new());
        self.today.begin_load();
    }

    /// The load failed: what is held stays.
    pub fn abandon_load(&mut self) {
        self.during_load = None;
        self.today.abandon_load();
    }

    /// What the load read, then the messages that came meanwhile (each applied only when
    /// newer than what was read: see `seq` in [`Desk::apply`]).
    pub fn loaded(
        &mut self,
        loaded: Loaded,
        my_id: &str,
        today_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Outcome {
        let previous = self.offer.take();
        self.set_offer(previous, loaded.offer, loaded.call.as_ref(), now);
        self.names.learn_calls(&loaded.today);
        self.names
            .learn_calls(self.offer.iter().chain(&loaded.call));
        self.me = loaded.me;
        self.call = loaded.call;
        self.today.finish_load(loaded.today, !loaded.more_today);
        let mut outcome = Outcome {
            changed: true,
            ..Outcome::default()
        };
        for message in self.during_load.take().unwrap_or_default() {
            let again = self.apply(&message, my_id, today_from, now);
            outcome.reload |= again.reload;
            outcome.fetch = outcome.fetch.or(again.fetch);
        }
        outcome
    }

    /// A call fetched alone (see [`Outcome::fetch`]): the REST row, with its names.
    pub fn fetched(
        &mut self,
        call: Call,
        my_id: &str,
        today_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        self.names.learn_calls([&call]);
        self.place_call(call, my_id, today_from, now);
    }

    pub fn apply(
        &mut self,
        message: &LiveMessage,
        my_id: &str,
        today_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Outcome {
        if let Some(held) = &mut self.during_load {
            held.push(message.clone());
        }
        let mut outcome = Outcome::default();
        match message.view() {
            Some(ViewKind::Agent) => {
                let Some(agent) = pushed::<Agent>(message) else {
                    outcome.reload = true;
                    return outcome;
                };
                if agent.id != my_id {
                    return outcome;
                }
                if self.me.as_ref().is_some_and(|me| me.seq > agent.seq) {
                    return outcome;
                }
                let agent = agent.for_today(today_day(today_from));
                let agent = match &self.me {
                    Some(me) => agent.merged(me),
                    None => agent,
                };
                outcome.changed = self.me.as_ref() != Some(&agent);
                // Their row no longer names the offer held (and is newer than it): it went.
                let offer_gone = self.offer.as_ref().is_some_and(|offer| {
                    agent.seq > offer.seq && agent.offer_call_id.as_deref() != Some(&offer.id)
                });
                if offer_gone {
                    let previous = self.offer.take();
                    self.set_offer(previous, None, None, now);
                    outcome.changed = true;
                }
                // The call they are on follows their row: one the desk holds, or a reload.
                let current = agent.current_call_id.clone();
                self.me = Some(agent);
                match current {
                    None => outcome.changed |= self.call.take().is_some(),
                    Some(id) if self.call.as_ref().is_some_and(|c| c.id == id) => {}
                    Some(id) => match self.known(&id) {
                        Some(call) => {
                            self.call = Some(call);
                            outcome.changed = true;
                        }
                        None => outcome.fetch = Some(id),
                    },
                }
            }
            Some(ViewKind::Call | ViewKind::Offer) => {
                let Some(mut call) = pushed::<Call>(message) else {
                    outcome.reload = true;
                    return outcome;
                };
                call.name_from(&self.names);
                if call.lacks_names() && self.known(&call.id).is_none() {
                    outcome.fetch = Some(call.id.clone());
                }
                outcome.changed = self.place_call(call, my_id, today_from, now);
            }
            Some(ViewKind::Queue) | None => {}
        }
        outcome
    }

    /// The freshest copy of a call the desk holds.
    fn known(&self, id: &str) -> Option<Call> {
        [self.call.as_ref(), self.offer.as_ref(), self.today.get(id)]
            .into_iter()
            .flatten()
            .filter(|c| c.id == id)
            .max_by_key(|c| c.seq)
            .cloned()
    }

    fn place_call(
        &mut self,
        call: Call,
        my_id: &str,
        today_from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        if self.known(&call.id).is_some_and(|held| held.seq > call.seq) {
            return false;
        }
        let mut changed = false;
        let offered = call.is_offered_to(my_id);
        if offered || self.offer.as_ref().is_some_and(|o| o.id == call.id) {
            let previous = self.offer.take();
            let next = offered.then(|| match &previous {
                Some(held) if held.id == call.id => call.clone().merged(held),
                _ => call.clone(),
            });
            self.set_offer(previous, next, Some(&call), now);
            changed = true;
        }
        let current = self.me.as_ref().and_then(|m| m.current_call_id.as_deref());
        let on_it = self.call.as_ref().is_some_and(|c| c.id == call.id);
        if on_it || current == Some(call.id.as_str()) {
            let merged = match &self.call {
                Some(held) if held.id == call.id => call.clone().merged(held),
                _ => call.clone(),
            };
            self.call = Some(merged);
            changed = true;
        }
        let today = call.requested_at.is_some_and(|at| at >= today_from);
        changed |= self.today.push(call, today).changed();
        changed
    }

    /// The offer now ringing (or none); one that went away unanswered after it ran out, and
    /// not to become this interpreter's call, is shown as missed.
    fn set_offer(
        &mut self,
        previous: Option<Call>,
        next: Option<Call>,
        now_known: Option<&Call>,
        now: DateTime<Utc>,
    ) {
        match (&previous, &next) {
            (_, Some(_)) => self.missed = None,
            (Some(gone), None)
                if now_known.is_none_or(|c| c.id != gone.id || c.agent_id != gone.offered_to)
                    && gone.offer_expires_at.is_some_and(|t| t <= now) =>
            {
                self.missed = Some(gone.clone());
            }
            _ => {}
        }
        self.offer = next;
    }
}

fn today_day(today_from: DateTime<Utc>) -> NaiveDate {
    today_from.date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::message;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    fn desk() -> Desk {
        let mut desk = Desk::default();
        desk.begin_load();
        desk.loaded(
            Loaded {
                me: Some(Agent {
                    id: "me".into(),
                    name: Some("Ana".into()),
                    seq: 1,
                    ..Agent::default()
                }),
                today: vec![Call {
                    id: "old".into(),
                    requester_id: Some("r".into()),
                    requester_name: Some("Rosa".into()),
                    requested_at: Some(at("2025-01-02T08:00:00Z")),
                    seq: 1,
                    ..Call::default()
                }],
                ..Loaded::default()
            },
            "me",
            at("2025-01-02T00:00:00Z"),
            at("2025-01-02T09:00:00Z"),
        );
        desk
    }

    #[test]
    fn an_offer_rings_is_accepted_and_becomes_the_call_without_a_reload() {
        let mut desk = desk();
        let (from, now) = (at("2025-01-02T00:00:00Z"), at("2025-01-02T10:00:00Z"));
        let offered = json!({"call_id": "c", "status": "offered", "offered_to": "me", "requester_id": "r",
            "queue_id": "q", "requested_at": "2025-01-02T09:59:00Z", "offer_expires_at": "2025-01-02T10:00:20Z", "seq": 5});
        let outcome = desk.apply(&message(ViewKind::Offer, offered), "me", from, now);
        assert!(outcome.changed && !outcome.reload);
        assert_eq!(
            outcome.fetch.as_deref(),
            Some("c"),
            "the queue's name is not pushed"
        );
        assert_eq!(
            desk.offer
                .as_ref()
                .and_then(|o| o.requester_name.clone())
                .as_deref(),
            Some("Rosa")
        );
        assert_eq!(desk.today.rows().len(), 2);

        let accepted = json!({"call_id": "c", "status": "connected", "agent_id": "me", "requester_id": "r",
            "queue_id": "q", "requested_at": "2025-01-02T09:59:00Z", "seq": 7});
        desk.apply(&message(ViewKind::Call, accepted), "me", from, now);
        assert!(desk.offer.is_none());
        assert!(desk.missed.is_none(), "answered, not missed");
        let me = json!({"agent_id": "me", "status": "available", "activity": "on_call", "current_call_id": "c", "seq": 8});
        let outcome = desk.apply(&message(ViewKind::Agent, me), "me", from, now);
        assert_eq!(
            outcome,
            Outcome {
                changed: true,
                reload: false,
                fetch: None
            }
        );
        assert_eq!(
            desk.call.as_ref().map(|c| c.status.as_str()),
            Some("connected")
        );
        assert_eq!(
            desk.me.as_ref().and_then(|m| m.name.clone()).as_deref(),
            Some("Ana")
        );
    }

    #[test]
    fn an_offer_that_runs_out_is_shown_as_missed() {
        let mut desk = desk();
        let from = at("2025-01-02T00:00:00Z");
        let offered = json!({"call_id": "c", "status": "offered", "offered_to": "me",
            "requested_at": "2025-01-02T09:59:00Z", "offer_expires_at": "2025-01-02T10:00:20Z", "seq": 5});
        desk.apply(
            &message(ViewKind::Offer, offered),
            "me",
            from,
            at("2025-01-02T10:00:00Z"),
        );
        let requeued = json!({"call_id": "c", "status": "queued", "requested_at": "2025-01-02T09:59:00Z", "seq": 6});
        desk.apply(
            &message(ViewKind::Call, requeued),
            "me",
            from,
            at("2025-01-02T10:00:21Z"),
        );
        assert!(desk.offer.is_none());
        assert_eq!(desk.missed.as_ref().map(|c| c.id.as_str()), Some("c"));
    }

    #[test]
    fn rows_about_someone_else_or_older_than_held_change_nothing() {
        let mut desk = desk();
        let from = at("2025-01-02T00:00:00Z");
        let now = at("2025-01-02T10:00:00Z");
        let other = json!({"agent_id": "you", "status": "break", "seq": 9});
        assert_eq!(
            desk.apply(&message(ViewKind::Agent, other), "me", from, now),
            Outcome::default()
        );
        let older = json!({"agent_id": "me", "status": "break", "seq": 0});
        assert_eq!(
            desk.apply(&message(ViewKind::Agent, older), "me", from, now),
            Outcome::default()
        );
    }

    #[test]
    fn what_was_pushed_during_a_load_outlives_an_older_answer() {
        let mut desk = desk();
        let (from, now) = (at("2025-01-02T00:00:00Z"), at("2025-01-02T10:00:00Z"));
        desk.begin_load();
        let offered = json!({"call_id": "c", "status": "offered", "offered_to": "me",
            "requested_at": "2025-01-02T09:59:00Z", "offer_expires_at": "2025-01-02T10:00:20Z", "seq": 5});
        desk.apply(&message(ViewKind::Offer, offered), "me", from, now);
        let me = json!({"agent_id": "me", "status": "available", "activity": "ringing", "offer_call_id": "c", "seq": 6});
        desk.apply(&message(ViewKind::Agent, me), "me", from, now);
        // The load read the desk before the offer: no offer, the interpreter on break.
        let outcome = desk.loaded(
            Loaded {
                me: Some(Agent {
                    id: "me".into(),
                    status: "break".into(),
                    seq: 3,
                    ..Agent::default()
                }),
                ..Loaded::default()
            },
            "me",
            from,
            now,
        );
        assert!(outcome.changed);
        assert_eq!(desk.offer.as_ref().map(|c| c.id.as_str()), Some("c"));
        assert_eq!(
            desk.me.as_ref().map(|m| m.status.as_str()),
            Some("available")
        );
    }
}
