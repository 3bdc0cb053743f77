-- Templates and their versions. A version's definition is immutable once published, so
-- workers may cache parsed definitions by (template_key, version) for ever; only "which version
-- is the latest published" changes, and that is read from here.
CREATE TABLE templates (
	key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
	archived    boolean NOT NULL DEFAULT false,
	revision    integer NOT NULL DEFAULT 1,   -- the ETag of GET /api/v1/templates/{key}
	created_by  text NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE template_versions (
	template_key text NOT NULL REFERENCES templates (key),
	version      integer NOT NULL CHECK (version > 0),
	-- published: the one new entries use; archived: superseded by a later publish, or the
	-- whole template archived. Entries of any version stay readable.
	status       text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
	definition   json NOT NULL,   -- json, not jsonb: keeps the designer's member order
	created_by   text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	published_by text,
	published_at timestamptz,
	PRIMARY KEY (template_key, version)
);
CREATE UNIQUE INDEX template_versions_one_draft ON template_versions (template_key) WHERE status = 'draft';
CREATE UNIQUE INDEX template_versions_one_published ON template_versions (template_key) WHERE status = 'published';

-- Entries: the generated section tables reference entries(id), so the table exists from here on.
CREATE TABLE entries (
	id               uuid PRIMARY KEY,
	template_key     text NOT NULL,
	template_version integer NOT NULL,
	title            text NOT NULL DEFAULT '',
	created_by       text NOT NULL,
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (template_key, template_version) REFERENCES template_versions (template_key, version)
);

GRANT SELECT, INSERT, UPDATE ON templates, template_versions, entries TO logbook_app;
-- Generated tables live in one schema per template (tpl_<key>), created by the application
-- at publish time: it needs CREATE on the database (granted when the database is set up) and
-- REFERENCES on entries.
GRANT REFERENCES ON entries TO logbook_app;
