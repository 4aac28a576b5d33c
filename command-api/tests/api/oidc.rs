//! Single sign-on against a real OpenID Connect provider (scripts/oidc, started by the
//! tests): the authorization code flow with PKCE through the provider's login form, the
//! accounts it maps to, and what is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use command_api::auth::Role;
use command_api::config::OidcSettings;
use command_api::oidc::Flow;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, agent2_id, spawn_app, spawn_app_with};
use crate::oidc_provider::{Browser, CLIENT_ID, CLIENT_SECRET, free_port, provider};

/// An app whose `[oidc]` names the test provider; `None` when node is missing.
async fn app_with_sso() -> Option<TestApp> {
    let issuer = provider()?.issuer.clone();
    let port = free_port();
    Some(
        spawn_app_with(|settings| {
            settings.http.port = port;
            settings.oidc = OidcSettings {
                issuer_url: issuer,
                client_id: CLIENT_ID.into(),
                client_secret: Some(CLIENT_SECRET.to_owned().into()),
                redirect_url: format!("http://127.0.0.1:{port}/api/auth/oidc/callback"),
                scopes: vec!["email".into(), "parley".into()],
                role_claim: "parley_role".into(),
            };
        })
        .await,
    )
}

async fn answer_of(response: reqwest::Response) -> Answer {
    let status = response.status();
    let body = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
    Answer { status, body }
}

/// Visits the callback; the one-time code of the `/#sso=` redirect, or the error answer.
async fn visit_callback(browser: &Browser, callback: &str) -> Result<String, Answer> {
    let response = browser.client.get(callback).send().await.unwrap();
    if response.status() != 303 {
        return Err(answer_of(response).await);
    }
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    Ok(location
        .strip_prefix("/#sso=")
        .unwrap_or_else(|| panic!("not a handoff: {location}"))
        .to_owned())
}

async fn exchange(app: &TestApp, browser: &Browser, code: &str) -> Answer {
    let response = browser
        .client
        .post(format!("{}/api/auth/oidc/exchange", app.address))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    answer_of(response).await
}

#[tokio::test]
async fn oidc_login_of_a_known_user_gets_a_working_token_once_and_only_in_its_browser() {
    let Some(app) = app_with_sso().await else {
        return;
    };
    let config = app
        .send(Method::GET, "/api/auth/config", None, None)
        .await
        .expect(200);
    assert_eq!(config.body, json!({"password": true, "sso": true}));

    let browser = Browser::new();
    let callback = browser
        .sign_in_at_provider(&app.address, "agent1@example.com")
        .await;
    let code = visit_callback(&browser, &callback)
        .await
        .expect("a handoff");

    // Another browser (without the cookie) cannot use the code.
    let stranger = Browser::new();
    let refused = exchange(&app, &stranger, &code).await.expect(400);
    assert_eq!(refused.error_code(), "sso_code_invalid");

    let cookie = browser.cookies_for(&format!("{}/api/auth/oidc/exchange", app.address));
    let login = exchange(&app, &browser, &code).await.expect(200);
    assert_eq!(login.body["user"]["email"], "agent1@example.com");
    assert_eq!(login.body["user"]["role"], "agent");
    let token = login.body["access_token"].as_str().unwrap();
    let me = app
        .send(Method::GET, "/api/auth/me", Some(token), None)
        .await
        .expect(200);
    assert_eq!(me.body["email"], "agent1@example.com");

    // The exchange removed the cookie; replayed with it, the code is still spent.
    let replay = reqwest::Client::new()
        .post(format!("{}/api/auth/oidc/exchange", app.address))
        .header("cookie", cookie)
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    let again = answer_of(replay).await.expect(400);
    assert_eq!(again.error_code(), "sso_code_used");
    let gone = exchange(&app, &browser, &code).await.expect(400);
    assert_eq!(gone.error_code(), "sso_code_invalid");
    // Password login stays.
    app.login(Role::Agent).await;
}

#[tokio::test]
async fn oidc_refuses_unknown_unverified_and_deactivated_accounts_and_a_disagreeing_role() {
    let Some(app) = app_with_sso().await else {
        return;
    };
    let admin = app.login(Role::Admin).await;
    app.post(
        "/api/users",
        &admin,
        json!({"email": "lee+role-admin@example.com", "name": "Lee", "role": "agent", "password": "password123"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/users/{}/deactivate", agent2_id()),
        &admin,
        json!({}),
    )
    .await
    .expect(204);
    for (login, status, code) in [
        ("nobody@example.com", 403, "sso_unknown_user"),
        ("unverified@example.com", 403, "sso_email_unverified"),
        ("agent2@example.com", 403, "account_deactivated"),
        ("lee+role-admin@example.com", 403, "sso_role_mismatch"),
    ] {
        let browser = Browser::new();
        let callback = browser.sign_in_at_provider(&app.address, login).await;
        let refused = visit_callback(&browser, &callback).await.expect_err(login);
        assert_eq!(refused.status.as_u16(), status, "{login}: {}", refused.body);
        assert_eq!(refused.error_code(), code, "{login}");
    }
}

#[tokio::test]
async fn oidc_refuses_a_tampered_state() {
    let Some(app) = app_with_sso().await else {
        return;
    };
    let browser = Browser::new();
    let callback = browser
        .sign_in_at_provider(&app.address, "admin@example.com")
        .await;
    let mut url = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = visit_callback(&browser, url.as_str())
        .await
        .expect_err("tampered");
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_code(), "sso_state_mismatch");
    // A browser that never started a sign-on has no flow to finish.
    let refused = visit_callback(&Browser::new(), &callback)
        .await
        .expect_err("no cookie");
    assert_eq!(refused.error_code(), "sso_flow_missing");
}

/// The flow in a browser's login cookie (sealed, not encrypted: its body is base64url JSON).
fn flow_in(browser: &Browser, app: &TestApp) -> Flow {
    let cookies = browser.cookies_for(&format!("{}/api/auth/oidc/callback", app.address));
    let sealed = cookies
        .split("; ")
        .find_map(|pair| pair.strip_prefix("parley_sso="))
        .expect("a login cookie");
    let body = sealed.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
}

#[tokio::test]
async fn oidc_refuses_an_id_token_with_another_nonce() {
    let Some(app) = app_with_sso().await else {
        return;
    };
    let browser = Browser::new();
    let callback = browser
        .sign_in_at_provider(&app.address, "admin@example.com")
        .await;
    // Everything right (state, PKCE verifier, a valid signature on the cookie) but the
    // nonce: the provider's ID token names the one the login started with.
    let mut flow = flow_in(&browser, &app);
    flow.nonce = "another-nonce".into();
    let forged =
        command_api::oidc::seal_for_tests(&app.state.settings.auth, "flow", &flow).unwrap();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&callback)
        .header("cookie", format!("parley_sso={forged}"))
        .send()
        .await
        .unwrap();
    let refused = answer_of(response).await.expect(401);
    assert_eq!(refused.error_code(), "sso_invalid_id_token");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nonce"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn oidc_endpoints_answer_404_when_sso_is_not_configured() {
    let app = spawn_app().await;
    let config = app
        .send(Method::GET, "/api/auth/config", None, None)
        .await
        .expect(200);
    assert_eq!(config.body["sso"], false);
    for (method, path) in [
        (Method::GET, "/api/auth/oidc/login"),
        (Method::GET, "/api/auth/oidc/callback?code=x&state=y"),
    ] {
        let answer = app.send(method, path, None, None).await.expect(404);
        assert_eq!(answer.error_code(), "sso_not_configured");
    }
    let answer = app
        .send(
            Method::POST,
            "/api/auth/oidc/exchange",
            None,
            Some(json!({"code": "x"})),
        )
        .await
        .expect(404);
    assert_eq!(answer.error_code(), "sso_not_configured");
}
