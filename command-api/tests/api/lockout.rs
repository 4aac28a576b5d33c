//! Login throttling: the same answer for known and unknown emails, a wait per (email,
//! source) that a stranger cannot hold over the owner, and an admin's unlock.

use std::net::IpAddr;
use std::time::Instant;

use command_api::auth::Role;
use command_api::seed::{DEMO_PASSWORD, demo_user_id};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_email, median, spawn_app_with};

/// A login sent from `source` (any 127.x address reaches the test server).
async fn login_from(
    app: &TestApp,
    source: &str,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, Value) {
    let address: IpAddr = source.parse().unwrap();
    let client = reqwest::Client::builder()
        .local_address(address)
        .build()
        .unwrap();
    let response = client
        .post(format!("{}/api/auth/login", app.address))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn repeated_failures_slow_one_email_from_one_source_the_same_for_unknown_emails_and_an_admin_unlocks()
 {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 1000;
        settings.auth.login_per_minute = 1000;
    })
    .await;
    assert_eq!(app.state.settings.auth.lockout_after, 5);
    let known = demo_email(Role::Requester);
    let unknown = "ghost@example.com";
    let attacker = "127.0.0.1";

    // Five wrong passwords: the same 401 for both, in about the same time.
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    for _ in 0..5 {
        for (email, times) in [(known, &mut known_times), (unknown, &mut unknown_times)] {
            let started = Instant::now();
            let answer = login_from(&app, attacker, email, "wrong").await;
            times.push(started.elapsed());
            assert_eq!(answer.0, 401, "{answer:?}");
            answers.push(answer);
        }
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
    let (known_median, unknown_median) = (median(known_times), median(unknown_times));
    let ratio = known_median.as_secs_f64() / unknown_median.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "known {known_median:?}, unknown {unknown_median:?}"
    );

    // Then that source waits, for the known and the unknown email alike, even with the
    // right password.
    let held = login_from(&app, attacker, known, DEMO_PASSWORD).await;
    let held_unknown = login_from(&app, attacker, unknown, "wrong").await;
    assert_eq!(held.0, 429);
    assert_eq!(held.2["error"]["code"], "login_throttled");
    assert!(matches!(held.1, Some(14..=15)), "{held:?}");
    assert_eq!(
        (held.0, held.2.clone()),
        (held_unknown.0, held_unknown.2.clone())
    );

    // The owner, from another address, is not held back.
    let owner = login_from(&app, "127.0.0.2", known, DEMO_PASSWORD).await;
    assert_eq!(owner.0, 200, "{owner:?}");

    // An admin unlocks the account: the throttled source may try again at once.
    let admin = app.login(Role::Admin).await;
    let requester_id = demo_user_id(known);
    let supervisor = app.login(Role::Supervisor).await;
    app.post(
        &format!("/api/users/{requester_id}/unlock"),
        &supervisor,
        json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/users/{}/unlock", uuid::Uuid::new_v4()),
        &admin,
        json!({}),
    )
    .await
    .expect(404);
    app.post(
        &format!("/api/users/{requester_id}/unlock"),
        &admin,
        json!({}),
    )
    .await
    .expect(204);
    let after_unlock = login_from(&app, attacker, known, DEMO_PASSWORD).await;
    assert_eq!(after_unlock.0, 200, "{after_unlock:?}");
}

#[tokio::test]
async fn a_lockout_of_zero_never_throttles_an_email() {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 1000;
        settings.auth.login_per_minute = 1000;
        settings.auth.lockout_after = 0;
    })
    .await;
    let email = demo_email(Role::Requester);
    for _ in 0..8 {
        assert_eq!(login_from(&app, "127.0.0.1", email, "wrong").await.0, 401);
    }
    assert_eq!(
        login_from(&app, "127.0.0.1", email, DEMO_PASSWORD).await.0,
        200
    );
}

#[tokio::test]
async fn the_source_limit_holds_one_address_and_not_another() {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 3;
        settings.auth.login_per_minute = 1;
    })
    .await;
    let email = demo_email(Role::Agent);
    for _ in 0..3 {
        assert_eq!(login_from(&app, "127.0.0.3", email, "wrong").await.0, 401);
    }
    let limited = login_from(&app, "127.0.0.3", email, DEMO_PASSWORD).await;
    assert_eq!(limited.0, 429);
    assert_eq!(limited.2["error"]["code"], "rate_limited");
    assert!(limited.1.is_some());
    assert_eq!(
        login_from(&app, "127.0.0.4", email, DEMO_PASSWORD).await.0,
        200
    );
}
