/* ctl.h — logbookctl's subcommands, one file each under app/ctl/. */
#ifndef LOGBOOK_CTL_H
#define LOGBOOK_CTL_H

#include <libpq-fe.h>

#include "logbook/core/config.h"

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage. */
int ctl_migrate(struct config *cfg, int argc, char **argv);
int ctl_user(struct config *cfg, int argc, char **argv);
int ctl_token(struct config *cfg, int argc, char **argv);
int ctl_audit(struct config *cfg, int argc, char **argv);

/* Connects with conninfo or prints why and returns NULL. */
PGconn *ctl_connect(const char *conninfo);

#endif
