//! The current user's preferences: the web UI's language (issue 25 §3).

use command_api::auth::Role;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_user_keeps_a_supported_language_and_may_go_back_to_the_browsers() {
    let app = spawn_app().await;
    let session = app.login(Role::Agent).await;
    let fresh = app.get("/api/me/preferences", &session).await.expect(200);
    assert_eq!(fresh.body["locale"], serde_json::Value::Null);
    assert_eq!(fresh.body["supported_locales"], json!(["ar", "en", "es"]));

    let set = app
        .put("/api/me/preferences", &session, json!({"locale": "ar"}))
        .await
        .expect(200);
    assert_eq!(set.body["locale"], "ar");
    // Kept by the account, not the token: a new sign-in reads it back.
    let again = app.login(Role::Agent).await;
    let read = app.get("/api/me/preferences", &again).await.expect(200);
    assert_eq!(read.body["locale"], "ar");
    // Another user's choice is their own.
    let other = app.login(Role::Requester).await;
    let theirs = app.get("/api/me/preferences", &other).await.expect(200);
    assert_eq!(theirs.body["locale"], serde_json::Value::Null);

    app.put("/api/me/preferences", &session, json!({"locale": null}))
        .await
        .expect(200);
    let cleared = app.get("/api/me/preferences", &session).await.expect(200);
    assert_eq!(cleared.body["locale"], serde_json::Value::Null);
}

#[tokio::test]
async fn an_unknown_language_is_refused_with_422_and_nothing_changes() {
    let app = spawn_app().await;
    let session = app.login(Role::Supervisor).await;
    app.put("/api/me/preferences", &session, json!({"locale": "es"}))
        .await
        .expect(200);
    for locale in ["xx", "", "es-ES-x-nope", "EN"] {
        let refused = app
            .put("/api/me/preferences", &session, json!({"locale": locale}))
            .await
            .expect(422);
        assert_eq!(refused.error_code(), "unsupported_locale", "{locale:?}");
    }
    let kept = app.get("/api/me/preferences", &session).await.expect(200);
    assert_eq!(kept.body["locale"], "es");
    app.put("/api/me/preferences", &session, json!({"language": "es"}))
        .await
        .expect(400);
}
