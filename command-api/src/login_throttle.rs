//! Slowing down password guessing without letting anyone lock another person out.
//!
//! Two limits, both in this process's memory and both bounded (least recently used
//! entries go first, so addresses sprayed by the million cost a fixed amount):
//!
//! * **By source**: every login attempt from one address (an IPv6 address counts by its
//!   /64) draws on a token bucket (`auth.login_burst`, then `auth.login_per_minute`).
//! * **By account and source**: after `auth.lockout_after` wrong passwords in a row for
//!   one email *from one address*, that pair waits, 15 s, then twice as long after each
//!   further failure, up to `auth.lockout_minutes`. The same email from another address is
//!   not slowed, so a stranger who guesses wrong cannot keep the owner out.
//!
//! They answer 429 with `Retry-After`: `rate_limited` for the source, `login_throttled` for
//! the pair. The pair is keyed by the email as
//! typed, whether an account has it or not, so the answer, its status and its timing say
//! nothing about which emails exist. An admin's unlock (`POST /api/users/{id}/unlock`)
//! clears the pairs of that account on every process: each failure remembers when it
//! started, and the login compares that with the account's last unlock in the database.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::{Quota, RateLimiter};
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::config::AuthSettings;
use crate::error::ApiError;

/// Sources and (account, source) pairs remembered; each entry is a few dozen bytes.
const CAPACITY: usize = 100_000;
/// The first wait once a pair is throttled; it doubles with each further failure.
const FIRST_WAIT: Duration = Duration::from_secs(15);

/// A governor state store that keeps at most `CAPACITY` keys, dropping the least recently
/// used: a key dropped early only forgets an old burst.
pub struct LruStore<K: Hash + Eq> {
    states: Mutex<LruCache<K, Nanos>>,
}

impl<K: Hash + Eq> LruStore<K> {
    fn new(capacity: usize) -> Self {
        Self {
            states: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

impl<K: Hash + Eq + Clone> StateStore for LruStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        // A poisoned lock only means another thread panicked mid-update; the map is intact.
        let mut states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (outcome, next) = f(states.get(key).copied())?;
        states.put(key.clone(), next);
        Ok(outcome)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for LruStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        let mut states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stale: Vec<K> = states
            .iter()
            .filter(|(_, state)| **state < drop_below)
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            states.pop(&key);
        }
    }

    fn len(&self) -> usize {
        self.states.lock().map_or(0, |states| states.len())
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Wrong passwords in a row for one (email, source) pair.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// When the first of them happened: an unlock after it clears them.
    since: DateTime<Utc>,
    /// No attempt before this.
    wait_until: Option<DateTime<Utc>>,
}

type PairKey = ([u8; 32], IpAddr);

pub struct LoginThrottle {
    by_source: RateLimiter<IpAddr, LruStore<IpAddr>, DefaultClock>,
    failures: Mutex<LruCache<PairKey, Failures>>,
    after: u32,
    longest_wait: Duration,
}

/// The source an attempt counts against: an IPv6 address by its /64, which one
/// subscriber usually holds whole.
fn source(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
    }
}

/// The email as typed, normalised and hashed: every key has the same size however long
/// the email sent.
fn pair_key(email: &str, address: IpAddr) -> PairKey {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    (digest.into(), source(address))
}

fn throttled(wait: Duration) -> ApiError {
    let seconds = wait.as_secs().max(1);
    ApiError {
        retry_after_s: Some(seconds),
        ..ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "login_throttled",
            format!("too many login attempts; try again in {seconds} s"),
        )
    }
}

impl LoginThrottle {
    pub fn new(settings: &AuthSettings) -> Arc<Self> {
        let per_minute = NonZeroU32::new(settings.login_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.login_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Arc::new(Self {
            by_source: RateLimiter::new(quota, LruStore::new(CAPACITY), DefaultClock::default()),
            failures: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
            after: settings.lockout_after,
            longest_wait: Duration::from_secs(u64::from(settings.lockout_minutes) * 60),
        })
    }

    /// Counts one attempt from `address`; 429 when the source is over its rate.
    pub fn check_source(&self, address: IpAddr) -> Result<(), ApiError> {
        let now = DefaultClock::default().now();
        self.by_source
            .check_key(&source(address))
            .map_err(|not_until| {
                ApiError::too_many_requests(not_until.wait_time_from(now).as_secs().max(1))
            })
    }

    /// 429 while this (email, source) pair waits. `unlocked_at` is the account's last unlock
    /// by an admin (none for an unknown email): failures before it no longer count.
    pub fn check_pair(
        &self,
        email: &str,
        address: IpAddr,
        unlocked_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let key = pair_key(email, address);
        let mut failures = self.lock_failures();
        let Some(entry) = failures.get(&key).copied() else {
            return Ok(());
        };
        if unlocked_at.is_some_and(|unlocked| unlocked >= entry.since) {
            failures.pop(&key);
            return Ok(());
        }
        match entry.wait_until {
            Some(until) if until > now => {
                Err(throttled((until - now).to_std().unwrap_or(Duration::ZERO)))
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong password (or an unknown email) for the pair; the wait it now has.
    pub fn failed(&self, email: &str, address: IpAddr, now: DateTime<Utc>) -> Option<Duration> {
        if self.after == 0 {
            return None;
        }
        let key = pair_key(email, address);
        let mut failures = self.lock_failures();
        let mut entry = failures.get(&key).copied().unwrap_or(Failures {
            count: 0,
            since: now,
            wait_until: None,
        });
        entry.count = entry.count.saturating_add(1);
        let wait = (entry.count >= self.after).then(|| {
            let doublings = (entry.count - self.after).min(16);
            FIRST_WAIT
                .saturating_mul(1_u32 << doublings)
                .min(self.longest_wait.max(Duration::from_secs(1)))
        });
        entry.wait_until = wait
            .and_then(|wait| chrono::Duration::from_std(wait).ok())
            .map(|wait| now + wait);
        failures.put(key, entry);
        wait
    }

    /// A right password: the pair starts afresh.
    pub fn succeeded(&self, email: &str, address: IpAddr) {
        self.lock_failures().pop(&pair_key(email, address));
    }

    /// Sources and pairs held now (for tests of the bound).
    pub fn remembered(&self) -> (usize, usize) {
        (self.by_source.len(), self.lock_failures().len())
    }

    fn lock_failures(&self) -> std::sync::MutexGuard<'_, LruCache<PairKey, Failures>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn throttle() -> Arc<LoginThrottle> {
        let mut settings = Settings::local_defaults().unwrap().auth;
        settings.login_burst = 5;
        settings.login_per_minute = 5;
        LoginThrottle::new(&settings)
    }

    #[test]
    fn the_throttle_remembers_a_bounded_number_of_sources_and_pairs() {
        let throttle = throttle();
        let now = Utc::now();
        for n in 0..(CAPACITY as u32 + 20_000) {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            let _ = throttle.check_source(address);
            throttle.failed(&format!("user{n}@example.com"), address, now);
        }
        let (sources, pairs) = throttle.remembered();
        assert_eq!(sources, CAPACITY);
        assert_eq!(pairs, CAPACITY);
    }

    #[test]
    fn the_wait_starts_at_the_limit_doubles_and_is_capped() {
        let throttle = throttle();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let now = Utc::now();
        let waits: Vec<Option<u64>> = (0..12)
            .map(|_| {
                throttle
                    .failed("a@example.com", address, now)
                    .map(|w| w.as_secs())
            })
            .collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                None,
                None,
                Some(15),
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(900),
                Some(900)
            ]
        );
        let refused = throttle
            .check_pair(" A@example.com", address, None, now)
            .unwrap_err();
        assert_eq!(refused.code, "login_throttled");
        assert_eq!(refused.retry_after_s, Some(900));
        // Another address, and another /64 in IPv6, are not held back; the same /64 is.
        assert!(
            throttle
                .check_pair("a@example.com", "192.0.2.2".parse().unwrap(), None, now)
                .is_ok()
        );
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..5 {
            throttle.failed("a@example.com", v6, now);
        }
        assert!(
            throttle
                .check_pair(
                    "a@example.com",
                    "2001:db8::ffff".parse().unwrap(),
                    None,
                    now
                )
                .is_err()
        );
        assert!(
            throttle
                .check_pair(
                    "a@example.com",
                    "2001:db8:0:1::1".parse().unwrap(),
                    None,
                    now
                )
                .is_ok()
        );
        // An unlock after the first failure forgets them; the wait ends by itself, too.
        let later = now + chrono::Duration::seconds(1);
        assert!(
            throttle
                .check_pair("a@example.com", address, Some(later), later)
                .is_ok()
        );
        assert!(
            throttle
                .check_pair("a@example.com", address, None, later)
                .is_ok()
        );
    }
}
