/* mview.h: the reporting views of a store (rota-mview-refresh(1)).
 *
 * schedule_summary, person_workload and rotation_coverage are tables that
 * this module keeps, on SQLite and PostgreSQL alike, with the same columns.
 * A full refresh rebuilds a view inside one transaction; an incremental one
 * recomputes only the rows that the keys in the change log touch, the log
 * being filled by triggers on the base tables.  Readers see the old rows or
 * the new, never half, and are never blocked (WAL on SQLite, MVCC on
 * PostgreSQL).  A refresh log and each view's state live in the store too. */
#ifndef ROTA_MVIEW_H
#define ROTA_MVIEW_H

#include "store.h"

enum mview_id { MV_SCHEDULE_SUMMARY, MV_PERSON_WORKLOAD, MV_ROTATION_COVERAGE, MV_COUNT };

/* A view's column: its name and whether it holds a number. */
struct mview_column {
	const char *name;
	int number;
};

struct mview_def {
	const char *name;
	const struct mview_column *columns;
	int ncolumns;
	int nkeys;		/* the first nkeys columns are its primary key */
};
extern const struct mview_def mview_defs[MV_COUNT];

/* The view named, or -1. */
int mview_named(const char *name);

/* When an incremental refresh is full instead: above a number of
 * change-log entries since the view's last refresh, or above a percentage
 * of the assignments.  The default, 10% (an UPDATE of 5% of the rows: it
 * logs the row before and after), is where scripts/bench/mview measured
 * incremental stop being faster on 1.4 million assignments: between 3%
 * and 10% of the rows changed, on SQLite and PostgreSQL. */
struct mview_threshold {
	long long entries;	/* -1: none */
	double percent;		/* of the assignments; -1: none */
};
#define MVIEW_THRESHOLD_PERCENT 10.0

struct mview_result {
	int full;		/* the refresh was full */
	const char *why_full;	/* and why, when incremental was asked for */
	long long pending;	/* change-log entries it consumed */
	long long rows_changed;	/* rows deleted plus rows inserted */
	double seconds;
};

/* Begins the transaction of a refresh: on PostgreSQL, REPEATABLE READ,
 * so that the whole refresh sees one snapshot. */
int mview_begin(struct store *st);
/* Creates the views, the change log and its triggers, the refresh log and
 * the state table if missing.  In the caller's transaction. */
int mview_setup(struct store *st);
/* Whether mview_setup of this rota has run on this store (2), that of an
 * older one (1: the views are there, mview_setup brings them up to date),
 * none (0), or -1. */
int mview_ready(struct store *st);
/* Refreshes one view in the caller's transaction (after mview_setup):
 * incrementally when asked and possible (threshold: see above), else fully;
 * records the refresh in the state and the refresh log. */
int mview_refresh(struct store *st, enum mview_id v, int incremental, const struct mview_threshold *limit,
	struct mview_result *res);
/* Drops the change-log entries that every view has consumed. */
int mview_trim_log(struct store *st);

struct mview_status {
	int refreshed;		/* ever */
	char at[40];		/* when the last refresh began, RFC 3339 UTC */
	double age;		/* seconds since */
	char mode[16];
	double seconds;
	long long rows_changed, rows, pending;
};
int mview_status(struct store *st, enum mview_id v, struct mview_status *s);

/* Calls row with each row of the view, in key order. */
int mview_each(struct store *st, enum mview_id v, store_row_fn *row, void *arg);

/* The query that computes a view whole, for the store's kind (PostgreSQL
 * when pg): what a materialized view of it would hold.  Malloc'd. */
char *mview_query(enum mview_id v, int pg);

#endif
