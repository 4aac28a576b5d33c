//! The ringing offer on the interpreter's console: what the call is, the time left, Accept
//! and Decline.
//!
//! For keyboard and screen-reader users (issue 25): the offer takes the focus (on Accept)
//! when it arrives, so that it is announced once, as a dialog; the ticking countdown is
//! not a live region: a separate status line speaks only at 10 s, 5 s and expiry. While the
//! tab is hidden the offer also shows as a desktop notification.

use crate::i18n::{arg, num, t, t_args, use_locale};
use yew::prelude::*;

use crate::format;
use crate::hooks::focus_id;
use crate::hooks::use_notification::{use_offer_notification, OfferNotice};
use crate::types::{language_name, Call};

/// The id of the Accept button, which the offer focuses (and the notification, clicked).
pub(super) const ACCEPT_ID: &str = "offer-accept";

/// What the status line says with `left_s` seconds left: nothing until the moments worth
/// interrupting for. Each text holds for a stretch of seconds, so it is spoken once.
pub fn time_left_announcement(left_s: Option<i64>) -> String {
    match left_s {
        Some(0) => t("offer-expired-announcement"),
        Some(1..=5) => t_args("offer-seconds-left-announcement", &[("seconds", num(5))]),
        Some(6..=10) => t_args("offer-seconds-left-announcement", &[("seconds", num(10))]),
        _ => String::new(),
    }
}

fn what(offer: &Call) -> String {
    format!(
        "{} · {} · {}",
        offer
            .language
            .as_deref()
            .map(language_name)
            .unwrap_or_default(),
        offer
            .modality
            .as_deref()
            .map(format::status_label)
            .unwrap_or_default(),
        format::status_label(offer.specialty.as_deref().unwrap_or("general"))
    )
}

#[derive(Properties, PartialEq)]
pub(super) struct OfferCardProps {
    pub(super) offer: Call,
    /// Milliseconds until the offer runs out, when the server said.
    pub(super) left_ms: Option<i64>,
    pub(super) busy: bool,
    pub(super) on_accept: Callback<()>,
    pub(super) on_decline: Callback<()>,
}

#[function_component]
pub(super) fn OfferCard(props: &OfferCardProps) -> Html {
    use_locale();
    let offer = &props.offer;
    let left_s = props
        .left_ms
        .map(|ms| (ms as f64 / 1000.0).ceil().max(0.0) as i64);
    let expired = left_s == Some(0);

    use_effect_with(offer.id.clone(), |_| {
        focus_id(ACCEPT_ID);
    });
    use_offer_notification((!expired).then(|| OfferNotice {
        call_id: offer.id.clone(),
        title: t("offer-incoming"),
        body: format!(
            "{} · {}",
            what(offer),
            t_args(
                "offer-requested-by",
                &[("name", arg(format::opt(&offer.requester_name)))]
            )
        ),
        focus_id: ACCEPT_ID.to_owned(),
    }));

    let accept = props.on_accept.reform(|_: MouseEvent| ());
    let decline = props.on_decline.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("card", "offer", (!expired).then_some("ringing"))} role="alertdialog" aria-labelledby="offer-title" aria-describedby="offer-desc" data-testid="offer">
            <h2 id="offer-title">{ if expired { t("offer-expired") } else { t("offer-incoming") } }</h2>
            <p id="offer-desc" class="offer-what">
                <strong>{ offer.language.as_deref().map(language_name).unwrap_or_default() }</strong>
                { format!(" · {} · {}", offer.modality.as_deref().map(format::status_label).unwrap_or_default(), format::status_label(offer.specialty.as_deref().unwrap_or("general"))) }
                if offer.priority.as_deref() == Some("urgent") { { " " }<span class="badge badge-urgent">{ t("offer-urgent") }</span> }
            </p>
            <p class="muted">{ format!("{} · {}", t_args("offer-queue", &[("queue", arg(format::opt(&offer.queue_name)))]), t_args("offer-requested-by", &[("name", arg(format::opt(&offer.requester_name)))])) }</p>
            if let Some(s) = left_s {
                <p class="countdown" data-testid="countdown">
                    <span class="big">{ format::number(s as f64) }</span>{ " " }{ t("offer-seconds-left") }
                </p>
            }
            <p class="sr-only" role="status" data-testid="offer-announcement">{ time_left_announcement(left_s) }</p>
            <div class="actions">
                <button type="button" id={ACCEPT_ID} class="primary big" onclick={accept} disabled={props.busy || expired}>{ t("offer-accept") }</button>
                <button type="button" class="secondary" onclick={decline} disabled={props.busy || expired}>{ t("offer-decline") }</button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::time_left_announcement;

    #[test]
    fn the_countdown_speaks_only_at_ten_five_and_expiry() {
        let spoken: Vec<String> = (0..=30)
            .rev()
            .map(|s| time_left_announcement(Some(s)))
            .collect();
        let mut changes = spoken.clone();
        changes.dedup();
        assert_eq!(
            changes,
            [
                "",
                "10 seconds left to answer.",
                "5 seconds left to answer.",
                "The offer has expired."
            ]
        );
        assert_eq!(time_left_announcement(None), "");
    }
}
