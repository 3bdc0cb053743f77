-- The audit API's side of the schema (the trail itself is 002_audit.sql):
--   1. indexes for the filters of GET /api/v1/audit,
--   2. the checkpoint of GET /api/v1/audit/verify,
--   3. recording changes made to generated (template) tables outside the application.

-- 1. Every list is in seq order and pages on seq, so each filter gets an index that ends in
-- seq: an equality filter then reads exactly one page of index entries. 002 has
-- (object_type, object_id, seq), (actor, seq) and (at, seq).
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_type ON audit_log (object_type, seq);
CREATE INDEX audit_log_request ON audit_log (request_id, seq) WHERE request_id IS NOT NULL;

-- 2. The last chain position a verify found whole: the next verify recomputes only what came
-- after it (after checking that this row still hashes to the same value). One row. It is only
-- a shortcut: `?full=true` and `logbookctl audit verify` ignore it, since whoever can write
-- here could vouch for a rewritten chain.
CREATE TABLE audit_checkpoint (
	only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	seq         bigint NOT NULL,
	hash        text NOT NULL,
	verified_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON audit_checkpoint TO logbook_app;

-- 3. Nothing escapes the trail.
--
-- Choice: a row trigger on every generated table, installed by audit_attach() when the
-- template publisher creates or alters the table. The application marks each of its write
-- transactions with set_config('logbook.request_id', <id>, true) and
-- set_config('logbook.actor', <user>, true) (audit_tx_context() in C; transaction-local, so
-- nothing leaks to the next request on the pooled connection). The trigger lets such a change
-- pass only when the session is the application's role, logbook_app: the handler writes its own
-- audit row for it, with the section and the workflow action that a row trigger cannot know.
-- Every other change, made by an operator with psql or a script, or by the application
-- without the mark, is recorded here in the same transaction:
--   actor       session_user (the login role; a made-up logbook.actor is not believed)
--   roles       {}
--   action      sql_insert, sql_update, sql_delete (sql_truncate for TRUNCATE), so that
--               `?action=sql_update` lists exactly the changes that bypassed the API
--   object_type entry, object_id the row's _entry_id (for TRUNCATE: '*', every entry)
--   section     the section key given to audit_attach() (else the table's name)
--   request_id  logbook.request_id when one was set (by a role that is not the application)
--   client_ip   inet_client_addr() (NULL over a unix socket)
--   user_agent  the session's application_name ("psql", ...)
--   before      the whole old row as JSON (UPDATE, DELETE; for TRUNCATE {"table": ...})
--   after       the whole new row as JSON (INSERT, UPDATE)
-- Whole rows rather than a diff: out-of-band changes are rare and are what an auditor wants
-- to see in full.
--
-- The row trigger is a constraint trigger deferred to COMMIT: an audit insert holds the
-- chain's lock until its transaction ends (002_audit.sql), so recording at the moment of the
-- change would let an operator's open psql transaction stop every write of the application.
-- Deferred, the lock is held for the COMMIT alone, as for the application's own rows. (An
-- operator who says SET CONSTRAINTS ALL IMMEDIATE gets the rows at once, and holds the lock.)
-- TRUNCATE has no deferred form; it is recorded when it happens.
--
-- Why not SET LOCAL alone, or a trigger that records everything? A setting can be set by any
-- session, so it cannot be the only test; and recording the application's own changes twice
-- would double the trail. Limits: a superuser, or the tables' owner (logbook_app), can still
-- disable the trigger; that needs the application's credentials or superuser rights, and
-- leaves the chain intact around the gap.
--
-- SECURITY DEFINER: an operator may hold UPDATE on a generated table but never INSERT on
-- audit_log; the function runs as its owner to append the row. session_user is still the
-- operator's login role inside it.
CREATE FUNCTION audit_external_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	rid      text := coalesce(current_setting('logbook.request_id', true), '');
	old_row  jsonb;
	new_row  jsonb;
	entry_id text;
BEGIN
	IF rid <> '' AND session_user = 'logbook_app' THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'TRUNCATE' THEN
		old_row := jsonb_build_object('table', format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME));
		entry_id := '*';
	ELSE
		IF TG_OP IN ('UPDATE', 'DELETE') THEN
			old_row := to_jsonb(OLD);
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			new_row := to_jsonb(NEW);
		END IF;
		entry_id := coalesce(new_row ->> '_entry_id', old_row ->> '_entry_id', '');
	END IF;
	INSERT INTO audit_pending (actor, roles, action, object_type, object_id, section, request_id,
		client_ip, user_agent, before, after)
	VALUES (session_user, '{}', 'sql_' || lower(TG_OP), 'entry', entry_id,
		coalesce(TG_ARGV[0], TG_TABLE_NAME), nullif(rid, ''), inet_client_addr()::text,
		nullif(current_setting('application_name', true), ''), old_row, new_row);
	RETURN NULL;
END
$$;

-- Installs (or re-installs: idempotent) the trigger on one generated table, which must have an
-- _entry_id column. Called by the template publisher for every table it creates, in the
-- publishing transaction, as the tables' owner: CREATE TRIGGER needs ownership, so this runs
-- with the caller's rights (no SECURITY DEFINER). section_key is what the audit rows name in
-- `section` (default: the table's name).
CREATE FUNCTION audit_attach(schema_name text, table_name text, section_key text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	rel regclass := format('%I.%I', schema_name, table_name)::regclass;
	tag text := coalesce(section_key, table_name);
BEGIN
	IF NOT EXISTS (SELECT FROM pg_attribute
			WHERE attrelid = rel AND attname = '_entry_id' AND attnum > 0 AND NOT attisdropped) THEN
		RAISE EXCEPTION 'audit_attach: % has no _entry_id column', rel
			USING ERRCODE = 'undefined_column';
	END IF;
	-- A constraint trigger cannot be CREATE OR REPLACEd: drop and create, in the caller's
	-- transaction, so no change slips between the two.
	EXECUTE format('DROP TRIGGER IF EXISTS logbook_audit_rows ON %s', rel);
	-- The WHEN clause keeps the application's own writes from queuing a trigger event per row
	-- only for the function to skip it at COMMIT (the function checks the same again).
	EXECUTE format('CREATE CONSTRAINT TRIGGER logbook_audit_rows AFTER INSERT OR UPDATE OR DELETE'
		' ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
		' WHEN (coalesce(current_setting(''logbook.request_id'', true), '''') = '''''
		' OR session_user <> ''logbook_app'')'
		' EXECUTE FUNCTION public.audit_external_change(%L)', rel, tag);
	EXECUTE format('CREATE OR REPLACE TRIGGER logbook_audit_truncate AFTER TRUNCATE'
		' ON %s FOR EACH STATEMENT EXECUTE FUNCTION public.audit_external_change(%L)', rel, tag);
END
$$;
