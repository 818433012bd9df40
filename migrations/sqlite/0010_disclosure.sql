-- Disclosure checked on every round: the automatic criterion as it was when the round was sent (JSON of
-- app::content::disclosure::DisclosureCheck; NULL for rounds sent before the check existed), and the reviewer's
-- note when approving over a failed check (who decided is the round's decided_by).
ALTER TABLE submissions ADD COLUMN disclosure TEXT;
ALTER TABLE submissions ADD COLUMN disclosure_note TEXT NOT NULL DEFAULT '';
