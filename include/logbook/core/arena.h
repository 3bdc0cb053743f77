/* arena.h — per-request memory: bump allocation plus a cleanup list.
 *
 * Everything a request allocates lives in (or is registered with) its arena, and one
 * arena_reset() after the response frees it all, so handlers never free by hand. */
#ifndef LOGBOOK_ARENA_H
#define LOGBOOK_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block   *head;     /* current block; older ones chained behind */
	struct arena_block   *first;    /* kept across resets, so steady state mallocs nothing */
	struct arena_cleanup *cleanups; /* run in reverse order of registration */
	size_t                used;     /* bytes handed out since the last reset (for /metrics) */
};

void arena_init(struct arena *a);

/* Returns size bytes aligned for any type; aborts the process on out-of-memory (a worker that
 * cannot allocate a few KiB cannot answer anyway, and multiwatch starts a fresh one). */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s); /* NULL in, NULL out */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Registers fn(ptr) to run at the next arena_reset(): for PGresult, json_object and other
 * memory the arena does not own. Returns ptr, so `x = arena_own(a, make(), free_fn)` reads well. */
void *arena_own(struct arena *a, void *ptr, void (*fn)(void *));

/* Runs the cleanups, frees all blocks but the first and poisons what was handed out. */
void arena_reset(struct arena *a);
void arena_destroy(struct arena *a);

#endif
