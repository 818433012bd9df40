//! Server side of money: the campaign's currency and payout terms, a creator's agreed currency, exchange rates
//! (entered one by one or from a CSV file), budget shares per partner, and the payout ledger (a line per approved
//! deliverable, its states, the overdue escalation, the creator's payouts across campaigns, CSV exports).
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::*;
use crate::accounts::ssr::{org_from_row, Principal};
use crate::accounts::Role;
use crate::campaigns::ssr::authorize;
use crate::charter::ssr::current_doc;
use crate::content::sla::tz;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, ErrorCode, Result};
use crate::idempotency;
use crate::limits::{self, check_len};
use crate::realtime::{log, Change};
use crate::vocab::Lane;

/// The escalation kind of an overdue payout.
pub const OVERDUE_KIND: &str = "payout_overdue";
/// The escalation kind (and the charter's threshold metric) of fees committed above a partner's share of a lane.
pub const OVER_COMMITMENT: &str = "over_commitment";
/// The most rows a rates file may have.
pub const MAX_RATE_ROWS: usize = 5_000;
/// The longest net-N term.
pub const MAX_TERMS_DAYS: i64 = 365;

/// What money needs to know of a campaign.
#[derive(Debug, Clone)]
pub struct CampaignMoney {
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub terms_days: i64,
    pub owner_org_id: i64,
}

pub async fn campaign_money(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<CampaignMoney> {
    let r =
        sqlx::query("SELECT name, time_zone, currency, payout_terms_days, owner_org_id FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::not_found("Campaign"))?;
    Ok(CampaignMoney {
        name: r.get("name"),
        time_zone: r.get("time_zone"),
        currency: r.get("currency"),
        terms_days: r.get("payout_terms_days"),
        owner_org_id: r.get("owner_org_id"),
    })
}

/// A campaign's exchange rates, oldest day first.
pub async fn rates(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<Vec<ExchangeRate>> {
    let rows = sqlx::query(
        "SELECT r.base, r.quote, r.day, r.rate_e9, u.name AS entered_by, r.entered_at FROM exchange_rates r \
         JOIN users u ON u.id = r.entered_by WHERE r.campaign_id = $1 ORDER BY r.day, r.base, r.quote",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let rate: i64 = r.get("rate_e9");
            Some(ExchangeRate {
                base: r.get("base"),
                quote: r.get("quote"),
                day: r.get::<String, _>("day").parse().ok()?,
                rate_e9: rate,
                rate: rate_label(rate),
                entered_by: r.get("entered_by"),
                entered_at: from_ms(r.get("entered_at")),
            })
        })
        .collect())
}

/// Whether the person may set the campaign's currency: the charter's accountable owner, or (while the charter
/// names none) a member of the organization that started the campaign.
async fn is_accountable_owner(db: &Db, who: &Principal, campaign_id: i64, owner_org_id: i64) -> Result<bool> {
    let owner = current_doc(db, campaign_id).await?.ownership.accountable_owner;
    Ok(match owner {
        Some(user) => user == who.me.user_id,
        None => who.me.org.as_ref().is_some_and(|o| o.id == owner_org_id),
    })
}

/// Tells every partner's screen (and, for `creator_id`, her portal) of a change to the campaign's money that only
/// the server-rendered pages show (the payout ledger, the portal's payouts); it is in the activity trail too.
async fn recorded(
    w: &mut WriteTx,
    campaign_id: i64,
    who: &Principal,
    what: String,
    creator_id: Option<i64>,
) -> Result<()> {
    log::append(w, campaign_id, &who.actor(), Change::Recorded { topic: "payouts".into(), what, creator_id }).await?;
    Ok(())
}

/// Whether any amount has been entered in the campaign (then its currency is fixed).
async fn has_amounts(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM campaigns c WHERE c.id = $1 AND ( \
           EXISTS (SELECT 1 FROM lane_settings l WHERE l.campaign_id = c.id AND (l.budget_cents <> 0 OR l.default_fee_cents <> 0)) \
           OR EXISTS (SELECT 1 FROM deliverables d WHERE d.campaign_id = c.id AND d.fee_cents <> 0) \
           OR EXISTS (SELECT 1 FROM daily_metrics m WHERE m.campaign_id = c.id AND (m.revenue_cents <> 0 OR m.fee_cents <> 0 OR m.product_cents <> 0 OR m.paid_cents <> 0)) \
           OR EXISTS (SELECT 1 FROM platform_cpm p WHERE p.campaign_id = c.id) \
           OR EXISTS (SELECT 1 FROM payouts y WHERE y.campaign_id = c.id) \
           OR EXISTS (SELECT 1 FROM budget_shares b WHERE b.campaign_id = c.id))",
    )
    .bind(campaign_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Sets the campaign's reporting currency: the accountable owner only, and only until the first amount is
/// entered (amounts are never re-labelled after the fact).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_currency(db: &Db, who: &Principal, campaign_id: i64, input: &SetCurrency) -> Result<Ledger> {
    authorize(db, who, campaign_id).await?;
    let c = parse_currency(&input.currency).map_err(|m| AppError::validation("currency", m))?;
    let mut conn = db.pool.acquire().await?;
    let campaign = campaign_money(&mut conn, campaign_id).await?;
    drop(conn);
    if !is_accountable_owner(db, who, campaign_id, campaign.owner_org_id).await? {
        return Err(AppError::forbidden("Only the campaign's accountable owner sets its currency"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    if campaign.currency != c.code && has_amounts(w.conn(), campaign_id).await? {
        return Err(AppError::conflict(
            format!(
                "Amounts in {} have been entered already: the campaign's currency can no longer change",
                campaign.currency
            ),
            None,
        ));
    }
    sqlx::query("UPDATE campaigns SET currency = $1 WHERE id = $2")
        .bind(c.code)
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    for table in ["lane_settings", "daily_metrics", "platform_cpm"] {
        sqlx::query(&format!("UPDATE {table} SET currency = $1 WHERE campaign_id = $2"))
            .bind(c.code)
            .bind(campaign_id)
            .execute(w.conn())
            .await?;
    }
    sqlx::query(
        "UPDATE deliverables SET fee_currency = $1 WHERE campaign_id = $2 AND creator_id IN \
         (SELECT id FROM creators WHERE campaign_id = $2 AND payout_currency IS NULL)",
    )
    .bind(c.code)
    .bind(campaign_id)
    .execute(w.conn())
    .await?;
    if campaign.currency != c.code {
        let what = format!("set the campaign's currency to {} (was {})", c.code, campaign.currency);
        recorded(&mut w, campaign_id, who, what, None).await?;
    }
    w.commit().await?;
    ledger(db, who, campaign_id).await
}

/// Sets the campaign's payout terms (net-N days from approval) for lines created from now on.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_terms(db: &Db, who: &Principal, campaign_id: i64, input: &SetTerms) -> Result<Ledger> {
    authorize(db, who, campaign_id).await?;
    if !(0..=MAX_TERMS_DAYS).contains(&input.terms_days) {
        return Err(AppError::validation("terms_days", format!("Use 0 to {MAX_TERMS_DAYS} days")));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query("UPDATE campaigns SET payout_terms_days = $1 WHERE id = $2")
        .bind(input.terms_days)
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    let what = format!("set the payout terms to net {} days for payouts from now on", input.terms_days);
    recorded(&mut w, campaign_id, who, what, None).await?;
    w.commit().await?;
    ledger(db, who, campaign_id).await
}

/// Sets the currency agreed with a creator: her deliverables briefed from now on carry their fee in it (fees
/// already entered keep theirs).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_creator_currency(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
    input: &SetCreatorCurrency,
) -> Result<SetCreatorCurrency> {
    authorize(db, who, campaign_id).await?;
    let code = match input.currency.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(parse_currency(code).map_err(|m| AppError::validation("currency", m))?.code),
        None => None,
    };
    let mut w = db.write_campaign(campaign_id).await?;
    let before: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT name, payout_currency FROM creators WHERE id = $1 AND campaign_id = $2")
            .bind(creator_id)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?;
    let Some((name, was)) = before else { return Err(AppError::not_found("Creator")) };
    if was.as_deref() != code {
        sqlx::query("UPDATE creators SET payout_currency = $1 WHERE id = $2 AND campaign_id = $3")
            .bind(code)
            .bind(creator_id)
            .bind(campaign_id)
            .execute(w.conn())
            .await?;
        let what = match code {
            Some(code) => format!("agreed to pay {name} in {code} (fees briefed from now on)"),
            None => format!("set {name} to be paid in the campaign's currency (fees briefed from now on)"),
        };
        recorded(&mut w, campaign_id, who, what, Some(creator_id)).await?;
    }
    w.commit().await?;
    Ok(SetCreatorCurrency { currency: code.map(str::to_string) })
}

/// A checked rate: (base, quote, day, rate ×10^9), or the field at fault and why.
fn check_rate(
    input: &NewRate,
) -> std::result::Result<(&'static str, &'static str, NaiveDate, i64), (&'static str, String)> {
    let base = parse_currency(&input.base).map_err(|m| ("base", m))?;
    let quote = parse_currency(&input.quote).map_err(|m| ("quote", m))?;
    if base.code == quote.code {
        return Err(("quote", format!("A rate converts between two currencies; both are {}", base.code)));
    }
    let day = input.day.trim().parse::<NaiveDate>().map_err(|_| {
        ("day", format!("\"{}\" is not a day; use YYYY-MM-DD", input.day.trim().chars().take(40).collect::<String>()))
    })?;
    let rate = parse_rate(&input.rate).map_err(|m| ("rate", m))?;
    Ok((base.code, quote.code, day, rate))
}

async fn store_rate(
    w: &mut WriteTx,
    campaign_id: i64,
    who: &Principal,
    r: (&str, &str, NaiveDate, i64),
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO exchange_rates (campaign_id, base, quote, day, rate_e9, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (campaign_id, base, quote, day) DO UPDATE SET rate_e9 = excluded.rate_e9, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(campaign_id)
    .bind(r.0)
    .bind(r.1)
    .bind(r.2.to_string())
    .bind(r.3)
    .bind(who.me.user_id)
    .bind(at)
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Enters a rate (a rate for the same pair and day replaces it, keeping who and when). Idempotent by key.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn add_rate(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &NewRate,
    key: Option<&str>,
) -> Result<Vec<ExchangeRate>> {
    authorize(db, who, campaign_id).await?;
    let r = check_rate(input).map_err(|(f, m)| AppError::validation(f, m))?;
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("rate:{campaign_id}"), input);
    if idempotency::claim(&mut w, &scope, key, &hash).await?.is_none() {
        store_rate(&mut w, campaign_id, who, r, now_ms()).await?;
        let what = format!("entered the {}→{} rate {} from {} on", r.0, r.1, rate_label(r.3), day_label(r.2));
        recorded(&mut w, campaign_id, who, what, None).await?;
        idempotency::store(&mut w, &scope, key, &campaign_id).await?;
        w.commit().await?;
    } else {
        drop(w);
    }
    let mut conn = db.pool.acquire().await?;
    rates(&mut conn, campaign_id).await
}

/// Imports rates from a CSV file with the columns base, quote, day and rate (in any order). Every row is checked
/// first; one bad row refuses the whole file, naming the row and column.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn import_rates(db: &Db, who: &Principal, campaign_id: i64, text: &str) -> Result<Vec<ExchangeRate>> {
    authorize(db, who, campaign_id).await?;
    let (header, rows) = crate::creators::csv::read_table(text, 2 * 1024 * 1024, "base, quote, day, rate")
        .map_err(|(_, m)| AppError::validation("file", m))?;
    let col = |name: &str| header.fields.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(b), Some(q), Some(d), Some(r)) = (col("base"), col("quote"), col("day"), col("rate")) else {
        return Err(AppError::validation("file", "The first line must name the columns base, quote, day and rate"));
    };
    if rows.is_empty() {
        return Err(AppError::validation("file", "The file has no rates below its first line"));
    }
    if rows.len() > MAX_RATE_ROWS {
        return Err(AppError::validation("file", format!("At most {MAX_RATE_ROWS} rates per file: split it")));
    }
    let mut checked = Vec::with_capacity(rows.len());
    for row in &rows {
        let cell = |i: usize| row.fields.get(i).cloned().unwrap_or_default();
        let input = NewRate { base: cell(b), quote: cell(q), day: cell(d), rate: cell(r) };
        for (name, v) in [("base", &input.base), ("quote", &input.quote), ("day", &input.day), ("rate", &input.rate)] {
            check_len(name, v, limits::CSV_CELL)?;
        }
        let ok = check_rate(&input)
            .map_err(|(f, m)| AppError::validation(f, format!("Line {}, column {f}: {m}", row.line)))?;
        checked.push(ok);
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let at = now_ms();
    let mut pairs: Vec<String> = checked.iter().map(|r| format!("{}→{}", r.0, r.1)).collect();
    pairs.sort();
    pairs.dedup();
    if pairs.len() > 6 {
        let more = pairs.len() - 5;
        pairs.truncate(5);
        pairs.push(format!("{more} more pairs"));
    }
    let what = format!("imported {} exchange rate(s) from a file ({})", checked.len(), pairs.join(", "));
    for r in checked {
        store_rate(&mut w, campaign_id, who, r, at).await?;
    }
    recorded(&mut w, campaign_id, who, what, None).await?;
    w.commit().await?;
    let mut conn = db.pool.acquire().await?;
    rates(&mut conn, campaign_id).await
}

/// Creates the payout line of a deliverable just approved (inside the approving transaction): its fee in its
/// currency, paid by the creator's relationship owner, due net-N days after the approval day in the campaign's
/// time zone. A deliverable has one line, whatever happens twice; one without a fee (gifted) has none.
pub async fn schedule_payout(w: &mut WriteTx, campaign_id: i64, deliverable_id: i64, at_ms: i64) -> Result<()> {
    let r = sqlx::query(
        "SELECT d.fee_cents, d.fee_currency, d.creator_id, cr.owner_org_id, c.payout_terms_days, c.time_zone \
         FROM deliverables d JOIN creators cr ON cr.id = d.creator_id JOIN campaigns c ON c.id = d.campaign_id \
         WHERE d.id = $1 AND d.campaign_id = $2",
    )
    .bind(deliverable_id)
    .bind(campaign_id)
    .fetch_one(w.conn())
    .await?;
    if r.get::<i64, _>("fee_cents") == 0 {
        return Ok(()); // gifted or unpaid: nothing is owed
    }
    let zone = tz::of(&r.get::<String, _>("time_zone"));
    let terms: i64 = r.get("payout_terms_days");
    let approved_on = tz::local_date(from_ms(at_ms), zone);
    let due = approved_on + chrono::Duration::days(terms);
    sqlx::query(
        "INSERT INTO payouts (campaign_id, deliverable_id, creator_id, amount_minor, currency, payer_org_id, terms_days, \
         approved_on, due_date, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $10) \
         ON CONFLICT (deliverable_id) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(deliverable_id)
    .bind(r.get::<i64, _>("creator_id"))
    .bind(r.get::<i64, _>("fee_cents"))
    .bind(r.get::<String, _>("fee_currency"))
    .bind(r.get::<Option<i64>, _>("owner_org_id"))
    .bind(terms)
    .bind(approved_on.to_string())
    .bind(due.to_string())
    .bind(at_ms)
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Which lines to load.
#[derive(Debug, Clone, Copy)]
enum Lines {
    Campaign(i64),
    /// A creator's, across campaigns (their account).
    CreatorUser(i64),
    One(i64, i64),
}

/// The payout lines asked for, with each converted into its campaign's currency on its approval day.
async fn load_lines(conn: &mut sqlx::AnyConnection, which: Lines, now: DateTime<Utc>) -> Result<Vec<PayoutLine>> {
    let (campaign, user, one) = match which {
        Lines::Campaign(c) => (c, 0, 0),
        Lines::CreatorUser(u) => (0, u, 0),
        Lines::One(c, p) => (c, 0, p),
    };
    let rows = sqlx::query(
        "SELECT p.id, p.campaign_id, c.name AS campaign_name, c.time_zone, c.currency AS campaign_currency, p.deliverable_id, \
         d.title, p.creator_id, cr.name AS creator_name, p.amount_minor, p.currency, p.terms_days, p.approved_on, p.due_date, \
         p.state, p.paid_on, p.reference, p.note, u.name AS recorded_name, p.version, p.updated_at, \
         o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color \
         FROM payouts p JOIN campaigns c ON c.id = p.campaign_id JOIN deliverables d ON d.id = p.deliverable_id \
         JOIN creators cr ON cr.id = p.creator_id LEFT JOIN organizations o ON o.id = p.payer_org_id \
         LEFT JOIN users u ON u.id = p.recorded_by \
         WHERE ($1 = 0 OR p.campaign_id = $1) AND ($2 = 0 OR cr.user_id = $2) AND ($3 = 0 OR p.id = $3) \
         ORDER BY p.due_date, p.id",
    )
    .bind(campaign)
    .bind(user)
    .bind(one)
    .fetch_all(&mut *conn)
    .await?;
    let mut rates_of: HashMap<i64, Vec<ExchangeRate>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let campaign_id: i64 = r.get("campaign_id");
        if let std::collections::hash_map::Entry::Vacant(slot) = rates_of.entry(campaign_id) {
            slot.insert(rates(conn, campaign_id).await?);
        }
        let zone_name: String = r.get("time_zone");
        let zone = tz::of(&zone_name);
        let today = tz::local_date(now, zone);
        let day = |col: &str| r.get::<String, _>(col).parse::<NaiveDate>().unwrap_or_default();
        let approved_on = day("approved_on");
        let due_date = day("due_date");
        let state = PayoutState::parse(&r.get::<String, _>("state")).unwrap_or(PayoutState::Scheduled);
        let amount = Money::new(r.get("amount_minor"), &r.get::<String, _>("currency"));
        let campaign_currency: String = r.get("campaign_currency");
        let converted = convert_on(&rates_of[&campaign_id], &amount, &campaign_currency, approved_on);
        out.push(PayoutLine {
            id: r.get("id"),
            campaign_id,
            campaign_name: r.get("campaign_name"),
            deliverable_id: r.get("deliverable_id"),
            deliverable_title: r.get("title"),
            creator_id: r.get("creator_id"),
            creator_name: r.get("creator_name"),
            amount,
            payer: r
                .get::<Option<i64>, _>("org_id")
                .map(|id| org_from_row(id, r.get("org_name"), r.get("org_kind"), r.get("org_color"))),
            terms_days: r.get("terms_days"),
            approved_on,
            due_date,
            due_label: format!("Due {} ({zone_name})", day_label(due_date)),
            time_zone: zone_name.clone(),
            state,
            overdue: state.owed() && state != PayoutState::Disputed && today > due_date,
            paid_on: r.get::<Option<String>, _>("paid_on").and_then(|s| s.parse().ok()),
            reference: r.get("reference"),
            recorded_by: r.get("recorded_name"),
            note: r.get("note"),
            converted,
            version: r.get("version"),
            updated_at: from_ms(r.get("updated_at")),
        });
    }
    Ok(out)
}

/// Sums per original currency, in the order they first appear.
fn by_currency<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Vec<Money> {
    let mut out: Vec<Money> = Vec::new();
    for m in amounts {
        match out.iter_mut().find(|o| o.currency == m.currency) {
            Some(o) => o.minor = o.minor.saturating_add(m.minor),
            None => out.push(m.clone()),
        }
    }
    out
}

/// The campaign's payout ledger, for its partners.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ledger(db: &Db, who: &Principal, campaign_id: i64) -> Result<Ledger> {
    authorize(db, who, campaign_id).await?;
    let mut conn = db.pool.acquire().await?;
    let c = campaign_money(&mut conn, campaign_id).await?;
    let lines = load_lines(&mut conn, Lines::Campaign(campaign_id), Utc::now()).await?;
    let rates = rates(&mut conn, campaign_id).await?;
    let amounts_exist = has_amounts(&mut conn, campaign_id).await?;
    drop(conn);
    let budget = budget_shares(db, campaign_id, &c, &rates).await?;
    let owed = Total::of(&c.currency, lines.iter().filter(|l| l.state.owed()).map(|l| &l.converted));
    let paid = Total::of(&c.currency, lines.iter().filter(|l| !l.state.owed()).map(|l| &l.converted));
    Ok(Ledger {
        campaign_id,
        campaign_name: c.name.clone(),
        currency: c.currency.clone(),
        time_zone: c.time_zone.clone(),
        terms_days: c.terms_days,
        owed,
        paid,
        owed_by_currency: by_currency(lines.iter().filter(|l| l.state.owed()).map(|l| &l.amount)),
        may_set_currency: !amounts_exist && is_accountable_owner(db, who, campaign_id, c.owner_org_id).await?,
        lines,
        rates,
        budget,
        partners: crate::campaigns::ssr::partners(db, campaign_id).await?,
        creators: agreed_currencies(db, AgreedOf::Campaign(campaign_id)).await?,
    })
}

/// Whose agreed currencies to list: a campaign's creators, or one creator account's campaigns.
enum AgreedOf {
    Campaign(i64),
    CreatorUser(i64),
}

/// The currency each creator is paid in (agreed with her, else the campaign's), by creator name or campaign.
async fn agreed_currencies(db: &Db, of: AgreedOf) -> Result<Vec<AgreedCurrency>> {
    let (filter, id, order) = match of {
        AgreedOf::Campaign(id) => ("cr.campaign_id = $1 AND cr.stage NOT IN ('declined', 'archived')", id, "cr.name"),
        AgreedOf::CreatorUser(id) => ("cr.user_id = $1", id, "c.name"),
    };
    let rows = sqlx::query(&format!(
        "SELECT c.id AS campaign_id, c.name AS campaign_name, c.currency AS campaign_currency, cr.id AS creator_id, \
         cr.name AS creator_name, cr.payout_currency FROM creators cr JOIN campaigns c ON c.id = cr.campaign_id \
         WHERE {filter} ORDER BY {order}, cr.id"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let agreed: Option<String> = r.get("payout_currency");
            AgreedCurrency {
                campaign_id: r.get("campaign_id"),
                campaign_name: r.get("campaign_name"),
                creator_id: r.get("creator_id"),
                creator_name: r.get("creator_name"),
                currency: agreed.clone().unwrap_or_else(|| r.get("campaign_currency")),
                agreed,
            }
        })
        .collect())
}

/// One line of a campaign, for its partners.
pub async fn payout_line(db: &Db, who: &Principal, campaign_id: i64, payout_id: i64) -> Result<PayoutLine> {
    authorize(db, who, campaign_id).await?;
    one_line(db, campaign_id, payout_id).await
}

async fn one_line(db: &Db, campaign_id: i64, payout_id: i64) -> Result<PayoutLine> {
    if payout_id <= 0 {
        return Err(AppError::not_found("Payout"));
    }
    let mut conn = db.pool.acquire().await?;
    load_lines(&mut conn, Lines::One(campaign_id, payout_id), Utc::now())
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("Payout"))
}

/// The signed-in creator's payouts across every partner and campaign, with what is still owed per currency.
/// Anyone but a creator gets "not found".
#[tracing::instrument(skip_all)]
pub async fn creator_payouts(db: &Db, who: &Principal) -> Result<CreatorPayouts> {
    if who.me.role != Role::Creator {
        return Err(AppError::not_found("Page"));
    }
    let mut conn = db.pool.acquire().await?;
    let lines = load_lines(&mut conn, Lines::CreatorUser(who.me.user_id), Utc::now()).await?;
    drop(conn);
    let owed = by_currency(lines.iter().filter(|l| l.state.owed()).map(|l| &l.amount));
    Ok(CreatorPayouts { lines, owed, currencies: agreed_currencies(db, AgreedOf::CreatorUser(who.me.user_id)).await? })
}

/// The payer's accountable person (see [`partner_accountable`]); the campaign's accountable owner when the matrix
/// names nobody there.
async fn payer_accountable(db: &Db, campaign_id: i64, payer: Option<i64>) -> Result<Option<i64>> {
    let doc = current_doc(db, campaign_id).await?;
    Ok(payer.and_then(|org| partner_accountable(&doc, org)).or(doc.ownership.accountable_owner))
}

/// A partner's accountable person for money: its line of the responsibility matrix about budget or payment, else
/// its first line naming someone.
fn partner_accountable(doc: &crate::charter::CharterDoc, org_id: i64) -> Option<i64> {
    let items: Vec<_> =
        doc.responsibilities.items.iter().filter(|r| r.org_id == org_id && r.accountable.is_some()).collect();
    let money = items.iter().find(|r| {
        let t = r.responsibility.to_lowercase();
        t.contains("budget") || t.contains("pay") || t.contains("financ")
    });
    money.or(items.first()).and_then(|r| r.accountable)
}

/// Evaluates the charter's daily thresholds on the metric `over_commitment` (fees committed above a partner's
/// share of a lane, in units of the campaign's currency) against every share set: a breach raises one escalation
/// per threshold, partner and lane, to the partner's accountable person (else the threshold's person, else the
/// accountable owner). A share whose committed total waits for a rate is not judged (the ledger names the gap).
/// Returns how many were raised.
pub async fn evaluate_over_commitment(db: &Db, campaign_id: i64, doc: &crate::charter::CharterDoc) -> Result<usize> {
    use crate::charter::ScopeKind;
    let named: Vec<(usize, &crate::charter::Threshold)> =
        doc.thresholds.thresholds.iter().enumerate().filter(|(_, t)| t.metric == OVER_COMMITMENT).collect();
    if named.is_empty() {
        return Ok(0);
    }
    let mut conn = db.pool.acquire().await?;
    let c = campaign_money(&mut conn, campaign_id).await?;
    let rates = rates(&mut conn, campaign_id).await?;
    drop(conn);
    let unit = 10f64.powi(currency_or_usd(&c.currency).decimals as i32);
    let mut raised = 0;
    for share in budget_shares(db, campaign_id, &c, &rates).await? {
        let Some(committed) = share.committed.minor else { continue };
        let over = committed - share.share.minor;
        for (i, th) in &named {
            let applies = match th.scope {
                ScopeKind::Campaign => true,
                ScopeKind::Lane => th.scope_value == share.lane.as_str(),
                ScopeKind::Partner => th.scope_value == share.org.id.to_string(),
                ScopeKind::Tier => false,
            };
            if !applies || over <= 0 || !th.comparison.holds(over as f64 / unit, th.value) {
                continue;
            }
            let title = format!(
                "{} committed {} in the {} lane, {} above its share of {}",
                share.org.name,
                share.committed.label,
                share.lane.label(),
                format_minor(over, &c.currency),
                share.share.label()
            );
            let detail = format!(
                "Threshold: {} {} {}. Lower or move a fee, or raise {}'s share, in the payout ledger: /campaigns/{campaign_id}/payouts",
                crate::charter::metric_label(OVER_COMMITMENT),
                th.comparison.symbol(),
                format_units(th.value, &c.currency),
                share.org.name
            );
            let assignee =
                partner_accountable(doc, share.org.id).or(th.escalate_to).or(doc.ownership.accountable_owner);
            let key = format!("{OVER_COMMITMENT}:{i}:{}:{}", share.org.id, share.lane.as_str());
            let mut w = db.write_campaign(campaign_id).await?;
            if crate::escalations::ssr::raise(&mut w, campaign_id, OVER_COMMITMENT, &key, &title, &detail, assignee)
                .await?
                .is_some()
            {
                w.commit().await?;
                raised += 1;
            }
        }
    }
    Ok(raised)
}

fn stale(line: &PayoutLine) -> AppError {
    AppError::conflict(
        format!(
            "The payout to {} for \"{}\" was changed by someone else meanwhile: it is now {} (version {}). Your change was not applied.",
            line.creator_name,
            line.deliverable_title,
            line.state.label().to_lowercase(),
            line.version
        ),
        serde_json::to_value(line).ok(),
    )
}

/// Moves a payout to its next state, version-checked (409 with the line as it is now), idempotent by key.
/// Approving for payment and recording a payment are the paying partner's (or the accountable owner's); any
/// partner may dispute or send a disputed line back.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_payout_state(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    payout_id: i64,
    input: &SetPayoutState,
    key: Option<&str>,
) -> Result<PayoutLine> {
    let org = authorize(db, who, campaign_id).await?;
    let line = one_line(db, campaign_id, payout_id).await?;
    let reference = input.reference.trim();
    let note = input.note.trim();
    check_len("reference", reference, limits::SHORT)?;
    check_len("note", note, limits::NOTE)?;
    let zone = tz::of(&line.time_zone);
    let today = tz::local_date(Utc::now(), zone);
    let paid_on = match (input.state, input.paid_on.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (PayoutState::Paid, Some(s)) => {
            check_len("paid_on", s, limits::SHORT)?;
            let d = s.parse::<NaiveDate>().map_err(|_| AppError::validation("paid_on", "Use a day like 2027-03-31"))?;
            if d > today {
                return Err(AppError::validation(
                    "paid_on",
                    format!("{d} is in the future (today is {today} in {})", line.time_zone),
                ));
            }
            Some(d)
        }
        (PayoutState::Paid, None) => Some(today),
        _ => None,
    };
    if input.state == PayoutState::Paid && reference.is_empty() {
        return Err(AppError::validation("reference", "Give the payment's reference (transfer or invoice number)"));
    }
    if input.state == PayoutState::Disputed && note.is_empty() {
        return Err(AppError::validation("note", "Say what is disputed"));
    }
    if matches!(input.state, PayoutState::Approved | PayoutState::Paid) {
        let payer = line.payer.as_ref().map(|p| p.id);
        let owner = current_doc(db, campaign_id).await?.ownership.accountable_owner;
        if payer.is_some_and(|p| p != org.id) && owner != Some(who.me.user_id) {
            let name = line.payer.as_ref().map(|p| p.name.clone()).unwrap_or_default();
            return Err(AppError::forbidden(format!(
                "{name} pays this creator: only they (or the campaign's accountable owner) approve and record the payment; you can dispute it"
            )));
        }
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("payout:{payout_id}"), input);
    if idempotency::claim(&mut w, &scope, key, &hash).await?.is_some() {
        drop(w);
        return one_line(db, campaign_id, payout_id).await;
    }
    let now_row = sqlx::query("SELECT version, state FROM payouts WHERE id = $1 AND campaign_id = $2")
        .bind(payout_id)
        .bind(campaign_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| AppError::not_found("Payout"))?;
    let version: i64 = now_row.get("version");
    let state = PayoutState::parse(&now_row.get::<String, _>("state")).unwrap_or(PayoutState::Scheduled);
    if version != input.version {
        drop(w);
        return Err(stale(&one_line(db, campaign_id, payout_id).await?));
    }
    if !state.next().contains(&input.state) {
        let allowed: Vec<&str> = state.next().iter().map(|s| s.key()).collect();
        return Err(AppError::validation(
            "state",
            if allowed.is_empty() {
                format!("This payout is {}: it cannot change any more", state.label().to_lowercase())
            } else {
                format!("From {} a payout goes to {}", state.key(), allowed.join(" or "))
            },
        ));
    }
    let at = now_ms();
    let (paid_on_s, reference_s) = match input.state {
        PayoutState::Paid => (paid_on.map(|d| d.to_string()), reference.to_string()),
        _ => (None, String::new()),
    };
    let changed = sqlx::query(
        "UPDATE payouts SET state = $1, paid_on = $2, reference = $3, note = $4, recorded_by = $5, version = version + 1, updated_at = $6 \
         WHERE id = $7 AND version = $8",
    )
    .bind(input.state.key())
    .bind(paid_on_s)
    .bind(reference_s)
    .bind(note)
    .bind(who.me.user_id)
    .bind(at)
    .bind(payout_id)
    .bind(input.version)
    .execute(w.conn())
    .await?;
    if changed.rows_affected() == 0 {
        drop(w);
        return Err(stale(&one_line(db, campaign_id, payout_id).await?));
    }
    // The deliverable's payout status follows the ledger (the content page and portal show it).
    let old = match input.state {
        PayoutState::Paid => "paid",
        PayoutState::Approved => "approved",
        _ => "owed",
    };
    sqlx::query("UPDATE deliverables SET payout = $1 WHERE id = $2")
        .bind(old)
        .bind(line.deliverable_id)
        .execute(w.conn())
        .await?;
    let d = sqlx::query("SELECT lane, status FROM deliverables WHERE id = $1")
        .bind(line.deliverable_id)
        .fetch_one(w.conn())
        .await?;
    let mut what = format!(
        "marked the payout of {} to {} for \"{}\" as {}",
        line.amount.label(),
        line.creator_name,
        line.deliverable_title,
        input.state.label().to_lowercase()
    );
    match input.state {
        PayoutState::Paid => {
            what.push_str(&format!(" on {} (reference {reference})", day_label(paid_on.unwrap_or(today))))
        }
        PayoutState::Disputed => what.push_str(&format!(": {note}")),
        _ => {}
    }
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::DeliverableChanged {
            deliverable_id: line.deliverable_id,
            creator_id: line.creator_id,
            lane: Lane::parse(&d.get::<String, _>("lane")).unwrap_or(Lane::Influencer),
            status: crate::content::Status::parse(&d.get::<String, _>("status"))
                .unwrap_or(crate::content::Status::Approved),
            what,
        },
    )
    .await?;
    if input.state == PayoutState::Paid {
        let resolved = crate::escalations::ssr::resolve_breach(
            &mut w,
            campaign_id,
            OVERDUE_KIND,
            &overdue_key(payout_id),
            &format!("Paid, recorded by {}", who.me.name),
            at,
        )
        .await?;
        if let Some(e) = resolved {
            log::append(&mut w, campaign_id, &who.actor(), Change::EscalationUpdated { escalation: e }).await?;
        }
    }
    idempotency::store(&mut w, &scope, key, &payout_id).await?;
    w.commit().await?;
    one_line(db, campaign_id, payout_id).await
}

fn overdue_key(payout_id: i64) -> String {
    format!("payout:{payout_id}")
}

/// Raises an escalation, once, for every payout past its due day (in its campaign's time zone) that is neither
/// paid nor disputed, to the paying partner's accountable person. Safe to run from every process at once.
#[tracing::instrument(skip_all)]
pub async fn scan_overdue_payouts(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    // No time zone is more than a day ahead of UTC: anything due on or after tomorrow (UTC) is not late anywhere.
    let horizon = (now.date_naive() + chrono::Duration::days(1)).to_string();
    let rows = sqlx::query(
        "SELECT p.id, p.campaign_id FROM payouts p \
         WHERE p.state IN ('scheduled', 'approved') AND p.due_date < $1 \
         AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.campaign_id = p.campaign_id AND e.kind = 'payout_overdue' \
                         AND e.breach_key = 'payout:' || CAST(p.id AS TEXT)) \
         ORDER BY p.due_date LIMIT 500",
    )
    .bind(horizon)
    .fetch_all(&db.pool)
    .await?;
    let mut raised = 0;
    for r in &rows {
        let (payout_id, campaign_id): (i64, i64) = (r.get("id"), r.get("campaign_id"));
        let mut conn = db.pool.acquire().await?;
        let Some(line) = load_lines(&mut conn, Lines::One(campaign_id, payout_id), now).await?.pop() else { continue };
        drop(conn);
        if !line.overdue {
            continue;
        }
        let assignee = payer_accountable(db, campaign_id, line.payer.as_ref().map(|p| p.id)).await?;
        let title = format!(
            "Payout of {} to {} for \"{}\" is overdue",
            line.amount.label(),
            line.creator_name,
            line.deliverable_title
        );
        let payer = line.payer.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "not named".into());
        let detail = format!(
            "Paying partner: {payer}. Approved {}, net {} days: {} . It is {}. See the payout ledger: /campaigns/{campaign_id}/payouts",
            day_label(line.approved_on),
            line.terms_days,
            line.due_label.to_lowercase(),
            line.state.label().to_lowercase()
        );
        let mut w = db.write_campaign(campaign_id).await?;
        if crate::escalations::ssr::raise(
            &mut w,
            campaign_id,
            OVERDUE_KIND,
            &overdue_key(payout_id),
            &title,
            &detail,
            assignee,
        )
        .await?
        .is_some()
        {
            w.commit().await?;
            raised += 1;
        }
    }
    Ok(raised)
}

const CSV_COLUMNS: [&str; 20] = [
    "payout_id",
    "campaign",
    "creator",
    "deliverable",
    "amount",
    "currency",
    "payer",
    "terms_days",
    "approved_on",
    "due_date",
    "time_zone",
    "state",
    "overdue",
    "paid_on",
    "reference",
    "note",
    "amount_in_campaign_currency",
    "campaign_currency",
    "rate",
    "missing_rate",
];

fn to_csv(lines: &[PayoutLine]) -> String {
    use crate::creators::csv::push_record;
    let mut out = String::new();
    push_record(&mut out, &CSV_COLUMNS);
    for l in lines {
        let converted = l.converted.converted.as_ref();
        push_record(
            &mut out,
            &[
                l.id.to_string(),
                l.campaign_name.clone(),
                l.creator_name.clone(),
                l.deliverable_title.clone(),
                l.amount.plain(),
                l.amount.currency.clone(),
                l.payer.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
                l.terms_days.to_string(),
                l.approved_on.to_string(),
                l.due_date.to_string(),
                l.time_zone.clone(),
                l.state.key().to_string(),
                l.overdue.to_string(),
                l.paid_on.map(|d| d.to_string()).unwrap_or_default(),
                l.reference.clone(),
                l.note.clone(),
                converted.map(|m| m.plain()).unwrap_or_default(),
                converted.map(|m| m.currency.clone()).unwrap_or_default(),
                l.converted.rate.clone().unwrap_or_default(),
                l.converted.missing.clone().unwrap_or_default(),
            ],
        );
    }
    out
}

/// The campaign's ledger as CSV (for the partners' accounting), all lines or one creator's.
pub async fn ledger_csv(db: &Db, who: &Principal, campaign_id: i64, creator_id: Option<i64>) -> Result<String> {
    let l = ledger(db, who, campaign_id).await?;
    let lines: Vec<PayoutLine> = l.lines.into_iter().filter(|x| creator_id.is_none_or(|c| x.creator_id == c)).collect();
    Ok(to_csv(&lines))
}

/// The signed-in creator's payouts as CSV.
pub async fn creator_csv(db: &Db, who: &Principal) -> Result<String> {
    Ok(to_csv(&creator_payouts(db, who).await?.lines))
}

/// Every partner's share of each lane's budget line, against the fees it committed (deliverables of the creators
/// it owns, converted on the day each was briefed).
async fn budget_shares(
    db: &Db,
    campaign_id: i64,
    c: &CampaignMoney,
    rates: &[ExchangeRate],
) -> Result<Vec<BudgetShareLine>> {
    let mut conn = db.pool.acquire().await?;
    let shares = sqlx::query(
        "SELECT b.lane, b.share_minor, b.version, o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color \
         FROM budget_shares b JOIN organizations o ON o.id = b.org_id WHERE b.campaign_id = $1 ORDER BY b.lane, o.name",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    if shares.is_empty() {
        return Ok(Vec::new());
    }
    let fees = sqlx::query(
        "SELECT d.lane, cr.owner_org_id, d.fee_cents, d.fee_currency, d.created_at FROM deliverables d \
         JOIN creators cr ON cr.id = d.creator_id WHERE d.campaign_id = $1 AND d.status <> 'rejected'",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let zone = tz::of(&c.time_zone);
    let mut out = Vec::new();
    for s in &shares {
        let lane = Lane::parse(&s.get::<String, _>("lane")).unwrap_or(Lane::Influencer);
        let org_id: i64 = s.get("org_id");
        let converted: Vec<Converted> = fees
            .iter()
            .filter(|f| f.get::<String, _>("lane") == lane.as_str() && f.get::<i64, _>("owner_org_id") == org_id)
            .map(|f| {
                let day = tz::local_date(from_ms(f.get("created_at")), zone);
                convert_on(
                    rates,
                    &Money::new(f.get("fee_cents"), &f.get::<String, _>("fee_currency")),
                    &c.currency,
                    day,
                )
            })
            .collect();
        let committed = Total::of(&c.currency, converted.iter());
        let share = Money::new(s.get("share_minor"), &c.currency);
        out.push(BudgetShareLine {
            lane,
            over: committed.minor.is_some_and(|m| m > share.minor),
            share,
            committed,
            org: org_from_row(org_id, s.get("org_name"), s.get("org_kind"), s.get("org_color")),
            version: s.get("version"),
        });
    }
    Ok(out)
}

/// Sets a partner's share of a lane's budget line (in the campaign's currency), version-checked.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn set_budget_share(db: &Db, who: &Principal, campaign_id: i64, input: &SetBudgetShare) -> Result<Ledger> {
    authorize(db, who, campaign_id).await?;
    if !(0..=MAX_MINOR).contains(&input.share_minor) {
        return Err(AppError::validation("share_minor", format!("Use 0 to {MAX_MINOR} (minor units)")));
    }
    let partner: Option<i64> =
        sqlx::query_scalar("SELECT org_id FROM campaign_partners WHERE campaign_id = $1 AND org_id = $2")
            .bind(campaign_id)
            .bind(input.org_id)
            .fetch_optional(&db.pool)
            .await?;
    if partner.is_none() {
        return Err(AppError::validation("org_id", "Not a partner of this campaign"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM budget_shares WHERE campaign_id = $1 AND lane = $2 AND org_id = $3")
            .bind(campaign_id)
            .bind(input.lane.as_str())
            .bind(input.org_id)
            .fetch_optional(w.conn())
            .await?;
    if version.unwrap_or(0) != input.version {
        drop(w);
        return Err(AppError {
            current: None,
            ..AppError::new(
                ErrorCode::Conflict,
                "This share was changed by someone else meanwhile; reload the ledger. Your change was not applied.",
            )
        });
    }
    let currency: String = sqlx::query_scalar("SELECT currency FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(w.conn())
        .await?;
    sqlx::query(
        "INSERT INTO budget_shares (campaign_id, lane, org_id, share_minor, currency, version, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7) ON CONFLICT (campaign_id, lane, org_id) DO UPDATE SET \
         share_minor = excluded.share_minor, version = budget_shares.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(campaign_id)
    .bind(input.lane.as_str())
    .bind(input.org_id)
    .bind(input.share_minor)
    .bind(currency)
    .bind(who.me.user_id)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::LaneSaved { lane: input.lane }).await?;
    w.commit().await?;
    ledger(db, who, campaign_id).await
}
