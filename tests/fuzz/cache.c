/* cache.c: fuzzes what the result cache reads back from its file (lib/cache):
 * an entry's stored bytes with their codec, size and checksum, and the usage
 * log that readers append beside the file.
 *
 * Input: one byte choosing what is read (even: an entry, odd: the usage
 * log); for an entry, then the codec byte, the size and the checksum (8
 * bytes each, little-endian) and the stored bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "fuzz.h"

static struct cache *cache;
static char folder[64], usage[4200];

static void
cleanup(void)
{
	char path[4200];
	if (cache == NULL)
		return;
	cache_close(cache);
	cache = NULL;
	const char *files[] = { "cache.db", "cache.db-wal", "cache.db-shm", "cache.db-usage" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", folder, files[i]);
		unlink(path);
	}
	rmdir(folder);
}

static void
setup(void)
{
	char path[4096], err[512];
	/* In memory where there is /dev/shm: each usage log is merged in a
	 * transaction, and fsync on a disk made that a few dozen a second. */
	static const char *const places[] = { "/dev/shm", "/tmp" };
	int made = 0;
	for (size_t i = 0; !made && i < sizeof places / sizeof places[0]; i++) {
		snprintf(folder, sizeof folder, "%s/rota-fuzz-cache.XXXXXX", places[i]);
		made = mkdtemp(folder) != NULL;
	}
	if (!made) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof path, "%s/cache.db", folder);
	if ((cache = cache_open(path, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	static int registered;
	if (!registered++)
		atexit(cleanup);
	snprintf(usage, sizeof usage, "%s-usage", path);
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
read_usage_log(const uint8_t *data, size_t size)
{
	FILE *fp = fopen(usage, "wb");
	if (fp == NULL || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
		perror(usage);
		exit(2);
	}
	struct cache_stats *st;
	size_t n;
	if (cache_stats(cache, &st, &n) == 0)	/* merges the log first */
		free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A fresh cache now and then: the statistics of every namespace the
	 * logs named pile up, and made each input slower than the last. */
	static unsigned long runs;
	if (runs++ % 1024 == 0) {
		cleanup();
		setup();
	}
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		read_usage_log(data + 1, size - 1);
		return 0;
	}
	if (size < 18)
		return 0;
	void *val;
	if (cache_unpack(cache, data + 18, size - 18, data[1], (int64_t)le64(data + 2),
		    le64(data + 10), &val) == 0)
		free(val);
	return 0;
}
