-- The audit trail: append-only and hash-chained.
--
-- Writers INSERT into audit_pending (actor, roles, action, object_type, object_id, section,
-- request_id, client_ip, user_agent, before, after), in the transaction of the change: no lock,
-- so concurrent writers never wait for each other. audit_seal() then moves pending rows into
-- audit_log in order, many per transaction; audit_log's BEFORE INSERT trigger assigns seq,
-- prev_hash and hash under an advisory lock, so the chain is strictly ordered and has no forks.
-- The workers call audit_seal() right after answering a request that wrote audit rows, and
-- every reader of the trail (list, verify, export, events) calls it first, so what a client
-- reads includes every committed change. Writers wait for no one: the chain's lock is taken
-- only by the sealer, which chains many rows per transaction.
--
-- hash = lower-hex SHA-256 of the UTF-8 bytes of (prev_hash || canonical), where prev_hash is
-- the previous row's hash in lower hex (64 zeros before the first row) and canonical is
-- audit_canonical(row): the PostgreSQL jsonb text form of an object with the members below
-- (jsonb orders keys by length, then bytewise; separators ", " and ": "), `at` rendered as
-- YYYY-MM-DDTHH:MM:SS.ffffffZ in UTC.
CREATE TABLE audit_log (
	seq         bigint PRIMARY KEY,
	at          timestamptz NOT NULL,
	actor       text NOT NULL,
	roles       text[] NOT NULL DEFAULT '{}',
	action      text NOT NULL,
	object_type text NOT NULL,
	object_id   text NOT NULL,
	section     text,
	request_id  text,
	client_ip   text,
	user_agent  text,
	before      jsonb,
	after       jsonb,
	prev_hash   text NOT NULL,
	hash        text NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at, seq);

CREATE TABLE audit_head (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	seq      bigint NOT NULL,
	hash     text NOT NULL
);
INSERT INTO audit_head VALUES (true, 0, repeat('0', 64));

CREATE FUNCTION audit_canonical(a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object(
		'seq', a.seq,
		'at', to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		'actor', a.actor,
		'roles', to_jsonb(a.roles),
		'action', a.action,
		'object_type', a.object_type,
		'object_id', a.object_id,
		'section', a.section,
		'request_id', a.request_id,
		'client_ip', a.client_ip,
		'user_agent', a.user_agent,
		'before', a.before,
		'after', a.after)::text
$$;

CREATE FUNCTION audit_hash(prev_hash text, a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT encode(sha256(convert_to(prev_hash || audit_canonical(a), 'UTF8')), 'hex')
$$;

-- SECURITY DEFINER: the application may insert audit rows but never touch audit_head itself.
-- Writers queue on a transaction-level advisory lock, held until COMMIT: the lock manager
-- grants it to one waiter at a time, in order, where a row lock on audit_head would wake every
-- waiter at each commit to fight again (measured: 440 against several thousand inserts/s with
-- 32 writers). Under the lock the head row is only ever updated by its holder.
CREATE FUNCTION audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	head audit_head;
BEGIN
	PERFORM pg_advisory_xact_lock(7412032);
	SELECT * INTO head FROM audit_head WHERE only_row;
	NEW.seq := head.seq + 1;
	NEW.at := coalesce(NEW.at, clock_timestamp()); -- the time of the change, when it was pending
	NEW.prev_hash := head.hash;
	NEW.hash := audit_hash(head.hash, NEW);
	UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE only_row;
	-- Delivered at COMMIT only, so listeners never see a rolled-back row.
	PERFORM pg_notify('logbook_audit', NEW.seq::text);
	RETURN NEW;
END
$$;
CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Audit rows of committed changes, waiting to be chained. Same row shape, no chain yet.
CREATE TABLE audit_pending (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at          timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor       text NOT NULL,
	roles       text[] NOT NULL DEFAULT '{}',
	action      text NOT NULL,
	object_type text NOT NULL,
	object_id   text NOT NULL,
	section     text,
	request_id  text,
	client_ip   text,
	user_agent  text,
	before      jsonb,
	after       jsonb
);

-- Chains every committed pending row, oldest first, in one transaction (one WAL flush for
-- all of them). One sealer at a time, and writers do not wait for it: a writer that finds
-- another sealer at work returns at once, since that one loops until nothing is pending. A row that
-- commits just as the last loop ends is chained by the next writer, by the next reader of the
-- trail (they all call this first) or by a waiting events long-poll (every 500 ms).
-- Returns the number of rows chained.
-- Readers pass wait => true: they wait for a sealer at work to commit, so that they read
-- every change that committed before they asked.
CREATE FUNCTION audit_seal(wait boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	n     bigint;
	total bigint := 0;
BEGIN
	IF wait THEN
		PERFORM pg_advisory_xact_lock(7412034);
	ELSIF NOT EXISTS (SELECT 1 FROM audit_pending) OR NOT pg_try_advisory_xact_lock(7412034) THEN
		RETURN 0;
	END IF;
	LOOP
		-- Each statement sees what committed before it began (READ COMMITTED).
		WITH moved AS (DELETE FROM audit_pending RETURNING *)
		INSERT INTO audit_log (at, actor, roles, action, object_type, object_id, section,
			request_id, client_ip, user_agent, before, after)
		SELECT at, actor, roles, action, object_type, object_id, section, request_id,
			client_ip, user_agent, before, after
		FROM moved ORDER BY id;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
		EXIT WHEN n = 0;
	END LOOP;
	RETURN total;
END
$$;

GRANT INSERT ON audit_pending TO logbook_app;
GRANT EXECUTE ON FUNCTION audit_seal(boolean) TO logbook_app;
GRANT SELECT, INSERT ON audit_log TO logbook_app;
GRANT SELECT ON audit_head TO logbook_app;
