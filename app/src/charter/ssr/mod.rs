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

mod checklist;
mod comments;
mod signoff;
mod view;

pub use checklist::{checklist, signatories};
pub use comments::{comment_charter, get_creator_charter, resolve_charter_comment};
pub use signoff::{launch_campaign, propose_charter, save_charter_section, sign_charter};
pub use view::{charter_markdown, get_charter};
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
