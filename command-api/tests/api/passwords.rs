//! Passwords: an admin's one-use reset link ends every session; a user changes their own
//! password with the current one.

use std::time::Duration;

use command_api::auth::Role;
use serde_json::json;

use command_api::seed::DEMO_PASSWORD;

use crate::helpers::{demo_email, spawn_app};

#[tokio::test]
async fn a_reset_link_works_once_sets_the_password_and_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let agent = app.login(Role::Agent).await;
    let link = app
        .post(
            &format!("/api/users/{}/password-reset", agent.id),
            &admin,
            json!({}),
        )
        .await
        .expect(200);
    let url = link.body["reset_url"].as_str().expect("a link").to_owned();
    let token = url
        .strip_prefix("/reset-password#token=")
        .expect("the SPA's page");
    assert!(link.body["expires_at"].is_string());
    // Issuing a link changes nothing yet.
    app.get("/api/auth/me", &agent).await.expect(200);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new_password = "a new passphrase";
    let reset = json!({"token": token, "new_password": new_password});
    app.send(
        reqwest::Method::POST,
        "/api/auth/password-reset",
        None,
        Some(reset.clone()),
    )
    .await
    .expect(204);
    let again = app
        .send(
            reqwest::Method::POST,
            "/api/auth/password-reset",
            None,
            Some(reset),
        )
        .await
        .expect(400);
    assert_eq!(again.body["error"]["code"], "invalid_reset_token");
    let forged = json!({"token": "AAAA", "new_password": new_password});
    app.send(
        reqwest::Method::POST,
        "/api/auth/password-reset",
        None,
        Some(forged),
    )
    .await
    .expect(400);

    // The session from before the reset ends within a second; the old password is gone.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ended = app.get("/api/auth/me", &agent).await.expect(401);
    assert_eq!(
        ended.body["error"]["code"], "token_revoked",
        "{}",
        ended.body
    );
    let email = demo_email(Role::Agent);
    let old = json!({"email": email, "password": DEMO_PASSWORD});
    app.send(reqwest::Method::POST, "/api/auth/login", None, Some(old))
        .await
        .expect(401);
    let fresh = app.login_as_with(email, new_password).await;
    app.get("/api/auth/me", &fresh).await.expect(200);
}

#[tokio::test]
async fn only_an_admin_issues_links_and_only_for_an_active_account() {
    let app = spawn_app().await;
    let admin = app.login(Role::Admin).await;
    let supervisor = app.login(Role::Supervisor).await;
    let path = format!("/api/users/{}/password-reset", supervisor.id);
    app.post(&path, &supervisor, json!({})).await.expect(403);
    app.post(
        &format!("/api/users/{}/password-reset", uuid::Uuid::new_v4()),
        &admin,
        json!({}),
    )
    .await
    .expect(404);
    app.post(
        &format!("/api/users/{}/deactivate", supervisor.id),
        &admin,
        json!({}),
    )
    .await
    .expect(204);
    app.post(&path, &admin, json!({})).await.expect(404);
}

#[tokio::test]
async fn a_user_changes_their_password_with_the_current_one_and_keeps_their_session() {
    let app = spawn_app().await;
    let agent = app.login(Role::Agent).await;
    let wrong = app
        .post(
            "/api/auth/password",
            &agent,
            json!({"current_password": "not it at all", "new_password": "another passphrase"}),
        )
        .await
        .expect(403);
    assert_eq!(wrong.body["error"]["code"], "wrong_password");
    app.post(
        "/api/auth/password",
        &agent,
        json!({"current_password": DEMO_PASSWORD, "new_password": "short"}),
    )
    .await
    .expect(422);
    app.post(
        "/api/auth/password",
        &agent,
        json!({"current_password": DEMO_PASSWORD, "new_password": "another passphrase"}),
    )
    .await
    .expect(204);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.get("/api/auth/me", &agent).await.expect(200);
    app.login_as_with(demo_email(Role::Agent), "another passphrase")
        .await;
    let changes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM account_changes WHERE user_id = $1 AND action = 'password_changed'",
    )
    .bind(agent.id)
    .fetch_one(&app.pool)
    .await
    .expect("the change recorded");
    assert_eq!(changes, 1);
}
