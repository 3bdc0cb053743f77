/* openapi.c — GET /api/v1/openapi.json: the OpenAPI document compiled into the binary.
 *
 * The document only changes with the binary, so it is cacheable (unlike every other answer):
 * a strong ETag over its bytes, computed once per worker, and If-None-Match answered 304. */
#include "logbook/http/openapi.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "logbook/handlers/handlers.h"
#include "logbook/http/http.h"

#define OPENAPI_CACHE_CONTROL "public, max-age=300"

/* "\"<first 16 bytes of SHA-256 of the document, hex>\"", or NULL when libcrypto fails (the
 * document is then served without validators rather than not at all). Static storage. */
static const char *
openapi_etag(void)
{
	static char   etag[2 + 32 + 1];
	static int    ready;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0, i;

	if (ready)
		return etag;
	if (EVP_Digest(openapi_document, openapi_document_len, md, &mdlen, EVP_sha256(), NULL) !=
		1 ||
	    mdlen < 16)
		return NULL;
	etag[0] = '"';
	for (i = 0; i < 16; i++)
		snprintf(etag + 1 + 2 * i, 3, "%02x", md[i]);
	etag[33] = '"';
	etag[34] = '\0';
	ready = 1;
	return etag;
}

/* True when If-None-Match names etag (or is "*"). The comparison is the weak one RFC 9110
 * prescribes for If-None-Match, so W/"x" matches "x": finding the quoted tag is enough, since
 * quotes cannot occur inside an entity tag. */
static int
none_match(const char *header, const char *etag)
{
	const char *p = header;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(p, "*") == 0)
		return 1;
	return strstr(header, etag) != NULL;
}

int
handle_openapi(struct request *r)
{
	const char *etag = openapi_etag();
	const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", r->fcgx->envp);

	reply_header(r, "Cache-Control", OPENAPI_CACHE_CONTROL);
	if (etag != NULL) {
		reply_header(r, "ETag", etag);
		if (inm != NULL && none_match(inm, etag)) {
			reply_raw(r, 304, NULL, NULL, "", 0);
			return 0;
		}
	}
	reply_raw(r, 200, "application/json; charset=utf-8", NULL, (const char *)openapi_document,
	    openapi_document_len);
	return 0;
}
