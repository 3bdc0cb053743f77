/* events_stream.c — GET /api/v1/events/stream: the events of GET /api/v1/events as
 * Server-Sent Events, held open by nchan inside Nginx instead of by a worker.
 *
 * The worker only decides where the caller's stream starts, then hands the connection to
 * Nginx: `X-Accel-Redirect: /internal/events/<channel>?last=<nchan message id>` makes Nginx
 * subscribe the client to the channel it may see (nginx/logbook.conf.in), from just after
 * that message. app/eventpub publishes every chained audit row, in seq order, as ready-made
 * SSE text (`id: <seq>`, `data: <item JSON>`) and records which nchan id each seq got
 * (event_stream.h). So:
 *
 *   - the client's Last-Event-ID (or ?after=) is a seq; the newest recorded message at or
 *     below it is where nchan resumes, provided no row the caller may see lies between the
 *     two (else the publisher is a few milliseconds behind: wait for it, briefly);
 *   - without either, the stream starts at the newest chained row;
 *   - when nchan no longer holds the messages after that seq (the client was away for more
 *     than the buffer, or Nginx restarted), the answer is instead a finite catch-up from the
 *     database: the next ES_CATCH_UP_MAX events, then the end of the stream, and the client
 *     reconnects with the last id it got, as SSE clients do.
 *
 * Either way the client sees every event once, in seq order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logbook/auth/roles.h"
#include "logbook/handlers/handlers.h"
#include "logbook/http/bearer.h"
#include "logbook/http/http.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_query.h"
#include "logbook/store/nchan_stream.h"

/* How long a subscribe waits for the publisher to catch up with rows already chained. */
#define STREAM_PUBLISHER_WAIT_MS 2000
#define STREAM_POLL_MS           25

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* nchan ids look like "1450755280:0": anything else is not passed on to Nginx. */
static int
nchan_id_plain(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789:") == strlen(s) && strlen(s) < 64;
}

/* The finite answer: the events after seq from the database, then the end of the stream. */
static int
reply_catch_up(struct request *r, const char *channel, const char *seq)
{
	struct es_event *ev;
	int              n, i;
	size_t           len = 0, cap = 64;
	char            *body;

	if (es_catch_up(STORE(r), channel, seq, &ev, &n) != 0)
		return -1;
	if (n == 0)
		return PROBLEM(r, 503, "stream-unavailable",
		    "the event stream is not being published right now; retry, or use "
		    "GET /api/v1/events");
	for (i = 0; i < n; i++)
		cap += strlen(ev[i].seq) + strlen(ev[i].json) + 16;
	body = arena_alloc(r->arena, cap);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(
		    body + len, cap - len, "id: %s\ndata: %s\n\n", ev[i].seq, ev[i].json);
	len += (size_t)snprintf(body + len, cap - len, ": more: reconnect with Last-Event-ID\n\n");
	reply_header(r, "Cache-Control", "no-store");
	reply_header(r, "X-Events-Stream", "catch-up");
	reply_raw(r, 200, "text/event-stream; charset=utf-8", NULL, body, len);
	return 0;
}

int
handle_events_stream(struct request *r)
{
	const char      *seq = FCGX_GetParam("HTTP_LAST_EVENT_ID", r->fcgx->envp), *channel;
	struct es_resume at;
	long             waited;

	if (seq == NULL || *seq == '\0')
		seq = request_query(r, "after");
	else
		seq = arena_strdup(r->arena, seq);
	if (seq != NULL && *seq != '\0' && !audit_seq_valid(seq))
		return PROBLEM(r, 400, "bad-query",
		    "Last-Event-ID and after must be an event seq (a whole number)");
	channel = auth_has_role(r, ROLE_AUDITOR) ? ES_CHANNEL_ALL : ES_CHANNEL_PUBLIC;
	if (audit_seal_now(STORE(r)) != 0)
		return -1;
	if ((seq == NULL || *seq == '\0') && es_head(STORE(r), &seq) != 0)
		return -1;
	for (waited = 0;; waited += STREAM_POLL_MS) {
		if (es_resume_point(STORE(r), channel, seq, &at) != 0)
			return -1;
		if (!at.found)
			return reply_catch_up(r, channel, seq);
		if (!at.gap)
			break;
		if (waited >= STREAM_PUBLISHER_WAIT_MS)
			return reply_catch_up(r, channel, seq);
		sleep_ms(STREAM_POLL_MS);
	}
	if (!nchan_id_plain(at.nchan_id))
		return reply_catch_up(r, channel, seq);
	reply_header(r, "X-Accel-Redirect",
	    arena_printf(r->arena, "/internal/events/%s?last=%s", channel, at.nchan_id));
	reply_header(r, "X-Accel-Buffering", "no");
	reply_raw(r, 200, "text/event-stream; charset=utf-8", NULL, "", 0);
	return 0;
}
