-- The durable work queue behind `async=true` uploads and explicit calls and
-- behind notification deliveries. Every replica's worker claims jobs from it
-- (FOR UPDATE SKIP LOCKED), so a job is run by one worker at a time; a job
-- whose worker died (its lease ran out without a heartbeat) is claimed again.
CREATE TABLE jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT   NOT NULL,            -- upload | explicit | notify
    batch_id    TEXT   NOT NULL,
    payload     TEXT   NOT NULL,            -- JSON: what the job needs besides the file
    file        BYTEA,                      -- an async upload's original, staged
    state       TEXT   NOT NULL DEFAULT 'queued', -- queued | running | failed
    attempts    BIGINT NOT NULL DEFAULT 0,
    run_after   BIGINT NOT NULL,            -- unix milliseconds
    lease_owner TEXT,
    lease_until BIGINT,                     -- unix milliseconds
    last_error  TEXT,
    created_at  BIGINT NOT NULL             -- unix milliseconds
);
CREATE INDEX jobs_ready ON jobs (state, run_after, id);
