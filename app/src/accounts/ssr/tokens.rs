//! Partners' API tokens: creating, listing, revoking, and the principal a token stands for.
use super::*;
pub const TOKEN_PREFIX: &str = "chorus_";

#[tracing::instrument(skip_all)]
pub async fn principal_from_token(db: &Db, token: &str) -> Result<Option<Principal>> {
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        id: i64,
        user_id: i64,
        org_id: i64,
        name: String,
    }
    let row: Option<TokenRow> =
        sqlx::query_as("SELECT id, user_id, org_id, name FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(sha256_hex(token))
            .fetch_optional(&db.pool)
            .await?;
    let Some(TokenRow { id, user_id, org_id, name }) = row else { return Ok(None) };
    note_token_use(db, id);
    let Some(me) = me_by_id(db, user_id).await? else { return Ok(None) };
    // A token speaks for the organization that created it, as long as its creator still belongs there.
    if me.org.as_ref().map(|o| o.id) != Some(org_id) {
        return Ok(None);
    }
    Ok(Some(Principal { me, via_token: Some(name) }))
}

/// Remembers that a token was used; `flush_token_uses` writes it (a request never waits on, or fails over,
/// this bookkeeping).
fn note_token_use(db: &Db, token_id: i64) {
    if let Ok(mut uses) = db.token_uses.lock() {
        uses.insert(token_id, now_ms());
    }
}

/// Writes the tokens' last-used times noted since the last flush, in one transaction (every few seconds and
/// at shutdown). On failure the times are kept for the next flush.
#[tracing::instrument(skip_all)]
pub async fn flush_token_uses(db: &Db) -> Result<usize> {
    let mut uses: Vec<(i64, i64)> = match db.token_uses.lock() {
        Ok(mut map) => map.drain().collect(),
        Err(_) => return Ok(0),
    };
    if uses.is_empty() {
        return Ok(0);
    }
    uses.sort_unstable();
    let written = async {
        let mut w = db.write().await?;
        for (id, at) in &uses {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
            )
            .bind(*at)
            .bind(*id)
            .execute(w.conn())
            .await?;
        }
        w.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = written {
        if let Ok(mut map) = db.token_uses.lock() {
            for (id, at) in uses {
                let kept = map.entry(id).or_insert(at);
                *kept = (*kept).max(at);
            }
        }
        return Err(e);
    }
    Ok(uses.len())
}

#[tracing::instrument(skip_all)]
pub async fn create_token(db: &Db, who: &Principal, name: &str) -> Result<NewApiToken> {
    let org = who.member_org()?;
    if who.via_token.is_some() {
        return Err(AppError::forbidden("API tokens cannot create other tokens"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.contains('\0') {
        return Err(AppError::validation("name", "Give the token a name of 1 to 80 characters"));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_token(24));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let now = now_ms();
    let mut w = db.write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (org_id, user_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.id)
    .bind(who.me.user_id)
    .bind(name)
    .bind(&prefix)
    .bind(sha256_hex(&secret))
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    w.commit().await?;
    Ok(NewApiToken {
        token: ApiToken {
            id,
            name: name.to_string(),
            prefix,
            created_by: who.me.name.clone(),
            created_at: from_ms(now),
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    })
}

#[tracing::instrument(skip_all)]
pub async fn list_tokens(db: &Db, who: &Principal) -> Result<Vec<ApiToken>> {
    let org = who.member_org()?;
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        id: i64,
        name: String,
        prefix: String,
        created_by: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT t.id, t.name, t.prefix, u.name AS created_by, t.created_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = $1 ORDER BY t.id DESC",
    )
    .bind(org.id)
    .fetch_all(&db.pool)
    .await?;
    // Uses not written yet (they are written in batches) still show.
    let pending = db.token_uses.lock().map(|m| m.clone()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| ApiToken {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_by: r.created_by,
            created_at: from_ms(r.created_at),
            last_used_at: r.last_used_at.max(pending.get(&r.id).copied()).map(from_ms),
            revoked_at: r.revoked_at.map(from_ms),
        })
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn revoke_token(db: &Db, who: &Principal, token_id: i64) -> Result<()> {
    let org = who.member_org()?;
    let done = db
        .execute(
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(token_id)
                .bind(org.id),
        )
        .await?;
    if done == 0 {
        let exists = sqlx::query("SELECT 1 FROM api_tokens WHERE id = $1 AND org_id = $2")
            .bind(token_id)
            .bind(org.id)
            .fetch_optional(&db.pool)
            .await?;
        if exists.is_none() {
            return Err(AppError::not_found("API token"));
        }
    }
    Ok(())
}
