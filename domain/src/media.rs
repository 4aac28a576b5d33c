//! A live call's media and who watches it: a requeue when the media fails, a supervisor's
//! silent monitoring and barge-in, and the participants' connection quality.
//!
//! - **Requeue.** When video and audio both fail, the interpreter ends their part and the
//!   call goes back to its queue (`CallRequeued`, then `CallQueued`), keeping its request
//!   time and so its place. The interpreter's seat closes there, paid; the client is not
//!   billed for it.
//! - **Monitoring.** A supervisor joins listen-only (`MonitoringStarted`), may barge in
//!   (`SupervisorBargedIn`) and leaves (`MonitoringStopped`); the end or requeue of the
//!   call stops every monitor with it, so the history says who watched and until when.
//! - **Quality.** Clients report samples every few seconds; only a change of a
//!   participant's level is stored (`MediaQualityChanged`), so the history stays compact
//!   and still shows when video degraded and for whom.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::call::{Call, CallError, CallEvent, CallStatus};
use crate::ids::{AgentId, UserId};

/// Why a live call went back to its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequeueReason {
    /// The room would not load, or neither video nor audio got through.
    MediaFailure,
}

/// How a supervisor is in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorMode {
    /// Muted, camera off: the participants do not hear them.
    Listen,
    /// Barged in: they speak in the call.
    Talk,
}

/// A participant's connection, judged from their client's samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityLevel {
    Good,
    Degraded,
    Poor,
}

/// One reading of a participant's connection, as Jitsi's API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualitySample {
    /// Received bitrate, kilobits per second.
    pub bitrate_kbps: u32,
    /// Packets lost, percent (0–100).
    pub packet_loss_pct: f32,
    /// The video stood still.
    pub video_frozen: bool,
}

impl QualitySample {
    /// Loss at or above which the connection is poor, and degraded.
    pub const POOR_LOSS_PCT: f32 = 10.0;
    pub const DEGRADED_LOSS_PCT: f32 = 3.0;
    /// Below this received bitrate video is degraded.
    pub const DEGRADED_BITRATE_KBPS: u32 = 150;

    pub fn level(&self) -> QualityLevel {
        if self.video_frozen || self.packet_loss_pct >= Self::POOR_LOSS_PCT {
            QualityLevel::Poor
        } else if self.packet_loss_pct >= Self::DEGRADED_LOSS_PCT
            || self.bitrate_kbps < Self::DEGRADED_BITRATE_KBPS
        {
            QualityLevel::Degraded
        } else {
            QualityLevel::Good
        }
    }
}

/// Who reports a connection: the call's requester or its interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participant {
    Requester(UserId),
    Interpreter(AgentId),
}

/// What a call keeps of its media: who monitors it and each participant's last level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub monitors: BTreeMap<UserId, MonitorMode>,
    pub quality: BTreeMap<UserId, QualityLevel>,
}

impl Call {
    pub(crate) fn decide_requeue(
        &self,
        agent_id: AgentId,
        reason: RequeueReason,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.ensure_live_with(Some(agent_id))?;
        if self.pending_transfer.is_some() {
            return Err(CallError::TransferPending);
        }
        let queue_id = self
            .queue_id
            .ok_or(CallError::NotInProgress(self.status.as_str()))?;
        let mut events = self.monitors_stopped(at);
        events.extend(self.guests_left(at));
        let (talk_seconds, hold_seconds) = self.talk_and_hold(at);
        events.push(CallEvent::CallRequeued {
            agent_id,
            queue_id,
            reason,
            talk_seconds,
            hold_seconds,
            at,
        });
        events.push(CallEvent::CallQueued {
            queue_id,
            priority: self.priority(),
            at,
        });
        Ok(events)
    }

    pub(crate) fn decide_start_monitoring(
        &self,
        supervisor_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.ensure_live_with(None)?;
        // Opening the room again (a reload) is not a second session.
        if self.media.monitors.contains_key(&supervisor_id) {
            return Ok(vec![]);
        }
        Ok(vec![CallEvent::MonitoringStarted { supervisor_id, at }])
    }

    pub(crate) fn decide_barge_in(
        &self,
        supervisor_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.ensure_live_with(None)?;
        match self.media.monitors.get(&supervisor_id) {
            None => Err(CallError::NotMonitoring),
            Some(MonitorMode::Talk) => Ok(vec![]),
            Some(MonitorMode::Listen) => {
                Ok(vec![CallEvent::SupervisorBargedIn { supervisor_id, at }])
            }
        }
    }

    pub(crate) fn decide_stop_monitoring(
        &self,
        supervisor_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        self.exists()?;
        if !self.media.monitors.contains_key(&supervisor_id) {
            return Err(CallError::NotMonitoring);
        }
        Ok(vec![CallEvent::MonitoringStopped { supervisor_id, at }])
    }

    pub(crate) fn decide_report_quality(
        &self,
        participant: Participant,
        samples: &[QualitySample],
        at: DateTime<Utc>,
    ) -> Result<Vec<CallEvent>, CallError> {
        let participant_id = match participant {
            Participant::Requester(id) => {
                self.ensure_requester(id)?;
                self.ensure_live_with(None)?;
                id
            }
            // An interpreter is a user with the same id.
            Participant::Interpreter(agent) => UserId(self.ensure_live_with(Some(agent))?.0),
        };
        // The worst sample of the batch speaks for it: a freeze is not averaged away.
        let Some(worst) = samples.iter().max_by_key(|sample| sample.level()) else {
            return Ok(vec![]);
        };
        let level = worst.level();
        let last = self
            .media
            .quality
            .get(&participant_id)
            .copied()
            .unwrap_or(QualityLevel::Good);
        if level == last {
            return Ok(vec![]);
        }
        Ok(vec![CallEvent::MediaQualityChanged {
            participant_id,
            level,
            sample: *worst,
            at,
        }])
    }

    /// `MonitoringStopped` for every supervisor still in the room, when the call leaves it.
    pub(crate) fn monitors_stopped(&self, at: DateTime<Utc>) -> Vec<CallEvent> {
        self.media
            .monitors
            .keys()
            .map(|&supervisor_id| CallEvent::MonitoringStopped { supervisor_id, at })
            .collect()
    }

    pub(crate) fn apply_media(&mut self, event: &CallEvent) {
        match event {
            CallEvent::MonitoringStarted { supervisor_id, .. } => {
                self.media
                    .monitors
                    .insert(*supervisor_id, MonitorMode::Listen);
            }
            CallEvent::SupervisorBargedIn { supervisor_id, .. } => {
                self.media
                    .monitors
                    .insert(*supervisor_id, MonitorMode::Talk);
            }
            CallEvent::MonitoringStopped { supervisor_id, .. } => {
                self.media.monitors.remove(supervisor_id);
            }
            CallEvent::MediaQualityChanged {
                participant_id,
                level,
                ..
            } => {
                self.media.quality.insert(*participant_id, *level);
            }
            CallEvent::CallRequeued { .. } => {
                self.status = CallStatus::Requested;
                self.agent_id = None;
                self.connected_at = None;
                self.hold_started_at = None;
                self.hold_seconds = 0;
                self.media.quality.clear();
            }
            _ => {}
        }
    }
}
