-- Background jobs that several processes of one deployment all look for (issue 22): the daily cut-off of each
-- campaign, metric imports left half-applied, abandoned uploads. Whoever claims a job's lease does it; the others
-- leave it alone while the lease holds. A process that dies mid-job stops renewing its lease, which runs out, and
-- the next process to look claims the job and resumes it (each job is written to be resumed).
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);

-- Uploads started and never finished are found by how long they have been idle.
CREATE INDEX uploads_idle ON uploads(status, updated_at);
