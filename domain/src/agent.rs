//! The `Agent` aggregate: one interpreter's presence, skills and what they hold in hand.
//!
//! The agent side is where "one offer, one call at a time" is enforced: an offer is only
//! made to a call after the agent aggregate has accepted it (see `workflow`).

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CallId};
use crate::matching::AgentProfile;
use crate::values::{AgentStatus, Disposition, Skills};

/// Why an agent no longer holds an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferOutcome {
    Declined,
    Expired,
    /// Taken back: the requester hung up, a supervisor moved the call, or the call side
    /// refused the offer.
    Withdrawn,
}

/// Why an interpreter has a status they did not choose (`GET /api/agents` `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// Set away after `commands.away_after_missed_offers` offers in a row rang out.
    MissedOffers,
    /// Set away after no live connection for the presence timeout.
    PresenceLost,
}

impl StatusReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissedOffers => "missed_offers",
            Self::PresenceLost => "presence_lost",
        }
    }
}

/// Why an agent's call ended on their side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEndReason {
    Completed,
    Transferred,
    /// A callback call whose requester did not join within the window.
    CallbackMissed,
    /// The media failed and the call went back to its queue.
    MediaFailure,
    /// A consult this interpreter answered was cancelled (or the call ended under it).
    ConsultEnded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgentCommand {
    SetSkills {
        agent_id: AgentId,
        skills: Skills,
        at: DateTime<Utc>,
    },
    ChangeStatus {
        agent_id: AgentId,
        status: AgentStatus,
        at: DateTime<Utc>,
    },
    SetProfile {
        agent_id: AgentId,
        profile: AgentProfile,
        at: DateTime<Utc>,
    },
    ReceiveOffer {
        call_id: CallId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// `away_after_missed`: consecutive expired offers after which the agent is set away.
    ClearOffer {
        call_id: CallId,
        outcome: OfferOutcome,
        away_after_missed: u32,
        at: DateTime<Utc>,
    },
    StartCall {
        call_id: CallId,
        at: DateTime<Utc>,
    },
    EndCall {
        call_id: CallId,
        reason: CallEndReason,
        at: DateTime<Utc>,
    },
    /// No live connection for the presence timeout (the router decides, from the registry
    /// of connections): an interpreter who could be offered calls goes away; one on a
    /// call is flagged for supervisors, never cut off.
    LosePresence {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// A live connection again after `LosePresence` flagged a call.
    RestorePresence {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
    /// Ends wrap-up: by the interpreter filing it (with the disposition of their part of
    /// the call), or by the wrap-up timer (without).
    EndWrapUp {
        call_id: CallId,
        disposition: Option<Disposition>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgentEvent {
    AgentSkillsSet {
        agent_id: AgentId,
        skills: Skills,
        at: DateTime<Utc>,
    },
    AgentStatusChanged {
        agent_id: AgentId,
        from: AgentStatus,
        to: AgentStatus,
        at: DateTime<Utc>,
    },
    /// What a request's requirements may ask of the interpreter, beyond skills (gender).
    AgentProfileSet {
        agent_id: AgentId,
        profile: AgentProfile,
        at: DateTime<Utc>,
    },
    AgentOfferReceived {
        call_id: CallId,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    AgentOfferCleared {
        call_id: CallId,
        outcome: OfferOutcome,
        at: DateTime<Utc>,
    },
    AgentCallStarted {
        call_id: CallId,
        at: DateTime<Utc>,
    },
    AgentCallEnded {
        call_id: CallId,
        reason: CallEndReason,
        at: DateTime<Utc>,
    },
    AgentWrapUpStarted {
        call_id: CallId,
        at: DateTime<Utc>,
    },
    AgentWrapUpEnded {
        call_id: CallId,
        /// Filed by the interpreter; `None` when the wrap-up time ran out.
        #[serde(default)]
        disposition: Option<Disposition>,
        wrap_up_seconds: i64,
        at: DateTime<Utc>,
    },
    /// No live connection for the presence timeout. Without `on_call`, the interpreter was
    /// available (perhaps with an offer, or wrapping up) and is now `away`, reason
    /// `presence_lost`; with it, they stay on that call, flagged to supervisors.
    AgentPresenceLost {
        agent_id: AgentId,
        from: AgentStatus,
        on_call: Option<CallId>,
        at: DateTime<Utc>,
    },
    /// The call flagged by `AgentPresenceLost` has its interpreter's connection back.
    AgentPresenceRestored {
        agent_id: AgentId,
        at: DateTime<Utc>,
    },
}

impl AgentEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::AgentSkillsSet { at, .. }
            | Self::AgentProfileSet { at, .. }
            | Self::AgentStatusChanged { at, .. }
            | Self::AgentOfferReceived { at, .. }
            | Self::AgentOfferCleared { at, .. }
            | Self::AgentCallStarted { at, .. }
            | Self::AgentCallEnded { at, .. }
            | Self::AgentWrapUpStarted { at, .. }
            | Self::AgentWrapUpEnded { at, .. }
            | Self::AgentPresenceLost { at, .. }
            | Self::AgentPresenceRestored { at, .. } => *at,
        }
    }
}

impl DomainEvent for AgentEvent {
    fn event_type(&self) -> String {
        let name = match self {
            Self::AgentSkillsSet { .. } => "AgentSkillsSet",
            Self::AgentProfileSet { .. } => "AgentProfileSet",
            Self::AgentStatusChanged { .. } => "AgentStatusChanged",
            Self::AgentOfferReceived { .. } => "AgentOfferReceived",
            Self::AgentOfferCleared { .. } => "AgentOfferCleared",
            Self::AgentCallStarted { .. } => "AgentCallStarted",
            Self::AgentCallEnded { .. } => "AgentCallEnded",
            Self::AgentWrapUpStarted { .. } => "AgentWrapUpStarted",
            Self::AgentWrapUpEnded { .. } => "AgentWrapUpEnded",
            Self::AgentPresenceLost { .. } => "AgentPresenceLost",
            Self::AgentPresenceRestored { .. } => "AgentPresenceRestored",
        };
        name.to_owned()
    }

    fn event_version(&self) -> String {
        crate::EVENT_VERSION.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    #[error("the interpreter does not exist")]
    NotFound,
    #[error("the interpreter is {0}, not available")]
    NotAvailable(&'static str),
    #[error("the interpreter already holds an offer")]
    AlreadyHasOffer,
    #[error("the interpreter is already on a call")]
    AlreadyOnCall,
    #[error("the interpreter is wrapping up a call")]
    InWrapUp,
    #[error("the interpreter holds no offer for this call")]
    NoSuchOffer,
    #[error("the interpreter is not on this call")]
    NotOnThisCall,
    #[error("the interpreter is not wrapping up this call")]
    NotWrappingUpThisCall,
    #[error("the interpreter is on a call; end it before going {0}")]
    OnCall(&'static str),
    #[error("the interpreter has no skills yet; an admin must set them first")]
    NoSkills,
}

impl AgentError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "agent_not_found",
            Self::NotAvailable(_) => "agent_not_available",
            Self::AlreadyHasOffer => "agent_has_offer",
            Self::AlreadyOnCall => "agent_on_call",
            Self::InWrapUp => "agent_in_wrap_up",
            Self::NoSuchOffer => "agent_has_no_such_offer",
            Self::NotOnThisCall => "agent_not_on_this_call",
            Self::NotWrappingUpThisCall => "agent_not_wrapping_up_this_call",
            Self::OnCall(_) => "agent_on_call",
            Self::NoSkills => "agent_has_no_skills",
        }
    }
}

/// What an agent holds in hand right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "call_id")]
pub enum Activity {
    #[default]
    Idle,
    Ringing(CallId),
    OnCall(CallId),
    WrapUp(CallId),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: Option<AgentId>,
    pub skills: Option<Skills>,
    pub status: Option<AgentStatus>,
    pub activity: Activity,
    pub missed_offers_in_row: u32,
    pub wrap_up_started_at: Option<DateTime<Utc>>,
    /// On a call with no live connection (`AgentPresenceLost` with `on_call`).
    #[serde(default)]
    pub presence_lost: bool,
    #[serde(default)]
    pub profile: AgentProfile,
}

impl Agent {
    /// The version of this state's shape and meaning as stored in a snapshot. Raise it when
    /// a field is added, removed or changes meaning: older snapshots are then ignored and
    /// the agent is folded from its events again.
    pub const SNAPSHOT_FORMAT: i32 = 3;

    fn current_status(&self) -> AgentStatus {
        self.status.unwrap_or(AgentStatus::Offline)
    }

    fn ensure_exists(&self) -> Result<AgentId, AgentError> {
        self.id.ok_or(AgentError::NotFound)
    }

    fn decide(&self, command: AgentCommand) -> Result<Vec<AgentEvent>, AgentError> {
        use AgentCommand as C;
        use AgentEvent as E;
        match command {
            C::SetSkills {
                agent_id,
                skills,
                at,
            } => {
                if self.skills.as_ref() == Some(&skills) {
                    return Ok(vec![]);
                }
                Ok(vec![E::AgentSkillsSet {
                    agent_id,
                    skills,
                    at,
                }])
            }
            C::SetProfile {
                agent_id,
                profile,
                at,
            } => {
                self.ensure_exists()?;
                if self.profile == profile {
                    return Ok(vec![]);
                }
                Ok(vec![E::AgentProfileSet {
                    agent_id,
                    profile,
                    at,
                }])
            }
            C::ChangeStatus {
                agent_id,
                status,
                at,
            } => {
                let from = self.current_status();
                // `id` is also set by a status change, so an agent who went on break
                // before having skills would otherwise slip through.
                if self.skills.is_none() && status == AgentStatus::Available {
                    return Err(AgentError::NoSkills);
                }
                if from == status {
                    return Ok(vec![]);
                }
                if let Activity::OnCall(_) = self.activity
                    && matches!(status, AgentStatus::Offline | AgentStatus::Away)
                {
                    return Err(AgentError::OnCall(status.as_str()));
                }
                // A ringing offer is released by the workflow, call side first: the call
                // decides whether it was still ringing or already accepted.
                Ok(vec![E::AgentStatusChanged {
                    agent_id,
                    from,
                    to: status,
                    at,
                }])
            }
            C::ReceiveOffer {
                call_id,
                expires_at,
                at,
            } => {
                self.ensure_exists()?;
                match self.activity {
                    Activity::Idle => {}
                    Activity::Ringing(_) => return Err(AgentError::AlreadyHasOffer),
                    Activity::OnCall(_) => return Err(AgentError::AlreadyOnCall),
                    Activity::WrapUp(_) => return Err(AgentError::InWrapUp),
                }
                let status = self.current_status();
                if status != AgentStatus::Available {
                    return Err(AgentError::NotAvailable(status.as_str()));
                }
                Ok(vec![E::AgentOfferReceived {
                    call_id,
                    expires_at,
                    at,
                }])
            }
            C::ClearOffer {
                call_id,
                outcome,
                away_after_missed,
                at,
            } => {
                self.ensure_exists()?;
                if self.activity != Activity::Ringing(call_id) {
                    return Err(AgentError::NoSuchOffer);
                }
                let agent_id = self.ensure_exists()?;
                let mut events = vec![E::AgentOfferCleared {
                    call_id,
                    outcome,
                    at,
                }];
                let missed = self.missed_offers_in_row + 1;
                if outcome == OfferOutcome::Expired
                    && away_after_missed > 0
                    && missed >= away_after_missed
                    && self.current_status() == AgentStatus::Available
                {
                    events.push(E::AgentStatusChanged {
                        agent_id,
                        from: AgentStatus::Available,
                        to: AgentStatus::Away,
                        at,
                    });
                }
                Ok(events)
            }
            C::StartCall { call_id, at } => {
                self.ensure_exists()?;
                if self.activity != Activity::Ringing(call_id) {
                    return Err(AgentError::NoSuchOffer);
                }
                Ok(vec![E::AgentCallStarted { call_id, at }])
            }
            C::EndCall {
                call_id,
                reason,
                at,
            } => {
                self.ensure_exists()?;
                if self.activity != Activity::OnCall(call_id) {
                    return Err(AgentError::NotOnThisCall);
                }
                Ok(vec![
                    E::AgentCallEnded {
                        call_id,
                        reason,
                        at,
                    },
                    E::AgentWrapUpStarted { call_id, at },
                ])
            }
            C::LosePresence { agent_id, at } => {
                self.ensure_exists()?;
                let from = self.current_status();
                let on_call = match self.activity {
                    Activity::OnCall(call_id) if !self.presence_lost => Some(call_id),
                    Activity::OnCall(_) => return Ok(vec![]),
                    // Nobody can offer them a call any more: nothing to do.
                    _ if from != AgentStatus::Available => return Ok(vec![]),
                    _ => None,
                };
                Ok(vec![E::AgentPresenceLost {
                    agent_id,
                    from,
                    on_call,
                    at,
                }])
            }
            C::RestorePresence { agent_id, at } => {
                self.ensure_exists()?;
                if !self.presence_lost {
                    return Ok(vec![]);
                }
                Ok(vec![E::AgentPresenceRestored { agent_id, at }])
            }
            C::EndWrapUp {
                call_id,
                disposition,
                at,
            } => {
                self.ensure_exists()?;
                if self.activity != Activity::WrapUp(call_id) {
                    return Err(AgentError::NotWrappingUpThisCall);
                }
                let wrap_up_seconds = self
                    .wrap_up_started_at
                    .map_or(0, |started| (at - started).num_seconds().max(0));
                Ok(vec![E::AgentWrapUpEnded {
                    call_id,
                    disposition,
                    wrap_up_seconds,
                    at,
                }])
            }
        }
    }
}

impl Aggregate for Agent {
    const TYPE: &'static str = "Agent";
    type Command = AgentCommand;
    type Event = AgentEvent;
    type Error = AgentError;
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
        use AgentEvent as E;
        match event {
            E::AgentSkillsSet {
                agent_id, skills, ..
            } => {
                self.id = Some(agent_id);
                self.skills = Some(skills);
            }
            E::AgentProfileSet { profile, .. } => self.profile = profile,
            E::AgentStatusChanged { agent_id, to, .. } => {
                self.id = Some(agent_id);
                self.status = Some(to);
                if to == AgentStatus::Available {
                    self.missed_offers_in_row = 0;
                }
            }
            E::AgentOfferReceived { call_id, .. } => self.activity = Activity::Ringing(call_id),
            E::AgentOfferCleared { outcome, .. } => {
                self.activity = Activity::Idle;
                match outcome {
                    OfferOutcome::Expired => self.missed_offers_in_row += 1,
                    // Declining is an answer: the run of missed offers is broken.
                    OfferOutcome::Declined => self.missed_offers_in_row = 0,
                    // Taken back before the agent could answer: neither missed nor answered.
                    OfferOutcome::Withdrawn => {}
                }
            }
            E::AgentCallStarted { call_id, .. } => {
                self.activity = Activity::OnCall(call_id);
                self.missed_offers_in_row = 0;
            }
            E::AgentCallEnded { .. } => {
                self.activity = Activity::Idle;
                self.presence_lost = false;
            }
            E::AgentWrapUpStarted { call_id, at } => {
                self.activity = Activity::WrapUp(call_id);
                self.wrap_up_started_at = Some(at);
            }
            E::AgentWrapUpEnded { .. } => {
                self.activity = Activity::Idle;
                self.wrap_up_started_at = None;
            }
            E::AgentPresenceLost {
                agent_id, on_call, ..
            } => {
                self.id = Some(agent_id);
                match on_call {
                    Some(_) => self.presence_lost = true,
                    None => self.status = Some(AgentStatus::Away),
                }
            }
            E::AgentPresenceRestored { .. } => self.presence_lost = false,
        }
    }
}
