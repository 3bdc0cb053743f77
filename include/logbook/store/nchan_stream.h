/* nchan_stream.h — where GET /api/v1/events/stream resumes: the nchan message ids that
 * app/eventpub recorded per audit seq (event_stream_ids, 007_inbox_search_stream.sql), and the
 * audit rows a client missed when nchan no longer holds them.
 *
 * Channels: "all" carries every audit row (auditors and admins), "public" the rows of the
 * object types every user may read (AUDIT_PUBLIC_TYPES), exactly what GET /api/v1/events
 * shows each of them. */
#ifndef LOGBOOK_STORE_NCHAN_STREAM_H
#define LOGBOOK_STORE_NCHAN_STREAM_H

#include <stdbool.h>

#include "logbook/store/db_error.h"

struct arena;
struct db;

#define ES_CHANNEL_ALL    "all"
#define ES_CHANNEL_PUBLIC "public"
/* Rows one catch-up answer carries at most. */
#define ES_CATCH_UP_MAX 500

struct es_resume {
	bool        found;    /* a published message at or below the seq is still buffered */
	const char *nchan_id; /* its nchan message id ("<time>:<tag>"), when found */
	const char *seq;      /* its seq */
	bool        gap;      /* rows the channel shows lie between that message and the seq:
			       * not yet published (the publisher is behind) */
};

struct es_event {
	const char *seq;
	const char *json; /* the audit item, as GET /api/v1/events shows it */
};

/* The seq of the newest chained audit row ("0" when none) into *seq (arena). 0, or -1 with e. */
int es_head(struct db *db, struct arena *a, struct db_error *e, const char **seq);

/* Where a subscriber of channel that has seen everything up to seq resumes: the newest
 * buffered message at or below seq, or, when none is left, the oldest one above it provided
 * nothing the channel shows lies in between. found false: catch up from the database.
 * 0, or -1 with e. */
int es_resume_point(struct db *db, struct arena *a, struct db_error *e, const char *channel,
    const char *seq, struct es_resume *out);

/* The rows of channel after seq, oldest first, at most ES_CATCH_UP_MAX: *n of them in *events
 * (arena). 0, or -1 with e. */
int es_catch_up(struct db *db, struct arena *a, struct db_error *e, const char *channel,
    const char *seq, struct es_event **events, int *n);

#endif
