-- The pHash backfill (service::ops::similar) lists the assets without a pHash
-- and hashes them. A version it cannot hash (a file the analyser refuses, such
-- as a PDF) is recorded here by its version_id, so that later listings skip it
-- and do not keep the backfill busy with the same files ahead of hashable
-- ones. An overwrite brings a new version_id, which is tried again.
ALTER TABLE assets ADD COLUMN unhashable_version_id TEXT;
