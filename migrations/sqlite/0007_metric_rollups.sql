-- Pre-aggregated figures, kept up to date in the same transaction as the daily rows: the dashboard reads
-- these (a few hundred rows per campaign) instead of summing a million daily rows.

-- Per campaign, day and lane: the daily time series, lane comparison and pacing.
CREATE TABLE metric_day_lane (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    lane           TEXT NOT NULL,
    impressions    INTEGER NOT NULL DEFAULT 0,
    reach          INTEGER NOT NULL DEFAULT 0,
    views          INTEGER NOT NULL DEFAULT 0,
    likes          INTEGER NOT NULL DEFAULT 0,
    comments       INTEGER NOT NULL DEFAULT 0,
    shares         INTEGER NOT NULL DEFAULT 0,
    saves          INTEGER NOT NULL DEFAULT 0,
    clicks         INTEGER NOT NULL DEFAULT 0,
    conversions    INTEGER NOT NULL DEFAULT 0,
    revenue_cents  INTEGER NOT NULL DEFAULT 0,
    fee_cents      INTEGER NOT NULL DEFAULT 0,
    product_cents  INTEGER NOT NULL DEFAULT 0,
    paid_cents     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, lane)
);

-- Per post, all days: cuts by creator, partner, tier and platform.
CREATE TABLE metric_post_totals (
    post_id        INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    days           INTEGER NOT NULL DEFAULT 0,
    impressions    INTEGER NOT NULL DEFAULT 0,
    reach          INTEGER NOT NULL DEFAULT 0,
    views          INTEGER NOT NULL DEFAULT 0,
    likes          INTEGER NOT NULL DEFAULT 0,
    comments       INTEGER NOT NULL DEFAULT 0,
    shares         INTEGER NOT NULL DEFAULT 0,
    saves          INTEGER NOT NULL DEFAULT 0,
    clicks         INTEGER NOT NULL DEFAULT 0,
    conversions    INTEGER NOT NULL DEFAULT 0,
    revenue_cents  INTEGER NOT NULL DEFAULT 0,
    fee_cents      INTEGER NOT NULL DEFAULT 0,
    product_cents  INTEGER NOT NULL DEFAULT 0,
    paid_cents     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX metric_post_totals_campaign ON metric_post_totals(campaign_id);

-- The CPM per platform used for earned media value (an estimate the partners set).
CREATE TABLE platform_cpm (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform     TEXT NOT NULL,
    cpm_cents    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, platform)
);

-- The last local day whose close the thresholds were evaluated for (the daily cut-off).
ALTER TABLE campaigns ADD COLUMN thresholds_closed_day TEXT;
