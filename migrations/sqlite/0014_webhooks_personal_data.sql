-- Webhooks per campaign (configured by a partner organization) and their durable delivery queue; the log of
-- personal-data requests (exports, erasures, account deletions), which holds no erased data.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    url              TEXT NOT NULL,
    -- ',card_moved,deliverable_changed,' or '*' for every kind.
    kinds            TEXT NOT NULL,
    format           TEXT NOT NULL CHECK (format IN ('chorus', 'slack')),
    secret           TEXT NOT NULL,
    secret_revealed  INTEGER NOT NULL DEFAULT 0,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL
);
CREATE INDEX webhooks_campaign ON webhooks(campaign_id);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq              INTEGER,
    kind             TEXT NOT NULL,
    -- The event as stored in the log (or the test message): the body is built from it, the same on every attempt.
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);

CREATE TABLE privacy_log (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('export', 'erasure', 'account_deleted')),
    org_id         INTEGER,
    campaign_id    INTEGER,
    actor_user_id  INTEGER,
    subject        TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX privacy_log_org ON privacy_log(org_id, id);
