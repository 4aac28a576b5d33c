//! The bounds of every request field, as JSON Schema keywords built from the constants the
//! validation code checks (value objects in `domain::values`, the queue's timer ranges, the
//! limits of each route module). The document carries them (`openapi::finish`), so a
//! bound changed in the code is changed in the document too; a bound whose schema or field
//! disappears fails `every_bound_applies_to_a_field` in `openapi_tests.rs`.

use std::ops::RangeInclusive;

use domain::queue::QueueConfig;
use domain::values::{
    AgentStatus, DisplayName, Disposition, Email, LanguageCode, Modality, Notes, Priority,
    Proficiency, RoutingStrategy, Specialty, Stars,
};
use serde_json::{Value, json};

use crate::auth::{API_KEY_SCOPES, Role};

/// Keywords for one field: of a component schema (`schema`, `field`), or of an operation's
/// query parameter (`schema` = `"GET /path"`, `field` = the parameter).
pub struct Bound {
    pub schema: &'static str,
    pub field: &'static str,
    pub keywords: Value,
}

fn bound(schema: &'static str, field: &'static str, keywords: Value) -> Bound {
    Bound {
        schema,
        field,
        keywords,
    }
}

fn range<T: Into<i64> + Copy>(range: &RangeInclusive<T>) -> Value {
    json!({"minimum": (*range.start()).into(), "maximum": (*range.end()).into()})
}

/// Characters of a text that the server trims first (the schema counts them untrimmed,
/// so padding with spaces is the one way past it: answered 422).
fn chars(min: usize, max: usize) -> Value {
    if min == 0 {
        json!({"maxLength": max})
    } else {
        json!({"minLength": min, "maxLength": max})
    }
}

fn one_of<I: IntoIterator<Item = &'static str>>(values: I) -> Value {
    json!({"enum": values.into_iter().collect::<Vec<_>>()})
}

fn items(min: usize, max: Option<usize>, item: Value) -> Value {
    let mut keywords = json!({"minItems": min});
    keywords["items"] = item;
    if let Some(max) = max {
        keywords["maxItems"] = json!(max);
    }
    keywords
}

fn language() -> Value {
    chars(*LanguageCode::CHARS.start(), *LanguageCode::CHARS.end())
}

fn modality() -> Value {
    one_of(Modality::ALL.iter().map(Modality::as_str))
}

fn specialty() -> Value {
    one_of(Specialty::ALL.iter().map(Specialty::as_str))
}

/// The statuses a person may choose (`away` is the system's: `AgentStatus::parse_chosen`).
fn chosen_status() -> Value {
    one_of(
        AgentStatus::ALL
            .iter()
            .filter(|status| **status != AgentStatus::Away)
            .map(AgentStatus::as_str),
    )
}

fn proficiency() -> Value {
    range(&(i64::from(Proficiency::MIN)..=i64::from(Proficiency::MAX)))
}

fn notes() -> Value {
    chars(Notes::MIN_CHARS, Notes::MAX_CHARS)
}

fn display_name() -> Value {
    chars(DisplayName::MIN_CHARS, DisplayName::MAX_CHARS)
}

/// The request bodies' fields.
pub fn body_bounds() -> Vec<Bound> {
    let languages = super::agents::SKILL_LANGUAGES;
    vec![
        bound("RequestCallBody", "language", language()),
        bound("RequestCallBody", "source_language", language()),
        bound("RequestCallBody", "modality", modality()),
        bound("RequestCallBody", "specialty", specialty()),
        bound(
            "RequestCallBody",
            "priority",
            one_of(Priority::ALL.iter().map(Priority::as_str)),
        ),
        bound(
            "OfferBody",
            "ring_timeout_s",
            range(&QueueConfig::RING_TIMEOUT_RANGE_S),
        ),
        bound("StatusBody", "status", chosen_status()),
        bound("LanguageSkillBody", "code", language()),
        bound("LanguageSkillBody", "proficiency", proficiency()),
        bound(
            "SkillsBody",
            "languages",
            items(*languages.start(), Some(*languages.end()), json!({})),
        ),
        bound("SkillsBody", "specialties", items(0, None, specialty())),
        bound("SkillsBody", "modalities", items(1, None, modality())),
        bound("QueueBody", "name", display_name()),
        bound(
            "QueueBody",
            "languages",
            items(1, Some(super::queues::MAX_QUEUE_LANGUAGES), language()),
        ),
        bound("QueueBody", "specialty", specialty()),
        bound("QueueBody", "modality", modality()),
        bound(
            "QueueBody",
            "strategy",
            one_of(RoutingStrategy::ALL.iter().map(RoutingStrategy::as_str)),
        ),
        bound("QueueBody", "min_proficiency", proficiency()),
        bound(
            "QueueBody",
            "ring_timeout_s",
            range(&QueueConfig::RING_TIMEOUT_RANGE_S),
        ),
        bound(
            "QueueBody",
            "max_wait_s",
            range(&QueueConfig::MAX_WAIT_RANGE_S),
        ),
        bound(
            "QueueBody",
            "wrap_up_s",
            range(&QueueConfig::WRAP_UP_RANGE_S),
        ),
        bound(
            "QueueBody",
            "service_level_s",
            range(&QueueConfig::SERVICE_LEVEL_RANGE_S),
        ),
        bound(
            "QueueBody",
            "precedence",
            range(&QueueConfig::PRECEDENCE_RANGE),
        ),
        bound(
            "MembersBody",
            "agent_ids",
            json!({"maxItems": super::queues::MAX_QUEUE_MEMBERS}),
        ),
        bound(
            "WrapUpBody",
            "disposition",
            chars(Disposition::MIN_CHARS, Disposition::MAX_CHARS),
        ),
        bound("WrapUpBody", "notes", notes()),
        bound(
            "RatingBody",
            "stars",
            range(&(i64::from(Stars::MIN)..=i64::from(Stars::MAX))),
        ),
        bound("RatingBody", "comment", notes()),
        bound(
            "CreateUserBody",
            "email",
            json!({"maxLength": Email::MAX_LEN}),
        ),
        bound("CreateUserBody", "name", display_name()),
        bound(
            "CreateUserBody",
            "role",
            one_of(Role::ALL.iter().map(|role| role.as_str())),
        ),
        bound(
            "CreateUserBody",
            "password",
            chars(
                *super::users::PASSWORD_CHARS.start(),
                *super::users::PASSWORD_CHARS.end(),
            ),
        ),
        bound("ResetBody", "new_password", password()),
        bound("ChangePasswordBody", "new_password", password()),
        bound(
            "CreateApiKeyBody",
            "name",
            chars(
                *super::api_keys::NAME_CHARS.start(),
                *super::api_keys::NAME_CHARS.end(),
            ),
        ),
        bound(
            "CreateApiKeyBody",
            "scopes",
            items(1, None, one_of(API_KEY_SCOPES)),
        ),
    ]
}

/// A new password: the bounds of a new account's.
fn password() -> Value {
    chars(
        *super::users::PASSWORD_CHARS.start(),
        *super::users::PASSWORD_CHARS.end(),
    )
}

/// A month, `YYYY-MM`, as `queries::reports` reads it.
fn month() -> Value {
    json!({"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"})
}

/// An instant, as `queries::parse_instant` reads it.
fn instant() -> Value {
    json!({"format": "date-time"})
}

/// Call statuses, comma-separated, as `parse_statuses` reads them: each trimmed, blank
/// ones skipped (so an empty list is no filter).
fn status_list() -> Value {
    let one = format!(r"\s*({})?\s*", super::queries::calls::STATUSES.join("|"));
    json!({"pattern": format!("^{one}(,{one})*$")})
}

/// The query parameters' bounds.
pub fn query_bounds() -> Vec<Bound> {
    use super::queries::{calls, metrics};
    vec![
        bound("GET /api/calls", "limit", range(&calls::LIST_LIMIT)),
        bound("GET /api/users", "limit", range(&super::paging::PAGE_LIMIT)),
        bound(
            "GET /api/agents",
            "limit",
            range(&super::paging::PAGE_LIMIT),
        ),
        bound("GET /api/calls", "status", status_list()),
        bound("GET /api/calls", "from", instant()),
        bound("GET /api/calls", "to", instant()),
        bound("GET /api/calls/export.csv", "from", instant()),
        bound("GET /api/calls/export.csv", "to", instant()),
        bound("GET /api/calls/{id}/state", "at", instant()),
        bound("GET /api/floor", "at", instant()),
        bound("GET /api/metrics", "language", language()),
        bound("GET /api/metrics", "from", instant()),
        bound("GET /api/metrics", "to", instant()),
        bound("GET /api/metrics", "group_by", one_of(metrics::GROUP_BY)),
        bound(
            "GET /api/metrics",
            "interval",
            one_of(metrics::INTERVALS.iter().map(|(name, _)| *name)),
        ),
        bound(
            "GET /api/metrics/calls",
            "metric",
            one_of(super::queries::drill_down::METRICS),
        ),
        bound(
            "GET /api/metrics/calls",
            "group_by",
            one_of(metrics::GROUP_BY),
        ),
        bound(
            "GET /api/metrics/calls",
            "interval",
            one_of(metrics::INTERVALS.iter().map(|(name, _)| *name)),
        ),
        bound("GET /api/metrics/calls", "interval_start", instant()),
        bound("GET /api/reports/connect-times", "month", month()),
        bound("GET /api/reports/connect-times", "language", language()),
        bound("GET /api/reports/connect-times/calls", "month", month()),
        bound(
            "GET /api/reports/connect-times/calls",
            "language",
            language(),
        ),
        bound(
            "GET /api/reports/connect-times/calls",
            "offset",
            json!({"minimum": 0}),
        ),
    ]
}
