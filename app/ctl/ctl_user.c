/* ctl_user.c — `logbookctl user add`: create or reset a password user (audited). */
#include <stdio.h>
#include <string.h>

#include "logbook/auth/identity.h"
#include "logbook/auth/password.h"
#include "logbook/auth/roles.h"
#include "logbook/core/arena.h"
#include "logbook/ctl/ctl.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/db.h"
#include "logbook/store/user_store.h"

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
	const char        *username, *name = "", *password = NULL, *roles_csv = "", *bad;
	char               pwbuf[1024], hash[PASSWORD_HASH_MAX], roles[512];
	unsigned           mask;
	struct db          db;
	struct db_error    e;
	struct arena       a;
	struct audit_actor who = { 0 };
	int                i, rc;

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
	if (ctl_connect(&db, cfg->db_migrate_conninfo) != 0)
		return 1;
	arena_init(&a);
	/* The same audit writer as the API's, with the database role as actor. */
	who.sub = arena_printf(&a, "cli:%s", db_user(&db));
	rc = ustore_upsert(&db, &a, &e, &who, username, name, roles, hash);
	if (rc < 0)
		fprintf(stderr, "logbookctl: %s\n",
		    e.message != NULL ? e.message : db_class_name(e.cls));
	else {
		printf("user %s: %s\n", username, rc ? "created" : "updated");
		audit_seal_now(&db, &a, &e); /* chain the audit row now */
	}
	arena_destroy(&a);
	db_close(&db);
	return rc < 0 ? 1 : 0;
usage:
	fprintf(stderr,
	    "usage: logbookctl user add NAME (--password P | --password-file F) "
	    "[--name N] --roles r1,r2\n");
	return 2;
}
