-- State that must be shared by every process of one deployment (issue 22).

-- Sign-in and sign-up allowances, counted in the database on PostgreSQL so that N processes do not give N times
-- the allowance. `key` is a hash of what is counted (email and network, or network), never the email itself.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    hits         BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits(window_start);

-- Uploads into object storage: the S3 multipart upload of each object being written, the parts sent so far
-- (number, ETag, length), and the chunks received since the last part (S3 parts are at least 5 MiB, chunks 1 MB).
-- Any process can take the next chunk: everything needed is here and in the object store.
CREATE TABLE object_uploads (
    key          TEXT PRIMARY KEY,
    multipart_id TEXT,
    parts        TEXT NOT NULL DEFAULT '[]',
    parts_len    BIGINT NOT NULL DEFAULT 0,
    received     BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE object_upload_chunks (
    key          TEXT NOT NULL REFERENCES object_uploads(key) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    bytes        BYTEA NOT NULL,
    PRIMARY KEY (key, start_offset)
);

-- The mail outbox is claimed for a while by the process sending a message, so two processes never send it twice;
-- a process that dies mid-send leaves the claim to run out and another sends it.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
