//! The browser side of live updates: one WebSocket per tab and campaign, shared by every island of the page that
//! follows the campaign (the page's own and the chrome's escalation banner), which resumes from the last event its
//! islands saw and reconnects with exponential back-off and jitter.
//!
//! Each island is a *handler* of the campaign's connection with its own last sequence number: events it already
//! has are not passed to it again. The socket subscribes from the smallest of them, so that no island misses
//! an event (the server resends from there; the others skip what they have). A reset (missed events no longer
//! kept) reaches every handler; each reloads its state and continues from its new head (`restart_from`), and
//! once none is still reloading the socket subscribes again, on the same connection.
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

use super::{ClientMsg, PortalMsg, ServerMsg};

/// What a page reads off the socket: the whole `ServerMsg`, or a smaller enum of the messages it can receive (the
/// creator portal's `PortalMsg`), so that a page's code includes only the decoders it needs.
pub trait LiveMsg: crate::json_text::FromJson + Clone + 'static {
    /// The event's sequence number, for a message that carries a logged event.
    fn event_seq(&self) -> Option<i64>;
    /// The server dropped the subscription: the missed events are gone, reload the state.
    fn is_reset(&self) -> bool;
}

impl LiveMsg for ServerMsg {
    fn event_seq(&self) -> Option<i64> {
        match self {
            ServerMsg::Event { event } => Some(event.seq),
            _ => None,
        }
    }
    fn is_reset(&self) -> bool {
        matches!(self, ServerMsg::Reset { .. })
    }
}

impl LiveMsg for PortalMsg {
    fn event_seq(&self) -> Option<i64> {
        None
    }
    fn is_reset(&self) -> bool {
        matches!(self, PortalMsg::Reset { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    Reconnecting,
}

struct Handler<M> {
    id: u32,
    /// The last event this handler got (or its state already holds).
    last: i64,
    /// Reloading its state after a reset: the socket subscribes again once no handler is.
    reloading: bool,
    on_msg: Rc<dyn Fn(M)>,
    status: RwSignal<LiveStatus>,
}

/// One campaign's connection, shared by the handlers of the tab.
struct Conn<M> {
    campaign_id: i64,
    attempt: u32,
    socket: Option<WebSocket>,
    status: LiveStatus,
    handlers: Vec<Handler<M>>,
    next_id: u32,
    /// Every handler left: the socket is closed for good.
    closed: bool,
}

impl<M> Conn<M> {
    /// Where the socket's subscription starts: the oldest event any handler still needs.
    fn after(&self) -> i64 {
        self.handlers.iter().map(|h| h.last).min().unwrap_or(0)
    }

    fn set_status(&mut self, status: LiveStatus) {
        self.status = status;
        for h in &self.handlers {
            h.status.set(status);
        }
    }

    /// Subscribes (again) on the open socket, unless a handler is still reloading after a reset.
    fn subscribe(&self) {
        let Some(socket) = self.socket.as_ref().filter(|s| s.ready_state() == WebSocket::OPEN) else { return };
        if self.handlers.is_empty() || self.handlers.iter().any(|h| h.reloading) {
            return;
        }
        let msg = ClientMsg::Subscribe { campaign_id: self.campaign_id, after: self.after() };
        let _ = socket.send_with_str(&serde_json::to_string(&msg).unwrap_or_default());
    }
}

type Registry = RefCell<Vec<(i64, TypeId, Rc<dyn Any>)>>;

thread_local! {
    /// The tab's open connections, by campaign and message type.
    static OPEN: Registry = const { RefCell::new(Vec::new()) };
}

/// A handler on the tab's live connection for one campaign.
pub struct Live<M = ServerMsg> {
    conn: Rc<RefCell<Conn<M>>>,
    id: u32,
}

impl<M> Clone for Live<M> {
    fn clone(&self) -> Self {
        Live { conn: self.conn.clone(), id: self.id }
    }
}

impl<M: LiveMsg> Live<M> {
    /// Follows `campaign_id` from after sequence number `after`: on the tab's connection for that campaign if one
    /// is open (no second socket), else on a new one.
    pub fn connect(
        campaign_id: i64,
        after: i64,
        status: RwSignal<LiveStatus>,
        on_msg: impl Fn(M) + 'static,
    ) -> Live<M> {
        let key = TypeId::of::<M>();
        let existing = OPEN.with(|open| {
            open.borrow()
                .iter()
                .find(|(c, t, _)| *c == campaign_id && *t == key)
                .and_then(|(_, _, conn)| conn.clone().downcast::<RefCell<Conn<M>>>().ok())
        });
        let fresh = existing.is_none();
        let conn = existing.unwrap_or_else(|| {
            let conn = Rc::new(RefCell::new(Conn {
                campaign_id,
                attempt: 0,
                socket: None,
                status: LiveStatus::Connecting,
                handlers: Vec::new(),
                next_id: 0,
                closed: false,
            }));
            OPEN.with(|open| open.borrow_mut().push((campaign_id, key, conn.clone() as Rc<dyn Any>)));
            conn
        });
        let id = {
            let mut c = conn.borrow_mut();
            let id = c.next_id;
            c.next_id += 1;
            c.handlers.push(Handler { id, last: after, reloading: false, on_msg: Rc::new(on_msg), status });
            status.set(c.status);
            // Joining an open socket: subscribe again, so that this handler hears `subscribed` too and gets what it
            // misses if its state is older (the others skip what they already have).
            if !fresh {
                c.subscribe();
            }
            id
        };
        let live = Live { conn, id };
        if fresh {
            live.open();
        }
        live
    }

    /// Sends a message on the open socket (dropped while reconnecting: presence repeats anyway).
    pub fn send(&self, msg: &ClientMsg) {
        if let Some(socket) = self.conn.borrow().socket.as_ref() {
            if socket.ready_state() == WebSocket::OPEN {
                let _ = socket.send_with_str(&serde_json::to_string(msg).unwrap_or_default());
            }
        }
    }

    /// After reloading the state (on a reset): continue from its head.
    pub fn restart_from(&self, head: i64) {
        let mut c = self.conn.borrow_mut();
        if let Some(h) = c.handlers.iter_mut().find(|h| h.id == self.id) {
            h.last = head;
            h.reloading = false;
        }
        c.subscribe();
    }

    /// This handler stops following; the last one to leave closes the socket.
    pub fn leave(&self) {
        let mut c = self.conn.borrow_mut();
        c.handlers.retain(|h| h.id != self.id);
        if c.handlers.is_empty() {
            c.closed = true;
            if let Some(s) = c.socket.take() {
                let _ = s.close();
            }
            let campaign_id = c.campaign_id;
            OPEN.with(|open| open.borrow_mut().retain(|(id, t, _)| !(*id == campaign_id && *t == TypeId::of::<M>())));
        }
    }

    fn open(&self) {
        if self.conn.borrow().closed {
            return;
        }
        let location = window().location();
        let scheme = if location.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
        let Ok(socket) = WebSocket::new(&url) else {
            self.schedule_reconnect();
            return;
        };

        let conn = self.conn.clone();
        let onopen = Closure::<dyn FnMut()>::new(move || {
            let mut c = conn.borrow_mut();
            c.attempt = 0;
            c.set_status(LiveStatus::Live);
            c.subscribe();
        });
        socket.set_onopen(Some(onopen.as_ref().unchecked_ref()));
        onopen.forget();

        let conn = self.conn.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else { return };
            let Ok(msg) = crate::json_text::from_text::<M>(&text) else { return };
            let seq = msg.event_seq();
            let reset = msg.is_reset();
            // Who gets it: every handler that does not have it yet (called after the borrow: a handler may use
            // its `Live`).
            let to: Vec<Rc<dyn Fn(M)>> = {
                let mut c = conn.borrow_mut();
                c.handlers
                    .iter_mut()
                    .filter_map(|h| {
                        if let Some(seq) = seq {
                            if seq <= h.last {
                                return None; // already applied
                            }
                            h.last = seq;
                        }
                        h.reloading |= reset;
                        Some(h.on_msg.clone())
                    })
                    .collect()
            };
            if let Some((last, rest)) = to.split_last() {
                for handler in rest {
                    handler(msg.clone());
                }
                last(msg);
            }
        });
        socket.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();

        let me = self.clone();
        let this_socket = socket.clone();
        let onclose = Closure::<dyn FnMut()>::new(move || {
            let current = me.conn.borrow().socket.clone();
            if current.as_ref().is_some_and(|s| s == &this_socket) {
                me.conn.borrow_mut().socket = None;
                me.schedule_reconnect();
            }
        });
        socket.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        onclose.forget();

        self.conn.borrow_mut().socket = Some(socket);
    }

    fn schedule_reconnect(&self) {
        let attempt = {
            let mut c = self.conn.borrow_mut();
            if c.closed {
                return;
            }
            c.set_status(LiveStatus::Reconnecting);
            c.attempt = c.attempt.saturating_add(1);
            c.attempt
        };
        // Exponential back-off capped at 30 s, with jitter so that a restarted server is not hit by every
        // tab at the same instant.
        let base = (250.0 * 2f64.powi(attempt.min(7) as i32)).min(30_000.0);
        let delay = base * (0.5 + js_sys::Math::random() * 0.5);
        let me = self.clone();
        set_timeout(move || me.open(), std::time::Duration::from_millis(delay as u64));
    }
}

/// An island follows `campaign_id` live from `head` (the sequence number its state is as of): `on_msg` gets each
/// message (events it does not have yet, presence, progress, `subscribed`); on a reset, `reload` loads the state
/// again and answers its head, and events continue from there (it is tried again every 2 s while it fails).
/// Returns the island's handle on the connection (to send presence) and the connection's state. Leaves the
/// connection when the island goes.
pub fn follow<M, F>(
    campaign_id: i64,
    head: i64,
    on_msg: impl Fn(M) + 'static,
    reload: impl Fn() -> F + 'static,
) -> (StoredValue<Option<Live<M>>, LocalStorage>, RwSignal<LiveStatus>)
where
    M: LiveMsg,
    F: Future<Output = Option<i64>> + 'static,
{
    let status = RwSignal::new(LiveStatus::Connecting);
    let handle = StoredValue::new_local(None::<Live<M>>);
    let reload: Reload = Rc::new(move || Box::pin(reload()));
    let on_msg = Rc::new(on_msg);
    // After hydration, once: the page's state is the one the server rendered.
    Effect::new(move |prev: Option<()>| {
        if prev.is_some() {
            return;
        }
        let (on_msg, reload) = (on_msg.clone(), reload.clone());
        let handler = move |msg: M| {
            if msg.is_reset() {
                again(handle, reload.clone());
            } else {
                on_msg(msg);
            }
        };
        handle.set_value(Some(Live::connect(campaign_id, head, status, handler)));
    });
    on_cleanup(move || {
        if let Some(live) = handle.try_get_value().flatten() {
            live.leave();
        }
    });
    (handle, status)
}

type Reload = Rc<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Option<i64>>>>>;

/// Reloads after a reset until it succeeds, then continues from the reloaded head.
fn again<M: LiveMsg>(handle: StoredValue<Option<Live<M>>, LocalStorage>, reload: Reload) {
    leptos::task::spawn_local(async move {
        match reload().await {
            Some(head) => {
                if let Some(live) = handle.try_get_value().flatten() {
                    live.restart_from(head);
                }
            }
            None => set_timeout(move || again(handle, reload), std::time::Duration::from_secs(2)),
        }
    });
}
