-- Same column and intent as migrations/postgres/0010_phash_unhashable.sql: the
-- version_id the pHash backfill could not hash, skipped by later listings.
ALTER TABLE assets ADD COLUMN unhashable_version_id TEXT;
