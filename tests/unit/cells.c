/* Unit tests for lib/cells: schedules read into a programme's cells. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cells.h"
#include "tap.h"

#define PROGRAMME \
	"{\"type\":\"horizon\",\"id\":\"h\",\"start\":\"2026-01-05\",\"days\":3," \
	"\"slots\":[\"AM\",\"PM\"],\"tz\":\"UTC\"}\n" \
	"{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\",\"pgy\":1}\n" \
	"{\"type\":\"person\",\"id\":\"r2\",\"role\":\"resident\",\"pgy\":2}\n" \
	"{\"type\":\"activity\",\"id\":\"clinic\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n" \
	"{\"type\":\"activity\",\"id\":\"wards\",\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":240}\n"

#define A(p, d, s, a) \
	"{\"type\":\"assignment\",\"person\":\"" p "\",\"date\":\"" d "\",\"slot\":\"" s \
	"\",\"activity\":\"" a "\"}\n"

static int
read_text(const struct programme *g, const char *text, struct cells *cs)
{
	char *copy = strdup(text);
	cells_init(cs, g, 0);
	int rc = cells_read_text(cs, copy);
	free(copy);
	return rc;
}

int
main(void)
{
	struct programme *g = tap_programme(PROGRAMME);
	if (g == NULL)
		return tap_done();
	struct cells cs;
	int clinic = programme_activity_index(g, "clinic"), wards = programme_activity_index(g, "wards");

	tap_is_int(read_text(g, A("r1", "2026-01-05", "AM", "clinic") A("r2", "2026-01-07", "PM", "wards"),
			   &cs), 0, "two assignments read");
	tap_is_int(cs.records, 2, "counted");
	tap_is_int(cs.x[pg_cell(g, 0, 0, 0)], clinic, "r1's first AM is clinic");
	tap_is_int(cs.x[pg_cell(g, 1, 2, 1)], wards, "r2's third PM is wards");
	tap_is_int(cs.x[pg_cell(g, 0, 1, 0)], PG_OFF, "other cells are off");
	cells_free(&cs);

	tap_is_int(read_text(g, A("r9", "2026-01-05", "AM", "clinic") A("r1", "2030-01-01", "AM", "clinic")
				A("r1", "2026-01-05", "PM", "clinic") A("r1", "2026-01-05", "AM", "gone"),
			   &cs), 0, "assignments that fit no cell (programme changed) are left out");
	int all_off = 1;
	for (size_t c = 0; c < pg_cells(g); c++)
		all_off &= cs.x[c] == PG_OFF;
	tap_ok(all_off, "and fill nothing");
	cells_free(&cs);

	tap_is_int(read_text(g, A("r1", "2026-01-05", "AM", "clinic") A("r1", "2026-01-05", "AM", "clinic"),
			   &cs), -1, "two assignments in one cell: not what rota-solve writes");
	cells_free(&cs);
	tap_is_int(read_text(g, "not json\n", &cs), -1, "a line that is not JSON: -1");
	cells_free(&cs);
	tap_is_int(read_text(g, "{\"person\":\"r1\",\"date\":\"2026-01-05\"}\n", &cs), -1,
		"an assignment without slot and activity: -1");
	cells_free(&cs);
	tap_is_int(read_text(g, "", &cs), 0, "no lines: an empty schedule");
	cells_free(&cs);

	/* A file: orphans are kept as lines when not strict. */
	char path[] = "/tmp/rota-unit-cells-XXXXXX";
	int fd = mkstemp(path);
	const char *file = A("r1", "2026-01-06", "AM", "clinic") A("r3", "2026-01-06", "AM", "clinic");
	if (fd < 0 || write(fd, file, strlen(file)) != (ssize_t)strlen(file))
		return 1;
	close(fd);
	cells_init(&cs, g, 0);
	cells_read_file(&cs, path);
	tap_is_int(cs.records, 2, "a file's assignments are counted");
	tap_is_int(cs.orphaned, 1, "the one of an unknown person is an orphan");
	tap_ok(cs.orphans.len > 0 && strstr(cs.orphans.s, "\"r3\"") != NULL, "kept as its line");
	tap_is_int(cs.x[pg_cell(g, 0, 1, 0)], clinic, "the other is in its cell");
	cells_free(&cs);
	unlink(path);
	programme_free(g);
	return tap_done();
}
