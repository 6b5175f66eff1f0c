/* records.c: see records.h. */
#include "records.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "plan.h"
#include "problem.h"
#include "programme.h"

/* Scores the preloaded schedule, as rota-solve --evaluate does. */
static void
score_programme(struct problem_builder *b)
{
	struct problem_error e;
	struct programme *g = programme_build(b, &e);
	if (g == NULL)
		return;
	struct plan_opts po = { .threads = 1, .equity_weight = 1, .change_weight = 1,
		.max_changes = -1 };
	struct plan_score sc;
	plan_evaluate(g, &po, g->preload, &sc, NULL, NULL);
	programme_free(g);
}

int
fuzz_records(const uint8_t *data, size_t size, enum src_format fmt)
{
	char err[512];
	struct src_options so = { .nrp_start = 19724 };	/* 2024-01-01 */
	const char *path = fuzz_file(data, size);
	struct source *s = source_open(path, fmt, &so, err, sizeof err);
	if (s == NULL)
		return 0;
	struct problem_builder *b = problem_builder_new();
	struct src_row row;
	int more, bad = 0;
	while ((more = source_next(s, &row)) == 1) {
		if (row.obj == NULL)
			continue;
		struct rec r;
		struct rec_error re;
		struct problem_error pe;
		if (rec_validate(row.obj, &r, &re) == 0 &&
		    problem_builder_add(b, &r, row.file, row.line, &pe) != 0)
			bad = 1;
		cJSON_Delete(row.obj);
	}
	source_close(s);
	if (more == 0 && !bad) {
		if (programme_wanted(b)) {
			score_programme(b);
		} else {
			struct problem_error e;
			struct problem *p = problem_build(b, &e);
			problem_free(p);
		}
	}
	problem_builder_free(b);
	return 0;
}
