/* audit_verify.c — the hash chain recomputed in bounded batches; see audit_verify.h. */
#include "logbook/store/audit_verify.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/budget.h"
#include "logbook/store/db.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The head and, in the same snapshot, the lowest and highest seq present: rows outside
 * 1..head cannot come from the chain's trigger. */
static const char head_sql[] =
    "SELECT h.seq, h.hash, (SELECT min(seq) FROM audit_log), (SELECT max(seq) FROM audit_log)"
    " FROM audit_head h";
static const char anchor_sql[] =
    "SELECT prev_hash, hash, audit_canonical(a) FROM audit_log a WHERE seq = $1";
static const char batch_sql[] = "SELECT seq, prev_hash, hash, audit_canonical(a) FROM audit_log a"
				" WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";

void
audit_chain_hash(const char *prev_hash, const char *canonical, char hex[AUDIT_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char     md[EVP_MAX_MD_SIZE];
	unsigned int      len = 0, i;
	EVP_MD_CTX       *ctx = EVP_MD_CTX_new();

	/* Only allocation can fail here; an all-zero answer then matches no stored hash. */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev_hash, strlen(prev_hash)) != 1 ||
	    EVP_DigestUpdate(ctx, canonical, strlen(canonical)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32) {
		memset(hex, '0', AUDIT_HASH_HEX - 1);
		hex[0] = 'x';
		hex[AUDIT_HASH_HEX - 1] = '\0';
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* A query of the verification, on the connection directly: each result is cleared as soon
 * as it is read, so memory stays flat. NULL with e filled (before the clear). */
static PGresult *
query(struct db *db, struct arena *a, struct db_error *e, const char *sql, int n,
    const char *const *params)
{
	PGresult *res = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	db_error_from_result(e, a, db, res, "audit verify");
	PQclear(res);
	return NULL;
}

static int
broken(struct audit_verify *v, long long seq, const char *reason)
{
	v->ok = 0;
	v->first_bad_seq = seq;
	v->reason = reason;
	return 0;
}

/* Row from_seq must still be the row the checkpoint saw: its stored hash equal to the
 * checkpoint's and to the hash its content gives. 1 when it is, 0 not, -1 with e. */
static int
anchor_holds(struct db *db, struct arena *a, struct db_error *e, const struct audit_verify *v)
{
	char        seq[24], computed[AUDIT_HASH_HEX];
	const char *params[1] = { seq };
	PGresult   *res;
	int         holds;

	snprintf(seq, sizeof(seq), "%lld", v->from_seq);
	if ((res = query(db, a, e, anchor_sql, 1, params)) == NULL)
		return -1;
	holds = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), v->from_hash) == 0;
	if (holds) {
		audit_chain_hash(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), computed);
		holds = strcmp(computed, v->from_hash) == 0;
	}
	PQclear(res);
	return holds;
}

/* The head and the lowest and highest seq present. 1 to go on, 0 when already broken
 * (bad_seq), -1 with e. */
static int
read_head(
    struct db *db, struct arena *a, struct db_error *e, struct audit_verify *v, long long *max_seq)
{
	PGresult *res;
	long long min_seq;

	if ((res = query(db, a, e, head_sql, 0, NULL)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return db_error_set(e, a, DB_INTERNAL, "audit verify", "audit_head has no row");
	}
	v->head_seq = atoll(PQgetvalue(res, 0, 0));
	snprintf(v->head_hash, sizeof(v->head_hash), "%s", PQgetvalue(res, 0, 1));
	*max_seq = PQgetisnull(res, 0, 3) ? 0 : atoll(PQgetvalue(res, 0, 3));
	min_seq = PQgetisnull(res, 0, 2) ? 1 : atoll(PQgetvalue(res, 0, 2));
	PQclear(res);
	if (min_seq < 1)
		return broken(v, min_seq, "bad_seq");
	return 1;
}

/* Where to start: the zero hash before seq 1, or the checkpoint if it still holds. 1 to go
 * on, 0 when broken (checkpoint_mismatch), -1 with e. */
static int
start_at(struct db *db, struct arena *a, struct db_error *e, struct audit_verify *v,
    char prev[AUDIT_HASH_HEX], long long *last)
{
	int anchored;

	snprintf(prev, AUDIT_HASH_HEX, "%s", ZERO_HASH);
	*last = 0;
	if (v->from_seq <= 0)
		return 1;
	if (v->from_hash == NULL || v->from_seq > v->head_seq)
		return broken(v, v->from_seq, "checkpoint_mismatch");
	if ((anchored = anchor_holds(db, a, e, v)) < 0)
		return -1;
	if (!anchored)
		return broken(v, v->from_seq, "checkpoint_mismatch");
	snprintf(prev, AUDIT_HASH_HEX, "%s", v->from_hash);
	*last = v->from_seq;
	return 1;
}

/* Checks the rows after *last up to the head, AUDIT_VERIFY_BATCH at a time. 1 when every row
 * read was good, 0 when one broke the chain, -1 with e. */
static int
check_rows(struct db *db, struct arena *a, struct db_error *e, struct audit_verify *v,
    char prev[AUDIT_HASH_HEX], long long *last)
{
	char        computed[AUDIT_HASH_HEX], last_s[24], head_s[24], lim[16];
	const char *params[3] = { last_s, head_s, lim };
	PGresult   *res;
	int         i, n;

	snprintf(head_s, sizeof(head_s), "%lld", v->head_seq);
	snprintf(lim, sizeof(lim), "%d", AUDIT_VERIFY_BATCH);
	while (*last < v->head_seq) {
		/* Each batch is bounded work: a long trail renews the request's CPU budget. */
		budget_arm();
		snprintf(last_s, sizeof(last_s), "%lld", *last);
		if ((res = query(db, a, e, batch_sql, 3, params)) == NULL)
			return -1;
		if ((n = PQntuples(res)) == 0) {
			PQclear(res);
			break;
		}
		for (i = 0; i < n; i++) {
			long long   seq = atoll(PQgetvalue(res, i, 0));
			const char *reason = NULL;

			if (seq != *last + 1)
				reason = "missing";
			else if (strcmp(PQgetvalue(res, i, 1), prev) != 0)
				reason = "prev_hash_mismatch";
			else {
				audit_chain_hash(prev, PQgetvalue(res, i, 3), computed);
				if (strcmp(computed, PQgetvalue(res, i, 2)) != 0)
					reason = "hash_mismatch";
			}
			if (reason != NULL) {
				PQclear(res);
				return broken(v, seq != *last + 1 ? *last + 1 : seq, reason);
			}
			memcpy(prev, computed, AUDIT_HASH_HEX);
			*last = seq;
			v->checked++;
		}
		PQclear(res);
	}
	return 1;
}

int
audit_verify_run(struct db *db, struct arena *a, struct db_error *e, struct audit_verify *v)
{
	char      prev[AUDIT_HASH_HEX];
	long long last = 0, max_seq = 0;
	int       rc;

	v->ok = 0;
	v->checked = 0;
	v->first_bad_seq = 0;
	v->reason = NULL;
	if (db_ensure(db, a, e) != 0)
		return -1;
	if ((rc = read_head(db, a, e, v, &max_seq)) != 1 ||
	    (rc = start_at(db, a, e, v, prev, &last)) != 1 ||
	    (rc = check_rows(db, a, e, v, prev, &last)) != 1)
		return rc;
	if (last < v->head_seq)
		return broken(v, last + 1, "missing");
	if (strcmp(prev, v->head_hash) != 0)
		return broken(v, last, "head_mismatch");
	if (max_seq > v->head_seq)
		return broken(v, v->head_seq + 1, "beyond_head");
	v->ok = 1;
	return 0;
}
