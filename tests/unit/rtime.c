/* Unit tests for lib/rtime: civil dates, RFC 3339 instants, clock times. */
#include <string.h>

#include "rtime.h"
#include "tap.h"

static int64_t
instant(const char *s, int *off, int *ok)
{
	int64_t t = 0;
	const char *why;
	*ok = rtime_parse_instant(s, strlen(s), &t, off, &why) == 0;
	return t;
}

static void
bad_instant(const char *s, const char *want_why)
{
	int64_t t;
	int off;
	const char *why = NULL;
	int rc = rtime_parse_instant(s, strlen(s), &t, &off, &why);
	tap_ok(rc == -1 && why && strstr(why, want_why), "instant %s rejected: %s", s,
		why ? why : "(accepted)");
}

static void
bad_date(const char *s)
{
	int64_t d;
	const char *why;
	tap_ok(rtime_parse_date(s, strlen(s), &d, &why) == -1, "date \"%s\" rejected", s);
}

int
main(void)
{
	char buf[11];
	int64_t d;
	const char *why;
	int off, ok;

	tap_is_int(rtime_days_from_civil(1970, 1, 1), 0, "epoch is day 0");
	tap_is_int(rtime_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	tap_is_int(rtime_days_from_civil(1969, 12, 31), -1, "the day before the epoch");
	/* Every day of 1600..2400 round-trips through civil form. */
	int64_t y;
	unsigned m, dd;
	int all = 1;
	for (int64_t z = rtime_days_from_civil(1600, 1, 1); z < rtime_days_from_civil(2400, 1, 1); z++) {
		rtime_civil_from_days(z, &y, &m, &dd);
		all &= rtime_days_from_civil(y, m, dd) == z;
	}
	tap_ok(all, "civil_from_days inverts days_from_civil over 800 years");
	tap_is_int(rtime_weekday(rtime_days_from_civil(2024, 1, 1)), 0, "2024-01-01 is a Monday");
	tap_is_int(rtime_weekday(rtime_days_from_civil(1970, 1, 1)), 3, "1970-01-01 is a Thursday");
	tap_is_int(rtime_weekday(rtime_days_from_civil(1969, 12, 28)), 6, "1969-12-28 is a Sunday");

	tap_ok(rtime_parse_date("2024-02-29", 10, &d, &why) == 0, "2024-02-29 is a date (leap year)");
	rtime_format_date(d, buf);
	tap_is_str(buf, "2024-02-29", "format_date round trip");
	bad_date("2023-02-29");
	bad_date("1900-02-29");
	tap_ok(rtime_parse_date("2000-02-29", 10, &d, &why) == 0, "2000-02-29 (divisible by 400)");
	bad_date("2026-13-01");
	bad_date("2026-00-10");
	bad_date("2026-04-31");
	bad_date("2026-4-01");
	bad_date("2026-04-01x");
	bad_date("");
	bad_date("20260401");

	tap_is_int(instant("1970-01-01T00:00:00Z", &off, &ok), 0, "epoch instant");
	tap_ok(ok && off == 0, "Z is offset 0");
	/* The same instant written in three zones. */
	int64_t a = instant("2026-07-01T08:00:00-05:00", &off, &ok);
	tap_ok(ok && off == -5 * 3600, "offset -05:00 parsed as -18000 s");
	tap_is_int(a, instant("2026-07-01T13:00:00Z", &off, &ok), "-05:00 equals Z five hours later");
	tap_is_int(a, instant("2026-07-01T18:30:00+05:30", &off, &ok), "+05:30 equals it too");
	/* Across the US spring-forward change the offset, not a TZ database, decides. */
	int64_t before = instant("2024-03-10T01:59:59-06:00", &off, &ok);
	int64_t after = instant("2024-03-10T03:00:00-05:00", &off, &ok);
	tap_is_int(after - before, 1, "DST spring forward: 01:59:59 CST to 03:00:00 CDT is one second");
	int64_t f1 = instant("2024-11-03T01:30:00-05:00", &off, &ok);
	int64_t f2 = instant("2024-11-03T01:30:00-06:00", &off, &ok);
	tap_is_int(f2 - f1, 3600, "DST fall back: the repeated 01:30 is an hour apart");
	tap_is_int(instant("2026-07-01T08:00:00.999Z", &off, &ok), instant("2026-07-01T08:00:00Z", &off, &ok),
		"fractions truncate");
	tap_ok(ok, "fraction accepted");
	instant("2026-07-01t08:00:00z", &off, &ok);
	tap_ok(ok, "lower-case t and z accepted (RFC 3339 5.6)");
	tap_is_int(instant("2024-12-31T23:59:59-14:00", &off, &ok) - instant("2025-01-01T00:00:00+14:00", &off, &ok),
		28 * 3600 - 1, "offsets of ±14 h");
	bad_instant("2026-07-01T08:00:00", "missing UTC offset");
	bad_instant("2026-07-01 08:00", "expected an RFC 3339 instant");
	bad_instant("2026-07-01T24:00:00Z", "out of range");
	bad_instant("2026-06-30T23:59:60Z", "leap seconds");
	bad_instant("2026-07-01T08:00:00+24:00", "offset out of range");
	bad_instant("2026-07-01T08:00:00.Z", "digits after the decimal point");
	bad_instant("2026-02-30T08:00:00Z", "day out of range");
	bad_instant("2026-07-01T08:00:00+0500", "expected an RFC 3339 instant");

	int mins;
	tap_ok(rtime_parse_clock("07:30", 5, &mins, &why) == 0 && mins == 450, "clock 07:30 is 450 min");
	tap_ok(rtime_parse_clock("23:59", 5, &mins, &why) == 0 && mins == 1439, "clock 23:59");
	tap_ok(rtime_parse_clock("24:00", 5, &mins, &why) == -1, "clock 24:00 rejected");
	tap_ok(rtime_parse_clock("7:30", 4, &mins, &why) == -1, "clock 7:30 rejected");
	return tap_done();
}
