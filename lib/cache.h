/* cache.h: the local result cache, one SQLite file shared by processes.
 *
 * Entries live in namespaces ("solve", "acgme", "exec", …) under string
 * keys.  Every value carries an xxhash checksum of its bytes, verified on
 * every read: a corrupt entry is never returned, but counted and removed.
 * Values above a threshold are compressed with zstd, unless that does not
 * make them smaller.  The cache keeps itself under a size bound: expired
 * entries go first, then the least recently used, down to 90% of it.
 *
 * Hit and miss counts and last-use times are gathered in memory and
 * appended to a usage log beside the file at cache_close (or cache_flush),
 * so that a process that only reads writes no transaction; the next write
 * transaction (a put, gc, stats) merges the log into the tables.  They add
 * up across processes because each records increments. */
#ifndef ROTA_CACHE_H
#define ROTA_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache;

/* $ROTA_CACHE, else $XDG_CACHE_HOME/rota/cache.db, else
 * $HOME/.cache/rota/cache.db, into buf.  -1 when none can be made. */
int cache_default_path(char *buf, size_t n);

/* Opens (creating it 0600, its folder 0700) the cache at path, or the
 * default when path is NULL.  NULL with a sentence in err on failure
 * (errno EBUSY when the cache was held past the busy timeout). */
struct cache *cache_open(const char *path, char *err, size_t errlen);
/* Appends the gathered statistics to the usage log; 0 or -1
 * (cache_errmsg).  Frees c. */
int cache_close(struct cache *c);
int cache_flush(struct cache *c);
const char *cache_errmsg(const struct cache *c);
/* Whether the last error was another process holding the cache past the
 * busy timeout (cache_open: errno is EBUSY then). */
int cache_busy(const struct cache *c);
const char *cache_path(const struct cache *c);

/* 1 and a malloc'd copy of the value (a NUL is added after it, not
 * counted in *len) on a hit; 0 on a miss (absent, expired or corrupt);
 * -1 on an error. */
int cache_get(struct cache *c, const char *ns, const char *key, void **val, size_t *len);
/* Stores a value; ttl in seconds, 0 for none.  Evicts if the cache
 * exceeds its bound.  0 or -1. */
int cache_put(struct cache *c, const char *ns, const char *key, const void *val, size_t len,
	int64_t ttl);
/* The bytes a row of the cache's file holds back into the value: codec 0
 * (as stored) or 1 (zstd), the value's size, and its XXH3-64 checksum.
 * 0 and a malloc'd value (NUL added) when they are what was put, else -1.
 * cache_get's own check of what it reads from disk, public for the fuzz
 * harness. */
int cache_unpack(struct cache *c, const void *blob, size_t n, int codec, int64_t raw_size,
	uint64_t sum, void **val);
/* Stores several values in one transaction: all of them, or none when one
 * fails or the process is killed.  0 or -1. */
struct cache_item {
	const char *ns, *key;
	const void *val;
	size_t len;
	int64_t ttl;
};
int cache_put_all(struct cache *c, const struct cache_item *items, size_t n);
/* 1 removed, 0 absent, -1 error. */
int cache_del(struct cache *c, const char *ns, const char *key);
/* Removes the keys matching a glob (fnmatch(3) syntax, as in SQLite's
 * GLOB) in ns, or in every namespace when ns is NULL.  The count, or -1. */
long long cache_invalidate(struct cache *c, const char *ns, const char *glob);
/* Removes every entry of ns, or all when ns is NULL; statistics stay. */
long long cache_clear(struct cache *c, const char *ns);
/* Removes expired entries, then evicts down to the bound.  The count
 * removed, or -1. */
long long cache_gc(struct cache *c);

struct cache_config {
	int64_t max_size;	/* bytes stored, 0 for no bound */
	int level;		/* zstd level, 0 for the library's default */
	int64_t threshold;	/* values of at least this many bytes are compressed */
};
int cache_get_config(struct cache *c, struct cache_config *cf);
int cache_set_config(struct cache *c, const struct cache_config *cf);

struct cache_stats {
	char ns[64];
	long long hits, misses, entries, evictions, corrupt, puts;
	long long bytes_raw, bytes_stored;
};
/* Per namespace (those with entries or counts), sorted by name, plus a
 * total in (*st)[*n - 1] with ns "" when any.  Flushes first.  0 or -1. */
int cache_stats(struct cache *c, struct cache_stats **st, size_t *n);

#endif
