//! Disclosure on the server: the rules of the creator's market (from her profile's country) and the wording the
//! partners agreed in the charter, applied to a caption, for a round being sent or a caption being written.
use super::super::disclosure::{self, AgreedWording, CheckCaption, DisclosureCheck};
use super::{creators_deliverable, deliverable, Audience};
use crate::accounts::ssr::Principal;
use crate::accounts::Role;
use crate::campaigns::ssr::authorize;
use crate::charter::ssr::current_doc;
use crate::db::Db;
use crate::error::Result;
use crate::limits::{self, check_len};

/// The check of a caption for a creator of a campaign: her market's rule and the charter's agreed wording.
pub(super) async fn disclosure_for(
    db: &Db,
    campaign_id: i64,
    creator_id: i64,
    caption: &str,
) -> Result<DisclosureCheck> {
    let country: Option<String> = sqlx::query_scalar("SELECT country FROM creators WHERE id = $1 AND campaign_id = $2")
        .bind(creator_id)
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await?
        .flatten();
    let agreed = AgreedWording::parse_lines(&current_doc(db, campaign_id).await?.criteria.disclosure);
    Ok(disclosure::check(caption, disclosure::market_of_country(country.as_deref()), &agreed))
}

/// Checks a caption before it is sent: for the creator the deliverable is addressed to, or a partner member.
/// Nothing is stored.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn check_disclosure(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    deliverable_id: i64,
    input: &CheckCaption,
) -> Result<DisclosureCheck> {
    let d = match who.me.role {
        Role::Creator => creators_deliverable(db, who, campaign_id, deliverable_id).await?,
        Role::Member => {
            authorize(db, who, campaign_id).await?;
            deliverable(db, campaign_id, deliverable_id, Audience::Partner).await?
        }
    };
    check_len("caption", &input.caption, limits::NOTE)?;
    disclosure_for(db, campaign_id, d.creator_id, &input.caption).await
}
