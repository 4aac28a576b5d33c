//! B11: a command on an interpreter with a long history, beside the same command on a new
//! interpreter. An interpreter stores about 75,000 events a year; every command on the
//! `Agent` loads it first, so without snapshots its cost grew with the interpreter's
//! tenure. The veteran's 100,002 events are real `Agent` events (`history`), stored in one
//! statement; then both interpreters change status over HTTP in turns
//! (`PUT /api/agents/me/status`, break ↔ offline), one request at a time.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use command_api::history::append_interpreter_shifts;
use domain::ids::AgentId;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use tokio::time::Instant;

use crate::b7::create_agents;
use crate::common::{Api, Fragment, Row, fmt_ms, histogram, record, write_fragment};

#[derive(Debug, Args)]
pub struct B11Args {
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    /// Working spells of 7 events each stored for the veteran (14,286: 100,002 events).
    #[arg(long, default_value_t = 14_286)]
    pub shifts: u32,
    /// Status changes per interpreter, measured.
    #[arg(long, default_value_t = 300)]
    pub commands: u32,
    /// Status changes per interpreter before the measured ones.
    #[arg(long, default_value_t = 20)]
    pub warmup: u32,
    /// Once the history is stored, wait this long for the relay, the read models and the
    /// router to take it in, so that they do not compete with the measured commands.
    #[arg(long, default_value_t = 20)]
    pub settle_s: u64,
}

const TARGET_RATIO: f64 = 1.2;

pub async fn run(out: &Path, args: &B11Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    let agents = create_agents(&pool, 2).await?;
    let [(veteran, veteran_email), (newcomer, newcomer_email)] =
        <[(uuid::Uuid, String); 2]>::try_from(agents)
            .map_err(|_| anyhow::anyhow!("two interpreter accounts expected"))?;
    let stored = Instant::now();
    let last = append_interpreter_shifts(&pool, AgentId(veteran), args.shifts, Utc::now())
        .await
        .context("storing the veteran's history")?;
    let store_s = stored.elapsed().as_secs_f64();
    eprintln!("  veteran {veteran}: {last} events stored in {store_s:.1} s; newcomer {newcomer}");
    tokio::time::sleep(Duration::from_secs(args.settle_s)).await;

    let api = Api::new(&args.base_url)?;
    let sessions = [
        api.login(&veteran_email).await?,
        api.login(&newcomer_email).await?,
    ];
    let change = |token: String, round: u32| {
        let api = &api;
        async move {
            let status = if round % 2 == 0 { "break" } else { "offline" };
            let started = Instant::now();
            api.command(
                reqwest::Method::PUT,
                "/api/agents/me/status",
                &token,
                &json!({ "status": status }),
            )
            .await?;
            anyhow::Ok(started.elapsed())
        }
    };
    // The veteran's first command folds the whole history once and stores its snapshot.
    let first = change(sessions[0].token.clone(), 0).await?;
    for round in 1..=args.warmup {
        for session in &sessions {
            change(session.token.clone(), round).await?;
        }
    }
    let mut latencies = [histogram()?, histogram()?];
    for round in 0..args.commands {
        // Each round in the other order, so neither side always follows the other.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let took = change(sessions[side].token.clone(), args.warmup + 1 + round).await?;
            record(&mut latencies[side], took);
        }
    }
    let ms = |side: usize, q: f64| latencies[side].value_at_quantile(q) as f64 / 1000.0;
    let (old, new) = (ms(0, 0.5), ms(1, 0.5));
    let ratio = old / new;
    let row = Row::new(
        "B11",
        &format!("status change of an interpreter with {last} events (`PUT /api/agents/me/status`), median"),
    )
    .figure(format!("{} ms", fmt_ms(old)), old, "ms")
    .baseline(format!("{} ms (new interpreter)", fmt_ms(new)), new)
    .target(&format!("≤ {TARGET_RATIO}× new interpreter"), Some(ratio <= TARGET_RATIO))
    .conditions(format!(
        "{} commands each, in turns, one at a time after {} warm-up; p99 {} ms against {} ms; \
         the veteran's first command (folds the history, stores the snapshot) took {} ms",
        args.commands,
        args.warmup,
        fmt_ms(ms(0, 0.99)),
        fmt_ms(ms(1, 0.99)),
        fmt_ms(first.as_secs_f64() * 1000.0),
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "B11".to_owned(),
            rows: vec![row],
            details: json!({
                "veteran_events": last,
                "history_store_s": store_s,
                "veteran_ms": {"p50": old, "p99": ms(0, 0.99)},
                "newcomer_ms": {"p50": new, "p99": ms(1, 0.99)},
                "first_veteran_command_ms": first.as_secs_f64() * 1000.0,
                "ratio": ratio,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
