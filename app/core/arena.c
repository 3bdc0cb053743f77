/* arena.c — bump allocator with a cleanup list; see arena.h. */
#include "logbook/core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOCK_SIZE (64 * 1024)
#define ALIGN      _Alignof(max_align_t)

struct arena_block {
	struct arena_block *prev;
	size_t              size; /* usable bytes in data[] */
	size_t              off;
	_Alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *ptr;
};

static struct arena_block *
block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof(*b) + size);

	if (b == NULL) {
		fputs("arena: out of memory\n", stderr);
		abort();
	}
	b->prev = NULL;
	b->size = size;
	b->off = 0;
	POISON(b->data, size);
	return b;
}

void
arena_init(struct arena *a)
{
	a->first = a->head = block_new(BLOCK_SIZE);
	a->cleanups = NULL;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t              need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void               *p;

	if (need < size)
		abort(); /* overflow: nobody asks for this much */
	if (b->size - b->off < need) {
		b = block_new(need > BLOCK_SIZE / 2 ? need : BLOCK_SIZE);
		b->prev = a->head;
		a->head = b;
	}
	p = b->data + b->off;
	b->off += need;
	a->used += need;
	UNPOISON(p, size);
	return p;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	return memset(arena_alloc(a, size), 0, size);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	int     n;
	char   *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char   *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void *
arena_own(struct arena *a, void *ptr, void (*fn)(void *))
{
	struct arena_cleanup *c;

	if (ptr == NULL)
		return NULL;
	c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->ptr = ptr;
	c->next = a->cleanups;
	a->cleanups = c;
	return ptr;
}

void
arena_reset(struct arena *a)
{
	struct arena_cleanup *c;
	struct arena_block   *b, *prev;

	/* Cleanups live in the arena itself, so run them all before any block goes. */
	for (c = a->cleanups; c != NULL; c = c->next)
		c->fn(c->ptr);
	a->cleanups = NULL;
	for (b = a->head; b != a->first; b = prev) {
		prev = b->prev;
		free(b);
	}
	a->head = a->first;
	POISON(a->first->data, a->first->off);
	a->first->off = 0;
	a->used = 0;
}

void
arena_destroy(struct arena *a)
{
	arena_reset(a);
	free(a->first);
	a->first = a->head = NULL;
}
