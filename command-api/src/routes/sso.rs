//! Single sign-on routes (OpenID Connect, authorization code with PKCE; see `crate::oidc`
//! and docs/security.md): start at the provider, come back with a code, and hand the
//! session to the web UI through a one-time code in the URL fragment.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::values::Email;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::directory::UserRecord;
use crate::error::{ApiError, ErrorBody, Json, Query};
use crate::oidc::{Flow, HANDOFF_TTL_S, Handoff, Identity, Oidc, browser_hash};
use crate::routes::auth::LoginResponse;
use crate::state::AppState;

/// The cookie that carries the flow, then the browser's half of the handoff.
pub const COOKIE_NAME: &str = "parley_sso";
const COOKIE_PATH: &str = "/api/auth/oidc";
const FLOW: &str = "flow";
const HANDOFF: &str = "handoff";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth_config))
        .routes(routes!(sso_login))
        .routes(routes!(sso_callback))
        .routes(routes!(sso_exchange))
}

/// How one may log in, for the login page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthConfig {
    /// Email and password (`POST /api/auth/login`): always.
    pub password: bool,
    /// Single sign-on (`GET /api/auth/oidc/login`): when `[oidc]` is configured.
    pub sso: bool,
}

/// How one may log in: password always, single sign-on when configured. No token needed.
#[utoipa::path(get, path = "/api/auth/config", tag = "auth", responses((status = 200, body = AuthConfig)))]
async fn auth_config(State(state): State<AppState>) -> Json<AuthConfig> {
    Json(AuthConfig {
        password: true,
        sso: state.oidc.is_some(),
    })
}

fn configured(state: &AppState) -> Result<&Oidc, ApiError> {
    state.oidc.as_deref().ok_or_else(|| {
        ApiError::not_found(
            "sso_not_configured",
            "single sign-on is not configured on this server",
        )
    })
}

/// Starts a single sign-on: redirects (303) to the identity provider with a PKCE
/// challenge, a state and a nonce, which a sealed HttpOnly cookie keeps for the callback
/// (10 minutes).
#[utoipa::path(get, path = "/api/auth/oidc/login", tag = "auth", responses(
    (status = 303, description = "to the identity provider", headers(("Location" = String), ("Set-Cookie" = String))),
    (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn sso_login(State(state): State<AppState>) -> Result<Response, ApiError> {
    let oidc = configured(&state)?;
    let (url, flow) = oidc.start(chrono::Utc::now().timestamp()).await?;
    let cookie = cookie(oidc, &oidc.seal(FLOW, &flow)?, crate::oidc::FLOW_TTL_S);
    redirect(&url, &cookie)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackParams {
    /// The authorization code.
    pub code: Option<String>,
    /// Must equal the state the login started with.
    pub state: Option<String>,
    /// Set by the provider instead of `code` when it refused.
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Where the identity provider sends the browser back. Checks the state against the
/// login cookie, exchanges the code with the PKCE verifier, verifies the ID token (its
/// signature, issuer, audience, expiry and nonce), and maps it to an active Parley account
/// by its verified email (and role claim, when `oidc.role_claim` is set). Then redirects
/// (303) to the web UI with a one-time code in the fragment (`/#sso=...`), valid 60 s and
/// only in this browser, which `POST /api/auth/oidc/exchange` turns into a session.
#[utoipa::path(get, path = "/api/auth/oidc/callback", tag = "auth", params(CallbackParams), responses(
    (status = 303, description = "to the web UI, with the one-time code", headers(("Location" = String), ("Set-Cookie" = String))),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn sso_callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Result<Response, ApiError> {
    let oidc = configured(&state)?;
    state.login_throttle.check_source(peer.ip())?;
    let flow: Flow = read_cookie(&headers)
        .and_then(|sealed| oidc.open(FLOW, sealed))
        .ok_or_else(|| {
            ApiError::bad_request(
                "sso_flow_missing",
                "no single sign-on was started in this browser, or it was altered; start again",
            )
        })?;
    let now = chrono::Utc::now().timestamp();
    if flow.exp < now {
        return Err(ApiError::bad_request(
            "sso_flow_expired",
            "the single sign-on took too long; start again",
        ));
    }
    if params.state.as_deref() != Some(flow.state.as_str()) {
        return Err(ApiError::bad_request(
            "sso_state_mismatch",
            "the state does not match the one this sign-on started with",
        ));
    }
    if let Some(error) = params.error {
        let detail = params.error_description.unwrap_or_default();
        return Err(ApiError::unauthorized(
            "sso_refused",
            format!("the identity provider refused: {error} {detail}")
                .trim()
                .to_owned(),
        ));
    }
    let code = params
        .code
        .filter(|code| !code.is_empty())
        .ok_or_else(|| ApiError::bad_request("sso_code_missing", "the callback has no code"))?;
    let identity = oidc.finish(&code, &flow).await?;
    let user = account_of(&state, &identity).await?;
    let browser = crate::oidc::random_secret();
    let handoff = Handoff {
        jti: Uuid::new_v4(),
        user_id: user.id.as_uuid(),
        browser: browser_hash(&browser),
        exp: now.saturating_add(HANDOFF_TTL_S),
    };
    let location = format!("/#sso={}", oidc.seal(HANDOFF, &handoff)?);
    tracing::info!(user_id = %user.id, "single sign-on verified; handing off to the web UI");
    redirect(&location, &cookie(oidc, &browser, HANDOFF_TTL_S))
}

/// The active account an identity maps to; 403 with the reason otherwise.
async fn account_of(state: &AppState, identity: &Identity) -> Result<AuthUser, ApiError> {
    let refuse = |code: &'static str, message: String| {
        tracing::warn!(subject = %identity.subject, code, "single sign-on refused");
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    };
    let email = match (&identity.email, identity.email_verified) {
        (Some(email), true) => Email::parse(email).map_err(|_| {
            refuse(
                "sso_email_unverified",
                "the identity provider sent no usable email".into(),
            )
        })?,
        _ => {
            return Err(refuse(
                "sso_email_unverified",
                "the identity provider did not vouch for an email (email_verified)".into(),
            ));
        }
    };
    let row: Option<(Uuid, String, String, String, bool, Option<Uuid>)> = sqlx::query_as(
        "SELECT id, email, name, role, disabled_at IS NOT NULL, organisation_id FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(&state.pool)
    .await?;
    let Some((id, email, name, role, disabled, organisation_id)) = row else {
        return Err(refuse(
            "sso_unknown_user",
            format!("no Parley account has the email {email}; an admin creates accounts"),
        ));
    };
    if disabled {
        return Err(refuse(
            "account_deactivated",
            "this account is deactivated".into(),
        ));
    }
    let user = UserRecord {
        id,
        email,
        name,
        role,
        organisation_id,
        deactivated_at: None,
    }
    .to_auth_user()?;
    let claimed: Vec<Role> = identity
        .roles
        .iter()
        .filter_map(|role| Role::parse(role).ok())
        .collect();
    if !claimed.is_empty() && !claimed.contains(&user.role) {
        return Err(refuse(
            "sso_role_mismatch",
            format!(
                "the identity provider gives this account another role than its Parley role ({})",
                user.role.as_str()
            ),
        ));
    }
    Ok(user)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    /// The one-time code from the `#sso=` fragment.
    #[schema(min_length = 1, max_length = 4096)]
    pub code: String,
}

/// Exchanges the one-time code of a single sign-on for an access token, as
/// `POST /api/auth/login` answers. Only once, within 60 s, and from the browser that
/// signed in (its cookie).
#[utoipa::path(post, path = "/api/auth/oidc/exchange", tag = "auth", request_body = ExchangeBody, responses(
    (status = 200, body = LoginResponse),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn sso_exchange(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<ExchangeBody>,
) -> Result<Response, ApiError> {
    let oidc = configured(&state)?;
    state.login_throttle.check_source(peer.ip())?;
    let invalid = || {
        ApiError::bad_request(
            "sso_code_invalid",
            "this sign-on code is not valid, has expired, or belongs to another browser",
        )
    };
    let handoff: Handoff = oidc.open(HANDOFF, &body.code).ok_or_else(invalid)?;
    let browser = read_cookie(&headers).map(browser_hash);
    if handoff.exp < chrono::Utc::now().timestamp() || browser.as_deref() != Some(&handoff.browser)
    {
        return Err(invalid());
    }
    // One use, on whichever API process: the code's id joins the revoked tokens.
    let first_use: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, to_timestamp($3::int8)) \
         ON CONFLICT (jti) DO NOTHING RETURNING jti",
    )
    .bind(handoff.jti)
    .bind(handoff.user_id)
    .bind(handoff.exp)
    .fetch_optional(&state.pool)
    .await?;
    if first_use.is_none() {
        return Err(ApiError::bad_request(
            "sso_code_used",
            "this sign-on code was used already; sign in again",
        ));
    }
    let record: Option<UserRecord> = sqlx::query_as(
        "SELECT id, email, name, role FROM users WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(handoff.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let user = record
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "account_deactivated",
                "this account is deactivated or no longer exists",
            )
        })?
        .to_auth_user()?;
    tracing::info!(user_id = %user.id, role = user.role.as_str(), method = "oidc", "logged in");
    let answer = LoginResponse {
        access_token: state.keys.issue(&user)?,
        token_type: "Bearer",
        expires_in: state.keys.ttl_s(),
        user,
    };
    let mut response = Json(answer).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie(oidc, "", 0)) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(response)
}

/// The `parley_sso` cookie's value, if the request has one.
fn read_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

/// `Set-Cookie` for `value`, living `max_age_s` (0 removes it). `Secure` when the API is
/// reached over https; `SameSite=Lax`, so that the provider's redirect back carries it.
fn cookie(oidc: &Oidc, value: &str, max_age_s: i64) -> String {
    let secure = if oidc.settings().redirect_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE_NAME}={value}; Path={COOKIE_PATH}; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{secure}"
    )
}

fn redirect(location: &str, cookie: &str) -> Result<Response, ApiError> {
    let header = |value: &str| HeaderValue::from_str(value).map_err(|e| ApiError::internal(&e));
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(LOCATION, header(location)?);
    response.headers_mut().insert(SET_COOKIE, header(cookie)?);
    Ok(response)
}
