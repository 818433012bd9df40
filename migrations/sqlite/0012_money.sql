-- Money across partners and borders: every amount carries its currency (ISO 4217; amounts stay integer minor
-- units), a campaign reports in its own currency, exchange rates per pair and day, budget shares per partner, and
-- the payout ledger. Amounts written before this had no currency and were shown as US dollars: they keep their
-- values and get 'USD', as does every existing campaign.

ALTER TABLE campaigns ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
-- Net-N: days from a deliverable's approval to its payout's due date.
ALTER TABLE campaigns ADD COLUMN payout_terms_days INTEGER NOT NULL DEFAULT 30;

ALTER TABLE lane_settings ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE deliverables ADD COLUMN fee_currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE daily_metrics ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE platform_cpm ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
-- The currency agreed with a creator for her payouts (NULL: the campaign's).
ALTER TABLE creators ADD COLUMN payout_currency TEXT;

-- One unit of `base` buys rate_e9 / 10^9 units of `quote` from `day` on (a day in the campaign's time zone).
CREATE TABLE exchange_rates (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    base         TEXT NOT NULL,
    quote        TEXT NOT NULL,
    day          TEXT NOT NULL,
    rate_e9      INTEGER NOT NULL CHECK (rate_e9 > 0),
    entered_by   INTEGER NOT NULL REFERENCES users(id),
    entered_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, base, quote, day)
);

-- Who funds what: a partner's share of a lane's budget line, in the campaign's currency.
CREATE TABLE budget_shares (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lane         TEXT NOT NULL CHECK (lane IN ('influencer', 'ugc')),
    org_id       INTEGER NOT NULL REFERENCES organizations(id),
    share_minor  INTEGER NOT NULL CHECK (share_minor >= 0),
    currency     TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    updated_by   INTEGER REFERENCES users(id),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, lane, org_id)
);

-- The payout ledger: one line per approved deliverable.
CREATE TABLE payouts (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deliverable_id  INTEGER NOT NULL UNIQUE REFERENCES deliverables(id) ON DELETE CASCADE,
    creator_id      INTEGER NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    payer_org_id    INTEGER REFERENCES organizations(id),
    terms_days      INTEGER NOT NULL,
    approved_on     TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'approved', 'paid', 'disputed')),
    paid_on         TEXT,
    reference       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    recorded_by     INTEGER REFERENCES users(id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX payouts_campaign ON payouts(campaign_id);
CREATE INDEX payouts_creator ON payouts(creator_id);
CREATE INDEX payouts_open ON payouts(state, due_date);

-- Deliverables approved before the ledger existed get their line: the fee in US dollars, paid by the creator's
-- relationship owner, net 30 from the day of the approving review (UTC), in the state the old payout status said.
INSERT INTO payouts (campaign_id, deliverable_id, creator_id, amount_minor, currency, payer_org_id, terms_days,
                     approved_on, due_date, state, created_at, updated_at)
SELECT d.campaign_id, d.id, d.creator_id, d.fee_cents, d.fee_currency, cr.owner_org_id, 30,
       date(COALESCE(s.decided_at, d.updated_at) / 1000, 'unixepoch'),
       date(COALESCE(s.decided_at, d.updated_at) / 1000, 'unixepoch', '+30 days'),
       CASE d.payout WHEN 'paid' THEN 'paid' WHEN 'approved' THEN 'approved' ELSE 'scheduled' END,
       d.updated_at, d.updated_at
FROM deliverables d
JOIN creators cr ON cr.id = d.creator_id
LEFT JOIN submissions s ON s.deliverable_id = d.id AND s.decision = 'approved'
WHERE d.status = 'approved';
