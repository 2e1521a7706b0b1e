-- pHashes of JPEGs stored before each analysis read its own canonical input
-- (extract::decode::Input) came from whatever DCT scale the other requested
-- analyses chose (1/8 alone, 1/4 with faces, full size with OCR), so one file
-- could carry hashes 1-3 bits apart depending on how it was uploaded. Drop
-- them: the generated band columns follow, the asset drops out of the
-- similar-search index, and the background pHash backfill (or the next call
-- that asks for the pHash) stores the canonical one. Other formats always
-- had a single full-size decode; their hashes stand.
-- The same statement as migrations/sqlite/0040_recompute_jpeg_phash.sql.
UPDATE assets
   SET analysis = (analysis::jsonb - 'phash')::text
 WHERE format = 'jpg' AND analysis::jsonb ? 'phash';
