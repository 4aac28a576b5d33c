//! Keys and tokens: signing-key rotation, API keys for integrations and
//! Jitsi room tokens (docs/adr/0009-keys-and-tokens.md).

use chrono::Utc;
use command_api::auth::{Claims, JwtKeys, Role};
use command_api::config::{AuthSettings, SigningKey};
use command_api::seed::demo_user_id;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{Answer, TestApp, demo_email, spawn_app, spawn_app_with};
use crate::queries::{create_read_models, insert_row};

fn key(kid: &str, secret: &str) -> SigningKey {
    SigningKey {
        kid: kid.to_owned(),
        secret: SecretString::from(secret.to_owned()),
    }
}

/// Keys as another deployment (or this one before a rotation) would hold them.
fn keys_with(app: &TestApp, keys: Vec<SigningKey>) -> JwtKeys {
    JwtKeys::new(&AuthSettings {
        signing_keys: keys,
        ..app.state.settings.auth.clone()
    })
}

fn admin_claims() -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        org: Default::default(),
        sub: demo_user_id(demo_email(Role::Admin)),
        email: demo_email(Role::Admin).to_owned(),
        name: "Ada Admin".to_owned(),
        role: Role::Admin,
        iat: now,
        nbf: now,
        exp: now + 600,
        iss: command_api::auth::ISSUER.to_owned(),
        aud: command_api::auth::AUDIENCE.to_owned(),
        jti: uuid::Uuid::new_v4(),
    }
}

const OLD: &str = "old-signing-secret-0123456789-abcdefghij";
const NEW: &str = "new-signing-secret-0123456789-abcdefghij";
const GONE: &str = "removed-signing-secret-0123456789-abcdef";

#[tokio::test]
async fn after_a_rotation_tokens_of_a_listed_key_verify_and_of_a_removed_key_do_not() {
    let app = spawn_app_with(|settings| {
        settings.auth.signing_keys = vec![key("2025-07", NEW), key("2025-01", OLD)];
    })
    .await;
    let me = |token: String| {
        let app = &app;
        async move {
            app.send(Method::GET, "/api/auth/me", Some(&token), None)
                .await
        }
    };

    // Signed before the rotation, by the key that is now second: still valid.
    let before = keys_with(&app, vec![key("2025-01", OLD)])
        .sign(&admin_claims())
        .expect("sign");
    assert_eq!(
        decode_header(&before).expect("a header").kid.as_deref(),
        Some("2025-01")
    );
    let answer = me(before).await.expect(200);
    assert_eq!(answer.body["role"], "admin");

    // New tokens are signed by the first key and name it.
    let login = app.login(Role::Admin).await;
    assert_eq!(
        decode_header(&login.token)
            .expect("a header")
            .kid
            .as_deref(),
        Some("2025-07")
    );
    me(login.token).await.expect(200);

    // A key no longer listed: refused.
    let removed = keys_with(&app, vec![key("2024-07", GONE)])
        .sign(&admin_claims())
        .expect("sign");
    assert_eq!(me(removed).await.expect(401).error_code(), "invalid_token");

    // A listed key id with another secret: refused.
    let forged = keys_with(&app, vec![key("2025-07", GONE)])
        .sign(&admin_claims())
        .expect("sign");
    assert_eq!(me(forged).await.expect(401).error_code(), "invalid_token");

    // A token without a kid is checked against key "default", which is not listed here.
    let mut default_only = app.state.settings.auth.clone();
    default_only.signing_keys.clear();
    let claims = admin_claims();
    let no_kid = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(
            secrecy::ExposeSecret::expose_secret(&default_only.jwt_secret).as_bytes(),
        ),
    )
    .expect("sign");
    assert_eq!(me(no_kid).await.expect(401).error_code(), "invalid_token");
}

#[tokio::test]
async fn without_signing_keys_the_jwt_secret_signs_as_key_default_and_old_tokens_still_verify() {
    let app = spawn_app().await;
    let login = app.login(Role::Admin).await;
    assert_eq!(
        decode_header(&login.token)
            .expect("a header")
            .kid
            .as_deref(),
        Some("default")
    );
    // A token from before key ids existed: no kid, signed with jwt_secret.
    let no_kid = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &admin_claims(),
        &jsonwebtoken::EncodingKey::from_secret(
            secrecy::ExposeSecret::expose_secret(&app.state.settings.auth.jwt_secret).as_bytes(),
        ),
    )
    .expect("sign");
    app.send(Method::GET, "/api/auth/me", Some(&no_kid), None)
        .await
        .expect(200);
}

async fn send_with(app: &TestApp, method: Method, path: &str, token: &str) -> Answer {
    let body = (method == Method::POST).then(|| json!({}));
    app.send(method, path, Some(token), body).await
}

#[tokio::test]
async fn an_admin_creates_lists_and_revokes_api_keys_that_may_only_request_calls() {
    let app = spawn_app().await;
    let admin = app.token_for(Role::Admin);
    let admin_id = demo_user_id(demo_email(Role::Admin));

    // Only admins manage keys; names and scopes are checked.
    for role in [
        Role::Requester,
        Role::Supervisor,
        Role::Agent,
        Role::Analyst,
    ] {
        let token = app.token_for(role);
        app.send(
            Method::POST,
            "/api/api-keys",
            Some(&token),
            Some(json!({"name": "x"})),
        )
        .await
        .expect(403);
        send_with(&app, Method::GET, "/api/api-keys", &token)
            .await
            .expect(403);
    }
    for bad in [
        json!({"name": "  "}),
        json!({"name": "x", "scopes": ["calls:admin"]}),
        json!({"name": "x", "scopes": []}),
    ] {
        app.send(Method::POST, "/api/api-keys", Some(&admin), Some(bad))
            .await
            .expect(422);
    }
    app.send(
        Method::POST,
        "/api/api-keys",
        Some(&admin),
        Some(json!({"name": "x", "owner": "me"})),
    )
    .await
    .expect(400);

    // Created: the key is shown once, `pk_<prefix>_<secret>`, and only a hash is stored.
    let created = app
        .send(
            Method::POST,
            "/api/api-keys",
            Some(&admin),
            Some(json!({"name": "Clinic scheduler"})),
        )
        .await
        .expect(201);
    let key_id = created.id();
    let api_key = created.body["key"].as_str().expect("a key").to_owned();
    let prefix = created.body["prefix"]
        .as_str()
        .expect("a prefix")
        .to_owned();
    assert_eq!(
        created.body["scopes"],
        json!(["calls:cancel", "calls:read", "calls:request"]),
        "a new key may request, read and cancel its calls"
    );
    assert_eq!(created.body["name"], "Clinic scheduler");
    let secret = api_key
        .strip_prefix(&format!("pk_{prefix}_"))
        .expect("pk_<prefix>_<secret>")
        .to_owned();
    assert_eq!(secret.len(), 43, "32 bytes, base64url without padding");
    let (stored_hash, created_by): (String, Uuid) =
        sqlx::query_as("SELECT secret_hash, created_by FROM api_keys WHERE id = $1")
            .bind(key_id)
            .fetch_one(&app.pool)
            .await
            .expect("the stored key");
    assert_eq!(stored_hash, hex::encode(Sha256::digest(secret.as_bytes())));
    assert_eq!(created_by, admin_id);
    let everything: String = sqlx::query_scalar("SELECT string_agg(t::text, ' ') FROM api_keys t")
        .fetch_one(&app.pool)
        .await
        .expect("the table as text");
    assert!(!everything.contains(&secret), "the secret is not stored");

    // Listed without the secret.
    let list = send_with(&app, Method::GET, "/api/api-keys", &admin)
        .await
        .expect(200);
    assert_eq!(list.body[0]["id"], key_id.to_string());
    assert_eq!(list.body[0]["prefix"], prefix.as_str());
    assert_eq!(list.body[0]["revoked_at"], Value::Null);
    assert!(list.body[0].get("key").is_none());
    assert!(!list.body.to_string().contains(&secret));

    // The key requests a call: the key is the requester and the actor.
    let call = app
        .send(
            Method::POST,
            "/api/calls",
            Some(&api_key),
            Some(json!({"language": "es", "modality": "video"})),
        )
        .await
        .expect(202)
        .id();
    assert_eq!(
        app.call_state(call).await["requester_id"],
        key_id.to_string()
    );
    let metadata: Value = sqlx::query_scalar(
        "SELECT metadata::jsonb FROM events WHERE aggregate_id = $1 ORDER BY sequence LIMIT 1",
    )
    .bind(call.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("the call's first event");
    assert_eq!(metadata["actor_id"], key_id.to_string());
    assert_eq!(metadata["actor_name"], "Clinic scheduler");

    // Everything else: 403.
    for (method, path) in [
        (Method::GET, "/api/calls".to_owned()),
        (Method::GET, format!("/api/calls/{call}/room")),
        (Method::GET, format!("/api/calls/{call}/history")),
        (Method::POST, format!("/api/calls/{call}/rating")),
        (Method::GET, "/api/auth/me".to_owned()),
        (Method::GET, "/api/queues".to_owned()),
        (Method::GET, "/api/api-keys".to_owned()),
        (Method::POST, "/api/api-keys".to_owned()),
        (Method::DELETE, format!("/api/api-keys/{key_id}")),
        (Method::POST, "/api/users".to_owned()),
    ] {
        let answer = send_with(&app, method.clone(), &path, &api_key).await;
        assert_eq!(
            answer.status.as_u16(),
            403,
            "{method} {path}: {}",
            answer.body
        );
        assert_eq!(answer.error_code(), "forbidden");
    }

    // Wrong, unknown and malformed keys: 401.
    for wrong in [
        format!("pk_{prefix}_{}", "A".repeat(43)),
        format!("pk_0000000000000000_{secret}"),
        "pk_not-a-key".to_owned(),
    ] {
        let answer = app
            .send(
                Method::POST,
                "/api/calls",
                Some(&wrong),
                Some(json!({"language": "es", "modality": "video"})),
            )
            .await
            .expect(401);
        assert_eq!(answer.error_code(), "invalid_api_key");
    }

    // Revoked: 401 from then on; revoking again changes nothing; unknown ids 404.
    send_with(
        &app,
        Method::DELETE,
        &format!("/api/api-keys/{key_id}"),
        &app.token_for(Role::Requester),
    )
    .await
    .expect(403);
    send_with(
        &app,
        Method::DELETE,
        &format!("/api/api-keys/{key_id}"),
        &admin,
    )
    .await
    .expect(204);
    let refused = app
        .send(
            Method::POST,
            "/api/calls",
            Some(&api_key),
            Some(json!({"language": "es", "modality": "video"})),
        )
        .await
        .expect(401);
    assert_eq!(refused.error_code(), "api_key_revoked");
    let list = send_with(&app, Method::GET, "/api/api-keys", &admin)
        .await
        .expect(200);
    assert!(list.body[0]["revoked_at"].is_string());
    assert_eq!(list.body[0]["revoked_by"], admin_id.to_string());
    let revoked_at = list.body[0]["revoked_at"].clone();
    send_with(
        &app,
        Method::DELETE,
        &format!("/api/api-keys/{key_id}"),
        &admin,
    )
    .await
    .expect(204);
    let again = send_with(&app, Method::GET, "/api/api-keys", &admin)
        .await
        .expect(200);
    assert_eq!(
        again.body[0]["revoked_at"], revoked_at,
        "the first revocation stands"
    );
    let unknown = send_with(
        &app,
        Method::DELETE,
        &format!("/api/api-keys/{}", Uuid::new_v4()),
        &admin,
    )
    .await
    .expect(404);
    assert_eq!(unknown.error_code(), "api_key_not_found");
}

/// Needs `CommandContext` to record `actor_role` from `command_api::auth::actor_role`
/// (see docs/adr/0009-keys-and-tokens.md, "Open").
#[tokio::test]
async fn a_call_requested_with_an_api_key_is_recorded_as_an_integration() {
    let app = spawn_app().await;
    let created = app
        .send(
            Method::POST,
            "/api/api-keys",
            Some(&app.token_for(Role::Admin)),
            Some(json!({"name": "Clinic scheduler"})),
        )
        .await
        .expect(201);
    let api_key = created.body["key"].as_str().expect("a key").to_owned();
    let call = app
        .send(
            Method::POST,
            "/api/calls",
            Some(&api_key),
            Some(json!({"language": "es", "modality": "video"})),
        )
        .await
        .expect(202)
        .id();
    let metadata: Value = sqlx::query_scalar(
        "SELECT metadata::jsonb FROM events WHERE aggregate_id = $1 ORDER BY sequence LIMIT 1",
    )
    .bind(call.to_string())
    .fetch_one(&app.pool)
    .await
    .expect("the call's first event");
    assert_eq!(metadata["actor_role"], "integration");
    assert_eq!(metadata["actor_id"], created.id().to_string());
}

const JITSI_SECRET: &str = "jitsi-app-secret-for-the-tests-0123456789";

/// A connected call between the demo requester and the demo interpreter, in the read model.
async fn connected_call_row(app: &TestApp) -> Uuid {
    create_read_models(&app.pool).await;
    let call = Uuid::now_v7();
    let now = Utc::now().to_rfc3339();
    insert_row(
        &app.pool,
        "read_calls.calls",
        json!({
            "call_id": call, "requester_id": demo_user_id(demo_email(Role::Requester)),
            "language": "es", "source_language": "en", "modality": "video", "priority": "normal",
            "status": "connected", "agent_id": demo_user_id(demo_email(Role::Agent)),
            "requested_at": now, "answered_at": now, "seq": 1,
        }),
    )
    .await;
    // What the calls projection keeps beside the row: the interpreter may see the call.
    insert_row(
        &app.pool,
        "read_calls.call_agents",
        json!({
            "agent_id": demo_user_id(demo_email(Role::Agent)), "call_id": call,
            "requested_at": now, "answered": true,
        }),
    )
    .await;
    call
}

#[tokio::test]
async fn room_tokens_carry_the_claims_jitsi_checks_and_only_the_interpreter_moderates() {
    let app = spawn_app_with(|settings| {
        settings.jitsi.domain = "meet.example.org".into();
        settings.jitsi.app_id = Some("parley-test".into());
        settings.jitsi.app_secret = Some(SecretString::from(JITSI_SECRET.to_owned()));
    })
    .await;
    let call = connected_call_row(&app).await;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["jitsi"]);
    validation.set_issuer(&["parley-test"]);
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    let mut rooms = Vec::new();
    for (role, moderator) in [
        (Role::Agent, true),
        (Role::Requester, false),
        (Role::Supervisor, false),
    ] {
        let room = app
            .send(
                Method::GET,
                &format!("/api/calls/{call}/room"),
                Some(&app.token_for(role)),
                None,
            )
            .await
            .expect(200)
            .body;
        assert_eq!(room["domain"], "meet.example.org");
        let jwt = room["jwt"].as_str().expect("a room token");
        assert_eq!(decode_header(jwt).expect("a header").alg, Algorithm::HS256);
        let claims = decode::<Value>(
            jwt,
            &DecodingKey::from_secret(JITSI_SECRET.as_bytes()),
            &validation,
        )
        .expect("a valid room token")
        .claims;
        assert_eq!(claims["aud"], "jitsi");
        assert_eq!(claims["iss"], "parley-test");
        assert_eq!(claims["sub"], "meet.example.org");
        assert_eq!(claims["room"], room["room"]);
        let (nbf, exp) = (
            claims["nbf"].as_i64().expect("nbf"),
            claims["exp"].as_i64().expect("exp"),
        );
        let now = Utc::now().timestamp();
        assert!(nbf <= now && exp > now, "valid now: {claims}");
        assert!(exp - now <= 2 * 3600, "short-lived: {claims}");
        let user = &claims["context"]["user"];
        let email = demo_email(role);
        assert_eq!(user["id"], demo_user_id(email).to_string(), "{role:?}");
        assert_eq!(user["email"], email);
        assert!(user["name"].is_string());
        assert_eq!(user["moderator"], moderator, "{role:?}");
        assert_eq!(claims["moderator"], moderator, "{role:?}");
        rooms.push(room["room"].clone());
    }
    assert!(rooms.iter().all(|room| *room == rooms[0]), "one room");
    // Signed with another secret: a Jitsi with its own secret would refuse it.
    let agent_room = app
        .send(
            Method::GET,
            &format!("/api/calls/{call}/room"),
            Some(&app.token_for(Role::Agent)),
            None,
        )
        .await
        .expect(200)
        .body;
    assert!(
        decode::<Value>(
            agent_room["jwt"].as_str().unwrap_or_default(),
            &DecodingKey::from_secret(b"another secret"),
            &validation,
        )
        .is_err()
    );
}

#[tokio::test]
async fn without_jitsi_token_authentication_the_room_has_no_token() {
    let app = spawn_app().await;
    let call = connected_call_row(&app).await;
    for role in [Role::Agent, Role::Requester] {
        let room = app
            .send(
                Method::GET,
                &format!("/api/calls/{call}/room"),
                Some(&app.token_for(role)),
                None,
            )
            .await
            .expect(200)
            .body;
        assert_eq!(room["jwt"], Value::Null);
        assert!(room["room"].is_string());
    }
}
