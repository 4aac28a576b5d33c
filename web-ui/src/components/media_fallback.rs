//! What the call screen shows when video fails, so it never dead-ends: why, a retry, the
//! call by audio only, the dial-in number and PIN when the deployment has one, and for
//! the interpreter a way to end their part and put the call back in its queue.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::alert::{Alert, Tone};
use crate::hooks::use_api;
use crate::i18n::{arg, t, t_args, use_locale};
use crate::services::calls;
use crate::types::DialIn;

#[derive(Properties, PartialEq)]
pub struct MediaFallbackProps {
    pub call_id: AttrValue,
    /// What went wrong, in words.
    pub reason: AttrValue,
    #[prop_or_default]
    pub dial_in: Option<DialIn>,
    /// The interpreter may end their part and requeue the call.
    #[prop_or_default]
    pub can_requeue: bool,
    /// The audio-only retry is already on.
    #[prop_or_default]
    pub audio_only: bool,
    pub on_retry: Callback<()>,
    pub on_audio_only: Callback<()>,
}

#[function_component]
pub fn MediaFallback(props: &MediaFallbackProps) -> Html {
    use_locale();
    let api = use_api();
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<(Tone, String)>);

    let requeue = {
        let (busy, outcome) = (busy.clone(), outcome.clone());
        let call_id = props.call_id.to_string();
        Callback::from(move |_: MouseEvent| {
            let (api, busy, outcome, call_id) =
                (api.clone(), busy.clone(), outcome.clone(), call_id.clone());
            busy.set(true);
            spawn_local(async move {
                let result = calls::requeue_on_media_failure(&api, &call_id).await;
                outcome.set(Some(match result {
                    Ok(_) => (Tone::Success, t("media-requeued")),
                    Err(e) => (
                        Tone::Error,
                        t_args("media-requeue-failed", &[("error", arg(e.to_string()))]),
                    ),
                }));
                busy.set(false);
            });
        })
    };

    html! {
        <section class="card media-fallback" role="alert" aria-labelledby="media-fallback-title" data-testid="media-fallback">
            <h2 id="media-fallback-title">{ t("media-failed-title") }</h2>
            <p>{ props.reason.clone() }</p>
            if let Some(dial_in) = &props.dial_in {
                <p data-testid="dial-in">
                    { t("media-dial-in") }{ " " }
                    <a href={format!("tel:{},,{}#", dial_in.number.replace(' ', ""), dial_in.pin)}>
                        <strong>{ dial_in.number.clone() }</strong>
                    </a>
                    { " · " }{ t("media-dial-in-pin") }{ " " }<strong>{ dial_in.pin.clone() }</strong>
                </p>
            }
            <div class="actions">
                <button type="button" onclick={props.on_retry.reform(|_| ())}>{ t("media-retry") }</button>
                if !props.audio_only {
                    <button type="button" class="secondary" onclick={props.on_audio_only.reform(|_| ())}>
                        { t("media-audio-only") }
                    </button>
                }
                if props.can_requeue {
                    <button type="button" class="danger" onclick={requeue} disabled={*busy}>
                        { t("media-requeue") }
                    </button>
                }
            </div>
            if let Some((tone, text)) = (*outcome).clone() { <Alert {tone} {text} /> }
        </section>
    }
}
