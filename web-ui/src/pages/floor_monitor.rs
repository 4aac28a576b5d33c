//! A supervisor's monitoring of one live call: listen-only in its room, a barge-in, and a
//! stop. Each is a command (`/monitor`, `/barge`, `/monitor/stop`), so the call's history
//! says who listened and who spoke up, and when. Leaving the panel stops the monitoring.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::alert::{error_alert, Alert};
use crate::components::jitsi_room::JitsiRoom;
use crate::format;
use crate::hooks::use_api;
use crate::i18n::{arg, t, t_args, use_locale};
use crate::services::calls;
use crate::types::{MonitorMode, MonitorRoom};

#[derive(Properties, PartialEq)]
pub struct MonitorPanelProps {
    pub call_id: AttrValue,
    pub display_name: AttrValue,
    pub on_stop: Callback<()>,
}

#[function_component]
pub fn MonitorPanel(props: &MonitorPanelProps) -> Html {
    use_locale();
    let api = use_api();
    // The room as `/monitor` or `/barge` answered it, with the supervisor's mode.
    let monitor = use_state(|| None::<MonitorRoom>);
    let error = use_state(|| None::<String>);

    {
        let (api, monitor, error) = (api.clone(), monitor.clone(), error.clone());
        use_effect_with(props.call_id.clone(), move |call_id| {
            let id = call_id.to_string();
            let started = {
                let (api, id) = (api.clone(), id.clone());
                async move {
                    match calls::monitor(&api, &id, "monitor").await {
                        Ok(room) => monitor.set(Some(room)),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                }
            };
            spawn_local(started);
            // Closing the panel (or monitoring another call) ends this session.
            move || {
                spawn_local(async move {
                    let _ = calls::command(&api, &id, "monitor/stop").await;
                })
            }
        });
    }

    let barge = {
        let (api, monitor, error) = (api.clone(), monitor.clone(), error.clone());
        let id = props.call_id.to_string();
        Callback::from(move |_: MouseEvent| {
            let (api, monitor, error, id) =
                (api.clone(), monitor.clone(), error.clone(), id.clone());
            spawn_local(async move {
                match calls::monitor(&api, &id, "barge").await {
                    Ok(room) => monitor.set(Some(room)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };

    let id = props.call_id.clone();
    let mode = monitor.as_ref().map(|m| m.mode);
    let talking = mode == Some(MonitorMode::Talk);
    html! {
        <section class="card monitor wide room-small" aria-labelledby="monitor-title">
            <div class="section-head">
                <h2 id="monitor-title">{ t_args("floor-monitoring", &[("id", arg(format::short_id(&id)))]) }</h2>
                <div class="actions">
                    if mode == Some(MonitorMode::Listen) {
                        <button type="button" class="small" onclick={barge}>{ t("floor-barge-in") }</button>
                    }
                    <button type="button" class="secondary small" onclick={props.on_stop.reform(|_| ())}>{ t("floor-stop-monitoring") }</button>
                </div>
            </div>
            { error_alert(&error) }
            if talking { <Alert tone={crate::components::alert::Tone::Info} text={t("floor-barged-in")} /> }
            if let Some(monitor) = &*monitor {
                // The room `/monitor` answered with, not asked for again. A new key on
                // barge-in opens it again, this time unmuted.
                <JitsiRoom key={format!("{id}-{talking}")} call_id={id.clone()} room={Some(monitor.room.clone())}
                    display_name={props.display_name.clone()} muted={!talking} on_left={props.on_stop.clone()} />
            }
        </section>
    }
}
