/* app.h — what one worker process holds for its whole life. */
#ifndef LOGBOOK_APP_H
#define LOGBOOK_APP_H

#include "logbook/core/config.h"

struct db;

struct app {
	struct config cfg;
	struct db    *db;       /* the worker's one connection (store/db.h) */
	unsigned long requests; /* answered since start */
};

#endif
