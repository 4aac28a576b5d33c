//! The shapes the API sends and receives (docs/api.md). Read-model shapes default
//! every field, so an older or newer server that adds or leaves out a field still parses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod matching;
pub use matching::*;
mod accounts;
pub use accounts::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
    Analyst,
    Requester,
}

impl Role {
    /// The role's name, in the interface's language.
    pub fn label(self) -> String {
        crate::i18n::t(match self {
            Role::Admin => "role-admin",
            Role::Supervisor => "role-supervisor",
            Role::Agent => "role-agent",
            Role::Analyst => "role-analyst",
            Role::Requester => "role-requester",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Analyst => "analyst",
            Role::Requester => "requester",
        }
    }

    pub const ALL: [Role; 5] = [
        Role::Requester,
        Role::Agent,
        Role::Supervisor,
        Role::Analyst,
        Role::Admin,
    ];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// `GET /api/auth/config`: how one may sign in.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct AuthConfig {
    #[serde(default)]
    pub sso: bool,
}

/// `POST /api/auth/oidc/exchange`.
#[derive(Clone, Debug, Serialize)]
pub struct SsoExchange {
    pub code: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LoginResponse {
    pub access_token: String,
    pub expires_in: i64,
    pub user: User,
}

/// The answer to a command: the aggregate and its version after it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Accepted {
    pub id: String,
    #[serde(default)]
    pub version: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NewCall {
    pub language: String,
    pub modality: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    pub priority: String,
    /// The other party's language's counterpart: English unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_language: Option<String>,
    #[serde(skip_serializing_if = "Requirements::is_empty")]
    pub requirements: Requirements,
}

/// A call as the read model holds it (`GET /api/calls`, `GET /api/calls/{id}`), or as a
/// pushed `call`/`offer` notice carries it (the read model's row: `call_id` for `id`, and
/// no names, `rated`, `position` or estimate; see `crate::live`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Call {
    #[serde(alias = "call_id")]
    pub id: String,
    pub status: String,
    pub requester_id: Option<String>,
    pub requester_name: Option<String>,
    pub language: Option<String>,
    pub source_language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<String>,
    pub queue_name: Option<String>,
    pub offered_to: Option<String>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrapped_up_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub wait_s: Option<i64>,
    pub talk_s: Option<i64>,
    pub hold_s: Option<i64>,
    pub wrap_up_s: Option<i64>,
    pub disposition: Option<String>,
    pub notes: Option<String>,
    pub stars: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated: Option<bool>,
    pub transfers: i64,
    pub seq: i64,
    /// 1-based place among the calls waiting in the queue (`GET /api/calls/{id}` only).
    pub position: Option<i64>,
    /// Expected seconds until this waiting call is answered, from its place in the queue
    /// (`GET /api/calls/{id}` only).
    pub estimated_wait_s: Option<i64>,
    /// Calls waiting in its queue now, this one included (`GET /api/calls/{id}` only).
    pub queue_waiting: Option<i64>,
    /// The requester's organisation.
    pub organisation_id: Option<String>,
    /// Widening steps taken in the current queue (0: none).
    pub widening_step: i64,
    /// The requester chose to be called back.
    pub callback: bool,
    /// A callback call an interpreter accepted: the requester must join before this.
    pub join_by: Option<DateTime<Utc>>,
    /// When the requester joined their callback call.
    pub joined_at: Option<DateTime<Utc>>,
}

/// A call's status (`status` of `GET /api/calls`), as the server names it.
pub mod call_status {
    pub const NEW: &str = "new";
    pub const REQUESTED: &str = "requested";
    pub const QUEUED: &str = "queued";
    pub const OFFERED: &str = "offered";
    pub const CONNECTED: &str = "connected";
    pub const ON_HOLD: &str = "on_hold";
    /// Waiting or in progress: what the floor lists.
    pub const ACTIVE: [&str; 5] = [REQUESTED, QUEUED, OFFERED, CONNECTED, ON_HOLD];
}

impl Call {
    pub fn is_waiting(&self) -> bool {
        use call_status::*;
        [NEW, REQUESTED, QUEUED, OFFERED].contains(&self.status.as_str())
    }

    /// Waiting in a queue (queued or ringing): what a queue's `waiting` counts.
    pub fn is_queued(&self) -> bool {
        use call_status::*;
        [QUEUED, OFFERED].contains(&self.status.as_str())
    }

    pub fn is_live(&self) -> bool {
        use call_status::*;
        [CONNECTED, ON_HOLD].contains(&self.status.as_str())
    }

    /// A callback call whose interpreter is ready and waits for the requester to join.
    pub fn awaits_join(&self) -> bool {
        self.is_live() && self.join_by.is_some() && self.joined_at.is_none()
    }

    /// Ringing for `agent_id` now.
    pub fn is_offered_to(&self, agent_id: &str) -> bool {
        self.status == call_status::OFFERED && self.offered_to.as_deref() == Some(agent_id)
    }

    pub fn is_over(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ended" | "wrapped_up" | "abandoned" | "no_interpreter_available"
        )
    }

    pub fn was_rated(&self) -> bool {
        self.stars.is_some() || self.rated == Some(true)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CallPage {
    pub items: Vec<Call>,
    pub next_cursor: Option<String>,
}

/// One queue on the live board (`GET /api/queues`): its settings and what happens in it now.
/// A pushed `queue` notice carries the settings only (`queue_id` for `id`); the floor
/// counts the rest from its calls and interpreters (`crate::live::board`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Queue {
    #[serde(alias = "queue_id")]
    pub id: String,
    pub name: String,
    pub languages: Vec<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    pub strategy: Option<String>,
    pub min_proficiency: Option<i64>,
    pub ring_timeout_s: Option<i64>,
    pub max_wait_s: Option<i64>,
    pub overflow_queue_id: Option<String>,
    pub wrap_up_s: Option<i64>,
    pub service_level_s: Option<i64>,
    /// Among queues serving a request equally specifically, the highest routes it.
    pub precedence: Option<i64>,
    pub members: Vec<String>,
    /// A pair queue's other language: it serves `source_language` ↔ each of `languages`.
    pub source_language: Option<String>,
    pub widening: Vec<WideningStep>,
    pub waiting: i64,
    pub longest_wait_s: i64,
    pub agents_available: i64,
    pub agents_on_call: i64,
    pub agents_wrap_up: i64,
    pub agents_on_break: i64,
    pub service_level_today: Option<f64>,
    pub estimated_wait_s: Option<i64>,
    /// Why there is no estimate, when there is none.
    pub estimate_reason: Option<EstimateReason>,
    /// Today's handled calls and their handle time: the estimate's basis.
    pub handled_today: i64,
    pub handle_s_today: i64,
    /// When its longest-waiting call started waiting, as of the last load or recount: the
    /// page shows the longest wait growing from it. Not sent by the server.
    #[serde(skip)]
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    pub seq: i64,
}

/// Why a queue has no wait estimate (`estimate_reason` of `GET /api/queues`): the server's
/// own definition.
pub use wire::EstimateReason;

/// Queue settings for `POST /api/queues` and `PUT /api/queues/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueSettings {
    pub name: String,
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specialty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    pub strategy: String,
    pub min_proficiency: i64,
    pub ring_timeout_s: i64,
    pub max_wait_s: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overflow_queue_id: Option<String>,
    pub wrap_up_s: i64,
    pub service_level_s: i64,
    pub precedence: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_language: Option<String>,
    pub widening: Vec<WideningStep>,
}

/// One interpreter on the status board (`GET /api/agents`), or as a pushed `agent` notice
/// carries them (the read model's row: `agent_id`, `status_since`, `calls_today_date`, no
/// name or email; see `crate::live`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Agent {
    #[serde(alias = "agent_id")]
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    /// Why the status is what it is when the interpreter did not choose it:
    /// `presence_lost` or `missed_offers`.
    pub reason: Option<String>,
    #[serde(alias = "status_since")]
    pub since: Option<DateTime<Utc>>,
    pub activity: String,
    pub activity_since: Option<DateTime<Utc>>,
    pub current_call_id: Option<String>,
    pub offer_call_id: Option<String>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub calls_today: i64,
    /// The day `calls_today` counts (pushed rows only; the board sends today's count).
    pub calls_today_date: Option<chrono::NaiveDate>,
    pub languages: Vec<String>,
    pub proficiency: Value,
    pub specialties: Vec<String>,
    pub modalities: Vec<String>,
    /// Language pairs besides those with English (`languages`).
    pub pairs: Vec<LanguagePair>,
    pub certifications: Vec<String>,
    pub gender: Option<String>,
    /// On a call with no live connection since then.
    pub presence_lost_at: Option<DateTime<Utc>>,
    /// When they last became free to take a call: the router's longest-idle order.
    pub idle_since: Option<DateTime<Utc>>,
    pub seq: i64,
}

/// An interpreter's status (`status` of `GET /api/agents`) and activity (`activity`), as
/// the server names them.
pub mod presence {
    pub const AVAILABLE: &str = "available";
    pub const BREAK: &str = "break";
    pub const IDLE: &str = "idle";
    pub const ON_CALL: &str = "on_call";
    pub const WRAP_UP: &str = "wrap_up";
}

/// The floor's interpreter tiles, counted from the very rows of the agent board they sit
/// above, with the board's own words: "Available" is every row whose status is
/// `available`, busy or not, so a tile never contradicts the board.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentTotals {
    /// Status `available`, whatever they are doing.
    pub available: usize,
    /// Of those, holding no offer, call or wrap-up: free to take a call now.
    pub free: usize,
    pub on_call: usize,
    pub wrap_up: usize,
    pub on_break: usize,
}

impl AgentTotals {
    /// Counts `(status, activity)` pairs: the live board's rows or the floor at an instant.
    pub fn count<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut totals = Self::default();
        for (status, activity) in rows {
            let available = status == presence::AVAILABLE;
            totals.available += usize::from(available);
            totals.free += usize::from(available && activity == presence::IDLE);
            totals.on_call += usize::from(activity == presence::ON_CALL);
            totals.wrap_up += usize::from(activity == presence::WRAP_UP);
            totals.on_break += usize::from(status == presence::BREAK);
        }
        totals
    }
}

impl Agent {
    /// Available and on no call, offer or wrap-up: someone a call can be handed to now.
    pub fn is_free(&self) -> bool {
        self.status == presence::AVAILABLE && self.activity == presence::IDLE
    }

    /// The reason, in words.
    pub fn reason_text(&self) -> Option<String> {
        match self.reason.as_deref()? {
            "presence_lost" => Some(crate::i18n::t("reason-presence-lost")),
            "missed_offers" => Some(crate::i18n::t("reason-missed-offers")),
            _ => None,
        }
    }

    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| crate::format::short_id(&self.id))
    }
}

/// Where a call is moved to, written in a transfer control's `<select>` as `queue:<id>`
/// or `agent:<id>`.
#[derive(Clone, Debug, PartialEq)]
pub enum MoveTarget {
    Queue(String),
    Agent(String),
}

impl MoveTarget {
    /// The target a `<select>` value names; `None` for the empty choice.
    pub fn parse(value: &str) -> Option<Self> {
        match value.split_once(':') {
            Some(("queue", id)) => Some(Self::Queue(id.to_owned())),
            Some(("agent", id)) => Some(Self::Agent(id.to_owned())),
            _ => None,
        }
    }

    /// Its `<select>` value.
    pub fn value(&self) -> String {
        match self {
            Self::Queue(id) => format!("queue:{id}"),
            Self::Agent(id) => format!("agent:{id}"),
        }
    }

    /// The queue's or the interpreter's name, when it is among those listed.
    pub fn name(&self, queues: &[Queue], agents: &[Agent]) -> Option<String> {
        match self {
            Self::Queue(id) => queues.iter().find(|q| &q.id == id).map(|q| q.name.clone()),
            Self::Agent(id) => agents.iter().find(|a| &a.id == id).map(Agent::display_name),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LanguageSkill {
    pub code: String,
    pub proficiency: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skills {
    pub languages: Vec<LanguageSkill>,
    pub specialties: Vec<String>,
    pub modalities: Vec<String>,
    pub pairs: Vec<LanguagePair>,
    pub certifications: Vec<String>,
}

/// One event of a call's history.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HistoryEntry {
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub actor: Value,
    #[serde(default)]
    pub data: Value,
}

impl HistoryEntry {
    /// "Ana Agent (agent)", "system", …
    pub fn actor_label(&self) -> String {
        let text = |key: &str| {
            self.actor
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        match (text("name"), text("role")) {
            (Some(name), Some(role)) => format!("{name} ({role})"),
            (Some(name), None) => name,
            (None, Some(role)) => role,
            (None, None) => match &self.actor {
                Value::String(s) => s.clone(),
                Value::Null => "system".to_owned(),
                other => text("kind")
                    .or_else(|| text("id"))
                    .unwrap_or_else(|| other.to_string()),
            },
        }
    }
}

/// A call as it was at an instant (`GET /api/calls/{id}/state?at=`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CallAsOf {
    pub id: String,
    pub as_of: Option<DateTime<Utc>>,
    pub version: u64,
    pub last_event_type: Option<String>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub status: String,
    pub requester_id: Option<String>,
    pub language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<String>,
    pub offered_to: Option<String>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub agent_id: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub on_hold_since: Option<DateTime<Utc>>,
    pub hold_s: i64,
    pub ended_at: Option<DateTime<Utc>>,
    pub rated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FloorCall {
    pub id: String,
    pub status: String,
    pub priority: Option<String>,
    pub language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub queue_id: Option<String>,
    pub offered_to: Option<String>,
    pub agent_id: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub elapsed_s: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FloorQueue {
    pub id: String,
    pub name: String,
    pub languages: Vec<String>,
    pub waiting: Vec<FloorCall>,
    pub longest_wait_s: i64,
    pub agents_on_call: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FloorAgent {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub status_since: Option<DateTime<Utc>>,
    pub activity: String,
    pub activity_since: Option<DateTime<Utc>>,
    pub call_id: Option<String>,
    pub languages: Vec<String>,
}

/// The floor at an instant (`GET /api/floor?at=`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FloorView {
    pub as_of: Option<DateTime<Utc>>,
    pub events: u64,
    pub queues: Vec<FloorQueue>,
    pub agents: Vec<FloorAgent>,
    pub in_progress: Vec<FloorCall>,
    pub unrouted: Vec<FloorCall>,
}

pub use wire::room::{DialIn, GuestRoom, MonitorMode, MonitorRoom, Room};

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MetricsRow {
    pub bucket_start: Option<DateTime<Utc>>,
    pub key: String,
    pub label: Option<String>,
    pub offered: i64,
    pub answered: i64,
    pub answered_in_sl: i64,
    pub abandoned: i64,
    pub short_abandoned: i64,
    pub overflowed: i64,
    pub no_interpreter: i64,
    pub handled: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub wrap_up_s: i64,
    pub service_level: Option<f64>,
    pub asa_s: Option<f64>,
    pub aht_s: Option<f64>,
    pub abandonment_rate: Option<f64>,
    pub occupancy: Option<f64>,
}

impl MetricsRow {
    pub fn name(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.key.clone())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MetricsReport {
    pub group_by: String,
    pub interval: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub rows: Vec<MetricsRow>,
    pub totals: Vec<MetricsRow>,
}

/// A pushed message: `{"type", "seq", "data"}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LiveMessage {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub data: Value,
    #[serde(default)]
    pub error: Option<Value>,
}

impl LiveMessage {
    /// The kind of row it is about; `None` for a message about the connection.
    pub fn view(&self) -> Option<wire::ViewKind> {
        wire::ViewKind::parse(&self.kind)
    }

    /// The id of the object the message is about (`call_id`, `agent_id`, `queue_id` or `id`).
    pub fn object_id(&self) -> Option<String> {
        ["id", "call_id", "agent_id", "queue_id"]
            .iter()
            .find_map(|key| self.data.get(*key).and_then(Value::as_str))
            .map(str::to_owned)
    }

    pub fn field(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }
}

/// Names of the languages the app knows by code (ISO 639 codes, as queues and skills use
/// them). A code not listed here is shown as it is.
pub const LANGUAGE_NAMES: [(&str, &str); 48] = [
    ("am", "Amharic"),
    ("ar", "Arabic"),
    ("ase", "American Sign Language"),
    ("bfi", "British Sign Language"),
    ("bn", "Bengali"),
    ("bs", "Bosnian"),
    ("cmn", "Mandarin Chinese"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fa", "Persian (Farsi)"),
    ("fr", "French"),
    ("gu", "Gujarati"),
    ("ha", "Hausa"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hmn", "Hmong"),
    ("ht", "Haitian Creole"),
    ("hy", "Armenian"),
    ("id", "Indonesian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("km", "Khmer"),
    ("ko", "Korean"),
    ("ku", "Kurdish"),
    ("lo", "Lao"),
    ("ml", "Malayalam"),
    ("my", "Burmese"),
    ("ne", "Nepali"),
    ("nl", "Dutch"),
    ("pa", "Punjabi"),
    ("pl", "Polish"),
    ("ps", "Pashto"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("so", "Somali"),
    ("sq", "Albanian"),
    ("sw", "Swahili"),
    ("ta", "Tamil"),
    ("th", "Thai"),
    ("ti", "Tigrinya"),
    ("tl", "Tagalog"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("vi", "Vietnamese"),
];

/// More codes with names: macrolanguage codes and varieties.
const LANGUAGE_ALIASES: [(&str, &str); 3] = [
    ("zh", "Mandarin Chinese"),
    ("yue", "Cantonese"),
    ("prs", "Dari"),
];

/// Offered in the request form when the queues cannot be read: the demo's languages.
pub const FALLBACK_LANGUAGES: [&str; 4] = ["es", "zh", "ar", "ase"];

/// `es` → `Spanish` (`español`, `الإسبانية` in the interface's language, from the
/// browser's `Intl.DisplayNames`); an unknown code stays as it is. In English the table
/// below names them, as the queues' names do ("Mandarin Chinese", not Intl's "Chinese").
pub fn language_name(code: &str) -> String {
    if crate::i18n::current_locale() != wire::locales::DEFAULT_LOCALE {
        if let Some(name) = crate::format::language_display_name(code) {
            return name;
        }
    }
    LANGUAGE_NAMES
        .iter()
        .chain(LANGUAGE_ALIASES.iter())
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// `Spanish (es)`, or the bare code when it has no known name.
pub fn language_label(code: &str) -> String {
    let name = language_name(code);
    if name == code {
        name
    } else {
        format!("{name} ({code})")
    }
}

pub const SPECIALTIES: [&str; 3] = ["general", "medical", "legal"];
pub const MODALITIES: [&str; 2] = ["video", "audio"];
pub const STRATEGIES: [&str; 4] = [
    "longest_idle",
    "round_robin",
    "fewest_calls_today",
    "best_proficiency",
];
pub const DISPOSITIONS: [(&str, &str); 6] = [
    ("completed", "disposition-completed"),
    ("partially_completed", "disposition-partially-completed"),
    ("no_show", "disposition-no-show"),
    ("technical_issue", "disposition-technical-issue"),
    ("wrong_language", "disposition-wrong-language"),
    ("other", "disposition-other"),
];
