//! The interpreter's console: status, the ringing offer, the call with its room, the
//! wrap-up, and today's calls.

use crate::i18n::{arg, t, t_args, use_locale};
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::console_call::{LiveCall, CALL_TITLE_ID};
use super::console_offer::OfferCard;
use super::console_parts::{TodayCalls, WrapUp, WRAP_TITLE_ID};
use super::console_status::{StatusCard, STATUS_TITLE_ID};
use super::start_of_today;
use crate::components::alert::error_alert;
use crate::format;
use crate::hooks::use_notification::ask_notification_permission;
use crate::hooks::use_ring::use_ring;
use crate::hooks::{
    use_api, use_debounced, use_focus_on_change, use_latest, use_live, use_now, use_session,
    LiveEvent,
};
use crate::live::desk::{Desk, Loaded};
use crate::services::calls::{self, CallFilter};
use crate::services::{agents, queues, Api};
use crate::types::{language_name, Agent, Call, Queue};
use wire::ViewKind;

/// What the page draws, copied from the held desk once a render.
#[derive(Clone, Debug, Default, PartialEq)]
struct DeskView {
    me: Option<Agent>,
    offer: Option<Call>,
    call: Option<Call>,
    today: Vec<Call>,
    missed: Option<Call>,
}

impl DeskView {
    fn of(desk: &Desk) -> Self {
        Self {
            me: desk.me.clone(),
            offer: desk.offer.clone(),
            call: desk.call.clone(),
            today: desk.today.rows().to_vec(),
            missed: desk.missed.clone(),
        }
    }
}

/// What the console is showing, for where the focus goes when it changes.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Offer(String),
    Call(String),
    WrapUp(String),
    Missed,
    Idle,
}

impl Stage {
    /// The heading that leads the stage, focused when the control the interpreter
    /// used (Accept, End call, Submit wrap-up) went away with the stage before. The
    /// offer focuses its own Accept button (`console_offer`).
    fn heading(&self) -> Option<&'static str> {
        match self {
            Stage::Call(_) => Some(CALL_TITLE_ID),
            Stage::WrapUp(_) => Some(WRAP_TITLE_ID),
            Stage::Missed => Some("missed-title"),
            Stage::Idle => Some(STATUS_TITLE_ID),
            Stage::Offer(_) => None,
        }
    }

    /// A call begun or ended is the interpreter's task now: it takes the focus wherever
    /// it was (the offer and the call come as separate pushes, with an idle moment
    /// between them that may have put the focus elsewhere). Other stages take it only
    /// from <body>.
    fn is_the_task(&self) -> bool {
        matches!(self, Stage::Call(_) | Stage::WrapUp(_))
    }
}

/// The interpreter's own row, the offer ringing for them, the call they are on and
/// today's calls.
async fn load_desk(api: Api, my_id: String) -> Result<Loaded, String> {
    let me = agents::board(&api)
        .await
        .map_err(|e| t_args("console-load-failed", &[("error", arg(e.to_string()))]))?
        .into_iter()
        .find(|a| a.id == my_id);
    let offer = match me.as_ref().and_then(|m| m.offer_call_id.clone()) {
        Some(id) => calls::get(&api, &id).await.ok(),
        None => None,
    };
    let call = match me.as_ref().and_then(|m| m.current_call_id.clone()) {
        Some(id) => calls::get(&api, &id).await.ok(),
        None => None,
    };
    let filter = CallFilter {
        from: Some(format::rfc3339(start_of_today())),
        limit: Some(50),
        ..CallFilter::default()
    };
    let (today, more_today) = calls::list(&api, &filter)
        .await
        .map(|p| (p.items, p.next_cursor.is_some()))
        .unwrap_or_default();
    Ok(Loaded {
        me,
        offer,
        call,
        today,
        more_today,
    })
}

/// Fetches one call the desk has not seen (`GET /api/calls/{id}`: names included) into it.
fn fetch_call(
    api: Api,
    held: Rc<RefCell<Desk>>,
    redraw: UseForceUpdateHandle,
    my_id: String,
    id: String,
) {
    spawn_local(async move {
        if let Ok(call) = calls::get(&api, &id).await {
            held.borrow_mut()
                .fetched(call, &my_id, start_of_today(), format::now());
            redraw.force_update();
        }
    });
}

#[function_component]
pub fn ConsolePage() -> Html {
    use_locale();
    let api = use_api();
    let session = use_session();
    // Kept current by pushed rows (`crate::live::desk`); loaded over REST on a resync.
    let held = use_mut_ref(Desk::default);
    let redraw = use_force_update();
    let loaded = use_state(|| false);
    let queues_list = use_state(Vec::<Queue>::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let now = use_now(250);
    let my_id = session
        .session
        .as_ref()
        .map(|s| s.user.id.clone())
        .unwrap_or_default();

    let reload = {
        let (api, held, loaded, error, redraw) = (
            api.clone(),
            held.clone(),
            loaded.clone(),
            error.clone(),
            redraw.clone(),
        );
        let latest = use_latest();
        use_callback(my_id.clone(), move |_: (), my_id| {
            let (api, held, loaded, error, my_id, redraw) = (
                api.clone(),
                held.clone(),
                loaded.clone(),
                error.clone(),
                my_id.clone(),
                redraw.clone(),
            );
            held.borrow_mut().begin_load();
            latest.spawn(load_desk(api.clone(), my_id.clone()), move |answer| {
                match answer {
                    Ok(desk) => {
                        let outcome =
                            held.borrow_mut()
                                .loaded(desk, &my_id, start_of_today(), format::now());
                        if let Some(id) = outcome.fetch {
                            fetch_call(api, held, redraw.clone(), my_id, id);
                        }
                    }
                    Err(message) => {
                        held.borrow_mut().abandon_load();
                        error.set(Some(message));
                        return;
                    }
                }
                loaded.set(true);
                // Drawn even when `loaded` already was: the desk changed under it.
                redraw.force_update();
            });
        })
    };
    {
        let (reload, api, queues_list) = (reload.clone(), api.clone(), queues_list.clone());
        use_effect_with((), move |_| {
            reload.emit(());
            spawn_local(async move {
                if let Ok(list) = queues::board(&api).await {
                    queues_list.set(list);
                }
            });
        });
    }
    // A call the desk has not seen is fetched alone: pushed rows carry no names.
    let fetch = {
        let (api, held, redraw, my_id) = (api.clone(), held.clone(), redraw.clone(), my_id.clone());
        Callback::from(move |id: String| {
            fetch_call(api.clone(), held.clone(), redraw.clone(), my_id.clone(), id)
        })
    };
    let reload_later = use_debounced(reload.clone());
    {
        let (held, redraw, reload, my_id) =
            (held.clone(), redraw.clone(), reload.clone(), my_id.clone());
        use_live(
            &[ViewKind::Agent, ViewKind::Offer, ViewKind::Call],
            Callback::from(move |event: LiveEvent| match event {
                LiveEvent::Resync => reload.emit(()),
                LiveEvent::Message(message) => {
                    let outcome =
                        held.borrow_mut()
                            .apply(&message, &my_id, start_of_today(), format::now());
                    if outcome.reload {
                        reload_later.emit(());
                    }
                    if let Some(id) = outcome.fetch {
                        fetch.emit(id);
                    }
                    if outcome.changed {
                        redraw.force_update();
                    }
                }
            }),
        );
    }
    let desk = DeskView::of(&held.borrow());
    let missed_offer = {
        let (held, redraw) = (held.clone(), redraw.clone());
        Callback::from(move |_| {
            held.borrow_mut().missed = None;
            redraw.force_update();
        })
    };

    // The offer rings until it is answered or runs out.
    let offer_left_ms = desk
        .offer
        .as_ref()
        .and_then(|o| o.offer_expires_at)
        .map(|t| (t - now).num_milliseconds());
    let ringing = desk.offer.is_some() && offer_left_ms.is_none_or(|ms| ms > 0);
    use_ring(ringing);

    let set_status = {
        let (api, busy, error, reload) = (api.clone(), busy.clone(), error.clone(), reload.clone());
        Callback::from(move |status: &'static str| {
            // Going available is when offers start to come, in the background too: the
            // moment to ask whether they may show as notifications.
            if status == "available" {
                ask_notification_permission();
            }
            busy.set(true);
            let (api, busy, error, reload) =
                (api.clone(), busy.clone(), error.clone(), reload.clone());
            spawn_local(async move {
                match agents::set_my_status(&api, status).await {
                    Ok(_) => error.set(None),
                    Err(e) if e.code() == "agent_has_no_skills" => {
                        error.set(Some(t("console-no-skills")))
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };

    let command = {
        let (api, busy, error, reload) = (api.clone(), busy.clone(), error.clone(), reload.clone());
        Callback::from(move |(id, verb): (String, &'static str)| {
            let (api, busy, error, reload) =
                (api.clone(), busy.clone(), error.clone(), reload.clone());
            busy.set(true);
            spawn_local(async move {
                match calls::command(&api, &id, verb).await {
                    Ok(_) => error.set(None),
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };

    let wrap_up_id = desk
        .me
        .as_ref()
        .filter(|m| m.activity == "wrap_up")
        .and_then(|m| m.current_call_id.clone());
    let stage = match (&desk.offer, &wrap_up_id, &desk.call, &desk.missed) {
        _ if !*loaded => None,
        (Some(offer), _, _, _) => Some(Stage::Offer(offer.id.clone())),
        (None, Some(id), _, _) => Some(Stage::WrapUp(id.clone())),
        (None, None, Some(call), _) if call.is_live() => Some(Stage::Call(call.id.clone())),
        (None, None, _, Some(_)) => Some(Stage::Missed),
        _ => Some(Stage::Idle),
    };
    let heading = stage.as_ref().and_then(Stage::heading).map(str::to_owned);
    let only_if_lost = !stage.as_ref().is_some_and(Stage::is_the_task);
    use_focus_on_change(stage, heading, false, only_if_lost);

    if !*loaded {
        return html! {
            <section class="page"><h1>{ t("nav-console") }</h1>{ error_alert(&error) }<p class="muted">{ t("loading") }</p></section>
        };
    }

    let me = desk.me.clone();
    let status = me
        .as_ref()
        .map(|m| m.status.clone())
        .unwrap_or_else(|| "offline".to_owned());
    let activity = me
        .as_ref()
        .map(|m| m.activity.clone())
        .unwrap_or_else(|| "idle".to_owned());

    let offer_card = desk.offer.clone().map(|offer| {
        let id = offer.id.clone();
        let on_accept = {
            let (command, id) = (command.clone(), id.clone());
            Callback::from(move |_| command.emit((id.clone(), "accept")))
        };
        let on_decline = {
            let (command, id) = (command.clone(), id.clone());
            Callback::from(move |_| command.emit((id.clone(), "decline")))
        };
        html! { <OfferCard {offer} left_ms={offer_left_ms} busy={*busy} {on_accept} {on_decline} /> }
    });

    // Wrap-up comes from the interpreter's own row (`wrap_up_id`): the call itself may be
    // out of sight (or moved on, after a transfer), and the form must show all the same.
    let missed_card = match (desk.missed.clone(), desk.offer.is_none()) {
        (Some(offer), true) => {
            let dismiss = missed_offer.clone();
            html! {
                <div class="card offer" role="status" aria-labelledby="missed-title" data-testid="offer-expired">
                    <h2 id="missed-title">{ t("offer-expired") }</h2>
                    <p>
                        { t_args("offer-missed", &[("language", arg(offer.language.as_deref().map(language_name).unwrap_or_default()))]) }
                    </p>
                    <button type="button" class="secondary" onclick={dismiss}>{ t("dismiss") }</button>
                </div>
            }
        }
        _ => html! {},
    };

    let call_card = match (desk.call.clone(), activity.as_str()) {
        _ if wrap_up_id.is_some() => {
            let call_id = wrap_up_id.clone().unwrap_or_default();
            let call = desk.call.clone().filter(|c| c.id == call_id);
            // Someone else's call now, or back in a queue: this interpreter handed it on.
            let handed_on = call
                .as_ref()
                .is_some_and(|c| c.agent_id.as_deref() != Some(my_id.as_str()));
            html! { <WrapUp key={call_id.clone()} call_id={call_id.clone()} {call} {handed_on} on_done={reload.clone()} /> }
        }
        (Some(call), _) if call.is_live() => {
            let display_name = session
                .session
                .as_ref()
                .map(|s| s.user.name.clone())
                .unwrap_or_default();
            let key = call.id.clone();
            html! {
                <LiveCall {key} {call} my_id={my_id.clone()} {display_name} queues={(*queues_list).clone()}
                    busy={*busy} {now} on_command={command.clone()} on_done={reload.clone()} />
            }
        }
        _ => html! {},
    };

    let idle_hint = if desk.offer.is_none() && desk.call.is_none() && wrap_up_id.is_none() {
        let text = match status.as_str() {
            "available" => t("console-idle-available"),
            "break" => t("console-idle-break"),
            "away" => t("console-idle-away"),
            _ => t("console-idle-offline"),
        };
        html! { <div class="card idle"><p class="muted">{ text }</p></div> }
    } else {
        html! {}
    };

    html! {
        <section class="page">
            <h1>{ t("title-console") }</h1>
            { error_alert(&error) }
            <div class="console-grid">
                <div class="console-main">
                    { for offer_card }
                    { missed_card }
                    { call_card }
                    { idle_hint }
                </div>
                <aside class="console-side">
                    <StatusCard me={me.clone()} status={status.clone()} activity={activity.clone()} busy={*busy} on_set={set_status} />
                    <TodayCalls calls={desk.today.clone()} />
                </aside>
            </div>
        </section>
    }
}
