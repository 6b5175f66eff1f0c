/* util.c: messages, memory, buffers shared by every rota tool. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *rota_progname = "rota";

static void
rota_setprogname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	rota_progname = slash ? slash + 1 : argv0;
}

static struct sigaction xfsz_given;
static int xfsz_changed;

void
rota_init(const char *argv0)
{
	rota_setprogname(argv0);
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	xfsz_changed = sigaction(SIGXFSZ, &ign, &xfsz_given) == 0;
}

void
rota_exec_signals(void)
{
	if (xfsz_changed)
		sigaction(SIGXFSZ, &xfsz_given, NULL);
}

/* Messages quote input (a bad value, a name): its control characters are
 * shown as \xHH, never sent to the terminal; a message may span lines. */
static void
vmsg(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char buf[4096], *msg = buf;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n >= (int)sizeof buf && (msg = malloc((size_t)n + 1)) != NULL)
		vsnprintf(msg, (size_t)n + 1, fmt, aq);
	else
		msg = buf;	/* cut short when there is no memory for it */
	va_end(aq);
	fprintf(stderr, "%s: ", rota_progname);
	for (const unsigned char *c = (const unsigned char *)msg; n > 0 && *c; c++)
		if ((*c < ' ' && *c != '\n' && *c != '\t') || *c == 0x7f)
			fprintf(stderr, "\\x%02x", *c);
		else
			putc(*c, stderr);
	if (msg != buf)
		free(msg);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
}

void
rota_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void
rota_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
}

void
rota_errx(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
rota_err(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	exit(status);
}

int
rota_stdout_failed(int err)
{
	if (err != EPIPE) {
		errno = err;
		rota_warn("standard output");
	}
	return EXIT_IO;
}

int
rota_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		return rota_stdout_failed(errno);
	return EXIT_OK;
}

static void *
check_alloc(void *p)
{
	if (p == NULL)
		rota_err(EXIT_IO, "out of memory");
	return p;
}

void *xmalloc(size_t n) { return check_alloc(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check_alloc(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return check_alloc(strdup(s)); }
char *xstrndup(const char *s, size_t n) { return check_alloc(strndup(s, n)); }

static void
sbuf_grow(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void
sbuf_add(struct sbuf *b, const char *p, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void
sbuf_addc(struct sbuf *b, char c)
{
	sbuf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int
sbuf_read_fd(struct sbuf *b, int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		sbuf_add(b, buf, (size_t)n);
	}
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

long
utf8_invalid_at(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Records are mostly ASCII: skip eight such bytes at a time. */
		uint64_t w;
		if (i + 8 <= n && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0)) {
			i += 8;
			continue;
		}
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned min;
		if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; c &= 0x1f; }
		else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; c &= 0x0f; }
		else if ((c & 0xf8) == 0xf0) { len = 4; min = 0x10000; c &= 0x07; }
		else return (long)i;
		if (i + len > n)
			return (long)i;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (long)i;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (long)i;
		i += len;
	}
	return -1;
}

double
rota_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
rota_bad_input(const char *file, long line, const char *field, const char *msg)
{
	char where[600];
	snprintf(where, sizeof where, line > 0 ? "%s:%ld" : "%s", file, line);
	if (field && *field)
		rota_errx(EXIT_DATA, "%s: %s: %s", where, field, msg);
	rota_errx(EXIT_DATA, "%s: %s", where, msg);
}

long long
opt_integer(const char *opt, const char *s, long long lo, long long hi)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < lo || v > hi)
		rota_errx(EXIT_USAGE, "%s: expected an integer %lld..%lld, got \"%s\"", opt, lo, hi, s);
	return v;
}

double
opt_number(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno || v < lo || v > hi)
		rota_errx(EXIT_USAGE, "%s: expected a number %g..%g, got \"%s\"", opt, lo, hi, s);
	return v;
}

int
parse_duration(const char *s, long long *secs)
{
	long long total = 0;
	const char *p = s;
	while (*p) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0 || v > 100000000)
			return -1;
		long long unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 :
				 *end == 's' ? 1 : 0;
		/* Each term is at most 8.64e12: the sum stays far from overflow
		 * only while it is bounded too. */
		if (!unit || total > 1000000000000000LL)
			return -1;
		total += v * unit;
		p = end + 1;
		if (!*p) {
			*secs = total;
			return 0;
		}
	}
	return -1;
}

long long
opt_duration(const char *opt, const char *s)
{
	long long v;
	if (parse_duration(s, &v) < 0)
		rota_errx(EXIT_USAGE, "%s: expected a duration like 2h, 90m, 1h30m or 7d, got \"%s\"",
			opt, s);
	return v;
}

int
parse_size(const char *s, long long *bytes)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double unit = 1;
	switch (*end) {
	case 'k': case 'K': unit = 1024.0; break;
	case 'M': unit = 1024.0 * 1024; break;
	case 'G': unit = 1024.0 * 1024 * 1024; break;
	case 'T': unit = 1024.0 * 1024 * 1024 * 1024; break;
	default: break;
	}
	if (unit > 1) {
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	} else if (strcmp(end, "B") == 0) {
		end++;
	}
	/* !(v >= 0) refuses NaN too, whose cast to an integer is undefined. */
	if (*s == '\0' || end == s || *end != '\0' || errno || !(v >= 0) || v * unit > 9e18)
		return -1;
	*bytes = (long long)(v * unit);
	return 0;
}

long long
opt_size(const char *opt, const char *s)
{
	long long v;
	if (parse_size(s, &v) < 0)
		rota_errx(EXIT_USAGE, "%s: expected a size like 512M or 2G, got \"%s\"", opt, s);
	return v;
}

/* The temporary name is the path and a dot and 12 random letters and
 * digits: nobody can guess it and put a symbolic link there first, and
 * O_EXCL (with O_NOFOLLOW, for kernels that would follow a link to a file
 * that is not there) makes this process its creator.  Created with 0666 and
 * the umask, as any tool's output; rename(2) then replaces the path, a
 * symbolic link at it too, never what such a link points to. */
int
afile_open(struct afile *a, const char *path)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(path) + 14;
	unsigned char r[12];
	int fd = -1;
	a->path = path;
	a->tmp = xmalloc(n);
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			break;
		int k = snprintf(a->tmp, n, "%s.", path);
		for (size_t i = 0; i < sizeof r; i++)
			a->tmp[k++] = set[r[i] % (sizeof set - 1)];
		a->tmp[k] = '\0';
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || (a->fp = fdopen(fd, "w")) == NULL) {
		int saved = errno;
		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		free(a->tmp);
		a->tmp = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

int
afile_commit(struct afile *a)
{
	int ok = fflush(a->fp) == 0 && !ferror(a->fp) && fsync(fileno(a->fp)) == 0;
	ok = fclose(a->fp) == 0 && ok && rename(a->tmp, a->path) == 0;
	int saved = errno;
	if (!ok)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
	errno = saved;
	return ok ? 0 : -1;
}

void
afile_abort(struct afile *a)
{
	if (a->tmp == NULL)
		return;
	fclose(a->fp);
	unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
}

/* A connection string as it may be shown: a password in it, as a URI's
 * user:password@ or a password=… pair, becomes ***. */
void
rota_spec_masked(const char *spec, char *buf, size_t size)
{
	snprintf(buf, size, "%s", spec);
	char *scheme = strstr(buf, "://");
	if (scheme) {
		char *at = strchr(scheme + 3, '@'), *colon = strchr(scheme + 3, ':');
		if (at && colon && colon < at)
			memmove(colon + 4, at, strlen(at) + 1), memcpy(colon + 1, "***", 3);
	}
	char *pw = strstr(buf, "password=");
	if (pw) {
		char *v = pw + 9, *end = v;
		if (*end == '\'')
			for (end++; *end && *end != '\''; end++)
				end += *end == '\\' && end[1];
		while (*end && !isspace((unsigned char)*end) && *end != '&')
			end++;
		if (*end == '\'')
			end++;
		memmove(v + 3, end, strlen(end) + 1);
		memcpy(v, "***", 3);
	}
}

/* The password of a store's spec into buf ("" when none). */
static void
spec_password(const char *spec, char *buf, size_t size)
{
	buf[0] = '\0';
	const char *scheme = strstr(spec, "://");
	if (scheme) {
		const char *at = strchr(scheme + 3, '@'), *colon = strchr(scheme + 3, ':');
		if (at && colon && colon < at)
			snprintf(buf, size, "%.*s", (int)(at - colon - 1), colon + 1);
		return;
	}
	const char *pw = strstr(spec, "password=");
	if (pw) {
		const char *v = pw + 9, *end = v;
		if (*v == '\'') {
			for (end = ++v; *end && *end != '\''; end++)
				end += *end == '\\' && end[1];
		} else {
			while (*end && !isspace((unsigned char)*end))
				end++;
		}
		snprintf(buf, size, "%.*s", (int)(end - v), v);
	}
}

void
rota_scrub_password(const char *spec, char *msg)
{
	char pw[512], shown[1024];
	spec_password(spec, pw, sizeof pw);
	rota_spec_masked(spec, shown, sizeof shown);
	/* The spec whole, then the password anywhere (libpq quotes a URI it
	 * cannot parse). */
	const char *find[2] = { spec, pw }, *with[2] = { shown, "***" };
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(find[k]), m = strlen(with[k]);
		/* A spec whose mask is longer (a password of one or two
		 * characters) is left to the password's turn. */
		if (n == 0 || (k == 0 && (strcmp(spec, shown) == 0 || m > n)))
			continue;
		for (char *hit = strstr(msg, find[k]); hit; hit = strstr(hit + (m > n ? n : m), find[k])) {
			if (m > n) {	/* msg has no room to grow: stars over it */
				memset(hit, '*', n);
				continue;
			}
			memcpy(hit, with[k], m);
			memmove(hit + m, hit + n, strlen(hit + n) + 1);
		}
	}
}
