//! B7: the router, from a call queued to its offer made. A queue of its own (French, rings
//! 10 minutes, so no offer expires during the run) and N interpreters who speak French and
//! are available; calls are requested at a fixed rate (open loop) and each is timed from
//! its `CallQueued` `at` to its `CallOffered` `at`, both read from the events table.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::time::Instant;
use uuid::Uuid;

use crate::b1b2::{OpenLoop, open_loop};
use crate::common::{
    Api, Fragment, Latency, Row, call_of_event_subject, histogram, lock, record_us, run_bounded,
    stages_text, watch_bus, write_fragment,
};
use crate::machine::{CpuTimes, cpu_text};

const LANGUAGE: &str = "fr";

#[derive(Debug, Args)]
pub struct B7Args {
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    /// Interpreters available for the queue.
    #[arg(long, default_value_t = 1000)]
    pub agents: u64,
    /// Calls per second.
    #[arg(long, default_value_t = 50)]
    pub rate: u64,
    #[arg(long, default_value_t = 15)]
    pub duration_s: u64,
    /// Calls sent (one a second) and offered before the measured run.
    #[arg(long, default_value_t = 10)]
    pub warmup_calls: u64,
    /// With the bus's address, each latency is also split into its stages: `CallQueued.at`
    /// → the command's 202 (API: the command and its commit), → `CallQueued` on the bus
    /// (relay), → `CallOffered.at` (stream delivery and the router's decision).
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Subject prefix of the bus (events on `<prefix>.events.>`).
    #[arg(long, default_value = "parley")]
    pub bus_prefix: String,
}

/// When each call was answered (202) and when its `CallQueued` went by on the bus.
#[derive(Default)]
struct Seen {
    answered: HashMap<Uuid, DateTime<Utc>>,
    queued_on_bus: HashMap<Uuid, DateTime<Utc>>,
}

/// Creates `count` interpreter accounts with Ana's password hash (no hashing needed): their
/// ids and emails.
pub(crate) async fn create_agents(
    pool: &PgPool,
    count: u64,
) -> anyhow::Result<Vec<(Uuid, String)>> {
    let run = Uuid::new_v4().simple().to_string();
    let agents: Vec<(Uuid, String)> = sqlx::query_as(
        "INSERT INTO users (id, email, name, role, password_hash) \
         SELECT gen_random_uuid(), 'bench-agent-' || g || '-' || $1 || '@example.com', 'Bench Agent ' || g, 'agent', \
                (SELECT password_hash FROM users WHERE email = 'agent1@example.com') \
         FROM generate_series(1, $2::bigint) AS g RETURNING id, email",
    )
    .bind(&run[..8])
    .bind(i64::try_from(count)?)
    .fetch_all(pool)
    .await
    .context("creating interpreter accounts")?;
    Ok(agents)
}

/// When a call was queued and when it was first offered, as far as the events tell.
type QueuedOffered = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `CallQueued` and `CallOffered` times of each call.
async fn queued_and_offered(
    pool: &PgPool,
    calls: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, QueuedOffered>> {
    let ids: Vec<String> = calls.iter().map(Uuid::to_string).collect();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, payload -> event_type ->> 'at' FROM events \
         WHERE aggregate_type = 'Call' AND aggregate_id = ANY($1) \
           AND event_type IN ('CallQueued', 'CallOffered') ORDER BY sequence",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut times: HashMap<Uuid, QueuedOffered> = HashMap::new();
    for (id, kind, at) in rows {
        let id: Uuid = id.parse()?;
        let at: DateTime<Utc> = at.parse()?;
        let entry = times.entry(id).or_default();
        match kind.as_str() {
            "CallQueued" => {
                entry.0.get_or_insert(at);
            }
            _ => {
                entry.1.get_or_insert(at);
            }
        }
    }
    Ok(times)
}

async fn wait_offered(pool: &PgPool, calls: &[Uuid], timeout: Duration) -> anyhow::Result<usize> {
    let deadline = Instant::now() + timeout;
    loop {
        let offered = queued_and_offered(pool, calls)
            .await?
            .values()
            .filter(|(_, offered)| offered.is_some())
            .count();
        if offered == calls.len() || Instant::now() > deadline {
            return Ok(offered);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn run(out: &Path, args: &B7Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let total_calls = args.warmup_calls + args.rate * args.duration_s;
    if total_calls > args.agents {
        bail!(
            "{total_calls} calls would need more than the {} interpreters (none accepts, so each keeps one)",
            args.agents
        );
    }
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&args.database_url)
        .await?;
    let api = Api::new(&args.base_url)?;
    let admin = api.login("admin@example.com").await?;
    let supervisor = api.login("supervisor@example.com").await?;
    let requester = api.login("requester@example.com").await?;

    eprintln!(
        "B7: a French queue and {} available interpreters",
        args.agents
    );
    api.command(
        reqwest::Method::POST,
        "/api/queues",
        &admin.token,
        &json!({"name": format!("Bench French {}", &Uuid::new_v4().simple().to_string()[..6]),
                "languages": [LANGUAGE], "ring_timeout_s": 600, "max_wait_s": 86_400, "wrap_up_s": 60}),
    )
    .await?;
    let agents: Vec<Uuid> = create_agents(&pool, args.agents)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let setup = Instant::now();
    run_bounded(agents.len(), 16, |i| {
        let api = api.clone();
        let agent = agents[i];
        let admin = admin.token.clone();
        let supervisor = supervisor.token.clone();
        async move {
            api.command(
                reqwest::Method::PUT,
                &format!("/api/agents/{agent}/skills"),
                &admin,
                &json!({"languages": [{"code": LANGUAGE, "proficiency": 5}],
                        "specialties": ["general"], "modalities": ["video", "audio"]}),
            )
            .await?;
            api.command(
                reqwest::Method::PUT,
                &format!("/api/agents/{agent}/status"),
                &supervisor,
                &json!({"status": "available"}),
            )
            .await?;
            Ok(())
        }
    })
    .await?;
    let setup_s = setup.elapsed().as_secs_f64();

    let seen = Arc::new(Mutex::new(Seen::default()));
    let bus_watch = match &args.nats_url {
        Some(url) => {
            let seen = Arc::clone(&seen);
            let prefix = args.bus_prefix.clone();
            Some(
                watch_bus(url, &[format!("{prefix}.events.Call.*")], move |message| {
                    let now = Utc::now();
                    let queued = serde_json::from_slice::<serde_json::Value>(&message.payload)
                        .is_ok_and(|event| event["event_type"] == "CallQueued");
                    if let Some(id) = call_of_event_subject(&prefix, &message.subject)
                        && queued
                    {
                        lock(&seen).queued_on_bus.entry(id).or_insert(now);
                    }
                })
                .await?,
            )
        }
        None => None,
    };
    let sent: Arc<Mutex<Vec<Uuid>>> = Arc::new(Mutex::new(Vec::new()));
    let send = |_due: Instant| {
        let api = api.clone();
        let token = requester.token.clone();
        let sent = Arc::clone(&sent);
        let seen = Arc::clone(&seen);
        async move {
            let id = api.request_call(&token, LANGUAGE).await?;
            lock(&seen).answered.insert(id, Utc::now());
            lock(&sent).push(id);
            Ok(())
        }
    };
    eprintln!("B7: warm-up, {} calls", args.warmup_calls);
    open_loop(1, Duration::from_secs(args.warmup_calls), send).await?;
    let warm: Vec<Uuid> = std::mem::take(&mut *lock(&sent));
    let warm_offered = wait_offered(&pool, &warm, Duration::from_secs(60)).await?;
    if warm_offered < warm.len() {
        bail!(
            "only {warm_offered} of {} warm-up calls were offered within 60 s: is `parley route` running and caught up?",
            warm.len()
        );
    }

    eprintln!(
        "B7: measuring, {} calls/s for {} s",
        args.rate, args.duration_s
    );
    let cpu_before = CpuTimes::now();
    let OpenLoop {
        answered: ok,
        failed,
        slow_seconds,
        ..
    } = open_loop(args.rate, Duration::from_secs(args.duration_s), send).await?;
    let cpu = cpu_text(cpu_before, ok, "call");
    let calls: Vec<Uuid> = lock(&sent).clone();
    let offered = wait_offered(&pool, &calls, Duration::from_secs(30)).await?;
    if let Some(bus_watch) = bus_watch {
        bus_watch.abort();
    }
    let times = queued_and_offered(&pool, &calls).await?;
    let mut hist = histogram()?;
    let mut stages = [histogram()?, histogram()?, histogram()?];
    let micros = |from: DateTime<Utc>, to: DateTime<Utc>| {
        (to - from).num_microseconds().unwrap_or(i64::MAX).max(0)
    };
    {
        let seen = lock(&seen);
        for (id, (queued, offered)) in &times {
            let (Some(queued), Some(offered)) = (*queued, *offered) else {
                continue;
            };
            record_us(&mut hist, micros(queued, offered));
            if let (Some(answered), Some(on_bus)) =
                (seen.answered.get(id), seen.queued_on_bus.get(id))
            {
                record_us(&mut stages[0], micros(queued, *answered));
                record_us(&mut stages[1], micros(*answered, *on_bus));
                record_us(&mut stages[2], micros(*on_bus, offered));
            }
        }
    }
    let latency = Latency::of(&hist);
    let [api_stage, relay_stage, router_stage] = stages.map(|stage| Latency::of(&stage));
    let split = if args.nats_url.is_some() {
        stages_text(&[
            ("`CallQueued.at` → 202", &api_stage),
            ("`CallQueued` on the bus", &relay_stage),
            ("`CallOffered.at`", &router_stage),
        ])
    } else {
        String::new()
    };
    let not_offered = calls.len() - offered;
    let row = Row::new("B7", "router: call queued → offer made (`CallQueued.at` → `CallOffered.at`)")
        .figure(latency.short(), latency.p99_ms, "ms (p99)")
        .target("p99 ≤ 20 ms", Some(latency.p99_ms <= 20.0 && not_offered == 0 && ok > 0 && failed == 0))
        .conditions(format!(
            "{} available interpreters, {} calls/s for {} s after {} warm-up calls; {ok} requested, {failed} failed, {not_offered} not offered within 30 s{split}{cpu}",
            args.agents, args.rate, args.duration_s, args.warmup_calls
        ));
    write_fragment(
        out,
        &Fragment {
            bench: "B7".to_owned(),
            rows: vec![row],
            details: json!({
                "agents": args.agents,
                "slow_answer_seconds": slow_seconds,
                "rate": args.rate,
                "duration_s": args.duration_s,
                "requested": ok,
                "failed": failed,
                "not_offered": not_offered,
                "latency": latency,
                "stages": args.nats_url.is_some().then(|| json!({
                    "queued_at_to_answer": api_stage,
                    "answer_to_queued_on_bus": relay_stage,
                    "queued_on_bus_to_offered_at": router_stage,
                })),
                "agent_setup_s": setup_s,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
