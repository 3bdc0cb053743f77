-- The web app's server support: the inbox, full-text search of entries, and the ids behind the
-- Server-Sent Events stream.

-- ---- Inbox ---------------------------------------------------------------------------------
-- Which roles may take which action, per template version, from the definition's `workflow`
-- (absent actions take the API.md defaults), kept by a trigger so that the inbox query joins a
-- few small rows instead of parsing definitions. `from_state` is the state the action leaves;
-- `reviewing` marks the actions separation of duties applies to (section_workflow.c).
CREATE TABLE template_workflow (
	template_key text NOT NULL,
	version      integer NOT NULL,
	action       text NOT NULL,
	from_state   text NOT NULL,
	ord          integer NOT NULL,   -- the actions' order in API.md, for the reply
	reviewing    boolean NOT NULL,
	roles        text[] NOT NULL,
	PRIMARY KEY (template_key, version, from_state, action),
	FOREIGN KEY (template_key, version) REFERENCES template_versions (template_key, version)
);

CREATE FUNCTION template_workflow_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM template_workflow WHERE template_key = NEW.template_key AND version = NEW.version;
	INSERT INTO template_workflow (template_key, version, action, from_state, ord, reviewing, roles)
	SELECT NEW.template_key, NEW.version, a.action, a.from_state, a.ord, a.reviewing,
		coalesce((SELECT array_agg(r) FROM json_array_elements_text(
			CASE WHEN json_typeof(NEW.definition -> 'workflow' -> a.action) = 'array'
			     THEN NEW.definition -> 'workflow' -> a.action END) r), a.defaults)
	FROM (VALUES
		('submit', 'draft', 1, false, ARRAY['author']),
		('start_review', 'submitted', 2, true, ARRAY['reviewer']),
		('approve', 'in_review', 3, true, ARRAY['approver']),
		('reject', 'in_review', 4, true, ARRAY['reviewer', 'approver']),
		('reopen', 'rejected', 5, false, ARRAY['author'])
	) a (action, from_state, ord, reviewing, defaults);
	RETURN NULL;
END
$$;
CREATE TRIGGER template_workflow_fill AFTER INSERT OR UPDATE OF definition ON template_versions
	FOR EACH ROW EXECUTE FUNCTION template_workflow_fill();
-- Versions that exist already.
UPDATE template_versions SET definition = definition;

-- The sections someone may act on: oldest waiting first. Drafts are not waiting for anyone
-- (README "Inbox"), and approved is final.
CREATE INDEX entry_sections_waiting ON entry_sections (state_since, entry_id, section)
	WHERE state IN ('submitted', 'in_review', 'rejected');

GRANT SELECT ON template_workflow TO logbook_app;
GRANT INSERT, DELETE ON template_workflow TO logbook_app;

-- ---- Full-text search ----------------------------------------------------------------------
-- entry_search.search: an entry's title (weight A) and every section's text fields and text
-- table cells (weight D), with the 'simple' configuration (no stemming, no stop words:
-- logbooks hold tag numbers, codes and more than one language). A table of its own rather
-- than a column of entries: a save already rewrites the entry's row once (section_claim()), and
-- a second, GIN-indexed update of that wide, five-times-indexed row cost a fifth of the save.
-- entry_sections.search holds each section's part, so that a save recomputes the entry's
-- vector without reading the other sections' tables. The save's own batch updates both
-- (entry_store.c estore_search_save), in its transaction, and only when the text changed.
CREATE TABLE entry_search (
	entry_id uuid PRIMARY KEY REFERENCES entries (id),
	search   tsvector NOT NULL
);
ALTER TABLE entry_sections ADD COLUMN search tsvector NOT NULL DEFAULT '';

CREATE AGGREGATE lb_tsvector_agg (tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- Backfill from the newest saved data of each section (section_history keeps it as JSON), with
-- the version's definition saying which fields and columns are text.
WITH defs AS (
	SELECT template_key, version, sec ->> 'key' AS section, sec
	FROM template_versions, json_array_elements(definition -> 'sections') sec
), latest AS (
	SELECT DISTINCT ON (h.entry_id, h.section) h.entry_id, h.section, h.data, h.tables
	FROM section_history h WHERE h.action = 'save' ORDER BY h.entry_id, h.section, h.id DESC
), texts AS (
	SELECT l.entry_id, l.section, concat_ws(E'\n',
		(SELECT string_agg(l.data ->> (f ->> 'key'), E'\n') FROM json_array_elements(d.sec -> 'fields') f
		 WHERE f ->> 'type' = 'text'),
		(SELECT string_agg(row ->> (c ->> 'key'), E'\n')
		 FROM json_array_elements(coalesce(d.sec -> 'tables', '[]')) t,
		      json_array_elements(t -> 'columns') c,
		      jsonb_array_elements(coalesce(l.tables -> (t ->> 'key'), '[]')) row
		 WHERE c ->> 'type' = 'text')) AS body
	FROM latest l JOIN entries e ON e.id = l.entry_id
	JOIN defs d ON d.template_key = e.template_key AND d.version = e.template_version AND d.section = l.section
)
UPDATE entry_sections s SET search = to_tsvector('simple', t.body)
FROM texts t WHERE s.entry_id = t.entry_id AND s.section = t.section;
INSERT INTO entry_search (entry_id, search)
SELECT e.id, setweight(to_tsvector('simple', e.title), 'A') ||
	coalesce((SELECT lb_tsvector_agg(s.search ORDER BY s.section) FROM entry_sections s WHERE s.entry_id = e.id), '')
FROM entries e;

CREATE INDEX entry_search_search ON entry_search USING gin (search);
GRANT SELECT, INSERT, UPDATE ON entry_search TO logbook_app;

-- The tsquery of a parsed search (app/domain/search_query.c): kinds[i] is 'w' (a word: all its
-- lexemes), 'p' (a prefix: the same, the last lexeme matching as a prefix) or 'x' (a quoted
-- phrase), terms[i] its text; the terms are ANDed. User text only ever goes through
-- plainto_tsquery/phraseto_tsquery, which take any text; the prefix mark is added to the text
-- form that PostgreSQL itself produced. Terms without lexemes drop out; none at all gives the
-- empty query, which matches nothing.
-- (The NOTICEs PostgreSQL gives for terms without lexemes are kept out of the workers' logs.)
CREATE FUNCTION lb_search_query(kinds text[], terms text[]) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET client_min_messages = warning AS $$
DECLARE
	q tsquery := '';
	t tsquery;
	i integer;
BEGIN
	FOR i IN 1 .. coalesce(array_length(terms, 1), 0) LOOP
		IF kinds[i] = 'x' THEN
			t := phraseto_tsquery('simple', terms[i]);
		ELSE
			t := plainto_tsquery('simple', terms[i]);
			IF kinds[i] = 'p' AND numnode(t) > 0 THEN
				t := (t::text || ':*')::tsquery;
			END IF;
		END IF;
		IF numnode(t) > 0 THEN
			q := CASE WHEN numnode(q) = 0 THEN t ELSE q && t END;
		END IF;
	END LOOP;
	RETURN q;
END
$$;

-- ---- Event stream --------------------------------------------------------------------------
-- The nchan message id under which app/eventpub published each audit row (and each anchor,
-- an SSE comment published at the seq where a channel's buffer starts), per channel: `all`
-- (auditors, admins) and `public` (the object types every user may read). GET
-- /api/v1/events/stream turns a client's Last-Event-ID (a seq) into the nchan id to resume
-- after. Only ids whose messages nchan still buffers are kept: the publisher prunes older
-- rows, and drops a channel's rows when nchan lost them (restart).
CREATE TABLE event_stream_ids (
	channel      text NOT NULL CHECK (channel IN ('all', 'public')),
	seq          bigint NOT NULL,
	nchan_id     text NOT NULL,
	published_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (channel, seq)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON event_stream_ids TO logbook_app;
