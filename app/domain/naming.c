/* naming.c — physical names from keys; see naming.h. */
#include "logbook/domain/naming.h"

#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"

uint32_t
naming_fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

char *
naming_fit(struct arena *a, const char *name)
{
	char *out;

	if (strlen(name) <= PG_IDENT_MAX)
		return arena_strdup(a, name);
	out = arena_alloc(a, PG_IDENT_MAX + 1);
	memcpy(out, name, NAMING_KEEP_BYTES);
	snprintf(out + NAMING_KEEP_BYTES, PG_IDENT_MAX + 1 - NAMING_KEEP_BYTES, "_%08x",
	    (unsigned)naming_fnv1a32(name));
	return out;
}

char *
naming_schema(struct arena *a, const char *template_key)
{
	return naming_fit(a, arena_printf(a, "tpl_%s", template_key));
}

char *
naming_section_table(struct arena *a, const char *section_key)
{
	return naming_fit(a, section_key);
}

char *
naming_child_table(struct arena *a, const char *section_key, const char *table_key)
{
	return naming_fit(a, arena_printf(a, "%s__%s", section_key, table_key));
}

char *
naming_check(struct arena *a, const char *column, const char *kind)
{
	return naming_fit(a, arena_printf(a, "%s__%s", column, kind));
}
