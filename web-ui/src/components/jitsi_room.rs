//! The call's Jitsi room, embedded with Jitsi's IFrame API.
//!
//! The room comes from `GET /api/calls/{id}/room` (`{domain, room, jwt}`). `index.html`
//! defines `window.parleyJitsi`, which loads `https://<domain>/external_api.js` once and
//! opens `new JitsiMeetExternalAPI(domain, {roomName, jwt, parentNode})`; it reports the
//! conference's `readyToClose`, `videoConferenceLeft`, `videoConferenceJoined`,
//! `cameraError` and `micError` events back here.
//!
//! The screen never dead-ends: a script that does not load, a conference not joined
//! within [`JOIN_TIMEOUT_MS`], or a refused camera shows [`MediaFallback`] (retry, audio
//! only, dial-in, and for the interpreter a requeue).

use crate::i18n::{arg, t, t_args, use_locale};
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::prelude::*;

use std::cell::Cell;

use gloo_timers::callback::Timeout;

use crate::components::media_fallback::MediaFallback;
use crate::hooks::use_api;
use crate::services::calls;
use crate::types::Room;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = parleyJitsi, js_name = open, catch)]
    fn jitsi_open(
        domain: &str,
        room: &str,
        jwt: Option<String>,
        node_id: &str,
        options: &JsValue,
        on_event: &Closure<dyn FnMut(String)>,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = parleyJitsi, js_name = close, catch)]
    fn jitsi_close(node_id: &str) -> Result<(), JsValue>;
}

#[derive(Properties, PartialEq)]
pub struct JitsiRoomProps {
    pub call_id: AttrValue,
    pub display_name: AttrValue,
    /// Join with microphone and camera off (a supervisor monitoring).
    #[prop_or_default]
    pub muted: bool,
    /// The participant left the conference in Jitsi (hung up).
    #[prop_or_default]
    pub on_left: Callback<()>,
    /// The viewer is the call's interpreter: the fallback offers a requeue.
    #[prop_or_default]
    pub can_requeue: bool,
    /// The room, when the page has it already (a guest's, from their link); otherwise it
    /// is asked for with the viewer's session.
    #[prop_or_default]
    pub room: Option<Room>,
}

/// How long the conference may take to join before the fallback shows.
pub const JOIN_TIMEOUT_MS: u32 = 20_000;

/// What the effect holds while the room is open: the event closure and the join timer.
type Held = Rc<RefCell<(Option<Closure<dyn FnMut(String)>>, Option<Timeout>)>>;

#[function_component]
pub fn JitsiRoom(props: &JitsiRoomProps) -> Html {
    use_locale();
    let api = use_api();
    let room = use_state(|| None::<Room>);
    let error = use_state(|| None::<String>);
    let joined = use_state(|| false);
    // Bumped by "Try again", which opens the room afresh.
    let attempt = use_state(|| 0u32);
    let audio_only = use_state(|| false);
    let node_id = format!("jitsi-{}", props.call_id);
    let on_left = use_mut_ref(|| props.on_left.clone());
    *on_left.borrow_mut() = props.on_left.clone();

    {
        let (room, error) = (room.clone(), error.clone());
        let given = props.room.clone();
        use_effect_with((props.call_id.clone(), *attempt), move |(call_id, _)| {
            let call_id = call_id.to_string();
            if let Some(given) = given {
                room.set(Some(given));
                return;
            }
            spawn_local(async move {
                match calls::room(&api, &call_id).await {
                    Ok(r) => room.set(Some(r)),
                    Err(e) => error.set(Some(t_args(
                        "room-unavailable",
                        &[("error", arg(e.to_string()))],
                    ))),
                }
            });
        });
    }

    {
        let (error, joined) = (error.clone(), joined.clone());
        let node_id = node_id.clone();
        let muted = props.muted;
        let display_name = props.display_name.to_string();
        use_effect_with(
            (*room).clone().zip(Some((*attempt, *audio_only))),
            move |opening| {
                let holder: Held = Rc::new(RefCell::new((None, None)));
                let opened = opening.is_some();
                if let Some((room, (_, audio_only))) = opening.clone() {
                    let joined_flag = joined.clone();
                    let joined_yet = Rc::new(Cell::new(false));
                    let seen = joined_yet.clone();
                    let camera_error = error.clone();
                    let closure =
                        Closure::<dyn FnMut(String)>::new(move |event: String| {
                            match event.as_str() {
                                "videoConferenceJoined" => {
                                    seen.set(true);
                                    joined_flag.set(true);
                                }
                                "cameraError" | "micError" => {
                                    camera_error.set(Some(t("media-device-refused")))
                                }
                                "readyToClose" | "videoConferenceLeft" => {
                                    joined_flag.set(false);
                                    let callback = on_left.borrow().clone();
                                    callback.emit(());
                                }
                                _ => {}
                            }
                        });
                    let late = error.clone();
                    let join_timer = Timeout::new(JOIN_TIMEOUT_MS, move || {
                        if !joined_yet.get() {
                            late.set(Some(t("media-not-joined")));
                        }
                    });
                    let options = js_sys::Object::new();
                    let _ =
                        js_sys::Reflect::set(&options, &"muted".into(), &JsValue::from_bool(muted));
                    let _ = js_sys::Reflect::set(
                        &options,
                        &"audioOnly".into(),
                        &JsValue::from_bool(audio_only),
                    );
                    let _ = js_sys::Reflect::set(
                        &options,
                        &"displayName".into(),
                        &JsValue::from_str(&display_name),
                    );
                    match jitsi_open(
                        &room.domain,
                        &room.room,
                        room.jwt.clone(),
                        &node_id,
                        &options,
                        &closure,
                    ) {
                        Ok(promise) => {
                            let error = error.clone();
                            let domain = room.domain.clone();
                            spawn_local(async move {
                                if let Err(e) = JsFuture::from(promise).await {
                                    let reason = e.as_string().or_else(|| {
                                        js_sys::Reflect::get(&e, &"message".into())
                                            .ok()
                                            .and_then(|m| m.as_string())
                                    });
                                    error.set(Some(t_args(
                                        "room-open-failed",
                                        &[
                                            ("domain", arg(domain.clone())),
                                            (
                                                "error",
                                                arg(reason
                                                    .unwrap_or_else(|| t("room-unknown-error"))),
                                            ),
                                        ],
                                    )));
                                }
                            });
                        }
                        Err(_) => error.set(Some(t("room-script-missing"))),
                    }
                    *holder.borrow_mut() = (Some(closure), Some(join_timer));
                }
                move || {
                    if opened {
                        let _ = jitsi_close(&node_id);
                    }
                    // Dropping the timer cancels it.
                    *holder.borrow_mut() = (None, None);
                }
            },
        );
    }

    let meta = match &*room {
        Some(r) => html! {
            <p class="room-meta muted">
                { t("room-name") }{ " " }<code data-testid="room-name">{ r.room.clone() }</code>
                { " " }{ t("room-on") }{ " " }<code data-testid="room-domain">{ r.domain.clone() }</code>
                if props.muted { <span class="badge badge-monitor">{ t("room-monitoring-muted") }</span> }
                if *joined { <span class="badge badge-connected">{ t("room-joined") }</span> }
            </p>
        },
        None if error.is_none() => html! { <p class="muted">{ t("room-opening") }</p> },
        None => html! {},
    };
    let retry = {
        let (error, attempt, joined) = (error.clone(), attempt.clone(), joined.clone());
        Callback::from(move |()| {
            error.set(None);
            joined.set(false);
            attempt.set(*attempt + 1);
        })
    };
    let go_audio_only = {
        let (audio_only, retry) = (audio_only.clone(), retry.clone());
        Callback::from(move |()| {
            audio_only.set(true);
            retry.emit(());
        })
    };
    let fallback = (*error).clone().map(|reason| {
        html! {
            <MediaFallback call_id={props.call_id.clone()} {reason}
                dial_in={(*room).as_ref().and_then(|r| r.dial_in.clone())}
                can_requeue={props.can_requeue} audio_only={*audio_only}
                on_retry={retry} on_audio_only={go_audio_only} />
        }
    });
    html! {
        <section class="room" aria-label={t("room-label")}>
            { meta }
            { fallback }
            // Hidden (not removed: the script may still hold it) when the room failed to
            // open, so no empty black box stays under the notice.
            <div id={node_id} class={classes!("jitsi-frame", error.is_some().then_some("failed"))} data-testid="jitsi-container"></div>
        </section>
    }
}
