//! The floor: the least any server can do to fan one message out, measured beside Chorus.
use std::net::SocketAddr;

use app::vocab::Stage;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// A bare TCP listener + tungstenite: every connection answers the subscribe like Chorus does, then only
/// forwards pre-serialized frames from a `tokio::sync::broadcast` channel to its socket.
pub(crate) struct Floor {
    pub(crate) addr: SocketAddr,
    pub(crate) tx: broadcast::Sender<Utf8Bytes>,
    pub(crate) accept: tokio::task::JoinHandle<()>,
}

impl Floor {
    pub(crate) async fn start() -> Floor {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the floor server");
        let addr = listener.local_addr().unwrap();
        let (tx, _) = broadcast::channel::<Utf8Bytes>(1024);
        let accept_tx = tx.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                // As Chorus does (server/src/lib.rs): no Nagle delay on small frames.
                let _ = stream.set_nodelay(true);
                let tx = accept_tx.clone();
                tokio::spawn(async move {
                    // The same socket settings as Chorus' WebSocket upgrade.
                    let config = WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(0);
                    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
                        return;
                    };
                    match ws.next().await {
                        Some(Ok(Message::Text(_))) => {}
                        _ => return,
                    }
                    let mut rx = tx.subscribe();
                    drop(tx);
                    let subscribed = r#"{"type":"subscribed","campaign_id":1,"head":0}"#;
                    if ws.send(Message::Text(subscribed.into())).await.is_err() {
                        return;
                    }
                    loop {
                        match rx.recv().await {
                            Ok(text) => {
                                if ws.send(Message::Text(text)).await.is_err() {
                                    return;
                                }
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return,
                        }
                    }
                });
            }
        });
        Floor { addr, tx, accept }
    }

    pub(crate) fn stop(self) {
        self.accept.abort();
        drop(self.tx);
    }
}

/// A `card_moved` event frame as Chorus sends it, numbered `seq`, built from the real types.
pub(crate) fn floor_frame(seq: i64) -> Utf8Bytes {
    use app::realtime::{Actor, Change, Event};
    let event = Event {
        campaign_id: 1,
        seq,
        at: chrono::Utc::now(),
        actor: Actor { user_id: 1, name: "Bench User".into(), org_id: Some(1), org_name: Some("Bench Agency".into()) },
        change: Change::CardMoved {
            card_id: 1,
            name: "Creator 0001".into(),
            from: Stage::Prospect,
            to: Stage::Contacted,
            version: seq + 1,
        },
    };
    app::realtime::hub::frame_text(&serde_json::to_string(&event).unwrap()).into()
}
