/* solution.c: fuzzes the reading of a solution rota-solve kept in its cache
 * (lib/cells): assignment lines, read into the cells of a small programme
 * and scored as a cache hit is before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "fuzz.h"
#include "plan.h"
#include "problem.h"
#include "programme.h"

/* tests/data/programme/mini.ndjson, in UTC, without its assignment. */
static const char mini[] =
	"{\"type\":\"horizon\",\"id\":\"mini\",\"start\":\"2026-01-05\",\"days\":7,\"slots\":[\"AM\",\"PM\",\"CALL\"],\"tz\":\"UTC\"}\n"
	"{\"type\":\"site\",\"id\":\"clinic\",\"name\":\"Clinic\",\"capacity\":2}\n"
	"{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\",\"pgy\":1}\n"
	"{\"type\":\"person\",\"id\":\"r2\",\"role\":\"resident\",\"pgy\":1}\n"
	"{\"type\":\"person\",\"id\":\"r3\",\"role\":\"resident\",\"pgy\":2}\n"
	"{\"type\":\"person\",\"id\":\"r4\",\"role\":\"resident\",\"pgy\":3}\n"
	"{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\"}\n"
	"{\"type\":\"person\",\"id\":\"f2\",\"role\":\"faculty\"}\n"
	"{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"clinic\",\"supervision\":{\"1\":1,\"2\":2,\"3\":2}}\n"
	"{\"type\":\"activity\",\"id\":\"proc-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"clinic\",\"pgy_min\":2}\n"
	"{\"type\":\"activity\",\"id\":\"wards-am\",\"slot\":\"AM\",\"start\":\"07:00\",\"minutes\":300}\n"
	"{\"type\":\"activity\",\"id\":\"wards-pm\",\"slot\":\"PM\",\"start\":\"12:00\",\"minutes\":300}\n"
	"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":840,\"roles\":[\"resident\"],\"pgy_min\":2,\"not_followed_by\":[\"clinic-am\",\"call\"]}\n"
	"{\"type\":\"activity\",\"id\":\"vacation-am\",\"kind\":\"leave\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
	"{\"type\":\"cover\",\"date\":\"2026-01-06\",\"slot\":\"AM\",\"activity\":\"wards-am\",\"want\":1,\"min\":1,\"max\":2}\n"
	"{\"type\":\"absence\",\"person\":\"r2\",\"from\":\"2026-01-07\",\"to\":\"2026-01-08\"}\n"
	"{\"type\":\"limit\",\"person\":\"r3\",\"max_shifts\":{\"call\":1}}\n";

static struct programme *g;

static void
cleanup(void)
{
	programme_free(g);
}

static void
setup(void)
{
	struct problem_builder *b = problem_builder_new();
	struct problem_error pe;
	char *text = strdup(mini), *save = NULL;
	long n = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct rec r;
		struct rec_error re;
		cJSON *o = cJSON_Parse(line);
		if (o == NULL || rec_validate(o, &r, &re) || problem_builder_add(b, &r, "mini", ++n, &pe)) {
			fprintf(stderr, "solution: the built-in programme, line %ld, is bad\n", n);
			exit(2);
		}
		cJSON_Delete(o);
	}
	free(text);
	if ((g = programme_build(b, &pe)) == NULL) {
		fprintf(stderr, "solution: the built-in programme: %s\n", pe.msg);
		exit(2);
	}
	problem_builder_free(b);
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g == NULL)
		setup();
	char *text = fuzz_string(data, size);
	struct cells cs;
	cells_init(&cs, g, 0);
	if (cells_read_text(&cs, text) == 0) {
		struct plan_opts po = { .threads = 1, .equity_weight = 1, .change_weight = 1,
			.max_changes = -1 };
		struct plan_score sc;
		plan_evaluate(g, &po, cs.x, &sc, NULL, NULL);
	}
	cells_free(&cs);
	free(text);
	return 0;
}
