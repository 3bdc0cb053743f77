/* log.c — stderr lines; see log.h. */
#include "logbook/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "logbook/http/http.h"

static void
stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm       tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(buf + n, len - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

void
log_msg(const char *level, const char *fmt, ...)
{
	char    ts[40];
	va_list ap;

	stamp(ts, sizeof(ts));
	fprintf(stderr, "%s %s pid=%d ", ts, level, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Client-controlled text (path, token subject) must not forge extra log lines or fields. */
static void
put_safe(const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s <= ' ' || *s == '"' || *s == 0x7f ? '?' : *s, stderr);
}

void
log_request(const struct request *r)
{
	struct timespec now;
	uint64_t        ns;
	char            ts[40];

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec - r->start_ns;
	stamp(ts, sizeof(ts));
	fprintf(stderr, "%s access pid=%d req=%s sid=%s method=", ts, (int)getpid(), r->request_id,
	    r->server_request_id != NULL ? r->server_request_id : "-");
	put_safe(r->method);
	fputs(" path=", stderr);
	put_safe(r->path);
	fprintf(stderr, " status=%d ms=%.3f user=", r->status, (double)ns / 1e6);
	put_safe(r->user != NULL ? r->user->sub : "-");
	if (r->problem.status != 0) {
		fprintf(stderr, " problem=%s at=%s:%d",
		    r->problem.slug != NULL ? r->problem.slug : "-",
		    r->problem.func != NULL ? r->problem.func : "-", r->problem.line);
		if (r->problem.sqlstate[0] != '\0')
			fprintf(stderr, " sqlstate=%s", r->problem.sqlstate);
		if (r->problem.status >= 500 && r->problem.detail != NULL)
			fprintf(stderr, " detail=\"%s\"", r->problem.detail);
	}
	fputc('\n', stderr);
}
