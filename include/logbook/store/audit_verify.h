/* audit_verify.h — recomputing the audit hash chain, for GET /api/v1/audit/verify and
 * `logbookctl audit verify`.
 *
 * The canonical text of each row comes from the database (audit_canonical(), the one
 * definition of the form, see 002_audit.sql); the SHA-256 is computed here with OpenSSL, so a
 * replaced audit_hash() cannot make a broken chain look whole. Rows are read in batches of
 * AUDIT_VERIFY_BATCH, each freed before the next: memory stays flat whatever the length. */
#ifndef LOGBOOK_AUDIT_VERIFY_H
#define LOGBOOK_AUDIT_VERIFY_H

#include <libpq-fe.h>

#define AUDIT_VERIFY_BATCH 1000
#define AUDIT_HASH_HEX     65 /* 64 hex digits and a NUL */

struct audit_verify {
	/* In: where to start. from_seq 0 with from_hash NULL: the whole chain. Otherwise a
	 * checkpoint: row from_seq must still hash to from_hash (checked), and the rows after it
	 * are verified. */
	long long   from_seq;
	const char *from_hash;

	/* Out. */
	int         ok;
	long long   checked;       /* rows whose hash was recomputed */
	long long   first_bad_seq; /* when !ok */
	const char *reason;        /* when !ok, a static word; see audit_verify_run */
	long long   head_seq;      /* the chain's head when the run started */
	char        head_hash[AUDIT_HASH_HEX];
};

/* hex = lower-hex SHA-256 of the bytes of prev_hash followed by canonical (both UTF-8 text). */
void audit_chain_hash(const char *prev_hash, const char *canonical, char hex[AUDIT_HASH_HEX]);

/* Verifies the chain from v->from_seq up to the head read when it starts (rows committed later
 * are left for the next run). Every row up to the head must be there, in order, with
 * seq = previous + 1, prev_hash = the previous row's hash and hash = SHA-256(prev_hash ||
 * canonical); the head (audit_head) must name the last row. The first row that breaks this is
 * v->first_bad_seq, with v->reason one of:
 *   missing             no row with this seq (deleted, or moved)
 *   prev_hash_mismatch  prev_hash is not the previous row's hash (reordered or re-hashed rows)
 *   hash_mismatch       the row's content does not give its hash (changed)
 *   head_mismatch       audit_head names another hash for this seq
 *   beyond_head         rows past the head (inserted around the chain's trigger)
 *   bad_seq             a row with seq < 1
 *   checkpoint_mismatch row from_seq no longer hashes to from_hash (verify fully to locate)
 * Returns 0 with v->ok set (1 good, 0 broken), or -1 when the database failed: *error is
 * then the failed result (the caller's, to read and PQclear; NULL when the connection itself
 * failed). */
int audit_verify_run(PGconn *conn, struct audit_verify *v, PGresult **error);

#endif
