-- Delete tokens (`return_delete_token=true`): each lets its holder delete the
-- one version it was issued for, once, until it expires. Only the SHA-256 of
-- the token is kept, so the table never holds a usable token.
CREATE TABLE delete_tokens (
    token_sha256 TEXT   PRIMARY KEY,
    asset_id     TEXT   NOT NULL,
    version_id   TEXT   NOT NULL,
    expires_at   BIGINT NOT NULL -- unix seconds
);
CREATE INDEX delete_tokens_expiry ON delete_tokens (expires_at);
