//! WebSocket clients of an API instance, for the tests that listen to pushes or hold a
//! socket for presence.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::Session;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client of the instance at `address`, authenticated and past `ready`.
pub async fn connect(address: &str, session: &Session) -> Socket {
    let url = format!(
        "{}/api/ws?token={}",
        address.replacen("http://", "ws://", 1),
        session.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let ready = next_json(&mut socket, Duration::from_secs(5))
        .await
        .expect("a ready message");
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(ready["data"]["user_id"], session.id.to_string());
    socket
}

/// The next JSON message within `wait` (probes included).
pub async fn next_json(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) | Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return None,
            Ok(Some(Ok(Message::Text(text)))) => {
                return Some(serde_json::from_str(text.as_str()).expect("JSON"));
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}
