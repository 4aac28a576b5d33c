//! A warm transfer: the interpreter consults a colleague (named, or the first to accept
//! in a queue) while the caller stays connected, then completes or cancels the handover.
//!
//! `ConsultRequested` rings the colleague as a transfer does; their accept stores
//! `ConsultAnswered` (not a handover), and both interpreters are on the call. Completing
//! it is the transfer's handover (`CallTransferred` then `CallAccepted`, one commit);
//! cancelling it (`ConsultCancelled`) sends the colleague to wrap-up and leaves the call
//! as it was. The caller is never without an interpreter: the first one lets go only in
//! the commit where the second takes the call.

use chrono::{DateTime, Utc};

use crate::call::{Call, CallError, CallEvent, PendingTransfer, WithdrawReason, seconds_between};
use crate::ids::AgentId;

impl Call {
    /// The consult the call's interpreter `by_agent` has under way.
    fn consult_of(&self, by_agent: AgentId) -> Result<PendingTransfer, CallError> {
        self.ensure_live_with(Some(by_agent))?;
        match self.pending_transfer {
            Some(pending) if pending.consult => Ok(pending),
            _ => Err(CallError::NoConsult),
        }
    }

    pub(crate) fn decide_complete_transfer(
        &self,
        by_agent: AgentId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let pending = self.consult_of(by_agent)?;
        let consultant = pending.consultant.ok_or(CallError::ConsultNotAnswered)?;
        Ok(vec![
            CallEvent::CallTransferred {
                from_agent_id: Some(by_agent),
                target: pending.target,
                at,
            },
            CallEvent::CallAccepted {
                agent_id: consultant,
                queue_id: pending.queue_id,
                wait_seconds: seconds_between(self.requested_at, at),
                at,
            },
        ])
    }

    pub(crate) fn decide_cancel_consult(
        &self,
        by_agent: AgentId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let pending = self.consult_of(by_agent)?;
        Ok(self.consult_cancelled(pending, at))
    }

    /// The events that end a consult: a ringing offer withdrawn, then `ConsultCancelled`
    /// naming the colleague who answered, if one did.
    pub(crate) fn consult_cancelled(
        &self,
        pending: PendingTransfer,
        at: DateTime<Utc>,
    ) -> Vec<CallEvent> {
        let mut events = Vec::new();
        if let Some(offer) = self.offer {
            events.push(CallEvent::OfferWithdrawn {
                agent_id: offer.agent_id,
                reason: WithdrawReason::Transferred,
                at,
            });
        }
        events.push(CallEvent::ConsultCancelled {
            from_agent_id: pending.from_agent_id,
            consultant: pending.consultant,
            at,
        });
        events
    }

    pub(crate) fn apply_consult(&mut self, event: &CallEvent) {
        match event {
            CallEvent::ConsultRequested {
                from_agent_id,
                target,
                queue_id,
                ..
            } => {
                self.pending_transfer = Some(PendingTransfer {
                    from_agent_id: *from_agent_id,
                    target: *target,
                    queue_id: *queue_id,
                    consult: true,
                    consultant: None,
                });
                self.widening_step = 0;
            }
            CallEvent::ConsultAnswered { agent_id, .. } => {
                self.offer = None;
                if let Some(pending) = &mut self.pending_transfer {
                    pending.consultant = Some(*agent_id);
                }
            }
            CallEvent::ConsultCancelled { .. } => self.pending_transfer = None,
            _ => {}
        }
    }
}
