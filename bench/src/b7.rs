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

use crate::b1b2::open_loop;
use crate::common::{
    Api, Fragment, Latency, Row, histogram, lock, record_us, run_bounded, write_fragment,
};

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
}

/// Creates `count` interpreter accounts with Ana's password hash (no hashing needed).
async fn create_agents(pool: &PgPool, count: u64) -> anyhow::Result<Vec<Uuid>> {
    let run = Uuid::new_v4().simple().to_string();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO users (id, email, name, role, password_hash) \
         SELECT gen_random_uuid(), 'bench-agent-' || g || '-' || $1 || '@example.com', 'Bench Agent ' || g, 'agent', \
                (SELECT password_hash FROM users WHERE email = 'agent1@example.com') \
         FROM generate_series(1, $2::bigint) AS g RETURNING id",
    )
    .bind(&run[..8])
    .bind(i64::try_from(count)?)
    .fetch_all(pool)
    .await
    .context("creating interpreter accounts")?;
    Ok(ids)
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
    let agents = create_agents(&pool, args.agents).await?;
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

    let sent: Arc<Mutex<Vec<Uuid>>> = Arc::new(Mutex::new(Vec::new()));
    let send = |_due: Instant| {
        let api = api.clone();
        let token = requester.token.clone();
        let sent = Arc::clone(&sent);
        async move {
            let id = api.request_call(&token, LANGUAGE).await?;
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
    let (ok, failed, _) = open_loop(args.rate, Duration::from_secs(args.duration_s), send).await?;
    let calls: Vec<Uuid> = lock(&sent).clone();
    let offered = wait_offered(&pool, &calls, Duration::from_secs(30)).await?;
    let times = queued_and_offered(&pool, &calls).await?;
    let mut hist = histogram()?;
    for (queued, offered) in times.values() {
        if let (Some(queued), Some(offered)) = (queued, offered) {
            record_us(
                &mut hist,
                (*offered - *queued).num_microseconds().unwrap_or(i64::MAX),
            );
        }
    }
    let latency = Latency::of(&hist);
    let not_offered = calls.len() - offered;
    let row = Row::new("B7", "router: call queued → offer made (`CallQueued.at` → `CallOffered.at`)")
        .figure(latency.short(), latency.p99_ms, "ms (p99)")
        .target("p99 ≤ 20 ms", Some(latency.p99_ms <= 20.0 && not_offered == 0 && ok > 0 && failed == 0))
        .conditions(format!(
            "{} available interpreters, {} calls/s for {} s after {} warm-up calls; {ok} requested, {failed} failed, {not_offered} not offered within 30 s",
            args.agents, args.rate, args.duration_s, args.warmup_calls
        ));
    write_fragment(
        out,
        &Fragment {
            bench: "B7".to_owned(),
            rows: vec![row],
            details: json!({
                "agents": args.agents,
                "rate": args.rate,
                "duration_s": args.duration_s,
                "requested": ok,
                "failed": failed,
                "not_offered": not_offered,
                "latency": latency,
                "agent_setup_s": setup_s,
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
