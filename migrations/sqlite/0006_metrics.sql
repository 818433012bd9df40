-- Performance numbers: posts (or assets) and their daily figures, with every correction kept.

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    creator_id      INTEGER NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    deliverable_id  INTEGER REFERENCES deliverables(id) ON DELETE SET NULL,
    lane            TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    platform        TEXT NOT NULL,
    url             TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    -- Followers of the posting account when the post was registered (engagement rate by followers).
    followers       INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    UNIQUE (campaign_id, url)
);
CREATE INDEX posts_campaign ON posts(campaign_id, lane);

-- One row per post and day (a day in the campaign's time zone).
CREATE TABLE daily_metrics (
    post_id        INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
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
    source         TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    updated_by     INTEGER NOT NULL REFERENCES users(id),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (post_id, day)
);
CREATE INDEX daily_metrics_campaign_day ON daily_metrics(campaign_id, day);

-- A changed figure is never overwritten silently: what it was, what it became, who and why.
CREATE TABLE metric_corrections (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    old_values   TEXT NOT NULL,
    new_values   TEXT NOT NULL,
    source       TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    at           INTEGER NOT NULL
);
CREATE INDEX metric_corrections_post ON metric_corrections(post_id, day);
