-- Performance numbers: posts (or assets) and their daily figures, with every correction kept.

CREATE TABLE posts (
    id              BIGSERIAL PRIMARY KEY,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    creator_id      BIGINT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    deliverable_id  BIGINT REFERENCES deliverables(id) ON DELETE SET NULL,
    lane            TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    platform        TEXT NOT NULL,
    url             TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    -- Followers of the posting account when the post was registered (engagement rate by followers).
    followers       BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    UNIQUE (campaign_id, url)
);
CREATE INDEX posts_campaign ON posts(campaign_id, lane);

-- One row per post and day (a day in the campaign's time zone).
CREATE TABLE daily_metrics (
    post_id        BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    campaign_id    BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
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
    source         TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_by     BIGINT NOT NULL REFERENCES users(id),
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (post_id, day)
);
CREATE INDEX daily_metrics_campaign_day ON daily_metrics(campaign_id, day);

-- A changed figure is never overwritten silently: what it was, what it became, who and why.
CREATE TABLE metric_corrections (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    post_id      BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    old_values   TEXT NOT NULL,
    new_values   TEXT NOT NULL,
    source       TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    at           BIGINT NOT NULL
);
CREATE INDEX metric_corrections_post ON metric_corrections(post_id, day);
