/* search_query.h — the `q` of GET /api/v1/entries parsed into terms, never handed to
 * to_tsquery as it came.
 *
 * Syntax: terms separated by white space are ANDed; `word*` matches words that start with
 * `word`; "a quoted phrase" matches those words next to each other, in order. An unbalanced
 * quote runs to the end of q. Operator characters of tsquery (`& | ! ( ) : * < >`, quotes)
 * carry no meaning inside a term: the database splits each term into words with its own
 * parser (plainto_tsquery/phraseto_tsquery, 007_inbox_search_stream.sql), which drops them. */
#ifndef LOGBOOK_DOMAIN_SEARCH_QUERY_H
#define LOGBOOK_DOMAIN_SEARCH_QUERY_H

#include <stddef.h>

#include "logbook/core/arena.h"

#define SEARCH_Q_MAX     1000 /* bytes of q */
#define SEARCH_TERMS_MAX 32

enum search_term_kind {
	SEARCH_WORD = 'w',
	SEARCH_PREFIX = 'p',
	SEARCH_PHRASE = 'x',
};

struct search_term {
	enum search_term_kind kind;
	const char           *text; /* arena; non-empty, no prefix star, no quotes around */
};

struct search_query {
	struct search_term terms[SEARCH_TERMS_MAX];
	size_t             nterms;
};

enum search_error {
	SEARCH_OK,
	SEARCH_TOO_LONG, /* more than SEARCH_Q_MAX bytes */
	SEARCH_BAD_UTF8, /* not well-formed UTF-8 */
	SEARCH_CONTROL,  /* a control character (U+0000..U+001F but tab, U+007F) */
	SEARCH_TOO_MANY, /* more than SEARCH_TERMS_MAX terms */
};

/* Parses q into out (term texts in a). A q with no terms (blank, or only quotes and stars)
 * gives nterms 0. Returns SEARCH_OK or the first reason q is refused. */
enum search_error search_query_parse(struct arena *a, const char *q, struct search_query *out);

struct tpl_section;
struct section_values;

/* The longest text of one section that is indexed, in bytes (cut at a character boundary):
 * keeps every entry's tsvector well below PostgreSQL's 1 MB limit. */
#define SEARCH_SECTION_TEXT_MAX 65536

/* What a save of section s with vals makes searchable: its text fields, then the text cells of
 * its tables row by row, one per line (arena). "" when there is none. */
const char *search_section_text(
    struct arena *a, const struct tpl_section *s, const struct section_values *vals);

/* A sentence for the client about err ("q is longer than 1000 bytes"). */
const char *search_error_text(enum search_error err);

#endif
