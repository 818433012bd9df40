//! The open dashboard kept live, cheaply: each event patches what it changed instead of reloading the dashboard
//! (about 220 kB for a campaign with 200 days of figures). A CPM or an escalation is applied from the event
//! itself; figures, a tracked post, a deliverable, a lane or the charter's targets fetch the small part of the
//! dashboard that can have changed, with only the days and creators the event names (`metrics::live`). One load
//! at a time: events arriving meanwhile are gathered into the next.
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::performance::{get_dashboard, get_dashboard_patch};
use crate::metrics::live::{newest_post, PatchAsk, Reaction};
use crate::metrics::Dashboard;
use crate::realtime::client::{follow, LiveStatus};
use crate::realtime::{Change, ServerMsg};

/// What the events since the last load ask for.
#[derive(Default)]
struct Queue {
    /// A load is under way.
    busy: bool,
    /// A patch of these days and posts.
    ask: Option<PatchAsk>,
    /// The whole dashboard.
    whole: bool,
    /// Names may have changed (a card was edited): the next load is whole.
    stale: bool,
    /// Changes applied from their events while a load was under way: applied again over what it brings (it may
    /// have been computed before them).
    local: Vec<Change>,
}

/// The page's signals a live update touches.
#[derive(Clone, Copy)]
pub struct Page {
    pub campaign_id: i64,
    pub dash: RwSignal<Dashboard>,
    pub toast: RwSignal<Option<String>>,
    pub import_progress: RwSignal<Option<(u64, u64)>>,
    /// "live" once subscribed.
    pub live: RwSignal<&'static str>,
}

/// Follows the campaign from the dashboard's head (on the tab's one connection for it).
pub fn follow_dashboard(page: Page) {
    let queue = Rc::new(RefCell::new(Queue::default()));
    let on_msg = move |msg: ServerMsg| match msg {
        ServerMsg::Progress { .. } => {
            if let Some(p) = super::performance_import::import_progress(&msg) {
                page.import_progress.set(Some(p));
            }
        }
        ServerMsg::Subscribed { .. } => page.live.set("live"),
        ServerMsg::Event { event } => {
            if matches!(event.change, Change::MetricsIngested { .. } | Change::EscalationRaised { .. }) {
                page.toast.set(Some(event.describe()));
            }
            on_change(&queue, page, event.change);
        }
        _ => {}
    };
    let reload = move || async move {
        let d = get_dashboard(page.campaign_id).await.ok()?;
        let head = d.head;
        page.dash.set(d);
        Some(head)
    };
    let (_, status) = follow(page.campaign_id, page.dash.with_untracked(|d| d.head), on_msg, reload);
    Effect::new(move |_| {
        if status.get() != LiveStatus::Live {
            page.live.set("connecting");
        }
    });
}

fn on_change(queue: &Rc<RefCell<Queue>>, page: Page, change: Change) {
    match Reaction::of(&change) {
        Reaction::Patch { days, posts } => {
            want(queue, page, |q| q.ask.get_or_insert_with(PatchAsk::default).add(days, posts))
        }
        Reaction::Whole => want(queue, page, |q| q.whole = true),
        Reaction::Stale => queue.borrow_mut().stale = true,
        Reaction::Local => {
            page.dash.update(|d| d.apply_local(&change));
            let mut q = queue.borrow_mut();
            if q.busy {
                q.local.push(change);
            }
        }
        Reaction::Nothing => {}
    }
}

/// Notes what to load and starts loading unless a load is under way (it then loads this next).
fn want(queue: &Rc<RefCell<Queue>>, page: Page, note: impl FnOnce(&mut Queue)) {
    let start = {
        let mut q = queue.borrow_mut();
        note(&mut q);
        !std::mem::replace(&mut q.busy, true)
    };
    if start {
        spawn_local(load(queue.clone(), page));
    }
}

async fn load(queue: Rc<RefCell<Queue>>, page: Page) {
    loop {
        let (whole, ask) = {
            let mut q = queue.borrow_mut();
            if !q.whole && q.ask.is_none() {
                q.busy = false;
                q.local.clear();
                return;
            }
            let whole = q.whole || q.stale;
            (q.whole, q.stale) = (false, false);
            (whole, q.ask.take())
        };
        if whole {
            if let Ok(d) = get_dashboard(page.campaign_id).await {
                page.dash.set(d);
            }
        } else if let Some(mut ask) = ask {
            ask.posts_after = page.dash.with_untracked(newest_post);
            if let Ok(patch) = get_dashboard_patch(page.campaign_id, ask.clone()).await {
                let mut applied = true;
                page.dash.update(|d| applied = d.apply_patch(patch, &ask));
                if !applied {
                    queue.borrow_mut().whole = true;
                }
            }
        }
        let local = queue.borrow().local.clone();
        if !local.is_empty() {
            page.dash.update(|d| local.iter().for_each(|c| d.apply_local(c)));
        }
    }
}
