/* util.h: messages in the style of err(3), exit statuses, memory, buffers. */
#ifndef ROTA_UTIL_H
#define ROTA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdnoreturn.h>

/* The one exit-status table of the toolchain; rota(7) documents it. */
enum rota_exit {
	EXIT_OK = 0,		/* success, nothing found */
	EXIT_FOUND = 1,		/* a check found something, rows were rejected, a miss */
	EXIT_USAGE = 2,		/* bad options or arguments */
	EXIT_DATA = 3,		/* input unusable: unreadable file, too many rejects */
	EXIT_STORE = 4,		/* the store failed: cannot open, connect, migrate, write */
	EXIT_BUSY = 5,		/* a lock could not be had */
	EXIT_INFEASIBLE = 6,	/* no schedule keeps every hard rule */
	EXIT_IO = 7,		/* a system or output error (full disk, closed pipe) */
};

extern const char *rota_progname;
/* What every tool does first: rota_progname from argv[0], and SIGXFSZ
 * ignored, so that a write past the file size limit (ulimit -f) fails with
 * EFBIG and is reported like a full disk, instead of killing the tool
 * mid-write.
 * rota_exec_signals gives a program the tool runs (in the child, before
 * exec) the dispositions the tool itself was given. */
void rota_init(const char *argv0);
void rota_exec_signals(void);
void rota_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rota_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void rota_errx(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void rota_err(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bad input: exits EXIT_DATA with "FILE:LINE: field: msg", leaving out
 * the parts that do not apply (line 0: a store has no lines; field NULL
 * or "": the record as a whole). */
noreturn void rota_bad_input(const char *file, long line, const char *field, const char *msg);

/* Flushes and closes standard output; a write error becomes EXIT_IO. */
int rota_close_stdout(void);
/* A write to standard output failed with err: EXIT_IO, said on standard
 * error unless err is EPIPE (the reader closed the pipe, as head(1) does,
 * with SIGPIPE ignored), which is the reader's choice, not an error. */
int rota_stdout_failed(int err);

/* An option's argument as an integer or a number within [lo, hi]; anything
 * else exits EXIT_USAGE with "OPT: expected …, got "S"". */
long long opt_integer(const char *opt, const char *s, long long lo, long long hi);
double opt_number(const char *opt, const char *s, double lo, double hi);
/* A duration: numbers each followed by d, h, m or s ("2h", "1h30m",
 * "7d"), in seconds. */
long long opt_duration(const char *opt, const char *s);
/* A size: a number of bytes, optionally followed by k, M, G or T (powers
 * of 1024, "KiB" and "MB" spellings too). */
long long opt_size(const char *opt, const char *s);
/* The same without exiting: 0 and the value, or -1. */
int parse_duration(const char *s, long long *secs);
int parse_size(const char *s, long long *bytes);

/* A file written under a temporary name beside its path and renamed over
 * it when complete, so that no reader ever sees half of it; it gets the
 * mode a new file gets under the umask (0666 less its bits).  The
 * temporary name is unpredictable and made with O_EXCL | O_NOFOLLOW; a
 * symbolic link at the path is replaced, not followed. */
struct afile {
	FILE *fp;
	char *tmp;
	const char *path;
};
/* 0, or -1 with errno set. */
int afile_open(struct afile *a, const char *path);
/* Flushes, syncs, closes and renames: 0, or -1 with errno set and the
 * temporary file removed. */
int afile_commit(struct afile *a);
void afile_abort(struct afile *a);

/* A store's name as it may be shown: a password in it, as a URI's
 * user:password@ or a password=… pair, becomes ***. */
void rota_spec_masked(const char *spec, char *buf, size_t size);
/* Masks, in place, the spec and its password wherever msg quotes them. */
void rota_scrub_password(const char *spec, char *msg);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A growable byte buffer, always NUL-terminated. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *p, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_reset(struct sbuf *b);
/* Appends all that can be read from fd until its end: 0, or -1 on a read
 * error (errno set). */
int sbuf_read_fd(struct sbuf *b, int fd);
void sbuf_free(struct sbuf *b);

/* Offset of the first byte that is not valid UTF-8, or -1 if all valid. */
long utf8_invalid_at(const char *s, size_t n);

/* Monotonic seconds, for rates and progress. */
double rota_now(void);

#endif
