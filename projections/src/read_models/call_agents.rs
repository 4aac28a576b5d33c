//! Which interpreters may see which calls: `read_calls.call_agents`, kept beside `calls`.
//!
//! An interpreter sees the calls that ring for them now and the calls they answered, even
//! after handing them on. Reading that from the call history (an `EXISTS` over every
//! `CallAccepted`) costs in proportion to all calls; this table holds one row per
//! (interpreter, call) pair that qualifies, with the call's `requested_at`, so an
//! interpreter's page of `GET /api/calls` is an index scan of their own rows, newest first.
//!
//! A row appears when the call is offered to the interpreter, is marked `answered` when
//! they accept it, and goes when an offer ends unanswered (declined, expired, withdrawn,
//! abandoned) unless they had answered the call before (a transfer back to them). The
//! table and its index are declared with `calls` (see `calls::SCHEMA`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::call::CallEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::projection::ProjectionError;

/// What a batch of events leaves for one (interpreter, call) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pair {
    /// The pair stays (or becomes) visible; `answered` once the interpreter accepted.
    Keep { answered: bool },
    /// An offer ended unanswered: the pair goes, unless it was answered before this batch.
    Release,
}

/// The pairs a batch of call events touches, folded in order, then written in two
/// statements (see [`VisibleTo::write`]).
#[derive(Default)]
pub struct VisibleTo {
    pairs: HashMap<(Uuid, Uuid), (Pair, DateTime<Utc>)>,
    /// The pairs in the order first touched, so the statements are deterministic.
    order: Vec<(Uuid, Uuid)>,
}

impl VisibleTo {
    /// Folds one event of the call `call_id`, requested at `requested_at`.
    pub fn fold(&mut self, call_id: Uuid, requested_at: DateTime<Utc>, event: &CallEvent) {
        use CallEvent as E;
        let (agent, offered_or_answered) = match event {
            E::CallOffered { agent_id, .. } => (agent_id.as_uuid(), Some(false)),
            E::CallAccepted { agent_id, .. } => (agent_id.as_uuid(), Some(true)),
            E::OfferDeclined { agent_id, .. }
            | E::OfferExpired { agent_id, .. }
            | E::OfferWithdrawn { agent_id, .. } => (agent_id.as_uuid(), None),
            E::CallAbandoned {
                offered_agent_id: Some(agent_id),
                ..
            } => (agent_id.as_uuid(), None),
            _ => return,
        };
        let key = (agent, call_id);
        let before = self.pairs.get(&key).map(|(pair, _)| *pair);
        if before.is_none() {
            self.order.push(key);
        }
        let answered_here = before == Some(Pair::Keep { answered: true });
        let after = match offered_or_answered {
            Some(answered) => Pair::Keep {
                answered: answered || answered_here,
            },
            None if answered_here => Pair::Keep { answered: true },
            None => Pair::Release,
        };
        self.pairs.insert(key, (after, requested_at));
    }

    /// Writes the batch: one upsert for the pairs kept (an answer is never forgotten), one
    /// delete for the pairs released that were never answered.
    pub async fn write(self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        let (mut kept_agents, mut kept_calls, mut kept_at, mut kept_answered) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut released_agents, mut released_calls) = (Vec::new(), Vec::new());
        for key in self.order {
            let Some((pair, requested_at)) = self.pairs.get(&key) else {
                continue;
            };
            match pair {
                Pair::Keep { answered } => {
                    kept_agents.push(key.0);
                    kept_calls.push(key.1);
                    kept_at.push(*requested_at);
                    kept_answered.push(*answered);
                }
                Pair::Release => {
                    released_agents.push(key.0);
                    released_calls.push(key.1);
                }
            }
        }
        if !kept_agents.is_empty() {
            sqlx::query(
                "INSERT INTO call_agents (agent_id, call_id, requested_at, answered) \
                 SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::bool[]) \
                 ON CONFLICT (call_id, agent_id) \
                 DO UPDATE SET answered = call_agents.answered OR EXCLUDED.answered",
            )
            .bind(&kept_agents)
            .bind(&kept_calls)
            .bind(&kept_at)
            .bind(&kept_answered)
            .execute(&mut *tx)
            .await?;
        }
        if !released_agents.is_empty() {
            sqlx::query(
                "DELETE FROM call_agents c USING unnest($1::uuid[], $2::uuid[]) AS r (agent_id, call_id) \
                 WHERE c.agent_id = r.agent_id AND c.call_id = r.call_id AND NOT c.answered",
            )
            .bind(&released_agents)
            .bind(&released_calls)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::ids::{AgentId, QueueId};

    use super::*;

    fn offered(agent: AgentId, at: DateTime<Utc>) -> CallEvent {
        CallEvent::CallOffered {
            agent_id: agent,
            queue_id: QueueId(Uuid::new_v4()),
            expires_at: at,
            at,
        }
    }

    fn accepted(agent: AgentId, at: DateTime<Utc>) -> CallEvent {
        CallEvent::CallAccepted {
            agent_id: agent,
            queue_id: QueueId(Uuid::new_v4()),
            wait_seconds: 0,
            at,
        }
    }

    fn declined(agent: AgentId, at: DateTime<Utc>) -> CallEvent {
        CallEvent::OfferDeclined {
            agent_id: agent,
            at,
        }
    }

    fn folded(call: Uuid, events: &[CallEvent]) -> VisibleTo {
        let mut visible = VisibleTo::default();
        for event in events {
            visible.fold(call, Utc::now(), event);
        }
        visible
    }

    fn pair(visible: &VisibleTo, agent: AgentId, call: Uuid) -> Option<Pair> {
        visible
            .pairs
            .get(&(agent.as_uuid(), call))
            .map(|(pair, _)| *pair)
    }

    #[test]
    fn an_offer_declined_is_released_and_an_answer_is_kept() {
        let (a, b, call, at) = (
            AgentId(Uuid::new_v4()),
            AgentId(Uuid::new_v4()),
            Uuid::new_v4(),
            Utc::now(),
        );
        let visible = folded(
            call,
            &[
                offered(a, at),
                declined(a, at),
                offered(b, at),
                accepted(b, at),
            ],
        );
        assert_eq!(pair(&visible, a, call), Some(Pair::Release));
        assert_eq!(pair(&visible, b, call), Some(Pair::Keep { answered: true }));
        assert_eq!(
            visible.order,
            vec![(a.as_uuid(), call), (b.as_uuid(), call)]
        );
    }

    #[test]
    fn an_answer_survives_a_later_offer_that_ends_unanswered() {
        let (a, call, at) = (AgentId(Uuid::new_v4()), Uuid::new_v4(), Utc::now());
        // Answered, transferred away, offered back and declined: still theirs to see.
        let visible = folded(
            call,
            &[
                offered(a, at),
                accepted(a, at),
                offered(a, at),
                declined(a, at),
            ],
        );
        assert_eq!(pair(&visible, a, call), Some(Pair::Keep { answered: true }));
    }

    #[test]
    fn an_offer_still_ringing_is_kept_unanswered() {
        let (a, call, at) = (AgentId(Uuid::new_v4()), Uuid::new_v4(), Utc::now());
        let visible = folded(call, &[offered(a, at), declined(a, at), offered(a, at)]);
        assert_eq!(
            pair(&visible, a, call),
            Some(Pair::Keep { answered: false })
        );
    }
}
