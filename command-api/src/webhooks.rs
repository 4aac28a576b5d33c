//! Delivery of the callback webhooks (docs/routing.md, "Callbacks"): the `callbacks`
//! projection queues one row of `callback_webhooks` per callback call an interpreter
//! accepted with a webhook URL; this loop, run by `parley project`, POSTs it, signed, off
//! every request path. At least once: a row is retried with backoff until the receiver
//! answers 2xx or `callbacks.webhook_max_attempts` deliveries failed. Several processes may
//! run the loop: each claims due rows (`FOR UPDATE SKIP LOCKED`) with a lease first.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::config::CallbackSettings;

/// The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Parley-Signature";
/// How often the loop looks for due deliveries.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// How long a claimed row is kept from other processes while it is being sent.
const LEASE_S: i64 = 60;
/// Longest wait between two attempts.
const MAX_BACKOFF_S: i64 = 300;
/// Most rows claimed at once.
const BATCH: i64 = 20;

/// The JSON body of a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CallbackReady {
    /// Always `callback_ready`.
    #[serde(rename = "type")]
    pub kind: String,
    pub call_id: Uuid,
    pub join_by: DateTime<Utc>,
    /// Where the requester joins: `POST` it with their token.
    pub join_url: String,
}

/// The `Parley-Signature` value for `body` sent at `timestamp` (Unix seconds): HMAC-SHA256
/// under `secret` of `"<timestamp>.<body>"`, in lowercase hex.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `header` is a valid signature of `body` under `secret` (for receivers and
/// tests); compares in constant time.
pub fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(given)) = (timestamp, given) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The join URL of `call_id` under `public_url` (the path alone when it is empty).
pub fn join_url(public_url: &str, call_id: Uuid) -> String {
    format!(
        "{}/api/calls/{call_id}/join",
        public_url.trim().trim_end_matches('/')
    )
}

/// Seconds before the attempt after `attempts` failed ones: 2, 4, 8, … up to 5 minutes.
pub fn backoff_s(attempts: i32) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 16)).unwrap_or(16);
    2_i64.saturating_pow(exponent).min(MAX_BACKOFF_S)
}

#[derive(sqlx::FromRow)]
struct Due {
    call_id: Uuid,
    url: String,
    join_by: DateTime<Utc>,
    attempts: i32,
}

/// Runs the delivery loop until `shutdown`. Without a webhook secret it only waits: no
/// callback with a webhook URL is accepted then.
pub async fn run(pool: PgPool, settings: CallbackSettings, mut shutdown: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook client; no webhooks are sent");
            return;
        }
    };
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Some(secret) = settings.secret()
            && let Err(error) = deliver_due(&pool, &client, &settings, secret).await
        {
            tracing::warn!(
                error = format!("{error:#}"),
                "webhook delivery round failed"
            );
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Claims the due rows and sends each once.
async fn deliver_due(
    pool: &PgPool,
    client: &reqwest::Client,
    settings: &CallbackSettings,
    secret: &str,
) -> anyhow::Result<()> {
    let due: Vec<Due> = sqlx::query_as(
        "UPDATE callback_webhooks SET next_attempt_at = now() + make_interval(secs => $1) \
         WHERE call_id IN (SELECT call_id FROM callback_webhooks \
             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() \
             ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING call_id, url, join_by, attempts",
    )
    .bind(LEASE_S as f64)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    for row in due {
        let outcome = send(client, settings, secret, &row).await;
        record(pool, settings, &row, outcome).await?;
    }
    Ok(())
}

async fn send(
    client: &reqwest::Client,
    settings: &CallbackSettings,
    secret: &str,
    row: &Due,
) -> Result<(), String> {
    let body = serde_json::to_vec(&CallbackReady {
        kind: "callback_ready".to_owned(),
        call_id: row.call_id,
        join_by: row.join_by,
        join_url: join_url(&settings.public_url, row.call_id),
    })
    .map_err(|e| e.to_string())?;
    let header = signature(secret, Utc::now().timestamp(), &body);
    let response = client
        .post(&row.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, header)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", response.status()))
    }
}

async fn record(
    pool: &PgPool,
    settings: &CallbackSettings,
    row: &Due,
    outcome: Result<(), String>,
) -> anyhow::Result<()> {
    let attempts = row.attempts.saturating_add(1);
    match outcome {
        Ok(()) => {
            tracing::info!(call_id = %row.call_id, attempts, "callback webhook delivered");
            sqlx::query(
                "UPDATE callback_webhooks SET delivered_at = now(), attempts = $2, last_error = NULL \
                 WHERE call_id = $1",
            )
            .bind(row.call_id)
            .bind(attempts)
            .execute(pool)
            .await?;
        }
        Err(error) => {
            let give_up =
                attempts >= i32::try_from(settings.webhook_max_attempts.max(1)).unwrap_or(i32::MAX);
            tracing::warn!(call_id = %row.call_id, attempts, give_up, %error, "callback webhook not delivered");
            sqlx::query(
                "UPDATE callback_webhooks SET attempts = $2, last_error = $3, \
                 next_attempt_at = now() + make_interval(secs => $4), \
                 failed_at = CASE WHEN $5 THEN now() END WHERE call_id = $1",
            )
            .bind(row.call_id)
            .bind(attempts)
            .bind(error.chars().take(500).collect::<String>())
            .bind(backoff_s(attempts) as f64)
            .bind(give_up)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_and_body() {
        let body = br#"{"type":"callback_ready"}"#;
        let header = signature("s3cret", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify("s3cret", &header, body));
        assert!(!verify("other", &header, body));
        assert!(!verify("s3cret", &header, b"{}"));
        assert!(!verify("s3cret", "t=1,v1=zz", body));
    }

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff_s(1), 2);
        assert_eq!(backoff_s(3), 8);
        assert_eq!(backoff_s(12), MAX_BACKOFF_S);
    }

    #[test]
    fn the_join_url_is_absolute_under_a_public_url() {
        let id = Uuid::nil();
        assert_eq!(
            join_url("https://p.example/", id),
            format!("https://p.example/api/calls/{id}/join")
        );
        assert_eq!(join_url("", id), format!("/api/calls/{id}/join"));
    }
}
