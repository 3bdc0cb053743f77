/* phys_schema.h — the PostgreSQL shape a template's published versions have produced
 * (tables, typed columns, NOT NULL, DEFAULT, CHECK constraints), as the schema planner sees
 * it. Internal to schema_plan.c; exported for its tests.
 *
 * The shape after publishing versions v1..vn is a fold: start empty and apply each version.
 * Applying a definition creates the tables and columns it names and sets each column's
 * type, nullability, default and checks from its field. Columns and tables it no longer
 * names are kept (data is never dropped): such a column becomes nullable, loses its
 * default (new rows leave it NULL) and keeps its checks (they hold for old rows and NULL). */
#ifndef LOGBOOK_DOMAIN_PHYS_SCHEMA_H
#define LOGBOOK_DOMAIN_PHYS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logbook/domain/template_def.h"

struct arena;

enum col_type {
	COL_TEXT,
	COL_BIGINT,
	COL_NUMERIC,
	COL_BOOLEAN,
	COL_DATE,
	COL_TIME,
	COL_TIMESTAMPTZ,
	COL_TEXT_ARRAY,
	COL_TYPE_COUNT
};

enum check_kind {
	CHECK_MIN,
	CHECK_MAX,
	CHECK_MIN_LENGTH,
	CHECK_MAX_LENGTH,
	CHECK_CHOICES,
	CHECK_KIND_COUNT
};

struct phys_check {
	bool               set;
	struct field_bound bound;   /* min/max: the field's bound; lengths: text and ord */
	const char *const *choices; /* choices */
	size_t             nchoices;
};

struct phys_column {
	const char       *name;
	enum field_type   ftype; /* the last field type given; the SQL type follows */
	bool              not_null;
	const char       *default_text; /* normalized, NULL for none */
	struct phys_check checks[CHECK_KIND_COUNT];
	bool              live;        /* named by the last applied definition */
	size_t            field_index; /* its position there, when live */
};

struct phys_table {
	const char         *name;
	const char         *section_key;
	const char         *table_key;     /* NULL for a section table */
	size_t              section_index; /* position in the last definition that named it */
	size_t              table_index;   /* SIZE_MAX for a section table */
	struct phys_column *columns;
	size_t              ncolumns;
};

struct phys_schema {
	const char        *name; /* NULL while nothing is published */
	struct phys_table *tables;
	size_t             ntables;
};

/* SQL type of a column type ("text", "bigint", ..., "text[]"). */
const char   *col_type_sql(enum col_type t);
enum col_type col_type_of(enum field_type t);
/* "min", "max", "min_length", "max_length", "choices". */
const char *check_kind_name(enum check_kind k);

/* *out = prev with def applied (see above). prev is not changed; out's arrays are new in a
 * and its strings point into def and prev, which must outlive out. */
void phys_schema_apply(struct arena *a, const struct phys_schema *prev, const struct tpl_def *def,
    struct phys_schema *out);

/* Lookups by physical name; NULL when absent. */
const struct phys_table  *phys_schema_table(const struct phys_schema *s, const char *name);
const struct phys_column *phys_table_column(const struct phys_table *t, const char *name);

#endif
