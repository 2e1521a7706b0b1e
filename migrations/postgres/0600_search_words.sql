-- Search by words (store::search::words): `tags:shirt` finds the tag
-- `blue shirt`. Each `:` test on free text is a regular expression over the
-- value; these GIN indexes on the words of each text let PostgreSQL narrow
-- the rows first (`words @> ARRAY[...]`, every word of the term present),
-- written exactly as crates/store/src/search/dialect.rs renders them.
--
-- A word is a run of characters other than ASCII punctuation, space and
-- control characters, lowercased in ASCII only (the "C" collation), as
-- search/words.rs splits them. SQLite has no such index: there the regular
-- expression runs on the rows the other conditions leave.

CREATE FUNCTION assay_search_words(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT array_remove(
            regexp_split_to_array(
                lower(value COLLATE "C"),
                '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+'
            ),
            ''
        )
    $$;

-- The words of every member of a JSON list of strings (tags).
CREATE FUNCTION assay_search_words_of_list(list jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(word), '{}')
        FROM jsonb_array_elements_text(
                CASE WHEN jsonb_typeof(list) = 'array' THEN list ELSE '[]'::jsonb END
             ) AS member(value),
             unnest(assay_search_words(member.value)) AS word
    $$;

-- The words of every value of a JSON object (context, media metadata).
CREATE FUNCTION assay_search_words_of_values(map jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(word), '{}')
        FROM jsonb_each_text(
                CASE WHEN jsonb_typeof(map) = 'object' THEN map ELSE '{}'::jsonb END
             ) AS member(key, value),
             unnest(assay_search_words(member.value)) AS word
    $$;

-- public_id (and filename, whose words are among the public_id's).
CREATE INDEX assets_search_public_id_words ON assets USING GIN (assay_search_words(public_id));
CREATE INDEX assets_search_tags_words ON assets
    USING GIN (assay_search_words_of_list(tags::jsonb));
CREATE INDEX assets_search_context_words ON assets
    USING GIN (assay_search_words_of_values(context::jsonb));
CREATE INDEX assets_search_media_metadata_words ON assets
    USING GIN (assay_search_words_of_values((analysis::jsonb) -> 'media_metadata'));
