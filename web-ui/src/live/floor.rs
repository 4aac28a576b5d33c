//! The supervisor's floor as pushed rows change it: queues, interpreters and the calls
//! waiting or in progress, each a [`LiveRows`], the queues counted again from the other
//! two (`board::recount`).

use chrono::{DateTime, NaiveDate, Utc};
use wire::ViewKind;

use super::board;
use super::kinds::{by_name, newest_first, pushed, queue_by_name, Names};
use super::rows::{Applied, LiveRows};
use crate::types::{call_status, Agent, Call, LiveMessage, Queue};

/// What the floor must load again over REST after a message it could not apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reloads {
    pub queues: bool,
    pub agents: bool,
    pub calls: bool,
}

impl Reloads {
    pub const ALL: Self = Self {
        queues: true,
        agents: true,
        calls: true,
    };

    pub fn any(self) -> bool {
        self.queues || self.agents || self.calls
    }
}

/// What one pushed message did to the floor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Something shown changed: draw the page again.
    pub changed: bool,
    pub reload: Reloads,
}

pub struct Floor {
    pub queues: LiveRows<Queue>,
    pub agents: LiveRows<Agent>,
    pub calls: LiveRows<Call>,
    names: Names,
}

impl Default for Floor {
    fn default() -> Self {
        Self {
            queues: LiveRows::new(queue_by_name),
            agents: LiveRows::new(by_name),
            calls: LiveRows::new(newest_first),
            names: Names::default(),
        }
    }
}

/// A call the floor lists: waiting or in progress.
pub fn is_active(call: &Call) -> bool {
    call_status::ACTIVE.contains(&call.status.as_str())
}

impl Floor {
    pub fn queues_loaded(&mut self, list: Vec<Queue>, at: DateTime<Utc>) {
        self.names.learn_queues(&list);
        let mut list = list;
        for queue in &mut list {
            board::anchor_longest_wait(queue, at);
        }
        self.queues.finish_load(list, true);
        self.recount_loaded();
    }

    pub fn agents_loaded(&mut self, list: Vec<Agent>) {
        self.names.learn_agents(&list);
        self.agents.finish_load(list, true);
        self.recount_loaded();
    }

    pub fn calls_loaded(&mut self, list: Vec<Call>, complete: bool) {
        self.names.learn_calls(&list);
        self.calls.finish_load(list, complete);
        self.recount_loaded();
    }

    /// After a load: the queue board as the server counted it may be older than the calls
    /// and interpreters pushed meanwhile, so it is counted again when the floor can.
    fn recount_loaded(&mut self) {
        let all = [
            self.queues.loaded_rows().is_some(),
            self.agents.loaded_rows().is_some(),
            self.calls.loaded_rows().is_some(),
        ];
        if all.iter().all(|loaded| *loaded) && self.calls.is_complete() {
            self.recount(None, &mut Outcome::default());
        }
    }

    /// Applies one pushed `queue`, `agent` or `call` message.
    pub fn apply(&mut self, message: &LiveMessage, today: NaiveDate) -> Outcome {
        let mut outcome = Outcome::default();
        match message.view() {
            Some(ViewKind::Queue) => {
                let Some(queue) = pushed::<Queue>(message) else {
                    outcome.reload.queues = true;
                    return outcome;
                };
                self.names.learn(&queue.id, Some(&queue.name));
                let id = queue.id.clone();
                outcome.changed = self.queues.push(queue, true).changed();
                self.recount(Some(&id), &mut outcome);
            }
            Some(ViewKind::Agent) => {
                let Some(agent) = pushed::<Agent>(message) else {
                    outcome.reload.agents = true;
                    return outcome;
                };
                let agent = agent.for_today(today);
                let applied = self.agents.push(agent, true);
                // A new interpreter: the account's name is not in the pushed row.
                if applied == Applied::Inserted {
                    outcome.reload.agents = true;
                }
                outcome.changed = applied.changed();
                if applied.changed() {
                    self.recount(None, &mut outcome);
                }
            }
            Some(ViewKind::Call) => {
                let Some(mut call) = pushed::<Call>(message) else {
                    outcome.reload.calls = true;
                    outcome.reload.queues = true;
                    return outcome;
                };
                call.name_from(&self.names);
                let active = is_active(&call);
                // The floor shows the queue's and the interpreter's names, not the requester's.
                let unnamed = (call.queue_id.is_some() && call.queue_name.is_none())
                    || (call.agent_id.is_some() && call.agent_name.is_none());
                let applied = self.calls.push(call, active);
                if active && unnamed && applied.changed() {
                    outcome.reload.calls = true;
                }
                outcome.changed = applied.changed();
                // A call the floor does not hold (past its first page) still moves the
                // queues' counts.
                let unseen = !self.calls.is_complete() && applied != Applied::Stale;
                if applied.changed() || unseen {
                    self.recount(None, &mut outcome);
                }
            }
            Some(ViewKind::Offer) | None => {}
        }
        outcome
    }

    /// Counts the queues (one, or all) again; when the floor does not hold every active
    /// call it cannot, and the queue board is loaded again instead.
    fn recount(&mut self, only: Option<&str>, outcome: &mut Outcome) {
        if !self.calls.is_complete() || self.calls.loaded_rows().is_none() {
            outcome.reload.queues = true;
            return;
        }
        let (calls, agents) = (self.calls.rows(), self.agents.rows());
        for queue in self.queues.rows_mut() {
            if only.is_none_or(|id| id == queue.id) {
                let before = queue.clone();
                board::recount(queue, calls, agents);
                outcome.changed |= *queue != before;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::message;
    use crate::types::presence;
    use serde_json::json;

    fn floor() -> Floor {
        let mut floor = Floor::default();
        let at = Utc::now();
        floor.queues.begin_load();
        floor.queues_loaded(
            vec![Queue {
                id: "q".into(),
                name: "Spanish".into(),
                languages: vec!["es".into()],
                ..Queue::default()
            }],
            at,
        );
        floor.agents.begin_load();
        floor.agents_loaded(vec![Agent {
            id: "a".into(),
            name: Some("Ana".into()),
            status: presence::AVAILABLE.into(),
            activity: presence::IDLE.into(),
            languages: vec!["es".into()],
            seq: 1,
            ..Agent::default()
        }]);
        floor.calls.begin_load();
        floor.calls_loaded(Vec::new(), true);
        floor
    }

    #[test]
    fn pushed_calls_and_interpreters_change_the_board_without_a_reload() {
        let mut floor = floor();
        let today = Utc::now().date_naive();
        let outcome = floor.apply(
            &message(
                ViewKind::Call,
                json!({"call_id": "c", "status": "queued", "queue_id": "q", "requester_id": "r",
                       "requested_at": "2025-01-01T10:00:00Z", "seq": 2}),
            ),
            today,
        );
        assert_eq!(outcome.reload, Reloads::default());
        assert!(outcome.changed);
        assert_eq!(floor.queues.rows()[0].waiting, 1);
        assert_eq!(floor.calls.rows()[0].queue_name.as_deref(), Some("Spanish"));

        let outcome = floor.apply(
            &message(
                ViewKind::Agent,
                json!({"agent_id": "a", "status": "available", "activity": "on_call",
                       "languages": ["es"], "seq": 3}),
            ),
            today,
        );
        assert_eq!(outcome.reload, Reloads::default());
        assert_eq!(floor.queues.rows()[0].agents_available, 0);
        assert_eq!(floor.agents.rows()[0].name.as_deref(), Some("Ana"));

        // The call is answered, then ends: it leaves the floor.
        floor.apply(
            &message(
                ViewKind::Call,
                json!({"call_id": "c", "status": "connected", "queue_id": "q", "agent_id": "a",
                       "requester_id": "r", "requested_at": "2025-01-01T10:00:00Z", "seq": 4}),
            ),
            today,
        );
        assert_eq!(floor.queues.rows()[0].agents_on_call, 1);
        assert_eq!(floor.calls.rows()[0].agent_name.as_deref(), Some("Ana"));
        floor.apply(
            &message(
                ViewKind::Call,
                json!({"call_id": "c", "status": "ended", "queue_id": "q", "agent_id": "a", "seq": 5}),
            ),
            today,
        );
        assert!(floor.calls.rows().is_empty());
        assert_eq!(floor.queues.rows()[0].waiting, 0);
    }

    #[test]
    fn what_the_floor_cannot_place_is_loaded_again() {
        let mut floor = floor();
        let today = Utc::now().date_naive();
        let outcome = floor.apply(
            &message(
                ViewKind::Agent,
                json!({"agent_id": "new", "status": "offline", "seq": 9}),
            ),
            today,
        );
        assert!(
            outcome.reload.agents,
            "a new interpreter's name is not pushed"
        );
        floor.calls.begin_load();
        floor.calls_loaded(Vec::new(), false);
        let outcome = floor.apply(
            &message(
                ViewKind::Call,
                json!({"call_id": "x", "status": "queued", "queue_id": "q", "seq": 10}),
            ),
            today,
        );
        assert!(
            outcome.reload.queues,
            "more calls than held: the queues cannot be counted"
        );
        let outcome = floor.apply(&message(ViewKind::Call, json!("not a row")), today);
        assert!(outcome.reload.calls);
    }
}
