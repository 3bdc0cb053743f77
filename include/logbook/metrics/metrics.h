/* metrics.h — service-wide counters for GET /metrics, in one file every worker maps.
 *
 * Workers are separate processes (multiwatch replaces a killed one with a new process), so
 * one scrape can only report the whole service if the counters live outside any one of them:
 * a file (metrics_file, by default beside the FastCGI socket) mapped MAP_SHARED by every
 * worker. The file holds METRICS_SLOTS slots; a worker claims one at its first request, by
 * pid, reusing the slot of a worker that is gone, so a slot's counters add up the requests of
 * every process that ever held it and the totals survive a worker being killed. A worker only
 * writes its own slot, with relaxed C11 atomic adds: no lock on the request path, and slots
 * are cache-line aligned so that two workers never write the same line. A scrape sums every
 * slot ever used and asks /proc which owners are alive (a pid reused by another process is
 * told apart by its start time). Claiming is serialised by flock(2) on the file, never the
 * request path. Labels are bounded: 8 methods (other ones count as "other") and a fixed set
 * of status codes (any other code counts as its class, "4xx", or "other"). */
#ifndef LOGBOOK_METRICS_H
#define LOGBOOK_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct config;
struct request;

/* The version logbook_build_info reports; a build may pass -DLOGBOOK_VERSION='"x.y.z"'. */
#ifndef LOGBOOK_VERSION
#define LOGBOOK_VERSION "dev"
#endif

#define METRICS_SLOTS    256 /* workers that can count at once; more share one extra slot */
#define METRICS_METHODS  8   /* GET HEAD POST PUT PATCH DELETE OPTIONS other */
#define METRICS_STATUSES 32  /* exact codes, then 1xx..5xx, then "other" */
#define METRICS_BUCKETS  16  /* duration histogram: 15 bounds and +Inf */

/* Label values, by index: metrics_method_label[i] for requests[i][*], and so on. */
extern const char *const metrics_method_label[METRICS_METHODS];
extern const char *const metrics_status_label[METRICS_STATUSES];
extern const char *const metrics_bucket_le[METRICS_BUCKETS]; /* "0.0005" ... "+Inf" */

struct metrics_worker {
	int       slot;
	pid_t     pid;
	long long rss_bytes; /* -1 when /proc does not say */
};

/* The whole service at one moment (each counter read atomically; the set is not one
 * transaction, which Prometheus does not need). */
struct metrics_snapshot {
	uint64_t              requests[METRICS_METHODS][METRICS_STATUSES];
	uint64_t              duration[METRICS_BUCKETS]; /* per bucket, not cumulative */
	uint64_t              duration_sum_ns;
	uint64_t              db_reconnects;
	uint64_t              worker_starts; /* slot claims: starts and restarts */
	int                   shared;   /* 0: the file could not be mapped; this worker alone */
	int                   nworkers; /* live slots */
	struct metrics_worker workers[METRICS_SLOTS];
};

/* Maps the file at path (created 0600 when missing, recreated when its layout is not this
 * build's) and claims this process's slot; a process attaches once, later calls return what
 * the first one did. Returns 0; or -1 with err set, and then the process counts alone in
 * private memory (so the request path never checks) and snapshots say shared = 0. */
int metrics_attach(const char *path, char *err, size_t errlen);

/* Attaches at most once per process to the file config names (metrics_file, else
 * metrics_default_path), logging a failure once. Returns 0 when counting in the shared file. */
int metrics_attach_config(const struct config *c);

/* The file used when metrics_file is not set: "<FastCGI socket path>.metrics" when fd 0 is a
 * listening unix socket with a path (spawn-fcgi's), else
 * "/dev/shm/logbook-<uid>-<hash of the config path>.metrics". Writes it into buf; returns buf,
 * or NULL when it does not fit. */
char *metrics_default_path(const struct config *c, char *buf, size_t len);

/* The hook after each request (main.c): attaches on first use, then counts r's method,
 * status and duration (since r->start_ns). Three relaxed atomic adds. */
void metrics_request_done(const struct request *r);

/* Counts one request; the core of metrics_request_done. method NULL counts as "other". */
void metrics_observe(const char *method, int status, uint64_t duration_ns);

/* Counts one database reconnect (db_ensure). Does nothing before the process attached. */
void metrics_db_reconnect(void);

/* Index of a method / status in the label tables (never out of range). */
int metrics_method_index(const char *method);
int metrics_status_index(int status);

/* Fills *s from every slot of the shared file (or the private fallback). Returns 0, or -1
 * when the process never attached. */
int metrics_snapshot(struct metrics_snapshot *s);

/* The Prometheus text exposition (format 0.0.4) of s, with logbook_build_info{version}.
 * In app/handlers/metrics.c. Returns 0, or -1 when writing to f failed. */
int metrics_write_text(FILE *f, const struct metrics_snapshot *s, const char *version);

#endif
