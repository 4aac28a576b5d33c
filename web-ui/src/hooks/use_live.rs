//! Live push: ONE WebSocket per tab to `/api/ws`, owned by [`LiveProvider`].
//!
//! The socket authenticates with a first `{"type":"auth","token"}` message, then receives
//! `{"type": "queue"|"agent"|"call"|"offer"|"resync", "seq", "data"}` (`wire::PushKind`).
//! Components subscribe with [`use_live`] (every event) or [`use_live_reload`] (a debounced
//! "reload now", for pages whose rows are not pushed).
//!
//! A pushed message carries the row that changed: pages that show live rows apply it in
//! place (`crate::live`) and load over REST only after a gap. Every (re)connection and
//! every `resync` message is passed on as [`LiveEvent::Resync`], so pages reload what they
//! show then. `seq` is the bus
//! position of the last event applied to an object: a message whose `seq` is not newer
//! than the last one seen for that object is stale (it arrived out of order) and dropped.
//! Lost connections are retried with exponential backoff (1 s doubling to 30 s, with jitter).
//!
//! Every 10 s the socket sends `{"type":"heartbeat"}`: for an interpreter, the server takes
//! a socket it has not heard from for 20 s as gone, and an interpreter with no live socket
//! for the presence timeout is set away (or, on a call, flagged to supervisors).

use crate::i18n::t;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use serde_json::Value;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use wire::{PushKind, ViewKind};

use super::use_session::{use_session, SessionAction, SessionState};
use crate::types::LiveMessage;

#[derive(Clone, Debug, PartialEq)]
pub enum LiveStatus {
    /// Not signed in.
    Offline,
    Connecting,
    Connected,
    /// The connection was lost; the next attempt is in `in_s` seconds.
    Retrying {
        attempt: u32,
        in_s: u32,
    },
}

#[derive(Clone, Debug)]
pub enum LiveEvent {
    Message(Rc<LiveMessage>),
    /// Reload everything shown: the socket (re)connected or the server asked to resync.
    Resync,
}

impl LiveEvent {
    /// The kind of row a message is about; `None` for a resync.
    pub fn view(&self) -> Option<ViewKind> {
        match self {
            LiveEvent::Message(m) => m.view(),
            LiveEvent::Resync => None,
        }
    }
}

type Subscriber = Rc<dyn Fn(&LiveEvent)>;

#[derive(Default)]
pub struct Hub {
    next_id: Cell<u32>,
    subscribers: RefCell<Vec<(u32, Subscriber)>>,
    last_seq: RefCell<HashMap<String, u64>>,
}

impl Hub {
    fn subscribe(&self, subscriber: Subscriber) -> u32 {
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        self.subscribers.borrow_mut().push((id, subscriber));
        id
    }

    fn unsubscribe(&self, id: u32) {
        self.subscribers.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn dispatch(&self, event: &LiveEvent) {
        let subscribers: Vec<Subscriber> = self
            .subscribers
            .borrow()
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        for subscriber in subscribers {
            subscriber(event);
        }
    }

    fn resync(&self) {
        self.last_seq.borrow_mut().clear();
        self.dispatch(&LiveEvent::Resync);
    }

    fn receive(&self, message: LiveMessage) {
        if message.kind == PushKind::RESYNC {
            self.resync();
            return;
        }
        if let Some(id) = message.object_id() {
            let key = format!("{}:{id}", message.kind);
            let mut last = self.last_seq.borrow_mut();
            if message.seq > 0 && last.get(&key).is_some_and(|seen| *seen >= message.seq) {
                return; // stale: a newer state of this object was already announced
            }
            last.insert(key, message.seq);
        }
        self.dispatch(&LiveEvent::Message(Rc::new(message)));
    }
}

#[derive(Clone)]
pub struct LiveContext {
    hub: Rc<Hub>,
    pub status: LiveStatus,
}

impl PartialEq for LiveContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.hub, &other.hub) && self.status == other.status
    }
}

#[derive(Properties, PartialEq)]
pub struct LiveProviderProps {
    pub children: Children,
}

/// Opens the tab's WebSocket while someone is signed in and hands its messages to the
/// components below that subscribed.
#[function_component]
pub fn LiveProvider(props: &LiveProviderProps) -> Html {
    let session = use_session();
    let hub = use_memo((), |_| Hub::default());
    let status = use_state(|| LiveStatus::Offline);
    let token = session.session.as_ref().map(|s| s.token.clone());
    {
        let hub = hub.clone();
        let setter = status.setter();
        let dispatcher = session.dispatcher();
        use_effect_with(token, move |token| {
            let (stop_tx, stop_rx) = oneshot::channel::<()>();
            match token.clone() {
                Some(token) => spawn_local(run(hub, token, setter, stop_rx, dispatcher)),
                None => setter.set(LiveStatus::Offline),
            }
            move || {
                let _ = stop_tx.send(());
            }
        });
    }
    let context = LiveContext {
        hub: hub.clone(),
        status: (*status).clone(),
    };
    html! {
        <ContextProvider<LiveContext> {context}>
            { props.children.clone() }
        </ContextProvider<LiveContext>>
    }
}

enum Outcome {
    Stopped,
    Lost,
    Refused(String),
}

fn ws_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let (protocol, host) = location
        .map(|l| {
            (
                l.protocol().unwrap_or_default(),
                l.host().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}/api/ws")
}

/// 1 s, 2 s, 4 s … 30 s, each between 50 % and 100 % of that.
fn backoff_ms(attempt: u32) -> u32 {
    let base = 1000u32
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(30_000);
    let jitter = 0.5 + js_sys::Math::random() * 0.5;
    (f64::from(base) * jitter) as u32
}

async fn run(
    hub: Rc<Hub>,
    token: String,
    status: UseStateSetter<LiveStatus>,
    mut stop: oneshot::Receiver<()>,
    session: UseReducerDispatcher<SessionState>,
) {
    let mut attempt: u32 = 0;
    loop {
        status.set(LiveStatus::Connecting);
        match connect_once(&hub, &token, &status, &mut stop, &mut attempt).await {
            Outcome::Stopped => return,
            Outcome::Refused(message) => {
                status.set(LiveStatus::Offline);
                session.dispatch(SessionAction::Ended(message));
                return;
            }
            Outcome::Lost => {}
        }
        attempt += 1;
        let delay = backoff_ms(attempt);
        status.set(LiveStatus::Retrying {
            attempt,
            in_s: delay.div_ceil(1000),
        });
        if let Either::Right(_) = select(TimeoutFuture::new(delay), &mut stop).await {
            return;
        }
    }
}

/// The server counts a socket live while it hears from it (see the module doc).
const HEARTBEAT_EVERY_MS: u32 = 10_000;
const HEARTBEAT: &str = r#"{"type":"heartbeat"}"#;

async fn connect_once(
    hub: &Hub,
    token: &str,
    status: &UseStateSetter<LiveStatus>,
    stop: &mut oneshot::Receiver<()>,
    attempt: &mut u32,
) -> Outcome {
    let Ok(socket) = WebSocket::open(&ws_url()) else {
        return Outcome::Lost;
    };
    let (mut write, mut read) = socket.split();
    let auth = serde_json::json!({ "type": "auth", "token": token }).to_string();
    match select(
        Box::pin(write.send(Message::Text(auth))),
        TimeoutFuture::new(10_000),
    )
    .await
    {
        Either::Left((Ok(()), _)) => {}
        _ => return Outcome::Lost,
    }
    let mut next_heartbeat = TimeoutFuture::new(HEARTBEAT_EVERY_MS);
    loop {
        let next = match select(select(read.next(), &mut next_heartbeat), &mut *stop).await {
            Either::Right(_) => {
                let _ = write.close().await;
                return Outcome::Stopped;
            }
            Either::Left((Either::Right(_), _)) => {
                next_heartbeat = TimeoutFuture::new(HEARTBEAT_EVERY_MS);
                if write
                    .send(Message::Text(HEARTBEAT.to_owned()))
                    .await
                    .is_err()
                {
                    return Outcome::Lost;
                }
                continue;
            }
            Either::Left((Either::Left((next, _)), _)) => next,
        };
        match next {
            Some(Ok(Message::Text(text))) => {
                let Ok(message) = serde_json::from_str::<LiveMessage>(&text) else {
                    continue;
                };
                match PushKind::parse(&message.kind) {
                    Some(PushKind::Ready) => {
                        *attempt = 0;
                        status.set(LiveStatus::Connected);
                        // Whatever changed while we were away (or while the page loaded).
                        hub.resync();
                    }
                    Some(PushKind::Error) => {
                        let error = message.error.unwrap_or(Value::Null);
                        let code = error
                            .get("code")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        if matches!(code, "token_expired" | "invalid_token" | "missing_token") {
                            let text = if code == "token_expired" {
                                t("session-expired")
                            } else {
                                t("session-invalid")
                            };
                            return Outcome::Refused(text);
                        }
                        return Outcome::Lost;
                    }
                    _ => hub.receive(message),
                }
            }
            Some(Ok(Message::Bytes(_))) => {}
            Some(Err(WebSocketError::ConnectionClose(close))) if close.code == 4401 => {
                return Outcome::Refused(t("session-invalid"));
            }
            Some(Err(_)) | None => return Outcome::Lost,
        }
    }
}

#[hook]
pub fn use_live_status() -> LiveStatus {
    use_context::<LiveContext>()
        .map(|c| c.status)
        .unwrap_or(LiveStatus::Offline)
}

/// Calls `on_event` for every pushed event whose type is in `kinds` (and every resync).
#[hook]
pub fn use_live(kinds: &'static [ViewKind], on_event: Callback<LiveEvent>) {
    let context = use_context::<LiveContext>();
    let latest = use_mut_ref(|| on_event.clone());
    *latest.borrow_mut() = on_event;
    let hub = context.map(|c| c.hub);
    use_effect_with(hub.as_ref().map(|h| Rc::as_ptr(h) as usize), move |_| {
        let subscription = hub.map(|hub| {
            let id = hub.subscribe(Rc::new(move |event: &LiveEvent| {
                let wanted = event.view().is_none_or(|kind| kinds.contains(&kind));
                if wanted {
                    let callback = latest.borrow().clone();
                    callback.emit(event.clone());
                }
            }));
            (hub, id)
        });
        move || {
            if let Some((hub, id)) = subscription {
                hub.unsubscribe(id);
            }
        }
    });
}

/// Calls `reload` once, 250 ms after the first of a burst of pushed events of the given
/// kinds (or a resync), so a busy floor reloads a few times a second at most. For pages
/// whose rows are not pushed; live lists use [`use_debounced`] for their rare reloads.
#[hook]
pub fn use_live_reload(kinds: &'static [ViewKind], reload: Callback<()>) {
    let debounced = use_debounced(reload);
    use_live(kinds, debounced.reform(|_: LiveEvent| ()));
}

/// A callback that calls `action` once, 250 ms after the first of a burst of calls.
#[hook]
pub fn use_debounced(action: Callback<()>) -> Callback<()> {
    // The timer is kept (not dropped from inside its own callback); `armed` says whether
    // a call is already on its way.
    let timer = use_mut_ref(|| None::<Timeout>);
    let armed = use_mut_ref(|| Rc::new(Cell::new(false)));
    let latest = use_mut_ref(|| action.clone());
    *latest.borrow_mut() = action;
    use_callback((), move |(), _| {
        let armed = armed.borrow().clone();
        if armed.get() {
            return;
        }
        armed.set(true);
        let latest = latest.clone();
        *timer.borrow_mut() = Some(Timeout::new(250, move || {
            armed.set(false);
            let action = latest.borrow().clone();
            action.emit(());
        }));
    })
}
