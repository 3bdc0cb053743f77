/* template_def.c — parse and validate a template definition into structs; see template_def.h.
 *
 * One pass over the document: every check that fails adds an error and parsing goes on with
 * the next member, so the designer sees all problems at once. Counts beyond a limit are
 * reported once and the surplus elements are not parsed (bounded work). */
#include "logbook/domain/template_def.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/auth/roles.h"
#include "logbook/domain/field_value.h"
#include "logbook/domain/naming.h"
#include "logbook/domain/pattern.h"
#include "logbook/domain/utf8.h"

struct parse {
	struct tpl_def   *def;
	struct arena     *a; /* the definition's arena */
	struct verr_list *errs;
};

static const char *const type_names[FIELD_TYPE_COUNT] = {
	[FIELD_TEXT] = "text",
	[FIELD_INTEGER] = "integer",
	[FIELD_DECIMAL] = "decimal",
	[FIELD_BOOLEAN] = "boolean",
	[FIELD_DATE] = "date",
	[FIELD_TIME] = "time",
	[FIELD_DATETIME] = "datetime",
	[FIELD_CHOICE] = "choice",
	[FIELD_MULTICHOICE] = "multichoice",
};

/* Which constraints each type takes; `default` applies to all. */
enum {
	TAKES_MIN_MAX = 1,
	TAKES_LENGTH = 2,
	TAKES_PATTERN = 4,
	TAKES_CHOICES = 8,
};

static const unsigned type_takes[FIELD_TYPE_COUNT] = {
	[FIELD_TEXT] = TAKES_LENGTH | TAKES_PATTERN,
	[FIELD_INTEGER] = TAKES_MIN_MAX,
	[FIELD_DECIMAL] = TAKES_MIN_MAX,
	[FIELD_BOOLEAN] = 0,
	[FIELD_DATE] = TAKES_MIN_MAX,
	[FIELD_TIME] = TAKES_MIN_MAX,
	[FIELD_DATETIME] = TAKES_MIN_MAX,
	[FIELD_CHOICE] = TAKES_CHOICES,
	[FIELD_MULTICHOICE] = TAKES_CHOICES,
};

static const char *const template_members[] = { "key", "title", "description", "sections",
	"workflow", NULL };
static const char *const section_members[] = { "key", "title", "fields", "tables",
	"review_sla_hours", NULL };
static const char *const table_members[] = { "key", "label", "min_rows", "max_rows", "columns",
	NULL };
static const char *const field_members[] = { "key", "label", "type", "required", "help", "min",
	"max", "min_length", "max_length", "pattern", "choices", "default", NULL };

static const struct {
	const char *name;
	unsigned    defaults;
} actions[TPL_ACTION_COUNT] = {
	[TPL_ACTION_SUBMIT] = { "submit", ROLE_AUTHOR },
	[TPL_ACTION_START_REVIEW] = { "start_review", ROLE_REVIEWER },
	[TPL_ACTION_APPROVE] = { "approve", ROLE_APPROVER },
	[TPL_ACTION_REJECT] = { "reject", ROLE_REVIEWER | ROLE_APPROVER },
	[TPL_ACTION_REOPEN] = { "reopen", ROLE_AUTHOR },
};

const char *
tpl_action_name(enum tpl_action a)
{
	return (unsigned)a < TPL_ACTION_COUNT ? actions[a].name : NULL;
}

int
tpl_action_from_name(const char *name)
{
	for (int a = 0; a < TPL_ACTION_COUNT; a++)
		if (strcmp(name, actions[a].name) == 0)
			return a;
	return -1;
}

unsigned
tpl_action_default_roles(enum tpl_action a)
{
	return (unsigned)a < TPL_ACTION_COUNT ? actions[a].defaults : 0;
}

const char *
field_type_name(enum field_type t)
{
	return (unsigned)t < FIELD_TYPE_COUNT ? type_names[t] : NULL;
}

int
field_type_from_name(const char *name)
{
	for (int t = 0; t < FIELD_TYPE_COUNT; t++)
		if (strcmp(name, type_names[t]) == 0)
			return t;
	return -1;
}

bool
tpl_key_valid(const char *s)
{
	size_t i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= TPL_KEY_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

/* The member's value, or NULL when it is absent or JSON null (both mean "not given"). */
static json_object *
member(json_object *obj, const char *name)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, name, &v) ? v : NULL;
}

static void
reject_unknown_members(
    struct parse *ps, json_object *obj, const struct vpath *p, const char *const *known)
{
	json_object_object_foreach(obj, name, value)
	{
		const char *const *k;

		(void)value;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, name) == 0)
				break;
		if (*k == NULL)
			verr_add(
			    ps->errs, VPATH_MEMBER(p, name), "unknown_member", "unknown member");
	}
}

static bool
expect_object(struct parse *ps, json_object *v, const struct vpath *p)
{
	if (json_object_is_type(v, json_type_object))
		return true;
	verr_add(ps->errs, p, "type", "must be an object");
	return false;
}

/* Reads an optional (or required) string member of at most max_cp code points into the
 * definition's arena. Returns false after reporting a problem; *out NULL when absent. */
static bool
read_string(struct parse *ps, json_object *obj, const char *name, const struct vpath *up,
    bool required, size_t max_cp, const char **out)
{
	const struct vpath *p = VPATH_MEMBER(up, name);
	json_object        *v = member(obj, name);
	const char         *s;
	size_t              len;

	*out = NULL;
	if (v == NULL) {
		if (required)
			verr_add(ps->errs, p, "required", "is required");
		return !required;
	}
	if (!json_object_is_type(v, json_type_string)) {
		verr_add(ps->errs, p, "type", "must be a string");
		return false;
	}
	if (json_string_clean(v, p, ps->errs, &s, &len) != 0)
		return false;
	if (utf8_count(s, len) > max_cp) {
		verr_add(ps->errs, p, "too_long", "must have at most %zu characters", max_cp);
		return false;
	}
	*out = arena_strndup(ps->a, s, len);
	return true;
}

/* Reads the required `key` member and checks the key rule. */
static bool
read_key(struct parse *ps, json_object *obj, const struct vpath *up, const char **out)
{
	if (!read_string(ps, obj, "key", up, true, SIZE_MAX, out)) /* any length: invalid_key */
		return false;
	if (!tpl_key_valid(*out)) {
		verr_add(ps->errs, VPATH_MEMBER(up, "key"), "invalid_key",
		    "must match ^[a-z][a-z0-9_]{0,39}$");
		*out = NULL;
		return false;
	}
	return true;
}

/* Reads an optional integer member in lo..hi. Returns 1 when read into *out, 0 when absent,
 * -1 after reporting a problem. */
static int
read_int(struct parse *ps, json_object *obj, const char *name, const struct vpath *up, int64_t lo,
    int64_t hi, int32_t *out)
{
	const struct vpath *p = VPATH_MEMBER(up, name);
	json_object        *v = member(obj, name);
	const char         *text;
	int64_t             n;
	struct verr_list    scratch;

	if (v == NULL)
		return 0;
	/* Reuse the integer reader for exactness; its int64-range messages are replaced by
	 * the tighter limits here, so read into a throwaway list. */
	verr_init(&scratch, ps->errs->arena);
	if (field_value_typed(FIELD_INTEGER, v, p, &scratch, &text, &n) != 0) {
		if (scratch.count == 0 || strcmp(scratch.items[0].code, "type") == 0) {
			verr_add(ps->errs, p, "type", "must be an integer");
			return -1;
		}
		n = strcmp(scratch.items[0].code, "min") == 0 ? INT64_MIN : INT64_MAX;
	}
	if (n < lo) {
		verr_add(ps->errs, p, "min", "must be >= %" PRId64, lo);
		return -1;
	}
	if (n > hi) {
		verr_add(ps->errs, p, "max", "must be <= %" PRId64, hi);
		return -1;
	}
	*out = (int32_t)n;
	return 1;
}

/* Reads an optional array member; *out NULL when absent. */
static bool
read_array(
    struct parse *ps, json_object *obj, const char *name, const struct vpath *up, json_object **out)
{
	*out = member(obj, name);
	if (*out == NULL || json_object_is_type(*out, json_type_array))
		return true;
	verr_add(ps->errs, VPATH_MEMBER(up, name), "type", "must be an array");
	*out = NULL;
	return false;
}

/* Reports a count above max once, at p; returns how many elements to parse. */
static size_t
bounded_count(
    struct parse *ps, json_object *arr, size_t max, const struct vpath *p, const char *what)
{
	size_t n = arr != NULL ? json_object_array_length(arr) : 0;

	if (n > max) {
		verr_add(ps->errs, p, "too_many", "must have at most %zu %s", max, what);
		return max;
	}
	return n;
}

static void
regex_release(void *re)
{
	pattern_free(re);
}

static void
read_bound(struct parse *ps, struct tpl_field *f, json_object *obj, const char *name,
    const struct vpath *up, struct field_bound *b)
{
	json_object *v = member(obj, name);
	const char  *text;

	if (v == NULL)
		return;
	if (field_value_typed(f->type, v, VPATH_MEMBER(up, name), ps->errs, &text, &b->ord) != 0)
		return;
	b->text = arena_strdup(ps->a, text);
	b->set = true;
}

static void
read_choices(struct parse *ps, struct tpl_field *f, json_object *obj, const struct vpath *up)
{
	const struct vpath *p = VPATH_MEMBER(up, "choices");
	json_object        *arr;
	const char        **choices;
	size_t              n, i, j, len;
	bool                ok = true;

	if (!read_array(ps, obj, "choices", up, &arr))
		return;
	if (arr == NULL) {
		verr_add(ps->errs, p, "required", "is required for type %s", type_names[f->type]);
		return;
	}
	if ((n = bounded_count(ps, arr, TPL_CHOICES_MAX, p, "choices")) == 0) {
		verr_add(ps->errs, p, "empty", "must have at least one choice");
		return;
	}
	choices = arena_zalloc(ps->a, n * sizeof(*choices));
	for (i = 0; i < n; i++) {
		const struct vpath *ep = VPATH_INDEX(p, i);
		json_object        *e = json_object_array_get_idx(arr, i);
		const char         *s;

		if (!json_object_is_type(e, json_type_string)) {
			verr_add(ps->errs, ep, "type", "must be a string");
			ok = false;
			continue;
		}
		if (json_string_clean(e, ep, ps->errs, &s, &len) != 0) {
			ok = false;
			continue;
		}
		if (len == 0) {
			verr_add(ps->errs, ep, "empty", "must not be empty");
			ok = false;
			continue;
		}
		if (utf8_count(s, len) > TPL_CHOICE_MAX) {
			verr_add(ps->errs, ep, "too_long", "must have at most %d characters",
			    TPL_CHOICE_MAX);
			ok = false;
			continue;
		}
		for (j = 0; j < i; j++)
			if (choices[j] != NULL && strcmp(choices[j], s) == 0)
				break;
		if (j < i) {
			verr_add(ps->errs, ep, "duplicate", "repeats choices[%zu]", j);
			ok = false;
			continue;
		}
		choices[i] = arena_strndup(ps->a, s, len);
	}
	if (ok) {
		f->choices = choices;
		f->nchoices = n;
	}
}

static void
read_pattern(struct parse *ps, struct tpl_field *f, json_object *obj, const struct vpath *up)
{
	const char     *why;
	struct pattern *re;
	char            buf[300];

	if (!read_string(ps, obj, "pattern", up, false, TPL_PATTERN_MAX, &f->pattern) ||
	    f->pattern == NULL)
		return;
	if ((why = pattern_compile(f->pattern, &re, buf, sizeof(buf))) != NULL) {
		verr_add(ps->errs, VPATH_MEMBER(up, "pattern"), "invalid_pattern", "%s", why);
		f->pattern = NULL;
		return;
	}
	f->regex = arena_own(ps->a, re, regex_release);
}

/* Reports each constraint member the type does not take; returns the members it may read. */
static unsigned
check_applicable(
    struct parse *ps, const struct tpl_field *f, json_object *obj, const struct vpath *up)
{
	static const struct {
		const char *name;
		unsigned    group;
	} constraints[] = {
		{ "min", TAKES_MIN_MAX },
		{ "max", TAKES_MIN_MAX },
		{ "min_length", TAKES_LENGTH },
		{ "max_length", TAKES_LENGTH },
		{ "pattern", TAKES_PATTERN },
		{ "choices", TAKES_CHOICES },
	};
	unsigned takes = type_takes[f->type];

	for (size_t i = 0; i < sizeof(constraints) / sizeof(constraints[0]); i++)
		if (!(takes & constraints[i].group) && member(obj, constraints[i].name) != NULL)
			verr_add(ps->errs, VPATH_MEMBER(up, constraints[i].name), "not_applicable",
			    "%s does not apply to type %s", constraints[i].name,
			    type_names[f->type]);
	return takes;
}

/* PostgreSQL's system column names: a column of that name cannot be created. */
static bool
reserved_column(const char *key)
{
	static const char *const names[] = { "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid",
		"oid", NULL };

	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(key, names[i]) == 0)
			return true;
	return false;
}

static void
parse_field(struct parse *ps, json_object *obj, const struct vpath *p, struct tpl_field *f)
{
	json_object *v;
	const char  *type_name;
	size_t       errors_before = ps->errs->count;
	unsigned     takes;
	int          t;

	f->min_length = f->max_length = -1;
	if (!expect_object(ps, obj, p))
		return;
	reject_unknown_members(ps, obj, p, field_members);
	if (read_key(ps, obj, p, &f->key) && reserved_column(f->key)) {
		verr_add(ps->errs, VPATH_MEMBER(p, "key"), "invalid_key",
		    "is a PostgreSQL system column name (" TPL_RESERVED_KEYS ")");
		f->key = NULL;
	}
	read_string(ps, obj, "label", p, false, TPL_TITLE_MAX, &f->label);
	read_string(ps, obj, "help", p, false, TPL_TEXT_MAX, &f->help);
	if ((v = member(obj, "required")) != NULL) {
		if (json_object_is_type(v, json_type_boolean))
			f->required = json_object_get_boolean(v);
		else
			verr_add(
			    ps->errs, VPATH_MEMBER(p, "required"), "type", "must be true or false");
	}
	if (!read_string(ps, obj, "type", p, true, 64, &type_name) || type_name == NULL)
		return;
	if ((t = field_type_from_name(type_name)) < 0) {
		verr_add(ps->errs, VPATH_MEMBER(p, "type"), "unknown_type",
		    "must be one of text, integer, decimal, boolean, date, time, datetime, "
		    "choice, multichoice");
		return; /* constraints cannot be judged without a type */
	}
	f->type = (enum field_type)t;
	takes = check_applicable(ps, f, obj, p);
	if (takes & TAKES_MIN_MAX) {
		read_bound(ps, f, obj, "min", p, &f->min);
		read_bound(ps, f, obj, "max", p, &f->max);
		if (f->min.set && f->max.set &&
		    field_value_cmp(f->type, f->min.text, f->min.ord, &f->max) > 0)
			verr_add(ps->errs, VPATH_MEMBER(p, "max"), "range", "must be >= min (%s)",
			    f->min.text);
	}
	if (takes & TAKES_LENGTH) {
		int32_t n;

		if (read_int(ps, obj, "min_length", p, 0, TPL_LENGTH_MAX, &n) == 1)
			f->min_length = n;
		if (read_int(ps, obj, "max_length", p, 0, TPL_LENGTH_MAX, &n) == 1)
			f->max_length = n;
		if (f->min_length >= 0 && f->max_length >= 0 && f->min_length > f->max_length)
			verr_add(ps->errs, VPATH_MEMBER(p, "max_length"), "range",
			    "must be >= min_length (%d)", (int)f->min_length);
	}
	if (takes & TAKES_PATTERN)
		read_pattern(ps, f, obj, p);
	if (takes & TAKES_CHOICES)
		read_choices(ps, f, obj, p);
	/* A default is judged against the field only when the field itself is sound; otherwise
	 * its errors would repeat the constraint's. */
	if ((v = member(obj, "default")) != NULL && ps->errs->count == errors_before) {
		const char *text;

		if (field_value_check(f, v, true, VPATH_MEMBER(p, "default"), ps->errs, &text) == 0)
			f->default_text = arena_strdup(ps->a, text);
	}
}

/* True when key is among keys[0..n) (NULL entries skipped), with its position in *first. */
static bool
key_seen(const char *const *keys, size_t n, const char *key, size_t *first)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i] != NULL && strcmp(keys[i], key) == 0) {
			*first = i;
			return true;
		}
	return false;
}

static void
parse_table(struct parse *ps, json_object *obj, const struct vpath *p, struct tpl_table *t)
{
	const struct vpath *cp = VPATH_MEMBER(p, "columns");
	json_object        *cols;
	const char        **keys;
	size_t              n, i, first;

	t->max_rows = TPL_ROWS_MAX;
	if (!expect_object(ps, obj, p))
		return;
	reject_unknown_members(ps, obj, p, table_members);
	read_key(ps, obj, p, &t->key);
	read_string(ps, obj, "label", p, false, TPL_TITLE_MAX, &t->label);
	read_int(ps, obj, "min_rows", p, 0, TPL_ROWS_MAX, &t->min_rows);
	read_int(ps, obj, "max_rows", p, 0, TPL_ROWS_MAX, &t->max_rows);
	if (t->min_rows > t->max_rows)
		verr_add(ps->errs, VPATH_MEMBER(p, "max_rows"), "range", "must be >= min_rows (%d)",
		    (int)t->min_rows);
	if (!read_array(ps, obj, "columns", p, &cols))
		return;
	if (cols == NULL) {
		verr_add(ps->errs, cp, "required", "is required");
		return;
	}
	if ((n = bounded_count(ps, cols, TPL_COLUMNS_MAX, cp, "columns")) == 0) {
		verr_add(ps->errs, cp, "empty", "must have at least one column");
		return;
	}
	t->columns = arena_zalloc(ps->a, n * sizeof(*t->columns));
	t->ncolumns = n;
	keys = arena_zalloc(ps->errs->arena, n * sizeof(*keys));
	for (i = 0; i < n; i++) {
		const struct vpath *ep = VPATH_INDEX(cp, i);

		parse_field(ps, json_object_array_get_idx(cols, i), ep, &t->columns[i]);
		if (t->columns[i].key == NULL)
			continue;
		if (key_seen(keys, i, t->columns[i].key, &first))
			verr_add(ps->errs, VPATH_MEMBER(ep, "key"), "duplicate",
			    "repeats the key of columns[%zu]", first);
		else
			keys[i] = t->columns[i].key;
	}
}

static void
parse_section(struct parse *ps, json_object *obj, const struct vpath *p, struct tpl_section *s)
{
	const struct vpath *fp = VPATH_MEMBER(p, "fields"), *tp = VPATH_MEMBER(p, "tables");
	json_object        *fields, *tables;
	const char        **keys;   /* fields then tables: one namespace */
	const char        **wheres; /* "fields" or "tables", for the duplicate message */
	size_t             *index;  /* position within fields or tables */
	size_t              nf, nt, i, first, n = 0;

	if (!expect_object(ps, obj, p))
		return;
	reject_unknown_members(ps, obj, p, section_members);
	read_key(ps, obj, p, &s->key);
	read_string(ps, obj, "title", p, false, TPL_TITLE_MAX, &s->title);
	read_int(ps, obj, "review_sla_hours", p, 1, TPL_SLA_HOURS_MAX, &s->review_sla_hours);
	read_array(ps, obj, "fields", p, &fields);
	read_array(ps, obj, "tables", p, &tables);
	nf = fields != NULL ? json_object_array_length(fields) : 0;
	nt = tables != NULL ? json_object_array_length(tables) : 0;
	if (nf + nt > TPL_ITEMS_MAX) {
		verr_add(ps->errs, p, "too_many", "must have at most %d fields and tables",
		    TPL_ITEMS_MAX);
		nf = nf > TPL_ITEMS_MAX ? TPL_ITEMS_MAX : nf;
		nt = TPL_ITEMS_MAX - nf;
	}
	keys = arena_zalloc(ps->errs->arena, (nf + nt + 1) * sizeof(*keys));
	wheres = arena_zalloc(ps->errs->arena, (nf + nt + 1) * sizeof(*wheres));
	index = arena_zalloc(ps->errs->arena, (nf + nt + 1) * sizeof(*index));
	s->fields = arena_zalloc(ps->a, (nf + 1) * sizeof(*s->fields));
	s->nfields = nf;
	for (i = 0; i < nf; i++) {
		const struct vpath *ep = VPATH_INDEX(fp, i);

		parse_field(ps, json_object_array_get_idx(fields, i), ep, &s->fields[i]);
		if (s->fields[i].key == NULL)
			continue;
		if (key_seen(keys, n, s->fields[i].key, &first))
			verr_add(ps->errs, VPATH_MEMBER(ep, "key"), "duplicate",
			    "repeats the key of fields[%zu]", index[first]);
		keys[n] = s->fields[i].key;
		index[n] = i;
		wheres[n++] = "fields";
	}
	s->tables = arena_zalloc(ps->a, (nt + 1) * sizeof(*s->tables));
	s->ntables = nt;
	for (i = 0; i < nt; i++) {
		const struct vpath *ep = VPATH_INDEX(tp, i);

		parse_table(ps, json_object_array_get_idx(tables, i), ep, &s->tables[i]);
		if (s->tables[i].key == NULL)
			continue;
		if (key_seen(keys, n, s->tables[i].key, &first))
			verr_add(ps->errs, VPATH_MEMBER(ep, "key"), "duplicate",
			    "repeats the key of %s[%zu]", wheres[first], index[first]);
		keys[n] = s->tables[i].key;
		index[n] = i;
		wheres[n++] = "tables";
	}
}

static void
parse_workflow(struct parse *ps, json_object *obj, const struct vpath *p)
{
	for (int a = 0; a < TPL_ACTION_COUNT; a++)
		ps->def->workflow[a] = actions[a].defaults;
	if (obj == NULL || !expect_object(ps, obj, p))
		return;
	json_object_object_foreach(obj, name, roles)
	{
		const struct vpath *ap = VPATH_MEMBER(p, name);
		int                 a = tpl_action_from_name(name);
		unsigned            set = 0, bit;
		size_t              n, i;

		if (a < 0) {
			verr_add(ps->errs, ap, "unknown_member",
			    "must be one of submit, start_review, approve, reject, reopen");
			continue;
		}
		if (!json_object_is_type(roles, json_type_array)) {
			verr_add(ps->errs, ap, "type", "must be an array of role names");
			continue;
		}
		n = bounded_count(ps, roles, ROLE_COUNT, ap, "roles");
		for (i = 0; i < n; i++) {
			const struct vpath *ep = VPATH_INDEX(ap, i);
			json_object        *e = json_object_array_get_idx(roles, i);
			const char         *rname;

			if (!json_object_is_type(e, json_type_string)) {
				verr_add(ps->errs, ep, "type", "must be a string");
				continue;
			}
			rname = json_object_get_string(e);
			/* The length check refuses "author\u0000x", which strcmp would take. */
			if ((bit = role_from_name(rname)) == 0 ||
			    (size_t)json_object_get_string_len(e) != strlen(rname)) {
				verr_add(ps->errs, ep, "unknown_role",
				    "must be one of admin, designer, author, reviewer, approver, "
				    "auditor");
				continue;
			}
			if (set & bit) {
				verr_add(ps->errs, ep, "duplicate", "lists %s twice", rname);
				continue;
			}
			set |= bit;
		}
		ps->def->workflow[a] = set;
	}
}

/* One physical table name and where its keys were read, for collision checks. */
struct table_name {
	const char *name;
	const char *section_key, *table_key; /* table_key NULL for the section table */
	size_t      section, table;          /* table == SIZE_MAX for the section table itself */
	size_t      order;                   /* position in the document, to report the later one */
};

/* Same keys give the same name: that is a `duplicate`, reported already. */
static bool
same_keys(const struct table_name *a, const struct table_name *b)
{
	if (strcmp(a->section_key, b->section_key) != 0)
		return false;
	if (a->table_key == NULL || b->table_key == NULL)
		return a->table_key == b->table_key;
	return strcmp(a->table_key, b->table_key) == 0;
}

static int
table_name_cmp(const void *x, const void *y)
{
	const struct table_name *a = x, *b = y;
	int                      c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

static char *
table_name_where(struct arena *a, const struct table_name *t)
{
	if (t->table == SIZE_MAX)
		return arena_printf(a, "sections[%zu]", t->section);
	return arena_printf(a, "sections[%zu].tables[%zu]", t->section, t->table);
}

/* Names the schema and every table, then reports names used twice. Sorting makes this
 * O(n log n) for the up to 50 + 50 * 200 tables a definition may have. */
static void
assign_physical_names(struct parse *ps)
{
	struct tpl_def    *def = ps->def;
	struct table_name *names;
	size_t             n = 0, i, j;

	if (def->key != NULL)
		def->phys_schema = naming_schema(ps->a, def->key);
	for (i = 0; i < def->nsections; i++)
		n += 1 + def->sections[i].ntables;
	names = arena_alloc(ps->errs->arena, (n + 1) * sizeof(*names));
	n = 0;
	for (i = 0; i < def->nsections; i++) {
		struct tpl_section *s = &def->sections[i];

		if (s->key == NULL)
			continue;
		s->phys_name = naming_section_table(ps->a, s->key);
		names[n] = (struct table_name){ s->phys_name, s->key, NULL, i, SIZE_MAX, n };
		n++;
		for (j = 0; j < s->ntables; j++) {
			struct tpl_table *t = &s->tables[j];

			if (t->key == NULL)
				continue;
			t->phys_name = naming_child_table(ps->a, s->key, t->key);
			names[n] = (struct table_name){ t->phys_name, s->key, t->key, i, j, n };
			n++;
		}
	}
	qsort(names, n, sizeof(*names), table_name_cmp);
	for (i = 1; i < n; i++) {
		const struct table_name *t = &names[i], *first = NULL;
		const struct vpath      *sp;

		/* Equal names sit together, in document order: find the earliest other user. */
		for (j = i; j-- > 0 && strcmp(names[j].name, t->name) == 0;)
			if (!same_keys(&names[j], t))
				first = &names[j];
		if (first == NULL)
			continue;
		sp = VPATH_INDEX(VPATH_MEMBER(NULL, "sections"), t->section);
		verr_add(ps->errs,
		    t->table == SIZE_MAX
			? VPATH_MEMBER(sp, "key")
			: VPATH_MEMBER(VPATH_INDEX(VPATH_MEMBER(sp, "tables"), t->table), "key"),
		    "collision", "table name %s is already used by %s", t->name,
		    table_name_where(ps->errs->arena, first));
	}
}

/* The limits of a version as a whole (template_def.h). */
static void
check_totals(struct parse *ps, json_object *doc)
{
	const struct tpl_def *def = ps->def;
	size_t                tables = 0, fields = 0, len = 0, i, j;

	for (i = 0; i < def->nsections; i++) {
		tables += 1 + def->sections[i].ntables;
		fields += def->sections[i].nfields;
		for (j = 0; j < def->sections[i].ntables; j++)
			fields += def->sections[i].tables[j].ncolumns;
	}
	if (tables > TPL_TABLES_MAX)
		verr_add(ps->errs, VPATH_MEMBER(NULL, "sections"), "too_many",
		    "sections and their tables make %zu database tables; at most %d", tables,
		    TPL_TABLES_MAX);
	if (fields > TPL_FIELDS_MAX)
		verr_add(ps->errs, VPATH_MEMBER(NULL, "sections"), "too_many",
		    "the template has %zu fields and table columns; at most %d", fields,
		    TPL_FIELDS_MAX);
	if (json_object_is_type(doc, json_type_object))
		(void)json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);
	if (len > TPL_DEFINITION_MAX)
		verr_add(ps->errs, NULL, "too_large",
		    "the definition has %zu bytes as compact JSON; at most %d", len,
		    TPL_DEFINITION_MAX);
}

struct tpl_def *
tpl_def_parse(json_object *doc, struct verr_list *errs)
{
	const struct vpath *sp = VPATH_MEMBER(NULL, "sections");
	struct tpl_def     *def;
	struct parse        ps;
	json_object        *sections;
	const char        **keys;
	size_t              n, i, first, errors_before = errs->count;

	if ((def = calloc(1, sizeof(*def))) == NULL)
		abort(); /* the arena policy: out-of-memory ends the worker */
	arena_init(&def->arena);
	ps.def = def;
	ps.a = &def->arena;
	ps.errs = errs;
	if (!expect_object(&ps, doc, NULL))
		goto fail;
	reject_unknown_members(&ps, doc, NULL, template_members);
	read_key(&ps, doc, NULL, &def->key);
	read_string(&ps, doc, "title", NULL, false, TPL_TITLE_MAX, &def->title);
	read_string(&ps, doc, "description", NULL, false, TPL_TEXT_MAX, &def->description);
	parse_workflow(&ps, member(doc, "workflow"), VPATH_MEMBER(NULL, "workflow"));
	if (read_array(&ps, doc, "sections", NULL, &sections) && sections == NULL)
		verr_add(errs, sp, "required", "is required");
	n = bounded_count(&ps, sections, TPL_SECTIONS_MAX, sp, "sections");
	def->sections = arena_zalloc(ps.a, (n + 1) * sizeof(*def->sections));
	def->nsections = n;
	keys = arena_zalloc(errs->arena, (n + 1) * sizeof(*keys));
	for (i = 0; i < n; i++) {
		const struct vpath *ep = VPATH_INDEX(sp, i);

		parse_section(&ps, json_object_array_get_idx(sections, i), ep, &def->sections[i]);
		if (def->sections[i].key == NULL)
			continue;
		if (key_seen(keys, i, def->sections[i].key, &first))
			verr_add(errs, VPATH_MEMBER(ep, "key"), "duplicate",
			    "repeats the key of sections[%zu]", first);
		else
			keys[i] = def->sections[i].key;
	}
	check_totals(&ps, doc);
	assign_physical_names(&ps);
	if (errs->count != errors_before || errs->truncated)
		goto fail;
	return def;
fail:
	tpl_def_free(def);
	return NULL;
}

void
tpl_def_free(struct tpl_def *def)
{
	if (def == NULL)
		return;
	arena_destroy(&def->arena);
	free(def);
}

const struct tpl_section *
tpl_def_section(const struct tpl_def *def, const char *key)
{
	for (size_t i = 0; i < def->nsections; i++)
		if (strcmp(def->sections[i].key, key) == 0)
			return &def->sections[i];
	return NULL;
}

const struct tpl_field *
tpl_section_field(const struct tpl_section *s, const char *key)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			return &s->fields[i];
	return NULL;
}

const struct tpl_table *
tpl_section_table(const struct tpl_section *s, const char *key)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].key, key) == 0)
			return &s->tables[i];
	return NULL;
}

const struct tpl_field *
tpl_table_column(const struct tpl_table *t, const char *key)
{
	for (size_t i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i].key, key) == 0)
			return &t->columns[i];
	return NULL;
}
