//! The served OpenAPI document against the server that serves it: every `$ref` resolves,
//! every documented (method, path) is served, every other method on a documented path is
//! refused with 405, and what each route answers a stranger and an admin sending an empty
//! body is a status its operation lists. (`routes_are_added_only_through_utoipa_axum`, a
//! unit test, makes sure no route is added outside the document.)

use std::collections::{BTreeSet, HashSet};

use command_api::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Follows every `$ref` from the root, and from each target it reaches, once; answers the
/// references that do not resolve and how many distinct ones did.
fn resolve_all(doc: &Value) -> (Vec<String>, usize) {
    let mut dangling = Vec::new();
    let mut seen = HashSet::new();
    let mut pending = vec![doc.clone()];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref")
                    && seen.insert(target.clone())
                {
                    match target.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                        Some(resolved) => pending.push(resolved.clone()),
                        None => dangling.push(target.clone()),
                    }
                }
                pending.extend(map.into_iter().map(|(_, v)| v));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    (dangling, seen.len())
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
                .map(|m| ((*m).to_owned(), path.clone()))
        })
        .collect()
}

/// A concrete path for a template: each `{…}` becomes a fresh UUID.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn probe(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
    let answer = app.send(method, &concrete(path), token, body).await;
    (answer.status.as_u16(), answer.body)
}

#[tokio::test]
async fn the_served_document_resolves_every_ref_and_matches_the_routes_served() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200)
        .body;
    let (dangling, resolved) = resolve_all(&doc);
    assert_eq!(dangling, Vec::<String>::new(), "dangling $ref");
    println!("{resolved} distinct $ref resolved");

    let documented = operations(&doc);
    for must in [
        ("GET", "/metrics"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/agents"),
    ] {
        assert!(
            documented.contains(&(must.0.to_owned(), must.1.to_owned())),
            "{must:?} is not documented"
        );
    }
    let admin = app.token_for(Role::Admin);
    let mut probes = 0;
    for (method, path) in &documented {
        let listed = doc["paths"][path][method.to_ascii_lowercase()]["responses"]
            .as_object()
            .expect("responses");
        // Logging out would revoke the admin's token for the probes that follow.
        let tokens: &[Option<&str>] = if path == "/api/auth/logout" {
            &[None]
        } else {
            &[None, Some(&admin)]
        };
        for token in tokens {
            let (status, body) = probe(&app, method, path, *token).await;
            probes += 1;
            let unrouted =
                (status == 404 && body["error"]["code"] == "route_not_found") || status == 405;
            assert!(
                !unrouted,
                "{method} {path} is documented but not served: {status} {body}"
            );
            assert!(
                listed.contains_key(&status.to_string()),
                "{method} {path} (token: {}) answered {status}, which it does not list: {body}",
                token.is_some()
            );
            if status >= 400 && path != "/readyz" {
                assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
            }
        }
    }
    // The other methods of each documented path are not served.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        for method in METHODS {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let (status, body) = probe(&app, method, path, Some(&admin)).await;
            probes += 1;
            assert_eq!(
                status, 405,
                "{method} {path} is served but not documented: {body}"
            );
        }
    }
    println!(
        "{} documented operations, {probes} probes",
        documented.len()
    );
}
