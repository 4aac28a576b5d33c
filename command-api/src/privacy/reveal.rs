//! Sealed tokens become plain text (or `[erased]`) where the API answers, in one place: a
//! layer over every JSON answer, so no read path (a call, its history, billing's traces,
//! a policy's changes, a subject's export) can forget to. Streams that are not JSON (the
//! CSV export) call `reveal_fields` themselves.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::values::SEALED_PREFIX;
use serde_json::Value;

use super::vault::{PrivacyError, Vault};
use crate::error::ApiError;
use crate::state::AppState;

/// Replaces every sealed token among the strings of `value` by what it reveals.
pub async fn reveal_json(vault: &Vault, value: &mut Value) -> Result<(), PrivacyError> {
    let mut tokens = Vec::new();
    collect(value, &mut tokens);
    if tokens.is_empty() {
        return Ok(());
    }
    let plain = vault.reveal(tokens.iter().map(String::as_str)).await?;
    replace(value, &plain);
    Ok(())
}

/// Replaces the sealed tokens among `fields`.
pub async fn reveal_fields(
    vault: &Vault,
    fields: &mut [&mut Option<String>],
) -> Result<(), PrivacyError> {
    let tokens: Vec<String> = fields
        .iter()
        .filter_map(|f| f.as_deref())
        .filter(|t| t.starts_with(SEALED_PREFIX))
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() {
        return Ok(());
    }
    let plain = vault.reveal(tokens.iter().map(String::as_str)).await?;
    for field in fields.iter_mut() {
        if let Some(text) = field.as_mut()
            && let Some(revealed) = plain.get(text.as_str())
        {
            *text = revealed.clone();
        }
    }
    Ok(())
}

fn collect(value: &Value, tokens: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with(SEALED_PREFIX) => tokens.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect(v, tokens)),
        Value::Object(map) => map.values().for_each(|v| collect(v, tokens)),
        _ => {}
    }
}

fn replace(value: &mut Value, plain: &std::collections::HashMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(revealed) = plain.get(s.as_str()) {
                *s = revealed.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, plain)),
        Value::Object(map) => map.values_mut().for_each(|v| replace(v, plain)),
        _ => {}
    }
}

/// The layer: a JSON answer holding a token is parsed, revealed and written again; any
/// other answer passes untouched (one byte search).
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => return ApiError::internal(&e).into_response(),
    };
    if !holds_token(&bytes) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let revealed = async {
        let mut value: Value =
            serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(&e))?;
        reveal_json(&state.vault, &mut value).await?;
        serde_json::to_vec(&value).map_err(|e| ApiError::internal(&e))
    };
    match revealed.await {
        Ok(body) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        Err(e) => e.into_response(),
    }
}

/// Whether `haystack` holds a sealed token (SIMD search: every JSON answer pays it).
pub fn holds_token(haystack: &[u8]) -> bool {
    memchr::memmem::find(haystack, SEALED_PREFIX.as_bytes()).is_some()
}

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::Database(e) => e.into(),
            PrivacyError::Unwrap(_) | PrivacyError::Seal => {
                tracing::error!(cause = %e, "privacy keys");
                ApiError::internal(&e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_at_any_depth_and_replaced() {
        let token = format!("{SEALED_PREFIX}00000000-0000-0000-0000-000000000001:AAAA");
        let mut value = serde_json::json!({"a": [{"notes": token}], "b": "plain", "c": 1});
        let mut tokens = Vec::new();
        collect(&value, &mut tokens);
        assert_eq!(tokens, vec![token.clone()]);
        let plain = std::collections::HashMap::from([(token, "[erased]".to_owned())]);
        replace(&mut value, &plain);
        assert_eq!(value["a"][0]["notes"], "[erased]");
        assert_eq!(value["b"], "plain");
    }
}
