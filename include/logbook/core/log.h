/* log.h — lines on stderr (the journal, or var/log/workers.log under make run). */
#ifndef LOGBOOK_LOG_H
#define LOGBOOK_LOG_H

struct request;

/* One line: "<RFC 3339 time> <level> pid=<pid> <message>". */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The access line of a finished request: id, method, path, status, duration, user, and for
 * problems the slug, SQLSTATE and where it was raised. */
void log_request(const struct request *r);

#endif
