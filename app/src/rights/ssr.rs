//! Server side of usage rights: terms (versioned, accepted by the creator), the ledger approved assets enter, ad
//! codes, logged uses, the CSV export and the expiry escalations.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::*;
use crate::accounts::ssr::Principal;
use crate::accounts::Role;
use crate::campaigns::ssr::{authorize, partners};
use crate::content::sla::tz;
use crate::content::ssr::{campaign_zone, creators_deliverable};
use crate::content::Status;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::escalations::ssr::raise;
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};
use crate::vocab::Lane;

/// The longest term in days: ten years.
pub const MAX_TERM_DAYS: i64 = 3_650;
/// The longest warning period in days.
pub const MAX_WARNING_DAYS: i64 = 90;

/// The deliverable's title, creator (id, name) and lane and status, if it is one of the campaign's.
struct Asset {
    title: String,
    creator_id: i64,
    creator_name: String,
    lane: Lane,
    status: Status,
}

async fn asset(conn: &mut sqlx::AnyConnection, campaign_id: i64, deliverable_id: i64) -> Result<Asset> {
    let r = sqlx::query(
        "SELECT d.title, d.creator_id, cr.name AS creator_name, d.lane, d.status FROM deliverables d \
         JOIN creators cr ON cr.id = d.creator_id WHERE d.id = $1 AND d.campaign_id = $2",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::not_found("Deliverable"))?;
    Ok(Asset {
        title: r.get("title"),
        creator_id: r.get("creator_id"),
        creator_name: r.get("creator_name"),
        lane: Lane::parse(&r.get::<String, _>("lane")).unwrap_or(Lane::Influencer),
        status: Status::parse(&r.get::<String, _>("status")).unwrap_or(Status::AwaitingDraft),
    })
}

const TERMS_COLUMNS: &str =
    "t.deliverable_id, t.campaign_id, t.usages, t.platforms, t.territories, t.term_days, t.starts_on, \
     t.ends_on, t.exclusivity, t.partner_ids, t.version, u.name AS updated_by, t.updated_at, t.accepted_version, \
     a.name AS accepted_by, t.accepted_at FROM rights_terms t LEFT JOIN users u ON u.id = t.updated_by \
     LEFT JOIN users a ON a.id = t.accepted_by";

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

fn terms_from_row(r: &sqlx::any::AnyRow, orgs: &HashMap<i64, String>, time_zone: &str) -> Terms {
    let version: i64 = r.get("version");
    let accepted_version: Option<i64> = r.get("accepted_version");
    let partner_ids: Vec<i64> = serde_json::from_str(&r.get::<String, _>("partner_ids")).unwrap_or_default();
    Terms {
        deliverable_id: r.get("deliverable_id"),
        campaign_id: r.get("campaign_id"),
        usages: serde_json::from_str(&r.get::<String, _>("usages")).unwrap_or_default(),
        platforms: serde_json::from_str(&r.get::<String, _>("platforms")).unwrap_or_default(),
        territories: serde_json::from_str(&r.get::<String, _>("territories")).unwrap_or_default(),
        term_days: r.get("term_days"),
        starts_on: date(r.get("starts_on")),
        ends_on: date(r.get("ends_on")),
        exclusivity: r.get("exclusivity"),
        partners: partner_ids
            .into_iter()
            .map(|id| AllowedPartner { id, name: orgs.get(&id).cloned().unwrap_or_else(|| "a former partner".into()) })
            .collect(),
        version,
        updated_by: r.get("updated_by"),
        updated_at: Some(from_ms(r.get("updated_at"))),
        accepted: match (accepted_version, r.get::<Option<i64>, _>("accepted_at")) {
            (Some(v), Some(at)) if v == version => Some(Acceptance {
                version: v,
                by: r.get::<Option<String>, _>("accepted_by").unwrap_or_default(),
                at: from_ms(at),
            }),
            _ => None,
        },
        time_zone: time_zone.to_string(),
    }
}

async fn org_names(db: &Db, campaign_id: i64) -> Result<HashMap<i64, String>> {
    Ok(partners(db, campaign_id).await?.into_iter().map(|o| (o.id, o.name)).collect())
}

/// The terms of one deliverable as stored (version 0, empty, when none were proposed).
pub async fn terms_of(db: &Db, campaign_id: i64, deliverable_id: i64) -> Result<Terms> {
    let mut conn = db.pool.acquire().await?;
    let (_, zone) = campaign_zone(&mut conn, campaign_id).await?;
    asset(&mut conn, campaign_id, deliverable_id).await?;
    let row = sqlx::query(&format!("SELECT {TERMS_COLUMNS} WHERE t.deliverable_id = $1 AND t.campaign_id = $2"))
        .bind(deliverable_id)
        .bind(campaign_id)
        .fetch_optional(&mut *conn)
        .await?;
    drop(conn);
    let orgs = org_names(db, campaign_id).await?;
    Ok(match row {
        Some(r) => terms_from_row(&r, &orgs, &zone),
        None => Terms {
            deliverable_id,
            campaign_id,
            usages: Vec::new(),
            platforms: Vec::new(),
            territories: Vec::new(),
            term_days: None,
            starts_on: None,
            ends_on: None,
            exclusivity: String::new(),
            partners: Vec::new(),
            version: 0,
            updated_by: None,
            updated_at: None,
            accepted: None,
            time_zone: zone,
        },
    })
}

/// A partner member, or the creator the deliverable is addressed to, reads its terms.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_terms(db: &Db, who: &Principal, campaign_id: i64, deliverable_id: i64) -> Result<Terms> {
    match who.me.role {
        Role::Creator => {
            creators_deliverable(db, who, campaign_id, deliverable_id).await?;
        }
        Role::Member => {
            authorize(db, who, campaign_id).await?;
        }
    }
    terms_of(db, campaign_id, deliverable_id).await
}

fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    check_len(field, s, limits::SHORT)?;
    s.parse::<NaiveDate>().map_err(|_| AppError::validation(field, format!("\"{s}\" is not a date; use YYYY-MM-DD")))
}

fn opt_date(field: &str, s: Option<&str>) -> Result<Option<NaiveDate>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(field, s).map(Some),
    }
}

/// Trimmed, non-empty, unique entries within the limits.
fn clean_list(field: &str, items: &[String]) -> Result<Vec<String>> {
    if items.len() > limits::LIST_ITEMS {
        return Err(AppError::validation(field, format!("At most {} entries", limits::LIST_ITEMS)));
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let t = item.trim();
        check_len(field, t, limits::NAME)?;
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// Partners propose or change a deliverable's terms; refused with 409 and the terms as they are when someone
/// changed them meanwhile. Any change clears the creator's acceptance: she accepts the new version again.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn save_terms(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &SaveTerms,
) -> Result<Terms> {
    authorize(db, who, campaign_id).await?;
    let mut usages: Vec<Usage> = Vec::new();
    for u in &input.usages {
        if !usages.contains(u) {
            usages.push(*u);
        }
    }
    if usages.is_empty() {
        return Err(AppError::validation(
            "usages",
            "Name at least one usage: organic, paid_amplification or whitelisting",
        ));
    }
    let platforms = clean_list("platforms", &input.platforms)?;
    let territories = clean_list("territories", &input.territories)?;
    check_len("exclusivity", &input.exclusivity, limits::NOTE)?;
    let starts_on = opt_date("starts_on", input.starts_on.as_deref())?;
    let ends_on = opt_date("ends_on", input.ends_on.as_deref())?;
    match (input.term_days, starts_on, ends_on) {
        (Some(d), None, None) => {
            if !(1..=MAX_TERM_DAYS).contains(&d) {
                return Err(AppError::validation(
                    "term_days",
                    format!("The term is 1 to {} days from first publication", limits_group(MAX_TERM_DAYS)),
                ));
            }
        }
        (Some(_), _, _) => {
            return Err(AppError::validation("term_days", "Give either a term in days or fixed dates, not both"));
        }
        (None, Some(s), Some(e)) => {
            if e < s {
                return Err(AppError::validation("ends_on", "The rights end before they start"));
            }
            if (e - s).num_days() >= MAX_TERM_DAYS {
                return Err(AppError::validation("ends_on", "Fixed dates span at most ten years"));
            }
        }
        (None, None, Some(_)) => return Err(AppError::validation("starts_on", "Give the day the rights start")),
        (None, Some(_), None) => return Err(AppError::validation("ends_on", "Give the day the rights end")),
        (None, None, None) => {
            return Err(AppError::validation(
                "term_days",
                "Give the term: days from first publication, or fixed dates (starts_on and ends_on)",
            ))
        }
    }
    let orgs = org_names(db, campaign_id).await?;
    if input.partner_ids.len() > limits::LIST_ITEMS {
        return Err(AppError::validation("partner_ids", format!("At most {} partners", limits::LIST_ITEMS)));
    }
    let mut partner_ids: Vec<i64> = Vec::new();
    for id in &input.partner_ids {
        if !orgs.contains_key(id) {
            return Err(AppError::validation(
                "partner_ids",
                format!("Organization {id} is not a partner of this campaign"),
            ));
        }
        if !partner_ids.contains(id) {
            partner_ids.push(*id);
        }
    }
    if partner_ids.is_empty() {
        return Err(AppError::validation("partner_ids", "Name at least one partner that may use the asset"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let a = asset(w.conn(), campaign_id, deliverable_id).await?;
    let current: Option<i64> = sqlx::query_scalar("SELECT version FROM rights_terms WHERE deliverable_id = $1")
        .bind(deliverable_id)
        .fetch_optional(w.conn())
        .await?;
    if current.unwrap_or(0) != input.version {
        drop(w);
        let now = terms_of(db, campaign_id, deliverable_id).await?;
        return Err(AppError::conflict(
            format!(
                "The terms of \"{}\" were changed by someone else meanwhile (now version {}); your change was not saved",
                a.title, now.version
            ),
            serde_json::to_value(&now).ok(),
        ));
    }
    let now = now_ms();
    let q = match current {
        Some(_) => {
            "UPDATE rights_terms SET usages = $1, platforms = $2, territories = $3, term_days = $4, starts_on = $5, ends_on = $6, \
             exclusivity = $7, partner_ids = $8, version = version + 1, updated_by = $9, updated_at = $10, \
             accepted_version = NULL, accepted_by = NULL, accepted_at = NULL WHERE deliverable_id = $11 AND campaign_id = $12"
        }
        None => {
            "INSERT INTO rights_terms (usages, platforms, territories, term_days, starts_on, ends_on, exclusivity, partner_ids, \
             version, updated_by, updated_at, deliverable_id, campaign_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $12)"
        }
    };
    sqlx::query(q)
        .bind(json(&usages))
        .bind(json(&platforms))
        .bind(json(&territories))
        .bind(input.term_days)
        .bind(starts_on.map(|d| d.to_string()))
        .bind(ends_on.map(|d| d.to_string()))
        .bind(input.exclusivity.trim())
        .bind(json(&partner_ids))
        .bind(who.me.user_id)
        .bind(now)
        .bind(deliverable_id)
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    let version = current.unwrap_or(0) + 1;
    let what = if version == 1 {
        format!("proposed usage terms for {}'s \"{}\"", a.creator_name, a.title)
    } else {
        format!(
            "changed the usage terms of {}'s \"{}\" (v{version}): the creator accepts them again",
            a.creator_name, a.title
        )
    };
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged { deliverable_id, creator_id: a.creator_id, lane: a.lane, status: a.status, what },
    )
    .await?;
    w.commit().await?;
    terms_of(db, campaign_id, deliverable_id).await
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn limits_group(n: i64) -> String {
    crate::content::group_digits(n)
}

/// The creator the deliverable is addressed to accepts a version of its terms (who, when, which version).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn accept_terms(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &AcceptTerms,
) -> Result<Terms> {
    if who.me.role != Role::Creator {
        // Partners see the deliverable, but only its creator accepts its terms.
        authorize(db, who, campaign_id).await?;
        return Err(AppError::forbidden("Only the creator the deliverable is addressed to accepts its terms"));
    }
    let d = creators_deliverable(db, who, campaign_id, deliverable_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let current: Option<(i64, Option<i64>)> = sqlx::query(
        "SELECT version, accepted_version FROM rights_terms WHERE deliverable_id = $1 AND campaign_id = $2",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .fetch_optional(w.conn())
    .await?
    .map(|r| (r.get("version"), r.get("accepted_version")));
    let Some((version, accepted)) = current else {
        return Err(AppError::validation("version", "No terms have been proposed for this deliverable yet"));
    };
    if version != input.version {
        drop(w);
        let now = terms_of(db, campaign_id, deliverable_id).await?;
        return Err(AppError::conflict(
            format!("The terms were changed meanwhile (now version {version}): read them again before accepting"),
            serde_json::to_value(&now).ok(),
        ));
    }
    if accepted != Some(version) {
        sqlx::query(
            "UPDATE rights_terms SET accepted_version = $1, accepted_by = $2, accepted_at = $3 WHERE deliverable_id = $4",
        )
        .bind(version)
        .bind(who.me.user_id)
        .bind(now_ms())
        .bind(deliverable_id)
        .execute(w.conn())
        .await?;
        let what = format!("accepted the usage terms (v{version}) of \"{}\"", d.title);
        log::append(
            &mut w,
            campaign_id,
            &who.actor(),
            Change::DeliverableChanged {
                deliverable_id,
                creator_id: d.creator_id,
                lane: d.lane,
                status: d.status,
                what,
            },
        )
        .await?;
        w.commit().await?;
    }
    terms_of(db, campaign_id, deliverable_id).await
}

/// An approved asset enters the rights ledger (once; the approval day counts as first publication).
pub async fn enter_ledger(
    w: &mut WriteTx,
    campaign_id: i64,
    deliverable_id: i64,
    submission_id: Option<i64>,
    at_ms: i64,
) -> Result<()> {
    let (_, zone) = campaign_zone(w.conn(), campaign_id).await?;
    let day = tz::local_date(from_ms(at_ms), tz::of(&zone));
    sqlx::query(
        "INSERT INTO rights_ledger (deliverable_id, campaign_id, submission_id, approved_at, published_on) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (deliverable_id) DO NOTHING",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .bind(submission_id)
    .bind(at_ms)
    .bind(day.to_string())
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The campaign's ledger as of `now` (all assets, or one creator's).
pub async fn ledger_at(db: &Db, campaign_id: i64, creator_id: Option<i64>, now: DateTime<Utc>) -> Result<Ledger> {
    let mut conn = db.pool.acquire().await?;
    let (campaign_name, zone) = campaign_zone(&mut conn, campaign_id).await?;
    let today = tz::local_date(now, tz::of(&zone));
    let warning_days: i64 = sqlx::query_scalar("SELECT rights_warning_days FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let orgs = org_names(db, campaign_id).await?;
    let rows = sqlx::query(
        "SELECT l.deliverable_id, l.approved_at, l.published_on, d.title, d.lane, d.creator_id, cr.name AS creator_name \
         FROM rights_ledger l JOIN deliverables d ON d.id = l.deliverable_id JOIN creators cr ON cr.id = d.creator_id \
         WHERE l.campaign_id = $1 AND ($2 = 0 OR d.creator_id = $3) ORDER BY l.approved_at, l.deliverable_id",
    )
    .bind(campaign_id)
    .bind(creator_id.is_some() as i64)
    .bind(creator_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let terms: HashMap<i64, Terms> = sqlx::query(&format!("SELECT {TERMS_COLUMNS} WHERE t.campaign_id = $1"))
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>("deliverable_id"), terms_from_row(r, &orgs, &zone)))
        .collect();
    let mut codes: HashMap<i64, Vec<AdCode>> = HashMap::new();
    for r in sqlx::query(
        "SELECT id, deliverable_id, kind, code, expires_on, added_by_name, org_name, created_at FROM rights_codes \
         WHERE campaign_id = $1 ORDER BY id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let expires_on = date(r.get("expires_on"));
        codes.entry(r.get("deliverable_id")).or_default().push(AdCode {
            id: r.get("id"),
            kind: CodeKind::parse(&r.get::<String, _>("kind")).unwrap_or(CodeKind::Other),
            code: r.get("code"),
            expires_on,
            expired: expires_on.is_some_and(|e| today > e),
            added_by: r.get("added_by_name"),
            org_name: r.get("org_name"),
            added_at: from_ms(r.get("created_at")),
        });
    }
    let uses = sqlx::query(
        "SELECT id, deliverable_id, usage, platform, org_id, org_name, starts_on, ends_on, note, logged_by_name, created_at \
         FROM rights_uses WHERE campaign_id = $1 ORDER BY starts_on, id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let mut entries: Vec<LedgerEntry> = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("deliverable_id");
            let published_on = date(r.get("published_on")).unwrap_or(today);
            let t = terms.get(&id).filter(|t| t.version > 0).cloned();
            let (starts_on, ends_on) = t.as_ref().map(|t| period(t, published_on)).unwrap_or((None, None));
            LedgerEntry {
                deliverable_id: id,
                title: r.get("title"),
                lane: Lane::parse(&r.get::<String, _>("lane")).unwrap_or(Lane::Influencer),
                creator_id: r.get("creator_id"),
                creator_name: r.get("creator_name"),
                approved_at: from_ms(r.get("approved_at")),
                published_on,
                state: state(t.is_some(), starts_on, ends_on, today, warning_days),
                days_left: ends_on.map(|e| (e - today).num_days()),
                terms: t,
                starts_on,
                ends_on,
                codes: codes.remove(&id).unwrap_or_default(),
                uses: Vec::new(),
            }
        })
        .collect();
    let index: HashMap<i64, usize> = entries.iter().enumerate().map(|(i, e)| (e.deliverable_id, i)).collect();
    for r in &uses {
        let Some(&i) = index.get(&r.get::<i64, _>("deliverable_id")) else { continue };
        let (Some(s), Some(e)) = (date(r.get("starts_on")), date(r.get("ends_on"))) else { continue };
        let usage = Usage::parse(&r.get::<String, _>("usage")).unwrap_or(Usage::Organic);
        let platform: String = r.get("platform");
        let org_name: String = r.get("org_name");
        let end = entries[i].ends_on;
        entries[i].uses.push(LoggedUse {
            id: r.get("id"),
            usage,
            label: format!("{} on {platform} by {org_name}, {}", usage.label(), span_label(s, e)),
            platform,
            org_id: r.get("org_id"),
            org_name,
            starts_on: s,
            ends_on: e,
            note: r.get("note"),
            logged_by: r.get("logged_by_name"),
            logged_at: from_ms(r.get("created_at")),
            past_end: end.is_some_and(|end| e > end),
        });
    }
    Ok(Ledger { campaign_id, campaign_name, time_zone: zone, today, warning_days, entries })
}

/// A partner member reads the campaign's rights ledger.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_ledger(db: &Db, who: &Principal, campaign_id: i64) -> Result<Ledger> {
    authorize(db, who, campaign_id).await?;
    ledger_at(db, campaign_id, None, Utc::now()).await
}

/// The creator's deliverables with terms proposed: their terms, and their place in the ledger once approved.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn creators_terms(db: &Db, who: &Principal, campaign_id: i64) -> Result<Vec<DeliverableTerms>> {
    let me = crate::campaigns::ssr::authorize_creator(db, who, campaign_id).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.title, d.creator_id FROM deliverables d JOIN rights_terms t ON t.deliverable_id = d.id \
         WHERE d.campaign_id = $1 ORDER BY d.id",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let mut ledger = ledger_at(db, campaign_id, None, Utc::now()).await?;
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| me.creator_ids.contains(&r.get::<i64, _>("creator_id"))) {
        let id: i64 = r.get("id");
        out.push(DeliverableTerms {
            deliverable_id: id,
            title: r.get("title"),
            terms: terms_of(db, campaign_id, id).await?,
            rights: ledger.entries.iter().position(|e| e.deliverable_id == id).map(|i| ledger.entries.swap_remove(i)),
        });
    }
    Ok(out)
}

/// Every deliverable of the campaign with its terms (version 0: none yet), for the partners' terms forms.
pub async fn all_terms(db: &Db, who: &Principal, campaign_id: i64) -> Result<Vec<(DeliverableTerms, String)>> {
    authorize(db, who, campaign_id).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.title, cr.name AS creator_name FROM deliverables d JOIN creators cr ON cr.id = d.creator_id \
         WHERE d.campaign_id = $1 AND d.status <> 'rejected' ORDER BY d.id LIMIT 500",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.get("id");
        let item = DeliverableTerms {
            deliverable_id: id,
            title: r.get("title"),
            terms: terms_of(db, campaign_id, id).await?,
            rights: None,
        };
        out.push((item, r.get("creator_name")));
    }
    Ok(out)
}

/// The ledger as CSV: one row per asset.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn export_ledger(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    let ledger = get_ledger(db, who, campaign_id).await?;
    let mut out = String::new();
    let header = [
        "deliverable_id",
        "asset",
        "creator",
        "lane",
        "state",
        "starts_on",
        "ends_on",
        "days_left",
        "usages",
        "platforms",
        "territories",
        "exclusivity",
        "partners",
        "terms_version",
        "accepted_by",
        "accepted_at",
        "codes",
        "uses",
        "time_zone",
    ];
    crate::creators::csv::push_record(&mut out, &header);
    for e in &ledger.entries {
        let t = e.terms.as_ref();
        let join = |v: Vec<String>| v.join("; ");
        let rec = vec![
            e.deliverable_id.to_string(),
            e.title.clone(),
            e.creator_name.clone(),
            e.lane.as_str().to_string(),
            e.state.label().to_string(),
            e.starts_on.map(|d| d.to_string()).unwrap_or_default(),
            e.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            e.days_left.map(|d| d.to_string()).unwrap_or_default(),
            t.map(|t| join(t.usages.iter().map(|u| u.key().to_string()).collect())).unwrap_or_default(),
            t.map(|t| t.platforms.join("; ")).unwrap_or_default(),
            t.map(|t| t.territories.join("; ")).unwrap_or_default(),
            t.map(|t| t.exclusivity.clone()).unwrap_or_default(),
            t.map(|t| join(t.partners.iter().map(|p| p.name.clone()).collect())).unwrap_or_default(),
            t.map(|t| t.version.to_string()).unwrap_or_default(),
            t.and_then(|t| t.accepted.as_ref()).map(|a| a.by.clone()).unwrap_or_default(),
            t.and_then(|t| t.accepted.as_ref()).map(|a| a.at.to_rfc3339()).unwrap_or_default(),
            join(
                e.codes
                    .iter()
                    .map(|c| match c.expires_on {
                        Some(x) => format!("{} {} (expires {x})", c.kind.label(), c.code),
                        None => format!("{} {}", c.kind.label(), c.code),
                    })
                    .collect(),
            ),
            join(e.uses.iter().map(|u| u.label.clone()).collect()),
            ledger.time_zone.clone(),
        ];
        crate::creators::csv::push_record(&mut out, &rec);
    }
    Ok(out)
}

/// Checks that the deliverable is in the ledger; returns what the log line needs.
async fn ledgered(w: &mut WriteTx, campaign_id: i64, deliverable_id: i64) -> Result<Asset> {
    let a = asset(w.conn(), campaign_id, deliverable_id).await?;
    let inside: Option<i64> = sqlx::query_scalar("SELECT deliverable_id FROM rights_ledger WHERE deliverable_id = $1")
        .bind(deliverable_id)
        .fetch_optional(w.conn())
        .await?;
    if inside.is_none() {
        return Err(AppError::conflict(
            format!("\"{}\" is not approved yet: it enters the rights ledger when it is", a.title),
            None,
        ));
    }
    Ok(a)
}

/// A partner, or the asset's creator, adds an ad code (Spark Ads, Partnership Ads) to a ledgered asset.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn add_code(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &NewAdCode,
    key: Option<&str>,
) -> Result<LedgerEntry> {
    match who.me.role {
        Role::Creator => {
            creators_deliverable(db, who, campaign_id, deliverable_id).await?;
        }
        Role::Member => {
            authorize(db, who, campaign_id).await?;
        }
    }
    let code = input.code.trim();
    if code.is_empty() {
        return Err(AppError::validation("code", "Paste the code"));
    }
    check_len("code", code, limits::SHORT)?;
    let expires_on = opt_date("expires_on", input.expires_on.as_deref())?;
    let actor = who.actor();
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = crate::idempotency::request_hash(&format!("rights_code:{deliverable_id}"), input);
    if crate::idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return entry(db, campaign_id, deliverable_id).await;
    }
    let a = ledgered(&mut w, campaign_id, deliverable_id).await?;
    sqlx::query(
        "INSERT INTO rights_codes (campaign_id, deliverable_id, kind, code, expires_on, added_by, added_by_name, org_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(campaign_id)
    .bind(deliverable_id)
    .bind(input.kind.key())
    .bind(code)
    .bind(expires_on.map(|d| d.to_string()))
    .bind(who.me.user_id)
    .bind(&who.me.name)
    // The creator's own codes carry her name and no organization.
    .bind(actor.org_name.clone().unwrap_or_default())
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    let what = format!("added a {} to {}'s \"{}\"", input.kind.label(), a.creator_name, a.title);
    log::append(
        &mut w,
        campaign_id,
        &actor,
        Change::DeliverableChanged { deliverable_id, creator_id: a.creator_id, lane: a.lane, status: a.status, what },
    )
    .await?;
    crate::idempotency::store(&mut w, &scope, key, &deliverable_id).await?;
    w.commit().await?;
    entry(db, campaign_id, deliverable_id).await
}

async fn entry(db: &Db, campaign_id: i64, deliverable_id: i64) -> Result<LedgerEntry> {
    ledger_at(db, campaign_id, None, Utc::now())
        .await?
        .entries
        .into_iter()
        .find(|e| e.deliverable_id == deliverable_id)
        .ok_or_else(|| AppError::not_found("Ledger entry"))
}

/// A partner logs a use of a ledgered asset ("boosted on Meta, 12–26 Mar"). Only the partners the terms allow,
/// for the usages they allow; a use running past the end of the rights raises an escalation to whoever logged it.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn log_use(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &NewUse,
    key: Option<&str>,
) -> Result<LedgerEntry> {
    let org = authorize(db, who, campaign_id).await?;
    let platform = input.platform.trim();
    if platform.is_empty() {
        return Err(AppError::validation("platform", "Name the platform, e.g. Meta or TikTok"));
    }
    check_len("platform", platform, limits::NAME)?;
    check_len("note", &input.note, limits::NOTE)?;
    let starts_on = parse_date("starts_on", &input.starts_on)?;
    let ends_on = parse_date("ends_on", &input.ends_on)?;
    if ends_on < starts_on {
        return Err(AppError::validation("ends_on", "The use ends before it starts"));
    }
    if (ends_on - starts_on).num_days() >= MAX_TERM_DAYS {
        return Err(AppError::validation("ends_on", "A use spans at most ten years"));
    }
    let terms = terms_of(db, campaign_id, deliverable_id).await?;
    if terms.version > 0 {
        if !terms.partners.iter().any(|p| p.id == org.id) {
            return Err(AppError::forbidden(format!(
                "The terms of this asset do not include {}: only {} may use it",
                org.name,
                terms.partners.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        if !terms.usages.contains(&input.usage) {
            return Err(AppError::validation(
                "usage",
                format!("The terms do not allow {} for this asset", input.usage.label()),
            ));
        }
    }
    let actor = who.actor();
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = crate::idempotency::request_hash(&format!("rights_use:{deliverable_id}"), input);
    if crate::idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return entry(db, campaign_id, deliverable_id).await;
    }
    let a = ledgered(&mut w, campaign_id, deliverable_id).await?;
    sqlx::query(
        "INSERT INTO rights_uses (campaign_id, deliverable_id, org_id, org_name, usage, platform, starts_on, ends_on, note, \
         logged_by, logged_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(campaign_id)
    .bind(deliverable_id)
    .bind(org.id)
    .bind(&org.name)
    .bind(input.usage.key())
    .bind(platform)
    .bind(starts_on.to_string())
    .bind(ends_on.to_string())
    .bind(input.note.trim())
    .bind(who.me.user_id)
    .bind(&who.me.name)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    let what = format!(
        "logged {} on {platform} of {}'s \"{}\", {}",
        input.usage.label(),
        a.creator_name,
        a.title,
        span_label(starts_on, ends_on)
    );
    log::append(
        &mut w,
        campaign_id,
        &actor,
        Change::DeliverableChanged { deliverable_id, creator_id: a.creator_id, lane: a.lane, status: a.status, what },
    )
    .await?;
    crate::idempotency::store(&mut w, &scope, key, &deliverable_id).await?;
    w.commit().await?;
    scan_campaign(db, campaign_id, Utc::now()).await?;
    entry(db, campaign_id, deliverable_id).await
}

/// Partners set how many days ahead the rights' end is warned of.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn save_settings(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &RightsSettings,
) -> Result<RightsSettings> {
    authorize(db, who, campaign_id).await?;
    limits::check_range("warning_days", input.warning_days, MAX_WARNING_DAYS)?;
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query("UPDATE campaigns SET rights_warning_days = $1 WHERE id = $2")
        .bind(input.warning_days)
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(input.clone())
}

/// Raises, once each, the campaign's rights escalations due at `now`: a warning when an asset's rights enter the
/// warning period (or have ended unwarned), to the campaign's accountable owner; and one per logged use running
/// past the end of the rights, to the partner member who logged it. Returns how many this call raised.
pub async fn scan_campaign(db: &Db, campaign_id: i64, now: DateTime<Utc>) -> Result<usize> {
    let ledger = ledger_at(db, campaign_id, None, now).await?;
    let owner = crate::charter::ssr::current_doc(db, campaign_id).await?.ownership.accountable_owner;
    // Breaches already raised are skipped without taking the write lock (raising is still once per key).
    let known: std::collections::HashSet<String> = sqlx::query_scalar(
        "SELECT breach_key FROM escalations WHERE campaign_id = $1 AND kind IN ('rights_expiry', 'rights_overrun')",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();
    let mut raised = 0;
    for e in &ledger.entries {
        let Some(end) = e.ends_on else { continue };
        let key = format!("deliverable:{}:ends:{end}", e.deliverable_id);
        if matches!(e.state, RightsState::Expiring | RightsState::Expired) && !known.contains(&key) {
            let title =
                format!("Usage rights of {}'s \"{}\" end on {}", e.creator_name, e.title, end.format("%-d %b %Y"));
            let detail = format!(
                "Warned {} days ahead (days in {}). Stop paid use by then, or agree an extension with the creator.",
                ledger.warning_days, ledger.time_zone
            );
            let mut w = db.write_campaign(campaign_id).await?;
            if raise(&mut w, campaign_id, "rights_expiry", &key, &title, &detail, owner).await?.is_some() {
                w.commit().await?;
                raised += 1;
            }
        }
        for u in e.uses.iter().filter(|u| u.past_end) {
            let key = format!("deliverable:{}:use:{}:ends:{end}", e.deliverable_id, u.id);
            if known.contains(&key) {
                continue;
            }
            let title = format!("A logged use of {}'s \"{}\" runs past its rights", e.creator_name, e.title);
            let detail = format!(
                "{} ends {}, the rights end {}. Stop the use by then or agree an extension with the creator.",
                u.label,
                u.ends_on.format("%-d %b %Y"),
                end.format("%-d %b %Y")
            );
            let logged_by: Option<i64> = sqlx::query_scalar("SELECT logged_by FROM rights_uses WHERE id = $1")
                .bind(u.id)
                .fetch_optional(&db.pool)
                .await?;
            let mut w = db.write_campaign(campaign_id).await?;
            if raise(&mut w, campaign_id, "rights_overrun", &key, &title, &detail, logged_by.or(owner)).await?.is_some()
            {
                w.commit().await?;
                raised += 1;
            }
        }
    }
    Ok(raised)
}

/// [`scan_campaign`] for every campaign with assets in a rights ledger. Safe to run from every process at once.
#[tracing::instrument(skip_all)]
pub async fn scan_rights(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let campaigns: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT campaign_id FROM rights_ledger ORDER BY campaign_id")
        .fetch_all(&db.pool)
        .await?;
    let mut raised = 0;
    for id in campaigns {
        raised += scan_campaign(db, id, now).await?;
    }
    Ok(raised)
}
