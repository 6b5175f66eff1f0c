/* Unit tests for lib/qplan: reading PostgreSQL's EXPLAIN (FORMAT JSON)
 * and SQLite's EXPLAIN QUERY PLAN rows, exclusive times, each rule at its
 * threshold and just under it, the columns of conditions, the index
 * candidates and the nodes' labels.  The plans are written by hand, in
 * the shape PostgreSQL 15 gives them; the conditions are as it prints
 * them.  (Plans made on a real server are the bats tests' to check.) */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qplan.h"
#include "tap.h"

/* ---- helpers ---------------------------------------------------------------- */

/* A plan from JSON written with ` for " (the conditions keep their '). */
static struct qplan *
plan_of(const char *fmt, ...)
{
	char text[8192], err[256] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (char *s = text; *s; s++)
		if (*s == '`')
			*s = '"';
	cJSON *j = cJSON_Parse(text);
	if (j == NULL) {
		printf("# not JSON: %s\n", text);
		return NULL;
	}
	struct qplan *p = qplan_from_pg_json(j, err, sizeof err);
	cJSON_Delete(j);
	if (p == NULL)
		printf("# %s: %s\n", err, text);
	return p;
}

/* The findings of the last plan run, copied. */
struct got {
	char rule[64];
	int severity;
	int node;		/* 0: the plan as a whole */
	char relation[128];
	const char *name[4];
	double value[4];
	int nvalues;
	char message[512];
};
static struct got found[64];
static int nfound;

static void
collect(const struct qfinding *f, void *arg)
{
	(void)arg;
	if (nfound == (int)(sizeof found / sizeof found[0]))
		return;
	struct got *g = &found[nfound++];
	memset(g, 0, sizeof *g);
	snprintf(g->rule, sizeof g->rule, "%s", f->rule);
	g->severity = (int)f->severity;
	g->node = f->node ? f->node->id : 0;
	snprintf(g->relation, sizeof g->relation, "%s", f->relation ? f->relation : "");
	for (int i = 0; i < f->nvalues; i++) {
		g->name[i] = f->name[i];
		g->value[i] = f->value[i];
	}
	g->nvalues = f->nvalues;
	snprintf(g->message, sizeof g->message, "%s", f->message);
}

static void
run(const struct qplan *p)
{
	nfound = 0;
	if (p)
		qplan_findings(p, collect, NULL);
}

/* The first finding of rule (at node, or anywhere for -1), or NULL. */
static const struct got *
finding(const char *rule, int node)
{
	for (int i = 0; i < nfound; i++)
		if (strcmp(found[i].rule, rule) == 0 && (node < 0 || found[i].node == node))
			return &found[i];
	return NULL;
}

static int
count(const char *rule)
{
	int n = 0;
	for (int i = 0; i < nfound; i++)
		n += strcmp(found[i].rule, rule) == 0;
	return n;
}

/* The severity of rule's first finding at node, or -1 when none. */
static int
severity(const char *rule, int node)
{
	const struct got *g = finding(rule, node);
	return g ? g->severity : -1;
}

static double
value(const struct got *g, const char *name)
{
	for (int i = 0; g && i < g->nvalues; i++)
		if (strcmp(g->name[i], name) == 0)
			return g->value[i];
	return NAN;
}

static int
near(double got, double want)
{
	return fabs(got - want) < 1e-9 * (fabs(want) > 1 ? fabs(want) : 1);
}

static int
has_text(const struct got *g, const char *s)
{
	return g && strstr(g->message, s) != NULL;
}

/* ---- reading PostgreSQL's JSON -------------------------------------------------- */

static void
test_reading(void)
{
	char err[256];
	struct qplan *p;

	/* An array of one object, as EXPLAIN (FORMAT JSON) writes it. */
	p = plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Startup Cost`:1.5,`Total Cost`:100.25,"
		"`Plan Rows`:40,`Hash Cond`:`(a.person = p.id)`,`Join Filter`:`(a.x > p.y)`,"
		"`Plans`:[{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,"
		"`Total Cost`:80,`Plan Rows`:400,`Filter`:`(activity = 'clinic'::text)`,"
		"`Plans`:[]},"
		"{`Node Type`:`Hash`,`Total Cost`:10,`Plans`:[{`Node Type`:`Index Scan`,"
		"`Index Name`:`people_pkey`,`Relation Name`:`people`,`Alias`:`p`,`Total Cost`:9,"
		"`Index Cond`:`(id = 'r1'::text)`,`Recheck Cond`:`(id = 'r2'::text)`}]}]},"
		"`Planning Time`:0.5,`Execution Time`:12.25}]");
	tap_ok(p != NULL, "an array of one object with \"Plan\" is read");
	if (p) {
		tap_is_int(p->nnodes, 4, "four nodes");
		tap_ok(p->root == p->nodes[0] && p->root->parent == NULL, "the root is node 1, without a parent");
		tap_ok(p->planning_ms == 0.5 && p->execution_ms == 12.25, "planning and execution times");
		tap_ok(!p->analyzed && !p->timed && !p->buffers && !p->sqlite,
			"a plain EXPLAIN: not analyzed, not timed, no buffers, not SQLite");
		const struct qnode *r = p->root;
		tap_is_str(r->type, "Hash Join", "node type");
		tap_ok(r->startup_cost == 1.5 && r->total_cost == 100.25 && r->plan_rows == 40,
			"startup cost, total cost, plan rows");
		tap_is_str(r->hash_cond, "(a.person = p.id)", "Hash Cond");
		tap_is_str(r->join_filter, "(a.x > p.y)", "Join Filter");
		tap_ok(r->relation == NULL && r->alias == NULL && r->filter == NULL, "no relation, alias, filter");
		tap_is_int(r->nkids, 2, "the join has two children");
		/* Depth first: the hash's child comes after the hash. */
		tap_ok(p->nodes[1] == r->kids[0] && p->nodes[2] == r->kids[1] && p->nodes[3] == r->kids[1]->kids[0],
			"nodes are numbered depth first");
		int ids_ok = 1;
		for (int i = 0; i < p->nnodes; i++)
			ids_ok &= p->nodes[i]->id == i + 1;
		tap_ok(ids_ok, "node ids are 1, 2, … by index");
		const struct qnode *s = p->nodes[1];
		tap_ok(s->parent == r && p->nodes[3]->parent == p->nodes[2], "parents");
		tap_ok(strcmp(s->relation, "assignments") == 0 && strcmp(s->alias, "a") == 0 &&
				strcmp(s->filter, "(activity = 'clinic'::text)") == 0 && s->nkids == 0,
			"scan: relation, alias, filter; an empty Plans is no child");
		const struct qnode *ix = p->nodes[3];
		tap_ok(strcmp(ix->index, "people_pkey") == 0 && strcmp(ix->index_cond, "(id = 'r1'::text)") == 0 &&
				strcmp(ix->recheck, "(id = 'r2'::text)") == 0,
			"index scan: index name, Index Cond, Recheck Cond");
		tap_ok(s->loops == 1 && s->workers_launched == -1 && s->workers_planned == 0,
			"defaults: one loop, workers launched unknown (-1)");
		tap_ok(!s->analyzed && !s->timed, "a node without actual rows is not analyzed");
	}
	qplan_free(p);

	/* The bare object. */
	p = plan_of("{`Plan`:{`Node Type`:`Result`,`Total Cost`:0.01}}");
	tap_ok(p && p->nnodes == 1 && strcmp(p->root->type, "Result") == 0, "the bare object is read too");
	qplan_free(p);

	/* A node without a type. */
	p = plan_of("[{`Plan`:{`Total Cost`:1}}]");
	tap_ok(p && strcmp(p->root->type, "?") == 0, "a node without \"Node Type\" is \"?\"");
	qplan_free(p);

	/* Not plans. */
	static const char *const bad[] = { "[{\"Foo\":1}]", "[]", "{\"Plan\":3}", "[1]", "\"Plan\"",
		"{\"plan\":{\"Node Type\":\"Result\"}}" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *j = cJSON_Parse(bad[i]);
		err[0] = '\0';
		p = qplan_from_pg_json(j, err, sizeof err);
		tap_ok(p == NULL && strstr(err, "\"Plan\"") && strstr(err, "EXPLAIN (FORMAT JSON)"),
			"%s: not a plan, and the message says what is expected", bad[i]);
		qplan_free(p);
		cJSON_Delete(j);
	}
	p = qplan_from_pg_json(NULL, err, sizeof err);
	tap_ok(p == NULL, "NULL JSON: not a plan");

	/* EXPLAIN (ANALYZE, BUFFERS) fields. */
	p = plan_of("[{`Plan`:{`Node Type`:`Sort`,`Total Cost`:5,`Plan Rows`:10,`Actual Startup Time`:1,"
		"`Actual Total Time`:2.5,`Actual Rows`:7,`Actual Loops`:3,`Sort Method`:`external merge`,"
		"`Sort Space Used`:2048,`Sort Space Type`:`Disk`,`Shared Hit Blocks`:4,`Shared Read Blocks`:6,"
		"`Temp Read Blocks`:8,`Temp Written Blocks`:9,`I/O Read Time`:0.75,"
		"`Plans`:[{`Node Type`:`Hash`,`Hash Batches`:4,`Original Hash Batches`:2,`Peak Memory Usage`:1024,"
		"`Actual Rows`:1,`Actual Loops`:1},"
		"{`Node Type`:`Gather`,`Workers Planned`:2,`Workers Launched`:1,`Actual Rows`:0,`Actual Loops`:1},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`t`,`Alias`:`t`,`Rows Removed by Filter`:11,"
		"`Rows Removed by Join Filter`:12},"
		"{`Node Type`:`Index Only Scan`,`Relation Name`:`t`,`Heap Fetches`:13}]}}]");
	tap_ok(p != NULL, "an analyzed plan is read");
	if (p) {
		const struct qnode *n = p->root;
		tap_ok(p->analyzed && p->timed && p->buffers, "the plan is analyzed, timed, with buffers");
		tap_ok(n->analyzed && n->timed && n->actual_time == 2.5 && n->actual_rows == 7 && n->loops == 3,
			"actual time, rows and loops");
		tap_ok(strcmp(n->sort_method, "external merge") == 0 && strcmp(n->sort_space_type, "Disk") == 0 &&
				n->sort_space_kb == 2048,
			"sort method, space type, space used");
		tap_ok(n->shared_read == 6 && n->temp_read == 8 && n->temp_written == 9 && n->has_io_timing &&
				n->io_read_ms == 0.75,
			"shared read, temp read and written blocks, I/O read time");
		const struct qnode *h = p->nodes[1];
		tap_ok(h->hash_batches == 4 && h->hash_batches_planned == 2 && h->peak_memory_kb == 1024,
			"hash batches, original batches, peak memory");
		tap_ok(h->analyzed && !h->timed, "actual rows without times: analyzed, not timed");
		const struct qnode *g = p->nodes[2];
		tap_ok(g->workers_planned == 2 && g->workers_launched == 1, "workers planned and launched");
		const struct qnode *s = p->nodes[3];
		tap_ok(s->removed_by_filter == 11 && s->removed_by_join == 12, "rows removed by filter and join filter");
		tap_ok(p->nodes[4]->heap_fetches == 13, "heap fetches");
		tap_ok(!s->has_io_timing, "a node without I/O Read Time has none");
	}
	qplan_free(p);
}

/* ---- exclusive time ---------------------------------------------------------------- */

static void
test_exclusive(void)
{
	/* 10 ms in all; a child of 2 ms over 3 loops (6) and one of 1 ms. */
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Nested Loop`,`Total Cost`:100,`Actual Total Time`:10,"
		"`Actual Rows`:1,`Actual Loops`:1,`Plans`:["
		"{`Node Type`:`Index Scan`,`Total Cost`:30,`Actual Total Time`:2,`Actual Rows`:1,`Actual Loops`:3},"
		"{`Node Type`:`Seq Scan`,`Total Cost`:20,`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1}]}}]");
	if (p) {
		tap_ok(near(p->nodes[0]->excl, 3), "parent: 10 ms less its children's 2×3 and 1 (got %g)",
			p->nodes[0]->excl);
		tap_ok(near(p->nodes[1]->excl, 6), "a child's time is multiplied by its loops (got %g)",
			p->nodes[1]->excl);
		tap_ok(near(p->nodes[2]->excl, 1), "a leaf's own time (got %g)", p->nodes[2]->excl);
		tap_ok(near(p->total, 10), "the total is the sum, 10 ms (got %g)", p->total);
	} else {
		tap_ok(0, "the timed plan is read");
	}
	qplan_free(p);

	/* Not timed: costs, which include the children's. */
	p = plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Total Cost`:100,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Total Cost`:30},{`Node Type`:`Hash`,`Total Cost`:20,"
		"`Plans`:[{`Node Type`:`Seq Scan`,`Total Cost`:15}]}]}}]");
	if (p) {
		tap_ok(near(p->nodes[0]->excl, 50) && near(p->nodes[1]->excl, 30) && near(p->nodes[2]->excl, 5) &&
				near(p->nodes[3]->excl, 15),
			"untimed: exclusive costs 50, 30, 5, 15");
		tap_ok(near(p->total, 100), "untimed: the total is the root's cost");
	} else {
		tap_ok(0, "the untimed plan is read");
	}
	qplan_free(p);

	/* Parallel workers' times add up past the parent's: never below 0. */
	p = plan_of("[{`Plan`:{`Node Type`:`Gather`,`Actual Total Time`:5,`Actual Rows`:1,`Actual Loops`:1,"
		"`Plans`:[{`Node Type`:`Seq Scan`,`Actual Total Time`:4,`Actual Rows`:1,`Actual Loops`:3}]}}]");
	tap_ok(p && p->nodes[0]->excl == 0 && near(p->total, 12), "a parent faster than its children: 0, not less");
	qplan_free(p);
}

/* ---- the rules ---------------------------------------------------------------------- */

/* A root of cost 10000 with one leaf of cost 100 c: c is the leaf's
 * share in percent (and the plan is big enough to matter). */
static struct qplan *
two_costs(double c)
{
	return plan_of("[{`Plan`:{`Node Type`:`Aggregate`,`Total Cost`:10000,`Plans`:[{`Node Type`:`Seq Scan`,"
		"`Relation Name`:`t`,`Alias`:`t`,`Total Cost`:%.17g}]}}]", 100 * c);
}

static void
test_hot_node(void)
{
	struct qplan *p = two_costs(20);
	run(p);
	const struct got *g = finding("explain.hot-node", 2);
	tap_is_int(severity("explain.hot-node", 2), QS_MEDIUM, "hot-node: 20% of the cost is medium");
	tap_ok(g && near(value(g, "share"), 0.2) && near(value(g, "cost"), 2000), "hot-node: share 0.2, cost 2000");
	tap_ok(has_text(g, "Seq Scan on t takes 20% of the estimated cost"), "hot-node: the message (%s)",
		g ? g->message : "none");
	tap_is_int(severity("explain.hot-node", 1), QS_HIGH, "hot-node: 80% is high");
	qplan_free(p);

	p = two_costs(19.9);
	run(p);
	tap_is_int(severity("explain.hot-node", 2), -1, "hot-node: 19.9% is not hot");
	qplan_free(p);

	p = two_costs(50);
	run(p);
	tap_ok(severity("explain.hot-node", 2) == QS_HIGH && severity("explain.hot-node", 1) == QS_HIGH,
		"hot-node: 50%% is high, both halves");
	qplan_free(p);

	p = two_costs(49.9);
	run(p);
	tap_is_int(severity("explain.hot-node", 2), QS_MEDIUM, "hot-node: 49.9% is medium");
	qplan_free(p);

	/* Timed: milliseconds, over all loops. */
	p = plan_of("[{`Plan`:{`Node Type`:`Nested Loop`,`Actual Total Time`:10,`Actual Rows`:1,`Actual Loops`:1,"
		"`Plans`:[{`Node Type`:`Index Scan`,`Relation Name`:`t`,`Alias`:`t`,`Index Name`:`t_i`,"
		"`Actual Total Time`:0.5,`Actual Rows`:1,`Actual Loops`:4}]}}]");
	run(p);
	g = finding("explain.hot-node", 2);
	tap_ok(g && g->severity == QS_MEDIUM && near(value(g, "ms"), 2) && isnan(value(g, "cost")),
		"hot-node, timed: 0.5 ms × 4 loops of 10 ms is 20%%, in ms");
	tap_ok(has_text(g, "of the time (2.00 ms") && has_text(g, "over all its loops"),
		"hot-node, timed: the message says ms and loops (%s)", g ? g->message : "none");
	qplan_free(p);

	/* Worst first within a rule, as qplan.h promises: node 1 is medium
	 * (30%), node 2 high (70%). */
	p = two_costs(70);
	run(p);
	int first = -1;
	for (int i = 0; i < nfound && first < 0; i++)
		if (strcmp(found[i].rule, "explain.hot-node") == 0)
			first = found[i].severity;
	tap_ok(first == QS_HIGH, "hot-node: the worst finding comes first");
	qplan_free(p);
}

/* A Seq Scan with a filter that keeps kept rows and removes removed, per
 * loop. */
static struct qplan *
filtered(const char *type, double kept, double removed, double loops)
{
	return plan_of("[{`Plan`:{`Node Type`:`%s`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:1000,"
		"`Plan Rows`:%.17g,`Actual Total Time`:1,`Actual Rows`:%.17g,`Actual Loops`:%.17g,"
		"`Filter`:`(person = 'r1'::text)`,`Rows Removed by Filter`:%.17g}}]",
		type, kept, kept, loops, removed);
}

static void
test_seq_scan_filter(void)
{
	struct qplan *p = filtered("Seq Scan", 1000, 9000, 1);
	run(p);
	const struct got *g = finding("explain.seq-scan-filter", 1);
	tap_ok(g && g->severity == QS_MEDIUM, "seq-scan-filter: 10000 rows read, 90%% removed: medium");
	tap_ok(g && near(value(g, "rows_read"), 10000) && near(value(g, "rows_removed"), 9000) &&
			near(value(g, "share_removed"), 0.9) && strcmp(g->relation, "assignments") == 0,
		"seq-scan-filter: rows read, removed, share; the relation");
	tap_ok(has_text(g, "(person = 'r1'::text)"), "seq-scan-filter: the message quotes the filter");
	qplan_free(p);

	p = filtered("Seq Scan", 1000, 8999, 1);
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 0, "seq-scan-filter: 9999 rows read is too few");
	qplan_free(p);

	p = filtered("Seq Scan", 1001, 9000, 1);
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 0, "seq-scan-filter: 89.99% removed is too little");
	qplan_free(p);

	p = filtered("Seq Scan", 100, 9900, 1);
	run(p);
	tap_is_int(severity("explain.seq-scan-filter", 1), QS_HIGH, "seq-scan-filter: 99% removed is high");
	qplan_free(p);

	p = filtered("Seq Scan", 101, 9900, 1);
	run(p);
	tap_is_int(severity("explain.seq-scan-filter", 1), QS_MEDIUM, "seq-scan-filter: 98.99% removed is medium");
	qplan_free(p);

	/* Per loop, as PostgreSQL gives both numbers. */
	p = filtered("Seq Scan", 100, 900, 10);
	run(p);
	g = finding("explain.seq-scan-filter", 1);
	tap_ok(g && near(value(g, "rows_read"), 10000), "seq-scan-filter: rows times loops (10 × 1000)");
	qplan_free(p);

	p = filtered("Parallel Seq Scan", 1000, 9000, 1);
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 1, "seq-scan-filter: a Parallel Seq Scan too");
	qplan_free(p);

	p = filtered("Index Scan", 1000, 9000, 1);
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 0, "seq-scan-filter: not an Index Scan");
	qplan_free(p);

	/* Without ANALYZE nothing is known of the rows removed. */
	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Relation Name`:`t`,`Total Cost`:1000,`Plan Rows`:100000,"
		"`Filter`:`(x = 1)`}}]");
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 0, "seq-scan-filter: not without ANALYZE");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Relation Name`:`t`,`Total Cost`:1000,`Actual Total Time`:1,"
		"`Actual Rows`:100000,`Actual Loops`:1}}]");
	run(p);
	tap_is_int(count("explain.seq-scan-filter"), 0, "seq-scan-filter: not without a filter");
	qplan_free(p);
}

static struct qplan *
estimated(double plan_rows, double actual_rows, double loops)
{
	return plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Total Cost`:100,`Plan Rows`:%.17g,`Actual Total Time`:1,"
		"`Actual Rows`:%.17g,`Actual Loops`:%.17g,`Plans`:[{`Node Type`:`Seq Scan`,"
		"`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:50,`Plan Rows`:5,`Actual Total Time`:0.5,"
		"`Actual Rows`:5,`Actual Loops`:1}]}}]",
		plan_rows, actual_rows, loops);
}

static void
test_misestimate(void)
{
	static const struct {
		double plan, actual;
		int want;
		const char *what;
	} cases[] = {
		{ 100, 1000, QS_LOW, "10× under: low" },
		{ 100, 999, -1, "9.99× under: nothing" },
		{ 100, 10000, QS_MEDIUM, "100× under: medium" },
		{ 100, 9999, QS_LOW, "99.99× under: low" },
		{ 100, 100000, QS_HIGH, "1000× under: high" },
		{ 100, 99999, QS_MEDIUM, "999.99× under: medium" },
		{ 1000, 100, QS_LOW, "10× over: low" },
		{ 1000, 101, -1, "9.9× over: nothing" },
		{ 1, 9, -1, "1 for 9: both under 10 rows, nothing" },
		{ 1, 10, QS_LOW, "1 for 10: low" },
		{ 10, 0, QS_LOW, "10 for 0: 0 counts as 1, low" },
		{ 0, 10, QS_LOW, "0 for 10: 0 counts as 1, low" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct qplan *p = estimated(cases[i].plan, cases[i].actual, 1);
		run(p);
		tap_is_int(severity("explain.misestimate", 1), cases[i].want, cases[i].what);
		qplan_free(p);
	}

	struct qplan *p = estimated(100, 100000, 1);
	run(p);
	const struct got *g = finding("explain.misestimate", 1);
	tap_ok(g && near(value(g, "estimated_rows"), 100) && near(value(g, "actual_rows"), 100000) &&
			near(value(g, "factor"), 1000),
		"misestimate: estimated and actual rows, factor");
	tap_is_str(g ? g->relation : NULL, "assignments", "misestimate: a join names the relation below it");
	tap_ok(has_text(g, "under by 1000 times") && has_text(g, "(ANALYZE assignments)") &&
			has_text(g, "CREATE STATISTICS"),
		"misestimate: the message says ANALYZE and CREATE STATISTICS (%s)", g ? g->message : "none");
	qplan_free(p);

	p = estimated(1000, 10, 1);
	run(p);
	tap_ok(has_text(finding("explain.misestimate", 1), "over by 100 times"), "misestimate: over");
	qplan_free(p);

	/* Never executed. */
	p = estimated(100, 0, 0);
	run(p);
	tap_is_int(count("explain.misestimate"), 0, "misestimate: not for a node never executed (0 loops)");
	qplan_free(p);

	/* Without ANALYZE there is nothing to compare. */
	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Relation Name`:`t`,`Total Cost`:1,`Plan Rows`:100000}}]");
	run(p);
	tap_is_int(count("explain.misestimate"), 0, "misestimate: not without ANALYZE");
	qplan_free(p);
}

static void
test_spills(void)
{
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Sort`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Sort Method`:`external merge`,`Sort Space Type`:`Disk`,`Sort Space Used`:1000}}]");
	run(p);
	const struct got *g = finding("explain.sort-spill", 1);
	tap_ok(g && g->severity == QS_MEDIUM && near(value(g, "disk_kb"), 1000) && near(value(g, "work_mem_kb"), 2000),
		"sort-spill: on disk, medium; work_mem about twice the spill");
	tap_ok(has_text(g, "external merge") && has_text(g, "about 2000 kB"), "sort-spill: the message (%s)",
		g ? g->message : "none");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Sort`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Sort Method`:`quicksort`,`Sort Space Type`:`Memory`,`Sort Space Used`:25}}]");
	run(p);
	tap_is_int(count("explain.sort-spill"), 0, "sort-spill: not in memory");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Hash`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Hash Batches`:2,`Original Hash Batches`:1,`Peak Memory Usage`:4096}}]");
	run(p);
	g = finding("explain.hash-spill", 1);
	tap_ok(g && g->severity == QS_MEDIUM && near(value(g, "batches"), 2) && near(value(g, "planned_batches"), 1) &&
			near(value(g, "work_mem_kb"), 8192),
		"hash-spill: 2 batches, medium; work_mem the peak times the batches");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Hash`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Hash Batches`:1,`Original Hash Batches`:1,`Peak Memory Usage`:4096}}]");
	run(p);
	tap_is_int(count("explain.hash-spill"), 0, "hash-spill: not in one batch");
	qplan_free(p);
}

/* A Nested Loop whose inner side is a node of type inner run loops times. */
static struct qplan *
nested(const char *inner, double loops, int analyzed)
{
	char actual[128] = "";
	if (analyzed)
		snprintf(actual, sizeof actual, ",`Actual Total Time`:1,`Actual Rows`:2,`Actual Loops`:%.17g", loops);
	return plan_of("[{`Plan`:{`Node Type`:`Nested Loop`,`Total Cost`:100%s,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`people`,`Alias`:`p`,`Total Cost`:10%s},"
		"{`Node Type`:`%s`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:1%s}]}}]",
		analyzed ? ",`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1" : "",
		analyzed ? ",`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1" : "", inner, actual);
}

static void
test_nested_loop(void)
{
	struct qplan *p = nested("Index Scan", 1000, 1);
	run(p);
	const struct got *g = finding("explain.nested-loop", 1);
	tap_ok(g && g->severity == QS_LOW, "nested-loop: 1000 inner loops of an index scan: low");
	tap_ok(g && near(value(g, "inner_loops"), 1000) && near(value(g, "inner_rows"), 2000) &&
			strcmp(g->relation, "assignments") == 0,
		"nested-loop: inner loops, inner rows over all loops, the relation");
	qplan_free(p);

	p = nested("Index Scan", 999, 1);
	run(p);
	tap_is_int(count("explain.nested-loop"), 0, "nested-loop: 999 inner loops are not many");
	qplan_free(p);

	p = nested("Seq Scan", 1000, 1);
	run(p);
	g = finding("explain.nested-loop", 1);
	tap_ok(g && g->severity == QS_HIGH && has_text(g, "reads it whole"),
		"nested-loop: a Seq Scan inside, run 1000 times: high");
	qplan_free(p);

	p = nested("Materialize", 1000, 1);
	run(p);
	tap_is_int(severity("explain.nested-loop", 1), QS_HIGH, "nested-loop: a Materialize inside: high");
	qplan_free(p);

	p = nested("Seq Scan", 1000, 0);
	run(p);
	tap_is_int(count("explain.nested-loop"), 0, "nested-loop: not without ANALYZE");
	qplan_free(p);
}

static struct qplan *
index_only(double rows, double loops, double fetches)
{
	return plan_of("[{`Plan`:{`Node Type`:`Index Only Scan`,`Relation Name`:`assignments`,`Alias`:`a`,"
		"`Index Name`:`assignments_pkey`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:%.17g,"
		"`Actual Loops`:%.17g,`Heap Fetches`:%.17g}}]", rows, loops, fetches);
}

static void
test_heap_fetches(void)
{
	struct qplan *p = index_only(100, 1, 10);
	run(p);
	const struct got *g = finding("explain.heap-fetches", 1);
	tap_ok(g && g->severity == QS_LOW && near(value(g, "heap_fetches"), 10) && near(value(g, "rows"), 100),
		"heap-fetches: 10 for 100 rows (10%%): low");
	tap_ok(has_text(g, "VACUUM assignments") && g && strcmp(g->relation, "assignments") == 0,
		"heap-fetches: the message says VACUUM the relation");
	qplan_free(p);

	p = index_only(100, 1, 9);
	run(p);
	tap_is_int(count("explain.heap-fetches"), 0, "heap-fetches: 9 for 100 rows is not");
	qplan_free(p);

	p = index_only(10, 10, 10);
	run(p);
	g = finding("explain.heap-fetches", 1);
	tap_ok(g && near(value(g, "rows"), 100), "heap-fetches: rows are per loop, times loops");
	qplan_free(p);

	p = index_only(100, 1, 0);
	run(p);
	tap_is_int(count("explain.heap-fetches"), 0, "heap-fetches: none fetched");
	qplan_free(p);

	p = index_only(0, 1, 5);
	run(p);
	tap_is_int(count("explain.heap-fetches"), 1, "heap-fetches: fetches for no rows");
	qplan_free(p);
}

static void
test_workers(void)
{
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Gather`,`Total Cost`:1,`Workers Planned`:2,"
		"`Workers Launched`:1,`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1}}]");
	run(p);
	const struct got *g = finding("explain.workers", 1);
	tap_ok(g && g->severity == QS_MEDIUM && near(value(g, "planned"), 2) && near(value(g, "launched"), 1),
		"workers: 2 planned, 1 launched: medium");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Gather`,`Total Cost`:1,`Workers Planned`:2,"
		"`Workers Launched`:2,`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1}}]");
	run(p);
	tap_is_int(count("explain.workers"), 0, "workers: all launched");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Gather`,`Total Cost`:1,`Workers Planned`:2}}]");
	run(p);
	tap_is_int(count("explain.workers"), 0, "workers: none launched is unknown without ANALYZE");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Gather`,`Total Cost`:1,`Workers Planned`:2,"
		"`Workers Launched`:0,`Actual Rows`:1,`Actual Loops`:1}}]");
	run(p);
	tap_is_int(count("explain.workers"), 1, "workers: 0 launched of 2");
	qplan_free(p);
}

static void
test_timing(void)
{
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Rows`:1,`Actual Loops`:1}}]");
	run(p);
	const struct got *g = finding("explain.no-timing", -1);
	tap_ok(g && g->severity == QS_INFO && g->node == 0, "no-timing: Actual Rows without times: info, the plan");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1}}]");
	run(p);
	tap_is_int(count("explain.no-timing"), 0, "no-timing: not when timed");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1}}]");
	run(p);
	tap_ok(count("explain.no-timing") == 0 && count("explain.no-io-timing") == 0,
		"no-timing, no-io-timing: not without ANALYZE");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Shared Hit Blocks`:2,`Shared Read Blocks`:5}}]");
	run(p);
	g = finding("explain.no-io-timing", -1);
	tap_ok(g && g->severity == QS_INFO && g->node == 0 && near(value(g, "blocks_read"), 5),
		"no-io-timing: blocks read without I/O Read Time: info, the plan, blocks_read");
	tap_ok(has_text(g, "track_io_timing"), "no-io-timing: the message names track_io_timing");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Shared Hit Blocks`:2,`Shared Read Blocks`:5,`I/O Read Time`:0.3}}]");
	run(p);
	tap_is_int(count("explain.no-io-timing"), 0, "no-io-timing: not with I/O Read Time");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Shared Hit Blocks`:2,`Shared Read Blocks`:0}}]");
	run(p);
	tap_is_int(count("explain.no-io-timing"), 0, "no-io-timing: not when nothing was read");
	qplan_free(p);

	/* PostgreSQL 17 and later call it "Shared I/O Read Time". */
	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,"
		"`Actual Loops`:1,`Shared Hit Blocks`:2,`Shared Read Blocks`:5,`Shared I/O Read Time`:0.3}}]");
	run(p);
	tap_ok(count("explain.no-io-timing") == 0, "no-io-timing: not with PostgreSQL 17's Shared I/O Read Time");
	qplan_free(p);

	/* A node's buffers include its children's: 5 blocks were read, not 10. */
	p = plan_of("[{`Plan`:{`Node Type`:`Aggregate`,`Total Cost`:2,`Actual Total Time`:2,`Actual Rows`:1,"
		"`Actual Loops`:1,`Shared Hit Blocks`:2,`Shared Read Blocks`:5,`Plans`:[{`Node Type`:`Seq Scan`,"
		"`Total Cost`:1,`Actual Total Time`:1,`Actual Rows`:1,`Actual Loops`:1,`Shared Hit Blocks`:2,"
		"`Shared Read Blocks`:5}]}}]");
	run(p);
	g = finding("explain.no-io-timing", -1);
	tap_ok(g && near(value(g, "blocks_read"), 5), "no-io-timing: blocks_read counts a child's blocks once");
	qplan_free(p);
}

/* ---- SQLite ------------------------------------------------------------------------ */

static void
test_sqlite(void)
{
	struct qplan *p = qplan_sqlite_new();
	tap_ok(p && p->sqlite && p->nnodes == 0 && p->root == NULL, "qplan_sqlite_new: an empty SQLite plan");
	/* As SQLite numbers them: a subquery's steps under it. */
	qplan_sqlite_add(p, 2, 0, "SCAN a");
	qplan_sqlite_add(p, 4, 0, "CORRELATED SCALAR SUBQUERY 1");
	qplan_sqlite_add(p, 8, 4, "SEARCH p USING INDEX sqlite_autoindex_people_1 (id=?)");
	qplan_sqlite_add(p, 12, 4, "SEARCH t USING AUTOMATIC COVERING INDEX (a=?)");
	qplan_sqlite_add(p, 20, 0, "USE TEMP B-TREE FOR ORDER BY");
	qplan_sqlite_add(p, 21, 0, "SCAN b USING COVERING INDEX b_i");
	qplan_sqlite_done(p);
	tap_is_int(p->nnodes, 6, "six steps");
	const struct qnode *r = p->root;
	tap_ok(r && strcmp(r->type, "QUERY PLAN") == 0 && r->nkids == 4 && r->parent == NULL,
		"the root, QUERY PLAN, has the four top steps");
	tap_ok(r && r->kids[0] == p->nodes[0] && r->kids[1] == p->nodes[1] && r->kids[2] == p->nodes[4] &&
			r->kids[3] == p->nodes[5],
		"the top steps in order");
	const struct qnode *sub = p->nodes[1];
	tap_ok(sub->nkids == 2 && sub->kids[0] == p->nodes[2] && sub->kids[1] == p->nodes[3] &&
			p->nodes[2]->parent == sub && p->nodes[0]->parent == r,
		"steps under the subquery by their parent id");
	int reset = 1;
	for (int i = 0; i < p->nnodes; i++)
		reset &= p->nodes[i]->loops == 1 && p->nodes[i]->plan_rows == 0 && p->nodes[i]->id == i + 1;
	tap_ok(reset, "ids 1, 2, …; loops 1 and rows 0 once the tree is made");
	const struct qnode *scan = p->nodes[0], *search = p->nodes[2];
	tap_ok(strcmp(scan->type, "SCAN") == 0 && strcmp(scan->relation, "a") == 0 && scan->index == NULL &&
			strcmp(scan->detail, "SCAN a") == 0,
		"SCAN a: type, relation, no index, detail");
	tap_ok(strcmp(search->type, "SEARCH") == 0 && strcmp(search->relation, "p") == 0 &&
			strcmp(search->index, "sqlite_autoindex_people_1") == 0 &&
			strcmp(search->index_cond, "(id=?)") == 0,
		"SEARCH … USING INDEX: relation, index, condition");
	tap_ok(strcmp(p->nodes[4]->type, "USE") == 0 && p->nodes[4]->relation == NULL,
		"USE TEMP B-TREE: type USE, no relation");
	const struct qnode *automatic = p->nodes[3];
	tap_ok(automatic->index == NULL, "an automatic index has no name");

	run(p);
	tap_is_int(count("explain.sqlite-scan"), 1, "sqlite-scan: one, for SCAN without an index");
	const struct got *g = finding("explain.sqlite-scan", 1);
	tap_ok(g && g->severity == QS_LOW && strcmp(g->relation, "a") == 0 && has_text(g, "every row of a"),
		"sqlite-scan: low, the table, the message");
	tap_is_int(count("explain.sqlite-temp-btree"), 1, "sqlite-temp-btree: one");
	g = finding("explain.sqlite-temp-btree", 5);
	tap_ok(g && g->severity == QS_LOW && has_text(g, "in the order of the ORDER BY"),
		"sqlite-temp-btree: low, at its step, the message");
	g = finding("explain.sqlite-automatic-index", -1);
	tap_ok(g && g->node == 4 && g->severity == QS_MEDIUM && strcmp(g->relation, "t") == 0 &&
			count("explain.sqlite-automatic-index") == 1,
		"sqlite-automatic-index: medium, at its step, the table");
	tap_ok(finding("explain.sqlite-scan", 3) == NULL && finding("explain.sqlite-scan", 6) == NULL,
		"sqlite-scan: not SEARCH … USING INDEX, not SCAN … USING COVERING INDEX");
	tap_ok(count("explain.hot-node") == 0 && count("explain.no-timing") == 0 && count("explain.misestimate") == 0,
		"no PostgreSQL rules on an SQLite plan");
	tap_is_int(nfound, 3, "three findings in all");
	char label[256];
	qnode_label(search, label, sizeof label);
	tap_is_str(label, "SEARCH p USING INDEX sqlite_autoindex_people_1 (id=?)", "an SQLite step's label is its line");
	struct qcandidate cand[8];
	tap_is_int(qplan_candidates(p, cand, 8), 0, "no index candidates from an SQLite plan");
	qplan_free(p);

	/* A plan never finished, and one empty. */
	p = qplan_sqlite_new();
	qplan_sqlite_add(p, 2, 0, "SCAN a");
	qplan_free(p);
	p = qplan_sqlite_new();
	qplan_sqlite_done(p);
	run(p);
	tap_ok(p->root && p->root->nkids == 0 && nfound == 0, "an empty SQLite plan: a root, no findings");
	qplan_free(p);
	qplan_free(NULL);
	tap_ok(1, "qplan_free of an unfinished plan and of NULL");
}

/* ---- conditions ------------------------------------------------------------------------ */

/* The columns of cond as "col=,col<,…" (= for an equality). */
static void
columns_of(const char *cond, int max, char *out, size_t size)
{
	char cols[8][64];
	int eq[8];
	int n = qplan_condition_columns(cond, cols, eq, max);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s%s", i ? "," : "", cols[i], eq[i] ? "=" : "<");
	}
}

static void
test_conditions(void)
{
	static const struct {
		const char *cond, *want, *what;
	} cases[] = {
		{ "((person = 'r1'::text) AND (date >= '2026-07-01'::text))", "person=,date<",
		  "an equality and a range" },
		{ "(kind = ANY ('{a,b}'::text[]))", "kind=", "= ANY (array): an equality" },
		{ "(\"end\" > '2026-07-01'::text)", "end<", "a quoted identifier, unquoted" },
		{ "(a.person = 'r1'::text)", "person=", "a qualified column: its last part" },
		{ "(a.\"end\" <= '2026-07-01'::text)", "end<", "a qualified quoted column" },
		{ "((a.person = 'r1'::text) OR (a.kind = 'k'::text))", "person=,kind=", "OR: both sides" },
		{ "(a.x = b.y)", "", "a column compared to a column: not a constant" },
		{ "((activity = person) AND (pgy >= 2))", "pgy<", "a column to a column among others" },
		{ "(person = $1)", "person=", "a parameter" },
		{ "(pgy > '-1'::integer)", "pgy<", "a negative number" },
		{ "(minutes < -5)", "minutes<", "a bare negative number" },
		{ "(name ~~ 'abc%'::text)", "name<", "LIKE (~~): a column, not an equality" },
		{ "(x <> 'a'::text)", "", "<>: no column" },
		{ "((date >= 'a'::text) AND (date <= 'b'::text))", "date<", "a column twice: once" },
		{ "((person = 'O''Br AND x'::text) AND (date = ANY ('{a,b}'::text[])))", "person=,date=",
		  "AND inside a literal does not split" },
		{ "(((person = 'r1'::text) AND (\"end\" > 'a'::text) AND (activity = ANY ('{act1,act2}'::text[]))) "
		  "OR (activity = person))", "person=,end<,activity=", "PostgreSQL's nesting of AND under OR" },
		{ "", "", "an empty condition" },
	};
	char got[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		columns_of(cases[i].cond, 8, got, sizeof got);
		tap_is_str(got, cases[i].want, cases[i].what);
	}
	char cols[8][64];
	int eq[8];
	tap_is_int(qplan_condition_columns(NULL, cols, eq, 8), 0, "a NULL condition: none");
	columns_of("((a = 1) AND (b = 2) AND (c = 3))", 2, got, sizeof got);
	tap_is_str(got, "a=,b=", "at most max columns");

	/* Casts: PostgreSQL writes a varchar column compared to text as
	 * "(col)::text" (and "(a.col)::text" when qualified). */
	static const struct {
		const char *cond, *want, *what;
	} casts[] = {
		{ "((a.x)::text = 'y'::text)", "x=", "a cast qualified column, (a.x)::text" },
		{ "((kind)::text = 'k1'::text)", "kind=", "a cast column, (kind)::text" },
		{ "((person = 'r1'::text) AND ((kind)::text = 'k1'::text))", "person=,kind=",
		  "a cast column after another" },
	};
	for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++) {
		columns_of(casts[i].cond, 8, got, sizeof got);
		tap_ok(strcmp(got, casts[i].want) == 0, "%s", casts[i].what);
	}

	/* An operator inside a literal. */
	columns_of("(title ~~ '%a = b%'::text)", 8, got, sizeof got);
	tap_ok(strcmp(got, "title<") == 0, "an operator inside a literal is not the condition's");
}

/* ---- candidates -------------------------------------------------------------------------- */

static void
candidates_of(const struct qplan *p, int max, char *out, size_t size)
{
	struct qcandidate c[32];
	int n = p ? qplan_candidates(p, c, max < 32 ? max : 32) : 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s(%s%s%s)@%d", i ? " " : "", c[i].relation, c[i].column[0],
			c[i].ncolumns > 1 ? "," : "", c[i].ncolumns > 1 ? c[i].column[1] : "", c[i].node);
	}
}

static void
test_candidates(void)
{
	char got[2048];
	/* A range, then two equalities. */
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,"
		"`Total Cost`:1,`Filter`:`((date >= '2026-07-01'::text) AND (person = 'r1'::text) AND "
		"(activity = 'clinic'::text))`}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "assignments(date)@1 assignments(person)@1 assignments(activity)@1 "
		"assignments(person,date)@1 assignments(person,activity)@1 assignments(activity,date)@1",
		"singles, then pairs with an equality first");
	candidates_of(p, 2, got, sizeof got);
	tap_is_str(got, "assignments(date)@1 assignments(person)@1", "at most max");
	qplan_free(p);

	/* A hash join: the join column of each side, by its alias. */
	p = plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Total Cost`:10,`Hash Cond`:`(a.person = p.id)`,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:5,"
		"`Filter`:`(date >= '2026-07-01'::text)`},"
		"{`Node Type`:`Hash`,`Total Cost`:2,`Plans`:[{`Node Type`:`Seq Scan`,`Relation Name`:`people`,"
		"`Alias`:`p`,`Total Cost`:1}]}]}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "assignments(date)@2 assignments(person)@2 assignments(person,date)@2 people(id)@4",
		"join columns from the Hash Cond that names each scan's alias");
	qplan_free(p);

	/* A join filter of a nested loop, a cast in the condition, an alias
	 * that is the prefix of another. */
	p = plan_of("[{`Plan`:{`Node Type`:`Nested Loop`,`Total Cost`:10,"
		"`Join Filter`:`((ab.x = a.y) AND ((a.kind)::text = ab.role))`,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`t1`,`Alias`:`ab`,`Total Cost`:5},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`t2`,`Alias`:`a`,`Total Cost`:1}]}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "t1(x)@2 t1(role)@2 t1(x,role)@2 t2(y)@3 t2(kind)@3 t2(y,kind)@3",
		"a join filter: each scan's columns by its own alias, casts included");
	qplan_free(p);

	/* The same scan twice (an Append of two arms): no repeats. */
	p = plan_of("[{`Plan`:{`Node Type`:`Append`,`Total Cost`:10,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:5,"
		"`Filter`:`(person = 'r1'::text)`},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a_1`,`Total Cost`:5,"
		"`Filter`:`((person = 'r1'::text) AND (kind = 'x'::text))`}]}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "assignments(person)@2 assignments(kind)@3 assignments(person,kind)@3",
		"no candidate twice: the first scan that gives it");
	qplan_free(p);

	/* Only scans that read a table whole. */
	p = plan_of("[{`Plan`:{`Node Type`:`Index Scan`,`Relation Name`:`assignments`,`Alias`:`a`,"
		"`Index Name`:`i`,`Total Cost`:1,`Filter`:`(person = 'r1'::text)`}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "", "no candidate from an Index Scan");
	qplan_free(p);

	p = plan_of("[{`Plan`:{`Node Type`:`Parallel Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,"
		"`Total Cost`:1,`Filter`:`(\\\"end\\\" > '2026-07-01'::text)`}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "assignments(end)@1", "a Parallel Seq Scan, a quoted column");
	qplan_free(p);

	/* A join condition above the first join is another join's. */
	p = plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Total Cost`:10,`Hash Cond`:`(b.z = c.w)`,`Plans`:["
		"{`Node Type`:`Hash Join`,`Total Cost`:5,`Hash Cond`:`(x.k = y.k)`,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`tb`,`Alias`:`b`,`Total Cost`:1},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`tx`,`Alias`:`x`,`Total Cost`:1}]},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`tc`,`Alias`:`c`,`Total Cost`:1}]}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_is_str(got, "tx(k)@4 tc(w)@5", "the join condition is sought up to the nearest join only");
	qplan_free(p);

	/* A varchar column in a filter, as PostgreSQL writes it. */
	p = plan_of("[{`Plan`:{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:1,"
		"`Filter`:`((kind)::text = 'k1'::text)`}}]");
	candidates_of(p, 32, got, sizeof got);
	tap_ok(strcmp(got, "assignments(kind)@1") == 0, "a cast column in a filter is a candidate");
	qplan_free(p);
}

/* ---- labels, severities ------------------------------------------------------------------ */

static void
test_labels(void)
{
	struct qplan *p = plan_of("[{`Plan`:{`Node Type`:`Hash Join`,`Total Cost`:10,`Plans`:["
		"{`Node Type`:`Seq Scan`,`Relation Name`:`assignments`,`Alias`:`a`,`Total Cost`:5},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`people`,`Alias`:`people`,`Total Cost`:5},"
		"{`Node Type`:`Index Scan`,`Index Name`:`assignments_pkey`,`Relation Name`:`assignments`,"
		"`Alias`:`x`,`Total Cost`:5},"
		"{`Node Type`:`Bitmap Index Scan`,`Index Name`:`i_date`,`Total Cost`:5},"
		"{`Node Type`:`Seq Scan`,`Relation Name`:`t`,`Total Cost`:5}]}}]");
	static const char *const want[] = { "Hash Join", "Seq Scan on assignments a", "Seq Scan on people",
		"Index Scan using assignments_pkey on assignments x", "Bitmap Index Scan using i_date",
		"Seq Scan on t" };
	char label[256];
	for (int i = 0; p && i < p->nnodes && i < 6; i++) {
		qnode_label(p->nodes[i], label, sizeof label);
		tap_is_str(label, want[i], want[i]);
	}
	if (p) {
		char small[9];
		qnode_label(p->nodes[1], small, sizeof small);
		tap_is_str(small, "Seq Scan", "a label cut to its buffer");
	}
	qplan_free(p);

	tap_ok(qseverity_named("info") == QS_INFO && qseverity_named("low") == QS_LOW &&
			qseverity_named("medium") == QS_MEDIUM && qseverity_named("high") == QS_HIGH,
		"qseverity_named: the four names");
	tap_ok(qseverity_named("High") == -1 && qseverity_named("") == -1 && qseverity_named("critical") == -1,
		"qseverity_named: others are -1");
	tap_is_str(qseverity_name[QS_MEDIUM], "medium", "qseverity_name");
}

int
main(void)
{
	test_reading();
	test_exclusive();
	test_hot_node();
	test_seq_scan_filter();
	test_misestimate();
	test_spills();
	test_nested_loop();
	test_heap_fetches();
	test_workers();
	test_timing();
	test_sqlite();
	test_conditions();
	test_candidates();
	test_labels();
	return tap_done();
}
