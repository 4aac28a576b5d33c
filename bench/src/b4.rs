//! B4: projection lag. A supervisor's WebSocket receives a `call` notice for every call
//! the projection workers store; calls are requested at a fixed rate (open loop) and each
//! is timed from its 202 to the arrival of its notice: relay, stream, worker, read-model
//! commit, view notice, hub, socket.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::b1b2::{OpenLoop, open_loop};
use crate::common::{
    Api, Fragment, Latency, Row, UNSERVED_LANGUAGE, call_of_event_subject, histogram, lock, record,
    stages_text, watch_bus, write_fragment,
};
use crate::machine::{CpuTimes, cpu_text};

#[derive(Debug, Args)]
pub struct B4Args {
    #[arg(long)]
    pub base_url: String,
    /// Commands per second (each stores two events).
    #[arg(long, default_value_t = 500)]
    pub rate: u64,
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    #[arg(long, default_value_t = 3)]
    pub warmup_s: u64,
    /// With the bus's address, each lag is also split into its stages: 202 → the call's
    /// events on the bus (relay), → its view notice on the bus (worker), → the socket (hub).
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Subject prefix of the bus (events on `<prefix>.events.>`, notices on `<prefix>.views.>`).
    #[arg(long, default_value = "parley")]
    pub bus_prefix: String,
}

pub type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/api/ws`, authenticates with the first message and waits for `ready`.
pub async fn connect_ws(api: &Api, token: &str) -> anyhow::Result<WsStream> {
    let (mut ws, _) = tokio_tungstenite::connect_async(api.ws_url("/api/ws"))
        .await
        .context("opening /api/ws")?;
    ws.send(Message::text(
        json!({"type": "auth", "token": token}).to_string(),
    ))
    .await?;
    let ready = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = ws.next().await {
            if let Message::Text(text) = message? {
                let value: serde_json::Value = serde_json::from_str(&text)?;
                match value["type"].as_str() {
                    Some("ready") => return anyhow::Ok(()),
                    Some("error") => bail!("/api/ws refused: {text}"),
                    _ => {}
                }
            }
        }
        bail!("/api/ws closed before ready")
    })
    .await;
    ready.context("no ready within 10 s")??;
    Ok(ws)
}

/// The id of the call a pushed `call` notice is about.
fn call_id(text: &str) -> Option<Uuid> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if value["type"] != "call" {
        return None;
    }
    let data = &value["data"];
    data["id"]
        .as_str()
        .or_else(|| data["call_id"].as_str())?
        .parse()
        .ok()
}

#[derive(Default)]
struct Seen {
    /// First notice of each call.
    notices: HashMap<Uuid, Instant>,
    /// When the last of each call's events reached a plain subscriber of the bus.
    on_bus: HashMap<Uuid, Instant>,
    /// When the first view notice of each call reached a plain subscriber of the bus.
    view_notices: HashMap<Uuid, Instant>,
    /// 202 of each call, and when it was due to be sent.
    answered: HashMap<Uuid, (Instant, Instant)>,
}

pub async fn run(out: &Path, args: &B4Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let supervisor = api.login("supervisor@example.com").await?;
    let ws = connect_ws(&api, &supervisor.token).await?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let notices_total = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = {
        let seen = Arc::clone(&seen);
        let total = Arc::clone(&notices_total);
        tokio::spawn(async move {
            let (_sink, mut stream) = ws.split();
            while let Some(Ok(message)) = stream.next().await {
                let now = Instant::now();
                if let Message::Text(text) = message {
                    total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if text.contains("\"resync\"") {
                        eprintln!("B4: the hub sent resync: this client fell behind");
                    }
                    if let Some(id) = call_id(&text) {
                        lock(&seen).notices.entry(id).or_insert(now);
                    }
                }
            }
        })
    };

    let bus_watch = match &args.nats_url {
        Some(url) => {
            let seen = Arc::clone(&seen);
            let prefix = args.bus_prefix.clone();
            let subjects = [
                format!("{prefix}.events.Call.*"),
                format!("{prefix}.views.call"),
            ];
            // The events of one command are published together: the last one's arrival
            // is kept. The first notice of a call is its first view change.
            Some(
                watch_bus(url, &subjects, move |message| {
                    let now = Instant::now();
                    if let Some(id) = call_of_event_subject(&prefix, &message.subject) {
                        lock(&seen).on_bus.insert(id, now);
                    } else if let Some(id) =
                        serde_json::from_slice::<serde_json::Value>(&message.payload)
                            .ok()
                            .and_then(|notice| notice["id"].as_str()?.parse().ok())
                    {
                        lock(&seen).view_notices.entry(id).or_insert(now);
                    }
                })
                .await?,
            )
        }
        None => None,
    };

    let send = |due: Instant| {
        let api = api.clone();
        let token = requester.token.clone();
        let seen = Arc::clone(&seen);
        async move {
            let id = api.request_call(&token, UNSERVED_LANGUAGE).await?;
            lock(&seen).answered.insert(id, (Instant::now(), due));
            Ok(())
        }
    };
    eprintln!(
        "B4: warm-up {} s at {} commands/s",
        args.warmup_s, args.rate
    );
    open_loop(args.rate, Duration::from_secs(args.warmup_s), send).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let warm: HashSet<Uuid> = lock(&seen).answered.keys().copied().collect();
    eprintln!(
        "B4: measuring {} s at {} commands/s",
        args.duration_s, args.rate
    );
    let cpu_before = CpuTimes::now();
    let OpenLoop {
        answered: ok,
        failed,
        slow_seconds,
        ..
    } = open_loop(args.rate, Duration::from_secs(args.duration_s), send).await?;
    let cpu = cpu_text(cpu_before, ok, "command");
    // Let the last notices arrive.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let missing = {
            let seen = lock(&seen);
            seen.answered
                .keys()
                .filter(|id| !seen.notices.contains_key(id))
                .count()
        };
        if missing == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    reader.abort();
    if let Some(bus_watch) = bus_watch {
        bus_watch.abort();
    }
    if ok == 0 {
        bail!(
            "no command was answered during the measured run ({failed} failed): is `parley serve` up?"
        );
    }

    let mut lag = histogram()?;
    let mut end_to_end = histogram()?;
    let mut stages = [histogram()?, histogram()?, histogram()?];
    let mut missing = 0u64;
    let mut before_answer = 0u64;
    {
        let seen = lock(&seen);
        for (id, (answered, due)) in &seen.answered {
            if warm.contains(id) {
                continue;
            }
            match seen.notices.get(id) {
                Some(notice) => {
                    if notice < answered {
                        before_answer += 1;
                    }
                    record(&mut lag, notice.saturating_duration_since(*answered));
                    record(&mut end_to_end, notice.saturating_duration_since(*due));
                    if let (Some(on_bus), Some(view_notice)) =
                        (seen.on_bus.get(id), seen.view_notices.get(id))
                    {
                        record(&mut stages[0], on_bus.saturating_duration_since(*answered));
                        record(
                            &mut stages[1],
                            view_notice.saturating_duration_since(*on_bus),
                        );
                        record(
                            &mut stages[2],
                            notice.saturating_duration_since(*view_notice),
                        );
                    }
                }
                None => missing += 1,
            }
        }
    }
    let lag = Latency::of(&lag);
    let end_to_end = Latency::of(&end_to_end);
    let [relay, worker, hub] = stages.map(|stage| Latency::of(&stage));
    let split = if args.nats_url.is_some() {
        stages_text(&[
            ("202 → events on the bus", &relay),
            ("view notice on the bus", &worker),
            ("socket", &hub),
        ])
    } else {
        String::new()
    };
    let events_per_s = args.rate * 2;
    let row = Row::new(
        "B4",
        "projection lag: command answered (202) → read model updated → WebSocket notice received",
    )
    .figure(lag.short(), lag.p99_ms, "ms (p99)")
    .target("p99 ≤ 50 ms", Some(lag.p99_ms <= 50.0 && missing == 0 && failed == 0))
    .conditions(format!(
        "{} commands/s = {events_per_s} events/s for {} s after {} s warm-up; {ok} answered, {failed} failed, {missing} notices missing, {before_answer} arrived before their 202; scheduled send → notice {}{split}{cpu}",
        args.rate,
        args.duration_s,
        args.warmup_s,
        end_to_end.short()
    ));
    write_fragment(
        out,
        &Fragment {
            bench: "B4".to_owned(),
            rows: vec![row],
            details: json!({
                "commands_per_s": args.rate,
                "slow_answer_seconds": slow_seconds,
                "events_per_s": events_per_s,
                "duration_s": args.duration_s,
                "answered": ok,
                "failed": failed,
                "notices_missing": missing,
                "notices_before_answer": before_answer,
                "notices_received": notices_total.load(std::sync::atomic::Ordering::Relaxed),
                "lag_from_202": lag,
                "lag_from_scheduled_send": end_to_end,
                "stages": args.nats_url.is_some().then(|| json!({
                    "answer_to_events_on_bus": relay,
                    "events_on_bus_to_view_notice": worker,
                    "view_notice_to_socket": hub,
                })),
            }),
            notes: vec![],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
