/* test_domain_schema_plan.c — the publish planner: the operations for each kind of change,
 * their SQL and conflict queries, refused type changes, and quoting ownership. The quoting
 * callbacks here stand in for PQescapeIdentifier/PQescapeLiteral. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/schema_plan.h"

static struct arena       arena;
static struct verr_list   errs;
static struct tpl_def    *defs[16];
static size_t             ndefs;
static struct schema_plan plan;
static int                outstanding; /* quoted strings handed out and not yet released */
static int                fail_after;  /* quote calls before one fails; -1 never */

static char *
quote_with(const char *s, char q)
{
	char *out = malloc(2 * strlen(s) + 3), *o = out;

	*o++ = q;
	for (; *s != '\0'; s++) {
		if (*s == q)
			*o++ = q;
		*o++ = *s;
	}
	*o++ = q;
	*o = '\0';
	outstanding++;
	return out;
}

static char *
fake_ident(void *ctx, const char *s)
{
	(void)ctx;
	if (fail_after >= 0 && fail_after-- == 0)
		return NULL;
	return quote_with(s, '"');
}

static char *
fake_literal(void *ctx, const char *s)
{
	(void)ctx;
	if (fail_after >= 0 && fail_after-- == 0)
		return NULL;
	return quote_with(s, '\'');
}

static void
fake_release(void *ctx, char *s)
{
	(void)ctx;
	outstanding--;
	free(s);
}

static const struct sql_quoter quoter = { fake_ident, fake_literal, fake_release, NULL };

static int
setup(void **state)
{
	(void)state;
	arena_init(&arena);
	verr_init(&errs, &arena);
	ndefs = 0;
	outstanding = 0;
	fail_after = -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ndefs; i++)
		tpl_def_free(defs[i]);
	arena_destroy(&arena);
	return 0;
}

/* Parses a version (' for ") and keeps it; versions are published in the order given. */
static void
version(const char *text)
{
	enum json_tokener_error jerr;
	char                   *s = strdup(text), *p;
	json_object            *doc;

	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	doc = json_number_parse(s, strlen(s), 64, 0, &jerr);
	free(s);
	assert_non_null(doc);
	assert_true(ndefs < sizeof(defs) / sizeof(defs[0]));
	defs[ndefs] = tpl_def_parse(doc, &errs);
	json_object_put(doc);
	if (defs[ndefs] == NULL)
		fail_msg("definition rejected: %s %s", errs.items[0].path, errs.items[0].message);
	ndefs++;
}

/* Plans the last version on top of all earlier ones. */
static int
plan_last(void)
{
	int rc;

	errs.count = 0;
	rc = schema_plan_build((const struct tpl_def *const *)defs, ndefs - 1, defs[ndefs - 1],
	    &quoter, &arena, &errs, &plan);
	assert_int_equal(outstanding, 0); /* every quoted string was released */
	return rc;
}

static void
dump_plan(void)
{
	for (size_t i = 0; i < plan.nops; i++)
		print_message("%zu %s | %s | %s | %s\n", i, plan_op_kind_name(plan.ops[i].kind),
		    plan.ops[i].description, plan.ops[i].sql,
		    plan.ops[i].conflict_sql ? plan.ops[i].conflict_sql : "-");
}

/* Expects the plan's kinds to be exactly those listed (NULL-terminated). */
static void
expect_kinds(const char *first, ...)
{
	va_list     ap;
	const char *k;
	size_t      i = 0;

	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, const char *), i++) {
		if (i >= plan.nops || strcmp(plan_op_kind_name(plan.ops[i].kind), k) != 0) {
			dump_plan();
			fail_msg("operation %zu: expected %s", i, k);
		}
	}
	va_end(ap);
	if (i != plan.nops) {
		dump_plan();
		fail_msg("expected %zu operations, got %zu", i, plan.nops);
	}
}

#define CONFLICT_HEAD \
	"SELECT count(*), (array_agg(DISTINCT \"_entry_id\" ORDER BY \"_entry_id\"))[1:5] FROM "

/* A one-section template whose fields are given. */
static void
fields_version(const char *fields)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{'key':'t','sections':[{'key':'s','fields':[%s]}]}", fields);
	version(buf);
}

static void
test_first_publish(void **state)
{
	(void)state;
	version("{'key':'shift_log','sections':[{'key':'shift','fields':["
		"{'key':'temperature','type':'decimal','required':true,'min':-40,'max':'120.5'},"
		"{'key':'note','type':'text','max_length':200,'default':'none'},"
		"{'key':'tags','type':'multichoice','choices':['a','b']}],"
		"'tables':[{'key':'readings','columns':[{'key':'at','type':'time','required':true},"
		"{'key':'level','type':'choice','choices':['lo','hi']}]}]}]}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("create_schema", "create_table", "create_table", NULL);
	assert_string_equal(plan.ops[0].sql, "CREATE SCHEMA \"tpl_shift_log\"");
	assert_string_equal(
	    plan.ops[0].description, "create schema tpl_shift_log for template shift_log");
	assert_string_equal(plan.ops[1].sql,
	    "CREATE TABLE \"tpl_shift_log\".\"shift\" ("
	    "\"_entry_id\" uuid PRIMARY KEY REFERENCES \"public\".\"entries\" (\"id\"), "
	    "\"_revision\" integer NOT NULL, "
	    "\"temperature\" numeric NOT NULL, "
	    "\"note\" text DEFAULT 'none'::text, "
	    "\"tags\" text[], "
	    "CONSTRAINT \"temperature__min\" CHECK (\"temperature\" >= '-40'::numeric), "
	    "CONSTRAINT \"temperature__max\" CHECK (\"temperature\" <= '120.5'::numeric), "
	    "CONSTRAINT \"note__max_length\" CHECK (char_length(\"note\") <= '200'::integer), "
	    "CONSTRAINT \"tags__choices\" CHECK (\"tags\" <@ ARRAY['a', 'b']::text[]))");
	assert_string_equal(plan.ops[1].description, "create table shift for section shift");
	assert_string_equal(plan.ops[2].sql,
	    "CREATE TABLE \"tpl_shift_log\".\"shift__readings\" ("
	    "\"_entry_id\" uuid NOT NULL REFERENCES \"tpl_shift_log\".\"shift\" (\"_entry_id\") ON DELETE CASCADE, "
	    "\"_row_no\" integer NOT NULL, "
	    "\"at\" time NOT NULL, "
	    "\"level\" text, "
	    "PRIMARY KEY (\"_entry_id\", \"_row_no\"), "
	    "CONSTRAINT \"level__choices\" CHECK (\"level\" IN ('lo', 'hi')))");
	assert_string_equal(plan.ops[2].description,
	    "create table shift__readings for table readings of section shift");
	assert_string_equal(plan.ops[2].table, "shift__readings");
	for (size_t i = 0; i < plan.nops; i++)
		assert_null(plan.ops[i].conflict_sql);
}

static void
test_new_optional_field(void **state)
{
	(void)state;
	fields_version("{'key':'a','type':'text'}");
	fields_version(
	    "{'key':'a','type':'text'},{'key':'temperature','type':'decimal','max':120}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("add_column", "add_check", NULL);
	assert_string_equal(
	    plan.ops[0].sql, "ALTER TABLE \"tpl_t\".\"s\" ADD COLUMN \"temperature\" numeric");
	assert_string_equal(plan.ops[0].description, "add column temperature numeric to section s");
	assert_null(plan.ops[0].conflict_sql);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ADD CONSTRAINT \"temperature__max\" "
	    "CHECK (\"temperature\" <= '120'::numeric)");
	assert_null(plan.ops[1].conflict_sql); /* a new column holds only NULLs */
	assert_string_equal(plan.ops[1].column, "temperature");
}

static void
test_new_required_field(void **state)
{
	(void)state;
	fields_version("{'key':'a','type':'text'}");
	fields_version("{'key':'a','type':'text'},{'key':'n','type':'integer','required':true}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("add_column", NULL);
	assert_string_equal(
	    plan.ops[0].sql, "ALTER TABLE \"tpl_t\".\"s\" ADD COLUMN \"n\" bigint NOT NULL");
	/* Every existing row violates it: the query counts them all. */
	assert_string_equal(plan.ops[0].conflict_sql, CONFLICT_HEAD "\"tpl_t\".\"s\"");

	/* With a default, existing rows take it: no conflict. */
	fields_version(
	    "{'key':'a','type':'text'},{'key':'m','type':'integer','required':true,'default':0}");
	assert_int_equal(plan_last(), 0);
	/* (the plan is against v1 and v2 folded: n becomes nullable, m is added) */
	expect_kinds("drop_not_null", "add_column", NULL);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ADD COLUMN \"m\" bigint NOT NULL DEFAULT '0'::bigint");
	assert_null(plan.ops[1].conflict_sql);
}

static void
test_widening_type_change(void **state)
{
	(void)state;
	fields_version("{'key':'c','type':'integer','min':0}");
	fields_version("{'key':'c','type':'text'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "alter_type", NULL);
	assert_string_equal(
	    plan.ops[0].sql, "ALTER TABLE \"tpl_t\".\"s\" DROP CONSTRAINT \"c__min\"");
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"c\" TYPE text USING \"c\"::text");
	assert_string_equal(
	    plan.ops[1].description, "change column c of section s from bigint to text");
	assert_null(plan.ops[1].conflict_sql);

	fields_version("{'key':'c','type':'choice','choices':['x']}"); /* text -> choice: a check */
	assert_int_equal(plan_last(), 0);
	expect_kinds("add_check", NULL);
	assert_string_equal(plan.ops[0].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE (\"c\" IN ('x')) IS FALSE");

	fields_version(
	    "{'key':'c','type':'multichoice','choices':['x','y']}"); /* choice -> multichoice */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "alter_type", "add_check", NULL);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"c\" TYPE text[] "
	    "USING CASE WHEN \"c\" IS NULL THEN NULL ELSE ARRAY[\"c\"] END");
	assert_null(plan.ops[1].conflict_sql);
	assert_string_equal(plan.ops[2].conflict_sql,
	    CONFLICT_HEAD
	    "\"tpl_t\".\"s\" WHERE "
	    "(CASE WHEN \"c\" IS NULL THEN NULL ELSE ARRAY[\"c\"] END <@ ARRAY['x', 'y']::text[]) IS FALSE");
}

static void
test_integer_to_decimal_and_back(void **state)
{
	(void)state;
	fields_version("{'key':'c','type':'integer'}");
	fields_version("{'key':'c','type':'decimal'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("alter_type", NULL);
	assert_string_equal(plan.ops[0].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"c\" TYPE numeric USING \"c\"::numeric");
	assert_null(plan.ops[0].conflict_sql);
	fields_version("{'key':'c','type':'integer','max':10}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("alter_type", "add_check", NULL);
	assert_string_equal(plan.ops[0].conflict_sql,
	    CONFLICT_HEAD
	    "\"tpl_t\".\"s\" WHERE \"c\" IS NOT NULL AND "
	    "(\"c\" <> trunc(\"c\") OR \"c\" NOT BETWEEN '-9223372036854775808'::numeric AND '9223372036854775807'::numeric)");
	/* The check is judged on the converted value, NULL where the conversion fails. */
	assert_string_equal(plan.ops[1].conflict_sql,
	    CONFLICT_HEAD
	    "\"tpl_t\".\"s\" WHERE (CASE WHEN NOT "
	    "(\"c\" <> trunc(\"c\") OR \"c\" NOT BETWEEN '-9223372036854775808'::numeric AND '9223372036854775807'::numeric) "
	    "THEN \"c\"::bigint END <= '10'::bigint) IS FALSE");
}

static void
test_text_to_integer(void **state)
{
	(void)state;
	fields_version("{'key':'c','type':'text','max_length':20}");
	fields_version("{'key':'c','type':'integer'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "alter_type", NULL);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"c\" TYPE bigint USING \"c\"::bigint");
	assert_non_null(plan.ops[1].conflict_sql);
	assert_non_null(strstr(plan.ops[1].conflict_sql, "\"c\" !~ '^-?[0-9]+$'"));
	assert_string_equal(plan.ops[1].conflict_sql,
	    CONFLICT_HEAD
	    "\"tpl_t\".\"s\" WHERE \"c\" IS NOT NULL AND "
	    "(\"c\" !~ '^-?[0-9]+$' OR CASE WHEN \"c\" ~ '^-?[0-9]+$' THEN \"c\"::numeric NOT BETWEEN "
	    "'-9223372036854775808'::numeric AND '9223372036854775807'::numeric END)");

	fields_version("{'key':'c','type':'text'}");
	fields_version("{'key':'c','type':'decimal'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("alter_type", NULL);
	assert_string_equal(plan.ops[0].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE \"c\" IS NOT NULL AND "
			  "(\"c\" !~ '^-?[0-9]{1,38}(\\.[0-9]{1,18})?$')");
}

static void
test_choices(void **state)
{
	(void)state;
	fields_version("{'key':'c','type':'choice','choices':['a','b']}");
	fields_version("{'key':'c','type':'choice','choices':['a']}"); /* removed b */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "add_check", NULL);
	assert_string_equal(
	    plan.ops[0].sql, "ALTER TABLE \"tpl_t\".\"s\" DROP CONSTRAINT \"c__choices\"");
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ADD CONSTRAINT \"c__choices\" CHECK (\"c\" IN ('a'))");
	assert_string_equal(plan.ops[1].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE (\"c\" IN ('a')) IS FALSE");

	fields_version(
	    "{'key':'c','type':'choice','choices':['b','a','it\\'s']}"); /* added: relaxed */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "add_check", NULL);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ADD CONSTRAINT \"c__choices\" CHECK (\"c\" IN ('b', 'a', 'it\"s'))");
	assert_null(plan.ops[1].conflict_sql);

	fields_version("{'key':'c','type':'choice','choices':['a','it\\'s','b']}"); /* same set */
	assert_int_equal(plan_last(), 0);
	expect_kinds(NULL);
}

static void
test_bounds(void **state)
{
	(void)state;
	fields_version("{'key':'c','type':'decimal','min':0,'max':100}");
	fields_version(
	    "{'key':'c','type':'decimal','min':'0.0','max':50}"); /* same min, tighter max */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "add_check", NULL);
	assert_string_equal(plan.ops[1].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE (\"c\" <= '50'::numeric) IS FALSE");
	fields_version("{'key':'c','type':'decimal','min':-1,'max':50}"); /* relaxed min */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "add_check", NULL);
	assert_string_equal(plan.ops[1].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ADD CONSTRAINT \"c__min\" CHECK (\"c\" >= '-1'::numeric)");
	assert_null(plan.ops[1].conflict_sql);
	fields_version("{'key':'c','type':'decimal','min':-1}"); /* max removed */
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", NULL);

	fields_version(
	    "{'key':'d','type':'date','max':'2026-12-31'},{'key':'x','type':'text','min_length':2}");
	fields_version(
	    "{'key':'d','type':'date','max':'2026-06-30'},{'key':'x','type':'text','min_length':3}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_check", "add_check", "drop_check", "add_check", NULL);
	assert_string_equal(plan.ops[1].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE (\"d\" <= '2026-06-30'::date) IS FALSE");
	assert_string_equal(plan.ops[3].conflict_sql,
	    CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE (char_length(\"x\") >= '3'::integer) IS FALSE");
}

static void
test_removed_and_readded_field(void **state)
{
	(void)state;
	fields_version(
	    "{'key':'a','type':'text'},{'key':'gone','type':'integer','required':true,'max':9}");
	fields_version("{'key':'a','type':'text'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_not_null", NULL); /* the column and its check stay */
	assert_string_equal(
	    plan.ops[0].sql, "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"gone\" DROP NOT NULL");
	assert_string_equal(
	    plan.ops[0].description, "make column gone of section s nullable (no longer required)");
	assert_null(plan.ops[0].conflict_sql);

	/* v3 adds it back: the kept column is reused, no ADD COLUMN. */
	fields_version(
	    "{'key':'a','type':'text'},{'key':'gone','type':'integer','required':true,'max':9}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("set_not_null", NULL);
	assert_string_equal(
	    plan.ops[0].conflict_sql, CONFLICT_HEAD "\"tpl_t\".\"s\" WHERE \"gone\" IS NULL");

	/* A removed field with a default loses the default too. */
	fields_version("{'key':'a','type':'text','default':'x'}");
	fields_version("{'key':'b','type':'text'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_default", "add_column", NULL);
}

static void
test_defaults(void **state)
{
	(void)state;
	fields_version("{'key':'a','type':'integer','default':1}");
	fields_version("{'key':'a','type':'integer','default':2}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("set_default", NULL);
	assert_string_equal(plan.ops[0].sql,
	    "ALTER TABLE \"tpl_t\".\"s\" ALTER COLUMN \"a\" SET DEFAULT '2'::bigint");
	fields_version("{'key':'a','type':'integer'}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("drop_default", NULL);
	fields_version("{'key':'a','type':'text','default':'7'}"); /* type change with a default */
	assert_int_equal(plan_last(), 0);
	expect_kinds("alter_type", "set_default", NULL);
}

static void
test_new_section_and_table(void **state)
{
	(void)state;
	version("{'key':'t','sections':[{'key':'s','fields':[{'key':'a','type':'text'}]}]}");
	version("{'key':'t','sections':[{'key':'s','fields':[{'key':'a','type':'text'}],"
		"'tables':[{'key':'r','columns':[{'key':'x','type':'boolean'}]}]},"
		"{'key':'u','fields':[{'key':'b','type':'date'}]}]}");
	assert_int_equal(plan_last(), 0);
	expect_kinds("create_table", "create_table", NULL);
	assert_string_equal(plan.ops[0].table, "s__r");
	assert_string_equal(plan.ops[1].table, "u");
	/* Removing a section leaves its table alone; republishing the same is a no-op. */
	version("{'key':'t','sections':[{'key':'u','fields':[{'key':'b','type':'date'}]}]}");
	assert_int_equal(plan_last(), 0);
	expect_kinds(NULL);
	version("{'key':'t','sections':[{'key':'u','fields':[{'key':'b','type':'date'}]}]}");
	assert_int_equal(plan_last(), 0);
	expect_kinds(NULL);
}

static void
test_refused_type_change(void **state)
{
	(void)state;
	version(
	    "{'key':'t','sections':[{'key':'s','fields':[{'key':'a','type':'text'}],"
	    "'tables':[{'key':'r','columns':[{'key':'x','type':'text'},{'key':'d','type':'date'}]}]}]}");
	version(
	    "{'key':'t','sections':[{'key':'s','fields':[{'key':'a','type':'boolean'}],"
	    "'tables':[{'key':'r','columns':[{'key':'x','type':'text'},{'key':'d','type':'time'}]}]}]}");
	assert_int_equal(plan_last(), -1);
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.items[0].path, "sections[0].fields[0].type");
	assert_string_equal(errs.items[0].code, "type_change");
	assert_string_equal(errs.items[0].message,
	    "cannot change column a from text to boolean with data kept; use a new key");
	assert_string_equal(errs.items[1].path, "sections[0].tables[0].columns[1].type");
	assert_int_equal(plan.nops, 0);
}

static void
test_labels_never_reach_sql(void **state)
{
	/* Written for version(): \\' becomes \" in the JSON, so the label holds a quote. */
	static const char *const hostile = "x\\'); DROP TABLE users; --";
	char                     doc[4096];
	size_t                   i;

	(void)state;
	snprintf(doc, sizeof(doc),
	    "{'key':'t','title':'%s','description':'%s','sections':[{'key':'s',"
	    "'title':'%s','fields':[{'key':'a','type':'text','label':'%s','help':'%s'}],"
	    "'tables':[{'key':'r','label':'%s','columns':[{'key':'c','type':'integer','label':'%s'}]}]}]}",
	    hostile, hostile, hostile, hostile, hostile, hostile, hostile);
	version(doc);
	assert_non_null(strstr(defs[0]->sections[0].fields[0].label, "DROP TABLE"));
	snprintf(doc, sizeof(doc),
	    "{'key':'t','sections':[{'key':'s','title':'%s',"
	    "'fields':[{'key':'a','type':'text','label':'%s','required':true},"
	    "{'key':'b','type':'choice','choices':['k'],'label':'%s','required':true}]}]}",
	    hostile, hostile, hostile);
	version(doc);
	errs.count = 0;
	assert_int_equal(schema_plan_build(NULL, 0, defs[0], &quoter, &arena, &errs, &plan), 0);
	assert_int_equal(plan.nops, 3);
	for (i = 0; i < plan.nops; i++) {
		assert_null(strstr(plan.ops[i].sql, "DROP TABLE"));
		assert_null(strstr(plan.ops[i].description, "DROP TABLE"));
	}
	assert_int_equal(plan_last(), 0);
	assert_true(plan.nops >= 3);
	for (i = 0; i < plan.nops; i++) {
		assert_null(strstr(plan.ops[i].sql, "DROP TABLE"));
		assert_null(strstr(plan.ops[i].description, "DROP TABLE"));
		if (plan.ops[i].conflict_sql != NULL)
			assert_null(strstr(plan.ops[i].conflict_sql, "DROP TABLE"));
	}
}

static void
test_quote_failure(void **state)
{
	(void)state;
	fields_version(
	    "{'key':'a','type':'text','max_length':3},{'key':'b','type':'choice','choices':['x']}");
	for (int n = 0; n < 12; n++) {
		fail_after = n;
		assert_int_equal(plan_last(), -2);
	}
	fail_after = -1;
	assert_int_equal(plan_last(), 0);
}

static void
test_operations_json(void **state)
{
	json_object *ops, *op;

	(void)state;
	fields_version("{'key':'a','type':'text'}");
	fields_version("{'key':'a','type':'text'},{'key':'b','type':'integer','required':true}");
	assert_int_equal(plan_last(), 0);
	ops = schema_plan_operations_json(&plan);
	assert_int_equal(json_object_array_length(ops), 1);
	op = json_object_array_get_idx(ops, 0);
	assert_string_equal(
	    json_object_get_string(json_object_object_get(op, "kind")), "add_column");
	assert_string_equal(json_object_get_string(json_object_object_get(op, "description")),
	    "add column b bigint to section s");
	assert_true(json_object_get_boolean(json_object_object_get(op, "checks_existing_rows")));
	assert_non_null(json_object_object_get(op, "sql"));
	json_object_put(ops);
}

/* Names and limits across versions (template_def.h): a 422 before any DDL, not a 500 at it. */
static void
test_history_collision(void **state)
{
	(void)state;
	/* section a with table b__c makes a__b__c; a later section a__b__c would share it */
	version(
	    "{'key':'t','sections':[{'key':'a','tables':[{'key':'b__c','columns':[{'key':'v','type':'text'}]}]}]}");
	version("{'key':'t','sections':[{'key':'a__b__c','fields':[{'key':'v','type':'text'}]}]}");
	assert_int_equal(plan_last(), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, "sections[0].key");
	assert_string_equal(errs.items[0].code, "collision");
}

static void
test_history_collision_reverse(void **state)
{
	(void)state;
	version("{'key':'t','sections':[{'key':'a__b__c','fields':[{'key':'v','type':'text'}]}]}");
	version(
	    "{'key':'t','sections':[{'key':'a','tables':[{'key':'b__c','columns':[{'key':'v','type':'text'}]}]}]}");
	assert_int_equal(plan_last(), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, "sections[0].tables[0].key");
	assert_string_equal(errs.items[0].code, "collision");
}

/* 200 new fields per version, the old ones removed (their columns stay): the fifth version
 * would make 1,002 columns. */
static void
test_history_columns(void **state)
{
	static char doc[1 << 16];
	int         v, i;
	size_t      n;

	(void)state;
	for (v = 1; v <= 5; v++) {
		n = (size_t)snprintf(
		    doc, sizeof(doc), "{'key':'t','sections':[{'key':'s','fields':[");
		for (i = 0; i < 200; i++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			    "%s{'key':'v%d_%d','type':'integer'}", i ? "," : "", v, i);
		snprintf(doc + n, sizeof(doc) - n, "]}]}");
		version(doc);
		if (v < 5)
			assert_int_equal(plan_last(), 0);
	}
	assert_int_equal(plan_last(), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, "sections[0].key");
	assert_string_equal(errs.items[0].code, "too_many");
	assert_non_null(strstr(errs.items[0].message, "1002 columns"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_optional_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_required_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_widening_type_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integer_to_decimal_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_to_integer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_and_readded_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_section_and_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_type_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels_never_reach_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operations_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_collision_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_columns, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
