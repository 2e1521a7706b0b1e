-- `ocr_text:<words>` in Search (crates/store/src/search/ocr_text.rs): the
-- text `adv_ocr` read, every page, in a full-text index. FTS5's `ascii`
-- tokenizer splits words exactly as search/words.rs does: every ASCII
-- character but letters and digits separates, non-ASCII characters belong to
-- words, and case folds in ASCII only.
--
-- The index follows the assets table through triggers, so every path that
-- writes `analysis` (upload, overwrite, explicit, update, restore) or deletes
-- a row keeps it in step without the store having to remember it.
CREATE VIRTUAL TABLE assets_ocr_text USING fts5 (text, tokenize = 'ascii');

-- What a row's OCR text is: its pages joined by a line feed, in page order;
-- no row for an asset OCR never read.
CREATE VIEW assets_ocr_source AS
SELECT assets.id AS id,
       (SELECT group_concat(json_extract(page.value, '$.fullTextAnnotation.text'), char(10))
        FROM json_each(assets.analysis, '$.info.ocr.adv_ocr.data') AS page) AS text
FROM assets;

CREATE TRIGGER assets_ocr_text_insert AFTER INSERT ON assets BEGIN
    INSERT INTO assets_ocr_text (rowid, text)
    SELECT id, text FROM assets_ocr_source WHERE id = new.id AND text IS NOT NULL;
END;

CREATE TRIGGER assets_ocr_text_update AFTER UPDATE OF analysis ON assets BEGIN
    DELETE FROM assets_ocr_text WHERE rowid = old.id;
    INSERT INTO assets_ocr_text (rowid, text)
    SELECT id, text FROM assets_ocr_source WHERE id = new.id AND text IS NOT NULL;
END;

CREATE TRIGGER assets_ocr_text_delete AFTER DELETE ON assets BEGIN
    DELETE FROM assets_ocr_text WHERE rowid = old.id;
END;

-- Assets stored before this migration.
INSERT INTO assets_ocr_text (rowid, text)
SELECT id, text FROM assets_ocr_source WHERE text IS NOT NULL;
