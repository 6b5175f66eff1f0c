/* tzif.c: fuzzes the reading of TZif zone files (lib/tz), which rota reads
 * from $TZDIR, and the conversions that follow the file's transitions and
 * its closing rule. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "tz.h"

static char folder[64], zone[4200];

static void
cleanup(void)
{
	unlink(zone);
	rmdir(folder);
}

static void
setup(void)
{
	snprintf(folder, sizeof folder, "/tmp/rota-fuzz-tz.XXXXXX");
	if (mkdtemp(folder) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	setenv("TZDIR", folder, 1);
	snprintf(zone, sizeof zone, "%s/Fuzz", folder);
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!zone[0])
		setup();
	FILE *fp = fopen(zone, "wb");
	if (fp == NULL || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
		perror(zone);
		exit(2);
	}
	char err[256];
	struct tz *z = tz_load("Fuzz", err, sizeof err);
	if (z == NULL)
		return 0;
	/* 1901, 1970, 2024, 2400 and 2600: before, within and after a file's
	 * transitions and its rule. */
	static const int64_t at[] = { -2177452800LL, 0, 1710054000LL, 13574563200LL,
		19880899200LL };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		int off = tz_offset(z, at[i]);
		if (off <= -86400 || off >= 86400)
			abort();
		int64_t day = tz_local_day(z, at[i]), t;
		if (tz_day_start(z, day) > at[i])
			abort();
		(void)tz_from_local(z, day * 86400 + 3600, &t);
		char buf[64];
		tz_format(z, at[i], buf);
	}
	tz_free(z);
	return 0;
}
