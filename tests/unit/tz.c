/* Unit tests for lib/tz: offsets, local days and wall-clock times read from
 * the system's TZif files.  The expected values are those `zdump -v -c
 * 2024,2025 ZONE` prints; the C library's own reader is a second opinion
 * over three centuries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rtime.h"
#include "tap.h"

#include "tz.h"

#define HOUR 3600LL
#define DAY 86400LL

/* A local wall-clock time "YYYY-MM-DDTHH:MM:SS" as seconds since 1970-01-01
 * on the wall clock, the form tz_from_local takes. */
static int64_t
wall(const char *s)
{
	char z[32];
	snprintf(z, sizeof z, "%sZ", s);
	return tap_instant(z);
}

static struct tz *
load(const char *name)
{
	char err[512];
	struct tz *z = tz_load(name, err, sizeof err);
	if (!tap_ok(z != NULL, "load %s", name))
		printf("#   %s\n", err);
	return z;
}

/* The offset and the RFC 3339 form at the instant given in UTC. */
static void
instant(const struct tz *z, const char *utc, int off, const char *want)
{
	char buf[32], name[160];
	int64_t t = tap_instant(utc);
	snprintf(name, sizeof name, "%s: offset at %s", tz_name(z), utc);
	tap_is_int(tz_offset(z, t), off, name);
	tz_format(z, t, buf);
	snprintf(name, sizeof name, "%s: %s formats as %s", tz_name(z), utc, want);
	tap_is_str(buf, want, name);
	tap_is_int(tap_instant(buf), t, "  and reads back as the same instant");
}

/* Where local day d begins, and how long it lasts. */
static void
day_start(const struct tz *z, const char *d, const char *want, int64_t len)
{
	char name[160];
	int64_t s = tz_day_start(z, tap_date(d));
	snprintf(name, sizeof name, "%s: %s begins at %s", tz_name(z), d, want);
	tap_is_int(s, tap_instant(want), name);
	snprintf(name, sizeof name, "%s: %s lasts %lld s", tz_name(z), d, (long long)len);
	tap_is_int(tz_day_start(z, tap_date(d) + 1) - s, len, name);
	snprintf(name, sizeof name, "%s: the day of %s's first second is %s", tz_name(z), want, d);
	tap_is_int(tz_local_day(z, s), tap_date(d), name);
	snprintf(name, sizeof name, "%s: the second before it is the day before", tz_name(z));
	tap_is_int(tz_local_day(z, s - 1), tap_date(d) - 1, name);
}

static void
local_day(const struct tz *z, const char *utc, const char *d)
{
	char name[160];
	snprintf(name, sizeof name, "%s: %s falls on %s", tz_name(z), utc, d);
	tap_is_int(tz_local_day(z, tap_instant(utc)), tap_date(d), name);
}

/* tz_from_local: want_rc 0 with the instant utc, -1 or -2 without. */
static void
from_local(const struct tz *z, const char *local, int want_rc, const char *utc)
{
	int64_t t = 0;
	int rc = tz_from_local(z, wall(local), &t);
	static const char *const what[] = { "happens twice", "does not exist", "is" };
	char name[160];
	snprintf(name, sizeof name, "%s: %s %s%s%s", tz_name(z), local, what[want_rc + 2],
		utc ? " " : "", utc ? utc : "");
	if (want_rc == 0)
		tap_ok(rc == 0 && t == tap_instant(utc), "%s", name);
	else
		tap_ok(rc == want_rc, "%s (rc %d)", name, rc);
}

/* Every 15 minutes of a year: the instant lies inside its own local day,
 * and its wall-clock time leads back to it. */
static void
consistent(const struct tz *z, int year)
{
	int64_t t0 = rtime_days_from_civil(year, 1, 1) * DAY - DAY;
	int64_t t1 = rtime_days_from_civil(year + 1, 1, 1) * DAY + DAY;
	long bad_day = 0, bad_back = 0;
	for (int64_t t = t0; t < t1; t += 900) {
		int64_t d = tz_local_day(z, t), u = 0;
		if (!(tz_day_start(z, d) <= t && t < tz_day_start(z, d + 1)))
			bad_day++;
		int rc = tz_from_local(z, t + tz_offset(z, t), &u);
		if (!(rc == 0 && u == t) && !(rc == -2 && u <= t))
			bad_back++;
	}
	tap_is_int(bad_day, 0, "  every quarter hour lies within its local day");
	tap_is_int(bad_back, 0, "  every quarter hour's wall clock leads back to it");
}

/* The C library's reader agrees on offsets sampled from 1900 to 2150 (past the
 * last transition written out in the file, where only its footer rule
 * says what happens). */
static void
agrees_with_libc(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, ":/usr/share/zoneinfo/%s", name);
	setenv("TZ", path, 1);
	tzset();
	struct tz *z = load(name);
	if (!z)
		return;
	long bad = 0;
	int64_t first_bad = 0;
	int64_t t0 = rtime_days_from_civil(1900, 1, 1) * DAY, t1 = rtime_days_from_civil(2150, 1, 1) * DAY;
	/* An odd step, so the samples drift across every hour and minute. */
	for (int64_t t = t0; t < t1; t += 5 * HOUR + 61) {
		time_t tt = (time_t)t;
		struct tm tm;
		if (!localtime_r(&tt, &tm) || tm.tm_gmtoff != tz_offset(z, t))
			if (bad++ == 0)
				first_bad = t;
	}
	char buf[32] = "-";
	if (bad)
		tz_format(z, first_bad, buf);
	tap_ok(bad == 0, "%s: the same offsets as localtime_r 1900..2150 (%ld differ, first %s)", name,
		bad, buf);
	tz_free(z);
}

static void
bad_load(const char *name, const char *want)
{
	char err[512] = "";
	struct tz *z = tz_load(name, err, sizeof err);
	tap_ok(z == NULL && strstr(err, want), "\"%s\" refused: %s", name, z ? "(loaded)" : err);
	tz_free(z);
}

static void
put(FILE *fp, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	fwrite(b, 1, 4, fp);
}

/* A TZif file with no transitions, one time type and a footer rule: what
 * `zic -b slim` writes for a zone whose rule has not changed in a while. */
static void
write_tzif(const char *path, char version, int32_t off, const char *footer)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return;
	for (int block = 0; block < (version ? 2 : 1); block++) {
		fwrite("TZif", 1, 4, fp);
		fputc(version, fp);
		for (int i = 0; i < 15; i++)
			fputc(0, fp);
		uint32_t c[6] = { 0, 0, 0, 0, 1, 4 };	/* isut isstd leap time type char */
		for (int i = 0; i < 6; i++)
			put(fp, c[i]);
		put(fp, (uint32_t)off);
		fputc(0, fp);	/* isdst */
		fputc(0, fp);	/* designation index */
		fwrite("XXX", 1, 4, fp);
	}
	if (footer)
		fprintf(fp, "\n%s\n", footer);
	fclose(fp);
}

static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	if (fp) {
		fwrite(p, 1, n, fp);
		fclose(fp);
	}
}

static void
file_errors(void)
{
	bad_load("Nowhere/Atlantis", "no time zone");
	bad_load("../etc/passwd", "not a time zone name");
	bad_load("America/../../../etc/passwd", "not a time zone name");
	bad_load("/etc/passwd", "not a time zone name");
	bad_load("/usr/share/zoneinfo/UTC", "not a time zone name");
	bad_load("", "not a time zone name");
	bad_load("America/New York", "not a time zone name");
	bad_load("America", "not a TZif file");
	/* Leap-second zones count seconds that POSIX instants do not. */
	if (access("/usr/share/zoneinfo/right/UTC", R_OK) == 0)
		bad_load("right/America/New_York", "leap seconds");

	char dir[] = "/tmp/rota-unit-tz-XXXXXX", path[256];
	if (!tap_ok(mkdtemp(dir) != NULL, "a temporary TZDIR"))
		return;
	setenv("TZDIR", dir, 1);
	snprintf(path, sizeof path, "%s/Junk", dir);
	write_bytes(path, "this is not a time zone\n", 24);
	bad_load("Junk", "not a TZif file");
	snprintf(path, sizeof path, "%s/Empty", dir);
	write_bytes(path, "", 0);
	bad_load("Empty", "not a TZif file");
	/* Version 1 files hold 32-bit data only. */
	snprintf(path, sizeof path, "%s/Old", dir);
	write_tzif(path, 0, -18000, NULL);
	bad_load("Old", "not a TZif file");
	/* A real file cut short. */
	FILE *fp = fopen("/usr/share/zoneinfo/America/New_York", "rb");
	unsigned char buf[4096];
	size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
	if (fp)
		fclose(fp);
	snprintf(path, sizeof path, "%s/Cut", dir);
	write_bytes(path, buf, n > 600 ? 600 : n);
	bad_load("Cut", "not a TZif file");
	snprintf(path, sizeof path, "%s/NoFooter", dir);
	write_bytes(path, buf, n > 0 ? n - 1 - strlen("EST5EDT,M3.2.0,M11.1.0\n") : 0);
	bad_load("NoFooter", "not a TZif file");
	snprintf(path, sizeof path, "%s/BadFooter", dir);
	write_tzif(path, '2', -18000, "EST5EDT,M13.2.0,M11.1.0");
	bad_load("BadFooter", "not a TZif file");
	/* TZDIR is where zones are read: the system's UTC is not there. */
	bad_load("UTC", "no time zone");

	/* Slim files: nothing but a footer rule, which must then be followed
	 * for every year. */
	snprintf(path, sizeof path, "%s/SlimNY", dir);
	write_tzif(path, '2', -18000, "EST5EDT,M3.2.0,M11.1.0");
	snprintf(path, sizeof path, "%s/SlimSantiago", dir);
	write_tzif(path, '3', -14400, "<-04>4<-03>,M9.1.6/24,M4.1.6/24");
	snprintf(path, sizeof path, "%s/SlimLH", dir);
	write_tzif(path, '2', 37800, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
	/* Daylight time all year, as zic writes it: in on January 1 at 00:00,
	 * out on December 31 at 25:00, the same instant. */
	snprintf(path, sizeof path, "%s/SlimAllYear", dir);
	write_tzif(path, '3', -10800, "<-03>3<-02>,0/0,J365/25");
	struct tz *z = load("SlimAllYear");
	if (z) {
		instant(z, "2024-06-01T12:00:00Z", -7200, "2024-06-01T10:00:00-02:00");
		instant(z, "2024-12-31T23:59:59Z", -7200, "2024-12-31T21:59:59-02:00");
		instant(z, "2025-01-01T02:00:00Z", -7200, "2025-01-01T00:00:00-02:00");
		day_start(z, "2025-01-01", "2025-01-01T02:00:00Z", DAY);
		tz_free(z);
	}
	z = load("SlimNY");
	if (z) {
		instant(z, "2024-03-10T06:59:59Z", -18000, "2024-03-10T01:59:59-05:00");
		instant(z, "2024-03-10T07:00:00Z", -14400, "2024-03-10T03:00:00-04:00");
		instant(z, "2024-11-03T05:59:59Z", -14400, "2024-11-03T01:59:59-04:00");
		instant(z, "2024-11-03T06:00:00Z", -18000, "2024-11-03T01:00:00-05:00");
		day_start(z, "2024-03-10", "2024-03-10T05:00:00Z", 23 * HOUR);
		from_local(z, "2024-11-03T01:30:00", -2, NULL);
		tz_free(z);
	}
	if ((z = load("SlimSantiago"))) {
		instant(z, "2024-04-07T02:59:59Z", -10800, "2024-04-06T23:59:59-03:00");
		instant(z, "2024-04-07T03:00:00Z", -14400, "2024-04-06T23:00:00-04:00");
		instant(z, "2024-09-08T04:00:00Z", -10800, "2024-09-08T01:00:00-03:00");
		day_start(z, "2024-09-08", "2024-09-08T04:00:00Z", 23 * HOUR);
		tz_free(z);
	}
	if ((z = load("SlimLH"))) {
		instant(z, "2024-04-06T14:59:59Z", 39600, "2024-04-07T01:59:59+11:00");
		instant(z, "2024-04-06T15:00:00Z", 37800, "2024-04-07T01:30:00+10:30");
		instant(z, "2024-10-05T15:30:00Z", 39600, "2024-10-06T02:30:00+11:00");
		tz_free(z);
	}
	unsetenv("TZDIR");
	const char *names[] = { "Junk", "Empty", "Old", "Cut", "NoFooter", "BadFooter", "SlimAllYear",
		"SlimNY", "SlimSantiago", "SlimLH" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	unsetenv("TZDIR");
	struct tz *z;

	if ((z = load("UTC"))) {
		tap_is_str(tz_name(z), "UTC", "tz_name");
		instant(z, "2024-03-10T07:00:00Z", 0, "2024-03-10T07:00:00+00:00");
		instant(z, "2024-12-31T23:59:59Z", 0, "2024-12-31T23:59:59+00:00");
		instant(z, "1969-12-31T23:59:59Z", 0, "1969-12-31T23:59:59+00:00");
		day_start(z, "2024-02-29", "2024-02-29T00:00:00Z", DAY);
		day_start(z, "1970-01-01", "1970-01-01T00:00:00Z", DAY);
		local_day(z, "1969-12-31T23:59:59Z", "1969-12-31");
		from_local(z, "2024-03-10T02:30:00", 0, "2024-03-10T02:30:00Z");
		consistent(z, 2024);
		tz_free(z);
	}

	if ((z = load("America/New_York"))) {
		instant(z, "2024-03-10T06:59:59Z", -18000, "2024-03-10T01:59:59-05:00");
		instant(z, "2024-03-10T07:00:00Z", -14400, "2024-03-10T03:00:00-04:00");
		instant(z, "2024-11-03T05:59:59Z", -14400, "2024-11-03T01:59:59-04:00");
		instant(z, "2024-11-03T06:00:00Z", -18000, "2024-11-03T01:00:00-05:00");
		day_start(z, "2024-03-10", "2024-03-10T05:00:00Z", 23 * HOUR);
		day_start(z, "2024-03-11", "2024-03-11T04:00:00Z", DAY);
		day_start(z, "2024-11-03", "2024-11-03T04:00:00Z", 25 * HOUR);
		day_start(z, "2024-11-04", "2024-11-04T05:00:00Z", DAY);
		day_start(z, "2024-07-01", "2024-07-01T04:00:00Z", DAY);
		local_day(z, "2024-03-10T04:59:59Z", "2024-03-09");
		local_day(z, "2024-03-10T05:00:00Z", "2024-03-10");
		local_day(z, "2024-11-04T04:59:59Z", "2024-11-03");
		local_day(z, "2024-11-04T05:00:00Z", "2024-11-04");
		from_local(z, "2024-03-10T01:59:59", 0, "2024-03-10T06:59:59Z");
		from_local(z, "2024-03-10T02:00:00", -1, NULL);
		from_local(z, "2024-03-10T02:30:00", -1, NULL);
		from_local(z, "2024-03-10T02:59:59", -1, NULL);
		from_local(z, "2024-03-10T03:00:00", 0, "2024-03-10T07:00:00Z");
		from_local(z, "2024-11-03T00:59:59", 0, "2024-11-03T04:59:59Z");
		from_local(z, "2024-11-03T01:00:00", -2, NULL);
		from_local(z, "2024-11-03T01:30:00", -2, NULL);
		from_local(z, "2024-11-03T01:59:59", -2, NULL);
		from_local(z, "2024-11-03T02:00:00", 0, "2024-11-03T07:00:00Z");
		/* After 2037 the file lists no transitions: its footer rule does. */
		instant(z, "2040-03-11T06:59:59Z", -18000, "2040-03-11T01:59:59-05:00");
		instant(z, "2040-03-11T07:00:00Z", -14400, "2040-03-11T03:00:00-04:00");
		instant(z, "2040-11-04T06:00:00Z", -18000, "2040-11-04T01:00:00-05:00");
		day_start(z, "2040-03-11", "2040-03-11T05:00:00Z", 23 * HOUR);
		from_local(z, "2040-11-04T01:30:00", -2, NULL);
		/* Local mean time before 1883 was 4:56:02 behind UTC: RFC 3339
		 * has no seconds in offsets, but the instant must survive. */
		char buf[32];
		tz_format(z, tap_instant("1850-01-01T12:00:00Z"), buf);
		tap_is_int(tap_instant(buf), tap_instant("1850-01-01T12:00:00Z"), "1850 in local mean time reads back");
		tap_is_int(tz_offset(z, tap_instant("1850-01-01T12:00:00Z")), -17762, "  at -4:56:02");
		consistent(z, 2024);
		tz_free(z);
	}

	if ((z = load("America/Havana"))) {
		instant(z, "2024-03-10T04:59:59Z", -18000, "2024-03-09T23:59:59-05:00");
		instant(z, "2024-03-10T05:00:00Z", -14400, "2024-03-10T01:00:00-04:00");
		instant(z, "2024-11-03T04:59:59Z", -14400, "2024-11-03T00:59:59-04:00");
		instant(z, "2024-11-03T05:00:00Z", -18000, "2024-11-03T00:00:00-05:00");
		/* Clocks spring from midnight to 01:00: the day begins at 01:00. */
		day_start(z, "2024-03-09", "2024-03-09T05:00:00Z", DAY);
		day_start(z, "2024-03-10", "2024-03-10T05:00:00Z", 23 * HOUR);
		/* Midnight happens twice: the day begins at the first. */
		day_start(z, "2024-11-02", "2024-11-02T04:00:00Z", DAY);
		day_start(z, "2024-11-03", "2024-11-03T04:00:00Z", 25 * HOUR);
		local_day(z, "2024-11-03T03:59:59Z", "2024-11-02");
		local_day(z, "2024-11-03T04:00:00Z", "2024-11-03");
		local_day(z, "2024-11-03T05:00:00Z", "2024-11-03");
		from_local(z, "2024-03-10T00:00:00", -1, NULL);
		from_local(z, "2024-03-10T00:59:59", -1, NULL);
		from_local(z, "2024-03-10T01:00:00", 0, "2024-03-10T05:00:00Z");
		from_local(z, "2024-03-09T23:59:59", 0, "2024-03-10T04:59:59Z");
		from_local(z, "2024-11-03T00:00:00", -2, NULL);
		from_local(z, "2024-11-03T00:59:59", -2, NULL);
		from_local(z, "2024-11-03T01:00:00", 0, "2024-11-03T06:00:00Z");
		from_local(z, "2024-11-02T23:59:59", 0, "2024-11-03T03:59:59Z");
		instant(z, "2040-03-11T05:00:00Z", -14400, "2040-03-11T01:00:00-04:00");
		instant(z, "2040-11-04T05:00:00Z", -18000, "2040-11-04T00:00:00-05:00");
		consistent(z, 2024);
		tz_free(z);
	}

	if ((z = load("America/Santiago"))) {
		/* 2024-04-07 00:00 -03 falls back to 2024-04-06 23:00 -04. */
		instant(z, "2024-04-07T02:59:59Z", -10800, "2024-04-06T23:59:59-03:00");
		instant(z, "2024-04-07T03:00:00Z", -14400, "2024-04-06T23:00:00-04:00");
		instant(z, "2024-09-08T03:59:59Z", -14400, "2024-09-07T23:59:59-04:00");
		instant(z, "2024-09-08T04:00:00Z", -10800, "2024-09-08T01:00:00-03:00");
		day_start(z, "2024-04-06", "2024-04-06T03:00:00Z", 25 * HOUR);
		day_start(z, "2024-04-07", "2024-04-07T04:00:00Z", DAY);
		day_start(z, "2024-09-07", "2024-09-07T04:00:00Z", DAY);
		day_start(z, "2024-09-08", "2024-09-08T04:00:00Z", 23 * HOUR);
		local_day(z, "2024-04-07T02:59:59Z", "2024-04-06");
		local_day(z, "2024-04-07T03:00:00Z", "2024-04-06");
		local_day(z, "2024-04-07T03:59:59Z", "2024-04-06");
		local_day(z, "2024-04-07T04:00:00Z", "2024-04-07");
		from_local(z, "2024-04-06T22:59:59", 0, "2024-04-07T01:59:59Z");
		from_local(z, "2024-04-06T23:00:00", -2, NULL);
		from_local(z, "2024-04-06T23:30:00", -2, NULL);
		from_local(z, "2024-04-07T00:00:00", 0, "2024-04-07T04:00:00Z");
		from_local(z, "2024-09-08T00:00:00", -1, NULL);
		from_local(z, "2024-09-08T00:30:00", -1, NULL);
		from_local(z, "2024-09-07T23:59:59", 0, "2024-09-08T03:59:59Z");
		from_local(z, "2024-09-08T01:00:00", 0, "2024-09-08T04:00:00Z");
		instant(z, "2040-04-08T03:00:00Z", -14400, "2040-04-07T23:00:00-04:00");
		instant(z, "2040-09-02T04:00:00Z", -10800, "2040-09-02T01:00:00-03:00");
		consistent(z, 2024);
		tz_free(z);
	}

	if ((z = load("Australia/Lord_Howe"))) {
		/* Half-hour DST: 02:00 +11 falls back to 01:30 +10:30. */
		instant(z, "2024-04-06T14:59:59Z", 39600, "2024-04-07T01:59:59+11:00");
		instant(z, "2024-04-06T15:00:00Z", 37800, "2024-04-07T01:30:00+10:30");
		instant(z, "2024-10-05T15:29:59Z", 37800, "2024-10-06T01:59:59+10:30");
		instant(z, "2024-10-05T15:30:00Z", 39600, "2024-10-06T02:30:00+11:00");
		day_start(z, "2024-04-07", "2024-04-06T13:00:00Z", 24 * HOUR + 1800);
		day_start(z, "2024-04-08", "2024-04-07T13:30:00Z", DAY);
		day_start(z, "2024-10-06", "2024-10-05T13:30:00Z", 24 * HOUR - 1800);
		local_day(z, "2024-04-06T12:59:59Z", "2024-04-06");
		local_day(z, "2024-04-06T13:00:00Z", "2024-04-07");
		from_local(z, "2024-04-07T01:29:59", 0, "2024-04-06T14:29:59Z");
		from_local(z, "2024-04-07T01:30:00", -2, NULL);
		from_local(z, "2024-04-07T01:45:00", -2, NULL);
		from_local(z, "2024-04-07T02:00:00", 0, "2024-04-06T15:30:00Z");
		from_local(z, "2024-10-06T02:00:00", -1, NULL);
		from_local(z, "2024-10-06T02:15:00", -1, NULL);
		from_local(z, "2024-10-06T02:30:00", 0, "2024-10-05T15:30:00Z");
		instant(z, "2040-03-31T15:00:00Z", 37800, "2040-04-01T01:30:00+10:30");
		instant(z, "2040-10-06T15:30:00Z", 39600, "2040-10-07T02:30:00+11:00");
		consistent(z, 2024);
		tz_free(z);
	}

	if ((z = load("Asia/Kolkata"))) {
		instant(z, "2024-01-01T00:00:00Z", 19800, "2024-01-01T05:30:00+05:30");
		instant(z, "2024-07-01T18:29:59Z", 19800, "2024-07-01T23:59:59+05:30");
		day_start(z, "2024-01-01", "2023-12-31T18:30:00Z", DAY);
		local_day(z, "2023-12-31T18:29:59Z", "2023-12-31");
		local_day(z, "2023-12-31T18:30:00Z", "2024-01-01");
		local_day(z, "1969-12-31T18:30:00Z", "1970-01-01");
		from_local(z, "2024-01-01T00:00:00", 0, "2023-12-31T18:30:00Z");
		consistent(z, 2024);
		tz_free(z);
	}

	const char *zones[] = { "UTC", "America/New_York", "America/Havana", "America/Santiago",
		"Australia/Lord_Howe", "Asia/Kolkata", "Europe/Dublin", "America/Godthab",
		"Antarctica/Troll", "Africa/Casablanca", "Pacific/Apia", "America/St_Johns",
		"Pacific/Chatham", "Asia/Tehran", "Europe/London" };
	for (size_t i = 0; i < sizeof zones / sizeof *zones; i++)
		agrees_with_libc(zones[i]);
	unsetenv("TZ");

	file_errors();
	return tap_done();
}
