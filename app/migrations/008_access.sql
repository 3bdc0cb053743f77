-- Access follows the users table at once; login throttling; a server-made id per audit row.
--
-- 1. users_epoch counts changes to the users table (a statement trigger bumps it, whoever
--    writes: the API, logbookctl or an operator with psql). Each worker caches what the table
--    says about the subs it has seen, under the epoch it read; the request's first statement
--    carries users_epoch_check(epoch), in the same round trip, which raises LB401 when the
--    table changed since, and the worker then reloads and runs the request again
--    (app/store/user_access.c). password_changed_at lets tokens issued before a password change
--    be refused.
-- 2. login_throttle holds, per username (lower case) and per client address (an IPv6 /64),
--    the times of the recent failed logins: at most the limit's worth, pruned as they age, and
--    the row goes once nothing in it counts any more (bounded by what the throttles let in).
-- 3. audit_pending/audit_log.server_request_id: an id the worker makes unique per request,
--    beside the client's request_id. It is not part of the canonical form the hash covers
--    (audit_canonical() lists its members by name and is unchanged), see README.

ALTER TABLE users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT clock_timestamp();
-- Existing rows: their password dates from creation or later; created_at keeps their tokens.
UPDATE users SET password_changed_at = created_at;

CREATE FUNCTION users_password_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
		NEW.password_changed_at := clock_timestamp();
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER users_password_stamp BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION users_password_stamp();

CREATE TABLE users_epoch (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	n        bigint NOT NULL
);
INSERT INTO users_epoch VALUES (true, 1);

-- SECURITY DEFINER: the application reads the epoch but may not set it.
CREATE FUNCTION users_epoch_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE users_epoch SET n = n + 1 WHERE only_row;
	RETURN NULL;
END
$$;
CREATE TRIGGER users_epoch_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION users_epoch_bump();

-- Raises LB401 when the users table changed since the worker read epoch `seen`.
CREATE FUNCTION users_epoch_check(seen bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF (SELECT n FROM users_epoch WHERE only_row) IS DISTINCT FROM seen THEN
		RAISE EXCEPTION 'the users table changed: check the caller again' USING ERRCODE = 'LB401';
	END IF;
END
$$;

GRANT SELECT ON users_epoch TO logbook_app;
GRANT EXECUTE ON FUNCTION users_epoch_check(bigint) TO logbook_app;

CREATE TABLE login_throttle (
	scope       text NOT NULL CHECK (scope IN ('addr', 'user')),
	key         text NOT NULL CHECK (octet_length(key) <= 256),
	fails       timestamptz[] NOT NULL DEFAULT '{}', -- oldest first, at most the limit
	burst_until timestamptz,                         -- a login_throttled row covers until then
	expires_at  timestamptz NOT NULL,                -- nothing in the row counts after this
	PRIMARY KEY (scope, key)
);
CREATE INDEX login_throttle_expires ON login_throttle (expires_at);

-- One login attempt begins: both rows are locked (address first, then user: one order for
-- everyone, so no deadlock) for this statement only. When either key has `limit` failures
-- within its window, the attempt is refused: allowed false, retry_after the seconds until the
-- oldest of them leaves the window, audit true for the first refusal of a burst. Otherwise the
-- attempt is counted as failed at once (so that parallel guesses cannot pass the limit) and
-- allowed; login_attempt_succeeded() takes it back when the password was right.
CREATE FUNCTION login_attempt_begin(p_user text, p_addr text, user_limit int, user_window float8,
	addr_limit int, addr_window float8)
RETURNS TABLE (allowed boolean, retry_after int, audit boolean, at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	t        timestamptz := clock_timestamp();
	r        login_throttle;
	recent   timestamptz[];
	lim      int;
	win      interval;
	wait_s   int := 0;
	starts   boolean := false;
	refused  boolean := false;
BEGIN
	-- Rows whose failures have all aged out go, a few per attempt: the table stays the live set.
	DELETE FROM login_throttle WHERE ctid = ANY (ARRAY(
		SELECT ctid FROM login_throttle WHERE expires_at < t LIMIT 8));
	INSERT INTO login_throttle AS l (scope, key, expires_at)
		VALUES ('addr', p_addr, t), ('user', p_user, t)
		ON CONFLICT (scope, key) DO UPDATE SET expires_at = l.expires_at;
	FOR r IN SELECT * FROM login_throttle l
		WHERE (l.scope, l.key) IN (('addr', p_addr), ('user', p_user)) ORDER BY l.scope
	LOOP
		IF r.scope = 'addr' THEN
			lim := addr_limit; win := make_interval(secs => addr_window);
		ELSE
			lim := user_limit; win := make_interval(secs => user_window);
		END IF;
		recent := ARRAY(SELECT f FROM unnest(r.fails) f WHERE f > t - win ORDER BY f);
		IF cardinality(recent) >= lim THEN
			refused := true;
			wait_s := greatest(wait_s, ceil(extract(epoch FROM
				recent[cardinality(recent) - lim + 1] + win - t))::int, 1);
			IF r.burst_until IS NULL OR r.burst_until <= t THEN
				starts := true;
				r.burst_until := recent[cardinality(recent) - lim + 1] + win;
			END IF;
		END IF;
		UPDATE login_throttle l SET fails = recent, burst_until = r.burst_until
			WHERE l.scope = r.scope AND l.key = r.key;
	END LOOP;
	IF refused THEN
		RETURN QUERY SELECT false, wait_s, starts, t;
		RETURN;
	END IF;
	UPDATE login_throttle l SET fails = l.fails || t,
		expires_at = t + make_interval(secs => CASE l.scope WHEN 'addr' THEN addr_window
			ELSE user_window END)
		WHERE (l.scope, l.key) IN (('addr', p_addr), ('user', p_user));
	RETURN QUERY SELECT true, 0, false, t;
END
$$;

-- The attempt that began at `at` had the right password: the user's failures are forgotten
-- (only the right password does that), and the address loses this one provisional failure.
CREATE FUNCTION login_attempt_succeeded(p_user text, p_addr text, p_at timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	i int;
BEGIN
	UPDATE login_throttle SET fails = '{}', burst_until = NULL
		WHERE scope = 'user' AND key = p_user;
	SELECT array_position(fails, p_at) INTO i FROM login_throttle
		WHERE scope = 'addr' AND key = p_addr FOR UPDATE;
	IF i IS NOT NULL THEN
		UPDATE login_throttle SET fails = fails[:i - 1] || fails[i + 1:]
			WHERE scope = 'addr' AND key = p_addr;
	END IF;
END
$$;

REVOKE ALL ON FUNCTION login_attempt_begin(text, text, int, float8, int, float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION login_attempt_succeeded(text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_attempt_begin(text, text, int, float8, int, float8) TO logbook_app;
GRANT EXECUTE ON FUNCTION login_attempt_succeeded(text, text, timestamptz) TO logbook_app;

ALTER TABLE audit_pending ADD COLUMN server_request_id text;
ALTER TABLE audit_log ADD COLUMN server_request_id text;

CREATE OR REPLACE FUNCTION audit_seal(wait boolean DEFAULT false) RETURNS bigint
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
			request_id, client_ip, user_agent, before, after, server_request_id)
		SELECT at, actor, roles, action, object_type, object_id, section, request_id,
			client_ip, user_agent, before, after, server_request_id
		FROM moved ORDER BY id;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
		EXIT WHEN n = 0;
	END LOOP;
	RETURN total;
END
$$;
