/* lock.h: named locks for jobs that must not overlap: a kernel file lock
 * (flock) on one machine, a PostgreSQL advisory lock across machines.
 * Either ends with its holder, so a killed job leaves no stale lock.
 * rota-cache lock and rota-mview-refresh take them. */
#ifndef ROTA_LOCK_H
#define ROTA_LOCK_H

#include <stddef.h>

struct lock;

/* Takes the file lock at path, waiting up to wait seconds.  The file is
 * made 0600 if missing, never through a symbolic link, and holds the
 * holder's pid (for people; the lock is the flock).  NULL with err set
 * on failure; *busy is then 1 when another holder kept it past the wait. */
struct lock *lock_file(const char *path, double wait, int *busy, char *err, size_t errlen);
/* Takes the advisory lock of name on the PostgreSQL server of conninfo,
 * on a connection of its own; the same contract. */
struct lock *lock_pg(const char *conninfo, const char *name, double wait, int *busy, char *err,
	size_t errlen);
/* The file lock's descriptor (a child that inherits it holds the lock
 * too), or -1 for an advisory lock. */
int lock_fd(const struct lock *l);
void lock_release(struct lock *l);

#endif
