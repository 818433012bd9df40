//! The in-process fan-out: one broadcast channel per watched campaign, fed in sequence order.
//!
//! Whatever the source of an event (a local commit, a PostgreSQL notification from another process, or a
//! catch-up after the listener reconnected), the hub sends each sequence number exactly once and in order,
//! filling any gap from the event log. Subscribers therefore never see a hole.
use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, Mutex};

use super::Event;
use crate::error::Result;

/// One event ready for the wire, serialized once for every subscriber.
#[derive(Clone, Debug)]
pub struct Frame {
    pub seq: i64,
    pub text: Utf8Bytes,
}

/// Wraps a stored event body as the `event` server message.
pub fn frame_text(body: &str) -> String {
    format!(r#"{{"type":"event","event":{body}}}"#)
}

struct Channel {
    tx: broadcast::Sender<Frame>,
    /// The last sequence number sent; `None` until read from the log.
    last: Mutex<Option<i64>>,
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    pool: sqlx::AnyPool,
    channels: StdMutex<HashMap<i64, Arc<Channel>>>,
    capacity: usize,
    /// To the fan-out thread (see `Hub::new`).
    fan_out: std::sync::mpsc::Sender<(broadcast::Sender<Frame>, Frame)>,
}

const GAP_FILL_LIMIT: i64 = 10_000;

impl Hub {
    /// The frames are put into the broadcast channels by a thread of the hub's own, outside the runtime's
    /// workers. A send wakes every subscribed socket's task; woken from outside, those tasks go to the runtime's
    /// shared queue and every worker starts on them at once. Woken from the worker that ran the write, they
    /// queued up on that worker first and reached the other one by work stealing: at 10,000 sockets about one
    /// event in seven then took 1.35–1.8× as long to reach every socket (docs/PERFORMANCE.md). Frames keep their
    /// order: they are handed over in sequence order (under the channel's `last` lock) to this one thread.
    pub fn new(pool: sqlx::AnyPool) -> Hub {
        let (fan_out, frames) = std::sync::mpsc::channel::<(broadcast::Sender<Frame>, Frame)>();
        // Ends when the hub (its sender) is dropped.
        let _ = std::thread::Builder::new().name("chorus-fan-out".into()).spawn(move || {
            for (tx, frame) in frames {
                let _ = tx.send(frame);
            }
        });
        Hub {
            inner: Arc::new(Inner {
                pool,
                channels: StdMutex::new(HashMap::new()),
                capacity: 1024,
                fan_out,
            }),
        }
    }

    /// Hands a frame to the fan-out thread.
    fn send(&self, channel: &Channel, frame: Frame) {
        let sent = self.inner.fan_out.send((channel.tx.clone(), frame));
        if let Err(std::sync::mpsc::SendError((tx, frame))) = sent {
            // The thread could not be started (or is gone): send from here.
            let _ = tx.send(frame);
        }
    }

    /// Subscribes to a campaign's live events. Every event after the returned head arrives on the receiver.
    pub async fn subscribe(&self, campaign_id: i64) -> Result<(broadcast::Receiver<Frame>, i64)> {
        let (channel, rx) = {
            let mut map = self.inner.channels.lock().unwrap();
            let channel = map
                .entry(campaign_id)
                .or_insert_with(|| {
                    Arc::new(Channel { tx: broadcast::channel(self.inner.capacity).0, last: Mutex::new(None) })
                })
                .clone();
            let rx = channel.tx.subscribe();
            (channel, rx)
        };
        let mut last = channel.last.lock().await;
        let head = match *last {
            Some(head) => head,
            None => {
                let head = super::log::head(&self.inner.pool, campaign_id).await?.unwrap_or(0);
                *last = Some(head);
                head
            }
        };
        Ok((rx, head))
    }

    /// Forgets a campaign's channel once nobody listens to it.
    pub fn release(&self, campaign_id: i64) {
        let mut map = self.inner.channels.lock().unwrap();
        if map.get(&campaign_id).is_some_and(|c| c.tx.receiver_count() == 0) {
            map.remove(&campaign_id);
        }
    }

    fn channel(&self, campaign_id: i64) -> Option<Arc<Channel>> {
        self.inner.channels.lock().unwrap().get(&campaign_id).cloned()
    }

    /// A committed local event.
    pub async fn publish(&self, event: &Event, body: &str) {
        let Some(channel) = self.channel(event.campaign_id) else { return };
        let mut last = channel.last.lock().await;
        match *last {
            Some(l) if event.seq <= l => {}
            Some(l) if event.seq == l + 1 => {
                self.send(&channel, Frame { seq: event.seq, text: frame_text(body).into() });
                *last = Some(event.seq);
            }
            _ => self.fill(event.campaign_id, &channel, &mut last, event.seq).await,
        }
    }

    /// A message that is not part of the log (presence): sent to whoever listens now, with sequence 0.
    pub fn publish_ephemeral(&self, campaign_id: i64, text: String) {
        if let Some(channel) = self.channel(campaign_id) {
            self.send(&channel, Frame { seq: 0, text: text.into() });
        }
    }

    /// Another process committed event `seq` (or at least up to it).
    pub async fn notify(&self, campaign_id: i64, seq: i64) {
        let Some(channel) = self.channel(campaign_id) else { return };
        let mut last = channel.last.lock().await;
        if last.is_some_and(|l| seq <= l) {
            return;
        }
        self.fill(campaign_id, &channel, &mut last, seq).await;
    }

    /// After a lost notification connection: bring every watched campaign up to its head.
    pub async fn catch_up_all(&self) {
        let channels: Vec<(i64, Arc<Channel>)> =
            self.inner.channels.lock().unwrap().iter().map(|(k, v)| (*k, v.clone())).collect();
        for (campaign_id, channel) in channels {
            let mut last = channel.last.lock().await;
            self.fill(campaign_id, &channel, &mut last, i64::MAX).await;
        }
    }

    async fn fill(&self, campaign_id: i64, channel: &Channel, last: &mut Option<i64>, upto: i64) {
        let Some(from) = *last else {
            // Not initialised yet: the subscriber reads everything up to the head from the log itself.
            if let Ok(Some(head)) = super::log::head(&self.inner.pool, campaign_id).await {
                *last = Some(head);
            }
            return;
        };
        match super::log::after(&self.inner.pool, campaign_id, from, GAP_FILL_LIMIT).await {
            Ok(rows) => {
                for (seq, body) in rows {
                    if seq > upto {
                        break;
                    }
                    self.send(channel, Frame { seq, text: frame_text(&body).into() });
                    *last = Some(seq);
                }
            }
            Err(e) => tracing::warn!(campaign_id, error = %e, "could not fill an event gap"),
        }
    }

    /// How many campaigns have live subscribers (for health and tests).
    pub fn watched(&self) -> usize {
        self.inner.channels.lock().unwrap().len()
    }
}
