/* ctl_user.c — `logbookctl user add`: create or reset a password user (audited). */
#include <stdio.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/password.h"
#include "logbook/auth/roles.h"
#include "logbook/ctl/ctl.h"

static int
read_password_file(const char *path, char *buf, size_t len)
{
	FILE  *f = fopen(path, "r");
	size_t n;

	if (f == NULL || fgets(buf, (int)len, f) == NULL) {
		fprintf(stderr, "logbookctl: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/* Builds "{a,b}" from "a,b" (role names are plain words, checked by roles_parse_list). */
static void
roles_array(const char *csv, char *out, size_t len)
{
	snprintf(out, len, "{%s}", csv);
}

int
ctl_user(struct config *cfg, int argc, char **argv)
{
	static const char sql[] =
	    "WITH u AS (INSERT INTO users (username, name, roles, password_hash) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (username) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles,"
	    " password_hash = EXCLUDED.password_hash, disabled = false, revision = users.revision + 1,"
	    " updated_at = now() RETURNING username, name, roles, (xmax = 0) AS created)"
	    " INSERT INTO audit_pending (actor, action, object_type, object_id, after)"
	    " SELECT 'cli:' || current_user, CASE WHEN created THEN 'create' ELSE 'update' END, 'user',"
	    " username, jsonb_build_object('username', username, 'name', name, 'roles', roles)"
	    " FROM u RETURNING object_id, action";
	const char *username, *name = "", *password = NULL, *roles_csv = "", *bad;
	const char *params[4];
	char        pwbuf[1024], hash[PASSWORD_HASH_MAX], roles[512];
	unsigned    mask;
	PGconn     *conn;
	PGresult   *res;
	int         i, rc = 1;

	if (argc < 3 || strcmp(argv[1], "add") != 0)
		goto usage;
	username = argv[2];
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else if (strcmp(argv[i], "--password") == 0)
			password = argv[i + 1];
		else if (strcmp(argv[i], "--password-file") == 0) {
			if (read_password_file(argv[i + 1], pwbuf, sizeof(pwbuf)) != 0)
				return 1;
			password = pwbuf;
		} else if (strcmp(argv[i], "--roles") == 0)
			roles_csv = argv[i + 1];
		else
			break;
	}
	if (i != argc || password == NULL)
		goto usage;
	if (!identity_username_valid(username)) {
		fprintf(
		    stderr, "logbookctl: the username must match %s\n", IDENTITY_USERNAME_PATTERN);
		return 2;
	}
	if (strlen(password) < 8) {
		fprintf(stderr, "logbookctl: the password must be at least 8 characters\n");
		return 2;
	}
	if (roles_parse_list(roles_csv, &mask, &bad) != 0) {
		fprintf(stderr, "logbookctl: unknown role '%s'\n", bad);
		return 2;
	}
	if (password_hash(password, hash) != 0) {
		fprintf(stderr, "logbookctl: cannot hash the password\n");
		return 1;
	}
	roles_array(roles_csv, roles, sizeof(roles));
	if ((conn = ctl_connect(cfg->db_migrate_conninfo)) == NULL)
		return 1;
	params[0] = username;
	params[1] = name;
	params[2] = roles;
	params[3] = hash;
	res = PQexecParams(conn, sql, 4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "logbookctl: %s", PQresultErrorMessage(res));
	else {
		printf("user %s: %sd\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		PQclear(PQexec(conn, "SELECT audit_seal()")); /* chain the audit row now */
		rc = 0;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
usage:
	fprintf(stderr,
	    "usage: logbookctl user add NAME (--password P | --password-file F) "
	    "[--name N] --roles r1,r2\n");
	return 2;
}
