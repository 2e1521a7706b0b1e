-- Drops pHashes of JPEGs stored before each analysis read its own canonical
-- input; the background backfill recomputes them. Why, in
-- migrations/postgres/0040_recompute_jpeg_phash.sql.
UPDATE assets
   SET analysis = json_remove(analysis, '$.phash')
 WHERE format = 'jpg' AND json_extract(analysis, '$.phash') IS NOT NULL;
