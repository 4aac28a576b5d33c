//! Matching (issue 17): organisations and their policies, language pairs, certifications,
//! request requirements, pool widening and the routing explanation. Read shapes default
//! every field, so a server that adds or leaves out a field still parses.

use crate::i18n::{arg, num, t, t_args};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The language a request is from unless it says otherwise.
pub const ENGLISH: &str = "en";

/// An organisation as `GET /api/organisations` lists it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Organisation {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NewOrganisation {
    pub name: String,
}

/// `GET /api/organisations/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrganisationDetail {
    pub id: String,
    pub name: String,
    pub policy: Policy,
    pub version: u64,
}

/// An organisation's requester policy (`GET/PUT /api/organisations/{id}/policy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub preferred_agent_ids: Vec<String>,
    pub banned_agent_ids: Vec<String>,
    pub preferred_wait_s: i64,
    pub required_certifications: Vec<String>,
}

/// One change of a policy (`GET /api/organisations/{id}/policy/history`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PolicyChange {
    pub at: Option<DateTime<Utc>>,
    /// `{id, name, role}`.
    pub actor: Value,
    /// Per field: lists as `{added, removed}`, numbers as `{from, to}`.
    pub change: Value,
    pub policy: Policy,
    pub version: i64,
}

/// A policy's fields, as the history names them, with their words.
pub mod policy_field {
    pub const PREFERRED: &str = "preferred_agent_ids";
    pub const BANNED: &str = "banned_agent_ids";
    pub const PREFERRED_WAIT: &str = "preferred_wait_s";
    pub const CERTIFICATIONS: &str = "required_certifications";

    /// (field, its label's message id, whether its values are interpreter ids).
    pub const ALL: [(&str, &str, bool); 4] = [
        (PREFERRED, "policy-field-preferred", true),
        (BANNED, "policy-field-banned", true),
        (CERTIFICATIONS, "policy-field-certifications", false),
        (PREFERRED_WAIT, "policy-field-preferred-wait", false),
    ];
}

/// A language pair an interpreter holds (either direction serves).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguagePair {
    pub from: String,
    pub to: String,
    pub proficiency: i64,
}

/// `PUT /api/agents/{id}/profile`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub gender: Option<String>,
}

/// The genders an interpreter's profile and a request's requirements name.
pub const GENDERS: [(&str, &str); 3] = [
    ("female", "gender-female"),
    ("male", "gender-male"),
    ("nonbinary", "gender-nonbinary"),
];

pub fn gender_label(code: &str) -> String {
    GENDERS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| t(l))
        .unwrap_or_else(|| code.to_owned())
}

/// A request's own requirements (`requirements` of `POST /api/calls`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Requirements {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<String>,
}

impl Requirements {
    pub fn is_empty(&self) -> bool {
        self.gender.is_none() && self.certifications.is_empty()
    }
}

/// One step of a queue's pool widening (`widening` of the queue settings and board).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WideningStep {
    pub after_s: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_proficiency: Option<i64>,
    pub drop_specialty: bool,
    pub drop_requirements: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_queue_id: Option<String>,
}

impl WideningStep {
    /// "after 30s: proficiency 2 and up, any specialty, + Spanish medical".
    pub fn describe(&self, queue_name: impl Fn(&str) -> String) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.min_proficiency {
            parts.push(t_args("widening-proficiency", &[("level", num(p as f64))]));
        }
        if self.drop_specialty {
            parts.push(t("widening-any-specialty"));
        }
        if self.drop_requirements {
            parts.push(t("widening-requirements-dropped"));
        }
        if let Some(id) = &self.add_queue_id {
            parts.push(t_args(
                "widening-also-queue",
                &[("queue", arg(queue_name(id)))],
            ));
        }
        if parts.is_empty() {
            parts.push(t("widening-no-change"));
        }
        t_args(
            "widening-after",
            &[
                ("duration", arg(crate::format::duration(self.after_s))),
                ("changes", arg(parts.join(", "))),
            ],
        )
    }
}

/// The call event a widening step records (`type` in a call's history).
pub const CALL_POOL_WIDENED: &str = "CallPoolWidened";

/// `GET /api/calls/{id}/routing?agent_id=`: whether an interpreter was offered a call and,
/// if not, why.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RoutingAnswer {
    pub call_id: String,
    pub agent_id: String,
    pub offered: bool,
    pub offers: Vec<RoutingOffer>,
    pub reasons: Vec<Value>,
    pub summary: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RoutingOffer {
    pub at: Option<DateTime<Utc>>,
    pub queue_id: Option<String>,
    pub outcome: Option<String>,
}

/// Why an interpreter was not offered a call, in words; an unknown reason as its code.
pub fn routing_reason_text(reason: &str) -> String {
    let id = match reason {
        "banned_by_organisation" => "routing-reason-banned-by-organisation",
        "not_in_queue" => "routing-reason-not-in-queue",
        "pair_missing" => "routing-reason-pair-missing",
        "proficiency_too_low" => "routing-reason-proficiency-too-low",
        "modality_missing" => "routing-reason-modality-missing",
        "specialty_missing" => "routing-reason-specialty-missing",
        "organisation_certification_missing" => "routing-reason-organisation-certification-missing",
        "certification_missing" => "routing-reason-certification-missing",
        "gender_mismatch" => "routing-reason-gender-mismatch",
        "busy" => "routing-reason-busy",
        "not_available" => "routing-reason-not-available",
        "widening_step_not_reached" => "routing-reason-widening-step-not-reached",
        "another_interpreter_chosen" => "routing-reason-another-interpreter-chosen",
        other => return crate::format::status_label(other),
    };
    crate::i18n::t(id)
}
