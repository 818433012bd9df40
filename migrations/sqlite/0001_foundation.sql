-- Accounts, partner organizations, shared campaigns, the outreach board and the event log.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('brand', 'agency')),
    color       TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('member', 'creator')),
    org_id         INTEGER REFERENCES organizations(id),
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    owner_org_id  INTEGER NOT NULL REFERENCES organizations(id),
    status        TEXT NOT NULL DEFAULT 'draft',
    last_seq      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE campaign_partners (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id       INTEGER NOT NULL REFERENCES organizations(id),
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, org_id)
);
CREATE INDEX campaign_partners_org ON campaign_partners(org_id);

CREATE TABLE creators (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    platform         TEXT NOT NULL,
    handle           TEXT NOT NULL,
    handle_key       TEXT NOT NULL,
    followers        INTEGER NOT NULL DEFAULT 0,
    lane             TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    stage            TEXT NOT NULL,
    owner_org_id     INTEGER NOT NULL REFERENCES organizations(id),
    owner_user_id    INTEGER REFERENCES users(id),
    user_id          INTEGER REFERENCES users(id),
    next_action      TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (campaign_id, platform, handle_key)
);
CREATE INDEX creators_user ON creators(user_id);

CREATE TABLE invitations (
    token_hash   TEXT PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('partner', 'creator')),
    creator_id   INTEGER REFERENCES creators(id),
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_by      INTEGER REFERENCES users(id),
    used_at      INTEGER
);

CREATE TABLE events (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    actor_user_id  INTEGER NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, seq)
);

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response      TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
