//! The `Call` aggregate: one request for an interpreter, from request to rating.
//!
//! ```text
//! requested ─► queued ─► offered ─► connected ⇄ on hold ─► ended ─► wrapped up
//!                ▲  │       │  │        │                   (rated after ended)
//!                └──┼───────┘  │        └─ transfer requested (still connected) ─┐
//!     overflowed ◄──┤          │              accepted by the new interpreter ◄──┤
//!   no interpreter ◄┴─ abandoned              transfer failed (stays connected) ◄┘
//! ```
//!
//! A live call is never taken from its interpreter before someone else has it: a transfer
//! only *requests* the move (`TransferRequested`), the call is offered on while the first
//! interpreter keeps talking, and the handover happens when the new interpreter accepts
//! (`CallTransferred` then `CallAccepted`, in one commit). When nobody accepts in time,
//! `TransferFailed` closes the request and the call simply stays where it was.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::callback::{Callback, WebhookUrl};
use crate::guests::{GuestId, Guests, Host};
use crate::ids::{AgentId, CallId, OrganisationId, QueueId, UserId};
use crate::matching::Requirements;
use crate::media::{Media, Participant, QualityLevel, QualitySample, RequeueReason};
use crate::values::{
    Disposition, LanguageCode, Modality, PersonalText, Priority, Specialty, Stars,
};

/// Where a call sits in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// No event yet: the call does not exist.
    #[default]
    New,
    /// Requested but not yet placed in a queue.
    Requested,
    Queued,
    Offered,
    Connected,
    OnHold,
    Ended,
    WrappedUp,
    Abandoned,
    NoInterpreterAvailable,
}

impl CallStatus {
    pub fn is_waiting(self) -> bool {
        matches!(self, Self::Queued | Self::Offered)
    }
    pub fn is_live(self) -> bool {
        matches!(self, Self::Connected | Self::OnHold)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Requested => "requested",
            Self::Queued => "queued",
            Self::Offered => "offered",
            Self::Connected => "connected",
            Self::OnHold => "on_hold",
            Self::Ended => "ended",
            Self::WrappedUp => "wrapped_up",
            Self::Abandoned => "abandoned",
            Self::NoInterpreterAvailable => "no_interpreter_available",
        }
    }
}

/// What the requester asked for. Routing rules map it to a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRequest {
    pub language: LanguageCode,
    pub source_language: LanguageCode,
    pub modality: Modality,
    pub specialty: Option<Specialty>,
    pub priority: Priority,
    /// Gender and certifications the interpreter must have; none on calls stored before.
    #[serde(default)]
    pub requirements: Requirements,
}

/// Where a transfer sends the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    Queue(QueueId),
    Agent(AgentId),
}

/// Why an offer was taken back without the agent answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    /// The agent went offline, on break or away while the offer rang.
    AgentUnavailable,
    /// A supervisor moved the call elsewhere.
    Transferred,
    /// The agent's connection was gone for the presence timeout.
    PresenceLost,
    /// The call ended while its transfer was still ringing for someone.
    CallEnded,
}

/// Why a transfer of a live call did not happen; the call stays with its interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferFailReason {
    /// Nobody in the target queue accepted within its maximum wait.
    MaxWaitExceeded,
    /// The named interpreter declined, let the offer ring out, or became unavailable.
    NotAccepted,
}

/// A transfer of a live call that is waiting for its new interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTransfer {
    /// The interpreter who keeps the call until the handover.
    pub from_agent_id: AgentId,
    pub target: TransferTarget,
    /// The queue the call is offered from meanwhile.
    pub queue_id: QueueId,
    /// A warm transfer: the colleague's accept joins them to the call; the handover waits
    /// for `CompleteTransfer` (see `consult`).
    #[serde(default)]
    pub consult: bool,
    /// The colleague who answered the consult.
    #[serde(default)]
    pub consultant: Option<AgentId>,
}

/// Why a call ended without an interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoInterpreterReason {
    /// No queue serves this language, modality and specialty.
    NoMatchingQueue,
    /// The last queue's maximum wait passed with no overflow left.
    MaxWaitExceeded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CallCommand {
    /// Places a new call. `queue` is chosen by the routing rules before the command is sent;
    /// `None` means no queue serves the request.
    Request {
        call_id: CallId,
        requester_id: UserId,
        /// The requester's organisation, whose policy routing applies.
        organisation_id: Option<OrganisationId>,
        request: CallRequest,
        queue: Option<QueueId>,
        at: DateTime<Utc>,
    },
    /// Rings one agent. The agent must already hold the offer on its side (see `workflow`).
    Offer {
        agent_id: AgentId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    Accept {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    Decline {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// The ring timeout passed (sent by the router).
    ExpireOffer {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// Takes back the offer ringing for `agent_id`, if it still rings for them.
    WithdrawOffer {
        agent_id: AgentId,
        reason: WithdrawReason,
        at: DateTime<Utc>,
    },
    Hold {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    Resume {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// `by_agent` is the call's agent transferring it, `None` a supervisor.
    /// A transfer to a named agent must be preceded by that agent receiving the offer.
    Transfer {
        by_agent: Option<AgentId>,
        target: TransferTarget,
        offer_expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    },
    /// The call's interpreter consults a colleague or a queue before handing the call
    /// over (see `consult`); a named colleague must hold the offer on their side first.
    Consult {
        by_agent: AgentId,
        target: TransferTarget,
        offer_expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    },
    /// Hands the call to the colleague who answered the consult.
    CompleteTransfer {
        by_agent: AgentId,
        at: DateTime<Utc>,
    },
    /// Ends the consult; the call stays with its interpreter.
    CancelConsult {
        by_agent: AgentId,
        at: DateTime<Utc>,
    },
    End {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    WrapUp {
        agent_id: AgentId,
        disposition: Disposition,
        notes: Option<PersonalText>,
        at: DateTime<Utc>,
    },
    /// The requester hung up while waiting.
    Cancel {
        requester_id: UserId,
        at: DateTime<Utc>,
    },
    /// A supervisor cancels a waiting call on the requester's behalf (whoever requested
    /// it); stored like the requester's cancel, the actor is in the event's metadata.
    CancelForRequester { at: DateTime<Utc> },
    /// The queue's maximum wait passed; move to the rule's next queue.
    Overflow {
        to_queue: QueueId,
        at: DateTime<Utc>,
    },
    GiveUp {
        reason: NoInterpreterReason,
        at: DateTime<Utc>,
    },
    /// Nobody accepted a pending transfer within the target queue's maximum wait (sent by
    /// the router, which owns the timers): the call stays with its interpreter.
    FailTransfer { at: DateTime<Utc> },
    /// The wait in the queue reached widening step `step` (1-based): the pool relaxes.
    /// Sent by the router, which owns the timers.
    WidenPool { step: u32, at: DateTime<Utc> },
    Rate {
        requester_id: UserId,
        stars: Stars,
        comment: Option<PersonalText>,
        at: DateTime<Utc>,
    },
    /// The requester of a waiting call asks to be called back: the call keeps its place.
    /// `join_window_s` (a deployment setting) is how long they will have to join.
    ChooseCallback {
        requester_id: UserId,
        webhook_url: Option<WebhookUrl>,
        join_window_s: u32,
        at: DateTime<Utc>,
    },
    /// The requester of a callback call joins its interpreter within the window.
    JoinCallback {
        requester_id: UserId,
        at: DateTime<Utc>,
    },
    /// The join window passed without the requester (sent by the router): the call ends.
    MissCallback { at: DateTime<Utc> },
    /// The call's interpreter gives the call back to its queue (see `media`).
    Requeue {
        agent_id: AgentId,
        reason: RequeueReason,
        at: DateTime<Utc>,
    },
    /// A supervisor joins the live call listen-only.
    StartMonitoring {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    StopMonitoring {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    /// A monitoring supervisor speaks in the call.
    BargeIn {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    /// A participant (or a supervisor) brings a guest in by link (see `guests`).
    InviteGuest {
        guest_id: GuestId,
        name: PersonalText,
        host: Host,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// The guest opened the room with their link.
    GuestJoins {
        guest_id: GuestId,
        at: DateTime<Utc>,
    },
    GuestLeaves {
        guest_id: GuestId,
        at: DateTime<Utc>,
    },
    RemoveGuest {
        guest_id: GuestId,
        host: Host,
        at: DateTime<Utc>,
    },
    /// A participant's client reports its connection; stored only when its level changes.
    ReportQuality {
        participant: Participant,
        samples: Vec<QualitySample>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CallEvent {
    CallRequested {
        call_id: CallId,
        requester_id: UserId,
        /// Absent on calls stored before organisations existed.
        #[serde(default)]
        organisation_id: Option<OrganisationId>,
        request: CallRequest,
        at: DateTime<Utc>,
    },
    CallQueued {
        queue_id: QueueId,
        priority: Priority,
        at: DateTime<Utc>,
    },
    CallOffered {
        agent_id: AgentId,
        queue_id: QueueId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    OfferDeclined {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    OfferExpired {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    OfferWithdrawn {
        agent_id: AgentId,
        reason: WithdrawReason,
        at: DateTime<Utc>,
    },
    CallAccepted {
        agent_id: AgentId,
        queue_id: QueueId,
        /// From the request to this answer, for speed-of-answer metrics.
        wait_seconds: i64,
        at: DateTime<Utc>,
    },
    CallHeld {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    CallResumed {
        agent_id: AgentId,
        hold_seconds: i64,
        at: DateTime<Utc>,
    },
    /// The call moved: a waiting call re-routed by a supervisor, or (with `from_agent_id`)
    /// a live call handed over, right before the new interpreter's `CallAccepted`.
    CallTransferred {
        from_agent_id: Option<AgentId>,
        target: TransferTarget,
        at: DateTime<Utc>,
    },
    /// A transfer of a live call was asked for; `from_agent_id` keeps the call until the
    /// new interpreter accepts. It is offered from `queue_id` meanwhile.
    TransferRequested {
        from_agent_id: AgentId,
        target: TransferTarget,
        queue_id: QueueId,
        at: DateTime<Utc>,
    },
    /// Nobody took the transferred call; it stays with `agent_id`.
    TransferFailed {
        agent_id: AgentId,
        target: TransferTarget,
        reason: TransferFailReason,
        at: DateTime<Utc>,
    },
    CallEnded {
        agent_id: AgentId,
        talk_seconds: i64,
        hold_seconds: i64,
        at: DateTime<Utc>,
    },
    CallWrappedUp {
        agent_id: AgentId,
        disposition: Disposition,
        notes: Option<PersonalText>,
        wrap_up_seconds: i64,
        at: DateTime<Utc>,
    },
    CallAbandoned {
        /// The agent whose ringing offer this releases, if one was ringing.
        offered_agent_id: Option<AgentId>,
        wait_seconds: i64,
        at: DateTime<Utc>,
    },
    CallOverflowed {
        from_queue_id: QueueId,
        to_queue_id: QueueId,
        at: DateTime<Utc>,
    },
    NoInterpreterAvailable {
        queue_id: Option<QueueId>,
        reason: NoInterpreterReason,
        wait_seconds: i64,
        at: DateTime<Utc>,
    },
    CallRated {
        stars: Stars,
        comment: Option<PersonalText>,
        at: DateTime<Utc>,
    },
    /// The call's pool in `queue_id` relaxed to the queue's widening step `step` (1-based;
    /// `step_index` is its place in the queue's `widening` list). The call keeps its place.
    CallPoolWidened {
        queue_id: QueueId,
        step: u32,
        step_index: u32,
        at: DateTime<Utc>,
    },
    /// The requester chose to be called back; the call keeps its queue and place.
    CallbackChosen {
        webhook_url: Option<WebhookUrl>,
        join_window_s: u32,
        at: DateTime<Utc>,
    },
    /// An interpreter accepted a callback call (right after its `CallAccepted`): the
    /// requester is notified and must join by `join_by`.
    CallbackOffered {
        agent_id: AgentId,
        webhook_url: Option<WebhookUrl>,
        join_by: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// The requester of a callback call joined its interpreter.
    RequesterJoined { at: DateTime<Utc> },
    /// The join window passed without the requester; `CallEnded` follows in the same
    /// commit. Counted as abandoned by the requester.
    CallbackMissed {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// The interpreter's part ended on a failure and the call went back to `queue_id`
    /// (`CallQueued` follows in the same commit). `talk_seconds` and `hold_seconds` are
    /// that part's, as in `CallEnded`.
    CallRequeued {
        agent_id: AgentId,
        queue_id: QueueId,
        reason: RequeueReason,
        talk_seconds: i64,
        hold_seconds: i64,
        at: DateTime<Utc>,
    },
    /// A supervisor joined the live call listen-only.
    MonitoringStarted {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    /// A monitoring supervisor spoke up in the call.
    SupervisorBargedIn {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    /// A supervisor left, or the call left the room (ended or requeued).
    MonitoringStopped {
        supervisor_id: UserId,
        at: DateTime<Utc>,
    },
    /// A warm transfer was asked for: as `TransferRequested`, but the colleague's accept
    /// only joins them (`ConsultAnswered`); the handover waits for its completion.
    ConsultRequested {
        from_agent_id: AgentId,
        target: TransferTarget,
        queue_id: QueueId,
        at: DateTime<Utc>,
    },
    /// The colleague accepted the consult: both interpreters are on the call.
    ConsultAnswered {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// The consult ended without a handover; `consultant` (if one answered) leaves.
    ConsultCancelled {
        from_agent_id: AgentId,
        consultant: Option<AgentId>,
        at: DateTime<Utc>,
    },
    /// A guest was invited by link until `expires_at`; `name` is sealed like notes.
    GuestInvited {
        guest_id: GuestId,
        name: PersonalText,
        invited_by: UserId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    GuestJoined {
        guest_id: GuestId,
        at: DateTime<Utc>,
    },
    /// The guest left, or the call left the room (ended or requeued).
    GuestLeft {
        guest_id: GuestId,
        at: DateTime<Utc>,
    },
    /// The guest's link admits nobody any more.
    GuestRemoved {
        guest_id: GuestId,
        removed_by: UserId,
        at: DateTime<Utc>,
    },
    /// A participant's connection changed level; `sample` is the worst of the report.
    MediaQualityChanged {
        participant_id: UserId,
        level: QualityLevel,
        sample: QualitySample,
        at: DateTime<Utc>,
    },
}

impl CallEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::CallRequested { at, .. }
            | Self::CallQueued { at, .. }
            | Self::CallOffered { at, .. }
            | Self::OfferDeclined { at, .. }
            | Self::OfferExpired { at, .. }
            | Self::OfferWithdrawn { at, .. }
            | Self::CallAccepted { at, .. }
            | Self::CallHeld { at, .. }
            | Self::CallResumed { at, .. }
            | Self::CallTransferred { at, .. }
            | Self::TransferRequested { at, .. }
            | Self::TransferFailed { at, .. }
            | Self::CallEnded { at, .. }
            | Self::CallWrappedUp { at, .. }
            | Self::CallAbandoned { at, .. }
            | Self::CallOverflowed { at, .. }
            | Self::NoInterpreterAvailable { at, .. }
            | Self::CallRated { at, .. }
            | Self::CallPoolWidened { at, .. }
            | Self::CallbackChosen { at, .. }
            | Self::CallbackOffered { at, .. }
            | Self::RequesterJoined { at }
            | Self::CallbackMissed { at, .. }
            | Self::CallRequeued { at, .. }
            | Self::MonitoringStarted { at, .. }
            | Self::SupervisorBargedIn { at, .. }
            | Self::MonitoringStopped { at, .. }
            | Self::MediaQualityChanged { at, .. }
            | Self::GuestInvited { at, .. }
            | Self::GuestJoined { at, .. }
            | Self::GuestLeft { at, .. }
            | Self::GuestRemoved { at, .. }
            | Self::ConsultRequested { at, .. }
            | Self::ConsultAnswered { at, .. }
            | Self::ConsultCancelled { at, .. } => *at,
        }
    }
}

impl DomainEvent for CallEvent {
    fn event_type(&self) -> String {
        let name = match self {
            Self::CallRequested { .. } => "CallRequested",
            Self::CallQueued { .. } => "CallQueued",
            Self::CallOffered { .. } => "CallOffered",
            Self::OfferDeclined { .. } => "OfferDeclined",
            Self::OfferExpired { .. } => "OfferExpired",
            Self::OfferWithdrawn { .. } => "OfferWithdrawn",
            Self::CallAccepted { .. } => "CallAccepted",
            Self::CallHeld { .. } => "CallHeld",
            Self::CallResumed { .. } => "CallResumed",
            Self::CallTransferred { .. } => "CallTransferred",
            Self::TransferRequested { .. } => "TransferRequested",
            Self::TransferFailed { .. } => "TransferFailed",
            Self::CallEnded { .. } => "CallEnded",
            Self::CallWrappedUp { .. } => "CallWrappedUp",
            Self::CallAbandoned { .. } => "CallAbandoned",
            Self::CallOverflowed { .. } => "CallOverflowed",
            Self::NoInterpreterAvailable { .. } => "NoInterpreterAvailable",
            Self::CallRated { .. } => "CallRated",
            Self::CallPoolWidened { .. } => "CallPoolWidened",
            Self::CallbackChosen { .. } => "CallbackChosen",
            Self::CallbackOffered { .. } => "CallbackOffered",
            Self::RequesterJoined { .. } => "RequesterJoined",
            Self::CallbackMissed { .. } => "CallbackMissed",
            Self::CallRequeued { .. } => "CallRequeued",
            Self::MonitoringStarted { .. } => "MonitoringStarted",
            Self::SupervisorBargedIn { .. } => "SupervisorBargedIn",
            Self::MonitoringStopped { .. } => "MonitoringStopped",
            Self::MediaQualityChanged { .. } => "MediaQualityChanged",
            Self::GuestInvited { .. } => "GuestInvited",
            Self::GuestJoined { .. } => "GuestJoined",
            Self::GuestLeft { .. } => "GuestLeft",
            Self::GuestRemoved { .. } => "GuestRemoved",
            Self::ConsultRequested { .. } => "ConsultRequested",
            Self::ConsultAnswered { .. } => "ConsultAnswered",
            Self::ConsultCancelled { .. } => "ConsultCancelled",
        };
        name.to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

/// Why a call command was refused. Every variant but `NotFound` and `GuestNotFound` is a
/// state conflict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("the call does not exist")]
    NotFound,
    #[error("the call already exists")]
    AlreadyExists,
    #[error("the call is {0}, not waiting in a queue")]
    NotWaiting(&'static str),
    #[error("the call is already ringing for an interpreter")]
    AlreadyOffered,
    #[error("the call is not offered to you")]
    NotOfferedToYou,
    #[error("the offer expired")]
    OfferExpired,
    #[error("the offer has not expired yet")]
    OfferNotExpired,
    #[error("you are not the interpreter of this call")]
    NotYourCall,
    #[error("you are not the requester of this call")]
    NotYourRequest,
    #[error("the call is {0}, not in progress")]
    NotInProgress(&'static str),
    #[error("the call is already on hold")]
    AlreadyOnHold,
    #[error("the call is not on hold")]
    NotOnHold,
    #[error("the call is {0}, not ended")]
    NotEnded(&'static str),
    #[error("the call was already rated")]
    AlreadyRated,
    #[error("the call is already in that queue")]
    SameQueue,
    #[error("the call is already with that interpreter")]
    SameAgent,
    #[error("an offer to a named interpreter needs an expiry")]
    MissingOfferExpiry,
    #[error("a transfer of this call is already under way")]
    TransferPending,
    #[error("the call has no transfer under way")]
    NoTransferPending,
    #[error("the call's pool is already widened to that step")]
    AlreadyWidened,
    #[error("a callback was already chosen for this call")]
    CallbackAlreadyChosen,
    #[error("no interpreter is waiting for you to join this call")]
    CallbackNotReady,
    #[error("you already joined this call")]
    CallbackAlreadyJoined,
    #[error("the join window has passed")]
    JoinWindowPassed,
    #[error("the join window is still open")]
    JoinWindowOpen,
    #[error("you are not monitoring this call")]
    NotMonitoring,
    #[error("the call has no such guest")]
    GuestNotFound,
    #[error("that guest is already invited")]
    GuestExists,
    #[error("the call already has the most guests it may have")]
    TooManyGuests,
    #[error("the guest's link has expired")]
    GuestLinkExpired,
    #[error("you have no consult under way on this call")]
    NoConsult,
    #[error("nobody has answered the consult yet")]
    ConsultNotAnswered,
}

impl CallError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "call_not_found",
            Self::AlreadyExists => "call_exists",
            Self::NotWaiting(_) => "call_not_waiting",
            Self::AlreadyOffered => "call_already_offered",
            Self::NotOfferedToYou => "call_not_offered_to_you",
            Self::OfferExpired => "offer_expired",
            Self::OfferNotExpired => "offer_not_expired",
            Self::NotYourCall => "not_your_call",
            Self::NotYourRequest => "not_your_request",
            Self::NotInProgress(_) => "call_not_in_progress",
            Self::AlreadyOnHold => "call_already_on_hold",
            Self::NotOnHold => "call_not_on_hold",
            Self::NotEnded(_) => "call_not_ended",
            Self::AlreadyRated => "call_already_rated",
            Self::SameQueue => "call_already_in_queue",
            Self::SameAgent => "call_already_with_agent",
            Self::MissingOfferExpiry => "offer_expiry_missing",
            Self::TransferPending => "transfer_pending",
            Self::NoTransferPending => "no_transfer_pending",
            Self::AlreadyWidened => "call_already_widened",
            Self::CallbackAlreadyChosen => "callback_already_chosen",
            Self::CallbackNotReady => "callback_not_ready",
            Self::CallbackAlreadyJoined => "callback_already_joined",
            Self::JoinWindowPassed => "join_window_passed",
            Self::JoinWindowOpen => "join_window_open",
            Self::NotMonitoring => "not_monitoring",
            Self::GuestNotFound => "guest_not_found",
            Self::GuestExists => "guest_exists",
            Self::TooManyGuests => "too_many_guests",
            Self::GuestLinkExpired => "guest_link_expired",
            Self::NoConsult => "no_consult",
            Self::ConsultNotAnswered => "consult_not_answered",
        }
    }
}

/// The ringing offer of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingingOffer {
    pub agent_id: AgentId,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: Option<CallId>,
    pub status: CallStatus,
    pub requester_id: Option<UserId>,
    pub request: Option<CallRequest>,
    pub queue_id: Option<QueueId>,
    pub offer: Option<RingingOffer>,
    pub agent_id: Option<AgentId>,
    pub requested_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub hold_started_at: Option<DateTime<Utc>>,
    pub hold_seconds: i64,
    pub ended_at: Option<DateTime<Utc>>,
    pub rated: bool,
    /// A transfer of the live call waiting for its new interpreter.
    #[serde(default)]
    pub pending_transfer: Option<PendingTransfer>,
    #[serde(default)]
    pub organisation_id: Option<OrganisationId>,
    /// Widening steps taken in the current queue.
    #[serde(default)]
    pub widening_step: u32,
    /// The requester chose to be called back (`CallbackChosen`).
    #[serde(default)]
    pub callback: Option<Callback>,
    /// Supervisors in the room and the participants' connection levels.
    #[serde(default)]
    pub media: Media,
    /// Guests invited and not removed.
    #[serde(default)]
    pub guests: Guests,
}

pub(crate) fn seconds_between(from: Option<DateTime<Utc>>, to: DateTime<Utc>) -> i64 {
    from.map_or(0, |from| (to - from).num_seconds().max(0))
}

impl Call {
    pub(crate) fn exists(&self) -> Result<(), CallError> {
        match self.status {
            CallStatus::New => Err(CallError::NotFound),
            _ => Ok(()),
        }
    }

    /// The queue the call is routed from: the target of a pending transfer, else its own.
    fn queue(&self) -> Result<QueueId, CallError> {
        self.pending_transfer
            .map(|transfer| transfer.queue_id)
            .or(self.queue_id)
            .ok_or(CallError::NotWaiting(self.status.as_str()))
    }

    /// Whether the router may offer the call: it waits in a queue, or it is live with a
    /// transfer to a queue under way (a named interpreter was rung with the request).
    pub fn is_routable(&self) -> bool {
        self.status.is_waiting()
            || self.pending_transfer.is_some_and(|t| {
                matches!(t.target, TransferTarget::Queue(_)) && t.consultant.is_none()
            })
    }

    fn ensure_routable(&self) -> Result<(), CallError> {
        self.exists()?;
        if self.is_routable() {
            Ok(())
        } else {
            Err(CallError::NotWaiting(self.status.as_str()))
        }
    }

    /// A named interpreter's offer of a transfer ended unanswered: the transfer fails with
    /// it, so the call is not left waiting for someone who will not take it.
    fn offer_closed(&self, closed: CallEvent, at: DateTime<Utc>) -> Vec<CallEvent> {
        let mut events = vec![closed];
        if let Some(transfer) = self.pending_transfer
            && matches!(transfer.target, TransferTarget::Agent(_))
        {
            events.push(CallEvent::TransferFailed {
                agent_id: transfer.from_agent_id,
                target: transfer.target,
                reason: TransferFailReason::NotAccepted,
                at,
            });
        }
        events
    }

    fn ensure_waiting(&self) -> Result<(), CallError> {
        self.exists()?;
        if self.status.is_waiting() {
            Ok(())
        } else {
            Err(CallError::NotWaiting(self.status.as_str()))
        }
    }

    fn ensure_offer_to(&self, agent_id: AgentId) -> Result<RingingOffer, CallError> {
        self.exists()?;
        match self.offer {
            Some(offer) if offer.agent_id == agent_id => Ok(offer),
            _ => Err(CallError::NotOfferedToYou),
        }
    }

    pub(crate) fn ensure_live_with(&self, agent_id: Option<AgentId>) -> Result<AgentId, CallError> {
        self.exists()?;
        let current = match (self.status.is_live(), self.agent_id) {
            (true, Some(current)) => current,
            _ => return Err(CallError::NotInProgress(self.status.as_str())),
        };
        match agent_id {
            Some(agent_id) if agent_id != current => Err(CallError::NotYourCall),
            _ => Ok(current),
        }
    }

    pub(crate) fn ensure_requester(&self, requester_id: UserId) -> Result<(), CallError> {
        self.exists()?;
        if self.requester_id == Some(requester_id) {
            Ok(())
        } else {
            Err(CallError::NotYourRequest)
        }
    }

    fn abandoned(&self, at: DateTime<Utc>) -> CallEvent {
        CallEvent::CallAbandoned {
            offered_agent_id: self.offer.map(|offer| offer.agent_id),
            wait_seconds: seconds_between(self.requested_at, at),
            at,
        }
    }

    pub(crate) fn priority(&self) -> Priority {
        self.request
            .as_ref()
            .map_or(Priority::Normal, |request| request.priority)
    }

    /// The events that end the live call of `agent_id` at `at`: a transfer still ringing
    /// for someone is withdrawn, then `CallEnded` with its talk and hold time.
    pub(crate) fn ended(&self, agent_id: AgentId, at: DateTime<Utc>) -> Vec<CallEvent> {
        use CallEvent as E;
        let (talk_seconds, hold_seconds) = self.talk_and_hold(at);
        let mut events = self.monitors_stopped(at);
        events.extend(self.guests_left(at));
        // A colleague consulted leaves with the end; a transfer still ringing for someone
        // has nothing left to hand over.
        if let Some(pending) = self.pending_transfer
            && pending.consult
        {
            events.extend(self.consult_cancelled(pending, at));
        } else if let Some(offer) = self.offer {
            events.push(E::OfferWithdrawn {
                agent_id: offer.agent_id,
                reason: WithdrawReason::CallEnded,
                at,
            });
        }
        events.push(E::CallEnded {
            agent_id,
            talk_seconds,
            hold_seconds,
            at,
        });
        events
    }

    /// Talk and hold seconds of the live call's interpreter up to `at`.
    pub(crate) fn talk_and_hold(&self, at: DateTime<Utc>) -> (i64, i64) {
        let mut hold_seconds = self.hold_seconds;
        if self.status == CallStatus::OnHold {
            hold_seconds += seconds_between(self.hold_started_at, at);
        }
        let connected = seconds_between(self.connected_at, at);
        ((connected - hold_seconds).max(0), hold_seconds)
    }

    fn decide(&self, command: CallCommand) -> Result<Vec<CallEvent>, CallError> {
        use CallCommand as C;
        use CallEvent as E;
        match command {
            C::Request {
                call_id,
                requester_id,
                organisation_id,
                request,
                queue,
                at,
            } => {
                if self.status != CallStatus::New {
                    return Err(CallError::AlreadyExists);
                }
                let priority = request.priority;
                let requested = E::CallRequested {
                    call_id,
                    requester_id,
                    organisation_id,
                    request,
                    at,
                };
                let placed = match queue {
                    Some(queue_id) => E::CallQueued {
                        queue_id,
                        priority,
                        at,
                    },
                    None => E::NoInterpreterAvailable {
                        queue_id: None,
                        reason: NoInterpreterReason::NoMatchingQueue,
                        wait_seconds: 0,
                        at,
                    },
                };
                Ok(vec![requested, placed])
            }
            C::Offer {
                agent_id,
                expires_at,
                at,
            } => {
                self.ensure_routable()?;
                if self.offer.is_some() {
                    return Err(CallError::AlreadyOffered);
                }
                Ok(vec![E::CallOffered {
                    agent_id,
                    queue_id: self.queue()?,
                    expires_at,
                    at,
                }])
            }
            C::ChooseCallback {
                requester_id,
                webhook_url,
                join_window_s,
                at,
            } => self.decide_choose_callback(requester_id, webhook_url, join_window_s, at),
            C::JoinCallback { requester_id, at } => self.decide_join(requester_id, at),
            C::MissCallback { at } => self.decide_miss_callback(at),
            C::Requeue {
                agent_id,
                reason,
                at,
            } => self.decide_requeue(agent_id, reason, at),
            C::StartMonitoring { supervisor_id, at } => {
                self.decide_start_monitoring(supervisor_id, at)
            }
            C::StopMonitoring { supervisor_id, at } => {
                self.decide_stop_monitoring(supervisor_id, at)
            }
            C::BargeIn { supervisor_id, at } => self.decide_barge_in(supervisor_id, at),
            C::ReportQuality {
                participant,
                samples,
                at,
            } => self.decide_report_quality(participant, &samples, at),
            C::InviteGuest {
                guest_id,
                name,
                host,
                expires_at,
                at,
            } => self.decide_invite_guest(guest_id, name, host, expires_at, at),
            C::GuestJoins { guest_id, at } => self.decide_guest_joins(guest_id, at),
            C::GuestLeaves { guest_id, at } => self.decide_guest_leaves(guest_id, at),
            C::RemoveGuest { guest_id, host, at } => self.decide_remove_guest(guest_id, host, at),
            C::Accept { agent_id, at } => {
                let offer = self.ensure_offer_to(agent_id)?;
                if at >= offer.expires_at {
                    return Err(CallError::OfferExpired);
                }
                let mut events = Vec::new();
                if self.pending_transfer.is_some_and(|p| p.consult) {
                    return Ok(vec![E::ConsultAnswered { agent_id, at }]);
                }
                // The handover of a transferred live call: the first interpreter lets go
                // in the same commit as the new one takes it.
                if let Some(transfer) = self.pending_transfer {
                    events.push(E::CallTransferred {
                        from_agent_id: Some(transfer.from_agent_id),
                        target: transfer.target,
                        at,
                    });
                }
                events.push(E::CallAccepted {
                    agent_id,
                    queue_id: self.queue()?,
                    wait_seconds: seconds_between(self.requested_at, at),
                    at,
                });
                events.extend(self.callback_offered(agent_id, at));
                Ok(events)
            }
            C::Decline { agent_id, at } => {
                self.ensure_offer_to(agent_id)?;
                Ok(self.offer_closed(E::OfferDeclined { agent_id, at }, at))
            }
            C::ExpireOffer { agent_id, at } => {
                let offer = self.ensure_offer_to(agent_id)?;
                if at < offer.expires_at {
                    return Err(CallError::OfferNotExpired);
                }
                Ok(self.offer_closed(E::OfferExpired { agent_id, at }, at))
            }
            C::WithdrawOffer {
                agent_id,
                reason,
                at,
            } => {
                self.ensure_offer_to(agent_id)?;
                let withdrawn = E::OfferWithdrawn {
                    agent_id,
                    reason,
                    at,
                };
                Ok(self.offer_closed(withdrawn, at))
            }
            C::Hold { agent_id, at } => {
                self.ensure_live_with(Some(agent_id))?;
                if self.status == CallStatus::OnHold {
                    return Err(CallError::AlreadyOnHold);
                }
                Ok(vec![E::CallHeld { agent_id, at }])
            }
            C::Resume { agent_id, at } => {
                self.ensure_live_with(Some(agent_id))?;
                if self.status != CallStatus::OnHold {
                    return Err(CallError::NotOnHold);
                }
                Ok(vec![E::CallResumed {
                    agent_id,
                    hold_seconds: seconds_between(self.hold_started_at, at),
                    at,
                }])
            }
            C::Transfer {
                by_agent,
                target,
                offer_expires_at,
                at,
            } => self.decide_transfer(by_agent, target, offer_expires_at, at),
            C::Consult {
                by_agent,
                target,
                offer_expires_at,
                at,
            } => {
                let events = self.decide_transfer(Some(by_agent), target, offer_expires_at, at)?;
                // The same request, as a consult.
                Ok(events
                    .into_iter()
                    .map(|event| match event {
                        E::TransferRequested {
                            from_agent_id,
                            target,
                            queue_id,
                            at,
                        } => E::ConsultRequested {
                            from_agent_id,
                            target,
                            queue_id,
                            at,
                        },
                        other => other,
                    })
                    .collect())
            }
            C::CompleteTransfer { by_agent, at } => self.decide_complete_transfer(by_agent, at),
            C::CancelConsult { by_agent, at } => self.decide_cancel_consult(by_agent, at),
            C::End { agent_id, at } => {
                self.ensure_live_with(Some(agent_id))?;
                Ok(self.ended(agent_id, at))
            }
            C::WrapUp {
                agent_id,
                disposition,
                notes,
                at,
            } => {
                self.exists()?;
                if self.status != CallStatus::Ended {
                    return Err(CallError::NotEnded(self.status.as_str()));
                }
                if self.agent_id != Some(agent_id) {
                    return Err(CallError::NotYourCall);
                }
                Ok(vec![E::CallWrappedUp {
                    agent_id,
                    disposition,
                    notes,
                    wrap_up_seconds: seconds_between(self.ended_at, at),
                    at,
                }])
            }
            C::Cancel { requester_id, at } => {
                self.ensure_requester(requester_id)?;
                self.ensure_waiting()?;
                Ok(vec![self.abandoned(at)])
            }
            C::CancelForRequester { at } => {
                self.ensure_waiting()?;
                Ok(vec![self.abandoned(at)])
            }
            C::Overflow { to_queue, at } => {
                self.ensure_waiting()?;
                let from_queue_id = self.queue()?;
                if from_queue_id == to_queue {
                    return Err(CallError::SameQueue);
                }
                if self.offer.is_some() {
                    // A ringing offer is answered or expires first; overflowing under it
                    // would leave the interpreter holding a call that moved away.
                    return Err(CallError::AlreadyOffered);
                }
                Ok(vec![
                    E::CallOverflowed {
                        from_queue_id,
                        to_queue_id: to_queue,
                        at,
                    },
                    E::CallQueued {
                        queue_id: to_queue,
                        priority: self.priority(),
                        at,
                    },
                ])
            }
            C::WidenPool { step, at } => {
                self.ensure_routable()?;
                if step <= self.widening_step {
                    return Err(CallError::AlreadyWidened);
                }
                Ok(vec![E::CallPoolWidened {
                    queue_id: self.queue()?,
                    step,
                    step_index: step - 1,
                    at,
                }])
            }
            C::GiveUp { reason, at } => {
                self.ensure_waiting()?;
                if self.offer.is_some() {
                    return Err(CallError::AlreadyOffered);
                }
                Ok(vec![E::NoInterpreterAvailable {
                    queue_id: self.queue_id,
                    reason,
                    wait_seconds: seconds_between(self.requested_at, at),
                    at,
                }])
            }
            C::FailTransfer { at } => {
                self.exists()?;
                let transfer = self
                    .pending_transfer
                    .filter(|p| p.consultant.is_none())
                    .ok_or(CallError::NoTransferPending)?;
                if self.offer.is_some() {
                    // As with the maximum wait of a waiting call, a ringing offer is
                    // answered or expires first.
                    return Err(CallError::AlreadyOffered);
                }
                Ok(vec![E::TransferFailed {
                    agent_id: transfer.from_agent_id,
                    target: transfer.target,
                    reason: TransferFailReason::MaxWaitExceeded,
                    at,
                }])
            }
            C::Rate {
                requester_id,
                stars,
                comment,
                at,
            } => {
                self.ensure_requester(requester_id)?;
                if !matches!(self.status, CallStatus::Ended | CallStatus::WrappedUp) {
                    return Err(CallError::NotEnded(self.status.as_str()));
                }
                if self.rated {
                    return Err(CallError::AlreadyRated);
                }
                Ok(vec![E::CallRated { stars, comment, at }])
            }
        }
    }

    fn decide_transfer(
        &self,
        by_agent: Option<AgentId>,
        target: TransferTarget,
        offer_expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.exists()?;
        if self.status.is_waiting() && by_agent.is_none() {
            return self.decide_reroute(target, offer_expires_at, at);
        }
        let from_agent_id = self.ensure_live_with(by_agent)?;
        if self.pending_transfer.is_some() {
            return Err(CallError::TransferPending);
        }
        // The caller stays with `from_agent_id` until someone accepts (see the module
        // documentation): only the request is stored now.
        match target {
            TransferTarget::Queue(queue_id) => Ok(vec![CallEvent::TransferRequested {
                from_agent_id,
                target,
                queue_id,
                at,
            }]),
            TransferTarget::Agent(agent_id) => {
                if from_agent_id == agent_id {
                    return Err(CallError::SameAgent);
                }
                let expires_at = offer_expires_at.ok_or(CallError::MissingOfferExpiry)?;
                let queue_id = self.queue()?;
                Ok(vec![
                    CallEvent::TransferRequested {
                        from_agent_id,
                        target,
                        queue_id,
                        at,
                    },
                    CallEvent::CallOffered {
                        agent_id,
                        queue_id,
                        expires_at,
                        at,
                    },
                ])
            }
        }
    }

    /// A supervisor re-routing a call that still waits: nobody holds it yet, so it moves
    /// at once, a ringing offer taken back first.
    fn decide_reroute(
        &self,
        target: TransferTarget,
        offer_expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        use CallEvent as E;
        let mut events = Vec::new();
        if let Some(offer) = self.offer {
            events.push(E::OfferWithdrawn {
                agent_id: offer.agent_id,
                reason: WithdrawReason::Transferred,
                at,
            });
        }
        let transferred = E::CallTransferred {
            from_agent_id: None,
            target,
            at,
        };
        match target {
            TransferTarget::Queue(queue_id) => {
                if self.queue_id == Some(queue_id) {
                    return Err(CallError::SameQueue);
                }
                events.push(transferred);
                events.push(E::CallQueued {
                    queue_id,
                    priority: self.priority(),
                    at,
                });
            }
            TransferTarget::Agent(agent_id) => {
                let expires_at = offer_expires_at.ok_or(CallError::MissingOfferExpiry)?;
                events.push(transferred);
                events.push(E::CallOffered {
                    agent_id,
                    queue_id: self.queue()?,
                    expires_at,
                    at,
                });
            }
        }
        Ok(events)
    }
}

impl Aggregate for Call {
    const TYPE: &'static str = "Call";
    type Command = CallCommand;
    type Event = CallEvent;
    type Error = CallError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        use CallEvent as E;
        match event {
            E::CallRequested {
                call_id,
                requester_id,
                organisation_id,
                request,
                at,
            } => {
                self.id = Some(call_id);
                self.organisation_id = organisation_id;
                self.status = CallStatus::Requested;
                self.requester_id = Some(requester_id);
                self.request = Some(request);
                self.requested_at = Some(at);
            }
            E::CallQueued { queue_id, .. } => {
                self.widening_step = 0;
                self.status = CallStatus::Queued;
                self.queue_id = Some(queue_id);
                self.agent_id = None;
                self.offer = None;
            }
            E::CallOffered {
                agent_id,
                expires_at,
                ..
            } => {
                // During a transfer the call rings for someone else while it stays live
                // with its interpreter.
                if self.pending_transfer.is_none() {
                    self.status = CallStatus::Offered;
                    self.agent_id = None;
                }
                self.offer = Some(RingingOffer {
                    agent_id,
                    expires_at,
                });
            }
            E::OfferDeclined { .. } | E::OfferExpired { .. } | E::OfferWithdrawn { .. } => {
                if !self.status.is_live() {
                    self.status = CallStatus::Queued;
                }
                self.offer = None;
            }
            E::CallAccepted {
                agent_id,
                queue_id,
                at,
                ..
            } => {
                self.status = CallStatus::Connected;
                self.offer = None;
                self.agent_id = Some(agent_id);
                self.queue_id = Some(queue_id);
                self.connected_at = Some(at);
                self.hold_started_at = None;
                self.hold_seconds = 0;
                self.pending_transfer = None;
            }
            E::TransferRequested {
                from_agent_id,
                target,
                queue_id,
                ..
            } => {
                self.pending_transfer = Some(PendingTransfer {
                    from_agent_id,
                    target,
                    queue_id,
                    consult: false,
                    consultant: None,
                });
                self.widening_step = 0;
            }
            E::TransferFailed { .. } => self.pending_transfer = None,
            E::CallHeld { at, .. } => {
                self.status = CallStatus::OnHold;
                self.hold_started_at = Some(at);
            }
            E::CallResumed { hold_seconds, .. } => {
                self.status = CallStatus::Connected;
                self.hold_started_at = None;
                self.hold_seconds += hold_seconds;
            }
            // The follow-up `CallQueued` or `CallOffered` moves the call on.
            E::CallTransferred { .. } | E::CallOverflowed { .. } => {}
            E::CallEnded { at, .. } => {
                self.status = CallStatus::Ended;
                self.hold_started_at = None;
                self.offer = None;
                self.pending_transfer = None;
                self.ended_at = Some(at);
            }
            E::CallWrappedUp { .. } => self.status = CallStatus::WrappedUp,
            E::CallAbandoned { .. } => {
                self.status = CallStatus::Abandoned;
                self.offer = None;
            }
            E::NoInterpreterAvailable { .. } => {
                self.status = CallStatus::NoInterpreterAvailable;
                self.offer = None;
            }
            E::CallRated { .. } => self.rated = true,
            E::CallPoolWidened { step, .. } => self.widening_step = step,
            E::CallbackChosen { .. }
            | E::CallbackOffered { .. }
            | E::RequesterJoined { .. }
            | E::CallbackMissed { .. } => self.apply_callback(&event),
            E::CallRequeued { .. }
            | E::MonitoringStarted { .. }
            | E::SupervisorBargedIn { .. }
            | E::MonitoringStopped { .. }
            | E::MediaQualityChanged { .. } => self.apply_media(&event),
            E::GuestInvited { .. }
            | E::GuestJoined { .. }
            | E::GuestLeft { .. }
            | E::GuestRemoved { .. } => self.apply_guest(&event),
            E::ConsultRequested { .. } | E::ConsultAnswered { .. } | E::ConsultCancelled { .. } => {
                self.apply_consult(&event)
            }
        }
    }
}
