/* test_domain_template_def.c — definition parsing: the model it builds, and every definition
 * error with its path, all reported in one pass. Test JSON is written with ' for " (see J). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logbook/auth/roles.h"
#include "logbook/core/arena.h"
#include "logbook/domain/json_number.h"
#include "logbook/domain/template_def.h"

static struct arena     arena;
static struct verr_list errs;
static struct tpl_def  *def;

static int
setup(void **state)
{
	(void)state;
	arena_init(&arena);
	verr_init(&errs, &arena);
	def = NULL;
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

/* Parses text with every ' turned into " (so tests read as JSON without escapes). */
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

static struct tpl_def *
parse_doc(json_object *doc)
{
	tpl_def_free(def);
	errs.count = 0;
	errs.truncated = false;
	def = tpl_def_parse(doc, &errs);
	json_object_put(doc);
	return def;
}

static void
dump_errors(void)
{
	for (size_t i = 0; i < errs.count; i++)
		print_message(
		    "  %s %s: %s\n", errs.items[i].path, errs.items[i].code, errs.items[i].message);
}

static void
expect_valid(const char *text)
{
	if (parse_doc(J(text)) == NULL) {
		dump_errors();
		fail_msg("rejected: %s", text);
	}
}

/* True when errs holds {path, code}. */
static bool
has_error(const char *path, const char *code)
{
	for (size_t i = 0; i < errs.count; i++)
		if (strcmp(errs.items[i].path, path) == 0 && strcmp(errs.items[i].code, code) == 0)
			return true;
	return false;
}

/* Expects the document to fail with exactly one error {path, code}. */
static void
expect_error(const char *text, const char *path, const char *code)
{
	if (parse_doc(J(text)) != NULL)
		fail_msg("accepted: %s", text);
	if (errs.count != 1 || !has_error(path, code)) {
		dump_errors();
		fail_msg("expected only %s %s for %s", path, code, text);
	}
}

/* A template with one section whose fields array is `fields`. */
static char *
with_fields(const char *fields)
{
	static char buf[1 << 20];

	snprintf(buf, sizeof(buf), "{'key':'t','sections':[{'key':'s','fields':[%s]}]}", fields);
	return buf;
}

static void
test_valid_model(void **state)
{
	const struct tpl_section *s;
	const struct tpl_field   *f;
	const struct tpl_table   *t;

	(void)state;
	expect_valid(
	    "{'key':'shift_log','title':'Shift log','description':'One per shift',"
	    "'sections':[{'key':'shift','title':'Shift','review_sla_hours':24,'fields':["
	    "{'key':'temperature','label':'Temp','type':'decimal','required':true,'min':'-40',"
	    "'max':120.5,'help':'°C'},"
	    "{'key':'count','type':'integer','min':0,'max':10,'default':3},"
	    "{'key':'ok','type':'boolean','default':false},"
	    "{'key':'day','type':'date','min':'2020-01-01'},"
	    "{'key':'at','type':'time','max':'18:00'},"
	    "{'key':'ts','type':'datetime','min':'2020-01-01T00:00:00+02:00'},"
	    "{'key':'note','type':'text','min_length':1,'max_length':500,'pattern':'[a-z ]+'},"
	    "{'key':'level','type':'choice','choices':['low','high'],'default':'low'},"
	    "{'key':'tags','type':'multichoice','choices':['a','b'],'default':['b','a']}],"
	    "'tables':[{'key':'readings','label':'Readings','min_rows':1,'max_rows':24,"
	    "'columns':[{'key':'at','type':'time','required':true},{'key':'value','type':'decimal'}]}]},"
	    "{'key':'handover','fields':[],'tables':[]}],"
	    "'workflow':{'approve':['approver','admin'],'reopen':[]}}");
	assert_string_equal(def->key, "shift_log");
	assert_string_equal(def->title, "Shift log");
	assert_int_equal(def->nsections, 2);
	s = &def->sections[0];
	assert_string_equal(s->key, "shift");
	assert_int_equal(s->review_sla_hours, 24);
	assert_int_equal(s->nfields, 9);
	assert_int_equal(s->ntables, 1);
	f = tpl_section_field(s, "temperature");
	assert_int_equal(f->type, FIELD_DECIMAL);
	assert_true(f->required);
	assert_string_equal(f->min.text, "-40");
	assert_string_equal(f->max.text, "120.5");
	assert_string_equal(f->label, "Temp");
	assert_null(f->default_text);
	f = tpl_section_field(s, "count");
	assert_true(f->min.set && f->min.ord == 0 && f->max.ord == 10);
	assert_string_equal(f->default_text, "3");
	assert_string_equal(tpl_section_field(s, "ok")->default_text, "false");
	assert_string_equal(tpl_section_field(s, "at")->max.text, "18:00:00");
	f = tpl_section_field(s, "note");
	assert_int_equal(f->min_length, 1);
	assert_int_equal(f->max_length, 500);
	assert_non_null(f->regex);
	assert_int_equal(tpl_section_field(s, "day")->max_length, -1);
	f = tpl_section_field(s, "tags");
	assert_int_equal(f->nchoices, 2);
	assert_string_equal(f->default_text, "{\"b\",\"a\"}");
	t = tpl_section_table(s, "readings");
	assert_int_equal(t->min_rows, 1);
	assert_int_equal(t->max_rows, 24);
	assert_int_equal(t->ncolumns, 2);
	assert_true(tpl_table_column(t, "at")->required);
	assert_null(tpl_section_field(s, "readings"));
	assert_int_equal(def->sections[1].nfields, 0);
	assert_int_equal(def->sections[1].review_sla_hours, 0);
	assert_null(tpl_def_section(def, "nope"));
	/* Workflow: given actions replace the default, missing ones keep it. */
	assert_int_equal(def->workflow[TPL_ACTION_APPROVE], ROLE_APPROVER | ROLE_ADMIN);
	assert_int_equal(def->workflow[TPL_ACTION_REOPEN], 0);
	assert_int_equal(def->workflow[TPL_ACTION_SUBMIT], ROLE_AUTHOR);
	assert_int_equal(def->workflow[TPL_ACTION_START_REVIEW], ROLE_REVIEWER);
	assert_int_equal(def->workflow[TPL_ACTION_REJECT], ROLE_REVIEWER | ROLE_APPROVER);

	/* Minimal: only what is required. Tables default to 0..TPL_ROWS_MAX rows. */
	expect_valid(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':[{'key':'c','type':'text'}]}]}]}");
	assert_int_equal(def->sections[0].tables[0].min_rows, 0);
	assert_int_equal(def->sections[0].tables[0].max_rows, TPL_ROWS_MAX);
	assert_int_equal(def->workflow[TPL_ACTION_SUBMIT], ROLE_AUTHOR);
	expect_valid("{'key':'t','sections':[],'title':null,'workflow':null}");
}

/* Ten different mistakes in one document: all ten come back, each at its path. */
static void
test_ten_errors_one_pass(void **state)
{
	static const struct {
		const char *path, *code;
	} want[] = {
		{ "titel", "unknown_member" },
		{ "key", "invalid_key" },
		{ "sections[0].fields[0].type", "unknown_type" },
		{ "sections[0].fields[1].max", "range" },
		{ "sections[0].fields[2].pattern", "not_applicable" },
		{ "sections[0].fields[3].choices[1]", "duplicate" },
		{ "sections[0].fields[4].default", "max" },
		{ "sections[0].tables[0].key", "duplicate" },
		{ "sections[1].review_sla_hours", "min" },
		{ "workflow.approve[0]", "unknown_role" },
	};

	(void)state;
	assert_null(parse_doc(J("{'key':'Bad Key','titel':'x','sections':["
				"{'key':'s','fields':["
				"{'key':'a','type':'string'},"
				"{'key':'b','type':'integer','min':10,'max':5},"
				"{'key':'c','type':'integer','pattern':'[0-9]+'},"
				"{'key':'d','type':'choice','choices':['x','x']},"
				"{'key':'e','type':'integer','max':5,'default':6}],"
				"'tables':[{'key':'a','columns':[{'key':'c','type':'text'}]}]},"
				"{'key':'s2','review_sla_hours':0}],"
				"'workflow':{'approve':['boss']}}")));
	if (errs.count != sizeof(want) / sizeof(want[0]))
		dump_errors();
	assert_int_equal(errs.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has_error(want[i].path, want[i].code)) {
			dump_errors();
			fail_msg("missing %s %s", want[i].path, want[i].code);
		}
}

static void
test_keys(void **state)
{
	static const char *const bad_keys[] = {
		"x; DROP TABLE y",
		"a\\\"b",
		"A",
		"Abc",
		"1a",
		"_a",
		"a-b",
		"a b",
		"",
		"\\u00e4",
		"a.b",
		"a\\u0000",
		"a;--",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 41 */,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	char doc[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		snprintf(doc, sizeof(doc), "{'key':'t','sections':[{'key':'%s'}]}", bad_keys[i]);
		if (strstr(bad_keys[i], "\\u0000") != NULL)
			expect_error(doc, "sections[0].key", "format");
		else
			expect_error(doc, "sections[0].key", "invalid_key");
	}
	expect_error("{'key':'t','sections':[{'key':7}]}", "sections[0].key", "type");
	expect_error("{'key':'t','sections':[{'title':'no key'}]}", "sections[0].key", "required");
	/* Reserved words are fine: the store quotes every identifier. */
	expect_valid(
	    "{'key':'select','sections':[{'key':'user','fields':[{'key':'order','type':'text'},"
	    "{'key':'from','type':'integer'}],'tables':[{'key':'table','columns':[{'key':'where','type':'text'}]}]}]}");
	expect_valid(
	    "{'key':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa','sections':[{'key':'a_1__'}]}"); /* 40 */
	assert_true(tpl_key_valid("a"));
	assert_true(tpl_key_valid("a0_"));
	assert_false(tpl_key_valid(NULL));
	assert_false(tpl_key_valid("a\xc3\xa4"));
}

static void
test_members_and_types(void **state)
{
	(void)state;
	expect_error("[]", "", "type");
	expect_error("{'key':'t'}", "sections", "required");
	expect_error("{'key':'t','sections':{}}", "sections", "type");
	expect_error("{'key':'t','sections':[7]}", "sections[0]", "type");
	expect_error("{'key':'t','sections':[],'workflow':[]}", "workflow", "type");
	expect_error("{'key':'t','sections':[],'title':5}", "title", "type");
	expect_error("{'key':'t','sections':[{'key':'s','feilds':[]}]}", "sections[0].feilds",
	    "unknown_member");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','fields':{}}]}", "sections[0].fields", "type");
	expect_error(with_fields("{'key':'a','type':'text','lable':'x'}"),
	    "sections[0].fields[0].lable", "unknown_member");
	expect_error(with_fields("{'key':'a','type':'text','a b':1}"),
	    "sections[0].fields[0][\"a b\"]", "unknown_member");
	expect_error(with_fields("{'key':'a','type':'text','required':'yes'}"),
	    "sections[0].fields[0].required", "type");
	expect_error(with_fields("{'key':'a'}"), "sections[0].fields[0].type", "required");
	expect_error(
	    with_fields("{'key':'a','type':'Text'}"), "sections[0].fields[0].type", "unknown_type");
	expect_error(
	    with_fields("{'key':'a','type':['text']}"), "sections[0].fields[0].type", "type");
	expect_error(with_fields("{'key':'a','type':'text','label':['x']}"),
	    "sections[0].fields[0].label", "type");
	expect_error(with_fields("{'key':'a','type':'text','label':'a\xff'}"),
	    "sections[0].fields[0].label", "invalid_utf8");
	expect_error(with_fields("{'key':'a','type':'text','help':'a\\u0000b'}"),
	    "sections[0].fields[0].help", "format");
	expect_error("{'key':'t','sections':[{'key':'s','tables':[{'key':'r'}]}]}",
	    "sections[0].tables[0].columns", "required");
	expect_error("{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':[]}]}]}",
	    "sections[0].tables[0].columns", "empty");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','rows':1,'columns':[{'key':'c','type':'text'}]}]}]}",
	    "sections[0].tables[0].rows", "unknown_member");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':[{'key':'c','type':'date','min':'2026-02-30'}]}]}]}",
	    "sections[0].tables[0].columns[0].min", "format");
}

static void
test_constraints(void **state)
{
	(void)state;
	/* min/max must be of the field's type. */
	expect_error(with_fields("{'key':'a','type':'integer','min':1.5}"),
	    "sections[0].fields[0].min", "type");
	expect_error(with_fields("{'key':'a','type':'integer','min':'1'}"),
	    "sections[0].fields[0].min", "type");
	expect_error(with_fields("{'key':'a','type':'integer','max':99999999999999999999}"),
	    "sections[0].fields[0].max", "max");
	expect_valid(with_fields(
	    "{'key':'a','type':'integer','min':-9223372036854775808,'max':9223372036854775807}"));
	expect_error(with_fields("{'key':'a','type':'decimal','min':'abc'}"),
	    "sections[0].fields[0].min", "format");
	expect_error(with_fields("{'key':'a','type':'decimal','min':true}"),
	    "sections[0].fields[0].min", "type");
	expect_error(with_fields("{'key':'a','type':'decimal','max':NaN}"),
	    "sections[0].fields[0].max", "type");
	expect_error(with_fields("{'key':'a','type':'date','min':20260101}"),
	    "sections[0].fields[0].min", "type");
	expect_error(with_fields("{'key':'a','type':'time','max':'25:00'}"),
	    "sections[0].fields[0].max", "format");
	expect_error(with_fields("{'key':'a','type':'datetime','max':'2026-01-01'}"),
	    "sections[0].fields[0].max", "format");
	/* min > max, compared in the type. */
	expect_error(with_fields("{'key':'a','type':'decimal','min':'10.5','max':10.25}"),
	    "sections[0].fields[0].max", "range");
	expect_valid(with_fields("{'key':'a','type':'decimal','min':'10.50','max':10.5}"));
	expect_error(with_fields("{'key':'a','type':'date','min':'2026-01-02','max':'2026-01-01'}"),
	    "sections[0].fields[0].max", "range");
	expect_error(
	    with_fields(
		"{'key':'a','type':'datetime','min':'2026-01-01T00:00:00Z','max':'2026-01-01T00:30:00+01:00'}"),
	    "sections[0].fields[0].max", "range");
	/* Lengths. */
	expect_error(with_fields("{'key':'a','type':'text','min_length':5,'max_length':4}"),
	    "sections[0].fields[0].max_length", "range");
	expect_error(with_fields("{'key':'a','type':'text','min_length':-1}"),
	    "sections[0].fields[0].min_length", "min");
	expect_error(with_fields("{'key':'a','type':'text','max_length':100001}"),
	    "sections[0].fields[0].max_length", "max");
	expect_error(with_fields("{'key':'a','type':'text','max_length':'5'}"),
	    "sections[0].fields[0].max_length", "type");
	expect_error(with_fields("{'key':'a','type':'text','max_length':5.0}"),
	    "sections[0].fields[0].max_length", "type");
	/* Constraints that do not fit the type. */
	expect_error(with_fields("{'key':'a','type':'integer','pattern':'x'}"),
	    "sections[0].fields[0].pattern", "not_applicable");
	expect_error(with_fields("{'key':'a','type':'boolean','choices':['x']}"),
	    "sections[0].fields[0].choices", "not_applicable");
	expect_error(with_fields("{'key':'a','type':'text','min':1}"), "sections[0].fields[0].min",
	    "not_applicable");
	expect_error(with_fields("{'key':'a','type':'choice','choices':['x'],'max_length':3}"),
	    "sections[0].fields[0].max_length", "not_applicable");
	expect_error(with_fields("{'key':'a','type':'date','min_length':3}"),
	    "sections[0].fields[0].min_length", "not_applicable");
	/* Choices. */
	expect_error(with_fields("{'key':'a','type':'choice'}"), "sections[0].fields[0].choices",
	    "required");
	expect_error(with_fields("{'key':'a','type':'multichoice','choices':[]}"),
	    "sections[0].fields[0].choices", "empty");
	expect_error(with_fields("{'key':'a','type':'choice','choices':'a,b'}"),
	    "sections[0].fields[0].choices", "type");
	expect_error(with_fields("{'key':'a','type':'choice','choices':['a',1]}"),
	    "sections[0].fields[0].choices[1]", "type");
	expect_error(with_fields("{'key':'a','type':'choice','choices':['a','']}"),
	    "sections[0].fields[0].choices[1]", "empty");
	expect_error(with_fields("{'key':'a','type':'multichoice','choices':['a','b','a']}"),
	    "sections[0].fields[0].choices[2]", "duplicate");
	expect_error(with_fields("{'key':'a','type':'choice','choices':['a\xc0\xaf']}"),
	    "sections[0].fields[0].choices[0]", "invalid_utf8");
	/* Defaults must themselves validate. */
	expect_error(with_fields("{'key':'a','type':'choice','choices':['a'],'default':'b'}"),
	    "sections[0].fields[0].default", "choice");
	expect_error(
	    with_fields("{'key':'a','type':'multichoice','choices':['a'],'default':['a','a']}"),
	    "sections[0].fields[0].default", "too_long");
	expect_error(
	    with_fields("{'key':'a','type':'multichoice','choices':['a','b'],'default':['a','c']}"),
	    "sections[0].fields[0].default[1]", "choice");
	expect_error(with_fields("{'key':'a','type':'text','max_length':2,'default':'abc'}"),
	    "sections[0].fields[0].default", "max_length");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'[0-9]+','default':'x'}"),
	    "sections[0].fields[0].default", "pattern");
	expect_error(with_fields("{'key':'a','type':'date','default':'2023-02-29'}"),
	    "sections[0].fields[0].default", "format");
	expect_error(with_fields("{'key':'a','type':'boolean','default':'true'}"),
	    "sections[0].fields[0].default", "type");
	expect_error(with_fields("{'key':'a','type':'decimal','min':0,'default':-0.5}"),
	    "sections[0].fields[0].default", "min");
	/* A broken constraint is reported once, not again through the default. */
	expect_error(with_fields("{'key':'a','type':'integer','min':'x','default':1}"),
	    "sections[0].fields[0].min", "type");
}

static void
test_patterns(void **state)
{
	(void)state;
	expect_valid(
	    with_fields("{'key':'a','type':'text','pattern':'[[:alpha:]]+(-[0-9]{1,3})?'}"));
	expect_valid(with_fields("{'key':'a','type':'text','pattern':'[)(]x'}"));
	expect_valid(with_fields("{'key':'a','type':'text','pattern':'[]a]\\\\)'}"));
	expect_valid(with_fields("{'key':'a','type':'text','pattern':'a{1,1000}'}"));
	expect_error(with_fields("{'key':'a','type':'text','pattern':'a('}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'[a-'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'*a'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	/* Would escape the ^(...)$ wrapping: ^(a)|(b))$ matches anything starting with a. */
	expect_error(with_fields("{'key':'a','type':'text','pattern':'a)|(b)'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'x)'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'(a)\\\\1'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'(a{1,255}){1,255}'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'((a{1,50}){1,50})'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':'a\\\\'}"),
	    "sections[0].fields[0].pattern", "invalid_pattern");
	expect_error(with_fields("{'key':'a','type':'text','pattern':7}"),
	    "sections[0].fields[0].pattern", "type");
}

static void
test_duplicates(void **state)
{
	(void)state;
	expect_error(
	    "{'key':'t','sections':[{'key':'s'},{'key':'s'}]}", "sections[1].key", "duplicate");
	assert_string_equal(errs.items[0].message, "repeats the key of sections[0]");
	expect_error(with_fields("{'key':'a','type':'text'},{'key':'a','type':'integer'}"),
	    "sections[0].fields[1].key", "duplicate");
	/* Fields and tables share one namespace per section. */
	expect_error(
	    "{'key':'t','sections':[{'key':'s','fields':[{'key':'x','type':'text'}],"
	    "'tables':[{'key':'y','columns':[{'key':'c','type':'text'}]},{'key':'x','columns':[{'key':'c','type':'text'}]}]}]}",
	    "sections[0].tables[1].key", "duplicate");
	assert_string_equal(errs.items[0].message, "repeats the key of fields[0]");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':"
	    "[{'key':'c','type':'text'},{'key':'d','type':'text'},{'key':'c','type':'date'}]}]}]}",
	    "sections[0].tables[0].columns[2].key", "duplicate");
	/* The same key in different sections, or as a column and a field, is fine. */
	expect_valid("{'key':'t','sections':[{'key':'s','fields':[{'key':'c','type':'text'}],"
		     "'tables':[{'key':'r','columns':[{'key':'c','type':'text'}]}]},"
		     "{'key':'u','fields':[{'key':'c','type':'text'}]}]}");
}

/* Builds "item,item,..." with n copies, each '#' in item replaced by the copy's index. */
static char *
repeat(const char *item, int n)
{
	size_t cap = (strlen(item) + 16) * (size_t)n + 1, len = 0;
	char  *buf = malloc(cap);

	for (int i = 0; i < n; i++) {
		if (i > 0)
			buf[len++] = ',';
		for (const char *c = item; *c != '\0'; c++)
			if (*c == '#')
				len += (size_t)sprintf(buf + len, "%d", i);
			else
				buf[len++] = *c;
	}
	buf[len] = '\0';
	return buf;
}

static void
test_limits(void **state)
{
	char *items, *doc;
	char  text[4000];

	(void)state;
	doc = malloc(1 << 20);

	items = repeat("{'key':'s#'}", 51);
	snprintf(doc, 1 << 20, "{'key':'t','sections':[%s]}", items);
	expect_error(doc, "sections", "too_many");
	free(items);
	items = repeat("{'key':'s#'}", 50);
	snprintf(doc, 1 << 20, "{'key':'t','sections':[%s]}", items);
	expect_valid(doc);
	free(items);

	items = repeat("{'key':'f#','type':'text'}", 200);
	snprintf(doc, 1 << 20,
	    "{'key':'t','sections':[{'key':'s','fields':[%s],"
	    "'tables':[{'key':'r','columns':[{'key':'c','type':'text'}]}]}]}",
	    items);
	expect_error(doc, "sections[0]", "too_many");
	snprintf(doc, 1 << 20, "{'key':'t','sections':[{'key':'s','fields':[%s]}]}", items);
	expect_valid(doc);
	free(items);

	items = repeat("{'key':'c#','type':'text'}", 101);
	snprintf(doc, 1 << 20,
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':[%s]}]}]}", items);
	expect_error(doc, "sections[0].tables[0].columns", "too_many");
	free(items);

	items = repeat("'c#'", 501);
	snprintf(doc, 1 << 20, "{'key':'a','type':'choice','choices':[%s]}", items);
	expect_error(with_fields(doc), "sections[0].fields[0].choices", "too_many");
	free(items);
	items = repeat("'c#'", 500);
	snprintf(doc, 1 << 20, "{'key':'a','type':'choice','choices':[%s]}", items);
	expect_valid(with_fields(doc));
	free(items);

	/* Lengths count code points: 200 two-byte characters are fine, 201 are not. */
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 200; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	snprintf(doc, 1 << 20, "{'key':'t','title':'%s','sections':[]}", text);
	expect_valid(doc);
	memcpy(text + 400, "x", 1);
	snprintf(doc, 1 << 20, "{'key':'t','title':'%s','sections':[]}", text);
	expect_error(doc, "title", "too_long");
	snprintf(doc, 1 << 20, "{'key':'a','type':'choice','choices':['%s']}", text);
	expect_error(with_fields(doc), "sections[0].fields[0].choices[0]", "too_long");
	memset(text, 'h', 2001);
	text[2001] = '\0';
	snprintf(doc, 1 << 20, "{'key':'a','type':'text','help':'%s'}", text);
	expect_error(with_fields(doc), "sections[0].fields[0].help", "too_long");
	snprintf(doc, 1 << 20, "{'key':'t','description':'%s','sections':[]}", text + 1);
	expect_valid(doc);
	text[501] = '\0';
	snprintf(doc, 1 << 20, "{'key':'a','type':'text','pattern':'%s'}", text);
	expect_error(with_fields(doc), "sections[0].fields[0].pattern", "too_long");

	/* Rows and SLA. */
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','min_rows':5,'max_rows':4,'columns':[{'key':'c','type':'text'}]}]}]}",
	    "sections[0].tables[0].max_rows", "range");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','max_rows':10001,'columns':[{'key':'c','type':'text'}]}]}]}",
	    "sections[0].tables[0].max_rows", "max");
	expect_error(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','min_rows':-1,'columns':[{'key':'c','type':'text'}]}]}]}",
	    "sections[0].tables[0].min_rows", "min");
	expect_valid(
	    "{'key':'t','sections':[{'key':'s','tables':[{'key':'r','min_rows':10000,'max_rows':10000,'columns':[{'key':'c','type':'text'}]}]}]}");
	expect_error("{'key':'t','sections':[{'key':'s','review_sla_hours':8761}]}",
	    "sections[0].review_sla_hours", "max");
	expect_error("{'key':'t','sections':[{'key':'s','review_sla_hours':'24'}]}",
	    "sections[0].review_sla_hours", "type");
	expect_error("{'key':'t','sections':[{'key':'s','review_sla_hours':1.5}]}",
	    "sections[0].review_sla_hours", "type");
	expect_valid(
	    "{'key':'t','sections':[{'key':'s','review_sla_hours':8760},{'key':'u','review_sla_hours':1}]}");
	free(doc);
}

static void
test_workflow(void **state)
{
	(void)state;
	expect_error("{'key':'t','sections':[],'workflow':{'publish':['admin']}}",
	    "workflow.publish", "unknown_member");
	expect_error(
	    "{'key':'t','sections':[],'workflow':{'submit':'author'}}", "workflow.submit", "type");
	expect_error("{'key':'t','sections':[],'workflow':{'submit':['author',1]}}",
	    "workflow.submit[1]", "type");
	expect_error("{'key':'t','sections':[],'workflow':{'submit':['Author']}}",
	    "workflow.submit[0]", "unknown_role");
	expect_error("{'key':'t','sections':[],'workflow':{'submit':['author\\u0000x']}}",
	    "workflow.submit[0]", "unknown_role");
	expect_error("{'key':'t','sections':[],'workflow':{'reject':['reviewer','reviewer']}}",
	    "workflow.reject[1]", "duplicate");
	expect_valid(
	    "{'key':'t','sections':[],'workflow':{'submit':['author','admin','designer','reviewer','approver','auditor']}}");
	assert_int_equal(def->workflow[TPL_ACTION_SUBMIT], ROLE_ALL_MASK);
	assert_string_equal(tpl_action_name(TPL_ACTION_START_REVIEW), "start_review");
	assert_int_equal(tpl_action_from_name("reopen"), TPL_ACTION_REOPEN);
	assert_int_equal(tpl_action_from_name("publish"), -1);
}

static void
test_error_cap(void **state)
{
	char *items, *doc;

	(void)state;
	/* 50 sections x 200 fields, each with 2 errors = 20000: capped, flagged. */
	items = repeat("{'key':'F','type':'x'}", 200);
	doc = malloc(strlen(items) * 51 + 100);
	strcpy(doc, "{'key':'t','sections':[");
	for (int i = 0; i < 50; i++) {
		strcat(doc, i ? ",{'key':'s','fields':[" : "{'key':'s','fields':[");
		strcat(doc, items);
		strcat(doc, "]}");
	}
	strcat(doc, "]}");
	assert_null(parse_doc(J(doc)));
	assert_int_equal(errs.count, VERR_MAX);
	assert_true(errs.truncated);
	free(items);
	free(doc);
}

static void
test_system_column_keys(void **state)
{
	(void)state;
	expect_error(with_fields("{'key':'xmin','type':'text'}"), "sections[0].fields[0].key",
	    "invalid_key");
	expect_error(with_fields("{'key':'ctid','type':'integer'}"), "sections[0].fields[0].key",
	    "invalid_key");
	expect_error("{'key':'t','sections':[{'key':'s','tables':[{'key':'r','columns':[{'key':"
		     "'tableoid','type':'text'}]}]}]}",
	    "sections[0].tables[0].columns[0].key", "invalid_key");
	expect_valid(with_fields("{'key':'xmin2','type':'text'}"));
	expect_valid(
	    "{'key':'t','sections':[{'key':'xmin','fields':[{'key':'a','type':'text'}]}]}");
}

/* Whole-version limits: tables, fields, size. */
static void
test_version_totals(void **state)
{
	static char doc[1 << 21];
	size_t      n;
	int         s, t, f;

	(void)state;
	/* 3 sections of 70 one-column tables: 213 database tables */
	n = (size_t)snprintf(doc, sizeof(doc), "{'key':'t','sections':[");
	for (s = 0; s < 3; s++) {
		n += (size_t)snprintf(
		    doc + n, sizeof(doc) - n, "%s{'key':'s%d','tables':[", s ? "," : "", s);
		for (t = 0; t < 70; t++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			    "%s{'key':'t%d','columns':[{'key':'v','type':'text'}]}", t ? "," : "",
			    t);
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]}");
	}
	snprintf(doc + n, sizeof(doc) - n, "]}");
	expect_error(doc, "sections", "too_many");
	/* 11 sections of 190 fields: 2,090 fields */
	n = (size_t)snprintf(doc, sizeof(doc), "{'key':'t','sections':[");
	for (s = 0; s < 11; s++) {
		n += (size_t)snprintf(
		    doc + n, sizeof(doc) - n, "%s{'key':'s%d','fields':[", s ? "," : "", s);
		for (f = 0; f < 190; f++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			    "%s{'key':'f%d','type':'integer'}", f ? "," : "", f);
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]}");
	}
	snprintf(doc + n, sizeof(doc) - n, "]}");
	expect_error(doc, "sections", "too_many");
	/* 10 sections of 190 fields with long help texts: under 2,000 fields, over 1 MiB */
	n = (size_t)snprintf(doc, sizeof(doc), "{'key':'t','sections':[");
	for (s = 0; s < 10; s++) {
		n += (size_t)snprintf(
		    doc + n, sizeof(doc) - n, "%s{'key':'s%d','fields':[", s ? "," : "", s);
		for (f = 0; f < 190; f++) {
			n += (size_t)snprintf(doc + n, sizeof(doc) - n,
			    "%s{'key':'f%d','type':'integer','help':'", f ? "," : "", f);
			memset(doc + n, 'h', 600);
			n += 600;
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "'}");
		}
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "]}");
	}
	snprintf(doc + n, sizeof(doc) - n, "]}");
	expect_error(doc, "", "too_large");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_column_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ten_errors_one_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members_and_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
