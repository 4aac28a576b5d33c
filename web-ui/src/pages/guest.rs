//! A guest's page: someone without an account opens the link a participant gave them
//! (`/guest#token=…`) and is in the call's room. The page asks again every few seconds
//! whether they may stay; once removed, once the link expired or once the call is over,
//! it leaves the room and says why.

use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::alert::{Alert, Tone};
use crate::components::jitsi_room::JitsiRoom;
use crate::hooks::use_api;
use crate::i18n::{arg, t, t_args, use_locale};
use crate::services::calls;
use crate::types::{fragment_token, GuestRoom};

/// How often the page asks whether the guest may stay.
const RECHECK_MS: u32 = 5_000;

#[derive(Clone, PartialEq)]
enum Stay {
    Joining,
    In(GuestRoom),
    Out(String),
}

fn why_out(code: &str) -> String {
    t(match code {
        "guest_not_found" => "guest-removed",
        "guest_link_expired" => "guest-expired",
        "call_not_in_progress" => "guest-call-over",
        _ => "guest-link-invalid",
    })
}

#[function_component]
pub fn GuestPage() -> Html {
    use_locale();
    let api = use_api();
    let token = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .and_then(|hash| fragment_token(&hash))
    });
    let stay = use_state(|| Stay::Joining);

    {
        let (api, stay, token) = (api.clone(), stay.clone(), token.clone());
        use_effect_with((), move |_| {
            let ask = move || {
                let (api, stay, token) = (api.clone(), stay.clone(), token.clone());
                spawn_local(async move {
                    let Some(token) = (*token).clone() else {
                        stay.set(Stay::Out(t("guest-link-invalid")));
                        return;
                    };
                    match calls::guest_joins(&api, &token).await {
                        // The first answer opens the room; later ones only confirm it.
                        Ok(room) if *stay == Stay::Joining => stay.set(Stay::In(room)),
                        Ok(_) => {}
                        Err(e) => stay.set(Stay::Out(why_out(e.code()))),
                    }
                });
            };
            ask();
            let interval = Interval::new(RECHECK_MS, ask);
            move || drop(interval)
        });
    }

    let leave = {
        let (api, stay, token) = (api.clone(), stay.clone(), token.clone());
        Callback::from(move |_: MouseEvent| {
            let (api, stay, token) = (api.clone(), stay.clone(), token.clone());
            spawn_local(async move {
                if let Some(token) = (*token).clone() {
                    let _ = calls::guest_leaves(&api, &token).await;
                }
                stay.set(Stay::Out(t("guest-left")));
            });
        })
    };

    let body = match &*stay {
        Stay::Joining => html! { <p class="muted">{ t("room-opening") }</p> },
        Stay::Out(why) => html! { <Alert tone={Tone::Info} text={why.clone()} /> },
        Stay::In(room) => html! {
            <>
                <p>{ t_args("guest-joined-as", &[("name", arg(room.name.clone()))]) }</p>
                <div class="actions">
                    <button type="button" class="danger" onclick={leave}>{ t("guest-leave") }</button>
                </div>
                <JitsiRoom call_id={room.call_id.clone()} display_name={room.name.clone()}
                    room={Some(room.room.clone())} />
            </>
        },
    };
    html! {
        <section class="page" aria-labelledby="guest-title">
            <h1 id="guest-title">{ t("title-guest") }</h1>
            { body }
        </section>
    }
}
