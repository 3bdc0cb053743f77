/* entry_cache.c — see entry_cache.h. Direct-mapped: a collision forgets the older entry. */
#include <stdlib.h>
#include <string.h>

#include "logbook/domain/naming.h"
#include "logbook/entry_cache.h"

struct slot {
	char   id[37];
	char   revision[24];
	char  *body; /* malloc'd, ENTRY_CACHE_MAX_BODY at most */
	size_t len;
};

static struct slot slots[ENTRY_CACHE_SLOTS];

static struct slot *
slot_for(const char *id)
{
	return &slots[naming_fnv1a32(id) % ENTRY_CACHE_SLOTS];
}

const char *
entry_cache_get(const char *id, const char **revision, size_t *len)
{
	struct slot *s = slot_for(id);

	if (s->body == NULL || strcmp(s->id, id) != 0)
		return NULL;
	*revision = s->revision;
	*len = s->len;
	return s->body;
}

void
entry_cache_put(const char *id, const char *revision, const char *body, size_t len)
{
	struct slot *s = slot_for(id);
	char        *copy;

	if (len > ENTRY_CACHE_MAX_BODY || strlen(id) >= sizeof(s->id) ||
	    strlen(revision) >= sizeof(s->revision))
		return;
	/* Every slot's buffer has the same size, so it is allocated once and reused. */
	if (s->body == NULL && (s->body = malloc(ENTRY_CACHE_MAX_BODY)) == NULL)
		return;
	copy = s->body;
	memcpy(copy, body, len);
	s->len = len;
	strcpy(s->id, id);
	strcpy(s->revision, revision);
}

void
entry_cache_drop(const char *id)
{
	struct slot *s = slot_for(id);

	if (strcmp(s->id, id) == 0)
		s->id[0] = '\0';
}
