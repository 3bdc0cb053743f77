/* ctl_migrate.c — `logbookctl migrate`: apply pending migrations as the schema owner. */
#include <stdio.h>

#include "logbook/ctl/ctl.h"
#include "logbook/store/migrate.h"

int
ctl_migrate(struct config *cfg, int argc, char **argv)
{
	PGconn *conn;
	char    err[1024];
	int     n;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: logbookctl migrate\n");
		return 2;
	}
	if ((conn = ctl_connect(cfg->db_migrate_conninfo)) == NULL)
		return 1;
	n = migrate_apply(conn, err, sizeof(err));
	PQfinish(conn);
	if (n < 0) {
		fprintf(stderr, "logbookctl: migration failed, nothing applied: %s", err);
		return 1;
	}
	printf("schema at version %d (%d migration%s applied)\n", migrate_latest(), n,
	    n == 1 ? "" : "s");
	return 0;
}
