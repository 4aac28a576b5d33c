//! An organisation's invoice for a month (admin, analyst), laid out to print: each call
//! connected in the month and each credit note made in it, and the total the server added
//! up. Each call opens its dispute view (its bill beside its timeline).

use crate::i18n::{arg, t, t_args, use_locale};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use wire::billing::{Invoice, InvoiceLineKind};
use yew::prelude::*;
use yew_router::prelude::*;

use super::bind_input;
use crate::components::alert::error_alert;
use crate::format;
use crate::hooks::{use_api, use_session};
use crate::route::Route;
use crate::services::{billing, organisations};
use crate::types::{Organisation, Role};

/// The month before this one, `YYYY-MM`: the invoice one usually wants.
fn last_month() -> String {
    use chrono::Datelike;
    let today = format::now().date_naive();
    let (year, month) = if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    };
    format!("{year:04}-{month:02}")
}

fn print() {
    if let Some(window) = web_sys::window() {
        // Nothing to recover if the browser refuses to print.
        let _ = window.print();
    }
}

#[function_component]
pub fn InvoicesPage() -> Html {
    use_locale();
    let api = use_api();
    // The dispute view shows the call's timeline, which only admins may read.
    let can_dispute = use_session()
        .session
        .as_ref()
        .is_some_and(|s| s.user.role == Role::Admin);
    let organisations_list = use_state(Vec::<Organisation>::new);
    let organisation = use_state(String::new);
    let month = use_state(last_month);
    let invoice = use_state(|| None::<Invoice>);
    let error = use_state(|| None::<String>);

    {
        let (api, organisations_list, organisation, error) = (
            api.clone(),
            organisations_list.clone(),
            organisation.clone(),
            error.clone(),
        );
        use_effect_with((), move |_| {
            spawn_local(async move {
                match organisations::list(&api).await {
                    Ok(list) => {
                        if let Some(first) = list.first() {
                            organisation.set(first.id.clone());
                        }
                        organisations_list.set(list);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }

    let onsubmit = {
        let (api, organisation, month, invoice, error) = (
            api.clone(),
            organisation.clone(),
            month.clone(),
            invoice.clone(),
            error.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (api, invoice, error) = (api.clone(), invoice.clone(), error.clone());
            let (organisation, month) = ((*organisation).clone(), (*month).clone());
            spawn_local(async move {
                match billing::invoice(&api, &organisation, &month).await {
                    Ok(found) => {
                        invoice.set(Some(found));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let onchange = {
        let organisation = organisation.clone();
        Callback::from(move |e: Event| {
            organisation.set(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let name_of = |id: &str| {
        organisations_list
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_owned(), |o| o.name.clone())
    };

    html! {
        <section class="page">
            <h1 class="no-print">{ t("title-invoices") }</h1>
            <form class="inline-form no-print" {onsubmit}>
                <label>{ t("title-organisation") }{ " " }
                    <select {onchange} value={(*organisation).clone()}>
                        { for organisations_list.iter().map(|o| html! {
                            <option value={o.id.clone()} selected={o.id == *organisation}>{ &o.name }</option>
                        }) }
                    </select>
                </label>
                <label>{ t("invoice-month") }{ " " }
                    <input type="month" value={(*month).clone()} oninput={bind_input(&month)} />
                </label>
                <button type="submit">{ t("invoice-show") }</button>
            </form>
            { error_alert(&error) }
            { match &*invoice {
                None => html! {},
                Some(found) => html! {
                    <article class="invoice" data-testid="invoice">
                        <header>
                            <h2>{ t_args("invoice-heading", &[("organisation", arg(name_of(&found.organisation_id))), ("month", arg(found.month.clone()))]) }</h2>
                            <p class="muted">{ t_args("invoice-currency", &[("currency", arg(found.currency.clone().unwrap_or_else(|| "—".into())))]) }</p>
                            <button class="no-print" onclick={Callback::from(|_| print())}>{ t("invoice-print") }</button>
                        </header>
                        <table class="table">
                            <thead><tr>
                                <th>{ t("invoice-when") }</th><th>{ t("floor-call") }</th><th>{ t("invoice-billed") }</th>
                                <th>{ t("invoice-description") }</th><th class="num">{ t("invoice-amount") }</th>
                            </tr></thead>
                            <tbody>
                                { for found.lines.iter().map(|line| {
                                    let when = chrono::DateTime::parse_from_rfc3339(&line.at)
                                        .ok()
                                        .map(|t| t.with_timezone(&chrono::Utc));
                                    let billed = match line.kind {
                                        InvoiceLineKind::Call => format::duration(line.billable_seconds),
                                        InvoiceLineKind::Credit => t("invoice-credit-note"),
                                    };
                                    html! {
                                        <tr key={format!("{}-{}", line.call_id, line.at)}>
                                            <td>{ format::date_time(when) }</td>
                                            <td>
                                                if can_dispute {
                                                    <Link<Route> to={Route::Dispute { id: line.call_id.clone() }}>
                                                        { format::short_id(&line.call_id) }
                                                    </Link<Route>>
                                                } else {
                                                    { format::short_id(&line.call_id) }
                                                }
                                            </td>
                                            <td>{ billed }</td>
                                            <td>{ &line.description }</td>
                                            <td class="num">{ &line.amount }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                            <tfoot><tr>
                                <th colspan="4">{ t("invoice-total") }</th>
                                <th class="num" data-testid="invoice-total">{ &found.total }</th>
                            </tr></tfoot>
                        </table>
                    </article>
                },
            } }
        </section>
    }
}
