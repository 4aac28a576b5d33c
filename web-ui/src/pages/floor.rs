//! The supervisor's live floor: queues, interpreters and calls, loaded over REST and
//! reloaded when pushed updates arrive (no polling). Change an interpreter's status,
//! transfer or re-queue a call, offer a waiting call, monitor a call's room muted.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use super::{bind_select, confirm};
use crate::components::alert::{error_alert, Alert, Tone};
use crate::components::badge::Badge;
use crate::components::jitsi_room::JitsiRoom;
use crate::format;
use crate::hooks::{use_api, use_latest, use_live_reload, use_now, use_session};
use crate::route::Route;
use crate::services::calls::{self, CallFilter};
use crate::services::{agents, queues};
use crate::types::{language_name, Agent, AgentTotals, Call, EstimateReason, MoveTarget, Queue};

const ACTIVE: &str = "requested,queued,offered,connected,on_hold";

#[function_component]
pub fn FloorPage() -> Html {
    let api = use_api();
    let session = use_session();
    let queue_rows = use_state(|| None::<Vec<Queue>>);
    let agent_rows = use_state(|| None::<Vec<Agent>>);
    let call_rows = use_state(|| None::<Vec<Call>>);
    let loaded_at = use_state(format::now);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let monitor = use_state(|| None::<String>);
    let now = use_now(1000);

    let load_queues = {
        let (api, rows, error, loaded_at) = (
            api.clone(),
            queue_rows.clone(),
            error.clone(),
            loaded_at.clone(),
        );
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, rows, error, loaded_at) =
                (api.clone(), rows.clone(), error.clone(), loaded_at.clone());
            latest.spawn(
                async move { queues::board(&api).await },
                move |answer| match answer {
                    Ok(list) => {
                        rows.set(Some(list));
                        loaded_at.set(format::now());
                    }
                    Err(e) => error.set(Some(format!("Queues: {e}"))),
                },
            );
        })
    };
    let load_agents = {
        let (api, rows, error) = (api.clone(), agent_rows.clone(), error.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, rows, error) = (api.clone(), rows.clone(), error.clone());
            latest.spawn(
                async move { agents::board(&api).await },
                move |answer| match answer {
                    Ok(list) => rows.set(Some(list)),
                    Err(e) => error.set(Some(format!("Interpreters: {e}"))),
                },
            );
        })
    };
    let load_calls = {
        let (api, rows, error) = (api.clone(), call_rows.clone(), error.clone());
        let latest = use_latest();
        use_callback((), move |_: (), _| {
            let (api, rows, error) = (api.clone(), rows.clone(), error.clone());
            let filter = CallFilter {
                status: Some(ACTIVE.to_owned()),
                limit: Some(200),
                ..CallFilter::default()
            };
            latest.spawn(
                async move { calls::list(&api, &filter).await },
                move |answer| match answer {
                    Ok(page) => rows.set(Some(page.items)),
                    Err(e) => error.set(Some(format!("Calls: {e}"))),
                },
            );
        })
    };
    {
        let (q, a, c) = (load_queues.clone(), load_agents.clone(), load_calls.clone());
        use_effect_with((), move |_| {
            q.emit(());
            a.emit(());
            c.emit(());
        });
    }
    // A queue's board depends on its calls and interpreters too.
    {
        let (q, a, c) = (load_queues.clone(), load_agents.clone(), load_calls.clone());
        use_live_reload(
            &["queue", "agent", "call", "offer"],
            Callback::from(move |_| q.emit(())),
        );
        use_live_reload(&["agent"], Callback::from(move |_| a.emit(())));
        use_live_reload(&["call", "offer"], Callback::from(move |_| c.emit(())));
    }

    let after_command = {
        let (notice, error, q, a, c) = (
            notice.clone(),
            error.clone(),
            load_queues.clone(),
            load_agents.clone(),
            load_calls.clone(),
        );
        Callback::from(move |result: Result<String, String>| {
            match result {
                Ok(text) => {
                    notice.set(Some(text));
                    error.set(None);
                }
                Err(text) => error.set(Some(text)),
            }
            q.emit(());
            a.emit(());
            c.emit(());
        })
    };

    let queues_list = (*queue_rows).clone().unwrap_or_default();
    let agents_list = (*agent_rows).clone().unwrap_or_default();
    let since_load = (now - *loaded_at).num_seconds().max(0);
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
                { format!("{} lost their connection during a call. The call goes on; check on it.", a.display_name()) }
            </div>
        }) }
        <div class="kpis" aria-label="Floor totals">
            <div class="kpi"><div class="label">{ "Calls waiting" }</div><div class="value" data-testid="kpi-waiting">{ queues_list.iter().map(|q| q.waiting).sum::<i64>() }</div></div>
            <div class="kpi"><div class="label">{ "Longest wait" }</div><div class="value">{
                format::duration(queues_list.iter().filter(|q| q.waiting > 0).map(|q| q.longest_wait_s + since_load).max().unwrap_or(0))
            }</div></div>
            <div class="kpi"><div class="label">{ "Available" }</div><div class="value" data-testid="kpi-available">{ agent_totals.available }</div></div>
            <div class="kpi"><div class="label">{ "Free now" }</div><div class="value" data-testid="kpi-free">{ agent_totals.free }</div></div>
            <div class="kpi"><div class="label">{ "On a call" }</div><div class="value" data-testid="kpi-on-call">{ agent_totals.on_call }</div></div>
            <div class="kpi"><div class="label">{ "Wrap-up" }</div><div class="value">{ agent_totals.wrap_up }</div></div>
            <div class="kpi"><div class="label">{ "On break" }</div><div class="value">{ agent_totals.on_break }</div></div>
        </div>
        </>
    };

    let queue_table = match &*queue_rows {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(list) if list.is_empty() => html! { <p class="muted">{ "No queues yet." }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="queues-board">
                    <thead><tr>
                        <th scope="col">{ "Queue" }</th><th scope="col">{ "Languages" }</th>
                        <th scope="col" class="num">{ "Waiting" }</th><th scope="col" class="num">{ "Longest wait" }</th>
                        <th scope="col" class="num" title="Eligible interpreters available and idle">{ "Free now" }</th><th scope="col" class="num">{ "On call" }</th>
                        <th scope="col" class="num">{ "Wrap-up" }</th><th scope="col" class="num">{ "Break" }</th>
                        <th scope="col" class="num">{ "Service level today" }</th><th scope="col" class="num">{ "Est. wait" }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|q| html! {
                            <tr>
                                <th scope="row">{ q.name.clone() }</th>
                                <td>{ q.languages.join(", ") }{ q.modality.as_ref().map(|m| format!(" · {m}")).unwrap_or_default() }</td>
                                <td class="num"><strong>{ q.waiting }</strong></td>
                                <td class="num">{ if q.waiting > 0 { format::duration(q.longest_wait_s + since_load) } else { "—".into() } }</td>
                                <td class="num">{ q.agents_available }</td>
                                <td class="num">{ q.agents_on_call }</td>
                                <td class="num">{ q.agents_wrap_up }</td>
                                <td class="num">{ q.agents_on_break }</td>
                                <td class="num">{ format::percent(q.service_level_today) }</td>
                                <td class="num">{ q.estimated_wait_s.map(format::duration).unwrap_or_else(|| q.estimate_reason.map_or("—", EstimateReason::label).into()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };

    let agent_table = match &*agent_rows {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(list) if list.is_empty() => html! { <p class="muted">{ "No interpreters yet." }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="agents-board">
                    <thead><tr>
                        <th scope="col">{ "Interpreter" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "For" }</th>
                        <th scope="col">{ "Activity" }</th><th scope="col">{ "Call" }</th><th scope="col" class="num">{ "Today" }</th>
                        <th scope="col">{ "Change status" }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|a| html! {
                            <tr key={a.id.clone()}>
                                <th scope="row">{ a.display_name() }<div class="muted small">{ a.languages.join(", ") }</div></th>
                                <td><Badge status={a.status.clone()} />{ for a.reason_text().map(|r| html! { <div class="muted small">{ r }</div> }) }</td>
                                <td>{ a.since.map(|t| format::duration(format::elapsed(Some(t), now))).unwrap_or_else(|| "—".into()) }</td>
                                <td><Badge status={a.activity.clone()} />{ for a.presence_lost_at.map(|_| html! { <div class="small warning" data-testid="presence-lost">{ "connection lost" }</div> }) }</td>
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

    let call_table = match &*call_rows {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(list) if list.is_empty() => {
            html! { <p class="muted">{ "No calls waiting or in progress." }</p> }
        }
        Some(list) => html! {
            <div class="table-wrap">
                <table data-testid="calls-board">
                    <thead><tr>
                        <th scope="col">{ "Call" }</th><th scope="col">{ "Request" }</th><th scope="col">{ "Queue" }</th>
                        <th scope="col">{ "Status" }</th><th scope="col">{ "Interpreter" }</th><th scope="col">{ "For" }</th>
                        <th scope="col">{ "Actions" }</th>
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
                                        { if on { "Stop monitoring" } else { "Monitor" } }
                                    </button>
                                }
                            } else { html! {} };
                            html! {
                                <tr key={c.id.clone()} class={classes!((monitor.as_deref() == Some(c.id.as_str())).then_some("selected"))}>
                                    <td><Link<Route> to={Route::Replay { id: c.id.clone() }}><code>{ format::short_id(&c.id) }</code></Link<Route>></td>
                                    <td>{ c.language.as_deref().map(language_name).unwrap_or_default() }
                                        <span class="muted">{ format!(" · {}", c.modality.clone().unwrap_or_default()) }</span>
                                        if c.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ "Urgent" }</span> }
                                    </td>
                                    <td>{ format::opt(&c.queue_name) }</td>
                                    <td><Badge status={c.status.clone()} /></td>
                                    <td>{ match (&c.agent_name, &c.offered_to) {
                                        (Some(name), _) => html! { name.clone() },
                                        // Ringing: the interpreter it is offered to.
                                        (None, Some(id)) => html! {
                                            <>
                                                { agents_list.iter().find(|a| &a.id == id).map(|a| a.display_name()).unwrap_or_else(|| format::short_id(id)) }
                                                { " " }<span class="badge badge-ringing">{ "ringing" }</span>
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
            let display_name = format!(
                "{} (supervisor)",
                session
                    .session
                    .as_ref()
                    .map(|s| s.user.name.clone())
                    .unwrap_or_default()
            );
            html! {
                <section class="card monitor wide room-small" aria-labelledby="monitor-title">
                    <div class="section-head">
                        <h2 id="monitor-title">{ format!("Monitoring call {}", format::short_id(&id)) }</h2>
                        <button type="button" class="secondary small" onclick={stop.reform(|_| ())}>{ "Stop monitoring" }</button>
                    </div>
                    <JitsiRoom key={id.clone()} call_id={id.clone()} {display_name} muted={true} on_left={stop} />
                </section>
            }
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
                <h1>{ "Live floor" }</h1>
                <Link<Route> to={Route::FloorAt}>{ "See the floor at an earlier time →" }</Link<Route>>
            </div>
            { error_alert(&error) }
            if let Some(text) = (*notice).clone() { <Alert tone={Tone::Success} {text} on_close={clear_notice} /> }
            { totals }
            <div class="floor-grid">
                { monitor_panel }
                <section class="card wide" aria-labelledby="queues-title">
                    <h2 id="queues-title">{ "Queues" }</h2>
                    { queue_table }
                </section>
                <section class="card wide" aria-labelledby="calls-title">
                    <h2 id="calls-title">{ "Calls waiting and in progress" }</h2>
                    { call_table }
                </section>
                <section class="card wide" aria-labelledby="agents-title">
                    <h2 id="agents-title">{ "Interpreters" }</h2>
                    { agent_table }
                </section>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AgentStatusProps {
    agent: Agent,
    on_done: Callback<Result<String, String>>,
}

#[function_component]
fn AgentStatusControl(props: &AgentStatusProps) -> Html {
    let api = use_api();
    let choice = use_state(|| props.agent.status.clone());
    let busy = use_state(|| false);
    // A pushed change of status resets the choice.
    {
        let choice = choice.clone();
        use_effect_with(props.agent.status.clone(), move |status| {
            choice.set(status.clone())
        });
    }
    let onclick = {
        let (api, choice, busy, on_done, agent) = (
            api.clone(),
            choice.clone(),
            busy.clone(),
            props.on_done.clone(),
            props.agent.clone(),
        );
        Callback::from(move |_| {
            let (api, busy, on_done, agent, status) = (
                api.clone(),
                busy.clone(),
                on_done.clone(),
                agent.clone(),
                (*choice).clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let result = agents::set_status(&api, &agent.id, &status)
                    .await
                    .map(|_| {
                        format!(
                            "{} is now {}.",
                            agent.display_name(),
                            format::status_label(&status).to_lowercase()
                        )
                    })
                    .map_err(|e| format!("{}: {e}", agent.display_name()));
                busy.set(false);
                on_done.emit(result);
            });
        })
    };
    let id = format!("status-{}", props.agent.id);
    html! {
        <div class="inline-form">
            <label for={id.clone()} class="sr-only">{ format!("New status for {}", props.agent.display_name()) }</label>
            <select {id} onchange={bind_select(&choice)}>
                { for ["available", "break", "offline"].iter().map(|s| html! {
                    <option value={*s} selected={*choice == *s}>{ format::status_label(s) }</option>
                }) }
            </select>
            <button type="button" class="secondary small" {onclick} disabled={*busy || *choice == props.agent.status}>{ "Set" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CallControlProps {
    call: Call,
    queues: Vec<Queue>,
    agents: Vec<Agent>,
    on_done: Callback<Result<String, String>>,
}

/// Transfer or re-queue a call to a queue; offer a waiting call to an available interpreter.
#[function_component]
fn CallControl(props: &CallControlProps) -> Html {
    let api = use_api();
    let target = use_state(String::new);
    let busy = use_state(|| false);
    let c = &props.call;
    let waiting = c.is_waiting();
    let onclick = {
        let (api, target, busy, on_done, id) = (
            api.clone(),
            target.clone(),
            busy.clone(),
            props.on_done.clone(),
            c.id.clone(),
        );
        let queues = props.queues.clone();
        let agents = props.agents.clone();
        Callback::from(move |_| {
            let Some(to) = MoveTarget::parse(&target) else {
                on_done.emit(Err("Choose a queue or an interpreter first.".to_owned()));
                return;
            };
            let name = to.name(&queues, &agents).unwrap_or_default();
            let question = match (&to, waiting) {
                (MoveTarget::Queue(_), true) => {
                    format!("Re-queue call {} to {name}?", format::short_id(&id))
                }
                (MoveTarget::Queue(_), false) => format!(
                    "Transfer call {} to the {name} queue? Its interpreter goes into wrap-up.",
                    format::short_id(&id)
                ),
                (_, true) => format!("Ring {name} for call {}?", format::short_id(&id)),
                _ => format!("Transfer call {} to {name}?", format::short_id(&id)),
            };
            if !confirm(&question) {
                return;
            }
            busy.set(true);
            let (api, busy, on_done, id) = (api.clone(), busy.clone(), on_done.clone(), id.clone());
            spawn_local(async move {
                let result = match (&to, waiting) {
                    (MoveTarget::Agent(agent_id), true) => calls::offer(&api, &id, agent_id).await,
                    _ => calls::transfer(&api, &id, &to).await,
                };
                busy.set(false);
                on_done.emit(
                    result
                        .map(|_| format!("Done: call {} → {name}.", format::short_id(&id)))
                        .map_err(|e| format!("Call {}: {e}", format::short_id(&id))),
                );
            });
        })
    };
    let free: Vec<&Agent> = props.agents.iter().filter(|a| a.is_free()).collect();
    let id = format!("route-{}", c.id);
    html! {
        <div class="inline-form">
            <label for={id.clone()} class="sr-only">{ format!("Move call {}", format::short_id(&c.id)) }</label>
            <select {id} onchange={bind_select(&target)}>
                <option value="" selected={target.is_empty()}>{ if waiting { "Re-queue / offer…" } else { "Transfer…" } }</option>
                <optgroup label="To a queue">
                    { for props.queues.iter().filter(|q| Some(&q.id) != c.queue_id.as_ref() || !waiting).map(|q| html! {
                        <option value={MoveTarget::Queue(q.id.clone()).value()}>{ q.name.clone() }</option>
                    }) }
                </optgroup>
                if !free.is_empty() {
                    <optgroup label={if waiting { "Ring an available interpreter" } else { "To an available interpreter" }}>
                        { for free.iter().map(|a| html! {
                            <option value={MoveTarget::Agent(a.id.clone()).value()}>{ a.display_name() }</option>
                        }) }
                    </optgroup>
                }
            </select>
            <button type="button" class="secondary small" {onclick} disabled={*busy}>{ "Go" }</button>
        </div>
    }
}
