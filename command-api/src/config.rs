//! Typed configuration: built-in defaults, then an optional TOML file (`PARLEY_CONFIG`),
//! then `PARLEY__SECTION__KEY` environment variables. Secrets never print.

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The development JWT secret. Accepted only when `environment = "local"`.
pub const DEV_JWT_SECRET: &str = "parley-local-development-secret-do-not-use";

const DEFAULTS: &str = r#"
environment = "production"

[http]
host = "127.0.0.1"
port = 8000
body_limit_bytes = 65536
shutdown_timeout_s = 10
# The built web UI (web-ui/build.sh), served at / for every path outside /api.
web_root = "web-ui/dist"
# Origins (scheme://host[:port]) whose pages may call the API from a browser. Empty: only
# the API's own origin (the web UI it serves). "*" (any origin) is refused in production.
cors_origins = []
# The bearer token a Prometheus scraper presents on /metrics. Empty: only a signed-in admin
# or supervisor may read /metrics.
metrics_token = ""

[database]
url = "postgres://parley@127.0.0.1:5432/parley"
max_connections = 20
acquire_timeout_s = 5
# Connections of a pool of their own for the questions whose cost depends on what is
# asked (the floor and a call as of an instant, metrics, the CSV export, routing
# explanations): however many supervisors scrub the past at once, commands keep the
# other max_connections.
history_connections = 4
# A streaming replica of the database (e.g. "postgres://parley@10.0.0.2:5432/parley"): the
# past, metrics, the export and routing explanations read from it while it answers, from
# the primary otherwise. Unset: the primary.
# replica_url = ""

[nats]
url = "nats://127.0.0.1:4222"

[bus]
stream = "PARLEY_EVENTS"
prefix = "parley"
# Days the stream keeps a message (0: for ever). A reader that needs an older one (a new
# read model, a rebuild, a part stopped for longer) reads it from the events table.
max_age_days = 30
# Copies of the stream on a NATS cluster (3 on a cluster of three); 1 on a single server.
replicas = 1

[auth]
jwt_secret = "parley-local-development-secret-do-not-use"
token_ttl_s = 3600
leeway_s = 5
login_burst = 10
login_per_minute = 10
# Wrong passwords in a row for one email from one source address before that pair must wait
# (15 s, doubling), and the longest wait in minutes (0 failures: never wait). See docs/security.md.
lockout_after = 5
lockout_minutes = 15
# Access-token signing keys, newest first: the first signs, every key listed verifies. Empty:
# jwt_secret under key id "default". E.g.
# signing_keys = [{kid = "2025-07", secret = "..."}, {kid = "default", secret = "..."}]
signing_keys = []

[pipeline]
# A part of the pipeline (relay, a projection worker, the router) that has not advanced in
# this many seconds while events wait for it is reported stalled: /readyz answers 503
# naming it, the log warns, and /metrics shows parley_pipeline_stalled_seconds. 0: never.
stall_after_s = 60

[read_models]
# What `parley project` prunes from the read models, every prune_every_s (the events table
# keeps everything: any call can still be replayed, any read model rebuilt). Calls
# requested more than calls_retention_days ago leave the call list, the export and the
# call history; metric buckets older than metrics_retention_days leave /api/metrics.
# 0: keep for ever.
calls_retention_days = 400
metrics_retention_days = 1100
prune_every_s = 3600
# The grid of floor snapshots that `parley project` writes, so GET /api/floor?at= folds
# one snapshot and at most this many seconds of events. 0: no snapshots (the floor as of
# an instant then folds every event before it).
floor_snapshot_every_s = 600

[commands]
max_attempts = 5
away_after_missed_offers = 3
# An interpreter's state is snapshotted every this many events, so a command loads the
# snapshot and fewer than this many events, however long the interpreter's history.
agent_snapshot_every = 20

[presence]
# An interpreter who could be offered calls (available, or holding an offer) and has had
# no live WebSocket for this long goes away (reason presence_lost); one on a call is
# flagged to supervisors. 0 turns presence off. Also PARLEY_PRESENCE_TIMEOUT_S.
timeout_s = 30

[callbacks]
# "Keep my place, call me back" (docs/routing.md, "Callbacks"). Once an interpreter accepts
# a callback call, its requester has join_window_s seconds to join before the call ends as
# abandoned. A webhook URL given with the callback is sent {"type": "callback_ready", ...}
# signed with webhook_secret (header Parley-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
# "<t>.<body>">); empty: callbacks with a webhook URL are refused (422). public_url is this
# API's address as requesters reach it (e.g. https://parley.example), for the join_url in
# the webhook; empty: join_url is the path alone.
join_window_s = 120
webhook_secret = ""
public_url = ""
webhook_max_attempts = 8
# Hosts a webhook URL may name, e.g. ["hooks.clinic.example", ".court.example"] (a leading
# dot allows the subdomains too). Empty: any host; set it wherever requesters are not all
# trusted, so no URL can make Parley call inside its own network.
webhook_hosts = []

[oidc]
# Single sign-on with OpenID Connect (authorization code with PKCE); see docs/security.md.
# Off while issuer_url is empty. The provider must list redirect_url, which is this API's
# /api/auth/oidc/callback as the browser reaches it. Also client_secret (confidential
# clients; empty for a public client). scopes: besides openid, a list or one
# space/comma-separated string. role_claim: the ID token claim naming Parley roles (a
# string or a list); empty: roles are not read.
issuer_url = ""
client_id = ""
redirect_url = ""
scopes = "email profile"
role_claim = ""

[privacy]
# Wraps the data keys that seal personal fields inside events (docs/privacy.md). Any
# string of at least 32 characters; AES-256 uses its SHA-256. Changing it makes every
# stored data key unreadable: keep it, and back it up apart from the database. The
# development default is refused in production.
master_key = "parley-local-development-master-key-do-not-use"
# How often `parley serve` shreds the free text older than each organisation's retention.
retention_sweep_every_s = 3600

[jitsi]
domain = "meet.jit.si"
# A self-hosted Jitsi with token authentication: set app_id and app_secret (as in prosody's
# config) and /api/calls/{id}/room returns a room token valid this many seconds.
token_ttl_s = 7200
# A telephone number participants may dial when video fails (Jitsi's dial-in, through a
# SIP gateway such as jigasi). Unset: the room offers no dial-in. The PIN is the room's.
# dial_in_number = "+1 555 0100"
# How long a guest's link to a call admits them (POST /api/calls/{id}/participants).
guest_link_ttl_s = 7200
"#;

/// Crypto-shredding (issue 26, docs/privacy.md).
#[derive(Debug, Clone, Deserialize)]
pub struct PrivacySettings {
    pub master_key: SecretString,
    pub retention_sweep_every_s: u64,
}

/// The development master key. Accepted only when `environment = "local"`.
pub const DEV_MASTER_KEY: &str = "parley-local-development-master-key-do-not-use";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// A developer's machine: the default JWT secret is allowed.
    Local,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: Environment,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub nats: NatsSettings,
    /// Stream and subject names on the bus.
    pub bus: projections::bus::BusNames,
    pub auth: AuthSettings,
    pub commands: CommandSettings,
    pub presence: PresenceSettings,
    pub jitsi: JitsiSettings,
    pub pipeline: PipelineSettings,
    pub read_models: ReadModelSettings,
    pub oidc: OidcSettings,
    pub callbacks: CallbackSettings,
    pub privacy: PrivacySettings,
}

/// Callbacks: the join window and the webhook's signing (`crate::webhooks`).
#[derive(Debug, Clone, Deserialize)]
pub struct CallbackSettings {
    pub join_window_s: u32,
    pub webhook_secret: SecretString,
    pub public_url: String,
    /// Deliveries of one webhook before it is given up (the first one included).
    pub webhook_max_attempts: u32,
    /// Hosts a webhook URL may name (`.example.org` with its subdomains); empty: any.
    #[serde(default, deserialize_with = "word_list")]
    pub webhook_hosts: Vec<String>,
}

impl CallbackSettings {
    /// The secret webhooks are signed with; `None` when unset (no webhooks then).
    pub fn secret(&self) -> Option<&str> {
        let secret = self.webhook_secret.expose_secret();
        (!secret.trim().is_empty()).then_some(secret)
    }

    /// 422 unless webhooks are configured and `url`'s host is allowed (`webhook_hosts`).
    pub fn check_webhook(
        &self,
        url: &domain::callback::WebhookUrl,
    ) -> Result<(), crate::error::ApiError> {
        if self.secret().is_none() {
            return Err(crate::error::ApiError::unprocessable(
                "webhooks_not_configured",
                "webhook_url: this deployment has no webhook secret (callbacks.webhook_secret)",
            ));
        }
        if !url.host_allowed(&self.webhook_hosts) {
            return Err(crate::error::ApiError::unprocessable(
                "webhook_host_not_allowed",
                format!(
                    "webhook_url: {} is not among callbacks.webhook_hosts",
                    url.host()
                ),
            ));
        }
        Ok(())
    }
}

/// Single sign-on (`crate::oidc`); off while `issuer_url` is empty.
#[derive(Debug, Clone, Deserialize)]
pub struct OidcSettings {
    pub issuer_url: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    pub redirect_url: String,
    /// Scopes asked for besides `openid`.
    #[serde(deserialize_with = "word_list")]
    pub scopes: Vec<String>,
    /// The ID token claim that names Parley roles; empty: not read.
    pub role_claim: String,
}

impl OidcSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer_url.trim().is_empty()
    }
}

/// `["a", "b"]` or `"a b"` or `"a,b"`.
fn word_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrList {
        One(String),
        List(Vec<String>),
    }
    let words = match OneOrList::deserialize(deserializer)? {
        OneOrList::One(joined) => joined
            .split([',', ' '])
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        OneOrList::List(list) => list,
    };
    Ok(words
        .into_iter()
        .map(|word| word.trim().to_owned())
        .filter(|word| !word.is_empty() && word != "openid")
        .collect())
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReadModelSettings {
    /// Days a call stays in the read models after it was requested; 0: for ever.
    pub calls_retention_days: u32,
    /// Days a metric bucket stays; 0: for ever.
    pub metrics_retention_days: u32,
    pub prune_every_s: u64,
    /// Seconds between floor snapshots; 0: none.
    pub floor_snapshot_every_s: u64,
}

impl ReadModelSettings {
    pub fn retention(&self) -> projections::retention::Retention {
        let days = |days: u32| (days > 0).then_some(days);
        projections::retention::Retention {
            calls_days: days(self.calls_retention_days),
            metrics_days: days(self.metrics_retention_days),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PipelineSettings {
    /// Seconds without progress while events wait before a part counts as stalled; 0: never.
    pub stall_after_s: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub host: String,
    pub port: u16,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_s: u64,
    /// Directory of the built web UI; `index.html` answers client-side routes.
    pub web_root: String,
    /// Other origins allowed to call the API from a browser (CORS). A list, or one string
    /// of comma-separated origins (handy in environment variables).
    #[serde(deserialize_with = "origin_list")]
    pub cors_origins: Vec<String>,
    /// What a scraper presents on `/metrics` (`metrics::Scraper`); empty: none.
    pub metrics_token: SecretString,
}

/// `["https://a.example", "https://b.example"]` or `"https://a.example,https://b.example"`.
fn origin_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrList {
        One(String),
        List(Vec<String>),
    }
    let origins = match OneOrList::deserialize(deserializer)? {
        OneOrList::One(joined) => joined.split(',').map(str::to_owned).collect(),
        OneOrList::List(list) => list,
    };
    Ok(origins
        .into_iter()
        .map(|origin| origin.trim().to_owned())
        .filter(|origin| !origin.is_empty())
        .collect())
}

/// Whether `origin` is a browser origin as sent in the `Origin` header: a scheme, a host and
/// perhaps a port, with no path, query or trailing slash.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', '*'])
        && rest.bytes().all(|b| b.is_ascii_graphic())
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_s: u64,
    /// The pool of the expensive queries (`AppState::history`).
    pub history_connections: u32,
    /// A streaming replica those queries read from while it answers (`replica.rs`).
    #[serde(default)]
    pub replica_url: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NatsSettings {
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    pub token_ttl_s: u64,
    pub leeway_s: u64,
    /// Login attempts one client address may make at once before being slowed down.
    pub login_burst: u32,
    pub login_per_minute: u32,
    /// Wrong passwords in a row for one (email, source) before that pair waits; 0: never.
    pub lockout_after: u32,
    /// The longest wait of a throttled (email, source) pair, in minutes.
    pub lockout_minutes: u32,
    /// Signing keys, newest first: the first signs, all verify. Empty: `jwt_secret` as
    /// key id `default`.
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
}

/// One access-token signing key; tokens name it in their `kid` header.
#[derive(Debug, Clone, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    pub secret: SecretString,
}

/// The key id of `auth.jwt_secret`, and of tokens without a `kid`.
pub const DEFAULT_KID: &str = "default";

impl AuthSettings {
    /// The key that signs and the others that still verify.
    pub fn signing_keys(&self) -> (SigningKey, Vec<SigningKey>) {
        let mut keys = self.signing_keys.iter().cloned();
        match keys.next() {
            Some(current) => (current, keys.collect()),
            None => (
                SigningKey {
                    kid: DEFAULT_KID.to_owned(),
                    secret: self.jwt_secret.clone(),
                },
                Vec::new(),
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommandSettings {
    /// Attempts at a command whose append keeps conflicting before answering 409.
    pub max_attempts: u32,
    pub away_after_missed_offers: u32,
    /// Events after which an interpreter's snapshot is renewed (`snapshot_store`).
    pub agent_snapshot_every: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PresenceSettings {
    pub timeout_s: u64,
}

impl PresenceSettings {
    /// `None` when presence is off.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        (self.timeout_s > 0).then(|| std::time::Duration::from_secs(self.timeout_s))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct JitsiSettings {
    pub domain: String,
    /// Self-hosted Jitsi with token authentication: the app id (the tokens' `iss`).
    #[serde(default)]
    pub app_id: Option<String>,
    /// ... and the shared secret the tokens are signed with (HS256).
    #[serde(default)]
    pub app_secret: Option<SecretString>,
    /// Lifetime of a room token.
    pub token_ttl_s: u64,
    /// The dial-in number shown when video fails; none when unset or blank.
    #[serde(default)]
    pub dial_in_number: Option<String>,
    /// How long a guest's link admits them.
    #[serde(default = "default_guest_link_ttl_s")]
    pub guest_link_ttl_s: u32,
}

fn default_guest_link_ttl_s() -> u32 {
    7200
}

impl JitsiSettings {
    /// The app id and secret when both are set (blank counts as unset).
    pub fn token_auth(&self) -> Option<(&str, &SecretString)> {
        let id = self
            .app_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())?;
        let secret = self
            .app_secret
            .as_ref()
            .filter(|secret| !secret.expose_secret().is_empty())?;
        Some((id, secret))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error(
        "refusing to start: auth.jwt_secret is the development default. Set PARLEY__AUTH__JWT_SECRET \
         to a random value of at least 32 characters, or PARLEY__ENVIRONMENT=local on a developer machine"
    )]
    DefaultSecretInProduction,
    #[error("refusing to start: auth.jwt_secret must be at least 32 characters")]
    ShortSecret,
    #[error(
        "refusing to start: auth.signing_keys entry {0:?} uses the development secret. Give it a \
         random secret of at least 32 characters"
    )]
    DefaultSigningKeyInProduction(String),
    #[error(
        "refusing to start: the secret of auth.signing_keys entry {0:?} must be at least 32 characters"
    )]
    ShortSigningKey(String),
    #[error(
        "invalid configuration: auth.signing_keys: {0}. Each entry is {{kid, secret}}, kid made of \
         letters, digits, '.', '_' or '-' (at most 64), every kid different"
    )]
    InvalidSigningKeys(String),
    #[error(
        "invalid configuration: set both jitsi.app_id and jitsi.app_secret for Jitsi token \
         authentication, or neither"
    )]
    HalfJitsiTokenAuth,
    #[error(
        "invalid configuration: oidc.{0} is missing or not valid; single sign-on needs \
         oidc.issuer_url and oidc.redirect_url (absolute http(s) URLs) and oidc.client_id \
         (docs/configuration.md)"
    )]
    InvalidOidc(&'static str),
    #[error("refusing to start: jitsi.app_secret must be at least 32 characters")]
    ShortJitsiSecret,
    #[error(
        "refusing to start: http.cors_origins allows any origin (\"*\"). Set PARLEY__HTTP__CORS_ORIGINS \
         to the origins that may call the API (e.g. \"https://app.example.org,https://admin.example.org\"), \
         or leave it empty to allow only the API's own origin"
    )]
    OpenCorsInProduction,
    #[error(
        "invalid configuration: http.cors_origins entry {0:?} is not an origin; write scheme://host[:port] \
         with no path or trailing slash, e.g. \"https://app.example.org\""
    )]
    InvalidCorsOrigin(String),
    #[error("invalid configuration: callbacks.join_window_s must be 1 to 3600 seconds, not {0}")]
    InvalidJoinWindow(u32),
    #[error(
        "refusing to start: privacy.master_key is the development default. Set \
         PARLEY__PRIVACY__MASTER_KEY to a random value of at least 32 characters, and keep it"
    )]
    DefaultMasterKeyInProduction,
    #[error("refusing to start: privacy.master_key must be at least 32 characters")]
    ShortMasterKey,
}

impl Settings {
    /// Loads defaults, then the file named by `PARLEY_CONFIG` (if any), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Ok(path) = std::env::var("PARLEY_CONFIG") {
            figment = figment.merge(Toml::file_exact(path));
        }
        let settings: Self = figment
            .merge(Env::prefixed("PARLEY__").split("__"))
            // The name the contract gives this one setting.
            .merge(
                Env::raw()
                    .only(&["PARLEY_PRESENCE_TIMEOUT_S"])
                    .map(|_| "presence.timeout_s".into()),
            )
            .extract()
            .map_err(Box::new)?;
        settings.check()?;
        Ok(settings)
    }

    /// Settings for tests and tools: defaults only, local environment.
    pub fn local_defaults() -> Result<Self, ConfigError> {
        let mut settings: Self = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .map_err(Box::new)?;
        settings.environment = Environment::Local;
        Ok(settings)
    }

    /// Refuses settings that are unsafe outside a developer machine.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.check_cors()?;
        self.check_oidc()?;
        let window = self.callbacks.join_window_s;
        if !domain::callback::Callback::JOIN_WINDOW_RANGE_S.contains(&window) {
            return Err(ConfigError::InvalidJoinWindow(window));
        }
        self.check_keys()?;
        let secret = self.auth.jwt_secret.expose_secret();
        if self.environment == Environment::Production {
            if secret == DEV_JWT_SECRET {
                return Err(ConfigError::DefaultSecretInProduction);
            }
            if secret.len() < 32 {
                return Err(ConfigError::ShortSecret);
            }
        }
        let master_key = self.privacy.master_key.expose_secret();
        if master_key.len() < 32 {
            return Err(ConfigError::ShortMasterKey);
        }
        if self.environment == Environment::Production && master_key == DEV_MASTER_KEY {
            return Err(ConfigError::DefaultMasterKeyInProduction);
        }
        Ok(())
    }
}

impl Settings {
    /// Single sign-on, when on: an issuer and a redirect URL that are URLs, and a client id.
    fn check_oidc(&self) -> Result<(), ConfigError> {
        let oidc = &self.oidc;
        if !oidc.enabled() {
            return Ok(());
        }
        let is_url = |url: &str| {
            let url = url.trim();
            (url.starts_with("https://") || url.starts_with("http://"))
                && url
                    .split_once("://")
                    .is_some_and(|(_, rest)| !rest.is_empty())
        };
        if !is_url(&oidc.issuer_url) {
            return Err(ConfigError::InvalidOidc("issuer_url"));
        }
        if !is_url(&oidc.redirect_url) {
            return Err(ConfigError::InvalidOidc("redirect_url"));
        }
        if oidc.client_id.trim().is_empty() {
            return Err(ConfigError::InvalidOidc("client_id"));
        }
        Ok(())
    }
}

impl Settings {
    /// Every CORS origin must be an origin; "any origin" only on a developer machine.
    fn check_cors(&self) -> Result<(), ConfigError> {
        for origin in &self.http.cors_origins {
            if origin == "*" {
                if self.environment == Environment::Production {
                    return Err(ConfigError::OpenCorsInProduction);
                }
            } else if !is_origin(origin) {
                return Err(ConfigError::InvalidCorsOrigin(origin.clone()));
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Signing keys: well-formed, distinct ids; in production, the same rules as
    /// `jwt_secret` for every secret. Jitsi token authentication: both halves or neither.
    fn check_keys(&self) -> Result<(), ConfigError> {
        let production = self.environment == Environment::Production;
        let mut seen = std::collections::HashSet::new();
        for key in &self.auth.signing_keys {
            let kid = key.kid.as_str();
            let well_formed = !kid.is_empty()
                && kid.len() <= 64
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !well_formed {
                return Err(ConfigError::InvalidSigningKeys(format!(
                    "{kid:?} is not a key id"
                )));
            }
            if !seen.insert(kid) {
                return Err(ConfigError::InvalidSigningKeys(format!(
                    "key id {kid:?} appears twice"
                )));
            }
            let secret = key.secret.expose_secret();
            if production && secret == DEV_JWT_SECRET {
                return Err(ConfigError::DefaultSigningKeyInProduction(kid.to_owned()));
            }
            if production && secret.len() < 32 {
                return Err(ConfigError::ShortSigningKey(kid.to_owned()));
            }
        }
        let id_set = self
            .jitsi
            .app_id
            .as_deref()
            .is_some_and(|id| !id.trim().is_empty());
        let secret = self
            .jitsi
            .app_secret
            .as_ref()
            .map(|s| s.expose_secret())
            .filter(|s| !s.is_empty());
        if id_set != secret.is_some() {
            return Err(ConfigError::HalfJitsiTokenAuth);
        }
        if production && secret.is_some_and(|s| s.len() < 32) {
            return Err(ConfigError::ShortJitsiSecret);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The closure's error type is figment's, not ours.
    #[allow(clippy::result_large_err)]
    fn the_presence_timeout_is_read_under_the_contracts_name_too() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("PARLEY__ENVIRONMENT", "local");
            assert_eq!(Settings::load().unwrap().presence.timeout_s, 30);
            jail.set_env("PARLEY_PRESENCE_TIMEOUT_S", "7");
            let settings = Settings::load().unwrap();
            assert_eq!(
                settings.presence.timeout(),
                Some(std::time::Duration::from_secs(7))
            );
            jail.set_env("PARLEY_PRESENCE_TIMEOUT_S", "0");
            assert_eq!(Settings::load().unwrap().presence.timeout(), None);
            Ok(())
        });
    }

    #[test]
    fn every_signing_key_meets_the_production_rules() {
        let mut settings = Settings::local_defaults().unwrap();
        let key = |kid: &str, secret: &str| SigningKey {
            kid: kid.into(),
            secret: SecretString::from(secret.to_owned()),
        };
        settings.auth.signing_keys = vec![key("new", "short"), key("old", DEV_JWT_SECRET)];
        assert!(
            settings.check().is_ok(),
            "a developer machine takes any key"
        );
        settings.environment = Environment::Production;
        settings.privacy.master_key = SecretString::from("m".repeat(40));
        settings.auth.jwt_secret = SecretString::from("j".repeat(40));
        assert!(matches!(settings.check(), Err(ConfigError::ShortSigningKey(k)) if k == "new"));
        settings.auth.signing_keys[0] = key("new", &"n".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::DefaultSigningKeyInProduction(k)) if k == "old"
        ));
        settings.auth.signing_keys[1] = key("old", &"o".repeat(40));
        assert!(settings.check().is_ok());
        settings.auth.signing_keys[1] = key("new", &"o".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::InvalidSigningKeys(_))
        ));
        settings.auth.signing_keys[1] = key("has space", &"o".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::InvalidSigningKeys(_))
        ));
        let (current, previous) = settings.auth.signing_keys();
        assert_eq!(current.kid, "new");
        assert_eq!(previous.len(), 1);
        settings.auth.signing_keys.clear();
        assert_eq!(settings.auth.signing_keys().0.kid, DEFAULT_KID);
    }

    #[test]
    fn signing_keys_and_jitsi_read_from_a_file_or_the_environment_syntax() {
        let from_env: figment::value::Value =
            r#"[{kid="b", secret="second"}, {kid="a", secret="first"}]"#
                .parse()
                .unwrap();
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("auth.signing_keys", from_env))
            .merge(Toml::string(
                "[jitsi]\napp_id = \"parley\"\napp_secret = \"s3cret\"",
            ))
            .extract()
            .unwrap();
        let kids: Vec<_> = settings
            .auth
            .signing_keys
            .iter()
            .map(|k| k.kid.as_str())
            .collect();
        assert_eq!(kids, ["b", "a"]);
        assert_eq!(
            settings.auth.signing_keys[1].secret.expose_secret(),
            "first"
        );
        assert!(settings.jitsi.token_auth().is_some());
        assert!(!format!("{settings:?}").contains("s3cret"));
    }

    #[test]
    fn jitsi_token_auth_needs_both_halves() {
        let mut settings = Settings::local_defaults().unwrap();
        assert!(settings.jitsi.token_auth().is_none());
        settings.jitsi.app_id = Some("parley".into());
        assert!(matches!(
            settings.check(),
            Err(ConfigError::HalfJitsiTokenAuth)
        ));
        settings.jitsi.app_secret = Some(SecretString::from("short"));
        assert!(settings.check().is_ok());
        settings.environment = Environment::Production;
        settings.privacy.master_key = SecretString::from("m".repeat(40));
        settings.auth.jwt_secret = SecretString::from("j".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::ShortJitsiSecret)
        ));
    }

    fn production_settings() -> Settings {
        let mut settings = Settings::local_defaults().unwrap();
        settings.environment = Environment::Production;
        settings.privacy.master_key = SecretString::from("m".repeat(40));
        settings.auth.jwt_secret = SecretString::from("x".repeat(40));
        settings
    }

    #[test]
    fn production_refuses_any_origin() {
        let mut settings = production_settings();
        assert!(settings.http.cors_origins.is_empty());
        assert!(settings.check().is_ok());
        settings.http.cors_origins = vec!["https://app.example.org".into(), "*".into()];
        let refused = settings.check().unwrap_err();
        assert!(matches!(refused, ConfigError::OpenCorsInProduction));
        assert!(refused.to_string().contains("PARLEY__HTTP__CORS_ORIGINS"));
        settings.environment = Environment::Local;
        assert!(settings.check().is_ok());
    }

    #[test]
    fn cors_origins_must_be_origins() {
        let mut settings = production_settings();
        settings.http.cors_origins = vec![
            "https://app.example.org".into(),
            "http://localhost:5173".into(),
        ];
        assert!(settings.check().is_ok());
        for bad in [
            "https://app.example.org/",
            "app.example.org",
            "https://*.example.org",
            "ftp://example.org",
        ] {
            settings.http.cors_origins = vec![bad.into()];
            assert!(
                matches!(settings.check(), Err(ConfigError::InvalidCorsOrigin(ref o)) if o == bad),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn cors_origins_read_a_list_or_a_comma_separated_string() {
        let read = |toml: &str| -> Vec<String> {
            let settings: Settings = Figment::from(Toml::string(DEFAULTS))
                .merge(Toml::string(toml))
                .extract()
                .unwrap();
            settings.http.cors_origins
        };
        let expected = vec![
            "https://a.example".to_owned(),
            "https://b.example".to_owned(),
        ];
        assert_eq!(
            read("[http]\ncors_origins = [\"https://a.example\", \"https://b.example\"]"),
            expected
        );
        assert_eq!(
            read("[http]\ncors_origins = \"https://a.example, https://b.example\""),
            expected
        );
        assert!(read("[http]\ncors_origins = \"\"").is_empty());
    }

    #[test]
    fn production_refuses_the_default_secret() {
        let mut settings = Settings::local_defaults().unwrap();
        assert!(settings.check().is_ok());
        settings.environment = Environment::Production;
        settings.privacy.master_key = SecretString::from("m".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::DefaultSecretInProduction)
        ));
        settings.auth.jwt_secret = SecretString::from("short");
        assert!(matches!(settings.check(), Err(ConfigError::ShortSecret)));
        settings.auth.jwt_secret = SecretString::from("x".repeat(40));
        assert!(settings.check().is_ok());
    }

    #[test]
    fn production_refuses_the_default_master_key() {
        let mut settings = Settings::local_defaults().unwrap();
        settings.environment = Environment::Production;
        settings.auth.jwt_secret = SecretString::from("x".repeat(40));
        assert!(matches!(
            settings.check(),
            Err(ConfigError::DefaultMasterKeyInProduction)
        ));
        settings.privacy.master_key = SecretString::from("short");
        assert!(matches!(settings.check(), Err(ConfigError::ShortMasterKey)));
        settings.privacy.master_key = SecretString::from("m".repeat(40));
        assert!(settings.check().is_ok());
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = Settings::local_defaults().unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains(DEV_JWT_SECRET));
        assert!(!printed.contains(DEV_MASTER_KEY));
        assert!(!printed.contains("postgres://"));
    }
}
