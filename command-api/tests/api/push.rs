//! The WebSocket push: authentication, what each role receives, and dropping a client that
//! does not keep up. Notices are published on `<prefix>.views.<kind>` by hand, as the
//! projection workers do after a commit.

use std::time::Duration;

use command_api::auth::Role;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, agent2_id, spawn_app};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the server said next.
#[derive(Debug)]
enum Heard {
    Json(Value),
    Closed(Option<CloseFrame>),
    Silence,
}

fn ws_url(app: &TestApp, token: Option<&str>) -> String {
    let base = app.address.replacen("http://", "ws://", 1);
    match token {
        Some(token) => format!("{base}/api/ws?token={token}"),
        None => format!("{base}/api/ws"),
    }
}

/// Connects with the token in the URL and waits for `ready`.
async fn connect(app: &TestApp, session: &Session) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(app, Some(&session.token)))
        .await
        .expect("connect");
    expect_ready(&mut socket, session).await;
    socket
}

/// Connects and authenticates with a first message.
async fn connect_with_message(app: &TestApp, session: &Session) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(app, None))
        .await
        .expect("connect");
    socket
        .send(Message::text(
            json!({"type": "auth", "token": session.token}).to_string(),
        ))
        .await
        .expect("send auth");
    expect_ready(&mut socket, session).await;
    socket
}

async fn expect_ready(socket: &mut Socket, session: &Session) {
    match hear(socket, Duration::from_secs(5)).await {
        Heard::Json(ready) => {
            assert_eq!(ready["type"], "ready", "{ready}");
            assert_eq!(ready["data"]["user_id"], session.id.to_string());
        }
        other => panic!("expected ready, got {other:?}"),
    }
}

fn is_probe(message: &Value) -> bool {
    message["data"]["probe"] == true
}

/// The next message that is not a probe, within `wait`.
async fn hear(socket: &mut Socket, wait: Duration) -> Heard {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await;
        match next {
            Err(_) => return Heard::Silence,
            Ok(None | Some(Err(_))) => return Heard::Closed(None),
            Ok(Some(Ok(Message::Close(frame)))) => return Heard::Closed(frame),
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if !is_probe(&value) {
                    return Heard::Json(value);
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Every message until the socket is quiet for a moment.
async fn drain(socket: &mut Socket) -> Vec<Value> {
    let mut heard = Vec::new();
    while let Heard::Json(message) = hear(socket, Duration::from_millis(800)).await {
        heard.push(message);
    }
    heard
}

async fn publish(
    app: &TestApp,
    kind: &str,
    seq: u64,
    id: Uuid,
    data: Value,
    agent: Option<Uuid>,
    requester: Option<Uuid>,
) {
    let notice = json!({
        "type": kind, "seq": seq, "id": id, "data": data,
        "audience": {"agent_id": agent, "requester_id": requester},
    });
    app.state
        .nats
        .publish(
            format!("{}.views.{kind}", app.bus().prefix),
            notice.to_string().into(),
        )
        .await
        .expect("publish");
    app.state.nats.flush().await.expect("flush");
}

/// Publishes probes until `socket` (a supervisor's) hears one: the hub is subscribed.
async fn wait_for_hub(app: &TestApp, socket: &mut Socket) {
    for _ in 0..300 {
        publish(
            app,
            "queue",
            0,
            Uuid::nil(),
            json!({"probe": true}),
            None,
            None,
        )
        .await;
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(Duration::from_millis(100), socket.next()).await
        {
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if is_probe(&value) {
                return;
            }
        }
    }
    panic!("the hub never heard a probe");
}

fn seqs(messages: &[Value]) -> Vec<u64> {
    messages
        .iter()
        .map(|m| m["seq"].as_u64().expect("seq"))
        .collect()
}

#[tokio::test]
async fn each_role_receives_only_the_notices_it_may_see() {
    let app = spawn_app().await;
    let supervisor = app.login(Role::Supervisor).await;
    let mut watch = connect(&app, &supervisor).await;
    wait_for_hub(&app, &mut watch).await;

    let admin = app.login(Role::Admin).await;
    let analyst = app.login(Role::Analyst).await;
    let agent1 = app.login(Role::Agent).await;
    let agent2 = app.login_as("agent2@example.com").await;
    let requester = app.login(Role::Requester).await;
    let mut sockets = vec![
        ("supervisor", connect(&app, &supervisor).await),
        ("admin", connect_with_message(&app, &admin).await),
        ("analyst", connect_with_message(&app, &analyst).await),
        ("agent1", connect(&app, &agent1).await),
        ("agent2", connect_with_message(&app, &agent2).await),
        ("requester", connect(&app, &requester).await),
    ];
    assert_eq!(app.state.hub.clients(), 7);

    let (queue, other_requester) = (Uuid::new_v4(), Uuid::new_v4());
    let (call_a, call_b) = (Uuid::new_v4(), Uuid::new_v4());
    let a1 = Some(agent1.id);
    let a2 = Some(agent2_id());
    publish(&app, "queue", 1, queue, json!({"waiting": 1}), None, None).await;
    publish(
        &app,
        "agent",
        2,
        agent1.id,
        json!({"status": "available"}),
        a1,
        None,
    )
    .await;
    publish(
        &app,
        "offer",
        3,
        call_a,
        json!({"call_id": call_a}),
        a2,
        Some(requester.id),
    )
    .await;
    publish(
        &app,
        "call",
        4,
        call_a,
        json!({"status": "offered"}),
        a2,
        Some(requester.id),
    )
    .await;
    publish(
        &app,
        "offer",
        5,
        call_b,
        json!({"call_id": call_b}),
        a1,
        Some(other_requester),
    )
    .await;
    publish(
        &app,
        "call",
        6,
        call_b,
        json!({"status": "connected"}),
        a1,
        Some(other_requester),
    )
    .await;
    publish(
        &app,
        "agent",
        7,
        agent2_id(),
        json!({"status": "break"}),
        a2,
        None,
    )
    .await;

    for (who, socket) in &mut sockets {
        let heard = drain(socket).await;
        let expected: &[u64] = match *who {
            "supervisor" | "admin" => &[1, 2, 3, 4, 5, 6, 7],
            "analyst" => &[1, 2, 7],
            "agent1" => &[2, 5, 6],
            "agent2" => &[3, 4, 7],
            "requester" => &[4],
            _ => unreachable!(),
        };
        assert_eq!(seqs(&heard), expected, "{who} heard {heard:?}");
    }
    // The shape of a message: type, seq, data; no audience.
    let mut agent1_socket = connect(&app, &agent1).await;
    publish(
        &app,
        "offer",
        8,
        call_b,
        json!({"call_id": call_b, "expires_at": "2025-03-10T09:00:20Z"}),
        a1,
        None,
    )
    .await;
    match hear(&mut agent1_socket, Duration::from_secs(5)).await {
        Heard::Json(message) => assert_eq!(
            message,
            json!({"type": "offer", "seq": 8, "data": {"call_id": call_b, "expires_at": "2025-03-10T09:00:20Z"}})
        ),
        other => panic!("expected the offer, got {other:?}"),
    }

    // Leaving is counted.
    drop(sockets);
    drop(agent1_socket);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while app.state.hub.clients() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "clients: {}",
            app.state.hub.clients()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn expect_refusal(socket: &mut Socket, code: &str, close_code: u16) {
    match hear(socket, Duration::from_secs(8)).await {
        Heard::Json(message) => {
            assert_eq!(message["type"], "error", "{message}");
            assert_eq!(message["error"]["code"], code, "{message}");
            assert!(message["error"]["message"].is_string());
        }
        other => panic!("expected an error message, got {other:?}"),
    }
    match hear(socket, Duration::from_secs(5)).await {
        Heard::Closed(Some(frame)) => {
            assert_eq!(u16::from(frame.code), close_code);
            assert_eq!(frame.reason.as_str(), code);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_or_missing_token_closes_the_socket_with_an_error() {
    let app = spawn_app().await;

    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, Some("garbage")))
        .await
        .expect("connect");
    expect_refusal(&mut socket, "invalid_token", 4401).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, None))
        .await
        .expect("connect");
    socket
        .send(Message::text(r#"{"type":"auth","token":"garbage"}"#))
        .await
        .expect("send");
    expect_refusal(&mut socket, "invalid_token", 4401).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, None))
        .await
        .expect("connect");
    socket
        .send(Message::text(r#"{"hello":"there"}"#))
        .await
        .expect("send");
    expect_refusal(&mut socket, "auth_required", 4401).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, None))
        .await
        .expect("connect");
    expect_refusal(&mut socket, "auth_timeout", 4408).await;
    assert_eq!(app.state.hub.clients(), 0);

    // Not a WebSocket handshake: an error in the API's shape.
    let supervisor = app.login(Role::Supervisor).await;
    let answer = app.get("/api/ws", &supervisor).await.expect(426);
    assert_eq!(answer.error_code(), "websocket_required");
}

/// Connects with a small, fixed receive buffer, so a client that does not read fills up fast.
async fn connect_small(app: &TestApp, session: &Session) -> Socket {
    let address = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let tcp = TcpSocket::new_v4().expect("a socket");
    tcp.set_recv_buffer_size(16 * 1024)
        .expect("a receive buffer");
    let stream = tcp.connect(address).await.expect("connect");
    let (mut socket, _) = tokio_tungstenite::client_async(
        ws_url(app, Some(&session.token)),
        MaybeTlsStream::Plain(stream),
    )
    .await
    .expect("handshake");
    expect_ready(&mut socket, session).await;
    socket
}

#[tokio::test]
async fn a_client_that_never_reads_is_sent_a_resync_and_dropped() {
    let app = spawn_app().await;
    let supervisor = app.login(Role::Supervisor).await;
    let mut watch = connect(&app, &supervisor).await;
    wait_for_hub(&app, &mut watch).await;
    let mut slow = connect_small(&app, &supervisor).await;
    let mut reader = connect(&app, &app.login(Role::Analyst).await).await;
    drop(watch);

    // ~32 MB of call notices: far more than the socket buffers and the client's queue.
    let padding = "x".repeat(32 * 1024);
    let total = 1000u64;
    for seq in 1..=total {
        let notice = json!({
            "type": "call", "seq": seq, "id": Uuid::new_v4(), "data": {"padding": padding},
            "audience": {"agent_id": null, "requester_id": null},
        });
        app.state
            .nats
            .publish(
                format!("{}.views.call", app.bus().prefix),
                notice.to_string().into(),
            )
            .await
            .expect("publish");
    }
    app.state.nats.flush().await.expect("flush");
    // A notice the analyst may see: it still arrives, unaffected by the slow client.
    publish(
        &app,
        "queue",
        total + 1,
        Uuid::new_v4(),
        json!({}),
        None,
        None,
    )
    .await;
    match hear(&mut reader, Duration::from_secs(10)).await {
        Heard::Json(message) => assert_eq!(message["seq"], total + 1),
        other => panic!("the analyst should hear the queue notice, got {other:?}"),
    }

    // The slow client is let go without reading a byte...
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.state.hub.clients() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slow client was not dropped: {}",
            app.state.hub.clients()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and when it reads at last: what fitted, one resync, then the close.
    let mut received = 0u64;
    let mut last = 0;
    loop {
        match hear(&mut slow, Duration::from_secs(10)).await {
            Heard::Json(message) if message["type"] == "call" => {
                let seq = message["seq"].as_u64().expect("seq");
                assert!(seq > last, "in order");
                last = seq;
                received += 1;
            }
            Heard::Json(message) => {
                assert_eq!(message, json!({"type": "resync", "seq": 0, "data": null}));
                break;
            }
            other => panic!("expected a resync, got {other:?} after {received} notices"),
        }
    }
    assert!(
        received < total,
        "dropped before the end: {received} of {total}"
    );
    match hear(&mut slow, Duration::from_secs(10)).await {
        Heard::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), 4429),
        other => panic!("expected the close, got {other:?}"),
    }
}

#[tokio::test]
async fn the_hub_starts_while_nats_is_down_and_delivers_once_it_is_up() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.nats.url = format!("nats://127.0.0.1:{port}");
    })
    .await;
    let supervisor = app.login(Role::Supervisor).await;
    let mut socket = connect(&app, &supervisor).await;

    let _nats = tokio::process::Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nats-server on PATH (scripts/test.sh installs it)");
    // The API's client reconnects on its own; the hub's subscription follows.
    wait_for_hub(&app, &mut socket).await;
    publish(
        &app,
        "agent",
        1,
        supervisor.id,
        json!({"status": "available"}),
        None,
        None,
    )
    .await;
    match hear(&mut socket, Duration::from_secs(5)).await {
        Heard::Json(message) => assert_eq!(message["seq"], 1),
        other => panic!("expected the notice, got {other:?}"),
    }
}
