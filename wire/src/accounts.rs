//! Accounts and API keys: the names and bounds the server checks and the web UI offers.

use std::ops::RangeInclusive;

/// The scope that lets an API key request calls.
pub const SCOPE_CALLS_REQUEST: &str = "calls:request";
/// The scope that lets an API key read the calls it requested.
pub const SCOPE_CALLS_READ: &str = "calls:read";
/// The scope that lets an API key cancel the calls it requested while they wait.
pub const SCOPE_CALLS_CANCEL: &str = "calls:cancel";
/// Every scope an API key may hold; a new key gets all of them unless told otherwise.
/// Keys created before the read and cancel scopes existed keep exactly the scopes they
/// were given: an admin grants more by creating a new key.
pub const API_KEY_SCOPES: [&str; 3] = [SCOPE_CALLS_REQUEST, SCOPE_CALLS_READ, SCOPE_CALLS_CANCEL];

/// How long a new password may be, in characters.
pub const PASSWORD_CHARS: RangeInclusive<usize> = 8..=256;

/// Where the web UI takes a reset link: `{RESET_PATH}#{RESET_TOKEN}=…` on the API's own
/// origin (the token after `#` never reaches a server log or a `Referer`).
pub const RESET_PATH: &str = "/reset-password";
/// The name of the reset link's token in its fragment.
pub const RESET_TOKEN: &str = "token";

/// The error code of a reset link that is unknown, used or expired (400).
pub const INVALID_RESET_TOKEN: &str = "invalid_reset_token";
/// The error code of a password change whose current password is wrong (403).
pub const WRONG_PASSWORD: &str = "wrong_password";
/// The error code of an admin deactivating their own account (409).
pub const CANNOT_DEACTIVATE_SELF: &str = "cannot_deactivate_self";
