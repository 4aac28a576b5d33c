//! Small pieces matching adds to call rows: the widening a waiting call has had and the
//! organisation it comes from.

use crate::i18n::{arg, num, t, t_args};
use std::collections::HashMap;

use yew::prelude::*;

use serde_json::Value;

use crate::types::{Call, HistoryEntry, Queue, CALL_POOL_WIDENED};

/// "widened to step 2" on a waiting call whose pool has widened; nothing otherwise.
pub fn widened_badge(call: &Call) -> Html {
    if call.is_waiting() && call.widening_step > 0 {
        html! {
            <>{ " " }<span class="badge badge-widened" title={t("widened-title")}>
                { t_args("widened-badge", &[("step", num(call.widening_step as f64))]) }
            </span></>
        }
    } else {
        html! {}
    }
}

/// The organisation's name (its short id while unknown); "—" for a call without one.
pub fn organisation_name(call: &Call, names: &HashMap<String, String>) -> String {
    match &call.organisation_id {
        Some(id) => names
            .get(id)
            .cloned()
            .unwrap_or_else(|| crate::format::short_id(id)),
        None => "—".to_owned(),
    }
}

/// A `CallPoolWidened` event in words: "Widened to step 2 in Arabic medical: after 1m 00s:
/// any specialty". `None` for any other event.
pub fn widened_text(entry: &HistoryEntry, queues: &[Queue]) -> Option<String> {
    if entry.kind != CALL_POOL_WIDENED {
        return None;
    }
    let number = |key: &str| entry.data.get(key).and_then(Value::as_i64);
    let queue_id = entry.data.get("queue_id").and_then(Value::as_str);
    let queue = queue_id.and_then(|id| queues.iter().find(|q| q.id == id));
    let queue_name = queue.map_or_else(
        || queue_id.map(crate::format::short_id).unwrap_or_default(),
        |q| q.name.clone(),
    );
    let name_of = |id: &str| {
        queues
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.name.clone())
            .unwrap_or_else(|| crate::format::short_id(id))
    };
    let step = number("step").map_or_else(|| "?".to_owned(), |s| s.to_string());
    let what = number("step_index")
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| queue?.widening.get(i))
        .map(|s| format!(": {}", s.describe(name_of)))
        .unwrap_or_default();
    Some(format!(
        "{}{what}",
        t_args(
            "widened-text",
            &[("step", arg(step)), ("queue", arg(queue_name))]
        )
    ))
}
