//! The call the interpreter is on: what it is, hold or resume, hand it on, end it, and
//! its video room (or, after leaving the room, end or rejoin).

use crate::i18n::{arg, t, t_args, use_locale};
use chrono::{DateTime, Utc};
use yew::prelude::*;

use super::confirm;
use super::console_parts::Transfer;
use crate::components::badge::Badge;
use crate::components::guests_panel::GuestsPanel;
use crate::components::jitsi_room::JitsiRoom;
use crate::format;
use crate::types::{language_name, Call, Queue};

/// The call's heading, focused when the call begins (the Accept button is gone).
pub(super) const CALL_TITLE_ID: &str = "call-title";

#[derive(Properties, PartialEq)]
pub(super) struct LiveCallProps {
    pub(super) call: Call,
    pub(super) my_id: String,
    pub(super) display_name: String,
    pub(super) queues: Vec<Queue>,
    pub(super) busy: bool,
    pub(super) now: DateTime<Utc>,
    /// (call id, verb): hold, resume, end.
    pub(super) on_command: Callback<(String, &'static str)>,
    /// After a transfer: the console loads again.
    pub(super) on_done: Callback<()>,
}

#[function_component]
pub(super) fn LiveCall(props: &LiveCallProps) -> Html {
    use_locale();
    let left_room = use_state(|| false);
    let call = &props.call;
    let id = call.id.clone();
    let on_hold = call.status == "on_hold";
    let command = &props.on_command;
    let hold = {
        let (command, id) = (command.clone(), id.clone());
        Callback::from(move |_| command.emit((id.clone(), if on_hold { "resume" } else { "hold" })))
    };
    let end = {
        let (command, id) = (command.clone(), id.clone());
        Callback::from(move |_| {
            if confirm(&t("call-end-confirm")) {
                command.emit((id.clone(), "end"));
            }
        })
    };
    let end_now = {
        let (command, id) = (command.clone(), id.clone());
        Callback::from(move |_| command.emit((id.clone(), "end")))
    };
    let rejoin = {
        let left_room = left_room.clone();
        Callback::from(move |_| left_room.set(false))
    };
    let on_left = {
        let left_room = left_room.clone();
        Callback::from(move |_| left_room.set(true))
    };
    let busy = props.busy;
    html! {
        <div class="call-live" data-testid="call-view">
            <div class="card">
                <div class="call-head">
                    <div>
                        <h2 id={CALL_TITLE_ID}>{ t_args("call-heading", &[("language", arg(call.language.as_deref().map(language_name).unwrap_or_default()))]) }</h2>
                        <p class="muted">
                            { format!("{} · {} · {} · {} · ",
                                call.modality.as_deref().map(format::status_label).unwrap_or_default(),
                                format::status_label(call.specialty.as_deref().unwrap_or("general")),
                                t_args("call-requester", &[("name", arg(format::opt(&call.requester_name)))]),
                                t_args("call-queue", &[("queue", arg(format::opt(&call.queue_name)))])) }
                            { t_args("call-talking", &[("duration", arg(format::duration(format::elapsed(call.connected_at.or(call.answered_at), props.now))))]) }
                            { " " }<Badge status={call.status.clone()} />
                        </p>
                        if call.offered_to.is_some() {
                            <p class="muted" role="status" data-testid="transfer-ringing">
                                { t("call-transfer-ringing") }
                            </p>
                        }
                    </div>
                    <div class="actions">
                        <button type="button" class="secondary" onclick={hold} disabled={busy}>
                            { if on_hold { t("call-resume") } else { t("call-hold") } }
                        </button>
                        <Transfer call={call.clone()} my_id={props.my_id.clone()} queues={props.queues.clone()} on_done={props.on_done.clone()} />
                        <button type="button" class="danger" onclick={end} disabled={busy}>{ t("call-end") }</button>
                    </div>
                </div>
            </div>
            if *left_room {
                <div class="card" role="alertdialog" aria-labelledby="left-title">
                    <h2 id="left-title">{ t("call-left-room") }</h2>
                    <p>{ t("call-left-room-question") }</p>
                    <div class="actions">
                        <button type="button" class="danger" onclick={end_now} disabled={busy}>{ t("call-end-for-everyone") }</button>
                        <button type="button" class="secondary" onclick={rejoin}>{ t("call-rejoin") }</button>
                    </div>
                </div>
            } else {
                <JitsiRoom key={id.clone()} call_id={id.clone()} display_name={props.display_name.clone()} {on_left} can_requeue={true} />
            }
            <GuestsPanel key={format!("guests-{id}")} call_id={id.clone()} />
        </div>
    }
}
