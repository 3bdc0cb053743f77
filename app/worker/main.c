/* main.c — the FastCGI worker: load settings, connect, then accept -> dispatch -> finish.
 *
 * spawn-fcgi hands us the listening socket as fd 0; multiwatch keeps N of us alive. One
 * request at a time per process: the arena and the database connection are reused. */
#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/core/budget.h"
#include "logbook/core/log.h"
#include "logbook/domain/field_value.h"
#include "logbook/http/http.h"
#include "logbook/http/router.h"
#include "logbook/metrics/metrics.h"
#include "logbook/store/audit_append.h"
#include "logbook/worker/app.h"

int
main(int argc, char **argv)
{
	static struct app app;
	struct arena      arena;
	FCGX_Request      fcgx;
	char              err[512];
	const char       *config_path = NULL;

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		config_path = argv[2];
	else if (argc != 1) {
		fprintf(
		    stderr, "usage: logbook-fcgi [-c logbook.conf]   (started by spawn-fcgi)\n");
		return 2;
	}
	if (config_load(&app.cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "logbook-fcgi: %s\n", err);
		return 1;
	}
	field_value_set_max_text_bytes((size_t)app.cfg.max_text_bytes);
	budget_init(app.cfg.request_cpu_ms);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "logbook-fcgi: FCGX_Init failed\n");
		return 1;
	}
	/* Not fatal: requests get 503 until the database answers. */
	db_open(&app.db, app.cfg.db_conninfo, app.cfg.statement_timeout_ms);
	FCGX_InitRequest(&fcgx, 0, 0);
	metrics_attach_config(&app.cfg); /* counted as a live worker before its first request */
	arena_init(&arena);
	log_msg("info", "worker ready (config %s)",
	    app.cfg.path != NULL ? app.cfg.path : "environment");

	while (FCGX_Accept_r(&fcgx) >= 0) {
		struct request r;

		budget_arm();
		request_init(&r, &fcgx, &app, &arena);
		dispatch(&r);
		/* A handler that failed midway leaves its transaction open: nothing half-done stays. */
		db_rollback(&app.db);
		log_request(&r);
		metrics_request_done(&r);
		FCGX_Finish_r(&fcgx);
		/* After the client has its answer: chaining the audit rows costs no one latency. */
		if (r.seal_after)
			audit_seal_after(&app.db);
		budget_disarm();
		arena_reset(&arena);
		app.requests++;
	}
	log_msg("info", "worker stopping after %lu requests", app.requests);
	arena_destroy(&arena);
	db_close(&app.db);
	config_free(&app.cfg);
	return 0;
}
