-- Upload presets (Admin API `upload_presets`): named sets of upload
-- parameters an upload names with `upload_preset`. `settings` is a JSON
-- object of parameter name -> wire value, validated by the API before it is
-- stored. `unsigned` (0 or 1) lets uploads without a signature use it.
CREATE TABLE upload_presets (
    name       TEXT   PRIMARY KEY,
    unsigned   BIGINT NOT NULL DEFAULT 0,
    settings   TEXT   NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
