//! The in-process fan-out: one broadcast channel per watched campaign, fed in sequence order.
//!
//! Whatever the source of an event (a local commit, a PostgreSQL notification from another process, or a
//! catch-up after the listener reconnected), the hub sends each sequence number exactly once and in order,
//! filling any gap from the event log. Subscribers therefore never see a hole.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
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
    /// Frames go through the fan-out thread (see `Hub::send`); once set, never cleared.
    via_thread: AtomicBool,
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
    /// When each published event's commit returned, kept only once `record_commits` was called (the benchmark).
    recording: AtomicBool,
    commits: StdMutex<Vec<Committed>>,
    /// Open WebSockets (see `Hub::socket_opened`).
    sockets: AtomicUsize,
}

/// One open WebSocket, counted until this is dropped (see `Hub::socket_opened`).
pub struct OpenSocket(Arc<Inner>);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.sockets.fetch_sub(1, Relaxed);
    }
}

/// A committed event and the moment its commit returned (wall clock, nanoseconds since the Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    pub campaign_id: i64,
    pub seq: i64,
    pub at_ns: i64,
}

const GAP_FILL_LIMIT: i64 = 10_000;

/// From this many subscribers on, a campaign's frames are put into its channel by the fan-out thread.
const THREAD_FROM: usize = 256;

impl Hub {
    /// The frames of a campaign that many sockets follow (`THREAD_FROM`, see `Hub::send`) are put into its
    /// broadcast channel by a thread of the hub's own, outside the runtime's workers. A send wakes every subscribed socket's task; woken from outside, those tasks go to the runtime's
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
                recording: AtomicBool::new(false),
                commits: StdMutex::new(Vec::new()),
                sockets: AtomicUsize::new(0),
            }),
        }
    }

    /// Puts a frame into the campaign's channel: from here while few sockets follow the campaign, through the
    /// fan-out thread once many do. With a few hundred sockets the fan-out is short, and the hand-over to the
    /// thread (waking it) would be a good part of it; with thousands, waking them from outside the workers
    /// matters more (see `Hub::new`). The switch is one-way, so frames keep their order: every frame sent from
    /// here is in the channel before the first one is handed to the thread.
    fn send(&self, channel: &Channel, frame: Frame) {
        if !channel.via_thread.load(Relaxed) {
            if channel.tx.receiver_count() < THREAD_FROM {
                let _ = channel.tx.send(frame);
                return;
            }
            channel.via_thread.store(true, Relaxed);
        }
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
                    Arc::new(Channel {
                        tx: broadcast::channel(self.inner.capacity).0,
                        last: Mutex::new(None),
                        via_thread: AtomicBool::new(false),
                    })
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

    /// From now on, keeps the moment each published event's commit returned (for the benchmark, which measures
    /// the fan-out from there; see `take_commits`).
    pub fn record_commits(&self) {
        self.inner.recording.store(true, Relaxed);
    }

    /// The commits recorded since `record_commits` or the last call, oldest first.
    pub fn take_commits(&self) -> Vec<Committed> {
        std::mem::take(&mut *self.inner.commits.lock().unwrap())
    }

    /// A committed local event (called as soon as its transaction committed).
    pub async fn publish(&self, event: &Event, body: &str) {
        if self.inner.recording.load(Relaxed) {
            let at_ns =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
            let c = Committed { campaign_id: event.campaign_id, seq: event.seq, at_ns };
            self.inner.commits.lock().unwrap().push(c);
        }
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

    /// Counts an open WebSocket until the returned guard is dropped (after its socket is closed and let go).
    pub fn socket_opened(&self) -> OpenSocket {
        self.inner.sockets.fetch_add(1, Relaxed);
        OpenSocket(self.inner.clone())
    }

    /// How many WebSockets are open (for health and tests).
    pub fn sockets(&self) -> usize {
        self.inner.sockets.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: i64) -> Frame {
        Frame { seq, text: format!("{seq}").into() }
    }

    /// Frames keep their order when a campaign's channel switches from sending inline to the fan-out thread,
    /// and the switch happens only once enough sockets follow it.
    #[tokio::test]
    async fn frames_keep_their_order_across_the_switch_to_the_fan_out_thread() {
        let dir = std::env::temp_dir().join(format!("chorus-hub-{}", std::process::id()));
        let db = crate::db::Db::connect(&format!("sqlite://{}/hub.db", dir.display())).await.unwrap();
        let hub = db.hub.clone();
        let (mut first, head) = hub.subscribe(7).await.unwrap();
        assert_eq!(head, 0);
        let channel = hub.channel(7).unwrap();
        for seq in 1..=50 {
            hub.send(&channel, frame(seq));
        }
        assert!(!channel.via_thread.load(Relaxed), "a few subscribers: sent inline");
        let mut more = Vec::new();
        for _ in 1..THREAD_FROM {
            more.push(hub.subscribe(7).await.unwrap().0);
        }
        for seq in 51..=100 {
            hub.send(&channel, frame(seq));
        }
        assert!(channel.via_thread.load(Relaxed), "{THREAD_FROM} subscribers: through the thread");
        for seq in 1..=100 {
            let got = tokio::time::timeout(std::time::Duration::from_secs(5), first.recv()).await.unwrap().unwrap();
            assert_eq!(got.seq, seq);
        }
        let last = more.last_mut().unwrap();
        for seq in 51..=100 {
            assert_eq!(last.recv().await.unwrap().seq, seq);
        }
        // Fewer subscribers again: still through the thread (the switch is one-way).
        more.clear();
        hub.send(&channel, frame(101));
        assert!(channel.via_thread.load(Relaxed));
        assert_eq!(first.recv().await.unwrap().seq, 101);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
