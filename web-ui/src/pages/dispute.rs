//! A disputed call (admin): its bill beside its timeline. Each billed line cites the
//! stream sequences of its events; choosing a line marks those events in the timeline,
//! so "we were billed 15 minutes for a 2-minute call" is answered from the events.

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
                    Err(e) => error.set(Some(format!("Could not load the timeline: {e}"))),
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
        None => html! { <p class="muted">{ "Loading the bill…" }</p> },
        Some(found) => html! {
            <>
                <p>{ format!(
                    "Billed {} for {} (rate card version {}), net {} after credits.",
                    found.amount,
                    format::duration(found.billable_seconds),
                    found.rate_card_version.map_or_else(|| "none".to_owned(), |v| v.to_string()),
                    found.net_amount,
                ) }</p>
                <table class="table" data-testid="bill-lines">
                    <thead><tr><th>{ "Line" }</th><th>{ "Seconds" }</th><th class="num">{ "Amount" }</th><th>{ "Events" }</th></tr></thead>
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
                                <td>{ format!("Credit note {}: {} (by {})", credit.credit_no, credit.reason,
                                    credit.by.name.clone().unwrap_or_else(|| "someone".into())) }</td>
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
            <h1>{ format!("Call {} · bill and timeline", format::short_id(&props.id)) }</h1>
            { error_alert(&error) }
            <div class="two-columns">
                <div>
                    <h2>{ "Bill" }</h2>
                    <p class="muted">{ "Choose a line to mark the events it is billed from." }</p>
                    { bill_view }
                </div>
                <div>
                    <h2>{ "Timeline" }</h2>
                    <ol class="history-list" data-testid="dispute-timeline">
                        { for timeline.iter().map(|entry| html! {
                            <li key={entry.seq.to_string()}
                                class={classes!(chosen.contains(&entry.seq).then_some("selected"))}>
                                <strong>{ format!("#{} {}", entry.seq, entry.kind) }</strong>
                                <span class="muted">{ format!(" · {} · {}", format::time_ms(entry.at), entry.actor_label()) }</span>
                            </li>
                        }) }
                    </ol>
                </div>
            </div>
        </section>
    }
}
