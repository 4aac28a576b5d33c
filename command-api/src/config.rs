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

[database]
url = "postgres://parley@127.0.0.1:5432/parley"
max_connections = 20
acquire_timeout_s = 5

[nats]
url = "nats://127.0.0.1:4222"

[bus]
stream = "PARLEY_EVENTS"
prefix = "parley"

[auth]
jwt_secret = "parley-local-development-secret-do-not-use"
token_ttl_s = 3600
leeway_s = 5
login_burst = 10
login_per_minute = 10

[commands]
max_attempts = 5
away_after_missed_offers = 3

[jitsi]
domain = "meet.jit.si"
"#;

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
    pub jitsi: JitsiSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub host: String,
    pub port: u16,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_s: u64,
    /// Directory of the built web UI; `index.html` answers client-side routes.
    pub web_root: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_s: u64,
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
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommandSettings {
    /// Attempts at a command whose append keeps conflicting before answering 409.
    pub max_attempts: u32,
    pub away_after_missed_offers: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JitsiSettings {
    pub domain: String,
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
        let secret = self.auth.jwt_secret.expose_secret();
        if self.environment == Environment::Production {
            if secret == DEV_JWT_SECRET {
                return Err(ConfigError::DefaultSecretInProduction);
            }
            if secret.len() < 32 {
                return Err(ConfigError::ShortSecret);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_the_default_secret() {
        let mut settings = Settings::local_defaults().unwrap();
        assert!(settings.check().is_ok());
        settings.environment = Environment::Production;
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
    fn secrets_do_not_print() {
        let settings = Settings::local_defaults().unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains(DEV_JWT_SECRET));
        assert!(!printed.contains("postgres://"));
    }
}
