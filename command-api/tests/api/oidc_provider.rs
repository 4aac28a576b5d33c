//! The real OpenID Connect provider of scripts/oidc (the npm package `oidc-provider`),
//! started once per test binary on a free port below 32768, and a browser that signs in
//! through its login form over HTTP.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::cookie::Jar;
use reqwest::redirect::Policy;

pub const CLIENT_ID: &str = "parley";
pub const CLIENT_SECRET: &str = "parley-sso-test-secret";

pub struct Provider {
    pub issuer: String,
    _child: Child,
}

/// A TCP port free now, between 20000 and 32767 (out of the kernel's ephemeral range).
pub fn free_port() -> u16 {
    let seed = u64::from(std::process::id()) ^ u64::from(Instant::now().elapsed().subsec_nanos());
    for i in 0..2000_u64 {
        let port = 20000 + u16::try_from((seed.wrapping_mul(7919) + i * 104_729) % 12768).unwrap();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below 32768");
}

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/oidc")
}

/// The provider, started on first use; `None` (with a message) when node is not installed.
pub fn provider() -> Option<&'static Provider> {
    static PROVIDER: OnceLock<Option<Provider>> = OnceLock::new();
    PROVIDER.get_or_init(start).as_ref()
}

fn start() -> Option<Provider> {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED: node is not installed, so the OIDC provider cannot run (apt-get install nodejs npm)"
        );
        return None;
    }
    let dir = oidc_dir();
    if !dir.join("node_modules/oidc-provider").is_dir() {
        eprintln!("installing the OIDC provider's node modules (npm ci in scripts/oidc)");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("run npm ci in scripts/oidc");
        assert!(status.success(), "npm ci failed in scripts/oidc");
    }
    let port = free_port();
    let mut child = Command::new("node")
        .arg("provider.js")
        .current_dir(&dir)
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_EXIT_WITH_STDIN", "1")
        // The test binary holds the write end: the provider ends when the tests do.
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node scripts/oidc/provider.js");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut log = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut log);
            }
            panic!("the OIDC provider exited ({status}): {log}");
        }
        assert!(
            Instant::now() < deadline,
            "the OIDC provider did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Provider {
        issuer: format!("http://127.0.0.1:{port}"),
        _child: child,
    })
}

/// A browser: its own cookies, and no redirect followed by itself.
pub struct Browser {
    pub jar: Arc<Jar>,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self { jar, client }
    }

    /// The cookies this browser sends to `url`.
    pub fn cookies_for(&self, url: &str) -> String {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&url.parse().unwrap())
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Starts a sign-on at `app` and signs in at the provider as `login` (any password),
    /// following redirects and submitting the provider's login form, until the provider
    /// sends the browser back to the app; that callback URL, not yet visited.
    pub async fn sign_in_at_provider(&self, app: &str, login: &str) -> String {
        let mut url = format!("{app}/api/auth/oidc/login");
        for _ in 0..10 {
            if url.starts_with(&format!("{app}/api/auth/oidc/callback")) {
                return url;
            }
            let response = self.client.get(&url).send().await.unwrap();
            let status = response.status();
            if status.is_redirection() {
                url = location(&url, &response);
                continue;
            }
            let page = response.text().await.unwrap();
            assert_eq!(status, 200, "unexpected answer at {url}: {page}");
            let action = form_action(&page).unwrap_or_else(|| panic!("no form at {url}: {page}"));
            let answer = self
                .client
                .post(&action)
                .form(&[("prompt", "login"), ("login", login), ("password", "any")])
                .send()
                .await
                .unwrap();
            assert!(
                answer.status().is_redirection(),
                "the login form answered {}",
                answer.status()
            );
            url = location(&action, &answer);
        }
        panic!("the provider never sent the browser back to {app}");
    }
}

fn location(base: &str, response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    reqwest::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// The `action` of the first form of an HTML page.
fn form_action(page: &str) -> Option<String> {
    let start = page.find("<form")?;
    let rest = &page[start..];
    let action = rest.find("action=\"")? + "action=\"".len();
    let end = rest[action..].find('"')?;
    Some(rest[action..action + end].replace("&amp;", "&"))
}
