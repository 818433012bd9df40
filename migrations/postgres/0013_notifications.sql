-- Notifications, their preferences, a durable mail outbox and the accounts' mail (password reset, verification).

-- The outbox becomes a durable queue: a mail is claimed with a lease (one process sends it), retried with back-off,
-- and given up after its last attempt. Its HTML part and unsubscribe link are rendered when it is queued; links
-- carry `{{base}}`, replaced by the public address when sent.
ALTER TABLE outbox ADD COLUMN html TEXT;
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN user_id BIGINT;
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until BIGINT;
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);

-- One row per person and event that concerns them (never the person who caused it).
CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    campaign_id BIGINT REFERENCES campaigns(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    href        TEXT NOT NULL,
    actor_id    BIGINT,
    dedupe_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    -- how it went out: 'email', 'digest', 'off' (in the app only)
    delivery    TEXT NOT NULL,
    digested_at BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Per person and kind: 'immediately', 'digest' or 'off' (no row: the role's default).
CREATE TABLE notification_prefs (
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('immediately', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- Per person: time zone, quiet hours, the digest's local hour, and the last local day a digest went out.
CREATE TABLE notification_settings (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    quiet_start  BIGINT,
    quiet_end    BIGINT,
    digest_hour  BIGINT NOT NULL DEFAULT 8,
    digest_day   TEXT,
    version      BIGINT NOT NULL DEFAULT 1
);

-- Secrets the processes share (the key signing unsubscribe links), made once.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Single-use, expiring tokens sent by mail (only their hash is kept): 'reset' or 'verify'.
CREATE TABLE mail_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'verify')),
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX mail_tokens_user ON mail_tokens(user_id, purpose);

ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
