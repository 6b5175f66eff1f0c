/* tz.c: TZif files (RFC 8536), version 2 and later, 64-bit data only. */
#include "tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtime.h"
#include "util.h"

struct tz {
	char *name;
	int n;		/* transitions */
	int64_t *at;	/* [n] instants, ascending */
	int32_t *off;	/* [n] offset from at[i] on */
	int32_t first;	/* offset before at[0] */
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The six counts of a header at p: isut, isstd, leap, time, type, char. */
static void
counts(const unsigned char *p, uint32_t c[6])
{
	for (int i = 0; i < 6; i++)
		c[i] = be32(p + 20 + 4 * i);
}

static size_t
block_size(const uint32_t c[6], int tsize)
{
	return (size_t)c[3] * tsize + c[3] + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * (tsize + 4) +
	       c[1] + c[0];
}

static int
parse(struct tz *z, const unsigned char *buf, size_t len)
{
	uint32_t c[6];
	if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2')
		return -1;	/* version 1 files are 32-bit only: not worth it */
	counts(buf, c);
	size_t v1 = 44 + block_size(c, 4);
	if (len < v1 + 44 || memcmp(buf + v1, "TZif", 4) != 0)
		return -1;
	const unsigned char *h = buf + v1, *p = h + 44;
	counts(h, c);
	if (c[4] == 0 || (size_t)(p - buf) + block_size(c, 8) > len)
		return -1;
	const unsigned char *times = p, *idx = p + (size_t)c[3] * 8, *types = idx + c[3];
	z->n = (int)c[3];
	z->at = xmalloc((c[3] + 1) * sizeof *z->at);
	z->off = xmalloc((c[3] + 1) * sizeof *z->off);
	for (uint32_t i = 0; i < c[3]; i++) {
		if (idx[i] >= c[4])
			return -1;
		z->at[i] = be64(times + 8 * i);
		z->off[i] = (int32_t)be32(types + 6 * idx[i]);
		if (i > 0 && z->at[i] <= z->at[i - 1])
			return -1;
	}
	/* Before the first transition: the first standard-time type (RFC 8536
	 * 3.2), else type 0. */
	z->first = (int32_t)be32(types);
	for (uint32_t t = 0; t < c[4]; t++)
		if (!types[6 * t + 4]) {
			z->first = (int32_t)be32(types + 6 * t);
			break;
		}
	return 0;
}

static int
valid_name(const char *name)
{
	if (!*name || *name == '/' || strlen(name) > 200)
		return 0;
	for (const char *s = name; *s; s++)
		if (!(('A' <= *s && *s <= 'Z') || ('a' <= *s && *s <= 'z') || ('0' <= *s && *s <= '9') ||
		      strchr("/_-+", *s)))
			return 0;
	return strstr(name, "..") == NULL;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	if (!valid_name(name)) {
		snprintf(err, errlen, "\"%s\" is not a time zone name (like America/New_York)", name);
		return NULL;
	}
	const char *dir = getenv("TZDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "no time zone \"%s\" (%s: %s)", name, path, strerror(errno));
		return NULL;
	}
	struct sbuf b = { 0 };
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len < (1u << 20))
		sbuf_add(&b, chunk, got);
	fclose(fp);
	struct tz *z = xcalloc(1, sizeof *z);
	if (!b.s || parse(z, (const unsigned char *)b.s, b.len) < 0) {
		snprintf(err, errlen, "%s: not a TZif file of version 2 or later", path);
		sbuf_free(&b);
		tz_free(z);
		return NULL;
	}
	sbuf_free(&b);
	z->name = xstrdup(name);
	return z;
}

void
tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->name);
	free(z->at);
	free(z->off);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}

/* The index of the last transition at or before t, or -1. */
static int
segment(const struct tz *z, int64_t t)
{
	int lo = 0, hi = z->n;	/* answer in [lo - 1, hi - 1] */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static int32_t
seg_off(const struct tz *z, int i)
{
	return i < 0 ? z->first : z->off[i];
}

int
tz_offset(const struct tz *z, int64_t t)
{
	return seg_off(z, segment(z, t));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
tz_local_day(const struct tz *z, int64_t t)
{
	return floor_div(t + tz_offset(z, t), 86400);
}

/* Offsets stay within a day of UTC, so the answer lies within two days
 * of the wall-clock time read as UTC: walk the segments from there. */
int64_t
tz_day_start(const struct tz *z, int64_t day)
{
	int64_t wall = day * 86400;
	int i = segment(z, wall - 2 * 86400);
	for (;; i++) {
		int64_t lo = i < 0 ? INT64_MIN : z->at[i];
		int64_t hi = i + 1 < z->n ? z->at[i + 1] : INT64_MAX;
		int64_t t = wall - seg_off(z, i);
		if (t < lo)
			t = lo;	/* the segment begins past the wall time */
		if (t < hi)
			return t;
	}
}

int
tz_from_local(const struct tz *z, int64_t local, int64_t *t)
{
	int found = 0;
	int i = segment(z, local - 2 * 86400);
	for (; i < z->n; i++) {
		int64_t lo = i < 0 ? INT64_MIN : z->at[i];
		int64_t hi = i + 1 < z->n ? z->at[i + 1] : INT64_MAX;
		int64_t u = local - seg_off(z, i);
		if (lo <= u && u < hi && found++ == 0)
			*t = u;
		if (lo > local + 2 * 86400)
			break;
	}
	return found == 1 ? 0 : found == 0 ? -1 : -2;
}

void
tz_format(const struct tz *z, int64_t t, char *buf)
{
	int off = tz_offset(z, t);
	int64_t wall = t + off, day = floor_div(wall, 86400), sec = wall - day * 86400;
	rtime_format_date(day, buf);
	int a = (off < 0 ? -off : off) % 86400;
	snprintf(buf + 10, 22, "T%02d:%02d:%02d%c%02d:%02d", (int)(sec / 3600 % 24),
		(int)(sec / 60 % 60), (int)(sec % 60), off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}
