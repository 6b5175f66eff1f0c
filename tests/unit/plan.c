/* Unit tests for lib/plan: plan_evaluate on hand-made schedules, each hard
 * rule alone with the violations it reports, the parts of the objective
 * computed by hand, plan_person_counts, and plan_search on tiny
 * programmes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "problem.h"
#include "programme.h"
#include "record.h"
#include "tap.h"
#include "util.h"

/* ---- programmes from records (tap_programme), one JSON object a line ---- */

#define HORIZON(start, days) "{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"" start "\",\"days\":" #days "," \
	"\"slots\":[\"AM\",\"PM\",\"CALL\"],\"tz\":\"America/Chicago\"}\n"
#define H7 HORIZON("2026-07-06", 7)	/* Monday to Sunday */
#define FAC(id) "{\"type\":\"person\",\"id\":\"" id "\",\"role\":\"faculty\"}\n"
#define RES(id, pgy) "{\"type\":\"person\",\"id\":\"" id "\",\"role\":\"resident\",\"pgy\":" #pgy "}\n"
#define CLINIC_AM "{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
#define CLINIC_PM "{\"type\":\"activity\",\"id\":\"clinic-pm\",\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":240}\n"
#define VAC "{\"type\":\"activity\",\"id\":\"vac\",\"kind\":\"leave\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"

/* ---- schedules ---- */

static int *
blank(const struct programme *g)
{
	int *x = xmalloc(pg_cells(g) * sizeof(int));
	for (size_t c = 0; c < pg_cells(g); c++)
		x[c] = PG_OFF;
	return x;
}

static int
P(const struct programme *g, const char *id)
{
	int p = programme_person_index(g, id);
	if (p < 0)
		tap_ok(0, "test bug: no person %s", id);
	return p;
}

static int
A(const struct programme *g, const char *id)
{
	int a = programme_activity_index(g, id);
	if (a < 0)
		tap_ok(0, "test bug: no activity %s", id);
	return a;
}

/* Person id does activity act (NULL: nothing) on day d, in its slot (or
 * AM when act is NULL). */
static void
put(const struct programme *g, int *x, const char *id, int d, const char *act)
{
	int p = P(g, id), a = act ? A(g, act) : -1;
	if (p < 0 || (act && a < 0))
		return;
	x[pg_cell(g, p, d, a >= 0 ? g->act[a].slot : 0)] = a;
}

static void
clear_cell(const struct programme *g, int *x, const char *id, int d, const char *slot)
{
	x[pg_cell(g, P(g, id), d, programme_slot_index(g, slot))] = PG_OFF;
}

/* ---- evaluation and what it reports ---- */

#define MAXV 512
static struct plan_violation seen[MAXV];
static int nseen;

static void
on_violation(const struct plan_violation *v, void *arg)
{
	(void)arg;
	if (nseen == MAXV)
		return;
	seen[nseen] = *v;
	seen[nseen].message = NULL;	/* only valid during the call */
	nseen++;
}

static struct plan_opts
opts(void)
{
	struct plan_opts o;
	memset(&o, 0, sizeof o);
	o.max_changes = -1;
	o.threads = 1;
	o.seed = 1;
	o.time_limit = 60;
	return o;
}

static void
evaluate(const struct programme *g, const struct plan_opts *o, const int *x, struct plan_score *sc)
{
	nseen = 0;
	plan_evaluate(g, o, x, sc, on_violation, NULL);
	long long sum = sc->under + sc->over + sc->requests + sc->equity + sc->changes;
	if (sum != sc->total)
		tap_ok(0, "the parts (%lld) do not add up to the total (%lld)", sum, sc->total);
}

static int
nrule(const char *rule)
{
	int n = 0;
	for (int i = 0; i < nseen; i++)
		n += strcmp(seen[i].rule, rule) == 0;
	return n;
}

static const struct plan_violation *
first(const char *rule)
{
	for (int i = 0; i < nseen; i++)
		if (strcmp(seen[i].rule, rule) == 0)
			return &seen[i];
	return NULL;
}

static void
list_seen(void)
{
	for (int i = 0; i < nseen; i++)
		printf("#   %s person %d day %d-%d slot %d activity %d value %lld limit %lld\n", seen[i].rule,
			seen[i].person, seen[i].day, seen[i].last_day, seen[i].slot, seen[i].activity,
			seen[i].value, seen[i].limit);
}

/* Exactly one violation was reported, of rule, with these fields (-2: any). */
static void
expect_one(const char *rule, int person, int day, int slot, int activity, long long value, long long limit,
	const char *name)
{
	const struct plan_violation *v = first(rule);
	int ok = nseen == 1 && v && (person == -2 || v->person == person) && (day == -2 || v->day == day) &&
		(slot == -2 || v->slot == slot) && (activity == -2 || v->activity == activity) &&
		v->value == value && v->limit == limit;
	if (!tap_ok(ok, "%s: one %s (person %d, day %d, slot %d, activity %d, %lld, limit %lld)", name, rule,
		    person, day, slot, activity, value, limit))
		list_seen();
}

static void
expect_none(const char *name)
{
	if (!tap_ok(nseen == 0, "%s: no violation", name))
		list_seen();
}

/* ---- the hard rules ---- */

static void
test_cover(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") FAC("f3") FAC("f4")
		"{\"type\":\"activity\",\"id\":\"ward\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
		VAC
		"{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"ward\",\"want\":2,"
		"\"weight_under\":10,\"weight_over\":3,\"min\":2,\"max\":3}\n"
		"{\"type\":\"cover\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"vac\",\"want\":2,"
		"\"weight_under\":10,\"weight_over\":10}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int ward = A(g, "ward"), *x = blank(g);

	evaluate(g, &o, x, &sc);
	expect_one("programme.cover-min", -1, 0, 0, ward, 0, 2, "cover: nobody on the ward");
	tap_is_int(sc.hard, 2, "cover: nobody: hard 2 (two short of min)");
	tap_is_int(sc.under, 20, "cover: nobody: under = 2 × 10 (leave's want 2 costs nothing)");
	tap_is_int(sc.total, 20, "cover: nobody: total 20");

	put(g, x, "f1", 0, "ward");
	evaluate(g, &o, x, &sc);
	expect_one("programme.cover-min", -1, 0, 0, ward, 1, 2, "cover: one on the ward");
	tap_is_int(sc.hard, 1, "cover: one: hard 1");
	tap_is_int(sc.under, 10, "cover: one: under = 1 × 10");

	put(g, x, "f2", 0, "ward");
	evaluate(g, &o, x, &sc);
	expect_none("cover: two, as wanted");
	tap_ok(sc.hard == 0 && sc.total == 0, "cover: two: hard 0, total 0");

	put(g, x, "f3", 0, "ward");
	evaluate(g, &o, x, &sc);
	expect_none("cover: three, at max");
	tap_ok(sc.hard == 0 && sc.over == 3 && sc.under == 0, "cover: three: over = 1 × 3, hard 0");

	put(g, x, "f4", 0, "ward");
	evaluate(g, &o, x, &sc);
	expect_one("programme.cover-max", -1, 0, 0, ward, 4, 3, "cover: four");
	tap_ok(sc.hard == 1 && sc.over == 6 && sc.total == 6, "cover: four: hard 1, over = 2 × 3, total 6");

	/* No cover record: want 0, 1 for each person over it. */
	put(g, x, "f4", 0, NULL);
	put(g, x, "f3", 0, NULL);
	put(g, x, "f1", 1, "ward");
	put(g, x, "f2", 2, "ward");
	put(g, x, "f3", 2, "ward");
	evaluate(g, &o, x, &sc);
	expect_none("cover: ward on days without cover");
	tap_ok(sc.over == 3 && sc.under == 0 && sc.total == 3, "cover: no record: over 1 per person, 3 in all");

	/* Leave has no cover cost, neither under its want nor over none. */
	put(g, x, "f1", 1, "vac");
	put(g, x, "f4", 3, "vac");
	put(g, x, "f2", 2, NULL);
	put(g, x, "f3", 2, NULL);
	evaluate(g, &o, x, &sc);
	expect_none("cover: leave");
	tap_ok(sc.over == 0 && sc.under == 0 && sc.total == 0, "cover: leave, under its want and without a record: cost 0");
	free(x);
	programme_free(g);
}

static void
test_supervision(void)
{
	struct programme *g = tap_programme(H7 RES("r1", 1) RES("r2", 1) RES("r3", 1) RES("r4", 2) RES("r5", 2)
		"{\"type\":\"person\",\"id\":\"r6\",\"role\":\"resident\"}\n"
		FAC("f1") FAC("f2")
		"{\"type\":\"activity\",\"id\":\"clinic\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,"
		"\"supervision\":{\"1\":2,\"2\":4}}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int cl = A(g, "clinic");
	static const struct {
		const char *who[6];
		long long faculty, need;	/* need 0: no violation */
		const char *name;
	} cases[] = {
		{ { "r1" }, 0, 1, "one PGY-1 alone" },
		{ { "r1", "r2" }, 0, 1, "two PGY-1 alone" },
		{ { "r1", "r2", "f1" }, 1, 0, "two PGY-1 at ratio 2, one faculty" },
		{ { "r1", "r2", "r3", "f1" }, 1, 2, "three PGY-1, one faculty" },
		{ { "r1", "r2", "r3", "f1", "f2" }, 2, 0, "three PGY-1, two faculty" },
		{ { "r1", "r4", "r5", "f1" }, 1, 0, "one PGY-1 and two PGY-2 (1/2 + 2/4), one faculty" },
		{ { "r1", "r2", "r4", "f1" }, 1, 2, "two PGY-1 and one PGY-2 (2/2 + 1/4), one faculty" },
		{ { "r4", "r5", "r6", "f1" }, 1, 0, "two PGY-2 and one without PGY (as PGY-1), one faculty" },
		{ { "r6", "r1", "r4", "f1" }, 1, 2, "no PGY (PGY-1), a PGY-1 and a PGY-2, one faculty" },
		{ { "f1", "f2" }, 2, 0, "faculty alone" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int *x = blank(g);
		for (int k = 0; k < 6 && cases[i].who[k]; k++)
			put(g, x, cases[i].who[k], 2, "clinic");
		evaluate(g, &o, x, &sc);
		char name[128];
		snprintf(name, sizeof name, "supervision: %s", cases[i].name);
		if (cases[i].need)
			expect_one("programme.supervision", -1, 2, 0, cl, cases[i].faculty, cases[i].need, name);
		else
			expect_none(name);
		tap_is_int(sc.hard, cases[i].need ? cases[i].need - cases[i].faculty : 0, "  hard");
		free(x);
	}
	programme_free(g);
}

static void
test_sites(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") FAC("f3")
		"{\"type\":\"site\",\"id\":\"clinic\",\"capacity\":2}\n"
		"{\"type\":\"activity\",\"id\":\"a-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"clinic\"}\n"
		"{\"type\":\"activity\",\"id\":\"b-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"clinic\"}\n"
		"{\"type\":\"activity\",\"id\":\"a-pm\",\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":240,\"site\":\"clinic\"}\n"
		"{\"type\":\"activity\",\"id\":\"c-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"elsewhere\"}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int *x = blank(g);
	put(g, x, "f1", 3, "a-am");
	put(g, x, "f2", 3, "b-am");
	put(g, x, "f3", 3, "a-pm");
	evaluate(g, &o, x, &sc);
	expect_none("site: two in the AM, one in the PM, capacity 2");
	put(g, x, "f3", 3, "c-am");
	evaluate(g, &o, x, &sc);
	expect_none("site: a third at a site without a record");
	put(g, x, "f3", 3, "a-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.site-capacity", -1, 3, 0, -1, 3, 2, "site: three in the AM, two activities");
	tap_is_int(sc.hard, 1, "site: hard 1");
	free(x);
	programme_free(g);
}

#define RULES H7 FAC("f1") FAC("f2") CLINIC_AM CLINIC_PM \
	"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\"," \
	"\"minutes\":840,\"not_followed_by\":[\"clinic-am\",\"call\"]}\n" \
	"{\"type\":\"activity\",\"id\":\"resonly\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240," \
	"\"roles\":[\"resident\"]}\n" \
	VAC \
	"{\"type\":\"absence\",\"person\":\"f2\",\"from\":\"2026-07-08\",\"to\":\"2026-07-08\"}\n" \
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-10\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":true}\n" \
	"{\"type\":\"assignment\",\"person\":\"f2\",\"date\":\"2026-07-08\",\"slot\":\"PM\",\"activity\":\"clinic-pm\",\"locked\":true}\n" \
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-11\",\"slot\":\"AM\",\"activity\":\"resonly\",\"locked\":true}\n"

static void
test_person_rules(void)
{
	struct programme *g = tap_programme(RULES);
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int f1 = P(g, "f1"), f2 = P(g, "f2"), cam = A(g, "clinic-am"), call = A(g, "call");
	int *x0 = xmalloc(pg_cells(g) * sizeof(int)), *x = blank(g);
	memcpy(x0, g->preload, pg_cells(g) * sizeof(int));
	evaluate(g, &o, x0, &sc);
	expect_none("rules: the locked cells, one on an absent day, one not eligible");
	tap_is_int(sc.hard, 0, "rules: hard 0");

#define RESET() memcpy(x, x0, pg_cells(g) * sizeof(int))
	RESET();
	put(g, x, "f1", 0, "call");
	put(g, x, "f1", 1, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.not-followed-by", f1, 1, 0, cam, 1, 0, "not-followed-by: call, then clinic-am");
	tap_is_int(sc.hard, 1, "  hard 1");
	RESET();
	put(g, x, "f1", 0, "call");
	put(g, x, "f1", 1, "call");
	evaluate(g, &o, x, &sc);
	expect_one("programme.not-followed-by", f1, 1, 2, call, 1, 0, "not-followed-by: call, then call");
	RESET();
	put(g, x, "f1", 0, "call");
	put(g, x, "f1", 1, "clinic-pm");
	put(g, x, "f1", 2, "call");
	put(g, x, "f1", 4, "call");
	evaluate(g, &o, x, &sc);
	expect_none("not-followed-by: call, then clinic-pm; call two days apart");
	RESET();
	put(g, x, "f2", 6, "call");
	put(g, x, "f2", 5, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_none("not-followed-by: call on the last day; clinic-am before call");

	RESET();
	put(g, x, "f2", 2, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.absence", f2, 2, 0, cam, 1, 0, "absence: clinic-am on an absent day");
	tap_is_int(sc.hard, 1, "  hard 1");
	RESET();
	put(g, x, "f2", 2, "vac");
	evaluate(g, &o, x, &sc);
	expect_none("absence: leave on an absent day");

	RESET();
	clear_cell(g, x, "f1", 4, "AM");
	evaluate(g, &o, x, &sc);
	/* Reported as the other presence rules: the locked activity, value 1, limit 0. */
	expect_one("programme.locked", f1, 4, 0, cam, 1, 0, "locked: the locked cell off");
	tap_is_int(sc.hard, 1, "  hard 1");
	RESET();
	put(g, x, "f1", 4, "vac");
	evaluate(g, &o, x, &sc);
	expect_one("programme.locked", f1, 4, 0, cam, 1, 0, "locked: the locked cell on leave");
	tap_is_int(sc.hard, 1, "  hard 1 (no absence, no eligibility: leave on a day present)");

	RESET();
	put(g, x, "f1", 0, "resonly");
	evaluate(g, &o, x, &sc);
	expect_one("programme.eligibility", f1, 0, 0, A(g, "resonly"), 1, 0,
		"eligibility: faculty on a residents' activity");
	tap_is_int(sc.hard, 1, "  hard 1");
#undef RESET
	free(x0);
	free(x);
	programme_free(g);
}

static void
test_limits(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") FAC("f3") CLINIC_AM CLINIC_PM VAC
		"{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":3}\n"
		"{\"type\":\"limit\",\"person\":\"f1\",\"max_shifts\":{\"clinic-am\":1},\"min_shifts\":{\"clinic-pm\":1}}\n"
		"{\"type\":\"limit\",\"person\":\"f2\",\"max_minutes\":400}\n"
		"{\"type\":\"limit\",\"person\":\"f3\",\"min_minutes\":60}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int f1 = P(g, "f1"), f2 = P(g, "f2"), f3 = P(g, "f3"), cam = A(g, "clinic-am"), cpm = A(g, "clinic-pm");
	int *x0 = blank(g), *x = xmalloc(pg_cells(g) * sizeof(int));
	put(g, x0, "f1", 6, "clinic-pm");
	put(g, x0, "f3", 6, "clinic-am");
	evaluate(g, &o, x0, &sc);
	expect_none("limits: the base schedule");

#define RESET() memcpy(x, x0, pg_cells(g) * sizeof(int))
	RESET();
	for (int d = 0; d < 5; d++)
		put(g, x, "f3", d, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-consecutive", f3, 0, -1, -1, 5, 3, "max-consecutive: five days running, max 3");
	tap_is_int(sc.hard, 2, "  hard 2");
	put(g, x, "f3", 1, "vac");
	evaluate(g, &o, x, &sc);
	expect_none("max-consecutive: leave breaks the run (1, then 3)");
	RESET();
	for (int d = 2; d < 6; d++)
		put(g, x, "f3", d, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-consecutive", f3, 2, -1, -1, 5, 3, "max-consecutive: to the last day");

	RESET();
	put(g, x, "f1", 0, "clinic-am");
	put(g, x, "f1", 1, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-shifts", f1, -1, -1, cam, 2, 1, "max-shifts: clinic-am twice, max 1");
	tap_is_int(sc.hard, 1, "  hard 1");
	RESET();
	clear_cell(g, x, "f1", 6, "PM");
	evaluate(g, &o, x, &sc);
	expect_one("programme.min-shifts", f1, -1, -1, cpm, 0, 1, "min-shifts: no clinic-pm, min 1");
	tap_is_int(sc.hard, 1, "  hard 1");

	RESET();
	put(g, x, "f2", 0, "clinic-am");
	put(g, x, "f2", 0, "clinic-pm");
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-minutes", f2, -1, -1, -1, 480, 400, "max-minutes: 480, max 400");
	tap_is_int(sc.hard, 2, "  hard 2 (80 minutes, in hours rounded up)");
	RESET();
	put(g, x, "f2", 0, "clinic-am");
	put(g, x, "f2", 1, "vac");
	evaluate(g, &o, x, &sc);
	expect_none("max-minutes: leave does not count");
	RESET();
	clear_cell(g, x, "f3", 6, "AM");
	evaluate(g, &o, x, &sc);
	expect_one("programme.min-minutes", f3, -1, -1, -1, 0, 60, "min-minutes: 0, min 60");
	tap_is_int(sc.hard, 1, "  hard 1");
#undef RESET
	free(x0);
	free(x);
	programme_free(g);
}

static void
test_weekends(void)
{
	/* Sunday 2026-07-05 to Saturday 07-11: two weekends. */
	struct programme *g = tap_programme(HORIZON("2026-07-05", 7) FAC("f1") CLINIC_AM CLINIC_PM
		"{\"type\":\"limit\",\"person\":\"f1\",\"max_weekends\":1}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int *x = blank(g);
	tap_is_int(g->nweekends, 2, "weekends: a week from Sunday has two");
	put(g, x, "f1", 0, "clinic-am");
	put(g, x, "f1", 0, "clinic-pm");
	put(g, x, "f1", 3, "clinic-am");
	evaluate(g, &o, x, &sc);
	expect_none("max-weekends: Sunday only");
	put(g, x, "f1", 6, "clinic-pm");
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-weekends", P(g, "f1"), -1, -1, -1, 2, 1, "max-weekends: Sunday and Saturday, max 1");
	tap_is_int(sc.hard, 1, "  hard 1");
	free(x);
	programme_free(g);
}

static void
test_acgme(void)
{
	struct programme *g = tap_programme(HORIZON("2026-07-06", 28) RES("r1", 2) FAC("f1")
		"{\"type\":\"activity\",\"id\":\"long\",\"slot\":\"AM\",\"start\":\"06:00\",\"minutes\":900}\n"
		"{\"type\":\"activity\",\"id\":\"marathon\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"07:00\","
		"\"minutes\":1800}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int r1 = P(g, "r1");
	int *x = blank(g);
	/* 15 hours every day of four weeks: 105 hours a week. */
	for (int d = 0; d < 28; d++)
		put(g, x, "r1", d, "long");
	evaluate(g, &o, x, &sc);
	const struct plan_violation *v = first("acgme.80h");
	if (!tap_ok(v && v->person == r1 && v->day == 0 && v->last_day == 27 && v->value == 105 && v->limit == 80,
		    "acgme.80h: r1, 07-06 to 08-02, 105 h/week, limit 80"))
		list_seen();
	tap_ok(first("acgme.day-off") && first("acgme.day-off")->person == r1, "acgme.day-off: r1, no day off in 28");
	tap_ok(sc.hard == 2 && nseen == 2, "acgme: hard counts the two (%lld, %d reported)", sc.hard, nseen);
	int others = 0;
	for (int i = 0; i < nseen; i++)
		others += strncmp(seen[i].rule, "acgme.", 6) != 0;
	tap_is_int(others, 0, "acgme: nothing but acgme rules");

	/* The same for a faculty member: no ACGME rule. */
	int *y = blank(g);
	for (int d = 0; d < 28; d++)
		put(g, y, "f1", d, "long");
	evaluate(g, &o, y, &sc);
	expect_none("acgme: faculty are not checked");
	free(y);

	/* 30 hours in one go: past 24 + 4. */
	free(x);
	x = blank(g);
	put(g, x, "r1", 3, "marathon");
	evaluate(g, &o, x, &sc);
	v = first("acgme.24+4");
	if (!tap_ok(v && v->person == r1 && v->day == 3 && v->last_day == 4 && v->value == 30 && v->limit == 24,
		    "acgme.24+4: r1, 07-09 to 07-10, 30 h, limit 24 (+4)"))
		list_seen();
	tap_is_int(nrule("acgme.24+4"), 1, "acgme.24+4: reported once");
	free(x);
	programme_free(g);
}

/* ---- the objective ---- */

static void
test_requests(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") CLINIC_AM CLINIC_PM
		"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":840}\n"
		VAC
		"{\"type\":\"request\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"*\",\"activity\":\"*\",\"want\":\"off\",\"weight\":5}\n"
		"{\"type\":\"request\",\"person\":\"f2\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"*\",\"want\":\"on\",\"weight\":3}\n"
		"{\"type\":\"request\",\"person\":\"f2\",\"date\":\"2026-07-08\",\"slot\":\"*\",\"activity\":\"clinic-pm\",\"want\":\"on\",\"weight\":4}\n"
		"{\"type\":\"request\",\"person\":\"f1\",\"date\":\"2026-07-09\",\"slot\":\"CALL\",\"activity\":\"call\",\"want\":\"off\",\"weight\":2}\n"
		"{\"type\":\"request\",\"person\":\"f1\",\"date\":\"2026-07-10\",\"want\":\"on\",\"weight\":7}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int *x = blank(g);
	evaluate(g, &o, x, &sc);
	tap_is_int(sc.requests, 3 + 4 + 7, "requests: nothing worked: the three on requests unmet, 14");
	tap_is_int(sc.total, 14, "requests: total 14");

	put(g, x, "f1", 0, "vac");		/* leave is not work: off met */
	put(g, x, "f2", 1, "clinic-am");	/* AM, anything: met */
	put(g, x, "f2", 2, "clinic-pm");	/* clinic-pm, any slot: met */
	put(g, x, "f1", 3, "clinic-pm");	/* not call: off met */
	put(g, x, "f1", 4, "clinic-am");	/* any work: on met */
	evaluate(g, &o, x, &sc);
	expect_none("requests: all met");
	tap_is_int(sc.requests, 0, "requests: all met: 0");
	tap_is_int(sc.over, 4, "requests: all met: four assignments without cover, over 4");
	tap_is_int(sc.total, 4, "requests: all met: total 4");

	free(x);
	x = blank(g);
	put(g, x, "f1", 0, "clinic-pm");	/* off, but works: 5 */
	put(g, x, "f2", 1, "vac");		/* on in the AM, but leave: 3 */
	put(g, x, "f2", 2, "clinic-am");	/* on clinic-pm, does clinic-am: 4 */
	put(g, x, "f1", 3, "call");		/* off call, on call: 2 */
	put(g, x, "f1", 4, "vac");		/* on, but leave: 7 */
	evaluate(g, &o, x, &sc);
	tap_is_int(sc.requests, 5 + 3 + 4 + 2 + 7, "requests: all unmet: 21");
	tap_is_int(sc.over, 3, "requests: all unmet: three non-leave assignments, over 3");
	tap_is_int(sc.total, 24, "requests: all unmet: total 24");
	free(x);
	programme_free(g);
}

static void
test_equity(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") CLINIC_AM CLINIC_PM
		"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":840}\n"
		"{\"type\":\"activity\",\"id\":\"hcall\",\"kind\":\"home_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":720}\n"
		VAC);
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	o.equity_weight = 3;
	struct plan_score sc;
	int *x = blank(g);
	put(g, x, "f1", 0, "call");
	put(g, x, "f1", 1, "vac");
	put(g, x, "f1", 2, "call");
	put(g, x, "f1", 5, "clinic-am");	/* Saturday */
	put(g, x, "f1", 6, "clinic-pm");	/* Sunday */
	put(g, x, "f1", 6, "vac");		/* leave beside work */
	put(g, x, "f2", 3, "clinic-am");
	put(g, x, "f2", 6, "hcall");		/* home call, on Sunday */
	evaluate(g, &o, x, &sc);
	expect_none("equity: the schedule");
	/* f1: 2 calls, 2 weekend days: 4 + 4; f2: 1 call, 1 weekend day: 1 + 1. */
	tap_is_int(sc.equity, 3 * (4 + 4 + 1 + 1), "equity: 3 × (2² + 2² + 1² + 1²) = 30");
	tap_is_int(sc.over, 6, "equity: six non-leave assignments without cover, over 6");
	tap_is_int(sc.total, 36, "equity: total 36");
	o.equity_weight = 0;
	evaluate(g, &o, x, &sc);
	tap_is_int(sc.equity, 0, "equity: weight 0: 0");

	struct plan_counts c;
	plan_person_counts(g, x, P(g, "f1"), &c);
	tap_is_int(c.calls, 2, "counts: f1 calls 2");
	tap_is_int(c.weekend_days, 2, "counts: f1 weekend days 2");
	tap_is_int(c.half_days, 2, "counts: f1 half-days 2 (calls and leave aside)");
	tap_is_int(c.minutes, 840 + 840 + 240 + 240, "counts: f1 minutes 2160 (leave aside)");
	plan_person_counts(g, x, P(g, "f2"), &c);
	tap_ok(c.calls == 1 && c.weekend_days == 1 && c.half_days == 1 && c.minutes == 960,
		"counts: f2: 1 call, 1 weekend day, 1 half-day, 960 minutes");
	free(x);
	x = blank(g);
	put(g, x, "f1", 5, "vac");
	plan_person_counts(g, x, P(g, "f1"), &c);
	tap_ok(c.calls == 0 && c.weekend_days == 0 && c.half_days == 0 && c.minutes == 0,
		"counts: leave on Saturday alone: all 0");
	free(x);
	programme_free(g);
}

static void
test_repair(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") CLINIC_AM);
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	struct plan_score sc;
	int *ref = blank(g), *x = blank(g);
	for (int d = 0; d < 3; d++)
		put(g, ref, "f1", d, "clinic-am");
	put(g, x, "f1", 0, "clinic-am");
	put(g, x, "f2", 1, "clinic-am");
	put(g, x, "f2", 3, "clinic-am");

	evaluate(g, &o, x, &sc);
	tap_ok(sc.change_count == 0 && sc.changes == 0 && sc.total == 3, "repair: no ref: no changes, total 3");

	o.ref = ref;
	o.change_weight = 7;
	evaluate(g, &o, ref, &sc);
	tap_ok(sc.change_count == 0 && sc.changes == 0, "repair: the ref itself: no changes");
	evaluate(g, &o, x, &sc);
	expect_none("repair: no cap");
	tap_is_int(sc.change_count, 4, "repair: four cells changed");
	tap_is_int(sc.changes, 28, "repair: changes = 7 × 4");
	tap_is_int(sc.total, 31, "repair: total = over 3 + changes 28");
	tap_is_int(sc.hard, 0, "repair: hard 0");
	o.max_changes = 4;
	evaluate(g, &o, x, &sc);
	expect_none("repair: four changes, max 4");
	o.max_changes = 3;
	evaluate(g, &o, x, &sc);
	expect_one("programme.max-changes", -1, -1, -1, -1, 4, 3, "repair: four changes, max 3");
	tap_is_int(sc.hard, 1, "repair: max 3: hard 1");
	tap_is_int(sc.total, 31, "repair: max 3: the objective unchanged");
	o.ref = NULL;
	evaluate(g, &o, x, &sc);
	expect_none("repair: a cap without ref does nothing");
	free(ref);
	free(x);
	programme_free(g);
}

/* ---- the search ---- */

#define SMALL H7 FAC("f1") FAC("f2") FAC("f3") CLINIC_AM CLINIC_PM \
	"{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":5}\n" \
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-08\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":true}\n" \
	"{\"type\":\"assignment\",\"person\":\"f3\",\"date\":\"2026-07-09\",\"slot\":\"PM\",\"activity\":\"clinic-pm\",\"locked\":true}\n"

static void
add_cover(struct sbuf *b, const char *act, const char *slot, int want, int min, int max)
{
	for (int d = 6; d <= 12; d++)
		sbuf_addf(b, "{\"type\":\"cover\",\"date\":\"2026-07-%02d\",\"slot\":\"%s\",\"activity\":\"%s\","
			"\"want\":%d,\"weight_under\":10,\"weight_over\":5,\"min\":%d,\"max\":%d}\n", d, slot, act,
			want, min, max);
}

static void
test_search(void)
{
	struct sbuf t = { 0 };
	sbuf_adds(&t, SMALL);
	add_cover(&t, "clinic-am", "AM", 1, 1, 2);
	add_cover(&t, "clinic-pm", "PM", 1, 1, 2);
	struct programme *g = tap_programme(t.s);
	sbuf_free(&t);
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	o.moves = 200000;
	struct plan_result res;
	int *x = blank(g), *y = blank(g);
	plan_search(g, &o, x, &res);
	tap_is_int(res.legal, 1, "search: a tiny programme: legal");
	tap_is_int(res.score.hard, 0, "search: hard 0");
	tap_is_int(res.parts, 1, "search: one part");
	tap_is_int(res.score.total, 0, "search: the optimum, 0 (one on each clinic each day)");
	tap_ok(res.moves >= 200000, "search: the moves asked for were made (%lld)", res.moves);
	struct plan_score sc;
	evaluate(g, &o, x, &sc);
	expect_none("search: the result evaluated");
	tap_ok(sc.total == res.score.total && sc.hard == res.score.hard,
		"search: evaluating the result gives its score (%lld, %lld)", sc.total, sc.hard);
	tap_is_int(x[pg_cell(g, P(g, "f1"), 2, 0)], A(g, "clinic-am"), "search: f1's locked clinic-am kept");
	tap_is_int(x[pg_cell(g, P(g, "f3"), 3, 1)], A(g, "clinic-pm"), "search: f3's locked clinic-pm kept");
	int bad = 0;
	for (size_t c = 0; c < pg_cells(g); c++)
		bad += x[c] < PG_OFF || x[c] >= g->nacts;
	tap_is_int(bad, 0, "search: every cell off or an activity");

	plan_search(g, &o, y, &res);
	tap_ok(memcmp(x, y, pg_cells(g) * sizeof(int)) == 0, "search: the same seed and moves: the same schedule");

	o.threads = 2;
	plan_search(g, &o, y, &res);
	tap_ok(res.legal && res.score.total == 0 && res.best_thread >= 0 && res.best_thread < 2,
		"search: two threads: legal, optimal, a thread's best");
	free(x);
	free(y);
	programme_free(g);
}

static void
test_search_parts(void)
{
	struct sbuf t = { 0 };
	sbuf_adds(&t, H7);
	static const char *const people[] = { "a1", "a2", "b1", "b2" };
	for (int i = 0; i < 4; i++)
		sbuf_addf(&t, "{\"type\":\"person\",\"id\":\"%s\",\"role\":\"faculty\",\"specialties\":[\"team-%d\"]}\n",
			people[i], i / 2 + 1);
	for (int k = 1; k <= 2; k++)
		sbuf_addf(&t, "{\"type\":\"activity\",\"id\":\"t%d-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,"
			"\"specialties\":[\"team-%d\"]}\n", k, k);
	sbuf_adds(&t, "{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":4}\n");
	add_cover(&t, "t1-am", "AM", 1, 1, 1);
	add_cover(&t, "t2-am", "AM", 1, 1, 1);
	struct programme *g = tap_programme(t.s);
	sbuf_free(&t);
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	o.moves = 100000;
	struct plan_result res;
	int *x = blank(g), *y = blank(g);
	plan_search(g, &o, x, &res);
	tap_is_int(res.parts, 2, "search: two teams: two parts");
	tap_is_int(res.legal, 1, "search: two teams: legal");
	tap_is_int(res.best_thread, -1, "search: two teams: shared out (best_thread -1)");
	struct plan_score sc;
	evaluate(g, &o, x, &sc);
	expect_none("search: two teams: the result evaluated");
	tap_is_int(sc.total, res.score.total, "search: two teams: the same score evaluated");
	plan_search(g, &o, y, &res);
	tap_ok(memcmp(x, y, pg_cells(g) * sizeof(int)) == 0, "search: two teams: the same seed, the same schedule");
	free(x);
	free(y);
	programme_free(g);
}

static void
test_search_infeasible(void)
{
	struct programme *g = tap_programme(H7 FAC("f1") FAC("f2") RES("r1", 1)
		"{\"type\":\"activity\",\"id\":\"ward\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"roles\":[\"faculty\"]}\n"
		"{\"type\":\"cover\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"ward\",\"want\":3,\"min\":3}\n");
	if (g == NULL)
		return;
	struct plan_opts o = opts();
	o.moves = 50000;
	struct plan_result res;
	int *x = blank(g);
	plan_search(g, &o, x, &res);
	tap_is_int(res.legal, 0, "search: cover min 3 with two who may: not legal");
	tap_ok(res.score.hard > 0, "search: infeasible: hard > 0");
	tap_is_int(res.score.hard, 1, "search: infeasible: the best is one short");
	tap_ok(res.time_to_legal < 0, "search: infeasible: never legal (time_to_legal %g)", res.time_to_legal);
	struct plan_score sc;
	evaluate(g, &o, x, &sc);
	expect_one("programme.cover-min", -1, 1, 0, A(g, "ward"), 2, 3, "search: infeasible: the result evaluated");
	free(x);
	programme_free(g);
}

int
main(void)
{
	test_cover();
	test_supervision();
	test_sites();
	test_person_rules();
	test_limits();
	test_weekends();
	test_acgme();
	test_requests();
	test_equity();
	test_repair();
	test_search();
	test_search_parts();
	test_search_infeasible();
	return tap_done();
}
