-- The joint strategy charter: the draft per section, frozen versions, signatures, creators' comments.
CREATE TABLE charter_sections (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    section      TEXT NOT NULL,
    body         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    updated_by   INTEGER NOT NULL REFERENCES users(id),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, section)
);

CREATE TABLE charter_versions (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    proposed_by  INTEGER NOT NULL REFERENCES users(id),
    proposed_at  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, number)
);

CREATE TABLE charter_signatures (
    campaign_id  INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    org_id       INTEGER NOT NULL REFERENCES organizations(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    signed_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, number, org_id),
    FOREIGN KEY (campaign_id, number) REFERENCES charter_versions(campaign_id, number) ON DELETE CASCADE
);

CREATE TABLE charter_comments (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    section         TEXT NOT NULL,
    author_user_id  INTEGER NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL,
    parent_id       INTEGER REFERENCES charter_comments(id),
    created_at      INTEGER NOT NULL,
    resolved_by     INTEGER REFERENCES users(id),
    resolved_at     INTEGER
);
CREATE INDEX charter_comments_campaign ON charter_comments(campaign_id);
