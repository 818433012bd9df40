-- Colleagues join their organization through a single-use link.
CREATE TABLE member_invitations (
    token_hash  TEXT PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     INTEGER REFERENCES users(id),
    used_at     INTEGER
);
