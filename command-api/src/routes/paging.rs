//! Pages of the short lists (`GET /api/users`, `GET /api/agents`): the answer stays a JSON
//! array, at most `limit` rows (default and most [`MAX_PAGE`]) after the keyset position
//! `after`, and when more follow, a `Link: <…>; rel="next"` header (RFC 8288) names the
//! next page. A floor of up to a thousand people is one page, as before paging.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The most rows of one page, and the default.
pub const MAX_PAGE: i64 = 1000;
/// The `limit`s a page may ask for.
pub const PAGE_LIMIT: std::ops::RangeInclusive<i64> = 1..=MAX_PAGE;

/// `limit` checked (422 outside [`PAGE_LIMIT`]), or the default.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(MAX_PAGE),
        Some(limit) if PAGE_LIMIT.contains(&limit) => Ok(limit),
        Some(other) => Err(ApiError::unprocessable(
            "invalid_value",
            format!("limit: {other} is outside 1..={MAX_PAGE}"),
        )),
    }
}

/// The keyset position after a row: its sort key, opaque to clients.
pub fn encode_after(key: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The sort key `after` names (400 `invalid_cursor` for anything this API did not give).
pub fn decode_after<const N: usize>(raw: &str) -> Result<[String; N], ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<String>>(&bytes).ok())
        .and_then(|key| <[String; N]>::try_from(key).ok())
        .ok_or_else(invalid_after)
}

/// 400 `invalid_cursor`: an `after` this API did not give, or one whose parts do not read.
pub fn invalid_after() -> ApiError {
    ApiError::bad_request("invalid_cursor", "after: not a position this API gave")
}

/// The rows of a page fetched with `limit + 1`, trimmed to `limit`, and the headers that
/// name the next page (`path` with its other query parameters, then `limit` and `after`)
/// when the extra row shows that one follows.
pub fn page<T>(
    mut rows: Vec<T>,
    limit: i64,
    path: &str,
    key: impl Fn(&T) -> String,
) -> (HeaderMap, Vec<T>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut headers = HeaderMap::new();
    if rows.len() > limit {
        rows.truncate(limit);
        if let Some(last) = rows.last() {
            let separator = if path.contains('?') { '&' } else { '?' };
            let link = format!(
                "<{path}{separator}limit={limit}&after={}>; rel=\"next\"",
                key(last)
            );
            if let Ok(value) = HeaderValue::from_str(&link) {
                headers.insert(header::LINK, value);
            }
        }
    }
    (headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_and_a_forged_one_is_refused() {
        let after = encode_after(&["Ana Agent", "00000000-0000-0000-0000-000000000001"]);
        let key: [String; 2] = decode_after(&after).expect("ours");
        assert_eq!(key[0], "Ana Agent");
        assert!(decode_after::<2>("bm90IGpzb24").is_err());
        assert!(
            decode_after::<3>(&after).is_err(),
            "another list's position"
        );
    }

    #[test]
    fn only_a_full_page_names_the_next_one() {
        let (headers, rows) = page(vec![1, 2, 3], 2, "/api/agents?scope=me", |n| n.to_string());
        assert_eq!(rows, [1, 2]);
        assert_eq!(
            headers[header::LINK],
            "</api/agents?scope=me&limit=2&after=2>; rel=\"next\""
        );
        let (headers, rows) = page(vec![1, 2], 2, "/api/users", |n| n.to_string());
        assert_eq!((rows.len(), headers.contains_key(header::LINK)), (2, false));
    }
}
