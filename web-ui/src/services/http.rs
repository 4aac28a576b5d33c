//! The one place that talks HTTP: adds the bearer token, maps status codes and the
//! `{"error": {"code", "message"}}` body to [`ApiError`], and reports session errors
//! (expired or invalid token) to the session provider.

use crate::i18n::{arg, num, t, t_args};
use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use yew::Callback;

/// What can go wrong with a request, by what the UI does about it.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server could not be reached (network down, server stopped).
    Network,
    /// 401: no, bad or expired token, or wrong credentials.
    Unauthorized { code: String, message: String },
    /// 403: the role may not do this (`forbidden`), or a check of the caller failed
    /// (`wrong_password`).
    Forbidden { code: String, message: String },
    /// 404.
    NotFound { code: String, message: String },
    /// 409: the domain refuses in the current state.
    Conflict { code: String, message: String },
    /// 400, 413, 415, 422: the request is malformed or invalid.
    Invalid { code: String, message: String },
    /// 429.
    RateLimited { retry_after_s: Option<u64> },
    /// 503: the database or the bus is down.
    Unavailable { message: String },
    /// Anything else (500, an unexpected status, a body that does not parse).
    Unexpected { status: u16, message: String },
}

impl ApiError {
    pub fn code(&self) -> &str {
        match self {
            ApiError::Unauthorized { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::NotFound { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Invalid { code, .. } => code,
            ApiError::Network => "network",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable { .. } => "dependency_unavailable",
            ApiError::Unexpected { .. } => "unexpected",
        }
    }

    /// A token that no longer works: the user must sign in again.
    pub fn ends_session(&self) -> bool {
        matches!(self, ApiError::Unauthorized { code, .. }
            if matches!(code.as_str(), "token_expired" | "invalid_token" | "missing_token"))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => write!(f, "{}", t("error-network")),
            ApiError::Unauthorized { code, message } => match code.as_str() {
                "invalid_credentials" => write!(f, "{}", t("error-invalid-credentials")),
                "token_expired" => write!(f, "{}", t("session-expired")),
                _ => write!(f, "{}", capitalise(message)),
            },
            ApiError::Forbidden { code, .. } if code == wire::accounts::WRONG_PASSWORD => {
                write!(f, "{}", t("error-wrong-password"))
            }
            ApiError::Forbidden { .. } => write!(f, "{}", t("error-forbidden")),
            ApiError::RateLimited {
                retry_after_s: Some(s),
            } => {
                write!(
                    f,
                    "{}",
                    t_args("error-rate-limited-for", &[("seconds", num(*s as f64))])
                )
            }
            ApiError::RateLimited {
                retry_after_s: None,
            } => write!(f, "{}", t("error-rate-limited")),
            ApiError::Unavailable { .. } => {
                write!(f, "{}", t("error-unavailable"))
            }
            ApiError::NotFound { message, .. }
            | ApiError::Conflict { message, .. }
            | ApiError::Invalid { message, .. }
            | ApiError::Unexpected { message, .. } => write!(f, "{}", capitalise(message)),
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let retry_after_s = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = response.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorEnvelope>(&body) {
        Ok(envelope) => (envelope.error.code, envelope.error.message),
        Err(_) => (
            format!("http_{status}"),
            t_args("error-http-status", &[("status", num(status as f64))]),
        ),
    };
    match status {
        401 => ApiError::Unauthorized { code, message },
        403 => ApiError::Forbidden { code, message },
        404 => ApiError::NotFound { code, message },
        409 => ApiError::Conflict { code, message },
        400 | 405 | 413 | 415 | 422 => ApiError::Invalid { code, message },
        429 => ApiError::RateLimited { retry_after_s },
        502..=504 => ApiError::Unavailable { message },
        _ => ApiError::Unexpected { status, message },
    }
}

/// An API client for the signed-in user (or nobody). Cheap to clone.
#[derive(Clone)]
pub struct Api {
    token: Option<Rc<str>>,
    on_session_error: Callback<ApiError>,
}

impl PartialEq for Api {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
    }
}

impl Api {
    pub fn new(token: Option<Rc<str>>, on_session_error: Callback<ApiError>) -> Self {
        Self {
            token,
            on_session_error,
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn builder(&self, method: Method, path: &str) -> RequestBuilder {
        let mut builder = RequestBuilder::new(path)
            .method(method)
            .header("Accept", "application/json");
        if let Some(token) = &self.token {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        builder
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Response, ApiError> {
        let builder = self.builder(method, path);
        let request = match body {
            Some(json) => builder
                .header("Content-Type", "application/json")
                .body(json),
            None => builder.build(),
        }
        .map_err(|e| ApiError::Unexpected {
            status: 0,
            message: e.to_string(),
        })?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if response.ok() {
            return Ok(response);
        }
        let error = error_from(response).await;
        if error.ends_session() && self.token.is_some() {
            self.on_session_error.emit(error.clone());
        }
        Err(error)
    }

    async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
        let text = response.text().await.map_err(|_| ApiError::Network)?;
        serde_json::from_str(&text).map_err(|e| ApiError::Unexpected {
            status: 200,
            message: t_args("error-unparsed", &[("error", arg(e.to_string()))]),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        Self::json(self.send(Method::GET, path, None).await?).await
    }

    /// Every row of a paged list (`GET /api/users`, `GET /api/agents`): page after page,
    /// following the `Link: <…>; rel="next"` header the server sends while more follow.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let mut rows = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(path) = next.take() {
            let response = self.send(Method::GET, &path, None).await?;
            next = response
                .headers()
                .get("link")
                .and_then(|link| next_page(&link));
            rows.extend(Self::json::<Vec<T>>(response).await?);
        }
        Ok(rows)
    }

    /// A file body (the CSV export) as the browser holds it: a Blob, which the page hands
    /// to the browser to save. The body is never copied into the app's (wasm) memory, nor
    /// held as a string beside the Blob; the token stays in a header, never in a URL.
    pub async fn get_blob(&self, path: &str) -> Result<web_sys::Blob, ApiError> {
        let response: web_sys::Response = self.send(Method::GET, path, None).await?.into();
        let promise = response.blob().map_err(|_| ApiError::Network)?;
        let value = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|_| ApiError::Network)?;
        value.dyn_into().map_err(|_| ApiError::Unexpected {
            status: 200,
            message: "the file did not arrive whole".to_owned(),
        })
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
        Self::json(self.send(Method::POST, path, Some(json)).await?).await
    }

    /// A command without a body (`/accept`, `/hold`, …).
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        Self::json(self.send(Method::POST, path, None).await?).await
    }

    /// A command whose answer is 204 No Content (deactivate, revoke, a password change);
    /// `body` is sent as JSON when given.
    pub async fn post_no_content<B: Serialize>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<(), ApiError> {
        let json = body.map(|b| serde_json::to_string(b).unwrap_or_else(|_| "{}".to_owned()));
        self.send(Method::POST, path, json).await.map(drop)
    }

    /// `DELETE` of a resource; the answer (204) has no body.
    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.send(Method::DELETE, path, None).await.map(drop)
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
        Self::json(self.send(Method::PUT, path, Some(json)).await?).await
    }
}

/// `key=value&…` with values percent-encoded; `None` values are left out.
/// The target of a `Link` header's `rel="next"`, the only relation the API sends.
fn next_page(link: &str) -> Option<String> {
    let (target, relation) = link.trim().strip_prefix('<')?.split_once('>')?;
    relation.contains("rel=\"next\"").then(|| target.to_owned())
}

pub fn query(params: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = params
        .iter()
        .filter_map(|(key, value)| {
            value
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{key}={}", String::from(js_sys::encode_uri_component(v))))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}
