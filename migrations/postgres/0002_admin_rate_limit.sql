-- Admin API budget per API key and hourly window, shared by every replica.
-- One row per (key, window); `used` counts the calls that window admitted.
CREATE TABLE admin_rate_limit (
    api_key      TEXT    NOT NULL,
    window_start BIGINT  NOT NULL, -- unix seconds, on the hour
    used         INTEGER NOT NULL,
    PRIMARY KEY (api_key, window_start)
);
