//! The router's side of callbacks (issue 17, "Keep my place, call me back"): the join
//! window of a callback call an interpreter accepted is a timer like the ring timeout. It
//! is folded from `CallbackOffered.join_by` and closed by `RequesterJoined` or the call's
//! end; when it passes, the router sends `MissCallback` (`Floor::miss_callback`).

use chrono::{DateTime, Utc};
use domain::ids::CallId;

use super::{Decision, RouterState};

impl RouterState {
    /// Callback calls whose join window passed at `now` without their requester.
    pub(super) fn callback_decisions(&self, now: DateTime<Utc>) -> Vec<Decision> {
        let mut due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, call)| call.join_by.is_some_and(|by| now >= by))
            .map(|(id, _)| *id)
            .collect();
        due.sort();
        due.into_iter()
            .map(|call| Decision::MissCallback { call })
            .collect()
    }

    /// The join windows still open, for `next_deadline`.
    pub(super) fn callback_deadlines(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.calls.values().filter_map(|call| call.join_by)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use domain::call::CallEvent;

    use super::super::tests::{bus_event, one_call_one_interpreter};
    use super::super::{Decision, RouterState};

    fn apply(state: &mut RouterState, call: domain::ids::CallId, seq: i64, event: &CallEvent) {
        state
            .apply_message(&bus_event("Call", call.0, seq, event))
            .unwrap_or_default();
    }

    #[test]
    fn a_callback_call_keeps_its_place_and_its_join_window_is_a_timer_closed_by_a_join() {
        let t0 = Utc::now();
        let (mut state, queue, agent, call) = one_call_one_interpreter(t0);
        let chosen = CallEvent::CallbackChosen {
            webhook_url: None,
            join_window_s: 30,
            at: t0,
        };
        apply(&mut state, call, 3, &chosen);
        // Still waiting: offered as any call would be.
        let first = state.decide(t0 + Duration::seconds(1));
        assert!(
            first
                .iter()
                .any(|d| matches!(d, Decision::Offer { call: c, .. } if *c == call))
        );
        let accepted_at = t0 + Duration::seconds(2);
        let join_by = accepted_at + Duration::seconds(30);
        apply(
            &mut state,
            call,
            4,
            &CallEvent::CallAccepted {
                agent_id: agent,
                queue_id: queue,
                wait_seconds: 2,
                at: accepted_at,
            },
        );
        apply(
            &mut state,
            call,
            5,
            &CallEvent::CallbackOffered {
                agent_id: agent,
                webhook_url: None,
                join_by,
                at: accepted_at,
            },
        );
        assert_eq!(state.next_deadline(accepted_at), Some(join_by));
        assert!(
            !state
                .decide(join_by - Duration::milliseconds(1))
                .contains(&Decision::MissCallback { call })
        );
        assert!(
            state
                .decide(join_by)
                .contains(&Decision::MissCallback { call })
        );
        apply(
            &mut state,
            call,
            6,
            &CallEvent::RequesterJoined { at: join_by },
        );
        assert!(
            !state
                .decide(join_by + Duration::seconds(60))
                .contains(&Decision::MissCallback { call })
        );
    }
}
