/* entry_versions.h — which template version an entry was created with, remembered per worker.
 *
 * An entry's (template, version) never changes, so a read that finds it here can send every
 * statement it needs in one round trip instead of asking first. Direct-mapped and bounded:
 * a collision just forgets the older entry. */
#ifndef LOGBOOK_ENTRY_VERSIONS_H
#define LOGBOOK_ENTRY_VERSIONS_H

#include <stdbool.h>

#define ENTRY_VERSIONS_SLOTS 4096

/* Looks id up; on a hit copies the template key into key (41 bytes) and returns the version,
 * else returns 0. */
int  entry_versions_get(const char *id, char key[41]);
void entry_versions_put(const char *id, const char *key, int version);

#endif
