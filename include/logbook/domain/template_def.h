/* template_def.h — the template definition model: parse and validate a definition document
 * (API.md "Templates") into structs, reporting every problem in one pass.
 *
 * Ownership: a struct tpl_def owns one arena holding every string and array below and the
 * compiled patterns; tpl_def_free() releases all of it. Nothing in it points into the JSON
 * document, so a parsed definition may be cached after the document is gone.
 *
 * Members: an unknown member anywhere is an error (typos are caught). A member whose value is
 * JSON null counts as absent. Required members: template key and sections; section key;
 * field key and type; table key and columns. Everything else is optional: `required` false,
 * min_rows 0, max_rows TPL_ROWS_MAX, workflow actions the API.md defaults.
 *
 * Definition error codes (verr.code):
 *   required        a required member is missing
 *   type            a member has the wrong JSON type (or a bound is not of the field's type)
 *   unknown_member  a member this model does not know
 *   invalid_key     a key that does not match ^[a-z][a-z0-9_]{0,39}$, or a field or column
 *                   key that is a system column name (TPL_RESERVED_KEYS)
 *   unknown_type    a field type outside text, integer, decimal, boolean, date, time,
 *                   datetime, choice, multichoice
 *   not_applicable  a constraint the field type does not take (pattern on integer, ...)
 *   range           min > max, min_length > max_length, min_rows > max_rows
 *   min, max        a number below/above its allowed limit (negative length, sla 0, ...)
 *   empty           an empty choices array, choice string or columns array
 *   too_many        more sections/items/columns/choices/tables/fields than the limits
 *                   below (at publish also across versions)
 *   too_large       a definition of more than TPL_DEFINITION_MAX bytes
 *   too_long        a string longer than its limit (counted in code points)
 *   duplicate       a key or choice or role used twice where it must be unique
 *   invalid_pattern a pattern that is not POSIX ERE as pattern.h reads it: unbalanced
 *                   parentheses, back-references, non-POSIX escapes or classes, repetition
 *                   too large
 *   invalid_utf8    a string that is not well-formed UTF-8
 *   format          a string containing U+0000, or a date/time bound not in its format
 *   unknown_role    a workflow role outside admin, designer, author, reviewer, approver,
 *                   auditor
 *   collision       two sections/tables whose PostgreSQL table names come out the same
 *                   (naming.h), reported at the later one's `key`; at publish also against
 *                   the tables of earlier versions
 *   plus, under `...default`, the value codes of field_value.h for an invalid default. */
#ifndef LOGBOOK_DOMAIN_TEMPLATE_DEF_H
#define LOGBOOK_DOMAIN_TEMPLATE_DEF_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logbook/core/arena.h"
#include "logbook/domain/verr.h"

/* Limits. Counts are of array elements; lengths are in Unicode code points. */
#define TPL_KEY_MAX      40    /* ^[a-z][a-z0-9_]{0,39}$ */
#define TPL_SECTIONS_MAX 50    /* sections per template */
#define TPL_ITEMS_MAX    200   /* fields + tables per section */
#define TPL_COLUMNS_MAX  100   /* columns per table */
#define TPL_TITLE_MAX    200   /* template/section title, field/table label */
#define TPL_TEXT_MAX     2000  /* template description, field help */
#define TPL_PATTERN_MAX  500   /* pattern */
#define TPL_CHOICES_MAX  500   /* choices per field */
#define TPL_CHOICE_MAX   200   /* one choice */
#define TPL_ROWS_MAX     10000 /* min_rows/max_rows lie in 0..TPL_ROWS_MAX */
#define TPL_LENGTH_MAX \
	100000                      /* min_length/max_length lie in 0..TPL_LENGTH_MAX; also the
				     * longest text value accepted when max_length is absent */
#define TPL_SLA_HOURS_MAX      8760 /* review_sla_hours lies in 1..TPL_SLA_HOURS_MAX */
#define TPL_PATTERN_WEIGHT_MAX 1000 /* pattern atoms after expanding {m,n} bounds */

/* Limits of one version as a whole, so that whatever a designer builds, the server's cost
 * stays bounded (one entry read is one statement over every table of the version; each
 * worker keeps the version's statements; PostgreSQL allows 1,600 columns per table and
 * 1,664 entries in a select list):
 *   TPL_TABLES_MAX      PostgreSQL tables one version names: its sections plus their tables
 *   TPL_FIELDS_MAX      fields plus table columns of one version
 *   TPL_DEFINITION_MAX  bytes of the definition as compact JSON
 * Limits across versions, checked at publish against every version published before
 * (schema_plan.h), since removed fields and tables keep their columns and tables:
 *   TPL_SCHEMA_TABLES_MAX  tables in the template's schema, removed ones included
 *   TPL_PHYS_COLUMNS_MAX   columns of one table, removed fields' and the 2 system columns
 *                          (_entry_id, _revision / _row_no) included
 *   and a table name belongs to one section or table for the template's life: section `a`
 *   with table `b__c` (table a__b__c) and a later section `a__b__c` is a `collision`.
 * Field and column keys may not be PostgreSQL's system column names (TPL_RESERVED_KEYS):
 * `invalid_key`. */
#define TPL_TABLES_MAX        200
#define TPL_FIELDS_MAX        2000
#define TPL_DEFINITION_MAX    1048576
#define TPL_SCHEMA_TABLES_MAX 400
#define TPL_PHYS_COLUMNS_MAX  1000
#define TPL_RESERVED_KEYS     "tableoid, xmin, cmin, xmax, cmax, ctid, oid"

/* Workflow actions a template grants to roles (API.md). */
enum tpl_action {
	TPL_ACTION_SUBMIT,
	TPL_ACTION_START_REVIEW,
	TPL_ACTION_APPROVE,
	TPL_ACTION_REJECT,
	TPL_ACTION_REOPEN,
	TPL_ACTION_COUNT
};

enum field_type {
	FIELD_TEXT,
	FIELD_INTEGER,
	FIELD_DECIMAL,
	FIELD_BOOLEAN,
	FIELD_DATE,
	FIELD_TIME,
	FIELD_DATETIME,
	FIELD_CHOICE,
	FIELD_MULTICHOICE,
	FIELD_TYPE_COUNT
};

/* A min or max bound, already normalized (see field_value.h for the normal forms). */
struct field_bound {
	bool        set;
	const char *text; /* normalized text; what CHECK constraints and messages show */
	int64_t     ord;  /* integer: the value; date/time/datetime: the ordinal of
			   * datetime_text.h; decimal: unused (compare text with decimal_cmp) */
};

struct pattern;

struct tpl_field {
	const char        *key;
	const char        *label; /* NULL when absent; never reaches SQL */
	const char        *help;  /* NULL when absent */
	enum field_type    type;
	bool               required;
	struct field_bound min, max;   /* integer, decimal, date, time, datetime */
	int32_t            min_length; /* text; -1 when absent */
	int32_t            max_length; /* text; -1 when absent */
	const char        *pattern;    /* text; as written, NULL when absent */
	struct pattern    *regex;      /* pattern compiled (pattern.h); NULL when absent */
	const char *const *choices;    /* choice, multichoice; in definition order */
	size_t             nchoices;
	const char        *default_text; /* normalized default as sent to PostgreSQL (a text[]
					  * literal for multichoice); NULL when none */
};

struct tpl_table {
	const char       *key;
	const char       *label;
	int32_t           min_rows;
	int32_t           max_rows;
	struct tpl_field *columns;
	size_t            ncolumns;
	const char       *phys_name; /* child table <section>__<table> (naming.h) */
};

struct tpl_section {
	const char       *key;
	const char       *title;
	struct tpl_field *fields;
	size_t            nfields;
	struct tpl_table *tables;
	size_t            ntables;
	int32_t           review_sla_hours; /* 0 when absent */
	const char       *phys_name;        /* section table (naming.h) */
};

struct tpl_def {
	struct arena        arena; /* owns everything reachable from here */
	const char         *key;
	const char         *title;       /* NULL when absent */
	const char         *description; /* NULL when absent */
	struct tpl_section *sections;
	size_t              nsections;
	unsigned            workflow[TPL_ACTION_COUNT]; /* role bits (logbook/roles.h) allowed
							 * per action; API.md defaults for
							 * actions the document omits */
	const char         *phys_schema;                /* tpl_<key> (naming.h) */
};

/* Parses and validates doc. On success returns a new definition (release with
 * tpl_def_free()) and adds nothing to errs. When anything is wrong returns NULL and appends
 * every problem found to errs (paths relative to the document, e.g.
 * `sections[1].fields[0].max`); errs->arena holds the messages. Aborts only on
 * out-of-memory (arena policy). */
struct tpl_def *tpl_def_parse(json_object *doc, struct verr_list *errs);

/* Releases def and everything it owns (compiled patterns included). NULL is a no-op. */
void tpl_def_free(struct tpl_def *def);

/* True when s matches ^[a-z][a-z0-9_]{0,39}$ (also for keys taken from URLs). */
bool tpl_key_valid(const char *s);

/* Lookups by key; NULL when there is none. */
const struct tpl_section *tpl_def_section(const struct tpl_def *def, const char *key);
const struct tpl_field   *tpl_section_field(const struct tpl_section *s, const char *key);
const struct tpl_table   *tpl_section_table(const struct tpl_section *s, const char *key);
const struct tpl_field   *tpl_table_column(const struct tpl_table *t, const char *key);

/* "submit", "start_review", "approve", "reject", "reopen"; NULL when out of range. */
const char *tpl_action_name(enum tpl_action a);
/* The enum for an action name, or -1. */
int tpl_action_from_name(const char *name);
/* The API.md default roles (bits) of an action: submit author; start_review reviewer;
 * approve approver; reject reviewer and approver; reopen author. */
unsigned tpl_action_default_roles(enum tpl_action a);

/* "text", "integer", ...; NULL when out of range. */
const char *field_type_name(enum field_type t);
/* The enum for a type name, or -1. */
int field_type_from_name(const char *name);

#endif
