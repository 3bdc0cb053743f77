/* test_metrics.c — the shared counters file (app/metrics.c): labels, counting, slots claimed by
 * pid across real processes (a killed one's counters stay, its slot is reused, a zombie is
 * dead, a clean exit frees its slot), overflow past METRICS_SLOTS, files of another layout or
 * planted symlinks, the default path; and the text exposition (app/handlers/metrics.c).
 *
 * metrics.c is included to reach its per-process state: each test starts detached. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "metrics/metrics_shm.c"

static char dir[64], path[128];

static void
detach(void)
{
	if (state.seg != NULL)
		munmap(state.seg, sizeof(*state.seg));
	memset(&state, 0, sizeof(state));
}

static int
setup(void **st)
{
	(void)st;
	strcpy(dir, "/tmp/logbook-test-metrics-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/counters", dir);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	detach();
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Each test: no attachment, no file. */
static int
fresh(void **st)
{
	(void)st;
	detach();
	unlink(path);
	return 0;
}

static void
attach_or_fail(void)
{
	char err[256] = "";

	if (metrics_attach(path, err, sizeof(err)) != 0)
		fail_msg("metrics_attach: %s", err);
}

static struct metrics_snapshot *
snap(void)
{
	static struct metrics_snapshot s;

	assert_int_equal(metrics_snapshot(&s), 0);
	return &s;
}

static int
slot_of(pid_t pid)
{
	const struct metrics_snapshot *s = snap();
	int                            i;

	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].pid == pid)
			return s->workers[i].slot;
	return -1;
}

static int
status_of(const char *label)
{
	int i;

	for (i = 0; i < METRICS_STATUSES; i++)
		if (strcmp(metrics_status_label[i], label) == 0)
			return i;
	fail_msg("no status label %s", label);
	return -1;
}

static void
test_labels(void **st)
{
	(void)st;
	assert_string_equal(metrics_method_label[metrics_method_index("GET")], "GET");
	assert_string_equal(metrics_method_label[metrics_method_index("DELETE")], "DELETE");
	assert_string_equal(metrics_method_label[metrics_method_index("get")], "other");
	assert_string_equal(metrics_method_label[metrics_method_index("BREW")], "other");
	assert_string_equal(metrics_method_label[metrics_method_index("")], "other");
	assert_string_equal(metrics_method_label[metrics_method_index(NULL)], "other");
	assert_string_equal(metrics_status_label[metrics_status_index(200)], "200");
	assert_string_equal(metrics_status_label[metrics_status_index(503)], "503");
	assert_string_equal(metrics_status_label[metrics_status_index(304)], "304");
	assert_string_equal(metrics_status_label[metrics_status_index(418)], "4xx");
	assert_string_equal(metrics_status_label[metrics_status_index(102)], "1xx");
	assert_string_equal(metrics_status_label[metrics_status_index(599)], "5xx");
	assert_string_equal(metrics_status_label[metrics_status_index(0)], "other");
	assert_string_equal(metrics_status_label[metrics_status_index(99)], "other");
	assert_string_equal(metrics_status_label[metrics_status_index(600)], "other");
	assert_string_equal(metrics_status_label[metrics_status_index(-200)], "other");
	assert_string_equal(metrics_status_label[metrics_status_index(2147483647)], "other");
}

static void
test_counts_one_worker(void **st)
{
	struct metrics_snapshot *s;

	(void)st;
	assert_int_equal(metrics_snapshot(&(struct metrics_snapshot){ 0 }), -1); /* not attached */
	metrics_observe("GET", 200, 0); /* before attaching: nothing to count into */
	attach_or_fail();
	metrics_observe("GET", 200, 500000); /* exactly 0.0005 s: le is inclusive */
	metrics_observe("GET", 200, 500001);
	metrics_observe("POST", 201, 2000000);
	metrics_observe("BREW", 418, 40000000000ull);
	s = snap();
	assert_int_equal(s->shared, 1);
	assert_int_equal(s->requests[metrics_method_index("GET")][status_of("200")], 2);
	assert_int_equal(s->requests[metrics_method_index("POST")][status_of("201")], 1);
	assert_int_equal(s->requests[METRICS_METHODS - 1][status_of("4xx")], 1);
	assert_int_equal(s->duration[0], 1);
	assert_int_equal(s->duration[1], 1);                   /* le 0.001 */
	assert_int_equal(s->duration[2], 1);                   /* le 0.0025 */
	assert_int_equal(s->duration[METRICS_BUCKETS - 1], 1); /* +Inf */
	assert_int_equal(s->duration_sum_ns, 500000ull + 500001ull + 2000000ull + 40000000000ull);
	assert_int_equal(s->worker_starts, 1);
	assert_int_equal(s->nworkers, 1);
	assert_int_equal(s->workers[0].pid, getpid());
	assert_true(s->workers[0].rss_bytes > 0);
	/* A second attach changes nothing. */
	attach_or_fail();
	assert_int_equal(snap()->worker_starts, 1);
}

static void
test_reconnects_before_attaching_count(void **st)
{
	(void)st;
	metrics_db_reconnect();
	metrics_db_reconnect();
	attach_or_fail();
	metrics_db_reconnect();
	assert_int_equal(snap()->db_reconnects, 3);
}

/* A child that attaches to the file, counts n GET 200s, tells the parent through a pipe and
 * then waits until the parent closes the other pipe, leaving by `how`. */
enum leave { LEAVE_WAIT, LEAVE_EXIT, LEAVE_UNCLEAN };

struct child {
	pid_t pid;
	int   go; /* closing it lets a LEAVE_WAIT child go */
};

static struct child
spawn(int n, enum leave how)
{
	struct child c;
	int          up[2], down[2], i;
	char         b = 'x';

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	fflush(stdout); /* or the child's exit() prints cmocka's buffered lines again */
	fflush(stderr);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		char err[256];

		close(up[0]);
		close(down[1]);
		detach();
		if (metrics_attach(path, err, sizeof(err)) != 0)
			_exit(3);
		for (i = 0; i < n; i++)
			metrics_observe("GET", 200, 1000);
		if (write(up[1], &b, 1) != 1)
			_exit(4);
		if (how == LEAVE_WAIT)
			(void)read(down[0], &b, 1);
		if (how == LEAVE_UNCLEAN)
			_exit(0); /* no atexit: like a crash, the slot keeps its dead owner */
		exit(0);          /* atexit frees the slot */
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &b, 1), 1);
	close(up[0]);
	c.go = down[1];
	return c;
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) || WIFSIGNALED(status));
}

static void
test_workers_share_and_dead_ones_keep_counting(void **st)
{
	struct child             a, b, c;
	struct metrics_snapshot *s;
	int                      get200 = status_of("200"), slot_a;
	siginfo_t                info;

	(void)st;
	attach_or_fail();
	metrics_observe("GET", 200, 1000);
	a = spawn(5, LEAVE_WAIT);
	b = spawn(3, LEAVE_WAIT);
	s = snap();
	assert_int_equal(s->requests[0][get200], 1 + 5 + 3);
	assert_int_equal(s->nworkers, 3);
	slot_a = slot_of(a.pid);
	assert_true(slot_a >= 0);
	assert_true(slot_of(b.pid) >= 0 && slot_of(b.pid) != slot_a);
	assert_true(slot_of(getpid()) >= 0 && slot_of(getpid()) != slot_a);

	/* Killed: its requests stay counted, it is no longer a live worker. */
	kill(a.pid, SIGKILL);
	/* A zombie (killed, not yet reaped by its parent) is dead already. */
	assert_int_equal(waitid(P_PID, (id_t)a.pid, &info, WEXITED | WNOWAIT), 0);
	s = snap();
	assert_int_equal(s->nworkers, 2);
	assert_int_equal(slot_of(a.pid), -1);
	assert_int_equal(s->requests[0][get200], 9);
	reap(a.pid);
	close(a.go);

	/* Its replacement takes the dead worker's slot and adds to it. */
	c = spawn(2, LEAVE_UNCLEAN);
	reap(c.pid);
	close(c.go);
	s = snap();
	assert_int_equal(s->requests[0][get200], 11);
	assert_int_equal(s->worker_starts, 4);
	assert_int_equal(atomic_load(&state.seg->slot[slot_a].owner), c.pid);
	assert_int_equal(atomic_load(&state.seg->slot[slot_a].requests[0][get200]), 5 + 2);
	assert_int_equal(s->nworkers, 2);

	/* A clean exit frees the slot at once. */
	close(b.go);
	reap(b.pid);
	assert_int_equal(snap()->nworkers, 1);
	assert_int_equal(snap()->requests[0][get200], 11);
}

static void
test_clean_exit_frees_the_slot(void **st)
{
	struct child c;
	int          i, used = 0;

	(void)st;
	attach_or_fail();
	c = spawn(1, LEAVE_EXIT);
	reap(c.pid);
	close(c.go);
	for (i = 0; i < METRICS_SLOTS; i++) {
		if (!atomic_load(&state.seg->slot[i].used))
			continue;
		used++;
		if (atomic_load(&state.seg->slot[i].owner) != getpid())
			assert_int_equal(atomic_load(&state.seg->slot[i].owner), 0);
	}
	assert_int_equal(used, 2);
	/* And the next worker takes it rather than a new one. */
	c = spawn(1, LEAVE_UNCLEAN);
	reap(c.pid);
	close(c.go);
	for (i = 0, used = 0; i < METRICS_SLOTS; i++)
		used += atomic_load(&state.seg->slot[i].used);
	assert_int_equal(used, 2);
	assert_int_equal(snap()->requests[0][status_of("200")], 2);
}

static int
always_alive(pid_t pid, unsigned long long start)
{
	(void)start;
	return pid > 0;
}

static int
seven_died(pid_t pid, unsigned long long start)
{
	(void)start;
	return pid > 0 && pid != 7;
}

static void
test_slots_run_out_into_the_overflow_slot(void **st)
{
	struct metrics_segment *seg;
	struct metrics_slot    *s;
	int                     i;

	(void)st;
	seg = mmap(NULL, sizeof(*seg), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(seg != MAP_FAILED);
	for (i = 0; i < METRICS_SLOTS; i++)
		assert_ptr_equal(slot_claim(seg, 1000 + i, 1, always_alive), &seg->slot[i]);
	/* Full: the 257th live worker shares the overflow slot, which counts but has no owner. */
	s = slot_claim(seg, 5000, 1, always_alive);
	assert_ptr_equal(s, &seg->slot[OVERFLOW_SLOT]);
	assert_ptr_equal(slot_claim(seg, 5001, 1, always_alive), s);
	assert_int_equal(atomic_load(&s->owner), 0);
	assert_int_equal(atomic_load(&s->starts), 2);
	/* A dead owner's slot is taken back first. */
	atomic_store(&seg->slot[9].owner, 7);
	s = slot_claim(seg, 6000, 1, seven_died);
	assert_ptr_equal(s, &seg->slot[9]);
	assert_int_equal(atomic_load(&s->owner), 6000);
	assert_int_equal(atomic_load(&s->starts), 2);
	/* The overflow slot's counters are part of the totals. */
	state.seg = seg;
	state.mine = &seg->slot[OVERFLOW_SLOT];
	state.attempted = 1;
	metrics_observe("PUT", 204, 1);
	assert_int_equal(snap()->requests[metrics_method_index("PUT")][status_of("204")], 1);
	assert_int_equal(snap()->worker_starts, METRICS_SLOTS + 2 + 1);
}

static void
write_bytes(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
test_a_file_of_another_layout_is_replaced(void **st)
{
	static char junk[sizeof(struct metrics_segment)];
	struct stat sb;

	(void)st;
	/* Too small. */
	write_bytes(path, "not metrics", 11);
	attach_or_fail();
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, sizeof(struct metrics_segment));
	assert_int_equal(snap()->worker_starts, 1);
	detach();
	/* The right size but another build's header (its counters are not ours to read). */
	memset(junk, 0x11, sizeof(junk));
	write_bytes(path, junk, sizeof(junk));
	attach_or_fail();
	assert_int_equal(snap()->worker_starts, 1);
	assert_int_equal(snap()->requests[0][0], 0);
	detach();
	/* Ours: kept, and the next worker adds to it. */
	attach_or_fail();
	assert_int_equal(snap()->worker_starts, 2);
}

static void
test_a_planted_symlink_is_refused(void **st)
{
	char                     err[256] = "", target[160];
	struct metrics_snapshot *s;
	struct stat              sb;

	(void)st;
	snprintf(target, sizeof(target), "%s/target", dir);
	write_bytes(target, "x", 1);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(metrics_attach(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	/* Counting goes on in private memory, and the scrape says so. */
	metrics_observe("GET", 200, 1);
	s = snap();
	assert_int_equal(s->shared, 0);
	assert_int_equal(s->requests[0][status_of("200")], 1);
	assert_int_equal(s->nworkers, 1);
	/* The target was not touched. */
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 1);
	unlink(target);
	assert_int_equal(metrics_attach(path, err, sizeof(err)), -1); /* decided once */
}

static void
test_default_path(void **st)
{
	struct config      c;
	struct sockaddr_un sun;
	char               buf[256], want[256];
	int                saved, fd;

	(void)st;
	memset(&c, 0, sizeof(c));
	c.path = "/etc/logbook/logbook.conf";
	/* fd 0 is no listening unix socket here: /dev/shm, by uid and config path. */
	saved = dup(0);
	assert_true(saved >= 0);
	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	assert_non_null(metrics_default_path(&c, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "/dev/shm/logbook-%u-", (unsigned)geteuid());
	assert_memory_equal(buf, want, strlen(want));
	assert_string_equal(buf + strlen(buf) - 8, ".metrics");
	c.path = "/srv/other.conf";
	assert_non_null(metrics_default_path(&c, want, sizeof(want)));
	assert_string_not_equal(buf, want);
	assert_null(metrics_default_path(&c, buf, 10));

	/* spawn-fcgi's listening socket: beside it. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/fcgi.sock", dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(dup2(fd, 0), 0);
	assert_non_null(metrics_default_path(&c, buf, sizeof(buf)));
	assert_non_null(
	    strstr(buf, "/dev/shm/")); /* bound but not listening: not the FastCGI one */
	assert_int_equal(listen(0, 1), 0);
	assert_non_null(metrics_default_path(&c, buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%s/fcgi.sock.metrics", dir);
	assert_string_equal(buf, want);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	close(fd);
	unlink(sun.sun_path);
}

/* --- the text exposition ----------------------------------------------------------------- */

static char *
render(const struct metrics_snapshot *s, const char *version)
{
	char  *text = NULL;
	size_t len = 0;
	FILE  *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(metrics_write_text(f, s, version), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static int
has_line(const char *text, const char *line)
{
	size_t      n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

/* Why text is not a valid exposition (every line a HELP, a TYPE, or a sample of the family
 * the last TYPE named; at least one sample; a final newline), or NULL when it is. */
static const char *
exposition_error(const char *text)
{
	static char why[1200];
	regex_t     sample, help, type;
	char        family[128] = "", line[1024];
	const char *p = text, *nl;
	int         samples = 0;

	assert_int_equal(regcomp(&sample,
			     "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
			     "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\"\\\\n])*\""
			     "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\"\\\\n])*\")*\\})? "
			     "(-?[0-9]+(\\.[0-9]+)?|\\+Inf)$",
			     REG_EXTENDED),
	    0);
	assert_int_equal(
	    regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]+$", REG_EXTENDED), 0);
	assert_int_equal(
	    regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$",
		REG_EXTENDED),
	    0);
	why[0] = '\0';
	for (; *p != '\0' && why[0] == '\0'; p = nl + 1) {
		regmatch_t m[2];
		size_t     n;

		if ((nl = strchr(p, '\n')) == NULL) {
			snprintf(why, sizeof(why), "no newline after the last line");
			break;
		}
		n = (size_t)(nl - p);
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (regexec(&type, line, 2, m, 0) == 0)
			snprintf(family, sizeof(family), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
			    line + m[1].rm_so);
		else if (regexec(&help, line, 0, NULL, 0) == 0)
			continue;
		else if (regexec(&sample, line, 0, NULL, 0) != 0)
			snprintf(why, sizeof(why), "not a sample line: '%s'", line);
		else if (family[0] == '\0' || strncmp(line, family, strlen(family)) != 0)
			snprintf(
			    why, sizeof(why), "sample '%s' outside its family '%s'", line, family);
		else
			samples++;
	}
	if (why[0] == '\0' && samples == 0)
		snprintf(why, sizeof(why), "no samples");
	regfree(&sample);
	regfree(&help);
	regfree(&type);
	return why[0] != '\0' ? why : NULL;
}

static void
assert_exposition(const char *text)
{
	const char *why = exposition_error(text);

	if (why != NULL)
		fail_msg("%s", why);
}

static void
test_text_exposition(void **st)
{
	static struct metrics_snapshot s;
	char                          *text;

	(void)st;
	memset(&s, 0, sizeof(s));
	s.requests[metrics_method_index("GET")][status_of("200")] = 3;
	s.requests[METRICS_METHODS - 1][status_of("4xx")] = 1;
	s.duration[0] = 2;
	s.duration[3] = 1;
	s.duration[METRICS_BUCKETS - 1] = 1;
	s.duration_sum_ns = 1500000000ull + 7;
	s.db_reconnects = 4;
	s.worker_starts = 3;
	s.shared = 1;
	s.nworkers = 2;
	s.workers[0] = (struct metrics_worker){ 0, 100, 4096 };
	s.workers[1] = (struct metrics_worker){ 5, 101, -1 };
	text = render(&s, "1.2 \"q\" \\ \n");
	assert_exposition(text);
	assert_true(has_line(text, "logbook_build_info{version=\"1.2 \\\"q\\\" \\\\ \\n\"} 1"));
	assert_true(has_line(text, "# TYPE logbook_http_requests_total counter"));
	assert_true(has_line(text, "logbook_http_requests_total{method=\"GET\",status=\"200\"} 3"));
	assert_true(
	    has_line(text, "logbook_http_requests_total{method=\"other\",status=\"4xx\"} 1"));
	assert_null(strstr(text, "status=\"201\"")); /* nothing counted, nothing said */
	assert_true(has_line(text, "# TYPE logbook_http_request_duration_seconds histogram"));
	assert_true(
	    has_line(text, "logbook_http_request_duration_seconds_bucket{le=\"0.0005\"} 2"));
	assert_true(
	    has_line(text, "logbook_http_request_duration_seconds_bucket{le=\"0.0025\"} 2"));
	assert_true(has_line(text, "logbook_http_request_duration_seconds_bucket{le=\"0.005\"} 3"));
	assert_true(has_line(text, "logbook_http_request_duration_seconds_bucket{le=\"30\"} 3"));
	assert_true(has_line(text, "logbook_http_request_duration_seconds_bucket{le=\"+Inf\"} 4"));
	assert_true(has_line(text, "logbook_http_request_duration_seconds_sum 1.500000007"));
	assert_true(has_line(text, "logbook_http_request_duration_seconds_count 4"));
	assert_true(has_line(text, "logbook_db_reconnects_total 4"));
	assert_true(has_line(text, "logbook_worker_starts_total 3"));
	assert_true(has_line(text, "logbook_workers 2"));
	assert_true(has_line(text, "logbook_worker_rss_bytes{slot=\"0\"} 4096"));
	assert_null(strstr(text, "slot=\"5\"")); /* unknown RSS: no sample */
	assert_true(has_line(text, "logbook_metrics_shared 1"));
	free(text);

	/* Nothing counted yet: still every family, and valid. */
	memset(&s, 0, sizeof(s));
	text = render(&s, "dev");
	assert_exposition(text);
	assert_true(has_line(text, "logbook_http_request_duration_seconds_count 0"));
	assert_true(has_line(text, "logbook_metrics_shared 0"));
	free(text);
}

/* And the checker can fail. */
static void
test_exposition_checker_is_not_vacuous(void **st)
{
	(void)st;
	assert_null(exposition_error("# TYPE a gauge\na 1\na{x=\"q\\\"\"} 2\n"));
	assert_non_null(exposition_error("a 1\n"));                            /* no TYPE */
	assert_non_null(exposition_error("# TYPE a gauge\nb 1\n"));            /* other family */
	assert_non_null(exposition_error("# TYPE a gauge\na two\n"));          /* value */
	assert_non_null(exposition_error("# TYPE a gauge\na{x=\"q\"\"} 1\n")); /* quoting */
	assert_non_null(exposition_error("# TYPE a gauge\na{x=q} 1\n"));
	assert_non_null(exposition_error("# TYPE a gauge\na 1"));     /* final newline */
	assert_non_null(exposition_error("# TYPE a summary\na 1\n")); /* type */
	assert_non_null(exposition_error("# TYPE a gauge\n"));        /* no samples */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test_setup(test_counts_one_worker, fresh),
		cmocka_unit_test_setup(test_reconnects_before_attaching_count, fresh),
		cmocka_unit_test_setup(test_workers_share_and_dead_ones_keep_counting, fresh),
		cmocka_unit_test_setup(test_clean_exit_frees_the_slot, fresh),
		cmocka_unit_test_setup(test_slots_run_out_into_the_overflow_slot, fresh),
		cmocka_unit_test_setup(test_a_file_of_another_layout_is_replaced, fresh),
		cmocka_unit_test_setup(test_a_planted_symlink_is_refused, fresh),
		cmocka_unit_test_setup(test_default_path, fresh),
		cmocka_unit_test(test_text_exposition),
		cmocka_unit_test(test_exposition_checker_is_not_vacuous),
	};

	/* Children and file locks: a deadlock must fail the run, not hang it. */
	alarm(120);
	return cmocka_run_group_tests(tests, setup, teardown);
}
