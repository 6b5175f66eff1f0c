/* tz.h: a programme's time zone, read from the system's TZif files.
 *
 * Used only for calendar things (where a local day or month begins, which
 * local date an instant falls on); durations stay in exact UTC seconds.
 * The zone is read once from $TZDIR or /usr/share/zoneinfo, so nothing
 * depends on the TZ variable or on the C library's idea of local time.
 * Local days may be 23 or 25 hours long, and may begin at 01:00 where
 * clocks spring forward at midnight.  The file's closing rule is followed
 * up to the year 2500; later instants keep the offset it had then. */
#ifndef ROTA_TZ_H
#define ROTA_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* The zone named (an IANA name such as "America/New_York", or "UTC");
 * NULL with a sentence in err when there is no such zone, its file is
 * not a TZif file, or it counts leap seconds (the "right/" zones). */
struct tz *tz_load(const char *name, char *err, size_t errlen);
void tz_free(struct tz *z);
const char *tz_name(const struct tz *z);

/* Seconds east of UTC at instant t. */
int tz_offset(const struct tz *z, int64_t t);
/* The local date of instant t, in days since 1970-01-01. */
int64_t tz_local_day(const struct tz *z, int64_t t);
/* The first instant whose local date is day or later: where the local day
 * begins.  A day lasts from tz_day_start(day) to tz_day_start(day + 1). */
int64_t tz_day_start(const struct tz *z, int64_t day);
/* Local wall-clock seconds since 1970-01-01 of a local date and time
 * (days * 86400 + seconds) → the instant: 0 and *t when exactly one
 * instant has that wall-clock time, -1 when none (clocks sprang over it),
 * -2 when two (clocks fell back over it). */
int tz_from_local(const struct tz *z, int64_t local, int64_t *t);
/* t as RFC 3339 with the zone's offset at t ("2024-03-10T03:00:00-04:00")
 * into buf (at least 32 bytes).  An offset with seconds (local mean time,
 * before 1900) is cut to whole minutes and the clock time moved with it,
 * so the text still names the instant t. */
void tz_format(const struct tz *z, int64_t t, char *buf);

#endif
