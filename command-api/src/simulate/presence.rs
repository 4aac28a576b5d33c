//! A simulated interpreter's WebSocket, kept open with heartbeats as the web UI keeps it:
//! the router sets away an interpreter with no live connection (`projections::presence`),
//! so a simulated one holds a socket like a real one.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// What the web UI sends, and as often.
const HEARTBEAT: &str = r#"{"type":"heartbeat"}"#;
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Holds a socket to `ws_url` (`…/api/ws`) open until `stop`, reconnecting when it drops.
pub(super) async fn keep_connected(ws_url: String, token: String, mut stop: watch::Receiver<bool>) {
    let url = format!("{ws_url}?token={token}");
    while !*stop.borrow() {
        match connected(&url, &mut stop).await {
            Ok(()) => return,
            Err(error) => {
                tracing::debug!(
                    error = format!("{error:#}"),
                    "interpreter's socket lost; reconnecting"
                );
                tokio::select! {
                    () = tokio::time::sleep(RECONNECT_AFTER) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

/// One connection: heartbeats out, whatever comes in read and dropped (the simulator
/// polls the REST API for offers). `Ok` once stopped.
async fn connected(url: &str, stop: &mut watch::Receiver<bool>) -> anyhow::Result<()> {
    let (socket, _) = tokio_tungstenite::connect_async(url).await?;
    let (mut write, mut read) = socket.split();
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            _ = heartbeat.tick() => write.send(Message::Text(HEARTBEAT.into())).await?,
            message = read.next() => match message {
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("the server closed the socket"),
            },
            _ = stop.changed() => {
                let _ = write.close().await;
                return Ok(());
            }
        }
    }
}
