-- Work one process of a deployment does now and then for all of them (today: pruning the webhook delivery log).
-- The process whose conditional update moves a task's `next_run_at` forward does it; the others skip that turn.
CREATE TABLE housekeeping (
    task         TEXT PRIMARY KEY,
    next_run_at  INTEGER NOT NULL,
    last_run_at  INTEGER,
    -- How many times it has run (for the operator, and the tests that check it runs once per turn).
    runs         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO housekeeping (task, next_run_at) VALUES ('prune_webhook_deliveries', 0);

-- The deliveries old enough to leave the log.
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
