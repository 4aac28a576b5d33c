//! Memory while logins arrive at once: a real `parley serve` process, 80 concurrent
//! logins, and its resident memory read from /proc. Password hashes are computed on one
//! thread per core in buffers they keep (`password_hashing.rs`); on the blocking pool, 60
//! logins at once had left the process at 1.3 GiB.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::process::Command;

use crate::helpers::spawn_app;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn eighty_logins_at_once_leave_the_api_process_within_its_hashing_memory() {
    let app = spawn_app().await;
    let settings = &app.state.settings;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("address").port()
    };
    let mut serve = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("serve")
        .env("PARLEY__ENVIRONMENT", "local")
        .env("PARLEY__DATABASE__URL", app.database_url())
        .env("PARLEY__NATS__URL", &settings.nats.url)
        .env("PARLEY__BUS__STREAM", &settings.bus.stream)
        .env("PARLEY__BUS__PREFIX", &settings.bus.prefix)
        .env("PARLEY__HTTP__PORT", port.to_string())
        .env("PARLEY__AUTH__LOGIN_BURST", "1000")
        .env("PARLEY__AUTH__LOGIN_PER_MINUTE", "100000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start parley serve");
    let pid = serve.id().expect("a pid");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = rss_kib(pid);
    let logins = (0..80).map(|i| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let password = if i % 2 == 0 {
                "password123"
            } else {
                "wrong password"
            };
            client
                .post(format!("{base}/api/auth/login"))
                .json(&json!({"email": "agent1@example.com", "password": password}))
                .send()
                .await
                .map(|answer| answer.status().as_u16())
                .unwrap_or(0)
        }
    });
    let statuses = futures::future::join_all(logins).await;
    let after = rss_kib(pid);
    serve.start_kill().expect("stop parley serve");
    assert!(
        statuses.iter().all(|status| [200, 401].contains(status)),
        "every login answered: {statuses:?}"
    );
    let cores = std::thread::available_parallelism().map_or(2, usize::from) as u64;
    // 19 MiB per hashing thread, plus room for the allocator and the requests.
    let allowed = cores * 19 * 1024 + 64 * 1024;
    eprintln!("parley serve: {before} KiB before, {after} KiB after 80 logins at once");
    assert!(
        after.saturating_sub(before) < allowed,
        "memory grew by {} KiB (allowed {allowed})",
        after.saturating_sub(before)
    );
}
