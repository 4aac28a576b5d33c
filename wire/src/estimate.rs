//! The wait estimate of the queue board (`GET /api/queues`) and of a waiting call
//! (`GET /api/calls/{id}`): a number only when there is an honest basis for one, otherwise
//! `null` with the reason, so a board never promises a wait nobody can serve. The web UI
//! computes it again from pushed rows (docs/architecture.md, "What each path costs"), by
//! this same rule.

use serde::{Deserialize, Serialize};

/// Why a queue has no wait estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EstimateReason {
    /// No eligible interpreter is signed in as available: nobody could answer.
    NoInterpretersSignedIn,
    /// Nobody in the queue finished a call today (UTC): there is no handle time to go by.
    NoRecentService,
}

impl EstimateReason {
    pub fn label(self) -> &'static str {
        match self {
            Self::NoInterpretersSignedIn => "nobody signed in",
            Self::NoRecentService => "no calls served today",
        }
    }
}

/// What an estimate is computed from, for one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Basis {
    /// Calls ahead of the one estimated (for a new call: every waiting call).
    pub ahead: i64,
    /// Eligible interpreters available and idle.
    pub free: i64,
    /// Eligible interpreters available, busy or not.
    pub staffed: i64,
    /// Today's handled calls and their handle time (talk + hold + wrap-up), in seconds.
    pub handled: i64,
    pub handle_s: i64,
}

/// 0 when a free interpreter is there for every call ahead and this one; otherwise
/// (ahead + 1 − free) × today's average handle time ÷ the interpreters staffed.
pub fn estimate(basis: Basis) -> Result<i64, EstimateReason> {
    if basis.staffed <= 0 {
        return Err(EstimateReason::NoInterpretersSignedIn);
    }
    if basis.free > basis.ahead {
        return Ok(0);
    }
    if basis.handled <= 0 {
        return Err(EstimateReason::NoRecentService);
    }
    #[allow(clippy::cast_precision_loss)]
    let aht = basis.handle_s as f64 / basis.handled as f64;
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let seconds = ((basis.ahead + 1 - basis.free) as f64 * aht / basis.staffed as f64).ceil();
    #[allow(clippy::cast_possible_truncation)]
    Ok(seconds as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis(ahead: i64, free: i64, staffed: i64, handled: i64, handle_s: i64) -> Basis {
        Basis {
            ahead,
            free,
            staffed,
            handled,
            handle_s,
        }
    }

    #[test]
    fn the_estimate_is_zero_with_a_free_interpreter_and_grows_with_the_queue() {
        assert_eq!(estimate(basis(0, 1, 1, 4, 400)), Ok(0));
        assert_eq!(estimate(basis(2, 1, 2, 4, 520)), Ok(130));
        assert_eq!(estimate(basis(3, 0, 2, 2, 200)), Ok(200));
    }

    #[test]
    fn without_anyone_signed_in_or_any_service_today_there_is_no_estimate() {
        assert_eq!(
            estimate(basis(3, 0, 0, 2, 200)),
            Err(EstimateReason::NoInterpretersSignedIn),
            "nobody could answer, whatever the handle time"
        );
        assert_eq!(
            estimate(basis(0, 0, 0, 0, 0)),
            Err(EstimateReason::NoInterpretersSignedIn)
        );
        assert_eq!(
            estimate(basis(3, 0, 1, 0, 0)),
            Err(EstimateReason::NoRecentService)
        );
        assert_eq!(
            estimate(basis(0, 1, 1, 0, 0)),
            Ok(0),
            "free now needs no history"
        );
    }
}
