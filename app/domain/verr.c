/* verr.c — validation error lists and lazy JSON-style paths; see verr.h. */
#include "logbook/domain/verr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/domain/utf8.h"

#define NAME_SHOWN_MAX 64

void
verr_init(struct verr_list *l, struct arena *a)
{
	l->arena = a;
	l->items = NULL;
	l->count = 0;
	l->cap = 0;
	l->truncated = false;
}

static bool
is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Writes `["name"]` at buf (room: STEP_ROOM) and returns the number of bytes written. */
static size_t
render_quoted(char *buf, const char *name)
{
	size_t n = 0, len = strlen(name), i = 0;

	buf[n++] = '[';
	buf[n++] = '"';
	while (i < len && i < NAME_SHOWN_MAX) {
		unsigned char c = (unsigned char)name[i];
		size_t        cl;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)sprintf(buf + n, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			buf[n++] = (char)c;
			i++;
		} else if ((cl = utf8_char_len(name + i, len - i)) > 0) {
			memcpy(buf + n, name + i, cl);
			n += cl;
			i += cl;
		} else {
			memcpy(
			    buf + n, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
			n += 3;
			i++;
		}
	}
	if (i < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n++] = ']';
	return n;
}

/* Worst case of one step: a quoted name of NAME_SHOWN_MAX bytes each escaped as \u00XX
 * (6 bytes), brackets, quotes, "..." and a dot; an index needs at most 22. */
#define STEP_ROOM (NAME_SHOWN_MAX * 6 + 16)

char *
vpath_render(struct arena *a, const struct vpath *p)
{
	const struct vpath *q;
	const struct vpath *steps[256];
	size_t              nsteps = 0, room = 1, n = 0;
	char               *buf;

	for (q = p; q != NULL && nsteps < sizeof(steps) / sizeof(steps[0]); q = q->up)
		steps[nsteps++] = q;
	room += nsteps * STEP_ROOM;
	buf = arena_alloc(a, room);
	while (nsteps-- > 0) {
		q = steps[nsteps];
		if (q->member == NULL)
			n += (size_t)sprintf(buf + n, "[%zu]", q->index);
		else if (is_identifier(q->member)) {
			size_t len = strlen(q->member);

			if (n > 0)
				buf[n++] = '.';
			if (len > NAME_SHOWN_MAX)
				len =
				    NAME_SHOWN_MAX; /* identifiers are ASCII: a byte cut is safe */
			memcpy(buf + n, q->member, len);
			n += len;
		} else
			n += render_quoted(buf + n, q->member);
	}
	buf[n] = '\0';
	return buf;
}

void
verr_add(struct verr_list *l, const struct vpath *p, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (l->count >= VERR_MAX) {
		l->truncated = true;
		return;
	}
	if (l->count == l->cap) {
		/* The arena cannot grow an allocation: copy into one twice the size. The waste is
		 * bounded by the final size. */
		size_t       cap = l->cap == 0 ? 16 : l->cap * 2;
		struct verr *items = arena_alloc(l->arena, cap * sizeof(*items));

		if (l->count > 0)
			memcpy(items, l->items, l->count * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->count].path = vpath_render(l->arena, p);
	l->items[l->count].code = code;
	va_start(ap, fmt);
	l->items[l->count].message = arena_vprintf(l->arena, fmt, ap);
	va_end(ap);
	l->count++;
}
