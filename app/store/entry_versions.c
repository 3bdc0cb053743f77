/* entry_versions.c — see entry_versions.h. */
#include "logbook/store/entry_versions.h"

#include <string.h>
#include <strings.h>

#include "logbook/domain/naming.h"
#include "logbook/http/http.h"

struct slot {
	char id[37];
	char key[41];
	int  version;
};

static struct slot slots[ENTRY_VERSIONS_SLOTS];

static struct slot *
slot_for(const char *id)
{
	return &slots[naming_fnv1a32(id) % ENTRY_VERSIONS_SLOTS];
}

int
entry_versions_get(const char *id, char key[41])
{
	struct slot *s = slot_for(id);

	if (s->version == 0 || strcasecmp(s->id, id) != 0)
		return 0;
	memcpy(key, s->key, sizeof(s->key));
	return s->version;
}

void
entry_versions_put(const char *id, const char *key, int version)
{
	struct slot *s = slot_for(id);

	if (strlen(id) >= sizeof(s->id) || strlen(key) >= sizeof(s->key))
		return;
	strcpy(s->id, id);
	strcpy(s->key, key);
	s->version = version;
}

void
entry_versions_forget(const char *id)
{
	struct slot *s = slot_for(id);

	if (strcasecmp(s->id, id) == 0)
		s->version = 0;
}

struct pending {
	char id[37];
	char key[41];
	int  version;
};

static void
remember_now(void *arg)
{
	struct pending *p = arg;

	entry_versions_put(p->id, p->key, p->version);
}

void
entry_versions_remember(struct request *r, const char *id, const char *key, int version)
{
	struct pending *p;

	if (strlen(id) >= sizeof(p->id) || strlen(key) >= sizeof(p->key))
		return;
	p = arena_alloc(r->arena, sizeof(*p));
	strcpy(p->id, id);
	strcpy(p->key, key);
	p->version = version;
	request_on_commit(r, remember_now, p);
}
