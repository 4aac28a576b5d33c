//! Read-your-writes across API processes and database replicas.
//!
//! A command answered 202 may also give the stream sequence of its event, when the
//! request asks with the header `Parley-Return-Seq: true`: the answer then waits (at most
//! [`MAX_WAIT`]) until the relay has published the event, and `seq` is the relay's
//! position then, at or after the event. Not by default: the wait is the relay's latency,
//! a few milliseconds on every command.
//!
//! A query given `min_seq` waits (at most [`MAX_WAIT`]) until every read model has applied
//! the stream up to that sequence, on the primary and on the replica when the question
//! would read there; every read model stores its checkpoint beside its rows, so this
//! holds on whichever node answers. A `min_seq` past the relay's position is refused at
//! once (422 `min_seq_ahead`): no read model can reach it yet.

use std::sync::LazyLock;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cqrs_es::Aggregate;
use sqlx::PgPool;

use crate::error::ApiError;
use crate::state::AppState;

/// The request header asking a command's answer for its stream sequence.
pub const RETURN_SEQ_HEADER: &str = "parley-return-seq";
/// The query parameter asking a query to wait for the read models.
pub const MIN_SEQ_PARAM: &str = "min_seq";
/// The longest a request waits for the relay or the read models.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(2);
/// A command's answer is a few dozen bytes.
const ANSWER_LIMIT: usize = 64 * 1024;

/// The aggregates whose commands answer `{id, version}`.
const AGGREGATE_TYPES: [&str; 6] = [
    domain::Call::TYPE,
    domain::Agent::TYPE,
    domain::Queue::TYPE,
    domain::organisation::Organisation::TYPE,
    domain::billing::ledger::PayRates::TYPE,
    domain::billing::ledger::CallBilling::TYPE,
];

/// The lowest checkpoint of every read model, in one statement.
static LOWEST_CHECKPOINT: LazyLock<String> =
    LazyLock::new(projections::worker::lowest_checkpoint_sql);

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.method() == Method::GET
        && let Some(min_seq) = take_min_seq(&mut request)
    {
        let waited = match min_seq {
            Ok(min_seq) => wait_for_read_models(&state, min_seq).await,
            Err(error) => Err(error),
        };
        if let Err(error) = waited {
            return error.into_response();
        }
    }
    let wants_seq = request
        .headers()
        .get(RETURN_SEQ_HEADER)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"true"));
    let response = next.run(request).await;
    if wants_seq && response.status() == StatusCode::ACCEPTED {
        return with_seq(&state, response).await;
    }
    response
}

/// The `min_seq` asked for, and the request without it (the routes' own query types
/// refuse fields they do not know).
fn take_min_seq(request: &mut Request) -> Option<Result<i64, ApiError>> {
    let query = request.uri().query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let (asked, rest): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|(name, _)| name == MIN_SEQ_PARAM);
    let (_, asked) = asked.into_iter().next_back()?;
    let invalid = || {
        ApiError::bad_request(
            "invalid_query",
            format!("{MIN_SEQ_PARAM} must be a stream sequence (a whole number, 0 or more)"),
        )
    };
    let Some(min_seq) = asked.parse::<i64>().ok().filter(|seq| *seq >= 0) else {
        return Some(Err(invalid()));
    };
    let path = request.uri().path();
    let uri = match serde_urlencoded::to_string(&rest) {
        Ok(rest) if rest.is_empty() => path.to_owned(),
        Ok(rest) => format!("{path}?{rest}"),
        Err(_) => return Some(Err(invalid())),
    };
    match uri.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return Some(Err(invalid())),
    }
    Some(Ok(min_seq))
}

async fn wait_for_read_models(state: &AppState, min_seq: i64) -> Result<(), ApiError> {
    let published: i64 = sqlx::query_scalar("SELECT stream_sequence FROM relay_cursor")
        .fetch_one(&state.pool)
        .await
        .map_err(|error| ApiError::unavailable("database", &error))?;
    if min_seq > published {
        return Err(ApiError::unprocessable(
            "min_seq_ahead",
            format!("{MIN_SEQ_PARAM} {min_seq} is past the last event published ({published})"),
        ));
    }
    let deadline = tokio::time::Instant::now() + MAX_WAIT;
    let mut pools: Vec<&PgPool> = vec![&state.pool];
    pools.extend(state.history.replica_in_use());
    for pool in pools {
        loop {
            let lowest: i64 = sqlx::query_scalar(&LOWEST_CHECKPOINT)
                .fetch_one(pool)
                .await
                .map_err(|error| ApiError::unavailable("database", &error))?;
            if lowest >= min_seq {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ApiError {
                    retry_after_s: Some(1),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "read_model_behind",
                        format!(
                            "the read models reached {lowest}, not yet {MIN_SEQ_PARAM} {min_seq}; try again shortly"
                        ),
                    )
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
    Ok(())
}

/// The 202 answer with `seq` added, once the relay has published the event; as it was
/// when that takes longer than [`MAX_WAIT`].
async fn with_seq(state: &AppState, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ANSWER_LIMIT).await else {
        return ApiError::internal(&"a command's answer could not be read").into_response();
    };
    let mut answer: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(answer) => answer,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    let (Some(id), Some(version)) = (answer["id"].as_str(), answer["version"].as_i64()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    match published_at(&state.pool, id, version).await {
        Ok(Some(seq)) => {
            answer["seq"] = seq.into();
            let body = serde_json::to_vec(&answer).unwrap_or_else(|_| bytes.to_vec());
            let mut response = Response::from_parts(parts, Body::from(body));
            response
                .headers_mut()
                .remove(axum::http::header::CONTENT_LENGTH);
            response
        }
        Ok(None) => Response::from_parts(parts, Body::from(bytes)),
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "cannot tell a command's stream sequence"
            );
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

/// The relay's stream sequence once it has published the event `version` of `id`.
async fn published_at(pool: &PgPool, id: &str, version: i64) -> anyhow::Result<Option<i64>> {
    let position: Option<(String, i64)> = sqlx::query_as(
        "SELECT tx_id::text, global_position FROM events \
         WHERE aggregate_type = ANY($1) AND aggregate_id = $2 AND sequence = $3",
    )
    .bind(AGGREGATE_TYPES)
    .bind(id)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    let Some((tx_id, global_position)) = position else {
        return Ok(None);
    };
    let deadline = tokio::time::Instant::now() + MAX_WAIT;
    loop {
        // Published: in an earlier epoch than the cursor's, or at or before it in its own.
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT stream_sequence FROM relay_cursor \
             WHERE $2 <= floor_position OR ($1::text::xid8, $2) <= (tx_id, global_position)",
        )
        .bind(&tx_id)
        .bind(global_position)
        .fetch_optional(pool)
        .await?;
        if seq.is_some() || tokio::time::Instant::now() >= deadline {
            return Ok(seq);
        }
        tokio::time::sleep(POLL).await;
    }
}
