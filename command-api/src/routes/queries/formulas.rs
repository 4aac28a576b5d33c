//! The definitions of the derived metrics, named and versioned, and
//! `GET /api/metrics/formulas` that lists them.
//!
//! A definition is never edited in place. Changing one adds a version here (and in
//! docs/metrics.md), raises [`FORMULA_VERSION`], and, when the new definition needs
//! counters the buckets do not hold, adds them to the `metrics` projection and rebuilds it
//! from the stream (`parley projections rebuild metrics`): history is recomputed, never
//! rewritten. Every row of `GET /api/metrics` carries the `formula_version` it was
//! computed with.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json};
use crate::state::AppState;

/// The version of the set of definitions below: raised whenever any of them changes.
pub const FORMULA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Formula {
    /// The figure's field in a metrics row.
    pub name: &'static str,
    pub version: u32,
    /// The set of definitions ([`FORMULA_VERSION`]) that introduced this version.
    pub formula_version: u32,
    pub definition: &'static str,
}

/// Every definition, every version, oldest first.
pub const FORMULAS: [Formula; 6] = [
    Formula {
        name: "service_level",
        version: 1,
        formula_version: 1,
        definition: "answered_in_sl / (offered - short_abandoned): calls answered within the \
                     answering queue's service_level_s of entering it, over the calls offered \
                     less those abandoned within 5 s",
    },
    Formula {
        name: "asa_s",
        version: 1,
        formula_version: 1,
        definition: "answer_wait_s / answered: the average wait of answered calls, from entering \
                     the queue (queue), from the request (language), or the ring time (interpreter)",
    },
    Formula {
        name: "aht_s",
        version: 1,
        formula_version: 1,
        definition: "(talk_s + hold_s + wrap_up_s) / handled: the average time of a connection, \
                     its hold and the interpreter's wrap-up after it",
    },
    Formula {
        name: "abandonment_rate",
        version: 1,
        formula_version: 1,
        definition: "(abandoned - short_abandoned) / offered: calls hung up after 5 s of waiting, \
                     over the calls offered",
    },
    Formula {
        name: "occupancy",
        version: 1,
        formula_version: 1,
        definition: "busy_s / logged_in_s, interpreters only: seconds ringing, on a call or in \
                     wrap-up, over seconds available, away or busy",
    },
    Formula {
        name: "abandoned_after_threshold",
        version: 1,
        formula_version: 1,
        definition: "abandoned - short_abandoned: the calls hung up after 5 s of waiting",
    },
];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(formulas))
}

/// Every derived metric's definition, with its version (analyst, supervisor, admin).
#[utoipa::path(get, path = "/api/metrics/formulas", tag = "metrics", security(("bearer" = [])),
    responses((status = 200, body = [Formula]), (status = 403, body = ErrorBody)))]
async fn formulas(user: AuthUser) -> Result<Json<Vec<Formula>>, ApiError> {
    user.require(&[Role::Analyst, Role::Supervisor, Role::Admin])?;
    Ok(Json(FORMULAS.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_versions_one_by_one_and_the_set_version_covers_them() {
        let mut names: Vec<&str> = FORMULAS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let versions: Vec<u32> = FORMULAS
                .iter()
                .filter(|f| f.name == name)
                .map(|f| f.version)
                .collect();
            let expected: Vec<u32> = (1..=u32::try_from(versions.len()).unwrap_or(0)).collect();
            assert_eq!(
                versions, expected,
                "{name}: versions in order, none skipped"
            );
        }
        assert!(
            FORMULAS
                .iter()
                .all(|f| f.formula_version <= FORMULA_VERSION)
        );
        assert!(
            FORMULAS
                .iter()
                .any(|f| f.formula_version == FORMULA_VERSION)
        );
    }
}
