/* cache.c: the local result cache on SQLite, zstd and xxhash. */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <xxhash.h>
#include <zstd.h>

#include "util.h"

#define DEFAULT_MAX_SIZE (512LL << 20)
#define DEFAULT_THRESHOLD 1024
#define FLUSH_AT 4096		/* pending last-use times written at once */

enum { CODEC_RAW, CODEC_ZSTD };

enum stmt {
	S_GET, S_PUT, S_DEL, S_DEL_BAD, S_TOUCH, S_STAT, S_TOTAL, S_VICTIMS, S_DEL_ROW, S_BEGIN,
	S_COMMIT, S_ROLLBACK, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_GET] = "SELECT value, expires, raw_size, codec, checksum FROM cache_entry "
		  "WHERE ns = ?1 AND key = ?2",
	[S_PUT] = "INSERT INTO cache_entry (ns, key, value, created, used, ttl, expires, "
		  "raw_size, stored_size, codec, checksum) VALUES (?1, ?2, ?3, ?4, ?11, ?5, ?6, ?7, ?8, "
		  "?9, ?10)",
	[S_DEL] = "DELETE FROM cache_entry WHERE ns = ?1 AND key = ?2",
	/* Only the row that was read: another process may have put a good
	 * value under the key since. */
	[S_DEL_BAD] = "DELETE FROM cache_entry WHERE ns = ?1 AND key = ?2 AND checksum = ?3",
	/* In a table of their own: an UPDATE of the entry rewrites its value. */
	[S_TOUCH] = "INSERT INTO cache_use (id, used) SELECT rowid, ?3 FROM cache_entry "
		    "WHERE ns = ?1 AND key = ?2 ON CONFLICT (id) DO UPDATE SET "
		    "used = max(used, excluded.used)",
	[S_STAT] = "INSERT INTO cache_stat (ns, hits, misses, evictions, corrupt, puts) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (ns) DO UPDATE SET "
		   "hits = hits + excluded.hits, misses = misses + excluded.misses, "
		   "evictions = evictions + excluded.evictions, corrupt = corrupt + excluded.corrupt, "
		   "puts = puts + excluded.puts",
	[S_TOTAL] = "SELECT bytes FROM cache_total WHERE id = 1",
	/* Expired entries first, then the least recently used. */
	[S_VICTIMS] = "SELECT e.rowid, e.ns, e.stored_size FROM cache_entry e "
		      "LEFT JOIN cache_use u ON u.id = e.rowid "
		      "ORDER BY (e.expires != 0 AND e.expires <= ?1) DESC, "
		      "max(e.used, coalesce(u.used, 0)), e.rowid",
	[S_DEL_ROW] = "DELETE FROM cache_entry WHERE rowid = ?1",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};

/* Times are in seconds, but for "used", in microseconds: the order of use
 * decides eviction, and many uses fall within one second.  The value comes
 * last, so that reading the columns before it (eviction reads every row's)
 * does not walk its overflow pages; an entry's later uses are in cache_use,
 * so that recording one does not rewrite the value. */
#define CACHE_SCHEMA 2		/* PRAGMA user_version */
static const char schema[] =
	/* id, not the implicit rowid: VACUUM keeps it, and cache_use uses it. */
	"CREATE TABLE cache_entry (id integer PRIMARY KEY, ns text NOT NULL, key text NOT NULL, "
	"created integer NOT NULL, used integer NOT NULL, ttl integer NOT NULL, "
	"expires integer NOT NULL, raw_size integer NOT NULL, stored_size integer NOT NULL, "
	"codec integer NOT NULL, checksum integer NOT NULL, value blob NOT NULL, "
	"UNIQUE (ns, key));\n"
	"CREATE TABLE cache_use (id integer PRIMARY KEY, used integer NOT NULL);\n"
	"CREATE TABLE cache_stat (ns text PRIMARY KEY, "
	"hits integer NOT NULL DEFAULT 0, misses integer NOT NULL DEFAULT 0, "
	"evictions integer NOT NULL DEFAULT 0, corrupt integer NOT NULL DEFAULT 0, "
	"puts integer NOT NULL DEFAULT 0);\n"
	"CREATE TABLE cache_config (name text PRIMARY KEY, value integer NOT NULL);\n"
	/* The bytes stored, kept by triggers so that a put need not sum. */
	"CREATE TABLE cache_total (id integer PRIMARY KEY CHECK (id = 1), "
	"bytes integer NOT NULL);\n"
	"INSERT INTO cache_total VALUES (1, 0);\n"
	"CREATE TRIGGER cache_entry_ins AFTER INSERT ON cache_entry BEGIN "
	"UPDATE cache_total SET bytes = bytes + NEW.stored_size WHERE id = 1; END;\n"
	"CREATE TRIGGER cache_entry_del AFTER DELETE ON cache_entry BEGIN "
	"UPDATE cache_total SET bytes = bytes - OLD.stored_size WHERE id = 1; "
	"DELETE FROM cache_use WHERE id = OLD.rowid; END;\n"
	"PRAGMA user_version = 2;\n";

/* What a cache made by an older rota held: it is emptied, not converted. */
static const char drop_old[] =
	"DROP TABLE IF EXISTS cache_entry; DROP TABLE IF EXISTS cache_use; "
	"DROP TABLE IF EXISTS cache_stat; DROP TABLE IF EXISTS cache_config; "
	"DROP TABLE IF EXISTS cache_total;";

struct counts {
	char ns[64];
	long long hits, misses, evictions, corrupt, puts;
};

struct touch {
	char *ns, *key;
	int64_t when;
};

struct cache {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	char path[4096];
	char err[1024];
	struct cache_config cf;
	struct counts *cnt;
	size_t ncnt;
	struct touch *touch;
	size_t ntouch, touch_cap;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	int busy;	/* the last error was another process holding the lock */
};

static void
seterr(struct cache *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
}

static int
dberr(struct cache *c, const char *what)
{
	int code = sqlite3_errcode(c->db);
	c->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
	seterr(c, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
	return -1;
}

int
cache_busy(const struct cache *c)
{
	return c->busy;
}

const char *
cache_errmsg(const struct cache *c)
{
	return c->err;
}

const char *
cache_path(const struct cache *c)
{
	return c->path;
}

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

/* For "used" only. */
static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
cache_default_path(char *buf, size_t n)
{
	const char *env = getenv("ROTA_CACHE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int w;
	if (env && *env)
		w = snprintf(buf, n, "%s", env);
	else if (xdg && *xdg == '/')	/* the XDG spec ignores relative values */
		w = snprintf(buf, n, "%s/rota/cache.db", xdg);
	else if (home && *home)
		w = snprintf(buf, n, "%s/.cache/rota/cache.db", home);
	else
		return -1;
	return w > 0 && (size_t)w < n ? 0 : -1;
}

/* mkdir -p of path's folder, the folders made 0700. */
static int
make_folder(char *path)
{
	char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	*slash = '\0';
	struct stat sb;
	int rc = 0;
	if (stat(path, &sb) != 0) {
		rc = make_folder(path);
		if (rc == 0 && mkdir(path, 0700) != 0 && errno != EEXIST)
			rc = -1;
	}
	*slash = '/';
	return rc;
}

/* A statement, prepared when first needed: a process that opens the cache
 * for one get should not prepare the dozen it will not use.  Statements
 * are plain text and a failed prepare is a bug, so it is fatal. */
static sqlite3_stmt *
stmt(struct cache *c, enum stmt which)
{
	if (!c->st[which] && sqlite3_prepare_v3(c->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
				     &c->st[which], NULL) != SQLITE_OK)
		rota_errx(EXIT_STORE, "%s: %s", c->path, sqlite3_errmsg(c->db));
	return c->st[which];
}

static int
exec_sql(struct cache *c, const char *s)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, s, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		c->busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
		seterr(c, "%s: %s", c->path, msg ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
step_done(struct cache *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : dberr(c, what);
}

static int
begin(struct cache *c)
{
	return step_done(c, stmt(c, S_BEGIN), "begin");
}

static int
commit(struct cache *c)
{
	if (step_done(c, stmt(c, S_COMMIT), "commit") == 0)
		return 0;
	step_done(c, stmt(c, S_ROLLBACK), "rollback");
	return -1;
}

static void
rollback(struct cache *c)
{
	char keep[1024];
	memcpy(keep, c->err, sizeof keep);	/* the first error is the one to tell */
	step_done(c, stmt(c, S_ROLLBACK), "rollback");
	memcpy(c->err, keep, sizeof keep);
}

static int
read_config(struct cache *c)
{
	c->cf = (struct cache_config){ DEFAULT_MAX_SIZE, 0, DEFAULT_THRESHOLD };
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(c->db, "SELECT name, value FROM cache_config", -1, &s, NULL) != SQLITE_OK)
		return dberr(c, "config");
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		int64_t v = sqlite3_column_int64(s, 1);
		if (strcmp(name, "max_size") == 0)
			c->cf.max_size = v;
		else if (strcmp(name, "level") == 0)
			c->cf.level = (int)v;
		else if (strcmp(name, "threshold") == 0)
			c->cf.threshold = v;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Switching a new file to WAL needs it to itself, and SQLite says
 * SQLITE_BUSY at once, without the busy handler, when another process has
 * it open (as when many start on a new cache together): so wait here, up
 * to the busy timeout. */
static int
set_wal(struct cache *c, int timeout_ms)
{
	int rc;
	for (int waited = 0;; waited += 10) {
		rc = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY || waited >= timeout_ms)
			break;
		sqlite3_sleep(10);
	}
	return rc == SQLITE_OK ? 0 : dberr(c, "WAL mode");
}

static int
schema_version(struct cache *c)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return dberr(c, "schema");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v < 0 ? dberr(c, "schema") : v;
}

/* Creates the tables once; later opens only read the version, so that
 * readers do not queue behind writers for the schema's sake. */
static int
make_schema(struct cache *c, int timeout)
{
	int v = schema_version(c);
	if (v == CACHE_SCHEMA)
		return 0;	/* and in WAL mode: the file remembers it */
	if (v > CACHE_SCHEMA) {
		seterr(c, "%s: made by a newer rota (cache schema %d)", c->path, v);
		return -1;
	}
	if (v < 0 || set_wal(c, timeout) < 0 || exec_sql(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	/* Again, within the transaction: another process may have made it. */
	if ((v = schema_version(c)) == CACHE_SCHEMA)
		return exec_sql(c, "COMMIT");
	if (v < 0 || exec_sql(c, drop_old) < 0 || exec_sql(c, schema) < 0 ||
	    exec_sql(c, "COMMIT") < 0) {
		exec_sql(c, "ROLLBACK");
		return -1;
	}
	return 0;
}

struct cache *
cache_open(const char *path, char *err, size_t errlen)
{
	struct cache *c = xcalloc(1, sizeof *c);
	if (path)
		snprintf(c->path, sizeof c->path, "%s", path);
	else if (cache_default_path(c->path, sizeof c->path) < 0) {
		snprintf(err, errlen, "no cache file: set ROTA_CACHE, XDG_CACHE_HOME or HOME");
		free(c);
		return NULL;
	}
	int fd = -1;
	/* Never through a symbolic link put where the cache goes. */
	if (make_folder(c->path) < 0 ||
	    (fd = open(c->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		free(c);
		return NULL;
	}
	close(fd);
	const char *t = getenv("ROTA_BUSY_TIMEOUT_MS");
	int timeout = t ? atoi(t) : 30000;
	if (sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, timeout) != SQLITE_OK ||
	    exec_sql(c, "PRAGMA synchronous=NORMAL") < 0 || make_schema(c, timeout) < 0)
		goto fail;
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	return c;
fail:
	if (!*c->err)
		dberr(c, "open");
	snprintf(err, errlen, "%s", c->err);
	errno = c->busy ? EBUSY : 0;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
	return NULL;
}

static struct counts *
counts_for(struct cache *c, const char *ns)
{
	for (size_t i = 0; i < c->ncnt; i++)
		if (strcmp(c->cnt[i].ns, ns) == 0)
			return &c->cnt[i];
	c->cnt = xrealloc(c->cnt, (c->ncnt + 1) * sizeof *c->cnt);
	struct counts *k = &c->cnt[c->ncnt++];
	memset(k, 0, sizeof *k);
	snprintf(k->ns, sizeof k->ns, "%s", ns);
	return k;
}

static int
bind_key(sqlite3_stmt *s, const char *ns, const char *key)
{
	return sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC) != SQLITE_OK ||
	       sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC) != SQLITE_OK;
}

static int
write_touches(struct cache *c)
{
	for (size_t i = 0; i < c->ntouch; i++) {
		sqlite3_stmt *s = stmt(c, S_TOUCH);
		bind_key(s, c->touch[i].ns, c->touch[i].key);
		sqlite3_bind_int64(s, 3, c->touch[i].when);
		if (step_done(c, s, "last use") < 0)
			return -1;
	}
	return 0;
}

static int
write_pending(struct cache *c)
{
	for (size_t i = 0; i < c->ncnt; i++) {
		struct counts *k = &c->cnt[i];
		sqlite3_stmt *s = stmt(c, S_STAT);
		sqlite3_bind_text(s, 1, k->ns, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, k->hits);
		sqlite3_bind_int64(s, 3, k->misses);
		sqlite3_bind_int64(s, 4, k->evictions);
		sqlite3_bind_int64(s, 5, k->corrupt);
		sqlite3_bind_int64(s, 6, k->puts);
		if (step_done(c, s, "statistics") < 0)
			return -1;
	}
	return write_touches(c);
}

static void
forget_pending(struct cache *c)
{
	free(c->cnt);
	c->cnt = NULL;
	c->ncnt = 0;
	for (size_t i = 0; i < c->ntouch; i++) {
		free(c->touch[i].ns);
		free(c->touch[i].key);
	}
	c->ntouch = 0;
}

/* The usage log, "FILE-usage": what processes that only read learnt (hits,
 * misses, last-use times), appended in one write at their end instead of
 * a write transaction and the checkpoint that follows it: that was most of
 * a `rota-cache get`.  Appenders hold a shared flock, the merge into the
 * tables an exclusive one, so no line is read twice or lost.  A record is
 * NUL-separated fields: "C", ns, hits, misses, evictions, corrupt, puts;
 * or "T", ns, key, time of use. */
static int
usage_open(struct cache *c, int flags, int lock)
{
	char path[4200];
	snprintf(path, sizeof path, "%s-usage", c->path);
	int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		seterr(c, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, lock) < 0)
		if (errno != EINTR) {
			seterr(c, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	return fd;
}

static void
put_field(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s) + 1);
}

static int
append_pending(struct cache *c)
{
	if (!c->ncnt && !c->ntouch)
		return 0;
	struct sbuf b = { 0 };
	char n[32];
	for (size_t i = 0; i < c->ncnt; i++) {
		const struct counts *k = &c->cnt[i];
		put_field(&b, "C");
		put_field(&b, k->ns);
		long long v[5] = { k->hits, k->misses, k->evictions, k->corrupt, k->puts };
		for (int j = 0; j < 5; j++) {
			snprintf(n, sizeof n, "%lld", v[j]);
			put_field(&b, n);
		}
	}
	for (size_t i = 0; i < c->ntouch; i++) {
		put_field(&b, "T");
		put_field(&b, c->touch[i].ns);
		put_field(&b, c->touch[i].key);
		snprintf(n, sizeof n, "%lld", (long long)c->touch[i].when);
		put_field(&b, n);
	}
	int fd = usage_open(c, O_WRONLY | O_APPEND, LOCK_SH), rc = -1;
	if (fd >= 0) {
		ssize_t w = write(fd, b.s, b.len);	/* one write: O_APPEND keeps it whole */
		if (w == (ssize_t)b.len)
			rc = 0;
		else
			seterr(c, "%s-usage: %s", c->path, w < 0 ? strerror(errno) : "short write");
		close(fd);
	}
	sbuf_free(&b);
	if (rc == 0)
		forget_pending(c);
	return rc;
}

/* A count in the usage log is what one process gathered: far below this.
 * A time is microseconds since the epoch. */
#define USAGE_MAX_COUNT 1000000000000LL
#define USAGE_MAX_TIME 100000000000000000LL

/* A field of the usage log as a number in [0, max]: 1, else 0. */
static int
usage_number(const char *s, long long max, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return end != s && *end == '\0' && errno == 0 && *v >= 0 && *v <= max;
}

/* Applies the usage log within the caller's write transaction and returns
 * it still locked in *fd, for merge_done once the transaction has ended.
 * A record cut short (a crash within a write) ends the log. */
static int
merge_usage(struct cache *c, int *fd)
{
	*fd = usage_open(c, O_RDWR, LOCK_EX);
	if (*fd < 0)
		return -1;
	struct sbuf b = { 0 };
	if (sbuf_read_fd(&b, *fd) < 0) {	/* not merged, so not emptied either */
		seterr(c, "%s-usage: %s", c->path, strerror(errno));
		sbuf_free(&b);
		return -1;
	}
	if (b.len == 0) {	/* b.s is NULL then, and NULL + 0 is undefined */
		sbuf_free(&b);
		return 0;
	}
	const char *f[7], *p = b.s, *end = b.s + b.len;
	int rc = 0;
	while (rc == 0 && p && p < end) {
		int want = *p == 'C' ? 7 : *p == 'T' ? 4 : 0, nf = 0;
		while (nf < want && p < end) {
			const char *z = memchr(p, '\0', (size_t)(end - p));
			if (!z)
				break;
			f[nf++] = p;
			p = z + 1;
		}
		if (!want || nf < want)
			break;
		/* The numbers: a count's five from field 2, a touch's time at 3. */
		int first = want == 7 ? 2 : 3, ok = 1;
		long long v[5], max = want == 7 ? USAGE_MAX_COUNT : USAGE_MAX_TIME;
		for (int j = 0; j < want - first; j++)
			ok &= usage_number(f[first + j], max, &v[j]);
		if (!ok)
			break;	/* not what a process wrote: the log ends here */
		sqlite3_stmt *s = stmt(c, *f[0] == 'C' ? S_STAT : S_TOUCH);
		sqlite3_bind_text(s, 1, f[1], -1, SQLITE_STATIC);
		if (*f[0] == 'C') {
			for (int j = 0; j < 5; j++)
				sqlite3_bind_int64(s, j + 2, v[j]);
		} else {
			sqlite3_bind_text(s, 2, f[2], -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, v[0]);
		}
		rc = step_done(c, s, "usage log");
	}
	sbuf_free(&b);
	return rc;
}

static void
merge_done(int fd, int committed)
{
	if (fd < 0)
		return;
	if (committed && ftruncate(fd, 0) < 0)
		(void)0;	/* merged twice at worst: counts, not data */
	close(fd);	/* and with it the lock */
}

int
cache_flush(struct cache *c)
{
	return append_pending(c);
}

int
cache_close(struct cache *c)
{
	if (!c)
		return 0;
	int rc = append_pending(c);
	forget_pending(c);
	free(c->touch);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	free(c);
	return rc;
}

static void
touched(struct cache *c, const char *ns, const char *key)
{
	if (c->ntouch == c->touch_cap) {
		c->touch_cap = c->touch_cap ? 2 * c->touch_cap : 64;
		c->touch = xrealloc(c->touch, c->touch_cap * sizeof *c->touch);
	}
	c->touch[c->ntouch++] = (struct touch){ xstrdup(ns), xstrdup(key), now_us() };
	if (c->ntouch >= FLUSH_AT)
		cache_flush(c);	/* best effort: a failure leaves them pending */
}

/* The stored bytes back into the value; 0 when they are what was put.
 * The sizes are checked before anything is allocated: a corrupt raw_size
 * must be a miss, not an allocation of exabytes. */
int
cache_unpack(struct cache *c, const void *blob, size_t n, int codec, int64_t raw_size, uint64_t sum,
	void **val)
{
	if (raw_size < 0 || (codec != CODEC_RAW && codec != CODEC_ZSTD))
		return -1;
	size_t raw = (size_t)raw_size;
	if (codec == CODEC_RAW && n != raw)
		return -1;
	if (codec == CODEC_ZSTD && ZSTD_getFrameContentSize(blob, n) != (unsigned long long)raw)
		return -1;	/* unknown or error sizes too: we always write it */
	char *out = xmalloc(raw + 1);
	if (codec == CODEC_ZSTD) {
		size_t got = ZSTD_decompressDCtx(c->dctx, out, raw, blob, n);
		if (ZSTD_isError(got) || got != raw)
			goto bad;
	} else if (n > 0) {	/* an empty blob comes back as NULL */
		memcpy(out, blob, n);
	}
	if (XXH3_64bits(out, raw) != sum)
		goto bad;
	out[raw] = '\0';
	*val = out;
	return 0;
bad:
	free(out);
	return -1;
}

int
cache_get(struct cache *c, const char *ns, const char *key, void **val, size_t *len)
{
	sqlite3_stmt *s = stmt(c, S_GET);
	if (bind_key(s, ns, key))
		return dberr(c, "get");
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return dberr(c, "get");
		counts_for(c, ns)->misses++;
		return 0;
	}
	int64_t expires = sqlite3_column_int64(s, 1);
	int64_t raw = sqlite3_column_int64(s, 2);
	int codec = sqlite3_column_int(s, 3);
	uint64_t sum = (uint64_t)sqlite3_column_int64(s, 4);
	if (expires && expires <= now()) {
		sqlite3_reset(s);
		counts_for(c, ns)->misses++;
		return 0;	/* gc or the next put removes it */
	}
	const void *blob = sqlite3_column_blob(s, 0);
	size_t n = (size_t)sqlite3_column_bytes(s, 0);
	int bad = cache_unpack(c, blob, n, codec, raw, sum, val);
	sqlite3_reset(s);
	if (bad) {
		/* Never returned: counted, removed, and a miss. */
		struct counts *k = counts_for(c, ns);
		k->corrupt++;
		k->misses++;
		s = stmt(c, S_DEL_BAD);
		bind_key(s, ns, key);
		sqlite3_bind_int64(s, 3, (int64_t)sum);
		return step_done(c, s, "delete") < 0 ? -1 : 0;
	}
	*len = (size_t)raw;
	counts_for(c, ns)->hits++;
	touched(c, ns, key);
	return 1;
}

/* Deletes victims, expired first, then the least recently used, until the
 * bytes stored are at most 90% of the bound.  Within a transaction. */
static long long
evict(struct cache *c)
{
	sqlite3_stmt *t = stmt(c, S_TOTAL), *v = stmt(c, S_VICTIMS);
	int64_t total = 0;
	if (sqlite3_step(t) == SQLITE_ROW)
		total = sqlite3_column_int64(t, 0);
	sqlite3_reset(t);
	if (c->cf.max_size <= 0 || total <= c->cf.max_size)
		return 0;
	/* This handle's uses count: a key it has just read is not the least
	 * recently used.  Written again at the commit, which does no harm. */
	if (write_touches(c) < 0)
		return -1;
	int64_t goal = c->cf.max_size / 10 * 9;
	/* Collect the victims, then delete: no writes under an open scan. */
	struct victim {
		int64_t rowid;
		char ns[64];
	} *vic = NULL;
	size_t nv = 0, cap = 0;
	int rc = SQLITE_ROW;
	sqlite3_bind_int64(v, 1, now());
	while (total > goal && (rc = sqlite3_step(v)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? 2 * cap : 64;
			vic = xrealloc(vic, cap * sizeof *vic);
		}
		vic[nv].rowid = sqlite3_column_int64(v, 0);
		snprintf(vic[nv].ns, sizeof vic[nv].ns, "%s", sqlite3_column_text(v, 1));
		nv++;
		total -= sqlite3_column_int64(v, 2);
	}
	sqlite3_reset(v);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(vic);
		return dberr(c, "eviction");
	}
	long long n = 0;
	for (size_t i = 0; i < nv; i++, n++) {
		sqlite3_bind_int64(stmt(c, S_DEL_ROW), 1, vic[i].rowid);
		if (step_done(c, stmt(c, S_DEL_ROW), "eviction") < 0) {
			n = -1;
			break;
		}
		counts_for(c, vic[i].ns)->evictions++;
	}
	free(vic);
	return n;
}

/* The counts as they were when a write transaction began: what it counted
 * (puts, evictions) must not outlive it when it is rolled back. */
struct saved {
	struct counts *cnt;
	size_t n;
	int usage_fd;	/* the usage log, merged and locked until the end */
	int merge_failed;
};

static void
save_counts(struct cache *c, struct saved *sv)
{
	sv->n = c->ncnt;
	sv->cnt = xmalloc((c->ncnt ? c->ncnt : 1) * sizeof *sv->cnt);
	if (c->ncnt)
		memcpy(sv->cnt, c->cnt, c->ncnt * sizeof *sv->cnt);
	/* What other processes learnt comes in first: eviction needs their
	 * last-use times. */
	sv->merge_failed = merge_usage(c, &sv->usage_fd) < 0;
}

/* Ends a write transaction begun after save_counts: writes the pending
 * statistics with it and commits when ok, else rolls back and restores the
 * counts.  0 or -1. */
static int
finish(struct cache *c, int ok, struct saved *sv)
{
	int fd = sv->usage_fd;
	if (ok && !sv->merge_failed && write_pending(c) == 0 && commit(c) == 0) {
		merge_done(fd, 1);
		forget_pending(c);
		free(sv->cnt);
		return 0;
	}
	if (!sqlite3_get_autocommit(c->db))	/* a failed commit rolled back */
		rollback(c);
	merge_done(fd, 0);
	free(c->cnt);
	c->cnt = sv->cnt;
	c->ncnt = sv->n;
	return -1;
}

/* Brings the tables up to date: the usage log and this process's own
 * counts, in one write transaction. */
static int
sync_usage(struct cache *c)
{
	struct saved sv;
	if (begin(c) < 0)
		return -1;
	save_counts(c, &sv);
	return finish(c, 1, &sv);
}

/* A value as it is to be stored: compressed when that makes it smaller. */
struct packed {
	const void *val;	/* what is stored: the value or z */
	size_t len;
	void *z;
	int codec;
};

/* Compresses it->val into p, or refuses it: 0 or -1. */
static int
pack(struct cache *c, const struct cache_item *it, struct packed *p)
{
	*p = (struct packed){ it->val ? it->val : "", it->len, NULL, CODEC_RAW };
	size_t len = it->len;
	if (c->cf.threshold >= 0 && (int64_t)len >= c->cf.threshold && len > 0) {
		size_t bound = ZSTD_compressBound(len);
		p->z = xmalloc(bound);
		int level = c->cf.level ? c->cf.level : ZSTD_CLEVEL_DEFAULT;
		size_t got = ZSTD_compressCCtx(c->cctx, p->z, bound, it->val, len, level);
		if (!ZSTD_isError(got) && got < len) {	/* else incompressible: raw */
			p->val = p->z;
			p->len = got;
			p->codec = CODEC_ZSTD;
		}
	}
	if (c->cf.max_size > 0 && (int64_t)p->len > c->cf.max_size / 10 * 9) {
		/* It would evict everything, itself included: refuse it. */
		seterr(c, "%s: a value of %zu bytes stored is more than the cache keeps "
			"(90%% of its bound, %lld bytes)", c->path, p->len,
			(long long)(c->cf.max_size / 10 * 9));
		return -1;
	}
	return 0;
}

/* Writes one packed entry within the caller's transaction: 0 or -1. */
static int
write_entry(struct cache *c, const struct cache_item *it, const struct packed *p)
{
	const void *val = it->val ? it->val : "";	/* a NULL blob would break NOT NULL */
	int64_t t = now();
	sqlite3_stmt *s = stmt(c, S_PUT);
	bind_key(s, it->ns, it->key);
	sqlite3_bind_blob64(s, 3, p->val, p->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, t);
	sqlite3_bind_int64(s, 5, it->ttl);
	sqlite3_bind_int64(s, 6, it->ttl > 0 ? t + it->ttl : 0);
	sqlite3_bind_int64(s, 7, (int64_t)it->len);
	sqlite3_bind_int64(s, 8, (int64_t)p->len);
	sqlite3_bind_int(s, 9, p->codec);
	sqlite3_bind_int64(s, 10, (int64_t)XXH3_64bits(val, it->len));
	sqlite3_bind_int64(s, 11, now_us());
	/* Deleted first, not INSERT OR REPLACE: REPLACE does not fire the
	 * delete trigger (without recursive_triggers), and cache_total would
	 * drift. */
	sqlite3_stmt *d = stmt(c, S_DEL);
	bind_key(d, it->ns, it->key);
	int rc = step_done(c, d, "put") == 0 && step_done(c, s, "put") == 0 ? 0 : -1;
	sqlite3_clear_bindings(s);
	return rc;
}

int
cache_put_all(struct cache *c, const struct cache_item *items, size_t n)
{
	/* The settings are read here, not at open: a process that only gets
	 * never needs them, and a long-lived one sees another's changes. */
	if (read_config(c) < 0)
		return -1;
	/* Compressed before the transaction, which holds the write lock. */
	struct packed *p = xcalloc(n, sizeof *p);
	int ok = 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = pack(c, &items[i], &p[i]) == 0;
	int rc = -1;
	struct saved sv;
	if (ok && begin(c) == 0) {
		save_counts(c, &sv);
		for (size_t i = 0; ok && i < n; i++)
			ok = write_entry(c, &items[i], &p[i]) == 0;
		ok = ok && evict(c) >= 0;
		for (size_t i = 0; ok && i < n; i++)
			counts_for(c, items[i].ns)->puts++;
		rc = finish(c, ok, &sv);
	}
	for (size_t i = 0; i < n; i++)
		free(p[i].z);
	free(p);
	return rc;
}

int
cache_put(struct cache *c, const char *ns, const char *key, const void *val, size_t len,
	int64_t ttl)
{
	struct cache_item it = { ns, key, val, len, ttl };
	return cache_put_all(c, &it, 1);
}

int
cache_del(struct cache *c, const char *ns, const char *key)
{
	sqlite3_stmt *s = stmt(c, S_DEL);
	bind_key(s, ns, key);
	if (step_done(c, s, "delete") < 0)
		return -1;
	return sqlite3_changes(c->db) > 0;
}

static long long
delete_where(struct cache *c, const char *where, const char *ns, const char *glob)
{
	char q[256];
	/* sql: fixed identifiers only (where is one of the two below) */
	snprintf(q, sizeof q, "DELETE FROM cache_entry WHERE %s", where);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(c->db, q, -1, &s, NULL) != SQLITE_OK)
		return dberr(c, "delete");
	if (ns)
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	if (glob)
		sqlite3_bind_text(s, 2, glob, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return dberr(c, "delete");
	return sqlite3_changes(c->db);
}

long long
cache_invalidate(struct cache *c, const char *ns, const char *glob)
{
	return delete_where(c, "(?1 IS NULL OR ns = ?1) AND key GLOB ?2", ns, glob);
}

long long
cache_clear(struct cache *c, const char *ns)
{
	return delete_where(c, "?1 IS NULL OR ns = ?1", ns, NULL);
}

/* Deletes the expired entries, counting them as evictions.  The count,
 * or -1.  Within a transaction. */
static long long
expire(struct cache *c)
{
	sqlite3_stmt *s;
	long long n = 0;
	int64_t t = now();
	if (sqlite3_prepare_v2(c->db, "SELECT ns, count(*) FROM cache_entry WHERE expires != 0 "
				      "AND expires <= ?1 GROUP BY ns", -1, &s, NULL) != SQLITE_OK)
		return dberr(c, "gc");
	sqlite3_bind_int64(s, 1, t);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		counts_for(c, (const char *)sqlite3_column_text(s, 0))->evictions +=
			sqlite3_column_int64(s, 1);
		n += sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return dberr(c, "gc");
	if (sqlite3_prepare_v2(c->db, "DELETE FROM cache_entry WHERE expires != 0 AND expires <= ?1",
		    -1, &s, NULL) != SQLITE_OK)
		return dberr(c, "gc");
	sqlite3_bind_int64(s, 1, t);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? n : dberr(c, "gc");
}

long long
cache_gc(struct cache *c)
{
	if (begin(c) < 0)
		return -1;
	struct saved sv;
	save_counts(c, &sv);
	/* Expired entries go whatever the size; then the bound, read afresh:
	 * another process may have set it since this one opened the cache. */
	long long n = expire(c), more = -1;
	if (n >= 0 && read_config(c) == 0)
		more = evict(c);
	if (finish(c, more >= 0, &sv) < 0)
		return -1;
	return n + more;
}

int
cache_get_config(struct cache *c, struct cache_config *cf)
{
	if (read_config(c) < 0)
		return -1;
	*cf = c->cf;
	return 0;
}

int
cache_set_config(struct cache *c, const struct cache_config *cf)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO cache_config VALUES ('max_size', ?1), "
				      "('level', ?2), ('threshold', ?3)", -1, &q, NULL) != SQLITE_OK)
		return dberr(c, "config");
	sqlite3_bind_int64(q, 1, cf->max_size);
	sqlite3_bind_int(q, 2, cf->level);
	sqlite3_bind_int64(q, 3, cf->threshold);
	if (begin(c) < 0) {
		sqlite3_finalize(q);
		return -1;
	}
	struct saved sv;
	save_counts(c, &sv);
	struct cache_config old = c->cf;
	c->cf = *cf;
	/* A lower bound holds at once, not from the next put. */
	int ok = step_done(c, q, "config") == 0 && evict(c) >= 0;
	sqlite3_finalize(q);
	if (finish(c, ok, &sv) < 0) {
		c->cf = old;
		return -1;
	}
	return 0;
}

static struct cache_stats *
stats_for(struct cache_stats **st, size_t *n, const char *ns)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*st)[i].ns, ns) == 0)
			return &(*st)[i];
	*st = xrealloc(*st, (*n + 1) * sizeof **st);
	struct cache_stats *s = &(*st)[(*n)++];
	memset(s, 0, sizeof *s);
	snprintf(s->ns, sizeof s->ns, "%s", ns);
	return s;
}

static int
by_ns(const void *a, const void *b)
{
	return strcmp(((const struct cache_stats *)a)->ns, ((const struct cache_stats *)b)->ns);
}

int
cache_stats(struct cache *c, struct cache_stats **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (sync_usage(c) < 0)
		return -1;
	sqlite3_stmt *s;
	/* One read transaction: counts and entries from the same moment. */
	if (exec_sql(c, "BEGIN") < 0)
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT ns, hits, misses, evictions, corrupt, puts FROM cache_stat",
		    -1, &s, NULL) != SQLITE_OK)
		goto fail;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_stats *t = stats_for(out, n, (const char *)sqlite3_column_text(s, 0));
		t->hits = sqlite3_column_int64(s, 1);
		t->misses = sqlite3_column_int64(s, 2);
		t->evictions = sqlite3_column_int64(s, 3);
		t->corrupt = sqlite3_column_int64(s, 4);
		t->puts = sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)	/* no partial statistics */
		goto fail;
	if (sqlite3_prepare_v2(c->db, "SELECT ns, count(*), sum(raw_size), sum(stored_size) "
				      "FROM cache_entry GROUP BY ns", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cache_stats *t = stats_for(out, n, (const char *)sqlite3_column_text(s, 0));
		t->entries = sqlite3_column_int64(s, 1);
		t->bytes_raw = sqlite3_column_int64(s, 2);
		t->bytes_stored = sqlite3_column_int64(s, 3);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	exec_sql(c, "COMMIT");
	if (*n) {
		qsort(*out, *n, sizeof **out, by_ns);	/* not with NULL, even for 0 */
		struct cache_stats all = { .ns = "" };
		for (size_t i = 0; i < *n; i++) {
			struct cache_stats *t = &(*out)[i];
			all.hits += t->hits;
			all.misses += t->misses;
			all.entries += t->entries;
			all.evictions += t->evictions;
			all.corrupt += t->corrupt;
			all.puts += t->puts;
			all.bytes_raw += t->bytes_raw;
			all.bytes_stored += t->bytes_stored;
		}
		*stats_for(out, n, "") = all;
		/* stats_for appended it last, where the caller expects it. */
	}
	return 0;
fail:
	dberr(c, "statistics");
	exec_sql(c, "ROLLBACK");
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}
