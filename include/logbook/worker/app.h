/* app.h — what one worker process holds for its whole life. */
#ifndef LOGBOOK_APP_H
#define LOGBOOK_APP_H

#include "logbook/core/config.h"
#include "logbook/store/db.h"

struct app {
	struct config cfg;
	struct db     db;
	struct db     db_saved; /* the application's connection while db is the owner's */
	unsigned long requests; /* answered since start */
};

#endif
