//! `parley simulate`: realistic traffic driven through the public HTTP API only.
//!
//! The simulator signs in as an admin, creates `N` interpreter accounts with a mix of the
//! seeded queues' languages, signs each in and sets it available. Every interpreter is a
//! task that polls its own row of `GET /api/agents` for an offer, answers after a human
//! delay (mostly accepts, sometimes declines, now and then lets it ring out), talks for a
//! log-normal time, ends the call and files the wrap-up. One requester session requests
//! calls at a fixed rate (open loop: one task per call, so slow answers never slow the
//! arrivals); some requesters hang up while waiting, some rate the call afterwards.
//!
//! [`run`] returns a [`SimulationReport`]; tests call it in-process, `parley simulate`
//! prints it. Every human delay (answering, talking, patience, filling the wrap-up) is
//! multiplied by [`SimulationConfig::time_scale`], so a test can run a busy floor in
//! seconds; the polling intervals are not scaled.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{RwLock, watch};
use tokio::time::Instant;
use uuid::Uuid;

mod presence;

/// The demo password of the seeded accounts (README.md, "Demo logins").
const DEMO_PASSWORD: &str = "password123";

/// Share of offers an interpreter lets ring out, and share they decline.
const IGNORE_SHARE: f64 = 0.05;
const DECLINE_SHARE: f64 = 0.10;

/// Median talk time in seconds (before scaling) and the log-normal's shape.
const TALK_MEDIAN_S: f64 = 20.0;
const TALK_SIGMA: f64 = 0.6;

/// Call statuses after which nothing more happens while waiting (`CallStatus::as_str`).
const ANSWERED_STATUSES: [&str; 2] = ["ended", "wrapped_up"];
const UNANSWERED_STATUSES: [&str; 2] = ["abandoned", "no_interpreter_available"];

/// An account the simulator signs in with.
#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl Credentials {
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimulationConfig {
    /// Where the API answers, e.g. `http://localhost:8000`.
    pub base_url: String,
    /// Interpreter accounts to create and drive.
    pub agents: usize,
    /// New calls per second.
    pub rate: f64,
    /// How long calls keep arriving.
    pub duration: Duration,
    /// Seed of every random choice; random when `None`.
    pub seed: Option<u64>,
    /// Share of requesters who hang up after a random patience (0–1).
    pub abandon_share: f64,
    /// Share of urgent requests (0–1).
    pub urgent_share: f64,
    /// Share of requesters who follow their call and rate it once it ended (0–1).
    pub rating_share: f64,
    /// Multiplies every human delay (answer, talk, patience, wrap-up form): 1.0 is real
    /// time, 0.05 twenty times faster.
    pub time_scale: f64,
    /// How often an interpreter polls their status row (±25 % jitter).
    pub poll_interval: Duration,
    /// After the last arrival, how long to wait at most for every call to reach an outcome.
    pub drain: Duration,
    /// Requests at once while creating the interpreters.
    pub setup_concurrency: usize,
    pub admin: Credentials,
    pub requester: Credentials,
    /// How many times the run was interrupted: 1 ends the arrivals early (the run then
    /// drains as usual), 2 ends the drain too. The interpreters always sign off.
    pub interrupt: Option<watch::Receiver<u32>>,
}

impl SimulationConfig {
    /// A configuration with the demo accounts and the default behaviour.
    pub fn new(base_url: impl Into<String>, agents: usize, rate: f64, duration: Duration) -> Self {
        Self {
            base_url: base_url.into(),
            agents,
            rate,
            duration,
            seed: None,
            abandon_share: 0.1,
            urgent_share: 0.1,
            rating_share: 0.3,
            time_scale: 1.0,
            poll_interval: Duration::from_millis(200),
            drain: Duration::from_secs(600),
            setup_concurrency: 8,
            admin: Credentials::new("admin@example.com", DEMO_PASSWORD),
            requester: Credentials::new("requester@example.com", DEMO_PASSWORD),
            interrupt: None,
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        ensure!(self.agents >= 1, "--agents must be at least 1");
        ensure!(
            self.rate.is_finite() && self.rate > 0.0 && self.rate <= 10_000.0,
            "--rate must be above 0 and at most 10000 calls per second"
        );
        ensure!(
            self.time_scale.is_finite() && self.time_scale > 0.0,
            "--time-scale must be above 0"
        );
        for (name, share) in [
            ("--abandon-share", self.abandon_share),
            ("--urgent-share", self.urgent_share),
            ("--rating-share", self.rating_share),
        ] {
            ensure!(
                (0.0..=1.0).contains(&share),
                "{name} must be between 0 and 1"
            );
        }
        ensure!(
            !self.poll_interval.is_zero(),
            "--poll-interval must be above 0"
        );
        Ok(())
    }

    /// How many calls the run requests: one per tick of `1 / rate` over the duration.
    pub fn planned_calls(&self) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // validated, small
        let calls = (self.rate * self.duration.as_secs_f64()).round().max(0.0) as u64;
        calls
    }
}

/// Latency of the request command (`POST /api/calls`), in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        Self {
            count: samples.len(),
            median_ms: percentile(&samples, 50.0),
            p99_ms: percentile(&samples, 99.0),
            max_ms: samples.last().copied().unwrap_or(0.0),
        }
    }
}

/// Nearest-rank percentile of sorted samples; 0 without samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What a run did and saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimulationReport {
    /// Suffix of the interpreter accounts of this run (`sim-agent-<k>-<run id>@example.com`).
    pub run_id: String,
    pub seed: u64,
    pub agents: usize,
    /// Seconds spent creating and signing in the interpreters.
    pub setup_s: f64,
    /// Seconds from the first arrival to the end of the drain.
    pub elapsed_s: f64,
    /// `POST /api/calls` sent, and answered 202.
    pub requests_sent: u64,
    pub requests_accepted: u64,
    /// Offers the interpreters saw, and what they did with them.
    pub offers_seen: u64,
    pub accepted: u64,
    pub declined: u64,
    pub ignored: u64,
    /// Calls ended and wrap-ups filed by the interpreters.
    pub ended: u64,
    pub wrapped_up: u64,
    /// Requesters who hung up while waiting (202), and who tried when it was too late (409).
    pub cancelled: u64,
    pub cancel_too_late: u64,
    pub rated: u64,
    /// Interpreters the router had set away (missed offers) who came back.
    pub away_resets: u64,
    /// 409 answers: ordinary races (an offer expired or was taken back meanwhile).
    pub conflicts: u64,
    /// Answers other than 2xx by status code (409 included), `transport` for requests that
    /// got no answer, `bad_body` for a 2xx answer without the expected fields.
    pub errors: BTreeMap<String, u64>,
    /// The last seen status of every requested call: `answered` (ended or wrapped up),
    /// `abandoned`, `no_interpreter_available`, or `open:<status>` for a call that had no
    /// outcome when the drain ended.
    pub outcomes: BTreeMap<String, u64>,
    pub request_latency: Latency,
    /// Every call the run requested.
    #[serde(skip)]
    pub call_ids: Vec<Uuid>,
}

impl SimulationReport {
    /// Calls that had no outcome when the run ended.
    pub fn still_open(&self) -> u64 {
        self.outcomes
            .iter()
            .filter(|(status, _)| status.starts_with("open:"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The counters every task adds to.
#[derive(Debug, Default)]
struct Tally {
    report: SimulationReport,
    latencies_ms: Vec<f64>,
}

#[derive(Debug, Clone, Default)]
struct Stats(Arc<Mutex<Tally>>);

impl Stats {
    fn add(&self, change: impl FnOnce(&mut SimulationReport)) {
        let mut tally = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut tally.report);
    }

    fn error(&self, key: &str) {
        self.add(|r| *r.errors.entry(key.to_owned()).or_default() += 1);
    }

    fn latency(&self, elapsed: Duration) {
        let mut tally = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tally.latencies_ms.push(elapsed.as_secs_f64() * 1000.0);
    }

    fn take(&self) -> SimulationReport {
        let mut tally = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let latencies = std::mem::take(&mut tally.latencies_ms);
        let mut report = std::mem::take(&mut tally.report);
        report.request_latency = Latency::of(latencies);
        report
    }

    /// Records a command's answer and returns it (`None` when no answer came). 409 is an
    /// ordinary race, logged at debug; other failures at warn.
    fn note(&self, action: &'static str, result: Result<Answer, reqwest::Error>) -> Option<Answer> {
        match result {
            Err(error) => {
                tracing::warn!(action, error = %error, "request got no answer");
                self.error("transport");
                None
            }
            Ok(answer) if answer.status.is_success() => Some(answer),
            Ok(answer) => {
                if answer.status == StatusCode::CONFLICT {
                    tracing::debug!(action, body = %answer.body, "409: lost an ordinary race");
                    self.add(|r| r.conflicts += 1);
                } else {
                    tracing::warn!(action, status = %answer.status, body = %answer.body, "request refused");
                }
                self.error(answer.status.as_str());
                Some(answer)
            }
        }
    }
}

/// One HTTP answer: status, JSON body (`Null` when not JSON) and `Retry-After`.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
    retry_after: Option<Duration>,
}

#[derive(Debug, Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    /// The address of the push WebSocket (`/api/ws`).
    fn ws_url(&self) -> String {
        let base = self
            .base
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        format!("{base}/api/ws")
    }

    fn new(base_url: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            client,
            base: base_url.trim_end_matches('/').to_owned(),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }
}

fn uuid_in(value: &Value) -> Option<Uuid> {
    value.as_str().and_then(|s| s.parse().ok())
}

/// Signs in, waiting out `429` answers (the login limit per client address); the token and
/// the user id.
async fn sign_in(api: &Api, credentials: &Credentials) -> anyhow::Result<(String, Uuid)> {
    let body = json!({"email": credentials.email, "password": credentials.password});
    for _ in 0..60 {
        let answer = api
            .send(Method::POST, "/api/auth/login", None, Some(&body))
            .await
            .with_context(|| format!("signing in as {}", credentials.email))?;
        match answer.status {
            StatusCode::OK => {
                let token = answer.body["access_token"]
                    .as_str()
                    .context("the login answer has no access_token")?
                    .to_owned();
                let id = uuid_in(&answer.body["user"]["id"])
                    .context("the login answer has no user id")?;
                return Ok((token, id));
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = answer.retry_after.unwrap_or(Duration::from_secs(1));
                tracing::info!(
                    email = credentials.email,
                    wait_s = wait.as_secs(),
                    "login rate limited; waiting"
                );
                tokio::time::sleep(wait).await;
            }
            status => bail!(
                "signing in as {}: {status} {}",
                credentials.email,
                answer.body
            ),
        }
    }
    bail!(
        "signing in as {}: still rate limited after 60 tries",
        credentials.email
    )
}

/// A signed-in user; signs in again when the token expired.
#[derive(Debug)]
struct Session {
    credentials: Credentials,
    id: Uuid,
    token: RwLock<String>,
}

impl Session {
    async fn sign_in(api: &Api, credentials: Credentials) -> anyhow::Result<Self> {
        let (token, id) = sign_in(api, &credentials).await?;
        Ok(Self {
            credentials,
            id,
            token: RwLock::new(token),
        })
    }

    async fn send(
        &self,
        api: &Api,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let token = self.token.read().await.clone();
        let answer = api.send(method.clone(), path, Some(&token), body).await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        match sign_in(api, &self.credentials).await {
            Ok((token, _)) => {
                *self.token.write().await = token.clone();
                api.send(method, path, Some(&token), body).await
            }
            Err(error) => {
                tracing::warn!(
                    email = self.credentials.email,
                    error = format!("{error:#}"),
                    "could not sign in again"
                );
                Ok(answer)
            }
        }
    }
}

/// The human side of the floor, scaled by `time_scale`.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    time_scale: f64,
    poll_interval: Duration,
    abandon_share: f64,
    urgent_share: f64,
    rating_share: f64,
}

impl Behaviour {
    /// `seconds` of human time at this run's pace.
    fn human(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64((seconds * self.time_scale).max(0.0))
    }

    /// The poll interval ±25 %.
    fn poll(&self, rng: &mut StdRng) -> Duration {
        self.poll_interval.mul_f64(rng.gen_range(0.75..1.25))
    }
}

/// A log-normal draw with the given median: `exp(ln median + sigma · Z)`, `Z` standard
/// normal by Box–Muller.
fn log_normal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    let u1: f64 = 1.0 - rng.r#gen::<f64>(); // (0, 1]: ln is finite
    let u2: f64 = rng.r#gen();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (median.ln() + sigma * z).exp()
}

/// The seeded queues' languages; an interpreter's first language cycles through these
/// (Spanish the most common, then Mandarin and Arabic, then ASL).
const FIRST_LANGUAGES: [&str; 10] = ["es", "es", "zh", "ar", "ase", "es", "zh", "ar", "es", "ase"];
const LANGUAGES: [&str; 4] = ["es", "zh", "ar", "ase"];

/// The skills of the `index`-th simulated interpreter (the body of `PUT .../skills`).
fn agent_skills(index: usize, rng: &mut StdRng) -> Value {
    let first = FIRST_LANGUAGES[index % FIRST_LANGUAGES.len()];
    let mut languages = vec![(first, rng.gen_range(3..=5))];
    if rng.gen_bool(0.3) {
        let second = LANGUAGES[rng.gen_range(0..LANGUAGES.len())];
        if second != first {
            languages.push((second, rng.gen_range(2..=5)));
        }
    }
    let mut specialties = vec!["general"];
    if rng.gen_bool(0.4) {
        specialties.push("medical");
    }
    if rng.gen_bool(0.25) {
        specialties.push("legal");
    }
    let signs = languages.iter().any(|(code, _)| *code == "ase");
    let only_signs = languages.iter().all(|(code, _)| *code == "ase");
    let modalities = if only_signs {
        vec!["video"]
    } else if !signs && rng.gen_bool(0.15) {
        vec!["audio"]
    } else {
        vec!["video", "audio"]
    };
    json!({
        "languages": languages
            .iter()
            .map(|(code, proficiency)| json!({"code": code, "proficiency": proficiency}))
            .collect::<Vec<_>>(),
        "specialties": specialties,
        "modalities": modalities,
    })
}

/// A requester's request (the body of `POST /api/calls`).
fn call_request(rng: &mut StdRng, urgent_share: f64) -> Value {
    let draw: f64 = rng.r#gen();
    let language = match draw {
        d if d < 0.45 => "es",
        d if d < 0.65 => "zh",
        d if d < 0.85 => "ar",
        _ => "ase",
    };
    let modality = if language == "ase" || rng.gen_bool(0.5) {
        "video"
    } else {
        "audio"
    };
    let draw: f64 = rng.r#gen();
    let specialty = match language {
        "es" if draw < 0.4 => Some("medical"),
        "es" if draw < 0.7 => Some("general"),
        "ar" if draw < 0.3 => Some("legal"),
        "ar" if draw < 0.5 => Some("general"),
        "zh" if draw < 0.3 => Some("general"),
        _ => None,
    };
    let priority = if rng.gen_bool(urgent_share) {
        "urgent"
    } else {
        "normal"
    };
    let mut body = json!({"language": language, "modality": modality, "priority": priority});
    if let Some(specialty) = specialty {
        body["specialty"] = json!(specialty);
    }
    body
}

/// Stars a requester gives: mostly good.
fn stars(rng: &mut StdRng) -> u8 {
    match rng.gen_range(0..100) {
        0..50 => 5,
        50..80 => 4,
        80..92 => 3,
        92..97 => 2,
        _ => 1,
    }
}

/// Creates the `index`-th interpreter, sets their skills, signs them in and sets them
/// available.
async fn create_agent(
    api: &Api,
    admin: &Session,
    index: usize,
    run_id: &str,
    mut rng: StdRng,
) -> anyhow::Result<Session> {
    let email = format!("sim-agent-{index}-{run_id}@example.com");
    let password = format!("sim-{run_id}-{}", rng.r#gen::<u32>());
    let body = json!({
        "email": email,
        "name": format!("Sim Interpreter {index} ({run_id})"),
        "role": "agent",
        "password": password,
    });
    let answer = admin
        .send(api, Method::POST, "/api/users", Some(&body))
        .await
        .with_context(|| format!("creating {email}"))?;
    ensure!(
        answer.status == StatusCode::CREATED,
        "creating {email}: {} {}",
        answer.status,
        answer.body
    );
    let id = uuid_in(&answer.body["id"]).with_context(|| format!("creating {email}: no id"))?;
    let skills = agent_skills(index, &mut rng);
    let answer = admin
        .send(
            api,
            Method::PUT,
            &format!("/api/agents/{id}/skills"),
            Some(&skills),
        )
        .await
        .with_context(|| format!("setting the skills of {email}"))?;
    ensure!(
        answer.status == StatusCode::ACCEPTED,
        "setting the skills of {email}: {} {}",
        answer.status,
        answer.body
    );
    let session = Session::sign_in(api, Credentials::new(email.clone(), password)).await?;
    let answer = session
        .send(
            api,
            Method::PUT,
            "/api/agents/me/status",
            Some(&json!({"status": "available"})),
        )
        .await
        .with_context(|| format!("setting {email} available"))?;
    ensure!(
        answer.status == StatusCode::ACCEPTED,
        "setting {email} available: {} {}",
        answer.status,
        answer.body
    );
    tracing::debug!(%id, email, %skills, "interpreter ready");
    Ok(session)
}

/// One interpreter: poll for offers until told to stop, then sign off.
async fn agent_loop(
    api: Api,
    session: Session,
    stats: Stats,
    behaviour: Behaviour,
    mut rng: StdRng,
    stop: watch::Receiver<bool>,
) {
    let token = session.token.read().await.clone();
    let socket = tokio::spawn(presence::keep_connected(api.ws_url(), token, stop.clone()));
    // An offer is a call and its expiry: the same call may ring again after an overflow.
    let mut last_offer: Option<(Uuid, Value)> = None;
    while !*stop.borrow() {
        tokio::time::sleep(behaviour.poll(&mut rng)).await;
        let answer = match session.send(&api, Method::GET, "/api/agents", None).await {
            Ok(answer) if answer.status.is_success() => answer,
            other => {
                stats.note("poll", other);
                continue;
            }
        };
        let Some(row) = answer.body.as_array().and_then(|rows| {
            rows.iter()
                .find(|row| uuid_in(&row["id"]) == Some(session.id))
        }) else {
            continue; // not on the board yet
        };
        if row["status"] == "away" {
            // Set away by the router after missed offers: back after a moment.
            tokio::time::sleep(behaviour.human(rng.gen_range(2.0..6.0))).await;
            let result = session
                .send(
                    &api,
                    Method::PUT,
                    "/api/agents/me/status",
                    Some(&json!({"status": "available"})),
                )
                .await;
            if stats
                .note("back from away", result)
                .is_some_and(|a| a.status.is_success())
            {
                stats.add(|r| r.away_resets += 1);
            }
            continue;
        }
        let Some(call) = uuid_in(&row["offer_call_id"]) else {
            continue;
        };
        let offer = (call, row["offer_expires_at"].clone());
        if last_offer.as_ref() == Some(&offer) {
            continue;
        }
        last_offer = Some(offer);
        stats.add(|r| r.offers_seen += 1);
        answer_offer(&api, &session, &stats, behaviour, &mut rng, call).await;
    }
    let result = session
        .send(
            &api,
            Method::PUT,
            "/api/agents/me/status",
            Some(&json!({"status": "offline"})),
        )
        .await;
    stats.note("sign off", result);
    // Stopped with the loop: it closes its socket.
    let _ = socket.await;
}

/// Accepts (then talks, ends and wraps up), declines or ignores one offer.
async fn answer_offer(
    api: &Api,
    session: &Session,
    stats: &Stats,
    behaviour: Behaviour,
    rng: &mut StdRng,
    call: Uuid,
) {
    let choice: f64 = rng.r#gen();
    if choice < IGNORE_SHARE {
        tracing::debug!(%call, agent = %session.id, "letting the offer ring out");
        stats.add(|r| r.ignored += 1);
        return;
    }
    if choice < IGNORE_SHARE + DECLINE_SHARE {
        tokio::time::sleep(behaviour.human(rng.gen_range(1.0..4.0))).await;
        let result = session
            .send(
                api,
                Method::POST,
                &format!("/api/calls/{call}/decline"),
                None,
            )
            .await;
        if stats
            .note("decline", result)
            .is_some_and(|a| a.status == StatusCode::ACCEPTED)
        {
            stats.add(|r| r.declined += 1);
        }
        return;
    }
    // Mostly within 1–4 s; one answer in ten takes longer.
    let delay = if rng.gen_bool(0.9) {
        rng.gen_range(1.0..4.0)
    } else {
        rng.gen_range(4.0..8.0)
    };
    tokio::time::sleep(behaviour.human(delay)).await;
    let result = session
        .send(
            api,
            Method::POST,
            &format!("/api/calls/{call}/accept"),
            None,
        )
        .await;
    if stats
        .note("accept", result)
        .is_none_or(|a| a.status != StatusCode::ACCEPTED)
    {
        return;
    }
    stats.add(|r| r.accepted += 1);
    let talk = log_normal(rng, TALK_MEDIAN_S, TALK_SIGMA).min(TALK_MEDIAN_S * 8.0);
    tokio::time::sleep(behaviour.human(talk)).await;
    let result = session
        .send(api, Method::POST, &format!("/api/calls/{call}/end"), None)
        .await;
    if stats
        .note("end", result)
        .is_none_or(|a| a.status != StatusCode::ACCEPTED)
    {
        return;
    }
    stats.add(|r| r.ended += 1);
    // Filling in the wrap-up form.
    tokio::time::sleep(behaviour.human(rng.gen_range(2.0..10.0))).await;
    let result = session
        .send(
            api,
            Method::POST,
            &format!("/api/calls/{call}/wrap-up"),
            Some(&json!({"disposition": "completed"})),
        )
        .await;
    if stats
        .note("wrap-up", result)
        .is_some_and(|a| a.status == StatusCode::ACCEPTED)
    {
        stats.add(|r| r.wrapped_up += 1);
    }
}

/// The status of a call as its requester sees it; `None` before the read model has it.
async fn call_status(api: &Api, requester: &Session, call: Uuid) -> Option<String> {
    match requester
        .send(api, Method::GET, &format!("/api/calls/{call}"), None)
        .await
    {
        Ok(answer) if answer.status.is_success() => {
            answer.body["status"].as_str().map(str::to_owned)
        }
        Ok(answer) if answer.status == StatusCode::NOT_FOUND => None,
        Ok(answer) => {
            tracing::debug!(%call, status = %answer.status, "could not read the call");
            None
        }
        Err(error) => {
            tracing::debug!(%call, error = %error, "could not read the call");
            None
        }
    }
}

/// One requester: asks for an interpreter, then maybe hangs up, or follows the call and
/// rates it.
async fn request_call(
    api: Api,
    requester: Arc<Session>,
    stats: Stats,
    behaviour: Behaviour,
    mut rng: StdRng,
    follow_until: Instant,
) {
    let body = call_request(&mut rng, behaviour.urgent_share);
    stats.add(|r| r.requests_sent += 1);
    let started = Instant::now();
    let result = requester
        .send(&api, Method::POST, "/api/calls", Some(&body))
        .await;
    if result.is_ok() {
        stats.latency(started.elapsed());
    }
    let Some(answer) = stats.note("request", result) else {
        return;
    };
    if answer.status != StatusCode::ACCEPTED {
        return;
    }
    let Some(call) = uuid_in(&answer.body["id"]) else {
        stats.error("bad_body");
        return;
    };
    stats.add(|r| {
        r.requests_accepted += 1;
        r.call_ids.push(call);
    });
    if rng.gen_bool(behaviour.abandon_share) {
        let patience = rng.gen_range(5.0..60.0);
        tokio::time::sleep(behaviour.human(patience)).await;
        let result = requester
            .send(
                &api,
                Method::POST,
                &format!("/api/calls/{call}/cancel"),
                None,
            )
            .await;
        match stats.note("cancel", result).map(|a| a.status) {
            Some(StatusCode::ACCEPTED) => stats.add(|r| r.cancelled += 1),
            Some(StatusCode::CONFLICT) => stats.add(|r| r.cancel_too_late += 1),
            _ => {}
        }
        return;
    }
    if !rng.gen_bool(behaviour.rating_share) {
        return;
    }
    let every = behaviour.poll_interval * 5;
    while Instant::now() < follow_until {
        tokio::time::sleep(every.mul_f64(rng.gen_range(0.75..1.25))).await;
        match call_status(&api, &requester, call).await.as_deref() {
            Some(status) if ANSWERED_STATUSES.contains(&status) => {
                let stars = stars(&mut rng);
                let result = requester
                    .send(
                        &api,
                        Method::POST,
                        &format!("/api/calls/{call}/rating"),
                        Some(&json!({"stars": stars})),
                    )
                    .await;
                if stats
                    .note("rating", result)
                    .is_some_and(|a| a.status == StatusCode::ACCEPTED)
                {
                    stats.add(|r| r.rated += 1);
                }
                return;
            }
            Some(status) if UNANSWERED_STATUSES.contains(&status) => return,
            _ => {}
        }
    }
}

/// Waits until every call has an outcome or `deadline` passes; the last seen status of
/// each call, folded as [`SimulationReport::outcomes`] describes.
async fn drain(
    api: &Api,
    requester: &Session,
    calls: &[Uuid],
    deadline: Instant,
    poll: Duration,
) -> BTreeMap<String, u64> {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut open: Vec<(Uuid, Option<String>)> = calls.iter().map(|id| (*id, None)).collect();
    loop {
        let seen: Vec<(Uuid, Option<String>)> = futures::stream::iter(open)
            .map(|(call, last)| async move {
                let status = call_status(api, requester, call).await.or(last);
                (call, status)
            })
            .buffer_unordered(16)
            .collect()
            .await;
        open = Vec::new();
        for (call, status) in seen {
            match status.as_deref() {
                Some(s) if ANSWERED_STATUSES.contains(&s) => {
                    *outcomes.entry("answered".to_owned()).or_default() += 1;
                }
                Some(s) if UNANSWERED_STATUSES.contains(&s) => {
                    *outcomes.entry(s.to_owned()).or_default() += 1;
                }
                _ => open.push((call, status)),
            }
        }
        if open.is_empty() {
            return outcomes;
        }
        if Instant::now() >= deadline {
            for (_, status) in open {
                let status = status.unwrap_or_else(|| "unknown".to_owned());
                *outcomes.entry(format!("open:{status}")).or_default() += 1;
            }
            return outcomes;
        }
        tracing::debug!(open = open.len(), "waiting for the last calls to end");
        tokio::time::sleep(poll).await;
    }
}

/// Returns once the run was interrupted `times` times; never without an interrupt.
async fn interrupted(interrupt: Option<watch::Receiver<u32>>, times: u32) {
    if let Some(mut interrupt) = interrupt
        && interrupt.wait_for(|n| *n >= times).await.is_ok()
    {
        return;
    }
    std::future::pending::<()>().await;
}

/// A short random id for this run's accounts.
fn run_id() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Runs one simulation: sets up the interpreters, sends the calls, waits for every call to
/// reach an outcome (or the drain time to pass), signs the interpreters off and reports.
pub async fn run(config: SimulationConfig) -> anyhow::Result<SimulationReport> {
    config.validate()?;
    let seed = config.seed.unwrap_or_else(|| rand::thread_rng().r#gen());
    let mut master = StdRng::seed_from_u64(seed);
    let run_id = run_id();
    let api = Api::new(&config.base_url)?;
    let stats = Stats::default();
    let behaviour = Behaviour {
        time_scale: config.time_scale,
        poll_interval: config.poll_interval,
        abandon_share: config.abandon_share,
        urgent_share: config.urgent_share,
        rating_share: config.rating_share,
    };
    tracing::info!(
        run_id,
        seed,
        agents = config.agents,
        rate = config.rate,
        duration_s = config.duration.as_secs_f64(),
        calls = config.planned_calls(),
        "simulation starting"
    );

    let setup_started = Instant::now();
    let admin = Session::sign_in(&api, config.admin.clone())
        .await
        .context("signing in the admin")?;
    let requester = Arc::new(
        Session::sign_in(&api, config.requester.clone())
            .await
            .context("signing in the requester")?,
    );
    let seeds: Vec<u64> = (0..config.agents).map(|_| master.r#gen()).collect();
    let agents: Vec<Session> = futures::stream::iter(seeds.into_iter().enumerate())
        .map(|(index, seed)| {
            create_agent(
                &api,
                &admin,
                index + 1,
                &run_id,
                StdRng::seed_from_u64(seed),
            )
        })
        .buffered(config.setup_concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let setup_s = setup_started.elapsed().as_secs_f64();
    tracing::info!(agents = agents.len(), setup_s, "interpreters available");

    let (stop, stopped) = watch::channel(false);
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .map(|session| {
            tokio::spawn(agent_loop(
                api.clone(),
                session,
                stats.clone(),
                behaviour,
                StdRng::seed_from_u64(master.r#gen()),
                stopped.clone(),
            ))
        })
        .collect();

    // Arrivals: open loop, one tick every 1/rate seconds; late ticks are caught up.
    let started = Instant::now();
    let follow_until = started + config.duration + config.drain;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / config.rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = Vec::new();
    for _ in 0..config.planned_calls() {
        ticker.tick().await;
        if config.interrupt.as_ref().is_some_and(|i| *i.borrow() >= 1) {
            tracing::info!("interrupted: no more arrivals");
            break;
        }
        requests.push(tokio::spawn(request_call(
            api.clone(),
            requester.clone(),
            stats.clone(),
            behaviour,
            StdRng::seed_from_u64(master.r#gen()),
            follow_until,
        )));
    }
    let arrivals_s = started.elapsed().as_secs_f64();
    tracing::info!(
        calls = requests.len(),
        arrivals_s,
        "arrivals done; draining"
    );
    tokio::select! {
        results = futures::future::join_all(requests.iter_mut()) => {
            for result in results {
                if let Err(error) = result {
                    tracing::error!(error = %error, "a requester task failed");
                }
            }
        }
        () = interrupted(config.interrupt.clone(), 2) => {
            requests.iter().for_each(tokio::task::JoinHandle::abort);
        }
    }
    let calls = stats.take_call_ids();
    // Requesters follow their calls until `follow_until`; the drain ends then too.
    let outcomes = tokio::select! {
        outcomes = drain(
            &api,
            &requester,
            &calls,
            Instant::now().max(follow_until),
            Duration::from_secs(1),
        ) => outcomes,
        () = interrupted(config.interrupt.clone(), 2) => {
            tracing::info!("interrupted: not waiting for the last calls");
            BTreeMap::from([("open:interrupted".to_owned(), u64::try_from(calls.len()).unwrap_or(u64::MAX))])
        }
    };

    let _ = stop.send(true);
    for agent in futures::future::join_all(agent_tasks).await {
        if let Err(error) = agent {
            tracing::error!(error = %error, "an interpreter task failed");
        }
    }

    let mut report = stats.take();
    report.run_id = run_id;
    report.seed = seed;
    report.agents = config.agents;
    report.setup_s = setup_s;
    report.elapsed_s = started.elapsed().as_secs_f64();
    report.outcomes = outcomes;
    report.call_ids = calls;
    tracing::info!(
        run_id = report.run_id,
        seed = report.seed,
        agents = report.agents,
        elapsed_s = report.elapsed_s,
        requests_sent = report.requests_sent,
        requests_accepted = report.requests_accepted,
        offers_seen = report.offers_seen,
        accepted = report.accepted,
        declined = report.declined,
        ignored = report.ignored,
        cancelled = report.cancelled,
        rated = report.rated,
        conflicts = report.conflicts,
        errors = ?report.errors,
        outcomes = ?report.outcomes,
        latency_median_ms = report.request_latency.median_ms,
        latency_p99_ms = report.request_latency.p99_ms,
        "simulation finished"
    );
    Ok(report)
}

impl Stats {
    fn take_call_ids(&self) -> Vec<Uuid> {
        let tally = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tally.report.call_ids.clone()
    }
}

/// Parses a duration such as `90`, `60s`, `5m`, `1h30m`, `1.5s` or `250ms` (a bare number
/// is seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds_to_duration(seconds, raw);
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("{raw:?}: a number needs a unit (ms, s, m, h)"))?;
        let (number, tail) = rest.split_at(number_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{raw:?}: expected a number before {tail:?}"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let factor = match unit.trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            other => {
                return Err(format!(
                    "{raw:?}: unknown unit {other:?} (use ms, s, m or h)"
                ));
            }
        };
        total += value * factor;
        rest = next;
    }
    seconds_to_duration(total, raw)
}

fn seconds_to_duration(seconds: f64, raw: &str) -> Result<Duration, String> {
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(format!("{raw:?} is not a duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a call rate: `5` or `5/s` (per second), `120/m`, `600/h`.
pub fn parse_rate(raw: &str) -> Result<f64, String> {
    let text = raw.trim();
    let (number, per) = text.split_once('/').unwrap_or((text, "s"));
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?}: expected a number of calls, e.g. 5 or 5/s"))?;
    let seconds = match per.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" | "hr" => 3600.0,
        other => return Err(format!("{raw:?}: unknown period {other:?} (use s, m or h)")),
    };
    let rate = value / seconds;
    if !rate.is_finite() || rate <= 0.0 {
        return Err(format!("{raw:?}: the rate must be above 0"));
    }
    Ok(rate)
}

/// `parley simulate`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Where Parley's API answers.
    #[arg(
        long,
        env = "PARLEY_SIM_BASE_URL",
        default_value = "http://localhost:8000"
    )]
    pub base_url: String,
    /// Interpreter accounts to create and drive.
    #[arg(long, default_value_t = 10)]
    pub agents: usize,
    /// New calls per second: `5`, `5/s`, `120/m`.
    #[arg(long, default_value = "1", value_parser = parse_rate)]
    pub rate: f64,
    /// How long calls keep arriving: `60s`, `5m`, `1h`.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Seed of the random choices (printed when left out, to replay a run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of requesters who hang up while waiting.
    #[arg(long, default_value_t = 0.1)]
    pub abandon_share: f64,
    /// Share of urgent requests.
    #[arg(long, default_value_t = 0.1)]
    pub urgent_share: f64,
    /// Share of requesters who rate their call after it ended.
    #[arg(long, default_value_t = 0.3)]
    pub rating_share: f64,
    /// Multiplies every human delay: 1 is real time (talk ~20 s), 0.1 ten times faster.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// How often each interpreter polls for offers.
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// After the last arrival, how long to wait at most for every call to reach an outcome.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub drain: Duration,
    #[arg(long, default_value = "admin@example.com")]
    pub admin_email: String,
    #[arg(long, env = "PARLEY_SIM_ADMIN_PASSWORD", default_value = DEMO_PASSWORD, hide_env_values = true)]
    pub admin_password: String,
    #[arg(long, default_value = "requester@example.com")]
    pub requester_email: String,
    #[arg(long, env = "PARLEY_SIM_REQUESTER_PASSWORD", default_value = DEMO_PASSWORD, hide_env_values = true)]
    pub requester_password: String,
}

impl SimulateArgs {
    pub fn config(&self) -> SimulationConfig {
        let mut config =
            SimulationConfig::new(self.base_url.clone(), self.agents, self.rate, self.duration);
        config.seed = self.seed;
        config.abandon_share = self.abandon_share;
        config.urgent_share = self.urgent_share;
        config.rating_share = self.rating_share;
        config.time_scale = self.time_scale;
        config.poll_interval = self.poll_interval;
        config.drain = self.drain;
        config.admin = Credentials::new(self.admin_email.clone(), self.admin_password.clone());
        config.requester = Credentials::new(
            self.requester_email.clone(),
            self.requester_password.clone(),
        );
        config
    }
}

/// `parley simulate`: runs until done and prints a summary. A first ctrl-c ends the
/// arrivals, a second stops waiting for the last calls; the interpreters sign off.
#[allow(clippy::print_stdout)] // the command's answer is its summary table
pub async fn run_cli(args: &SimulateArgs) -> anyhow::Result<()> {
    let mut config = args.config();
    let (interrupt, interrupted) = watch::channel(0_u32);
    config.interrupt = Some(interrupted);
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupt.send_modify(|n| *n += 1);
            if *interrupt.borrow() == 1 {
                tracing::info!(
                    "ctrl-c: no more arrivals; waiting for the last calls (ctrl-c again to stop waiting)"
                );
            } else {
                tracing::info!("ctrl-c: not waiting for the last calls");
            }
        }
    });
    let report = run(config).await?;
    println!("{}", summary_table(&report));
    Ok(())
}

/// The report as a short table.
pub fn summary_table(report: &SimulationReport) -> String {
    let join = |map: &BTreeMap<String, u64>| {
        if map.is_empty() {
            "none".to_owned()
        } else {
            map.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let rows: Vec<(&str, String)> = vec![
        ("run", format!("{} (seed {})", report.run_id, report.seed)),
        (
            "interpreters",
            format!("{} (set up in {:.1} s)", report.agents, report.setup_s),
        ),
        ("elapsed", format!("{:.1} s", report.elapsed_s)),
        (
            "requests",
            format!(
                "{} sent, {} accepted (202)",
                report.requests_sent, report.requests_accepted
            ),
        ),
        (
            "offers",
            format!(
                "{} seen: {} accepted, {} declined, {} left to ring out",
                report.offers_seen, report.accepted, report.declined, report.ignored
            ),
        ),
        (
            "calls",
            format!(
                "{} ended, {} wrapped up, {} rated",
                report.ended, report.wrapped_up, report.rated
            ),
        ),
        (
            "hang-ups",
            format!(
                "{} cancelled, {} too late",
                report.cancelled, report.cancel_too_late
            ),
        ),
        ("back from away", report.away_resets.to_string()),
        ("outcomes", join(&report.outcomes)),
        ("errors by status", join(&report.errors)),
        (
            "request latency",
            format!(
                "median {:.1} ms, p99 {:.1} ms, max {:.1} ms over {}",
                report.request_latency.median_ms,
                report.request_latency.p99_ms,
                report.request_latency.max_ms,
                report.request_latency.count
            ),
        ),
    ];
    rows.iter()
        .map(|(label, value)| format!("{label:<18} {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_usual_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn rates_parse_per_second_minute_or_hour() {
        assert_eq!(parse_rate("5"), Ok(5.0));
        assert_eq!(parse_rate("5/s"), Ok(5.0));
        assert_eq!(parse_rate("120/m"), Ok(2.0));
        assert_eq!(parse_rate("3600/h"), Ok(1.0));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("5/day").is_err());
    }

    #[test]
    fn talk_times_are_log_normal_around_their_median() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut draws: Vec<f64> = (0..4001).map(|_| log_normal(&mut rng, 20.0, 0.6)).collect();
        draws.sort_by(f64::total_cmp);
        let median = percentile(&draws, 50.0);
        assert!((17.0..23.0).contains(&median), "median {median}");
        assert!(draws.iter().all(|d| *d > 0.0));
        assert!(percentile(&draws, 99.0) > 2.0 * median, "a long right tail");
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), 50.0);
        assert_eq!(percentile(&samples, 99.0), 99.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
    }

    #[test]
    fn every_request_and_skill_set_is_well_formed() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..500 {
            let request = call_request(&mut rng, 0.1);
            let language = request["language"].as_str().unwrap_or_default();
            assert!(LANGUAGES.contains(&language), "{request}");
            if language == "ase" {
                assert_eq!(request["modality"], "video", "ASL is video only");
            }
        }
        for index in 0..50 {
            let skills = agent_skills(index, &mut rng);
            let languages = skills["languages"].as_array().map_or(0, Vec::len);
            assert!((1..=2).contains(&languages), "{skills}");
            assert!(
                skills["modalities"]
                    .as_array()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }

    #[test]
    fn the_planned_calls_are_rate_times_duration() {
        let config = SimulationConfig::new("http://x", 1, 30.0, Duration::from_secs(10));
        assert_eq!(config.planned_calls(), 300);
        assert!(config.validate().is_ok());
        let mut bad = config;
        bad.abandon_share = 1.5;
        assert!(bad.validate().is_err());
    }
}
