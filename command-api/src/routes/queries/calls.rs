//! Calls from the read models: the list, one call, its history, its state at an instant,
//! its meeting room, and the call detail records export.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::ids::CallId;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{call_not_found, parse_instant, time_range};
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ErrorBody, Json, Path, Query};
use crate::privacy::audit::{AccessAction, ResourceType};
use crate::privacy::reveal::reveal_fields;
use crate::privacy::vault::Vault;
use crate::state::AppState;
use crate::time_travel;
use wire::room::{DialIn, Room};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls))
        .routes(routes!(export_calls))
        .routes(routes!(get_call))
        .routes(routes!(call_history))
        .routes(routes!(call_state))
        .routes(routes!(call_room))
}

pub const STATUSES: [&str; 10] = [
    "new",
    "requested",
    "queued",
    "offered",
    "connected",
    "on_hold",
    "ended",
    "wrapped_up",
    "abandoned",
    "no_interpreter_available",
];

/// A call as the `read_calls` projection holds it.
#[derive(Debug, Clone, Serialize, ToSchema, FromRow)]
pub struct CallView {
    pub id: Uuid,
    /// new, requested, queued, offered, connected, on_hold, ended, wrapped_up, abandoned,
    /// no_interpreter_available
    pub status: String,
    pub requester_id: Option<Uuid>,
    pub requester_name: Option<String>,
    pub language: Option<String>,
    pub source_language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<Uuid>,
    pub queue_name: Option<String>,
    /// The interpreter the call rings for now.
    pub offered_to: Option<Uuid>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub agent_id: Option<Uuid>,
    pub agent_name: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
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
    pub transfers: i64,
    pub overflows: i64,
    /// The requester's organisation.
    pub organisation_id: Option<Uuid>,
    /// Widening steps taken in its current queue: "widened to step 2".
    pub widening_step: i64,
    /// The requester chose to be called back.
    pub callback: bool,
    /// A callback call an interpreter accepted: the requester must join before this.
    pub join_by: Option<DateTime<Utc>>,
    /// When the requester joined their callback call.
    pub joined_at: Option<DateTime<Utc>>,
    pub seq: i64,
}

const CALL_COLUMNS: &str = "SELECT c.call_id AS id, c.status::text AS status, c.requester_id, ru.name AS requester_name, \
       c.language::text AS language, c.source_language::text AS source_language, c.modality::text AS modality, \
       c.specialty::text AS specialty, c.priority::text AS priority, c.queue_id, q.name::text AS queue_name, \
       c.offered_to, c.offer_expires_at, c.agent_id, au.name AS agent_name, c.requested_at, c.queued_at, \
       c.answered_at, c.ended_at, c.wrapped_up_at, c.outcome::text AS outcome, c.wait_s::int8 AS wait_s, \
       c.talk_s::int8 AS talk_s, c.hold_s::int8 AS hold_s, c.wrap_up_s::int8 AS wrap_up_s, \
       c.disposition::text AS disposition, c.notes::text AS notes, c.stars::int8 AS stars, \
       c.rating_comment::text AS rating_comment, coalesce(c.transfers, 0)::int8 AS transfers, \
       coalesce(c.overflows, 0)::int8 AS overflows, c.organisation_id, \
       coalesce(c.widening_step, 0)::int8 AS widening_step, coalesce(c.callback, false) AS callback, \
       c.join_by, c.joined_at, c.seq::int8 AS seq";

/// The joins that name the requester, the interpreter and the queue.
const CALL_NAMES: &str = " LEFT JOIN public.users ru ON ru.id = c.requester_id \
     LEFT JOIN public.users au ON au.id = c.agent_id \
     LEFT JOIN read_queues.queues q ON q.queue_id = c.queue_id";

/// Every call, with the columns of [`CallView`], ready for more `AND` clauses.
pub(crate) fn every_call() -> QueryBuilder<'static, Postgres> {
    QueryBuilder::new(format!(
        "{CALL_COLUMNS} FROM read_calls.calls c{CALL_NAMES} WHERE true"
    ))
}

/// The calls the caller may see, with the columns of [`CallView`], ready for more `AND`
/// clauses, and the column pair the list orders and pages by.
///
/// Floor staff see every call, a requester their organisation's (or, without one, their
/// own). An interpreter sees the calls that
/// ring for them and the calls they answered, even after handing them on: their rows of
/// `read_calls.call_agents`, which the `calls` projection keeps. Their page is an index
/// scan of those rows, newest first, however many calls the floor has handled.
fn visible_calls(user: &AuthUser) -> (QueryBuilder<'static, Postgres>, &'static str) {
    match user.role {
        Role::Admin | Role::Supervisor | Role::Analyst => (every_call(), "c"),
        Role::Agent => {
            let mut query = QueryBuilder::new(format!(
                "{CALL_COLUMNS} FROM read_calls.call_agents v \
                 JOIN read_calls.calls c ON c.call_id = v.call_id{CALL_NAMES} WHERE v.agent_id = "
            ));
            query.push_bind(user.id.as_uuid());
            (query, "v")
        }
        // A requester of an organisation sees its calls; one without (an API key), their own.
        Role::Requester => {
            let mut query = QueryBuilder::new(format!(
                "{CALL_COLUMNS} FROM read_calls.calls c{CALL_NAMES} WHERE "
            ));
            match user.organisation_id {
                Some(organisation) => query.push("c.organisation_id = ").push_bind(organisation),
                None => query.push("c.requester_id = ").push_bind(user.id.as_uuid()),
            };
            (query, "c")
        }
    }
}

/// One call the caller may see, or 404.
async fn visible_call(pool: &PgPool, user: &AuthUser, id: Uuid) -> Result<CallView, ApiError> {
    let (mut query, _) = visible_calls(user);
    query.push(" AND c.call_id = ").push_bind(id);
    query
        .build_query_as::<CallView>()
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| call_not_found(id))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallListParams {
    /// One status or several, comma-separated.
    pub status: Option<String>,
    pub queue_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    /// Requested at or after (RFC 3339).
    pub from: Option<String>,
    /// Requested before (RFC 3339).
    pub to: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// How many calls one page may hold.
pub const LIST_LIMIT: std::ops::RangeInclusive<i64> = 1..=200;

/// A page of calls, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallPage {
    pub items: Vec<CallView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Keyset position: the last row's `requested_at` (µs) and id.
fn encode_cursor(call: &CallView) -> Option<String> {
    let at = call.requested_at?;
    Some(URL_SAFE_NO_PAD.encode(format!("{}.{}", at.timestamp_micros(), call.id)))
}

fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let invalid = || ApiError::bad_request("invalid_cursor", "cursor: not a cursor this API gave");
    let text = URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(invalid)?;
    let (micros, id) = text.split_once('.').ok_or_else(invalid)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    let id = id.parse::<Uuid>().map_err(|_| invalid())?;
    Ok((at, id))
}

fn parse_statuses(raw: &str) -> Result<Vec<String>, ApiError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|status| {
            STATUSES
                .iter()
                .find(|known| **known == status)
                .map(|known| (*known).to_owned())
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "invalid_value",
                        format!("status: {status:?} is not one of {}", STATUSES.join(", ")),
                    )
                })
        })
        .collect()
}

/// Calls, newest first, in pages (`limit`, then `cursor` = the previous `next_cursor`).
/// Supervisors, admins and analysts see every call; an interpreter the calls they are on,
/// that ring for them or that they answered before; a requester their own.
#[utoipa::path(get, path = "/api/calls", tag = "calls", security(("bearer" = [])), params(CallListParams),
    responses((status = 200, body = CallPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_calls(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<CallListParams>,
) -> Result<Json<CallPage>, ApiError> {
    let limit = match params.limit {
        None => 50,
        Some(limit) if LIST_LIMIT.contains(&limit) => limit,
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_value",
                format!(
                    "limit: {other} is outside {}..={}",
                    LIST_LIMIT.start(),
                    LIST_LIMIT.end()
                ),
            ));
        }
    };
    let statuses = params.status.as_deref().map(parse_statuses).transpose()?;
    let from = params
        .from
        .as_deref()
        .map(|raw| parse_instant("from", raw))
        .transpose()?;
    let to = params
        .to
        .as_deref()
        .map(|raw| parse_instant("to", raw))
        .transpose()?;
    let cursor = params.cursor.as_deref().map(decode_cursor).transpose()?;

    let (mut query, order) = visible_calls(&user);
    if let Some(statuses) = statuses.filter(|s| !s.is_empty()) {
        query
            .push(" AND c.status::text = ANY(")
            .push_bind(statuses)
            .push(")");
    }
    if let Some(queue) = params.queue_id {
        query.push(" AND c.queue_id = ").push_bind(queue);
    }
    if let Some(agent) = params.agent_id {
        query.push(" AND c.agent_id = ").push_bind(agent);
    }
    if let Some(from) = from {
        query.push(" AND c.requested_at >= ").push_bind(from);
    }
    if let Some(to) = to {
        query.push(" AND c.requested_at < ").push_bind(to);
    }
    if let Some((at, id)) = cursor {
        query
            .push(format!(" AND ({order}.requested_at, {order}.call_id) < ("))
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    // The order of the index that serves the caller's rows (see `visible_calls`).
    let nulls = if order == "c" { " NULLS LAST" } else { "" };
    query
        .push(format!(
            " ORDER BY {order}.requested_at DESC{nulls}, {order}.call_id DESC LIMIT "
        ))
        .push_bind(limit + 1);
    let mut items = query
        .build_query_as::<CallView>()
        .fetch_all(&state.pool)
        .await?;
    let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        items.last().and_then(encode_cursor)
    } else {
        None
    };
    Ok(Json(CallPage { items, next_cursor }))
}

/// One call with its place in its queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    pub call: CallView,
    /// 1-based place among the calls waiting (queued or offered) in the same queue, urgent
    /// calls first, then by request time (the router's order: an overflow or a widening
    /// step keeps a call's place); `null` unless this call is itself queued or offered.
    pub position: Option<i64>,
    /// Expected seconds until this call is answered, from its `position`: the queue board's
    /// estimate for a call with `position` − 1 calls ahead of it (0 when enough eligible
    /// interpreters are free); `null` when it is not waiting or the queue has no handle
    /// time today.
    pub estimated_wait_s: Option<i64>,
    /// Calls waiting (queued or offered) in its queue now, this one included; `null`
    /// unless it is itself waiting. A requester's waiting screen needs nothing else of the
    /// queue board.
    pub queue_waiting: Option<i64>,
}

/// The call's 1-based place in its queue: the waiting calls of the same queue ahead of it
/// (urgent before normal, then earlier `requested_at`, then call id) plus one; and how many
/// wait there in all. `None` unless it is queued or offered.
async fn queue_position(pool: &PgPool, id: Uuid) -> Result<Option<(i64, i64)>, ApiError> {
    // One pass over the calls waiting in the queue (`calls_waiting`): those ahead of this
    // one, and all of them.
    let place: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT w.ahead + 1, w.waiting FROM read_calls.calls c, LATERAL ( \
           SELECT count(*) FILTER (WHERE o.call_id <> c.call_id \
                    AND (coalesce(o.priority::text = 'urgent', false) > coalesce(c.priority::text = 'urgent', false) \
                      OR (coalesce(o.priority::text = 'urgent', false) = coalesce(c.priority::text = 'urgent', false) \
                        AND (o.requested_at, o.call_id) < (c.requested_at, c.call_id))))::int8 AS ahead, \
                  count(*)::int8 AS waiting \
             FROM read_calls.calls o \
            WHERE o.queue_id = c.queue_id AND o.status::text IN ('queued', 'offered')) w \
         WHERE c.call_id = $1 AND c.status::text IN ('queued', 'offered') AND c.queue_id IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(place.and_then(|(position, waiting)| position.zip(waiting)))
}

/// One call from the read model (visibility as for the list; others' calls answer 404),
/// with `position`, its place in its queue while it waits, and `estimated_wait_s`.
#[utoipa::path(get, path = "/api/calls/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = CallDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn get_call(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<CallDetail>, ApiError> {
    let call = visible_call(&state.pool, &user, id).await?;
    audit(&state, &user, AccessAction::Read, id).await;
    let place = queue_position(&state.pool, id).await?;
    let (position, queue_waiting) = (place.map(|p| p.0), place.map(|p| p.1));
    let estimated_wait_s = match (position, call.queue_id) {
        (Some(position), Some(queue_id)) => {
            super::board::estimated_wait_behind(&state.pool, queue_id, position - 1).await?
        }
        _ => None,
    };
    Ok(Json(CallDetail {
        call,
        position,
        estimated_wait_s,
        queue_waiting,
    }))
}

/// One event of a call's history.
#[derive(Debug, Serialize, ToSchema, FromRow)]
pub struct HistoryEntry {
    pub seq: i64,
    /// The event type, e.g. `CallAccepted`.
    #[serde(rename = "type")]
    #[sqlx(rename = "event_type")]
    pub kind: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// When it was stored.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Who caused it: `{id, role, name}`.
    #[schema(value_type = Object)]
    pub actor: serde_json::Value,
    /// The event's fields.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A call's events in order (supervisor, admin).
#[utoipa::path(get, path = "/api/calls/{id}/history", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn call_history(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let entries: Vec<HistoryEntry> = sqlx::query_as(
        "SELECT seq::int8 AS seq, event_type::text AS event_type, at, recorded_at, \
                coalesce(actor::jsonb, 'null') AS actor, coalesce(data::jsonb, 'null') AS data \
         FROM read_history.events WHERE call_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&state.pool)
    .await?;
    if entries.is_empty() {
        return Err(call_not_found(id));
    }
    audit(&state, &user, AccessAction::ReadHistory, id).await;
    Ok(Json(entries))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtParams {
    /// The instant (RFC 3339); now when left out.
    pub at: Option<String>,
}

/// A call as it was at an instant, folded from its stored events.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallAsOf {
    pub id: Uuid,
    /// The instant asked about.
    pub as_of: DateTime<Utc>,
    /// Events folded: the call's sequence at that instant.
    pub version: u64,
    pub last_event_type: Option<String>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub status: String,
    pub requester_id: Option<Uuid>,
    pub language: Option<String>,
    pub source_language: Option<String>,
    pub modality: Option<String>,
    pub specialty: Option<String>,
    pub priority: Option<String>,
    pub queue_id: Option<Uuid>,
    pub offered_to: Option<Uuid>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub agent_id: Option<Uuid>,
    pub requested_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub on_hold_since: Option<DateTime<Utc>>,
    /// Seconds on hold so far (completed holds).
    pub hold_s: i64,
    pub ended_at: Option<DateTime<Utc>>,
    pub rated: bool,
}

impl CallAsOf {
    fn new(id: Uuid, as_of: DateTime<Utc>, folded: &time_travel::Folded<domain::Call>) -> Self {
        let call = &folded.state;
        let request = call.request.as_ref();
        Self {
            id,
            as_of,
            version: u64::try_from(folded.version).unwrap_or(u64::MAX),
            last_event_type: folded.last_event.as_ref().map(|(t, _)| t.clone()),
            last_event_at: folded.last_event.as_ref().map(|(_, at)| *at),
            status: call.status.as_str().to_owned(),
            requester_id: call.requester_id.map(|id| id.as_uuid()),
            language: request.map(|r| r.language.to_string()),
            source_language: request.map(|r| r.source_language.to_string()),
            modality: request.map(|r| r.modality.to_string()),
            specialty: request.and_then(|r| r.specialty).map(|s| s.to_string()),
            priority: request.map(|r| r.priority.to_string()),
            queue_id: call.queue_id.map(|id| id.as_uuid()),
            offered_to: call.offer.map(|offer| offer.agent_id.as_uuid()),
            offer_expires_at: call.offer.map(|offer| offer.expires_at),
            agent_id: call.agent_id.map(|id| id.as_uuid()),
            requested_at: call.requested_at,
            connected_at: call.connected_at,
            on_hold_since: call.hold_started_at,
            hold_s: call.hold_seconds,
            ended_at: call.ended_at,
            rated: call.rated,
        }
    }
}

/// The call as it was at `at`, rebuilt from its stored events (supervisor, admin). 404 when
/// the call did not exist yet at that instant.
#[utoipa::path(get, path = "/api/calls/{id}/state", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id"), AtParams),
    responses((status = 200, body = CallAsOf), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn call_state(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(params): Query<AtParams>,
) -> Result<Json<CallAsOf>, ApiError> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let as_of = params
        .at
        .as_deref()
        .map(|raw| parse_instant("at", raw))
        .transpose()?
        .unwrap_or_else(Utc::now);
    let folded = time_travel::call_as_of(state.history.pool(), CallId(id), as_of)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "call_not_found",
                format!("no call {id} existed at {}", as_of.to_rfc3339()),
            )
        })?;
    audit(&state, &user, AccessAction::Replay, id).await;
    Ok(Json(CallAsOf::new(id, as_of, &folded)))
}

/// Records a read of call `id` in the access audit.
pub(crate) async fn audit(state: &AppState, user: &AuthUser, action: AccessAction, id: Uuid) {
    state
        .access_audit
        .record(
            user.id.as_uuid(),
            action,
            ResourceType::Call,
            id.to_string(),
        )
        .await;
}

/// Reveals the sealed free text of `calls` (the CSV export; JSON answers are revealed by
/// the privacy layer).
pub(crate) async fn reveal_calls(vault: &Vault, calls: &mut [CallView]) -> Result<(), ApiError> {
    let mut fields: Vec<&mut Option<String>> = calls
        .iter_mut()
        .flat_map(|c| [&mut c.notes, &mut c.rating_comment])
        .collect();
    Ok(reveal_fields(vault, &mut fields).await?)
}

/// Call `id`'s room for `user`, with the dial-in when the deployment has one.
pub fn room_for(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    moderator: bool,
) -> Result<Room, ApiError> {
    let secret = state.settings.auth.jwt_secret.expose_secret().as_bytes();
    let room = room_name(secret, id)?;
    let jitsi = &state.settings.jitsi;
    let jwt = crate::auth::jitsi_token(jitsi, user, &room, moderator, Utc::now())?;
    let dial_in = match jitsi.dial_in_number.as_deref().map(str::trim) {
        Some(number) if !number.is_empty() => Some(DialIn {
            number: number.to_owned(),
            pin: dial_in_pin(secret, &room)?,
        }),
        _ => None,
    };
    Ok(Room {
        domain: jitsi.domain.clone(),
        room,
        jwt,
        dial_in,
    })
}

/// HMAC-SHA256 of `message` under the deployment's secret: the room's name and its PIN.
fn keyed_digest(secret: &[u8], message: &[u8]) -> Result<[u8; 32], ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| ApiError::internal(&e))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

/// Eight decimal digits of HMAC-SHA256(secret, room): what a caller types after dialling in.
fn dial_in_pin(secret: &[u8], room: &str) -> Result<String, ApiError> {
    let digest = keyed_digest(secret, format!("dial-in:{room}").as_bytes())?;
    let mut number = [0u8; 8];
    number.copy_from_slice(&digest[..8]);
    Ok(format!("{:08}", u64::from_be_bytes(number) % 100_000_000))
}

/// `parley-` + 32 hex characters of HMAC-SHA256(secret, call id): stable per call, not
/// guessable without the secret.
pub fn room_name(secret: &[u8], call: Uuid) -> Result<String, ApiError> {
    let digest = hex::encode(keyed_digest(secret, call.to_string().as_bytes())?);
    Ok(format!("parley-{}", &digest[..32]))
}

/// The call's meeting room, for its requester, its interpreter, or a supervisor who
/// monitors. 404 when the call is not yours; 409 while it has no room (not answered yet,
/// or over).
#[utoipa::path(get, path = "/api/calls/{id}/room", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "call id")),
    responses((status = 200, body = Room), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn call_room(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Room>, ApiError> {
    let call = visible_call(&state.pool, &user, id).await?;
    let me = Some(user.id.as_uuid());
    let participant = match user.role {
        Role::Supervisor => true,
        Role::Requester => call.requester_id == me,
        Role::Agent => call.agent_id == me,
        Role::Admin | Role::Analyst => false,
    };
    if !participant {
        return Err(call_not_found(id));
    }
    if !matches!(call.status.as_str(), "connected" | "on_hold" | "ended") {
        return Err(ApiError::conflict(
            "no_room",
            format!(
                "the call is {}: it has a room only from answer to wrap-up",
                call.status
            ),
        ));
    }
    audit(&state, &user, AccessAction::JoinRoom, id).await;
    // Only the interpreter moderates the room.
    let moderator = user.role == Role::Agent;
    Ok(Json(room_for(&state, &user, id, moderator)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Calls requested at or after (RFC 3339); today (UTC) by default.
    pub from: Option<String>,
    /// Calls requested before (RFC 3339); the end of today by default.
    pub to: Option<String>,
}

/// Longest range one export may cover.
const EXPORT_MAX_DAYS: i64 = 366;
/// Rows fetched per query while streaming an export.
const EXPORT_PAGE: i64 = 1000;

const CSV_HEADER: [&str; 31] = [
    "call_id",
    "requested_at",
    "queued_at",
    "answered_at",
    "ended_at",
    "wrapped_up_at",
    "status",
    "outcome",
    "requester_id",
    "requester_name",
    "language",
    "source_language",
    "modality",
    "specialty",
    "priority",
    "queue_id",
    "queue_name",
    "agent_id",
    "agent_name",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_up_s",
    "transfers",
    "overflows",
    "disposition",
    "notes",
    "stars",
    "rating_comment",
    "offered_to",
    "seq",
];

/// Free text a spreadsheet would run as a formula gets a leading apostrophe.
pub(crate) fn defuse(text: Option<&str>) -> String {
    match text {
        Some(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
        Some(t) => t.to_owned(),
        None => String::new(),
    }
}

fn csv_record(call: &CallView) -> [String; 31] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |v: &Option<DateTime<Utc>>| {
        v.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let id = |v: &Option<Uuid>| v.map(|id| id.to_string()).unwrap_or_default();
    let number = |v: &Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    [
        call.id.to_string(),
        time(&call.requested_at),
        time(&call.queued_at),
        time(&call.answered_at),
        time(&call.ended_at),
        time(&call.wrapped_up_at),
        call.status.clone(),
        text(&call.outcome),
        id(&call.requester_id),
        defuse(call.requester_name.as_deref()),
        text(&call.language),
        text(&call.source_language),
        text(&call.modality),
        text(&call.specialty),
        text(&call.priority),
        id(&call.queue_id),
        defuse(call.queue_name.as_deref()),
        id(&call.agent_id),
        defuse(call.agent_name.as_deref()),
        number(&call.wait_s),
        number(&call.talk_s),
        number(&call.hold_s),
        number(&call.wrap_up_s),
        call.transfers.to_string(),
        call.overflows.to_string(),
        defuse(call.disposition.as_deref()),
        defuse(call.notes.as_deref()),
        number(&call.stars),
        defuse(call.rating_comment.as_deref()),
        id(&call.offered_to),
        call.seq.to_string(),
    ]
}

fn csv_bytes<I, T>(records: impl IntoIterator<Item = I>) -> Result<Bytes, std::io::Error>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(record)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Where a streaming export is.
enum ExportState {
    Rows(Vec<CallView>, PgPool, std::sync::Arc<Vault>),
    Failed(String),
    Done,
}

/// One page of the export, oldest first, after `after` (requested_at, id).
async fn export_page(
    pool: &PgPool,
    vault: &Vault,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<CallView>, ApiError> {
    let mut query = every_call();
    query
        .push(" AND c.requested_at >= ")
        .push_bind(from)
        .push(" AND c.requested_at < ")
        .push_bind(to);
    if let Some((at, id)) = after {
        query
            .push(" AND (c.requested_at, c.call_id) > (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    // `NULLS FIRST` (no call lacks `requested_at`) makes this the backward order of
    // `calls_newest_first`, so each page is an index scan from `after`, not a sort of the
    // rest of the range.
    query
        .push(" ORDER BY c.requested_at NULLS FIRST, c.call_id LIMIT ")
        .push_bind(EXPORT_PAGE);
    let mut rows = query.build_query_as::<CallView>().fetch_all(pool).await?;
    reveal_calls(vault, &mut rows).await?;
    Ok(rows)
}

/// Call detail records as CSV (analyst, admin): one row per call requested in
/// `[from, to)` (today by default, at most 366 days), oldest first, with a header row.
#[utoipa::path(get, path = "/api/calls/export.csv", tag = "calls", security(("bearer" = [])), params(ExportParams),
    responses((status = 200, content_type = "text/csv", body = String, description = "RFC 4180 CSV with a header row"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_calls(
    user: AuthUser,
    State(state): State<AppState>,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    user.require(&[Role::Analyst, Role::Admin])?;
    let (from, to) = time_range(
        params.from.as_deref(),
        params.to.as_deref(),
        EXPORT_MAX_DAYS,
    )?;
    // The first page is read before answering, so a database failure is still a 503.
    let first = export_page(state.history.pool(), &state.vault, from, to, None).await?;
    state
        .access_audit
        .record(
            user.id.as_uuid(),
            AccessAction::Export,
            ResourceType::CallsExport,
            format!("{}/{}", from.to_rfc3339(), to.to_rfc3339()),
        )
        .await;
    let header = csv_bytes([CSV_HEADER]).map_err(|e| ApiError::internal(&e))?;
    let pages = futures::stream::unfold(
        ExportState::Rows(first, state.history.pool().clone(), state.vault.clone()),
        move |page| async move {
            let (rows, pool, vault) = match page {
                ExportState::Rows(rows, pool, vault) if !rows.is_empty() => (rows, pool, vault),
                ExportState::Rows(..) | ExportState::Done => return None,
                ExportState::Failed(error) => {
                    return Some((Err(std::io::Error::other(error)), ExportState::Done));
                }
            };
            let full = rows.len() >= usize::try_from(EXPORT_PAGE).unwrap_or(usize::MAX);
            let after = rows
                .last()
                .and_then(|last| last.requested_at.map(|at| (at, last.id)));
            let chunk = csv_bytes(rows.iter().map(csv_record));
            let next = match (full, after) {
                (true, Some(after)) => {
                    match export_page(&pool, &vault, from, to, Some(after)).await {
                        Ok(rows) => ExportState::Rows(rows, pool, vault),
                        Err(e) => {
                            tracing::error!(error = %e.message, "export stopped: the database failed");
                            ExportState::Failed(e.message)
                        }
                    }
                }
                _ => ExportState::Done,
            };
            Some((chunk, next))
        },
    );
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(header) }).chain(pages);
    let filename = format!(
        "attachment; filename=\"calls-{}-{}.csv\"",
        from.format("%Y%m%dT%H%M%SZ"),
        to.format("%Y%m%dT%H%M%SZ")
    );
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let id = Uuid::now_v7();
        let raw = URL_SAFE_NO_PAD.encode(format!("{}.{id}", at.timestamp_micros()));
        let (back_at, back_id) = decode_cursor(&raw)
            .map_err(|e| e.message)
            .unwrap_or_default();
        assert_eq!((back_at, back_id), (at, id));
        assert!(decode_cursor("not a cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("12.nope")).is_err());
    }

    #[test]
    fn room_names_are_stable_per_call_and_differ_between_calls() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let room = room_name(b"secret", a).unwrap_or_default();
        assert_eq!(room.len(), "parley-".len() + 32);
        assert_eq!(room, room_name(b"secret", a).unwrap_or_default());
        assert_ne!(room, room_name(b"secret", b).unwrap_or_default());
        assert_ne!(room, room_name(b"other", a).unwrap_or_default());
    }

    #[test]
    fn formulas_in_free_text_are_defused() {
        assert_eq!(defuse(Some("=SUM(A1)")), "'=SUM(A1)");
        assert_eq!(defuse(Some("fine, \"quoted\"")), "fine, \"quoted\"");
        assert_eq!(defuse(None), "");
    }
}
