//! B1 (throughput) and B2 (latency at a fixed rate) of `POST /api/calls`, each beside
//! pgbench running the command's SQL against the same PostgreSQL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::time::Instant;

use crate::common::{
    Api, Fragment, Latency, Row, UNSERVED_LANGUAGE, fmt_int, histogram, record, write_fragment,
};
use crate::machine::{CpuTimes, cpu_text};

/// Where pgbench runs: a database of its own on the same server, migrated like Parley's
/// (same table, indexes and triggers), so its rows never reach the relay.
#[derive(Debug, Clone, Args)]
pub struct PgbenchArgs {
    /// Parley's database on the same server, settled with pgbench's before each side's
    /// measured part (see `settle`).
    #[arg(long, default_value = "parley")]
    pub parley_database: String,
    #[arg(long, default_value = "pgbench")]
    pub pgbench: PathBuf,
    #[arg(long, default_value = "127.0.0.1")]
    pub pg_host: String,
    #[arg(long)]
    pub pg_port: u16,
    #[arg(long, default_value = "parley")]
    pub pg_user: String,
    #[arg(long, default_value = "bench_baseline")]
    pub pg_database: String,
}

#[derive(Debug, Args)]
pub struct B1Args {
    #[arg(long)]
    pub base_url: String,
    /// Concurrent clients, for the API and for pgbench alike.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    #[arg(long, default_value_t = 3)]
    pub warmup_s: u64,
    #[command(flatten)]
    pub pg: PgbenchArgs,
}

#[derive(Debug, Args)]
pub struct B2Args {
    #[arg(long)]
    pub base_url: String,
    /// Commands per second, sent on schedule whatever the answers do.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    #[arg(long, default_value_t = 3)]
    pub warmup_s: u64,
    /// pgbench clients (each runs one transaction at a time; enough to keep up).
    #[arg(long, default_value_t = 32)]
    pub pgbench_clients: usize,
    #[command(flatten)]
    pub pg: PgbenchArgs,
}

/// What `POST /api/calls` does, in the words of the issue: read the aggregate's stream,
/// insert one event, commit.
const MINIMAL_SCRIPT: &str = r"
SELECT gen_random_uuid()::text AS aid \gset
SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata FROM events WHERE aggregate_type = 'Call' AND aggregate_id = :aid ORDER BY sequence;
BEGIN;
INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('Call', :aid, 1, 'CallRequested', '1', json_build_object('CallRequested', json_build_object('call_id', :aid::text, 'requester_id', '6a4b3c2d-1e0f-5a6b-8c7d-9e0f1a2b3c4d', 'request', json_build_object('language', 'de', 'source_language', 'en', 'modality', 'video', 'specialty', 'general', 'priority', 'normal'), 'at', now())), json_build_object('actor_id', '6a4b3c2d-1e0f-5a6b-8c7d-9e0f1a2b3c4d', 'actor_role', 'requester', 'actor_name', 'Rita Requester', 'request_id', :aid::text, 'correlation_id', :aid::text));
COMMIT;
";

/// Everything `POST /api/calls` sends to PostgreSQL today: the stored count of queue events
/// that tells the API whether its queue fold is current, then both events of the command
/// in one transaction (the stream of the id it has just minted is not read).
const FULL_SCRIPT: &str = r"
SELECT gen_random_uuid()::text AS aid \gset
SELECT events FROM queue_events_stored;
BEGIN;
INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('Call', :aid, 1, 'CallRequested', '1', json_build_object('CallRequested', json_build_object('call_id', :aid::text, 'requester_id', '6a4b3c2d-1e0f-5a6b-8c7d-9e0f1a2b3c4d', 'request', json_build_object('language', 'de', 'source_language', 'en', 'modality', 'video', 'specialty', 'general', 'priority', 'normal'), 'at', now())), json_build_object('actor_id', '6a4b3c2d-1e0f-5a6b-8c7d-9e0f1a2b3c4d', 'actor_role', 'requester', 'actor_name', 'Rita Requester', 'request_id', :aid::text, 'correlation_id', :aid::text));
INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('Call', :aid, 2, 'NoInterpreterAvailable', '1', json_build_object('NoInterpreterAvailable', json_build_object('at', now())), json_build_object('actor_id', '6a4b3c2d-1e0f-5a6b-8c7d-9e0f1a2b3c4d', 'actor_role', 'requester', 'actor_name', 'Rita Requester', 'request_id', :aid::text, 'correlation_id', :aid::text));
COMMIT;
";

fn write_script(out: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let path = out.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Vacuums and analyses the events table of both databases and writes the dirty pages
/// (`CHECKPOINT`), so that each side starts from the same state and neither pays for the
/// other's inserts: left to itself, autovacuum ran on the baseline's table in the middle
/// of Parley's B2 (the seconds with its slowest answers) and on Parley's in pgbench's.
async fn settle(pg: &PgbenchArgs) -> anyhow::Result<()> {
    for database in [&pg.parley_database, &pg.pg_database] {
        let options = sqlx::postgres::PgConnectOptions::new()
            .host(&pg.pg_host)
            .port(pg.pg_port)
            .username(&pg.pg_user)
            .database(database);
        let mut conn = sqlx::ConnectOptions::connect(&options)
            .await
            .with_context(|| format!("connecting to database {database}"))?;
        sqlx::query("VACUUM (ANALYZE) events")
            .execute(&mut conn)
            .await
            .with_context(|| format!("vacuuming {database}.events"))?;
        if database == &pg.pg_database {
            sqlx::query("CHECKPOINT")
                .execute(&mut conn)
                .await
                .context("CHECKPOINT")?;
        }
    }
    Ok(())
}

/// Runs pgbench; returns its standard output.
async fn pgbench(pg: &PgbenchArgs, extra: &[String]) -> anyhow::Result<String> {
    let mut command = tokio::process::Command::new(&pg.pgbench);
    command
        .args(["-n", "-M", "prepared", "-h", &pg.pg_host, "-U", &pg.pg_user])
        .args(["-p", &pg.pg_port.to_string()])
        .args(extra)
        .arg(&pg.pg_database);
    let output = command
        .output()
        .await
        .with_context(|| format!("running {}", pg.pgbench.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "pgbench failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// `tps = 1234.5 (without initial connection time)`.
fn parse_tps(output: &str) -> anyhow::Result<f64> {
    output
        .lines()
        .filter(|line| line.starts_with("tps = "))
        .find_map(|line| line.split_whitespace().nth(2)?.parse().ok())
        .with_context(|| format!("no tps in pgbench output: {output}"))
}

/// Closed loop: `concurrency` clients, each sending the next request when the last one is
/// answered, until `duration` has passed. Returns (answered 202, failed, latencies).
async fn closed_loop(
    api: &Api,
    token: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<(u64, u64, Histogram<u64>, Duration)> {
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let api = api.clone();
        let token = token.to_owned();
        let failed = Arc::clone(&failed);
        tasks.push(tokio::spawn(async move {
            let mut hist = histogram()?;
            while Instant::now() < deadline {
                let sent = Instant::now();
                match api.request_call(&token, UNSERVED_LANGUAGE).await {
                    Ok(_) => record(&mut hist, sent.elapsed()),
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            anyhow::Ok(hist)
        }));
    }
    let mut all = histogram()?;
    for task in tasks {
        all.add(task.await??)?;
    }
    let elapsed = start.elapsed();
    Ok((all.len(), failed.load(Ordering::Relaxed), all, elapsed))
}

/// What an open-loop run measured.
pub struct OpenLoop {
    /// Requests answered 202.
    pub answered: u64,
    pub failed: u64,
    /// Latency of each answered request, from its due time.
    pub latencies: Histogram<u64>,
    /// The seconds of the run (by due time) in which some request took longer than
    /// `SLOW_MS`, worst first: where a tail comes from a few stalls, they show here.
    pub slow_seconds: Vec<SlowSecond>,
}

/// A latency above this makes a second of an open-loop run a slow one.
const SLOW_MS: f64 = 25.0;

#[derive(Debug, Clone, serde::Serialize)]
pub struct SlowSecond {
    /// Wall-clock start of the second (UTC), to match with the servers' logs.
    pub at: String,
    pub requests: u64,
    pub slower_than_25_ms: u64,
    pub max_ms: f64,
}

/// Open loop: request `i` is due at `start + i / rate` and its latency counts from then,
/// however late it actually leaves.
pub async fn open_loop<F, Fut>(rate: u64, duration: Duration, send: F) -> anyhow::Result<OpenLoop>
where
    F: Fn(Instant) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let rate = rate.max(1);
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let total = (duration.as_secs_f64() * rate as f64).round() as u64;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(u64, Option<Duration>)>();
    let start = Instant::now() + Duration::from_millis(10);
    let start_wall = chrono::Utc::now() + chrono::Duration::milliseconds(10);
    for i in 0..total {
        let due = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let job = send(due);
        let sender = sender.clone();
        tokio::spawn(async move {
            let outcome = job.await.ok().map(|()| due.elapsed());
            let _ = sender.send((i / rate, outcome));
        });
    }
    drop(sender);
    let mut latencies = histogram()?;
    let mut failed = 0;
    let mut seconds = vec![(0_u64, 0_u64, 0.0_f64); usize::try_from(total / rate + 1)?];
    while let Some((second, outcome)) = receiver.recv().await {
        let Some(latency) = outcome else {
            failed += 1;
            continue;
        };
        record(&mut latencies, latency);
        let ms = latency.as_secs_f64() * 1e3;
        if let Some((requests, slow, max_ms)) = usize::try_from(second)
            .ok()
            .and_then(|s| seconds.get_mut(s))
        {
            *requests += 1;
            *slow += u64::from(ms > SLOW_MS);
            *max_ms = max_ms.max(ms);
        }
    }
    let mut slow_seconds: Vec<SlowSecond> = seconds
        .into_iter()
        .enumerate()
        .filter(|(_, (_, slow, _))| *slow > 0)
        .map(|(second, (requests, slow, max_ms))| SlowSecond {
            at: (start_wall + chrono::Duration::seconds(second as i64))
                .format("%H:%M:%S%.3f")
                .to_string(),
            requests,
            slower_than_25_ms: slow,
            max_ms: (max_ms * 10.0).round() / 10.0,
        })
        .collect();
    slow_seconds.sort_by(|a, b| b.max_ms.total_cmp(&a.max_ms));
    Ok(OpenLoop {
        answered: latencies.len(),
        failed,
        latencies,
        slow_seconds,
    })
}

pub async fn b1(out: &Path, args: &B1Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let c = args.concurrency;
    settle(&args.pg).await?;
    eprintln!("B1: warm-up {} s, {c} clients", args.warmup_s);
    closed_loop(
        &api,
        &requester.token,
        c,
        Duration::from_secs(args.warmup_s),
    )
    .await?;
    eprintln!("B1: measuring {} s", args.duration_s);
    let (ok, failed, hist, elapsed) = closed_loop(
        &api,
        &requester.token,
        c,
        Duration::from_secs(args.duration_s),
    )
    .await?;
    let throughput = ok as f64 / elapsed.as_secs_f64();
    let latency = Latency::of(&hist);

    let minimal = write_script(out, "pgbench-command.sql", MINIMAL_SCRIPT)?;
    let full = write_script(out, "pgbench-command-full.sql", FULL_SCRIPT)?;
    let run = |script: &Path, seconds: u64| {
        vec![
            "-c".to_owned(),
            c.to_string(),
            "-j".to_owned(),
            "2".to_owned(),
            "-T".to_owned(),
            seconds.to_string(),
            "-f".to_owned(),
            script.display().to_string(),
        ]
    };
    settle(&args.pg).await?;
    eprintln!("B1: pgbench warm-up and run ({c} clients)");
    pgbench(&args.pg, &run(&minimal, args.warmup_s.max(1))).await?;
    let baseline = parse_tps(&pgbench(&args.pg, &run(&minimal, args.duration_s)).await?)?;
    settle(&args.pg).await?;
    let baseline_full = parse_tps(&pgbench(&args.pg, &run(&full, args.duration_s)).await?)?;

    let ratio = throughput / baseline;
    let row = Row::new(
        "B1",
        "commands/s through HTTP (`POST /api/calls`: auth, validation, event store), closed loop",
    )
    .figure(
        format!("{} commands/s", fmt_int(throughput)),
        throughput,
        "commands/s",
    )
    .baseline(
        format!(
            "{} tx/s (pgbench: read stream, insert 1 event, commit)",
            fmt_int(baseline)
        ),
        baseline,
    )
    .target("ratio ≥ 0.6", Some(ratio >= 0.6 && failed == 0))
    .conditions(format!(
        "{c} concurrent clients for {} s after {} s warm-up; {failed} failed; latency {}",
        args.duration_s,
        args.warmup_s,
        latency.short()
    ));
    let extra = Row::new("B1·sql", "the same, against pgbench running every statement the command sends (stored count of queue events, 2 inserts, commit)")
        .figure(format!("{} commands/s", fmt_int(throughput)), throughput, "commands/s")
        .baseline(format!("{} tx/s (pgbench: the command's full SQL)", fmt_int(baseline_full)), baseline_full)
        .conditions(format!("{c} concurrent clients for {} s", args.duration_s));
    write_fragment(
        out,
        &Fragment {
            bench: "B1".to_owned(),
            rows: vec![row, extra],
            details: json!({
                "concurrency": c,
                "duration_s": args.duration_s,
                "warmup_s": args.warmup_s,
                "answered": ok,
                "failed": failed,
                "commands_per_s": throughput,
                "latency": latency,
                "pgbench_tps_minimal": baseline,
                "pgbench_tps_full_sql": baseline_full,
                "pgbench_script_minimal": MINIMAL_SCRIPT.trim(),
                "pgbench_script_full_sql": FULL_SCRIPT.trim(),
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}

/// Latencies from pgbench's per-transaction logs (`-l`): with `-R`, a transaction's latency
/// from its scheduled start is `time + schedule_lag` (both in µs).
fn pgbench_log_latencies(dir: &Path, prefix: &str) -> anyhow::Result<(Histogram<u64>, u64)> {
    let mut hist = histogram()?;
    let mut failed = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.starts_with(prefix) {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(time), lag) = (fields.get(2), fields.get(6)) else {
                continue;
            };
            match time.parse::<u64>() {
                Ok(us) => {
                    let lag: u64 = lag.and_then(|l| l.parse().ok()).unwrap_or(0);
                    hist.saturating_record((us + lag).max(1));
                }
                Err(_) => failed += 1,
            }
        }
        std::fs::remove_file(&path)?;
    }
    Ok((hist, failed))
}

pub async fn b2(out: &Path, args: &B2Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let send = |_due: Instant| {
        let api = api.clone();
        let token = requester.token.clone();
        async move {
            api.request_call(&token, UNSERVED_LANGUAGE)
                .await
                .map(|_| ())
        }
    };
    settle(&args.pg).await?;
    eprintln!("B2: warm-up {} s at {}/s", args.warmup_s, args.rate);
    open_loop(args.rate, Duration::from_secs(args.warmup_s), send).await?;
    eprintln!("B2: measuring {} s at {}/s", args.duration_s, args.rate);
    let cpu_before = CpuTimes::now();
    let OpenLoop {
        answered: ok,
        failed,
        latencies: hist,
        slow_seconds,
    } = open_loop(args.rate, Duration::from_secs(args.duration_s), send).await?;
    let cpu = cpu_text(cpu_before, ok, "command");
    let latency = Latency::of(&hist);
    let stalls = match slow_seconds.first() {
        Some(worst) => format!(
            "; answers over {SLOW_MS} ms in {} of the {} s (worst second from {} UTC, max {} ms)",
            slow_seconds.len(),
            args.duration_s,
            worst.at,
            worst.max_ms
        ),
        None => String::new(),
    };

    let script = write_script(out, "pgbench-command.sql", MINIMAL_SCRIPT)?;
    let logs = out.join("pgbench-logs");
    std::fs::create_dir_all(&logs)?;
    let prefix = "b2";
    let mut run = vec![
        "-c".to_owned(),
        args.pgbench_clients.to_string(),
        "-j".to_owned(),
        "2".to_owned(),
        "-R".to_owned(),
        args.rate.to_string(),
        "-f".to_owned(),
        script.display().to_string(),
        "-T".to_owned(),
    ];
    settle(&args.pg).await?;
    eprintln!("B2: pgbench -R {} warm-up and run", args.rate);
    let mut warm = run.clone();
    warm.push(args.warmup_s.max(1).to_string());
    pgbench(&args.pg, &warm).await?;
    run.push(args.duration_s.to_string());
    run.push("-l".to_owned());
    run.push(format!("--log-prefix={}", logs.join(prefix).display()));
    pgbench(&args.pg, &run).await?;
    let (baseline_hist, baseline_failed) = pgbench_log_latencies(&logs, prefix)?;
    let baseline = Latency::of(&baseline_hist);

    let row = Row::new(
        "B2",
        "command latency at a fixed rate (`POST /api/calls`, open loop, from the scheduled send)",
    )
    .figure(latency.short(), latency.p99_ms, "ms (p99)")
    .baseline(format!("{} (pgbench -R)", baseline.short()), baseline.p99_ms)
    .target("p99 ≤ 25 ms", Some(latency.p99_ms <= 25.0 && ok > 0 && failed == 0))
    .conditions(format!(
        "{}/s for {} s after {} s warm-up; {ok} answered, {failed} failed{stalls}{cpu}; pgbench {} clients, {} failed",
        args.rate, args.duration_s, args.warmup_s, args.pgbench_clients, baseline_failed
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "B2".to_owned(),
            rows: vec![row],
            details: json!({
                "rate": args.rate,
                "duration_s": args.duration_s,
                "answered": ok,
                "failed": failed,
                "latency": latency,
                "pgbench_latency": baseline,
                "pgbench_clients": args.pgbench_clients,
                "slow_seconds": slow_seconds,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
