/* rtime.c: civil-date arithmetic after Howard Hinnant's days_from_civil. */
#include "rtime.h"

#include <time.h>

int64_t
rtime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
rtime_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int
rtime_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int64_t w = (days + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* The YYYY-MM-DD prefix shared by dates and instants. */
static int
parse_ymd(const char *s, int64_t *days, const char **why)
{
	int y, m, d;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
	    digits(s + 8, 2, &d)) {
		*why = "expected a date YYYY-MM-DD";
		return -1;
	}
	if (m < 1 || m > 12) {
		*why = "month out of range 01..12";
		return -1;
	}
	if (d < 1 || d > days_in_month(y, m)) {
		*why = "day out of range for its month";
		return -1;
	}
	*days = rtime_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int
rtime_parse_date(const char *s, size_t n, int64_t *days, const char **why)
{
	if (n != 10) {
		*why = "expected a date YYYY-MM-DD";
		return -1;
	}
	return parse_ymd(s, days, why);
}

int
rtime_parse_instant(const char *s, size_t n, int64_t *utc, int *offset, const char **why)
{
	static const char *shape = "expected an RFC 3339 instant YYYY-MM-DDTHH:MM:SS with Z or an offset";
	int64_t days;
	int hh, mm, ss;
	if (n < 19) {
		*why = shape;
		return -1;
	}
	if (parse_ymd(s, &days, why))
		return -1;
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &hh) ||
	    s[13] != ':' || digits(s + 14, 2, &mm) || s[16] != ':' || digits(s + 17, 2, &ss)) {
		*why = shape;
		return -1;
	}
	if (hh > 23 || mm > 59 || ss > 59) {
		*why = "time of day out of range (leap seconds are not accepted)";
		return -1;
	}
	size_t i = 19;
	if (i < n && s[i] == '.') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start) {
			*why = "expected digits after the decimal point";
			return -1;
		}
	}
	int off;
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh, om;
		if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om)) {
			*why = shape;
			return -1;
		}
		if (oh > 23 || om > 59) {
			*why = "UTC offset out of range";
			return -1;
		}
		off = (oh * 60 + om) * 60;
		if (s[i] == '-')
			off = -off;
	} else {
		*why = i >= n ? "missing UTC offset (Z or +HH:MM)" : shape;
		return -1;
	}
	*utc = days * 86400 + hh * 3600 + mm * 60 + ss - off;
	*offset = off;
	return 0;
}

int
rtime_parse_clock(const char *s, size_t n, int *minutes, const char **why)
{
	int hh, mm;
	if (n != 5 || digits(s, 2, &hh) || s[2] != ':' || digits(s + 3, 2, &mm)) {
		*why = "expected a time of day HH:MM";
		return -1;
	}
	if (hh > 23 || mm > 59) {
		*why = "time of day out of range 00:00..23:59";
		return -1;
	}
	*minutes = hh * 60 + mm;
	return 0;
}

void
rtime_format_date(int64_t days, char *buf)
{
	int64_t y;
	unsigned m, d;
	rtime_civil_from_days(days, &y, &m, &d);
	int yy = (int)(y < 0 ? 0 : y > 9999 ? 9999 : y);
	buf[0] = (char)('0' + yy / 1000);
	buf[1] = (char)('0' + yy / 100 % 10);
	buf[2] = (char)('0' + yy / 10 % 10);
	buf[3] = (char)('0' + yy % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

void
rtime_now_utc(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
