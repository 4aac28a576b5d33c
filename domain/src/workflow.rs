//! Commands that span a call and an agent, and the retrying executor they run on.
//!
//! Two rules keep "one call, one agent; one agent, one call" true without a transaction
//! across aggregates:
//! 1. An offer is *reserved* on the agent first (`ReceiveOffer` refuses a second offer or
//!    a busy agent), and only then made on the call; a refusal there releases the agent.
//! 2. Every later fate of an offer or a call (accept, decline, expire, withdraw, cancel,
//!    end, transfer) is decided on the call first — the call is the arbiter — and the
//!    agent side follows.
//!
//! A crash between the two steps leaves the agent side behind the call side; the router
//! reconciles that from the event stream (e.g. it clears an agent offer past its expiry).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cqrs_es::mem_store::MemStoreAggregateContext;
use cqrs_es::persist::EventStoreAggregateContext;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventStore};

use crate::agent::{
    Activity, Agent, AgentCommand, AgentError, AgentEvent, CallEndReason, OfferOutcome,
};
use crate::call::{
    Call, CallCommand, CallError, CallEvent, CallStatus, TransferTarget, WithdrawReason,
};
use crate::ids::{AgentId, CallId, UserId};
use crate::media::RequeueReason;
use crate::values::{AgentStatus, Disposition, PersonalText};

/// Request context stored with every event: who, which request, which conversation.
pub type Metadata = HashMap<String, String>;

/// The sequence an aggregate is at, whichever store loaded it.
pub trait Versioned {
    fn version(&self) -> usize;
    /// The context of an aggregate without events, as loading a new id gives.
    fn empty(aggregate_id: &str) -> Self;
}

impl<A: Aggregate> Versioned for EventStoreAggregateContext<A> {
    fn version(&self) -> usize {
        self.current_sequence
    }
    fn empty(aggregate_id: &str) -> Self {
        Self {
            aggregate_id: aggregate_id.to_owned(),
            aggregate: A::default(),
            current_sequence: 0,
            current_snapshot: None,
        }
    }
}

impl<A: Aggregate> Versioned for MemStoreAggregateContext<A> {
    fn version(&self) -> usize {
        self.current_sequence
    }
    fn empty(aggregate_id: &str) -> Self {
        Self {
            aggregate_id: aggregate_id.to_owned(),
            aggregate: A::default(),
            current_sequence: 0,
        }
    }
}

/// What the executor knows of an aggregate's stream before a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// It may hold events: read it first.
    MayExist,
    /// The id was minted for this command, so its stream is empty: the first attempt
    /// decides without reading it. Should it hold events after all, the append conflicts
    /// (the event store refuses a sequence taken) and the retry reads it.
    New,
}

/// What a successful command stored.
#[derive(Debug, Clone)]
pub struct Committed<E> {
    /// The aggregate's sequence after the command (unchanged when it was a no-op).
    pub version: usize,
    pub events: Vec<E>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<E: std::error::Error> {
    #[error(transparent)]
    Rejected(E),
    #[error("the {aggregate} changed concurrently {attempts} times in a row")]
    Conflict {
        aggregate: &'static str,
        attempts: u32,
    },
    #[error("event store failure: {0}")]
    Store(String),
}

/// Loads an aggregate and its version.
pub async fn load<A, ES>(store: &ES, id: &str) -> Result<(A, usize), ExecuteError<A::Error>>
where
    A: Aggregate + Clone,
    ES: EventStore<A>,
    ES::AC: Versioned,
{
    let mut context = store.load_aggregate(id).await.map_err(store_error)?;
    let version = context.version();
    Ok((context.aggregate().clone(), version))
}

/// Handles `command` on the latest state of aggregate `id` and commits its events. When
/// another writer commits first the append conflicts; the command is then decided again
/// on the new state, up to `max_attempts` times in all.
pub async fn execute<A, ES>(
    store: &ES,
    id: &str,
    command: &A::Command,
    services: &A::Services,
    metadata: &Metadata,
    max_attempts: u32,
) -> Result<Committed<A::Event>, ExecuteError<A::Error>>
where
    A: Aggregate,
    A::Command: Clone,
    ES: EventStore<A>,
    ES::AC: Versioned,
{
    execute_on(
        store,
        id,
        Stream::MayExist,
        command,
        services,
        metadata,
        max_attempts,
    )
    .await
}

/// `execute`, told whether the aggregate's stream may hold events already.
pub async fn execute_on<A, ES>(
    store: &ES,
    id: &str,
    stream: Stream,
    command: &A::Command,
    services: &A::Services,
    metadata: &Metadata,
    max_attempts: u32,
) -> Result<Committed<A::Event>, ExecuteError<A::Error>>
where
    A: Aggregate,
    A::Command: Clone,
    ES: EventStore<A>,
    ES::AC: Versioned,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut context = if attempts == 1 && stream == Stream::New {
            ES::AC::empty(id)
        } else {
            store.load_aggregate(id).await.map_err(store_error)?
        };
        let version = context.version();
        let sink = cqrs_es::event_sink::EventSink::default();
        context
            .aggregate()
            .handle(command.clone(), services, &sink)
            .await
            .map_err(ExecuteError::Rejected)?;
        let events = sink.collect().await;
        if events.is_empty() {
            return Ok(Committed { version, events });
        }
        match store
            .commit(events.clone(), context, metadata.clone())
            .await
        {
            Ok(envelopes) => {
                let version = envelopes.last().map_or(version, |e| e.sequence);
                return Ok(Committed { version, events });
            }
            Err(AggregateError::AggregateConflict) if attempts < max_attempts => {
                tracing::debug!(
                    aggregate = A::TYPE,
                    id,
                    attempts,
                    "append conflicted; retrying"
                );
            }
            Err(AggregateError::AggregateConflict) => {
                return Err(ExecuteError::Conflict {
                    aggregate: A::TYPE,
                    attempts,
                });
            }
            Err(other) => return Err(store_error(other)),
        }
    }
}

fn store_error<E: std::error::Error>(error: AggregateError<E>) -> ExecuteError<E> {
    match error {
        AggregateError::UserError(e) => ExecuteError::Rejected(e),
        other => ExecuteError::Store(other.to_string()),
    }
}

/// A refusal or failure of a workflow, from whichever aggregate refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Call(ExecuteError<CallError>),
    #[error(transparent)]
    Agent(ExecuteError<AgentError>),
}

impl From<ExecuteError<CallError>> for WorkflowError {
    fn from(e: ExecuteError<CallError>) -> Self {
        Self::Call(e)
    }
}

impl From<ExecuteError<AgentError>> for WorkflowError {
    fn from(e: ExecuteError<AgentError>) -> Self {
        Self::Agent(e)
    }
}

/// The floor's write side: the call and agent stores plus the commands spanning both.
pub struct Floor<CS, AS> {
    pub calls: CS,
    pub agents: AS,
    pub max_attempts: u32,
    /// Consecutive expired offers after which an agent is set away.
    pub away_after_missed: u32,
}

impl<CS, AS> Floor<CS, AS>
where
    CS: EventStore<Call>,
    CS::AC: Versioned,
    AS: EventStore<Agent>,
    AS::AC: Versioned,
{
    /// Requests a call under `call_id`, an id minted for this request: its stream is not
    /// read first (see `Stream::New`).
    pub async fn request_call(
        &self,
        call_id: CallId,
        command: CallCommand,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, ExecuteError<CallError>> {
        execute_on::<Call, _>(
            &self.calls,
            &call_id.to_string(),
            Stream::New,
            &command,
            &(),
            metadata,
            self.max_attempts,
        )
        .await
    }

    pub async fn call(
        &self,
        call_id: CallId,
        command: CallCommand,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, ExecuteError<CallError>> {
        execute::<Call, _>(
            &self.calls,
            &call_id.to_string(),
            &command,
            &(),
            metadata,
            self.max_attempts,
        )
        .await
    }

    pub async fn agent(
        &self,
        agent_id: AgentId,
        command: AgentCommand,
        metadata: &Metadata,
    ) -> Result<Committed<AgentEvent>, ExecuteError<AgentError>> {
        execute::<Agent, _>(
            &self.agents,
            &agent_id.to_string(),
            &command,
            &(),
            metadata,
            self.max_attempts,
        )
        .await
    }

    pub async fn load_call(
        &self,
        call_id: CallId,
    ) -> Result<(Call, usize), ExecuteError<CallError>> {
        load::<Call, _>(&self.calls, &call_id.to_string()).await
    }

    pub async fn load_agent(
        &self,
        agent_id: AgentId,
    ) -> Result<(Agent, usize), ExecuteError<AgentError>> {
        load::<Agent, _>(&self.agents, &agent_id.to_string()).await
    }

    /// The agent side following a decision the call already made. Its refusal means the
    /// agent side had already moved on (e.g. a wrap-up that timed out); that is logged,
    /// not reported, because the call's decision stands.
    async fn follow_on_agent(
        &self,
        agent_id: AgentId,
        command: AgentCommand,
        metadata: &Metadata,
    ) -> Result<(), WorkflowError> {
        match self.agent(agent_id, command, metadata).await {
            Ok(_) => Ok(()),
            Err(ExecuteError::Rejected(refusal)) => {
                tracing::warn!(%agent_id, %refusal, "agent side already moved on");
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }

    fn clear_offer(
        &self,
        call_id: CallId,
        outcome: OfferOutcome,
        at: DateTime<Utc>,
    ) -> AgentCommand {
        AgentCommand::ClearOffer {
            call_id,
            outcome,
            away_after_missed: self.away_after_missed,
            at,
        }
    }

    /// Releases on the agent side every offer `events` took back on the call side.
    async fn release_withdrawn(
        &self,
        call_id: CallId,
        events: &[CallEvent],
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), WorkflowError> {
        for event in events {
            match event {
                CallEvent::OfferWithdrawn { agent_id, .. } => {
                    let clear = self.clear_offer(call_id, OfferOutcome::Withdrawn, at);
                    self.follow_on_agent(*agent_id, clear, metadata).await?;
                }
                // A colleague who answered a consult leaves it for wrap-up.
                CallEvent::ConsultCancelled {
                    consultant: Some(agent_id),
                    ..
                } => {
                    let end = AgentCommand::EndCall {
                        call_id,
                        reason: CallEndReason::ConsultEnded,
                        at,
                    };
                    self.follow_on_agent(*agent_id, end, metadata).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Rings `agent_id` for `call_id`: reserve the agent, then offer on the call.
    pub async fn offer(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        // Refuse what is plainly impossible before reserving the agent, so that a bad request
        // leaves no reservation events behind. The call still arbitrates a race below.
        let (call, _) = self.load_call(call_id).await?;
        let impossible = match call.status {
            CallStatus::New => Some(CallError::NotFound),
            _ if call.offer.is_some() => Some(CallError::AlreadyOffered),
            status if !call.is_routable() => Some(CallError::NotWaiting(status.as_str())),
            _ => None,
        };
        if let Some(refusal) = impossible {
            return Err(ExecuteError::Rejected(refusal).into());
        }
        self.agent(
            agent_id,
            AgentCommand::ReceiveOffer {
                call_id,
                expires_at,
                at,
            },
            metadata,
        )
        .await?;
        match self
            .call(
                call_id,
                CallCommand::Offer {
                    agent_id,
                    expires_at,
                    at,
                },
                metadata,
            )
            .await
        {
            Ok(committed) => Ok(committed),
            Err(refusal) => {
                self.follow_on_agent(
                    agent_id,
                    self.clear_offer(call_id, OfferOutcome::Withdrawn, at),
                    metadata,
                )
                .await?;
                Err(refusal.into())
            }
        }
    }

    pub async fn accept(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self
            .call(call_id, CallCommand::Accept { agent_id, at }, metadata)
            .await?;
        self.follow_on_agent(agent_id, AgentCommand::StartCall { call_id, at }, metadata)
            .await?;
        // A transfer's handover: the interpreter who kept the call until now lets go.
        for event in &committed.events {
            if let CallEvent::CallTransferred {
                from_agent_id: Some(from),
                ..
            } = event
            {
                let end = AgentCommand::EndCall {
                    call_id,
                    reason: CallEndReason::Transferred,
                    at,
                };
                self.follow_on_agent(*from, end, metadata).await?;
            }
        }
        Ok(committed)
    }

    pub async fn decline(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self
            .call(call_id, CallCommand::Decline { agent_id, at }, metadata)
            .await?;
        self.follow_on_agent(
            agent_id,
            self.clear_offer(call_id, OfferOutcome::Declined, at),
            metadata,
        )
        .await?;
        Ok(committed)
    }

    /// The ring timeout passed without an answer.
    pub async fn expire_offer(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self
            .call(call_id, CallCommand::ExpireOffer { agent_id, at }, metadata)
            .await?;
        self.follow_on_agent(
            agent_id,
            self.clear_offer(call_id, OfferOutcome::Expired, at),
            metadata,
        )
        .await?;
        Ok(committed)
    }

    pub async fn end(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self
            .call(call_id, CallCommand::End { agent_id, at }, metadata)
            .await?;
        self.release_withdrawn(call_id, &committed.events, at, metadata)
            .await?;
        self.follow_on_agent(
            agent_id,
            AgentCommand::EndCall {
                call_id,
                reason: CallEndReason::Completed,
                at,
            },
            metadata,
        )
        .await?;
        Ok(committed)
    }

    /// The call's media failed: the call goes back to its queue, keeping its place, and its
    /// interpreter goes into wrap-up as after `end`.
    pub async fn requeue(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        reason: RequeueReason,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::Requeue {
            agent_id,
            reason,
            at,
        };
        let committed = self.call(call_id, command, metadata).await?;
        let end = AgentCommand::EndCall {
            call_id,
            reason: CallEndReason::MediaFailure,
            at,
        };
        self.follow_on_agent(agent_id, end, metadata).await?;
        Ok(committed)
    }

    /// The join window of a callback call passed without its requester (the router's
    /// timer): the call ends and its interpreter goes into wrap-up, as after `end`.
    pub async fn miss_callback(
        &self,
        call_id: CallId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self
            .call(call_id, CallCommand::MissCallback { at }, metadata)
            .await?;
        self.release_withdrawn(call_id, &committed.events, at, metadata)
            .await?;
        for event in &committed.events {
            if let CallEvent::CallbackMissed { agent_id, .. } = event {
                let end = AgentCommand::EndCall {
                    call_id,
                    reason: CallEndReason::CallbackMissed,
                    at,
                };
                self.follow_on_agent(*agent_id, end, metadata).await?;
            }
        }
        Ok(committed)
    }

    pub async fn wrap_up(
        &self,
        call_id: CallId,
        agent_id: AgentId,
        disposition: Disposition,
        notes: Option<PersonalText>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let end_wrap_up = AgentCommand::EndWrapUp {
            call_id,
            disposition: Some(disposition.clone()),
            at,
        };
        let command = CallCommand::WrapUp {
            agent_id,
            disposition,
            notes,
            at,
        };
        match self.call(call_id, command, metadata).await {
            Ok(committed) => {
                self.follow_on_agent(agent_id, end_wrap_up, metadata)
                    .await?;
                Ok(committed)
            }
            // An interpreter who transferred the call away files the wrap-up of their part:
            // it ends on the agent side only, the call having moved on.
            Err(ExecuteError::Rejected(
                refusal @ (CallError::NotYourCall | CallError::NotEnded(_)),
            )) => {
                let (agent, _) = self.load_agent(agent_id).await?;
                if agent.activity != Activity::WrapUp(call_id) {
                    return Err(ExecuteError::Rejected(refusal).into());
                }
                self.agent(agent_id, end_wrap_up, metadata).await?;
                let (_, version) = self.load_call(call_id).await?;
                Ok(Committed {
                    version,
                    events: vec![],
                })
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The requester hangs up while waiting; a ringing offer is released.
    pub async fn cancel(
        &self,
        call_id: CallId,
        requester_id: UserId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::Cancel { requester_id, at };
        self.abandon(call_id, command, at, metadata).await
    }

    /// A supervisor cancels a waiting call, whoever requested it; as `cancel` otherwise.
    pub async fn cancel_for_requester(
        &self,
        call_id: CallId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::CancelForRequester { at };
        self.abandon(call_id, command, at, metadata).await
    }

    async fn abandon(
        &self,
        call_id: CallId,
        command: CallCommand,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let committed = self.call(call_id, command, metadata).await?;
        for event in &committed.events {
            if let CallEvent::CallAbandoned {
                offered_agent_id: Some(agent_id),
                ..
            } = event
            {
                self.follow_on_agent(
                    *agent_id,
                    self.clear_offer(call_id, OfferOutcome::Withdrawn, at),
                    metadata,
                )
                .await?;
            }
        }
        Ok(committed)
    }

    /// Sets an agent's presence. Leaving `available` with an offer ringing releases it.
    pub async fn change_status(
        &self,
        agent_id: AgentId,
        status: AgentStatus,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<AgentEvent>, WorkflowError> {
        let committed = self
            .agent(
                agent_id,
                AgentCommand::ChangeStatus {
                    agent_id,
                    status,
                    at,
                },
                metadata,
            )
            .await?;
        if status != AgentStatus::Available {
            self.withdraw_ringing_offer(agent_id, WithdrawReason::AgentUnavailable, at, metadata)
                .await?;
        }
        Ok(committed)
    }

    /// The agent had no live connection for the presence timeout (the router's finding):
    /// available, they go away and an offer in hand is withdrawn at once, so the call is
    /// offered on from its place in the queue; on a call, the call is flagged, not ended.
    pub async fn lose_presence(
        &self,
        agent_id: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<AgentEvent>, WorkflowError> {
        let committed = self
            .agent(
                agent_id,
                AgentCommand::LosePresence { agent_id, at },
                metadata,
            )
            .await?;
        let went_away = committed
            .events
            .iter()
            .any(|e| matches!(e, AgentEvent::AgentPresenceLost { on_call: None, .. }));
        if went_away {
            self.withdraw_ringing_offer(agent_id, WithdrawReason::PresenceLost, at, metadata)
                .await?;
        }
        Ok(committed)
    }

    /// Takes back the offer ringing for an agent who can no longer answer it: the call
    /// side first (it decides whether the offer still rang), then the agent side.
    async fn withdraw_ringing_offer(
        &self,
        agent_id: AgentId,
        reason: WithdrawReason,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), WorkflowError> {
        let (agent, _) = self.load_agent(agent_id).await?;
        let Activity::Ringing(call_id) = agent.activity else {
            return Ok(());
        };
        let withdraw = CallCommand::WithdrawOffer {
            agent_id,
            reason,
            at,
        };
        match self.call(call_id, withdraw, metadata).await {
            // The call no longer rings for them: it was answered or moved on, and
            // that workflow updates the agent side.
            Ok(_) | Err(ExecuteError::Rejected(CallError::NotOfferedToYou)) => {}
            Err(other) => return Err(other.into()),
        }
        let (call, _) = self.load_call(call_id).await?;
        if call.offer.is_none_or(|offer| offer.agent_id != agent_id)
            && call.agent_id != Some(agent_id)
        {
            self.follow_on_agent(
                agent_id,
                self.clear_offer(call_id, OfferOutcome::Withdrawn, at),
                metadata,
            )
            .await?;
        }
        Ok(())
    }

    /// Moves a call to a queue or a named agent. `by_agent` is the call's agent; `None`
    /// is a supervisor, who may also re-route a call still waiting. A live call stays with
    /// its interpreter until the new one accepts (`accept` does the handover).
    pub async fn transfer(
        &self,
        call_id: CallId,
        by_agent: Option<AgentId>,
        target: TransferTarget,
        offer_expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::Transfer {
            by_agent,
            target,
            offer_expires_at: Some(offer_expires_at),
            at,
        };
        self.move_call(call_id, target, offer_expires_at, command, at, metadata)
            .await
    }

    /// A warm transfer: rings a colleague or a queue while the caller stays with
    /// `by_agent`; the colleague's accept joins them (see `domain::consult`).
    pub async fn consult(
        &self,
        call_id: CallId,
        by_agent: AgentId,
        target: TransferTarget,
        offer_expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::Consult {
            by_agent,
            target,
            offer_expires_at: Some(offer_expires_at),
            at,
        };
        self.move_call(call_id, target, offer_expires_at, command, at, metadata)
            .await
    }

    /// Hands the call to the colleague who answered the consult; `by_agent` wraps up.
    pub async fn complete_transfer(
        &self,
        call_id: CallId,
        by_agent: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::CompleteTransfer { by_agent, at };
        let committed = self.call(call_id, command, metadata).await?;
        let end = AgentCommand::EndCall {
            call_id,
            reason: CallEndReason::Transferred,
            at,
        };
        self.follow_on_agent(by_agent, end, metadata).await?;
        Ok(committed)
    }

    /// Ends the consult: a ringing offer is released, a colleague who answered wraps up.
    pub async fn cancel_consult(
        &self,
        call_id: CallId,
        by_agent: AgentId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        let command = CallCommand::CancelConsult { by_agent, at };
        let committed = self.call(call_id, command, metadata).await?;
        self.release_withdrawn(call_id, &committed.events, at, metadata)
            .await?;
        Ok(committed)
    }

    /// A transfer or a consult: a named target holds the offer on their side first.
    async fn move_call(
        &self,
        call_id: CallId,
        target: TransferTarget,
        offer_expires_at: DateTime<Utc>,
        command: CallCommand,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Committed<CallEvent>, WorkflowError> {
        if let TransferTarget::Agent(target_agent) = target {
            self.agent(
                target_agent,
                AgentCommand::ReceiveOffer {
                    call_id,
                    expires_at: offer_expires_at,
                    at,
                },
                metadata,
            )
            .await?;
        }
        let committed = match self.call(call_id, command, metadata).await {
            Ok(committed) => committed,
            Err(refusal) => {
                if let TransferTarget::Agent(target_agent) = target {
                    self.follow_on_agent(
                        target_agent,
                        self.clear_offer(call_id, OfferOutcome::Withdrawn, at),
                        metadata,
                    )
                    .await?;
                }
                return Err(refusal.into());
            }
        };
        for event in &committed.events {
            match event {
                CallEvent::OfferWithdrawn { agent_id, .. } => {
                    self.follow_on_agent(
                        *agent_id,
                        self.clear_offer(call_id, OfferOutcome::Withdrawn, at),
                        metadata,
                    )
                    .await?;
                }
                CallEvent::CallTransferred {
                    from_agent_id: Some(agent_id),
                    ..
                } => {
                    let end = AgentCommand::EndCall {
                        call_id,
                        reason: CallEndReason::Transferred,
                        at,
                    };
                    self.follow_on_agent(*agent_id, end, metadata).await?;
                }
                _ => {}
            }
        }
        Ok(committed)
    }
}
