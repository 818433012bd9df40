//! Server side of campaigns: creation, the membership check every read and write goes through, invitations.
use sqlx::Row;

use super::{CampaignSummary, CreatorCampaign, Invitation, InvitationKind, NewCampaign, NewInvitation};
use crate::accounts::ssr::{
    ensure_email_free, insert_user, org_from_row, prepare_person, random_token, sha256_hex, Principal,
};
use crate::accounts::Role;
use crate::db::{from_ms, now_ms, Db};
use crate::error::{AppError, Result};
use crate::realtime::{log, Change};
use crate::vocab::OrgRef;
use crate::vocab::Stage;

const INVITATION_DAYS: i64 = 14;

/// Campaigns the principal's organization is a partner of, newest first.
pub async fn list(db: &Db, who: &Principal) -> Result<Vec<CampaignSummary>> {
    let org = who.member_org()?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM campaigns c JOIN campaign_partners p ON p.campaign_id = c.id \
         WHERE p.org_id = $1 ORDER BY c.id DESC",
    )
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(summary(db, id).await?);
    }
    Ok(out)
}

async fn summary(db: &Db, campaign_id: i64) -> Result<CampaignSummary> {
    let row = sqlx::query(
        "SELECT c.id, c.name, c.status, c.created_at, o.id, o.name, o.kind, o.color \
         FROM campaigns c JOIN organizations o ON o.id = c.owner_org_id WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Campaign"))?;
    let partners = partners(db, campaign_id).await?;
    Ok(CampaignSummary {
        id: row.get(0),
        name: row.get(1),
        status: row.get(2),
        created_at: from_ms(row.get(3)),
        owner_org: org_from_row(row.get(4), row.get(5), row.get(6), row.get(7)),
        partners,
    })
}

/// The partner organizations of a campaign, in the order they joined.
pub async fn partners(db: &Db, campaign_id: i64) -> Result<Vec<OrgRef>> {
    Ok(sqlx::query(
        "SELECT o.id, o.name, o.kind, o.color FROM campaign_partners p JOIN organizations o ON o.id = p.org_id \
         WHERE p.campaign_id = $1 ORDER BY p.joined_at, o.id",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| org_from_row(r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect())
}

/// The one check every campaign read, write and subscription goes through. Anyone whose organization is
/// not a partner gets "not found", exactly as for a campaign that does not exist.
pub async fn authorize(db: &Db, who: &Principal, campaign_id: i64) -> Result<OrgRef> {
    let not_found = || AppError::not_found("Campaign");
    let org = who.member_org().map_err(|_| not_found())?;
    let partner = sqlx::query("SELECT 1 FROM campaign_partners WHERE campaign_id = $1 AND org_id = $2")
        .bind(campaign_id)
        .bind(org.id)
        .fetch_optional(&db.pool)
        .await?;
    partner.map(|_| org.clone()).ok_or_else(not_found)
}

pub async fn get(db: &Db, who: &Principal, campaign_id: i64) -> Result<CampaignSummary> {
    authorize(db, who, campaign_id).await?;
    summary(db, campaign_id).await
}

pub async fn create(db: &Db, who: &Principal, input: &NewCampaign) -> Result<CampaignSummary> {
    let org = who.member_org()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.contains('\0') {
        return Err(AppError::validation("name", "Give the campaign a name of 1 to 120 characters"));
    }
    let now = now_ms();
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (name, owner_org_id, status, last_seq, created_at) VALUES ($1, $2, 'draft', 0, $3) RETURNING id",
    )
    .bind(name)
    .bind(org.id)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    sqlx::query("INSERT INTO campaign_partners (campaign_id, org_id, joined_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(org.id)
        .bind(now)
        .execute(w.conn())
        .await?;
    log::append(&mut w, id, &who.actor(), Change::PartnerJoined { org: org.clone() }).await?;
    w.commit().await?;
    summary(db, id).await
}

/// Creates an invitation link. Partner invitations bring another organization in; creator invitations
/// give a creator of the pool an account of their own.
pub async fn invite(db: &Db, who: &Principal, campaign_id: i64, input: &NewInvitation) -> Result<(Invitation, String)> {
    authorize(db, who, campaign_id).await?;
    match (input.kind, input.creator_id) {
        (InvitationKind::Creator, None) => {
            return Err(AppError::validation("creator_id", "Choose the creator to invite"));
        }
        (InvitationKind::Creator, Some(creator_id)) => {
            let row = sqlx::query("SELECT name, user_id FROM creators WHERE id = $1 AND campaign_id = $2")
                .bind(creator_id)
                .bind(campaign_id)
                .fetch_optional(&db.pool)
                .await?
                .ok_or_else(|| AppError::validation("creator_id", "No such creator in this campaign's pool"))?;
            if row.get::<Option<i64>, _>(1).is_some() {
                return Err(AppError::validation("creator_id", "This creator already has an account"));
            }
        }
        (InvitationKind::Partner, _) => {}
    }
    let token = random_token(24);
    let now = now_ms();
    let expires = now + INVITATION_DAYS * 86_400_000;
    db.execute(
        sqlx::query(
            "INSERT INTO invitations (token_hash, campaign_id, kind, creator_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sha256_hex(&token))
        .bind(campaign_id)
        .bind(match input.kind {
            InvitationKind::Partner => "partner",
            InvitationKind::Creator => "creator",
        })
        .bind(if input.kind == InvitationKind::Creator { input.creator_id } else { None })
        .bind(who.me.user_id)
        .bind(now)
        .bind(expires),
    )
    .await?;
    let invitation = preview(db, &token).await?;
    Ok((invitation, token))
}

/// What an invitation link offers, for the page that accepts it. Used or expired links are "not found".
pub async fn preview(db: &Db, token: &str) -> Result<Invitation> {
    let row = sqlx::query(
        "SELECT i.kind, i.campaign_id, c.name, u.name, o.name, cr.name, i.expires_at \
         FROM invitations i JOIN campaigns c ON c.id = i.campaign_id JOIN users u ON u.id = i.created_by \
         LEFT JOIN organizations o ON o.id = u.org_id LEFT JOIN creators cr ON cr.id = i.creator_id \
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    Ok(Invitation {
        kind: if row.get::<String, _>(0) == "creator" { InvitationKind::Creator } else { InvitationKind::Partner },
        campaign_id: row.get(1),
        campaign_name: row.get(2),
        invited_by: row.get(3),
        invited_by_org: row.get::<Option<String>, _>(4).unwrap_or_default(),
        creator_name: row.get(5),
        expires_at: from_ms(row.get(6)),
        path: format!("/invite/{token}"),
    })
}

/// Marks the invitation used, atomically: of two people racing for one link, one wins.
async fn claim(w: &mut crate::db::WriteTx, token: &str, kind: &str, user_id: i64) -> Result<(i64, Option<i64>)> {
    let row = sqlx::query(
        "UPDATE invitations SET used_by = $1, used_at = $2 \
         WHERE token_hash = $3 AND kind = $4 AND used_at IS NULL AND expires_at > $5 RETURNING campaign_id, creator_id",
    )
    .bind(user_id)
    .bind(now_ms())
    .bind(sha256_hex(token))
    .bind(kind)
    .bind(now_ms())
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    Ok((row.get(0), row.get(1)))
}

/// The signed-in member's organization joins the campaign as a partner.
pub async fn accept_partner(db: &Db, who: &Principal, token: &str) -> Result<CampaignSummary> {
    let org = who.member_org()?.clone();
    let mut w = db.write().await?;
    let (campaign_id, _) = claim(&mut w, token, "partner", who.me.user_id).await?;
    let already = sqlx::query("SELECT 1 FROM campaign_partners WHERE campaign_id = $1 AND org_id = $2")
        .bind(campaign_id)
        .bind(org.id)
        .fetch_optional(w.conn())
        .await?;
    if already.is_some() {
        return Err(AppError::validation("token", format!("{} is already a partner of this campaign", org.name)));
    }
    sqlx::query("INSERT INTO campaign_partners (campaign_id, org_id, joined_at) VALUES ($1, $2, $3)")
        .bind(campaign_id)
        .bind(org.id)
        .bind(now_ms())
        .execute(w.conn())
        .await?;
    log::append(&mut w, campaign_id, &who.actor(), Change::PartnerJoined { org }).await?;
    w.commit().await?;
    summary(db, campaign_id).await
}

/// A creator signs up through their invitation; the new account is linked to their card. Returns the user id.
pub async fn accept_creator(db: &Db, token: &str, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password)?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let user_id = insert_user(w.conn(), name, &email, &hash, Role::Creator, None).await?;
    let (campaign_id, creator_id) = claim(&mut w, token, "creator", user_id).await?;
    let creator_id = creator_id.ok_or_else(AppError::internal)?;
    sqlx::query("UPDATE creators SET user_id = $1 WHERE id = $2")
        .bind(user_id)
        .bind(creator_id)
        .execute(w.conn())
        .await?;
    let actor = crate::realtime::Actor { user_id, name: name.trim().to_string(), org_id: None, org_name: None };
    log::append(&mut w, campaign_id, &actor, Change::CreatorJoined { creator_id, user_id }).await?;
    w.commit().await?;
    Ok(user_id)
}

/// A creator's own view: the campaigns they are part of and whom to talk to. Nothing else.
pub async fn for_creator(db: &Db, who: &Principal) -> Result<Vec<CreatorCampaign>> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, cr.id, cr.stage, o.name, u.name FROM creators cr \
         JOIN campaigns c ON c.id = cr.campaign_id JOIN organizations o ON o.id = cr.owner_org_id \
         LEFT JOIN users u ON u.id = cr.owner_user_id WHERE cr.user_id = $1 ORDER BY c.id DESC",
    )
    .bind(who.me.user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CreatorCampaign {
            campaign_id: r.get(0),
            campaign_name: r.get(1),
            creator_id: r.get(2),
            stage: Stage::parse(&r.get::<String, _>(3)).unwrap_or(Stage::Prospect),
            contact_org: r.get(4),
            contact_person: r.get(5),
        })
        .collect())
}
