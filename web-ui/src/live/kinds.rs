//! The API's rows as live rows: how a pushed row replaces the one a page holds, and the
//! orders the lists are shown in (the server's own, so a pushed row lands where a reload
//! would have put it).

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;

use super::rows::LiveRow;
use crate::types::{Agent, Call, LiveMessage, Queue};

/// The pushed message's row, typed; `None` when it does not parse (the page reloads).
pub fn pushed<T: DeserializeOwned>(message: &LiveMessage) -> Option<T> {
    serde_json::from_value(message.data.clone()).ok()
}

impl LiveRow for Call {
    fn key(&self) -> &str {
        &self.id
    }

    fn seq(&self) -> i64 {
        self.seq
    }

    /// The read model's row has no names (the server joins them in) and no detail-only
    /// fields: they are kept from the held row while the id they name is the same.
    fn merged(mut self, held: &Self) -> Self {
        if self.requester_id == held.requester_id {
            self.requester_name = self.requester_name.or_else(|| held.requester_name.clone());
        }
        if self.queue_id == held.queue_id {
            self.queue_name = self.queue_name.or_else(|| held.queue_name.clone());
        }
        if self.agent_id == held.agent_id {
            self.agent_name = self.agent_name.or_else(|| held.agent_name.clone());
        }
        self.rated = self.rated.or(held.rated);
        if self.is_waiting() && self.queue_id == held.queue_id {
            self.position = self.position.or(held.position);
            self.estimated_wait_s = self.estimated_wait_s.or(held.estimated_wait_s);
        }
        self
    }
}

impl Call {
    /// Fills the names a pushed row lacks from ids the page knows the names of.
    pub fn name_from(&mut self, names: &Names) {
        if self.queue_name.is_none() {
            self.queue_name = self.queue_id.as_ref().and_then(|id| names.get(id));
        }
        if self.agent_name.is_none() {
            self.agent_name = self.agent_id.as_ref().and_then(|id| names.get(id));
        }
        if self.requester_name.is_none() {
            self.requester_name = self.requester_id.as_ref().and_then(|id| names.get(id));
        }
    }

    /// A name the page shows is missing: its id is set, its name unknown.
    pub fn lacks_names(&self) -> bool {
        (self.queue_id.is_some() && self.queue_name.is_none())
            || (self.agent_id.is_some() && self.agent_name.is_none())
            || (self.requester_id.is_some() && self.requester_name.is_none())
    }
}

/// `GET /api/calls`'s order: the newest request first.
pub fn newest_first(a: &Call, b: &Call) -> Ordering {
    match (a.requested_at, b.requested_at) {
        (Some(x), Some(y)) => y.cmp(&x).then_with(|| b.id.cmp(&a.id)),
        // NULLS LAST
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => b.id.cmp(&a.id),
    }
}

impl LiveRow for Agent {
    fn key(&self) -> &str {
        &self.id
    }

    fn seq(&self) -> i64 {
        self.seq
    }

    /// Name and email come from the accounts, not the read model's row.
    fn merged(mut self, held: &Self) -> Self {
        self.name = self.name.or_else(|| held.name.clone());
        self.email = self.email.or_else(|| held.email.clone());
        self
    }
}

impl Agent {
    /// A pushed row counts the calls of the day it names; the board shows today's.
    pub fn for_today(mut self, today: NaiveDate) -> Self {
        if self.calls_today_date.is_some_and(|day| day != today) {
            self.calls_today = 0;
        }
        self
    }
}

/// `GET /api/agents`' order: by name, then id (nameless rows last, as PostgreSQL sorts).
pub fn by_name(a: &Agent, b: &Agent) -> Ordering {
    match (&a.name, &b.name) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.id.cmp(&b.id))
}

impl LiveRow for Queue {
    fn key(&self) -> &str {
        &self.id
    }

    /// A queue's board row is computed from many rows (its `seq` is their greatest), so a
    /// pushed settings row is never "older" than it: the hub already drops notices older
    /// than one seen for the same queue.
    fn seq(&self) -> i64 {
        0
    }

    /// A pushed row has the settings only: what happens in the queue is kept (and counted
    /// again by the floor), and precedence is not in the read model.
    fn merged(mut self, held: &Self) -> Self {
        self.precedence = self.precedence.or(held.precedence);
        self.waiting = held.waiting;
        self.longest_wait_s = held.longest_wait_s;
        self.oldest_waiting_since = held.oldest_waiting_since;
        self.agents_available = held.agents_available;
        self.agents_on_call = held.agents_on_call;
        self.agents_wrap_up = held.agents_wrap_up;
        self.agents_on_break = held.agents_on_break;
        self.service_level_today = held.service_level_today;
        self.estimated_wait_s = held.estimated_wait_s;
        self.estimate_reason = held.estimate_reason;
        self.handled_today = held.handled_today;
        self.handle_s_today = held.handle_s_today;
        self
    }
}

/// `GET /api/queues`' order: by name, then id.
pub fn queue_by_name(a: &Queue, b: &Queue) -> Ordering {
    a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id))
}

/// Names by id (queues, interpreters, requesters), gathered from the rows a page loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names(HashMap<String, String>);

impl Names {
    pub fn get(&self, id: &str) -> Option<String> {
        self.0.get(id).cloned()
    }

    pub fn learn(&mut self, id: &str, name: Option<&str>) {
        if let Some(name) = name {
            self.0.insert(id.to_owned(), name.to_owned());
        }
    }

    pub fn learn_calls<'a>(&mut self, calls: impl IntoIterator<Item = &'a Call>) {
        for c in calls {
            for (id, name) in [
                (&c.queue_id, &c.queue_name),
                (&c.agent_id, &c.agent_name),
                (&c.requester_id, &c.requester_name),
            ] {
                if let Some(id) = id {
                    self.learn(id, name.as_deref());
                }
            }
        }
    }

    pub fn learn_agents<'a>(&mut self, agents: impl IntoIterator<Item = &'a Agent>) {
        for a in agents {
            self.learn(&a.id, Some(&a.display_name()));
        }
    }

    pub fn learn_queues<'a>(&mut self, queues: impl IntoIterator<Item = &'a Queue>) {
        for q in queues {
            self.learn(&q.id, Some(&q.name));
        }
    }
}

/// The instant a waiting call started waiting, as the board counts it.
pub fn waiting_since(call: &Call) -> Option<DateTime<Utc>> {
    call.queued_at.or(call.requested_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::message;
    use crate::live::rows::{Applied, LiveRows};
    use serde_json::json;
    use wire::ViewKind;

    #[test]
    fn a_pushed_call_row_replaces_the_listed_one_and_keeps_its_names() {
        let listed: Call = serde_json::from_value(json!({
            "id": "c1", "status": "queued", "queue_id": "q1", "queue_name": "Spanish",
            "requester_id": "r1", "requester_name": "Rosa", "seq": 5,
            "requested_at": "2025-01-01T10:00:00Z"
        }))
        .unwrap_or_default();
        let mut list = LiveRows::new(newest_first);
        list.begin_load();
        list.finish_load(vec![listed], true);
        // The read model's row, as the projection publishes it.
        let row: Option<Call> = pushed(&message(
            ViewKind::Call,
            json!({"call_id": "c1", "status": "connected", "queue_id": "q1", "requester_id": "r1",
                   "agent_id": "a1", "requested_at": "2025-01-01T10:00:00Z", "seq": 7,
                   "connection_hold_s": 0, "overflows": 0}),
        ));
        let Some(mut row) = row else {
            panic!("the pushed row parses")
        };
        let mut names = Names::default();
        names.learn("a1", Some("Ana"));
        row.name_from(&names);
        assert_eq!(list.push(row, true), Applied::Updated);
        let held = list.get("c1").cloned().unwrap_or_default();
        assert_eq!(held.status, "connected");
        assert_eq!(held.queue_name.as_deref(), Some("Spanish"));
        assert_eq!(held.requester_name.as_deref(), Some("Rosa"));
        assert_eq!(held.agent_name.as_deref(), Some("Ana"));
        assert!(!held.lacks_names());
    }

    #[test]
    fn a_pushed_agent_row_keeps_the_name_and_counts_only_todays_calls() {
        let today = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap_or_default();
        let held = Agent {
            id: "a1".into(),
            name: Some("Ana".into()),
            ..Agent::default()
        };
        let row: Option<Agent> = pushed(&message(
            ViewKind::Agent,
            json!({"agent_id": "a1", "status": "available", "status_since": "2025-01-02T09:00:00Z",
                   "activity": "idle", "calls_today": 3, "calls_today_date": "2025-01-01", "seq": 4}),
        ));
        let row = row.unwrap_or_default().for_today(today).merged(&held);
        assert_eq!(row.name.as_deref(), Some("Ana"));
        assert_eq!(row.calls_today, 0, "yesterday's count");
        assert!(row.since.is_some());
    }

    #[test]
    fn lists_keep_the_servers_order() {
        let call = |id: &str, at: &str| Call {
            id: id.into(),
            requested_at: at.parse().ok(),
            ..Call::default()
        };
        let mut calls = vec![
            call("a", "2025-01-01T10:00:00Z"),
            call("b", "2025-01-01T11:00:00Z"),
        ];
        calls.sort_by(newest_first);
        assert_eq!(calls[0].id, "b");
        let agent = |id: &str, name: Option<&str>| Agent {
            id: id.into(),
            name: name.map(str::to_owned),
            ..Agent::default()
        };
        let mut agents = vec![
            agent("x", None),
            agent("b", Some("Bo")),
            agent("a", Some("Al")),
        ];
        agents.sort_by(by_name);
        let ids: Vec<&str> = agents.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "x"]);
    }
}
