-- Issue 28: async originals are staged in the blob store (the row names the
-- blob and its size, counted against the queue's caps), notifications carry
-- their destination host (per-host budget and backoff), and finished jobs
-- (done or failed) keep the time they finished, to be pruned after the
-- retention period. `file` is read only for rows queued before this.
ALTER TABLE jobs ADD COLUMN file_key TEXT;
ALTER TABLE jobs ADD COLUMN file_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN host TEXT;
ALTER TABLE jobs ADD COLUMN finished_at INTEGER;
UPDATE jobs SET finished_at = created_at WHERE state = 'failed';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_file_key ON jobs (file_key) WHERE file_key IS NOT NULL;
