-- Entries' sections: their workflow state, and the history of every save and transition.
-- The section's data lives in the generated table tpl_<template>.<section> (one row per entry)
-- and its table rows in tpl_<template>.<section>__<table>; history keeps a JSON copy of the
-- data of every save so that any revision can be read back as it was.
CREATE TABLE entry_sections (
	entry_id     uuid NOT NULL REFERENCES entries (id),
	section      text NOT NULL,
	state        text NOT NULL DEFAULT 'draft'
	             CHECK (state IN ('draft', 'submitted', 'in_review', 'approved', 'rejected')),
	revision     integer NOT NULL DEFAULT 1,       -- bumped by reopen
	etag         bigint NOT NULL DEFAULT 1,        -- bumped by every save and transition
	submitted_by text,                             -- who submitted this revision (separation of duties)
	updated_by   text NOT NULL,
	updated_at   timestamptz NOT NULL DEFAULT now(),
	state_since  timestamptz NOT NULL DEFAULT now(), -- for review SLAs and follow-ups
	PRIMARY KEY (entry_id, section)
);
CREATE INDEX entry_sections_state ON entry_sections (state, section, entry_id);

CREATE TABLE section_history (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entry_id   uuid NOT NULL,
	section    text NOT NULL,
	revision   integer NOT NULL,
	action     text NOT NULL,                     -- save, or a workflow action
	from_state text NOT NULL,
	to_state   text NOT NULL,
	actor      text NOT NULL,
	at         timestamptz NOT NULL DEFAULT now(),
	comment    text,
	data       jsonb,                             -- the section's data after a save
	tables     jsonb,
	FOREIGN KEY (entry_id, section) REFERENCES entry_sections (entry_id, section)
);
CREATE INDEX section_history_section ON section_history (entry_id, section, id);

-- Keyset pagination of GET /api/v1/entries: (updated_at, id) under each filter.
CREATE INDEX entries_updated ON entries (updated_at, id);
CREATE INDEX entries_template_updated ON entries (template_key, updated_at, id);
CREATE INDEX entries_author_updated ON entries (created_by, updated_at, id);

GRANT SELECT, INSERT, UPDATE ON entry_sections, section_history TO logbook_app;

-- The first statement of every section save or transition: checks the caller's ETag and the
-- state under the row lock and moves the section on, or raises one of these SQLSTATEs, which
-- abort the rest of the pipelined transaction (db_error.c maps them to HTTP):
--   LB404 no such section, LB412 the ETag does not match, LB409 not in an allowed state.
-- p_etag NULL means If-Match: * (any revision).
CREATE FUNCTION section_claim(p_entry uuid, p_section text, p_etag bigint, p_actor text,
	p_from text, p_to text, p_action text)
RETURNS entry_sections
LANGUAGE plpgsql AS $$
DECLARE
	s entry_sections;
BEGIN
	UPDATE entry_sections SET
		etag = etag + 1,
		state = p_to,
		revision = CASE WHEN p_action = 'reopen' THEN revision + 1 ELSE revision END,
		submitted_by = CASE WHEN p_action = 'submit' THEN p_actor
		                    WHEN p_action = 'reopen' THEN NULL ELSE submitted_by END,
		state_since = CASE WHEN p_from <> p_to THEN now() ELSE state_since END,
		updated_by = p_actor,
		updated_at = now()
	WHERE entry_id = p_entry AND section = p_section AND state = p_from
	  AND (p_etag IS NULL OR etag = p_etag)
	RETURNING * INTO s;
	IF NOT FOUND THEN
		SELECT * INTO s FROM entry_sections WHERE entry_id = p_entry AND section = p_section;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'no section % in entry %', p_section, p_entry USING ERRCODE = 'LB404';
		ELSIF p_etag IS NOT NULL AND s.etag <> p_etag THEN
			RAISE EXCEPTION 'the section changed since it was read; its ETag is now "%"', s.etag
				USING ERRCODE = 'LB412';
		ELSE
			RAISE EXCEPTION 'the section is %, so % is not possible', s.state, p_action
				USING ERRCODE = 'LB409';
		END IF;
	END IF;
	UPDATE entries SET updated_at = now() WHERE id = p_entry;
	RETURN s;
END
$$;

-- The members of two JSON objects that differ: what an audit row of an update stores.
CREATE FUNCTION jsonb_diff(a jsonb, b jsonb, OUT before jsonb, OUT after jsonb)
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce((SELECT jsonb_object_agg(k, a -> k) FROM jsonb_object_keys(coalesce(a, '{}')) k
	                 WHERE (b -> k) IS DISTINCT FROM (a -> k)), '{}'),
	       coalesce((SELECT jsonb_object_agg(k, b -> k) FROM jsonb_object_keys(coalesce(b, '{}')) k
	                 WHERE (a -> k) IS DISTINCT FROM (b -> k)), '{}')
$$;

-- Whether value (text) converts to the type column has now in rel: used only after a save
-- failed on a conversion, to name the fields at fault.
CREATE FUNCTION lb_value_fits(value text, rel regclass, col text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t text;
BEGIN
	SELECT format_type(atttypid, atttypmod) INTO t FROM pg_attribute
	WHERE attrelid = rel AND attname = col AND attnum > 0 AND NOT attisdropped;
	IF t IS NULL THEN
		RETURN true;
	END IF;
	EXECUTE format('SELECT %L::%s', value, t);
	RETURN true;
EXCEPTION WHEN data_exception THEN
	RETURN false;
END
$$;
