//! The WebSocket endpoint: one socket per browser tab, subscriptions per campaign, resume by sequence number.
//!
//! A subscriber gets every event after the sequence number it names, exactly once and in order: first the
//! backlog from the event log, then live frames from the hub. A client that falls behind (its socket is slow,
//! so its broadcast receiver lags) is caught up from the log; one too far behind is told to reload. A client that
//! stops reading is dropped (see `Sink` and `Limits`): it reconnects and catches up from the log. None of this ever
//! blocks a writer or other clients.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use tokio::sync::broadcast::{self, error::RecvError};

use app::accounts::ssr::Principal;
use app::error::AppError;
use app::realtime::hub::frame_text;
use app::realtime::{log, ClientMsg, ServerMsg};
use app::state::AppState;

use crate::auth::MaybeAuth;

/// A client further behind than this reloads its state instead of replaying events.
const MAX_CATCH_UP: i64 = 2_000;
/// Closing a dropped client politely (a close frame) may take this long; then its socket is simply let go.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// At most this many bytes are sent between two pings (see `Sink`).
const PING_EVERY: u64 = 64 * 1024;

/// How much a client may leave unread before it is dropped (`--ws-max-unread-kb`, `--ws-stall-seconds`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes sent that the client has not read yet.
    pub max_unread_bytes: u64,
    /// How long the client may leave what it was sent unread, and how long its socket may refuse a message.
    pub stall: Duration,
}

impl Limits {
    pub fn from_config(config: &crate::Config) -> Limits {
        Limits {
            max_unread_bytes: config.ws_max_unread_kb.max(1).saturating_mul(1024),
            stall: Duration::from_secs(config.ws_stall_seconds.max(1)),
        }
    }
}

pub async fn upgrade(
    State(state): State<AppState>,
    axum::Extension(limits): axum::Extension<Limits>,
    MaybeAuth(who): MaybeAuth,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(who) = who else { return AppError::unauthorized().into_response() };
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| Connection::new(state, who).run(Sink::new(socket, limits)))
}

type Frame = app::realtime::hub::Frame;

/// One followed campaign.
struct Sub {
    campaign_id: i64,
    rx: broadcast::Receiver<Frame>,
    /// The last sequence number this socket was sent.
    last: i64,
    /// Followed as a creator: their creator records. Such a subscription gets only `portal` nudges about what
    /// is addressed to those records, never the partners' events.
    portal: Option<Vec<i64>>,
}

/// The campaigns a socket follows. A tab follows one, and that one is kept inline: per event and socket, the
/// fan-out then reads the receiver and the last sequence number from the task's own memory, with no pointer
/// into a separate heap block (a `Vec`, a `HashMap`) to chase. At 10,000 sockets per event those cache misses
/// were the larger part of the difference to the benchmark's floor (docs/PERFORMANCE.md).
#[derive(Default)]
struct Subs {
    first: Option<Sub>,
    more: Vec<Sub>,
}

impl Subs {
    fn get(&mut self, campaign_id: i64) -> Option<&mut Sub> {
        match &mut self.first {
            Some(sub) if sub.campaign_id == campaign_id => Some(sub),
            _ => self.more.iter_mut().find(|s| s.campaign_id == campaign_id),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Sub> {
        self.first.iter().chain(&self.more)
    }

    fn contains(&self, campaign_id: i64) -> bool {
        self.iter().any(|s| s.campaign_id == campaign_id)
    }

    fn add(&mut self, sub: Sub) {
        match self.first {
            None => self.first = Some(sub),
            Some(_) => self.more.push(sub),
        }
    }

    fn remove(&mut self, campaign_id: i64) -> Option<Sub> {
        if self.first.as_ref().is_some_and(|s| s.campaign_id == campaign_id) {
            let removed = self.first.take();
            self.first = self.more.pop();
            return removed;
        }
        let at = self.more.iter().position(|s| s.campaign_id == campaign_id)?;
        Some(self.more.swap_remove(at))
    }

    fn ids(&self) -> Vec<i64> {
        self.iter().map(|s| s.campaign_id).collect()
    }

    /// The next frame of any subscription. Cancel-safe: `broadcast::Receiver::recv` loses nothing when dropped.
    async fn next_frame(&mut self) -> (i64, Result<Frame, RecvError>) {
        let Some(first) = &mut self.first else { return std::future::pending().await };
        if self.more.is_empty() {
            return (first.campaign_id, first.rx.recv().await);
        }
        let futures = std::iter::once(first).chain(self.more.iter_mut()).map(|sub| {
            let id = sub.campaign_id;
            Box::pin(async move { (id, sub.rx.recv().await) })
        });
        futures_util::future::select_all(futures).await.0
    }
}

struct Connection {
    subs: Subs,
    state: AppState,
    who: Principal,
}

/// The socket and what its client has not read yet. One task owns the whole socket: no split halves and no lock
/// between reading and writing.
///
/// Whether the client reads is measured end to end, whatever the kernel buffers of both ends (or a proxy) absorb:
/// at most every `PING_EVERY` bytes the server sends a ping carrying how many bytes it has sent so far, and the
/// client's WebSocket answers it (a browser does by itself) once it has read everything before it. A client with
/// more than `Limits::max_unread_bytes` unread, or with a ping unanswered for `Limits::stall`, is dropped; so is
/// one whose socket cannot take a message for `Limits::stall`. Per message this costs two counters; the clock is
/// read only while a ping is unanswered.
struct Sink {
    ws: WebSocket,
    limits: Limits,
    /// Bytes of messages sent.
    sent: u64,
    /// Bytes the client has read, as of its last answered ping.
    read: u64,
    /// The unanswered ping: the byte count it carries and when it was sent.
    ping: Option<(u64, Instant)>,
}

impl Sink {
    fn new(ws: WebSocket, limits: Limits) -> Sink {
        Sink { ws, limits, sent: 0, read: 0, ping: None }
    }

    /// The client has not read for too long, or too much.
    fn stalled(&self) -> bool {
        self.sent - self.read > self.limits.max_unread_bytes
            || self.ping.is_some_and(|(_, at)| at.elapsed() > self.limits.stall)
    }

    /// A pong: what it answers has been read.
    fn answered(&mut self, payload: &[u8]) {
        let Ok(bytes) = <[u8; 8]>::try_from(payload) else { return };
        if self.ping.is_some_and(|(mark, _)| mark == u64::from_be_bytes(bytes)) {
            self.read = u64::from_be_bytes(bytes);
            self.ping = None;
        }
    }
}

/// The socket could not take a message in time, its client stopped reading, or it is gone: close it.
struct Gone;

/// What woke a connection's task.
enum Input {
    Frame(i64, Result<Frame, RecvError>),
    Read(Option<Result<Message, axum::Error>>),
}

/// The waker handed to the socket's read side: it marks that side as worth polling, then wakes the task.
struct ReadSide {
    ready: AtomicBool,
    task: futures_util::task::AtomicWaker,
}

impl Default for ReadSide {
    fn default() -> Self {
        ReadSide { ready: AtomicBool::new(true), task: futures_util::task::AtomicWaker::new() }
    }
}

impl std::task::Wake for ReadSide {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// Sends one message (and, every `PING_EVERY` bytes, a ping; see `Sink`). The common case (the socket can take
/// it now) arms no timer: at thousands of connections per event, a timer per send is a measurable share of the
/// fan-out.
async fn send(sink: &mut Sink, text: Utf8Bytes) -> Result<(), Gone> {
    if sink.stalled() {
        tracing::info!(unread_bytes = sink.sent - sink.read, "a WebSocket client stopped reading: dropped");
        return Err(Gone);
    }
    sink.sent += text.len() as u64;
    send_raw(&mut sink.ws, sink.limits.stall, Message::Text(text)).await?;
    if sink.ping.is_none() && sink.sent - sink.read >= PING_EVERY.min(sink.limits.max_unread_bytes / 4) {
        sink.ping = Some((sink.sent, Instant::now()));
        let payload = sink.sent.to_be_bytes().to_vec();
        send_raw(&mut sink.ws, sink.limits.stall, Message::Ping(payload.into())).await?;
    }
    Ok(())
}

async fn send_raw(ws: &mut WebSocket, stall: Duration, msg: Message) -> Result<(), Gone> {
    use futures_util::FutureExt;
    use futures_util::Sink as _;
    use std::pin::Pin;

    async fn within<F: std::future::Future<Output = Result<(), axum::Error>>>(
        stall: Duration,
        f: F,
    ) -> Result<(), Gone> {
        match tokio::time::timeout(stall, f).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Gone),
        }
    }
    let ready = std::future::poll_fn(|cx| Pin::new(&mut *ws).poll_ready(cx)).now_or_never();
    match ready {
        Some(Ok(())) => {}
        Some(Err(_)) => return Err(Gone),
        None => within(stall, std::future::poll_fn(|cx| Pin::new(&mut *ws).poll_ready(cx))).await?,
    }
    Pin::new(&mut *ws).start_send(msg).map_err(|_| Gone)?;
    let flushed = std::future::poll_fn(|cx| Pin::new(&mut *ws).poll_flush(cx)).now_or_never();
    match flushed {
        Some(Ok(())) => Ok(()),
        Some(Err(_)) => Err(Gone),
        None => within(stall, std::future::poll_fn(|cx| Pin::new(&mut *ws).poll_flush(cx))).await,
    }
}

async fn send_msg(sink: &mut Sink, msg: &ServerMsg) -> Result<(), Gone> {
    send(sink, serde_json::to_string(msg).unwrap_or_default().into()).await
}

impl Connection {
    fn new(state: AppState, who: Principal) -> Self {
        Connection { subs: Subs::default(), state, who }
    }

    async fn run(mut self, mut socket: Sink) {
        let _open = self.state.db.hub.socket_opened();
        let _ = self.serve(&mut socket).await;
        let campaigns = self.subs.ids();
        self.subs = Subs::default();
        for campaign_id in campaigns {
            self.state.db.hub.release(campaign_id);
        }
        // A client that does not read may never take the close frame: then the socket is let go without it.
        if tokio::time::timeout(CLOSE_TIMEOUT, socket.ws.close()).await.is_err() {
            tracing::debug!("a WebSocket client took no close frame: its connection is let go");
        }
        drop(socket);
    }

    async fn serve(&mut self, socket: &mut Sink) -> Result<(), Gone> {
        let read_side = Arc::new(ReadSide::default());
        loop {
            match Self::next_input(&mut self.subs, &mut socket.ws, &read_side).await {
                Input::Frame(campaign_id, item) => self.forward(socket, campaign_id, item).await?,
                // Rare next to the fan-out: boxed, so that its (database) futures do not widen this loop's state.
                Input::Read(Some(Ok(Message::Text(text)))) => Box::pin(self.handle(socket, &text)).await?,
                Input::Read(Some(Ok(Message::Pong(payload)))) => socket.answered(&payload),
                Input::Read(Some(Ok(Message::Close(_))) | None | Some(Err(_))) => return Ok(()),
                Input::Read(Some(Ok(_))) => {}
            }
        }
    }

    /// The next frame of a subscription (first: a busy reader never delays the fan-out) or message from the client.
    ///
    /// The socket's read side is polled only when it may have something: at first, after it yielded a message
    /// (more may be buffered), and when it woke the task. A wake-up by a subscription then costs no read attempt
    /// on the socket, which at thousands of sockets per event is a measurable share of the fan-out.
    async fn next_input(subs: &mut Subs, socket: &mut WebSocket, read_side: &Arc<ReadSide>) -> Input {
        use futures_util::StreamExt;
        use std::future::Future;
        use std::task::{Context, Poll, Waker};
        // One future for the whole wait: a subscription's `recv` registers with its channel while it lives.
        let mut frames = std::pin::pin!(subs.next_frame());
        std::future::poll_fn(|cx| {
            if let Poll::Ready((campaign_id, item)) = frames.as_mut().poll(cx) {
                return Poll::Ready(Input::Frame(campaign_id, item));
            }
            if read_side.ready.swap(false, Ordering::AcqRel) {
                read_side.task.register(cx.waker());
                let waker = Waker::from(read_side.clone());
                if let Poll::Ready(incoming) = socket.poll_next_unpin(&mut Context::from_waker(&waker)) {
                    read_side.ready.store(true, Ordering::Release);
                    return Poll::Ready(Input::Read(incoming));
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Passes one subscription frame on to the socket.
    async fn forward(
        &mut self,
        socket: &mut Sink,
        campaign_id: i64,
        item: Result<Frame, RecvError>,
    ) -> Result<(), Gone> {
        let Some(sub) = self.subs.get(campaign_id) else { return Ok(()) };
        if let Some(creators) = &sub.portal {
            match item {
                Ok(frame) => {
                    if let Some(text) = portal_nudge(campaign_id, &frame, creators) {
                        send(socket, text.into()).await?;
                    }
                }
                // Missed frames might have been for this creator: have the portal reload.
                Err(RecvError::Lagged(_)) => {
                    let nudge = ServerMsg::Portal { campaign_id, text: String::new() };
                    send_msg(socket, &nudge).await?;
                }
                Err(RecvError::Closed) => self.unsubscribe(campaign_id),
            }
            return Ok(());
        }
        match item {
            Ok(frame) if frame.seq == 0 => send(socket, frame.text).await?,
            Ok(frame) if frame.seq <= sub.last => {}
            Ok(frame) if frame.seq == sub.last + 1 => {
                sub.last = frame.seq;
                send(socket, frame.text).await?;
            }
            // A gap, or this socket fell behind the broadcast: replay from the log (rare: boxed, as `handle`).
            Ok(_) | Err(RecvError::Lagged(_)) => Box::pin(self.catch_up(socket, campaign_id)).await?,
            // The hub let the channel go (no other subscriber and released): follow again.
            Err(RecvError::Closed) => self.unsubscribe(campaign_id),
        }
        Ok(())
    }

    async fn handle(&mut self, sink: &mut Sink, text: &str) -> Result<(), Gone> {
        let msg = match serde_json::from_str::<ClientMsg>(text) {
            Ok(m) => m,
            Err(e) => {
                let error = ServerMsg::Error {
                    campaign_id: None,
                    code: app::error::ErrorCode::BadRequest,
                    message: format!("Unreadable message: {e}"),
                };
                return send_msg(sink, &error).await;
            }
        };
        match msg {
            ClientMsg::Ping => send_msg(sink, &ServerMsg::Pong).await,
            ClientMsg::Presence { campaign_id, section } => {
                // Only partners, and only to a campaign this socket is subscribed to (and so was authorized for).
                if self.subs.get(campaign_id).is_some_and(|s| s.portal.is_none()) {
                    let msg = ServerMsg::Presence {
                        campaign_id,
                        user_id: self.who.me.user_id,
                        name: self.who.me.name.clone(),
                        org_name: self.who.me.org.as_ref().map(|o| o.name.clone()),
                        section: section.map(|s| s.chars().take(40).collect()),
                    };
                    self.state.db.hub.publish_ephemeral(campaign_id, serde_json::to_string(&msg).unwrap_or_default());
                }
                Ok(())
            }
            ClientMsg::Unsubscribe { campaign_id } => {
                self.unsubscribe(campaign_id);
                Ok(())
            }
            ClientMsg::Subscribe { campaign_id, .. } if self.who.me.role == app::accounts::Role::Creator => {
                self.subscribe_portal(sink, campaign_id).await
            }
            ClientMsg::Subscribe { campaign_id, after } => {
                if let Err(e) = app::campaigns::ssr::authorize(&self.state.db, &self.who, campaign_id).await {
                    let error = ServerMsg::Error { campaign_id: Some(campaign_id), code: e.code, message: e.message };
                    return send_msg(sink, &error).await;
                }
                let (rx, _) = match self.state.db.hub.subscribe(campaign_id).await {
                    Ok(s) => s,
                    Err(e) => {
                        let error =
                            ServerMsg::Error { campaign_id: Some(campaign_id), code: e.code, message: e.message };
                        return send_msg(sink, &error).await;
                    }
                };
                if self.subs.contains(campaign_id) {
                    // Subscribing again restarts from `after`: drop the old receiver (and its hold on the hub).
                    self.unsubscribe(campaign_id);
                }
                self.subs.add(Sub { campaign_id, rx, last: after.max(0), portal: None });
                let head = log::head(&self.state.db.pool, campaign_id).await.ok().flatten().unwrap_or(0);
                send_msg(sink, &ServerMsg::Subscribed { campaign_id, head }).await?;
                self.catch_up(sink, campaign_id).await
            }
        }
    }

    /// A creator follows a campaign they are part of: nudges only, for what is addressed to them.
    async fn subscribe_portal(&mut self, sink: &mut Sink, campaign_id: i64) -> Result<(), Gone> {
        let creators = match app::campaigns::ssr::authorize_creator(&self.state.db, &self.who, campaign_id).await {
            Ok(member) => member.creator_ids,
            Err(e) => {
                let error = ServerMsg::Error { campaign_id: Some(campaign_id), code: e.code, message: e.message };
                return send_msg(sink, &error).await;
            }
        };
        let rx = match self.state.db.hub.subscribe(campaign_id).await {
            Ok((rx, _)) => rx,
            Err(e) => {
                let error = ServerMsg::Error { campaign_id: Some(campaign_id), code: e.code, message: e.message };
                return send_msg(sink, &error).await;
            }
        };
        if self.subs.contains(campaign_id) {
            self.unsubscribe(campaign_id);
        }
        self.subs.add(Sub { campaign_id, rx, last: 0, portal: Some(creators) });
        send_msg(sink, &ServerMsg::Subscribed { campaign_id, head: 0 }).await
    }

    fn unsubscribe(&mut self, campaign_id: i64) {
        // The removed receiver is dropped with the condition, before the hub counts who still listens.
        if self.subs.remove(campaign_id).is_some() {
            self.state.db.hub.release(campaign_id);
        }
    }

    /// Sends every logged event after the last one this socket got; resets the client when that is impossible.
    async fn catch_up(&mut self, sink: &mut Sink, campaign_id: i64) -> Result<(), Gone> {
        let Some(last) = self.subs.get(campaign_id).map(|s| s.last) else { return Ok(()) };
        let pool = &self.state.db.pool;
        let head = log::head(pool, campaign_id).await.ok().flatten().unwrap_or(0);
        if head == last {
            return Ok(());
        }
        let rows = match log::after(pool, campaign_id, last, MAX_CATCH_UP + 1).await {
            Ok(rows) => rows,
            Err(_) => return self.reset(sink, campaign_id, "the event log could not be read").await,
        };
        let contiguous = rows.first().is_some_and(|(seq, _)| *seq == last + 1);
        if last > head || !contiguous || rows.len() as i64 > MAX_CATCH_UP {
            let reason = if last > head {
                "your state is ahead of the server"
            } else {
                "the events you missed are no longer kept"
            };
            return self.reset(sink, campaign_id, reason).await;
        }
        for (seq, body) in rows {
            send(sink, frame_text(&body).into()).await?;
            if let Some(sub) = self.subs.get(campaign_id) {
                sub.last = seq;
            }
        }
        Ok(())
    }

    async fn reset(&mut self, sink: &mut Sink, campaign_id: i64, reason: &str) -> Result<(), Gone> {
        self.unsubscribe(campaign_id);
        send_msg(sink, &ServerMsg::Reset { campaign_id, reason: reason.to_string() }).await
    }
}

/// The nudge a creator's portal gets for a logged event addressed to one of their records; nothing otherwise
/// (presence, progress and every partner-only event stay with the partners).
fn portal_nudge(campaign_id: i64, frame: &Frame, creators: &[i64]) -> Option<String> {
    if frame.seq == 0 {
        return None;
    }
    let ServerMsg::Event { event } = serde_json::from_str::<ServerMsg>(frame.text.as_str()).ok()? else { return None };
    let to = event.change.addressed_to_creator()?;
    creators
        .contains(&to)
        .then(|| serde_json::to_string(&ServerMsg::Portal { campaign_id, text: event.describe() }).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: i64) -> Frame {
        Frame { seq, text: format!("{seq}").into() }
    }

    #[tokio::test]
    async fn one_socket_follows_several_campaigns() {
        let channels: Vec<broadcast::Sender<Frame>> = (0..3).map(|_| broadcast::channel(8).0).collect();
        let mut subs = Subs::default();
        for (i, tx) in channels.iter().enumerate() {
            subs.add(Sub { campaign_id: 10 + i as i64, rx: tx.subscribe(), last: i as i64, portal: None });
        }
        assert_eq!(subs.ids(), vec![10, 11, 12]);
        assert!(subs.contains(11) && !subs.contains(13));
        let third = 12;
        assert_eq!(subs.get(third).map(|s| s.last), Some(2));

        // A frame on any of them arrives, named by its campaign.
        channels[2].send(frame(7)).unwrap();
        let (campaign_id, got) = subs.next_frame().await;
        assert_eq!((campaign_id, got.unwrap().seq), (12, 7));

        // Dropping the inline one moves another into its place; the rest still deliver.
        assert_eq!(subs.remove(10).map(|s| s.campaign_id), Some(10));
        assert!(!subs.contains(10));
        assert_eq!(subs.first.as_ref().map(|s| s.campaign_id), Some(12));
        channels[1].send(frame(3)).unwrap();
        let (campaign_id, got) = subs.next_frame().await;
        assert_eq!((campaign_id, got.unwrap().seq), (11, 3));
        assert!(subs.remove(10).is_none());
        assert_eq!(subs.remove(11).map(|s| s.campaign_id), Some(11));
        assert_eq!(subs.ids(), vec![12]);

        // With nothing followed, no frame ever comes.
        assert!(subs.remove(12).is_some());
        let waited = tokio::time::timeout(Duration::from_millis(20), subs.next_frame()).await;
        assert!(waited.is_err());
    }
}
