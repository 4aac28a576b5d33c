//! What every benchmark shares: the API client, latency histograms, result rows, /proc.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// Demo password of every seeded account (`parley seed`).
pub const DEMO_PASSWORD: &str = "password123";
/// A language no seeded queue serves: `POST /api/calls` stores `CallRequested` and
/// `NoInterpreterAvailable` in one commit, and nothing else follows (no router work).
pub const UNSERVED_LANGUAGE: &str = "de";

/// Microseconds since the Unix epoch, by the wall clock (shared by every process here).
pub fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A histogram of microseconds, 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 600_000_000, 3).context("making a histogram")
}

pub fn record(hist: &mut Histogram<u64>, duration: Duration) {
    let us = u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    hist.saturating_record(us);
}

pub fn record_us(hist: &mut Histogram<u64>, us: i64) {
    hist.saturating_record(u64::try_from(us).unwrap_or(0).max(1));
}

pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Percentiles of a histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Latency {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(hist: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: hist.len(),
            mean_ms: hist.mean() / 1000.0,
            p50_ms: ms(hist.value_at_quantile(0.50)),
            p99_ms: ms(hist.value_at_quantile(0.99)),
            p999_ms: ms(hist.value_at_quantile(0.999)),
            max_ms: ms(hist.max()),
        }
    }

    pub fn short(&self) -> String {
        format!(
            "p50 {} / p99 {} / p99.9 {} ms",
            fmt_ms(self.p50_ms),
            fmt_ms(self.p99_ms),
            fmt_ms(self.p999_ms)
        )
    }
}

/// 0.42, 3.1, 12, 1,234: enough digits to read, no more.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2}")
    } else if ms < 10.0 {
        format!("{ms:.1}")
    } else {
        fmt_int(ms)
    }
}

/// An integer with thousands separators: 12,345.
pub fn fmt_int(value: f64) -> String {
    let rounded = value.round();
    let negative = rounded < 0.0;
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if negative { format!("-{out}") } else { out }
}

/// One line of the report table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub what: String,
    /// The figure as people read it, and as a number in `unit`.
    pub figure: String,
    pub value: Option<f64>,
    pub unit: String,
    pub baseline: Option<String>,
    pub baseline_value: Option<f64>,
    /// `value ÷ baseline_value`.
    pub ratio: Option<f64>,
    pub target: String,
    /// `None`: the line has no target, or could not be judged.
    pub met: Option<bool>,
    /// The conditions it was measured under (rates, counts, durations).
    pub conditions: String,
}

impl Row {
    pub fn new(id: &str, what: &str) -> Self {
        Self {
            id: id.to_owned(),
            what: what.to_owned(),
            figure: String::new(),
            value: None,
            unit: String::new(),
            baseline: None,
            baseline_value: None,
            ratio: None,
            target: "—".to_owned(),
            met: None,
            conditions: String::new(),
        }
    }

    pub fn figure(mut self, text: String, value: f64, unit: &str) -> Self {
        self.figure = text;
        self.value = Some(value);
        self.unit = unit.to_owned();
        self
    }

    pub fn baseline(mut self, text: String, value: f64) -> Self {
        self.baseline = Some(text);
        self.baseline_value = Some(value);
        if let Some(figure) = self.value
            && value > 0.0
        {
            self.ratio = Some(figure / value);
        }
        self
    }

    pub fn target(mut self, text: &str, met: Option<bool>) -> Self {
        self.target = text.to_owned();
        self.met = met;
        self
    }

    pub fn conditions(mut self, text: String) -> Self {
        self.conditions = text;
        self
    }
}

/// What one benchmark writes: its lines, and whatever else it measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fragment {
    pub bench: String,
    pub rows: Vec<Row>,
    pub details: serde_json::Value,
    /// Free-text remarks worth printing under the table.
    pub notes: Vec<String>,
    /// Seconds the benchmark took, warm-up and set-up included.
    pub took_s: f64,
}

pub fn write_fragment(dir: &Path, fragment: &Fragment) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.json", fragment.bench));
    std::fs::write(&path, serde_json::to_vec_pretty(fragment)?)
        .with_context(|| format!("writing {}", path.display()))?;
    for row in &fragment.rows {
        eprintln!(
            "  {}: {}{}{}",
            row.id,
            row.figure,
            row.baseline
                .as_ref()
                .map_or(String::new(), |b| format!("  (baseline {b})")),
            row.ratio
                .map_or(String::new(), |r| format!("  ratio {r:.2}")),
        );
    }
    Ok(())
}

// ------------------------------------------------------------------ /proc ---

/// A field of /proc/<pid>/status in KiB (`VmHWM`: peak resident; `VmRSS`: resident now).
pub fn proc_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

// -------------------------------------------------------------------- API ---

/// The public HTTP API of one `parley serve`.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
}

#[derive(Deserialize)]
struct LoginAnswer {
    access_token: String,
}

#[derive(Deserialize)]
pub struct Accepted {
    pub id: Uuid,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(4096)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The WebSocket address of `path`.
    pub fn ws_url(&self, path: &str) -> String {
        let base = self
            .base
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        format!("{base}{path}")
    }

    pub async fn login(&self, email: &str) -> anyhow::Result<Session> {
        let response = self
            .client
            .post(self.url("/api/auth/login"))
            .json(&json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .with_context(|| format!("logging in as {email}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "login as {email}: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        let answer: LoginAnswer = response.json().await?;
        Ok(Session {
            token: answer.access_token,
        })
    }

    /// `POST /api/calls`; the new call's id on 202.
    pub async fn request_call(&self, token: &str, language: &str) -> anyhow::Result<Uuid> {
        let response = self
            .client
            .post(self.url("/api/calls"))
            .bearer_auth(token)
            .json(&json!({"language": language, "modality": "video", "specialty": "general"}))
            .send()
            .await?;
        let status = response.status();
        if status != reqwest::StatusCode::ACCEPTED {
            bail!(
                "POST /api/calls: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        Ok(response.json::<Accepted>().await?.id)
    }

    /// A command answered 202 (PUT or POST with a JSON body).
    pub async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<Uuid> {
        let response = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        if status != reqwest::StatusCode::ACCEPTED {
            bail!(
                "{method} {path}: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        Ok(response.json::<Accepted>().await?.id)
    }
}

/// Runs `count` jobs with at most `width` at once; the first error wins.
pub async fn run_bounded<F, Fut>(count: usize, width: usize, job: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    use futures::StreamExt;
    let mut results = futures::stream::iter(0..count)
        .map(job)
        .buffer_unordered(width.max(1));
    while let Some(result) = results.next().await {
        result?;
    }
    Ok(())
}

/// The stream's last sequence (0 when empty).
pub async fn stream_last_sequence(
    js: &async_nats::jetstream::Context,
    stream: &str,
) -> anyhow::Result<u64> {
    let mut stream = js
        .get_stream(stream)
        .await
        .with_context(|| format!("reading stream {stream}"))?;
    Ok(stream.info().await?.state.last_sequence)
}

/// Subscribes (plain NATS, beside Parley's own consumers) to `subjects` and hands each
/// message to `seen` as it arrives, until the returned task is aborted. Benchmarks use it
/// to time the stages of a lag: when an event or a view notice went by on the bus.
pub async fn watch_bus<F>(
    nats_url: &str,
    subjects: &[String],
    mut seen: F,
) -> anyhow::Result<tokio::task::JoinHandle<()>>
where
    F: FnMut(&async_nats::Message) + Send + 'static,
{
    use futures::StreamExt;

    let nats = async_nats::connect(nats_url)
        .await
        .with_context(|| format!("connecting to NATS at {nats_url}"))?;
    let mut subscribers = Vec::with_capacity(subjects.len());
    for subject in subjects {
        subscribers.push(nats.subscribe(subject.clone()).await?);
    }
    let mut messages = futures::stream::select_all(subscribers);
    Ok(tokio::spawn(async move {
        let _connection = nats;
        while let Some(message) = messages.next().await {
            seen(&message);
        }
    }))
}

/// The call a message on `<prefix>.events.Call.<id>` is about.
pub fn call_of_event_subject(prefix: &str, subject: &str) -> Option<Uuid> {
    subject
        .strip_prefix(prefix)?
        .strip_prefix(".events.Call.")?
        .parse()
        .ok()
}

/// A latency's stages for a line's conditions:
/// "; stages (of N calls): <first> p50 … ms, → <second> p50 … ms, …".
pub fn stages_text(stages: &[(&str, &Latency)]) -> String {
    let calls = stages.first().map_or(0, |(_, latency)| latency.count);
    let parts: Vec<String> = stages
        .iter()
        .map(|(name, latency)| format!("{name} {}", latency.short()))
        .collect();
    format!("; stages (of {calls} calls): {}", parts.join(", → "))
}
