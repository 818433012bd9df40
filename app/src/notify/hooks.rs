//! Who each event of the content workflow and the charter concerns: called in the event's transaction by the code
//! that makes it (one line there), so the notifications exist exactly when the event does.
use super::ssr::{notify, Notice};
use super::Kind;
use crate::db::WriteTx;
use crate::error::Result;

/// A creator sent a round: the reviewer is asked to review it; the creator's owner (or, without a person named, the
/// members of the owning organization) learn that a draft arrived.
#[allow(clippy::too_many_arguments)]
pub async fn draft_sent(
    w: &mut WriteTx,
    campaign_id: i64,
    deliverable_id: i64,
    submission_id: i64,
    actor: i64,
    reviewer: Option<i64>,
    round: i64,
    title: &str,
) -> Result<()> {
    let (creator, owner_org, owner_user): (String, i64, Option<i64>) = sqlx::query_as(
        "SELECT cr.name, cr.owner_org_id, cr.owner_user_id FROM deliverables d JOIN creators cr ON cr.id = d.creator_id WHERE d.id = $1",
    )
    .bind(deliverable_id)
    .fetch_one(w.conn())
    .await?;
    let href = format!("/campaigns/{campaign_id}/content#deliverable-{deliverable_id}");
    if let Some(r) = reviewer {
        notify(
            w,
            &Notice {
                kind: Kind::ReviewWaiting,
                campaign_id: Some(campaign_id),
                recipients: vec![r],
                actor: Some(actor),
                title: format!("Review {creator}'s \"{title}\" (v{round})"),
                body: format!("{creator} sent v{round} of \"{title}\"; you review it."),
                href: href.clone(),
                action: "Review it".into(),
                dedupe_key: format!("review:{submission_id}"),
            },
        )
        .await?;
    }
    let owners: Vec<i64> = match owner_user {
        Some(u) => vec![u],
        None => {
            sqlx::query_scalar("SELECT id FROM users WHERE org_id = $1 AND role = 'member'")
                .bind(owner_org)
                .fetch_all(w.conn())
                .await?
        }
    };
    let owners: Vec<i64> = owners.into_iter().filter(|u| Some(*u) != reviewer).collect();
    notify(
        w,
        &Notice {
            kind: Kind::DraftReceived,
            campaign_id: Some(campaign_id),
            recipients: owners,
            actor: Some(actor),
            title: format!("{creator} sent v{round} of \"{title}\""),
            body: "It waits for its review on the content page.".into(),
            href,
            action: "Open the draft".into(),
            dedupe_key: format!("draft:{submission_id}"),
        },
    )
    .await?;
    Ok(())
}

/// A reviewer decided on a round: the creator (when they have an account) gets the decision and the feedback.
pub async fn decided(
    w: &mut WriteTx,
    campaign_id: i64,
    deliverable_id: i64,
    round: i64,
    actor: i64,
    verb: &str,
    feedback: &str,
) -> Result<()> {
    let row: Option<(Option<i64>, String)> = sqlx::query_as(
        "SELECT cr.user_id, d.title FROM deliverables d JOIN creators cr ON cr.id = d.creator_id WHERE d.id = $1",
    )
    .bind(deliverable_id)
    .fetch_optional(w.conn())
    .await?;
    let Some((Some(creator), title)) = row else { return Ok(()) };
    let verb = match verb {
        "requested changes to" => "changes requested",
        other => other,
    };
    notify(
        w,
        &Notice {
            kind: Kind::Feedback,
            campaign_id: Some(campaign_id),
            recipients: vec![creator],
            actor: Some(actor),
            title: format!("Your v{round} of \"{title}\": {verb}"),
            body: if feedback.is_empty() { "No feedback was written.".into() } else { format!("Feedback: {feedback}") },
            href: format!("/portal/campaigns/{campaign_id}"),
            action: "Open your campaign".into(),
            dedupe_key: format!("decision:{deliverable_id}:{round}"),
        },
    )
    .await?;
    Ok(())
}

/// A comment on a deliverable: everyone who wrote in its thread before (creators only when it is not internal),
/// the creator when a partner writes to them, and the reviewer and the creator's owner when the creator writes.
#[allow(clippy::too_many_arguments)]
pub async fn commented(
    w: &mut WriteTx,
    campaign_id: i64,
    deliverable_id: i64,
    comment_id: i64,
    actor: i64,
    author: &str,
    internal: bool,
    body: &str,
) -> Result<()> {
    let mut recipients: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT c.user_id FROM deliverable_comments c JOIN users u ON u.id = c.user_id \
         WHERE c.deliverable_id = $1 AND c.id <> $2 AND ($3 = 0 OR u.role = 'member')",
    )
    .bind(deliverable_id)
    .bind(comment_id)
    .bind(internal as i64)
    .fetch_all(w.conn())
    .await?;
    let (creator_user, owner_user, title): (Option<i64>, Option<i64>, String) = sqlx::query_as(
        "SELECT cr.user_id, cr.owner_user_id, d.title FROM deliverables d JOIN creators cr ON cr.id = d.creator_id WHERE d.id = $1",
    )
    .bind(deliverable_id)
    .fetch_one(w.conn())
    .await?;
    let reviewer: Option<i64> = sqlx::query_scalar(
        "SELECT reviewer_user_id FROM submissions WHERE deliverable_id = $1 ORDER BY round DESC LIMIT 1",
    )
    .bind(deliverable_id)
    .fetch_optional(w.conn())
    .await?
    .flatten();
    let by_creator = creator_user == Some(actor);
    if by_creator {
        recipients.extend(owner_user);
        recipients.extend(reviewer);
    } else if !internal {
        recipients.extend(creator_user);
    }
    let short: String = body.chars().take(300).collect();
    let creator_side = creator_user;
    // The creator's link is their portal; partners' the content page.
    let mut partners = recipients.clone();
    partners.retain(|u| Some(*u) != creator_side);
    let partner_notice = Notice {
        kind: Kind::CommentReply,
        campaign_id: Some(campaign_id),
        recipients: partners,
        actor: Some(actor),
        title: format!("{author} commented on \"{title}\""),
        body: short.clone(),
        href: format!("/campaigns/{campaign_id}/content#deliverable-{deliverable_id}"),
        action: "Open the thread".into(),
        dedupe_key: format!("comment:{comment_id}"),
    };
    notify(w, &partner_notice).await?;
    if let Some(c) = creator_side.filter(|c| recipients.contains(c)) {
        notify(
            w,
            &Notice {
                recipients: vec![c],
                href: format!("/portal/campaigns/{campaign_id}"),
                action: "Open your campaign".into(),
                ..partner_notice
            },
        )
        .await?;
    }
    Ok(())
}

/// A charter version is up for sign-off: each signer of each partner organization is asked to sign.
pub async fn charter_proposed(
    w: &mut WriteTx,
    campaign_id: i64,
    number: i64,
    actor: i64,
    signers: Vec<i64>,
) -> Result<()> {
    notify(
        w,
        &Notice {
            kind: Kind::CharterToSign,
            campaign_id: Some(campaign_id),
            recipients: signers,
            actor: Some(actor),
            title: format!("Sign charter version {number}"),
            body: "A charter version was proposed for sign-off; you sign for your organization.".into(),
            href: format!("/campaigns/{campaign_id}/charter"),
            action: "Read and sign".into(),
            dedupe_key: format!("charter:{campaign_id}:{number}"),
        },
    )
    .await?;
    Ok(())
}

/// Next actions due today or overdue (in each campaign's zone) notify the person who owns the creator, once per
/// action and due day. Run by the clock; safe from every process at once (the notification's key is unique).
pub async fn scan_next_actions(db: &crate::db::Db, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    use crate::content::sla::tz;
    let campaigns: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, time_zone FROM campaigns").fetch_all(&db.pool).await?;
    let mut count = 0;
    for (cid, zone) in campaigns {
        let today = crate::dates::iso_day(&tz::local_date(now, tz::of(&zone)));
        let due: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, name, next_action, next_action_due, owner_user_id FROM creators WHERE campaign_id = $1 \
             AND owner_user_id IS NOT NULL AND next_action IS NOT NULL AND next_action <> '' \
             AND next_action_due IS NOT NULL AND next_action_due <= $2 LIMIT 500",
        )
        .bind(cid)
        .bind(&today)
        .fetch_all(&db.pool)
        .await?;
        if due.is_empty() {
            continue;
        }
        let mut w = db.write().await?;
        for (creator_id, name, action, day, owner) in due {
            count += notify(
                &mut w,
                &Notice {
                    kind: Kind::NextActionDue,
                    campaign_id: Some(cid),
                    recipients: vec![owner],
                    actor: None,
                    title: format!("{action} — {name}"),
                    body: if day < today { format!("Overdue since {day}.") } else { "Due today.".into() },
                    href: format!("/campaigns/{cid}?q={}", name.replace(' ', "+")),
                    action: "Open the card".into(),
                    dedupe_key: format!("next_action:{creator_id}:{day}:{}", crate::accounts::ssr::sha256_hex(&action)),
                },
            )
            .await?;
        }
        w.commit().await?;
    }
    Ok(count)
}
