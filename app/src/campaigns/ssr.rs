//! Server side of campaigns: creation, the membership check every read and write goes through, invitations.
use super::{CampaignSummary, CreatorCampaign, Invitation, InvitationKind, NewCampaign, NewInvitation};
use crate::accounts::ssr::{
    ensure_email_free, insert_user, prepare_person, random_token, sha256_hex, OrgRow, Principal,
};
use crate::accounts::Role;
use crate::db::{from_ms, now_ms, Db};
use crate::error::{AppError, Result};
use crate::realtime::{log, Change};
use crate::vocab::OrgRef;
use crate::vocab::Stage;

const INVITATION_DAYS: i64 = 14;

/// Campaigns the principal's organization is a partner of, newest first.
#[tracing::instrument(skip_all)]
pub async fn list_campaigns(db: &Db, who: &Principal) -> Result<Vec<CampaignSummary>> {
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
    #[derive(sqlx::FromRow)]
    struct SummaryRow {
        id: i64,
        name: String,
        status: String,
        created_at: i64,
        #[sqlx(flatten)]
        owner: OrgRow,
    }
    let row: SummaryRow = sqlx::query_as(
        "SELECT c.id, c.name, c.status, c.created_at, \
         o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color \
         FROM campaigns c JOIN organizations o ON o.id = c.owner_org_id WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Campaign"))?;
    let partners = partners(db, campaign_id).await?;
    Ok(CampaignSummary {
        id: row.id,
        name: row.name,
        status: row.status,
        created_at: from_ms(row.created_at),
        owner_org: row.owner.into(),
        partners,
    })
}

/// The partner organizations of a campaign, in the order they joined.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn partners(db: &Db, campaign_id: i64) -> Result<Vec<OrgRef>> {
    Ok(sqlx::query_as::<_, OrgRow>(
        "SELECT o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color \
         FROM campaign_partners p JOIN organizations o ON o.id = p.org_id \
         WHERE p.campaign_id = $1 ORDER BY p.joined_at, o.id",
    )
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(OrgRef::from)
    .collect())
}

/// The one check every campaign read, write and subscription goes through. Anyone whose organization is
/// not a partner gets "not found", exactly as for a campaign that does not exist.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
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

/// A creator's place in a campaign: their record in its pool (the first, should the pool hold two linked to the
/// same account) and every record linked to their account there.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatorMembership {
    pub creator_id: i64,
    pub name: String,
    pub creator_ids: Vec<i64>,
}

/// The one check a creator's reads, writes and subscriptions go through, the creators' counterpart of
/// [`authorize`]: the signed-in person is a creator with a record in this campaign's pool. Anyone else (partner
/// members and API tokens included) gets "not found", exactly as for a campaign that does not exist.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn authorize_creator(db: &Db, who: &Principal, campaign_id: i64) -> Result<CreatorMembership> {
    let not_found = || AppError::not_found("Campaign");
    if who.me.role != Role::Creator {
        return Err(not_found());
    }
    #[derive(sqlx::FromRow)]
    struct CreatorRow {
        id: i64,
        name: String,
    }
    let rows: Vec<CreatorRow> =
        sqlx::query_as("SELECT id, name FROM creators WHERE campaign_id = $1 AND user_id = $2 ORDER BY id")
            .bind(campaign_id)
            .bind(who.me.user_id)
            .fetch_all(&db.pool)
            .await?;
    let first = rows.first().ok_or_else(not_found)?;
    Ok(CreatorMembership {
        creator_id: first.id,
        name: first.name.clone(),
        creator_ids: rows.iter().map(|r| r.id).collect(),
    })
}

#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn get_campaign(db: &Db, who: &Principal, campaign_id: i64) -> Result<CampaignSummary> {
    authorize(db, who, campaign_id).await?;
    summary(db, campaign_id).await
}

#[tracing::instrument(skip_all)]
pub async fn create_campaign(db: &Db, who: &Principal, input: &NewCampaign) -> Result<CampaignSummary> {
    let org = who.member_org()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.contains('\0') {
        return Err(AppError::validation("name", "Give the campaign a name of 1 to 120 characters"));
    }
    let currency = match input.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => crate::money::parse_currency(code).map_err(|m| AppError::validation("currency", m))?.code,
        None => "USD",
    };
    let now = now_ms();
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (name, owner_org_id, status, last_seq, created_at, currency) VALUES ($1, $2, 'draft', 0, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(org.id)
    .bind(now)
    .bind(currency)
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
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn create_invitation(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &NewInvitation,
) -> Result<(Invitation, String)> {
    authorize(db, who, campaign_id).await?;
    match (input.kind, input.creator_id) {
        (InvitationKind::Creator, None) => {
            return Err(AppError::validation("creator_id", "Choose the creator to invite"));
        }
        (InvitationKind::Creator, Some(creator_id)) => {
            let user_id: Option<i64> =
                sqlx::query_scalar("SELECT user_id FROM creators WHERE id = $1 AND campaign_id = $2")
                    .bind(creator_id)
                    .bind(campaign_id)
                    .fetch_optional(&db.pool)
                    .await?
                    .ok_or_else(|| AppError::validation("creator_id", "No such creator in this campaign's pool"))?;
            if user_id.is_some() {
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
    let invitation = get_invitation(db, &token).await?;
    Ok((invitation, token))
}

/// What an invitation link offers, for the page that accepts it. Used or expired links are "not found".
#[tracing::instrument(skip_all)]
pub async fn get_invitation(db: &Db, token: &str) -> Result<Invitation> {
    #[derive(sqlx::FromRow)]
    struct InvitationRow {
        kind: String,
        campaign_id: i64,
        campaign_name: String,
        invited_by: String,
        invited_by_org: Option<String>,
        creator_name: Option<String>,
        expires_at: i64,
    }
    let row: InvitationRow = sqlx::query_as(
        "SELECT i.kind, i.campaign_id, c.name AS campaign_name, u.name AS invited_by, o.name AS invited_by_org, \
         cr.name AS creator_name, i.expires_at \
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
        kind: if row.kind == "creator" { InvitationKind::Creator } else { InvitationKind::Partner },
        campaign_id: row.campaign_id,
        campaign_name: row.campaign_name,
        invited_by: row.invited_by,
        invited_by_org: row.invited_by_org.unwrap_or_default(),
        creator_name: row.creator_name,
        expires_at: from_ms(row.expires_at),
        path: format!("/invite/{token}"),
    })
}

/// Marks the invitation used, atomically: of two people racing for one link, one wins.
async fn claim(w: &mut crate::db::WriteTx, token: &str, kind: &str, user_id: i64) -> Result<(i64, Option<i64>)> {
    #[derive(sqlx::FromRow)]
    struct Claimed {
        campaign_id: i64,
        creator_id: Option<i64>,
    }
    let row: Claimed = sqlx::query_as(
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
    Ok((row.campaign_id, row.creator_id))
}

/// The signed-in member's organization joins the campaign as a partner.
#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn accept_creator(db: &Db, token: &str, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password).await?;
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
#[tracing::instrument(skip_all)]
pub async fn portal_campaigns(db: &Db, who: &Principal) -> Result<Vec<CreatorCampaign>> {
    #[derive(sqlx::FromRow)]
    struct CreatorCampaignRow {
        campaign_id: i64,
        campaign_name: String,
        creator_id: i64,
        stage: String,
        contact_org: String,
        contact_person: Option<String>,
    }
    let rows: Vec<CreatorCampaignRow> = sqlx::query_as(
        "SELECT c.id AS campaign_id, c.name AS campaign_name, cr.id AS creator_id, cr.stage, o.name AS contact_org, \
         u.name AS contact_person FROM creators cr \
         JOIN campaigns c ON c.id = cr.campaign_id JOIN organizations o ON o.id = cr.owner_org_id \
         LEFT JOIN users u ON u.id = cr.owner_user_id WHERE cr.user_id = $1 ORDER BY c.id DESC",
    )
    .bind(who.me.user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CreatorCampaign {
            campaign_id: r.campaign_id,
            campaign_name: r.campaign_name,
            creator_id: r.creator_id,
            stage: Stage::parse(&r.stage).unwrap_or(Stage::Prospect),
            contact_org: r.contact_org,
            contact_person: r.contact_person,
        })
        .collect())
}
