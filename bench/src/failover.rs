//! `parley-bench failover`: one fault injected into a running cluster (`scripts/cluster.sh
//! test`) while commands and WebSocket clients go through the load balancer, then the
//! count of what was lost or doubled, the time to recover and the errors clients saw.
//!
//! Load: `POST /api/calls` at a fixed rate (each answer recorded with when it was sent),
//! a question for the past (`GET /api/floor?at=`, served from the replica when it answers)
//! every 500 ms, and supervisors on `/api/ws` who reconnect when their socket closes and
//! then reload the call list, as the web UI does. At `--fault-at-s` the `--fault` command
//! runs, at `--revive-at-s` the `--revive` command. Afterwards the pipeline must catch up,
//! and then: every call answered 202 is in the events table (lost: 0), the stream holds
//! each event once, and the read models hold each event once (doubled: 0).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use serde::Serialize;
use sqlx::PgPool;

use crate::b4::connect_ws;
use crate::common::{Api, lock};

#[derive(Debug, clap::Args)]
pub struct FailoverArgs {
    /// The scenario's name, for the report.
    #[arg(long)]
    name: String,
    /// The load balancer.
    #[arg(long)]
    base_url: String,
    /// The primary database (the record the check reads).
    #[arg(long)]
    database_url: String,
    /// The NATS servers, comma-separated.
    #[arg(long)]
    nats_url: String,
    #[arg(long, default_value = "PARLEY_EVENTS")]
    stream: String,
    /// Shell command that injects the fault.
    #[arg(long)]
    fault: String,
    /// Shell command that ends it.
    #[arg(long)]
    revive: String,
    #[arg(long, default_value_t = 8)]
    fault_at_s: u64,
    #[arg(long, default_value_t = 18)]
    revive_at_s: u64,
    #[arg(long, default_value_t = 28)]
    duration_s: u64,
    /// Calls requested per second.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// Supervisors on `/api/ws`.
    #[arg(long, default_value_t = 20)]
    sockets: usize,
}

/// One command or question: when it was sent (ms since the start) and how it ended.
#[derive(Debug, Clone)]
struct Outcome {
    sent_ms: u64,
    ok: bool,
}

#[derive(Debug, Default)]
struct Record {
    commands: Vec<Outcome>,
    accepted: Vec<String>,
    questions: Vec<Outcome>,
    socket_drops: u64,
    /// Longest time a supervisor spent between a drop and being ready again.
    longest_reconnect_ms: u64,
    reload_errors: u64,
}

#[derive(Debug, Serialize)]
pub struct FailoverReport {
    scenario: String,
    commands_sent: usize,
    commands_accepted: usize,
    command_errors: usize,
    /// Lost and doubled (flattened into the report's fields).
    #[serde(flatten)]
    integrity: crate::integrity::Integrity,
    /// Longest run of failed commands, from the first failure to the next success.
    command_outage_ms: u64,
    questions_sent: usize,
    question_errors: usize,
    socket_drops: u64,
    longest_reconnect_ms: u64,
    reload_errors: u64,
    /// From the end of the load until every read model held every event.
    catch_up_ms: u128,
    /// The longest time each part stood still while events waited for it: the relay
    /// (events stored, not published), the read models (published, not applied), the
    /// router (published, not read).
    relay_stall_ms: u64,
    projection_stall_ms: u64,
    router_stall_ms: u64,
}

/// Longest stalls of the pipeline's parts, sampled every [`SAMPLE_EVERY`].
#[derive(Debug, Default, Clone, Copy)]
struct Stalls {
    relay_ms: u64,
    projection_ms: u64,
    router_ms: u64,
}

const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// How long a position has not moved while work waited for it.
#[derive(Default)]
struct StallClock {
    position: i64,
    since: Option<Instant>,
}

impl StallClock {
    /// The stall so far, given the position now and whether work waits for it.
    fn observe(&mut self, position: i64, waiting: bool, now: Instant) -> u64 {
        if position != self.position || !waiting {
            self.position = position;
            self.since = waiting.then_some(now);
            return 0;
        }
        let since = *self.since.get_or_insert(now);
        u64::try_from(now.duration_since(since).as_millis()).unwrap_or(u64::MAX)
    }
}

/// Samples the relay's cursor, the read models' lowest checkpoint and the router's
/// reported position until `until`.
async fn watch_stalls(pool: PgPool, until: Instant) -> anyhow::Result<Stalls> {
    let (mut relay, mut projections, mut router) = (
        StallClock::default(),
        StallClock::default(),
        StallClock::default(),
    );
    let mut stalls = Stalls::default();
    let lowest = projections::worker::lowest_checkpoint_sql();
    while Instant::now() < until {
        // The database itself may be the fault: a sample it cannot answer is skipped, and
        // the stall it hides shows in the next sample that moved.
        let sample = async {
            let (published, waiting, routed): (i64, bool, i64) = sqlx::query_as(
                "SELECT c.stream_sequence, \
                    EXISTS (SELECT 1 FROM events e WHERE e.global_position > c.floor_position \
                            AND (e.tx_id, e.global_position) > (c.tx_id, c.global_position)), \
                    coalesce((SELECT position FROM pipeline_progress WHERE part = 'router'), 0) \
             FROM relay_cursor c",
            )
            .fetch_one(&pool)
            .await?;
            let applied: i64 = sqlx::query_scalar(&lowest).fetch_one(&pool).await?;
            Ok::<_, sqlx::Error>((published, waiting, routed, applied))
        };
        let Ok((published, waiting, routed, applied)) = sample.await else {
            tokio::time::sleep(SAMPLE_EVERY).await;
            continue;
        };
        let now = Instant::now();
        stalls.relay_ms = stalls.relay_ms.max(relay.observe(published, waiting, now));
        stalls.projection_ms =
            stalls
                .projection_ms
                .max(projections.observe(applied, applied < published, now));
        stalls.router_ms = stalls
            .router_ms
            .max(router.observe(routed, routed < published, now));
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    Ok(stalls)
}

#[allow(clippy::print_stdout)] // the result line is the output
pub async fn run(out: &std::path::Path, args: &FailoverArgs) -> anyhow::Result<()> {
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let supervisor = api.login("supervisor@example.com").await?;
    let record = Arc::new(Mutex::new(Record::default()));
    let start = Instant::now();
    let until = start + Duration::from_secs(args.duration_s);

    let mut tasks = Vec::new();
    for _ in 0..args.sockets {
        tasks.push(tokio::spawn(supervise(
            api.clone(),
            supervisor.token.clone(),
            Arc::clone(&record),
            until,
        )));
    }
    tasks.push(tokio::spawn(ask_the_past(
        api.clone(),
        supervisor.token.clone(),
        Arc::clone(&record),
        start,
        until,
    )));
    let faults = tokio::spawn(inject(
        args.fault.clone(),
        args.revive.clone(),
        start,
        args.fault_at_s,
        args.revive_at_s,
    ));
    let pool = PgPool::connect(&args.database_url).await?;
    let stalls = tokio::spawn(watch_stalls(pool.clone(), until));
    request_calls(&api, &requester.token, &record, args.rate, start, until).await;
    for task in tasks {
        task.await.context("a load task panicked")?;
    }
    faults.await.context("the fault task panicked")??;

    let stalls = stalls.await.context("the stall watch panicked")??;
    let caught_up = Instant::now();
    crate::integrity::wait_until_caught_up(&pool, Duration::from_secs(120)).await?;
    let catch_up_ms = caught_up.elapsed().as_millis();
    let record = std::mem::take(&mut *lock(&record));
    let report = check(&pool, args, record, catch_up_ms, stalls).await?;
    println!("{}", serde_json::to_string(&report)?);
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join(format!("failover-{}.json", args.name)),
        serde_json::to_vec_pretty(&report)?,
    )?;
    Ok(())
}

async fn inject(
    fault: String,
    revive: String,
    start: Instant,
    fault_at_s: u64,
    revive_at_s: u64,
) -> anyhow::Result<()> {
    for (at, command) in [(fault_at_s, fault), (revive_at_s, revive)] {
        tokio::time::sleep_until((start + Duration::from_secs(at)).into()).await;
        eprintln!("{:>6} ms: {command}", start.elapsed().as_millis());
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .status()
            .await?;
        anyhow::ensure!(status.success(), "{command} failed: {status}");
    }
    Ok(())
}

async fn request_calls(
    api: &Api,
    token: &str,
    record: &Arc<Mutex<Record>>,
    rate: u32,
    start: Instant,
    until: Instant,
) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    let mut inflight = Vec::new();
    while Instant::now() < until {
        ticks.tick().await;
        let (api, token, record) = (api.clone(), token.to_owned(), Arc::clone(record));
        inflight.push(tokio::spawn(async move {
            let sent_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            let answer = api.request_call(&token, "es").await;
            let mut record = lock(&record);
            record.commands.push(Outcome {
                sent_ms,
                ok: answer.is_ok(),
            });
            if let Ok(id) = answer {
                record.accepted.push(id.to_string());
            }
        }));
    }
    for task in inflight {
        let _ = task.await;
    }
}

async fn ask_the_past(
    api: Api,
    token: String,
    record: Arc<Mutex<Record>>,
    start: Instant,
    until: Instant,
) {
    while Instant::now() < until {
        let sent_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let ok = api
            .client
            .get(api.url("/api/floor"))
            .query(&[("at", at)])
            .bearer_auth(&token)
            .send()
            .await
            .is_ok_and(|answer| answer.status().is_success());
        lock(&record).questions.push(Outcome { sent_ms, ok });
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A supervisor's socket: read until it closes, then reconnect and reload the call list.
async fn supervise(api: Api, token: String, record: Arc<Mutex<Record>>, until: Instant) {
    let mut dropped_at: Option<Instant> = None;
    while Instant::now() < until {
        let Ok(mut socket) = connect_ws(&api, &token).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if let Some(dropped) = dropped_at.take() {
            let reconnect_ms = u64::try_from(dropped.elapsed().as_millis()).unwrap_or(u64::MAX);
            let reloaded = api
                .client
                .get(api.url("/api/calls"))
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|answer| answer.status().is_success());
            let mut record = lock(&record);
            record.longest_reconnect_ms = record.longest_reconnect_ms.max(reconnect_ms);
            record.reload_errors += u64::from(!reloaded);
        }
        loop {
            let next = tokio::time::timeout_at(until.into(), socket.next()).await;
            match next {
                Err(_) => return,
                Ok(Some(Ok(_))) => {}
                Ok(_) => break,
            }
        }
        lock(&record).socket_drops += 1;
        dropped_at = Some(Instant::now());
    }
}

async fn check(
    pool: &PgPool,
    args: &FailoverArgs,
    record: Record,
    catch_up_ms: u128,
    stalls: Stalls,
) -> anyhow::Result<FailoverReport> {
    let integrity =
        crate::integrity::check(pool, &args.nats_url, &args.stream, &record.accepted).await?;
    Ok(FailoverReport {
        scenario: args.name.clone(),
        commands_sent: record.commands.len(),
        commands_accepted: record.accepted.len(),
        command_errors: record.commands.iter().filter(|c| !c.ok).count(),
        integrity,
        command_outage_ms: longest_outage(&record.commands),
        questions_sent: record.questions.len(),
        question_errors: record.questions.iter().filter(|q| !q.ok).count(),
        socket_drops: record.socket_drops,
        longest_reconnect_ms: record.longest_reconnect_ms,
        reload_errors: record.reload_errors,
        catch_up_ms,
        relay_stall_ms: stalls.relay_ms,
        projection_stall_ms: stalls.projection_ms,
        router_stall_ms: stalls.router_ms,
    })
}

/// The longest run of failures, from the first failed send to the next successful one.
fn longest_outage(outcomes: &[Outcome]) -> u64 {
    let mut sorted = outcomes.to_vec();
    sorted.sort_by_key(|o| o.sent_ms);
    let (mut longest, mut failing_since) = (0, None);
    for outcome in sorted {
        match (outcome.ok, failing_since) {
            (false, None) => failing_since = Some(outcome.sent_ms),
            (true, Some(since)) => {
                longest = longest.max(outcome.sent_ms - since);
                failing_since = None;
            }
            _ => {}
        }
    }
    longest
}
