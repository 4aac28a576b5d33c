//! Call history: find a call to replay (supervisor, admin).

use crate::i18n::{t, use_locale};
use chrono::{DateTime, Duration, Utc};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::{bind_input, bind_select, start_of_today};
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::components::matching::{organisation_name, widened_badge};
use crate::format;
use crate::hooks::{use_api, use_latest, use_live, use_organisation_names, LiveEvent};
use crate::live::kinds::newest_first;
use crate::live::{pushed, LiveRows, Names};
use crate::route::Route;
use crate::services::calls::{self, CallFilter};
use crate::types::{call_status, language_name, Call};

const STATUSES: [&str; 9] = [
    call_status::REQUESTED,
    call_status::QUEUED,
    call_status::OFFERED,
    call_status::CONNECTED,
    call_status::ON_HOLD,
    "ended",
    "wrapped_up",
    "abandoned",
    "no_interpreter_available",
];

/// The day's bounds for a `YYYY-MM-DD` day field.
fn day_bounds(day: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let from = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    Some((from, from + Duration::days(1)))
}

/// Whether a call belongs on the list the filter shows.
fn shown(call: &Call, status: &str, day: &str) -> bool {
    let in_day = match (day_bounds(day), call.requested_at) {
        (Some((from, to)), Some(at)) => from <= at && at < to,
        (None, _) => true,
        (Some(_), None) => false,
    };
    in_day && (status.is_empty() || call.status == status)
}

#[function_component]
pub fn CallsPage() -> Html {
    use_locale();
    let api = use_api();
    let status = use_state(String::new);
    let day = use_state(|| start_of_today().format("%Y-%m-%d").to_string());
    // Loaded page by page; pushed rows land in place (`crate::live`).
    let held = use_mut_ref(|| (LiveRows::new(newest_first), Names::default()));
    let redraw = use_force_update();
    let cursor = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let organisations = use_organisation_names();

    let filter_for = {
        let (status, day) = (status.clone(), day.clone());
        move |cursor: Option<String>| {
            let bounds = day_bounds(&day);
            CallFilter {
                status: Some((*status).clone()).filter(|s| !s.is_empty()),
                from: bounds.map(|(from, _)| format::rfc3339(from)),
                to: bounds.map(|(_, to)| format::rfc3339(to)),
                limit: Some(50),
                cursor,
                ..CallFilter::default()
            }
        }
    };

    let load = {
        let (api, held, cursor, error, redraw) = (
            api.clone(),
            held.clone(),
            cursor.clone(),
            error.clone(),
            redraw.clone(),
        );
        let filter_for = filter_for.clone();
        let latest = use_latest();
        Callback::from(move |more: bool| {
            let filter = filter_for(if more { (*cursor).clone() } else { None });
            let (api, held, cursor, error, redraw) = (
                api.clone(),
                held.clone(),
                cursor.clone(),
                error.clone(),
                redraw.clone(),
            );
            held.borrow_mut().0.begin_load();
            latest.spawn(
                async move { calls::list(&api, &filter).await },
                move |answer| {
                    let (rows, names) = &mut *held.borrow_mut();
                    match answer {
                        Ok(page) => {
                            let mut list = if more {
                                rows.rows().to_vec()
                            } else {
                                Vec::new()
                            };
                            names.learn_calls(&page.items);
                            list.extend(page.items);
                            rows.finish_load(list, page.next_cursor.is_none());
                            cursor.set(page.next_cursor);
                            error.set(None);
                        }
                        Err(e) => {
                            rows.abandon_load();
                            error.set(Some(e.to_string()));
                        }
                    }
                    redraw.force_update();
                },
            );
        })
    };
    {
        let load = load.clone();
        use_effect_with(((*status).clone(), (*day).clone()), move |_| {
            load.emit(false)
        });
    }
    // A row whose names the page does not know (a new requester) is fetched alone.
    let place = {
        let (held, redraw, status, day) =
            (held.clone(), redraw.clone(), status.clone(), day.clone());
        Callback::from(move |mut call: Call| {
            let (rows, names) = &mut *held.borrow_mut();
            call.name_from(names);
            let belongs = shown(&call, &status, &day);
            if rows.push(call, belongs).changed() {
                redraw.force_update();
            }
        })
    };
    {
        let (api, held, place, load) = (api.clone(), held.clone(), place.clone(), load.clone());
        use_live(
            &[wire::ViewKind::Call],
            Callback::from(move |event: LiveEvent| {
                let message = match event {
                    LiveEvent::Resync => return load.emit(false),
                    LiveEvent::Message(m) => m,
                };
                let Some(mut call) = pushed::<Call>(&message) else {
                    return;
                };
                call.name_from(&held.borrow().1);
                if call.lacks_names() {
                    let (api, place) = (api.clone(), place.clone());
                    spawn_local(async move {
                        if let Ok(full) = calls::get(&api, &call.id).await {
                            held_learn(&full, place);
                        }
                    });
                } else {
                    place.emit(call);
                }
            }),
        );
    }
    let held_rows = held.borrow();
    let rows = held_rows.0.loaded_rows();

    html! {
        <section class="page">
            <h1>{ t("title-calls") }</h1>
            <p class="muted">{ t("calls-intro") }</p>
            <div class="card">
                <div class="toolbar">
                    <div class="field">
                        <label for="calls-day">{ t("calls-day") }</label>
                        <input id="calls-day" type="date" value={(*day).clone()} oninput={bind_input(&day)} />
                    </div>
                    <div class="field">
                        <label for="calls-status">{ t("column-status") }</label>
                        <select id="calls-status" onchange={bind_select(&status)}>
                            <option value="" selected={status.is_empty()}>{ t("any") }</option>
                            { for STATUSES.iter().map(|s| html! { <option value={*s} selected={*status == *s}>{ format::status_label(s) }</option> }) }
                        </select>
                    </div>
                </div>
                { error_alert(&error) }
                { match rows {
                    None => html! { <p class="muted">{ t("loading") }</p> },
                    Some([]) => html! { <p class="muted">{ t("calls-none") }</p> },
                    Some(list) => html! {
                        <div class="table-wrap">
                            <table data-testid="calls-history">
                                <thead><tr>
                                    <th scope="col">{ t("column-requested") }</th><th scope="col">{ t("floor-call") }</th><th scope="col">{ t("column-language") }</th>
                                    <th scope="col">{ t("my-call-queue") }</th><th scope="col">{ t("column-status") }</th><th scope="col">{ t("role-requester") }</th><th scope="col">{ t("title-organisation") }</th>
                                    <th scope="col">{ t("column-interpreter") }</th><th scope="col" class="num">{ t("calls-wait") }</th><th scope="col" class="num">{ t("column-talk") }</th><th></th>
                                </tr></thead>
                                <tbody>
                                    { for list.iter().map(|c| html! {
                                        <tr key={c.id.clone()}>
                                            <td>{ format::date_time(c.requested_at) }</td>
                                            <td><code>{ format::short_id(&c.id) }</code></td>
                                            <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }</td>
                                            <td>{ format::opt(&c.queue_name) }</td>
                                            <td><Badge status={c.status.clone()} />{ widened_badge(c) }</td>
                                            <td>{ format::opt(&c.requester_name) }</td>
                                            <td>{ organisation_name(c, &organisations) }</td>
                                            <td>{ format::opt(&c.agent_name) }</td>
                                            <td class="num">{ c.wait_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                            <td class="num">{ c.talk_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                            <td><Link<Route> to={Route::Replay { id: c.id.clone() }}>{ t("calls-replay") }</Link<Route>></td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    },
                } }
                if cursor.is_some() {
                    <button type="button" class="secondary" onclick={move |_| load.emit(true)}>{ t("calls-load-more") }</button>
                }
            </div>
        </section>
    }
}

/// The fetched row goes where a pushed one would (its names are the server's).
fn held_learn(call: &Call, place: Callback<Call>) {
    place.emit(call.clone());
}
