-- Search (store::search, the Admin API's resources/search): indexes for the
-- fields expressions test and sort by. Each expression below is written as
-- crates/store/src/search/dialect.rs renders it, so the planner matches them.
--
-- Text is compared and sorted in the "C" collation (code point order, as in
-- SQLite), so a prefix (`public_id:photos/*`) is an index range; the text
-- indexes are declared in that collation.

-- Default order (created_at desc) over every resource type, and the format
-- filter in that order (`format:jpg` pages straight off the index).
CREATE INDEX assets_search_newest ON assets (version DESC, id DESC);
CREATE INDEX assets_search_format ON assets (format COLLATE "C", version DESC, id DESC);

CREATE INDEX assets_search_public_id ON assets (public_id COLLATE "C");
CREATE INDEX assets_search_asset_id ON assets (asset_id COLLATE "C");
CREATE INDEX assets_search_folder ON assets (folder COLLATE "C");
-- filename: the public_id after its last '/'.
CREATE INDEX assets_search_filename ON assets (
    (substr(public_id, length(rtrim(public_id, replace(public_id, '/', ''))) + 1)) COLLATE "C"
);

CREATE INDEX assets_search_bytes ON assets (bytes);
CREATE INDEX assets_search_width ON assets (width);
CREATE INDEX assets_search_height ON assets (height);
CREATE INDEX assets_search_pixels ON assets ((width * height));
CREATE INDEX assets_search_faces ON assets (jsonb_array_length(face_coordinates::jsonb));
CREATE INDEX assets_search_quality_score ON assets
    ((((analysis::jsonb) ->> 'quality_score')::double precision));
CREATE INDEX assets_search_illustration_score ON assets
    ((((analysis::jsonb) ->> 'illustration_score')::double precision));

-- Membership and key = value tests: `tags:x` (jsonb ?), `colors:red` (?),
-- `context.k:v` and `image_metadata.Make:Canon` (@>).
CREATE INDEX assets_search_tags ON assets USING GIN ((tags::jsonb));
CREATE INDEX assets_search_colors ON assets
    USING GIN ((jsonb_path_query_array(analysis::jsonb, '$.predominant.*[*][0]')));
CREATE INDEX assets_search_context ON assets USING GIN ((context::jsonb) jsonb_path_ops);
CREATE INDEX assets_search_media_metadata ON assets
    USING GIN (((analysis::jsonb) -> 'media_metadata') jsonb_path_ops);
