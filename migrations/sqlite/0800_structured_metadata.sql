-- Structured metadata (Admin API `metadata_fields`, the `metadata` parameter
-- of upload, explicit, update and `image/metadata`): typed fields defined
-- once, and the values each asset has for them.
--
-- A field's definition (label, mandatory, default, validation, datasource,
-- restrictions) is JSON written and read whole by crates/store/src/metadata_fields.rs;
-- `revision` grows with every change, so a value is written only against the
-- definition it was validated with. A deleted field keeps its row (`deleted`
-- = 1) because Cloudinary never hands its external_id out again; its values
-- are deleted with it.
CREATE TABLE metadata_fields (
    id          INTEGER PRIMARY KEY,
    external_id TEXT   NOT NULL UNIQUE,
    field_type  TEXT   NOT NULL,
    definition  TEXT   NOT NULL,
    revision    BIGINT NOT NULL DEFAULT 1,
    position    BIGINT NOT NULL DEFAULT 0,
    deleted     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

-- One row per value item: a string, integer, date or enum value is one item,
-- a set has one per member (`position` keeps the order given). `item` is the
-- value as text (an integer's decimal, a date's YYYY-MM-DD, an entry's
-- external_id), which `metadata.<field>:<value>` searches test; `number` is
-- an integer field's value. Deleting the asset deletes its values.
CREATE TABLE asset_metadata (
    asset_id  TEXT   NOT NULL REFERENCES assets (asset_id) ON DELETE CASCADE,
    field_id  BIGINT NOT NULL REFERENCES metadata_fields (id),
    position  BIGINT NOT NULL,
    item      TEXT   NOT NULL,
    number    BIGINT,
    PRIMARY KEY (asset_id, field_id, position)
);

-- Search (`metadata.<field>=<value>`) and a field's deletion find values by field.
CREATE INDEX asset_metadata_by_value ON asset_metadata (field_id, item);
