-- `ocr_text:<words>` in Search (crates/store/src/search/ocr_text.rs): the
-- text `adv_ocr` read, every page, in a full-text index. The lexemes are the
-- words search/words.rs splits (`assay_search_words`, 0600), not a text
-- search configuration's, so that both databases and the Rust filter agree
-- on what a word is; a `tsquery` of those words (with `:*` for a prefix)
-- narrows the rows through the GIN index, and the regular expression then
-- checks order and adjacency.
--
-- The index is on an expression of `analysis`, so every path that writes it
-- (upload, overwrite, explicit, update, restore) or deletes the row keeps it
-- in step. A row's pages are joined by a line feed, in page order.
CREATE FUNCTION assay_ocr_text(analysis jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT string_agg(page.value -> 'fullTextAnnotation' ->> 'text', E'\n' ORDER BY page.n)
        FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(analysis #> '{info,ocr,adv_ocr,data}') = 'array'
                     THEN analysis #> '{info,ocr,adv_ocr,data}' ELSE '[]'::jsonb END
             ) WITH ORDINALITY AS page(value, n)
    $$;

CREATE INDEX assets_search_ocr_text ON assets
    USING GIN (array_to_tsvector(assay_search_words(assay_ocr_text(analysis::jsonb))));
