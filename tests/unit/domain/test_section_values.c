/* test_domain_section_values.c — a section save body: data fields, table rows, unknown keys,
 * row counts, the paths of every error and the text parameters of a valid save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/section_values.h"

static struct arena              arena;
static struct verr_list          errs;
static struct tpl_def           *def;
static const struct tpl_section *sec;

/* Test JSON uses ' for ". */
static json_object *
J(const char *text)
{
	enum json_tokener_error err;
	char                   *s = strdup(text), *p;
	json_object            *o;

	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	o = json_number_parse(s, strlen(s), 64, 0, &err);
	if (o == NULL)
		fail_msg("bad test JSON (%s): %s", json_tokener_error_desc(err), s);
	free(s);
	return o;
}

static int
setup(void **state)
{
	json_object *doc;

	(void)state;
	arena_init(&arena);
	verr_init(&errs, &arena);
	doc = J(
	    "{'key':'t','sections':[{'key':'shift','fields':["
	    "{'key':'temperature','type':'decimal','required':true,'max':120},"
	    "{'key':'operator','type':'text'},"
	    "{'key':'shift_type','type':'choice','choices':['day','night'],'default':'day'}],"
	    "'tables':[{'key':'readings','min_rows':1,'max_rows':3,'columns':["
	    "{'key':'at','type':'time','required':true},{'key':'value','type':'integer','min':0}]},"
	    "{'key':'notes','columns':[{'key':'text','type':'text'}]}]}]}");
	def = tpl_def_parse(doc, &errs);
	json_object_put(doc);
	assert_non_null(def);
	sec = &def->sections[0];
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tpl_def_free(def);
	arena_destroy(&arena);
	return 0;
}

static int
run(const char *body_json, struct section_values *out)
{
	json_object *body = J(body_json);
	int          rc;

	errs.count = 0;
	rc = section_values_check(sec, body, &errs, out);
	json_object_put(body);
	return rc;
}

static bool
has_error(const char *path, const char *code)
{
	for (size_t i = 0; i < errs.count; i++)
		if (strcmp(errs.items[i].path, path) == 0 && strcmp(errs.items[i].code, code) == 0)
			return true;
	return false;
}

static void
dump_errors(void)
{
	for (size_t i = 0; i < errs.count; i++)
		print_message(
		    "  %s %s: %s\n", errs.items[i].path, errs.items[i].code, errs.items[i].message);
}

static void
test_valid_save(void **state)
{
	struct section_values v;

	(void)state;
	if (run("{'data':{'temperature':'21.50','operator':null},"
		"'tables':{'readings':[{'at':'06:00','value':3},{'at':'07:00:30'}]}}",
		&v) != 0) {
		dump_errors();
		fail();
	}
	assert_string_equal(v.fields[0], "21.50");
	assert_null(v.fields[1]);
	assert_string_equal(v.fields[2], "day"); /* absent: the default */
	assert_int_equal(v.tables[0].nrows, 2);
	assert_string_equal(v.tables[0].cells[0], "06:00:00");
	assert_string_equal(v.tables[0].cells[1], "3");
	assert_string_equal(v.tables[0].cells[2], "07:00:30");
	assert_null(v.tables[0].cells[3]);
	assert_int_equal(v.tables[1].nrows, 0); /* absent table: no rows */
	assert_int_equal(errs.count, 0);
}

static void
test_every_error_with_its_path(void **state)
{
	struct section_values v;

	(void)state;
	assert_int_equal(
	    run("{'data':{'temperature':121,'shift_type':'noon','extra':1,'a b':2},"
		"'tables':{'readings':[{'at':'25:00','value':-1,'colour':'red'},7,{}],'photos':[]},"
		"'comment':'x'}",
		&v),
	    -1);
	if (errs.count != 11)
		dump_errors();
	assert_true(has_error("comment", "unknown_member"));
	assert_true(has_error("data.temperature", "max"));
	assert_true(has_error("data.shift_type", "choice"));
	assert_true(has_error("data.extra", "unknown_member"));
	assert_true(has_error("data[\"a b\"]", "unknown_member"));
	assert_true(has_error("tables.readings[0].at", "format"));
	assert_true(has_error("tables.readings[0].value", "min"));
	assert_true(has_error("tables.readings[0].colour", "unknown_member"));
	assert_true(has_error("tables.readings[1]", "type"));
	assert_true(has_error("tables.readings[2].at", "required"));
	assert_true(has_error("tables.photos", "unknown_member"));
	assert_int_equal(errs.count, 11);
}

static void
test_shapes_and_counts(void **state)
{
	struct section_values v;

	(void)state;
	/* Missing data and tables: required fields and min_rows still report. */
	assert_int_equal(run("{}", &v), -1);
	assert_true(has_error("data.temperature", "required"));
	assert_true(has_error("tables.readings", "min_rows"));
	assert_int_equal(errs.count, 2);

	assert_int_equal(run("{'data':null,'tables':null}", &v), -1);
	assert_int_equal(errs.count, 2);

	assert_int_equal(run("{'data':[],'tables':{'readings':[{'at':'01:00'}]}}", &v), -1);
	assert_true(has_error("data", "type"));
	assert_int_equal(errs.count, 1);

	assert_int_equal(run("{'data':{'temperature':1},'tables':[]}", &v), -1);
	assert_true(has_error("tables", "type"));

	assert_int_equal(run("{'data':{'temperature':1},'tables':{'readings':{}}}", &v), -1);
	assert_true(has_error("tables.readings", "type"));

	assert_int_equal(run("{'data':{'temperature':1},'tables':{'readings':"
			     "[{'at':'01:00'},{'at':'02:00'},{'at':'03:00'},{'at':'04:00'}]}}",
			     &v),
	    -1);
	assert_true(has_error("tables.readings", "max_rows"));
	assert_string_equal(errs.items[0].message, "must have at most 3 rows");
	assert_int_equal(errs.count, 1);

	assert_int_equal(run("[]", &v), -1);
	assert_true(has_error("", "type"));

	/* System column names are not keys: rejected like any unknown member. */
	assert_int_equal(run("{'data':{'temperature':1,'_entry_id':'x'},'tables':{'readings':"
			     "[{'at':'01:00','_row_no':5}]}}",
			     &v),
	    -1);
	assert_true(has_error("data._entry_id", "unknown_member"));
	assert_true(has_error("tables.readings[0]._row_no", "unknown_member"));
}

static void
test_many_rows(void **state)
{
	struct table_values tv;
	json_object        *rows, *data;
	struct tpl_table    big = sec->tables[1]; /* notes: one optional text column */
	const char        **cells;

	(void)state;
	big.max_rows = TPL_ROWS_MAX;
	rows = json_object_new_array();
	for (int i = 0; i < TPL_ROWS_MAX; i++) {
		json_object *row = json_object_new_object();

		json_object_object_add(row, "text", json_object_new_string("n"));
		json_object_array_add(rows, row);
	}
	errs.count = 0;
	assert_int_equal(table_rows_check(&big, rows, VPATH_MEMBER(NULL, "t"), &errs, &tv), 0);
	assert_int_equal(tv.nrows, TPL_ROWS_MAX);
	assert_string_equal(tv.cells[TPL_ROWS_MAX - 1], "n");
	json_object_array_add(rows, json_object_new_object());
	assert_int_equal(table_rows_check(&big, rows, VPATH_MEMBER(NULL, "t"), &errs, &tv), -1);
	assert_true(has_error("t", "max_rows"));
	assert_int_equal(tv.nrows, 0);
	json_object_put(rows);

	/* section_data_check on its own, under a caller's path. */
	data = J("{'temperature':'x'}");
	cells = arena_zalloc(&arena, sec->nfields * sizeof(*cells));
	errs.count = 0;
	assert_int_equal(section_data_check(sec, data, VPATH_MEMBER(NULL, "d"), &errs, cells), -1);
	assert_true(has_error("d.temperature", "format"));
	assert_int_equal(errs.count, 1);
	json_object_put(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_with_its_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shapes_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
