-- Partner fit: each organization's stated working style, one row per saved version (the highest is current), and
-- the fit items the partners of a campaign marked as settled (they go on the launch checklist as warnings).
CREATE TABLE org_profiles (
    org_id                 INTEGER NOT NULL REFERENCES organizations(id),
    version                INTEGER NOT NULL,
    team_size              INTEGER NOT NULL,
    markets                TEXT NOT NULL,
    time_zone              TEXT NOT NULL,
    work_start             TEXT NOT NULL,
    work_end               TEXT NOT NULL,
    work_days              TEXT NOT NULL,
    measure_working_hours  INTEGER NOT NULL,
    review_hours           INTEGER NOT NULL,
    reply_hours            INTEGER NOT NULL,
    approval_steps         INTEGER NOT NULL,
    signer                 TEXT NOT NULL,
    reporting_cadence      TEXT NOT NULL,
    tools                  TEXT NOT NULL,
    campaigns_per_quarter  INTEGER NOT NULL,
    languages              TEXT NOT NULL,
    saved_by               INTEGER NOT NULL REFERENCES users(id),
    saved_at               INTEGER NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE fit_settlements (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    item_key     TEXT NOT NULL,
    note         TEXT NOT NULL,
    settled_by   INTEGER NOT NULL REFERENCES users(id),
    settled_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, item_key)
);
