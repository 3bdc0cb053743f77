/* re2_shim.cc — RE2 behind a C interface; see re2_shim.h. The only C++ in Logbook. */
#include "logbook/domain/re2_shim.h"

#include <cstdio>
#include <new>
#include <re2/re2.h>

struct lb_re2 {
	RE2 re;
	lb_re2(const re2::StringPiece &p, const RE2::Options &o) : re(p, o)
	{
	}
};

extern "C" struct lb_re2 *
lb_re2_compile(const char *re, size_t len, long max_mem, char *err, size_t errlen)
{
	RE2::Options o;
	lb_re2      *r;

	o.set_posix_syntax(true);  /* no Perl extensions: \d, (?i), lookarounds are errors */
	o.set_longest_match(true); /* leftmost-longest, as POSIX */
	o.set_one_line(true);      /* ^ and $ at the ends of the text only */
	o.set_dot_nl(true);        /* . matches \n, as an ERE without REG_NEWLINE */
	o.set_log_errors(false);   /* errors are returned, not written to stderr */
	o.set_max_mem(max_mem);
	o.set_encoding(RE2::Options::EncodingUTF8);
	r = new (std::nothrow) lb_re2(re2::StringPiece(re, len), o);
	if (r == nullptr) {
		std::snprintf(err, errlen, "out of memory");
		return nullptr;
	}
	if (!r->re.ok()) {
		std::snprintf(err, errlen, "%s", r->re.error().c_str());
		delete r;
		return nullptr;
	}
	return r;
}

extern "C" bool
lb_re2_full_match(const struct lb_re2 *re, const char *s, size_t len)
{
	return RE2::FullMatch(re2::StringPiece(s, len), re->re);
}

extern "C" void
lb_re2_free(struct lb_re2 *re)
{
	delete re;
}
