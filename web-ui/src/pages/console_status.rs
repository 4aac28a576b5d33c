//! The interpreter's status switch (Available / On break / Offline) and the ring's
//! settings: on or off in this browser, a test, and the browser's permission for sound.

use crate::i18n::{arg, num, t, t_args, use_locale};
use yew::prelude::*;

use crate::components::alert::{Alert, Tone};
use crate::components::badge::Badge;
use crate::format;
use crate::hooks::use_ring::{
    audio_allowed, ring_enabled, set_ring_enabled, test_ring, unlock_audio,
};
use crate::types::Agent;

/// The heading the console focuses when the interpreter is back to waiting.
pub(super) const STATUS_TITLE_ID: &str = "status-title";

#[derive(Properties, PartialEq)]
pub(super) struct StatusCardProps {
    pub(super) me: Option<Agent>,
    pub(super) status: String,
    pub(super) activity: String,
    pub(super) busy: bool,
    pub(super) on_set: Callback<&'static str>,
}

#[function_component]
pub(super) fn StatusCard(props: &StatusCardProps) -> Html {
    use_locale();
    let sound_ok = use_state(audio_allowed);
    let ring_on = use_state(ring_enabled);
    let status = props.status.as_str();
    let buttons = [
        ("available", t("status-available")),
        ("break", t("status-break")),
        ("offline", t("status-offline")),
    ]
    .into_iter()
    .map(|(value, label)| {
        let (on_set, sound_ok) = (props.on_set.clone(), sound_ok.clone());
        let pressed = status == value;
        let onclick = move |_| {
            // A click is the moment browsers allow sound to start.
            unlock_audio();
            sound_ok.set(audio_allowed());
            on_set.emit(value);
        };
        html! {
            <button type="button" class={classes!("seg", format!("seg-{value}"), pressed.then_some("on"))}
                aria-pressed={pressed.to_string()} disabled={props.busy} {onclick}>{ label }</button>
        }
    });
    let toggle_ring = {
        let ring_on = ring_on.clone();
        Callback::from(move |_: Event| {
            set_ring_enabled(!*ring_on);
            ring_on.set(!*ring_on);
        })
    };
    let try_ring = {
        let sound_ok = sound_ok.clone();
        Callback::from(move |_: MouseEvent| {
            test_ring();
            sound_ok.set(audio_allowed());
        })
    };
    html! {
        <div class="card status-card">
            <h2 id={STATUS_TITLE_ID}>{ t("console-my-status") }</h2>
            <div class="segmented" role="group" aria-labelledby={STATUS_TITLE_ID}>
                { for buttons }
            </div>
            <p class="muted">
                { t("console-now") }{ " " }<Badge status={props.status.clone()} />{ " " }<Badge status={props.activity.clone()} />
                { props.me.as_ref().map(|m| match m.since {
                    Some(since) => format!(" · {} · {}",
                        t_args("console-since", &[("time", arg(format::time(Some(since))))]),
                        t_args("console-calls-today", &[("count", num(m.calls_today as f64))])),
                    None => format!(" · {}", t_args("console-calls-today", &[("count", num(m.calls_today as f64))])),
                }).unwrap_or_default() }
            </p>
            if status == "away" {
                <Alert tone={Tone::Warning} text={t("console-set-away")} />
            }
            <div class="ring-settings">
                <label class="choice">
                    <input type="checkbox" id="ring-on" checked={*ring_on} onchange={toggle_ring} />
                    { t("console-ring-on") }
                </label>
                <button type="button" class="secondary small" onclick={try_ring}>{ t("console-test-ring") }</button>
            </div>
            if *ring_on && !*sound_ok {
                <p class="hint">
                    { t("console-ring-permission") }{ " " }
                    <button type="button" class="link" onclick={{
                        let sound_ok = sound_ok.clone();
                        move |_| { unlock_audio(); sound_ok.set(audio_allowed()); }
                    }}>{ t("console-enable-sound") }</button>
                </p>
            }
        </div>
    }
}
