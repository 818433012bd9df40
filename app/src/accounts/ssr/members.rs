//! Signing up, members of an organization and their invitations.
use super::*;
/// Creates an organization and its first member. Returns the new user's id.
#[tracing::instrument(skip_all)]
pub async fn sign_up(db: &Db, input: &SignUp) -> Result<i64> {
    validate_person(&input.name, &input.email, &input.password)?;
    if input.org_name.trim().is_empty() {
        return Err(AppError::validation("org_name", "Enter the name of your brand or agency"));
    }
    crate::limits::check_len("org_name", input.org_name.trim(), crate::limits::NAME)?;
    let kind =
        OrgKind::parse(&input.org_kind).ok_or_else(|| AppError::validation("org_kind", "Choose brand or agency"))?;
    let email = normalize_email(&input.email);
    let hash = hash_password(&input.password).await?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let org_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(w.conn()).await?;
    let color = crate::vocab::partner_color(org_count + 1);
    let now = now_ms();
    let org_id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (name, kind, color, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(input.org_name.trim())
    .bind(kind.as_str())
    .bind(color)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    let user_id = insert_user(w.conn(), &input.name, &email, &hash, Role::Member, Some(org_id)).await?;
    w.commit().await?;
    Ok(user_id)
}

/// Adds a member to an existing organization (used by the demo data and by tests).
#[tracing::instrument(skip_all)]
pub async fn add_member(db: &Db, org_id: i64, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password).await?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let id = insert_user(w.conn(), name, &email, &hash, Role::Member, Some(org_id)).await?;
    w.commit().await?;
    Ok(id)
}

const MEMBER_INVITATION_DAYS: i64 = 7;

/// The members of the principal's organization.
#[tracing::instrument(skip_all)]
pub async fn list_members(db: &Db, who: &Principal) -> Result<Vec<Member>> {
    let org = who.member_org()?;
    #[derive(sqlx::FromRow)]
    struct MemberRow {
        id: i64,
        name: String,
        email: String,
        created_at: i64,
    }
    let rows: Vec<MemberRow> =
        sqlx::query_as("SELECT id, name, email, created_at FROM users WHERE org_id = $1 ORDER BY id")
            .bind(org.id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member { user_id: r.id, name: r.name, email: r.email, joined_at: from_ms(r.created_at) })
        .collect())
}

/// A single-use link for a colleague to join the principal's organization. Returns it and its token.
#[tracing::instrument(skip_all)]
pub async fn invite_member(db: &Db, who: &Principal) -> Result<(MemberInvitation, String)> {
    let org = who.member_org()?;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("API tokens cannot invite people"));
    }
    let token = random_token(24);
    let now = now_ms();
    db.execute(sqlx::query(
        "INSERT INTO member_invitations (token_hash, org_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(&token))
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(now)
    .bind(now + MEMBER_INVITATION_DAYS * 86_400_000)
    )
    .await?;
    Ok((get_member_invitation(db, &token).await?, token))
}

/// What a colleague's link offers; used or expired links are "not found".
#[tracing::instrument(skip_all)]
pub async fn get_member_invitation(db: &Db, token: &str) -> Result<MemberInvitation> {
    #[derive(sqlx::FromRow)]
    struct InvitationRow {
        #[sqlx(flatten)]
        org: OrgRow,
        invited_by: String,
        expires_at: i64,
    }
    let row: InvitationRow = sqlx::query_as(
        "SELECT o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.color AS org_color, u.name AS invited_by, \
         i.expires_at FROM member_invitations i \
         JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.created_by \
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    Ok(MemberInvitation {
        org: row.org.into(),
        invited_by: row.invited_by,
        expires_at: from_ms(row.expires_at),
        path: format!("/join/{token}"),
    })
}

/// A colleague creates their account in the inviting organization. Returns the new user's id.
#[tracing::instrument(skip_all)]
pub async fn join_organization(db: &Db, token: &str, name: &str, email: &str, password: &str) -> Result<i64> {
    let (email, hash) = prepare_person(name, email, password).await?;
    let mut w = db.write().await?;
    ensure_email_free(w.conn(), &email).await?;
    let org_id: i64 = sqlx::query_scalar(
        "SELECT org_id FROM member_invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now_ms())
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| AppError::not_found("Invitation (it may have been used or have expired)"))?;
    let user_id = insert_user(w.conn(), name, &email, &hash, Role::Member, Some(org_id)).await?;
    let claimed = sqlx::query(
        "UPDATE member_invitations SET used_by = $1, used_at = $2 WHERE token_hash = $3 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(now_ms())
    .bind(sha256_hex(token))
    .execute(w.conn())
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(AppError::not_found("Invitation (it may have been used or have expired)"));
    }
    w.commit().await?;
    Ok(user_id)
}

pub(crate) async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    email: &str,
    hash: &str,
    role: Role,
    org_id: Option<i64>,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, org_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email)
    .bind(name.trim())
    .bind(hash)
    .bind(role.as_str())
    .bind(org_id)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Checks a new person's details and returns their normalized email and password hash.
pub(crate) async fn prepare_person(name: &str, email: &str, password: &str) -> Result<(String, String)> {
    validate_person(name, email, password)?;
    Ok((normalize_email(email), hash_password(password).await?))
}
