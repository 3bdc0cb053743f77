/* openapi.h — the OpenAPI 3.1 document of the HTTP API (app/openapi.json), compiled into the
 * binaries by app/scripts/embed-file.sh (the Makefile's $(BUILD)/gen/openapi_data.c), so that
 * an installed worker serves it without reading a data file. */
#ifndef LOGBOOK_OPENAPI_H
#define LOGBOOK_OPENAPI_H

#include <stddef.h>

/* The bytes of app/openapi.json followed by one NUL (not counted in openapi_document_len). */
extern const unsigned char openapi_document[];
extern const size_t        openapi_document_len;

#endif
