-- Chunked uploads in progress (`upload_large`: parts with Content-Range and
-- X-Unique-Upload-Id). Each part's bytes are a blob of their own, written
-- before its row; the last part assembles them in order, then the session
-- and its parts are deleted (rows first, then blobs). A session whose
-- expires_at passed is swept with its parts.
CREATE TABLE chunked_uploads (
    upload_id           TEXT   PRIMARY KEY, -- the X-Unique-Upload-Id header
    resource_type       TEXT   NOT NULL,
    params_sha256       TEXT   NOT NULL,    -- the parameters every part must repeat
    requested_public_id TEXT,               -- public_id as the first part sent it
    public_id           TEXT   NOT NULL,    -- the final public_id, answered on every part
    original_filename   TEXT,
    total_bytes         BIGINT,             -- declared total; NULL until a part declares it
    received_bytes      BIGINT NOT NULL,    -- the next part starts here
    expires_at          BIGINT NOT NULL     -- unix seconds
);
CREATE INDEX chunked_uploads_expiry ON chunked_uploads (expires_at);
CREATE TABLE chunked_upload_parts (
    upload_id  TEXT   NOT NULL, -- no foreign key: a session's rows go first, its parts' keys are read as they go
    first_byte BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    blob_key   TEXT   NOT NULL,
    PRIMARY KEY (upload_id, first_byte)
);
-- The orphan sweep asks whether a blob is a part.
CREATE INDEX chunked_upload_parts_blob ON chunked_upload_parts (blob_key);
