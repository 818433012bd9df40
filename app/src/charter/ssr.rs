//! Server side of the charter: the draft per section, versions, signatures, the launch gate, comments.
use std::collections::BTreeMap;

use super::validate;
use super::*;
use crate::accounts::ssr::{OrgRow, Principal};
use crate::accounts::Role;
use crate::campaigns::ssr::{authorize, authorize_creator};
use crate::db::{from_ms, now_ms, Db, WriteTx};
use crate::error::{AppError, ErrorCode, Result};
use crate::idempotency;
use crate::realtime::{log, Change};

/// The partners of a campaign and their members: who can be named in the charter.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn roster(db: &Db, campaign_id: i64) -> Result<Roster> {
    let partners = crate::campaigns::ssr::partners(db, campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct PersonRow {
        user_id: i64,
        name: String,
        org_id: i64,
    }
    let people = sqlx::query_as::<_, PersonRow>(
        "SELECT u.id AS user_id, u.name, u.org_id FROM users u JOIN campaign_partners p ON p.org_id = u.org_id \
         WHERE p.campaign_id = $1 AND u.role = 'member' ORDER BY u.org_id, u.name",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| Person { user_id: r.user_id, name: r.name, org_id: r.org_id })
    .collect();
    Ok(Roster { partners, people })
}

async fn draft(conn: &mut sqlx::AnyConnection, campaign_id: i64) -> Result<(CharterDoc, Vec<SectionMeta>)> {
    #[derive(sqlx::FromRow)]
    struct SectionRow {
        section: String,
        body: String,
        version: i64,
        updated_by: String,
        updated_at: i64,
    }
    let rows: Vec<SectionRow> = sqlx::query_as(
        "SELECT s.section, s.body, s.version, u.name AS updated_by, s.updated_at FROM charter_sections s \
         JOIN users u ON u.id = s.updated_by WHERE s.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut doc = CharterDoc::new_draft();
    let mut metas: BTreeMap<Section, SectionMeta> = Section::ALL
        .into_iter()
        .map(|s| (s, SectionMeta { section: s, version: 0, updated_by: None, updated_at: None }))
        .collect();
    for r in rows {
        let Some(section) = Section::parse(&r.section) else { continue };
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        if doc.set_section(section, body).is_err() {
            tracing::warn!(campaign_id, section = section.key(), "stored charter section no longer parses");
        }
        metas.insert(
            section,
            SectionMeta {
                section,
                version: r.version,
                updated_by: Some(r.updated_by),
                updated_at: Some(from_ms(r.updated_at)),
            },
        );
    }
    Ok((doc, metas.into_values().collect()))
}

async fn versions(db: &Db, campaign_id: i64) -> Result<Vec<CharterVersion>> {
    #[derive(sqlx::FromRow)]
    struct VersionRow {
        number: i64,
        body: String,
        proposed_by: String,
        proposed_at: i64,
    }
    #[derive(sqlx::FromRow)]
    struct SignatureRow {
        number: i64,
        #[sqlx(flatten)]
        org: OrgRow,
        user_name: String,
        signed_at: i64,
    }
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.number, v.body, u.name AS proposed_by, v.proposed_at FROM charter_versions v JOIN users u ON u.id = v.proposed_by \
         WHERE v.campaign_id = $1 ORDER BY v.number",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let sigs: Vec<SignatureRow> = sqlx::query_as(
        "SELECT s.number, o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color, \
         u.name AS user_name, s.signed_at FROM charter_signatures s \
         JOIN organizations o ON o.id = s.org_id JOIN users u ON u.id = s.user_id WHERE s.campaign_id = $1 ORDER BY s.signed_at",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CharterVersion {
            number: r.number,
            doc: serde_json::from_str(&r.body).unwrap_or_default(),
            proposed_by: r.proposed_by,
            proposed_at: from_ms(r.proposed_at),
            signatures: sigs
                .iter()
                .filter(|s| s.number == r.number)
                .map(|s| Signature {
                    org: s.org.clone().into(),
                    user_name: s.user_name.clone(),
                    signed_at: from_ms(s.signed_at),
                })
                .collect(),
        })
        .collect())
}

/// Who may sign for which partner: the people the version names as accountable for that partner's
/// responsibilities, and the campaign's accountable owner for their own organization.
pub fn signatories(doc: &CharterDoc, roster: &Roster) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> =
        doc.responsibilities.items.iter().filter_map(|r| r.accountable.map(|p| (r.org_id, p))).collect();
    if let Some(owner) = doc.ownership.accountable_owner.and_then(|o| roster.person(o)) {
        out.push((owner.org_id, owner.user_id));
    }
    out.sort();
    out.dedup();
    out
}

async fn comments(db: &Db, campaign_id: i64) -> Result<Vec<CharterComment>> {
    #[derive(sqlx::FromRow)]
    struct CommentRow {
        id: i64,
        section: String,
        author: String,
        author_role: String,
        body: String,
        parent_id: Option<i64>,
        created_at: i64,
        resolved_by: Option<String>,
    }
    let rows: Vec<CommentRow> = sqlx::query_as(
        "SELECT c.id, c.section, a.name AS author, a.role AS author_role, c.body, c.parent_id, c.created_at, \
         r.name AS resolved_by FROM charter_comments c \
         JOIN users a ON a.id = c.author_user_id LEFT JOIN users r ON r.id = c.resolved_by \
         WHERE c.campaign_id = $1 ORDER BY c.id",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(CharterComment {
                id: r.id,
                section: Section::parse(&r.section)?,
                author: r.author,
                author_is_creator: r.author_role == "creator",
                body: r.body,
                parent_id: r.parent_id,
                created_at: from_ms(r.created_at),
                resolved_by: r.resolved_by,
            })
        })
        .collect())
}

/// Open threads started by creators.
fn open_creator_threads(comments: &[CharterComment]) -> usize {
    comments.iter().filter(|c| c.parent_id.is_none() && c.author_is_creator && c.resolved_by.is_none()).count()
}

/// The launch checklist: completeness of the draft, the version, every partner's signature, and (as a
/// warning) creators' open comments.
pub fn checklist(
    draft: &CharterDoc,
    roster: &Roster,
    current: Option<&CharterVersion>,
    comments: &[CharterComment],
) -> Vec<CheckItem> {
    let mut items = validate::completeness(draft, roster);
    let item = |ok: bool, message: String| CheckItem { ok, blocking: true, section: None, message };
    match current {
        None => items.push(item(false, "Propose the charter for sign-off".into())),
        Some(v) => {
            items.push(item(
                v.doc == *draft,
                format!("Version {} is the charter as it stands (no changes since it was proposed)", v.number),
            ));
            for p in &roster.partners {
                let signed = v.signatures.iter().find(|s| s.org.id == p.id);
                items.push(item(
                    signed.is_some(),
                    match signed {
                        Some(s) => format!("Signed for {} by {}", p.name, s.user_name),
                        None => format!("Signature of {} on version {}", p.name, v.number),
                    },
                ));
            }
        }
    }
    let open = open_creator_threads(comments);
    items.push(CheckItem {
        ok: open == 0,
        blocking: false,
        section: None,
        message: if open == 0 { "No open creator comments".into() } else { format!("{open} open creator comment(s)") },
    });
    items
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_charter(db: &Db, who: &Principal, campaign_id: i64) -> Result<CharterView> {
    let campaign = crate::campaigns::ssr::get_campaign(db, who, campaign_id).await?;
    let head = log::head(&db.pool, campaign_id).await?.unwrap_or(0);
    let mut conn = db.pool.acquire().await?;
    let (draft, sections) = draft(&mut conn, campaign_id).await?;
    drop(conn);
    let roster = roster(db, campaign_id).await?;
    let all = versions(db, campaign_id).await?;
    let current = all.last().cloned();
    let last_signed = all.iter().rev().skip(1).find(|v| !v.signatures.is_empty()).cloned();
    let comments = comments(db, campaign_id).await?;
    let checklist = checklist(&draft, &roster, current.as_ref(), &comments);
    let my_org = who.member_org()?.id;
    let quarter = quarter_of(chrono::Utc::now().date_naive());
    let ugc_lead = current
        .as_ref()
        .map(|c| &c.doc)
        .unwrap_or(&draft)
        .ugc_lead(&quarter)
        .and_then(|o| roster.org(o))
        .map(|o| o.name.clone());
    let can_sign_for = current
        .as_ref()
        .map(|v| {
            signatories(&v.doc, &roster)
                .into_iter()
                .filter(|(org, p)| *p == who.me.user_id && *org == my_org)
                .map(|(o, _)| o)
                .collect()
        })
        .unwrap_or_default();
    Ok(CharterView {
        campaign_id,
        campaign_name: campaign.name,
        status: campaign.status,
        draft_differs: current.as_ref().is_none_or(|v| v.doc != draft),
        draft,
        sections,
        current,
        last_signed,
        roster,
        checklist,
        comments,
        can_sign_for,
        head,
        quarter,
        ugc_lead,
    })
}

async fn freeze(w: &mut WriteTx, who: &Principal, campaign_id: i64, doc: &CharterDoc) -> Result<i64> {
    let number: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM charter_versions WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_one(w.conn())
            .await?;
    sqlx::query("INSERT INTO charter_versions (campaign_id, number, body, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(campaign_id)
        .bind(number)
        .bind(serde_json::to_string(doc).unwrap_or_default())
        .bind(who.me.user_id)
        .bind(now_ms())
        .execute(w.conn())
        .await?;
    Ok(number)
}

async fn latest(w: &mut WriteTx, campaign_id: i64) -> Result<Option<(i64, CharterDoc, i64)>> {
    #[derive(sqlx::FromRow)]
    struct LatestRow {
        number: i64,
        body: String,
        signatures: i64,
    }
    let row: Option<LatestRow> = sqlx::query_as(
        "SELECT v.number, v.body, (SELECT COUNT(*) FROM charter_signatures s WHERE s.campaign_id = v.campaign_id AND s.number = v.number) AS signatures \
         FROM charter_versions v WHERE v.campaign_id = $1 ORDER BY v.number DESC LIMIT 1",
    )
    .bind(campaign_id)
    .fetch_optional(w.conn())
    .await?;
    Ok(row.map(|r| (r.number, serde_json::from_str(&r.body).unwrap_or_default(), r.signatures)))
}

/// Saves one section of the draft. A save based on a stale section version is refused with the section as
/// it is now. A change after someone signed freezes a new version (which nobody has signed yet).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn save_charter_section(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &SaveSection,
    key: Option<&str>,
) -> Result<SectionMeta> {
    authorize(db, who, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    let hash = idempotency::request_hash("charter_section", &(campaign_id, input));
    let scope = who.idempotency_scope();
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let (mut doc, metas) = draft(w.conn(), campaign_id).await?;
    let meta = metas.iter().find(|m| m.section == input.section).cloned().ok_or_else(AppError::internal)?;
    if meta.version != input.version {
        return Err(AppError::conflict(
            format!(
                "{} was changed by {} meanwhile (now version {}). Your edit was not saved: review their change, then apply yours again.",
                input.section.title(),
                meta.updated_by.clone().unwrap_or_else(|| "someone".into()),
                meta.version
            ),
            Some(serde_json::json!({ "section": input.section, "version": meta.version, "body": doc.section_json(input.section), "updated_by": meta.updated_by })),
        ));
    }
    doc.set_section(input.section, input.body.clone())
        .map_err(|e| AppError::validation(input.section.key(), format!("{}: {e}", input.section.title())))?;
    validate::section(&doc, input.section, &roster)?;
    let version = meta.version + 1;
    let now = now_ms();
    let body = serde_json::to_string(&doc.section_json(input.section)).unwrap_or_default();
    if meta.version == 0 {
        sqlx::query("INSERT INTO charter_sections (campaign_id, section, body, version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(campaign_id)
            .bind(input.section.key())
            .bind(&body)
            .bind(version)
            .bind(who.me.user_id)
            .bind(now)
            .execute(w.conn())
            .await?;
    } else {
        sqlx::query("UPDATE charter_sections SET body = $1, version = $2, updated_by = $3, updated_at = $4 WHERE campaign_id = $5 AND section = $6")
            .bind(&body)
            .bind(version)
            .bind(who.me.user_id)
            .bind(now)
            .bind(campaign_id)
            .bind(input.section.key())
            .execute(w.conn())
            .await?;
    }
    log::append(&mut w, campaign_id, &who.actor(), Change::CharterSectionSaved { section: input.section, version })
        .await?;
    if let Some((number, signed_doc, signatures)) = latest(&mut w, campaign_id).await? {
        if signatures > 0 && signed_doc != doc {
            let new = freeze(&mut w, who, campaign_id, &doc).await?;
            log::append(
                &mut w,
                campaign_id,
                &who.actor(),
                Change::CharterProposed { number: new, replaces_signed: Some(number) },
            )
            .await?;
        }
    }
    let saved = SectionMeta {
        section: input.section,
        version,
        updated_by: Some(who.me.name.clone()),
        updated_at: Some(from_ms(now)),
    };
    idempotency::store(&mut w, &scope, key, &saved).await?;
    w.commit().await?;
    Ok(saved)
}

/// Freezes the draft as the next numbered version for every partner to sign.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn propose_charter(db: &Db, who: &Principal, campaign_id: i64) -> Result<i64> {
    authorize(db, who, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let (doc, _) = draft(w.conn(), campaign_id).await?;
    for s in Section::ALL {
        validate::section(&doc, s, &roster)?;
    }
    if let Some((number, current, _)) = latest(&mut w, campaign_id).await? {
        if current == doc {
            return Err(AppError::validation(
                "charter",
                format!("Nothing changed since version {number}: it is already up for sign-off"),
            ));
        }
    }
    let number = freeze(&mut w, who, campaign_id, &doc).await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::CharterProposed { number, replaces_signed: None }).await?;
    w.commit().await?;
    Ok(number)
}

/// Signs version `number` for the signer's organization.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn sign_charter(db: &Db, who: &Principal, campaign_id: i64, number: i64) -> Result<()> {
    let org = authorize(db, who, campaign_id).await?;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("A person signs the charter, not an API token"));
    }
    let roster = roster(db, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let Some((current, doc, _)) = latest(&mut w, campaign_id).await? else {
        return Err(AppError::validation("number", "No version has been proposed for sign-off yet"));
    };
    if current != number {
        return Err(AppError::conflict(
            format!("Version {number} is no longer the one up for sign-off: read version {current} and sign that one"),
            Some(serde_json::json!({ "current_version": current })),
        ));
    }
    if !signatories(&doc, &roster).iter().any(|(o, p)| *o == org.id && *p == who.me.user_id) {
        return Err(AppError::forbidden(format!(
            "Only a person the charter names as accountable for {} (or the campaign's accountable owner) can sign for it",
            org.name
        )));
    }
    let done = sqlx::query(
        "INSERT INTO charter_signatures (campaign_id, number, org_id, user_id, signed_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (campaign_id, number, org_id) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(number)
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(now_ms())
    .execute(w.conn())
    .await?;
    if done.rows_affected() == 0 {
        // Signing twice is harmless: nothing to record.
        return Ok(());
    }
    log::append(&mut w, campaign_id, &who.actor(), Change::CharterSigned { number, org }).await?;
    w.commit().await?;
    Ok(())
}

/// Takes the campaign live, if and only if the checklist has nothing blocking; otherwise refuses with the list.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn launch_campaign(db: &Db, who: &Principal, campaign_id: i64) -> Result<()> {
    let view = get_charter(db, who, campaign_id).await?;
    if view.status == "live" {
        return Ok(());
    }
    let missing: Vec<String> =
        view.checklist.iter().filter(|c| c.blocking && !c.ok).map(|c| c.message.clone()).collect();
    if !missing.is_empty() {
        return Err(AppError {
            field: Some("charter".into()),
            current: Some(serde_json::json!({ "missing": missing })),
            ..AppError::new(ErrorCode::Validation, format!("The campaign cannot go live yet: {}", missing.join("; ")))
        });
    }
    let mut w = db.write_campaign(campaign_id).await?;
    let changed = sqlx::query("UPDATE campaigns SET status = 'live' WHERE id = $1 AND status <> 'live'")
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    if changed.rows_affected() == 1 {
        let number = view.current.map(|v| v.number).unwrap_or(0);
        log::append(&mut w, campaign_id, &who.actor(), Change::CampaignLaunched { charter_version: number }).await?;
    }
    w.commit().await?;
    Ok(())
}

/// The charter the campaign works by: the version up for sign-off (or signed), or the draft before any.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn current_doc(db: &Db, campaign_id: i64) -> Result<CharterDoc> {
    let all = versions(db, campaign_id).await?;
    Ok(match all.last() {
        Some(v) => v.doc.clone(),
        None => {
            let mut conn = db.pool.acquire().await?;
            draft(&mut conn, campaign_id).await?.0
        }
    })
}

/// The campaign's tier definitions (the template until the charter changes them).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn tiers(db: &Db, campaign_id: i64) -> Result<crate::charter::Tiers> {
    Ok(current_doc(db, campaign_id).await?.tiers)
}

/// This quarter's UGC strategy lead of a campaign (from the version up for sign-off, or the draft).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ugc_lead_now(db: &Db, campaign_id: i64) -> Result<(String, Option<String>)> {
    let quarter = quarter_of(chrono::Utc::now().date_naive());
    let doc = current_doc(db, campaign_id).await?;
    let roster = roster(db, campaign_id).await?;
    let lead = doc.ugc_lead(&quarter).and_then(|o| roster.org(o)).map(|o| o.name.clone());
    Ok((quarter, lead))
}

/// Partners comment on any section; creators on the sections they can see.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn comment_charter(db: &Db, who: &Principal, campaign_id: i64, input: &NewComment) -> Result<CharterComment> {
    let is_creator = who.me.role == Role::Creator;
    if is_creator {
        authorize_creator(db, who, campaign_id).await?;
        if !input.section.creator_facing() {
            return Err(AppError::validation(
                "section",
                "Creators comment on the brief, the pillars, the criteria and the point of contact",
            ));
        }
    } else {
        authorize(db, who, campaign_id).await?;
    }
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > 4000 {
        return Err(AppError::validation("body", "Write a comment of 1 to 4,000 characters"));
    }
    let mut w = db.write_campaign(campaign_id).await?;
    if let Some(parent) = input.parent_id {
        let (section, author): (String, i64) = sqlx::query_as("SELECT section, author_user_id FROM charter_comments WHERE id = $1 AND campaign_id = $2 AND parent_id IS NULL")
            .bind(parent)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?
            .ok_or_else(|| AppError::validation("parent_id", "Reply to a comment of this charter"))?;
        if is_creator && author != who.me.user_id {
            return Err(AppError::validation("parent_id", "Reply to a comment of this charter"));
        }
        if section != input.section.key() {
            return Err(AppError::validation("section", "A reply belongs to the same section as its comment"));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO charter_comments (campaign_id, section, author_user_id, body, parent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(input.section.key())
    .bind(who.me.user_id)
    .bind(body)
    .bind(input.parent_id)
    .bind(now_ms())
    .fetch_one(w.conn())
    .await?;
    log::append(
        &mut w,
        campaign_id,
        &who.actor(),
        Change::CharterCommented { comment_id: id, section: input.section, by_creator: is_creator },
    )
    .await?;
    w.commit().await?;
    Ok(CharterComment {
        id,
        section: input.section,
        author: who.me.name.clone(),
        author_is_creator: is_creator,
        body: body.to_string(),
        parent_id: input.parent_id,
        created_at: chrono::Utc::now(),
        resolved_by: None,
    })
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn resolve_charter_comment(db: &Db, who: &Principal, campaign_id: i64, comment_id: i64) -> Result<()> {
    authorize(db, who, campaign_id).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    let done = sqlx::query(
        "UPDATE charter_comments SET resolved_by = $1, resolved_at = $2 WHERE id = $3 AND campaign_id = $4 AND parent_id IS NULL AND resolved_at IS NULL",
    )
    .bind(who.me.user_id)
    .bind(now_ms())
    .bind(comment_id)
    .bind(campaign_id)
    .execute(w.conn())
    .await?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query("SELECT 1 FROM charter_comments WHERE id = $1 AND campaign_id = $2")
            .bind(comment_id)
            .bind(campaign_id)
            .fetch_optional(w.conn())
            .await?;
        return match exists {
            Some(_) => Ok(()), // already resolved
            None => Err(AppError::not_found("Comment")),
        };
    }
    log::append(&mut w, campaign_id, &who.actor(), Change::CharterCommentResolved { comment_id }).await?;
    w.commit().await?;
    Ok(())
}

/// The creator-facing part of the version under review (or the draft before any proposal).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_creator_charter(db: &Db, who: &Principal, campaign_id: i64) -> Result<CreatorCharter> {
    authorize_creator(db, who, campaign_id).await?;
    let name: String =
        sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1").bind(campaign_id).fetch_one(&db.pool).await?;
    let all = versions(db, campaign_id).await?;
    let (version, doc) = match all.last() {
        Some(v) => (Some(v.number), v.doc.clone()),
        None => {
            let mut conn = db.pool.acquire().await?;
            (None, draft(&mut conn, campaign_id).await?.0)
        }
    };
    let roster = roster(db, campaign_id).await?;
    // A creator sees their own threads only: never other creators' or partners' internal comments.
    let mine: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM charter_comments WHERE campaign_id = $1 AND author_user_id = $2 AND parent_id IS NULL",
    )
    .bind(campaign_id)
    .bind(who.me.user_id)
    .fetch_all(&db.pool)
    .await?;
    let comments = comments(db, campaign_id)
        .await?
        .into_iter()
        .filter(|c| mine.contains(&c.id) || c.parent_id.is_some_and(|p| mine.contains(&p)))
        .collect();
    Ok(CreatorCharter {
        campaign_id,
        campaign_name: name,
        version,
        contact: roster.person_label(doc.ownership.creator_contact),
        brief: doc.creative_brief,
        pillars: doc.pillars,
        criteria: doc.criteria,
        comments,
    })
}

/// The charter as Markdown: the version up for sign-off (or the draft before any).
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn charter_markdown(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    let v = get_charter(db, who, campaign_id).await?;
    Ok(match &v.current {
        Some(c) => markdown::document(&c.doc, &v.roster, &v.campaign_name, Some(c)),
        None => markdown::document(&v.draft, &v.roster, &v.campaign_name, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OrgKind;

    fn org(id: i64, name: &str) -> OrgRef {
        OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() }
    }

    fn roster() -> Roster {
        Roster {
            partners: vec![org(1, "Brand"), org(2, "Agency")],
            people: vec![
                Person { user_id: 10, name: "Maya".into(), org_id: 1 },
                Person { user_id: 20, name: "Jordan".into(), org_id: 2 },
            ],
        }
    }

    fn version(doc: &CharterDoc, signed_by: &[i64]) -> CharterVersion {
        CharterVersion {
            number: 3,
            doc: doc.clone(),
            proposed_by: "Maya".into(),
            proposed_at: chrono::Utc::now(),
            signatures: signed_by
                .iter()
                .map(|o| Signature {
                    org: org(*o, if *o == 1 { "Brand" } else { "Agency" }),
                    user_name: "X".into(),
                    signed_at: chrono::Utc::now(),
                })
                .collect(),
        }
    }

    fn blocking(items: &[CheckItem]) -> Vec<&str> {
        items.iter().filter(|c| c.blocking && !c.ok).map(|c| c.message.as_str()).collect()
    }

    #[test]
    fn the_gate_wants_a_proposal_then_every_signature_on_the_current_text() {
        let doc = CharterDoc::new_draft();
        let none = checklist(&doc, &roster(), None, &[]);
        assert!(blocking(&none).contains(&"Propose the charter for sign-off"));

        let half = checklist(&doc, &roster(), Some(&version(&doc, &[1])), &[]);
        let b = blocking(&half);
        assert!(b.contains(&"Signature of Agency on version 3"));
        assert!(!b.iter().any(|m| m.starts_with("Signature of Brand")));

        let mut edited = doc.clone();
        edited.audience.segment = "Hikers".into();
        let stale = checklist(&edited, &roster(), Some(&version(&doc, &[1, 2])), &[]);
        assert!(blocking(&stale).contains(&"Version 3 is the charter as it stands (no changes since it was proposed)"));
    }

    #[test]
    fn open_creator_comments_warn_without_blocking() {
        let doc = CharterDoc::new_draft();
        let comment = |resolved: bool, creator: bool| CharterComment {
            id: 1,
            section: Section::CreativeBrief,
            author: "Ava".into(),
            author_is_creator: creator,
            body: "?".into(),
            parent_id: None,
            created_at: chrono::Utc::now(),
            resolved_by: resolved.then(|| "Jordan".into()),
        };
        let items = checklist(&doc, &roster(), None, &[comment(false, true), comment(false, false)]);
        let warning = items.iter().find(|c| !c.blocking).unwrap();
        assert_eq!((warning.ok, warning.message.as_str()), (false, "1 open creator comment(s)"));
        let items = checklist(&doc, &roster(), None, &[comment(true, true)]);
        assert!(items.iter().find(|c| !c.blocking).unwrap().ok);
    }

    #[test]
    fn signatories_are_the_accountable_people_and_the_owner() {
        let mut doc = CharterDoc::new_draft();
        doc.responsibilities.items.push(Responsibility {
            org_id: 2,
            responsibility: "Talent".into(),
            accountable: Some(20),
        });
        doc.ownership.accountable_owner = Some(10);
        assert_eq!(signatories(&doc, &roster()), vec![(1, 10), (2, 20)]);
    }
}
