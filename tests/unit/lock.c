/* Unit tests for lib/lock: the file lock (its file, the pid it holds, a
 * second holder in this process or another kept out or let in after a
 * wait, a descriptor inherited by a child holding it too, never through a
 * symbolic link) and the error path of the PostgreSQL advisory lock (no
 * server is needed: tests/rota-cache-pg.bats has one). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "tap.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_for(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The text of a file (at most n - 1 bytes), or "" when it cannot be read. */
static const char *
slurp(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	ssize_t got = read(fd, buf, n - 1);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	return buf;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A child's exit status, or -1 when it did not exit normally. */
static int
reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What a child's lock_file came to, as its exit status: 0 the lock, 1 busy
 * with the message of a holder, 2 anything else. */
static int
outcome(struct lock *l, int busy, const char *err)
{
	if (l)
		return 0;
	return busy == 1 && strstr(err, "held by another process") ? 1 : 2;
}

/* The parent's lock, file-scope so that a forked child that exits with
 * it still allocated leaves it reachable, not lost, under memcheck. */
static struct lock *held;

int
main(void)
{
	char dir[] = "/tmp/rota-unit-lock-XXXXXX", path[256], other[256], buf[256], want[64], err[512];
	int busy;
	struct stat sb;
	if (mkdtemp(dir) == NULL)
		return 1;
	umask(022);
	snprintf(path, sizeof path, "%s/job.lock", dir);

	/* A new lock file: 0600, with the holder's pid. */
	busy = 7;
	held = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(held != NULL, "lock_file on a new path%s%s", held ? "" : ": ", held ? "" : err);
	tap_is_int(busy, 0, "busy is 0 when the lock is taken");
	tap_ok(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "the lock file is made");
	tap_is_int(sb.st_mode & 07777, 0600, "its mode is 0600");
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	tap_is_str(slurp(path, buf, sizeof buf), want, "it holds the holder's pid");
	int fd = held ? lock_fd(held) : -1;
	struct stat fsb;
	tap_ok(fd >= 0 && fstat(fd, &fsb) == 0 && fsb.st_ino == sb.st_ino && fsb.st_dev == sb.st_dev,
		"lock_fd is a descriptor of the lock file");
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0,
		"the descriptor is inherited across exec (no FD_CLOEXEC)");

	/* flock locks belong to open file descriptions: a second open in the
	 * same process conflicts like another process's would. */
	busy = 7;
	err[0] = '\0';
	struct lock *l2 = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(l2 == NULL, "a second lock_file in the same process is refused");
	tap_is_int(busy, 1, "busy is 1 for it");
	tap_is_str(err, "held by another process", "its message");
	lock_release(l2);
	double t0 = now();
	busy = 7;
	l2 = lock_file(path, 0.2, &busy, err, sizeof err);
	double waited = now() - t0;
	tap_ok(l2 == NULL && busy == 1, "with a wait of 0.2 s it is still refused");
	tap_ok(waited >= 0.19 && waited < 2, "after waiting %.3f s", waited);
	tap_is_str(err, "held by another process (waited for it)", "its message says it waited");
	lock_release(l2);
	tap_is_str(slurp(path, buf, sizeof buf), want, "a refused taker leaves the holder's pid in the file");

	/* Another process with wait 0: refused. */
	pid_t pid = fork();
	if (pid == 0) {
		char e[256];
		int b = 7;
		close(fd);	/* not the inherited lock: one of its own */
		struct lock *c = lock_file(path, 0, &b, e, sizeof e);
		_exit(outcome(c, b, e));
	}
	tap_is_int(reap(pid), 1, "a forked child with wait 0 gets NULL and busy 1");

	/* Another process with wait 0.3 while this one lets go after 0.1 s. */
	int ready[2];
	if (pipe(ready) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		char e[256];
		int b = 7;
		close(ready[0]);
		close(fd);
		struct lock *c = lock_file(path, 0, &b, e, sizeof e);
		if (outcome(c, b, e) != 1)	/* still held: the parent waits for us */
			_exit(3);
		if (write(ready[1], "x", 1) != 1)
			_exit(4);
		c = lock_file(path, 0.3, &b, e, sizeof e);
		int rc = outcome(c, b, e);
		lock_release(c);
		_exit(rc);
	}
	close(ready[1]);
	char x;
	tap_ok(read(ready[0], &x, 1) == 1, "the child found the lock held");
	close(ready[0]);
	sleep_for(0.1);
	lock_release(held);
	held = NULL;
	tap_is_int(reap(pid), 0, "a child waiting 0.3 s gets the lock released after 0.1 s");
	snprintf(want, sizeof want, "%ld\n", (long)pid);
	tap_is_str(slurp(path, buf, sizeof buf), want, "the file then held the child's pid");

	/* Released (its holder exited): another open takes it. */
	busy = 7;
	held = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(held != NULL && busy == 0, "after the holder ends, lock_file takes it%s%s", held ? "" : ": ",
		held ? "" : err);
	lock_release(held);
	held = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(held != NULL, "lock_release, then lock_file again takes it%s%s", held ? "" : ": ", held ? "" : err);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	tap_is_str(slurp(path, buf, sizeof buf), want, "the old pid is replaced, not appended to");

	/* A child that inherits the descriptor holds the lock too. */
	int hold[2];
	if (pipe(hold) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(hold[1]);
		char c;
		(void)!read(hold[0], &c, 1);	/* until the parent closes its end */
		_exit(0);
	}
	close(hold[0]);
	lock_release(held);
	busy = 7;
	held = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(held == NULL && busy == 1, "released here, the lock stays with a child that inherited it");
	lock_release(held);
	close(hold[1]);
	tap_is_int(reap(pid), 0, "that child ends");
	held = lock_file(path, 0, &busy, err, sizeof err);
	tap_ok(held != NULL, "then the lock is free%s%s", held ? "" : ": ", held ? "" : err);
	lock_release(held);

	/* A stale file from someone else: its text is replaced by our pid. */
	snprintf(other, sizeof other, "%s/stale.lock", dir);
	write_file(other, "99999\nsomething much longer than a pid\n", 0644);
	held = lock_file(other, 0, &busy, err, sizeof err);
	tap_ok(held != NULL, "an existing lock file is taken%s%s", held ? "" : ": ", held ? "" : err);
	tap_is_str(slurp(other, buf, sizeof buf), want, "its old text is replaced by the pid");
	lock_release(held);

	/* Never through a symbolic link. */
	char target[256], link[256];
	snprintf(target, sizeof target, "%s/target", dir);
	snprintf(link, sizeof link, "%s/link.lock", dir);
	write_file(target, "keep me\n", 0644);
	if (symlink(target, link) < 0)
		return 1;
	busy = 7;
	err[0] = '\0';
	held = lock_file(link, 0, &busy, err, sizeof err);
	tap_ok(held == NULL, "a symbolic link at the path is refused");
	tap_is_int(busy, 0, "busy is 0 for it");
	tap_ok(strstr(err, link) && strstr(err, strerror(ELOOP)), "the error says why: %s", err);
	tap_is_str(slurp(target, buf, sizeof buf), "keep me\n", "the link's target keeps its text");
	tap_ok(stat(target, &sb) == 0 && (sb.st_mode & 07777) == 0644, "and its mode");
	lock_release(held);
	snprintf(target, sizeof target, "%s/absent", dir);
	snprintf(link, sizeof link, "%s/dangling.lock", dir);
	if (symlink(target, link) < 0)
		return 1;
	held = lock_file(link, 0, &busy, err, sizeof err);
	tap_ok(held == NULL && busy == 0 && strstr(err, strerror(ELOOP)), "a dangling link is refused: %s", err);
	tap_ok(lstat(target, &sb) < 0 && errno == ENOENT, "and its target is not created");

	/* A folder that does not exist. */
	snprintf(other, sizeof other, "%s/no/such/dir.lock", dir);
	busy = 7;
	held = lock_file(other, 0, &busy, err, sizeof err);
	tap_ok(held == NULL && busy == 0 && strstr(err, strerror(ENOENT)), "a missing folder: %s", err);

	lock_release(NULL);
	tap_ok(1, "lock_release(NULL) does nothing");

	/* PostgreSQL: only the error path, with no server (a socket folder that
	 * does not exist fails at once). */
	busy = 7;
	err[0] = '\0';
	t0 = now();
	held = lock_pg("host=/nonexistent-dir connect_timeout=1 dbname=x", "rota-unit", 0, &busy, err, sizeof err);
	tap_ok(held == NULL, "lock_pg with no server is NULL");
	tap_is_int(busy, 0, "busy is 0 for it");
	tap_ok(err[0] != '\0', "with a message: %.*s", (int)strcspn(err, "\n"), err);
	tap_ok(now() - t0 < 5, "and it does not hang");
	lock_release(held);

	snprintf(buf, sizeof buf, "rm -rf %s", dir);
	if (system(buf) != 0)
		return 1;
	return tap_done();
}
