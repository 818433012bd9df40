-- Pre-aggregated figures, kept up to date in the same transaction as the daily rows: the dashboard reads
-- these (a few hundred rows per campaign) instead of summing a million daily rows.

-- Per campaign, day and lane: the daily time series, lane comparison and pacing.
CREATE TABLE metric_day_lane (
    campaign_id    BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    lane           TEXT NOT NULL,
    impressions    BIGINT NOT NULL DEFAULT 0,
    reach          BIGINT NOT NULL DEFAULT 0,
    views          BIGINT NOT NULL DEFAULT 0,
    likes          BIGINT NOT NULL DEFAULT 0,
    comments       BIGINT NOT NULL DEFAULT 0,
    shares         BIGINT NOT NULL DEFAULT 0,
    saves          BIGINT NOT NULL DEFAULT 0,
    clicks         BIGINT NOT NULL DEFAULT 0,
    conversions    BIGINT NOT NULL DEFAULT 0,
    revenue_cents  BIGINT NOT NULL DEFAULT 0,
    fee_cents      BIGINT NOT NULL DEFAULT 0,
    product_cents  BIGINT NOT NULL DEFAULT 0,
    paid_cents     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, lane)
);

-- Per post, all days: cuts by creator, partner, tier and platform.
CREATE TABLE metric_post_totals (
    post_id        BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    campaign_id    BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    days           BIGINT NOT NULL DEFAULT 0,
    impressions    BIGINT NOT NULL DEFAULT 0,
    reach          BIGINT NOT NULL DEFAULT 0,
    views          BIGINT NOT NULL DEFAULT 0,
    likes          BIGINT NOT NULL DEFAULT 0,
    comments       BIGINT NOT NULL DEFAULT 0,
    shares         BIGINT NOT NULL DEFAULT 0,
    saves          BIGINT NOT NULL DEFAULT 0,
    clicks         BIGINT NOT NULL DEFAULT 0,
    conversions    BIGINT NOT NULL DEFAULT 0,
    revenue_cents  BIGINT NOT NULL DEFAULT 0,
    fee_cents      BIGINT NOT NULL DEFAULT 0,
    product_cents  BIGINT NOT NULL DEFAULT 0,
    paid_cents     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX metric_post_totals_campaign ON metric_post_totals(campaign_id);

-- The CPM per platform used for earned media value (an estimate the partners set).
CREATE TABLE platform_cpm (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    platform     TEXT NOT NULL,
    cpm_cents    BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, platform)
);

-- The last local day whose close the thresholds were evaluated for (the daily cut-off).
ALTER TABLE campaigns ADD COLUMN thresholds_closed_day TEXT;
