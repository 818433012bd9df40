-- Notifications, their preferences, a durable mail outbox and the accounts' mail (password reset, verification).

-- The outbox becomes a durable queue: a mail is claimed with a lease (one process sends it), retried with back-off,
-- and given up after its last attempt. Its HTML part and unsubscribe link are rendered when it is queued; links
-- carry `{{base}}`, replaced by the public address when sent.
ALTER TABLE outbox ADD COLUMN html TEXT;
ALTER TABLE outbox ADD COLUMN unsubscribe TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN user_id INTEGER;
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN failed_at INTEGER;
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);

-- One row per person and event that concerns them (never the person who caused it).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    href        TEXT NOT NULL,
    actor_id    INTEGER,
    dedupe_key  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    -- how it went out: 'email', 'digest', 'off' (in the app only)
    delivery    TEXT NOT NULL,
    digested_at INTEGER,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Per person and kind: 'immediately', 'digest' or 'off' (no row: the role's default).
CREATE TABLE notification_prefs (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('immediately', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- Per person: time zone, quiet hours, the digest's local hour, and the last local day a digest went out.
CREATE TABLE notification_settings (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    quiet_start  INTEGER,
    quiet_end    INTEGER,
    digest_hour  INTEGER NOT NULL DEFAULT 8,
    digest_day   TEXT,
    version      INTEGER NOT NULL DEFAULT 1
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
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX mail_tokens_user ON mail_tokens(user_id, purpose);

ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
