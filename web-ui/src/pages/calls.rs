//! Call history: find a call to replay (supervisor, admin).

use chrono::Duration;
use yew::prelude::*;
use yew_router::prelude::*;

use super::{bind_input, bind_select, start_of_today};
use crate::components::alert::error_alert;
use crate::components::badge::Badge;
use crate::format;
use crate::hooks::{use_api, use_latest, use_live_reload};
use crate::route::Route;
use crate::services::calls::{self, CallFilter};
use crate::types::{language_name, Call};

const STATUSES: [&str; 9] = [
    "requested",
    "queued",
    "offered",
    "connected",
    "on_hold",
    "ended",
    "wrapped_up",
    "abandoned",
    "no_interpreter_available",
];

#[function_component]
pub fn CallsPage() -> Html {
    let api = use_api();
    let status = use_state(String::new);
    let day = use_state(|| start_of_today().format("%Y-%m-%d").to_string());
    let rows = use_state(|| None::<Vec<Call>>);
    let cursor = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);

    let filter_for = {
        let (status, day) = (status.clone(), day.clone());
        move |cursor: Option<String>| {
            let from = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
            CallFilter {
                status: Some((*status).clone()).filter(|s| !s.is_empty()),
                from: from.map(format::rfc3339),
                to: from.map(|f| format::rfc3339(f + Duration::days(1))),
                limit: Some(50),
                cursor,
                ..CallFilter::default()
            }
        }
    };

    let load = {
        let (api, rows, cursor, error) = (api.clone(), rows.clone(), cursor.clone(), error.clone());
        let filter_for = filter_for.clone();
        let latest = use_latest();
        Callback::from(move |more: bool| {
            let filter = filter_for(if more { (*cursor).clone() } else { None });
            let (api, rows, cursor, error) =
                (api.clone(), rows.clone(), cursor.clone(), error.clone());
            latest.spawn(
                async move { calls::list(&api, &filter).await },
                move |answer| match answer {
                    Ok(page) => {
                        let mut list = if more {
                            (*rows).clone().unwrap_or_default()
                        } else {
                            Vec::new()
                        };
                        list.extend(page.items);
                        rows.set(Some(list));
                        cursor.set(page.next_cursor);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.to_string())),
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
    {
        let load = load.clone();
        use_live_reload(&["call"], Callback::from(move |_| load.emit(false)));
    }

    html! {
        <section class="page">
            <h1>{ "Call history" }</h1>
            <p class="muted">{ "Open a call to replay its timeline and see its state at any instant." }</p>
            <div class="card">
                <div class="toolbar">
                    <div class="field">
                        <label for="calls-day">{ "Day (UTC)" }</label>
                        <input id="calls-day" type="date" value={(*day).clone()} oninput={bind_input(&day)} />
                    </div>
                    <div class="field">
                        <label for="calls-status">{ "Status" }</label>
                        <select id="calls-status" onchange={bind_select(&status)}>
                            <option value="" selected={status.is_empty()}>{ "Any" }</option>
                            { for STATUSES.iter().map(|s| html! { <option value={*s} selected={*status == *s}>{ format::status_label(s) }</option> }) }
                        </select>
                    </div>
                </div>
                { error_alert(&error) }
                { match &*rows {
                    None => html! { <p class="muted">{ "Loading…" }</p> },
                    Some(list) if list.is_empty() => html! { <p class="muted">{ "No calls that day." }</p> },
                    Some(list) => html! {
                        <div class="table-wrap">
                            <table data-testid="calls-history">
                                <thead><tr>
                                    <th scope="col">{ "Requested" }</th><th scope="col">{ "Call" }</th><th scope="col">{ "Language" }</th>
                                    <th scope="col">{ "Queue" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Requester" }</th>
                                    <th scope="col">{ "Interpreter" }</th><th scope="col" class="num">{ "Wait" }</th><th scope="col" class="num">{ "Talk" }</th><th></th>
                                </tr></thead>
                                <tbody>
                                    { for list.iter().map(|c| html! {
                                        <tr>
                                            <td>{ format::date_time(c.requested_at) }</td>
                                            <td><code>{ format::short_id(&c.id) }</code></td>
                                            <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }</td>
                                            <td>{ format::opt(&c.queue_name) }</td>
                                            <td><Badge status={c.status.clone()} /></td>
                                            <td>{ format::opt(&c.requester_name) }</td>
                                            <td>{ format::opt(&c.agent_name) }</td>
                                            <td class="num">{ c.wait_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                            <td class="num">{ c.talk_s.map(format::duration).unwrap_or_else(|| "—".into()) }</td>
                                            <td><Link<Route> to={Route::Replay { id: c.id.clone() }}>{ "Replay" }</Link<Route>></td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    },
                } }
                if cursor.is_some() {
                    <button type="button" class="secondary" onclick={move |_| load.emit(true)}>{ "Load more" }</button>
                }
            </div>
        </section>
    }
}
