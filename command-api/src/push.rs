//! Live push (docs/api.md, "Push"): `GET /api/ws`.
//!
//! One [`Hub`] per API process holds ONE core-NATS subscription to `<prefix>.views.>`, where
//! the projection workers announce every read-model object they changed
//! ([`ViewChanged`]). The hub serialises each notice once (copying the object's JSON as it
//! came) and fans it out through a `tokio::sync::broadcast` channel. Each WebSocket session
//! filters the notices for its user's role and copies the ones it may see into a small
//! bounded queue that a writer task drains into the socket.
//!
//! A slow client never slows the others: when it lags behind the broadcast channel, or its
//! own queue is full, it is sent one `{"type":"resync","seq":0,"data":null}` and is
//! disconnected; it reconnects and reloads over REST.
//!
//! Authentication: `?token=<access token>` in the URL, or a first message
//! `{"type":"auth","token":"..."}` within 5 s. A failure is answered with
//! `{"type":"error","error":{"code","message"}}` and a close frame (code 4401 or 4408).
//! After authentication the server sends `{"type":"ready","seq":0,"data":{"user_id","role"}}`;
//! then `{"type": "queue"|"agent"|"call"|"offer"|"resync", "seq", "data"}` messages.
//!
//! Who receives what:
//! - supervisor, admin: everything;
//! - analyst: `queue` and `agent`;
//! - agent: `offer` and `call` whose audience is them, `agent` about themselves;
//! - requester: `call` whose audience is them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{
    CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
    rejection::WebSocketUpgradeRejection,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ids::AgentId;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use projections::bus::{Audience, BusNames, ViewChanged, ViewKind};
use projections::presence::{Connection, beat_every};
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use wire::PushKind;

use crate::auth::{Claims, Role};
use crate::error::{ApiError, ErrorBody};
use crate::privacy::reveal::{holds_token, reveal_json};
use crate::privacy::vault::Vault;
use crate::state::AppState;

/// Notices the hub keeps for sessions that are behind; past this a session lags and resyncs.
pub const BROADCAST_CAPACITY: usize = 1024;
/// Messages queued for one client's socket; past this the client is too slow and dropped.
pub const OUTGOING_CAPACITY: usize = 256;
/// Time a client has to authenticate with its first message.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The server pings this often; a client silent for `IDLE_LIMIT` is considered gone.
pub const PING_EVERY: Duration = Duration::from_secs(25);
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// One frame that takes longer than this to write means the client is not reading.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(15);
/// A connection counts as live while its client was heard from this recently: two of the
/// heartbeats an interpreter's client sends every 10 s (`{"type":"heartbeat"}`).
pub const HEARD_WITHIN: Duration = Duration::from_secs(20);
/// Largest message a client may send (the auth message is small).
const MAX_INCOMING: usize = 4096;

/// Close codes (the application range 4000–4999).
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
pub const CLOSE_AUTH_TIMEOUT: u16 = 4408;
pub const CLOSE_TOO_SLOW: u16 = 4429;

/// One read-model change, serialised once for every client.
#[derive(Debug)]
pub struct Notice {
    pub kind: ViewKind,
    pub id: Uuid,
    pub audience: Audience,
    /// `{"type", "seq", "data"}`, ready to send.
    pub text: Utf8Bytes,
}

/// What a client is sent for one notice.
#[derive(Serialize)]
struct Pushed<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    data: &'a RawValue,
}

impl Notice {
    /// A [`ViewChanged`]'s JSON, as a worker published it. The object is read as the raw
    /// JSON it is and copied into the clients' message, not built as a value and written
    /// again.
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        let view: ViewChanged<&RawValue> = serde_json::from_slice(body)?;
        let text = serde_json::to_string(&Pushed {
            kind: view.kind.as_str(),
            seq: view.seq,
            data: view.data,
        })?;
        Ok(Self {
            kind: view.kind,
            id: view.id,
            audience: view.audience,
            text: Utf8Bytes::from(text),
        })
    }
}

/// The process's fan-out point for pushed updates.
pub struct Hub {
    sender: broadcast::Sender<Arc<Notice>>,
    clients: AtomicUsize,
}

impl Hub {
    pub fn new() -> Arc<Self> {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        Arc::new(Self {
            sender,
            clients: AtomicUsize::new(0),
        })
    }

    /// Authenticated WebSocket sessions open right now.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Hands one notice to every session (each filters for its user).
    pub fn publish(&self, notice: Notice) {
        // No receivers is fine: nobody is connected.
        let _ = self.sender.send(Arc::new(notice));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.sender.subscribe()
    }

    fn connected(self: &Arc<Self>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientGuard(Arc::clone(self))
    }

    /// Follows `<prefix>.views.>` on core NATS for as long as the process runs. NATS may be
    /// down at start: the client reconnects in the background and the subscription is
    /// registered when it does; if the subscription ever ends, it is made again.
    ///
    /// A notice holding sealed personal text (a call's notes, say) is revealed first, as
    /// every JSON answer is (`privacy::reveal`).
    pub fn spawn(
        self: &Arc<Self>,
        nats: async_nats::Client,
        bus: &BusNames,
        vault: Arc<Vault>,
    ) -> JoinHandle<()> {
        let hub = Arc::clone(self);
        let subject = bus.views_wildcard();
        tokio::spawn(async move {
            loop {
                match nats.subscribe(subject.clone()).await {
                    Ok(mut subscription) => {
                        tracing::info!(%subject, "push hub listening");
                        while let Some(message) = subscription.next().await {
                            let body = match revealed(&vault, &message.payload).await {
                                Ok(body) => body,
                                Err(error) => {
                                    tracing::warn!(subject = %message.subject, %error,
                                        "dropping a view notice whose sealed text cannot be revealed; clients resync on the next");
                                    continue;
                                }
                            };
                            match Notice::parse(&body) {
                                Ok(notice) => hub.publish(notice),
                                Err(error) => tracing::warn!(
                                    subject = %message.subject,
                                    %error,
                                    "ignoring a view notice that does not parse"
                                ),
                            }
                        }
                        tracing::warn!(%subject, "push hub subscription ended; subscribing again");
                    }
                    Err(error) => {
                        tracing::warn!(%subject, %error, "push hub cannot subscribe; retrying")
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

/// `body` with its sealed tokens revealed; untouched (no copy) when it holds none.
async fn revealed<'a>(
    vault: &Vault,
    body: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, Box<dyn std::error::Error + Send + Sync>> {
    if !holds_token(body) {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut value: serde_json::Value = serde_json::from_slice(body)?;
    reveal_json(vault, &mut value).await?;
    Ok(std::borrow::Cow::Owned(serde_json::to_vec(&value)?))
}

/// Counts one open session for as long as it lives.
struct ClientGuard(Arc<Hub>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Who is listening, and so which notices they get.
#[derive(Debug, Clone, Copy)]
pub struct Listener {
    pub id: Uuid,
    pub role: Role,
    /// A requester's organisation: they hear of its calls.
    pub organisation_id: Option<Uuid>,
}

impl Listener {
    pub fn wants(&self, notice: &Notice) -> bool {
        let me = Some(self.id);
        match self.role {
            Role::Admin | Role::Supervisor => true,
            Role::Analyst => matches!(notice.kind, ViewKind::Queue | ViewKind::Agent),
            Role::Agent => match notice.kind {
                ViewKind::Offer | ViewKind::Call => {
                    notice.audience.agent_id == me || notice.audience.released_agent_id == me
                }
                ViewKind::Agent => notice.audience.agent_id == me || notice.id == self.id,
                ViewKind::Queue => false,
            },
            Role::Requester => {
                notice.kind == ViewKind::Call
                    && (notice.audience.requester_id == me
                        || (self.organisation_id.is_some()
                            && notice.audience.organisation_id == self.organisation_id))
            }
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(websocket))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsParams {
    /// An access token; otherwise send `{"type":"auth","token":"..."}` first.
    pub token: Option<String>,
}

/// Live updates over a WebSocket. Authenticate with `?token=` or a first message
/// `{"type":"auth","token":"..."}` within 5 s; then receive
/// `{"type": "queue"|"agent"|"call"|"offer"|"resync", "seq", "data"}` filtered for your
/// role. On `resync`, or a gap in `seq` for an object, reload over REST.
#[utoipa::path(get, path = "/api/ws", tag = "push", params(WsParams),
    responses((status = 101, description = "switching to the WebSocket protocol"),
        (status = 400, body = ErrorBody), (status = 426, body = ErrorBody)))]
async fn websocket(
    State(state): State<AppState>,
    params: Result<axum::extract::Query<WsParams>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return ApiError::new(
                StatusCode::UPGRADE_REQUIRED,
                "websocket_required",
                format!(
                    "open this address as a WebSocket ({})",
                    rejection.body_text()
                ),
            )
            .into_response();
        }
    };
    let token = match params {
        Ok(axum::extract::Query(params)) => params.token,
        Err(e) => return ApiError::bad_request("invalid_query", e.body_text()).into_response(),
    };
    upgrade
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| session(socket, state, token))
}

#[derive(Debug, Deserialize)]
struct AuthMessage {
    #[serde(rename = "type")]
    kind: String,
    token: String,
}

/// A refusal sent before closing.
struct Refusal {
    close_code: u16,
    error: ApiError,
}

impl Refusal {
    fn unauthorized(error: ApiError) -> Self {
        Self {
            close_code: CLOSE_UNAUTHORIZED,
            error,
        }
    }
}

fn error_message(error: &ApiError) -> Message {
    Message::Text(Utf8Bytes::from(
        json!({"type": PushKind::ERROR, "error": {"code": error.code, "message": error.message}})
            .to_string(),
    ))
}

fn close_message(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason.to_owned()),
    }))
}

/// The token from the URL, or from the first message, of a user still active and not
/// logged out.
async fn authenticate(
    stream: &mut SplitStream<WebSocket>,
    state: &AppState,
    query_token: Option<String>,
) -> Result<Claims, Refusal> {
    let claims = verified_claims(stream, state, query_token).await?;
    state
        .sessions
        .check(&state.pool, &claims)
        .await
        .map_err(Refusal::unauthorized)?;
    Ok(claims)
}

async fn verified_claims(
    stream: &mut SplitStream<WebSocket>,
    state: &AppState,
    query_token: Option<String>,
) -> Result<Claims, Refusal> {
    if let Some(token) = query_token {
        return state.keys.verify(&token).map_err(Refusal::unauthorized);
    }
    let first = tokio::time::timeout(AUTH_TIMEOUT, async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(text))) => return Some(text),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                _ => return None,
            }
        }
    })
    .await;
    let text = match first {
        Err(_) => {
            return Err(Refusal {
                close_code: CLOSE_AUTH_TIMEOUT,
                error: ApiError::unauthorized(
                    "auth_timeout",
                    "send {\"type\":\"auth\",\"token\":\"...\"} within 5 seconds",
                ),
            });
        }
        Ok(None) => {
            return Err(Refusal::unauthorized(ApiError::unauthorized(
                "auth_required",
                "the first message must be {\"type\":\"auth\",\"token\":\"...\"}",
            )));
        }
        Ok(Some(text)) => text,
    };
    match serde_json::from_str::<AuthMessage>(text.as_str()) {
        Ok(auth) if auth.kind == "auth" => state
            .keys
            .verify(&auth.token)
            .map_err(Refusal::unauthorized),
        _ => Err(Refusal::unauthorized(ApiError::unauthorized(
            "auth_required",
            "the first message must be {\"type\":\"auth\",\"token\":\"...\"}",
        ))),
    }
}

/// Registers an interpreter's connection for presence (`projections::presence`); `None`
/// for other roles, with presence off, or when the database refused (logged: the
/// interpreter will then be taken for gone after the timeout, as with no connection).
async fn register_presence(state: &AppState, listener: &Listener) -> Option<Connection> {
    if listener.role != Role::Agent {
        return None;
    }
    state.settings.presence.timeout()?;
    match Connection::open(&state.pool, AgentId(listener.id)).await {
        Ok(connection) => Some(connection),
        Err(error) => {
            tracing::warn!(agent = %listener.id, %error, "could not register a connection for presence");
            None
        }
    }
}

/// How a session ended, and so what its last words are.
enum Ending {
    /// The client closed or the connection broke: nothing more to say.
    Gone,
    /// Too far behind: one resync, then close.
    TooSlow,
    /// The access token expired.
    Expired,
    /// The hub stopped (the process is shutting down).
    Shutdown,
}

async fn session(socket: WebSocket, state: AppState, query_token: Option<String>) {
    let (mut sink, mut stream) = socket.split();
    let claims = match authenticate(&mut stream, &state, query_token).await {
        Ok(claims) => claims,
        Err(refusal) => {
            let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
                sink.send(error_message(&refusal.error)).await?;
                sink.send(close_message(refusal.close_code, &refusal.error.code))
                    .await
            })
            .await;
            return;
        }
    };
    let listener = Listener {
        organisation_id: claims.org,
        id: claims.sub,
        role: claims.role,
    };
    // Subscribe before saying ready, so nothing published after `ready` is missed.
    let mut notices = state.hub.subscribe();
    let guard = state.hub.connected();
    let (outgoing, queue) = mpsc::channel::<Message>(OUTGOING_CAPACITY);
    let (last_words, last_words_rx) = oneshot::channel::<Vec<Message>>();
    let writer = tokio::spawn(write_loop(sink, queue, last_words_rx));
    let ready = json!({"type": PushKind::READY, "seq": 0, "data": {"user_id": listener.id, "role": listener.role}});
    let _ = outgoing.try_send(Message::Text(Utf8Bytes::from(ready.to_string())));

    let expires_in = u64::try_from(claims.exp - chrono::Utc::now().timestamp()).unwrap_or(0);
    let expiry = tokio::time::sleep(Duration::from_secs(expires_in));
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    let presence = register_presence(&state, &listener).await;
    let mut beat = tokio::time::interval(
        state
            .settings
            .presence
            .timeout()
            .map_or(PING_EVERY, beat_every),
    );

    let ending = loop {
        tokio::select! {
            notice = notices.recv() => match notice {
                Ok(notice) => {
                    if !listener.wants(&notice) {
                        continue;
                    }
                    match outgoing.try_send(Message::Text(notice.text.clone())) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => break Ending::TooSlow,
                        Err(mpsc::error::TrySendError::Closed(_)) => break Ending::Gone,
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => break Ending::TooSlow,
                Err(broadcast::error::RecvError::Closed) => break Ending::Shutdown,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break Ending::Gone,
                // Pongs, pings (answered by the library) and stray messages: the client lives.
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    break Ending::Gone;
                }
                if let Err(mpsc::error::TrySendError::Full(_)) = outgoing.try_send(Message::Ping(Default::default())) {
                    break Ending::TooSlow;
                }
            },
            _ = beat.tick(), if presence.is_some() => {
                if last_heard.elapsed() <= HEARD_WITHIN
                    && let Some(connection) = &presence
                    && let Err(error) = connection.beat(&state.pool).await
                {
                    tracing::warn!(agent = %listener.id, %error, "could not refresh a connection's presence");
                }
            },
            () = &mut expiry => break Ending::Expired,
        }
    };
    if let Some(connection) = &presence
        && let Err(error) = connection.close(&state.pool).await
    {
        tracing::warn!(agent = %listener.id, %error, "could not record a closed connection");
    }
    drop(notices);
    drop(guard);
    let words = match ending {
        Ending::Gone => Vec::new(),
        Ending::TooSlow => {
            tracing::info!(user = %listener.id, "dropping a WebSocket client that fell behind");
            vec![
                Message::Text(Utf8Bytes::from(
                    json!({"type": PushKind::RESYNC, "seq": 0, "data": null}).to_string(),
                )),
                close_message(CLOSE_TOO_SLOW, "too_slow"),
            ]
        }
        Ending::Expired => {
            let error =
                ApiError::unauthorized("token_expired", "the access token expired; log in again");
            vec![
                error_message(&error),
                close_message(CLOSE_UNAUTHORIZED, "token_expired"),
            ]
        }
        Ending::Shutdown => vec![close_message(1001, "shutting down")],
    };
    let _ = last_words.send(words);
    drop(outgoing);
    let mut writer = writer;
    if tokio::time::timeout(WRITE_TIMEOUT, &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

/// Drains the client's queue into the socket. Last words, once given, go before anything
/// still queued; a frame that cannot be written in `WRITE_TIMEOUT` ends the session.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Message>,
    mut last_words: oneshot::Receiver<Vec<Message>>,
) {
    let words = loop {
        tokio::select! {
            biased;
            words = &mut last_words => break words.unwrap_or_default(),
            message = queue.recv() => match message {
                Some(message) => {
                    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await, Ok(Ok(()))) {
                        return;
                    }
                }
                // The session ended; its last words come right after.
                None => break (&mut last_words).await.unwrap_or_default(),
            },
        }
    };
    for message in words {
        if !matches!(
            tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await,
            Ok(Ok(()))
        ) {
            return;
        }
    }
    let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_carries_the_workers_object_as_it_was_published() {
        let id = Uuid::new_v4();
        let agent = Uuid::new_v4();
        let view = ViewChanged {
            kind: ViewKind::Offer,
            seq: 42,
            id,
            data: json!({"call_id": id, "status": "offered", "note": "é \"quoted\"", "n": [1, 2.5]}),
            audience: Audience {
                organisation_id: None,
                agent_id: Some(agent),
                requester_id: None,
                released_agent_id: None,
            },
        };
        let body = serde_json::to_vec(&view).expect("a view notice serialises");

        let notice = Notice::parse(&body).expect("the notice parses");

        assert_eq!(notice.kind, ViewKind::Offer);
        assert_eq!(notice.id, id);
        assert_eq!(notice.audience.agent_id, Some(agent));
        let sent: serde_json::Value =
            serde_json::from_str(notice.text.as_str()).expect("the text is JSON");
        assert_eq!(sent, json!({"type": "offer", "seq": 42, "data": view.data}));
    }

    #[test]
    fn an_interpreter_released_from_a_call_hears_of_it_and_nobody_else() {
        let (released, kept) = (Uuid::new_v4(), Uuid::new_v4());
        let notice = Notice {
            kind: ViewKind::Call,
            id: Uuid::new_v4(),
            audience: Audience {
                organisation_id: None,
                agent_id: Some(kept),
                requester_id: None,
                released_agent_id: Some(released),
            },
            text: Utf8Bytes::from_static("{}"),
        };
        let agent = |id| Listener {
            organisation_id: None,
            id,
            role: Role::Agent,
        };
        assert!(agent(kept).wants(&notice));
        assert!(agent(released).wants(&notice));
        assert!(!agent(Uuid::new_v4()).wants(&notice));
    }

    #[test]
    fn a_notice_that_is_not_a_view_change_is_refused() {
        assert!(Notice::parse(br#"{"type":"call","seq":1}"#).is_err());
        assert!(Notice::parse(b"not json").is_err());
    }
}
