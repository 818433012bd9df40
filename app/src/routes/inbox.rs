//! "What needs me": a partner member's inbox on the home page, across every campaign their organization is a
//! partner of — charters to sign, reviews waiting (and overdue), escalations assigned to them, drafts received
//! from their creators, and their next actions due — each linking to where it is acted on.
//!
//! Live: the island subscribes to each of those campaigns on one WebSocket (the same `/ws` the campaign pages
//! use, one subscription per campaign) and reloads the inbox when any of them logs an event.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::ErrorNotice;
use crate::error::AppError;

/// One thing that needs the signed-in person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct InboxItem {
    /// `charter`, `review`, `escalation`, `draft` or `next_action`.
    pub kind: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub title: String,
    pub detail: String,
    /// Where it is acted on.
    pub href: String,
    /// What the link says.
    pub action: String,
    pub overdue: bool,
    /// For ordering: overdue first, then the soonest due (ms since the epoch; `i64::MAX` when undated).
    pub due_ms: i64,
    /// For a notification (a reply, a payout…): its id, to dismiss it.
    #[serde(default)]
    pub notification_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    /// (campaign id, its event head) of every campaign looked at: what the live connection follows.
    pub campaigns: Vec<(i64, i64)>,
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "inbox")]
pub async fn load_inbox() -> Result<Inbox, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    ssr::inbox(&state.db, &who).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::ssr::Principal;
    use crate::content::sla::tz;
    use crate::db::{from_ms, Db};
    use crate::error::Result;

    /// A round waiting for a decision: deliverable, round, submitted at, review due at (ms), reviewer, title,
    /// creator, the creator's owner organization and person (0: none).
    type PendingRow = (i64, i64, i64, i64, Option<i64>, String, String, i64, i64);

    /// Items of one campaign shown at most, per kind (the page links to the rest).
    const PER_KIND: i64 = 20;

    /// The inbox of `who`: only campaigns their organization is a partner of, only what is theirs to act on.
    pub async fn inbox(db: &Db, who: &Principal) -> Result<Inbox> {
        let org = who.member_org()?.clone();
        let me = who.me.user_id;
        let campaigns: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT c.id, c.name, c.time_zone FROM campaigns c JOIN campaign_partners p ON p.campaign_id = c.id \
             WHERE p.org_id = $1 ORDER BY c.id DESC LIMIT 100",
        )
        .bind(org.id)
        .fetch_all(&db.pool)
        .await?;
        let now = chrono::Utc::now();
        let now_ms = now.timestamp_millis();
        let mut items = Vec::new();
        let mut heads = Vec::new();
        for (cid, name, zone) in &campaigns {
            let (cid, zone) = (*cid, tz::of(zone));
            heads.push((cid, crate::realtime::log::head(&db.pool, cid).await?.unwrap_or(0)));
            let item = |kind: &str, title: String, detail: String, href: String, action: &str, due_ms: Option<i64>| {
                InboxItem {
                    kind: kind.into(),
                    campaign_id: cid,
                    campaign_name: name.clone(),
                    title,
                    detail,
                    href,
                    action: action.into(),
                    overdue: due_ms.is_some_and(|d| d < now_ms),
                    due_ms: due_ms.unwrap_or(i64::MAX),
                    notification_id: None,
                }
            };

            // The charter version up for sign-off, when this person signs for their organization and has not.
            let charter = crate::charter::ssr::get_charter(db, who, cid).await?;
            if let Some(v) = &charter.current {
                let signed = v.signatures.iter().any(|s| s.org.id == org.id);
                if !signed && charter.can_sign_for.contains(&org.id) {
                    items.push(item(
                        "charter",
                        format!("Sign charter version {} for {}", v.number, org.name),
                        format!("Proposed by {} on {}", v.proposed_by, tz::label(v.proposed_at, zone)),
                        format!("/campaigns/{cid}/charter"),
                        "Read and sign",
                        None,
                    ));
                }
            }

            // Reviews waiting: rounds without a decision whose reviewer is this person (or nobody named).
            // Drafts received: rounds without a decision from creators this person's organization owns, that
            // someone else reviews.
            let pending: Vec<PendingRow> = sqlx::query_as(
                "SELECT s.deliverable_id, s.round, s.submitted_at, s.review_due_at, s.reviewer_user_id, d.title, cr.name, \
                 cr.owner_org_id, COALESCE(cr.owner_user_id, 0) \
                 FROM submissions s JOIN deliverables d ON d.id = s.deliverable_id JOIN creators cr ON cr.id = d.creator_id \
                 WHERE s.campaign_id = $1 AND s.decision IS NULL ORDER BY s.review_due_at LIMIT 500",
            )
            .bind(cid)
            .fetch_all(&db.pool)
            .await?;
            let (mut reviews, mut drafts) = (0, 0);
            for (did, round, submitted, due, reviewer, title, creator, owner_org, owner_user) in pending {
                let href = format!("/campaigns/{cid}/content#deliverable-{did}");
                let due_label = tz::label(from_ms(due), zone);
                if reviewer.is_none_or(|r| r == me) {
                    reviews += 1;
                    if reviews > PER_KIND {
                        continue;
                    }
                    let late = due < now_ms;
                    items.push(item(
                        "review",
                        format!("Review {creator}'s \"{title}\" (v{round})"),
                        if late {
                            format!("Overdue: the review was due {due_label}")
                        } else {
                            format!("Review due {due_label}")
                        },
                        href,
                        "Review it",
                        Some(due),
                    ));
                } else if owner_org == org.id && (owner_user == 0 || owner_user == me) {
                    drafts += 1;
                    if drafts > PER_KIND {
                        continue;
                    }
                    items.push(item(
                        "draft",
                        format!("{creator} sent v{round} of \"{title}\""),
                        if due < now_ms {
                            format!(
                                "Received {}; its review is overdue since {due_label}",
                                tz::label(from_ms(submitted), zone)
                            )
                        } else {
                            format!("Received {}; in review until {due_label}", tz::label(from_ms(submitted), zone))
                        },
                        href,
                        "Open the draft",
                        None,
                    ));
                }
            }

            // Next actions of the creators this person owns, due within a week (or past due).
            let today = tz::local_date(now, zone);
            let horizon = crate::dates::iso_day(&(today + chrono::Duration::days(7)));
            let actions: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, name, next_action, next_action_due FROM creators WHERE campaign_id = $1 AND owner_user_id = $2 \
                 AND next_action IS NOT NULL AND next_action <> '' AND next_action_due IS NOT NULL AND next_action_due <= $3 \
                 ORDER BY next_action_due, id LIMIT $4",
            )
            .bind(cid)
            .bind(me)
            .bind(&horizon)
            .bind(PER_KIND)
            .fetch_all(&db.pool)
            .await?;
            for (_, creator, action, due) in actions {
                let Some(day) = crate::dates::parse_iso_day(&due) else { continue };
                let due_at = tz::end_of_day(day, zone).timestamp_millis();
                items.push(item(
                    "next_action",
                    format!("{action} — {creator}"),
                    format!(
                        "{} {}",
                        if due_at < now_ms { "Overdue since" } else { "Due" },
                        crate::dates::day_month(&day)
                    ),
                    format!("/campaigns/{cid}?q={}", urlencode(&creator)),
                    "Open the card",
                    Some(due_at),
                ));
            }
        }

        // Escalations assigned to this person.
        let ids: Vec<i64> = campaigns.iter().map(|c| c.0).collect();
        for e in crate::escalations::ssr::open_for_assignee(db, me, &ids).await? {
            let name = campaigns.iter().find(|c| c.0 == e.campaign_id).map(|c| c.1.clone()).unwrap_or_default();
            items.push(InboxItem {
                kind: "escalation".into(),
                campaign_id: e.campaign_id,
                campaign_name: name,
                title: e.title.clone(),
                detail: if e.status == "acknowledged" {
                    format!("Acknowledged. {}", e.detail)
                } else {
                    e.detail.clone()
                },
                href: e.href(),
                action: e.action().into(),
                overdue: true,
                due_ms: e.created_at.timestamp_millis(),
                notification_id: None,
            });
        }
        // Notifications of what the lists above do not derive themselves (replies, payouts, rights…), until dismissed.
        for n in crate::notify::ssr::unread(db, me, 50).await? {
            if crate::notify::Kind::parse(&n.kind).is_none_or(|k| k.derived_in_inbox()) {
                continue;
            }
            let Some(cid) = n.campaign_id.filter(|c| campaigns.iter().any(|x| x.0 == *c)) else { continue };
            let name = campaigns.iter().find(|c| c.0 == cid).map(|c| c.1.clone()).unwrap_or_default();
            items.push(InboxItem {
                kind: n.kind.clone(),
                campaign_id: cid,
                campaign_name: name,
                title: n.title,
                detail: n.body,
                href: n.href,
                action: "Open".into(),
                overdue: false,
                due_ms: i64::MAX - 1,
                notification_id: Some(n.id),
            });
        }
        items.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.due_ms.cmp(&b.due_ms)));
        Ok(Inbox { items, campaigns: heads })
    }

    fn urlencode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
}

/// The inbox, live.
#[component]
pub fn InboxPanel() -> impl IntoView {
    let data = crate::json_text::resource(|| (), |_| load_inbox());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading what needs you…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(inbox) => view! { <InboxList inbox/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "charter" => "Charter to sign",
        "review" => "Review",
        "escalation" => "Escalation",
        "draft" => "Draft received",
        "comment_reply" => "Reply",
        "payout_state" => "Payout",
        "rights_expiring" => "Rights expiring",
        "feedback" => "Feedback",
        _ => "Next action",
    }
}

#[component]
fn InboxList(inbox: Inbox) -> impl IntoView {
    let items = RwSignal::new(inbox.items);
    let live = RwSignal::new("connecting");
    let hydrated = RwSignal::new("no");
    Effect::new(move |_| hydrated.set("yes"));
    #[cfg(feature = "hydrate")]
    live_inbox::follow(inbox.campaigns, items, live);
    #[cfg(not(feature = "hydrate"))]
    let _ = inbox.campaigns;
    view! {
        <section class="panel inbox" aria-labelledby="inbox-title" data-testid="inbox" data-live=move || live.get() data-hydrated=move || hydrated.get()>
            <h1 id="inbox-title">"What needs you " <span class="count">{move || items.with(|i| i.len())}</span></h1>
            {move || items.with(|i| i.is_empty()).then(|| view! { <p class="muted">"Nothing waits for you. New reviews, signatures, escalations and due actions appear here as they happen."</p> })}
            <ul class="inbox-items">
                {move || items.get().into_iter().map(|i| view! {
                    <li class=format!("inbox-item {}", i.kind) class:overdue=i.overdue data-kind=i.kind.clone() data-testid="inbox-item">
                        <span class="inbox-kind">{kind_label(&i.kind)} {i.overdue.then_some(if i.kind == "escalation" { "" } else { " · overdue" })}</span>
                        <a class="inbox-title" href=i.href.clone()>{i.title.clone()}</a>
                        <span class="inbox-detail">{i.detail.clone()}</span>
                        <span class="inbox-campaign">{i.campaign_name.clone()}</span>
                        <a class="button small" href=i.href.clone() aria-label=format!("{}: {}", i.action, i.title)>{i.action.clone()}</a>
                        {i.notification_id.map(|id| view! {
                            <form method="post" action=format!("/notifications/{id}/read") class="inline">
                                <button type="submit" class="button small ghost" aria-label=format!("Dismiss: {}", i.title)>"Dismiss"</button>
                            </form>
                        })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// One WebSocket, one subscription per campaign of the inbox; any event reloads the inbox (one load at a time).
#[cfg(feature = "hydrate")]
mod live_inbox {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{MessageEvent, WebSocket};

    use super::{load_inbox, InboxItem};
    use crate::realtime::{ClientMsg, ServerMsg};

    pub fn follow(campaigns: Vec<(i64, i64)>, items: RwSignal<Vec<InboxItem>>, live: RwSignal<&'static str>) {
        if campaigns.is_empty() {
            live.set("live");
            return;
        }
        let heads = Rc::new(std::cell::RefCell::new(campaigns));
        let loading = Rc::new(Cell::new(false));
        let again = Rc::new(Cell::new(false));
        open(heads, items, live, loading, again, 0);
    }

    fn reload(items: RwSignal<Vec<InboxItem>>, loading: Rc<Cell<bool>>, again: Rc<Cell<bool>>) {
        if loading.replace(true) {
            again.set(true);
            return;
        }
        leptos::task::spawn_local(async move {
            loop {
                again.set(false);
                if let Ok(inbox) = load_inbox().await {
                    items.set(inbox.items);
                }
                if !again.get() {
                    break;
                }
            }
            loading.set(false);
        });
    }

    fn open(
        heads: Rc<std::cell::RefCell<Vec<(i64, i64)>>>,
        items: RwSignal<Vec<InboxItem>>,
        live: RwSignal<&'static str>,
        loading: Rc<Cell<bool>>,
        again: Rc<Cell<bool>>,
        attempt: u32,
    ) {
        let location = window().location();
        let scheme = if location.protocol().unwrap_or_default() == "https:" { "wss" } else { "ws" };
        let url = format!("{scheme}://{}/ws", location.host().unwrap_or_default());
        let retry = {
            let (heads, loading, again) = (heads.clone(), loading.clone(), again.clone());
            move || {
                live.set("reconnecting");
                let delay =
                    (500.0 * 2f64.powi(attempt.min(6) as i32)).min(30_000.0) * (0.5 + js_sys::Math::random() * 0.5);
                let (heads, loading, again) = (heads.clone(), loading.clone(), again.clone());
                set_timeout(
                    move || open(heads, items, live, loading, again, attempt + 1),
                    std::time::Duration::from_millis(delay as u64),
                );
            }
        };
        let Ok(socket) = WebSocket::new(&url) else {
            retry();
            return;
        };
        let onopen = {
            let (socket, heads) = (socket.clone(), heads.clone());
            let (loading, again) = (loading.clone(), again.clone());
            Closure::<dyn FnMut()>::new(move || {
                for (campaign_id, after) in heads.borrow().iter() {
                    let msg = ClientMsg::Subscribe { campaign_id: *campaign_id, after: *after };
                    let _ = socket.send_with_str(&serde_json::to_string(&msg).unwrap_or_default());
                }
                live.set("live");
                if attempt > 0 {
                    // Whatever happened while disconnected.
                    reload(items, loading.clone(), again.clone());
                }
            })
        };
        socket.set_onopen(Some(onopen.as_ref().unchecked_ref()));
        onopen.forget();
        let onmessage = {
            let heads = heads.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                let Some(text) = ev.data().as_string() else { return };
                let Ok(msg) = crate::json_text::from_text::<ServerMsg>(&text) else { return };
                match msg {
                    ServerMsg::Event { event } => {
                        if let Some(h) = heads.borrow_mut().iter_mut().find(|h| h.0 == event.campaign_id) {
                            h.1 = h.1.max(event.seq);
                        }
                        reload(items, loading.clone(), again.clone());
                    }
                    ServerMsg::Reset { .. } => reload(items, loading.clone(), again.clone()),
                    _ => {}
                }
            })
        };
        socket.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        let onclose = Closure::<dyn FnMut()>::new(retry);
        socket.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        onclose.forget();
    }
}
