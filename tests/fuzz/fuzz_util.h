/* fuzz_util.h — what the libFuzzer targets of tests/fuzz/ share: a template that uses every
 * field type and constraint, parsed once per process, and one arena per input. */
#ifndef LOGBOOK_FUZZ_UTIL_H
#define LOGBOOK_FUZZ_UTIL_H

#include <json-c/json.h>
#include <stdlib.h>

#include "logbook/core/arena.h"
#include "logbook/domain/template_def.h"
#include "logbook/domain/verr.h"

/* Every type, every constraint kind, a table with row bounds: the section `s` of template
 * `fuzz`. Kept in step with tests/fuzz/corpus/template_def/every_type.json. */
static const char fuzz_template_json[] =
    "{\"key\":\"fuzz\",\"title\":\"Fuzz\",\"sections\":[{\"key\":\"s\",\"title\":\"S\","
    "\"fields\":["
    "{\"key\":\"t\",\"label\":\"T\",\"type\":\"text\",\"min_length\":1,\"max_length\":20,"
    "\"pattern\":\"[A-Z][a-z0-9 ]*\"},"
    "{\"key\":\"i\",\"label\":\"I\",\"type\":\"integer\",\"min\":-5,\"max\":1000,\"required\":true},"
    "{\"key\":\"d\",\"label\":\"D\",\"type\":\"decimal\",\"min\":\"-1.5\",\"max\":\"99999.999\"},"
    "{\"key\":\"b\",\"label\":\"B\",\"type\":\"boolean\"},"
    "{\"key\":\"dt\",\"label\":\"Dt\",\"type\":\"date\",\"min\":\"2000-01-01\",\"max\":\"2099-12-31\"},"
    "{\"key\":\"tm\",\"label\":\"Tm\",\"type\":\"time\"},"
    "{\"key\":\"ts\",\"label\":\"Ts\",\"type\":\"datetime\"},"
    "{\"key\":\"c\",\"label\":\"C\",\"type\":\"choice\",\"choices\":[\"a\",\"b\",\"c\"]},"
    "{\"key\":\"m\",\"label\":\"M\",\"type\":\"multichoice\",\"choices\":[\"x\",\"y\",\"z\"]}],"
    "\"tables\":[{\"key\":\"rows\",\"label\":\"Rows\",\"min_rows\":1,\"max_rows\":5,\"columns\":["
    "{\"key\":\"n\",\"label\":\"N\",\"type\":\"integer\",\"required\":true},"
    "{\"key\":\"note\",\"label\":\"Note\",\"type\":\"text\",\"max_length\":10}]}]}]}";

/* The parsed fuzz template; aborts when it does not parse (the target would test nothing). */
static inline const struct tpl_def *
fuzz_template(void)
{
	static struct tpl_def *def;
	static struct arena    a;

	if (def == NULL) {
		struct verr_list errs;
		json_object     *doc = json_tokener_parse(fuzz_template_json);

		arena_init(&a);
		verr_init(&errs, &a);
		def = tpl_def_parse(doc, &errs);
		json_object_put(doc);
		if (def == NULL)
			abort();
	}
	return def;
}

#endif
