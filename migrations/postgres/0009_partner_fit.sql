-- Partner fit: each organization's stated working style, one row per saved version (the highest is current), and
-- the fit items the partners of a campaign marked as settled (they go on the launch checklist as warnings).
CREATE TABLE org_profiles (
    org_id                 BIGINT NOT NULL REFERENCES organizations(id),
    version                BIGINT NOT NULL,
    team_size              BIGINT NOT NULL,
    markets                TEXT NOT NULL,
    time_zone              TEXT NOT NULL,
    work_start             TEXT NOT NULL,
    work_end               TEXT NOT NULL,
    work_days              TEXT NOT NULL,
    measure_working_hours  BIGINT NOT NULL,
    review_hours           BIGINT NOT NULL,
    reply_hours            BIGINT NOT NULL,
    approval_steps         BIGINT NOT NULL,
    signer                 TEXT NOT NULL,
    reporting_cadence      TEXT NOT NULL,
    tools                  TEXT NOT NULL,
    campaigns_per_quarter  BIGINT NOT NULL,
    languages              TEXT NOT NULL,
    saved_by               BIGINT NOT NULL REFERENCES users(id),
    saved_at               BIGINT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE fit_settlements (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    item_key     TEXT NOT NULL,
    note         TEXT NOT NULL,
    settled_by   BIGINT NOT NULL REFERENCES users(id),
    settled_at   BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, item_key)
);
