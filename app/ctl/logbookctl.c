/* logbookctl — the administrator's command line: migrations, users, tokens, audit checks. */
#include <stdio.h>
#include <string.h>

#include "logbook/auth/jwt.h"
#include "logbook/core/config.h"
#include "logbook/ctl/ctl.h"
#include "logbook/store/migrate.h"

static int
ctl_check_config(struct config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("config %s is valid (jwt_alg %s, schema version %d in this build)\n",
	    cfg->path != NULL ? cfg->path : "(environment)", cfg->jwt_alg, migrate_latest());
	return 0;
}

static const struct {
	const char *name;
	int (*run)(struct config *, int, char **);
	const char *usage;
} commands[] = {
	{ "migrate", ctl_migrate, "migrate                      apply pending schema migrations" },
	{ "user", ctl_user,
	    "user add NAME (--password P | --password-file F) [--name N] --roles r1,r2" },
	{ "token", ctl_token, "token --sub S [--name N] --roles r1,r2 [--ttl SECONDS]" },
	{ "audit", ctl_audit, "audit verify                 recompute the whole audit hash chain" },
	{ "check-config", ctl_check_config,
	    "check-config                 load and check the settings" },
	{ NULL, NULL, NULL },
};

static int
usage(void)
{
	int i;

	fprintf(stderr, "usage: logbookctl [-c logbook.conf] COMMAND ...\n");
	for (i = 0; commands[i].name != NULL; i++)
		fprintf(stderr, "  logbookctl %s\n", commands[i].usage);
	fprintf(stderr, "The settings file is -c, else $LOGBOOK_CONFIG, else %s.\n",
	    CONFIG_DEFAULT_PATH);
	return 2;
}

PGconn *
ctl_connect(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(
		    stderr, "logbookctl: cannot connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQclear(PQexec(conn, "SET TimeZone = 'UTC'; SET client_min_messages = warning"));
	return conn;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	const char   *config_path = NULL;
	char          err[512];
	int           i, rc;

	argc--;
	argv++;
	if (argc >= 2 && strcmp(argv[0], "-c") == 0) {
		config_path = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return usage();
	for (i = 0; commands[i].name != NULL; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			break;
	if (commands[i].name == NULL)
		return usage();
	if (config_load(&cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "logbookctl: %s\n", err);
		return 1;
	}
	rc = commands[i].run(&cfg, argc, argv);
	config_free(&cfg);
	return rc;
}
