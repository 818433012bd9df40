//! The daily figures as CSV.
use super::*;
/// The daily figures as CSV: one row per post and day, with the post's creator, lane and platform.
#[tracing::instrument(skip_all, fields(campaign = %campaign_id))]
pub async fn export_metrics(db: &Db, who: &Principal, campaign_id: i64) -> Result<String> {
    authorize(db, who, campaign_id).await?;
    #[derive(sqlx::FromRow)]
    struct ExportRow {
        day: String,
        post_id: i64,
        url: String,
        creator: String,
        lane: String,
        platform: String,
        #[sqlx(flatten)]
        figures: Figures,
        source: String,
    }
    let rows: Vec<ExportRow> = sqlx::query_as(&format!(
        "SELECT m.day, m.post_id, p.url, cr.name AS creator, p.lane, p.platform, {}, m.source FROM daily_metrics m JOIN posts p ON p.id = m.post_id \
         JOIN creators cr ON cr.id = p.creator_id WHERE m.campaign_id = $1 ORDER BY m.day, m.post_id",
        figure_columns_of("m")
    ))
    .bind(campaign_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = String::new();
    let header: Vec<String> = ["day", "post_id", "url", "creator", "lane", "platform"]
        .iter()
        .map(|s| s.to_string())
        .chain(FIGURE_COLUMNS.split(", ").map(str::to_string))
        .chain(["source".to_string()])
        .collect();
    crate::creators::csv::push_record(&mut out, &header);
    for r in &rows {
        let mut rec: Vec<String> = vec![
            r.day.clone(),
            r.post_id.to_string(),
            r.url.clone(),
            r.creator.clone(),
            r.lane.clone(),
            r.platform.clone(),
        ];
        rec.extend(r.figures.values().iter().map(i64::to_string));
        rec.push(r.source.clone());
        crate::creators::csv::push_record(&mut out, &rec);
    }
    Ok(out)
}
