//! Login, tokens and the rate limit.

use chrono::Utc;
use command_api::auth::{Claims, Role};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{demo_email, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_demo_role_logs_in_and_sees_itself() {
    let app = spawn_app().await;
    for role in Role::ALL {
        let session = app.login(role).await;
        let me = app.get("/api/auth/me", &session).await.expect(200);
        assert_eq!(me.body["email"], demo_email(role));
        assert_eq!(me.body["role"], role.as_str());
    }
    let answer = app
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ADMIN@example.com ", "password": "password123"})),
        )
        .await
        .expect(200);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    let wrong_password = app
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "admin@example.com", "password": "nope"})),
        )
        .await
        .expect(401);
    let unknown = app
        .send(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ghost@example.com", "password": "nope"})),
        )
        .await
        .expect(401);
    assert_eq!(wrong_password.body, unknown.body);
    assert_eq!(unknown.error_code(), "invalid_credentials");
}

#[tokio::test]
async fn an_expired_token_is_refused_with_token_expired() {
    let app = spawn_app().await;
    let session = app.login(Role::Admin).await;
    let past = Utc::now().timestamp() - 3600;
    let token = app
        .state
        .keys
        .sign(&Claims {
            org: Default::default(),
            sub: session.id,
            email: "admin@example.com".into(),
            name: "Ada Admin".into(),
            role: Role::Admin,
            iat: past - 60,
            nbf: past - 60,
            exp: past,
            iss: command_api::auth::ISSUER.into(),
            aud: command_api::auth::AUDIENCE.into(),
            jti: uuid::Uuid::new_v4(),
        })
        .expect("sign");
    let answer = app
        .send(Method::GET, "/api/auth/me", Some(&token), None)
        .await
        .expect(401);
    assert_eq!(answer.error_code(), "token_expired");
}

#[tokio::test]
async fn repeated_logins_are_rate_limited_with_retry_after() {
    let app = spawn_app_with(|settings| {
        settings.auth.login_burst = 3;
        settings.auth.login_per_minute = 1;
    })
    .await;
    let body = json!({"email": "admin@example.com", "password": "guess"});
    for _ in 0..3 {
        app.send(Method::POST, "/api/auth/login", None, Some(body.clone()))
            .await
            .expect(401);
    }
    let response = app
        .client
        .post(format!("{}/api/auth/login", app.address))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_log_in_and_duplicates_are_refused() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let body = json!({"email": "New.Interpreter@Example.com", "name": "Noor", "role": "agent", "password": "s3cret-enough"});
    let created = app
        .post("/api/users", &admin, body.clone())
        .await
        .expect(201);
    assert_eq!(created.body["email"], "new.interpreter@example.com");
    let again = app.post("/api/users", &admin, body).await.expect(409);
    assert_eq!(again.error_code(), "email_taken");
    app.send(
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({"email": "new.interpreter@example.com", "password": "s3cret-enough"})),
    )
    .await
    .expect(200);
}
