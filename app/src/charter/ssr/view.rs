//! The charter as partners see it, and as Markdown.
use super::*;

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
    let mut checklist = checklist(&draft, &roster, current.as_ref(), &comments);
    // What the partners' working styles leave to settle: warnings, never blockers.
    checklist.extend(crate::fit::ssr::launch_warnings(db, campaign_id).await?);
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
    let time_zone: String = sqlx::query_scalar("SELECT time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
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
        time_zone,
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
