//! The served OpenAPI document. utoipa writes each operation from its handler's attribute,
//! and `utoipa_axum::routes!` registers the same handler at the same path and method, so
//! the document's routes are the router's (`tests/api/openapi.rs` checks it on a live
//! server). This module finishes the document with what holds for whole classes of
//! operations — the error answers that the extractors give every authenticated route,
//! every JSON body and every parsed parameter — and with the bounds the validation code
//! enforces, read from the very constants that code uses ([`bounds`]).

use serde_json::{Map, Value, json};

use super::bounds::{self, Bound};

/// Where the document is served (by Swagger UI's router, which `/docs` reads it from).
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

/// Paths the router serves that the document leaves out on purpose: the Swagger UI page
/// and its files (HTML and scripts, not API). The web UI's files are the fallback of
/// every other `GET` outside `/api`.
pub const UNDOCUMENTED_PREFIXES: [&str; 1] = ["/docs"];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// utoipa's document, finished: its own route, the common error answers, the bounds.
pub fn finish(openapi: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = match serde_json::to_value(openapi) {
        Ok(doc) => doc,
        Err(error) => {
            tracing::error!(%error, "cannot serialise the OpenAPI document");
            return Value::Null;
        }
    };
    document_itself(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(operation) = item.get_mut(method) {
                    add_common_responses(operation);
                }
            }
        }
    }
    for missing in apply_bounds(&mut doc) {
        // Caught by the unit test below; never silently in production.
        tracing::error!(bound = missing, "an OpenAPI bound names no schema property");
    }
    doc
}

fn document_itself(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        paths.insert(
            DOCUMENT_PATH.to_owned(),
            json!({"get": {
                "tags": ["operations"],
                "summary": "This OpenAPI document.",
                "operationId": "openapi_document",
                "responses": {"200": {
                    "description": "The OpenAPI 3.1 document of every route",
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }}
            }}),
        );
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// The answers an operation gets from the extractors and layers whatever its handler does:
/// a token (401; 403 for a role or an API key outside its scopes; 503 when the database
/// that checks revocation is down), a JSON body (400, 413, 415) and parsed parameters (400).
fn add_common_responses(operation: &mut Value) {
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let has_body = operation.get("requestBody").is_some();
    let has_parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // A status the handler lists already keeps its body; an empty description is filled.
    let mut add = |status: &str, description: &str| {
        let response = responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
        if response.get("description").and_then(Value::as_str) == Some("") {
            response["description"] = json!(description);
        }
    };
    if has_body || has_parameters {
        add(
            "400",
            "Malformed JSON (`malformed_json`), a body of the wrong shape or with unknown \
             fields (`invalid_body`), or a path or query parameter that does not parse \
             (`invalid_path`, `invalid_query`, `invalid_time`)",
        );
    }
    if secured {
        add(
            "401",
            "No token (`missing_token`) or one that is refused (`invalid_token`, \
             `token_expired`, `token_revoked`, `account_deactivated`, `invalid_api_key`, \
             `api_key_revoked`)",
        );
        add(
            "403",
            "The caller's role may not do this, or an API key outside its scopes (`forbidden`)",
        );
    }
    if has_body {
        add(
            "413",
            "The body is over `http.body_limit_bytes` (`payload_too_large`); the connection \
             is closed",
        );
        add(
            "415",
            "The body is not sent as `Content-Type: application/json` (`unsupported_media_type`)",
        );
    }
    if secured || has_body {
        add(
            "503",
            "The database or the event store is unavailable (`dependency_unavailable`)",
        );
    }
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            let Some(response) = response.as_object_mut() else {
                continue;
            };
            let described = response
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.is_empty());
            if !described {
                response.insert("description".to_owned(), json!(default_description(status)));
            }
            if status == "429" {
                response.insert(
                    "headers".to_owned(),
                    json!({"Retry-After": {
                        "description": "Seconds to wait before trying again",
                        "schema": {"type": "integer", "minimum": 1}
                    }}),
                );
            }
        }
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "400" => "The request does not parse",
        "401" => "Not authenticated",
        "403" => "Not allowed",
        "404" => "Not found, or not the caller's to see",
        "409" => "Refused in the current state",
        "422" => "A value is invalid (`invalid_value` and the codes the operation names)",
        "426" => "Not a WebSocket upgrade (`websocket_required`)",
        "429" => "Too many attempts (`rate_limited`, `login_throttled`)",
        "503" => "A dependency is unavailable",
        _ => "Error",
    }
}

/// Merges every bound of [`bounds::body_bounds`] and [`bounds::query_bounds`] into the
/// document; answers the bounds that found nothing to apply to.
fn apply_bounds(doc: &mut Value) -> Vec<String> {
    let mut missing = Vec::new();
    for Bound {
        schema,
        field,
        keywords,
    } in bounds::body_bounds()
    {
        let pointer = format!("/components/schemas/{schema}/properties/{field}");
        match doc.pointer_mut(&pointer) {
            Some(target) => merge(target, &keywords),
            None => missing.push(pointer),
        }
    }
    for Bound {
        schema: operation,
        field,
        keywords,
    } in bounds::query_bounds()
    {
        let Some((method, path)) = operation.split_once(' ') else {
            missing.push(operation.to_owned());
            continue;
        };
        let pointer = format!(
            "/paths/{}/{}/parameters",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_ascii_lowercase()
        );
        let target = doc
            .pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .and_then(|parameters| {
                parameters
                    .iter_mut()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(field))
            })
            .and_then(|parameter| parameter.get_mut("schema"));
        match target {
            Some(target) => merge(target, &keywords),
            None => missing.push(format!("{operation} ?{field}")),
        }
    }
    missing
}

/// Deep-merges `keywords` into `target`. On a nullable schema (`"type": [..., "null"]`) an
/// `enum` also lists `null`, which the field accepts.
fn merge(target: &mut Value, keywords: &Value) {
    let nullable = target
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    let (Some(target), Some(keywords)) = (target.as_object_mut(), keywords.as_object()) else {
        return;
    };
    for (key, value) in keywords {
        match (target.get_mut(key), value) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) => merge(existing, value),
            _ => {
                let mut value = value.clone();
                if key == "enum"
                    && nullable
                    && let Some(values) = value.as_array_mut()
                {
                    values.push(Value::Null);
                }
                target.insert(key.clone(), value);
            }
        }
    }
}

/// Every `$ref` in `doc` that does not resolve (local `#/...` pointers only).
pub fn dangling_refs(doc: &Value) -> Vec<String> {
    fn walk(node: &Value, doc: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let resolves = target
                        .strip_prefix('#')
                        .is_some_and(|pointer| doc.pointer(pointer).is_some());
                    if !resolves {
                        out.push(target.clone());
                    }
                }
                map.values().for_each(|v| walk(v, doc, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut out);
    out
}

/// `(METHOD, path)` of every operation in the document.
pub fn operations(doc: &Value) -> Vec<(String, String)> {
    let empty = Map::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
