-- Search (store::search, the Admin API's resources/search): indexes for the
-- fields expressions test and sort by. Same intent as
-- migrations/postgres/0050_search.sql; each expression is written as
-- crates/store/src/search/dialect.rs renders it for SQLite, so the planner
-- matches them. SQLite cannot index the members of a JSON list or map, so
-- tags, colours, context and media metadata are tested row by row (through
-- whatever other condition narrows the rows first).

CREATE INDEX assets_search_newest ON assets (version DESC, id DESC);
CREATE INDEX assets_search_format ON assets (format, version DESC, id DESC);

CREATE INDEX assets_search_public_id ON assets (public_id);
CREATE INDEX assets_search_folder ON assets (folder);
-- filename: the public_id after its last '/'.
CREATE INDEX assets_search_filename ON assets (
    substr(public_id, length(rtrim(public_id, replace(public_id, '/', ''))) + 1)
);

CREATE INDEX assets_search_bytes ON assets (bytes);
CREATE INDEX assets_search_width ON assets (width);
CREATE INDEX assets_search_height ON assets (height);
CREATE INDEX assets_search_pixels ON assets ((width * height));
CREATE INDEX assets_search_faces ON assets (json_array_length(face_coordinates));
CREATE INDEX assets_search_quality_score ON assets (json_extract(analysis, '$.quality_score'));
CREATE INDEX assets_search_illustration_score ON assets
    (json_extract(analysis, '$.illustration_score'));
