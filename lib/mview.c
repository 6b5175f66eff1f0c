/* mview.c: the reporting views, their change log, full and incremental
 * refreshes, in SQL that SQLite and PostgreSQL both run (the few things
 * they say differently come from struct dialect). */
#include "mview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtime.h"
#include "util.h"

static const struct mview_column summary_cols[] = {
	{ "date", 0 }, { "activity", 0 }, { "slot", 0 }, { "role", 0 }, { "pgy", 1 }, { "people", 1 },
};
static const struct mview_column workload_cols[] = {
	{ "person", 0 }, { "period", 0 }, { "start", 0 }, { "end", 0 }, { "minutes", 1 },
	{ "minutes_clinical", 1 }, { "minutes_education", 1 }, { "minutes_call", 1 },
	{ "minutes_leave", 1 }, { "half_days", 1 }, { "calls", 1 }, { "weekend_days", 1 },
	{ "first_date", 0 }, { "last_date", 0 },
};
static const struct mview_column coverage_cols[] = {
	{ "date", 0 }, { "activity", 0 }, { "slot", 0 }, { "required", 1 }, { "min", 1 }, { "max", 1 },
	{ "assigned", 1 }, { "status", 0 },
};

#define DEF(n, c, k) { n, c, (int)(sizeof c / sizeof c[0]), k }
const struct mview_def mview_defs[MV_COUNT] = {
	DEF("schedule_summary", summary_cols, 5),
	DEF("person_workload", workload_cols, 3),
	DEF("rotation_coverage", coverage_cols, 3),
};

int
mview_named(const char *name)
{
	for (int v = 0; v < MV_COUNT; v++)
		if (strcmp(mview_defs[v].name, name) == 0)
			return v;
	return -1;
}

/* What SQLite and PostgreSQL say differently. */
struct dialect {
	const char *minutes;	/* of assignment a, from its start and end */
	const char *weekend;	/* a's date is a Saturday or Sunday */
	const char *serial;	/* an id column that counts up */
	const char *real;
};

static const struct dialect sqlite_sql = {
	"CAST(round((julianday(a.\"end\") - julianday(a.\"start\")) * 1440) AS integer)",
	"strftime('%w', a.\"date\") IN ('0', '6')",
	"integer PRIMARY KEY AUTOINCREMENT",
	"double precision",
};
static const struct dialect pg_sql = {
	"CAST(round(extract(epoch FROM (a.\"end\"::timestamptz - a.\"start\"::timestamptz)) / 60) AS bigint)",
	"extract(isodow FROM a.\"date\"::date) >= 6",
	"bigserial PRIMARY KEY",
	"double precision",
};

static const struct dialect *
dialect_of(const struct store *st)
{
	return store_kind(st) == STORE_PG ? &pg_sql : &sqlite_sql;
}

/* Kinds, grouped as the workload counts them (rota-records(5)). */
#define KIND "coalesce(a.\"kind\", 'clinical')"
#define CALLS "('in_house_call', 'night_float', 'home_call', 'home_call_in')"
#define CLINICAL "('clinical', 'transition', 'clinical_from_home', 'moonlighting')"

/* ---- the queries ------------------------------------------------------------ */

static void
summary_select(struct sbuf *b, const char *where)
{
	/* sql: fixed identifiers only */
	sbuf_addf(b,
		"SELECT a.\"date\", coalesce(a.activity, ''), a.slot, coalesce(p.role, ''), "
		"coalesce(a.pgy, p.pgy, 0), count(*) "
		"FROM assignments a LEFT JOIN people p ON p.id = a.person %s "
		"GROUP BY a.\"date\", coalesce(a.activity, ''), a.slot, coalesce(p.role, ''), "
		"coalesce(a.pgy, p.pgy, 0)", where);
}

static void
coverage_select(struct sbuf *b, const char *where_a, const char *where_c)
{
	/* sql: fixed identifiers only */
	sbuf_addf(b,
		"SELECT c.\"date\", c.activity, c.slot, coalesce(c.want, 0), c.min, c.max, "
		"coalesce(n.assigned, 0), CASE "
		"WHEN coalesce(n.assigned, 0) = 0 AND coalesce(c.want, 0) > 0 THEN 'uncovered' "
		"WHEN coalesce(n.assigned, 0) < coalesce(c.want, 0) "
		"OR coalesce(n.assigned, 0) < coalesce(c.min, 0) THEN 'understaffed' "
		"WHEN coalesce(n.assigned, 0) > coalesce(c.max, c.want, 0) THEN 'overstaffed' "
		"ELSE 'adequate' END "
		"FROM covers c LEFT JOIN (SELECT a.\"date\", a.slot, a.activity, count(*) AS assigned "
		"FROM assignments a %s GROUP BY a.\"date\", a.slot, a.activity) n "
		"ON n.\"date\" = c.\"date\" AND n.slot = c.slot AND n.activity = c.activity %s",
		where_a, where_c);
}

/* Weeks and blocks of each person, zero rows for those without work. */
/* The people and periods whose rows to compute: all, or the keys. */
#define ALL_PEOPLE "FROM people p CROSS JOIN rota_mv_periods per "
/* The keys carry their periods whole, so that PostgreSQL can probe the
 * assignments' index by person and dates from one relation. */
#define KEYED_PEOPLE "FROM rota_mv_pkeys per JOIN people p ON p.id = per.person "

static void
workload_select(struct sbuf *b, const struct dialect *d, const char *from)
{
	const char *m = d->minutes;
	/* sql: fixed identifiers only */
	sbuf_addf(b,
		"SELECT p.id, per.kind, per.start, per.\"end\", "
		"coalesce(sum(CASE WHEN " KIND " <> 'leave' THEN %s END), 0), "
		"coalesce(sum(CASE WHEN " KIND " IN " CLINICAL " THEN %s END), 0), "
		"coalesce(sum(CASE WHEN " KIND " = 'education' THEN %s END), 0), "
		"coalesce(sum(CASE WHEN " KIND " IN " CALLS " THEN %s END), 0), "
		"coalesce(sum(CASE WHEN " KIND " = 'leave' THEN %s END), 0), "
		"count(CASE WHEN a.person IS NOT NULL AND " KIND " <> 'leave' AND " KIND " NOT IN " CALLS
		" THEN 1 END), "
		"count(CASE WHEN " KIND " IN " CALLS " THEN 1 END), "
		"count(DISTINCT CASE WHEN a.person IS NOT NULL AND " KIND " <> 'leave' AND %s "
		"THEN a.\"date\" END), "
		"min(CASE WHEN a.person IS NOT NULL AND " KIND " <> 'leave' THEN a.\"date\" END), "
		"max(CASE WHEN a.person IS NOT NULL AND " KIND " <> 'leave' THEN a.\"date\" END) "
		"%s"
		"LEFT JOIN assignments a ON a.person = p.id AND a.\"date\" >= per.start "
		"AND a.\"date\" <= per.\"end\" "
		"WHERE per.kind IN ('week', 'block') "
		"GROUP BY p.id, per.kind, per.start, per.\"end\"", m, m, m, m, m, d->weekend, from);
}

/* Academic years from their blocks, which partition them exactly. */
#define ALL_YEARS "FROM rota_mv_periods y JOIN person_workload w ON w.period = 'block' "
#define KEYED_YEARS "FROM rota_mv_ykeys k JOIN rota_mv_periods y ON y.kind = 'year' " \
	"AND y.start = k.start JOIN person_workload w ON w.person = k.person AND w.period = 'block' "

static void
year_select(struct sbuf *b, const char *from)
{
	/* sql: fixed identifiers only */
	sbuf_addf(b,
		"SELECT w.person, 'year', y.start, y.\"end\", sum(w.minutes), sum(w.minutes_clinical), "
		"sum(w.minutes_education), sum(w.minutes_call), sum(w.minutes_leave), sum(w.half_days), "
		"sum(w.calls), sum(w.weekend_days), min(w.first_date), max(w.last_date) "
		"%sAND w.start >= y.start AND w.start <= y.\"end\" "
		"WHERE y.kind = 'year' GROUP BY w.person, y.start, y.\"end\"", from);
}

/* "name(col, col, …)": a view's columns, for a WITH that names them. */
static void
named(struct sbuf *b, enum mview_id v)
{
	const struct mview_def *def = &mview_defs[v];
	sbuf_addf(b, "%s (", def->name);
	for (int i = 0; i < def->ncolumns; i++)
		sbuf_addf(b, "%s\"%s\"", i ? ", " : "", def->columns[i].name);
	sbuf_adds(b, ") AS (");
}

char *
mview_query(enum mview_id v, int pg)
{
	struct sbuf b = { 0 };
	const struct dialect *d = pg ? &pg_sql : &sqlite_sql;
	sbuf_adds(&b, "WITH ");	/* sql: fixed identifiers only */
	named(&b, v);
	switch (v) {
	case MV_SCHEDULE_SUMMARY: summary_select(&b, ""); break;
	case MV_ROTATION_COVERAGE: coverage_select(&b, "", ""); break;
	default: workload_select(&b, d, ALL_PEOPLE); break;
	}
	sbuf_addf(&b, ") SELECT * FROM %s", mview_defs[v].name);	/* sql: fixed identifiers only */
	if (v == MV_PERSON_WORKLOAD) {
		sbuf_adds(&b, " UNION ALL ");	/* sql: fixed identifiers only */
		year_select(&b, ALL_YEARS);
	}
	return b.s;
}

/* ---- setting up ------------------------------------------------------------- */

#define SETUP_MARK "rota_mv_state"

static void
create_view_table(struct sbuf *b, const struct mview_def *def)
{
	sbuf_addf(b, "CREATE TABLE IF NOT EXISTS %s (", def->name);	/* sql: fixed identifiers only */
	for (int i = 0; i < def->ncolumns; i++) {
		const struct mview_column *c = &def->columns[i];
		int nullable = i >= def->nkeys && !c->number;
		if (strcmp(c->name, "min") == 0 || strcmp(c->name, "max") == 0)
			nullable = 1;
		sbuf_addf(b, "\"%s\" %s%s, ", c->name, c->number ? "bigint" : "text", nullable ? "" : " NOT NULL");
	}
	sbuf_adds(b, "PRIMARY KEY (");
	for (int i = 0; i < def->nkeys; i++)
		sbuf_addf(b, "%s\"%s\"", i ? ", " : "", def->columns[i].name);
	sbuf_adds(b, "));\n");
}

/* The base tables, and what a change to a row of each puts in the log:
 * an assignment its person, date and activity; a person their id (all
 * their rows); a cover its date and activity; a horizon everything. */
static const struct {
	const char *table, *person, *date, *activity;
} watched[] = {
	{ "assignments", "person", "\"date\"", "activity" },
	{ "people", "id", "NULL", "NULL" },
	{ "covers", "NULL", "\"date\"", "activity" },
	{ "horizons", "NULL", "NULL", "NULL" },
};
#define NWATCHED ((int)(sizeof watched / sizeof watched[0]))

static void
sqlite_triggers(struct sbuf *b)
{
	static const char *const ev[] = { "INSERT", "UPDATE", "DELETE" };
	for (int t = 0; t < NWATCHED; t++)
		for (int e = 0; e < 3; e++) {
			/* sql: fixed identifiers only */
			sbuf_addf(b, "CREATE TRIGGER IF NOT EXISTS rota_mv_%s_%c AFTER %s ON %s BEGIN ",
				watched[t].table, ev[e][0] + 32, ev[e], watched[t].table);
			for (int side = 0; side < 2; side++) {	/* the new row, the old */
				if ((side == 0 && e == 2) || (side == 1 && e == 0))
					continue;
				const char *row = side ? "OLD." : "NEW.";
				/* sql: fixed identifiers only */
				sbuf_adds(b, "INSERT INTO rota_mv_log (person, \"date\", activity) VALUES (");
				const char *f[] = { watched[t].person, watched[t].date, watched[t].activity };
				for (int k = 0; k < 3; k++)
					sbuf_addf(b, "%s%s%s", k ? ", " : "", strcmp(f[k], "NULL") ? row : "", f[k]);
				sbuf_adds(b, "); ");
			}
			sbuf_adds(b, "END;\n");
		}
}

/* PostgreSQL: one statement-level trigger per table and event, reading the
 * transition tables, so that a COPY of a million rows logs them in one
 * INSERT … SELECT DISTINCT rather than a million. */
static void
pg_triggers(struct sbuf *b)
{
	static const char *const ev[] = { "INSERT", "UPDATE", "DELETE" };
	for (int t = 0; t < NWATCHED; t++) {
		const char *f[] = { watched[t].person, watched[t].date, watched[t].activity };
		/* sql: fixed identifiers only */
		sbuf_addf(b, "CREATE OR REPLACE FUNCTION rota_mv_log_%s() RETURNS trigger LANGUAGE plpgsql AS $f$ "
			"BEGIN ", watched[t].table);
		for (int side = 0; side < 2; side++) {
			/* sql: fixed identifiers only */
			sbuf_addf(b, "IF TG_OP IN (%s) THEN INSERT INTO rota_mv_log (person, \"date\", activity) "
				"SELECT DISTINCT ", side ? "'UPDATE', 'DELETE'" : "'INSERT', 'UPDATE'");
			for (int k = 0; k < 3; k++)
				sbuf_addf(b, "%s%s%s", k ? ", " : "", f[k], strcmp(f[k], "NULL") ? "" : "::text");
			/* sql: fixed identifiers only */
			sbuf_addf(b, " FROM %s; END IF; ", side ? "old_rows" : "new_rows");
		}
		sbuf_adds(b, "RETURN NULL; END $f$;\n");
		for (int e = 0; e < 3; e++)
			/* sql: fixed identifiers only */
			sbuf_addf(b, "CREATE OR REPLACE TRIGGER rota_mv_%s_%c AFTER %s ON %s REFERENCING %s%s "
				"FOR EACH STATEMENT EXECUTE FUNCTION rota_mv_log_%s();\n",
				watched[t].table, ev[e][0] + 32, ev[e], watched[t].table,
				e > 0 ? "OLD TABLE AS old_rows " : "", e < 2 ? "NEW TABLE AS new_rows" : "",
				watched[t].table);
	}
}

/* The first column of the first row of a query, as text (NULL: none). */
struct first {
	char text[64];
	int got, null;
};

static int
take_first(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct first *f = arg;
	if (!f->got && ncols > 0) {
		f->got = 1;
		f->null = cols[0] == NULL;
		snprintf(f->text, sizeof f->text, "%s", cols[0] ? cols[0] : "");
	}
	return 0;
}

/* A query's one number (0 when NULL or no row); 0 or -1. */
static int
number(struct store *st, const char *sql, int n, const char *const *params, long long *out)
{
	struct first f = { .got = 0 };
	if (store_query(st, sql, n, params, take_first, &f, NULL) < 0)
		return -1;
	*out = f.got && !f.null ? atoll(f.text) : 0;
	return 0;
}

/* The version of what mview_setup makes, kept in the state as "*setup":
 * a store set up by an older rota is set up again (everything in it is
 * made IF NOT EXISTS or OR REPLACE). */
#define SETUP_VERSION "4"

struct counts2 {
	long long a, b;
	int got;
};

static int
take_two(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct counts2 *c = arg;
	if (ncols >= 2 && !c->got) {
		c->got = 1;
		c->a = cols[0] ? atoll(cols[0]) : 0;
		c->b = cols[1] ? atoll(cols[1]) : 0;
	}
	return 0;
}

int
mview_ready(struct store *st)
{
	long long n;
	int pg = store_kind(st) == STORE_PG;
	if (number(st, pg ? "SELECT CAST(to_regclass('" SETUP_MARK "') IS NOT NULL AS integer)"
			  : "SELECT count(*) FROM sqlite_master WHERE name = '" SETUP_MARK "'",
		    0, NULL, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	struct first f = { .got = 0 };
	if (store_query(st, "SELECT mode FROM " SETUP_MARK " WHERE view = '*setup'", 0, NULL, take_first,
		    &f, NULL) < 0)
		return -1;
	return f.got && !f.null && strcmp(f.text, SETUP_VERSION) == 0 ? 2 : 1;
}

int
mview_setup(struct store *st)
{
	const struct dialect *d = dialect_of(st);
	struct sbuf b = { 0 };
	for (int v = 0; v < MV_COUNT; v++)
		create_view_table(&b, &mview_defs[v]);
	/* sql: fixed identifiers only */
	sbuf_addf(&b,
		"CREATE TABLE IF NOT EXISTS rota_mv_log (id %s, person text, \"date\" text, activity text);\n"
		"CREATE TABLE IF NOT EXISTS rota_mv_periods (kind text NOT NULL, start text NOT NULL, "
		"\"end\" text NOT NULL, PRIMARY KEY (kind, start));\n"
		"CREATE TABLE IF NOT EXISTS rota_mv_refresh_log (id %s, view text NOT NULL, "
		"mode text NOT NULL, started text NOT NULL, seconds %s, rows_changed bigint);\n"
		"CREATE INDEX IF NOT EXISTS rota_mv_assignments_date ON assignments (\"date\", activity);\n"
		"CREATE INDEX IF NOT EXISTS rota_mv_covers_date ON covers (\"date\", activity);\n",
		d->serial, d->serial, d->real);
	if (store_kind(st) == STORE_PG) {
		/* sql: fixed identifiers only */
		sbuf_adds(&b, "ALTER TABLE rota_mv_log ADD COLUMN IF NOT EXISTS xid xid8 NOT NULL "
			"DEFAULT pg_current_xact_id();\n");
		pg_triggers(&b);
	} else {
		sqlite_triggers(&b);
	}
	/* Last: its presence says the rest is there. */
	/* sql: fixed identifiers only */
	sbuf_addf(&b, "CREATE TABLE IF NOT EXISTS " SETUP_MARK " (view text PRIMARY KEY, started text, "
		"mode text, seconds %s, rows_changed bigint, last_log bigint, periods text);\n", d->real);
	if (store_kind(st) == STORE_PG)
		/* sql: fixed identifiers only */
		sbuf_adds(&b, "ALTER TABLE " SETUP_MARK " ADD COLUMN IF NOT EXISTS last_snapshot text;\n");
	/* sql: fixed identifiers only */
	sbuf_adds(&b, "DELETE FROM " SETUP_MARK " WHERE view = '*setup';\n"
		"INSERT INTO " SETUP_MARK " (view, mode) VALUES ('*setup', '" SETUP_VERSION "');\n");
	int rc = store_exec(st, b.s);
	sbuf_free(&b);
	return rc;
}

/* ---- periods ---------------------------------------------------------------- */

/* The weeks (from Monday), 28-day blocks and academic years (from 1 July)
 * that the data's dates reach: 13 blocks a year, the 13th running to 30
 * June (29 or 30 days), so that blocks partition years and a year's row is
 * the sum of its blocks'. */
static void
academic_year(int64_t day, int64_t *first, int64_t *last)
{
	int64_t y;
	unsigned m, d;
	rtime_civil_from_days(day, &y, &m, &d);
	if (m < 7)
		y--;
	*first = rtime_days_from_civil(y, 7, 1);
	*last = rtime_days_from_civil(y + 1, 7, 1) - 1;
}

/* The first day of the block holding day. */
static int64_t
block_of(int64_t day)
{
	int64_t y0, y1, k;
	academic_year(day, &y0, &y1);
	k = (day - y0) / 28;
	return y0 + 28 * (k > 12 ? 12 : k);
}

static int
add_period(struct store *st, const char *kind, int64_t from, int64_t to)
{
	char a[11], b[11];
	rtime_format_date(from, a);
	rtime_format_date(to, b);
	const char *params[] = { kind, a, b };
	return store_query(st, "INSERT INTO rota_mv_periods (kind, start, \"end\") VALUES ($1, $2, $3)", 3,
		params, NULL, NULL, NULL);
}

/* The dates the data reaches: assignments and horizons. */
static int
data_range(struct store *st, char *range, size_t n, int64_t *lo, int64_t *hi)
{
	struct first f1 = { .got = 0 }, f2 = { .got = 0 };
	const char *why;
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	static const char *const q[2] = {
		"SELECT min(\"date\") FROM assignments",
		"SELECT max(\"date\") FROM assignments",
	};
	if (store_query(st, q[0], 0, NULL, take_first, &f1, NULL) < 0 ||
	    store_query(st, q[1], 0, NULL, take_first, &f2, NULL) < 0)
		return -1;
	int64_t d;
	if (!f1.null && rtime_parse_date(f1.text, strlen(f1.text), &d, &why) == 0 && d < *lo)
		*lo = d;
	if (!f2.null && rtime_parse_date(f2.text, strlen(f2.text), &d, &why) == 0 && d > *hi)
		*hi = d;
	struct first h1 = { .got = 0 }, h2 = { .got = 0 };
	if (store_query(st, "SELECT min(start) FROM horizons", 0, NULL, take_first, &h1, NULL) < 0 ||
	    store_query(st, store_kind(st) == STORE_PG
			    ? "SELECT max((start::date + CAST(days AS integer) - 1)::text) FROM horizons"
			    : "SELECT max(date(start, '+' || (days - 1) || ' days')) FROM horizons",
		    0, NULL, take_first, &h2, NULL) < 0)
		return -1;
	if (!h1.null && rtime_parse_date(h1.text, strlen(h1.text), &d, &why) == 0 && d < *lo)
		*lo = d;
	if (!h2.null && rtime_parse_date(h2.text, strlen(h2.text), &d, &why) == 0 && d > *hi)
		*hi = d;
	if (*lo > *hi) {
		snprintf(range, n, "none");
		return 0;
	}
	/* The key of the periods the dates reach: the first and last week
	 * and block.  It changes only when the set of periods does. */
	char w0[11], w1[11], b0[11], b1[11];
	rtime_format_date(*lo - rtime_weekday(*lo), w0);
	rtime_format_date(*hi - rtime_weekday(*hi), w1);
	rtime_format_date(block_of(*lo), b0);
	rtime_format_date(block_of(*hi), b1);
	snprintf(range, n, "%s..%s %s..%s", w0, w1, b0, b1);
	return 0;
}

/* Makes the periods table match the data.  The periods it was made for
 * are kept in the state, under the name "*periods" (no view's). */
#define PERIODS_ROW "*periods"

static int
periods_update(struct store *st, const char *range, int64_t lo, int64_t hi)
{
	struct first f = { .got = 0 };
	if (store_query(st, "SELECT periods FROM rota_mv_state WHERE view = '" PERIODS_ROW "'", 0, NULL,
		    take_first, &f, NULL) < 0)
		return -1;
	if (f.got && !f.null && strcmp(f.text, range) == 0)
		return 0;
	const char *params[] = { range };
	if (store_exec(st, "DELETE FROM rota_mv_state WHERE view = '" PERIODS_ROW "'") < 0 ||
	    store_query(st, "INSERT INTO rota_mv_state (view, periods) VALUES ('" PERIODS_ROW "', $1)", 1,
		    params, NULL, NULL, NULL) < 0)
		return -1;
	if (store_exec(st, "DELETE FROM rota_mv_periods") < 0)
		return -1;
	if (lo > hi)
		return 0;
	for (int64_t w = lo - rtime_weekday(lo); w <= hi; w += 7)
		if (add_period(st, "week", w, w + 6) < 0)
			return -1;
	int64_t y0, y1;
	for (academic_year(lo, &y0, &y1); y0 <= hi; academic_year(y1 + 1, &y0, &y1)) {
		if (add_period(st, "year", y0, y1) < 0)
			return -1;
		for (int k = 0; k < 13; k++) {
			int64_t b0 = y0 + 28 * k, b1 = k == 12 ? y1 : b0 + 27;
			if (b1 >= lo && b0 <= hi && add_period(st, "block", b0, b1) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- refreshing ------------------------------------------------------------- */

static int
run(struct store *st, const char *sql, int n, const char *const *params, long long *changed)
{
	long long c = 0;
	int rc = store_query(st, sql, n, params, NULL, NULL, &c);
	*changed += c;
	return rc;
}

static int
insert_into(struct store *st, const struct mview_def *def, const char *select, int n,
	const char *const *params, long long *changed)
{
	struct sbuf b = { 0 };
	sbuf_addf(&b, "INSERT INTO %s (", def->name);	/* sql: fixed identifiers only */
	for (int i = 0; i < def->ncolumns; i++)
		sbuf_addf(&b, "%s\"%s\"", i ? ", " : "", def->columns[i].name);
	sbuf_addf(&b, ") %s", select);
	int rc = run(st, b.s, n, params, changed);
	sbuf_free(&b);
	return rc;
}

static int
refresh_full(struct store *st, enum mview_id v, long long *changed)
{
	const struct mview_def *def = &mview_defs[v];
	struct sbuf q = { 0 }, del = { 0 };
	sbuf_addf(&del, "DELETE FROM %s", def->name);	/* sql: fixed identifiers only */
	int rc = run(st, del.s, 0, NULL, changed);
	if (rc == 0) {
		switch (v) {
		case MV_SCHEDULE_SUMMARY: summary_select(&q, ""); break;
		case MV_ROTATION_COVERAGE: coverage_select(&q, "", ""); break;
		default: workload_select(&q, dialect_of(st), ALL_PEOPLE); break;
		}
		rc = insert_into(st, def, q.s, 0, NULL, changed);
	}
	if (rc == 0 && v == MV_PERSON_WORKLOAD) {
		sbuf_reset(&q);
		year_select(&q, ALL_YEARS);
		rc = insert_into(st, def, q.s, 0, NULL, changed);
	}
	sbuf_free(&q);
	sbuf_free(&del);
	return rc;
}

/* PostgreSQL plans a temporary table it has no statistics of as if it
 * held a thousand rows or so, and then scans the base tables whole: after
 * filling a key table, it is analysed (a few milliseconds).  SQLite picks
 * the indexes without. */
static int
analyze(struct store *st, const char *table)
{
	char sql[64];
	if (store_kind(st) != STORE_PG)
		return 0;
	snprintf(sql, sizeof sql, "ANALYZE %s", table);	/* sql: fixed identifiers only */
	return store_exec(st, sql);
}

/* PostgreSQL would rather hash-join a whole base table than probe its
 * index once per key when the keys are a few thousand (on 1.4 million
 * assignments: 0.57 s against 0.05 s), so the keyed workload query is
 * planned without hash and merge joins. */
static int
keyed_plan(struct store *st, int on)
{
	if (store_kind(st) != STORE_PG)
		return 0;
	return store_exec(st, on ? "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
				 : "SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on");
}

/* The log entries a refresh consumes: after the view's last one and up
 * to the newest this transaction sees.  On PostgreSQL, entries are
 * numbered when written, not when committed, so a transaction still open
 * at a refresh can commit entries numbered below what it consumed: each
 * entry carries its transaction's id, the state keeps the snapshot of the
 * view's last refresh, and a refresh also takes the entries that snapshot
 * did not see. */
struct window {
	const char *params[3];
	int n;
	const char *cond;	/* over the log as l */
};

static void
window_init(struct window *w, const struct store *st, const char *lo, const char *hi, const char *snap)
{
	int pg = store_kind(st) == STORE_PG;
	*w = (struct window){ { lo, hi, snap }, pg ? 3 : 2,
		pg ? "((l.id > CAST($1 AS bigint) OR NOT pg_visible_in_snapshot(l.xid, CAST($3 AS pg_snapshot))) "
		     "AND l.id <= CAST($2 AS bigint))"
		   : "(l.id > CAST($1 AS bigint) AND l.id <= CAST($2 AS bigint))" };
}

/* The (date, activity) pairs that the window's entries touch. */
static int
day_keys(struct store *st, const struct window *w)
{
	struct sbuf q = { 0 };
	/* sql: fixed identifiers only */
	sbuf_addf(&q, "INSERT INTO rota_mv_keys (\"date\", activity) "
		"SELECT l.\"date\", l.activity FROM rota_mv_log l WHERE %s "
		"AND l.\"date\" IS NOT NULL AND l.activity IS NOT NULL "
		"UNION SELECT a.\"date\", coalesce(a.activity, '') FROM assignments a "
		"WHERE a.person IN (SELECT l.person FROM rota_mv_log l WHERE %s "
		"AND l.\"date\" IS NULL AND l.person IS NOT NULL)", w->cond, w->cond);
	int rc = store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS rota_mv_keys (\"date\" text NOT NULL, "
			      "activity text NOT NULL, PRIMARY KEY (\"date\", activity));\n"
			      "DELETE FROM rota_mv_keys") < 0 ||
		store_query(st, q.s, w->n, w->params, NULL, NULL, NULL) < 0 ? -1 : 0;
	sbuf_free(&q);
	return rc;
}

static int
refresh_days(struct store *st, enum mview_id v, const struct window *range, long long *changed)
{
	const struct mview_def *def = &mview_defs[v];
	struct sbuf q = { 0 };
	if (day_keys(st, range) < 0 || analyze(st, "rota_mv_keys") < 0)
		return -1;
	/* sql: fixed identifiers only */
	sbuf_addf(&q, "DELETE FROM %s WHERE (\"date\", activity) IN "
		"(SELECT \"date\", activity FROM rota_mv_keys)", def->name);
	int rc = run(st, q.s, 0, NULL, changed);
	sbuf_reset(&q);
	if (v == MV_SCHEDULE_SUMMARY)
		/* The raw columns, so that the (date, activity) index serves. */
		summary_select(&q, "WHERE (a.\"date\", a.activity) IN "
				   "(SELECT \"date\", activity FROM rota_mv_keys)");
	else
		coverage_select(&q, "WHERE (a.\"date\", a.activity) IN (SELECT \"date\", activity FROM rota_mv_keys)",
			"WHERE (c.\"date\", c.activity) IN (SELECT \"date\", activity FROM rota_mv_keys)");
	if (rc == 0)
		rc = insert_into(st, def, q.s, 0, NULL, changed);
	sbuf_free(&q);
	return rc;
}

/* The workload rows the log's entries touch: each person's weeks and
 * blocks of the dates changed (all of them for a changed person), then the
 * years of those blocks. */
static int
refresh_people(struct store *st, const struct window *w, long long *changed)
{
	const struct mview_def *def = &mview_defs[MV_PERSON_WORKLOAD];
	struct sbuf q = { 0 };
	int rc = store_exec(st,
		"CREATE TEMP TABLE IF NOT EXISTS rota_mv_pkeys (person text NOT NULL, kind text NOT NULL, "
		"start text NOT NULL, \"end\" text NOT NULL, PRIMARY KEY (person, kind, start));\n"
		"CREATE TEMP TABLE IF NOT EXISTS rota_mv_ykeys (person text NOT NULL, start text NOT NULL, "
		"PRIMARY KEY (person, start));\n"
		"DELETE FROM rota_mv_pkeys; DELETE FROM rota_mv_ykeys");
	if (rc == 0) {
		/* sql: fixed identifiers only */
		sbuf_addf(&q, "INSERT INTO rota_mv_pkeys (person, kind, start, \"end\") "
			"SELECT l.person, per.kind, per.start, per.\"end\" FROM rota_mv_log l "
			"JOIN rota_mv_periods per ON per.kind IN ('week', 'block') AND l.\"date\" >= per.start "
			"AND l.\"date\" <= per.\"end\" WHERE %s AND l.person IS NOT NULL "
			"UNION SELECT l.person, per.kind, per.start, per.\"end\" FROM rota_mv_log l "
			"CROSS JOIN rota_mv_periods per WHERE per.kind IN ('week', 'block') AND %s "
			"AND l.person IS NOT NULL AND l.\"date\" IS NULL", w->cond, w->cond);
		rc = store_query(st, q.s, w->n, w->params, NULL, NULL, NULL);
		sbuf_reset(&q);
	}
	if (rc == 0)
		rc = store_exec(st, "INSERT INTO rota_mv_ykeys (person, start) SELECT DISTINCT k.person, y.start "
			"FROM rota_mv_pkeys k JOIN rota_mv_periods y ON y.kind = 'year' AND k.start >= y.start "
			"AND k.start <= y.\"end\" WHERE k.kind = 'block'");
	if (rc == 0)
		rc = analyze(st, "rota_mv_pkeys") || analyze(st, "rota_mv_ykeys");
	if (rc == 0)
		rc = run(st, "DELETE FROM person_workload WHERE (person, period, start) IN "
			"(SELECT person, kind, start FROM rota_mv_pkeys)", 0, NULL, changed);
	if (rc == 0)
		rc = run(st, "DELETE FROM person_workload WHERE period = 'year' AND (person, start) IN "
			"(SELECT person, start FROM rota_mv_ykeys)", 0, NULL, changed);
	if (rc == 0) {
		workload_select(&q, dialect_of(st), KEYED_PEOPLE);
		rc = keyed_plan(st, 1) || insert_into(st, def, q.s, 0, NULL, changed) || keyed_plan(st, 0);
	}
	if (rc == 0) {
		sbuf_reset(&q);
		year_select(&q, KEYED_YEARS);
		rc = insert_into(st, def, q.s, 0, NULL, changed);
	}
	sbuf_free(&q);
	return rc;
}

/* 1 when pending log entries pass the threshold, 0 not, -1 error.  The
 * assignments are counted only when it matters: a percentage of them can
 * be passed only by more entries than a small fixed number. */
static int
over_threshold(struct store *st, const struct mview_threshold *t, long long pending)
{
	if (t->entries >= 0 && pending > t->entries)
		return 1;
	if (t->percent < 0 || pending <= 1000)
		return 0;
	long long rows;
	if (number(st, "SELECT count(*) FROM assignments", 0, NULL, &rows) < 0)
		return -1;
	return (double)pending > t->percent / 100.0 * (double)rows;
}

int
mview_refresh(struct store *st, enum mview_id v, int incremental, const struct mview_threshold *limit,
	struct mview_result *res)
{
	const struct mview_def *def = &mview_defs[v];
	const char *name = def->name;
	char lo[32] = "0", hi[32], range[64], started[40], snap[256] = "";
	int64_t dlo, dhi;
	long long last, top, everything;
	int periods_changed, known;
	memset(res, 0, sizeof *res);
	rtime_now_utc(started, sizeof started);
	double t0 = rota_now();
	struct first f = { .got = 0 }, fp = { .got = 0 }, fx = { .got = 0 }, now = { .got = 0 };
	const char *vp[] = { name };
	int pg = store_kind(st) == STORE_PG;
	if (pg && (store_query(st, "SELECT last_snapshot FROM rota_mv_state WHERE view = $1", 1, vp,
			   take_first, &fx, NULL) < 0 ||
		   store_query(st, "SELECT CAST(pg_current_snapshot() AS text)", 0, NULL, take_first, &now,
			   NULL) < 0))
		return -1;
	snprintf(snap, sizeof snap, "%s", fx.got && !fx.null ? fx.text : now.text);
	if (store_query(st, "SELECT last_log FROM rota_mv_state WHERE view = $1", 1, vp, take_first, &f,
		    NULL) < 0 ||
	    store_query(st, "SELECT periods FROM rota_mv_state WHERE view = $1", 1, vp, take_first, &fp,
		    NULL) < 0 ||
	    number(st, "SELECT max(id) FROM rota_mv_log", 0, NULL, &top) < 0 ||
	    data_range(st, range, sizeof range, &dlo, &dhi) < 0 ||
	    periods_update(st, range, dlo, dhi) < 0)
		return -1;
	/* The view's rows are for the periods of its last refresh. */
	periods_changed = !fp.got || fp.null || strcmp(fp.text, range) != 0;
	known = f.got && !f.null;
	last = known ? atoll(f.text) : 0;
	snprintf(lo, sizeof lo, "%lld", last);
	snprintf(hi, sizeof hi, "%lld", top);
	struct window window;
	struct sbuf q = { 0 };
	window_init(&window, st, lo, hi, snap);
	/* sql: fixed identifiers only */
	sbuf_addf(&q, "SELECT count(*), count(CASE WHEN l.person IS NULL AND l.\"date\" IS NULL THEN 1 END) "
		"FROM rota_mv_log l WHERE %s", window.cond);
	struct counts2 c = { 0, 0, 0 };
	int qrc = store_query(st, q.s, window.n, window.params, take_two, &c, NULL);
	sbuf_free(&q);
	if (qrc < 0)
		return -1;
	res->pending = c.a;
	everything = c.b;
	res->full = 1;
	if (!incremental)
		res->why_full = NULL;
	else if (!known)
		res->why_full = "never refreshed";
	else if (everything)
		res->why_full = "a horizon changed";
	else if (v == MV_PERSON_WORKLOAD && periods_changed)
		res->why_full = "the dates reach other periods";
	else if (over_threshold(st, limit, res->pending) != 0)
		res->why_full = "more changes than the threshold";
	else
		res->full = 0;
	int rc = res->full ? refresh_full(st, v, &res->rows_changed)
	       : v == MV_PERSON_WORKLOAD ? refresh_people(st, &window, &res->rows_changed)
					 : refresh_days(st, v, &window, &res->rows_changed);
	if (rc < 0)
		return -1;
	res->seconds = rota_now() - t0;
	char secs[32], changed[32];
	snprintf(secs, sizeof secs, "%.6f", res->seconds);
	snprintf(changed, sizeof changed, "%lld", res->rows_changed);
	const char *mode = res->full ? "full" : "incremental";
	const char *state[] = { name, started, mode, secs, changed, hi, range, now.got ? now.text : NULL };
	const char *logged[] = { name, mode, started, secs, changed };
	if (store_query(st, "DELETE FROM rota_mv_state WHERE view = $1", 1, vp, NULL, NULL, NULL) < 0 ||
	    store_query(st, pg ? "INSERT INTO rota_mv_state (view, started, mode, seconds, rows_changed, "
				 "last_log, periods, last_snapshot) VALUES ($1, $2, $3, CAST($4 AS double precision), "
				 "CAST($5 AS bigint), CAST($6 AS bigint), $7, $8)"
			       : "INSERT INTO rota_mv_state (view, started, mode, seconds, rows_changed, "
				 "last_log, periods) VALUES ($1, $2, $3, CAST($4 AS double precision), "
				 "CAST($5 AS bigint), CAST($6 AS bigint), $7)", pg ? 8 : 7, state, NULL, NULL,
		    NULL) < 0 ||
	    store_query(st, "INSERT INTO rota_mv_refresh_log (view, mode, started, seconds, rows_changed) "
			    "VALUES ($1, $2, $3, CAST($4 AS double precision), CAST($5 AS bigint))",
		    5, logged, NULL, NULL, NULL) < 0)
		return -1;
	return 0;
}

int
mview_trim_log(struct store *st)
{
	/* A view never refreshed has no state: its first refresh is full. */
	if (store_kind(st) == STORE_PG)
		return store_exec(st, "DELETE FROM rota_mv_log WHERE id <= (SELECT min(last_log) FROM "
			"rota_mv_state) AND CAST(CAST(xid AS text) AS numeric) < (SELECT min(CAST(CAST("
			"pg_snapshot_xmin(CAST(last_snapshot AS pg_snapshot)) AS text) AS numeric)) "
			"FROM rota_mv_state)");
	return store_exec(st, "DELETE FROM rota_mv_log WHERE id <= (SELECT min(last_log) FROM rota_mv_state)");
}

int
mview_begin(struct store *st)
{
	if (store_begin(st) < 0)
		return -1;
	/* One snapshot for the whole refresh: the log entries it consumes
	 * and the rows it reads are those of one moment. */
	return store_kind(st) == STORE_PG ? store_exec(st, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ") : 0;
}

/* ---- reading ------------------------------------------------------------------ */

static int
take_status(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct mview_status *s = arg;
	if (ncols < 4)
		return 0;
	s->refreshed = 1;
	snprintf(s->at, sizeof s->at, "%s", cols[0] ? cols[0] : "");
	snprintf(s->mode, sizeof s->mode, "%s", cols[1] ? cols[1] : "");
	s->seconds = cols[2] ? atof(cols[2]) : 0;
	s->rows_changed = cols[3] ? atoll(cols[3]) : 0;
	return 0;
}

int
mview_status(struct store *st, enum mview_id v, struct mview_status *s)
{
	const char *name = mview_defs[v].name;
	const char *vp[] = { name };
	struct first f = { .got = 0 };
	memset(s, 0, sizeof *s);
	struct first fx = { .got = 0 };
	int pg = store_kind(st) == STORE_PG;
	if (store_query(st, "SELECT started, mode, seconds, rows_changed FROM rota_mv_state WHERE view = $1",
		    1, vp, take_status, s, NULL) < 0 ||
	    store_query(st, "SELECT last_log FROM rota_mv_state WHERE view = $1", 1, vp, take_first, &f,
		    NULL) < 0 ||
	    (pg && store_query(st, "SELECT coalesce((SELECT last_snapshot FROM rota_mv_state WHERE view = $1), "
				   "CAST(pg_current_snapshot() AS text))", 1, vp, take_first, &fx, NULL) < 0))
		return -1;
	char sql[256];
	struct window w;
	window_init(&w, st, f.got && !f.null ? f.text : "0", "9223372036854775807",
		fx.got && !fx.null ? fx.text : "");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", name);	/* sql: fixed identifiers only */
	if (number(st, sql, 0, NULL, &s->rows) < 0)
		return -1;
	/* sql: fixed identifiers only */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM rota_mv_log l WHERE %s", w.cond);
	if (number(st, sql, w.n, w.params, &s->pending) < 0)
		return -1;
	if (s->refreshed) {
		int64_t t;
		int off;
		const char *why;
		if (rtime_parse_instant(s->at, strlen(s->at), &t, &off, &why) == 0)
			s->age = (double)time(NULL) - (double)t;
	}
	return 0;
}

int
mview_each(struct store *st, enum mview_id v, store_row_fn *row, void *arg)
{
	const struct mview_def *def = &mview_defs[v];
	struct sbuf q = { 0 };
	sbuf_adds(&q, "SELECT ");	/* sql: fixed identifiers only */
	for (int i = 0; i < def->ncolumns; i++)
		sbuf_addf(&q, "%s\"%s\"", i ? ", " : "", def->columns[i].name);
	sbuf_addf(&q, " FROM %s ORDER BY ", def->name);	/* sql: fixed identifiers only */
	for (int i = 0; i < def->nkeys; i++)
		sbuf_addf(&q, "%s\"%s\"", i ? ", " : "", def->columns[i].name);
	int rc = store_query(st, q.s, 0, NULL, row, arg, NULL);
	sbuf_free(&q);
	return rc;
}
