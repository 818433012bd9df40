//! The browser side of live updates: one WebSocket per tab that resumes from the last event it saw and
//! reconnects with exponential back-off and jitter.
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

use super::{ClientMsg, PortalMsg, ServerMsg};

/// What a page reads off the socket: the whole `ServerMsg`, or a smaller enum of the messages it can receive (the
/// creator portal's `PortalMsg`), so that a page's code includes only the decoders it needs.
pub trait LiveMsg: crate::json_text::FromJson + 'static {
    /// The event's sequence number, for a message that carries a logged event.
    fn event_seq(&self) -> Option<i64>;
}

impl LiveMsg for ServerMsg {
    fn event_seq(&self) -> Option<i64> {
        match self {
            ServerMsg::Event { event } => Some(event.seq),
            _ => None,
        }
    }
}

impl LiveMsg for PortalMsg {
    fn event_seq(&self) -> Option<i64> {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    Reconnecting,
}

struct State<M> {
    campaign_id: i64,
    last: i64,
    attempt: u32,
    socket: Option<WebSocket>,
    on_msg: Rc<dyn Fn(M)>,
    status: RwSignal<LiveStatus>,
}

/// A handle on the tab's live connection for one campaign.
pub struct Live<M = ServerMsg>(Rc<RefCell<State<M>>>);

impl<M> Clone for Live<M> {
    fn clone(&self) -> Self {
        Live(self.0.clone())
    }
}

impl<M: LiveMsg> Live<M> {
    /// Connects and subscribes to `campaign_id`, continuing after sequence number `after`.
    pub fn connect(
        campaign_id: i64,
        after: i64,
        status: RwSignal<LiveStatus>,
        on_msg: impl Fn(M) + 'static,
    ) -> Live<M> {
        let live = Live(Rc::new(RefCell::new(State {
            campaign_id,
            last: after,
            attempt: 0,
            socket: None,
            on_msg: Rc::new(on_msg),
            status,
        })));
        live.open();
        live
    }

    /// Sends a message on the open socket (dropped while reconnecting: presence repeats anyway).
    pub fn send(&self, msg: &ClientMsg) {
        if let Some(socket) = self.0.borrow().socket.as_ref() {
            if socket.ready_state() == WebSocket::OPEN {
                let _ = socket.send_with_str(&serde_json::to_string(msg).unwrap_or_default());
            }
        }
    }

    /// After reloading the state (on a reset): continue from its head.
    pub fn restart_from(&self, head: i64) {
        self.0.borrow_mut().last = head;
        let socket = self.0.borrow_mut().socket.take();
        if let Some(s) = socket {
            let _ = s.close();
        }
    }

    fn open(&self) {
        let location = window().location();
        let scheme = if location.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
        let Ok(socket) = WebSocket::new(&url) else {
            self.schedule_reconnect();
            return;
        };

        let me = self.clone();
        let onopen = Closure::<dyn FnMut()>::new(move || {
            let (campaign_id, after, socket) = {
                let mut s = me.0.borrow_mut();
                s.attempt = 0;
                s.status.set(LiveStatus::Live);
                (s.campaign_id, s.last, s.socket.clone())
            };
            if let Some(socket) = socket {
                let msg = serde_json::to_string(&ClientMsg::Subscribe { campaign_id, after }).unwrap_or_default();
                let _ = socket.send_with_str(&msg);
            }
        });
        socket.set_onopen(Some(onopen.as_ref().unchecked_ref()));
        onopen.forget();

        let me = self.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else { return };
            let Ok(msg) = crate::json_text::from_text::<M>(&text) else { return };
            if let Some(seq) = msg.event_seq() {
                let mut s = me.0.borrow_mut();
                if seq <= s.last {
                    return; // already applied
                }
                s.last = seq;
            }
            let handler = me.0.borrow().on_msg.clone();
            handler(msg);
        });
        socket.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();

        let me = self.clone();
        let this_socket = socket.clone();
        let onclose = Closure::<dyn FnMut()>::new(move || {
            let current = me.0.borrow().socket.clone();
            // Only the socket in use reconnects; one replaced by restart_from does so immediately below.
            if current.as_ref().is_some_and(|s| s == &this_socket) || current.is_none() {
                me.0.borrow_mut().socket = None;
                me.schedule_reconnect();
            }
        });
        socket.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        onclose.forget();

        self.0.borrow_mut().socket = Some(socket);
    }

    fn schedule_reconnect(&self) {
        let attempt = {
            let mut s = self.0.borrow_mut();
            s.status.set(LiveStatus::Reconnecting);
            s.attempt = s.attempt.saturating_add(1);
            s.attempt
        };
        // Exponential back-off capped at 30 s, with jitter so that a restarted server is not hit by every
        // tab at the same instant.
        let base = (250.0 * 2f64.powi(attempt.min(7) as i32)).min(30_000.0);
        let delay = base * (0.5 + js_sys::Math::random() * 0.5);
        let me = self.clone();
        set_timeout(move || me.open(), std::time::Duration::from_millis(delay as u64));
    }
}
