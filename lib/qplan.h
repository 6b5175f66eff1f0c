/* qplan.h: query plans, read from PostgreSQL's EXPLAIN (FORMAT JSON) or
 * SQLite's EXPLAIN QUERY PLAN, and what is slow in them (rota-explain(1)).
 *
 * A plan is a tree of nodes; each finding names a node, a rule, a severity,
 * the values measured and a sentence.  Index candidates come from the
 * filter and join conditions of the nodes that read a table whole. */
#ifndef ROTA_QPLAN_H
#define ROTA_QPLAN_H

#include <cJSON.h>

#include "util.h"

struct qnode {
	int id;			/* 1, 2, … in depth-first order */
	char *type;		/* "Seq Scan", "SCAN", … */
	char *relation, *alias, *index;
	char *filter, *index_cond, *join_filter, *hash_cond, *merge_cond, *recheck;
	char *detail;		/* SQLite's line */
	char *join_type;	/* "Inner", "Semi", … */
	int may_stop;		/* may give fewer rows than planned (Limit, EXISTS) */
	double startup_cost, total_cost, plan_rows;
	int analyzed;		/* actual rows and loops are known */
	int timed;		/* and actual times */
	double actual_time, actual_rows, loops;
	double removed_by_filter, removed_by_join, heap_fetches;
	char *sort_method, *sort_space_type;
	double sort_space_kb, hash_batches, hash_batches_planned, peak_memory_kb;
	int workers_planned, workers_launched;
	double shared_read, temp_read, temp_written, io_read_ms;
	int has_io_timing;
	struct qnode **kids;
	int nkids;
	struct qnode *parent;
	double excl;		/* exclusive time (ms, all loops) or cost */
};

struct qplan {
	struct qnode *root;
	struct qnode **nodes;	/* by id - 1 */
	int nnodes;
	int sqlite;		/* from EXPLAIN QUERY PLAN */
	int analyzed, timed, buffers;
	double planning_ms, execution_ms;
	double total;		/* of excl: ms when timed, else cost */
};

/* Reads one plan: PostgreSQL's JSON (an array of one object with "Plan",
 * or the object).  NULL with a sentence in err. */
struct qplan *qplan_from_pg_json(const cJSON *json, char *err, size_t errlen);
/* An SQLite plan from EXPLAIN QUERY PLAN rows (id, parent, detail). */
struct qplan *qplan_sqlite_new(void);
int qplan_sqlite_add(struct qplan *p, int id, int parent, const char *detail);
void qplan_sqlite_done(struct qplan *p);
/* An SQLite plan as the sqlite3 shell prints EXPLAIN QUERY PLAN: lines
 * whose depth is told by "|--", "`--" and "|  " prefixes; other lines are
 * skipped.  text is cut up in place.  Never NULL; nnodes 0 when no step. */
struct qplan *qplan_from_sqlite_text(char *text);
void qplan_free(struct qplan *p);

enum qseverity { QS_INFO, QS_LOW, QS_MEDIUM, QS_HIGH, QS_COUNT };
extern const char *const qseverity_name[QS_COUNT];
/* The severity named, or -1. */
int qseverity_named(const char *s);

struct qfinding {
	const char *rule;	/* "explain.hot-node", … */
	enum qseverity severity;
	const struct qnode *node;	/* or NULL: the plan as a whole */
	char message[512];
	/* measured values: name and number, up to 4 */
	const char *name[4];
	double value[4];
	int nvalues;
	/* The relations to ANALYZE or VACUUM, when the rule suggests it. */
	const char *relation;
};

typedef void qfinding_fn(const struct qfinding *f, void *arg);
/* Calls fn with each finding of the plan, worst first within a rule. */
void qplan_findings(const struct qplan *p, qfinding_fn *fn, void *arg);

/* An index that might serve a node: a relation and one or two columns
 * (equality columns first). */
struct qcandidate {
	char relation[128];
	char column[2][64];
	int ncolumns;
	int node;		/* the node's id */
};
/* The candidates of the plan (single- and two-column), without repeats;
 * returns how many, at most max. */
int qplan_candidates(const struct qplan *p, struct qcandidate *out, int max);

/* The columns compared with constants or parameters in a condition
 * ("((person = 'r1'::text) AND (date >= $1))" gives person, =; date, >=),
 * for the candidates and the tests.  Returns how many, at most max;
 * eq[i] is 1 for an equality. */
int qplan_condition_columns(const char *cond, char cols[][64], int *eq, int max);

/* The node's name as a person reads it: "Seq Scan on assignments a". */
void qnode_label(const struct qnode *n, char *buf, size_t size);

#endif
