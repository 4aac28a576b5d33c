//! The supervisor's live floor: queues, interpreters and calls, loaded over REST once and
//! then kept current by the rows pushed over the tab's socket (`crate::live::floor`): a
//! pushed change costs the tab nothing but itself. The lists are loaded again on a resync,
//! after a command, or when a pushed row cannot be placed (a new interpreter, more active
//! calls than the page holds). Change an interpreter's status, transfer or re-queue a
//! call, offer a waiting call, monitor a call's room muted.

use crate::i18n::{arg, t, t_args, use_locale};
use std::cell::RefCell;
use std::rc::Rc;

use wire::ViewKind;
use yew::prelude::*;
use yew_router::prelude::*;

use super::floor_controls::{AgentStatusControl, CallControl};
use super::floor_monitor::MonitorPanel;
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::badge::Badge;
use crate::components::matching::{organisation_name, widened_badge};
use crate::format;
use crate::hooks::{
    use_api, use_debounced, use_latest, use_live, use_now, use_organisation_names, use_session,
    LiveEvent,
};
use crate::live::board;
use crate::live::floor::{Floor, Reloads};
use crate::route::Route;
use crate::services::calls::{self, CallFilter};
use crate::services::{agents, queues};
use crate::types::{call_status, language_name, AgentTotals, EstimateReason};

/// The floor holds up to this many active calls; with more, it cannot count the queues
/// itself and loads their board instead (see `Floor::recount`).
const CALLS_HELD: u32 = 200;

/// How often the floor reads today's service level again.
const SERVICE_LEVEL_EVERY_MS: u32 = 60_000;

#[function_component]
pub fn FloorPage() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    let floor = use_mut_ref(Floor::default);
    let redraw = use_force_update();
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let monitor = use_state(|| None::<String>);
    let now = use_now(1000);
    let organisations = use_organisation_names();

    let load_queues = {
        let (api, floor, error, redraw) =
            (api.clone(), floor.clone(), error.clone(), redraw.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, floor, error, redraw) =
                (api.clone(), floor.clone(), error.clone(), redraw.clone());
            floor.borrow_mut().queues.begin_load();
            latest.spawn(async move { queues::board(&api).await }, move |answer| {
                match answer {
                    Ok(list) => floor.borrow_mut().queues_loaded(list, format::now()),
                    Err(e) => {
                        floor.borrow_mut().queues.abandon_load();
                        error.set(Some(format!("{}: {e}", t("floor-queues"))));
                    }
                }
                redraw.force_update();
            });
        })
    };
    let load_agents = {
        let (api, floor, error, redraw) =
            (api.clone(), floor.clone(), error.clone(), redraw.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, floor, error, redraw) =
                (api.clone(), floor.clone(), error.clone(), redraw.clone());
            floor.borrow_mut().agents.begin_load();
            latest.spawn(async move { agents::board(&api).await }, move |answer| {
                match answer {
                    Ok(list) => floor.borrow_mut().agents_loaded(list),
                    Err(e) => {
                        floor.borrow_mut().agents.abandon_load();
                        error.set(Some(format!("{}: {e}", t("floor-interpreters"))));
                    }
                }
                redraw.force_update();
            });
        })
    };
    let load_calls = {
        let (api, floor, error, redraw) =
            (api.clone(), floor.clone(), error.clone(), redraw.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, floor, error, redraw) =
                (api.clone(), floor.clone(), error.clone(), redraw.clone());
            let filter = CallFilter {
                status: Some(call_status::ACTIVE.join(",")),
                limit: Some(CALLS_HELD),
                ..CallFilter::default()
            };
            floor.borrow_mut().calls.begin_load();
            latest.spawn(
                async move { calls::list(&api, &filter).await },
                move |answer| {
                    match answer {
                        Ok(page) => floor
                            .borrow_mut()
                            .calls_loaded(page.items, page.next_cursor.is_none()),
                        Err(e) => {
                            floor.borrow_mut().calls.abandon_load();
                            error.set(Some(format!("{}: {e}", t("floor-calls"))));
                        }
                    }
                    redraw.force_update();
                },
            );
        })
    };
    let load = {
        let (q, a, c) = (load_queues.clone(), load_agents.clone(), load_calls.clone());
        Callback::from(move |what: Reloads| {
            if what.queues {
                q.emit(());
            }
            if what.agents {
                a.emit(());
            }
            if what.calls {
                c.emit(());
            }
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(Reloads::ALL));
    }
    // Today's service level comes from the metrics, which no pushed row carries: the queue
    // board (one request, the size of the floor) is read again once a minute for it.
    {
        let load_queues = load_queues.clone();
        use_effect_with((), move |_| {
            let interval =
                gloo_timers::callback::Interval::new(SERVICE_LEVEL_EVERY_MS, move || {
                    load_queues.emit(());
                });
            move || drop(interval)
        });
    }
    // Rows that could not be placed are loaded again, at most a few times a second: what
    // to load accumulates until the debounced load runs.
    let wanted = use_mut_ref(Reloads::default);
    let reload_later = {
        let (wanted, load) = (wanted.clone(), load.clone());
        use_debounced(Callback::from(move |()| {
            let what = std::mem::take(&mut *wanted.borrow_mut());
            load.emit(what);
        }))
    };
    {
        let (floor, redraw, load) = (floor.clone(), redraw.clone(), load.clone());
        use_live(
            &[ViewKind::Queue, ViewKind::Agent, ViewKind::Call],
            Callback::from(move |event: LiveEvent| match event {
                LiveEvent::Resync => load.emit(Reloads::ALL),
                LiveEvent::Message(message) => {
                    let outcome = floor
                        .borrow_mut()
                        .apply(&message, format::now().date_naive());
                    if outcome.reload.any() {
                        merge(&wanted, outcome.reload);
                        reload_later.emit(());
                    }
                    if outcome.changed {
                        redraw.force_update();
                    }
                }
            }),
        );
    }

    let after_command = {
        let (notice, error, load) = (notice.clone(), error.clone(), load.clone());
        Callback::from(move |result: Result<String, String>| {
            match result {
                Ok(text) => {
                    notice.set(Some(text));
                    error.set(None);
                }
                // A refused command may have met a state the page had not heard of yet.
                Err(text) => {
                    error.set(Some(text));
                    load.emit(Reloads::ALL);
                }
            }
        })
    };

    let held = floor.borrow();
    let queue_rows = held.queues.loaded_rows();
    let agent_rows = held.agents.loaded_rows();
    let call_rows = held.calls.loaded_rows();
    let queues_list = queue_rows.unwrap_or_default().to_vec();
    let agents_list = agent_rows.unwrap_or_default().to_vec();
    // From the same rows as the agent board below: the tiles cannot contradict it.
    let agent_totals = AgentTotals::count(
        agents_list
            .iter()
            .map(|a| (a.status.as_str(), a.activity.as_str())),
    );

    let totals = html! {
        <>
        // Pushed with the interpreter's row: an interpreter on a call lost their connection.
        { for agents_list.iter().filter(|a| a.presence_lost_at.is_some()).map(|a| html! {
            <div class="alert alert-warning" role="alert" data-testid="presence-alert">
                { t_args("floor-presence-lost", &[("name", arg(a.display_name()))]) }
            </div>
        }) }
        <div class="kpis" aria-label={t("floor-totals")}>
            <div class="kpi"><div class="label">{ t("floor-calls-waiting") }</div><div class="value" data-testid="kpi-waiting">{ queues_list.iter().map(|q| q.waiting).sum::<i64>() }</div></div>
            <div class="kpi"><div class="label">{ t("floor-longest-wait") }</div><div class="value">{
                format::duration(queues_list.iter().map(|q| board::longest_wait_s(q, now)).max().unwrap_or(0))
            }</div></div>
            <div class="kpi"><div class="label">{ t("status-available") }</div><div class="value" data-testid="kpi-available">{ agent_totals.available }</div></div>
            <div class="kpi"><div class="label">{ t("floor-free-now") }</div><div class="value" data-testid="kpi-free">{ agent_totals.free }</div></div>
            <div class="kpi"><div class="label">{ t("floor-on-a-call") }</div><div class="value" data-testid="kpi-on-call">{ agent_totals.on_call }</div></div>
            <div class="kpi"><div class="label">{ t("status-wrap-up") }</div><div class="value">{ agent_totals.wrap_up }</div></div>
            <div class="kpi"><div class="label">{ t("status-break") }</div><div class="value">{ agent_totals.on_break }</div></div>
        </div>
        </>
    };

    let queue_table = match queue_rows {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some([]) => html! { <p class="muted">{ t("floor-no-queues") }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="queues-board">
                    <thead><tr>
                        <th scope="col">{ t("my-call-queue") }</th><th scope="col">{ t("floor-languages") }</th>
                        <th scope="col" class="num">{ t("floor-waiting") }</th><th scope="col" class="num">{ t("floor-longest-wait") }</th>
                        <th scope="col" class="num" title={t("floor-free-now-title")}>{ t("floor-free-now") }</th><th scope="col" class="num">{ t("status-on-call") }</th>
                        <th scope="col" class="num">{ t("status-wrap-up") }</th><th scope="col" class="num">{ t("floor-break") }</th>
                        <th scope="col" class="num">{ t("floor-service-level") }</th><th scope="col" class="num">{ t("floor-estimated-wait") }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|q| html! {
                            <tr key={q.id.clone()}>
                                <th scope="row">{ q.name.clone() }</th>
                                <td>{ q.languages.join(", ") }{ q.modality.as_deref().map(|m| format!(" · {}", format::status_label(m))).unwrap_or_default() }</td>
                                <td class="num"><strong>{ q.waiting }</strong></td>
                                <td class="num">{ if q.waiting > 0 { format::duration(board::longest_wait_s(q, now)) } else { "—".into() } }</td>
                                <td class="num">{ q.agents_available }</td>
                                <td class="num">{ q.agents_on_call }</td>
                                <td class="num">{ q.agents_wrap_up }</td>
                                <td class="num">{ q.agents_on_break }</td>
                                <td class="num">{ format::percent(q.service_level_today) }</td>
                                <td class="num">{ q.estimated_wait_s.map(format::duration).unwrap_or_else(|| q.estimate_reason.map_or_else(|| "—".into(), estimate_reason_label)) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };

    let agent_table = match agent_rows {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some([]) => html! { <p class="muted">{ t("floor-no-interpreters") }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="agents-board">
                    <thead><tr>
                        <th scope="col">{ t("column-interpreter") }</th><th scope="col">{ t("column-status") }</th><th scope="col">{ t("floor-for") }</th>
                        <th scope="col">{ t("floor-activity") }</th><th scope="col">{ t("floor-call") }</th><th scope="col" class="num">{ t("floor-today") }</th>
                        <th scope="col">{ t("floor-change-status") }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|a| html! {
                            <tr key={a.id.clone()}>
                                <th scope="row">{ a.display_name() }<div class="muted small">{ a.languages.join(", ") }</div></th>
                                <td><Badge status={a.status.clone()} />{ for a.reason_text().map(|r| html! { <div class="muted small">{ r }</div> }) }</td>
                                <td>{ a.since.map(|t| format::duration(format::elapsed(Some(t), now))).unwrap_or_else(|| "—".into()) }</td>
                                <td><Badge status={a.activity.clone()} />{ for a.presence_lost_at.map(|_| html! { <div class="small warning" data-testid="presence-lost">{ t("reason-presence-lost") }</div> }) }</td>
                                <td>{ match a.current_call_id.clone().or(a.offer_call_id.clone()) {
                                    Some(id) => html! { <Link<Route> to={Route::Replay { id: id.clone() }}><code>{ format::short_id(&id) }</code></Link<Route>> },
                                    None => html! { "—" },
                                } }</td>
                                <td class="num">{ a.calls_today }</td>
                                <td><AgentStatusControl agent={a.clone()} on_done={after_command.clone()} /></td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };

    let call_table = match call_rows {
        None => html! { <p class="muted">{ t("loading") }</p> },
        Some([]) => {
            html! { <p class="muted">{ t("floor-no-calls") }</p> }
        }
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="calls-board">
                    <thead><tr>
                        <th scope="col">{ t("floor-call") }</th><th scope="col">{ t("floor-request") }</th><th scope="col">{ t("my-call-queue") }</th>
                        <th scope="col">{ t("column-status") }</th><th scope="col">{ t("column-interpreter") }</th><th scope="col">{ t("floor-for") }</th>
                        <th scope="col">{ t("floor-actions") }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|c| {
                            let since = if c.is_live() { c.connected_at.or(c.answered_at) } else { c.queued_at.or(c.requested_at) };
                            let monitor_button = if c.is_live() {
                                let monitor = monitor.clone();
                                let id = c.id.clone();
                                let on = monitor.as_deref() == Some(c.id.as_str());
                                html! {
                                    <button type="button" class="secondary small" aria-pressed={on.to_string()}
                                        onclick={move |_| monitor.set(if on { None } else { Some(id.clone()) })}>
                                        { if on { t("floor-stop-monitoring") } else { t("floor-monitor") } }
                                    </button>
                                }
                            } else { html! {} };
                            html! {
                                <tr key={c.id.clone()} class={classes!((monitor.as_deref() == Some(c.id.as_str())).then_some("selected"))}>
                                    <td><Link<Route> to={Route::Replay { id: c.id.clone() }}><code>{ format::short_id(&c.id) }</code></Link<Route>></td>
                                    <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }
                                        <span class="muted">{ format!(" · {}", c.modality.as_deref().map(format::status_label).unwrap_or_default()) }</span>
                                        if c.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ t("offer-urgent") }</span> }
                                        { widened_badge(c) }
                                        if c.organisation_id.is_some() { <div class="muted small">{ organisation_name(c, &organisations) }</div> }
                                    </td>
                                    <td>{ format::opt(&c.queue_name) }</td>
                                    <td><Badge status={c.status.clone()} /></td>
                                    <td>{ match (&c.agent_name, &c.offered_to) {
                                        (Some(name), _) => html! { name.clone() },
                                        // Ringing: the interpreter it is offered to.
                                        (None, Some(id)) => html! {
                                            <>
                                                { agents_list.iter().find(|a| &a.id == id).map(|a| a.display_name()).unwrap_or_else(|| format::short_id(id)) }
                                                { " " }<span class="badge badge-ringing">{ t("status-ringing").to_lowercase() }</span>
                                            </>
                                        },
                                        (None, None) => html! { "—" },
                                    } }</td>
                                    <td>{ format::duration(format::elapsed(since, now)) }</td>
                                    <td class="actions">
                                        { monitor_button }
                                        <CallControl call={c.clone()} queues={queues_list.clone()} agents={agents_list.clone()} on_done={after_command.clone()} />
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };

    let monitor_panel = match (*monitor).clone() {
        Some(id) => {
            let stop = {
                let monitor = monitor.clone();
                Callback::from(move |_: ()| monitor.set(None))
            };
            let display_name = t_args(
                "floor-monitor-name",
                &[(
                    "name",
                    arg(session
                        .session
                        .as_ref()
                        .map(|s| s.user.name.clone())
                        .unwrap_or_default()),
                )],
            );
            html! { <MonitorPanel key={id.clone()} call_id={id.clone()} {display_name} on_stop={stop} /> }
        }
        None => html! {},
    };

    let clear_notice = {
        let notice = notice.clone();
        Callback::from(move |_| notice.set(None))
    };

    html! {
        <section class="page">
            <div class="section-head">
                <h1>{ t("title-floor") }</h1>
                <Link<Route> to={Route::FloorAt}>{ t("floor-earlier") }</Link<Route>>
            </div>
            { error_alert(&error) }
            if let Some(text) = (*notice).clone() { <Alert tone={Tone::Success} {text} on_close={clear_notice} /> }
            { totals }
            <div class="floor-grid">
                { monitor_panel }
                <section class="card wide" aria-labelledby="queues-title">
                    <h2 id="queues-title">{ t("transfer-queues") }</h2>
                    { queue_table }
                </section>
                <section class="card wide" aria-labelledby="calls-title">
                    <h2 id="calls-title">{ t("floor-calls-heading") }</h2>
                    { call_table }
                </section>
                <section class="card wide" aria-labelledby="agents-title">
                    <h2 id="agents-title">{ t("floor-interpreters") }</h2>
                    { agent_table }
                </section>
            </div>
        </section>
    }
}

fn merge(wanted: &Rc<RefCell<Reloads>>, more: Reloads) {
    let mut wanted = wanted.borrow_mut();
    wanted.queues |= more.queues;
    wanted.agents |= more.agents;
    wanted.calls |= more.calls;
}

/// Why a queue has no wait estimate, in the interface's language.
fn estimate_reason_label(reason: EstimateReason) -> String {
    t(match reason {
        EstimateReason::NoInterpretersSignedIn => "estimate-nobody-signed-in",
        EstimateReason::NoRecentService => "estimate-no-service-today",
    })
}
