//! B12: the read paths the console, the floor and the analysts poll, on a store of
//! millions of calls, beside the same paths on a first day's store.
//!
//! The calls go into the read models directly (`command_api::history::fill_read_models`):
//! what is measured is what a read costs once years of calls are held, not how they were
//! handled. First a day: 1,000 calls and today's metrics; every path is timed. Then the
//! years: `--calls` more (5,000,000), one in ten by the demo requester, one in a hundred
//! answered by the demo interpreter, 90 days of metric buckets; every path is timed again.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use command_api::history::{FloorHistory, fill_read_models};
use command_api::seed::{demo_queue_id, demo_user_id};
use hdrhistogram::Histogram;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use tokio::time::Instant;
use uuid::Uuid;

use crate::common::{Api, Fragment, Row, Session, fmt_ms, histogram, record, write_fragment};

#[derive(Debug, Args)]
pub struct B12Args {
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    /// Calls held for the second round.
    #[arg(long, default_value_t = 5_000_000)]
    pub calls: i64,
    /// Requests per path and round, one at a time.
    #[arg(long, default_value_t = 300)]
    pub requests: u32,
}

/// The call list's p99 on the large store (the bound).
const CALL_LIST_P99_MS: f64 = 20.0;
/// Any other path: its p99 on the large store over its p99 on the first day's.
const RATIO: f64 = 1.5;

/// A path of the round: a name, the request, who asks, and whether it is a call list.
struct Probe {
    name: &'static str,
    path: String,
    session: Session,
    call_list: bool,
}

/// The p50 and p99 of `requests` runs of each probe (after ten to warm up), in turns.
async fn round(api: &Api, probes: &[Probe], requests: u32) -> anyhow::Result<Vec<Histogram<u64>>> {
    let mut latencies = probes
        .iter()
        .map(|_| histogram())
        .collect::<anyhow::Result<Vec<_>>>()?;
    for run in 0..requests + 10 {
        for (probe, latency) in probes.iter().zip(&mut latencies) {
            let started = Instant::now();
            let response = api
                .client
                .get(api.url(&probe.path))
                .bearer_auth(&probe.session.token)
                .send()
                .await
                .with_context(|| format!("{}: GET {}", probe.name, probe.path))?;
            let status = response.status();
            response.bytes().await?;
            anyhow::ensure!(
                status.is_success(),
                "{}: GET {}: {status}",
                probe.name,
                probe.path
            );
            if run >= 10 {
                record(latency, started.elapsed());
            }
        }
    }
    Ok(latencies)
}

pub async fn run(out: &Path, args: &B12Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    let api = Api::new(&args.base_url)?;
    let supervisor = api.login("supervisor@example.com").await?;
    let requester = api.login("requester@example.com").await?;
    let interpreter = api.login("agent1@example.com").await?;
    let analyst = api.login("analyst@example.com").await?;
    let queue = demo_queue_id("es-general").as_uuid();
    let mut interpreters = vec![demo_user_id("agent1@example.com")];
    interpreters.extend((1..100).map(|_| Uuid::new_v4()));
    let requester_id = demo_user_id("requester@example.com");

    let probe = |name, path: String, session: &Session, call_list| Probe {
        name,
        path,
        session: session.clone(),
        call_list,
    };
    let probes = vec![
        probe(
            "call list, supervisor",
            "/api/calls?limit=50".into(),
            &supervisor,
            true,
        ),
        probe(
            "call list, interpreter",
            "/api/calls?limit=50".into(),
            &interpreter,
            true,
        ),
        probe(
            "call list, requester",
            "/api/calls?limit=50".into(),
            &requester,
            true,
        ),
        probe(
            "call list, one queue",
            format!("/api/calls?limit=50&queue_id={queue}"),
            &supervisor,
            true,
        ),
        probe(
            "interpreters' board",
            "/api/agents".into(),
            &supervisor,
            false,
        ),
        probe("queues' board", "/api/queues".into(), &supervisor, false),
        probe(
            "metrics today",
            "/api/metrics?group_by=queue".into(),
            &analyst,
            false,
        ),
    ];

    let filled = Instant::now();
    let day = FloorHistory {
        calls: 1_000,
        history_per_call: 0,
        metric_days: 1,
        queue,
        requester: requester_id,
        interpreters: &interpreters,
        now: Utc::now(),
    };
    fill_read_models(&pool, &day).await?;
    eprintln!(
        "  first day stored in {:.1} s",
        filled.elapsed().as_secs_f64()
    );
    let first_day = round(&api, &probes, args.requests).await?;

    let filled = Instant::now();
    let held_years = FloorHistory {
        calls: args.calls,
        metric_days: 90,
        now: Utc::now(),
        ..day
    };
    let held = fill_read_models(&pool, &held_years)
        .await
        .context("storing the calls")?;
    let fill_s = filled.elapsed().as_secs_f64();
    eprintln!("  {} calls stored in {fill_s:.1} s", held.calls);
    let years = round(&api, &probes, args.requests).await?;

    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let mut rows = Vec::new();
    let mut details = Vec::new();
    for ((probe, small), large) in probes.iter().zip(&first_day).zip(&years) {
        let (p99, base) = (ms(large, 0.99), ms(small, 0.99));
        let (target, met) = if probe.call_list {
            (
                format!("p99 ≤ {CALL_LIST_P99_MS} ms"),
                p99 <= CALL_LIST_P99_MS,
            )
        } else {
            (format!("p99 ≤ {RATIO}× first day"), p99 <= base * RATIO)
        };
        rows.push(
            Row::new(
                "B12",
                &format!(
                    "{} with {} calls held (`GET {}`), p99",
                    probe.name,
                    held.calls + 1_000,
                    probe.path
                ),
            )
            .figure(format!("{} ms", fmt_ms(p99)), p99, "ms")
            .baseline(format!("{} ms (1,000 calls)", fmt_ms(base)), base)
            .target(&target, Some(met))
            .conditions(format!(
                "{} requests, one at a time, each path in turn; p50 {} ms against {} ms",
                args.requests,
                fmt_ms(ms(large, 0.5)),
                fmt_ms(ms(small, 0.5)),
            )),
        );
        details.push(json!({
            "path": probe.path, "name": probe.name,
            "first_day_ms": {"p50": ms(small, 0.5), "p99": base},
            "held_ms": {"p50": ms(large, 0.5), "p99": p99},
        }));
    }
    write_fragment(
        out,
        &Fragment {
            bench: "B12".to_owned(),
            rows,
            details: json!({"calls_held": held.calls + 1_000, "fill_s": fill_s, "paths": details}),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
