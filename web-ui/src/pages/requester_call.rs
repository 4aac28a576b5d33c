//! A requester's call: waiting (status, queue, estimated wait, cancel), the room once an
//! interpreter accepted, then the rating.

use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::confirm;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::badge::Badge;
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
                    Err(e) if e.is_not_found() => {
                        error.set(Some("This call does not exist or is not yours.".to_owned()))
                    }
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
                <h1>{ "Your call" }</h1>
                { error_alert(&error) }
                if error.is_none() { <p class="muted">{ "Loading…" }</p> }
                <Link<Route> to={Route::Request}>{ "Back to requests" }</Link<Route>>
            </section>
        };
    };

    let summary = html! {
        <p class="call-summary">
            <strong>{ c.language.as_deref().map(language_name).unwrap_or_default() }</strong>
            { format!(" · {} · {}", c.modality.clone().unwrap_or_default(), c.specialty.clone().unwrap_or_else(|| "general".into())) }
            if c.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ "Urgent" }</span> }
            { " " }<Badge status={c.status.clone()} />
        </p>
    };

    let body = if c.is_waiting() {
        let waited = format::elapsed(c.requested_at, now);
        let cancel = {
            let command = command.clone();
            Callback::from(move |_| {
                if confirm("Cancel this request? The call will be abandoned.") {
                    command.emit("cancel");
                }
            })
        };
        let status_text = match c.status.as_str() {
            call_status::OFFERED => "An interpreter is being asked to take your call…",
            call_status::QUEUED => "Waiting for an interpreter…",
            _ => "Finding the right queue…",
        };
        html! {
            <div class="card waiting">
                <div class="spinner" aria-hidden="true"></div>
                // Only the status is a live region: the waited time ticks every second.
                <div role="status"><h2 id="waiting-title">{ status_text }</h2></div>
                <dl class="facts">
                    <div><dt>{ "Waiting for" }</dt><dd data-testid="waited">{ format::duration(waited) }</dd></div>
                    <div><dt>{ "Queue" }</dt><dd>{ format::opt(&c.queue_name) }</dd></div>
                    if let Some(n) = c.position {
                        <div><dt>{ "Your place" }</dt><dd data-testid="position">{ format!("You are number {n} in the queue") }</dd></div>
                    }
                    if let Some(n) = c.queue_waiting {
                        <div><dt>{ "Calls waiting in this queue" }</dt><dd data-testid="queue-waiting">{ n }</dd></div>
                    }
                    // Once the call has a place in the queue, its own estimate (from that
                    // place).
                    if c.position.is_some() {
                        <div><dt>{ "Estimated wait" }</dt><dd data-testid="estimate">{
                            match c.estimated_wait_s {
                                Some(0) => "Any moment now".to_owned(),
                                Some(s) => format!("about {}", format::duration(s)),
                                None => "Not enough data yet".to_owned(),
                            }
                        }</dd></div>
                    }
                </dl>
                <super::callback_prompt::CallBackInstead chosen={c.callback} busy={*busy} on_choose={command.reform(|_| "callback")} />
                <button type="button" class="danger" onclick={cancel} disabled={*busy}>{ "Cancel request" }</button>
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
                        { "Your interpreter: " }<strong>{ format::opt(&c.agent_name) }</strong>
                        { format!(" · connected {} ago", format::duration(format::elapsed(c.connected_at.or(c.answered_at), now))) }
                    </p>
                    if c.status == "on_hold" {
                        <Alert tone={Tone::Warning} text="The interpreter has put the call on hold. Please stay in the room." />
                    }
                </div>
                if *left_room {
                    <div class="card">
                        <p>{ "You left the video room. Only the interpreter can end the call." }</p>
                        <button type="button" class="primary" onclick={rejoin}>{ "Rejoin the room" }</button>
                    </div>
                } else {
                    <JitsiRoom key={c.id.clone()} call_id={c.id.clone()} {display_name} {on_left} />
                }
            </div>
        }
    } else {
        html! { <super::requester_rating::Finished call={c.clone()} on_rated={reload.clone()} /> }
    };

    html! {
        <section class="page">
            <p><Link<Route> to={Route::Request}>{ "← Requests" }</Link<Route>></p>
            <h1>{ "Your call" }</h1>
            { summary }
            { error_alert(&error) }
            { body }
        </section>
    }
}
