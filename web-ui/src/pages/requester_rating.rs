//! A requester's call once it is over: what happened, and the rating (stars, a comment).

use crate::i18n::{num, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_textarea;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::format;
use crate::hooks::use_api;
use crate::route::Route;
use crate::services::calls;
use crate::types::Call;

#[derive(Properties, PartialEq)]
pub(super) struct FinishedProps {
    pub(super) call: Call,
    pub(super) on_rated: Callback<()>,
}

/// After the call: what happened, and the rating form.
#[function_component]
pub(super) fn Finished(props: &FinishedProps) -> Html {
    use_locale();
    let api = use_api();
    let stars = use_state(|| 0u8);
    let comment = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let c = &props.call;

    let outcome = match c.status.as_str() {
        "abandoned" => html! { <Alert tone={Tone::Info} text={t("rating-cancelled")} /> },
        "no_interpreter_available" => html! {
            <div class="card">
                <Alert tone={Tone::Warning} text={t("rating-no-interpreter")} />
                <Link<Route> to={Route::Request} classes="button primary">{ t("rating-request-again") }</Link<Route>>
            </div>
        },
        _ => html! {
            <div class="card">
                <h2>{ t("rating-ended") }</h2>
                <dl class="facts">
                    <div><dt>{ t("column-interpreter") }</dt><dd>{ format::opt(&c.agent_name) }</dd></div>
                    <div><dt>{ t("rating-waited") }</dt><dd>{ c.wait_s.map(format::duration).unwrap_or_else(|| "—".into()) }</dd></div>
                    <div><dt>{ t("rating-talked") }</dt><dd>{ c.talk_s.map(format::duration).unwrap_or_else(|| "—".into()) }</dd></div>
                </dl>
            </div>
        },
    };

    let can_rate = matches!(c.status.as_str(), "ended" | "wrapped_up") && !c.was_rated();
    let onsubmit = {
        let (api, stars, comment, error, busy, on_rated) = (
            api.clone(),
            stars.clone(),
            comment.clone(),
            error.clone(),
            busy.clone(),
            props.on_rated.clone(),
        );
        let id = c.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *stars == 0 {
                error.set(Some(t("rating-choose-stars")));
                return;
            }
            busy.set(true);
            let (api, error, busy, on_rated, id) = (
                api.clone(),
                error.clone(),
                busy.clone(),
                on_rated.clone(),
                id.clone(),
            );
            let (s, text) = (*stars, (*comment).clone());
            spawn_local(async move {
                match calls::rate(&api, &id, s, &text).await {
                    Ok(_) => on_rated.emit(()),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };

    html! {
        <>
            <div id="call-outcome">{ outcome }</div>
            if can_rate {
                <form class="card" {onsubmit} aria-labelledby="rate-title">
                    <h2 id="rate-title">{ t("rating-question") }</h2>
                    { error_alert(&error) }
                    <fieldset class="stars">
                        <legend>{ t("column-rating") }</legend>
                        { for (1..=5u8).map(|n| {
                            let stars_h = stars.clone();
                            let onchange = Callback::from(move |_| stars_h.set(n));
                            let id = format!("star-{n}");
                            html! {
                                <>
                                    <input type="radio" name="stars" id={id.clone()} value={n.to_string()} checked={*stars == n} {onchange} />
                                    <label for={id} class={classes!((*stars >= n).then_some("on"))} title={t_args("rating-stars", &[("count", num(n as f64))])}>
                                        <span aria-hidden="true">{ "★" }</span><span class="sr-only">{ t_args("rating-stars", &[("count", num(n as f64))]) }</span>
                                    </label>
                                </>
                            }
                        }) }
                    </fieldset>
                    <div class="field">
                        <label for="rate-comment">{ t("rating-comment") }</label>
                        <textarea id="rate-comment" rows="3" maxlength="2000" value={(*comment).clone()} oninput={bind_textarea(&comment)} />
                    </div>
                    <button type="submit" class="primary" disabled={*busy}>{ t("rating-send") }</button>
                </form>
            } else if c.was_rated() {
                <div id="call-rated">
                    <Alert tone={Tone::Success} text={t_args("rating-thanks", &[("count", num(c.stars.unwrap_or(0) as f64))])} />
                </div>
            }
        </>
    }
}
