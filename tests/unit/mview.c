/* Unit tests for lib/mview on SQLite: the views' definitions, setting up,
 * the rows of each view on small hand-made data, incremental refreshes
 * that end where full ones do, the cases that fall back to a full refresh,
 * the status, trimming the change log and the views' queries.
 * (PostgreSQL is exercised by the bats tests on a real server.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mview.h"
#include "store.h"
#include "tap.h"

/* ---- helpers ---------------------------------------------------------------- */

static int
put_json(struct store *st, const char *json)
{
	struct rec r;
	struct rec_error e;
	cJSON *o = cJSON_Parse(json);
	int rc = o && rec_validate(o, &r, &e) == 0 ? store_put(st, &r) : -2;
	cJSON_Delete(o);
	return rc;
}

/* Rows as text: columns joined by '|', NULL as '~', a line each. */
struct text {
	char *s;
	size_t len, cap;
};

static void
text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (t->s == NULL)
			abort();
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

static int
collect(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct text *t = arg;
	for (int i = 0; i < ncols; i++) {
		if (i)
			text_add(t, "|");
		text_add(t, cols[i] ? cols[i] : "~");
	}
	text_add(t, "\n");
	return 0;
}

/* The rows of view v (malloc'd; "" when it has none, NULL on error). */
static char *
rows_of(struct store *st, enum mview_id v)
{
	struct text t = { 0 };
	text_add(&t, "");
	if (mview_each(st, v, collect, &t) < 0) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* The rows of a query, the same way. */
static char *
query_rows(struct store *st, const char *sql)
{
	struct text t = { 0 };
	text_add(&t, "");
	if (store_query(st, sql, 0, NULL, collect, &t, NULL) < 0) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* A query's one number, or -1. */
static long long
number(struct store *st, const char *sql)
{
	char *s = query_rows(st, sql);
	long long n = s && *s && *s != '~' ? atoll(s) : -1;
	free(s);
	return n;
}

static int
sql(struct store *st, const char *text)
{
	int rc = store_begin(st) == 0 && store_exec(st, text) == 0 ? store_commit(st) : -1;
	if (rc < 0)
		fprintf(stderr, "# %s: %s\n", text, store_errmsg(st));
	return rc;
}

/* One refresh in a transaction of its own. */
static int
refresh(struct store *st, enum mview_id v, int incremental, long long threshold, struct mview_result *res)
{
	if (store_begin(st) < 0)
		return -1;
	struct mview_threshold limit = { threshold, -1 };
	if (mview_refresh(st, v, incremental, &limit, res) < 0) {
		fprintf(stderr, "# refresh %s: %s\n", mview_defs[v].name, store_errmsg(st));
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

static const char *
why(const struct mview_result *r)
{
	return r->why_full ? r->why_full : "(none)";
}

/* Refreshes every view incrementally, keeps their rows, refreshes them
 * fully and checks that the rows are the same: what an incremental refresh
 * must come to.  want_why[v] is why v's incremental refresh should
 * fall back to a full one (NULL: it should not). */
static void
incremental_is_full(struct store *st, const char *what, const char *const *want_why)
{
	for (int v = 0; v < MV_COUNT; v++) {
		struct mview_result res;
		const char *name = mview_defs[v].name;
		int rc = refresh(st, (enum mview_id)v, 1, 1000000, &res);
		tap_ok(rc == 0, "%s: %s: incremental refresh runs", what, name);
		if (want_why[v]) {
			tap_ok(res.full == 1, "%s: %s: falls back to a full refresh", what, name);
			tap_is_str(why(&res), want_why[v], "… because of that");
		} else {
			tap_ok(res.full == 0 && res.why_full == NULL, "%s: %s: stays incremental (%s)", what,
				name, why(&res));
		}
		char *inc = rows_of(st, (enum mview_id)v);
		refresh(st, (enum mview_id)v, 0, 0, &res);
		char *full = rows_of(st, (enum mview_id)v);
		tap_ok(inc && full && strcmp(inc, full) == 0, "%s: %s: the rows are those of a full refresh",
			what, name);
		if (inc && full && strcmp(inc, full) != 0)
			fprintf(stderr, "# incremental:\n%s# full:\n%s", inc, full);
		free(inc);
		free(full);
	}
}

/* ---- the data --------------------------------------------------------------- */

#define A(p, d, s, act, t0, t1, rest) \
	"{\"type\":\"assignment\",\"person\":\"" p "\",\"date\":\"" d "\",\"slot\":\"" s "\"," \
	"\"activity\":\"" act "\",\"start\":\"" t0 "\",\"end\":\"" t1 "\"" rest "}"

/* One week from Monday 6 July 2026, the first week of an academic year. */
static const char *const base[] = {
	"{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\",\"pgy\":1}",
	"{\"type\":\"person\",\"id\":\"r2\",\"role\":\"resident\",\"pgy\":2}",
	"{\"type\":\"person\",\"id\":\"r3\",\"role\":\"resident\",\"pgy\":1}",
	"{\"type\":\"person\",\"id\":\"r4\",\"role\":\"resident\",\"pgy\":1}",
	"{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\"}",
	/* r1: two 4-hour clinic half-days (the second without a kind: clinical)
	 * and 14 hours of in-house call on Saturday, in Chicago time. */
	A("r1", "2026-07-06", "AM", "clinic", "2026-07-06T08:00:00Z", "2026-07-06T12:00:00Z",
		",\"kind\":\"clinical\""),
	A("r1", "2026-07-07", "PM", "clinic", "2026-07-07T13:00:00Z", "2026-07-07T17:00:00Z", ""),
	A("r1", "2026-07-11", "CALL", "icu_call", "2026-07-11T07:00:00-05:00", "2026-07-11T21:00:00-05:00",
		",\"kind\":\"in_house_call\""),
	/* r2: clinic, education, a day of leave. */
	A("r2", "2026-07-06", "AM", "clinic", "2026-07-06T08:00:00Z", "2026-07-06T12:00:00Z",
		",\"kind\":\"clinical\""),
	A("r2", "2026-07-07", "PM", "didactics", "2026-07-07T13:00:00Z", "2026-07-07T17:00:00Z",
		",\"kind\":\"education\""),
	A("r2", "2026-07-08", "AM", "vacation", "2026-07-08T08:00:00Z", "2026-07-08T16:00:00Z",
		",\"kind\":\"leave\""),
	/* r4: clinic twice, the second as a PGY-2 (the assignment's own pgy). */
	A("r4", "2026-07-06", "AM", "clinic", "2026-07-06T08:00:00Z", "2026-07-06T12:00:00Z",
		",\"kind\":\"clinical\""),
	A("r4", "2026-07-07", "PM", "clinic", "2026-07-07T13:00:00Z", "2026-07-07T17:00:00Z",
		",\"kind\":\"clinical\",\"pgy\":2"),
	A("f1", "2026-07-06", "AM", "clinic", "2026-07-06T08:00:00Z", "2026-07-06T12:00:00Z",
		",\"kind\":\"clinical\""),
	/* Covers at the edges of each status. */
	"{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic\",\"want\":3,\"max\":4}",
	"{\"type\":\"cover\",\"date\":\"2026-07-07\",\"slot\":\"PM\",\"activity\":\"clinic\",\"want\":2}",
	"{\"type\":\"cover\",\"date\":\"2026-07-07\",\"slot\":\"PM\",\"activity\":\"didactics\",\"want\":0}",
	"{\"type\":\"cover\",\"date\":\"2026-07-09\",\"slot\":\"AM\",\"activity\":\"clinic\",\"want\":2}",
	"{\"type\":\"cover\",\"date\":\"2026-07-10\",\"slot\":\"AM\",\"activity\":\"clinic\",\"want\":0}",
	"{\"type\":\"cover\",\"date\":\"2026-07-10\",\"slot\":\"PM\",\"activity\":\"clinic\",\"want\":0,\"min\":1}",
	"{\"type\":\"cover\",\"date\":\"2026-07-11\",\"slot\":\"CALL\",\"activity\":\"icu_call\",\"want\":2,"
	"\"min\":1}",
	NULL,
};

static const char summary_rows[] =
	"2026-07-06|clinic|AM|faculty|0|1\n"
	"2026-07-06|clinic|AM|resident|1|2\n"
	"2026-07-06|clinic|AM|resident|2|1\n"
	"2026-07-07|clinic|PM|resident|1|1\n"
	"2026-07-07|clinic|PM|resident|2|1\n"
	"2026-07-07|didactics|PM|resident|2|1\n"
	"2026-07-08|vacation|AM|resident|2|1\n"
	"2026-07-11|icu_call|CALL|resident|1|1\n";

#define W(p, tail) \
	p "|block|2026-07-01|2026-07-28|" tail "\n" \
	p "|week|2026-07-06|2026-07-12|" tail "\n" \
	p "|year|2026-07-01|2027-06-30|" tail "\n"
static const char workload_rows[] =
	W("f1", "240|240|0|0|0|1|0|0|2026-07-06|2026-07-06")
	W("r1", "1320|480|0|840|0|2|1|1|2026-07-06|2026-07-11")
	W("r2", "480|240|240|0|480|2|0|0|2026-07-06|2026-07-07")
	W("r3", "0|0|0|0|0|0|0|0|~|~")
	W("r4", "480|480|0|0|0|2|0|0|2026-07-06|2026-07-07");

static const char coverage_rows[] =
	"2026-07-06|clinic|AM|3|~|4|4|adequate\n"		/* over want, at max */
	"2026-07-07|clinic|PM|2|~|~|2|adequate\n"		/* at want, no max */
	"2026-07-07|didactics|PM|0|~|~|1|overstaffed\n"		/* over a want of 0 */
	"2026-07-09|clinic|AM|2|~|~|0|uncovered\n"
	"2026-07-10|clinic|AM|0|~|~|0|adequate\n"		/* nobody wanted */
	"2026-07-10|clinic|PM|0|1|~|0|understaffed\n"		/* under min, want 0 */
	"2026-07-11|icu_call|CALL|2|1|~|1|understaffed\n";	/* at min, under want */

/* After the changes of the first incremental refresh. */
static const char summary_rows_2[] =
	"2026-07-06|clinic|AM|resident|1|2\n"
	"2026-07-06|clinic|AM|resident|3|1\n"
	"2026-07-07|clinic|PM|resident|2|1\n"
	"2026-07-07|didactics|PM|resident|1|1\n"
	"2026-07-07|didactics|PM|resident|3|1\n"
	"2026-07-08|vacation|AM|resident|3|1\n"
	"2026-07-09|clinic|AM|resident|1|1\n"
	"2026-07-11|icu_call|CALL|resident|1|1\n";

static const char coverage_rows_2[] =
	"2026-07-06|clinic|AM|3|~|4|3|adequate\n"
	"2026-07-07|clinic|PM|1|~|~|1|adequate\n"
	"2026-07-07|didactics|PM|0|~|~|2|overstaffed\n"
	"2026-07-09|clinic|AM|2|~|~|1|understaffed\n"
	"2026-07-10|clinic|AM|0|~|~|0|adequate\n"
	"2026-07-10|clinic|PM|0|1|~|0|understaffed\n"
	"2026-07-11|icu_call|CALL|2|1|~|1|understaffed\n";

/* ---- the tests -------------------------------------------------------------- */

static void
test_defs(void)
{
	tap_is_int(mview_named("schedule_summary"), MV_SCHEDULE_SUMMARY, "mview_named schedule_summary");
	tap_is_int(mview_named("person_workload"), MV_PERSON_WORKLOAD, "mview_named person_workload");
	tap_is_int(mview_named("rotation_coverage"), MV_ROTATION_COVERAGE, "mview_named rotation_coverage");
	tap_is_int(mview_named("assignments"), -1, "mview_named of a base table is -1");
	tap_is_int(mview_named(""), -1, "mview_named of nothing is -1");
	tap_is_int(mview_named("Person_Workload"), -1, "names are exact");

	const struct mview_def *s = &mview_defs[MV_SCHEDULE_SUMMARY], *w = &mview_defs[MV_PERSON_WORKLOAD],
			       *c = &mview_defs[MV_ROTATION_COVERAGE];
	tap_ok(s->ncolumns == 6 && s->nkeys == 5, "schedule_summary: 6 columns, 5 of them keys");
	tap_ok(w->ncolumns == 14 && w->nkeys == 3, "person_workload: 14 columns, 3 of them keys");
	tap_ok(c->ncolumns == 8 && c->nkeys == 3, "rotation_coverage: 8 columns, 3 of them keys");
	tap_ok(strcmp(s->columns[4].name, "pgy") == 0 && s->columns[4].number &&
		strcmp(s->columns[5].name, "people") == 0 && s->columns[5].number && !s->columns[3].number,
		"schedule_summary: role is text, pgy and people numbers");
	tap_ok(strcmp(w->columns[0].name, "person") == 0 && strcmp(w->columns[1].name, "period") == 0 &&
		strcmp(w->columns[2].name, "start") == 0 && strcmp(w->columns[4].name, "minutes") == 0 &&
		w->columns[4].number && !w->columns[12].number && strcmp(w->columns[13].name, "last_date") == 0,
		"person_workload: keyed by person, period, start; minutes a number, dates text");
	tap_ok(strcmp(c->columns[0].name, "date") == 0 && strcmp(c->columns[1].name, "activity") == 0 &&
		strcmp(c->columns[2].name, "slot") == 0 && strcmp(c->columns[7].name, "status") == 0 &&
		!c->columns[7].number && c->columns[6].number, "rotation_coverage: keyed by date, activity, slot");
	int names_ok = 1;
	for (int v = 0; v < MV_COUNT; v++)
		names_ok &= mview_named(mview_defs[v].name) == v;
	tap_ok(names_ok, "each definition is found by its name");
}

static void
test_queries(void)
{
	char *q = mview_query(MV_PERSON_WORKLOAD, 1);
	tap_ok(q && strstr(q, "::timestamptz"), "mview_query(person_workload, pg) uses ::timestamptz");
	tap_ok(q && strncmp(q, "WITH person_workload (\"person\", \"period\"", 40) == 0,
		"it names the view's columns");
	free(q);
	q = mview_query(MV_PERSON_WORKLOAD, 0);
	tap_ok(q && strstr(q, "::") == NULL && strstr(q, "julianday"),
		"mview_query(person_workload, sqlite) has no PostgreSQL casts");
	free(q);
}

/* The store of base, set up and refreshed fully; checks along the way. */
static struct store *
base_store(const char *path)
{
	char err[512];
	struct store *st = store_open(path, err, sizeof err);
	const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	tap_ok(st != NULL, "store_open %s%s%s", file, st ? "" : ": ", st ? "" : err);
	if (st == NULL)
		return NULL;
	int ok = store_begin(st) == 0;
	for (int i = 0; base[i]; i++)
		if (put_json(st, base[i]) != 0) {
			ok = 0;
			fprintf(stderr, "# cannot put %s\n", base[i]);
		}
	ok = ok && store_commit(st) == 0;
	tap_ok(ok, "the hand-made records are stored in %s", file);
	return st;
}

int
main(void)
{
	char dir[] = "/tmp/rota-unit-mview-XXXXXX", path[256], cmd[300];
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/a.db", dir);

	test_defs();
	test_queries();

	struct store *st = base_store(path);
	if (st == NULL)
		return tap_done();

	/* Setting up. */
	tap_is_int(mview_ready(st), 0, "mview_ready is 0 before mview_setup");
	tap_ok(store_begin(st) == 0 && mview_setup(st) == 0 && store_commit(st) == 0, "mview_setup");
	tap_is_int(mview_ready(st), 2, "mview_ready is 2 after it");
	tap_ok(store_begin(st) == 0 && mview_setup(st) == 0 && store_commit(st) == 0, "mview_setup again is harmless");
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_log"), 0, "the change log starts empty");
	struct mview_status ms;
	tap_ok(mview_status(st, MV_PERSON_WORKLOAD, &ms) == 0 && ms.refreshed == 0 && ms.rows == 0,
		"status before any refresh: not refreshed, no rows");

	/* The first refreshes: full, asked for or not. */
	struct mview_result res;
	tap_ok(refresh(st, MV_SCHEDULE_SUMMARY, 1, 1000000, &res) == 0 && res.full == 1,
		"an incremental refresh of a view never refreshed is full");
	tap_is_str(why(&res), "never refreshed", "… because it was never refreshed");
	tap_ok(res.rows_changed == 8, "it inserted 8 rows (%lld)", res.rows_changed);
	tap_ok(refresh(st, MV_PERSON_WORKLOAD, 0, 1000000, &res) == 0 && res.full == 1 &&
		res.why_full == NULL, "a full refresh asked for has no why_full");
	tap_ok(refresh(st, MV_ROTATION_COVERAGE, 0, 0, &res) == 0 && res.full == 1, "full refresh of coverage");

	char *got = rows_of(st, MV_SCHEDULE_SUMMARY);
	tap_is_str(got, summary_rows, "schedule_summary: people by date, activity, slot, role and pgy");
	free(got);
	got = rows_of(st, MV_PERSON_WORKLOAD);
	tap_is_str(got, workload_rows, "person_workload: minutes, half-days, calls, weekend days of each period");
	free(got);
	got = rows_of(st, MV_ROTATION_COVERAGE);
	tap_is_str(got, coverage_rows, "rotation_coverage: uncovered, understaffed, adequate, overstaffed");
	free(got);

	/* Status after a refresh. */
	tap_ok(mview_status(st, MV_PERSON_WORKLOAD, &ms) == 0, "mview_status");
	tap_is_int(ms.refreshed, 1, "refreshed");
	tap_is_str(ms.mode, "full", "mode full");
	tap_is_int(ms.rows, 15, "15 rows");
	tap_is_int(ms.pending, 0, "nothing pending");
	tap_ok(strlen(ms.at) == 20 && ms.at[10] == 'T' && ms.at[19] == 'Z' && ms.age >= 0 && ms.age < 600,
		"began at %s, %.0f s ago", ms.at, ms.age);
	tap_ok(mview_status(st, MV_SCHEDULE_SUMMARY, &ms) == 0 && ms.refreshed && ms.rows == 8 &&
		strcmp(ms.mode, "full") == 0, "schedule_summary's status: full, 8 rows");

	/* The views' queries compute what the refreshes stored. */
	for (int v = 0; v < MV_COUNT; v++) {
		char *q = mview_query((enum mview_id)v, 0), *count = malloc(strlen(q) + 64);
		sprintf(count, "SELECT count(*) FROM (%s)", q);
		long long n = number(st, count), rows = -2;
		if (mview_status(st, (enum mview_id)v, &ms) == 0)
			rows = ms.rows;
		tap_ok(n == rows && n > 0, "mview_query(%s) runs on SQLite: %lld rows, the view %lld",
			mview_defs[v].name, n, rows);
		sprintf(count, "SELECT * FROM (%s) ORDER BY 1, 2, 3%s", q, v == MV_SCHEDULE_SUMMARY ? ", 4, 5" : "");
		char *a = query_rows(st, count), *b = rows_of(st, (enum mview_id)v);
		tap_ok(a && b && strcmp(a, b) == 0, "… and the same rows");
		free(a);
		free(b);
		free(count);
		free(q);
	}

	/* Periods: weeks from Monday, blocks from 1 July. */
	got = query_rows(st, "SELECT kind, start, \"end\" FROM rota_mv_periods ORDER BY kind, start");
	tap_is_str(got, "block|2026-07-01|2026-07-28\nweek|2026-07-06|2026-07-12\nyear|2026-07-01|2027-06-30\n",
		"the periods of one week's data");
	free(got);

	/* Changes to every base table. */
	tap_ok(sql(st, "UPDATE assignments SET activity = 'didactics', kind = 'education' "
		       "WHERE person = 'r1' AND \"date\" = '2026-07-07';"
		       "DELETE FROM assignments WHERE person = 'f1';"
		       "INSERT INTO assignments (person, \"date\", slot, activity, start, \"end\", kind) VALUES "
		       "('r3', '2026-07-09', 'AM', 'clinic', '2026-07-09T08:00:00Z', '2026-07-09T12:00:00Z', "
		       "'clinical');"
		       "UPDATE people SET pgy = 3 WHERE id = 'r2';"
		       "UPDATE covers SET want = 1 WHERE \"date\" = '2026-07-07' AND slot = 'PM' "
		       "AND activity = 'clinic'") == 0,
		"changes: an assignment moved, one deleted, one added, a pgy, a cover's want");
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_log"), 8, "8 change-log entries (old and new rows)");
	int rc = mview_status(st, MV_ROTATION_COVERAGE, &ms);
	tap_ok(rc == 0 && ms.pending == 8, "status: 8 pending (%lld)", ms.pending);

	for (int v = 0; v < MV_COUNT; v++) {
		rc = refresh(st, (enum mview_id)v, 1, 1000000, &res);
		tap_ok(rc == 0 && res.full == 0 && res.why_full == NULL, "%s: incremental (%s)", mview_defs[v].name,
			why(&res));
		tap_ok(res.pending == 8 && res.rows_changed > 0, "… consumed 8 entries (%lld), changed %lld rows",
			res.pending, res.rows_changed);
	}
	tap_ok(mview_status(st, MV_SCHEDULE_SUMMARY, &ms) == 0 && strcmp(ms.mode, "incremental") == 0 &&
		ms.pending == 0 && ms.rows == 8, "status: incremental, nothing pending, 8 rows");
	char *inc[MV_COUNT];
	for (int v = 0; v < MV_COUNT; v++)
		inc[v] = rows_of(st, (enum mview_id)v);
	tap_is_str(inc[MV_SCHEDULE_SUMMARY], summary_rows_2, "schedule_summary after the changes");
	tap_is_str(inc[MV_ROTATION_COVERAGE], coverage_rows_2, "rotation_coverage after the changes");
	got = query_rows(st, "SELECT * FROM person_workload WHERE period = 'week' ORDER BY person");
	tap_is_str(got,
		"f1|week|2026-07-06|2026-07-12|0|0|0|0|0|0|0|0|~|~\n"
		"r1|week|2026-07-06|2026-07-12|1320|240|240|840|0|2|1|1|2026-07-06|2026-07-11\n"
		"r2|week|2026-07-06|2026-07-12|480|240|240|0|480|2|0|0|2026-07-06|2026-07-07\n"
		"r3|week|2026-07-06|2026-07-12|240|240|0|0|0|1|0|0|2026-07-09|2026-07-09\n"
		"r4|week|2026-07-06|2026-07-12|480|480|0|0|0|2|0|0|2026-07-06|2026-07-07\n",
		"person_workload's weeks after the changes");
	free(got);
	for (int v = 0; v < MV_COUNT; v++) {
		refresh(st, (enum mview_id)v, 0, 0, &res);
		char *full = rows_of(st, (enum mview_id)v);
		tap_ok(inc[v] && full && strcmp(inc[v], full) == 0, "%s: incremental rows equal a full refresh's",
			mview_defs[v].name);
		free(full);
		free(inc[v]);
	}

	/* The log: kept until every view has consumed it. */
	tap_ok(number(st, "SELECT count(*) FROM rota_mv_log") == 8, "consumed entries stay until trimmed");
	tap_ok(store_begin(st) == 0 && mview_trim_log(st) == 0 && store_commit(st) == 0, "mview_trim_log");
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_log"), 0, "it empties the consumed entries");
	sql(st, "UPDATE covers SET want = 2 WHERE \"date\" = '2026-07-07' AND slot = 'PM' AND activity = 'clinic'");
	refresh(st, MV_ROTATION_COVERAGE, 1, 1000000, &res);
	store_begin(st);
	mview_trim_log(st);
	store_commit(st);
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_log"), 2,
		"entries that another view has not consumed are kept");
	tap_ok(mview_status(st, MV_SCHEDULE_SUMMARY, &ms) == 0 && ms.pending == 2, "… and pending for it");
	tap_ok(mview_status(st, MV_ROTATION_COVERAGE, &ms) == 0 && ms.pending == 0, "… not for the view that did");
	const char *none[MV_COUNT] = { NULL, NULL, NULL };
	incremental_is_full(st, "after a trim", none);
	store_begin(st);
	mview_trim_log(st);
	store_commit(st);
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_log"), 0, "all consumed: trimmed");
	/* With the log empty, the next entries are still seen. */
	for (int v = 0; v < MV_COUNT; v++)
		refresh(st, (enum mview_id)v, 1, 1000000, &res);
	sql(st, "INSERT INTO assignments (person, \"date\", slot, activity, start, \"end\", kind) VALUES "
		"('r3', '2026-07-10', 'AM', 'clinic', '2026-07-10T08:00:00Z', '2026-07-10T12:00:00Z', 'clinical')");
	incremental_is_full(st, "refreshed with an empty log, then a change", none);

	/* The threshold: more entries than it make the refresh full. */
	sql(st, "UPDATE covers SET want = 3 WHERE \"date\" = '2026-07-09' AND slot = 'AM'");
	rc = refresh(st, MV_ROTATION_COVERAGE, 1, 2, &res);
	tap_ok(rc == 0 && res.full == 0 && res.pending == 2, "2 entries with a threshold of 2: incremental (%s)",
		why(&res));
	sql(st, "UPDATE covers SET want = 4 WHERE \"date\" = '2026-07-09' AND slot = 'AM'");
	tap_ok(refresh(st, MV_ROTATION_COVERAGE, 1, 1, &res) == 0 && res.full == 1 && res.pending == 2,
		"2 entries with a threshold of 1: full");
	tap_is_str(why(&res), "more changes than the threshold", "… because of the threshold");
	sql(st, "DELETE FROM covers WHERE \"date\" = '2026-07-10' AND slot = 'AM'");
	tap_ok(refresh(st, MV_ROTATION_COVERAGE, 1, 0, &res) == 0 && res.full == 1 && res.pending == 1,
		"1 entry with a threshold of 0: full");
	tap_is_str(why(&res), "more changes than the threshold", "… because of the threshold");
	rc = refresh(st, MV_ROTATION_COVERAGE, 1, 0, &res);
	tap_ok(rc == 0 && res.full == 0 && res.pending == 0, "nothing pending with a threshold of 0: incremental (%s)",
		why(&res));
	tap_ok(mview_status(st, MV_ROTATION_COVERAGE, &ms) == 0 && strcmp(ms.mode, "incremental") == 0 &&
		ms.rows == 6, "status: incremental, 6 rows");

	/* A horizon: every view is refreshed fully. */
	sql(st, "INSERT INTO horizons (id, start, days, slots) VALUES ('main', '2026-07-06', 6, '[\"AM\",\"PM\"]')");
	const char *horizon[MV_COUNT] = { "a horizon changed", "a horizon changed", "a horizon changed" };
	incremental_is_full(st, "a horizon inserted", horizon);

	/* An assignment in the next academic year: new periods. */
	sql(st, "INSERT INTO assignments (person, \"date\", slot, activity, start, \"end\", kind) VALUES "
		"('r1', '2027-07-05', 'AM', 'clinic', '2027-07-05T08:00:00Z', '2027-07-05T12:00:00Z', 'clinical');"
		"INSERT INTO assignments (person, \"date\", slot, activity, start, \"end\", kind) VALUES "
		"('r2', '2027-06-30', 'CALL', 'icu_call', '2027-06-30T18:00:00Z', '2027-07-01T08:00:00Z', "
		"'night_float')");
	const char *periods[MV_COUNT] = { NULL, "the dates reach other periods", NULL };
	incremental_is_full(st, "dates in a new year", periods);

	long long weeks = number(st, "SELECT count(*) FROM rota_mv_periods WHERE kind = 'week'");
	tap_is_int(weeks, 53, "53 weeks from 6 July 2026 to 11 July 2027");
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_periods WHERE kind = 'week' AND "
			      "(strftime('%w', start) <> '1' OR julianday(\"end\") - julianday(start) <> 6)"),
		0, "every week runs Monday to Sunday");
	got = query_rows(st, "SELECT kind, start, \"end\" FROM rota_mv_periods WHERE kind <> 'week' "
			     "AND (start <= '2026-07-29' OR start >= '2027-05-01') ORDER BY kind, start");
	tap_is_str(got,
		"block|2026-07-01|2026-07-28\n"
		"block|2026-07-29|2026-08-25\n"
		"block|2027-05-05|2027-06-01\n"
		"block|2027-06-02|2027-06-30\n"
		"block|2027-07-01|2027-07-28\n"
		"year|2026-07-01|2027-06-30\n"
		"year|2027-07-01|2028-06-30\n",
		"blocks of 28 days from 1 July, the 13th ending on 30 June; years from 1 July");
	free(got);
	tap_is_int(number(st, "SELECT count(*) FROM rota_mv_periods WHERE kind = 'block' "
			      "AND start >= '2026-07-01' AND \"end\" <= '2027-06-30'"),
		13, "13 blocks in the first year");
	tap_is_int(number(st, "SELECT count(*) FROM person_workload WHERE period = 'year'"), 10,
		"a year row for each person and year");
	tap_is_int(number(st, "SELECT count(*) FROM person_workload y WHERE period = 'year' AND NOT EXISTS ("
			      "SELECT 1 FROM (SELECT sum(minutes) m, sum(minutes_clinical) c, "
			      "sum(minutes_education) e, sum(minutes_call) k, sum(minutes_leave) l, "
			      "sum(half_days) h, sum(calls) n, sum(weekend_days) w FROM person_workload b "
			      "WHERE b.person = y.person AND b.period = 'block' AND b.start >= y.start "
			      "AND b.start <= y.\"end\") s WHERE s.m = y.minutes AND s.c = y.minutes_clinical "
			      "AND s.e = y.minutes_education AND s.k = y.minutes_call AND s.l = y.minutes_leave "
			      "AND s.h = y.half_days AND s.n = y.calls AND s.w = y.weekend_days)"),
		0, "each year row is the sum of its blocks");
	got = query_rows(st, "SELECT * FROM person_workload WHERE person IN ('r1', 'r2') "
			     "AND ((period = 'year') OR (period = 'block' AND start = '2027-06-02')) "
			     "ORDER BY person, period, start");
	tap_is_str(got,
		"r1|block|2027-06-02|2027-06-30|0|0|0|0|0|0|0|0|~|~\n"
		"r1|year|2026-07-01|2027-06-30|1320|240|240|840|0|2|1|1|2026-07-06|2026-07-11\n"
		"r1|year|2027-07-01|2028-06-30|240|240|0|0|0|1|0|0|2027-07-05|2027-07-05\n"
		"r2|block|2027-06-02|2027-06-30|840|0|0|840|0|0|1|0|2027-06-30|2027-06-30\n"
		"r2|year|2026-07-01|2027-06-30|1320|240|240|840|480|2|1|0|2026-07-06|2027-06-30\n"
		"r2|year|2027-07-01|2028-06-30|0|0|0|0|0|0|0|0|~|~\n",
		"a night on 30 June counts in its date's block and year");
	free(got);

	/* Within the periods, incremental again, across both years. */
	sql(st, "UPDATE assignments SET \"end\" = '2027-07-05T13:00:00Z' WHERE person = 'r1' "
		"AND \"date\" = '2027-07-05';"
		"UPDATE assignments SET kind = 'in_house_call' WHERE person = 'r2' AND \"date\" = '2027-06-30';"
		"UPDATE people SET role = 'fellow' WHERE id = 'r4'");
	incremental_is_full(st, "changes in both years and a role", none);
	tap_is_int(number(st, "SELECT minutes FROM person_workload WHERE person = 'r1' AND period = 'year' "
			      "AND start = '2027-07-01'"),
		300, "the second year's row follows its changed block");

	/* A person added and a person removed. */
	sql(st, "INSERT INTO people (id, role, pgy) VALUES ('r5', 'resident', 2);"
		"DELETE FROM people WHERE id = 'f1'");
	incremental_is_full(st, "a person added, a person removed", none);
	tap_is_int(number(st, "SELECT count(*) FROM person_workload WHERE person = 'f1'"), 0,
		"the removed person's rows are gone");
	tap_is_int(number(st, "SELECT count(*) FROM person_workload WHERE person = 'r5' AND minutes = 0"),
		number(st, "SELECT count(*) FROM rota_mv_periods"), "the new person has a zero row for each period");

	/* Assignments moved to another day and to another person, a cover
	 * added and one removed. */
	sql(st, "UPDATE assignments SET \"date\" = '2026-07-08', slot = 'PM', start = '2026-07-08T13:00:00Z', "
		"\"end\" = '2026-07-08T18:00:00Z' WHERE person = 'r4' AND \"date\" = '2026-07-07';"
		"UPDATE assignments SET person = 'r5' WHERE person = 'r3' AND \"date\" = '2026-07-09';"
		"INSERT INTO covers (\"date\", slot, activity, want) VALUES ('2026-07-08', 'PM', 'clinic', 2);"
		"DELETE FROM covers WHERE \"date\" = '2026-07-11'");
	incremental_is_full(st, "assignments moved, covers added and removed", none);
	got = query_rows(st, "SELECT * FROM rotation_coverage WHERE \"date\" >= '2026-07-08'");
	tap_is_str(got,
		"2026-07-08|clinic|PM|2|~|~|1|understaffed\n"
		"2026-07-09|clinic|AM|4|~|~|1|understaffed\n"
		"2026-07-10|clinic|PM|0|1|~|0|understaffed\n",
		"rotation_coverage follows the moved assignment and the covers");
	free(got);
	got = query_rows(st, "SELECT person, minutes, half_days, first_date, last_date FROM person_workload "
			     "WHERE period = 'week' AND start = '2026-07-06' AND person IN ('r3', 'r4', 'r5') "
			     "ORDER BY person");
	tap_is_str(got, "r3|240|1|2026-07-10|2026-07-10\nr4|540|2|2026-07-06|2026-07-08\nr5|240|1|2026-07-09|2026-07-09\n",
		"person_workload follows assignments to their new day and person");
	free(got);

	/* The refresh log has a line for each refresh. */
	tap_ok(number(st, "SELECT count(*) FROM rota_mv_refresh_log") > 20 &&
			number(st, "SELECT count(*) FROM rota_mv_refresh_log WHERE mode NOT IN "
				   "('full', 'incremental')") == 0,
		"the refresh log records each refresh and its mode");

	store_close(st);

	/* Another view's refresh rebuilds the periods for a range that person_workload
	 * never saw; the data goes back to the range person_workload last had. */
	snprintf(path, sizeof path, "%s/c.db", dir);
	st = base_store(path);
	snprintf(path, sizeof path, "%s/d.db", dir);
	struct store *fresh = base_store(path);
	if (st && fresh) {
		store_begin(st);
		mview_setup(st);
		store_commit(st);
		store_begin(fresh);
		mview_setup(fresh);
		store_commit(fresh);
		for (int v = 0; v < MV_COUNT; v++) {
			refresh(st, (enum mview_id)v, 0, 0, &res);
			refresh(fresh, (enum mview_id)v, 0, 0, &res);
		}
		sql(st, "INSERT INTO assignments (person, \"date\", slot, activity, start, \"end\", kind) VALUES "
			"('r1', '2027-07-05', 'AM', 'clinic', '2027-07-05T08:00:00Z', '2027-07-05T12:00:00Z', "
			"'clinical')");
		tap_ok(refresh(st, MV_SCHEDULE_SUMMARY, 1, 1000000, &res) == 0 && res.full == 0,
			"a new year: schedule_summary refreshed alone");
		sql(st, "DELETE FROM assignments WHERE \"date\" = '2027-07-05'");
		rc = refresh(st, MV_PERSON_WORKLOAD, 1, 1000000, &res);
		tap_ok(rc == 0, "the new year's assignment removed: person_workload refreshed (full %d, %s)",
			res.full, why(&res));
		char *inc1 = rows_of(st, MV_PERSON_WORKLOAD);
		refresh(st, MV_PERSON_WORKLOAD, 0, 0, &res);
		char *full = rows_of(st, MV_PERSON_WORKLOAD), *want = rows_of(fresh, MV_PERSON_WORKLOAD);
		/* Once a bug: another view's refresh rebuilt the periods for a
		 * range person_workload never saw, and it was never rebuilt. */
		tap_ok(inc1 && full && strcmp(inc1, full) == 0,
			"person_workload: incremental rows equal a full refresh's");
		tap_ok(full && want && strcmp(full, want) == 0,
			"person_workload: a full refresh equals one of a store with the same data");
		tap_ok(number(st, "SELECT count(*) FROM rota_mv_periods WHERE kind = 'week'") == 1,
			"the periods are those of the data (1 week)");
		free(inc1);
		free(full);
		free(want);
	}
	if (st)
		store_close(st);
	if (fresh)
		store_close(fresh);

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
