-- Near-duplicate search (store::similar): multi-index hashing over the pHash.
-- Same columns and intent as migrations/postgres/0003_phash_index.sql: four
-- indexed 16-bit bands (4 hex digits each) of the `phash` key of `analysis`,
-- generated so that every write keeps them in step. SQLite adds generated
-- columns only as VIRTUAL; the indexes store their values.
ALTER TABLE assets ADD COLUMN phash TEXT GENERATED ALWAYS AS (
    CASE WHEN length(json_extract(analysis, '$.phash')) = 16
          AND json_extract(analysis, '$.phash') NOT GLOB '*[^0-9a-f]*'
         THEN json_extract(analysis, '$.phash') END
) VIRTUAL;
ALTER TABLE assets ADD COLUMN phash_band0 TEXT GENERATED ALWAYS AS (substr(phash, 1, 4)) VIRTUAL;
ALTER TABLE assets ADD COLUMN phash_band1 TEXT GENERATED ALWAYS AS (substr(phash, 5, 4)) VIRTUAL;
ALTER TABLE assets ADD COLUMN phash_band2 TEXT GENERATED ALWAYS AS (substr(phash, 9, 4)) VIRTUAL;
ALTER TABLE assets ADD COLUMN phash_band3 TEXT GENERATED ALWAYS AS (substr(phash, 13, 4)) VIRTUAL;

CREATE INDEX assets_phash_band0 ON assets (resource_type, phash_band0, phash);
CREATE INDEX assets_phash_band1 ON assets (resource_type, phash_band1, phash);
CREATE INDEX assets_phash_band2 ON assets (resource_type, phash_band2, phash);
CREATE INDEX assets_phash_band3 ON assets (resource_type, phash_band3, phash);
