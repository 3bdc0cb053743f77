/* ctl.h — logbookctl's subcommands, one file each under app/ctl/. */
#ifndef LOGBOOK_CTL_H
#define LOGBOOK_CTL_H

#include "logbook/core/config.h"

struct db;

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage. */
int ctl_migrate(struct config *cfg, int argc, char **argv);
int ctl_user(struct config *cfg, int argc, char **argv);
int ctl_token(struct config *cfg, int argc, char **argv);
int ctl_audit(struct config *cfg, int argc, char **argv);

/* Opens the store's connection (store/db.h) with conninfo, as the workers do but without a
 * statement timeout; or prints why and returns -1. */
int ctl_connect(struct db *db, const char *conninfo);

#endif
