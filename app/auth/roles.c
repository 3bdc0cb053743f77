/* Role names <-> bits. The table is the single place that knows the names. */
#include "logbook/auth/roles.h"

#include <stddef.h>
#include <string.h>

static const struct {
	unsigned    bit;
	const char *name;
} role_table[ROLE_COUNT] = {
	{ ROLE_ADMIN, "admin" },
	{ ROLE_DESIGNER, "designer" },
	{ ROLE_AUTHOR, "author" },
	{ ROLE_REVIEWER, "reviewer" },
	{ ROLE_APPROVER, "approver" },
	{ ROLE_AUDITOR, "auditor" },
};

/* Matches `len` bytes at `name` against the table; 0 when unknown. */
static unsigned
role_from_span(const char *name, size_t len)
{
	for (size_t i = 0; i < ROLE_COUNT; i++) {
		if (strlen(role_table[i].name) == len && memcmp(role_table[i].name, name, len) == 0)
			return role_table[i].bit;
	}
	return 0;
}

unsigned
role_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	return role_from_span(name, strlen(name));
}

const char *
role_name(unsigned single_role_bit)
{
	for (size_t i = 0; i < ROLE_COUNT; i++) {
		if (role_table[i].bit == single_role_bit)
			return role_table[i].name;
	}
	return NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
roles_parse_list(const char *csv, unsigned *mask, const char **bad)
{
	/* Only ever written on failure, and only read by the caller right after. */
	static char bad_name[64];
	unsigned    acc = 0;
	const char *p = csv;

	if (csv == NULL)
		return -1;
	/* An empty (or all blank) list is a user without roles. */
	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		*mask = 0;
		return 0;
	}
	p = csv;
	for (;;) {
		const char *start = p, *end;
		unsigned    bit;

		while (*p != ',' && *p != '\0')
			p++;
		end = p;
		while (start < end && is_blank(*start))
			start++;
		while (end > start && is_blank(end[-1]))
			end--;
		bit = role_from_span(start, (size_t)(end - start));
		if (bit == 0) {
			size_t n = (size_t)(end - start);

			if (n >= sizeof(bad_name))
				n = sizeof(bad_name) - 1;
			memcpy(bad_name, start, n);
			bad_name[n] = '\0';
			if (bad != NULL)
				*bad = bad_name;
			return -1;
		}
		acc |= bit;
		if (*p == '\0')
			break;
		p++;
	}
	*mask = acc;
	return 0;
}

int
roles_mask_names(unsigned mask, const char **names, int max)
{
	int n = 0;

	for (size_t i = 0; i < ROLE_COUNT && n < max; i++) {
		if (mask & role_table[i].bit)
			names[n++] = role_table[i].name;
	}
	return n;
}
