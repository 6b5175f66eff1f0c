/* lock.c: file locks and PostgreSQL advisory locks. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "pq.h"
#include "util.h"

struct lock {
	int fd;
	PGconn *pg;
};

static void
nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

struct lock *
lock_file(const char *path, double wait, int *busy, char *err, size_t errlen)
{
	*busy = 0;
	/* Not close-on-exec: the child of rota-cache lock inherits the lock
	 * on purpose. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	double until = rota_now() + wait;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		if (rota_now() >= until) {
			*busy = 1;
			snprintf(err, errlen, "held by another process%s", wait > 0 ? " (waited for it)" : "");
			close(fd);
			return NULL;
		}
		nap();
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n)
		rota_warn("%s", path);	/* only the note of who holds it */
	struct lock *l = xcalloc(1, sizeof *l);
	l->fd = fd;
	return l;
}

struct lock *
lock_pg(const char *conninfo, const char *name, double wait, int *busy, char *err, size_t errlen)
{
	*busy = 0;
	if (pq_load(err, errlen) < 0)
		return NULL;
	PGconn *pg = pq.connectdb(conninfo);
	if (pq.status(pg) != CONNECTION_OK) {
		/* libpq may quote the connection string, or the part of it it
		 * cannot parse: its password must not be shown, as a store's
		 * is not (store.c).  Its message ends in a newline; ours do not. */
		snprintf(err, errlen, "%s", pq.errorMessage(pg));
		rota_scrub_password(conninfo, err);
		for (size_t n = strlen(err); n > 0 && err[n - 1] == '\n'; n--)
			err[n - 1] = '\0';
		pq.finish(pg);
		return NULL;
	}
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)XXH3_64bits(name, strlen(name)));
	const char *params[1] = { id };
	double until = rota_now() + wait;
	for (;;) {
		PGresult *r = pq.execParams(pg, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params,
			NULL, NULL, 0);
		if (pq.resultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(err, errlen, "%s", pq.errorMessage(pg));
			pq.clear(r);
			pq.finish(pg);
			return NULL;
		}
		int got = strcmp(pq.getvalue(r, 0, 0), "t") == 0;
		pq.clear(r);
		if (got) {
			struct lock *l = xcalloc(1, sizeof *l);
			l->fd = -1;
			l->pg = pg;
			return l;
		}
		if (rota_now() >= until) {
			*busy = 1;
			snprintf(err, errlen, "held by another session of the server");
			pq.finish(pg);
			return NULL;
		}
		nap();
	}
}

int
lock_fd(const struct lock *l)
{
	return l->fd;
}

void
lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	if (l->pg)
		pq.finish(l->pg);	/* ends the session, and with it the lock */
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
