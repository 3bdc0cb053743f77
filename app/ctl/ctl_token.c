/* ctl_token.c — `logbookctl token`: mint a token with the configured key (development, scripts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logbook/auth/jwt.h"
#include "logbook/auth/roles.h"
#include "logbook/ctl/ctl.h"

int
ctl_token(struct config *cfg, int argc, char **argv)
{
	const char *sub = NULL, *name = NULL, *roles_csv = "", *bad;
	const char *roles[JWT_MAX_ROLES];
	char       *copy, *tok, *save = NULL, *token;
	long        ttl = cfg->token_ttl;
	unsigned    mask;
	int         i, n = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--sub") == 0)
			sub = argv[i + 1];
		else if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else if (strcmp(argv[i], "--roles") == 0)
			roles_csv = argv[i + 1];
		else if (strcmp(argv[i], "--ttl") == 0)
			ttl = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i != argc || sub == NULL || ttl <= 0) {
		fprintf(stderr,
		    "usage: logbookctl token --sub S [--name N] --roles r1,r2 [--ttl SECONDS]\n");
		return 2;
	}
	if (ttl > cfg->jwt_max_ttl) {
		fprintf(stderr,
		    "logbookctl: --ttl %ld is longer than jwt_max_ttl (%ld): the token would be refused\n",
		    ttl, cfg->jwt_max_ttl);
		return 2;
	}
	if (roles_parse_list(roles_csv, &mask, &bad) != 0) {
		fprintf(stderr, "logbookctl: unknown role '%s'\n", bad);
		return 2;
	}
	copy = strdup(roles_csv);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < JWT_MAX_ROLES;
	     tok = strtok_r(NULL, ",", &save))
		roles[n++] = tok;
	token = jwt_mint_token(&cfg->jwt, sub, name, roles, n, time(NULL), ttl);
	free(copy);
	if (token == NULL) {
		fprintf(stderr,
		    "logbookctl: cannot sign a token: no signing key configured "
		    "(jwt_secret_file, or jwt_private_key_file for %s)\n",
		    cfg->jwt_alg);
		return 1;
	}
	puts(token);
	free(token);
	return 0;
}
