//! A disputed call (admin): its bill beside its timeline. Each billed line cites the
//! stream sequences of its events; choosing a line marks those events in the timeline,
//! so "we were billed 15 minutes for a 2-minute call" is answered from the events.

use crate::i18n::{arg, t, t_args, use_locale};
use std::collections::BTreeSet;

use wasm_bindgen_futures::spawn_local;
use wire::billing::CallBill;
use yew::prelude::*;

use crate::components::alert::error_alert;
use crate::format;
use crate::hooks::use_api;
use crate::services::{billing, calls};
use crate::types::HistoryEntry;

#[derive(Properties, PartialEq)]
pub struct DisputeProps {
    pub id: String,
}

#[function_component]
pub fn DisputePage(props: &DisputeProps) -> Html {
    use_locale();
    let api = use_api();
    let bill = use_state(|| None::<CallBill>);
    let timeline = use_state(Vec::<HistoryEntry>::new);
    let error = use_state(|| None::<String>);
    // The sequences of the chosen line's events.
    let chosen = use_state(BTreeSet::<i64>::new);

    {
        let (api, bill, timeline, error) =
            (api.clone(), bill.clone(), timeline.clone(), error.clone());
        use_effect_with(props.id.clone(), move |id| {
            let id = id.clone();
            spawn_local(async move {
                match billing::call_bill(&api, &id).await {
                    Ok(found) => bill.set(Some(found)),
                    Err(e) => error.set(Some(e.to_string())),
                }
                match calls::history(&api, &id).await {
                    Ok(entries) => timeline.set(entries),
                    Err(e) => error.set(Some(t_args(
                        "dispute-timeline-failed",
                        &[("error", arg(e.to_string()))],
                    ))),
                }
            });
        });
    }

    let choose = |seqs: &[i64]| {
        let chosen = chosen.clone();
        let seqs: BTreeSet<i64> = seqs.iter().copied().collect();
        Callback::from(move |_: MouseEvent| chosen.set(seqs.clone()))
    };

    let bill_view = match &*bill {
        None => html! { <p class="muted">{ t("dispute-loading") }</p> },
        Some(found) => html! {
            <>
                <p>{ t_args(
                    "dispute-summary",
                    &[
                        ("amount", arg(found.amount.clone())),
                        ("duration", arg(format::duration(found.billable_seconds))),
                        ("version", arg(found.rate_card_version.map_or_else(|| t("dispute-no-rate-card"), |v| v.to_string()))),
                        ("net", arg(found.net_amount.clone())),
                    ],
                ) }</p>
                <table class="table" data-testid="bill-lines">
                    <thead><tr><th>{ t("dispute-line") }</th><th>{ t("dispute-seconds") }</th><th class="num">{ t("invoice-amount") }</th><th>{ t("dispute-events") }</th></tr></thead>
                    <tbody>
                        { for found.lines.iter().map(|line| {
                            let selected = !line.event_seqs.is_empty()
                                && line.event_seqs.iter().all(|s| chosen.contains(s));
                            html! {
                                <tr class={classes!("clickable", selected.then_some("selected"))}
                                    onclick={choose(&line.event_seqs)}>
                                    <td>{ &line.description }</td>
                                    <td>{ line.seconds }</td>
                                    <td class="num">{ &line.amount }</td>
                                    <td class="muted">{ line.event_seqs.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" ") }</td>
                                </tr>
                            }
                        }) }
                        { for found.credits.iter().map(|credit| html! {
                            <tr class={classes!("clickable", "credit")} onclick={choose(&credit.event_seqs)}>
                                <td>{ t_args("dispute-credit", &[("number", arg(credit.credit_no.to_string())), ("reason", arg(credit.reason.clone())),
                                    ("name", arg(credit.by.name.clone().unwrap_or_else(|| t("policy-someone-unknown"))))]) }</td>
                                <td></td>
                                <td class="num">{ format!("-{}", credit.amount) }</td>
                                <td class="muted">{ credit.event_seqs.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" ") }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        },
    };

    html! {
        <section class="page">
            <h1>{ t_args("dispute-heading", &[("id", arg(format::short_id(&props.id)))]) }</h1>
            { error_alert(&error) }
            <div class="two-columns">
                <div>
                    <h2>{ t("dispute-bill") }</h2>
                    <p class="muted">{ t("dispute-choose-line") }</p>
                    { bill_view }
                </div>
                <div>
                    <h2>{ t("dispute-timeline") }</h2>
                    <ol class="history-list" data-testid="dispute-timeline">
                        { for timeline.iter().map(|entry| html! {
                            <li key={entry.seq.to_string()}
                                class={classes!(chosen.contains(&entry.seq).then_some("selected"))}>
                                <strong>{ format!("#{} {}", entry.seq, super::replay::event_label(&entry.kind)) }</strong>
                                <span class="muted">{ format!(" · {} · {}", format::time_ms(entry.at), entry.actor_label()) }</span>
                            </li>
                        }) }
                    </ol>
                </div>
            </div>
        </section>
    }
}
