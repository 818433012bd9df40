-- The shared creator pool: profiles, handles per platform with their figures, history, CSV imports.
ALTER TABLE creators ADD COLUMN avg_reach INTEGER;
ALTER TABLE creators ADD COLUMN avg_likes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE creators ADD COLUMN avg_comments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE creators ADD COLUMN avg_shares INTEGER NOT NULL DEFAULT 0;
ALTER TABLE creators ADD COLUMN avg_saves INTEGER NOT NULL DEFAULT 0;
ALTER TABLE creators ADD COLUMN country TEXT;
ALTER TABLE creators ADD COLUMN language TEXT;
ALTER TABLE creators ADD COLUMN audience_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE creators ADD COLUMN rates TEXT NOT NULL DEFAULT '';
ALTER TABLE creators ADD COLUMN contact_email TEXT;
ALTER TABLE creators ADD COLUMN next_action_due TEXT;
ALTER TABLE creators ADD COLUMN stage_changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE creators SET stage_changed_at = updated_at;
CREATE INDEX creators_campaign ON creators(campaign_id, updated_at);

-- Every handle of every creator, the primary one included: platform + handle is unique per campaign.
CREATE TABLE creator_handles (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    creator_id    INTEGER NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    handle        TEXT NOT NULL,
    handle_key    TEXT NOT NULL,
    followers     INTEGER NOT NULL DEFAULT 0,
    avg_reach     INTEGER,
    avg_likes     INTEGER NOT NULL DEFAULT 0,
    avg_comments  INTEGER NOT NULL DEFAULT 0,
    avg_shares    INTEGER NOT NULL DEFAULT 0,
    avg_saves     INTEGER NOT NULL DEFAULT 0,
    position      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, platform, handle_key)
);
CREATE INDEX creator_handles_creator ON creator_handles(creator_id);
INSERT INTO creator_handles (campaign_id, creator_id, platform, handle, handle_key, followers)
    SELECT campaign_id, id, platform, handle, handle_key, followers FROM creators;

-- Moves, notes, owner changes and edits of one creator: who, which partner, when.
CREATE TABLE creator_history (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    creator_id      INTEGER NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    actor_user_id   INTEGER NOT NULL,
    actor_name      TEXT NOT NULL,
    actor_org_name  TEXT,
    at              INTEGER NOT NULL
);
CREATE INDEX creator_history_creator ON creator_history(creator_id, id);

-- An uploaded file between its preview and the decision: import all, only the valid rows, or nothing.
CREATE TABLE pool_imports (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    filename     TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('previewed', 'applied', 'discarded')),
    total        INTEGER NOT NULL,
    imported     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    applied_at   INTEGER
);
