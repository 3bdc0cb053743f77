/* bare_read.c — the baseline for `make bench`: the least a FastCGI worker can do for a read.
 * One persistent libpq connection, one prepared primary-key SELECT, a hand-written JSON reply;
 * no routing, no auth, no JSON library. Run behind the same Nginx as logbook-fcgi so the two
 * numbers differ only by what Logbook does per request.
 *
 *   BARE_CONNINFO="host=... dbname=logbook user=logbook_app" spawn-fcgi ... -- bare-read
 *   GET /bare/?id=<entry uuid> */
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	const char  *conninfo = getenv("BARE_CONNINFO");
	PGconn      *conn;
	PGresult    *res;
	FCGX_Request req;

	if (conninfo == NULL || (conn = PQconnectdb(conninfo)) == NULL ||
	    PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "bare-read: set BARE_CONNINFO to a reachable database\n");
		return 1;
	}
	res = PQprepare(
	    conn, "read", "SELECT id, title, updated_at FROM entries WHERE id = $1::uuid", 1, NULL);
	PQclear(res);
	FCGX_Init();
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		const char *qs = FCGX_GetParam("QUERY_STRING", req.envp);
		const char *id = qs != NULL && strncmp(qs, "id=", 3) == 0 ? qs + 3 : "";
		const char *params[1] = { id };

		res = PQexecPrepared(conn, "read", 1, params, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			FCGX_FPrintF(req.out,
			    "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
			    "{\"id\":\"%s\",\"title\":\"%s\",\"updated_at\":\"%s\"}",
			    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
		else
			FCGX_FPrintF(req.out,
			    "Status: 404 Not Found\r\nContent-Type: application/json\r\n\r\n{}");
		PQclear(res);
		FCGX_Finish_r(&req);
	}
	PQfinish(conn);
	return 0;
}
