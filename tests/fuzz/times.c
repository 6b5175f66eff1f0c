/* times.c: fuzzes the parsers of dates, RFC 3339 instants, clock times
 * (lib/rtime), durations and sizes (lib/util), and checks that what is
 * parsed prints back to what parses to the same value. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rtime.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, no NUL: a parser reading past n trips ASan. */
	char *s = malloc(size ? size : 1);
	if (s == NULL)
		abort();
	if (size)
		memcpy(s, data, size);
	const char *why;
	int64_t days, utc;
	int offset, minutes;
	if (rtime_parse_date(s, size, &days, &why) == 0) {
		char buf[32], *again;
		rtime_format_date(days, buf);
		int64_t back;
		again = buf;
		if (rtime_parse_date(again, strlen(again), &back, &why) != 0 || back != days)
			abort();
	}
	if (rtime_parse_instant(s, size, &utc, &offset, &why) == 0) {
		if (offset <= -86400 || offset >= 86400)
			abort();
		(void)rtime_weekday(utc / 86400);
	}
	if (rtime_parse_clock(s, size, &minutes, &why) == 0 && (minutes < 0 || minutes >= 24 * 60))
		abort();
	free(s);

	char *z = fuzz_string(data, size);
	long long v;
	if (parse_duration(z, &v) == 0 && v < 0)
		abort();
	if (parse_size(z, &v) == 0 && v < 0)
		abort();
	free(z);
	return 0;
}
