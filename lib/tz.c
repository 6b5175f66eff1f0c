/* tz.c: TZif files (RFC 8536), version 2 and later, 64-bit data only.
 *
 * A file lists transitions up to some year (2037 in "fat" files, the last
 * change of rule in "slim" ones) and ends with a POSIX TZ rule for the
 * years after: both are read, the rule written out as more transitions. */
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

#define DAY 86400LL
/* The footer's rule is written out as transitions up to this year: far
 * past any schedule.  Later instants keep the offset of its last change. */
#define RULE_UNTIL 2500

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

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* A day of the year in a POSIX TZ rule. */
struct rdate {
	char form;	/* 'J': day 1..365, Feb 29 never counted; 'D': day 0..365; 'M' */
	int m, w, d;	/* 'M': month, week 1..5 (5: the last), weekday 0..6 from
			 * Sunday; 'J' and 'D' keep the day in d */
	int32_t time;	/* seconds after local midnight: RFC 8536 allows ±167 h */
};

/* The footer (RFC 8536 section 3.3): a POSIX TZ string saying what happens
 * after the last transition, which slim files put as early as they can. */
struct rule {
	int32_t std, dst;	/* seconds east of UTC */
	int has_dst;
	struct rdate start, end;	/* into daylight time, in standard wall time;
					 * out of it, in daylight wall time */
};

/* At most digits digits, a number in [lo, hi]. */
static int
rule_num(const char **s, int digits, int lo, int hi, int *out)
{
	const char *p = *s;
	int v = 0;
	for (; '0' <= *p && *p <= '9' && p - *s < digits; p++)
		v = 10 * v + (*p - '0');
	if (p == *s || v < lo || v > hi)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

static int
is_letter(char c)
{
	return ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z');
}

/* An abbreviation: three or more letters, or <...> with signs and digits. */
static int
rule_abbr(const char **s)
{
	const char *p = *s, *from;
	if (*p == '<') {
		for (from = ++p; is_letter(*p) || ('0' <= *p && *p <= '9') || *p == '+' || *p == '-'; p++)
			;
		if (*p != '>' || p - from < 3)
			return -1;
		*s = p + 1;
		return 0;
	}
	for (from = p; is_letter(*p); p++)
		;
	*s = p;
	return p - from < 3 ? -1 : 0;
}

/* [+-]hh[:mm[:ss]] with at most max_h hours, in seconds. */
static int
rule_hms(const char **s, int max_h, int32_t *out)
{
	const char *p = *s;
	int sign = *p == '-' ? -1 : 1, h, m = 0, sec = 0;
	if (*p == '-' || *p == '+')
		p++;
	if (rule_num(&p, 3, 0, max_h, &h) < 0)
		return -1;
	if (*p == ':' && (p++, rule_num(&p, 2, 0, 59, &m) < 0))
		return -1;
	if (*p == ':' && (p++, rule_num(&p, 2, 0, 59, &sec) < 0))
		return -1;
	*out = sign * (h * 3600 + m * 60 + sec);
	*s = p;
	return 0;
}

/* Jn, n or Mm.w.d, then an optional /time (02:00 when absent). */
static int
rule_date(const char **s, struct rdate *d)
{
	const char *p = *s;
	d->form = *p == 'J' || *p == 'M' ? *p++ : 'D';
	if (d->form == 'M') {
		if (rule_num(&p, 2, 1, 12, &d->m) < 0 || *p++ != '.' || rule_num(&p, 1, 1, 5, &d->w) < 0 ||
		    *p++ != '.' || rule_num(&p, 1, 0, 6, &d->d) < 0)
			return -1;
	} else if (rule_num(&p, 3, d->form == 'J', 365, &d->d) < 0) {
		return -1;
	}
	d->time = 2 * 3600;
	if (*p == '/' && (p++, rule_hms(&p, 167, &d->time) < 0))
		return -1;
	*s = p;
	return 0;
}

/* std offset [dst [offset] ,start,end]; offsets count west, as in TZ. */
static int
rule_parse(const char *s, struct rule *r)
{
	int32_t v;
	memset(r, 0, sizeof *r);
	if (rule_abbr(&s) < 0 || rule_hms(&s, 24, &v) < 0)
		return -1;
	r->std = r->dst = -v;
	if (!*s)
		return 0;
	if (rule_abbr(&s) < 0)
		return -1;
	r->has_dst = 1;
	r->dst = r->std + 3600;
	if (*s != ',' && rule_hms(&s, 24, &v) == 0)
		r->dst = -v;
	/* POSIX leaves a rule without dates to the implementation: zic
	 * always writes them, and guessing them is worse than refusing. */
	if (*s++ != ',' || rule_date(&s, &r->start) < 0 || *s++ != ',' ||
	    rule_date(&s, &r->end) < 0)
		return -1;
	return *s ? -1 : 0;
}

/* The local date on which d falls in year y. */
static int64_t
rule_day(const struct rdate *d, int64_t y)
{
	int64_t jan1 = rtime_days_from_civil(y, 1, 1);
	int leap = rtime_days_from_civil(y, 3, 1) - rtime_days_from_civil(y, 2, 28) == 2;
	if (d->form == 'J')
		return jan1 + d->d - 1 + (leap && d->d >= 60);
	if (d->form == 'D')
		return jan1 + d->d;
	int64_t first = rtime_days_from_civil(y, (unsigned)d->m, 1);
	int64_t next = d->m == 12 ? rtime_days_from_civil(y + 1, 1, 1) :
				    rtime_days_from_civil(y, (unsigned)d->m + 1, 1);
	/* rtime_weekday counts from Monday, TZ rules from Sunday. */
	int64_t day = first + (d->d - (rtime_weekday(first) + 1) % 7 + 7) % 7 + 7 * (d->w - 1);
	while (day >= next)
		day -= 7;	/* week 5: the last one in the month */
	return day;
}

/* Appends a change of offset after the file's own transitions.  The array
 * has room for every year of the rule. */
static void
push(struct tz *z, int64_t at, int32_t off)
{
	if (z->n && at < z->at[z->n - 1])
		return;	/* the file's transitions hold until its last one */
	if (z->n && at == z->at[z->n - 1])
		z->n--;	/* two changes at one instant (all-year DST): the later holds */
	if (off == (z->n ? z->off[z->n - 1] : z->first))
		return;
	z->at[z->n] = at;
	z->off[z->n++] = off;
}

/* The years of the rule from the one of the last transition on. */
static void
follow_rule(struct tz *z, const struct rule *r, int64_t y0)
{
	for (int64_t y = y0; y <= RULE_UNTIL; y++) {
		int64_t on = rule_day(&r->start, y) * DAY + r->start.time - r->std;
		int64_t off = rule_day(&r->end, y) * DAY + r->end.time - r->dst;
		if (on < off) {
			push(z, on, r->dst);
			push(z, off, r->std);
		} else {
			push(z, off, r->std);
			push(z, on, r->dst);
		}
	}
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

/* The footer between the two newlines at p, into r. */
static const char *
footer(const unsigned char *p, const unsigned char *end, struct rule *r)
{
	char s[256];
	const unsigned char *nl = p < end ? memchr(p + 1, '\n', (size_t)(end - p - 1)) : NULL;
	if (!nl || *p != '\n')
		return "not a TZif file: its footer is missing (cut short?)";
	if ((size_t)(nl - p - 1) >= sizeof s)
		return "not a TZif file: its footer is too long";
	memcpy(s, p + 1, (size_t)(nl - p - 1));
	s[nl - p - 1] = '\0';
	memset(r, 0, sizeof *r);
	if (*s && rule_parse(s, r) < 0)
		return "not a TZif file: its footer is not a POSIX TZ rule";
	return NULL;
}

/* Whether an offset is one rota can use: under 24 hours either way.
 * RFC 8536 allows up to 25, but RFC 3339 writes only hours 00 to 23, and
 * a local date then lies within a day of the UTC one (tz_day_start counts
 * on it).  Real zones stay within ±16 h, local mean time included. */
static int
offset_usable(int64_t o)
{
	return o > -86400 && o < 86400;
}

static int
offsets_sane(const unsigned char *types, uint32_t ntypes)
{
	for (uint32_t t = 0; t < ntypes; t++)
		if (!offset_usable((int32_t)be32(types + 6 * t)))
			return 0;
	return 1;
}

/* The year from which the footer's rule is followed: that of the last
 * transition, or 1900 (before any schedule) when the file lists none. */
static int64_t
rule_from_year(const unsigned char *times, uint32_t ntimes)
{
	int64_t y = 1900;
	unsigned m, d;
	if (ntimes)
		rtime_civil_from_days(floor_div(be64(times + 8 * ((size_t)ntimes - 1)), DAY), &y, &m, &d);
	return y > 1900 ? y : 1900;
}

/* NULL, or what is wrong with the file. */
static const char *
parse(struct tz *z, const unsigned char *buf, size_t len)
{
	uint32_t c[6];
	const char *why;
	struct rule r;
	if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2')
		return "not a TZif file of version 2 or later";	/* v1: 32-bit only */
	counts(buf, c);
	size_t v1 = 44 + block_size(c, 4);
	if (len < v1 + 44 || memcmp(buf + v1, "TZif", 4) != 0)
		return "not a TZif file: cut short or damaged";
	const unsigned char *h = buf + v1, *p = h + 44;
	counts(h, c);
	if (c[4] == 0 || (size_t)(p - buf) + block_size(c, 8) > len)
		return "not a TZif file: cut short or damaged";
	/* "right/" zones count leap seconds, which POSIX instants (and RFC
	 * 3339 arithmetic) leave out: every answer would be off by them. */
	if (c[2] != 0)
		return "holds leap seconds (a \"right/\" zone): use the zone without them";
	if ((why = footer(p + block_size(c, 8), buf + len, &r)))
		return why;
	const unsigned char *times = p, *idx = p + (size_t)c[3] * 8, *types = idx + c[3];
	if (!offsets_sane(types, c[4]) || !offset_usable(r.std) || !offset_usable(r.dst))
		return "an offset of 24 hours or more, which RFC 3339 cannot write";
	int64_t y0 = rule_from_year(times, c[3]);
	size_t years = r.has_dst && y0 <= RULE_UNTIL ? (size_t)(RULE_UNTIL - y0 + 1) : 0;
	size_t room = (size_t)c[3] + 1 + 2 * years;	/* two changes a year at most */
	z->at = xmalloc(room * sizeof *z->at);
	z->off = xmalloc(room * sizeof *z->off);
	/* RFC 8536 section 3.2: type 0 holds before the first transition. */
	z->first = (int32_t)be32(types);
	for (uint32_t i = 0; i < c[3]; i++) {
		if (idx[i] >= c[4])
			return "not a TZif file: cut short or damaged";
		z->at[i] = be64(times + 8 * i);
		z->off[i] = (int32_t)be32(types + 6 * idx[i]);
		if (i > 0 && z->at[i] <= z->at[i - 1])
			return "not a TZif file: its transitions are out of order";
	}
	z->n = (int)c[3];
	if (r.has_dst)
		follow_rule(z, &r, y0);
	return NULL;
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
	const char *why = b.s ? parse(z, (const unsigned char *)b.s, b.len) :
				"not a TZif file of version 2 or later";
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
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

int64_t
tz_local_day(const struct tz *z, int64_t t)
{
	return floor_div(t + tz_offset(z, t), 86400);
}

/* Offsets stay within 25 hours of UTC (parse checks), so the answer lies
 * within two days of the wall-clock time read as UTC: walk the segments
 * from there. */
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
	/* RFC 3339 offsets are whole minutes, local mean time was not (New
	 * York: -4:56:02): write the wall clock of the offset cut to minutes,
	 * so the text still reads back as exactly t. */
	int off = tz_offset(z, t) / 60 * 60;
	int64_t wall = t + off, day = floor_div(wall, 86400), sec = wall - day * 86400;
	rtime_format_date(day, buf);
	int a = off < 0 ? -off : off;
	snprintf(buf + 10, 22, "T%02d:%02d:%02d%c%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60),
		(int)(sec % 60), off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}
