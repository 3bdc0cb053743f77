/* test_domain_naming.c — physical names: the 63-byte shortening, determinism, and the
 * collisions a definition must not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/core/arena.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/naming.h"
#include "logbook/domain/template_def.h"

static struct arena arena;

static int
setup(void **state)
{
	(void)state;
	arena_init(&arena);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_destroy(&arena);
	return 0;
}

static void
test_fnv1a32(void **state)
{
	(void)state;
	/* Reference vectors of FNV-1a 32. */
	assert_int_equal(naming_fnv1a32(""), 0x811c9dc5u);
	assert_int_equal(naming_fnv1a32("a"), 0xe40c292cu);
	assert_int_equal(naming_fnv1a32("foobar"), 0xbf9cf968u);
}

static void
test_shortening(void **state)
{
	char        name[100];
	const char *a, *b;

	(void)state;
	memset(name, 'x', 63);
	name[63] = '\0';
	assert_string_equal(naming_fit(&arena, name), name); /* 63 bytes fit */
	name[63] = 'y';
	name[64] = '\0';
	a = naming_fit(&arena, name);
	assert_int_equal(strlen(a), 63);
	assert_memory_equal(a, name, 54);
	assert_int_equal(a[54], '_');
	{
		char want[64];

		snprintf(want, sizeof(want), "%.54s_%08x", name, (unsigned)naming_fnv1a32(name));
		assert_string_equal(a, want);
	}
	assert_string_equal(naming_fit(&arena, name), a); /* deterministic */
	name[63] = 'z';
	b = naming_fit(&arena, name);
	assert_int_equal(strlen(b), 63);
	assert_memory_equal(a, b, 55);
	assert_string_not_equal(a, b); /* same prefix, different hash */

	assert_string_equal(naming_schema(&arena, "shift_log"), "tpl_shift_log");
	assert_string_equal(naming_section_table(&arena, "user"), "user");
	assert_string_equal(naming_child_table(&arena, "shift", "readings"), "shift__readings");
	assert_string_equal(naming_check(&arena, "temperature", "max"), "temperature__max");
	/* The longest keys: 40 + 2 + 40 = 82 bytes, shortened. */
	a = naming_child_table(&arena, "ssssssssssssssssssssssssssssssssssssssss",
	    "tttttttttttttttttttttttttttttttttttttttt");
	assert_int_equal(strlen(a), 63);
	assert_memory_equal(a, "ssssssssssssssssssssssssssssssssssssssss__tttttttttttt_", 55);
	/* The longest schema and CHECK names fit without shortening. */
	assert_int_equal(
	    strlen(naming_schema(&arena, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")), 44);
	assert_int_equal(
	    strlen(naming_check(&arena, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "max_length")),
	    52);
}

/* Parses a definition (' for ") into def, or NULL with errs filled. */
static struct tpl_def *
parse(const char *text, struct verr_list *errs)
{
	enum json_tokener_error jerr;
	char                   *s = strdup(text), *p;
	json_object            *doc;
	struct tpl_def         *def;

	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	doc = json_number_parse(s, strlen(s), 64, 0, &jerr);
	free(s);
	assert_non_null(doc);
	verr_init(errs, &arena);
	def = tpl_def_parse(doc, errs);
	json_object_put(doc);
	return def;
}

static void
test_definition_names(void **state)
{
	struct verr_list errs;
	struct tpl_def  *def;

	(void)state;
	def = parse("{'key':'select','sections':[{'key':'user','tables':[{'key':'order','columns':"
		    "[{'key':'from','type':'text'}]}]}]}",
	    &errs);
	assert_non_null(def);
	assert_string_equal(def->phys_schema, "tpl_select");
	assert_string_equal(def->sections[0].phys_name, "user");
	assert_string_equal(def->sections[0].tables[0].phys_name, "user__order");
	tpl_def_free(def);

	/* Two long table keys that share the first 54 bytes of their names stay distinct. */
	def = parse(
	    "{'key':'t','sections':[{'key':'ssssssssssssssssssssssssssssssssssssssss','tables':["
	    "{'key':'tttttttttttttttttttttttttttttttttttttttt','columns':[{'key':'c','type':'text'}]},"
	    "{'key':'tttttttttttttttttttttttttttttttttttttttu','columns':[{'key':'c','type':'text'}]}]}]}",
	    &errs);
	assert_non_null(def);
	assert_int_equal(strlen(def->sections[0].tables[0].phys_name), 63);
	assert_string_not_equal(
	    def->sections[0].tables[0].phys_name, def->sections[0].tables[1].phys_name);
	tpl_def_free(def);
}

static void
test_collisions(void **state)
{
	struct verr_list errs;

	(void)state;
	/* Section a__b + table c  vs  section a + table b__c: both a__b__c. */
	assert_null(
	    parse("{'key':'t','sections':["
		  "{'key':'a__b','tables':[{'key':'c','columns':[{'key':'x','type':'text'}]}]},"
		  "{'key':'a','tables':[{'key':'b__c','columns':[{'key':'x','type':'text'}]}]}]}",
		&errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, "sections[1].tables[0].key");
	assert_string_equal(errs.items[0].code, "collision");
	assert_string_equal(
	    errs.items[0].message, "table name a__b__c is already used by sections[0].tables[0]");

	/* A section table against a child table: section x__y vs section x + table y. */
	assert_null(
	    parse("{'key':'t','sections':["
		  "{'key':'x','tables':[{'key':'y','columns':[{'key':'c','type':'text'}]}]},"
		  "{'key':'x__y'}]}",
		&errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].path, "sections[1].key");
	assert_string_equal(errs.items[0].code, "collision");

	/* A duplicate key is a duplicate, not also a collision. */
	assert_null(
	    parse("{'key':'t','sections':["
		  "{'key':'s','tables':[{'key':'r','columns':[{'key':'c','type':'text'}]}]},"
		  "{'key':'s','tables':[{'key':'r','columns':[{'key':'c','type':'text'}]}]}]}",
		&errs));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].code, "duplicate");

	/* Collisions are reported along with other errors, in the same pass. */
	assert_null(parse(
	    "{'key':'t','sections':["
	    "{'key':'a__b','title':7,'tables':[{'key':'c','columns':[{'key':'x','type':'text'}]}]},"
	    "{'key':'a','tables':[{'key':'b__c','columns':[{'key':'x','type':'text'}]}]}]}",
	    &errs));
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.items[0].path, "sections[0].title");
	assert_string_equal(errs.items[1].code, "collision");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fnv1a32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shortening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_definition_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collisions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
