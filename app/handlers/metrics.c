/* metrics.c — GET /metrics: the whole service's counters (app/metrics.c) in the Prometheus
 * text exposition format 0.0.4. Public to the router; Nginx answers it on loopback only.
 *
 * Whichever worker answers, the numbers are the sum of every slot of the shared file, so
 * consecutive scrapes agree. Request series that never counted anything are left out: the
 * label space is bounded (metrics.h), but most of it stays empty. */
#include "logbook/metrics/metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"
#include "logbook/worker/app.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, with the three escapes the format defines. */
static void
label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Nanoseconds as exact decimal seconds: no rounding through a double. */
static void
seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
	    (unsigned long long)(ns % 1000000000u));
}

int
metrics_write_text(FILE *f, const struct metrics_snapshot *s, const char *version)
{
	static const char *const dur = "logbook_http_request_duration_seconds";
	uint64_t                 cumulative = 0;
	int                      m, st, i;

	family(f, "logbook_build_info", "gauge", "The version of the workers' build.");
	fputs("logbook_build_info{version=\"", f);
	label_value(f, version);
	fputs("\"} 1\n", f);

	family(f, "logbook_http_requests_total", "counter",
	    "Requests answered by every worker since the counters began, by method and status "
	    "(codes outside a fixed set count as their class, e.g. 4xx).");
	for (m = 0; m < METRICS_METHODS; m++)
		for (st = 0; st < METRICS_STATUSES; st++)
			if (s->requests[m][st] != 0)
				fprintf(f,
				    "logbook_http_requests_total{method=\"%s\",status=\"%s\"} %llu\n",
				    metrics_method_label[m], metrics_status_label[st],
				    (unsigned long long)s->requests[m][st]);

	family(f, dur, "histogram",
	    "Time in the worker from accepting a request to its last byte, in seconds.");
	for (i = 0; i < METRICS_BUCKETS; i++) {
		cumulative += s->duration[i];
		fprintf(f, "%s_bucket{le=\"%s\"} %llu\n", dur, metrics_bucket_le[i],
		    (unsigned long long)cumulative);
	}
	fprintf(f, "%s_sum ", dur);
	seconds(f, s->duration_sum_ns);
	fprintf(f, "\n%s_count %llu\n", dur, (unsigned long long)cumulative);

	family(f, "logbook_db_reconnects_total", "counter",
	    "Times a worker found its PostgreSQL connection lost and connected again.");
	fprintf(f, "logbook_db_reconnects_total %llu\n", (unsigned long long)s->db_reconnects);

	family(f, "logbook_worker_starts_total", "counter",
	    "Worker processes that began counting: starts, and restarts after a worker died.");
	fprintf(f, "logbook_worker_starts_total %llu\n", (unsigned long long)s->worker_starts);

	family(f, "logbook_workers", "gauge", "Workers alive now that hold a counters slot.");
	fprintf(f, "logbook_workers %d\n", s->nworkers);

	family(f, "logbook_worker_rss_bytes", "gauge",
	    "Resident memory of each live worker, by slot.");
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].rss_bytes >= 0)
			fprintf(f, "logbook_worker_rss_bytes{slot=\"%d\"} %lld\n",
			    s->workers[i].slot, s->workers[i].rss_bytes);

	family(f, "logbook_metrics_shared", "gauge",
	    "1 when these numbers cover every worker; 0 when the answering worker could not map "
	    "the shared counters file and reports itself alone (see its log).");
	fprintf(f, "logbook_metrics_shared %d\n", s->shared ? 1 : 0);
	return ferror(f) ? -1 : 0;
}

int
handle_metrics(struct request *r)
{
	struct metrics_snapshot *s = arena_alloc(r->arena, sizeof(*s));
	char                    *text = NULL;
	size_t                   len = 0;
	FILE                    *f;
	int                      rc = -1;

	metrics_attach_config(&r->app->cfg);
	if (metrics_snapshot(s) != 0)
		return PROBLEM(
		    r, 503, "metrics-unavailable", "this worker has no counters to report");
	if ((f = open_memstream(&text, &len)) == NULL)
		return PROBLEM(r, 500, "internal", "out of memory");
	if (metrics_write_text(f, s, LOGBOOK_VERSION) != 0) {
		fclose(f);
		PROBLEM(r, 500, "internal", "out of memory");
		goto out;
	}
	if (fclose(f) != 0) {
		PROBLEM(r, 500, "internal", "out of memory");
		goto out;
	}
	reply_raw(r, 200, CONTENT_TYPE, NULL, text, len);
	rc = 0;
out:
	free(text);
	return rc;
}
