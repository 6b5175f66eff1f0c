/* rtime.h: calendar dates and RFC 3339 instants, in plain integer arithmetic.
 *
 * Dates are counted in days since 1970-01-01 (proleptic Gregorian), instants
 * in seconds since the epoch, UTC.  Nothing here reads TZ or calls
 * mktime/timegm, so results never depend on the machine's zone or its DST. */
#ifndef ROTA_RTIME_H
#define ROTA_RTIME_H

#include <stddef.h>
#include <stdint.h>

int64_t rtime_days_from_civil(int64_t y, unsigned m, unsigned d);
void rtime_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Monday … 6 = Sunday */
int rtime_weekday(int64_t days);

/* Each parser takes exactly n bytes, returns 0 on success, or -1 with *why
 * set to a static sentence saying what is wrong. */
int rtime_parse_date(const char *s, size_t n, int64_t *days, const char **why);
/* YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM); *utc = seconds since the epoch in UTC,
 * *offset = the written offset in seconds east of UTC.  Fractions are
 * accepted and truncated toward the earlier second. */
int rtime_parse_instant(const char *s, size_t n, int64_t *utc, int *offset, const char **why);
/* HH:MM, 00:00 to 23:59, as minutes after midnight. */
int rtime_parse_clock(const char *s, size_t n, int *minutes, const char **why);

/* "YYYY-MM-DD" into buf (at least 11 bytes). */
void rtime_format_date(int64_t days, char *buf);

/* Now, as RFC 3339 in UTC ("2026-07-01T12:00:00Z"), into buf (21 bytes or
 * more). */
void rtime_now_utc(char *buf, size_t n);

#endif
