//! A call's history: its events in order (who, what, when), and a scrubber that shows the
//! call's state at any chosen instant, rebuilt by the server from the stored events. The
//! page loads the call again when a pushed row is about this call, never for another.

use crate::i18n::{arg, num, t, t_args, use_locale};
use chrono::{DateTime, Duration, Utc};
use gloo_timers::callback::Timeout;
use serde_json::Value;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use super::routing_panel::RoutingPanel;
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::components::matching::{organisation_name, widened_badge, widened_text};
use crate::format;
use crate::hooks::{
    use_api, use_debounced, use_latest, use_live, use_organisation_names, LiveEvent,
};
use crate::route::Route;
use crate::services::{agents, calls, queues};
use crate::types::{language_name, Agent, Call, CallAsOf, HistoryEntry, Queue, ENGLISH};

#[derive(Properties, PartialEq)]
pub struct ReplayProps {
    pub id: String,
}

/// `CallAccepted` → `Call accepted`.
/// A call event's type as the event store names it (`CallWrappedUp`) → its words in the
/// interface's language: one message per event of `domain::call`; a type this build does
/// not know (a newer server) is spelt out (`Call wrapped up`).
pub(crate) fn event_label(kind: &str) -> String {
    let id = match kind {
        "CallRequested" => "event-call-requested",
        "CallQueued" => "event-call-queued",
        "CallOffered" => "event-call-offered",
        "OfferDeclined" => "event-offer-declined",
        "OfferExpired" => "event-offer-expired",
        "OfferWithdrawn" => "event-offer-withdrawn",
        "CallAccepted" => "event-call-accepted",
        "CallHeld" => "event-call-held",
        "CallResumed" => "event-call-resumed",
        "CallTransferred" => "event-call-transferred",
        "TransferRequested" => "event-transfer-requested",
        "TransferFailed" => "event-transfer-failed",
        "CallEnded" => "event-call-ended",
        "CallWrappedUp" => "event-call-wrapped-up",
        "CallAbandoned" => "event-call-abandoned",
        "CallOverflowed" => "event-call-overflowed",
        "NoInterpreterAvailable" => "event-no-interpreter-available",
        "CallRated" => "event-call-rated",
        "CallPoolWidened" => "event-call-pool-widened",
        "CallbackChosen" => "event-callback-chosen",
        "CallbackOffered" => "event-callback-offered",
        "RequesterJoined" => "event-requester-joined",
        "CallbackMissed" => "event-callback-missed",
        other => return spelt_out(other),
    };
    t(id)
}

fn spelt_out(kind: &str) -> String {
    let mut out = String::new();
    for (i, ch) in kind.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[function_component]
pub fn ReplayPage(props: &ReplayProps) -> Html {
    use_locale();
    let api = use_api();
    let call = use_state(|| None::<Call>);
    let events = use_state(|| None::<Vec<HistoryEntry>>);
    let error = use_state(|| None::<String>);
    // The chosen instant as milliseconds after the first event; None = the latest.
    let offset = use_state(|| None::<i64>);
    let state_at = use_state(|| None::<CallAsOf>);
    let state_error = use_state(|| None::<String>);
    let pending = use_mut_ref(|| None::<Timeout>);
    // Names for the ids in the folded state: queues and interpreters.
    let names = use_state(std::collections::HashMap::<String, String>::new);
    // The queues (their widening steps, for the timeline) and interpreters (the routing
    // panel's choices).
    let queue_list = use_state(Vec::<Queue>::new);
    let agent_list = use_state(Vec::<Agent>::new);
    let organisations = use_organisation_names();
    {
        let (api, names, queue_list, agent_list) = (
            api.clone(),
            names.clone(),
            queue_list.clone(),
            agent_list.clone(),
        );
        use_effect_with((), move |_| {
            spawn_local(async move {
                let mut map = std::collections::HashMap::new();
                if let Ok(list) = queues::board(&api).await {
                    map.extend(list.iter().map(|q| (q.id.clone(), q.name.clone())));
                    queue_list.set(list);
                }
                if let Ok(mut list) = agents::board(&api).await {
                    map.extend(list.iter().map(|a| (a.id.clone(), a.display_name())));
                    list.sort_by_key(|a| a.display_name().to_lowercase());
                    agent_list.set(list);
                }
                names.set(map);
            });
        });
    }
    let name_of = |id: &Option<String>| -> String {
        id.as_ref()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format::short_id(id))
            })
            .unwrap_or_else(|| "—".into())
    };

    let load = {
        let (api, call, events, error) = (api.clone(), call.clone(), events.clone(), error.clone());
        let latest = use_latest();
        use_callback(props.id.clone(), move |_: (), id| {
            let (api, call, events, error, id) = (
                api.clone(),
                call.clone(),
                events.clone(),
                error.clone(),
                id.clone(),
            );
            latest.spawn(
                async move { (calls::get(&api, &id).await, calls::history(&api, &id).await) },
                move |(detail, history)| {
                    if let Ok(c) = detail {
                        call.set(Some(c));
                    }
                    match history {
                        Ok(list) => {
                            events.set(Some(list));
                            error.set(None);
                        }
                        Err(e) => error.set(Some(e.to_string())),
                    }
                },
            );
        })
    };
    {
        let load = load.clone();
        use_effect_with(props.id.clone(), move |_| load.emit(()));
    }
    // Only this call's own changes load its history again (the timeline needs the events,
    // which pushed rows do not carry): other calls cost this page nothing.
    {
        let id = props.id.clone();
        let load_later = use_debounced(load.clone());
        use_live(
            &[wire::ViewKind::Call],
            Callback::from(move |event: LiveEvent| match event {
                LiveEvent::Resync => load_later.emit(()),
                LiveEvent::Message(m) if m.object_id().as_deref() == Some(id.as_str()) => {
                    load_later.emit(())
                }
                LiveEvent::Message(_) => {}
            }),
        );
    }

    let list = (*events).clone().unwrap_or_default();
    let start = list.first().map(|e| e.at);
    let end = list.last().map(|e| e.at);
    let span_ms = match (start, end) {
        (Some(s), Some(e)) => (e - s).num_milliseconds().max(0) + 1000,
        _ => 0,
    };
    let chosen_ms = offset.unwrap_or(span_ms).clamp(0, span_ms);
    // The end of the chosen millisecond, so an event picked on the timeline is included.
    let chosen: Option<DateTime<Utc>> =
        start.map(|s| s + Duration::milliseconds(chosen_ms) + Duration::microseconds(999));

    // Fetch the state at the chosen instant, 200 ms after the scrubber stops moving.
    {
        let (api, state_at, state_error, pending) = (
            api.clone(),
            state_at.clone(),
            state_error.clone(),
            pending.clone(),
        );
        let id = props.id.clone();
        use_effect_with(chosen, move |chosen| {
            if let Some(at) = *chosen {
                let timer = Timeout::new(200, move || {
                    spawn_local(async move {
                        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                        match calls::state_at(&api, &id, &at).await {
                            Ok(s) => {
                                state_at.set(Some(s));
                                state_error.set(None);
                            }
                            Err(e) if e.is_not_found() => {
                                state_at.set(None);
                                state_error.set(Some(t("replay-not-yet")));
                            }
                            Err(e) => state_error.set(Some(e.to_string())),
                        }
                    });
                });
                *pending.borrow_mut() = Some(timer);
            }
        });
    }

    let oninput = {
        let offset = offset.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(ms) = value.parse::<i64>() {
                offset.set(Some(ms));
            }
        })
    };
    let jump = |ms: i64| {
        let offset = offset.clone();
        Callback::from(move |_| offset.set(Some(ms)))
    };
    let offsets: Vec<i64> = list
        .iter()
        .map(|e| start.map_or(0, |s| (e.at - s).num_milliseconds()))
        .collect();
    let current_index = offsets.iter().rposition(|ms| *ms <= chosen_ms);
    let prev_ms = current_index
        .and_then(|i| i.checked_sub(1))
        .map(|i| offsets[i]);
    let next_ms = current_index.map_or(offsets.first().copied(), |i| offsets.get(i + 1).copied());

    let summary = match &*call {
        Some(c) => html! {
            <p class="call-summary">
                if let Some(source) = c.source_language.as_deref().filter(|s| *s != ENGLISH) {
                    { format!("{} ↔ ", language_name(source)) }
                }
                <strong>{ c.language.as_deref().map(language_name).unwrap_or_default() }</strong>
                { format!(" · {} · {} · {} · {} ", c.modality.as_deref().map(format::status_label).unwrap_or_default(),
                    t_args("call-queue", &[("queue", arg(format::opt(&c.queue_name)))]),
                    t_args("call-requester", &[("name", arg(format::opt(&c.requester_name)))]),
                    t_args("replay-interpreter", &[("name", arg(format::opt(&c.agent_name)))])) }
                if c.organisation_id.is_some() { { format!("· {} ", t_args("replay-organisation", &[("name", arg(organisation_name(c, &organisations)))])) } }
                <Badge status={c.status.clone()} />{ widened_badge(c) }
            </p>
        },
        None => html! {},
    };

    let scrubber = if list.is_empty() {
        html! {}
    } else {
        html! {
            <div class="card">
                <h2 id="scrub-title">{ t("calls-replay") }</h2>
                <div class="scrubber">
                    <label for="scrub" class="sr-only">{ t("replay-instant") }</label>
                    <input id="scrub" type="range" min="0" max={span_ms.to_string()} step="100"
                        value={chosen_ms.to_string()} {oninput} aria-valuetext={chosen.map(format::time_ms).unwrap_or_default()} />
                    <div class="scrub-ticks" aria-hidden="true">
                        { for offsets.iter().map(|ms| html! {
                            <span style={format!("left: {:.2}%", *ms as f64 * 100.0 / span_ms.max(1) as f64)}></span>
                        }) }
                    </div>
                </div>
                <div class="actions">
                    <button type="button" class="secondary small" disabled={prev_ms.is_none()} onclick={jump(prev_ms.unwrap_or(0))}>{ t("replay-previous") }</button>
                    <strong data-testid="scrub-time">{ chosen.map(format::time_ms).unwrap_or_default() }</strong>
                    <button type="button" class="secondary small" disabled={next_ms.is_none()} onclick={jump(next_ms.unwrap_or(span_ms))}>{ t("replay-next") }</button>
                    if let Some(at) = chosen {
                        <Link<Route, std::collections::HashMap<String, String>> to={Route::FloorAt}
                            query={Some(std::iter::once(("at".to_owned(), format::rfc3339(at))).collect())}>
                            { t("replay-whole-floor") }
                        </Link<Route, std::collections::HashMap<String, String>>>
                    }
                </div>
            </div>
        }
    };

    let state_card = html! {
        <section class="card" aria-labelledby="state-title" aria-live="polite">
            <h2 id="state-title">{ t("replay-state-heading") }</h2>
            { error_alert(&state_error) }
            { match &*state_at {
                Some(s) => html! {
                    <dl class="facts" data-testid="state-at">
                        <div><dt>{ t("column-status") }</dt><dd data-testid="state-status"><Badge status={s.status.clone()} /></dd></div>
                        <div><dt>{ t("replay-events-so-far") }</dt><dd>{ s.version }</dd></div>
                        <div><dt>{ t("replay-last-event") }</dt><dd>{ s.last_event_type.as_deref().map(event_label).unwrap_or_else(|| "—".into()) }</dd></div>
                        <div><dt>{ t("my-call-queue") }</dt><dd>{ name_of(&s.queue_id) }</dd></div>
                        <div><dt>{ t("replay-ringing-for") }</dt><dd>{ name_of(&s.offered_to) }</dd></div>
                        <div><dt>{ t("column-interpreter") }</dt><dd>{ name_of(&s.agent_id) }</dd></div>
                        <div><dt>{ t("column-requested") }</dt><dd>{ format::time(s.requested_at) }</dd></div>
                        <div><dt>{ t("status-connected") }</dt><dd>{ format::time(s.connected_at) }</dd></div>
                        <div><dt>{ t("replay-on-hold-since") }</dt><dd>{ format::time(s.on_hold_since) }</dd></div>
                        <div><dt>{ t("replay-held-so-far") }</dt><dd>{ format::duration(s.hold_s) }</dd></div>
                        <div><dt>{ t("status-ended") }</dt><dd>{ format::time(s.ended_at) }</dd></div>
                        <div><dt>{ t("replay-rated") }</dt><dd>{ if s.rated { t("yes") } else { t("no") } }</dd></div>
                    </dl>
                },
                None => html! { <p class="muted">{ t("replay-pick") }</p> },
            } }
        </section>
    };

    let timeline = html! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{ t_args("replay-timeline", &[("count", num(list.len() as f64))]) }</h2>
            <ol class="timeline" data-testid="timeline">
                { for list.iter().enumerate().map(|(i, e)| {
                    let past = offsets[i] <= chosen_ms;
                    let current = Some(i) == current_index;
                    let data = match &e.data {
                        Value::Null => String::new(),
                        v => serde_json::to_string_pretty(v).unwrap_or_default(),
                    };
                    html! {
                        <li class={classes!(past.then_some("past"), current.then_some("current"))}>
                            <button type="button" class="link when" onclick={jump(offsets[i])} title={t("replay-show-at-event")}>
                                { format::time_ms(e.at) }
                            </button>
                            { " " }<span class="what">{ event_label(&e.kind) }</span>
                            <span class="muted">{ format!(" · {} · #{}", t_args("replay-by", &[("actor", arg(e.actor_label()))]), e.seq) }</span>
                            if let Some(text) = widened_text(e, &queue_list) { <div class="small" data-testid="widened">{ text }</div> }
                            if !data.is_empty() {
                                <details><summary>{ t("replay-details") }</summary><pre>{ data }</pre></details>
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    };

    html! {
        <section class="page">
            <p><Link<Route> to={Route::Calls}>{ t("replay-back") }</Link<Route>></p>
            <h1>{ t_args("wrap-about-call", &[("id", arg(format::short_id(&props.id)))]) }</h1>
            { summary }
            { error_alert(&error) }
            if events.is_none() && error.is_none() { <p class="muted">{ t("loading") }</p> }
            { scrubber }
            <div class="replay-grid">
                { timeline }
                { state_card }
            </div>
            <RoutingPanel call_id={props.id.clone()} agents={(*agent_list).clone()} queues={(*queue_list).clone()} />
        </section>
    }
}
