//! Keeps the catalogues complete and in step (host test: `cargo test --lib`): every
//! catalogue parses, has exactly English's messages, and uses the same placeables
//! (`{ $count }`) in each; every message is used by the code, and every message the
//! code asks for (`t("…")`, `t_args("…"`) exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::FluentResource;

use super::catalogue::CATALOGUES;

/// Message id → the variables its text uses.
type Messages = BTreeMap<String, BTreeSet<String>>;

/// The messages of a Fluent source, read line by line: a message starts at column 0 with
/// `id =`; indented lines continue it; `#` lines are comments.
fn messages(source: &str) -> Messages {
    let mut found = Messages::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            current = line
                .split_once('=')
                .map(|(id, _)| id.trim().to_owned())
                .filter(|id| !id.is_empty());
            if let Some(id) = &current {
                found.entry(id.clone()).or_default();
            }
        }
        if let Some(id) = &current {
            let variables = found.entry(id.clone()).or_default();
            for piece in line.split('$').skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if !name.is_empty() {
                    variables.insert(name);
                }
            }
        }
    }
    found
}

fn english() -> Messages {
    let source = CATALOGUES
        .iter()
        .find(|(id, _)| *id == wire::locales::DEFAULT_LOCALE)
        .map(|(_, source)| *source)
        .unwrap_or_default();
    messages(source)
}

#[test]
fn every_catalogue_parses_and_there_are_the_three_languages() {
    let ids: Vec<&str> = CATALOGUES.iter().map(|(id, _)| *id).collect();
    for needed in ["ar", "en", "es"] {
        assert!(ids.contains(&needed), "no catalogue {needed}.ftl");
    }
    for (id, source) in CATALOGUES {
        if let Err((_, errors)) = FluentResource::try_new((*source).to_owned()) {
            panic!("{id}.ftl does not parse: {errors:?}");
        }
        assert!(
            messages(source).contains_key("language-name"),
            "{id}.ftl has no language-name"
        );
    }
}

#[test]
fn every_catalogue_has_englishs_messages_and_no_others_with_the_same_placeables() {
    let english = english();
    assert!(english.len() > 50, "the English catalogue looks empty");
    let mut problems = Vec::new();
    for (id, source) in CATALOGUES {
        let theirs = messages(source);
        for (message, variables) in &english {
            match theirs.get(message) {
                None => problems.push(format!("{id}.ftl lacks {message}")),
                Some(their_variables) if their_variables != variables => problems.push(format!(
                    "{id}.ftl: {message} uses {their_variables:?}, English uses {variables:?}"
                )),
                Some(_) => {}
            }
        }
        for message in theirs.keys().filter(|m| !english.contains_key(*m)) {
            problems.push(format!("{id}.ftl has {message}, which English does not"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn rust_sources(dir: &Path, into: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            rust_sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("catalogue_check.rs")
        {
            into.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[test]
fn every_message_is_used_and_every_used_message_exists() {
    let mut code = String::new();
    rust_sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut code,
    );
    let english = english();
    let unused: Vec<&String> = english
        .keys()
        .filter(|id| *id != "language-name" && !code.contains(&format!("\"{id}\"")))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
    let mut unknown = BTreeSet::new();
    for call in ["t(\"", "t_args(\""] {
        for (at, _) in code.match_indices(call) {
            // `t("` only as a name of its own, not the end of `get("` or `set("`.
            let before = code[..at].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' {
                continue;
            }
            let id: String = code[at + call.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            if !english.contains_key(&id) {
                unknown.insert(id);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "messages the code asks for that en.ftl lacks: {unknown:?}"
    );
}
