//! Taking in daily figures: the whole-batch check, the write, corrections and rollups.
use super::*;
/// Checks a whole batch before anything is written; the error names the row and the field.
fn validate(rows: &[DailyFigures], posts: &HashSet<i64>, today: chrono::NaiveDate) -> Result<()> {
    if rows.is_empty() {
        return Err(AppError::validation("rows", "Send at least one row"));
    }
    if rows.len() > MAX_BATCH {
        return Err(AppError::validation(
            "rows",
            format!("At most {MAX_BATCH} rows per call; import larger files as CSV"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let at = |field: &str| format!("rows[{i}].{field}");
        if !posts.contains(&r.post_id) {
            return Err(AppError::validation(
                &at("post_id"),
                format!("Post {} is not tracked in this campaign", r.post_id),
            ));
        }
        let day =
            r.day.trim().parse::<chrono::NaiveDate>().map_err(|_| {
                AppError::validation(&at("day"), format!("\"{}\" is not a date; use YYYY-MM-DD", r.day))
            })?;
        if day > today {
            return Err(AppError::validation(
                &at("day"),
                format!("{day} is in the future (today is {today} in the campaign's time zone)"),
            ));
        }
        if let Some((name, message)) = r.out_of_range() {
            return Err(AppError::validation(&at(name), message));
        }
        if !seen.insert((r.post_id, day)) {
            return Err(AppError::validation(
                &at("day"),
                format!("Post {} appears twice for {day} in this batch", r.post_id),
            ));
        }
    }
    Ok(())
}

/// Takes in a batch of daily figures: all of it or (on any bad row) none of it. A figure that differs from
/// what is stored is a correction, kept with its old values; identical rows change nothing. Idempotent by key.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ingest_figures(
    db: &Db,
    who: &Principal,
    campaign_id: i64,
    input: &Ingest,
    key: Option<&str>,
) -> Result<IngestResult> {
    authorize(db, who, campaign_id).await?;
    let source = input.source.trim();
    if source.is_empty() || source.chars().count() > 100 {
        return Err(AppError::validation(
            "source",
            "Name the source in 1 to 100 characters (e.g. \"manual\", \"api:shopify\")",
        ));
    }
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await?;
    let today = tz::local_date(chrono::Utc::now(), tz::of(&zone));
    let posts: HashSet<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    validate(&input.rows, &posts, today)?;
    let mut w = db.write_campaign(campaign_id).await?;
    let scope = who.idempotency_scope();
    let hash = idempotency::request_hash(&format!("metrics:{campaign_id}"), input);
    if let Some(answer) = idempotency::claim(&mut w, &scope, key, &hash).await? {
        return idempotency::replay(&answer);
    }
    let result = ingest_rows(&mut w, campaign_id, who, source, &input.rows, |_, _| {}).await?;
    idempotency::store(&mut w, &scope, key, &result).await?;
    w.commit().await?;
    if result.inserted + result.corrected > 0 {
        let days: Vec<String> = input.rows.iter().map(|r| r.day.trim().to_string()).collect();
        evaluate_thresholds(db, campaign_id, &days).await?;
    }
    Ok(result)
}

/// Differences are summed in `i128`: a batch of rows at the limits, or old rows past them, cannot overflow.
fn add_into(acc: &mut [i128; 13], vals: &[i64], sign: i128) {
    for (a, v) in acc.iter_mut().zip(vals) {
        *a += sign * i128::from(*v);
    }
}

/// A difference as the database stores it: clamped to `i64` (only old data past the limits can reach the ends).
fn clamp(v: i128) -> i64 {
    v.clamp(i128::from(-i64::MAX), i128::from(i64::MAX)) as i64
}

/// `{t}.c + excluded.c` for an upsert, saturating at ±`i64::MAX` instead of failing (a rollup that already holds
/// old figures past the limits never makes a write fail). Nested `CASE`s, so no branch computes an overflow.
fn saturating_add_sql(table: &str, c: &str) -> String {
    let max = i64::MAX;
    format!(
        "{c} = CASE WHEN excluded.{c} > 0 THEN (CASE WHEN {table}.{c} > {max} - excluded.{c} THEN {max} ELSE {table}.{c} + excluded.{c} END) \
         WHEN excluded.{c} < 0 THEN (CASE WHEN {table}.{c} < -{max} - excluded.{c} THEN -{max} ELSE {table}.{c} + excluded.{c} END) \
         ELSE {table}.{c} END"
    )
}

/// Writes already-validated rows inside `w`: new rows, corrections (kept with their old figures), and the
/// rollups the dashboard reads, updated by the difference. `progress(done, total)` is called as it goes.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn ingest_rows(
    w: &mut crate::db::WriteTx,
    campaign_id: i64,
    who: &Principal,
    source: &str,
    rows: &[DailyFigures],
    mut progress: impl FnMut(usize, usize),
) -> Result<IngestResult> {
    use std::collections::{BTreeMap, HashMap};
    let now = now_ms();
    let lanes: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, lane FROM posts WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(w.conn())
            .await?
            .into_iter()
            .collect();
    let mut result = IngestResult::default();
    // Differences to add to the rollups: per (day, lane) and per post (with the number of new days). Sorted maps:
    // the upserts below then take their row locks in one order, so two batches over the same days cannot deadlock.
    let mut by_day: BTreeMap<(String, String), [i128; 13]> = BTreeMap::new();
    let mut by_post: BTreeMap<i64, ([i128; 13], i64)> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if i % 500 == 0 {
            progress(i, rows.len());
        }
        let day = r.day.trim();
        let existing: Option<Figures> =
            sqlx::query_as(&format!("SELECT {FIGURE_COLUMNS} FROM daily_metrics WHERE post_id = $1 AND day = $2"))
                .bind(r.post_id)
                .bind(day)
                .fetch_optional(w.conn())
                .await?;
        let new: Vec<i64> = r.values().iter().map(|(_, v)| *v).collect();
        let old: Option<Vec<i64>> = existing.map(|f| f.values().to_vec());
        match &old {
            None => {
                sqlx::query(&format!(
                    "INSERT INTO daily_metrics (post_id, day, campaign_id, {FIGURE_COLUMNS}, source, updated_by, updated_at, currency) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
                     (SELECT currency FROM campaigns WHERE id = $3))"
                ))
                .bind(r.post_id)
                .bind(day)
                .bind(campaign_id)
                .bind(new[0]).bind(new[1]).bind(new[2]).bind(new[3]).bind(new[4]).bind(new[5]).bind(new[6])
                .bind(new[7]).bind(new[8]).bind(new[9]).bind(new[10]).bind(new[11]).bind(new[12])
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .execute(w.conn())
                .await?;
                result.inserted += 1;
            }
            Some(old) if *old == new => {
                result.unchanged += 1;
                continue;
            }
            Some(old) => {
                let names = r.values().map(|(n, _)| n);
                let as_json = |vals: &[i64]| {
                    serde_json::Value::Object(
                        names.iter().zip(vals).map(|(n, v)| (n.to_string(), serde_json::json!(v))).collect(),
                    )
                    .to_string()
                };
                sqlx::query(
                    "INSERT INTO metric_corrections (campaign_id, post_id, day, old_values, new_values, source, user_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(campaign_id)
                .bind(r.post_id)
                .bind(day)
                .bind(as_json(old))
                .bind(as_json(&new))
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .execute(w.conn())
                .await?;
                sqlx::query(
                    "UPDATE daily_metrics SET impressions = $1, reach = $2, views = $3, likes = $4, comments = $5, shares = $6, saves = $7, \
                     clicks = $8, conversions = $9, revenue_cents = $10, fee_cents = $11, product_cents = $12, paid_cents = $13, \
                     source = $14, version = version + 1, updated_by = $15, updated_at = $16 WHERE post_id = $17 AND day = $18",
                )
                .bind(new[0]).bind(new[1]).bind(new[2]).bind(new[3]).bind(new[4]).bind(new[5]).bind(new[6])
                .bind(new[7]).bind(new[8]).bind(new[9]).bind(new[10]).bind(new[11]).bind(new[12])
                .bind(source)
                .bind(who.me.user_id)
                .bind(now)
                .bind(r.post_id)
                .bind(day)
                .execute(w.conn())
                .await?;
                result.corrected += 1;
            }
        }
        let lane = lanes.get(&r.post_id).cloned().unwrap_or_else(|| "influencer".into());
        let d = by_day.entry((day.to_string(), lane)).or_insert([0i128; 13]);
        add_into(d, &new, 1);
        let p = by_post.entry(r.post_id).or_insert(([0i128; 13], 0));
        add_into(&mut p.0, &new, 1);
        match &old {
            Some(old) => {
                add_into(d, old, -1);
                add_into(&mut p.0, old, -1);
            }
            None => p.1 += 1,
        }
    }
    progress(rows.len(), rows.len());
    let set =
        |table: &str| FIGURE_COLUMNS.split(", ").map(|c| saturating_add_sql(table, c)).collect::<Vec<_>>().join(", ");
    let placeholders = |from: usize| (from..from + 13).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let day_sql = format!(
        "INSERT INTO metric_day_lane (campaign_id, day, lane, {FIGURE_COLUMNS}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (campaign_id, day, lane) DO UPDATE SET {}",
        placeholders(4),
        set("metric_day_lane")
    );
    for ((day, lane), v) in &by_day {
        let mut q = sqlx::query(&day_sql).bind(campaign_id).bind(day).bind(lane);
        for x in v {
            q = q.bind(clamp(*x));
        }
        q.execute(w.conn()).await?;
    }
    let post_sql = format!(
        "INSERT INTO metric_post_totals (post_id, campaign_id, days, {FIGURE_COLUMNS}) VALUES ($1, $2, $3, {}) \
         ON CONFLICT (post_id) DO UPDATE SET days = metric_post_totals.days + excluded.days, {}",
        placeholders(4),
        set("metric_post_totals")
    );
    for (post, (v, days)) in &by_post {
        let mut q = sqlx::query(&post_sql).bind(*post).bind(campaign_id).bind(*days);
        for x in v {
            q = q.bind(clamp(*x));
        }
        q.execute(w.conn()).await?;
    }
    if result.inserted + result.corrected > 0 {
        // What changed, for open dashboards to patch (a large batch: they load whole).
        let mut days: Vec<chrono::NaiveDate> = by_day.keys().filter_map(|(day, _)| day.parse().ok()).collect();
        days.dedup();
        let posts: Vec<i64> = by_post.keys().copied().collect();
        let listed = super::super::live::LISTED_IN_EVENT;
        let change = Change::MetricsIngested {
            source: source.to_string(),
            inserted: result.inserted,
            corrected: result.corrected,
            days: (days.len() <= listed).then_some(days),
            posts: (posts.len() <= listed).then_some(posts),
        };
        log::append(w, campaign_id, &who.actor(), change).await?;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_checked_whole_and_errors_name_row_and_field() {
        let posts: HashSet<i64> = [1, 2].into_iter().collect();
        let today: chrono::NaiveDate = "2027-03-10".parse().unwrap();
        let row = |post_id, day: &str| DailyFigures { post_id, day: day.into(), likes: 5, ..Default::default() };
        assert!(validate(&[row(1, "2027-03-10"), row(2, "2027-03-09")], &posts, today).is_ok());
        let e = validate(&[row(1, "2027-03-10"), row(3, "2027-03-09")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[1].post_id"));
        let e = validate(&[row(1, "2027-03-11")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].day"));
        assert!(e.message.contains("future"));
        let e = validate(&[row(1, "10/03/2027")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].day"));
        let mut neg = row(1, "2027-03-01");
        neg.clicks = -3;
        let e = validate(&[neg], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[0].clicks"));
        let mut huge = row(2, "2027-03-01");
        huge.impressions = i64::MAX;
        let e = validate(&[row(1, "2027-03-01"), huge], &posts, today).unwrap_err();
        assert_eq!((e.field.as_deref(), e.code.status()), (Some("rows[1].impressions"), 422));
        let mut rich = row(2, "2027-03-01");
        rich.revenue_cents = crate::limits::CENTS;
        rich.impressions = crate::limits::COUNT_PER_DAY;
        assert!(validate(&[rich.clone()], &posts, today).is_ok(), "the limits themselves are fine");
        rich.revenue_cents += 1;
        assert_eq!(validate(&[rich], &posts, today).unwrap_err().field.as_deref(), Some("rows[0].revenue_cents"));
        let e = validate(&[row(1, "2027-03-01"), row(1, "2027-03-01")], &posts, today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rows[1].day"));
        assert_eq!(validate(&[], &posts, today).unwrap_err().field.as_deref(), Some("rows"));
    }

    #[test]
    fn unknown_metrics_are_refused_by_name() {
        let e = serde_json::from_str::<DailyFigures>(r#"{"post_id":1,"day":"2027-03-01","likez":4}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("likez"), "{e}");
    }
}
