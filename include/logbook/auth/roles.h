/*
 * Roles: the six role names of the API contract and their bits.
 *
 * A user's roles travel as strings (JWT `roles` claim, CLI lists, the users table)
 * and are checked as a bitmask. Names are matched exactly (lower case, no trimming).
 */
#ifndef LOGBOOK_ROLES_H
#define LOGBOOK_ROLES_H

enum role {
	ROLE_ADMIN = 1u << 0,
	ROLE_DESIGNER = 1u << 1,
	ROLE_AUTHOR = 1u << 2,
	ROLE_REVIEWER = 1u << 3,
	ROLE_APPROVER = 1u << 4,
	ROLE_AUDITOR = 1u << 5,
};

/* Every known role bit; a mask outside it names unknown roles. */
#define ROLE_ALL_MASK 0x3fu
/* How many roles exist (the number of bits in ROLE_ALL_MASK). */
#define ROLE_COUNT 6

/* The bit of role `name` ("admin", ...); 0 for NULL or an unknown name. */
unsigned role_from_name(const char *name);

/* The name of a single role bit, a static string; NULL when the argument is not
 * exactly one known bit. */
const char *role_name(unsigned single_role_bit);

/*
 * Parses a comma-separated list ("author,reviewer", as typed on the command line) into
 * *mask. Blanks around names are ignored, duplicates are harmless, an empty string is
 * the empty mask. Returns 0; or -1 with *mask untouched and *bad pointing at the first
 * unknown (or empty) name, copied into a static buffer (truncated to 63 bytes) that the
 * next failing call overwrites. Either `bad` may be NULL.
 */
int roles_parse_list(const char *csv, unsigned *mask, const char **bad);

/*
 * Fills names[0..] with the static names of the known roles in `mask`, in bit order,
 * at most `max` of them. Returns how many were written. Unknown bits are ignored.
 */
int roles_mask_names(unsigned mask, const char **names, int max);

#endif
