/* log.c — stderr lines; see log.h. */
#include "logbook/core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "logbook/core/timestamp.h"

void
log_msg(const char *level, const char *fmt, ...)
{
	char    ts[TS_TEXT_MAX];
	va_list ap;

	ts_now(ts);
	fprintf(stderr, "%s %s pid=%d ", ts, level, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
