-- Least privilege for the application's role, logbook_app: whoever holds its password (a
-- leaked configuration, an injection that reaches SQL) can read and write what the API does,
-- but cannot rewrite history. Before this migration it could insert back-dated rows into the
-- trail, UPDATE section_history, disable the audit trigger of the generated tables it owned,
-- and set logbook.request_id to change those tables unaudited. Now:
--
--   1. Audit rows only through audit_write() (SECURITY DEFINER): it stamps the time, the
--      pending id (the chain's order) and the writing transaction itself. logbook_app has no
--      INSERT on audit_pending or audit_log, so neither `at` nor the order is its to choose.
--   2. section_history is append-only like the trail: no UPDATE/DELETE for logbook_app, and
--      triggers refuse UPDATE, DELETE and TRUNCATE for everyone (the owner included). The
--      application inserts the content columns only: `id` and `at` come from their defaults.
--   3. Generated schemas and tables (tpl_*) belong to logbook_owner. logbook_app keeps SELECT,
--      INSERT, UPDATE, DELETE on the tables and USAGE on the schemas: without ownership it
--      cannot ALTER, DROP, or DISABLE TRIGGER. It loses CREATE on the database (no schema of
--      its own to hide functions or tables in). The workers publish templates over a second
--      connection as logbook_owner (db_migrate_conninfo), for that one transaction.
--   4. The generated tables' audit trigger skips a change by logbook_app carrying
--      logbook.request_id only when the same transaction has written, through audit_write(),
--      an audit row naming the changed row's entry. A settings-only mark is not enough any
--      more: a change the application's role makes without its own audit row is recorded as
--      sql_insert/sql_update/sql_delete with actor logbook_app.
--
-- Existing clusters: the generated schemas and tables that logbook_app owns are handed to
-- logbook_owner here. ALTER ... OWNER needs the migrating role to be a member of the old owner:
-- app/scripts/stack.sh grants logbook_app to logbook_owner (harmless: the owner can do all the
-- application can anyway); elsewhere a superuser runs GRANT logbook_app TO logbook_owner once.

-- 1. The one way in for audit rows. ------------------------------------------------------------

-- The transaction that queued each pending row (not copied into audit_log: the chain's
-- canonical form is unchanged). Default for rows written by the owner's own functions.
ALTER TABLE audit_pending ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Appends one audit row to the pending queue; audit_seal() chains it later. The time is the
-- database's clock (clock_timestamp(): when the change was made), the order is the identity
-- column's, and the transaction is recorded for the coverage test of audit_external_change().
-- It also notes the new row's id in logbook.audit_rows, transaction-local, so that test finds
-- this transaction's rows by primary key. A caller may write that setting too, but a row only
-- counts when its recorded transaction is the current one: no other row can be claimed.
-- Returns the pending row's id.
CREATE FUNCTION audit_write(p_actor text, p_roles text[], p_action text, p_object_type text,
	p_object_id text, p_section text, p_request_id text, p_client_ip text, p_user_agent text,
	p_before jsonb, p_after jsonb, p_server_request_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	new_id bigint;
	prior  text := coalesce(current_setting('logbook.audit_rows', true), '');
BEGIN
	INSERT INTO audit_pending (at, xact, actor, roles, action, object_type, object_id, section,
		request_id, client_ip, user_agent, before, after, server_request_id)
	VALUES (clock_timestamp(), pg_current_xact_id(), p_actor, coalesce(p_roles, '{}'), p_action,
		p_object_type, p_object_id, p_section, p_request_id, p_client_ip, p_user_agent,
		p_before, p_after, p_server_request_id)
	RETURNING id INTO new_id;
	PERFORM set_config('logbook.audit_rows',
		CASE WHEN prior = '' THEN new_id::text ELSE prior || ',' || new_id END, true);
	RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION audit_write(text, text[], text, text, text, text, text, text, text, jsonb,
	jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_write(text, text[], text, text, text, text, text, text, text,
	jsonb, jsonb, text) TO logbook_app;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_pending FROM logbook_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log FROM logbook_app;
REVOKE ALL ON audit_head FROM logbook_app;
GRANT SELECT ON audit_head TO logbook_app;

-- 2. History: append-only. -----------------------------------------------------------------

CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER section_history_no_update BEFORE UPDATE OR DELETE ON section_history
	FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER section_history_no_truncate BEFORE TRUNCATE ON section_history
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

REVOKE ALL ON section_history FROM logbook_app;
GRANT SELECT ON section_history TO logbook_app;
-- Column privileges: `id` (the order) and `at` (the time) are the defaults', never the
-- application's (OVERRIDING SYSTEM VALUE would need INSERT on id too).
GRANT INSERT (entry_id, section, revision, action, from_state, to_state, actor, comment, data,
	tables) ON section_history TO logbook_app;

-- 3 and 4. Generated tables: owned by logbook_owner, audited unless covered. -------------------

-- As in 006, except for the skip: the application's role with its request id is left to the
-- handler's row only when that row exists. Runs at COMMIT (deferred), after the handler's
-- audit row, which goes out with the COMMIT.
CREATE OR REPLACE FUNCTION audit_external_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	rid      text := coalesce(current_setting('logbook.request_id', true), '');
	old_row  jsonb;
	new_row  jsonb;
	entry_id text;
BEGIN
	-- The application's own change (every save's rows come here): is it covered? Checked
	-- first and cheaply, without building the rows' JSON. The ids audit_write noted are
	-- primary-key lookups, each held to the current transaction, so a forged list proves
	-- nothing. An UPDATE that moves a row to another entry is never covered.
	IF TG_OP <> 'TRUNCATE' AND rid <> '' AND session_user = 'logbook_app' THEN
		IF TG_OP = 'DELETE' THEN
			entry_id := OLD._entry_id::text;
		ELSIF TG_OP = 'INSERT' OR OLD._entry_id IS NOT DISTINCT FROM NEW._entry_id THEN
			entry_id := NEW._entry_id::text;
		END IF;
		IF entry_id IS NOT NULL AND EXISTS (SELECT FROM audit_pending p
				WHERE p.id = ANY (string_to_array(nullif(current_setting('logbook.audit_rows', true),
					''), ',')::bigint[])
				  AND p.xact = pg_current_xact_id()
				  AND p.object_type = 'entry' AND lower(p.object_id) = entry_id) THEN
			RETURN NULL;
		END IF;
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

-- Installs (idempotent) the audit triggers on one generated table and gives the application
-- its rows: SELECT, INSERT, UPDATE, DELETE on the table, USAGE on its schema, nothing more.
-- Runs with the caller's rights: the publisher, as logbook_owner, which owns the table.
-- Every row change now queues a deferred trigger event (no WHEN filter): whether it is
-- covered can only be known at COMMIT, once the handler's audit row is written.
CREATE OR REPLACE FUNCTION audit_attach(schema_name text, table_name text,
	section_key text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp SET client_min_messages = warning AS $$
DECLARE
	rel regclass := format('%I.%I', schema_name, table_name)::regclass;
	tag text := coalesce(section_key, table_name);
BEGIN
	IF NOT EXISTS (SELECT FROM pg_attribute
			WHERE attrelid = rel AND attname = '_entry_id' AND attnum > 0 AND NOT attisdropped) THEN
		RAISE EXCEPTION 'audit_attach: % has no _entry_id column', rel
			USING ERRCODE = 'undefined_column';
	END IF;
	EXECUTE format('DROP TRIGGER IF EXISTS logbook_audit_rows ON %s', rel);
	EXECUTE format('CREATE CONSTRAINT TRIGGER logbook_audit_rows AFTER INSERT OR UPDATE OR DELETE'
		' ON %s DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
		' EXECUTE FUNCTION public.audit_external_change(%L)', rel, tag);
	EXECUTE format('CREATE OR REPLACE TRIGGER logbook_audit_truncate AFTER TRUNCATE'
		' ON %s FOR EACH STATEMENT EXECUTE FUNCTION public.audit_external_change(%L)', rel, tag);
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO logbook_app', schema_name);
	EXECUTE format('REVOKE ALL ON %s FROM logbook_app', rel);
	EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO logbook_app', rel);
END
$$;
REVOKE ALL ON FUNCTION audit_attach(text, text, text) FROM PUBLIC;

-- Existing generated schemas and tables: to the owner, triggers re-installed without the old
-- WHEN filter, the application's rights as above.
DO $$
DECLARE
	s   record;
	t   record;
	tag text;
BEGIN
	IF EXISTS (SELECT FROM pg_namespace n WHERE n.nspname LIKE 'tpl\_%'
			AND pg_get_userbyid(n.nspowner) <> current_user)
	   AND NOT pg_has_role(current_user, 'logbook_app', 'USAGE') THEN
		RAISE EXCEPTION 'migration 011: generated schemas are owned by logbook_app and % cannot take them over', current_user
			USING HINT = 'as a superuser, run GRANT logbook_app TO ' || current_user || ' once, then migrate again';
	END IF;
	FOR s IN SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname LIKE 'tpl\_%' ORDER BY 2 LOOP
		EXECUTE format('ALTER SCHEMA %I OWNER TO logbook_owner', s.nspname);
		FOR t IN SELECT c.oid::regclass AS rel, c.relname FROM pg_class c
				WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p') ORDER BY 2 LOOP
			EXECUTE format('ALTER TABLE %s OWNER TO logbook_owner', t.rel);
			SELECT convert_from(substring(tg.tgargs FROM 1 FOR position('\x00'::bytea IN tg.tgargs) - 1), 'UTF8')
				INTO tag FROM pg_trigger tg
				WHERE tg.tgrelid = t.rel AND tg.tgname = 'logbook_audit_rows' AND tg.tgnargs > 0;
			IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = t.rel AND attname = '_entry_id'
					AND attnum > 0 AND NOT attisdropped) THEN
				PERFORM audit_attach(s.nspname, t.relname, coalesce(tag, t.relname));
			END IF;
		END LOOP;
		EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM logbook_app', s.nspname);
	END LOOP;
END
$$;

-- No schemas of its own: publishing runs as the owner now.
DO $$
BEGIN
	EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM logbook_app', current_database());
END
$$;

-- Functions the application has no business calling.
REVOKE ALL ON FUNCTION audit_external_change() FROM PUBLIC;
