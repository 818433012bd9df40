-- Colleagues join their organization through a single-use link.
CREATE TABLE member_invitations (
    token_hash  TEXT PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id),
    created_by  BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_by     BIGINT REFERENCES users(id),
    used_at     BIGINT
);
