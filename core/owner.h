/* owner.h - a program started as root works as the user who owns the database's folder, so that
 * what it creates there (the SQLite -wal and -shm, the key file, the setup code, the rate lock)
 * stays readable by the dashboard that runs as that user. */
#ifndef OPTSYNC_OWNER_H
#define OPTSYNC_OWNER_H

#include <stddef.h>

#include "err.h"

/* When this process runs as root and the folder holding db_path belongs to another user, becomes
 * that user for good: its group, its supplementary groups, then its uid (a passwd entry is needed
 * for the groups; without one, the folder's uid and gid and no supplementary groups). Call it
 * before anything is opened. Returns 1 when it switched (who gets the user's name), 0 when there
 * was nothing to do (not root, a root-owned folder, no folder yet), -1 with e filled when the
 * switch failed: the caller must stop, as going on as root is what this prevents. */
int owner_become(const char *db_path, char *who, size_t n, err_t *e);

#endif
