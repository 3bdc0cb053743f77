#!/usr/bin/env bash
# The local Logbook stack: PostgreSQL 15 on a unix socket, the FastCGI workers (spawn-fcgi +
# multiwatch) and Nginx with TLS, all living under one state directory.
#
#   stack.sh start|stop|status|pg-start|pg-stop|pg-crash|pg-restart|worker-pids|env|var-dir
#
# var-dir prints the state directory's real path (making var/ a link first when it must be).
#
# Environment: LOGBOOK_VAR (state dir, default $PWD/var), BUILD (binaries, default build),
# HTTPS_PORT (8443), HTTP_PORT (8080, redirects to https), WORKERS (default: nproc).
# Processes: PostgreSQL, the workers, Nginx (with nchan) and the event publisher
# (logbook-eventpub, app/eventpub/), which feeds GET /api/v1/events/stream.
#
# Layout under $LOGBOOK_VAR: pg/ (cluster), run/ (sockets, pid files), log/, keys/ (JWT secret,
# admin password, TLS), nginx/ (generated nginx.conf, temp dirs), logbook.conf (written once;
# edits are kept), stack.env (the ports and workers the running stack was started with).
#
# As root, PostgreSQL refuses to run, and nothing else needs root either: a system user
# `logbook` owns the state directory and runs PostgreSQL, the workers and Nginx's workers.
# A checkout that user cannot reach (a clone under /root or any 0700 home) keeps its state in
# $LOGBOOK_STATE_ROOT/<checkout>-<hash> instead (default /var/lib/logbook-dev, 0700, owned by
# `logbook`), and var/ is a symbolic link to it; the workers' binary and the web app's files are
# copied there at each start. Nothing in the checkout or the home directory is opened up.
#
# Access: the state directory, its run/ (PostgreSQL's and the workers' sockets) and keys/ are
# 0700/0750 for the service user; PostgreSQL's socket is 0700 and pg_hba.conf allows only peer
# authentication, mapped (pg_ident.conf) from the service user and from root to the stack's
# roles. No other local user can connect, whatever role name it tries.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

abspath() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

VAR=$(abspath "${LOGBOOK_VAR:-var}")
VAR=${VAR%/}
BUILD_DIR=$(abspath "${BUILD:-build}")
STATE_ROOT=${LOGBOOK_STATE_ROOT:-/var/lib/logbook-dev}
RUN=$VAR/run
LOG=$VAR/log
KEYS=$VAR/keys
PGDATA=$VAR/pg
NGINX_DIR=$VAR/nginx
CONF=$VAR/logbook.conf
STACK_ENV=$VAR/stack.env

PG_BIN=/usr/lib/postgresql/15/bin
NGINX=/usr/sbin/nginx
FCGI_BIN=$BUILD_DIR/logbook-fcgi
CTL_BIN=$BUILD_DIR/logbookctl
EVENTPUB_BIN=$BUILD_DIR/logbook-eventpub
NGINX_TEMPLATE=$REPO_ROOT/nginx/logbook.conf.in
# The web app as nginx/build-app.sh builds it (make web); Nginx serves it at /.
WEB_ROOT=$BUILD_DIR/web

SERVICE_USER=logbook
ADMIN_ROLES=admin,designer,author,reviewer,approver,auditor

export LOGBOOK_CONFIG=$CONF
# Our PostgreSQL listens on the default port number, on its own socket directory; a PGPORT
# meant for some other cluster must not redirect libpq.
unset PGPORT PGSERVICE PGHOSTADDR

say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the user that owns the stack's state: `logbook` when we are root, else us.
# From inside $VAR, so that a cwd the service user cannot enter causes no warnings.
as_service() {
	if is_root; then
		(cd "$VAR" && runuser -u "$SERVICE_USER" -- "$@")
	else
		(cd "$VAR" && "$@")
	fi
}

# The PostgreSQL superuser is the OS user PostgreSQL runs as when the cluster is made; the
# name is kept beside the cluster, so that a directory first run by someone else still works.
pg_superuser() {
	if [ -s "$PGDATA/logbook-superuser" ]; then
		cat "$PGDATA/logbook-superuser"
	elif is_root; then
		echo "$SERVICE_USER"
	else
		id -un
	fi
}

# The ports and worker count: from the environment, else the defaults.
load_settings() {
	HTTPS_PORT=${HTTPS_PORT:-8443}
	HTTP_PORT=${HTTP_PORT:-8080}
	WORKERS=${WORKERS:-$(nproc)}
	for v in HTTPS_PORT HTTP_PORT WORKERS; do
		case "${!v}" in
		'' | *[!0-9]*) die "$v must be a number, not '${!v}'" ;;
		esac
	done
	[ "$WORKERS" -ge 1 ] && [ "$WORKERS" -le 256 ] || die "WORKERS must be 1..256"
	[ "$HTTPS_PORT" != "$HTTP_PORT" ] || die "HTTPS_PORT and HTTP_PORT must differ"
}

# What the running stack was started with (for `env`), falling back to the environment.
load_running_settings() {
	if [ -r "$STACK_ENV" ]; then
		# shellcheck disable=SC1090
		. "$STACK_ENV"
	fi
	load_settings
}

# True if the pid in file $1 is alive and its command line contains $2 (guards against a
# stale pid file whose number now belongs to some other process).
pidfile_alive() {
	local file=$1 want=$2 pid
	[ -r "$file" ] || return 1
	pid=$(tr -dc '0-9' <"$file")
	[ -n "$pid" ] || return 1
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$want" || return 1
	printf '%s\n' "$pid"
}

# Waits until pid $1 is gone, up to $2 tenths of a second. Returns 1 if it is still there.
wait_gone() {
	local pid=$1 tenths=$2 i=0
	while kill -0 "$pid" 2>/dev/null; do
		[ "$i" -lt "$tenths" ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

tail_logs() {
	local f
	for f in "$LOG"/postgres.log "$LOG"/workers.log "$LOG"/nginx-error.log; do
		[ -s "$f" ] || continue
		printf '\n--- last lines of %s ---\n' "$f" >&2
		tail -n 25 "$f" >&2
	done
}

# --- layout, user, keys, config -------------------------------------------------------------

ensure_service_user() {
	is_root || return 0
	id -u "$SERVICE_USER" >/dev/null 2>&1 && return 0
	say "creating system user $SERVICE_USER"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "Logbook services" "$SERVICE_USER"
}

# Whether the service user can enter directory $1 (for root's runs; anyone else is the service
# user). A path that does not exist yet counts by its nearest existing parent.
service_reaches() {
	local d=$1
	is_root || return 0
	while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
	runuser -u "$SERVICE_USER" -- test -x "$d" 2>/dev/null
}

# The directory var/ of a checkout the service user cannot reach points to: one per checkout,
# named after it, 0700 and owned by the service user, under a root-owned 0755 parent (no
# world-writable /tmp, so no name squatting; not cleaned by tmpfiles, so a cluster survives).
state_dir_for() {
	local name hash
	name=$(printf '%s' "${REPO_ROOT##*/}" | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-24)
	hash=$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-8)
	printf '%s/%s-%s\n' "$STATE_ROOT" "$name" "$hash"
}

# A state directory must be ours: a real directory (not a link), owned by the service user,
# closed to everyone else.
check_state_dir() {
	local d=$1
	[ -d "$d" ] && [ ! -L "$d" ] || die "$d is not a directory"
	[ "$(stat -c %U "$d")" = "$SERVICE_USER" ] || die "$d is not owned by $SERVICE_USER; remove it"
	chmod 0700 "$d"
}

# As root, with a checkout the service user cannot reach: var/ becomes a link to the state
# directory (made on first use; an old var/ directory is moved there). Then VAR is the real
# path, which is what PostgreSQL, the workers and Nginx are given.
relocate_var() {
	local top="$REPO_ROOT/var" target
	is_root || return 0
	case "$VAR" in
	"$top" | "$top"/*) ;;
	*) return 0 ;; # an explicit LOGBOOK_VAR elsewhere: checked by ensure_layout
	esac
	if [ -L "$top" ]; then
		target=$(readlink "$top")
		[ -d "$target" ] || { say "var/ points to $target, which is gone; making it again"; mkdir -p -m 0700 "$target"; chown "$SERVICE_USER:$SERVICE_USER" "$target"; }
		check_state_dir "$target"
	elif service_reaches "$top"; then
		return 0
	else
		target=$(state_dir_for)
		say "user $SERVICE_USER cannot reach $top: the state lives in $target (var/ links to it)"
		mkdir -p -m 0755 "$STATE_ROOT"
		[ "$(stat -c %u "$STATE_ROOT")" = 0 ] || die "$STATE_ROOT must be owned by root"
		if [ ! -e "$target" ]; then
			if [ -d "$top" ]; then
				mv "$top" "$target"
			else
				mkdir -m 0700 "$target"
			fi
			chown -R "$SERVICE_USER:$SERVICE_USER" "$target"
		fi
		check_state_dir "$target"
		[ ! -e "$top" ] || die "$top exists and $target too; move one of them away"
		ln -s "$target" "$top"
	fi
	VAR="$target${VAR#"$top"}"
	RUN=$VAR/run
	LOG=$VAR/log
	KEYS=$VAR/keys
	PGDATA=$VAR/pg
	NGINX_DIR=$VAR/nginx
	CONF=$VAR/logbook.conf
	STACK_ENV=$VAR/stack.env
	export LOGBOOK_CONFIG=$CONF
}

# Copies directory or file $1 to $2 when the service user cannot read $1 where it is; prints
# the path to use.
reachable_copy() {
	local src=$1 dst=$2
	if [ ! -e "$src" ] || service_reaches "$(dirname "$src")/"; then
		printf '%s\n' "$src"
		return 0
	fi
	rm -rf "$dst.tmp"
	cp -a "$src" "$dst.tmp"
	chown -R "$SERVICE_USER:$SERVICE_USER" "$dst.tmp"
	rm -rf "$dst"
	mv "$dst.tmp" "$dst"
	printf '%s\n' "$dst"
}

ensure_layout() {
	# A unix socket path is limited to 107 bytes; PostgreSQL's is the longest we make.
	local pgsock="$RUN/.s.PGSQL.5432"
	[ "${#pgsock}" -le 100 ] || die "LOGBOOK_VAR is too deep for unix sockets ($pgsock); use a shorter path"
	mkdir -p "$VAR" "$RUN" "$LOG" "$KEYS" "$NGINX_DIR"
	# Sockets, keys and the cluster are the service user's alone.
	chmod 0700 "$VAR" "$RUN"
	chmod 0750 "$KEYS"
	if is_root; then
		chown -R "$SERVICE_USER:$SERVICE_USER" "$VAR"
		runuser -u "$SERVICE_USER" -- test -w "$VAR" -a -x "$VAR" ||
			die "user $SERVICE_USER cannot reach $VAR (a parent directory is closed to it, e.g. /root); set LOGBOOK_VAR to a directory it can reach, such as /srv/logbook or /tmp/logbook"
	fi
}

check_binaries() {
	local b
	for b in "$FCGI_BIN" "$CTL_BIN" "$EVENTPUB_BIN"; do
		[ -x "$b" ] || die "$b is missing: build it first (make all)"
	done
	# The workers and the event publisher run as the service user: from a closed checkout,
	# run copies.
	if is_root && ! service_reaches "$(dirname "$FCGI_BIN")/"; then
		mkdir -p "$VAR/bin"
		FCGI_BIN=$(reachable_copy "$FCGI_BIN" "$VAR/bin/logbook-fcgi")
		EVENTPUB_BIN=$(reachable_copy "$EVENTPUB_BIN" "$VAR/bin/logbook-eventpub")
	fi
	if is_root; then
		for b in "$FCGI_BIN" "$EVENTPUB_BIN"; do
			runuser -u "$SERVICE_USER" -- test -x "$b" ||
				die "user $SERVICE_USER cannot execute $b (a parent directory is closed to it)"
		done
	fi
}

# Writes $2 into file $1 with mode $3 unless the file exists, readable by the service user.
write_once() {
	local file=$1 content=$2 mode=$3
	[ -s "$file" ] && return 0
	(umask 077 && printf '%s\n' "$content" >"$file.tmp")
	chmod "$mode" "$file.tmp"
	is_root && chown "$SERVICE_USER:$SERVICE_USER" "$file.tmp"
	mv "$file.tmp" "$file"
}

ensure_keys() {
	# 48 random bytes, base64: the worker uses the file's text (trailing newline stripped) as
	# the HMAC key, so it is 64 bytes of key material.
	write_once "$KEYS/jwt-secret" "$(openssl rand -base64 48)" 0640
	write_once "$KEYS/admin-password" "$(openssl rand -base64 24 | tr -d '/+=' | cut -c1-20)" 0600
	if [ ! -s "$KEYS/tls.crt" ] || [ ! -s "$KEYS/tls.key" ]; then
		say "creating a self-signed TLS certificate for 127.0.0.1 and localhost"
		openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-keyout "$KEYS/tls.key.tmp" -out "$KEYS/tls.crt.tmp" -days 825 -sha256 \
			-subj "/CN=127.0.0.1" \
			-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			-addext "basicConstraints=critical,CA:FALSE" \
			-addext "keyUsage=critical,digitalSignature" \
			-addext "extendedKeyUsage=serverAuth" 2>/dev/null ||
			die "openssl could not create the TLS certificate"
		chmod 0600 "$KEYS/tls.key.tmp"
		chmod 0644 "$KEYS/tls.crt.tmp"
		mv "$KEYS/tls.key.tmp" "$KEYS/tls.key"
		mv "$KEYS/tls.crt.tmp" "$KEYS/tls.crt"
	fi
}

ensure_config() {
	[ -s "$CONF" ] && return 0
	say "writing $CONF"
	write_once "$CONF" "# Logbook development settings, written by app/scripts/stack.sh on first start.
# Your edits are kept: the file is never rewritten. See app/logbook.conf.example for every key.
db_conninfo = host=$RUN dbname=logbook user=logbook_app
db_migrate_conninfo = host=$RUN dbname=logbook user=logbook_owner
jwt_alg = HS256
jwt_secret_file = $KEYS/jwt-secret
jwt_issuer = logbook-dev
token_ttl = 3600" 0640
}

# The body limit the workers enforce, from logbook.conf (default 1 MiB), so that Nginx's
# limit sits just above it and the worker's own 413 answers the common case.
max_body_bytes() {
	local v
	v=$(sed -n 's/^[[:space:]]*max_body_bytes[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$CONF" | tail -n 1)
	echo "${LOGBOOK_MAX_BODY_BYTES:-${v:-1048576}}"
}

# --- PostgreSQL -----------------------------------------------------------------------------

pg_running() {
	[ -f "$PGDATA/postmaster.pid" ] && as_service "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_init() {
	[ -f "$PGDATA/PG_VERSION" ] && return 0
	say "creating the PostgreSQL cluster in $PGDATA"
	rm -rf "$PGDATA"
	as_service "$PG_BIN/initdb" -D "$PGDATA" -U "$(pg_superuser)" -E UTF8 --locale=C.UTF-8 \
		--auth-local=peer --auth-host=reject >"$LOG/initdb.log" 2>&1 ||
		{ cat "$LOG/initdb.log" >&2; die "initdb failed"; }
	pg_superuser >"$PGDATA/logbook-superuser"
	cat >>"$PGDATA/postgresql.conf" <<-'EOF'

	# --- Logbook development settings (app/scripts/stack.sh) ---
	listen_addresses = ''            # unix socket only
	max_connections = 60
	shared_buffers = 128MB
	work_mem = 8MB
	maintenance_work_mem = 64MB
	effective_cache_size = 512MB
	wal_buffers = 4MB
	checkpoint_completion_target = 0.9
	log_line_prefix = '%m [%p] %q%u@%d '
	log_min_duration_statement = 500ms
	log_lock_waits = on
	# The socket directory and who may use it (pg_auth_files): rewritten at every start.
	include_if_exists = 'logbook-paths.conf'
	EOF
}

# Who may connect, rewritten at every start (so an older cluster made with `trust` is closed
# too): over the unix socket only, by peer authentication, and only the OS users mapped here —
# the service user and root, each to the superuser and the two roles. Both could reach the
# cluster's files anyway; everyone else is refused whatever role name it asks for.
pg_auth_files() {
	local su os role
	su=$(pg_superuser)
	printf '# Written by app/scripts/stack.sh at every start.\nlocal all all peer map=logbook\n' \
		>"$PGDATA/logbook-hba.conf"
	{
		printf '# Written by app/scripts/stack.sh at every start: OS user -> database role.\n'
		for os in $(printf '%s\n' "$(pg_os_user)" "$(id -un)" | sort -u); do
			for role in "$su" logbook_owner logbook_app; do
				printf 'logbook %s %s\n' "$os" "$role"
			done
		done
	} >"$PGDATA/logbook-ident.conf"
	if is_root; then
		chown "$SERVICE_USER:$SERVICE_USER" "$PGDATA/logbook-hba.conf" "$PGDATA/logbook-ident.conf"
	fi
	chmod 0600 "$PGDATA/logbook-hba.conf" "$PGDATA/logbook-ident.conf"
}

# The OS user PostgreSQL and the workers run as.
pg_os_user() {
	if is_root; then echo "$SERVICE_USER"; else id -un; fi
}

pg_start() {
	pg_init
	pg_auth_files
	if pg_running; then
		as_service "$PG_BIN/pg_ctl" -D "$PGDATA" reload >/dev/null
		return 0
	fi
	{
		printf "unix_socket_directories = '%s'\n" "$RUN"
		printf "unix_socket_permissions = 0700\n"
		printf "hba_file = '%s'\n" "$PGDATA/logbook-hba.conf"
		printf "ident_file = '%s'\n" "$PGDATA/logbook-ident.conf"
	} >"$PGDATA/logbook-paths.conf"
	is_root && chown "$SERVICE_USER:$SERVICE_USER" "$PGDATA/logbook-paths.conf"
	say "starting PostgreSQL"
	as_service "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOG/postgres.log" -w -t 60 start >/dev/null ||
		{ tail_logs; die "PostgreSQL did not start"; }
}

pg_stop() {
	[ -f "$PGDATA/PG_VERSION" ] || return 0
	if pg_running; then
		say "stopping PostgreSQL"
		as_service "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
	fi
}

# A crash as far as the application can tell: no shutdown checkpoint, clients cut off
# (tests/faults/); the next pg_start runs crash recovery.
pg_crash() {
	[ -f "$PGDATA/PG_VERSION" ] || return 0
	if pg_running; then
		say "stopping PostgreSQL with -m immediate"
		as_service "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 60 stop >/dev/null
	fi
}

psql_super() {
	as_service "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -U "$(pg_superuser)" "$@"
}

# The two roles and the database; idempotent, so that a bootstrap cut short is finished later.
pg_bootstrap() {
	psql_super -d postgres <<-'EOF'
	DO $$
	BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'logbook_owner') THEN
			CREATE ROLE logbook_owner LOGIN;
		END IF;
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'logbook_app') THEN
			CREATE ROLE logbook_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION;
		END IF;
	END
	$$;
	EOF
	if [ "$(psql_super -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = 'logbook'")" = 0 ]; then
		say "creating database logbook"
		psql_super -d postgres -c "CREATE DATABASE logbook OWNER logbook_owner ENCODING 'UTF8' TEMPLATE template0"
	fi
	# The application may connect, nothing more: the owner creates the generated schemas
	# (templates are published over the workers' owner connection, 011_least_privilege.sql).
	# The owner is a member of the application's role, so that migrations can take over what
	# older versions let the application own (harmless: the owner can do all it can anyway).
	psql_super -d postgres <<-'EOF'
	REVOKE ALL ON DATABASE logbook FROM PUBLIC;
	REVOKE CREATE, TEMPORARY ON DATABASE logbook FROM logbook_app;
	GRANT CONNECT ON DATABASE logbook TO logbook_app;
	SET client_min_messages = warning;
	GRANT logbook_app TO logbook_owner;
	EOF
}

# --- workers --------------------------------------------------------------------------------

workers_pid() {
	pidfile_alive "$RUN/workers.pid" multiwatch
}

workers_stop() {
	local pid children
	if pid=$(workers_pid); then
		say "stopping the workers"
		children=$(pgrep -P "$pid" || true)
		# multiwatch passes SIGTERM on (-s TERM) and stops restarting children.
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 100; then
			say "workers did not stop in 10 s; killing them"
			kill -KILL "$pid" 2>/dev/null || true
			# shellcheck disable=SC2086
			[ -z "$children" ] || kill -KILL $children 2>/dev/null || true
			wait_gone "$pid" 30 || true
		fi
	fi
	rm -f "$RUN/workers.pid" "$RUN/logbook.sock"
}

workers_start() {
	local pid i
	local -a drop=()
	workers_stop
	if is_root; then
		drop=(-u "$SERVICE_USER" -g "$SERVICE_USER" -U "$SERVICE_USER" -G "$SERVICE_USER")
	fi
	say "starting $WORKERS workers"
	# setsid: the workers outlive the terminal that started them. -n: spawn-fcgi binds the
	# socket, then execs multiwatch in place, so $! is multiwatch's pid. setsid forks when
	# its caller leads a process group (a shell with job control), which would lose the pid;
	# multiwatch's default gives a worker slot up after 3 deaths within 10 s, even deaths by
	# kill -9 of healthy workers: -r 50 -t 2000 only gives up on a worker that cannot live for
	# 2 s, fifty times in a row (a crash loop), and keeps replacing the rest.
	# such a job is off the terminal's signals anyway, so it goes without.
	(
		cd "$VAR"
		detach=(setsid)
		[ "$(ps -o pgid= -p "$BASHPID" | tr -d ' ')" != "$BASHPID" ] || detach=()
		exec "${detach[@]}" spawn-fcgi -n -s "$RUN/logbook.sock" -M 0660 "${drop[@]}" -- \
			/usr/bin/multiwatch -f "$WORKERS" -s TERM -r 50 -t 2000 -- "$FCGI_BIN" \
			</dev/null >>"$LOG/workers.log" 2>&1
	) &
	pid=$!
	printf '%s\n' "$pid" >"$RUN/workers.pid"
	# The socket appears before the exec; wait for multiwatch and its first children.
	for i in $(seq 1 50); do
		if [ -S "$RUN/logbook.sock" ] && [ -n "$(pgrep -P "$pid" 2>/dev/null || true)" ]; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	tail_logs
	die "the workers did not start"
}

# --- event publisher (app/eventpub) ---------------------------------------------------------

eventpub_pid() {
	pidfile_alive "$RUN/eventpub.pid" logbook-eventpub
}

eventpub_stop() {
	local pid
	if pid=$(eventpub_pid); then
		say "stopping the event publisher"
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 50; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_gone "$pid" 30 || true
		fi
	fi
	rm -f "$RUN/eventpub.pid"
}

# One process publishes the audit rows to nchan through Nginx's unix socket; it waits for
# Nginx and the database by itself, so the order of starting does not matter.
eventpub_start() {
	local pid
	eventpub_stop
	say "starting the event publisher"
	(
		cd "$VAR"
		detach=(setsid)
		[ "$(ps -o pgid= -p "$BASHPID" | tr -d ' ')" != "$BASHPID" ] || detach=()
		if is_root; then
			exec "${detach[@]}" runuser -u "$SERVICE_USER" -- "$EVENTPUB_BIN" -c "$CONF" \
				-s "$RUN/nchan.sock" </dev/null >>"$LOG/eventpub.log" 2>&1
		fi
		exec "${detach[@]}" "$EVENTPUB_BIN" -c "$CONF" -s "$RUN/nchan.sock" \
			</dev/null >>"$LOG/eventpub.log" 2>&1
	) &
	pid=$!
	printf '%s\n' "$pid" >"$RUN/eventpub.pid"
}

# --- nginx ----------------------------------------------------------------------------------

nginx_pid() {
	pidfile_alive "$RUN/nginx.pid" nginx
}

sed_escape() {
	printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

nginx_render() {
	local user_line max body_cap web_root
	if is_root; then
		user_line="user $SERVICE_USER $SERVICE_USER;"
	else
		user_line="# not root: the workers run as $(id -un)"
	fi
	max=$(max_body_bytes)
	# A little above the worker's cap: bodies between the two get the worker's 413.
	body_cap=$(( (max + 65536 + 1023) / 1024 ))k
	mkdir -p "$NGINX_DIR/tmp"
	cp "$REPO_ROOT/nginx/app-headers.conf" "$NGINX_DIR/app-headers.conf"
	# Nginx's workers run as the service user: from a closed checkout, serve a copy.
	web_root=$(reachable_copy "$WEB_ROOT" "$VAR/web")
	sed -e "s|@USER_LINE@|$(sed_escape "$user_line")|g" \
		-e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
		-e "s|@HTTP_PORT@|$HTTP_PORT|g" \
		-e "s|@RUN@|$(sed_escape "$RUN")|g" \
		-e "s|@LOG@|$(sed_escape "$LOG")|g" \
		-e "s|@KEYS@|$(sed_escape "$KEYS")|g" \
		-e "s|@NGINX_DIR@|$(sed_escape "$NGINX_DIR")|g" \
		-e "s|@WEB_ROOT@|$(sed_escape "$web_root")|g" \
		-e "s|@CLIENT_MAX_BODY@|$body_cap|g" \
		"$NGINX_TEMPLATE" >"$NGINX_DIR/nginx.conf.tmp"
	if grep -n '@[A-Z_]*@' "$NGINX_DIR/nginx.conf.tmp" >&2; then
		die "unsubstituted placeholders in $NGINX_TEMPLATE (above)"
	fi
	mv "$NGINX_DIR/nginx.conf.tmp" "$NGINX_DIR/nginx.conf"
	is_root && chown -R "$SERVICE_USER:$SERVICE_USER" "$NGINX_DIR"
	return 0
}

nginx_cmd() {
	"$NGINX" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$LOG/nginx-error.log" "$@"
}

nginx_start() {
	local out
	nginx_render
	if ! out=$(nginx_cmd -t -q 2>&1); then
		printf '%s\n' "$out" >&2
		die "the generated $NGINX_DIR/nginx.conf does not pass nginx -t"
	fi
	if nginx_pid >/dev/null; then
		say "reloading nginx"
		nginx_cmd -s reload || die "nginx reload failed"
		# The old workers finish their requests; the new ones bind any changed port.
		sleep 0.3
	else
		rm -f "$RUN/nginx.pid"
		say "starting nginx on https://127.0.0.1:$HTTPS_PORT/ and http://127.0.0.1:$HTTP_PORT/"
		if ! out=$(nginx_cmd 2>&1); then
			printf '%s\n' "$out" >&2
			tail_logs
			die "nginx did not start"
		fi
	fi
}

nginx_stop() {
	local pid
	if pid=$(nginx_pid); then
		say "stopping nginx"
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 100; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_gone "$pid" 30 || true
		fi
	fi
	rm -f "$RUN/nginx.pid"
}

# --- application setup ----------------------------------------------------------------------

ctl() {
	"$CTL_BIN" "$@"
}

app_setup() {
	say "migrating the database"
	ctl migrate >&2 || { tail_logs; die "logbookctl migrate failed"; }
	ctl user add admin --password-file "$KEYS/admin-password" --name "Development admin" \
		--roles admin >/dev/null || die "logbookctl user add admin failed"
}

wait_ready() {
	local url="https://127.0.0.1:$HTTPS_PORT/readyz" code i
	for i in $(seq 1 100); do
		code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
		[ "$code" = 200 ] && return 0
		sleep 0.2
	done
	say "$url answered ${code:-nothing} for 20 s"
	tail_logs
	return 1
}

print_info() {
	local token base="https://127.0.0.1:$HTTPS_PORT"
	token=$(ctl token --sub admin --name "Development admin" --roles "$ADMIN_ROLES" --ttl 86400) ||
		die "logbookctl token failed"
	cat <<-EOF

	Logbook is running: $base/
	  (http://127.0.0.1:$HTTP_PORT/ redirects there; the certificate is self-signed: $KEYS/tls.crt)

	Development admin login:  admin / $(cat "$KEYS/admin-password")
	  (password in $KEYS/admin-password)

	Token for admin (all roles, valid 24 h):
	$token

	Try:
	  curl -k -H "Authorization: Bearer $token" $base/api/v1/me

	Logs: $LOG/   State: $VAR/   Stop: make stop
	EOF
}

# --- commands -------------------------------------------------------------------------------

cmd_start() {
	load_settings
	check_binaries_early
	ensure_service_user
	relocate_var
	ensure_layout
	check_binaries
	ensure_keys
	ensure_config
	pg_start
	pg_bootstrap
	app_setup
	workers_start
	nginx_start
	eventpub_start
	cat >"$STACK_ENV" <<-EOF
	HTTPS_PORT=$HTTPS_PORT
	HTTP_PORT=$HTTP_PORT
	WORKERS=$WORKERS
	EOF
	wait_ready || die "the stack did not become ready"
	print_info
}

# Before touching anything: a clear message beats a half-started stack.
check_binaries_early() {
	[ -x "$FCGI_BIN" ] && [ -x "$CTL_BIN" ] && return 0
	die "$FCGI_BIN or $CTL_BIN is missing: build first (make all)"
}

cmd_stop() {
	[ -d "$VAR" ] || return 0
	eventpub_stop
	nginx_stop
	workers_stop
	pg_stop
}

cmd_status() {
	local rc=0 pid
	load_running_settings
	if pid=$(nginx_pid); then echo "nginx:      running (pid $pid) https://127.0.0.1:$HTTPS_PORT/"
	else echo "nginx:      stopped"; rc=3; fi
	if pid=$(workers_pid); then
		echo "workers:    running (multiwatch pid $pid; workers $(pgrep -P "$pid" | tr '\n' ' '))"
	else echo "workers:    stopped"; rc=3; fi
	if pid=$(eventpub_pid); then echo "eventpub:   running (pid $pid)"
	else echo "eventpub:   stopped"; rc=3; fi
	if pg_running; then echo "postgresql: running ($PGDATA, socket in $RUN)"
	else echo "postgresql: stopped"; rc=3; fi
	return "$rc"
}

cmd_worker_pids() {
	local pid
	pid=$(workers_pid) || die "the workers are not running"
	pgrep -P "$pid" | sort -n
}

cmd_env() {
	load_running_settings
	cat <<-EOF
	export LOGBOOK_VAR='$VAR'
	export LOGBOOK_CONFIG='$CONF'
	export PGHOST='$RUN'
	export PGDATABASE=logbook
	export HTTPS_PORT=$HTTPS_PORT
	export HTTP_PORT=$HTTP_PORT
	export WORKERS=$WORKERS
	export BASE_URL='https://127.0.0.1:$HTTPS_PORT'
	EOF
}

usage() {
	echo "usage: $0 start|stop|status|pg-start|pg-stop|pg-crash|pg-restart|worker-pids|env|var-dir" >&2
	exit 2
}

[ $# -eq 1 ] || usage
# A relocated state directory (see the top): every command works on its real path.
if [ "$1" != start ] && [ "$1" != var-dir ] && [ -L "$REPO_ROOT/var" ]; then
	relocate_var
fi
case "$1" in
start) cmd_start ;;
var-dir) ensure_service_user; relocate_var; printf '%s\n' "$VAR" ;;
stop) cmd_stop ;;
status) cmd_status ;;
pg-start) ensure_service_user; ensure_layout; pg_start ;;
pg-stop) pg_stop ;;
pg-crash) pg_crash ;;
pg-restart) pg_stop; pg_start ;;
worker-pids) cmd_worker_pids ;;
env) cmd_env ;;
*) usage ;;
esac
