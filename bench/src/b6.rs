//! B6: `parley projections rebuild <name>` from sequence 1, beside `\copy (SELECT … ORDER BY
//! …) TO '/dev/null'` of the same rows through psql.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use tokio::time::Instant;

use crate::common::{Fragment, Row, fmt_int, proc_kib, stream_last_sequence, write_fragment};

#[derive(Debug, Args)]
pub struct B6Args {
    /// The `parley` binary; it reads its settings from the environment (PARLEY__...).
    #[arg(long)]
    pub parley_bin: PathBuf,
    #[arg(long, default_value = "calls")]
    pub projection: String,
    #[arg(long)]
    pub nats_url: String,
    #[arg(long, default_value = "PARLEY_EVENTS")]
    pub stream: String,
    #[arg(long, default_value = "psql")]
    pub psql: PathBuf,
    /// psql connection string of Parley's database.
    #[arg(long)]
    pub database_url: String,
    /// The rebuild (and each copy) is stopped, and the benchmark fails, past this.
    #[arg(long, default_value_t = 1800)]
    pub timeout_s: u64,
}

const COPY: &str = "\\copy (SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, \
     payload, metadata, recorded_at FROM events ORDER BY tx_id, global_position) TO '/dev/null'";

/// Runs a program to its end, its output into `log`; returns the time it took and its
/// peak RSS (KiB, sampled). The output goes to a file, never to a pipe nobody reads, so a
/// chatty child cannot block on a full pipe. Past `timeout` the program is killed and the
/// run fails, saying so.
async fn timed(
    program: &Path,
    args: &[&str],
    log: &Path,
    timeout: Duration,
) -> anyhow::Result<(Duration, u64)> {
    let file = std::fs::File::create(log)?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdout(file.try_clone()?)
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let pid = child.id().unwrap_or(0);
    let mut peak = 0;
    let status = loop {
        peak = peak.max(proc_kib(pid, "VmHWM").unwrap_or(0));
        if started.elapsed() > timeout {
            child.kill().await?;
            bail!(
                "{} {args:?} did not finish within {} s (killed; its output: {})",
                program.display(),
                timeout.as_secs(),
                log.display()
            );
        }
        tokio::select! {
            status = child.wait() => break status?,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    };
    let took = started.elapsed();
    if !status.success() {
        let output = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(5).collect();
        bail!(
            "{} {args:?} failed ({status}); last lines of {}: {}",
            program.display(),
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        );
    }
    Ok((took, peak))
}

pub async fn run(out: &Path, args: &B6Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let nats = async_nats::connect(&args.nats_url).await?;
    let js = async_nats::jetstream::new(nats);
    let events = stream_last_sequence(&js, &args.stream).await?;

    eprintln!("B6: baseline, \\copy of the events table (once to warm up, once measured)");
    let psql = |command: &'static str| {
        vec![
            "-X".to_owned(),
            "-q".to_owned(),
            "-v".to_owned(),
            "ON_ERROR_STOP=1".to_owned(),
            "-d".to_owned(),
            args.database_url.clone(),
            "-c".to_owned(),
            command.to_owned(),
        ]
    };
    let copy_args = psql(COPY);
    let copy_args: Vec<&str> = copy_args.iter().map(String::as_str).collect();
    let copy_log = out.join("b6-copy.log");
    let timeout = Duration::from_secs(args.timeout_s);
    timed(&args.psql, &copy_args, &copy_log, timeout).await?;
    let (copy_took, _) = timed(&args.psql, &copy_args, &copy_log, timeout).await?;
    let copy_rate = events as f64 / copy_took.as_secs_f64();

    eprintln!(
        "B6: parley projections rebuild {} over {events} events",
        args.projection
    );
    let (took, peak_kib) = timed(
        &args.parley_bin,
        &["projections", "rebuild", &args.projection],
        &out.join("b6-rebuild.log"),
        timeout,
    )
    .await?;
    let rebuild_log = std::fs::read_to_string(out.join("b6-rebuild.log")).unwrap_or_default();
    let warnings = rebuild_log
        .lines()
        .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
        .count();
    // `parley projections rebuild` ends with "rebuilt <name> up to stream sequence <n>".
    let rebuilt_to: Option<u64> = rebuild_log.lines().rev().find_map(|line| {
        line.split_once(" up to stream sequence ")
            .and_then(|(_, n)| n.trim().parse().ok())
    });
    if rebuilt_to.is_some_and(|to| to < events) {
        bail!(
            "the rebuild swapped in a copy up to stream sequence {rebuilt_to:?}, short of the {events} events on the stream"
        );
    }
    let rate = events as f64 / took.as_secs_f64();
    let row = Row::new(
        "B6",
        &format!(
            "rebuild the `{}` read model from stream sequence 1 (`parley projections rebuild {}`)",
            args.projection, args.projection
        ),
    )
    .figure(format!("{} events/s", fmt_int(rate)), rate, "events/s")
    .baseline(
        format!(
            "{} rows/s (psql `\\copy (SELECT … ORDER BY tx_id, global_position) TO '/dev/null'`)",
            fmt_int(copy_rate)
        ),
        copy_rate,
    )
    .target("≥ 100,000 events/s", Some(rate >= 100_000.0))
    .conditions(format!(
        "{events} events on the stream; rebuild {:.1} s (process start and swap included, peak RSS {} MiB, {warnings} warnings logged), copy {:.1} s",
        took.as_secs_f64(),
        peak_kib / 1024,
        copy_took.as_secs_f64()
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "B6".to_owned(),
            rows: vec![row],
            details: json!({
                "projection": args.projection,
                "events": events,
                "rebuild_s": took.as_secs_f64(),
                "rebuild_events_per_s": rate,
                "rebuild_peak_rss_kib": peak_kib,
                "rebuild_warnings": warnings,
                "rebuilt_to_sequence": rebuilt_to,
                "copy_s": copy_took.as_secs_f64(),
                "copy_rows_per_s": copy_rate,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}

#[derive(Debug, Args)]
pub struct CatchUpArgs {
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub nats_url: String,
    #[arg(long, default_value = "PARLEY_EVENTS")]
    pub stream: String,
    /// Events the workers had applied before `parley project` started (their checkpoint).
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    #[arg(long, default_value_t = 1800)]
    pub timeout_s: u64,
    /// First wait, unmeasured, for the relay to publish every stored event: without B3
    /// before it, the stream may still be filling, and its end is not yet the target.
    #[arg(long)]
    pub relay_first: bool,
}

/// The lowest checkpoint among the live read models (`read_<name>.checkpoint`).
async fn lowest_checkpoint(pool: &sqlx::PgPool) -> anyhow::Result<(i64, usize)> {
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'checkpoint' \
         AND table_schema LIKE 'read\\_%' AND table_schema NOT LIKE '%\\_next' AND table_schema NOT LIKE '%\\_retired'",
    )
    .fetch_all(pool)
    .await?;
    let mut lowest = i64::MAX;
    for schema in &schemas {
        let seq: i64 =
            sqlx::query_scalar(&format!("SELECT stream_seq FROM \"{schema}\".checkpoint"))
                .fetch_one(pool)
                .await?;
        lowest = lowest.min(seq);
    }
    Ok((if schemas.is_empty() { 0 } else { lowest }, schemas.len()))
}

/// Waits until every projection worker has applied the whole stream; reports the rate at
/// which the live workers (all read models at once) caught up.
pub async fn catch_up(out: &Path, args: &CatchUpArgs) -> anyhow::Result<()> {
    let mut began = Instant::now();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    let nats = async_nats::connect(&args.nats_url).await?;
    let js = async_nats::jetstream::new(nats);
    if args.relay_first {
        crate::b3::wait_relay_idle(&pool, &js, &args.stream, Duration::from_secs(300)).await?;
        began = Instant::now();
    }
    let target = stream_last_sequence(&js, &args.stream).await?;
    let deadline = Instant::now() + Duration::from_secs(args.timeout_s);
    let (reached, models) = loop {
        let (lowest, models) = lowest_checkpoint(&pool).await?;
        if models > 0 && u64::try_from(lowest).unwrap_or(0) >= target {
            break (lowest, models);
        }
        if Instant::now() > deadline {
            bail!(
                "the read models reached {lowest} of {target} within {} s",
                args.timeout_s
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = began.elapsed();
    let events = target.saturating_sub(args.from);
    let rate = events as f64 / took.as_secs_f64();
    let row = Row::new(
        "CU",
        &format!("live projection workers (`parley project`, {models} read models at once) catching up on the stream"),
    )
    .figure(format!("{} events/s", fmt_int(rate)), rate, "events/s")
    .conditions(format!(
        "{events} events (to sequence {reached}) in {:.1} s, from the workers' start",
        took.as_secs_f64()
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "CU".to_owned(),
            rows: vec![row],
            details: json!({"events": events, "seconds": took.as_secs_f64(), "events_per_s": rate, "read_models": models}),
            notes: vec![],
            took_s: took.as_secs_f64(),
        },
    )
}
