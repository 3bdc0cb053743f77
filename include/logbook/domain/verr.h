/* verr.h — validation error lists and the paths that name where an error is.
 *
 * Path format (JSON-path style, no leading `$`): members are joined with `.`, array elements
 * are `[i]` (0-based), e.g. `sections[1].fields[0].max`, `data.temperature`,
 * `tables.readings[3].temp`. A member name that is not an identifier
 * (`[A-Za-z_][A-Za-z0-9_]*`) is written `["name"]` with JSON string escaping, invalid UTF-8
 * bytes replaced by U+FFFD and names longer than 64 bytes cut with `...`. The empty path ""
 * names the whole document.
 *
 * Paths are built lazily: callers chain `struct vpath` nodes on the stack (VPATH_MEMBER,
 * VPATH_INDEX) and a path is rendered to text only when an error is added, so validating
 * 10000 valid rows allocates no path strings. */
#ifndef LOGBOOK_DOMAIN_VERR_H
#define LOGBOOK_DOMAIN_VERR_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* At most this many errors are kept; later ones set `truncated` (a hostile document could
 * otherwise produce one error per byte). */
#define VERR_MAX 1000

struct vpath {
	const struct vpath *up;     /* NULL at the top */
	const char         *member; /* member name, or NULL for an array index */
	size_t              index;
};

#define VPATH_MEMBER(up_, name_) (&(const struct vpath){ (up_), (name_), 0 })
#define VPATH_INDEX(up_, i_)     (&(const struct vpath){ (up_), NULL, (i_) })

struct verr {
	const char *path;    /* rendered as described above */
	const char *code;    /* short stable code, listed by the module that adds it */
	const char *message; /* lower-case, no final period, e.g. "must be <= 120" */
};

struct verr_list {
	struct arena *arena; /* where paths, messages and the array live */
	struct verr  *items;
	size_t        count;
	size_t        cap;
	bool          truncated;
};

/* Starts an empty list whose strings will be allocated in a. */
void verr_init(struct verr_list *l, struct arena *a);

/* Appends {path, code, message}. code must be a string that outlives the list (a literal).
 * Drops the error and sets truncated once VERR_MAX are held. */
void verr_add(struct verr_list *l, const struct vpath *p, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Renders p into a new string in a ("" for NULL). */
char *vpath_render(struct arena *a, const struct vpath *p);

#endif
