//! A policy's history in words: when, who, and what changed, interpreters by name.

use crate::i18n::{arg, t, t_args, use_locale};
use std::collections::HashMap;

use serde_json::Value;
use yew::prelude::*;

use crate::format;
use crate::types::{policy_field, PolicyChange};

#[derive(Properties, PartialEq)]
pub struct PolicyHistoryProps {
    /// Oldest first, as the server sends them; shown newest first.
    pub changes: Vec<PolicyChange>,
    /// Interpreter names by id.
    pub names: HashMap<String, String>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn seconds(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_i64)
        .map(format::duration)
        .unwrap_or_else(|| "—".into())
}

/// One field's change as sentences: "Banned: Ana Agent", "Preferred wait: 0s → 30s".
pub fn change_lines(field: &str, change: &Value, names: &HashMap<String, String>) -> Vec<String> {
    let known = policy_field::ALL.iter().find(|(f, _, _)| *f == field);
    let label = known.map_or_else(|| format::status_label(field), |(_, l, _)| t(l));
    let by_name = known.is_some_and(|(_, _, ids)| *ids);
    let name = |value: &String| {
        if by_name {
            names.get(value).cloned().unwrap_or_else(|| {
                t_args(
                    "replay-interpreter",
                    &[("name", arg(format::short_id(value)))],
                )
            })
        } else {
            value.clone()
        }
    };
    let mut lines = Vec::new();
    if change.get("from").is_some() || change.get("to").is_some() {
        let (from, to) = if field == policy_field::PREFERRED_WAIT {
            (seconds(change.get("from")), seconds(change.get("to")))
        } else {
            let text = |v: Option<&Value>| v.map_or_else(|| "—".to_owned(), Value::to_string);
            (text(change.get("from")), text(change.get("to")))
        };
        lines.push(format!("{}: {from} → {to}", format::capitalised(&label)));
    }
    let added = strings(change.get("added"));
    if !added.is_empty() {
        let list: Vec<String> = added.iter().map(name).collect();
        lines.push(t_args(
            "policy-added",
            &[
                ("field", arg(label.clone())),
                ("names", arg(list.join(", "))),
            ],
        ));
    }
    let removed = strings(change.get("removed"));
    if !removed.is_empty() {
        let list: Vec<String> = removed.iter().map(name).collect();
        lines.push(t_args(
            "policy-removed",
            &[
                ("field", arg(label.clone())),
                ("names", arg(list.join(", "))),
            ],
        ));
    }
    if lines.is_empty() {
        lines.push(format!("{}: {change}", format::capitalised(&label)));
    }
    lines
}

fn actor(change: &PolicyChange) -> String {
    let text = |key: &str| change.actor.get(key).and_then(Value::as_str);
    match (text("name"), text("role")) {
        (Some(name), Some(role)) => format!("{name} ({role})"),
        (Some(name), None) => name.to_owned(),
        (None, Some(role)) => role.to_owned(),
        (None, None) => t("policy-someone-unknown"),
    }
}

#[function_component]
pub fn PolicyHistory(props: &PolicyHistoryProps) -> Html {
    use_locale();
    if props.changes.is_empty() {
        return html! { <p class="muted">{ t("policy-no-changes") }</p> };
    }
    html! {
        <ol class="history-list" data-testid="policy-history" reversed=true>
            { for props.changes.iter().rev().map(|c| {
                let mut lines: Vec<String> = Vec::new();
                // The known fields in a set order, then any the server adds.
                if let Some(map) = c.change.as_object() {
                    for (field, _, _) in policy_field::ALL {
                        if let Some(v) = map.get(field) {
                            lines.extend(change_lines(field, v, &props.names));
                        }
                    }
                    for (field, v) in map {
                        if !policy_field::ALL.iter().any(|(f, _, _)| f == field) {
                            lines.extend(change_lines(field, v, &props.names));
                        }
                    }
                }
                if lines.is_empty() {
                    lines.push(t("policy-no-change"));
                }
                html! {
                    <li key={c.version.to_string()}>
                        <div><strong>{ format::date_time(c.at) }</strong>
                            <span class="muted">{ format!(" · {}", t_args("replay-by", &[("actor", arg(actor(c)))])) }</span></div>
                        <ul class="reasons">{ for lines.into_iter().map(|l| html! { <li>{ l }</li> }) }</ul>
                    </li>
                }
            }) }
        </ol>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interpreters_are_named_and_waits_are_durations() {
        let names = HashMap::from([("a1".to_owned(), "Ana Agent".to_owned())]);
        let banned = change_lines(
            policy_field::BANNED,
            &json!({"added": ["a1"], "removed": ["zz-unknown-123456"]}),
            &names,
        );
        assert_eq!(
            banned,
            vec![
                "Added to banned interpreters: Ana Agent".to_owned(),
                "Removed from banned interpreters: interpreter n-123456".to_owned(),
            ]
        );
        let wait = change_lines(
            policy_field::PREFERRED_WAIT,
            &json!({"from": 0, "to": 90}),
            &names,
        );
        assert_eq!(wait, vec!["Preferred wait: 0s → 1m 30s".to_owned()]);
        let certs = change_lines(
            policy_field::CERTIFICATIONS,
            &json!({"added": ["court"], "removed": []}),
            &names,
        );
        assert_eq!(
            certs,
            vec!["Added to required certifications: court".to_owned()]
        );
    }
}
