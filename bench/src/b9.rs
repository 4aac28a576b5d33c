//! B9: router takeover. Two `parley route` processes run, one leading and one standing by
//! (warm: it follows the stream from the last checkpoint while it waits). The leader is
//! killed with SIGKILL and a call requested at once; the figure is the time from the
//! SIGKILL to that call's first offer (`CallOffered.at`), made by the standby. Each round
//! starts a fresh standby and kills the process that leads now. The stream's length at
//! the time is reported beside it: a takeover must not depend on it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::process::{Child, Command};
use tokio::time::Instant;
use uuid::Uuid;

use crate::b7::create_agents;
use crate::common::{Api, Fragment, Row, fmt_ms, write_fragment};

const LANGUAGE: &str = "it";
const TARGET_MS: f64 = 2_000.0;

#[derive(Debug, Args)]
pub struct B9Args {
    #[arg(long)]
    pub parley_bin: PathBuf,
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    /// Takeovers measured.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// The result's id (B9 for the stream as the run left it; another for a longer one).
    #[arg(long, default_value = "B9")]
    pub id: String,
}

fn router(bin: &Path, log: &Path) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    Command::new(bin)
        .arg("route")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .context("starting parley route")
}

async fn stream_length(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT stream_sequence FROM relay_cursor")
            .fetch_one(pool)
            .await?,
    )
}

/// Waits until the leading router has read the stream's end (its reported progress).
async fn leader_caught_up(pool: &PgPool, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let end = stream_length(pool).await?;
        let read: Option<i64> =
            sqlx::query_scalar("SELECT position FROM pipeline_progress WHERE part = 'router'")
                .fetch_optional(pool)
                .await?;
        if read.is_some_and(|read| read >= end) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the leading router did not reach the stream's end ({end}) in time");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn first_offer_at(
    pool: &PgPool,
    call: Uuid,
    timeout: Duration,
) -> anyhow::Result<DateTime<Utc>> {
    let deadline = Instant::now() + timeout;
    loop {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT payload -> event_type ->> 'at' FROM events WHERE aggregate_type = 'Call' \
             AND aggregate_id = $1 AND event_type = 'CallOffered' ORDER BY sequence LIMIT 1",
        )
        .bind(call.to_string())
        .fetch_optional(pool)
        .await?;
        if let Some(at) = at {
            return Ok(at.parse()?);
        }
        if Instant::now() > deadline {
            bail!("call {call} was not offered within {timeout:?} of the takeover");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn run(out: &Path, args: &B9Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    let api = Api::new(&args.base_url)?;
    let admin = api.login("admin@example.com").await?;
    let supervisor = api.login("supervisor@example.com").await?;
    let requester = api.login("requester@example.com").await?;
    api.command(
        reqwest::Method::POST,
        "/api/queues",
        &admin.token,
        &json!({"name": format!("Bench Italian {}", &Uuid::new_v4().simple().to_string()[..6]),
                "languages": [LANGUAGE], "ring_timeout_s": 600, "max_wait_s": 86_400}),
    )
    .await?;
    // One interpreter per round: each keeps the call offered to them (nobody answers).
    for (agent, _) in create_agents(&pool, u64::from(args.rounds)).await? {
        api.command(
            reqwest::Method::PUT,
            &format!("/api/agents/{agent}/skills"),
            &admin.token,
            &json!({"languages": [{"code": LANGUAGE, "proficiency": 5}],
                    "specialties": ["general"], "modalities": ["video", "audio"]}),
        )
        .await?;
        api.command(
            reqwest::Method::PUT,
            &format!("/api/agents/{agent}/status"),
            &supervisor.token,
            &json!({"status": "available"}),
        )
        .await?;
    }

    let log = out.join(format!("{}-routers.log", args.id));
    std::fs::create_dir_all(out)?;
    let mut leader = router(&args.parley_bin, &log)?;
    leader_caught_up(&pool, Duration::from_secs(600)).await?;
    let mut takeovers = Vec::new();
    let mut events = 0;
    for round in 0..args.rounds {
        let mut standby = router(&args.parley_bin, &log)?;
        // Long enough for the standby to load the checkpoint and follow the stream.
        tokio::time::sleep(Duration::from_secs(8)).await;
        events = stream_length(&pool).await?;
        leader.start_kill().context("SIGKILL the leader")?;
        let killed_at = Utc::now();
        leader.wait().await?;
        let call = api.request_call(&requester.token, LANGUAGE).await?;
        let offered_at = first_offer_at(&pool, call, Duration::from_secs(30)).await?;
        #[allow(clippy::cast_precision_loss)] // microseconds of a takeover
        let ms = (offered_at - killed_at)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64
            / 1000.0;
        eprintln!(
            "{}: round {round}: first offer {ms:.0} ms after SIGKILL ({events} events)",
            args.id
        );
        takeovers.push(ms);
        std::mem::swap(&mut leader, &mut standby);
        drop(standby);
    }
    drop(leader);
    takeovers.sort_by(f64::total_cmp);
    let median = takeovers[takeovers.len() / 2];
    let worst = takeovers.last().copied().unwrap_or(f64::NAN);
    let row = Row::new(
        &args.id,
        &format!("router takeover with {events} events stored: SIGKILL of the leader → the standby's first offer"),
    )
    .figure(
        format!("median {} / worst {}", fmt_ms(median), fmt_ms(worst)),
        worst,
        "ms",
    )
    .target("≤ 2 s", Some(worst <= TARGET_MS))
    .conditions(format!(
        "{} takeovers, each with a standby started 8 s before; the call requested right after the SIGKILL",
        takeovers.len()
    ));
    write_fragment(
        out,
        &Fragment {
            bench: args.id.clone(),
            rows: vec![row],
            details: json!({"takeovers_ms": takeovers, "events": events}),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
