-- The current version of every asset. One row per (resource_type, type,
-- public_id); an overwrite replaces the row's version columns in place.
-- Same columns and intent as migrations/postgres/0001_assets.sql.
CREATE TABLE assets (
    id                 INTEGER PRIMARY KEY,
    asset_id           TEXT    NOT NULL UNIQUE,
    resource_type      TEXT    NOT NULL,
    delivery_type      TEXT    NOT NULL,
    public_id          TEXT    NOT NULL,
    -- Unix seconds of this version's upload; also its created_at.
    version            INTEGER NOT NULL,
    version_id         TEXT    NOT NULL,
    -- Key of the original in the blob store; generated, never the public_id.
    blob_key           TEXT    NOT NULL UNIQUE,
    format             TEXT    NOT NULL,
    width              INTEGER NOT NULL,
    height             INTEGER NOT NULL,
    bytes              INTEGER NOT NULL,
    etag               TEXT    NOT NULL,
    pages              INTEGER NOT NULL,
    tags               TEXT    NOT NULL DEFAULT '[]',
    context            TEXT    NOT NULL DEFAULT '{}',
    face_coordinates   TEXT    NOT NULL DEFAULT '[]',
    custom_coordinates TEXT    NOT NULL DEFAULT '[]',
    original_filename  TEXT,
    folder             TEXT    NOT NULL DEFAULT '',
    access_mode        TEXT    NOT NULL DEFAULT 'public',
    -- Extraction results keyed by response field (colors, phash, faces, ...).
    analysis           TEXT    NOT NULL DEFAULT '{}',
    UNIQUE (resource_type, delivery_type, public_id)
);

-- Listing: newest first within a resource type.
CREATE INDEX assets_newest_first ON assets (resource_type, version DESC, id DESC);
