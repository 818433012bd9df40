//! Personal data on request, in the database: the export, the erasure of a creator from one campaign (one
//! transaction: personal fields cleared, the creator's files removed, every text of the campaign that names them —
//! the event log included — anonymised, the figures untouched), and deleting one's own account.
use sqlx::Row;

use super::{Erased, ErasedEverywhere, ErasureFailure, Needles, ERASED_CREATOR, ERASED_PERSON};
use crate::accounts::ssr::Principal;
use crate::accounts::Role;
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, Result};
use crate::media::storage::Storage;
use crate::realtime::{log, Actor, Change};

/// The campaign's tables that hold text, with their key columns (`true`: a text key) and the text columns to
/// anonymise; every one has a `campaign_id`. The creator's own record, handles and files are handled first.
/// A table, its key columns (`true`: a text key) and its text columns.
type TextTable = (&'static str, &'static [(&'static str, bool)], &'static [&'static str]);

const TEXTS: &[TextTable] = &[
    ("events", &[("campaign_id", false), ("seq", false)], &["body"]),
    ("creators", &[("id", false)], &["name", "audience_notes", "rates", "contact_email", "next_action"]),
    ("creator_history", &[("id", false)], &["body", "actor_name", "actor_org_name"]),
    ("pool_imports", &[("id", false)], &["filename", "body"]),
    ("deliverables", &[("id", false)], &["title", "expectations"]),
    ("submissions", &[("id", false)], &["caption", "link", "feedback", "criteria", "disclosure", "disclosure_note"]),
    ("uploads", &[("id", true)], &["file_name", "client_key", "error"]),
    ("deliverable_comments", &[("id", false)], &["author_name", "org_name", "body"]),
    ("escalations", &[("id", false)], &["title", "detail", "note"]),
    ("outbox", &[("id", false)], &["to_email", "to_name", "subject", "body", "last_error"]),
    ("charter_sections", &[("campaign_id", false), ("section", true)], &["body"]),
    ("charter_versions", &[("campaign_id", false), ("number", false)], &["body"]),
    ("charter_comments", &[("id", false)], &["body"]),
    ("posts", &[("id", false)], &["url", "title"]),
    ("metric_imports", &[("id", false)], &["filename", "body"]),
    ("webhook_deliveries", &[("id", false)], &["payload", "last_error"]),
    ("notifications", &[("id", false)], &["title", "body"]),
    ("rights_terms", &[("deliverable_id", false)], &["exclusivity"]),
    ("rights_codes", &[("id", false)], &["code", "added_by_name"]),
    ("rights_uses", &[("id", false)], &["note", "logged_by_name"]),
    ("payouts", &[("id", false)], &["reference", "note"]),
];

enum Key {
    Int(i64),
    Text(String),
}

/// Replaces every needle in the campaign's texts (`TEXTS`) with `with`; the number of rows changed.
async fn scrub_campaign(w: &mut WriteTx, campaign_id: i64, needles: &Needles, with: &str) -> Result<i64> {
    if needles.is_empty() {
        return Ok(0);
    }
    let mut changed_rows = 0;
    for (table, keys, cols) in TEXTS {
        let key_list = keys.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {key_list}, {} FROM {table} WHERE campaign_id = $1", cols.join(", "));
        let rows = sqlx::query(&sql).bind(campaign_id).fetch_all(w.conn()).await?;
        for row in rows {
            let mut changes: Vec<(&str, String)> = Vec::new();
            for (i, col) in cols.iter().enumerate() {
                let text: Option<String> = row.try_get(keys.len() + i)?;
                if let Some(new) = text.and_then(|t| needles.scrub_stored(&t, with)) {
                    changes.push((*col, new));
                }
            }
            if changes.is_empty() {
                continue;
            }
            let key_values: Vec<Key> = keys
                .iter()
                .enumerate()
                .map(|(i, (_, text))| Ok(if *text { Key::Text(row.try_get(i)?) } else { Key::Int(row.try_get(i)?) }))
                .collect::<std::result::Result<_, sqlx::Error>>()?;
            let sets = changes.iter().enumerate().map(|(i, (c, _))| format!("{c} = ${}", i + 1)).collect::<Vec<_>>();
            let wheres = keys
                .iter()
                .enumerate()
                .map(|(i, (k, _))| format!("{k} = ${}", changes.len() + i + 1))
                .collect::<Vec<_>>();
            let sql = format!("UPDATE {table} SET {} WHERE {}", sets.join(", "), wheres.join(" AND "));
            let mut q = sqlx::query(&sql);
            for (_, v) in &changes {
                q = q.bind(v.clone());
            }
            for k in &key_values {
                q = match k {
                    Key::Int(v) => q.bind(*v),
                    Key::Text(v) => q.bind(v.clone()),
                };
            }
            q.execute(w.conn()).await?;
            changed_rows += 1;
        }
    }
    // Answers kept for retried requests (idempotency keys) may quote the person: they are dropped.
    for n in needles.texts() {
        sqlx::query("DELETE FROM idempotency_keys WHERE LOWER(response) LIKE $1")
            .bind(format!("%{n}%"))
            .execute(w.conn())
            .await?;
    }
    Ok(changed_rows)
}

async fn privacy_log(
    w: &mut WriteTx,
    kind: &str,
    org_id: Option<i64>,
    campaign_id: Option<i64>,
    actor: Option<i64>,
    subject: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO privacy_log (kind, org_id, campaign_id, actor_user_id, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kind)
    .bind(org_id)
    .bind(campaign_id)
    .bind(actor)
    .bind(subject)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    Ok(())
}

/// An organization erases a creator from one of its campaigns (any member of a partner organization).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id, creator = %creator_id))]
pub async fn erase_creator(
    db: &Db,
    files: &impl Storage,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
) -> Result<Erased> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    erase(db, files, &who.actor(), Some(org.id), campaign_id, creator_id).await
}

/// An organization erases a creator from every campaign it is a partner of: the record chosen in `campaign_id`
/// and each record of the same person in the organization's other campaigns (linked to the same portal account,
/// or with the same contact email, or the same handle on a platform). Each campaign is erased in its own
/// transaction, as by [`erase_creator`], and every partner of that campaign sees it; a campaign that fails is
/// reported and leaves the others erased (asking again retries it). Campaigns of other organizations are not
/// touched, nor is the person's account while a record of theirs remains there.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id, creator = %creator_id))]
pub async fn erase_creator_everywhere(
    db: &Db,
    files: &impl Storage,
    who: &Principal,
    campaign_id: i64,
    creator_id: i64,
) -> Result<ErasedEverywhere> {
    let org = crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    let records = same_person(db, org.id, campaign_id, creator_id).await?;
    let actor = who.actor();
    let mut done = ErasedEverywhere { erased: Vec::new(), failed: Vec::new() };
    for (campaign, creator) in records {
        match erase(db, files, &actor, Some(org.id), campaign, creator).await {
            Ok(e) => done.erased.push(e),
            Err(e) => {
                tracing::warn!(campaign, creator, error = %e.message, "erasure failed in one campaign");
                done.failed.push(ErasureFailure { campaign_id: campaign, creator_id: creator, message: e.message });
            }
        }
    }
    tracing::info!(erased = done.erased.len(), failed = done.failed.len(), "creator erased across campaigns");
    Ok(done)
}

/// The records of the person behind creator `creator_id` of `campaign_id` in the campaigns `org_id` is a partner
/// of (that record first): (campaign, creator), each once, erased ones left out.
async fn same_person(db: &Db, org_id: i64, campaign_id: i64, creator_id: i64) -> Result<Vec<(i64, i64)>> {
    let start: Option<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT user_id, contact_email FROM creators WHERE id = $1 AND campaign_id = $2 AND name <> $3")
            .bind(creator_id)
            .bind(campaign_id)
            .bind(ERASED_CREATOR)
            .fetch_optional(&db.pool)
            .await?;
    let Some((user_id, email)) = start else { return Err(AppError::not_found("Creator")) };
    let email = email.map(|e| e.trim().to_lowercase()).filter(|e| e.contains('@'));
    let mut found: Vec<(i64, i64)> = vec![(campaign_id, creator_id)];
    let ours = "SELECT cr.campaign_id, cr.id FROM creators cr \
                JOIN campaign_partners p ON p.campaign_id = cr.campaign_id AND p.org_id = $1 WHERE cr.name <> $2 AND ";
    found.extend(
        sqlx::query_as::<_, (i64, i64)>(&format!(
            "{ours} ((cr.user_id IS NOT NULL AND cr.user_id = $3) OR (cr.contact_email IS NOT NULL AND LOWER(cr.contact_email) = $4))"
        ))
        .bind(org_id)
        .bind(ERASED_CREATOR)
        .bind(user_id)
        .bind(&email)
        .fetch_all(&db.pool)
        .await?,
    );
    let handles: Vec<(String, String)> = sqlx::query_as(
        "SELECT platform, handle_key FROM creator_handles WHERE creator_id = $1 AND handle_key NOT LIKE 'erased-%'",
    )
    .bind(creator_id)
    .fetch_all(&db.pool)
    .await?;
    for (platform, key) in handles {
        found.extend(
            sqlx::query_as::<_, (i64, i64)>(&format!(
                "{ours} cr.id IN (SELECT creator_id FROM creator_handles WHERE platform = $3 AND handle_key = $4)"
            ))
            .bind(org_id)
            .bind(ERASED_CREATOR)
            .bind(&platform)
            .bind(&key)
            .fetch_all(&db.pool)
            .await?,
        );
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|r| seen.insert(*r));
    // The chosen record first, then campaign by campaign.
    found[1..].sort_unstable();
    Ok(found)
}

/// The erasure itself, in one transaction on the campaign; files are removed once it commits.
async fn erase(
    db: &Db,
    files: &impl Storage,
    actor: &Actor,
    org_id: Option<i64>,
    campaign_id: i64,
    creator_id: i64,
) -> Result<Erased> {
    let mut w = db.write_campaign(campaign_id).await?;
    let row =
        sqlx::query("SELECT name, handle, contact_email, user_id FROM creators WHERE id = $1 AND campaign_id = $2")
            .bind(creator_id)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?
            .ok_or_else(|| AppError::not_found("Creator"))?;
    let user_id: Option<i64> = row.get("user_id");
    let mut texts: Vec<String> = vec![row.get("name"), row.get("handle")];
    texts.extend(row.get::<Option<String>, _>("contact_email"));
    let handles: Vec<String> = sqlx::query_scalar("SELECT handle FROM creator_handles WHERE creator_id = $1")
        .bind(creator_id)
        .fetch_all(w.conn())
        .await?;
    texts.extend(handles);
    if let Some(uid) = user_id {
        if let Some(u) =
            sqlx::query("SELECT name, email FROM users WHERE id = $1").bind(uid).fetch_optional(w.conn()).await?
        {
            texts.push(u.get("name"));
            texts.push(u.get("email"));
        }
    }
    // The record's own texts, never a placeholder it already carries.
    texts.retain(|t| t != ERASED_CREATOR && !t.starts_with("erased-"));
    let needles = Needles::new(texts);
    let now = now_ms();

    // Files: the drafts of the creator's deliverables (and anything the person uploaded here).
    let uploads: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM uploads WHERE campaign_id = $1 AND (deliverable_id IN (SELECT id FROM deliverables WHERE creator_id = $2) OR user_id = $3)",
    )
    .bind(campaign_id)
    .bind(creator_id)
    .bind(user_id.unwrap_or(0))
    .fetch_all(w.conn())
    .await?;
    sqlx::query(
        "DELETE FROM uploads WHERE campaign_id = $1 AND (deliverable_id IN (SELECT id FROM deliverables WHERE creator_id = $2) OR user_id = $3)",
    )
    .bind(campaign_id)
    .bind(creator_id)
    .bind(user_id.unwrap_or(0))
    .execute(w.conn())
    .await?;
    // What the creator wrote: captions and links of their drafts, their comments.
    sqlx::query(
        "UPDATE submissions SET caption = '', link = NULL, disclosure = NULL \
         WHERE deliverable_id IN (SELECT id FROM deliverables WHERE creator_id = $1)",
    )
    .bind(creator_id)
    .execute(w.conn())
    .await?;
    if let Some(uid) = user_id {
        sqlx::query("UPDATE deliverable_comments SET body = '(erased)', author_name = $1 WHERE campaign_id = $2 AND user_id = $3")
            .bind(ERASED_CREATOR)
            .bind(campaign_id)
            .bind(uid)
            .execute(w.conn())
            .await?;
        sqlx::query("UPDATE charter_comments SET body = '(erased)' WHERE campaign_id = $1 AND author_user_id = $2")
            .bind(campaign_id)
            .bind(uid)
            .execute(w.conn())
            .await?;
    }
    // Notes about the person go; the rest of the history stays, anonymised below.
    sqlx::query("DELETE FROM creator_history WHERE creator_id = $1 AND kind = 'note'")
        .bind(creator_id)
        .execute(w.conn())
        .await?;
    // Posts keep their figures; their addresses (which name the account) go.
    sqlx::query("UPDATE posts SET url = 'erased-' || CAST(id AS TEXT), title = '' WHERE creator_id = $1")
        .bind(creator_id)
        .execute(w.conn())
        .await?;
    sqlx::query(
        "UPDATE creator_handles SET handle = 'erased-' || CAST(id AS TEXT), handle_key = 'erased-' || CAST(id AS TEXT) WHERE creator_id = $1",
    )
    .bind(creator_id)
    .execute(w.conn())
    .await?;
    // The record keeps its stage, owner, lane and figures (the board's counts and every total stay as they were).
    sqlx::query(
        "UPDATE creators SET name = $1, handle = 'erased-' || CAST(id AS TEXT), handle_key = 'erased-' || CAST(id AS TEXT), \
         contact_email = NULL, audience_notes = '', rates = '', next_action = NULL, next_action_due = NULL, country = NULL, \
         language = NULL, user_id = NULL, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(ERASED_CREATOR)
    .bind(now)
    .bind(creator_id)
    .execute(w.conn())
    .await?;
    let rows_changed = scrub_campaign(&mut w, campaign_id, &needles, ERASED_CREATOR).await?;
    // The account, once no campaign has the person as a creator any more.
    let mut account_erased = false;
    if let Some(uid) = user_id {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM creators WHERE user_id = $1")
            .bind(uid)
            .fetch_one(w.conn())
            .await?;
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM users WHERE id = $1").bind(uid).fetch_optional(w.conn()).await?;
        if left == 0 && role.as_deref() == Some("creator") {
            anonymise_account(&mut w, uid, ERASED_CREATOR).await?;
            account_erased = true;
        }
    }
    privacy_log(&mut w, "erasure", org_id, Some(campaign_id), Some(actor.user_id), &format!("creator #{creator_id}"))
        .await?;
    // Every partner's board shows the anonymised card at once, and the activity trail says what happened.
    if let Some(card) = crate::creators::ssr::card_by_id(w.conn(), campaign_id, creator_id).await? {
        log::append(
            &mut w,
            campaign_id,
            actor,
            Change::CardUpdated { card, what: "erased a creator's personal data (the figures stay)".into() },
        )
        .await?;
    }
    w.commit().await?;
    let mut files_removed = 0;
    for id in &uploads {
        for key in [
            crate::content::uploads::original_key(campaign_id, id),
            crate::content::uploads::thumb_key(campaign_id, id),
        ] {
            if files.remove(&key).await.is_ok() {
                files_removed += 1;
            }
        }
    }
    tracing::info!(files_removed, rows_changed, account_erased, "creator erased");
    Ok(Erased { campaign_id, creator_id, files_removed, rows_changed, account_erased })
}

/// The account row keeps its id (the records that name who did what point at it) and nothing else of the person.
async fn anonymise_account(w: &mut WriteTx, user_id: i64, name: &str) -> Result<()> {
    sqlx::query(
        "UPDATE users SET name = $1, email = 'erased-' || CAST(id AS TEXT) || '@erased.invalid', password_hash = '!' WHERE id = $2",
    )
    .bind(name)
    .bind(user_id)
    .execute(w.conn())
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(w.conn()).await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Deletes the signed-in person's own account, after checking the password. A creator is erased from every
/// campaign they are in (one transaction each); a partner member's name and email are taken out of every campaign
/// of their organization (one transaction each); then the account is anonymised and every session ends.
pub async fn delete_account(db: &Db, files: &impl Storage, who: &Principal, password: &str) -> Result<()> {
    if who.via_token.is_some() {
        return Err(AppError::forbidden("An account is deleted by its owner, signed in, not with an API token"));
    }
    crate::limits::check_len("password", password, crate::limits::PASSWORD)?;
    let uid = who.me.user_id;
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(uid).fetch_one(&db.pool).await?;
    if !crate::accounts::ssr::verify_password(password, &hash).await? {
        return Err(AppError::validation("password", "The password is not right"));
    }
    let nobody = Actor { user_id: uid, name: ERASED_PERSON.into(), org_id: None, org_name: None };
    match who.me.role {
        Role::Creator => {
            let records: Vec<(i64, i64)> =
                sqlx::query_as("SELECT campaign_id, id FROM creators WHERE user_id = $1 ORDER BY campaign_id, id")
                    .bind(uid)
                    .fetch_all(&db.pool)
                    .await?;
            let actor = Actor { name: ERASED_CREATOR.into(), ..nobody };
            for (campaign_id, creator_id) in records {
                erase(db, files, &actor, None, campaign_id, creator_id).await?;
            }
        }
        Role::Member => {
            let needles = Needles::new([who.me.name.clone(), who.me.email.clone()]);
            let campaigns: Vec<i64> = match &who.me.org {
                Some(org) => {
                    sqlx::query_scalar("SELECT campaign_id FROM campaign_partners WHERE org_id = $1")
                        .bind(org.id)
                        .fetch_all(&db.pool)
                        .await?
                }
                None => Vec::new(),
            };
            for campaign_id in campaigns {
                let mut w = db.write_campaign(campaign_id).await?;
                scrub_campaign(&mut w, campaign_id, &needles, ERASED_PERSON).await?;
                sqlx::query("UPDATE creators SET owner_user_id = NULL WHERE campaign_id = $1 AND owner_user_id = $2")
                    .bind(campaign_id)
                    .bind(uid)
                    .execute(w.conn())
                    .await?;
                w.commit().await?;
            }
        }
    }
    let mut w = db.write().await?;
    anonymise_account(&mut w, uid, if who.me.role == Role::Creator { ERASED_CREATOR } else { ERASED_PERSON }).await?;
    privacy_log(
        &mut w,
        "account_deleted",
        who.me.org.as_ref().map(|o| o.id),
        None,
        Some(uid),
        &format!("account #{uid}"),
    )
    .await?;
    w.commit().await?;
    tracing::info!(user = uid, "account deleted by its owner");
    Ok(())
}

fn ms(v: Option<i64>) -> serde_json::Value {
    v.map(|m| serde_json::json!(from_ms(m))).unwrap_or(serde_json::Value::Null)
}

/// Everything Chorus holds about the signed-in person, as one JSON document; files are listed with the address
/// that serves them to this person (`/files/{id}`).
pub async fn export(db: &Db, who: &Principal) -> Result<serde_json::Value> {
    use serde_json::json;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("Sign in to download your data; an API token cannot"));
    }
    let uid = who.me.user_id;
    let pool = &db.pool;
    let account = sqlx::query("SELECT id, name, email, role, created_at FROM users WHERE id = $1")
        .bind(uid)
        .fetch_one(pool)
        .await?;
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(uid).fetch_one(pool).await?;
    let tokens = sqlx::query("SELECT name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id")
        .bind(uid)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| json!({ "name": r.get::<String, _>("name"), "prefix": r.get::<String, _>("prefix"), "created_at": ms(r.get("created_at")), "last_used_at": ms(r.get("last_used_at")), "revoked_at": ms(r.get("revoked_at")) }))
        .collect::<Vec<_>>();
    let mut records = Vec::new();
    let creators = sqlx::query(
        "SELECT c.id, c.campaign_id, k.name AS campaign_name, c.name, c.platform, c.handle, c.followers, c.country, c.language, \
         c.audience_notes, c.rates, c.contact_email, c.lane, c.stage, c.created_at FROM creators c JOIN campaigns k ON k.id = c.campaign_id \
         WHERE c.user_id = $1 ORDER BY c.campaign_id, c.id",
    )
    .bind(uid)
    .fetch_all(pool)
    .await?;
    for c in &creators {
        let cid: i64 = c.get("id");
        let handles = sqlx::query("SELECT platform, handle, followers FROM creator_handles WHERE creator_id = $1 ORDER BY position, id")
            .bind(cid)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|h| json!({ "platform": h.get::<String, _>("platform"), "handle": h.get::<String, _>("handle"), "followers": h.get::<i64, _>("followers") }))
            .collect::<Vec<_>>();
        let mut deliverables = Vec::new();
        for d in sqlx::query("SELECT id, lane, title, expectations, due_date, fee_cents, status, payout FROM deliverables WHERE creator_id = $1 ORDER BY id")
            .bind(cid)
            .fetch_all(pool)
            .await?
        {
            let did: i64 = d.get("id");
            let rounds = sqlx::query("SELECT round, caption, link, submitted_at, decision, feedback FROM submissions WHERE deliverable_id = $1 ORDER BY round")
                .bind(did)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|s| json!({ "round": s.get::<i64, _>("round"), "caption": s.get::<String, _>("caption"), "link": s.get::<Option<String>, _>("link"), "submitted_at": ms(s.get("submitted_at")), "decision": s.get::<Option<String>, _>("decision"), "feedback": s.get::<String, _>("feedback") }))
                .collect::<Vec<_>>();
            let comments = sqlx::query("SELECT author_name, body, created_at FROM deliverable_comments WHERE deliverable_id = $1 AND internal = 0 ORDER BY id")
                .bind(did)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|m| json!({ "by": m.get::<String, _>("author_name"), "body": m.get::<String, _>("body"), "at": ms(m.get("created_at")) }))
                .collect::<Vec<_>>();
            deliverables.push(json!({
                "id": did, "lane": d.get::<String, _>("lane"), "title": d.get::<String, _>("title"),
                "expectations": d.get::<String, _>("expectations"), "due_date": d.get::<Option<String>, _>("due_date"),
                "fee_cents": d.get::<i64, _>("fee_cents"), "status": d.get::<String, _>("status"), "payout": d.get::<String, _>("payout"),
                "rounds": rounds, "comments": comments,
            }));
        }
        records.push(json!({
            "campaign_id": c.get::<i64, _>("campaign_id"), "campaign": c.get::<String, _>("campaign_name"),
            "creator_id": cid, "name": c.get::<String, _>("name"), "platform": c.get::<String, _>("platform"),
            "handle": c.get::<String, _>("handle"), "followers": c.get::<i64, _>("followers"),
            "country": c.get::<Option<String>, _>("country"), "language": c.get::<Option<String>, _>("language"),
            "audience_notes": c.get::<String, _>("audience_notes"), "rates": c.get::<String, _>("rates"),
            "contact_email": c.get::<Option<String>, _>("contact_email"), "lane": c.get::<String, _>("lane"),
            "stage": c.get::<String, _>("stage"), "added_at": ms(c.get("created_at")),
            "handles": handles, "deliverables": deliverables,
        }));
    }
    let files = sqlx::query("SELECT id, campaign_id, file_name, size, kind, status, created_at FROM uploads WHERE user_id = $1 ORDER BY created_at")
        .bind(uid)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|f| {
            let id: String = f.get("id");
            json!({ "id": id, "campaign_id": f.get::<i64, _>("campaign_id"), "file_name": f.get::<String, _>("file_name"), "size": f.get::<i64, _>("size"), "kind": f.get::<Option<String>, _>("kind"), "status": f.get::<String, _>("status"), "uploaded_at": ms(f.get("created_at")), "url": format!("/files/{id}") })
        })
        .collect::<Vec<_>>();
    let comments = sqlx::query("SELECT campaign_id, deliverable_id, internal, body, created_at FROM deliverable_comments WHERE user_id = $1 ORDER BY id")
        .bind(uid)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|m| json!({ "campaign_id": m.get::<i64, _>("campaign_id"), "deliverable_id": m.get::<i64, _>("deliverable_id"), "internal": m.get::<i64, _>("internal") != 0, "body": m.get::<String, _>("body"), "at": ms(m.get("created_at")) }))
        .collect::<Vec<_>>();
    let charter_comments = sqlx::query("SELECT campaign_id, section, body, created_at FROM charter_comments WHERE author_user_id = $1 ORDER BY id")
        .bind(uid)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|m| json!({ "campaign_id": m.get::<i64, _>("campaign_id"), "section": m.get::<String, _>("section"), "body": m.get::<String, _>("body"), "at": ms(m.get("created_at")) }))
        .collect::<Vec<_>>();
    let activity = sqlx::query(
        "SELECT campaign_id, body FROM events WHERE actor_user_id = $1 ORDER BY created_at DESC LIMIT 5000",
    )
    .bind(uid)
    .fetch_all(pool)
    .await?
    .iter()
    .filter_map(|r| serde_json::from_str::<crate::realtime::Event>(&r.get::<String, _>("body")).ok())
    .map(|e| json!({ "campaign_id": e.campaign_id, "at": e.at, "what": e.describe() }))
    .collect::<Vec<_>>();
    let mut w = db.write().await?;
    privacy_log(&mut w, "export", who.me.org.as_ref().map(|o| o.id), None, Some(uid), &format!("account #{uid}"))
        .await?;
    w.commit().await?;
    Ok(json!({
        "exported_at": chrono::Utc::now(),
        "account": {
            "id": account.get::<i64, _>("id"), "name": account.get::<String, _>("name"), "email": account.get::<String, _>("email"),
            "role": account.get::<String, _>("role"), "organization": who.me.org.as_ref().map(|o| o.name.clone()),
            "created_at": ms(account.get("created_at")),
        },
        "sessions": sessions,
        "api_tokens": tokens,
        "creator_records": records,
        "files": files,
        "comments": comments,
        "charter_comments": charter_comments,
        "activity": activity,
    }))
}

/// The campaign's creators that can still be erased, for the erasure page (partners only).
pub async fn erasure_view(db: &Db, who: &Principal, campaign_id: i64) -> Result<crate::routes::privacy::ErasureView> {
    crate::campaigns::ssr::authorize(db, who, campaign_id).await?;
    let campaign_name: String =
        sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1").bind(campaign_id).fetch_one(&db.pool).await?;
    let creators: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM creators WHERE campaign_id = $1 AND name <> $2 ORDER BY name, id")
            .bind(campaign_id)
            .bind(ERASED_CREATOR)
            .fetch_all(&db.pool)
            .await?;
    Ok(crate::routes::privacy::ErasureView { campaign_id, campaign_name, creators })
}
