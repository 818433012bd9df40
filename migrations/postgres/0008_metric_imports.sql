-- CSV imports of daily figures: the file is kept between the preview and the decision (all / valid rows /
-- nothing). Applied in chunks: `next_row` is the spreadsheet row after which the next chunk starts, advanced in
-- the same transaction as the chunk's figures, so an interrupted import resumes where it stopped.
CREATE TABLE metric_imports (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    filename     TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- Today in the campaign's zone when the file was checked (later days were refused then and stay so).
    as_of        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('previewed', 'applying', 'applied', 'discarded')),
    mode         TEXT CHECK (mode IN ('all', 'valid_only')),
    total        BIGINT NOT NULL,
    valid_rows   BIGINT NOT NULL,
    next_row     BIGINT NOT NULL DEFAULT 0,
    imported     BIGINT NOT NULL DEFAULT 0,
    inserted     BIGINT NOT NULL DEFAULT 0,
    corrected    BIGINT NOT NULL DEFAULT 0,
    unchanged    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    applied_at   BIGINT
);
CREATE INDEX metric_imports_campaign ON metric_imports(campaign_id, created_at);
