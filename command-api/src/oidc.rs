//! Single sign-on with OpenID Connect (authorization code with PKCE): the provider's
//! discovered metadata, the sealed values the flow carries through the browser, and the
//! ID token's verification. The routes are in `routes::sso`; docs/security.md tells the
//! flow and what is refused.
//!
//! Nothing is kept on the server between the steps, so that any API process can finish a
//! login another one started: the flow's state, nonce and PKCE verifier travel in an
//! HttpOnly cookie sealed with an HMAC (a key derived from the access-token signing key),
//! and the one-time handoff code is sealed the same way; its single use is recorded in
//! `revoked_tokens`, which every process reads.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::config::{AuthSettings, OidcSettings};
use crate::error::ApiError;

/// How long a started login may take at the provider.
pub const FLOW_TTL_S: i64 = 600;
/// How long the SPA has to exchange the handoff code for a session.
pub const HANDOFF_TTL_S: i64 = 60;
/// How long the provider's metadata and keys are reused before they are fetched again.
const METADATA_FRESH_FOR: Duration = Duration::from_secs(300);

/// What the login cookie carries from `/login` to `/callback`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Unix seconds after which the flow is refused.
    pub exp: i64,
}

/// The one-time code the SPA exchanges for a session: whose it is, and the hash of the
/// random value in the browser's cookie, so that only the browser that logged in can use it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handoff {
    pub jti: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub browser: String,
    pub exp: i64,
}

/// What a verified ID token says about its user.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// The role claim's values (a string or a list of strings); empty when absent.
    pub roles: Vec<String>,
}

/// Why a callback could not get a verified identity.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the provider refused the authorization code: {0}")]
    CodeRejected(String),
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the identity provider is unreachable: {0}")]
    Unreachable(String),
}

impl From<CallbackError> for ApiError {
    fn from(error: CallbackError) -> Self {
        match &error {
            CallbackError::CodeRejected(_) => {
                ApiError::unauthorized("sso_code_rejected", error.to_string())
            }
            CallbackError::InvalidIdToken(_) => {
                ApiError::unauthorized("sso_invalid_id_token", error.to_string())
            }
            CallbackError::Unreachable(_) => ApiError::unavailable("identity provider", &error),
        }
    }
}

/// The configured provider, its metadata fetched on first use and then every few minutes.
pub struct Oidc {
    settings: OidcSettings,
    seal_key: [u8; 32],
    cached: Mutex<Option<(Instant, reqwest::Client, CoreProviderMetadata)>>,
}

impl Oidc {
    /// `None` when `[oidc]` is not configured.
    pub fn new(settings: &OidcSettings, auth: &AuthSettings) -> Option<Self> {
        if !settings.enabled() {
            return None;
        }
        Some(Self {
            settings: settings.clone(),
            seal_key: seal_key(auth),
            cached: Mutex::new(None),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The provider's HTTP client and metadata (discovery document and signing keys).
    async fn provider(&self) -> Result<(reqwest::Client, CoreProviderMetadata), CallbackError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, http, metadata)) = cached.as_ref()
            && at.elapsed() < METADATA_FRESH_FOR
        {
            return Ok((http.clone(), metadata.clone()));
        }
        let unreachable = |e: &dyn std::fmt::Display| CallbackError::Unreachable(e.to_string());
        // No redirects: the client must not be led to other hosts (openidconnect's advice).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| unreachable(&e))?;
        let issuer =
            IssuerUrl::new(self.settings.issuer_url.clone()).map_err(|e| unreachable(&e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| unreachable(&e))?;
        *cached = Some((Instant::now(), http.clone(), metadata.clone()));
        Ok((http, metadata))
    }

    async fn client(
        &self,
    ) -> Result<
        (
            reqwest::Client,
            CoreClient<
                openidconnect::EndpointSet,
                openidconnect::EndpointNotSet,
                openidconnect::EndpointNotSet,
                openidconnect::EndpointNotSet,
                openidconnect::EndpointMaybeSet,
                openidconnect::EndpointMaybeSet,
            >,
        ),
        CallbackError,
    > {
        let (http, metadata) = self.provider().await?;
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| CallbackError::Unreachable(format!("oidc.redirect_url: {e}")))?;
        let secret = self
            .settings
            .client_secret
            .as_ref()
            .map(|secret| ClientSecret::new(secret.expose_secret().to_owned()))
            .filter(|secret| !secret.secret().is_empty());
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            secret,
        )
        .set_redirect_uri(redirect);
        Ok((http, client))
    }

    /// Where to send the browser, and the flow to keep in its cookie.
    pub async fn start(&self, now: i64) -> Result<(String, Flow), CallbackError> {
        let (_, client) = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            exp: now.saturating_add(FLOW_TTL_S),
        };
        Ok((url.to_string(), flow))
    }

    /// Exchanges the code (with the flow's PKCE verifier) and verifies the ID token:
    /// signature, issuer, audience, expiry and the flow's nonce.
    pub async fn finish(&self, code: &str, flow: &Flow) -> Result<Identity, CallbackError> {
        let (http, client) = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| CallbackError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(answer) => {
                    CallbackError::CodeRejected(answer.error().to_string())
                }
                other => CallbackError::Unreachable(other.to_string()),
            })?;
        let invalid = |e: &dyn std::fmt::Display| CallbackError::InvalidIdToken(e.to_string());
        let id_token = response
            .id_token()
            .ok_or_else(|| invalid(&"the token response has no ID token"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
            .map_err(|e| invalid(&e))?;
        // The role claim is not one of the standard claims: read it from the payload of
        // the token whose signature and claims were just verified.
        let roles = match self.settings.role_claim.trim() {
            "" => Vec::new(),
            name => role_values(&id_token.to_string(), name).map_err(|e| invalid(&e))?,
        };
        Ok(Identity {
            subject: claims.subject().to_string(),
            email: claims.email().map(|email| email.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            roles,
        })
    }

    /// `value` sealed for `purpose`: base64url(JSON) "." base64url(HMAC).
    pub fn seal<T: Serialize>(&self, purpose: &str, value: &T) -> Result<String, ApiError> {
        seal_with(&self.seal_key, purpose, value)
    }

    /// The value of a string sealed for `purpose` by [`Oidc::seal`]; `None` when it was
    /// not (tampered, another purpose, another key).
    pub fn open<T: DeserializeOwned>(&self, purpose: &str, sealed: &str) -> Option<T> {
        let (body, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        mac(&self.seal_key, purpose, body).verify_slice(&tag).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
    }
}

/// Seals `value` as [`Oidc::seal`] does, with the key derived from `auth`; for tests that
/// forge a flow.
pub fn seal_for_tests<T: Serialize>(
    auth: &AuthSettings,
    purpose: &str,
    value: &T,
) -> Result<String, ApiError> {
    seal_with(&seal_key(auth), purpose, value)
}

fn seal_with<T: Serialize>(key: &[u8; 32], purpose: &str, value: &T) -> Result<String, ApiError> {
    let json = serde_json::to_vec(value).map_err(|e| ApiError::internal(&e))?;
    let body = URL_SAFE_NO_PAD.encode(json);
    let tag = URL_SAFE_NO_PAD.encode(mac(key, purpose, &body).finalize().into_bytes());
    Ok(format!("{body}.{tag}"))
}

/// A key of its own for sealing, derived from the key that signs access tokens.
fn seal_key(auth: &AuthSettings) -> [u8; 32] {
    let (current, _) = auth.signing_keys();
    let mut hasher = Sha256::new();
    hasher.update(b"parley-sso-seal\0");
    hasher.update(current.secret.expose_secret().as_bytes());
    hasher.finalize().into()
}

fn mac(key: &[u8; 32], purpose: &str, body: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(body.as_bytes());
    mac
}

/// 32 random bytes, base64url: the browser's half of a handoff.
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    URL_SAFE_NO_PAD.encode(secret)
}

/// The hash a handoff code keeps of the browser's cookie value.
pub fn browser_hash(cookie_value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(cookie_value.as_bytes()))
}

/// The string values of claim `name` in a JWT's payload: a string, or a list of strings.
fn role_values(jwt: &str, name: &str) -> Result<Vec<String>, String> {
    let payload = jwt.split('.').nth(1).ok_or("not a JWT")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("payload: {e}"))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("payload: {e}"))?;
    Ok(match claims.get(name) {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(many)) => many
            .iter()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_values_read_a_string_or_a_list() {
        let jwt = |claims: serde_json::Value| {
            format!("h.{}.s", URL_SAFE_NO_PAD.encode(claims.to_string()))
        };
        let one = jwt(serde_json::json!({"r": "admin"}));
        assert_eq!(role_values(&one, "r").unwrap(), ["admin"]);
        let many = jwt(serde_json::json!({"r": ["x", 3, "agent"]}));
        assert_eq!(role_values(&many, "r").unwrap(), ["x", "agent"]);
        assert!(role_values(&many, "other").unwrap().is_empty());
    }

    #[test]
    fn a_sealed_value_opens_only_unchanged_and_for_its_purpose() {
        let settings = crate::config::Settings::local_defaults().unwrap();
        let mut oidc_settings = settings.oidc.clone();
        oidc_settings.issuer_url = "http://127.0.0.1:1".into();
        oidc_settings.client_id = "parley".into();
        oidc_settings.redirect_url = "http://127.0.0.1:2/api/auth/oidc/callback".into();
        let oidc = Oidc::new(&oidc_settings, &settings.auth).unwrap();
        let flow = Flow {
            state: "s".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            exp: 1,
        };
        let sealed = oidc.seal("flow", &flow).unwrap();
        assert_eq!(oidc.open::<Flow>("flow", &sealed).unwrap().state, "s");
        assert!(oidc.open::<Flow>("handoff", &sealed).is_none());
        let mut tampered = sealed.clone();
        tampered.replace_range(0..1, if sealed.starts_with('a') { "b" } else { "a" });
        assert!(oidc.open::<Flow>("flow", &tampered).is_none());
        assert_eq!(
            seal_for_tests(&settings.auth, "flow", &flow).unwrap(),
            sealed
        );
    }
}
