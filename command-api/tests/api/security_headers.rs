//! Browser-facing hardening: CORS limited to `http.cors_origins`, and the
//! Content-Security-Policy, `nosniff` and referrer headers on every answer.

use command_api::startup::inline_script_hashes;
use reqwest::{Method, Response};

use crate::helpers::{TestApp, spawn_app_with};

const ALLOWED: &str = "https://console.example.org";

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, format!("{}/api/auth/me", app.address))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("send the preflight")
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let app = spawn_app_with(|settings| {
        settings.http.cors_origins = vec![ALLOWED.into(), "http://localhost:5173".into()];
    })
    .await;

    let allowed = preflight(&app, ALLOWED).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("GET"), "{methods}");
    let headers = header(&allowed, "access-control-allow-headers").unwrap_or_default();
    assert!(headers.contains("authorization"), "{headers}");

    let other = preflight(&app, "https://evil.example.net").await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);

    // A simple request: the answer names the allowed origin, and only that one.
    let answer = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&answer, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    let answer = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn without_configured_origins_no_origin_is_allowed() {
    let app = spawn_app_with(|_| {}).await;
    let answer = preflight(&app, ALLOWED).await;
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
}

/// A web root with an `index.html` that has one inline script, as the real one does.
fn web_root_with_inline_script() -> (std::path::PathBuf, String) {
    let root = std::env::temp_dir().join(format!("parley-web-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&root).unwrap();
    let page = "<!doctype html><html><head><script>\n  window.booted = true;\n</script>\
                <script type=\"module\" src=\"/pkg/app.js\"></script></head><body></body></html>";
    std::fs::write(root.join("index.html"), page).unwrap();
    (root, page.to_owned())
}

#[tokio::test]
async fn every_answer_carries_the_content_security_policy() {
    let (root, page) = web_root_with_inline_script();
    let web_root = root.to_string_lossy().into_owned();
    let app = spawn_app_with(|settings| {
        settings.http.web_root = web_root;
        settings.jitsi.domain = "meet.example.org".into();
    })
    .await;

    let hashes = inline_script_hashes(&page);
    assert_eq!(hashes.len(), 1, "{hashes:?}");
    for path in [
        "/",
        "/floor",
        "/healthz",
        "/api/auth/me",
        "/api/no-such-route",
    ] {
        let answer = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let csp = header(&answer, "content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"))
            .to_owned();
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-src https://meet.example.org",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing in {csp}"
            );
        }
        let scripts = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap_or_default();
        assert!(scripts.contains("https://meet.example.org"), "{scripts}");
        assert!(scripts.contains(&hashes[0]), "{path}: {scripts}");
        assert!(!scripts.contains("'unsafe-inline'"), "{scripts}");
        assert!(!scripts.contains("cdn.jsdelivr.net"), "{scripts}");
        assert_eq!(header(&answer, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&answer, "referrer-policy"), Some("no-referrer"));
    }
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        header(&page, "content-type").is_some_and(|t| t.starts_with("text/html")),
        "the page itself was served"
    );
    std::fs::remove_dir_all(root).ok();
}

#[tokio::test]
async fn the_docs_page_is_served_whole_by_the_api_and_loads_nothing_from_elsewhere() {
    let app = spawn_app_with(|_| {}).await;
    let page = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = header(&page, "content-security-policy")
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("http"), "no other origin: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    let html = page.text().await.unwrap();
    assert!(!html.contains("https://"), "the page names no other origin");
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        let answer = app
            .client
            .get(format!("{}/docs/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{asset}");
    }
    let initializer = app
        .client
        .get(format!("{}/docs/swagger-initializer.js", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/openapi.json"), "{initializer}");
}
