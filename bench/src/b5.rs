//! B5: WebSocket fan-out. N supervisors hold `/api/ws` open; the benchmark publishes view
//! notices on core NATS (`parley.views.call`, as the projection workers do) at a fixed rate,
//! each stamped with its send time, and every client times its arrival. The baseline is a
//! minimal axum server (`parley-bench baseline-server`) that subscribes to a NATS subject
//! and forwards every message to every socket through a `tokio::sync::broadcast`: no
//! authentication, no filtering, no per-client queue.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use axum::extract::State;
use axum::extract::ws::{Message as AxumMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use clap::Args;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::sync::{Mutex as AsyncMutex, broadcast, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::b4::{WsStream, connect_ws};
use crate::common::{
    Api, Fragment, Latency, Row, fmt_ms, histogram, proc_kib, record_us, run_bounded, wall_us,
    write_fragment,
};

#[derive(Debug, Args)]
pub struct B5Args {
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub nats_url: String,
    /// Pid of `parley serve`, whose memory is measured.
    #[arg(long)]
    pub api_pid: u32,
    /// Connected clients; several values run one after the other (e.g. 1000,10000).
    #[arg(long, value_delimiter = ',', default_value = "1000")]
    pub clients: Vec<usize>,
    /// Updates per second.
    #[arg(long, default_value_t = 20)]
    pub rate: u64,
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    #[arg(long, default_value_t = 2)]
    pub warmup_s: u64,
    /// The benchmark binary, to start the baseline server (default: this program).
    #[arg(long)]
    pub bench_bin: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[arg(long)]
    pub port: u16,
    #[arg(long)]
    pub nats_url: String,
    #[arg(long, default_value = "benchbase.views.>")]
    pub subject: String,
}

// --------------------------------------------------------------- baseline ---

/// The baseline: NATS subscription → broadcast channel → every socket.
pub async fn serve(args: &ServerArgs) -> anyhow::Result<()> {
    let (sender, _) = broadcast::channel::<Utf8Bytes>(1024);
    let nats = async_nats::connect(&args.nats_url).await?;
    let mut subscription = nats.subscribe(args.subject.clone()).await?;
    let forward = sender.clone();
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            if let Ok(text) = String::from_utf8(message.payload.to_vec()) {
                let _ = forward.send(Utf8Bytes::from(text));
            }
        }
    });
    let app = axum::Router::new()
        .route("/ws", axum::routing::get(upgrade))
        .with_state(sender);
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// The same socket buffers as `parley serve` (`command-api/src/push.rs`), so that the
/// memory per client compares like with like.
async fn upgrade(
    State(sender): State<broadcast::Sender<Utf8Bytes>>,
    ws: WebSocketUpgrade,
) -> Response {
    let receiver = sender.subscribe();
    ws.read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| forward(socket, receiver))
}

async fn forward(mut socket: WebSocket, mut receiver: broadcast::Receiver<Utf8Bytes>) {
    loop {
        tokio::select! {
            message = receiver.recv() => match message {
                Ok(text) => if socket.send(AxumMessage::Text(text)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => if !matches!(incoming, Some(Ok(_))) { return },
        }
    }
}

// ----------------------------------------------------------------- clients ---

/// `"bench_seq":12,"bench_sent_us":1700000000000000` without parsing the whole message.
fn stamp(text: &str) -> Option<(u64, i64)> {
    let number = |key: &str| -> Option<&str> {
        let at = text.find(key)? + key.len();
        let rest = &text[at..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        Some(&rest[..end])
    };
    Some((
        number("\"bench_seq\":")?.parse().ok()?,
        number("\"bench_sent_us\":")?.parse().ok()?,
    ))
}

/// Reads one socket until `stop`; latencies of the notices from `first_measured` on.
async fn listen(
    ws: WsStream,
    first_measured: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<(Histogram<u64>, u64, bool)> {
    let mut hist = histogram()?;
    let mut received = 0;
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let now = wall_us();
                    if text.contains("\"resync\"") {
                        return Ok((hist, received, true));
                    }
                    if let Some((seq, sent)) = stamp(&text)
                        && seq >= first_measured.load(Ordering::Relaxed)
                    {
                        received += 1;
                        record_us(&mut hist, now - sent);
                    }
                }
                Some(Ok(Message::Ping(payload))) => { let _ = sink.send(Message::Pong(payload)).await; }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Ok((hist, received, true)),
            },
            _ = stop.changed() => return Ok((hist, received, false)),
        }
    }
}

struct FanOut {
    latency: Latency,
    received: u64,
    expected: u64,
    dropped_clients: u64,
    rss_before_kib: u64,
    rss_connected_kib: u64,
    rss_peak_kib: u64,
    connect_s: f64,
}

impl FanOut {
    fn per_client_kib(&self, clients: usize) -> f64 {
        self.rss_peak_kib.saturating_sub(self.rss_before_kib) as f64 / clients.max(1) as f64
    }

    fn json(&self, clients: usize) -> serde_json::Value {
        json!({
            "clients": clients,
            "latency": self.latency,
            "received": self.received,
            "expected": self.expected,
            "dropped_clients": self.dropped_clients,
            "rss_before_kib": self.rss_before_kib,
            "rss_connected_kib": self.rss_connected_kib,
            "rss_peak_kib": self.rss_peak_kib,
            "kib_per_client_connected": self.rss_connected_kib.saturating_sub(self.rss_before_kib) as f64 / clients.max(1) as f64,
            "kib_per_client_peak": self.per_client_kib(clients),
            "connect_s": self.connect_s,
        })
    }
}

/// Connects `clients` sockets (through `connect`), publishes `rate` stamped notices a
/// second on `subject`, and collects what every client received.
#[allow(clippy::too_many_arguments)]
async fn fan_out<C, Fut>(
    nats: &async_nats::Client,
    subject: &str,
    server_pid: u32,
    clients: usize,
    args: &B5Args,
    connect: C,
) -> anyhow::Result<FanOut>
where
    C: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<WsStream>>,
{
    let rss = |field: &str| proc_kib(server_pid, field).unwrap_or(0);
    let rss_before_kib = rss("VmRSS");
    let first_measured = Arc::new(AtomicU64::new(u64::MAX));
    let (stop, stopped) = watch::channel(false);
    let listeners = Arc::new(AsyncMutex::new(Vec::with_capacity(clients)));
    let started = Instant::now();
    run_bounded(clients, 64, |_| {
        let listeners = Arc::clone(&listeners);
        let first = Arc::clone(&first_measured);
        let stopped = stopped.clone();
        let ws = connect();
        async move {
            let ws = ws.await?;
            listeners
                .lock()
                .await
                .push(tokio::spawn(listen(ws, first, stopped)));
            Ok(())
        }
    })
    .await?;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected_kib = rss("VmRSS");

    // Sample the server's memory while the updates flow.
    let (sampling, mut sampler_stop) = watch::channel(false);
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        loop {
            peak = peak.max(proc_kib(server_pid, "VmRSS").unwrap_or(0));
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = sampler_stop.changed() => return peak,
            }
        }
    });

    let warm = args.warmup_s * args.rate;
    let measured = args.duration_s * args.rate;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate.max(1) as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for seq in 0..warm + measured {
        tick.tick().await;
        if seq == warm {
            first_measured.store(warm, Ordering::Relaxed);
        }
        let id = Uuid::new_v4();
        let body = json!({
            "type": "call", "seq": seq + 1, "id": id,
            "data": {"id": id, "bench_seq": seq, "bench_sent_us": wall_us()},
            "audience": {"agent_id": null, "requester_id": null},
        });
        nats.publish(subject.to_owned(), body.to_string().into())
            .await?;
    }
    nats.flush().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = sampling.send(true);
    let rss_peak_kib = sampler.await?.max(rss_connected_kib);
    let _ = stop.send(true);

    let mut hist = histogram()?;
    let mut received = 0;
    let mut dropped_clients = 0;
    for listener in listeners.lock().await.drain(..) {
        let (h, r, dropped) = listener.await??;
        hist.add(h)?;
        received += r;
        dropped_clients += u64::from(dropped);
    }
    Ok(FanOut {
        latency: Latency::of(&hist),
        received,
        expected: measured * clients as u64,
        dropped_clients,
        rss_before_kib,
        rss_connected_kib,
        rss_peak_kib,
        connect_s,
    })
}

async fn wait_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the baseline server does not listen on {port}")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn run(out: &Path, args: &B5Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let api = Api::new(&args.base_url)?;
    let supervisor = api.login("supervisor@example.com").await?;
    let nats = async_nats::connect(&args.nats_url).await?;

    // The baseline server, a process of its own so that its memory is its own.
    let port = free_port()?;
    let bench_bin = match &args.bench_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?,
    };
    let mut server = tokio::process::Command::new(bench_bin)
        .args([
            "baseline-server",
            "--port",
            &port.to_string(),
            "--nats-url",
            &args.nats_url,
        ])
        .kill_on_drop(true)
        .spawn()
        .context("starting the baseline server")?;
    let server_pid = server.id().context("the baseline server has no pid")?;
    wait_port(port).await?;
    let baseline_url = format!("ws://127.0.0.1:{port}/ws");

    let mut rows = Vec::new();
    let mut details = Vec::new();
    for &clients in &args.clients {
        eprintln!("B5: {clients} clients on the baseline server");
        let baseline = fan_out(
            &nats,
            "benchbase.views.call",
            server_pid,
            clients,
            args,
            || {
                let url = baseline_url.clone();
                async move {
                    let (ws, _) = tokio_tungstenite::connect_async(url).await?;
                    Ok(ws)
                }
            },
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        eprintln!("B5: {clients} supervisors on /api/ws");
        let parley = fan_out(
            &nats,
            "parley.views.call",
            args.api_pid,
            clients,
            args,
            || {
                let api = api.clone();
                let token = supervisor.token.clone();
                async move { connect_ws(&api, &token).await }
            },
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(1)).await;

        let ratio = parley.latency.p99_ms / baseline.latency.p99_ms.max(0.001);
        let per_client = parley.per_client_kib(clients);
        let complete = parley.received == parley.expected && parley.dropped_clients == 0;
        let id = if clients == 1000 {
            "B5".to_owned()
        } else {
            format!("B5·{}k", clients / 1000)
        };
        rows.push(
            Row::new(&id, &format!("WebSocket fan-out latency, {clients} connected supervisors, {} updates/s (NATS notice → every socket)", args.rate))
                .figure(parley.latency.short(), parley.latency.p99_ms, "ms (p99)")
                .baseline(format!("{} (minimal axum broadcast server)", baseline.latency.short()), baseline.latency.p99_ms)
                .target("p99 ≤ 2× baseline", Some(ratio <= 2.0 && complete))
                .conditions(format!(
                    "{} s after {} s warm-up; received {} of {} messages, {} clients dropped (baseline: {} of {}, {} dropped)",
                    args.duration_s, args.warmup_s, parley.received, parley.expected, parley.dropped_clients,
                    baseline.received, baseline.expected, baseline.dropped_clients
                )),
        );
        rows.push(
            Row::new(&format!("{id}·mem"), &format!("memory per connected client, `parley serve`, {clients} clients (peak RSS during updates − RSS before connecting) ÷ clients"))
                .figure(format!("{} KiB/client", fmt_ms(per_client)), per_client, "KiB/client")
                .baseline(format!("{} KiB/client (minimal axum server)", fmt_ms(baseline.per_client_kib(clients))), baseline.per_client_kib(clients))
                .target("≤ 16 KiB/client", Some(per_client <= 16.0))
                .conditions(format!(
                    "RSS {} → {} (connected) → {} KiB (peak)",
                    parley.rss_before_kib, parley.rss_connected_kib, parley.rss_peak_kib
                )),
        );
        details.push(json!({"clients": clients, "parley": parley.json(clients), "baseline": baseline.json(clients)}));
    }
    let _ = server.kill().await;
    write_fragment(
        out,
        &Fragment {
            bench: "B5".to_owned(),
            rows,
            details: json!({"rate": args.rate, "duration_s": args.duration_s, "runs": details}),
            notes: vec![
                "B5: the clients run in the benchmark process on the same machine, so part of each latency is the client's own scheduling; both servers pay it alike.".to_owned(),
            ],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
