-- Webhooks per campaign (configured by a partner organization) and their durable delivery queue; the log of
-- personal-data requests (exports, erasures, account deletions), which holds no erased data.
CREATE TABLE webhooks (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id           BIGINT NOT NULL REFERENCES organizations(id),
    created_by       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    url              TEXT NOT NULL,
    -- ',card_moved,deliverable_changed,' or '*' for every kind.
    kinds            TEXT NOT NULL,
    format           TEXT NOT NULL CHECK (format IN ('chorus', 'slack')),
    secret           TEXT NOT NULL,
    secret_revealed  BIGINT NOT NULL DEFAULT 0,
    active           BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhooks_campaign ON webhooks(campaign_id);

CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    campaign_id      BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq              BIGINT,
    kind             TEXT NOT NULL,
    -- The event as stored in the log (or the test message): the body is built from it, the same on every attempt.
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);

CREATE TABLE privacy_log (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('export', 'erasure', 'account_deleted')),
    org_id         BIGINT,
    campaign_id    BIGINT,
    actor_user_id  BIGINT,
    subject        TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX privacy_log_org ON privacy_log(org_id, id);
