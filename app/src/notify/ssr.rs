//! Server side of notifications: recording them, mailing them as each person chose, the preferences, signed
//! unsubscribe links and the daily digest.
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::email::{Block, Letter};
use super::{Delivery, Kind, KindPref, Preferences};
use crate::content::sla::tz;
use crate::db::{now_ms, Db, WriteTx};
use crate::error::{AppError, ErrorCode, Result};
use crate::outbox::ssr::{enqueue, NewMail, BASE};

/// An event that concerns some people.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: Kind,
    pub campaign_id: Option<i64>,
    /// Everyone it concerns; the actor is left out.
    pub recipients: Vec<i64>,
    /// Who caused it (none: Chorus itself, e.g. a clock).
    pub actor: Option<i64>,
    /// One line: the mail's subject and the inbox item's title.
    pub title: String,
    /// What happened, in a few sentences.
    pub body: String,
    /// Where the person acts (a path on this site).
    pub href: String,
    /// What the button says ("Review it").
    pub action: String,
    /// The same event is notified once per person (e.g. `escalation:12`).
    pub dedupe_key: String,
}

#[derive(sqlx::FromRow)]
struct Person {
    name: String,
    email: String,
    role: String,
}

#[derive(sqlx::FromRow, Default)]
struct Settings {
    time_zone: String,
    quiet_start: Option<i64>,
    quiet_end: Option<i64>,
}

/// Records the notice for each person it concerns (not the actor), in the event's transaction, and queues a mail
/// for those who want this kind at once (held until their quiet hours end). Returns how many were notified.
/// This is the one function the rest of Chorus calls.
pub async fn notify(w: &mut WriteTx, n: &Notice) -> Result<usize> {
    let mut recipients = n.recipients.clone();
    recipients.sort_unstable();
    recipients.dedup();
    let campaign: Option<String> = match n.campaign_id {
        Some(id) => {
            sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1").bind(id).fetch_optional(w.conn()).await?
        }
        None => None,
    };
    let mut count = 0;
    for user in recipients {
        if Some(user) == n.actor {
            continue;
        }
        let Some(p): Option<Person> = sqlx::query_as("SELECT name, email, role FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(w.conn())
            .await?
        else {
            continue;
        };
        let creator = p.role == "creator";
        if creator && !n.kind.for_creators() {
            continue;
        }
        let delivery = delivery_of(w.conn(), user, n.kind, creator).await?;
        let inserted = sqlx::query(
            "INSERT INTO notifications (user_id, campaign_id, kind, title, body, href, actor_id, dedupe_key, created_at, delivery) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (user_id, dedupe_key) DO NOTHING",
        )
        .bind(user)
        .bind(n.campaign_id)
        .bind(n.kind.as_str())
        .bind(&n.title)
        .bind(&n.body)
        .bind(&n.href)
        .bind(n.actor)
        .bind(&n.dedupe_key)
        .bind(now_ms())
        .bind(delivery.as_str())
        .execute(w.conn())
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        count += 1;
        if delivery != Delivery::Immediately {
            continue;
        }
        let settings = settings_of(w.conn(), user).await?;
        let not_before = quiet_until(&settings, crate::db::now()).map_or(0, |t| t.timestamp_millis());
        let unsubscribe = format!("{BASE}/unsubscribe/{}", unsubscribe_token(w.conn(), user, n.kind).await?);
        let subject = match &campaign {
            Some(c) => format!("[{c}] {}", n.title),
            None => n.title.clone(),
        };
        let letter = Letter {
            greeting: format!("Hello {},", p.name),
            blocks: vec![Block::Para(n.title.clone()), Block::Para(n.body.clone())],
            action: Some((n.action.clone(), format!("{BASE}{}", n.href))),
            footer: format!(
                "You get this mail at once because of your settings for \"{}\"; change them at {BASE}/settings/notifications.",
                n.kind.label()
            ),
            unsubscribe: Some(unsubscribe.clone()),
        };
        enqueue(
            w,
            NewMail {
                campaign_id: n.campaign_id,
                to_email: p.email,
                to_name: p.name,
                subject,
                text: letter.text(),
                html: Some(letter.html()),
                unsubscribe: Some(unsubscribe),
                user_id: Some(user),
                kind: Some(n.kind.as_str().into()),
                not_before,
            },
        )
        .await?;
    }
    Ok(count)
}

async fn delivery_of(conn: &mut sqlx::AnyConnection, user: i64, kind: Kind, creator: bool) -> Result<Delivery> {
    let chosen: Option<String> =
        sqlx::query_scalar("SELECT delivery FROM notification_prefs WHERE user_id = $1 AND kind = $2")
            .bind(user)
            .bind(kind.as_str())
            .fetch_optional(conn)
            .await?;
    Ok(chosen.as_deref().and_then(Delivery::parse).unwrap_or_else(|| kind.default_delivery(creator)))
}

async fn settings_of(conn: &mut sqlx::AnyConnection, user: i64) -> Result<Settings> {
    Ok(sqlx::query_as("SELECT time_zone, quiet_start, quiet_end FROM notification_settings WHERE user_id = $1")
        .bind(user)
        .fetch_optional(conn)
        .await?
        .unwrap_or(Settings { time_zone: "UTC".into(), ..Settings::default() }))
}

/// When `now` falls in the person's quiet hours: when they end.
fn quiet_until(s: &Settings, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
    let (Some(start), Some(end)) = (s.quiet_start, s.quiet_end) else { return None };
    if start == end {
        return None;
    }
    let zone = tz::of(&s.time_zone);
    use chrono::Timelike;
    let local = now.with_timezone(&zone);
    let hour = local.hour() as i64;
    let quiet = if start < end { hour >= start && hour < end } else { hour >= start || hour < end };
    if !quiet {
        return None;
    }
    // The next local `end:00`.
    let mut day = local.date_naive();
    if hour >= end {
        day = day.succ_opt()?;
    }
    let t = day.and_hms_opt(end as u32, 0, 0)?;
    use chrono::TimeZone;
    zone.from_local_datetime(&t).earliest().map(|d| d.with_timezone(&chrono::Utc)).or(Some(now))
}

/// The key signing unsubscribe links, shared by every process (made by the first that needs it).
async fn secret(conn: &mut sqlx::AnyConnection) -> Result<String> {
    let found: Option<String> = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'unsubscribe'")
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(s) = found {
        return Ok(s);
    }
    sqlx::query("INSERT INTO server_secrets (name, value) VALUES ('unsubscribe', $1) ON CONFLICT (name) DO NOTHING")
        .bind(crate::accounts::ssr::random_token(32))
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'unsubscribe'").fetch_one(conn).await?)
}

fn sign(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// `{user}.{kind}.{signature}`: stops one kind of mail for one person, without signing in.
pub async fn unsubscribe_token(conn: &mut sqlx::AnyConnection, user: i64, kind: Kind) -> Result<String> {
    let message = format!("{user}.{}", kind.as_str());
    Ok(format!("{message}.{}", sign(&secret(conn).await?, &message)))
}

/// Checks a link's signature: the person and the kind it stops.
pub async fn check_unsubscribe(db: &Db, token: &str) -> Result<(i64, Kind, String)> {
    let invalid = || AppError::new(ErrorCode::NotFound, "This unsubscribe link is not valid");
    let mut parts = token.splitn(3, '.');
    let (Some(user), Some(kind), Some(sig)) = (parts.next(), parts.next(), parts.next()) else { return Err(invalid()) };
    let (Ok(user), Some(kind)) = (user.parse::<i64>(), Kind::parse(kind)) else { return Err(invalid()) };
    let mut conn = db.pool.acquire().await?;
    let key: Option<String> = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'unsubscribe'")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(key) = key else { return Err(invalid()) };
    let expected = sign(&key, &format!("{user}.{}", kind.as_str()));
    if !subtle_eq::eq(expected.as_bytes(), sig.as_bytes()) {
        return Err(invalid());
    }
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(user).fetch_optional(&mut *conn).await?;
    Ok((user, kind, name.ok_or_else(invalid)?))
}

mod subtle_eq {
    /// Compares without stopping at the first difference.
    pub fn eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Stops one kind of mail (the unsubscribe link's POST): the kind is set to "off".
pub async fn unsubscribe(db: &Db, token: &str) -> Result<Kind> {
    let (user, kind, _) = check_unsubscribe(db, token).await?;
    set_delivery(db, user, kind, Delivery::Off).await?;
    Ok(kind)
}

async fn set_delivery(db: &Db, user: i64, kind: Kind, d: Delivery) -> Result<()> {
    db.execute(
        sqlx::query(
            "INSERT INTO notification_prefs (user_id, kind, delivery) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(d.as_str()),
    )
    .await?;
    Ok(())
}

/// Time zone, quiet start and end, digest hour, version.
type SettingsRow = (String, Option<i64>, Option<i64>, i64, i64);

/// A person's preferences (defaults where they have not chosen).
pub async fn preferences(db: &Db, user: i64, creator: bool, mail_configured: bool) -> Result<Preferences> {
    let chosen: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, delivery FROM notification_prefs WHERE user_id = $1")
            .bind(user)
            .fetch_all(&db.pool)
            .await?;
    let kinds = Kind::ALL
        .into_iter()
        .filter(|k| !creator || k.for_creators())
        .map(|kind| KindPref {
            kind,
            delivery: chosen
                .iter()
                .find(|(k, _)| k == kind.as_str())
                .and_then(|(_, d)| Delivery::parse(d))
                .unwrap_or_else(|| kind.default_delivery(creator)),
        })
        .collect();
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT time_zone, quiet_start, quiet_end, digest_hour, version FROM notification_settings WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(&db.pool)
    .await?;
    let (time_zone, quiet_start, quiet_end, digest_hour, version) = row.unwrap_or(("UTC".into(), None, None, 8, 0));
    Ok(Preferences { kinds, time_zone, quiet_start, quiet_end, digest_hour, version, mail_configured })
}

/// What the preferences form sends.
#[derive(Debug, Clone, Default)]
pub struct SavePreferences {
    pub version: i64,
    pub kinds: Vec<(String, String)>,
    pub time_zone: String,
    pub quiet_start: Option<i64>,
    pub quiet_end: Option<i64>,
    pub digest_hour: i64,
}

/// Saves a person's preferences; a save from a stale page (another tab saved in between) is refused with 409.
pub async fn save_preferences(db: &Db, user: i64, creator: bool, input: &SavePreferences) -> Result<()> {
    let zone = input.time_zone.trim();
    crate::limits::check_len("time_zone", zone, 64)?;
    tz::parse(zone)?;
    for (field, h) in
        [("quiet_start", input.quiet_start), ("quiet_end", input.quiet_end), ("digest_hour", Some(input.digest_hour))]
    {
        if let Some(h) = h {
            if !(0..=23).contains(&h) {
                return Err(AppError::validation(field, "An hour is 0 to 23"));
            }
        }
    }
    if input.quiet_start.is_some() != input.quiet_end.is_some() {
        return Err(AppError::validation("quiet_end", "Give both the start and the end of quiet hours, or neither"));
    }
    let mut kinds = Vec::new();
    for (k, d) in &input.kinds {
        let kind = Kind::parse(k)
            .ok_or_else(|| AppError::validation("kind", format!("\"{k}\" is not a kind of notification")))?;
        let delivery = Delivery::parse(d)
            .ok_or_else(|| AppError::validation(kind.as_str(), "Choose immediately, daily digest or off"))?;
        if creator && !kind.for_creators() {
            continue;
        }
        kinds.push((kind, delivery));
    }
    let mut w = db.write().await?;
    sqlx::query("INSERT INTO notification_settings (user_id, version) VALUES ($1, 0) ON CONFLICT (user_id) DO NOTHING")
        .bind(user)
        .execute(w.conn())
        .await?;
    let updated = sqlx::query(
        "UPDATE notification_settings SET time_zone = $1, quiet_start = $2, quiet_end = $3, digest_hour = $4, \
         version = version + 1 WHERE user_id = $5 AND version = $6",
    )
    .bind(zone)
    .bind(input.quiet_start)
    .bind(input.quiet_end)
    .bind(input.digest_hour)
    .bind(user)
    .bind(input.version)
    .execute(w.conn())
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Your notification settings were changed elsewhere in the meantime; here they are as saved now",
        ));
    }
    for (kind, delivery) in kinds {
        sqlx::query(
            "INSERT INTO notification_prefs (user_id, kind, delivery) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery",
        )
        .bind(user)
        .bind(kind.as_str())
        .bind(delivery.as_str())
        .execute(w.conn())
        .await?;
    }
    w.commit().await?;
    Ok(())
}

/// An unread notification, for the inbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unread {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub href: String,
    pub created_at: i64,
}

/// A person's unread notifications, newest first.
pub async fn unread(db: &Db, user: i64, limit: i64) -> Result<Vec<Unread>> {
    Ok(sqlx::query_as(
        "SELECT id, campaign_id, kind, title, body, href, created_at FROM notifications \
         WHERE user_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Marks one (or, with `None`, every) notification of the person read.
pub async fn mark_read(db: &Db, user: i64, id: Option<i64>) -> Result<u64> {
    let q = match id {
        Some(id) => {
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL")
                .bind(now_ms())
                .bind(user)
                .bind(id)
        }
        None => sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now_ms())
            .bind(user),
    };
    db.execute(q).await
}

/// The daily digests due at `now`: for each person whose local digest hour has come and who has not had today's,
/// one mail with what happened in their campaigns (notifications kept for the digest) and what waits for them (the
/// inbox). The day is claimed in the same transaction as the mail is queued, so each person gets one digest a day
/// however many processes run this. Returns how many digests were queued.
pub async fn run_digests(db: &Db, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    // People with something for a digest: notifications kept for it, or (members) a settings row.
    let people: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT user_id FROM notifications WHERE delivery = 'digest' AND digested_at IS NULL \
         UNION SELECT user_id FROM notification_settings",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut sent = 0;
    for user in people {
        match digest_for(db, user, now).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(user, error = %e, "digest failed"),
        }
    }
    Ok(sent)
}

async fn digest_for(db: &Db, user: i64, now: chrono::DateTime<chrono::Utc>) -> Result<bool> {
    let row: Option<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT time_zone, digest_hour, digest_day FROM notification_settings WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&db.pool)
            .await?;
    let (zone, hour, last) = row.unwrap_or(("UTC".into(), 8, None));
    let zone = tz::of(&zone);
    use chrono::Timelike;
    let local = now.with_timezone(&zone);
    let today = crate::dates::iso_day(&local.date_naive());
    if (local.hour() as i64) < hour || last.as_deref().is_some_and(|d| d >= today.as_str()) {
        return Ok(false);
    }
    let Some(me) = crate::accounts::ssr::me_by_id(db, user).await? else { return Ok(false) };
    // What waits for a partner member: their inbox (read before the write transaction).
    let waiting = if me.role == crate::accounts::Role::Member && me.org.is_some() {
        let who = crate::accounts::ssr::Principal { me: me.clone(), via_token: None };
        crate::routes::inbox::ssr::inbox(db, &who).await?.items
    } else {
        Vec::new()
    };
    let mut w = db.write().await?;
    sqlx::query("INSERT INTO notification_settings (user_id, version) VALUES ($1, 0) ON CONFLICT (user_id) DO NOTHING")
        .bind(user)
        .execute(w.conn())
        .await?;
    let claimed = sqlx::query(
        "UPDATE notification_settings SET digest_day = $1 WHERE user_id = $2 AND (digest_day IS NULL OR digest_day < $1)",
    )
    .bind(&today)
    .bind(user)
    .execute(w.conn())
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        title: String,
        body: String,
        href: String,
        campaign: Option<String>,
    }
    let happened: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.title, n.body, n.href, c.name AS campaign FROM notifications n LEFT JOIN campaigns c ON c.id = n.campaign_id \
         WHERE n.user_id = $1 AND n.delivery = 'digest' AND n.digested_at IS NULL ORDER BY n.created_at, n.id LIMIT 200",
    )
    .bind(user)
    .fetch_all(w.conn())
    .await?;
    if happened.is_empty() && waiting.is_empty() {
        w.commit().await?;
        return Ok(false);
    }
    for r in &happened {
        sqlx::query("UPDATE notifications SET digested_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(r.id)
            .execute(w.conn())
            .await?;
    }
    let mut blocks = Vec::new();
    if !happened.is_empty() {
        blocks.push(Block::Heading("What happened in your campaigns".into()));
        blocks.push(Block::Items(
            happened
                .iter()
                .map(|r| {
                    let title = match &r.campaign {
                        Some(c) => format!("{c}: {}", r.title),
                        None => r.title.clone(),
                    };
                    (title, r.body.clone(), format!("{BASE}{}", r.href))
                })
                .collect(),
        ));
    }
    if !waiting.is_empty() {
        blocks.push(Block::Heading("What waits for you".into()));
        blocks.push(Block::Items(
            waiting
                .iter()
                .take(30)
                .map(|i| (format!("{}: {}", i.campaign_name, i.title), i.detail.clone(), format!("{BASE}{}", i.href)))
                .collect(),
        ));
    }
    let letter = Letter {
        greeting: format!("Hello {},", me.name),
        blocks,
        action: Some(("Open Chorus".into(), format!("{BASE}/"))),
        footer: format!("Your daily digest, at {hour}:00 your time; change it at {BASE}/settings/notifications."),
        unsubscribe: None,
    };
    let date = crate::dates::day_month(&local.date_naive());
    enqueue(
        &mut w,
        NewMail {
            to_email: me.email.clone(),
            to_name: me.name.clone(),
            subject: format!("Your Chorus digest for {date}: {} new, {} waiting", happened.len(), waiting.len()),
            text: letter.text(),
            html: Some(letter.html()),
            user_id: Some(user),
            kind: Some("digest".into()),
            ..NewMail::default()
        },
    )
    .await?;
    w.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_hold_mail_until_they_end_in_the_persons_zone() {
        let s = Settings { time_zone: "Europe/Berlin".into(), quiet_start: Some(22), quiet_end: Some(7) };
        // 23:30 in Berlin (winter, UTC+1) is quiet until 07:00 Berlin = 06:00 UTC next day.
        let now: chrono::DateTime<chrono::Utc> = "2026-12-05T22:30:00Z".parse().unwrap();
        assert_eq!(quiet_until(&s, now).unwrap().to_rfc3339(), "2026-12-06T06:00:00+00:00");
        // 05:00 Berlin: quiet until 07:00 the same day.
        let early: chrono::DateTime<chrono::Utc> = "2026-12-06T04:00:00Z".parse().unwrap();
        assert_eq!(quiet_until(&s, early).unwrap().to_rfc3339(), "2026-12-06T06:00:00+00:00");
        // Noon: not quiet.
        assert!(quiet_until(&s, "2026-12-06T11:00:00Z".parse().unwrap()).is_none());
    }

    #[test]
    fn creators_get_few_messages_by_default() {
        let at_once: Vec<Kind> =
            Kind::ALL.into_iter().filter(|k| k.default_delivery(true) == Delivery::Immediately).collect();
        assert_eq!(at_once, [Kind::Feedback, Kind::PayoutState]);
    }
}
