/* cache-latency: in-process latency of lib/cache's cache_put and cache_get,
 * for scripts/bench/cache (which compiles it against build/librota.a).
 *
 *   cache-latency [-n COUNT] [-m COUNT] [-g GETS] [-o CYCLES] [-s SIZES] [-S SEED] FILE
 *
 * Opens (creating it) the cache FILE; for each size of SIZES (bytes, comma
 * separated; default 1024,10240,1048576) and each kind of value, text
 * (NDJSON assignment records with varying fields: compressible as real
 * results are) and random (incompressible bytes), puts COUNT fresh values
 * (-n, default 1000; -m for sizes of 1 MiB and more, default 50), timing
 * each cache_put, then gets every value GETS times (-g, default 20) in a
 * shuffled order, timing each cache_get: every one must be a hit, and the
 * first get of each value must give back the bytes put.  Prints one line a
 * (size, kind, operation), tab-separated:
 *
 *   size kind op count median_us p99_us max_us mean_us ratio
 *
 * ratio: bytes put / bytes stored for that size and kind (cache_stats), the
 * same on the get line.  After the gets, a flush line: cache_flush writing
 * the last-use times of the hits still pending (count: how many, GETS ×
 * COUNT modulo the 4096 the cache writes at once), its microseconds in the
 * median, p99 and max columns, and a touch's share as the mean.  Then, the cache closed, CYCLES times (-o, default
 * 200; 0 for none) cache_open, cache_get of the first text value of
 * 10240 bytes (of the smallest size if 10240 is not in SIZES), cache_close: what a process such as rota-cache
 * get does, without starting the process; its line has op open+get+close.
 * Exit status 0, or 1 with a message on failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
die(const char *what, struct cache *c)
{
	fprintf(stderr, "cache-latency: %s%s%s\n", what, c ? ": " : "", c ? cache_errmsg(c) : "");
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory", NULL);
	return p;
}

/* len bytes of assignment records, as a solver writes them: one resident's
 * days in turn, activities in blocks, the odd leave day and lock. */
static void
fill_text(char *buf, size_t len)
{
	static const char *const act[] = { "clinic", "wards", "icu", "ed", "or", "consult",
		"didactics", "elective", "nights", "leave" };
	static const char *const slot[] = { "AM", "PM", "NIGHT" };
	size_t n = 0;
	unsigned person = (unsigned)(next() % 400), day = (unsigned)(next() % 300);
	unsigned block = (unsigned)(next() % 8);
	char line[256];
	while (n < len) {
		for (unsigned s = 0; s < 3 && n < len; s++) {
			uint64_t r = next();
			const char *a = r % 29 == 0 ? act[9] : act[(block + (r % 7 == 0)) % 9];
			unsigned d = day % 365, m = 1, dd = d;
			static const unsigned mdays[] = { 31, 31, 30, 31, 30, 31, 31, 28, 31, 30, 31, 30 };
			/* July first: an academic year */
			unsigned mi = 0;
			while (dd >= mdays[mi]) {
				dd -= mdays[mi];
				mi++;
			}
			m = (mi + 6) % 12 + 1;
			int w = snprintf(line, sizeof line,
				"{\"type\":\"assignment\",\"person\":\"r%03u\",\"date\":\"%04u-%02u-%02u\","
				"\"slot\":\"%s\",\"activity\":\"%s\",\"source\":\"%s\"%s}\n",
				person, mi < 6 ? 2024 : 2025, m, dd + 1, slot[s], a,
				r % 13 == 0 ? "manual" : "solver", r % 17 == 0 ? ",\"locked\":true" : "");
			size_t take = (size_t)w < len - n ? (size_t)w : len - n;
			memcpy(buf + n, line, take);
			n += take;
		}
		if (++day % 28 == 0)
			block = (block + 1) % 9;
		if (day % 365 == 0)
			person++;
	}
}

static void
fill_random(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t r = next();
		memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
report(size_t size, const char *kind, const char *op, double *t, size_t n, double ratio)
{
	qsort(t, n, sizeof *t, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	/* nearest rank */
	size_t r50 = (n + 1) / 2, r99 = (size_t)((double)n * 0.99 + 0.999999);
	if (r99 < 1)
		r99 = 1;
	if (r99 > n)
		r99 = n;
	printf("%zu\t%s\t%s\t%zu\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", size, kind, op, n, t[r50 - 1],
		t[r99 - 1], t[n - 1], sum / (double)n, ratio);
}

static double
ratio_of(struct cache *c, const char *ns)
{
	struct cache_stats *st;
	size_t n;
	if (cache_stats(c, &st, &n) < 0)
		die("stats", c);
	double r = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].ns, ns) == 0 && st[i].bytes_stored > 0)
			r = (double)st[i].bytes_raw / (double)st[i].bytes_stored;
	free(st);
	return r;
}

int
main(int argc, char **argv)
{
	size_t count = 1000, count_big = 50, gets = 20, cycles = 200;
	const char *sizes = "1024,10240,1048576";
	int c;
	while ((c = getopt(argc, argv, "n:m:g:o:s:S:")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'm': count_big = strtoul(optarg, NULL, 10); break;
		case 'g': gets = strtoul(optarg, NULL, 10); break;
		case 'o': cycles = strtoul(optarg, NULL, 10); break;
		case 's': sizes = optarg; break;
		case 'S': rng = strtoull(optarg, NULL, 10) * 0x9e3779b97f4a7c15ULL | 1; break;
		default:
			fprintf(stderr, "usage: cache-latency [-n COUNT] [-m COUNT] [-g GETS] [-o CYCLES] [-s SIZES] "
					"[-S SEED] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !count || !count_big || !gets) {
		fprintf(stderr, "cache-latency: expected one FILE, and COUNT, GETS above 0\n");
		return 2;
	}
	char err[1200];
	struct cache *cache = cache_open(argv[optind], err, sizeof err);
	if (!cache) {
		fprintf(stderr, "cache-latency: %s\n", err);
		return 1;
	}
	char *list = strdup(sizes);
	size_t first_size = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t size = strtoul(tok, NULL, 10);
		if (!size)
			die("a size of 0", NULL);
		size_t n = size >= (1u << 20) ? count_big : count;
		if (!first_size || (size < first_size && first_size != 10240) || size == 10240)
			first_size = size;
		for (int kind = 0; kind < 2; kind++) {
			const char *kname = kind ? "random" : "text";
			char ns[64];
			snprintf(ns, sizeof ns, "%s-%zu", kname, size);
			/* The values are made first: only the cache is timed. */
			char **val = xmalloc(n * sizeof *val);
			for (size_t i = 0; i < n; i++) {
				val[i] = xmalloc(size);
				(kind ? fill_random : fill_text)(val[i], size);
			}
			double *t = xmalloc((n > n * gets ? n : n * gets) * sizeof *t);
			char key[64];
			for (size_t i = 0; i < n; i++) {
				snprintf(key, sizeof key, "k%06zu", i);
				double t0 = now_us();
				int rc = cache_put(cache, ns, key, val[i], size, 0);
				t[i] = now_us() - t0;
				if (rc < 0)
					die("put", cache);
			}
			double ratio = ratio_of(cache, ns);
			report(size, kname, "put", t, n, ratio);
			/* Each value gets times, in a shuffled order. */
			size_t ng = n * gets;
			size_t *order = xmalloc(ng * sizeof *order);
			for (size_t i = 0; i < ng; i++)
				order[i] = i % n;
			for (size_t i = ng - 1; i > 0; i--) {
				size_t j = (size_t)(next() % (i + 1)), x = order[i];
				order[i] = order[j];
				order[j] = x;
			}
			char *seen = calloc(n, 1);
			for (size_t i = 0; i < ng; i++) {
				size_t k = order[i];
				snprintf(key, sizeof key, "k%06zu", k);
				void *got;
				size_t len;
				double t0 = now_us();
				int rc = cache_get(cache, ns, key, &got, &len);
				t[i] = now_us() - t0;
				if (rc < 0)
					die("get", cache);
				if (rc == 0) {
					fprintf(stderr, "cache-latency: %s %s: a miss, expected a hit\n", ns, key);
					return 1;
				}
				if (!seen[k]) {
					seen[k] = 1;
					if (len != size || memcmp(got, val[k], size) != 0) {
						fprintf(stderr, "cache-latency: %s %s: not the value put\n", ns, key);
						return 1;
					}
				}
				free(got);
			}
			report(size, kname, "get", t, ng, ratio);
			/* The last-use times of the hits since the last flush (the
			 * cache writes them 4096 at a time, and at a put or close):
			 * written now, timed, one line with the count of touches, the
			 * total in the median column and the time a touch as mean. */
			{
				size_t pending = ng % 4096;
				double t0 = now_us();
				if (cache_flush(cache) < 0)
					die("flush", cache);
				double t1 = now_us() - t0;
				printf("%zu\t%s\tflush\t%zu\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", size, kname,
					pending, t1, t1, t1, pending ? t1 / (double)pending : 0.0, ratio);
			}
			fflush(stdout);
			free(seen);
			free(order);
			free(t);
			for (size_t i = 0; i < n; i++)
				free(val[i]);
			free(val);
		}
	}
	free(list);
	if (cache_close(cache) < 0)
		die("close", NULL);
	/* As a process: the only connection, so each close is the last one. */
	if (cycles) {
		char ns[64];
		snprintf(ns, sizeof ns, "text-%zu", first_size);
		double *t = xmalloc(cycles * sizeof *t);
		for (size_t i = 0; i < cycles; i++) {
			void *got;
			size_t len;
			double t0 = now_us();
			struct cache *c1 = cache_open(argv[optind], err, sizeof err);
			if (!c1) {
				fprintf(stderr, "cache-latency: %s\n", err);
				return 1;
			}
			int rc = cache_get(c1, ns, "k000000", &got, &len);
			if (rc < 0)
				die("get", c1);
			if (rc == 0) {
				fprintf(stderr, "cache-latency: %s k000000: a miss, expected a hit\n", ns);
				return 1;
			}
			if (cache_close(c1) < 0)
				die("close", NULL);
			t[i] = now_us() - t0;
			free(got);
		}
		report(first_size, "text", "open+get+close", t, cycles, 0);
		free(t);
	}
	return 0;
}
