/* phys_schema.c — fold published definitions into the PostgreSQL shape; see phys_schema.h. */
#include "logbook/domain/phys_schema.h"

#include <string.h>

#include "logbook/core/arena.h"

static const char *const col_type_names[COL_TYPE_COUNT] = {
	[COL_TEXT] = "text",
	[COL_BIGINT] = "bigint",
	[COL_NUMERIC] = "numeric",
	[COL_BOOLEAN] = "boolean",
	[COL_DATE] = "date",
	[COL_TIME] = "time",
	[COL_TIMESTAMPTZ] = "timestamptz",
	[COL_TEXT_ARRAY] = "text[]",
};

static const enum col_type type_of_field[FIELD_TYPE_COUNT] = {
	[FIELD_TEXT] = COL_TEXT,
	[FIELD_INTEGER] = COL_BIGINT,
	[FIELD_DECIMAL] = COL_NUMERIC,
	[FIELD_BOOLEAN] = COL_BOOLEAN,
	[FIELD_DATE] = COL_DATE,
	[FIELD_TIME] = COL_TIME,
	[FIELD_DATETIME] = COL_TIMESTAMPTZ,
	[FIELD_CHOICE] = COL_TEXT,
	[FIELD_MULTICHOICE] = COL_TEXT_ARRAY,
};

static const char *const check_kind_names[CHECK_KIND_COUNT] = {
	[CHECK_MIN] = "min",
	[CHECK_MAX] = "max",
	[CHECK_MIN_LENGTH] = "min_length",
	[CHECK_MAX_LENGTH] = "max_length",
	[CHECK_CHOICES] = "choices",
};

const char *
col_type_sql(enum col_type t)
{
	return (unsigned)t < COL_TYPE_COUNT ? col_type_names[t] : NULL;
}

enum col_type
col_type_of(enum field_type t)
{
	return (unsigned)t < FIELD_TYPE_COUNT ? type_of_field[t] : COL_TEXT;
}

const char *
check_kind_name(enum check_kind k)
{
	return (unsigned)k < CHECK_KIND_COUNT ? check_kind_names[k] : NULL;
}

const struct phys_table *
phys_schema_table(const struct phys_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

const struct phys_column *
phys_table_column(const struct phys_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

static void
length_check(struct phys_check *c, int32_t n, struct arena *a)
{
	if (n < 0)
		return;
	c->set = true;
	c->bound.set = true;
	c->bound.ord = n;
	c->bound.text = arena_printf(a, "%d", (int)n);
}

/* The column a field asks for. */
static void
column_from_field(struct arena *a, const struct tpl_field *f, size_t index, struct phys_column *c)
{
	memset(c, 0, sizeof(*c));
	c->name = f->key;
	c->ftype = f->type;
	c->not_null = f->required;
	c->default_text = f->default_text;
	c->live = true;
	c->field_index = index;
	if (f->min.set) {
		c->checks[CHECK_MIN].set = true;
		c->checks[CHECK_MIN].bound = f->min;
	}
	if (f->max.set) {
		c->checks[CHECK_MAX].set = true;
		c->checks[CHECK_MAX].bound = f->max;
	}
	length_check(&c->checks[CHECK_MIN_LENGTH], f->min_length, a);
	length_check(&c->checks[CHECK_MAX_LENGTH], f->max_length, a);
	if (f->nchoices > 0) {
		c->checks[CHECK_CHOICES].set = true;
		c->checks[CHECK_CHOICES].choices = f->choices;
		c->checks[CHECK_CHOICES].nchoices = f->nchoices;
	}
}

/* Applies one section or table (fields[0..n)) to the table named name in out. */
static void
apply_table(struct arena *a, struct phys_schema *out, const char *name, const struct tpl_section *s,
    size_t section_index, const struct tpl_table *t, size_t table_index,
    const struct tpl_field *fields, size_t n)
{
	struct phys_table  *tab = (struct phys_table *)phys_schema_table(out, name);
	struct phys_column *cols;
	size_t              ncols = 0, i, j;

	if (tab == NULL) {
		tab = &out->tables[out->ntables++];
		memset(tab, 0, sizeof(*tab));
		tab->name = name;
	}
	tab->section_key = s->key;
	tab->table_key = t != NULL ? t->key : NULL;
	tab->section_index = section_index;
	tab->table_index = table_index;
	/* Existing columns first, all retired until a field names them again. */
	cols = arena_zalloc(a, (tab->ncolumns + n + 1) * sizeof(*cols));
	for (i = 0; i < tab->ncolumns; i++) {
		cols[ncols] = tab->columns[i];
		cols[ncols].live = false;
		cols[ncols].not_null = false;
		cols[ncols].default_text = NULL;
		ncols++;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncols; j++)
			if (strcmp(cols[j].name, fields[i].key) == 0)
				break;
		if (j == ncols)
			ncols++;
		column_from_field(a, &fields[i], i, &cols[j]);
	}
	tab->columns = cols;
	tab->ncolumns = ncols;
}

void
phys_schema_apply(struct arena *a, const struct phys_schema *prev, const struct tpl_def *def,
    struct phys_schema *out)
{
	size_t cap = prev->ntables, i, j;

	for (i = 0; i < def->nsections; i++)
		cap += 1 + def->sections[i].ntables;
	out->name = def->phys_schema;
	out->tables = arena_zalloc(a, (cap + 1) * sizeof(*out->tables));
	out->ntables = prev->ntables;
	if (prev->ntables > 0)
		memcpy(out->tables, prev->tables, prev->ntables * sizeof(*out->tables));
	for (i = 0; i < def->nsections; i++) {
		const struct tpl_section *s = &def->sections[i];

		apply_table(a, out, s->phys_name, s, i, NULL, SIZE_MAX, s->fields, s->nfields);
		for (j = 0; j < s->ntables; j++)
			apply_table(a, out, s->tables[j].phys_name, s, i, &s->tables[j], j,
			    s->tables[j].columns, s->tables[j].ncolumns);
	}
}
