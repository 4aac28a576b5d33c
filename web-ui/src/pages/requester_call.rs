//! A requester's call: waiting (status, queue, estimated wait, cancel), the room once an
//! interpreter accepted, then the rating.

use crate::i18n::{arg, num, t, t_args, use_locale};
use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::confirm;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::badge::Badge;
use crate::components::guests_panel::GuestsPanel;
use crate::components::jitsi_room::JitsiRoom;
use crate::format;
use crate::hooks::{
    use_api, use_debounced, use_focus_on_change, use_latest, use_live, use_now, use_session,
    LiveEvent,
};
use crate::live::{pushed, LiveRow};
use crate::route::Route;
use crate::services::calls;
use crate::types::{call_status, language_name, Call};

#[derive(Properties, PartialEq)]
pub struct MyCallProps {
    pub id: String,
}

#[function_component]
pub fn MyCallPage(props: &MyCallProps) -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let call = use_state(|| None::<Call>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let left_room = use_state(|| false);
    let now = use_now(1000);

    // The newest row seen, pushed or loaded: a load that read the call before a pushed
    // change must not undo it (the state handle a callback holds may be older).
    let newest = use_mut_ref(|| None::<Call>);
    let reload = {
        let (api, call, error, newest) = (api.clone(), call.clone(), error.clone(), newest.clone());
        let latest = use_latest();
        use_callback(props.id.clone(), move |_: (), id| {
            let (api, call, error, id, newest) = (
                api.clone(),
                call.clone(),
                error.clone(),
                id.clone(),
                newest.clone(),
            );
            latest.spawn(
                async move { calls::get(&api, &id).await },
                move |answer| match answer {
                    Ok(loaded) => {
                        let c = match newest.borrow().as_ref() {
                            // Only the detail's own fields (place, estimate) are newer.
                            Some(pushed) if pushed.id == loaded.id && pushed.seq > loaded.seq => {
                                Call {
                                    position: loaded.position,
                                    estimated_wait_s: loaded.estimated_wait_s,
                                    queue_waiting: loaded.queue_waiting,
                                    ..pushed.clone()
                                }
                            }
                            _ => loaded,
                        };
                        *newest.borrow_mut() = Some(c.clone());
                        call.set(Some(c));
                        error.set(None);
                    }
                    Err(e) if e.is_not_found() => error.set(Some(t("my-call-not-found"))),
                    Err(e) => error.set(Some(e.to_string())),
                },
            );
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(props.id.clone(), move |_| reload.emit(()));
    }
    // A pushed row about this call is applied in place; the call is loaded again only on a
    // resync or when the row names an interpreter the page has no name for (pushed rows
    // carry ids, not names). Rows about the requester's other calls are ignored.
    {
        let (call, id, newest) = (call.clone(), props.id.clone(), newest.clone());
        let reload_later = use_debounced(reload.clone());
        use_live(
            &[wire::ViewKind::Call],
            Callback::from(move |event: LiveEvent| {
                let message = match event {
                    LiveEvent::Resync => return reload_later.emit(()),
                    LiveEvent::Message(m) if m.object_id().as_deref() == Some(id.as_str()) => m,
                    LiveEvent::Message(_) => return,
                };
                let Some(row) = pushed::<Call>(&message) else {
                    return reload_later.emit(());
                };
                let row = match newest.borrow().as_ref() {
                    Some(held) if held.id != row.id => return reload_later.emit(()),
                    Some(held) if held.seq > row.seq => return,
                    Some(held) => row.merged(held),
                    None => return reload_later.emit(()),
                };
                if row.agent_id.is_some() && row.agent_name.is_none() {
                    reload_later.emit(());
                }
                *newest.borrow_mut() = Some(row.clone());
                call.set(Some(row));
            }),
        );
    }

    // Requesters are not sent queue updates: while waiting, refresh the call every 5 s. Its
    // detail carries its place, its estimate and how many wait in its queue: one bounded
    // request, never the whole queue board.
    let waiting = (*call).as_ref().is_some_and(Call::is_waiting);
    {
        let reload = reload.clone();
        use_effect_with(waiting, move |waiting| {
            let interval = waiting.then(|| Interval::new(5_000, move || reload.emit(())));
            move || drop(interval)
        });
    }

    let command = {
        let (api, busy, error, reload) = (api.clone(), busy.clone(), error.clone(), reload.clone());
        let id = props.id.clone();
        Callback::from(move |verb: &'static str| {
            let (api, busy, error, reload, id) = (
                api.clone(),
                busy.clone(),
                error.clone(),
                reload.clone(),
                id.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let done = match verb {
                    "callback" => calls::callback(&api, &id).await,
                    _ => calls::command(&api, &id, verb).await,
                };
                if let Err(e) = done {
                    error.set(Some(e.to_string()));
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };

    // Each stage replaces the buttons of the one before (Cancel, Rejoin): the focus goes to
    // what the new stage says, never to <body>.
    let stage = (*call).as_ref().map(|c| {
        if c.is_waiting() {
            "waiting"
        } else if c.awaits_join() {
            "join"
        } else if c.is_live() {
            "live"
        } else if c.was_rated() {
            "rated"
        } else {
            "finished"
        }
    });
    let target = match stage {
        Some("waiting") => Some("waiting-title".to_owned()),
        Some("live") => Some("live-title".to_owned()),
        Some("finished") => Some("call-outcome".to_owned()),
        Some("rated") => Some("call-rated".to_owned()),
        _ => None,
    };
    use_focus_on_change(stage, target, false, true);

    let Some(c) = (*call).clone() else {
        return html! {
            <section class="page narrow">
                <h1>{ t("title-my-call") }</h1>
                { error_alert(&error) }
                if error.is_none() { <p class="muted">{ t("loading") }</p> }
                <Link<Route> to={Route::Request}>{ t("my-call-back") }</Link<Route>>
            </section>
        };
    };

    let summary = html! {
        <p class="call-summary">
            <strong>{ c.language.as_deref().map(language_name).unwrap_or_default() }</strong>
            { format!(" · {} · {}", c.modality.as_deref().map(format::status_label).unwrap_or_default(), format::status_label(c.specialty.as_deref().unwrap_or("general"))) }
            if c.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ t("offer-urgent") }</span> }
            { " " }<Badge status={c.status.clone()} />
        </p>
    };

    let body = if c.is_waiting() {
        let waited = format::elapsed(c.requested_at, now);
        let cancel = {
            let command = command.clone();
            Callback::from(move |_| {
                if confirm(&t("my-call-cancel-confirm")) {
                    command.emit("cancel");
                }
            })
        };
        let status_text = match c.status.as_str() {
            call_status::OFFERED => t("my-call-offered"),
            call_status::QUEUED => t("my-call-queued"),
            _ => t("my-call-routing"),
        };
        html! {
            <div class="card waiting">
                <div class="spinner" aria-hidden="true"></div>
                // Only the status is a live region: the waited time ticks every second.
                <div role="status"><h2 id="waiting-title">{ status_text }</h2></div>
                <dl class="facts">
                    <div><dt>{ t("my-call-waiting-for") }</dt><dd data-testid="waited">{ format::duration(waited) }</dd></div>
                    <div><dt>{ t("my-call-queue") }</dt><dd>{ format::opt(&c.queue_name) }</dd></div>
                    if let Some(n) = c.position {
                        <div><dt>{ t("my-call-place") }</dt><dd data-testid="position">{ t_args("my-call-position", &[("position", num(n as f64))]) }</dd></div>
                    }
                    if let Some(n) = c.queue_waiting {
                        <div><dt>{ t("my-call-queue-waiting") }</dt><dd data-testid="queue-waiting">{ format::number(n as f64) }</dd></div>
                    }
                    // Once the call has a place in the queue, its own estimate (from that
                    // place).
                    if c.position.is_some() {
                        <div><dt>{ t("my-call-estimate") }</dt><dd data-testid="estimate">{
                            match c.estimated_wait_s {
                                Some(0) => t("my-call-any-moment"),
                                Some(s) => t_args("my-call-about", &[("duration", arg(format::duration(s)))]),
                                None => t("my-call-no-estimate"),
                            }
                        }</dd></div>
                    }
                </dl>
                <super::callback_prompt::CallBackInstead chosen={c.callback} busy={*busy} on_choose={command.reform(|_| "callback")} />
                <button type="button" class="danger" onclick={cancel} disabled={*busy}>{ t("my-call-cancel") }</button>
            </div>
        }
    } else if c.awaits_join() {
        html! { <super::callback_prompt::JoinPrompt join_by={c.join_by} {now} busy={*busy} on_join={command.reform(|_| "join")} /> }
    } else if c.is_live() {
        let display_name = session
            .session
            .as_ref()
            .map(|s| s.user.name.clone())
            .unwrap_or_default();
        let on_left = {
            let left_room = left_room.clone();
            Callback::from(move |_| left_room.set(true))
        };
        let rejoin = {
            let left_room = left_room.clone();
            Callback::from(move |_| left_room.set(false))
        };
        html! {
            <div class="call-live">
                <div class="card">
                    <p id="live-title">
                        { t("my-call-your-interpreter") }{ " " }<strong>{ format::opt(&c.agent_name) }</strong>
                        { " · " }{ t_args("my-call-connected-ago", &[("duration", arg(format::duration(format::elapsed(c.connected_at.or(c.answered_at), now))))]) }
                    </p>
                    if c.status == "on_hold" {
                        <Alert tone={Tone::Warning} text={t("my-call-on-hold")} />
                    }
                </div>
                if *left_room {
                    <div class="card">
                        <p>{ t("my-call-left-room") }</p>
                        <button type="button" class="primary" onclick={rejoin}>{ t("my-call-rejoin") }</button>
                    </div>
                } else {
                    <JitsiRoom key={c.id.clone()} call_id={c.id.clone()} {display_name} {on_left} />
                }
                <GuestsPanel key={format!("guests-{}", c.id)} call_id={c.id.clone()} />
            </div>
        }
    } else {
        html! { <super::requester_rating::Finished call={c.clone()} on_rated={reload.clone()} /> }
    };

    html! {
        <section class="page">
            <p><Link<Route> to={Route::Request}>{ t("my-call-requests-link") }</Link<Route>></p>
            <h1>{ t("title-my-call") }</h1>
            { summary }
            { error_alert(&error) }
            { body }
        </section>
    }
}
