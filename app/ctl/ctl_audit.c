/* ctl_audit.c — `logbookctl audit verify`: the whole hash chain, straight from the database.
 *
 * For auditors and after a restore from backup: it ignores the checkpoint the API keeps and
 * writes nothing, so it can run against a read-only replica or a restored copy. */
#include <stdio.h>
#include <string.h>

#include "logbook/ctl/ctl.h"
#include "logbook/store/audit_verify.h"

int
ctl_audit(struct config *cfg, int argc, char **argv)
{
	struct audit_verify v = { 0 };
	PGresult           *err = NULL;
	PGconn             *conn;
	int                 rc;

	if (argc != 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: logbookctl audit verify\n");
		return 2;
	}
	if ((conn = ctl_connect(cfg->db_migrate_conninfo)) == NULL)
		return 1;
	/* Chain what is pending first, so that the whole committed trail is checked. */
	PQclear(PQexec(conn, "SELECT audit_seal(true)"));
	rc = audit_verify_run(conn, &v, &err);
	if (rc != 0) {
		fprintf(stderr, "logbookctl: audit verify failed: %s",
		    err != NULL ? PQresultErrorMessage(err) : PQerrorMessage(conn));
		PQclear(err);
		PQfinish(conn);
		return 1;
	}
	PQfinish(conn);
	if (!v.ok) {
		printf("audit chain BROKEN at seq %lld (%s); %lld rows before it verified\n",
		    v.first_bad_seq, v.reason, v.checked);
		return 1;
	}
	printf("audit chain ok: %lld rows, head seq %lld hash %s\n", v.checked, v.head_seq,
	    v.head_hash);
	return 0;
}
