//! The floor's queue board counted again from the rows the floor holds, so a pushed call or
//! interpreter updates the queues without `GET /api/queues` (whose cost grows with
//! interpreters × queues). The rules are the server's (`command-api` board.rs): the same
//! eligibility, the same counts, and `wire::estimate` for the wait.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::kinds::waiting_since;
use crate::types::{presence, Agent, Call, Queue};

/// Whether the interpreter may take the queue's calls: a language of the queue, its
/// modality when it has one, a member when it has members.
pub fn is_eligible(queue: &Queue, agent: &Agent) -> bool {
    agent.languages.iter().any(|l| queue.languages.contains(l))
        && queue
            .modality
            .as_ref()
            .is_none_or(|m| agent.modalities.contains(m))
        && (queue.members.is_empty() || queue.members.contains(&agent.id))
}

/// Counts `queue`'s waiting calls, interpreters and estimate from `calls` (every call
/// waiting or in progress) and `agents` (every interpreter). Today's service level and
/// handle time are not in pushed rows: they stay as last loaded.
pub fn recount(queue: &mut Queue, calls: &[Call], agents: &[Agent]) {
    let mine = calls
        .iter()
        .filter(|c| c.queue_id.as_deref() == Some(queue.id.as_str()));
    let (mut waiting, mut oldest) = (0, None::<DateTime<Utc>>);
    let mut on_call = HashSet::new();
    for call in mine {
        if call.is_queued() {
            waiting += 1;
            oldest = match (oldest, waiting_since(call)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        } else if call.is_live() {
            if let Some(agent) = &call.agent_id {
                on_call.insert(agent.as_str());
            }
        }
    }
    let (mut free, mut staffed, mut wrap_up, mut on_break) = (0, 0, 0, 0);
    for agent in agents.iter().filter(|a| is_eligible(queue, a)) {
        let available = agent.status == presence::AVAILABLE;
        free += i64::from(available && agent.activity == presence::IDLE);
        staffed += i64::from(available);
        wrap_up += i64::from(agent.activity == presence::WRAP_UP);
        on_break += i64::from(agent.status == presence::BREAK);
    }
    let estimated = wire::estimate(wire::Basis {
        ahead: waiting,
        free,
        staffed,
        handled: queue.handled_today,
        handle_s: queue.handle_s_today,
    });
    queue.waiting = waiting;
    queue.oldest_waiting_since = oldest;
    queue.agents_available = free;
    queue.agents_on_call = i64::try_from(on_call.len()).unwrap_or(i64::MAX);
    queue.agents_wrap_up = wrap_up;
    queue.agents_on_break = on_break;
    queue.estimated_wait_s = estimated.ok();
    queue.estimate_reason = estimated.err();
}

/// The longest wait shown for a queue at `now`.
pub fn longest_wait_s(queue: &Queue, now: DateTime<Utc>) -> i64 {
    if queue.waiting == 0 {
        return 0;
    }
    queue
        .oldest_waiting_since
        .map_or(queue.longest_wait_s, |t| (now - t).num_seconds().max(0))
}

/// After a load: the instant the longest wait counts from, so it keeps growing on screen.
pub fn anchor_longest_wait(queue: &mut Queue, loaded_at: DateTime<Utc>) {
    queue.oldest_waiting_since =
        (queue.waiting > 0).then(|| loaded_at - chrono::Duration::seconds(queue.longest_wait_s));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::call_status;

    fn agent(id: &str, status: &str, activity: &str, languages: &[&str]) -> Agent {
        Agent {
            id: id.into(),
            status: status.into(),
            activity: activity.into(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            modalities: vec!["video".into()],
            ..Agent::default()
        }
    }

    fn call(id: &str, status: &str, queue: &str, agent: Option<&str>, at: &str) -> Call {
        Call {
            id: id.into(),
            status: status.into(),
            queue_id: Some(queue.into()),
            agent_id: agent.map(str::to_owned),
            requested_at: at.parse().ok(),
            ..Call::default()
        }
    }

    #[test]
    fn a_queue_is_counted_from_its_calls_and_eligible_interpreters() {
        let mut queue = Queue {
            id: "q".into(),
            languages: vec!["es".into()],
            handled_today: 2,
            handle_s_today: 400,
            ..Queue::default()
        };
        let calls = [
            call("c1", call_status::QUEUED, "q", None, "2025-01-01T10:00:00Z"),
            call(
                "c2",
                call_status::OFFERED,
                "q",
                None,
                "2025-01-01T09:00:00Z",
            ),
            call(
                "c3",
                call_status::CONNECTED,
                "q",
                Some("a2"),
                "2025-01-01T08:00:00Z",
            ),
            call(
                "c4",
                call_status::QUEUED,
                "other",
                None,
                "2025-01-01T07:00:00Z",
            ),
        ];
        let agents = [
            agent("a1", presence::AVAILABLE, presence::IDLE, &["es"]),
            agent("a2", presence::AVAILABLE, presence::ON_CALL, &["es", "fr"]),
            agent("a3", presence::BREAK, presence::IDLE, &["es"]),
            agent("a4", presence::AVAILABLE, presence::IDLE, &["fr"]),
        ];
        recount(&mut queue, &calls, &agents);
        assert_eq!(queue.waiting, 2);
        assert_eq!(
            queue.oldest_waiting_since,
            "2025-01-01T09:00:00Z".parse().ok()
        );
        assert_eq!(
            (
                queue.agents_available,
                queue.agents_on_call,
                queue.agents_on_break
            ),
            (1, 1, 1)
        );
        // (2 waiting + 1 − 1 free) × 200 s ÷ 2 staffed
        assert_eq!(queue.estimated_wait_s, Some(200));
    }

    #[test]
    fn members_and_modality_narrow_who_counts() {
        let mut queue = Queue {
            id: "q".into(),
            languages: vec!["es".into()],
            modality: Some("audio".into()),
            ..Queue::default()
        };
        let agents = [agent("a1", presence::AVAILABLE, presence::IDLE, &["es"])];
        recount(&mut queue, &[], &agents);
        assert_eq!(queue.agents_available, 0, "video only");
        queue.modality = None;
        queue.members = vec!["someone-else".into()];
        recount(&mut queue, &[], &agents);
        assert_eq!(queue.agents_available, 0, "not a member");
        assert_eq!(
            queue.estimate_reason,
            Some(wire::EstimateReason::NoInterpretersSignedIn)
        );
    }
}
