-- Users who sign in with a password (tokens from an outside identity provider need no row).
-- The database roles logbook_owner (runs migrations, owns this schema) and logbook_app (what
-- the workers connect as: no superuser, no DDL on these tables) must exist; see README.
CREATE TABLE users (
	username      text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
	name          text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
	roles         text[] NOT NULL DEFAULT '{}'
	              CHECK (roles <@ ARRAY['admin','designer','author','reviewer','approver','auditor']),
	password_hash text NOT NULL,
	disabled      boolean NOT NULL DEFAULT false,
	revision      integer NOT NULL DEFAULT 1,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON users TO logbook_app;
-- /readyz compares the schema version with the build's.
GRANT SELECT ON schema_migrations TO logbook_app;
