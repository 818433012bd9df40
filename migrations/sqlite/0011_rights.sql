-- Usage rights: each deliverable's licence terms (versioned; the creator accepts a version), the rights ledger
-- every approved asset enters, its ad codes and the uses partners log. Dates are days in the campaign's time zone
-- (YYYY-MM-DD); instants are milliseconds since the epoch (UTC).

-- How many days before an asset's rights end the partners are warned (an escalation, raised once).
ALTER TABLE campaigns ADD COLUMN rights_warning_days INTEGER NOT NULL DEFAULT 7;

-- The licence terms of one deliverable. Lists are JSON arrays. The term is either `term_days` from first
-- publication or fixed dates (`starts_on`..`ends_on`). A change of the terms clears the acceptance.
CREATE TABLE rights_terms (
    deliverable_id    INTEGER PRIMARY KEY REFERENCES deliverables(id) ON DELETE CASCADE,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    usages            TEXT NOT NULL DEFAULT '[]',
    platforms         TEXT NOT NULL DEFAULT '[]',
    territories       TEXT NOT NULL DEFAULT '[]',
    term_days         INTEGER,
    starts_on         TEXT,
    ends_on           TEXT,
    exclusivity       TEXT NOT NULL DEFAULT '',
    partner_ids       TEXT NOT NULL DEFAULT '[]',
    version           INTEGER NOT NULL DEFAULT 1,
    updated_by        INTEGER REFERENCES users(id),
    updated_at        INTEGER NOT NULL,
    accepted_version  INTEGER,
    accepted_by       INTEGER REFERENCES users(id),
    accepted_at       INTEGER
);
CREATE INDEX rights_terms_campaign ON rights_terms(campaign_id);

-- The rights ledger: one row per approved asset (the approved round), with the day it counts from.
CREATE TABLE rights_ledger (
    deliverable_id  INTEGER PRIMARY KEY REFERENCES deliverables(id) ON DELETE CASCADE,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    submission_id   INTEGER REFERENCES submissions(id) ON DELETE SET NULL,
    approved_at     INTEGER NOT NULL,
    published_on    TEXT NOT NULL
);
CREATE INDEX rights_ledger_campaign ON rights_ledger(campaign_id);

-- Spark Ads / Partnership Ads codes of a ledgered asset, with their own expiry.
CREATE TABLE rights_codes (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deliverable_id  INTEGER NOT NULL REFERENCES deliverables(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('spark', 'partnership', 'other')),
    code            TEXT NOT NULL,
    expires_on      TEXT,
    added_by        INTEGER NOT NULL REFERENCES users(id),
    added_by_name   TEXT NOT NULL,
    org_name        TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX rights_codes_deliverable ON rights_codes(deliverable_id);

-- Uses partners log: "paid amplification on Meta by Kanal Studio, 12–26 Mar".
CREATE TABLE rights_uses (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deliverable_id  INTEGER NOT NULL REFERENCES deliverables(id) ON DELETE CASCADE,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    org_name        TEXT NOT NULL,
    usage           TEXT NOT NULL CHECK (usage IN ('organic', 'paid_amplification', 'whitelisting')),
    platform        TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    logged_by       INTEGER NOT NULL REFERENCES users(id),
    logged_by_name  TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX rights_uses_deliverable ON rights_uses(deliverable_id);
