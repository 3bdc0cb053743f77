/* metrics.c — the shared counters file: layout, attaching and claiming a slot, the updates
 * on the request path, and the snapshot a scrape renders. See metrics.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "logbook/core/config.h"
#include "logbook/core/log.h"
#include "logbook/http/http.h"
#include "logbook/metrics/metrics.h"
#include "logbook/worker/app.h"

#define METRICS_MAGIC "LBMETRIC"
#define CACHE_LINE    64
#define OVERFLOW_SLOT METRICS_SLOTS /* shared by the workers beyond METRICS_SLOTS */
#define ATTACH_TRIES  4

/* Atomics in memory shared between processes must be lock-free (and so address-free). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_LLONG_LOCK_FREE == 2,
    "the shared counters need lock-free atomics");

struct metrics_slot {
	alignas(CACHE_LINE) atomic_int owner; /* pid holding the slot; 0: none */
	atomic_int    used;                   /* ever claimed: part of the totals for good */
	atomic_ullong owner_start;            /* owner's start time, clock ticks after boot */
	atomic_ullong starts;                 /* claims of this slot */
	atomic_ullong db_reconnects;
	atomic_ullong duration_sum_ns;
	atomic_ullong duration[METRICS_BUCKETS];
	atomic_ullong requests[METRICS_METHODS][METRICS_STATUSES];
};

struct metrics_header {
	char     magic[8];
	uint32_t layout; /* layout_hash(): sizes and label tables of the build that made it */
	uint32_t size;   /* sizeof(struct metrics_segment) */
};

struct metrics_segment {
	alignas(CACHE_LINE) struct metrics_header header;
	struct metrics_slot slot[METRICS_SLOTS + 1];
};

_Static_assert(sizeof(struct metrics_slot) % CACHE_LINE == 0, "slots share no cache line");

const char *const metrics_method_label[METRICS_METHODS] = {
	"GET",
	"HEAD",
	"POST",
	"PUT",
	"PATCH",
	"DELETE",
	"OPTIONS",
	"other",
};

/* The codes this server and Nginx answer, exactly; any other one by its class. */
static const int status_codes[] = {
	200,
	201,
	202,
	204,
	301,
	302,
	304,
	400,
	401,
	403,
	404,
	405,
	406,
	408,
	409,
	410,
	412,
	413,
	415,
	422,
	428,
	429,
	500,
	502,
	503,
	504,
};
#define STATUS_EXACT ((int)(sizeof(status_codes) / sizeof(status_codes[0])))
#define STATUS_CLASS STATUS_EXACT /* + 0..4: "1xx".."5xx" */
#define STATUS_OTHER (STATUS_EXACT + 5)
_Static_assert(STATUS_OTHER + 1 == METRICS_STATUSES, "status labels and METRICS_STATUSES agree");

const char *const metrics_status_label[METRICS_STATUSES] = {
	"200",
	"201",
	"202",
	"204",
	"301",
	"302",
	"304",
	"400",
	"401",
	"403",
	"404",
	"405",
	"406",
	"408",
	"409",
	"410",
	"412",
	"413",
	"415",
	"422",
	"428",
	"429",
	"500",
	"502",
	"503",
	"504",
	"1xx",
	"2xx",
	"3xx",
	"4xx",
	"5xx",
	"other",
};

/* Upper bounds of the duration buckets: from a cached read to an events long-poll (30 s). */
static const uint64_t bucket_ns[METRICS_BUCKETS - 1] = {
	500000,
	1000000,
	2500000,
	5000000,
	10000000,
	25000000,
	50000000,
	100000000,
	250000000,
	500000000,
	1000000000,
	2500000000,
	5000000000,
	10000000000,
	30000000000,
};

const char *const metrics_bucket_le[METRICS_BUCKETS] = {
	"0.0005",
	"0.001",
	"0.0025",
	"0.005",
	"0.01",
	"0.025",
	"0.05",
	"0.1",
	"0.25",
	"0.5",
	"1",
	"2.5",
	"5",
	"10",
	"30",
	"+Inf",
};

/* This process's attachment. */
static struct {
	struct metrics_segment *seg;
	struct metrics_slot    *mine;
	int                     attempted, shared;
	unsigned long           early_reconnects; /* counted before attaching */
} state;

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- labels ------------------------------------------------------------------------------ */

int
metrics_method_index(const char *m)
{
	int i;

	if (m == NULL)
		return METRICS_METHODS - 1;
	for (i = 0; i < METRICS_METHODS - 1; i++)
		if (strcmp(m, metrics_method_label[i]) == 0)
			return i;
	return METRICS_METHODS - 1;
}

int
metrics_status_index(int status)
{
	/* One table lookup on the request path: code - 100 -> exact index + 1, 0: by class. */
	static uint8_t exact[500];
	static int     ready;
	int            i;

	if (!ready) {
		for (i = 0; i < STATUS_EXACT; i++)
			exact[status_codes[i] - 100] = (uint8_t)(i + 1);
		ready = 1;
	}
	if (status < 100 || status > 599)
		return STATUS_OTHER;
	if (exact[status - 100] != 0)
		return exact[status - 100] - 1;
	return STATUS_CLASS + status / 100 - 1;
}

/* FNV-1a over the things that give the file's bytes their meaning, so that a build with
 * other labels or sizes never reads another build's counters as its own. */
static uint32_t
layout_hash(void)
{
	uint32_t h = 2166136261u;
	char     sizes[96];
	int      i;

	snprintf(sizes, sizeof(sizes), "%zu/%zu/%d/%d/%d/%d", sizeof(struct metrics_segment),
	    sizeof(struct metrics_slot), METRICS_SLOTS, METRICS_METHODS, METRICS_STATUSES,
	    METRICS_BUCKETS);
	for (const char *p = sizes; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (i = 0; i < METRICS_METHODS + METRICS_STATUSES + METRICS_BUCKETS; i++) {
		const char *s = i < METRICS_METHODS ? metrics_method_label[i]
		    : i < METRICS_METHODS + METRICS_STATUSES
		    ? metrics_status_label[i - METRICS_METHODS]
		    : metrics_bucket_le[i - METRICS_METHODS - METRICS_STATUSES];

		for (; *s != '\0'; s++)
			h = (h ^ (unsigned char)*s) * 16777619u;
		h = (h ^ '|') * 16777619u;
	}
	return h;
}

/* --- processes --------------------------------------------------------------------------- */

/* Start time of pid in clock ticks after boot (field 22 of /proc/<pid>/stat); 0 when it is
 * gone, a zombie (a killed worker its parent has not reaped yet), or /proc does not say. */
static unsigned long long
proc_start_ticks(pid_t pid)
{
	char               path[64], buf[1024], *p, *end;
	unsigned long long v = 0;
	ssize_t            n;
	int                fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return 0;
		p++;
	}
	v = strtoull(p, &end, 10);
	return end != p ? v : 0;
}

/* True while the process that claimed a slot as (pid, start) runs. Without /proc (start 0)
 * the pid alone decides. */
static int
owner_alive(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return 0;
	if (start == 0)
		return kill(pid, 0) == 0 || errno == EPERM;
	return proc_start_ticks(pid) == start;
}

static long long
proc_rss_bytes(pid_t pid)
{
	char      path[64], buf[128];
	long long size, resident;
	long      page = sysconf(_SC_PAGESIZE);
	ssize_t   n;
	int       fd;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || page <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &size, &resident) != 2 || resident < 0)
		return -1;
	return resident * page;
}

/* --- slots ------------------------------------------------------------------------------- */

/* Claims a slot for (pid, start): the first used slot whose owner is gone (so the slots in
 * use stay few and a restarted worker carries on its predecessor's counters), else the first
 * never used, else the shared overflow slot. The caller holds the file's lock. */
static struct metrics_slot *
slot_claim(struct metrics_segment *seg, pid_t pid, unsigned long long start,
    int (*alive)(pid_t, unsigned long long))
{
	struct metrics_slot *s;
	int                  i, reuse = -1, fresh = -1;

	for (i = 0; i < METRICS_SLOTS && reuse < 0; i++) {
		s = &seg->slot[i];
		if (!atomic_load_explicit(&s->used, memory_order_relaxed)) {
			if (fresh < 0)
				fresh = i;
		} else if (!alive(atomic_load_explicit(&s->owner, memory_order_acquire),
			       atomic_load_explicit(&s->owner_start, memory_order_relaxed)))
			reuse = i;
	}
	i = reuse >= 0 ? reuse : fresh >= 0 ? fresh : OVERFLOW_SLOT;
	s = &seg->slot[i];
	atomic_fetch_add_explicit(&s->starts, 1, memory_order_relaxed);
	atomic_store_explicit(&s->used, 1, memory_order_relaxed);
	if (i != OVERFLOW_SLOT) {
		atomic_store_explicit(&s->owner_start, start, memory_order_relaxed);
		atomic_store_explicit(&s->owner, (int)pid, memory_order_release);
	}
	return s;
}

/* At a clean exit the slot is free at once (a killed worker's is found by its pid). A forked
 * child that inherited the mapping releases nothing of its parent's. */
static void
slot_release(void)
{
	int pid = (int)getpid();

	if (state.mine != NULL && state.mine != &state.seg->slot[OVERFLOW_SLOT])
		atomic_compare_exchange_strong(&state.mine->owner, &pid, 0);
}

/* --- the file ---------------------------------------------------------------------------- */

static int
layout_ok(int fd, const struct stat *st)
{
	struct metrics_header h;

	if ((size_t)st->st_size != sizeof(struct metrics_segment) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	return memcmp(h.magic, METRICS_MAGIC, sizeof(h.magic)) == 0 && h.layout == layout_hash() &&
	    h.size == sizeof(struct metrics_segment);
}

static int
file_init(int fd)
{
	struct metrics_header h;
	int                   rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, METRICS_MAGIC, sizeof(h.magic));
	h.layout = layout_hash();
	h.size = sizeof(struct metrics_segment);
	/* Blocks reserved now: a sparse file on a full disk would SIGBUS a worker later. */
	if ((rc = posix_fallocate(fd, 0, (off_t)sizeof(struct metrics_segment))) != 0) {
		errno = rc;
		return -1;
	}
	return pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) ? 0 : -1;
}

/* Opens, checks or (re)creates and maps the file at path, and claims a slot, all under the
 * file's lock. */
static int
attach_file(const char *path, pid_t pid, unsigned long long start, char *err, size_t errlen)
{
	int tries;

	for (tries = 0; tries < ATTACH_TRIES; tries++) {
		struct stat st, named;
		void       *map;
		int         fd;

		/* O_NOFOLLOW and the owner check: in /dev/shm anyone could have planted the name. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return errf(err, errlen, "%s: %s", path, strerror(errno));
		if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
			errf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		/* Another worker may have replaced the file while we waited: lock the one named. */
		if (stat(path, &named) != 0 || named.st_ino != st.st_ino ||
		    named.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
			close(fd);
			return errf(
			    err, errlen, "%s: not a regular file of uid %d", path, (int)geteuid());
		}
		if (st.st_size != 0 && !layout_ok(fd, &st)) {
			/* Another build's layout (or a start cut short): a new file; whoever still maps
			 * the old one keeps it until they exit. */
			unlink(path);
			close(fd);
			continue;
		}
		if (st.st_size == 0 && file_init(fd) != 0) {
			errf(err, errlen, "%s: cannot size it: %s", path, strerror(errno));
			unlink(path);
			close(fd);
			return -1;
		}
		map = mmap(NULL, sizeof(struct metrics_segment), PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
		if (map == MAP_FAILED) {
			errf(err, errlen, "%s: mmap: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		state.seg = map;
		state.mine = slot_claim(state.seg, pid, start, owner_alive);
		/* Explicitly: the mapping keeps the open file alive, and with it a flock. */
		flock(fd, LOCK_UN);
		close(fd);
		return 0;
	}
	return errf(err, errlen, "%s: replaced %d times while attaching", path, ATTACH_TRIES);
}

int
metrics_attach(const char *path, char *err, size_t errlen)
{
	pid_t              pid = getpid();
	unsigned long long start = proc_start_ticks(pid);
	int                rc = -1;

	if (state.attempted)
		return state.shared
		    ? 0
		    : errf(err, errlen, "counting alone: the shared file failed earlier");
	state.attempted = 1;
	if (path == NULL)
		errf(err, errlen, "no metrics_file and no default for it");
	else
		rc = attach_file(path, pid, start, err, errlen);
	if (rc == 0) {
		state.shared = 1;
	} else {
		/* Private memory, so that the request path is the same either way. */
		void *map = mmap(NULL, sizeof(struct metrics_segment), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (map == MAP_FAILED)
			return -1;
		state.seg = map;
		state.mine = slot_claim(state.seg, pid, start, owner_alive);
	}
	atomic_fetch_add_explicit(
	    &state.mine->db_reconnects, state.early_reconnects, memory_order_relaxed);
	state.early_reconnects = 0;
	atexit(slot_release);
	return rc;
}

char *
metrics_default_path(const struct config *c, char *buf, size_t len)
{
	struct sockaddr_un sun;
	socklen_t          slen = sizeof(sun), olen;
	int                listening = 0, n;
	const char        *conf;
	uint32_t           h = 2166136261u;

	memset(&sun, 0, sizeof(sun));
	olen = sizeof(listening);
	if (getsockname(0, (struct sockaddr *)&sun, &slen) == 0 && sun.sun_family == AF_UNIX &&
	    slen > offsetof(struct sockaddr_un, sun_path) && sun.sun_path[0] != '\0' &&
	    getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &olen) == 0 && listening) {
		size_t plen = strnlen(sun.sun_path, slen - offsetof(struct sockaddr_un, sun_path));

		n = snprintf(buf, len, "%.*s.metrics", (int)plen, sun.sun_path);
		return n > 0 && (size_t)n < len ? buf : NULL;
	}
	conf = c != NULL && c->path != NULL ? c->path : "environment";
	for (; *conf != '\0'; conf++)
		h = (h ^ (unsigned char)*conf) * 16777619u;
	n = snprintf(
	    buf, len, "/dev/shm/logbook-%u-%08x.metrics", (unsigned)geteuid(), (unsigned)h);
	return n > 0 && (size_t)n < len ? buf : NULL;
}

int
metrics_attach_config(const struct config *c)
{
	char        path[4096], err[512];
	const char *p;

	if (state.attempted)
		return state.shared ? 0 : -1;
	p = c->metrics_file != NULL ? c->metrics_file : metrics_default_path(c, path, sizeof(path));
	if (metrics_attach(p, err, sizeof(err)) != 0) {
		log_msg("warn", "metrics: %s; /metrics reports this worker alone", err);
		return -1;
	}
	log_msg("info", "metrics: slot %d of %s", (int)(state.mine - state.seg->slot), p);
	return 0;
}

/* --- the request path -------------------------------------------------------------------- */

void
metrics_observe(const char *method, int status, uint64_t ns)
{
	struct metrics_slot *s = state.mine;
	int                  b = 0;

	if (s == NULL)
		return;
	while (b < METRICS_BUCKETS - 1 && ns > bucket_ns[b])
		b++;
	atomic_fetch_add_explicit(
	    &s->requests[metrics_method_index(method)][metrics_status_index(status)], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&s->duration[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->duration_sum_ns, ns, memory_order_relaxed);
}

void
metrics_request_done(const struct request *r)
{
	struct timespec ts;
	uint64_t        now;

	if (!state.attempted)
		metrics_attach_config(&r->app->cfg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	metrics_observe(r->method, r->status, now > r->start_ns ? now - r->start_ns : 0);
}

void
metrics_db_reconnect(void)
{
	if (state.mine == NULL)
		state.early_reconnects++;
	else
		atomic_fetch_add_explicit(&state.mine->db_reconnects, 1, memory_order_relaxed);
}

/* --- the scrape -------------------------------------------------------------------------- */

int
metrics_snapshot(struct metrics_snapshot *out)
{
	int i, m, st;

	memset(out, 0, sizeof(*out));
	if (state.seg == NULL)
		return -1;
	out->shared = state.shared;
	for (i = 0; i <= METRICS_SLOTS; i++) {
		struct metrics_slot *s = &state.seg->slot[i];
		int                  pid;

		if (!atomic_load_explicit(&s->used, memory_order_relaxed))
			continue;
		out->worker_starts += atomic_load_explicit(&s->starts, memory_order_relaxed);
		out->db_reconnects += atomic_load_explicit(&s->db_reconnects, memory_order_relaxed);
		out->duration_sum_ns +=
		    atomic_load_explicit(&s->duration_sum_ns, memory_order_relaxed);
		for (m = 0; m < METRICS_BUCKETS; m++)
			out->duration[m] +=
			    atomic_load_explicit(&s->duration[m], memory_order_relaxed);
		for (m = 0; m < METRICS_METHODS; m++)
			for (st = 0; st < METRICS_STATUSES; st++)
				out->requests[m][st] +=
				    atomic_load_explicit(&s->requests[m][st], memory_order_relaxed);
		if (i == OVERFLOW_SLOT)
			continue;
		pid = atomic_load_explicit(&s->owner, memory_order_acquire);
		if (owner_alive(pid, atomic_load_explicit(&s->owner_start, memory_order_relaxed))) {
			out->workers[out->nworkers].slot = i;
			out->workers[out->nworkers].pid = pid;
			out->workers[out->nworkers].rss_bytes = proc_rss_bytes(pid);
			out->nworkers++;
		}
	}
	return 0;
}
