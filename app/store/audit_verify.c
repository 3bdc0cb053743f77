/* audit_verify.c — the hash chain recomputed in bounded batches; see audit_verify.h. */
#include "logbook/store/audit_verify.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logbook/core/budget.h"

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

static int
tuples_ok(PGresult *res)
{
	return res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
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
 * checkpoint's and to the hash its content gives. 1 when it is. */
static int
anchor_holds(PGconn *conn, const struct audit_verify *v, PGresult **error)
{
	char        seq[24], computed[AUDIT_HASH_HEX];
	const char *params[1] = { seq };
	PGresult   *res;
	int         holds;

	snprintf(seq, sizeof(seq), "%lld", v->from_seq);
	res = PQexecParams(conn, anchor_sql, 1, NULL, params, NULL, NULL, 0);
	if (!tuples_ok(res)) {
		*error = res;
		return -1;
	}
	holds = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), v->from_hash) == 0;
	if (holds) {
		audit_chain_hash(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), computed);
		holds = strcmp(computed, v->from_hash) == 0;
	}
	PQclear(res);
	return holds;
}

int
audit_verify_run(PGconn *conn, struct audit_verify *v, PGresult **error)
{
	PGresult   *res;
	char        prev[AUDIT_HASH_HEX], computed[AUDIT_HASH_HEX], last_s[24], head_s[24], lim[16];
	const char *params[3] = { last_s, head_s, lim };
	long long   last = 0, max_seq = 0;
	int         i, n, anchored;

	*error = NULL;
	v->ok = 0;
	v->checked = 0;
	v->first_bad_seq = 0;
	v->reason = NULL;

	res = PQexec(conn, head_sql);
	if (!tuples_ok(res) || PQntuples(res) != 1) {
		*error = res;
		return -1;
	}
	v->head_seq = atoll(PQgetvalue(res, 0, 0));
	snprintf(v->head_hash, sizeof(v->head_hash), "%s", PQgetvalue(res, 0, 1));
	if (!PQgetisnull(res, 0, 2) && atoll(PQgetvalue(res, 0, 2)) < 1) {
		last = atoll(PQgetvalue(res, 0, 2));
		PQclear(res);
		return broken(v, last, "bad_seq");
	}
	if (!PQgetisnull(res, 0, 3))
		max_seq = atoll(PQgetvalue(res, 0, 3));
	PQclear(res);

	snprintf(prev, sizeof(prev), "%s", ZERO_HASH);
	if (v->from_seq > 0) {
		if (v->from_hash == NULL || v->from_seq > v->head_seq)
			return broken(v, v->from_seq, "checkpoint_mismatch");
		if ((anchored = anchor_holds(conn, v, error)) < 0)
			return -1;
		if (!anchored)
			return broken(v, v->from_seq, "checkpoint_mismatch");
		snprintf(prev, sizeof(prev), "%s", v->from_hash);
		last = v->from_seq;
	}

	snprintf(head_s, sizeof(head_s), "%lld", v->head_seq);
	snprintf(lim, sizeof(lim), "%d", AUDIT_VERIFY_BATCH);
	while (last < v->head_seq) {
		/* Each batch is bounded work: a long trail renews the request's CPU budget. */
		budget_arm();
		snprintf(last_s, sizeof(last_s), "%lld", last);
		res = PQexecParams(conn, batch_sql, 3, NULL, params, NULL, NULL, 0);
		if (!tuples_ok(res)) {
			*error = res;
			return -1;
		}
		if ((n = PQntuples(res)) == 0) {
			PQclear(res);
			break;
		}
		for (i = 0; i < n; i++) {
			long long   seq = atoll(PQgetvalue(res, i, 0));
			const char *reason = NULL;

			if (seq != last + 1)
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
				return broken(v, seq != last + 1 ? last + 1 : seq, reason);
			}
			memcpy(prev, computed, sizeof(prev));
			last = seq;
			v->checked++;
		}
		PQclear(res);
	}
	if (last < v->head_seq)
		return broken(v, last + 1, "missing");
	if (strcmp(prev, v->head_hash) != 0)
		return broken(v, last, "head_mismatch");
	if (max_seq > v->head_seq)
		return broken(v, v->head_seq + 1, "beyond_head");
	v->ok = 1;
	return 0;
}
