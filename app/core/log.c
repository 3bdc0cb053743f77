/* log.c — stderr lines; see log.h. */
#include "logbook/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void
log_stamp(char *buf, size_t len)
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

	log_stamp(ts, sizeof(ts));
	fprintf(stderr, "%s %s pid=%d ", ts, level, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
