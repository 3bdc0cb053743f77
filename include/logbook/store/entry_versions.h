/* entry_versions.h — which template version an entry was created with, remembered per worker.
 *
 * An entry's (template, version) never changes, so a read that finds it here can send every
 * statement it needs in one round trip instead of asking first. Direct-mapped and bounded:
 * a collision just forgets the older entry. Only committed facts are kept: a create whose
 * transaction fails must not be remembered (entry_versions_remember). */
#ifndef LOGBOOK_ENTRY_VERSIONS_H
#define LOGBOOK_ENTRY_VERSIONS_H

#include <stdbool.h>

#define ENTRY_VERSIONS_SLOTS 4096

/* Looks id up; on a hit copies the template key into key (41 bytes) and returns the version,
 * else returns 0. */
int  entry_versions_get(const char *id, char key[41]);
void entry_versions_put(const char *id, const char *key, int version);

void entry_versions_forget(const char *id);

struct request;
/* Remembers (id, key, version) once r's transaction has committed (request_on_commit): a
 * create that rolls back leaves nothing behind, so a later entry with the same client id under
 * another template is never mistaken for it. Handlers use this, not entry_versions_put. */
void entry_versions_remember(struct request *r, const char *id, const char *key, int version);

#endif
