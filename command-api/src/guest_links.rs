//! The link a guest joins a call with: `<call>.<guest>.<expiry>.<signature>`, signed with
//! HMAC-SHA256 under `auth.jwt_secret`. It is checked without a lookup and names one
//! guest of one call; whether that guest is still invited is the call's to say (a
//! removed guest's link is refused there). It is no access token: it opens one room.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::guests::GuestId;
use domain::ids::CallId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::ApiError;

pub use wire::room::GUEST_PATH;

fn mac(secret: &[u8], body: &str) -> Result<Hmac<Sha256>, ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| ApiError::internal(&e))?;
    mac.update(b"guest-link:");
    mac.update(body.as_bytes());
    Ok(mac)
}

/// The token of `guest`'s link to `call`, valid until `expires_at`.
pub fn mint(
    secret: &[u8],
    call: CallId,
    guest: GuestId,
    expires_at: DateTime<Utc>,
) -> Result<String, ApiError> {
    let body = format!("{}.{}.{}", call.0, guest.0, expires_at.timestamp());
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, &body)?.finalize().into_bytes());
    Ok(format!("{body}.{signature}"))
}

fn not_found() -> ApiError {
    ApiError::not_found("guest_link_not_found", "this guest link is not valid")
}

/// The call and guest a token names, if its signature holds and it has not expired.
pub fn verify(
    secret: &[u8],
    token: &str,
    now: DateTime<Utc>,
) -> Result<(CallId, GuestId), ApiError> {
    let (body, signature) = token.rsplit_once('.').ok_or_else(not_found)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| not_found())?;
    mac(secret, body)?
        .verify_slice(&signature)
        .map_err(|_| not_found())?;
    let mut parts = body.split('.');
    let (Some(call), Some(guest), Some(expiry), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_found());
    };
    let call = Uuid::parse_str(call).map_err(|_| not_found())?;
    let guest = Uuid::parse_str(guest).map_err(|_| not_found())?;
    let expiry: i64 = expiry.parse().map_err(|_| not_found())?;
    if now.timestamp() >= expiry {
        return Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "guest_link_expired",
            "this guest link has expired: ask for a new one",
        ));
    }
    Ok((CallId(call), GuestId(guest)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn a_link_names_its_guest_until_it_expires_and_any_change_breaks_it() {
        let (secret, now) = (b"a secret of the deployment", DateTime::UNIX_EPOCH);
        let (call, guest) = (CallId(Uuid::from_u128(1)), GuestId(Uuid::from_u128(2)));
        let token = mint(secret, call, guest, now + TimeDelta::hours(1))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(verify(secret, &token, now).ok(), Some((call, guest)));
        let late = verify(secret, &token, now + TimeDelta::hours(1));
        assert!(late.is_err_and(|e| e.code == "guest_link_expired"));
        let other_secret = verify(b"another secret", &token, now);
        assert!(other_secret.is_err_and(|e| e.code == "guest_link_not_found"));
        // A later expiry with the old signature is refused.
        let (body, signature) = token.rsplit_once('.').unwrap_or_default();
        let (head, _) = body.rsplit_once('.').unwrap_or_default();
        let stretched = format!("{head}.{}.{signature}", now.timestamp() + 999_999);
        assert!(verify(secret, &stretched, now).is_err());
        for junk in ["", ".", "a.b.c.d", "x.y"] {
            assert!(verify(secret, junk, now).is_err(), "{junk}");
        }
    }
}
