-- Idempotency-Key (API.md): the first successful response to a POST, kept 24 hours, so that a
-- client retrying over a bad network gets the same answer and nothing happens twice. The row
-- is written in the same transaction as the change it answers for.
CREATE TABLE idempotency_keys (
	username     text NOT NULL,
	key          text NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 128),
	request_hash text NOT NULL,          -- SHA-256 of method, path, query and body
	status       integer NOT NULL,
	content_type text,
	headers      text NOT NULL DEFAULT '',  -- "Name: value\r\n" lines (ETag, Location)
	body         text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (username, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO logbook_app;
