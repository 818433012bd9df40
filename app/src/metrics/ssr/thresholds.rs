//! Daily thresholds and the daily cut-off that evaluates them.
use super::*;
// ---- Daily thresholds ----

/// One day's figures per scope: the whole campaign, each lane, each partner, each tier.
async fn day_scopes(
    db: &Db,
    campaign_id: i64,
    day: &str,
    creators: &std::collections::HashMap<i64, CreatorInfo>,
) -> Result<std::collections::HashMap<(String, String), kpi::Totals>> {
    #[derive(sqlx::FromRow)]
    struct DayRow {
        creator_id: i64,
        lane: String,
        followers: i64,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let rows: Vec<DayRow> = sqlx::query_as(&format!(
        "SELECT p.creator_id, p.lane, p.followers, {} FROM daily_metrics m JOIN posts p ON p.id = m.post_id WHERE m.campaign_id = $1 AND m.day = $2",
        figure_columns_of("m")
    ))
    .bind(campaign_id)
    .bind(day)
    .fetch_all(&db.pool)
    .await?;
    let mut out: std::collections::HashMap<(String, String), kpi::Totals> = std::collections::HashMap::new();
    for r in &rows {
        let mut t = r.figures.totals();
        t.followers = r.followers;
        let info = creators.get(&r.creator_id);
        let mut scopes = vec![("campaign".to_string(), String::new()), ("lane".to_string(), r.lane.clone())];
        if let Some(c) = info {
            scopes.push(("partner".into(), c.org_id.to_string()));
            if let Some(tier) = &c.tier {
                scopes.push(("tier".into(), tier.clone()));
            }
        }
        for s in scopes {
            out.entry(s).or_default().add(&t);
        }
    }
    Ok(out)
}

fn scope_key(kind: crate::charter::ScopeKind) -> &'static str {
    use crate::charter::ScopeKind;
    match kind {
        ScopeKind::Campaign => "campaign",
        ScopeKind::Lane => "lane",
        ScopeKind::Partner => "partner",
        ScopeKind::Tier => "tier",
    }
}

/// Evaluates the charter's daily thresholds on the given days; each breach raises one escalation per day
/// (raised again for the same threshold and day, it is a no-op). Returns how many were raised.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn evaluate_thresholds(db: &Db, campaign_id: i64, days: &[String]) -> Result<usize> {
    let doc = crate::charter::ssr::current_doc(db, campaign_id).await?;
    if doc.thresholds.thresholds.is_empty() {
        return Ok(0);
    }
    let mut days: Vec<String> = days.to_vec();
    days.sort();
    days.dedup();
    let creators = creator_info(db, campaign_id).await?;
    let roster = crate::charter::ssr::roster(db, campaign_id).await?;
    let currency: String = sqlx::query_scalar("SELECT currency FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let mut raised = crate::money::ssr::evaluate_over_commitment(db, campaign_id, &doc).await?;
    for day in &days {
        let scopes = day_scopes(db, campaign_id, day, &creators).await?;
        for (i, th) in doc.thresholds.thresholds.iter().enumerate() {
            let kind = scope_key(th.scope);
            let value = if kind == "campaign" { String::new() } else { th.scope_value.clone() };
            let Some(t) = scopes.get(&(kind.to_string(), value.clone())) else { continue };
            let Some(actual) = kpi::by_key(&th.metric, t, &currency) else { continue };
            if !th.comparison.holds(actual, th.value) {
                continue;
            }
            let scope_label = match th.scope {
                crate::charter::ScopeKind::Campaign => "the campaign".to_string(),
                crate::charter::ScopeKind::Lane => {
                    format!("the {} lane", Lane::parse(&value).map(|l| l.label()).unwrap_or(&value))
                }
                crate::charter::ScopeKind::Partner => roster.org_label(value.parse().ok()),
                crate::charter::ScopeKind::Tier => format!("the {value} tier"),
            };
            let label = crate::charter::metric_label(&th.metric);
            // Figures as the dashboard shows them: amounts with their currency, rates with "%", counts grouped.
            let title = format!(
                "{label} was {} on {} for {scope_label} ({} {})",
                kpi::show_metric(&th.metric, actual, &currency),
                crate::dates::parse_iso_day(day).map(|d| crate::dates::day_month(&d)).unwrap_or_else(|| day.clone()),
                th.comparison.symbol(),
                kpi::show_metric(&th.metric, th.value, &currency)
            );
            let count = crate::content::group_digits;
            let detail = format!(
                "Impressions {}, reach {}, engagements {}, clicks {}, conversions {}, spend {}, revenue {}. {} = {}.",
                count(t.impressions),
                count(t.reach),
                count(t.engagements()),
                count(t.clicks),
                count(t.conversions),
                crate::money::format_minor(t.spend_cents(), &currency),
                crate::money::format_minor(t.revenue_cents, &currency),
                kpi::formula(&th.metric),
                kpi::show_metric(&th.metric, actual, &currency)
            );
            let key = format!("threshold:{i}:{}:{kind}:{value}:{day}", th.metric);
            let assignee = th.escalate_to.or(doc.ownership.accountable_owner);
            let mut w = db.write_campaign(campaign_id).await?;
            if crate::escalations::ssr::raise(&mut w, campaign_id, "threshold", &key, &title, &detail, assignee)
                .await?
                .is_some()
            {
                w.commit().await?;
                raised += 1;
            }
        }
    }
    Ok(raised)
}

/// The local days whose close is due: every day after the last one closed, up to yesterday in the campaign's
/// zone (at most a week, so a long pause does not flood). Pure, for the daily cut-off.
pub fn days_to_close(
    last_closed: Option<chrono::NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
) -> Vec<chrono::NaiveDate> {
    let today = tz::local_date(now, zone);
    let Some(yesterday) = today.pred_opt() else { return Vec::new() };
    let from = match last_closed {
        Some(d) if d >= yesterday => return Vec::new(),
        Some(d) => d.succ_opt().unwrap_or(yesterday).max(yesterday - chrono::Duration::days(6)),
        None => yesterday,
    };
    from.iter_days().take_while(|d| *d <= yesterday).collect()
}

/// The daily cut-off: for every campaign with tracked posts or budget shares whose local day has ended, evaluates
/// the thresholds on the day(s) just closed (and over-commitment as it stands). In several processes each
/// campaign's day is closed once, by the process that claims it (`crate::jobs`); one killed mid-way leaves the claim
/// to run out and the day to the next process that looks.
#[tracing::instrument(skip_all)]
pub async fn close_days(db: &Db, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    let campaigns: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.time_zone, c.thresholds_closed_day FROM campaigns c WHERE EXISTS (SELECT 1 FROM posts p WHERE p.campaign_id = c.id) \
         OR EXISTS (SELECT 1 FROM budget_shares b WHERE b.campaign_id = c.id)",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut raised = 0;
    for (campaign_id, zone, closed) in campaigns {
        // Claimed only when there is something to close (the look costs nothing; a claim is a write).
        if days_to_close(closed.and_then(|d| d.parse().ok()), now, tz::of(&zone)).is_empty() {
            continue;
        }
        let job = format!("daily-cutoff:{campaign_id}");
        raised += crate::jobs::exclusively(db, &job, close_campaign_days(db, campaign_id, now)).await?.unwrap_or(0);
    }
    Ok(raised)
}

/// Closes a campaign's due days, holding its cut-off's claim.
async fn close_campaign_days(db: &Db, campaign_id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    // Read again under the claim: another process may have closed these days since the first look.
    let (zone, closed): (String, Option<String>) =
        sqlx::query_as("SELECT time_zone, thresholds_closed_day FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_one(&db.pool)
            .await?;
    let due = days_to_close(closed.and_then(|d| d.parse().ok()), now, tz::of(&zone));
    let Some(last) = due.last().copied() else { return Ok(0) };
    let days: Vec<String> = due.iter().map(|d| d.to_string()).collect();
    let raised = evaluate_thresholds(db, campaign_id, &days).await?;
    let mut w = db.write_campaign(campaign_id).await?;
    sqlx::query("UPDATE campaigns SET thresholds_closed_day = $1 WHERE id = $2")
        .bind(last.to_string())
        .bind(campaign_id)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn the_daily_cut_off_follows_the_campaigns_zone() {
        let la = tz::parse("America/Los_Angeles").unwrap();
        let berlin = tz::parse("Europe/Berlin").unwrap();
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // 07:30 UTC on 10 March is 23:30 on the 9th in Los Angeles: the 9th is not over there yet.
        assert_eq!(
            days_to_close(Some(day("2027-03-08")), at("2027-03-10T07:30:00Z"), la),
            Vec::<chrono::NaiveDate>::new()
        );
        // An hour later it is: the 9th closes.
        assert_eq!(days_to_close(Some(day("2027-03-08")), at("2027-03-10T08:30:00Z"), la), vec![day("2027-03-09")]);
        // The same instant in Berlin (09:30 on the 10th): the 9th closed long ago and is due too.
        assert_eq!(days_to_close(Some(day("2027-03-08")), at("2027-03-10T07:30:00Z"), berlin), vec![day("2027-03-09")]);
        // Closing twice does nothing; a pause closes each missed day, at most a week back.
        assert!(days_to_close(Some(day("2027-03-09")), at("2027-03-10T08:30:00Z"), la).is_empty());
        assert_eq!(days_to_close(Some(day("2027-03-06")), at("2027-03-10T08:30:00Z"), la).len(), 3);
        assert_eq!(days_to_close(Some(day("2027-01-01")), at("2027-03-10T08:30:00Z"), la).len(), 7);
        assert_eq!(days_to_close(None, at("2027-03-10T08:30:00Z"), la), vec![day("2027-03-09")]);
        // Across the spring clock change in Los Angeles (14 March 2027): midnight is 07:00 UTC afterwards.
        assert!(days_to_close(Some(day("2027-03-13")), at("2027-03-15T06:59:00Z"), la).is_empty());
        assert_eq!(days_to_close(Some(day("2027-03-13")), at("2027-03-15T07:01:00Z"), la), vec![day("2027-03-14")]);
    }
}
