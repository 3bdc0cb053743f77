/* entry_cache.h — rendered entries, remembered per worker under the entry's revision.
 *
 * entries.revision moves with every change a read would show (005_entries.sql), so a cached
 * rendering is served only after one primary-key lookup finds the revision unchanged. Bounded:
 * ENTRY_CACHE_SLOTS renderings of at most ENTRY_CACHE_MAX_BODY bytes each. */
#ifndef LOGBOOK_ENTRY_CACHE_H
#define LOGBOOK_ENTRY_CACHE_H

#include <stddef.h>

#define ENTRY_CACHE_SLOTS    128
#define ENTRY_CACHE_MAX_BODY 4096

/* The cached body of id (borrowed until the next put) and its revision, or NULL. */
const char *entry_cache_get(const char *id, const char **revision, size_t *len);
/* Remembers body for id at revision (copied); too large a body is not kept. */
void	entry_cache_put(const char *id, const char *revision, const char *body, size_t len);
/* Forgets id (it no longer exists). */
void	entry_cache_drop(const char *id);

#endif
