//! The document checked without a server; `tests/api/openapi.rs` checks it against a live
//! one (every documented route served, every served method documented).

use super::*;

fn document() -> Value {
    crate::routes::openapi_document()
}

#[test]
fn every_ref_in_the_document_resolves() {
    let doc = document();
    assert_eq!(dangling_refs(&doc), Vec::<String>::new());
    // The check itself finds a dangling one.
    let broken = json!({"a": {"$ref": "#/components/schemas/Nope"}, "components": {}});
    assert_eq!(dangling_refs(&broken), ["#/components/schemas/Nope"]);
}

#[test]
fn every_bound_applies_to_a_field() {
    let (_, openapi) = crate::routes::api_router();
    let mut doc = serde_json::to_value(&openapi).expect("serialise");
    assert_eq!(apply_bounds(&mut doc), Vec::<String>::new());
}

#[test]
fn bounds_come_from_the_validation_constants() {
    let doc = document();
    let field = |schema: &str, field: &str| {
        doc.pointer(&format!("/components/schemas/{schema}/properties/{field}"))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(field("RatingBody", "stars")["maximum"], 5);
    assert_eq!(field("QueueBody", "max_wait_s")["maximum"], 86_400);
    assert_eq!(field("WrapUpBody", "disposition")["maxLength"], 64);
    assert_eq!(
        field("StatusBody", "status")["enum"],
        json!(["available", "break", "offline"])
    );
    // Optional fields accept null, so their enum lists it.
    assert_eq!(
        field("RequestCallBody", "priority")["enum"],
        json!(["normal", "urgent", null])
    );
    assert_eq!(
        field("CreateApiKeyBody", "scopes")["items"]["enum"],
        json!(["calls:request", "calls:read", "calls:cancel"])
    );
    let scope = doc
        .pointer("/paths/~1api~1agents/get/parameters/0/schema")
        .cloned()
        .unwrap_or_default();
    assert!(scope.to_string().contains("colleagues"), "{scope}");
}

#[test]
fn every_operation_lists_the_answers_of_its_extractors() {
    let doc = document();
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_ascii_lowercase()];
        let responses = operation["responses"].as_object().expect("responses");
        let has = |status: &str| responses.contains_key(status);
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        if secured {
            assert!(has("401") && has("403"), "{method} {path}");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415", "503"] {
                assert!(has(status), "{method} {path} lacks {status}");
            }
        }
        for (status, response) in responses {
            let is_error = status.starts_with('4') || status.starts_with('5');
            // `/readyz` answers its 503 with the readiness body, which carries the error.
            if is_error && path != "/readyz" {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

/// A route added with axum's own `route` method (on a `Router` or an `OpenApiRouter`) would be
/// served without being documented; every route must come from `utoipa_axum::routes!`.
#[test]
fn routes_are_added_only_through_utoipa_axum() {
    let needles = [
        concat!(".route", "("),
        concat!(".route_service", "("),
        concat!(".nest", "("),
        concat!(".nest_service", "("),
        concat!("routing", "::"),
    ];
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read file");
                for needle in needles {
                    if text.contains(needle) {
                        offenders.push(format!("{} uses {needle}", path.display()));
                    }
                }
            }
        }
    }
    assert_eq!(offenders, Vec::<String>::new());
}
