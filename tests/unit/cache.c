/* Unit tests for lib/cache: values, the checksum verified on read (the
 * stored blob changed behind the library's back), eviction down to 90% of
 * the bound, several values put at once or none, and statistics that add
 * up across handles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "cache.h"
#include "tap.h"

static char path[256];

/* One value of a query on the file, through a connection of its own. */
static long long
query(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* Flips one bit of the stored blob of key, at offset at (from the end when
 * negative), with an UPDATE on a connection of its own. */
static int
flip_stored(const char *key, long at)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int ok = 0;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT value FROM cache_entry WHERE key = ?1", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			int n = sqlite3_column_bytes(s, 0);
			unsigned char *b = malloc((size_t)n + 1);
			memcpy(b, sqlite3_column_blob(s, 0), (size_t)n);
			long i = at < 0 ? n + at : at;
			b[i] ^= 0x10;
			sqlite3_stmt *u;
			sqlite3_prepare_v2(db, "UPDATE cache_entry SET value = ?2 WHERE key = ?1", -1, &u,
				NULL);
			sqlite3_bind_text(u, 1, key, -1, SQLITE_STATIC);
			sqlite3_bind_blob(u, 2, b, n, SQLITE_STATIC);
			ok = sqlite3_step(u) == SQLITE_DONE && sqlite3_changes(db) == 1;
			sqlite3_finalize(u);
			free(b);
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return ok;
}

/* The total of the statistics (the last row), or of namespace ns. */
static struct cache_stats
stats_of(struct cache *c, const char *ns)
{
	struct cache_stats *st, r = { .hits = -1 };
	size_t n;
	if (cache_stats(c, &st, &n) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((ns && strcmp(st[i].ns, ns) == 0) || (!ns && i == n - 1))
			r = st[i];
	free(st);
	return r;
}

static int
get_is(struct cache *c, const char *ns, const char *key, const void *want, size_t wlen)
{
	void *v = NULL;
	size_t len = 0;
	int rc = cache_get(c, ns, key, &v, &len);
	int ok = rc == 1 && len == wlen && memcmp(v, want, wlen) == 0 && ((char *)v)[len] == '\0';
	free(v);
	return ok;
}

static void
test_values(struct cache *c)
{
	void *v = NULL;
	size_t len = 0;
	tap_is_int(cache_get(c, "t", "a", &v, &len), 0, "a miss on an empty cache");
	tap_is_int(cache_put(c, "t", "a", "hello", 5, 0), 0, "cache_put");
	tap_ok(get_is(c, "t", "a", "hello", 5), "cache_get: the value, NUL-terminated");
	tap_is_int(cache_get(c, "u", "a", &v, &len), 0, "another namespace is apart");
	tap_is_int(cache_put(c, "t", "a", "bye", 3, 0), 0, "a second put");
	tap_ok(get_is(c, "t", "a", "bye", 3), "replaces the value");
	char bin[512];
	for (int i = 0; i < 512; i++)
		bin[i] = (char)(i % 256);
	cache_put(c, "t", "bin", bin, sizeof bin, 0);
	tap_ok(get_is(c, "t", "bin", bin, sizeof bin), "every byte value, NULs included");
	cache_put(c, "t", "empty", NULL, 0, 0);
	tap_ok(get_is(c, "t", "empty", "", 0), "an empty value (from NULL) is a hit");
	char *big = malloc(200000);
	memset(big, 'r', 200000);
	memcpy(big + 1000, "a little variety", 16);
	cache_put(c, "t", "big", big, 200000, 0);
	tap_ok(get_is(c, "t", "big", big, 200000), "a compressed value comes back whole");
	tap_ok(query("SELECT stored_size FROM cache_entry WHERE key = 'big'") < 2000,
		"and is stored small");
	free(big);
	tap_is_int(cache_del(c, "t", "a"), 1, "cache_del of a present key");
	tap_is_int(cache_del(c, "t", "a"), 0, "cache_del of an absent key");
	tap_is_int(cache_get(c, "t", "a", &v, &len), 0, "a deleted key misses");
	tap_is_int(query("SELECT bytes FROM cache_total"),
		query("SELECT sum(stored_size) FROM cache_entry"),
		"the byte total follows replacements and deletions");
}

static void
test_checksum(struct cache *c)
{
	char raw[100], *z = malloc(100000);
	memset(raw, 'q', sizeof raw);
	for (int i = 0; i < 100000; i++)
		z[i] = "abcdefgh"[i % 8 ^ (i / 977) % 8];
	cache_put(c, "k", "raw", raw, sizeof raw, 0);
	cache_put(c, "k", "z", z, 100000, 0);
	cache_put(c, "k", "ok", "fine", 4, 0);
	tap_is_int(query("SELECT codec FROM cache_entry WHERE key = 'z'"), 1, "z is compressed");
	struct cache_stats before = stats_of(c, NULL);
	tap_ok(flip_stored("raw", 50), "flipped a bit of a raw blob");
	tap_ok(flip_stored("z", -3), "flipped a bit of a compressed blob");
	void *v = NULL;
	size_t len = 0;
	tap_is_int(cache_get(c, "k", "raw", &v, &len), 0, "a corrupt raw value is a miss");
	tap_ok(v == NULL, "and nothing is returned");
	tap_is_int(cache_get(c, "k", "z", &v, &len), 0, "a corrupt compressed value is a miss");
	tap_ok(get_is(c, "k", "ok", "fine", 4), "the others are untouched");
	tap_is_int(query("SELECT count(*) FROM cache_entry WHERE ns = 'k'"), 1,
		"the corrupt entries are removed");
	struct cache_stats k = stats_of(c, "k"), after = stats_of(c, NULL);
	tap_is_int(k.corrupt, 2, "counted corrupt in their namespace");
	tap_is_int(after.corrupt - before.corrupt, 2, "and in the total");
	tap_is_int(k.misses, 2, "and as misses");
	tap_is_int(k.hits, 1, "the good one a hit");
	free(z);
}

/* 1000-byte values under a bound of 10000: the 11th put evicts the two
 * least recently used, down to 9000, and a value read just before stays. */
static void
test_eviction(struct cache *c)
{
	struct cache_config cf = { 10000, 0, 1 << 20 };
	tap_is_int(cache_set_config(c, &cf), 0, "cache_set_config");
	cache_clear(c, NULL);
	char v[1000], key[16];
	memset(v, 'e', sizeof v);
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "e%d", i);
		cache_put(c, "e", key, v, sizeof v, 0);
	}
	tap_is_int(stats_of(c, "e").entries, 10, "10000 bytes: at the bound, not over");
	tap_ok(get_is(c, "e", "e0", v, sizeof v), "e0 read");
	tap_is_int(cache_put(c, "e", "e10", v, sizeof v, 0), 0, "the put over the bound");
	struct cache_stats s = stats_of(c, "e");
	tap_is_int(s.bytes_stored, 9000, "down to 90% of the bound");
	tap_is_int(s.entries, 9, "9 entries left");
	tap_is_int(s.evictions, 2, "2 evictions counted");
	void *g = NULL;
	size_t len;
	tap_is_int(cache_get(c, "e", "e1", &g, &len), 0, "e1, the least recently used, went");
	tap_is_int(cache_get(c, "e", "e2", &g, &len), 0, "e2 too");
	tap_ok(get_is(c, "e", "e0", v, sizeof v), "e0, read before the put, stays");
	tap_ok(get_is(c, "e", "e10", v, sizeof v), "the new value stays");
	/* An expired entry goes before any, however recently used. */
	cache_put(c, "e", "e3", v, sizeof v, 100);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "UPDATE cache_entry SET expires = 1 WHERE key = 'e3'", NULL, NULL, NULL);
	sqlite3_close(db);
	cache_put(c, "e", "e11", v, sizeof v, 0);
	cache_put(c, "e", "e12", v, sizeof v, 0);
	tap_is_int(query("SELECT count(*) FROM cache_entry WHERE key = 'e3'"), 0,
		"the expired entry went first");
	tap_ok(stats_of(c, NULL).bytes_stored <= 10000, "the bound holds");
	cf.max_size = 5000;
	cache_set_config(c, &cf);
	tap_is_int(stats_of(c, NULL).bytes_stored, 4000, "a lower bound holds at once, to 90%");
	cf.max_size = 0;
	cache_set_config(c, &cf);
}

/* cache_put_all: every value or none, when one is refused before the
 * transaction (over the bound) or fails within it (a trigger). */
static void
test_put_all(struct cache *c)
{
	struct cache_config cf = { 10000, 0, 1 << 20 };
	cache_set_config(c, &cf);
	cache_clear(c, NULL);
	char v[1000], big[9500];
	memset(v, 'a', sizeof v);
	memset(big, 'b', sizeof big);
	struct cache_item two[2] = { { "p", "one", v, sizeof v, 0 }, { "q", "two", v, 10, 0 } };
	tap_is_int(cache_put_all(c, two, 2), 0, "cache_put_all");
	tap_ok(get_is(c, "p", "one", v, sizeof v) && get_is(c, "q", "two", v, 10), "both stored");
	long long puts = stats_of(c, NULL).puts;
	struct cache_item over[2] = { { "p", "one", "new", 3, 0 }, { "q", "big", big, sizeof big, 0 } };
	tap_is_int(cache_put_all(c, over, 2), -1, "a value over the bound fails the put");
	tap_ok(get_is(c, "p", "one", v, sizeof v), "and the other value is not stored either");
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON cache_entry WHEN NEW.key = 'no' "
			 "BEGIN SELECT RAISE(ABORT, 'refused'); END", NULL, NULL, NULL);
	struct cache_item failing[2] = { { "p", "one", "new", 3, 0 }, { "q", "no", "x", 1, 0 } };
	tap_is_int(cache_put_all(c, failing, 2), -1, "a put that fails within the transaction");
	tap_ok(get_is(c, "p", "one", v, sizeof v), "rolls the other back");
	tap_is_int(stats_of(c, NULL).puts, puts, "and counts no put");
	sqlite3_exec(db, "DROP TRIGGER refuse", NULL, NULL, NULL);
	sqlite3_close(db);
	cf.max_size = 0;
	cache_set_config(c, &cf);
}

/* Two handles on one file: each writes increments, so the totals are the
 * sums; the total row is the sum of the namespaces. */
static void
test_stats(void)
{
	char err[1200];
	struct cache *a = cache_open(path, err, sizeof err), *b = cache_open(path, err, sizeof err);
	tap_ok(a && b, "two handles on one file");
	if (!a || !b)
		return;
	cache_clear(a, NULL);
	struct cache_stats t0 = stats_of(a, NULL);
	void *v;
	size_t len;
	cache_put(a, "s1", "x", "1", 1, 0);
	cache_put(b, "s2", "y", "22", 2, 0);
	for (int i = 0; i < 5; i++) {
		if (cache_get(a, "s1", "x", &v, &len) == 1)
			free(v);
		if (cache_get(b, "s1", "x", &v, &len) == 1)
			free(v);
		cache_get(b, "s2", "nope", &v, &len);
	}
	tap_is_int(cache_close(b), 0, "cache_close writes b's counts");
	struct cache_stats t = stats_of(a, NULL), s1 = stats_of(a, "s1"), s2 = stats_of(a, "s2");
	tap_is_int(t.hits - t0.hits, 10, "hits of both handles");
	tap_is_int(t.misses - t0.misses, 5, "misses of both handles");
	tap_is_int(t.puts - t0.puts, 2, "puts of both handles");
	tap_is_int(s1.hits, 10, "the hits are in s1");
	tap_is_int(s2.misses, 5, "the misses are in s2");
	tap_is_int(t.entries, 2, "entries");
	tap_is_int(t.bytes_raw, 3, "bytes raw");
	tap_is_int(t.bytes_stored, 3, "bytes stored");
	struct cache_stats *st;
	size_t n;
	cache_stats(a, &st, &n);
	long long h = 0, m = 0, e = 0, c = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		h += st[i].hits;
		m += st[i].misses;
		e += st[i].evictions;
		c += st[i].corrupt;
	}
	tap_ok(n > 1 && strcmp(st[n - 1].ns, "") == 0, "the total comes last");
	tap_ok(n > 1 && st[n - 1].hits == h && st[n - 1].misses == m && st[n - 1].evictions == e &&
		       st[n - 1].corrupt == c,
		"the total is the sum of the namespaces");
	free(st);
	long long gc = cache_gc(a);
	tap_is_int(gc, 0, "gc: nothing expired");
	tap_is_int(cache_invalidate(a, NULL, "?"), 2, "invalidate across namespaces");
	tap_is_int(cache_close(a), 0, "cache_close");
}

int
main(void)
{
	char dir[] = "/tmp/rota-unit-cache-XXXXXX", err[1200], cmd[300];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/sub/cache.db", dir);
	umask(022);
	struct cache *c = cache_open(path, err, sizeof err);
	tap_ok(c != NULL, "cache_open makes the file and its folder");
	if (!c) {
		printf("# %s\n", err);
		return tap_done();
	}
	struct stat sb;
	tap_ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "the file is 0600");
	snprintf(cmd, sizeof cmd, "%s/sub", dir);
	tap_ok(stat(cmd, &sb) == 0 && (sb.st_mode & 0777) == 0700, "its folder is 0700");
	test_values(c);
	test_checksum(c);
	test_eviction(c);
	test_put_all(c);
	tap_is_int(cache_close(c), 0, "cache_close");
	test_stats();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
