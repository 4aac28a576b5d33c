//! B10, the soak (`scripts/bench.sh --soak`): simulator traffic at a sustained rate for a
//! long time (30 minutes by default), sampled every minute: each Parley process's memory
//! and the latency of a command and a query sent at a steady rate beside the traffic.
//! Afterwards nothing may be lost or doubled (`integrity`), the p99 may not drift by more
//! than 10 % between the first and the last minutes after warm-up, and memory must stay
//! flat. Writes `docs/soak.md` and the plot `docs/soak.svg`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use hdrhistogram::Histogram;
use serde::Serialize;
use sqlx::PgPool;
use tokio::process::Command;
use tokio::time::Instant;

use crate::common::{Api, histogram, lock, proc_kib, record};

#[derive(Debug, Args)]
pub struct SoakArgs {
    #[arg(long)]
    pub parley_bin: PathBuf,
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub nats_url: String,
    #[arg(long, default_value = "PARLEY_EVENTS")]
    pub stream: String,
    #[arg(long, default_value_t = 30)]
    pub minutes: u64,
    /// Minutes left out of the drift and memory figures.
    #[arg(long, default_value_t = 5)]
    pub warmup_minutes: u64,
    /// The simulator's arrivals (`parley simulate --rate`).
    #[arg(long, default_value = "3/s")]
    pub rate: String,
    #[arg(long, default_value_t = 60)]
    pub agents: u32,
    /// Processes whose memory to sample: `name=pid`.
    #[arg(long = "pid")]
    pub pids: Vec<String>,
    #[arg(long, default_value = "docs/soak.md")]
    pub markdown: PathBuf,
    #[arg(long, default_value = "docs/soak.svg")]
    pub plot: PathBuf,
}

/// One minute of the soak.
#[derive(Debug, Clone, Serialize)]
struct Minute {
    minute: u64,
    command_p99_ms: f64,
    query_p99_ms: f64,
    probes: u64,
    errors: u64,
    /// VmRSS of each process, KiB, in the order of `--pid`.
    rss_kib: Vec<u64>,
}

#[derive(Default)]
struct Probes {
    commands: Option<Histogram<u64>>,
    queries: Option<Histogram<u64>>,
    errors: u64,
    accepted: Vec<String>,
}

pub async fn run(args: &SoakArgs) -> anyhow::Result<()> {
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let supervisor = api.login("supervisor@example.com").await?;
    let pids: Vec<(String, u32)> = args
        .pids
        .iter()
        .filter_map(|entry| {
            let (name, pid) = entry.split_once('=')?;
            Some((name.to_owned(), pid.parse().ok()?))
        })
        .collect();
    let mut simulator = Command::new(&args.parley_bin)
        .args([
            "simulate",
            "--base-url",
            &args.base_url,
            "--rate",
            &args.rate,
        ])
        .args(["--agents", &args.agents.to_string(), "--time-scale", "0.2"])
        .args(["--duration", &format!("{}m", args.minutes), "--drain", "3m"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting parley simulate")?;

    let probes = Arc::new(Mutex::new(Probes::default()));
    let start = Instant::now();
    let mut minutes = Vec::new();
    for minute in 1..=args.minutes {
        {
            let mut p = lock(&probes);
            p.commands = Some(histogram()?);
            p.queries = Some(histogram()?);
            p.errors = 0;
        }
        let minute_ends = start + Duration::from_secs(60 * minute);
        let mut ticks = tokio::time::interval(Duration::from_millis(200));
        let mut sent = 0;
        while Instant::now() < minute_ends {
            ticks.tick().await;
            sent += 1;
            probe(&api, &requester.token, &supervisor.token, &probes).await;
        }
        let p = lock(&probes);
        let p99 = |h: &Option<Histogram<u64>>| {
            h.as_ref()
                .map_or(f64::NAN, |h| h.value_at_quantile(0.99) as f64 / 1000.0)
        };
        minutes.push(Minute {
            minute,
            command_p99_ms: p99(&p.commands),
            query_p99_ms: p99(&p.queries),
            probes: sent,
            errors: p.errors,
            rss_kib: pids
                .iter()
                .map(|(_, pid)| proc_kib(*pid, "VmRSS").unwrap_or(0))
                .collect(),
        });
        eprintln!("B10: {:?}", minutes.last());
    }
    let _ = simulator.wait().await;
    let pool = PgPool::connect(&args.database_url).await?;
    crate::integrity::wait_until_caught_up(&pool, Duration::from_secs(600)).await?;
    let accepted = std::mem::take(&mut lock(&probes).accepted);
    let integrity = crate::integrity::check(&pool, &args.nats_url, &args.stream, &accepted).await?;
    write_report(args, &pids, &minutes, &integrity)
}

/// One command (a call requested and cancelled) and one query (the call list), timed.
async fn probe(api: &Api, requester: &str, supervisor: &str, probes: &Arc<Mutex<Probes>>) {
    let began = Instant::now();
    let requested = api.request_call(requester, "es").await;
    let command = began.elapsed();
    let began = Instant::now();
    let listed = api
        .client
        .get(api.url("/api/calls?limit=50"))
        .bearer_auth(supervisor)
        .send()
        .await
        .is_ok_and(|answer| answer.status().is_success());
    let query = began.elapsed();
    {
        let mut p = lock(probes);
        if listed && let Some(h) = p.queries.as_mut() {
            record(h, query);
        }
        p.errors += u64::from(!listed);
        match &requested {
            Ok(id) => {
                if let Some(h) = p.commands.as_mut() {
                    record(h, command);
                }
                p.accepted.push(id.to_string());
            }
            Err(_) => p.errors += 1,
        }
    }
    // The probe's call leaves the queue to the simulator's callers.
    if let Ok(id) = requested {
        let _ = api
            .client
            .post(api.url(&format!("/api/calls/{id}/cancel")))
            .bearer_auth(requester)
            .send()
            .await;
    }
}

/// The median of a few minutes' p99, robust to one bad minute.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

fn write_report(
    args: &SoakArgs,
    pids: &[(String, u32)],
    minutes: &[Minute],
    integrity: &crate::integrity::Integrity,
) -> anyhow::Result<()> {
    let after = usize::try_from(args.warmup_minutes)
        .unwrap_or(0)
        .min(minutes.len());
    let measured = &minutes[after..];
    let window = measured.len().min(3);
    let p99s: Vec<f64> = measured.iter().map(|m| m.command_p99_ms).collect();
    let first = median(&p99s[..window]);
    let last = median(&p99s[p99s.len() - window..]);
    let drift = (last - first) / first;
    let mut md = String::new();
    writeln!(md, "# Soak (B10)\n")?;
    writeln!(
        md,
        "Written by `scripts/bench.sh --soak`: {} minutes of `parley simulate` at {} with {} \
         interpreters, and beside it, five times a second, a call requested (`POST /api/calls`) \
         and the call list read (`GET /api/calls?limit=50`). Warm-up: the first {} minutes.\n",
        args.minutes, args.rate, args.agents, args.warmup_minutes
    )?;
    writeln!(md, "![p99 and memory per minute](soak.svg)\n")?;
    writeln!(md, "| check | result | target | met? |\n|---|---|---|---|")?;
    writeln!(
        md,
        "| lost or doubled | {} calls lost, {} events doubled in the stream, {} in the read models, {} missing ({} events) | 0 | {} |",
        integrity.commands_lost,
        integrity.events_doubled_in_stream,
        integrity.events_doubled_in_read_models,
        integrity.read_models_missing_events,
        integrity.stored_events,
        if integrity.is_whole() {
            "yes"
        } else {
            "**no**"
        }
    )?;
    writeln!(
        md,
        "| command p99 drift | {first:.1} ms → {last:.1} ms ({:+.1} %) | < 10 % | {} |",
        drift * 100.0,
        if drift < 0.10 { "yes" } else { "**no**" }
    )?;
    for (i, (name, _)) in pids.iter().enumerate() {
        let at = |m: Option<&Minute>| m.map_or(0, |m| m.rss_kib[i]);
        let (from, to) = (at(measured.first()), at(measured.last()));
        #[allow(clippy::cast_precision_loss)]
        let growth = (to as f64 - from as f64) / (from.max(1) as f64);
        writeln!(
            md,
            "| memory of `parley {name}` after warm-up | {} → {} MiB ({:+.1} %) | flat (< 10 %) | {} |",
            from / 1024,
            to / 1024,
            growth * 100.0,
            if growth < 0.10 { "yes" } else { "**no**" }
        )?;
    }
    writeln!(md, "\n## Per minute\n")?;
    writeln!(
        md,
        "| minute | command p99 ms | query p99 ms | probes | errors | RSS MiB ({}) |",
        pids.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    for m in minutes {
        let rss: Vec<String> = m.rss_kib.iter().map(|k| (k / 1024).to_string()).collect();
        writeln!(
            md,
            "| {} | {:.1} | {:.1} | {} | {} | {} |",
            m.minute,
            m.command_p99_ms,
            m.query_p99_ms,
            m.probes,
            m.errors,
            rss.join(", ")
        )?;
    }
    std::fs::write(&args.markdown, md)?;
    std::fs::write(&args.plot, plot(pids, minutes))?;
    eprintln!(
        "B10: wrote {} and {}",
        args.markdown.display(),
        args.plot.display()
    );
    Ok(())
}

/// Two panels: command and query p99 per minute; each process's memory per minute.
fn plot(pids: &[(String, u32)], minutes: &[Minute]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 200.0;
    let colours = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    ];
    #[allow(clippy::cast_precision_loss)]
    let x = |minute: u64| {
        50.0 + (W - 70.0) * (minute as f64 - 1.0) / (minutes.len().max(2) as f64 - 1.0)
    };
    let line = |values: Vec<f64>, top: f64, max: f64, colour: &str| {
        let points: Vec<String> = minutes
            .iter()
            .zip(values)
            .map(|(m, v)| {
                format!(
                    "{:.1},{:.1}",
                    x(m.minute),
                    top + H - 20.0 - (H - 40.0) * v / max.max(1e-9)
                )
            })
            .collect();
        format!(
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        )
    };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{}" font-family="sans-serif" font-size="12">"#,
        2.0 * H + 20.0
    );
    let latency_max = minutes
        .iter()
        .flat_map(|m| [m.command_p99_ms, m.query_p99_ms])
        .fold(0.0, f64::max);
    let _ = write!(
        svg,
        r#"<text x="50" y="15">p99 per minute, ms (max {latency_max:.0}): command (blue), query (red)</text>"#
    );
    svg.push_str(&line(
        minutes.iter().map(|m| m.command_p99_ms).collect(),
        0.0,
        latency_max,
        colours[0],
    ));
    svg.push_str(&line(
        minutes.iter().map(|m| m.query_p99_ms).collect(),
        0.0,
        latency_max,
        colours[1],
    ));
    #[allow(clippy::cast_precision_loss)]
    let memory_max = minutes
        .iter()
        .flat_map(|m| m.rss_kib.iter().copied())
        .max()
        .unwrap_or(1) as f64
        / 1024.0;
    let names: Vec<String> = pids
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("{n} ({})", colours[(i + 2) % colours.len()]))
        .collect();
    let _ = write!(
        svg,
        r#"<text x="50" y="{}">memory per minute, MiB (max {memory_max:.0}): {}</text>"#,
        H + 20.0,
        names.join(", ")
    );
    for (i, _) in pids.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let values = minutes
            .iter()
            .map(|m| m.rss_kib[i] as f64 / 1024.0)
            .collect();
        svg.push_str(&line(
            values,
            H + 10.0,
            memory_max,
            colours[(i + 2) % colours.len()],
        ));
    }
    svg.push_str("</svg>\n");
    svg
}
