//! "Keep my place, call me back" on the requester's call page: the button on the waiting
//! screen, and the prompt to join once the interpreter accepted the callback call.

use crate::i18n::{num, t, t_args, use_locale};
use chrono::{DateTime, Utc};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CallBackInsteadProps {
    /// A callback was already chosen for this call.
    pub chosen: bool,
    pub busy: bool,
    pub on_choose: Callback<()>,
}

/// While waiting: "Call me back instead", or what was promised once chosen.
#[function_component]
pub fn CallBackInstead(props: &CallBackInsteadProps) -> Html {
    use_locale();
    if props.chosen {
        return html! {
            <p class="muted" data-testid="callback-chosen">
                { t("callback-chosen") }
            </p>
        };
    }
    let on_choose = props.on_choose.reform(|_: MouseEvent| ());
    html! {
        <button type="button" data-testid="callback" onclick={on_choose} disabled={props.busy}>
            { t("callback-choose") }
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct JoinPromptProps {
    pub join_by: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub busy: bool,
    pub on_join: Callback<()>,
}

/// The interpreter accepted the callback call: join before the window closes.
#[function_component]
pub fn JoinPrompt(props: &JoinPromptProps) -> Html {
    use_locale();
    let left = props
        .join_by
        .map_or(0, |by| (by - props.now).num_seconds().max(0));
    let on_join = props.on_join.reform(|_: MouseEvent| ());
    html! {
        <div class="card waiting" role="alert" data-testid="join-prompt">
            <h2>{ t_args("callback-join-now", &[("seconds", num(left as f64))]) }</h2>
            <button type="button" class="primary" onclick={on_join} disabled={props.busy || left == 0}>
                { t("callback-join") }
            </button>
        </div>
    }
}
