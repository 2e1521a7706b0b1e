-- Near-duplicate search (store::similar): multi-index hashing over the pHash.
--
-- The 64-bit pHash (the `phash` key of `analysis`, 16 lowercase hex digits)
-- is split into four 16-bit bands of 4 hex digits each; each band is indexed.
-- Two hashes within Hamming distance d differ in some band by at most d/4 bits
-- (pigeonhole), so looking up every band value within that radius finds every
-- match; candidates are then verified on the whole hash. Generated columns keep
-- the bands in step with `analysis` on every insert, overwrite and update, with
-- no code on the write paths; a row without a (well-formed) pHash gets NULLs.
-- The expressions match migrations/sqlite/0003_phash_index.sql.
ALTER TABLE assets
    ADD COLUMN phash TEXT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$' THEN analysis::jsonb ->> 'phash' END
    ) STORED,
    -- The same hash as a number, for bit_count() of an XOR (full-scan baseline of `make bench`).
    ADD COLUMN phash_bits BIGINT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$'
             THEN ('x' || (analysis::jsonb ->> 'phash'))::bit(64)::bigint END
    ) STORED,
    ADD COLUMN phash_band0 TEXT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$' THEN substr(analysis::jsonb ->> 'phash', 1, 4) END
    ) STORED,
    ADD COLUMN phash_band1 TEXT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$' THEN substr(analysis::jsonb ->> 'phash', 5, 4) END
    ) STORED,
    ADD COLUMN phash_band2 TEXT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$' THEN substr(analysis::jsonb ->> 'phash', 9, 4) END
    ) STORED,
    ADD COLUMN phash_band3 TEXT GENERATED ALWAYS AS (
        CASE WHEN (analysis::jsonb ->> 'phash') ~ '^[0-9a-f]{16}$' THEN substr(analysis::jsonb ->> 'phash', 13, 4) END
    ) STORED;

-- One index per band; `phash` and `id` ride along so candidates come from the
-- index alone.
CREATE INDEX assets_phash_band0 ON assets (resource_type, phash_band0, phash, id);
CREATE INDEX assets_phash_band1 ON assets (resource_type, phash_band1, phash, id);
CREATE INDEX assets_phash_band2 ON assets (resource_type, phash_band2, phash, id);
CREATE INDEX assets_phash_band3 ON assets (resource_type, phash_band3, phash, id);
