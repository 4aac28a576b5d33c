//! Access tokens after they are issued: `nbf`, `iss` and `aud` checked; tokens of
//! deactivated or deleted accounts refused within a second; logout revokes, on every API
//! process; reactivation restores login.

use std::time::{Duration, Instant};

use chrono::Utc;
use command_api::auth::{AUDIENCE, Claims, ISSUER, Role};
use command_api::seed::{DEMO_PASSWORD, demo_user_id};
use command_api::startup::Application;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, demo_email, spawn_app};

fn agent_claims() -> Claims {
    let now = Utc::now().timestamp();
    let email = demo_email(Role::Agent);
    Claims {
        org: Default::default(),
        sub: demo_user_id(email),
        email: email.to_owned(),
        name: email.to_owned(),
        role: Role::Agent,
        iat: now,
        nbf: now,
        exp: now + 600,
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        jti: Uuid::new_v4(),
    }
}

async fn me_with(app: &TestApp, token: &str) -> crate::helpers::Answer {
    app.send(Method::GET, "/api/auth/me", Some(token), None)
        .await
}

#[tokio::test]
async fn a_token_before_its_nbf_or_for_another_audience_or_issuer_is_refused() {
    let app = spawn_app().await;
    let sign = |claims: &Claims| app.state.keys.sign(claims).expect("sign");
    me_with(&app, &sign(&agent_claims())).await.expect(200);

    let future = Claims {
        nbf: Utc::now().timestamp() + 600,
        ..agent_claims()
    };
    let wrong_audience = Claims {
        aud: "jitsi".to_owned(),
        ..agent_claims()
    };
    let wrong_issuer = Claims {
        iss: "someone-else".to_owned(),
        ..agent_claims()
    };
    for (label, claims) in [
        ("future nbf", future),
        ("wrong aud", wrong_audience),
        ("wrong iss", wrong_issuer),
    ] {
        let answer = me_with(&app, &sign(&claims)).await;
        assert_eq!(answer.status.as_u16(), 401, "{label}: {}", answer.body);
        assert_eq!(answer.error_code(), "invalid_token", "{label}");
    }
    // A token with no `nbf` or `aud` at all (as issued before these checks) is refused too.
    let mut bare = serde_json::to_value(agent_claims()).unwrap();
    bare.as_object_mut().unwrap().remove("nbf");
    bare.as_object_mut().unwrap().remove("aud");
    let secret = app.state.settings.auth.signing_keys().0;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(secret.kid.clone());
    use secrecy::ExposeSecret;
    let token = jsonwebtoken::encode(
        &header,
        &bare,
        &jsonwebtoken::EncodingKey::from_secret(secret.secret.expose_secret().as_bytes()),
    )
    .unwrap();
    me_with(&app, &token).await.expect(401);
}

/// Asks with `token` until the answer is 401 with `code`; how long that took.
async fn refused_within(app: &TestApp, token: &str, code: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let answer = me_with(app, token).await;
        if answer.status.as_u16() == 401 {
            assert_eq!(answer.error_code(), code);
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "still accepted after {limit:?}: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_deactivated_users_token_is_refused_within_a_second_and_reactivation_restores_login() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let agent = app.login(Role::Agent).await;
    // The token is in use, so the API remembers it as active.
    app.get("/api/auth/me", &agent).await.expect(200);

    app.post(
        &format!("/api/users/{}/deactivate", agent.id),
        &admin,
        json!({}),
    )
    .await
    .expect(204);
    let took = refused_within(
        &app,
        &agent.token,
        "account_deactivated",
        Duration::from_secs(1),
    )
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    // Nor can it log in; the answer is the one for a wrong password.
    let login = app
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": demo_email(Role::Agent), "password": DEMO_PASSWORD})),
        )
        .await
        .expect(401);
    assert_eq!(login.error_code(), "invalid_credentials");
    // The list leaves it out, unless asked for deactivated accounts too (the SPA's admin
    // page, to offer "Reactivate"); then it carries when it was deactivated.
    let listed = |body: &serde_json::Value| -> Vec<serde_json::Value> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["id"] == json!(agent.id))
            .cloned()
            .collect()
    };
    let active = app.get("/api/users", &admin).await.expect(200);
    assert!(listed(&active.body).is_empty(), "{}", active.body);
    // In pages of 2, each page's `Link` keeps asking for them.
    let (rows, pages) = crate::agent_board::every_page(
        &app,
        "/api/users?include_deactivated=true&limit=2",
        &admin.token,
    )
    .await;
    assert!(pages > 1, "{pages}");
    let row = listed(&json!(rows));
    assert_eq!(row.len(), 1, "{rows:?}");
    assert!(row[0]["deactivated_at"].is_string(), "{:?}", row[0]);
    assert!(
        rows.iter()
            .filter(|u| u["id"] != json!(agent.id))
            .all(|u| u.get("deactivated_at").is_none()),
        "{rows:?}"
    );
    // Only admins change accounts, and an admin not their own.
    app.post(
        &format!("/api/users/{}/reactivate", agent.id),
        &agent,
        json!({}),
    )
    .await
    .expect(401);
    let supervisor = app.login(Role::Supervisor).await;
    app.post(
        &format!("/api/users/{}/reactivate", agent.id),
        &supervisor,
        json!({}),
    )
    .await
    .expect(403);
    app.post(
        &format!("/api/users/{}/deactivate", admin.id),
        &admin,
        json!({}),
    )
    .await
    .expect(409);
    app.post(
        &format!("/api/users/{}/deactivate", Uuid::new_v4()),
        &admin,
        json!({}),
    )
    .await
    .expect(404);

    app.post(
        &format!("/api/users/{}/reactivate", agent.id),
        &admin,
        json!({}),
    )
    .await
    .expect(204);
    let again = app.login(Role::Agent).await;
    app.get("/api/auth/me", &again).await.expect(200);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM account_changes WHERE user_id = $1 AND by_user = $2 ORDER BY at",
    )
    .bind(agent.id)
    .bind(admin.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["deactivated", "reactivated"]);
}

#[tokio::test]
async fn a_deleted_users_token_is_refused_within_a_second() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let email = "temp@example.com";
    app.post(
        "/api/users",
        &admin,
        json!({"email": email, "name": "Temp", "role": "analyst", "password": "password123"}),
    )
    .await
    .expect(201);
    let temp = app.login_as_with(email, "password123").await;
    app.get("/api/auth/me", &temp).await.expect(200);
    sqlx::query("DELETE FROM users WHERE email = $1")
        .bind(email)
        .execute(&app.pool)
        .await
        .unwrap();
    refused_within(&app, &temp.token, "invalid_token", Duration::from_secs(1)).await;
}

#[tokio::test]
async fn logout_revokes_the_token_on_every_api_process() {
    let app = spawn_app().await;
    // A second API process on the same database.
    let other = Application::build(app.state.settings.as_ref().clone())
        .await
        .expect("a second API process");
    let other_address = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());
    let other_me = |token: String| {
        let client = app.client.clone();
        let url = format!("{other_address}/api/auth/me");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("ask the second process")
                .status()
                .as_u16()
        }
    };

    let agent = app.login(Role::Agent).await;
    let kept = app.login(Role::Agent).await;
    assert_eq!(other_me(agent.token.clone()).await, 200);
    app.post("/api/auth/logout", &agent, json!({}))
        .await
        .expect(204);
    let answer = app.get("/api/auth/me", &agent).await.expect(401);
    assert_eq!(answer.error_code(), "token_revoked");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(other_me(agent.token.clone()).await, 401);
    // Only that token: another session of the same user goes on.
    app.get("/api/auth/me", &kept).await.expect(200);
    assert_eq!(other_me(kept.token.clone()).await, 200);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM revoked_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
