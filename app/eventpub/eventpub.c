/* eventpub.c — logbook-eventpub: publishes every chained audit row to nchan, in seq order.
 *
 *   logbook-eventpub [-c logbook.conf] -s /path/to/nchan.sock
 *
 * One process, so that the order of the messages in nchan is the order of the chain (workers
 * seal concurrently; several publishers would interleave). It LISTENs on logbook_audit (the
 * chain's trigger NOTIFYs at COMMIT), reads the rows after the last one it published and POSTs
 * each as ready-made Server-Sent Events text, `id: <seq>\ndata: <item JSON>\n`, to the
 * publisher location of Nginx's unix socket (nginx/logbook.conf.in): channel `all` gets every
 * row, channel `public` the object types every user may read. nchan answers with the message
 * id it gave; those go to event_stream_ids, which GET /api/v1/events/stream reads to resume a
 * client at a seq (app/handlers/events_stream.c).
 *
 * event_stream_ids only names messages nchan still holds:
 *   - rows beyond the newest ES_KEEP per channel are deleted (nchan keeps ES_BUFFER, so a
 *     subscriber that looked one up still finds the messages after it);
 *   - nchan's answer says how many messages the channel holds; fewer than we published since
 *     the channel's anchor (see below) means nchan lost them (an Nginx restart): the channel's
 *     rows are deleted and the channel anchored again. The same when a channel check while idle
 *     (every second) finds a last message id other than ours, or Nginx does not answer;
 *   - an anchor is an SSE comment published at the seq where the channel's buffer starts, so
 *     that a subscriber at that seq has a message to resume after.
 * Subscribers whose seq has no buffered message catch up from the database instead.
 *
 * Nothing here runs inside a request: a slow or absent Nginx delays events, never the API.
 * A failed publish is retried (the row is not skipped), so the stream may repeat a message
 * after a crash between publishing and recording, but never loses one. */
#include <errno.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "logbook/core/config.h"
#include "logbook/store/audit_query.h"

#define ES_BUFFER     1000 /* nchan_message_buffer_length in nginx/logbook.conf.in */
#define ES_KEEP       500  /* ids kept per channel */
#define ES_BATCH      200  /* rows read per query */
#define ES_IDLE_MS    1000 /* seal, and check the channels, after this long without events */
#define ES_TIMEOUT_MS 2000 /* per HTTP exchange with Nginx */
#define ES_RESPONSE   8192

enum { CH_ALL, CH_PUBLIC, CH_COUNT };

static const char *const channel_names[CH_COUNT] = { "all", "public" };

struct channel {
	char last_id[64]; /* nchan id of the last message we published; "" when unknown */
	long expected;    /* messages nchan should hold: published since the anchor, capped */
	int  lost;        /* anchor again before the next publish */
};

static struct {
	const char    *socket_path;
	PGconn        *db;
	struct channel ch[CH_COUNT];
	long long      last_seq; /* the last seq published (to `all`) */
	volatile int   stop;
} pub;

static void
say(const char *fmt, ...)
{
	va_list ap;
	char    when[32];
	time_t  now = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(stderr, "%s eventpub: ", when);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_signal(int sig)
{
	(void)sig;
	pub.stop = 1;
}

/* --- HTTP to Nginx over its unix socket --------------------------------------------------- */

struct nchan_reply {
	int  status;
	long messages;    /* -1 when absent */
	char last_id[64]; /* "" when absent */
};

/* One HTTP/1.0 exchange (the connection closes after it, so the body needs no framing).
 * Returns 0 with *out filled, -1 when Nginx could not be reached or answered nonsense. */
static int
nchan_request(const char *method, const char *channel, const char *body, size_t body_len,
    struct nchan_reply *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval     tv = { ES_TIMEOUT_MS / 1000, (ES_TIMEOUT_MS % 1000) * 1000 };
	char               head[256], resp[ES_RESPONSE], *sep;
	size_t             got = 0;
	ssize_t            n;
	int                fd, hl, rc = -1;

	memset(out, 0, sizeof(*out));
	out->messages = -1;
	if (strlen(pub.socket_path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, pub.socket_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto out;
	hl = snprintf(head, sizeof(head),
	    "%s /pub/%s HTTP/1.0\r\nHost: localhost\r\nAccept: text/json\r\n"
	    "Content-Type: text/event-stream\r\nContent-Length: %zu\r\n\r\n",
	    method, channel, body_len);
	if (write(fd, head, (size_t)hl) != hl ||
	    (body_len > 0 && write(fd, body, body_len) != (ssize_t)body_len))
		goto out;
	while (got < sizeof(resp) - 1 && (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &out->status) != 1)
		goto out;
	if ((sep = strstr(resp, "\r\n\r\n")) != NULL) {
		struct json_object *j = json_tokener_parse(sep + 4), *v;

		if (j != NULL && json_object_object_get_ex(j, "messages", &v))
			out->messages = (long)json_object_get_int64(v);
		if (j != NULL && json_object_object_get_ex(j, "last_message_id", &v) &&
		    json_object_is_type(v, json_type_string))
			snprintf(
			    out->last_id, sizeof(out->last_id), "%s", json_object_get_string(v));
		json_object_put(j);
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Publishes one message; 0 with its nchan id in id, -1 when it was not published. */
static int
publish(int c, const char *text, size_t len, char id[64])
{
	struct nchan_reply rep;
	struct channel    *ch = &pub.ch[c];

	if (nchan_request("POST", channel_names[c], text, len, &rep) != 0 ||
	    (rep.status != 201 && rep.status != 202) || rep.last_id[0] == '\0') {
		say("publishing to %s failed (status %d)", channel_names[c], rep.status);
		ch->lost = 1; /* Nginx may have restarted: anchor again once it answers */
		return -1;
	}
	snprintf(id, 64, "%s", rep.last_id);
	snprintf(ch->last_id, sizeof(ch->last_id), "%s", rep.last_id);
	if (ch->expected < ES_BUFFER)
		ch->expected++;
	if (rep.messages >= 0 && rep.messages < ch->expected) {
		say("nchan holds %ld messages of %s where %ld were expected: it lost some",
		    rep.messages, channel_names[c], ch->expected);
		ch->lost = 1;
	}
	return 0;
}

/* --- the database ------------------------------------------------------------------------- */

static int
db_ok(PGresult *res, const char *what)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 1;
	say("%s: %s", what, PQerrorMessage(pub.db));
	return 0;
}

static int
exec_params(const char *sql, int n, const char *const *v, const char *what)
{
	PGresult *res = PQexecParams(pub.db, sql, n, NULL, v, NULL, NULL, 0);
	int       ok = db_ok(res, what);

	PQclear(res);
	return ok ? 0 : -1;
}

static int
record(int c, long long seq, const char *id)
{
	char        s[24];
	const char *v[3] = { channel_names[c], s, id };

	snprintf(s, sizeof(s), "%lld", seq);
	return exec_params("INSERT INTO event_stream_ids (channel, seq, nchan_id)"
			   " VALUES ($1, $2::bigint, $3) ON CONFLICT (channel, seq)"
			   " DO UPDATE SET nchan_id = EXCLUDED.nchan_id, published_at = now()",
	    3, v, "recording a message id");
}

/* The ids of one batch, recorded in one statement after it was published (a lost batch of ids
 * only sends subscribers to the catch-up). Ids are "<digits>:<digits>", channels plain words,
 * so the array literals need no quoting. */
struct pending_ids {
	char  *channels, *seqs, *ids;
	size_t len[3], cap[3];
	int    n;
};

static void
append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 2 > *cap) {
		*cap = (*len + n + 2) * 2;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			abort();
	}
	if (*len > 0)
		(*buf)[(*len)++] = ',';
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static void
pending_add(struct pending_ids *p, int c, long long seq, const char *id)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", seq);
	append(&p->channels, &p->len[0], &p->cap[0], channel_names[c]);
	append(&p->seqs, &p->len[1], &p->cap[1], s);
	append(&p->ids, &p->len[2], &p->cap[2], id);
	p->n++;
}

static int
pending_record(struct pending_ids *p)
{
	char       *v[3];
	const char *cv[3];
	int         rc, i;

	if (p->n == 0)
		return 0;
	v[0] = malloc(p->len[0] + 3);
	v[1] = malloc(p->len[1] + 3);
	v[2] = malloc(p->len[2] + 3);
	if (v[0] == NULL || v[1] == NULL || v[2] == NULL)
		abort();
	sprintf(v[0], "{%s}", p->channels);
	sprintf(v[1], "{%s}", p->seqs);
	sprintf(v[2], "{%s}", p->ids);
	for (i = 0; i < 3; i++)
		cv[i] = v[i];
	rc = exec_params("INSERT INTO event_stream_ids (channel, seq, nchan_id)"
			 " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])"
			 " ON CONFLICT (channel, seq)"
			 " DO UPDATE SET nchan_id = EXCLUDED.nchan_id, published_at = now()",
	    3, cv, "recording message ids");
	for (i = 0; i < 3; i++)
		free(v[i]);
	return rc;
}

static void
pending_free(struct pending_ids *p)
{
	free(p->channels);
	free(p->seqs);
	free(p->ids);
	memset(p, 0, sizeof(*p));
}

static int
forget_channel(int c)
{
	const char *v[1] = { channel_names[c] };

	return exec_params(
	    "DELETE FROM event_stream_ids WHERE channel = $1", 1, v, "forgetting message ids");
}

static int
prune(int c)
{
	char        keep[16];
	const char *v[2] = { channel_names[c], keep };

	snprintf(keep, sizeof(keep), "%d", ES_KEEP - 1);
	return exec_params("DELETE FROM event_stream_ids WHERE channel = $1 AND seq < (SELECT seq"
			   " FROM event_stream_ids WHERE channel = $1 ORDER BY seq DESC"
			   " OFFSET $2::integer LIMIT 1)",
	    2, v, "pruning message ids");
}

/* Starts channel c afresh at pub.last_seq: its old ids are forgotten, and an SSE comment is
 * published so that a subscriber at that seq has a message to resume after. */
static int
anchor(int c)
{
	struct nchan_reply rep;
	char               text[96], id[64];
	int                len;

	pub.ch[c].lost = 0;
	if (forget_channel(c) != 0)
		return -1;
	len = snprintf(text, sizeof(text), ": logbook events after seq %lld\n", pub.last_seq);
	/* nchan keeps what it has: count on from what it holds now. */
	pub.ch[c].expected = 0;
	if (nchan_request("GET", channel_names[c], NULL, 0, &rep) == 0 && rep.status == 200 &&
	    rep.messages > 0)
		pub.ch[c].expected = rep.messages < ES_BUFFER ? rep.messages : ES_BUFFER;
	if (publish(c, text, (size_t)len, id) != 0)
		return -1;
	pub.ch[c].lost = 0;
	say("channel %s anchored at seq %lld (nchan id %s)", channel_names[c], pub.last_seq, id);
	return record(c, pub.last_seq, id);
}

/* At start: continue from what event_stream_ids says was published, when nchan still has the
 * same last message; else anchor the channel at the newest chained row. */
static int
resume_channels(void)
{
	PGresult *res;
	int       c;

	res = PQexec(pub.db,
	    "SELECT coalesce((SELECT max(seq) FROM event_stream_ids WHERE channel"
	    " = 'all'), (SELECT seq FROM audit_head))");
	if (!db_ok(res, "reading the last published seq"))
		return PQclear(res), -1;
	pub.last_seq = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (c = 0; c < CH_COUNT; c++) {
		const char        *v[1] = { channel_names[c] };
		struct nchan_reply rep;
		int                same = 0;

		res = PQexecParams(pub.db,
		    "SELECT nchan_id FROM event_stream_ids WHERE channel = $1 ORDER BY seq DESC"
		    " LIMIT 1",
		    1, NULL, v, NULL, NULL, 0);
		if (!db_ok(res, "reading the last message id"))
			return PQclear(res), -1;
		if (nchan_request("GET", channel_names[c], NULL, 0, &rep) != 0)
			return PQclear(res), -1;
		if (PQntuples(res) == 1 && rep.status == 200 &&
		    strcmp(rep.last_id, PQgetvalue(res, 0, 0)) == 0) {
			same = 1;
			snprintf(pub.ch[c].last_id, sizeof(pub.ch[c].last_id), "%s", rep.last_id);
			pub.ch[c].expected = rep.messages < ES_BUFFER ? rep.messages : ES_BUFFER;
			pub.ch[c].lost = 0;
		}
		PQclear(res);
		if (!same && anchor(c) != 0)
			return -1;
	}
	if (pub.ch[CH_ALL].lost == 0 && pub.ch[CH_PUBLIC].lost == 0)
		say("publishing after seq %lld", pub.last_seq);
	return 0;
}

/* nchan's ids are "<time>:<tag>"; anything else would not survive the array literal. */
static int
nchan_id_plain(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789:") == strlen(s);
}

static int
is_public_type(const char *t)
{
	return strcmp(t, "template") == 0 || strcmp(t, "entry") == 0 || strcmp(t, "followup") == 0;
}

/* Publishes the rows after pub.last_seq, a batch at a time. Returns the number published, or
 * -1 when something failed (the rows not published are tried again later). */
static int
publish_pending(void)
{
	char               after[24], limit[16];
	const char        *v[2] = { after, limit };
	PGresult          *res;
	struct pending_ids ids = { 0 };
	int                i, n, c, done = 0;

	for (c = 0; c < CH_COUNT; c++)
		if (pub.ch[c].lost && anchor(c) != 0)
			return -1;
	snprintf(after, sizeof(after), "%lld", pub.last_seq);
	snprintf(limit, sizeof(limit), "%d", ES_BATCH);
	res = PQexecParams(pub.db,
	    "SELECT i.seq, i.object_type, row_to_json(i)::text, (SELECT row_to_json(r)::text FROM"
	    " (SELECT " AUDIT_ITEM_COLUMNS_REDACTED " FROM audit_log WHERE seq = i.seq) r)"
	    " FROM (SELECT " AUDIT_ITEM_COLUMNS " FROM audit_log WHERE seq > $1::bigint"
	    " ORDER BY seq LIMIT $2::integer) i ORDER BY i.seq",
	    2, NULL, v, NULL, NULL, 0);
	if (!db_ok(res, "reading audit rows"))
		return PQclear(res), -1;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		long long   seq = atoll(PQgetvalue(res, i, 0));
		const char *json = PQgetvalue(res, i, 2);
		size_t      len = strlen(json) + 48;
		char       *text = malloc(len), id[64];
		int         tl, ok = 0;

		if (text == NULL)
			break;
		/* The item JSON is one line: row_to_json escapes newlines inside strings. */
		tl = snprintf(text, len, "id: %lld\ndata: %s\n", seq, json);
		if (publish(CH_ALL, text, (size_t)tl, id) == 0 && nchan_id_plain(id)) {
			ok = 1;
			pending_add(&ids, CH_ALL, seq, id);
			if (is_public_type(PQgetvalue(res, i, 1))) {
				/* Everyone else reads the item as GET /api/v1/events shows it to
				 * them: without client_ip, user_agent and roles. */
				const char *red = PQgetvalue(res, i, 3);
				size_t      rl = strlen(red) + 48;
				char       *rt = malloc(rl);
				int         rtl;

				if (rt == NULL)
					abort();
				rtl = snprintf(rt, rl, "id: %lld\ndata: %s\n", seq, red);
				if (publish(CH_PUBLIC, rt, (size_t)rtl, id) == 0 &&
				    nchan_id_plain(id))
					pending_add(&ids, CH_PUBLIC, seq, id);
				else
					ok = 0;
				free(rt);
			}
		}
		free(text);
		if (!ok)
			break;
		pub.last_seq = seq;
		done++;
	}
	PQclear(res);
	if (pending_record(&ids) != 0)
		done = -1;
	pending_free(&ids);
	if (done > 0)
		for (c = 0; c < CH_COUNT; c++)
			prune(c);
	return done < 0 || done < n ? -1 : done;
}

/* While idle: a channel whose last message is not ours was lost (Nginx restarted). */
static void
check_channels(void)
{
	int c;

	for (c = 0; c < CH_COUNT; c++) {
		struct nchan_reply rep;

		if (pub.ch[c].lost)
			continue;
		if (nchan_request("GET", channel_names[c], NULL, 0, &rep) != 0)
			pub.ch[c].lost = 1;
		else if (rep.status != 200 || strcmp(rep.last_id, pub.ch[c].last_id) != 0) {
			say("channel %s: nchan's last message is '%s', ours '%s': anchoring again",
			    channel_names[c], rep.last_id, pub.ch[c].last_id);
			pub.ch[c].lost = 1;
		}
	}
}

static int
db_connect(const char *conninfo)
{
	PGresult *res;

	if (pub.db != NULL)
		PQfinish(pub.db);
	pub.db = PQconnectdb(conninfo);
	if (PQstatus(pub.db) != CONNECTION_OK) {
		say("cannot connect to the database: %s", PQerrorMessage(pub.db));
		return -1;
	}
	/* The ids are a cache of where nchan stands: losing the last few in a database crash
	 * only sends a subscriber to the catch-up. */
	res = PQexec(pub.db,
	    "SET synchronous_commit = off; SET application_name = "
	    "'logbook-eventpub'; LISTEN logbook_audit");
	if (!db_ok(res, "setting up the session"))
		return PQclear(res), -1;
	PQclear(res);
	return 0;
}

/* Sleeps until a notification, the timeout, or a lost connection (-1). */
static int
wait_for_rows(int ms)
{
	struct pollfd pfd = { .fd = PQsocket(pub.db), .events = POLLIN };
	PGnotify     *note;
	int           rc, got = 0;

	rc = poll(&pfd, 1, ms);
	if (rc < 0 && errno != EINTR)
		return -1;
	if (rc > 0 && PQconsumeInput(pub.db) == 0)
		return -1;
	while ((note = PQnotifies(pub.db)) != NULL) {
		got = 1;
		PQfreemem(note);
	}
	return got;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	const char          *config_path = NULL;
	char                 err[512];
	int                  opt, backoff = 0;

	setvbuf(stderr, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "c:s:")) != -1) {
		if (opt == 'c')
			config_path = optarg;
		else if (opt == 's')
			pub.socket_path = optarg;
		else
			goto usage;
	}
	if (pub.socket_path == NULL || optind != argc)
		goto usage;
	if (config_load(&cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "logbook-eventpub: %s\n", err);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	for (int c = 0; c < CH_COUNT; c++)
		pub.ch[c].lost = 1;
	say("started (nchan at %s)", pub.socket_path);
	while (!pub.stop) {
		int rc;

		if (backoff > 0) {
			struct timespec ts = { backoff / 1000, (backoff % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			if (pub.stop)
				break;
		}
		if (pub.db == NULL || PQstatus(pub.db) != CONNECTION_OK) {
			if (db_connect(cfg.db_conninfo) != 0 || resume_channels() != 0) {
				PQfinish(pub.db);
				pub.db = NULL;
				backoff =
				    backoff == 0 ? 200 : (backoff < 5000 ? backoff * 2 : 5000);
				continue;
			}
		}
		if ((rc = publish_pending()) < 0) {
			backoff = backoff == 0 ? 200 : (backoff < 5000 ? backoff * 2 : 5000);
			continue;
		}
		backoff = 0;
		if (rc == ES_BATCH)
			continue; /* more waiting */
		if ((rc = wait_for_rows(ES_IDLE_MS)) < 0) {
			say("lost the database connection");
			PQfinish(pub.db);
			pub.db = NULL;
			continue;
		}
		if (rc == 0) {
			/* Quiet: chain rows whose writers found another sealer at work, and make sure
			 * nchan still has our messages. */
			PQclear(PQexec(pub.db, "SELECT audit_seal()"));
			check_channels();
		}
	}
	say("stopping after seq %lld", pub.last_seq);
	if (pub.db != NULL)
		PQfinish(pub.db);
	config_free(&cfg);
	return 0;
usage:
	fprintf(stderr, "usage: logbook-eventpub [-c logbook.conf] -s nchan-publisher.sock\n");
	return 2;
}
