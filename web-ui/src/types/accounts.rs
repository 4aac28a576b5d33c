//! Accounts, passwords and API keys (docs/api.md, "Users"; docs/security.md, "API keys").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An account (`GET /api/users`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    /// Set for a deactivated account (listed with `include_deactivated=true`).
    #[serde(default)]
    pub deactivated_at: Option<DateTime<Utc>>,
    /// A requester's organisation.
    #[serde(default)]
    pub organisation_id: Option<String>,
}

impl Account {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
    /// Requesters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<String>,
}

/// A one-use password reset link (`POST /api/users/{id}/password-reset`): a path on the
/// API's own origin, shown once.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ResetLink {
    pub reset_url: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/auth/password-reset`.
#[derive(Clone, Debug, Serialize)]
pub struct ResetPassword {
    pub token: String,
    pub new_password: String,
}

/// `POST /api/auth/password`.
#[derive(Clone, Debug, Serialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// An API key as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the key was last used, if the server records it.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// `POST /api/api-keys`.
#[derive(Clone, Debug, Serialize)]
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<String>,
}

/// A new key: `key` is its secret, shown this once.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CreatedApiKey {
    pub id: String,
    pub name: String,
    pub key: String,
    pub prefix: String,
    pub scopes: Vec<String>,
}

/// What a scope lets a key do, for people.
pub fn scope_label(scope: &str) -> String {
    crate::i18n::t(match scope {
        wire::accounts::SCOPE_CALLS_REQUEST => "scope-calls-request",
        wire::accounts::SCOPE_CALLS_READ => "scope-calls-read",
        wire::accounts::SCOPE_CALLS_CANCEL => "scope-calls-cancel",
        _ => "scope-unknown",
    })
}

/// Whether a new password has an acceptable length (the server's bound, `wire::accounts`).
pub fn password_problem(password: &str) -> Option<String> {
    let range = wire::accounts::PASSWORD_CHARS;
    (!range.contains(&password.chars().count())).then(|| {
        crate::i18n::t_args(
            "password-length",
            &[
                ("min", crate::i18n::num(*range.start() as f64)),
                ("max", crate::i18n::num(*range.end() as f64)),
            ],
        )
    })
}

/// The `token=` of a link's fragment: a password reset's or a guest's.
pub fn fragment_token(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == wire::accounts::RESET_TOKEN)
        .map(|(_, token)| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_token_is_read_from_the_fragment() {
        assert_eq!(fragment_token("#token=abc-_9").as_deref(), Some("abc-_9"));
        assert_eq!(fragment_token("token=abc").as_deref(), Some("abc"));
        assert_eq!(fragment_token("#x=1&token=abc").as_deref(), Some("abc"));
        assert_eq!(fragment_token("#token="), None);
        assert_eq!(fragment_token(""), None);
        assert_eq!(fragment_token("#other=abc"), None);
    }

    #[test]
    fn passwords_are_checked_with_the_servers_bounds() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough").is_none());
        assert!(password_problem(&"x".repeat(257)).is_some());
    }

    #[test]
    fn every_scope_has_a_label() {
        for scope in wire::accounts::API_KEY_SCOPES {
            assert_ne!(scope_label(scope), "Unknown scope", "{scope}");
        }
    }
}
