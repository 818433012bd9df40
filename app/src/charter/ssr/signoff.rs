//! Saving sections, proposing versions, signatures and the launch gate.
use super::*;
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
    let signers = signatories(&doc, &roster).into_iter().map(|(_, person)| person).collect();
    crate::notify::hooks::charter_proposed(&mut w, campaign_id, number, who.me.user_id, signers).await?;
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
