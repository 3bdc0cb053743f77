/* ctl_audit.c — `logbookctl audit verify`: the whole hash chain, straight from the database.
 *
 * For auditors and after a restore from backup: it ignores the checkpoint the API keeps and
 * writes nothing but the chaining of pending rows, with the same store functions as the API
 * (audit_seal_now, audit_verify_run). */
#include <stdio.h>
#include <string.h>

#include "logbook/core/arena.h"
#include "logbook/ctl/ctl.h"
#include "logbook/store/audit_append.h"
#include "logbook/store/audit_verify.h"
#include "logbook/store/db.h"

int
ctl_audit(struct config *cfg, int argc, char **argv)
{
	struct audit_verify v = { 0 };
	struct db_error     e;
	struct db           db;
	struct arena        a;
	int                 rc;

	if (argc != 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "usage: logbookctl audit verify\n");
		return 2;
	}
	if (ctl_connect(&db, cfg->db_migrate_conninfo) != 0)
		return 1;
	arena_init(&a);
	/* Chain what is pending first, so that the whole committed trail is checked. */
	if ((rc = audit_seal_now(&db, &a, &e)) == 0)
		rc = audit_verify_run(&db, &a, &e, &v);
	if (rc != 0)
		fprintf(stderr, "logbookctl: audit verify failed: %s\n",
		    e.message != NULL ? e.message : db_class_name(e.cls));
	arena_destroy(&a);
	db_close(&db);
	if (rc != 0)
		return 1;
	if (!v.ok) {
		printf("audit chain BROKEN at seq %lld (%s); %lld rows before it verified\n",
		    v.first_bad_seq, v.reason, v.checked);
		return 1;
	}
	printf("audit chain ok: %lld rows, head seq %lld hash %s\n", v.checked, v.head_seq,
	    v.head_hash);
	return 0;
}
