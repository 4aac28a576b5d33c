//! One error type for every HTTP answer that is not a success, in the shape docs/api.md fixes:
//! `{"error": {"code": "snake_case_code", "message": "human text"}}`. Internal causes are
//! logged, never echoed.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::agent::AgentError;
use domain::billing::ledger::BillingError;
use domain::call::CallError;
use domain::organisation::OrganisationError;
use domain::queue::QueueError;
use domain::values::ValueError;
use domain::workflow::{ExecuteError, WorkflowError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use utoipa::ToSchema;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after_s: Option<u64>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `malformed_json`, `call_not_offered_to_you`, ...
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn too_many_requests(retry_after_s: u64) -> Self {
        Self {
            retry_after_s: Some(retry_after_s),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many attempts; try again in {retry_after_s} s"),
            )
        }
    }
    /// A dependency failed. The cause goes to the log; the client gets a 503.
    pub fn unavailable(dependency: &'static str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(dependency, %cause, "dependency failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "dependency_unavailable",
            format!("the {dependency} is unavailable; try again shortly"),
        )
    }
    /// A bug on our side. The cause goes to the log; the client gets a bare 500.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<ValueError> for ApiError {
    fn from(e: ValueError) -> Self {
        Self::unprocessable("invalid_value", e.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // SQLSTATE class 22, "data exception": a value the database refuses (a NUL in text,
        // a date or number out of its range) came from the request, since every value the
        // code computes itself stays in range. The client's to fix, so not a 503.
        if let sqlx::Error::Database(db) = &e
            && db.code().is_some_and(|code| code.starts_with("22"))
        {
            tracing::warn!(cause = %e, "the database refused a value of the request");
            return Self::unprocessable(
                "invalid_value",
                "a value of the request is outside what the database can store \
                 (a NUL character, or a date or number out of range)",
            );
        }
        Self::unavailable("database", &e)
    }
}

/// Maps a domain refusal: a missing aggregate is 404, every other refusal a state conflict.
fn refusal(not_found: bool, code: &'static str, message: String) -> ApiError {
    if not_found {
        ApiError::not_found(code, message)
    } else {
        ApiError::conflict(code, message)
    }
}

impl From<CallError> for ApiError {
    fn from(e: CallError) -> Self {
        // An unknown or removed guest is not found, like an unknown call.
        let not_found = matches!(e, CallError::NotFound | CallError::GuestNotFound);
        refusal(not_found, e.code(), e.to_string())
    }
}

impl From<AgentError> for ApiError {
    fn from(e: AgentError) -> Self {
        refusal(e == AgentError::NotFound, e.code(), e.to_string())
    }
}

impl From<QueueError> for ApiError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::OverflowIntoItself | QueueError::WidensIntoItself => {
                Self::unprocessable(e.code(), e.to_string())
            }
            _ => refusal(e == QueueError::NotFound, e.code(), e.to_string()),
        }
    }
}

impl From<OrganisationError> for ApiError {
    fn from(e: OrganisationError) -> Self {
        match e {
            OrganisationError::PreferredAndBanned
            | OrganisationError::RateCardCurrencyChanged(_) => {
                Self::unprocessable(e.code(), e.to_string())
            }
            _ => refusal(e == OrganisationError::NotFound, e.code(), e.to_string()),
        }
    }
}

impl From<domain::privacy::PrivacyError> for ApiError {
    fn from(e: domain::privacy::PrivacyError) -> Self {
        match e {}
    }
}

impl From<BillingError> for ApiError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::NotBilled => Self::conflict(e.code(), e.to_string()),
            BillingError::PayCurrencyChanged(_)
            | BillingError::EmptyCredit
            | BillingError::CreditExceedsBilled { .. } => {
                Self::unprocessable(e.code(), e.to_string())
            }
        }
    }
}

impl<E> From<ExecuteError<E>> for ApiError
where
    E: std::error::Error + Into<ApiError>,
{
    fn from(e: ExecuteError<E>) -> Self {
        match e {
            ExecuteError::Rejected(refusal) => refusal.into(),
            ExecuteError::Conflict {
                aggregate,
                attempts,
            } => Self::conflict(
                "concurrent_modification",
                format!(
                    "the {aggregate} kept changing under this command ({attempts} attempts); retry"
                ),
            ),
            ExecuteError::Store(cause) => Self::unavailable("event store", &cause),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Call(e) => e.into(),
            WorkflowError::Agent(e) => e.into(),
        }
    }
}

/// `axum::Json`, with rejections in our error shape: bad syntax 400, wrong shape 400,
/// missing content type 415, too large 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Read as raw JSON first (content type, size and syntax as axum checks them), so
        // that a body which is not an object is refused: serde would read a struct from
        // an array (`[[]]`) as readily as from an object.
        let raw =
            match axum::Json::<Box<serde_json::value::RawValue>>::from_request(req, state).await {
                Ok(axum::Json(raw)) => raw,
                Err(rejection) => return Err(json_rejection(&rejection)),
            };
        if !raw.get().starts_with('{') {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body must be a JSON object",
            ));
        }
        serde_json::from_str(raw.get()).map(Self).map_err(|e| {
            ApiError::bad_request(
                "invalid_body",
                format!("Failed to deserialize the JSON body into the target type: {e}"),
            )
        })
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", e.body_text()),
        JsonRejection::JsonDataError(e) => ApiError::bad_request("invalid_body", e.body_text()),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
        }
        other => ApiError::bad_request("unreadable_body", other.body_text()),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path`, answering 400 in our error shape when a segment does not parse.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::bad_request("invalid_path", e.body_text()))
            }
            Err(other) => Err(ApiError::bad_request("invalid_path", other.body_text())),
        }
    }
}

/// `axum::extract::Query`, answering 400 in our error shape.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}
