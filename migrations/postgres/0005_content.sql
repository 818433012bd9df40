-- Two content lanes, one approval workflow, escalations and the mail outbox.

-- The campaign's time zone: due dates and daily cut-offs are days in this zone.
ALTER TABLE campaigns ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- Each lane's brief, approval SLA, budget line and default fee (criteria live in the charter).
CREATE TABLE lane_settings (
    campaign_id        BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lane               TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    brief              TEXT NOT NULL DEFAULT '',
    sla_hours          BIGINT NOT NULL,
    budget_cents       BIGINT NOT NULL DEFAULT 0,
    default_fee_cents  BIGINT NOT NULL DEFAULT 0,
    version            BIGINT NOT NULL DEFAULT 1,
    updated_by         BIGINT REFERENCES users(id),
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, lane)
);

CREATE TABLE deliverables (
    id            BIGSERIAL PRIMARY KEY,
    campaign_id   BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    creator_id    BIGINT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    lane          TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    title         TEXT NOT NULL,
    expectations  TEXT NOT NULL DEFAULT '',
    due_date      TEXT,
    fee_cents     BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'awaiting_draft',
    rounds        BIGINT NOT NULL DEFAULT 0,
    payout        TEXT NOT NULL DEFAULT 'owed' CHECK (payout IN ('owed', 'approved', 'paid')),
    version       BIGINT NOT NULL DEFAULT 1,
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX deliverables_campaign ON deliverables(campaign_id, lane);
CREATE INDEX deliverables_creator ON deliverables(creator_id);

-- One round of a deliverable: what the creator submitted and what the reviewer decided.
CREATE TABLE submissions (
    id                BIGSERIAL PRIMARY KEY,
    deliverable_id    BIGINT NOT NULL REFERENCES deliverables(id) ON DELETE CASCADE,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    round             BIGINT NOT NULL,
    caption           TEXT NOT NULL DEFAULT '',
    link              TEXT,
    submitted_by      BIGINT NOT NULL REFERENCES users(id),
    submitted_at      BIGINT NOT NULL,
    sla_hours         BIGINT NOT NULL,
    review_due_at     BIGINT NOT NULL,
    reviewer_user_id  BIGINT REFERENCES users(id),
    decision          TEXT CHECK (decision IN ('approved', 'changes_requested', 'rejected')),
    decided_by        BIGINT REFERENCES users(id),
    decided_at        BIGINT,
    feedback          TEXT NOT NULL DEFAULT '',
    criteria          TEXT NOT NULL DEFAULT '[]',
    UNIQUE (deliverable_id, round)
);
CREATE INDEX submissions_pending ON submissions(decision, review_due_at);
CREATE INDEX submissions_campaign ON submissions(campaign_id);

-- Files of drafts, received in chunks; `client_key` makes a retried start return the same upload.
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deliverable_id  BIGINT NOT NULL REFERENCES deliverables(id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    client_key      TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    size            BIGINT NOT NULL,
    received        BIGINT NOT NULL DEFAULT 0,
    kind            TEXT,
    status          TEXT NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving', 'complete', 'failed')),
    error           TEXT,
    has_thumb       BIGINT NOT NULL DEFAULT 0,
    submission_id   BIGINT REFERENCES submissions(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (user_id, client_key)
);
CREATE INDEX uploads_submission ON uploads(submission_id);

-- Comments on a deliverable: to the creator, or internal to the partners.
CREATE TABLE deliverable_comments (
    id              BIGSERIAL PRIMARY KEY,
    deliverable_id  BIGINT NOT NULL REFERENCES deliverables(id) ON DELETE CASCADE,
    campaign_id     BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    round           BIGINT,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    author_name     TEXT NOT NULL,
    org_name        TEXT,
    internal        BIGINT NOT NULL DEFAULT 0,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX deliverable_comments_deliverable ON deliverable_comments(deliverable_id);

-- Something went wrong that a named person must act on (a review past its SLA, a daily threshold).
-- (campaign, kind, breach_key) is unique: the same breach is raised once, whichever process sees it first.
CREATE TABLE escalations (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    breach_key        TEXT NOT NULL,
    title             TEXT NOT NULL,
    detail            TEXT NOT NULL DEFAULT '',
    assignee_user_id  BIGINT REFERENCES users(id),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    note              TEXT NOT NULL DEFAULT '',
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (campaign_id, kind, breach_key)
);
CREATE INDEX escalations_campaign ON escalations(campaign_id, status);

-- Mail to send (escalations): delivered over SMTP when configured, else kept here to read in the app.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns(id) ON DELETE CASCADE,
    to_email    TEXT NOT NULL,
    to_name     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX outbox_unsent ON outbox(sent_at);
