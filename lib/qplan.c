/* qplan.c: reading query plans, and the rules that say what is slow. */
#include "qplan.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const qseverity_name[QS_COUNT] = { "info", "low", "medium", "high" };

int
qseverity_named(const char *s)
{
	for (int i = 0; i < QS_COUNT; i++)
		if (strcmp(qseverity_name[i], s) == 0)
			return i;
	return -1;
}

/* ---- reading PostgreSQL's JSON ------------------------------------------------ */

static char *
text_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static double
number_of(const cJSON *o, const char *name, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A count such as the workers: a plan from a file may hold any number,
 * and a double beyond int's range cast to int is undefined. */
static int
int_of(const cJSON *o, const char *name, int dflt)
{
	double v = number_of(o, name, dflt);
	return v >= -1e9 && v <= 1e9 ? (int)v : dflt;
}

static int
has(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name) != NULL;
}

static void
add_node(struct qplan *p, struct qnode *n)
{
	p->nodes = xrealloc(p->nodes, (size_t)(p->nnodes + 1) * sizeof *p->nodes);
	p->nodes[p->nnodes++] = n;
	n->id = p->nnodes;
}

static struct qnode *
pg_node(struct qplan *p, const cJSON *o, struct qnode *parent, int depth)
{
	struct qnode *n = xcalloc(1, sizeof *n);
	n->parent = parent;
	add_node(p, n);
	n->type = text_of(o, "Node Type");
	if (n->type == NULL)
		n->type = xstrdup("?");
	n->relation = text_of(o, "Relation Name");
	/* A node may stop before giving all the rows it was planned for:
	 * under a Limit, in a subplan (EXISTS stops at the first row), or as
	 * the inner side of a semi- or anti-join. */
	char *rel = text_of(o, "Parent Relationship"), *jt = parent ? parent->join_type : NULL;
	n->join_type = text_of(o, "Join Type");
	n->may_stop = parent && (parent->may_stop || strcmp(parent->type, "Limit") == 0 ||
		(rel && (strcmp(rel, "SubPlan") == 0 || strcmp(rel, "InitPlan") == 0)) ||
		(jt && (strcmp(jt, "Semi") == 0 || strcmp(jt, "Anti") == 0) && rel && strcmp(rel, "Inner") == 0));
	free(rel);
	n->alias = text_of(o, "Alias");
	n->index = text_of(o, "Index Name");
	n->filter = text_of(o, "Filter");
	n->index_cond = text_of(o, "Index Cond");
	n->join_filter = text_of(o, "Join Filter");
	n->hash_cond = text_of(o, "Hash Cond");
	n->merge_cond = text_of(o, "Merge Cond");
	n->recheck = text_of(o, "Recheck Cond");
	n->startup_cost = number_of(o, "Startup Cost", 0);
	n->total_cost = number_of(o, "Total Cost", 0);
	n->plan_rows = number_of(o, "Plan Rows", 0);
	n->analyzed = has(o, "Actual Rows");
	n->timed = has(o, "Actual Total Time");
	n->actual_time = number_of(o, "Actual Total Time", 0);
	n->actual_rows = number_of(o, "Actual Rows", 0);
	n->loops = number_of(o, "Actual Loops", 1);
	n->removed_by_filter = number_of(o, "Rows Removed by Filter", 0);
	n->removed_by_join = number_of(o, "Rows Removed by Join Filter", 0);
	n->heap_fetches = number_of(o, "Heap Fetches", 0);
	n->sort_method = text_of(o, "Sort Method");
	n->sort_space_type = text_of(o, "Sort Space Type");
	n->sort_space_kb = number_of(o, "Sort Space Used", 0);
	n->hash_batches = number_of(o, "Hash Batches", 0);
	n->hash_batches_planned = number_of(o, "Original Hash Batches", 0);
	n->peak_memory_kb = number_of(o, "Peak Memory Usage", 0);
	n->workers_planned = int_of(o, "Workers Planned", 0);
	n->workers_launched = int_of(o, "Workers Launched", -1);
	n->shared_read = number_of(o, "Shared Read Blocks", 0);
	n->temp_read = number_of(o, "Temp Read Blocks", 0);
	n->temp_written = number_of(o, "Temp Written Blocks", 0);
	/* PostgreSQL 17 renamed it "Shared I/O Read Time". */
	n->has_io_timing = has(o, "I/O Read Time") || has(o, "Shared I/O Read Time");
	n->io_read_ms = number_of(o, "I/O Read Time", number_of(o, "Shared I/O Read Time", 0));
	if (n->analyzed)
		p->analyzed = 1;
	if (n->timed)
		p->timed = 1;
	if (has(o, "Shared Hit Blocks"))
		p->buffers = 1;
	const cJSON *kids = cJSON_GetObjectItemCaseSensitive(o, "Plans");
	if (depth < 200)
		for (const cJSON *k = kids ? kids->child : NULL; k; k = k->next) {
			struct qnode *kid = pg_node(p, k, n, depth + 1);
			n->kids = xrealloc(n->kids, (size_t)(n->nkids + 1) * sizeof *n->kids);
			n->kids[n->nkids++] = kid;
		}
	return n;
}

/* Exclusive time of each node (over all its loops), or exclusive cost
 * when the plan was not timed; and their total. */
static void
exclusive(struct qplan *p)
{
	p->total = 0;
	for (int i = 0; i < p->nnodes; i++) {
		struct qnode *n = p->nodes[i];
		double own = p->timed ? n->actual_time * n->loops : n->total_cost;
		for (int k = 0; k < n->nkids; k++) {
			const struct qnode *c = n->kids[k];
			own -= p->timed ? c->actual_time * c->loops : c->total_cost;
		}
		n->excl = own > 0 ? own : 0;
		p->total += n->excl;
	}
}

struct qplan *
qplan_from_pg_json(const cJSON *json, char *err, size_t errlen)
{
	const cJSON *top = json;
	if (cJSON_IsArray(top))
		top = top->child;
	const cJSON *plan = cJSON_IsObject(top) ? cJSON_GetObjectItemCaseSensitive(top, "Plan") : NULL;
	if (!cJSON_IsObject(plan)) {
		/* sql: not run: SQL named in a message */
		snprintf(err, errlen, "not a PostgreSQL plan: expected EXPLAIN (FORMAT JSON) output, "
				      "an array of one object with \"Plan\"");
		return NULL;
	}
	struct qplan *p = xcalloc(1, sizeof *p);
	p->planning_ms = number_of(top, "Planning Time", 0);
	p->execution_ms = number_of(top, "Execution Time", 0);
	p->root = pg_node(p, plan, NULL, 0);
	exclusive(p);
	return p;
}

/* ---- SQLite ------------------------------------------------------------------ */

struct qplan *
qplan_sqlite_new(void)
{
	struct qplan *p = xcalloc(1, sizeof *p);
	p->sqlite = 1;
	return p;
}

/* SQLite's detail names its nodes: "SCAN t", "SEARCH t USING INDEX i
 * (a=?)", "USE TEMP B-TREE FOR ORDER BY", … */
int
qplan_sqlite_add(struct qplan *p, int id, int parent, const char *detail)
{
	struct qnode *n = xcalloc(1, sizeof *n);
	n->detail = xstrdup(detail);
	n->total_cost = 1;
	char word[64] = "";
	sscanf(detail, "%63s", word);
	n->type = xstrdup(word);
	if (strcmp(word, "SCAN") == 0 || strcmp(word, "SEARCH") == 0) {
		char rel[128] = "";
		if (sscanf(detail + strlen(word), " %127s", rel) == 1)
			n->relation = xstrdup(rel);
		const char *idx = strstr(detail, "INDEX ");
		if (idx) {
			char name[128] = "";
			sscanf(idx + 6, "%127s", name);
			if (name[0] != '(')	/* an automatic index has no name */
				n->index = xstrdup(name);
		}
		const char *paren = strchr(detail, '(');
		if (paren)
			n->index_cond = xstrdup(paren);
	}
	add_node(p, n);
	n->loops = id;		/* SQLite's id, until the tree is made */
	n->plan_rows = parent;
	return 0;
}

void
qplan_sqlite_done(struct qplan *p)
{
	struct qnode *root = xcalloc(1, sizeof *root);
	root->type = xstrdup("QUERY PLAN");
	for (int i = 0; i < p->nnodes; i++) {
		struct qnode *n = p->nodes[i], *up = root;
		for (int j = 0; j < i; j++)
			if (p->nodes[j]->loops == n->plan_rows)
				up = p->nodes[j];
		n->parent = up;
		up->kids = xrealloc(up->kids, (size_t)(up->nkids + 1) * sizeof *up->kids);
		up->kids[up->nkids++] = n;
	}
	for (int i = 0; i < p->nnodes; i++)
		p->nodes[i]->loops = 1, p->nodes[i]->plan_rows = 0;
	p->root = root;
	/* The root is not among the numbered nodes: it is no step. */
}

/* The sqlite3 shell's EXPLAIN QUERY PLAN: "QUERY PLAN", then lines whose
 * depth is told by "|--", "`--" and "|  " prefixes of 3 characters. */
struct qplan *
qplan_from_sqlite_text(char *text)
{
	struct qplan *p = qplan_sqlite_new();
	int ids[64] = { 0 }, next = 1;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "QUERY PLAN", 10) == 0)
			continue;
		int depth = 0;
		char *s = line;
		while (strncmp(s, "|  ", 3) == 0 || strncmp(s, "   ", 3) == 0)
			s += 3, depth++;
		if (strncmp(s, "|--", 3) == 0 || strncmp(s, "`--", 3) == 0)
			s += 3;
		else
			continue;
		if (depth >= 63)
			depth = 62;
		ids[depth + 1] = next;
		qplan_sqlite_add(p, next++, depth ? ids[depth] : 0, s);
	}
	qplan_sqlite_done(p);
	return p;
}

static void
node_free(struct qnode *n)
{
	char *s[] = { n->type, n->relation, n->alias, n->index, n->filter, n->index_cond, n->join_filter, n->join_type,
		n->hash_cond, n->merge_cond, n->recheck, n->detail, n->sort_method, n->sort_space_type };
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		free(s[i]);
	free(n->kids);
	free(n);
}

void
qplan_free(struct qplan *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nnodes; i++)
		node_free(p->nodes[i]);
	if (p->sqlite && p->root)
		node_free(p->root);
	free(p->nodes);
	free(p);
}

void
qnode_label(const struct qnode *n, char *buf, size_t size)
{
	if (n->detail) {
		snprintf(buf, size, "%s", n->detail);
		return;
	}
	snprintf(buf, size, "%s%s%s%s%s%s%s", n->type, n->index ? " using " : "", n->index ? n->index : "",
		n->relation ? " on " : "", n->relation ? n->relation : "",
		n->alias && n->relation && strcmp(n->alias, n->relation) ? " " : "",
		n->alias && n->relation && strcmp(n->alias, n->relation) ? n->alias : "");
}

/* ---- the rules ----------------------------------------------------------------- */

/* Thresholds, each a rule's own. */
#define HOT_SHARE 0.20		/* of the total: a node worth naming */
#define HOT_MIN_MS 1.0		/* below this (or this cost), only info */
#define HOT_MIN_COST 100.0
#define BIG_TABLE 10000.0	/* rows read by a scan worth an index */
#define DISCARDED 0.90		/* share of the rows read that a filter drops */
#define MANY_LOOPS 1000.0	/* inner loops of a nested loop */
#define HEAP_SHARE 0.10		/* heap fetches per row of an index-only scan */

static void
emit(qfinding_fn *fn, void *arg, struct qfinding *f)
{
	fn(f, arg);
}

static void
value(struct qfinding *f, const char *name, double v)
{
	/* To the microsecond or the thousandth: no float noise in output. */
	if (v != floor(v))
		v = round(v * 1000) / 1000;
	if (f->nvalues < 4) {
		f->name[f->nvalues] = name;
		f->value[f->nvalues++] = v;
	}
}

static int
is_scan_whole(const struct qnode *n)
{
	return strcmp(n->type, "Seq Scan") == 0 || strcmp(n->type, "Parallel Seq Scan") == 0;
}

static void
rule_hot(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	if (p->sqlite || p->total <= 0)
		return;
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		double share = n->excl / p->total;
		if (share < HOT_SHARE)
			continue;
		/* A node that dominates a plan costing next to nothing is
		 * worth knowing, not worth failing a build for. */
		int small = p->timed ? n->excl < HOT_MIN_MS : n->excl < HOT_MIN_COST;
		struct qfinding f = { .rule = "explain.hot-node", .node = n,
			.severity = small ? QS_INFO : share >= 0.5 ? QS_HIGH : QS_MEDIUM };
		char label[256];
		qnode_label(n, label, sizeof label);
		value(&f, "share", share);
		value(&f, p->timed ? "ms" : "cost", n->excl);
		snprintf(f.message, sizeof f.message, "%s takes %.0f%% of the %s (%.*f%s, its children "
			"excluded%s)", label, 100 * share, p->timed ? "time" : "estimated cost",
			p->timed || n->excl < 10 ? 2 : 0, n->excl, p->timed ? " ms" : "",
			n->loops > 1 ? ", over all its loops" : "");
		emit(fn, arg, &f);
	}
}

static void
rule_seq_scan(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (p->sqlite) {
			/* A scan of a table: not of a constant row, nor of a
			 * subquery's or view's rows ("(subquery-1)"). */
			if (strcmp(n->type, "SCAN") != 0 || n->index || !n->relation ||
			    strcmp(n->relation, "CONSTANT") == 0 || n->relation[0] == '(')
				continue;
			struct qfinding f = { .rule = "explain.sqlite-scan", .node = n, .severity = QS_LOW,
				.relation = n->relation };
			snprintf(f.message, sizeof f.message, "%s: every row of %s is read (no index serves "
				"the query's conditions on it)", n->detail, n->relation ? n->relation : "a table");
			emit(fn, arg, &f);
			continue;
		}
		if (!is_scan_whole(n) || !n->filter)
			continue;
		double kept = (n->analyzed ? n->actual_rows : n->plan_rows) * n->loops;
		double dropped = n->removed_by_filter * n->loops, read = kept + dropped;
		if (!n->analyzed || read < BIG_TABLE || dropped / read < DISCARDED)
			continue;
		struct qfinding f = { .rule = "explain.seq-scan-filter", .node = n, .relation = n->relation,
			.severity = dropped / read >= 0.99 ? QS_HIGH : QS_MEDIUM };
		value(&f, "rows_read", read);
		value(&f, "rows_removed", dropped);
		value(&f, "share_removed", dropped / read);
		snprintf(f.message, sizeof f.message, "Seq Scan on %s reads %.0f rows and its filter drops "
			"%.1f%% of them (%s): an index on the filter's columns would read only those kept",
			n->relation ? n->relation : "?", read, 100 * dropped / read, n->filter);
		emit(fn, arg, &f);
	}
}

/* SQLite's own signs: sorting in a temporary B-tree, and an index it
 * builds for each run of the query. */
static void
rule_sqlite(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	if (!p->sqlite)
		return;
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		const char *d = n->detail;
		if (strncmp(d, "USE TEMP B-TREE FOR ", 20) == 0) {
			struct qfinding f = { .rule = "explain.sqlite-temp-btree", .node = n, .severity = QS_LOW };
			snprintf(f.message, sizeof f.message, "%s: the rows are sorted in a temporary B-tree; an "
				"index in the order of the %s would give them in order", d, d + 20);
			emit(fn, arg, &f);
		} else if (strstr(d, "AUTOMATIC") && strstr(d, "INDEX")) {
			struct qfinding f = { .rule = "explain.sqlite-automatic-index", .node = n,
				.severity = QS_MEDIUM, .relation = n->relation };
			/* sql: not run: SQL named in a message */
			snprintf(f.message, sizeof f.message, "%s: SQLite builds this index for each run of the "
				"query; made once, with CREATE INDEX, it would be there", d);
			emit(fn, arg, &f);
		}
	}
}

static void
rule_estimates(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (!n->analyzed || n->loops == 0)
			continue;
		double est = n->plan_rows > 0 ? n->plan_rows : 1, act = n->actual_rows > 0 ? n->actual_rows : 1;
		double ratio = act > est ? act / est : est / act;
		if (n->may_stop && act < est)	/* stopped early, not misjudged */
			continue;
		if (ratio < 10 || (n->plan_rows < 10 && n->actual_rows < 10))
			continue;
		/* The relation it reads, or below it the first that one reads. */
		const struct qnode *r = n;
		while (r && !r->relation && r->nkids)
			r = r->kids[0];
		struct qfinding f = { .rule = "explain.misestimate", .node = n,
			.relation = r ? r->relation : NULL,
			.severity = ratio >= 1000 ? QS_HIGH : ratio >= 100 ? QS_MEDIUM : QS_LOW };
		char label[256];
		qnode_label(n, label, sizeof label);
		value(&f, "estimated_rows", n->plan_rows);
		value(&f, "actual_rows", n->actual_rows);
		value(&f, "factor", ratio);
		/* sql: not run: SQL named in a message */
		snprintf(f.message, sizeof f.message, "%s: estimated %.0f rows, got %.0f (%s %.0f times): "
			"the statistics may be stale%s%s%s, or its conditions' columns correlated "
			"(CREATE STATISTICS)", label, n->plan_rows, n->actual_rows,
			act > est ? "under by" : "over by", ratio, f.relation ? " (ANALYZE " : "",
			f.relation ? f.relation : "", f.relation ? ")" : "");
		emit(fn, arg, &f);
	}
}

static void
rule_spills(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (n->sort_space_type && strcmp(n->sort_space_type, "Disk") == 0) {
			struct qfinding f = { .rule = "explain.sort-spill", .node = n, .severity = QS_MEDIUM };
			/* An in-memory sort needs about twice the spilled size. */
			double need = 2 * n->sort_space_kb;
			value(&f, "disk_kb", n->sort_space_kb);
			value(&f, "work_mem_kb", need);
			snprintf(f.message, sizeof f.message, "Sort spilled %.0f kB to disk (%s): work_mem of "
				"about %.0f kB would keep it in memory", n->sort_space_kb,
				n->sort_method ? n->sort_method : "external", need);
			emit(fn, arg, &f);
		}
		if (n->hash_batches > 1) {
			struct qfinding f = { .rule = "explain.hash-spill", .node = n, .severity = QS_MEDIUM };
			double need = n->peak_memory_kb * n->hash_batches;
			value(&f, "batches", n->hash_batches);
			value(&f, "planned_batches", n->hash_batches_planned);
			value(&f, "work_mem_kb", need);
			snprintf(f.message, sizeof f.message, "Hash ran in %.0f batches (planned %.0f), writing "
				"to disk: work_mem (times hash_mem_multiplier) of about %.0f kB would keep it in "
				"one", n->hash_batches, n->hash_batches_planned, need);
			emit(fn, arg, &f);
		}
	}
}

static void
rule_loops(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (strcmp(n->type, "Nested Loop") != 0 || n->nkids < 2 || !n->analyzed)
			continue;
		const struct qnode *inner = n->kids[1];
		if (inner->loops < MANY_LOOPS)
			continue;
		char label[256];
		qnode_label(inner, label, sizeof label);
		int whole = is_scan_whole(inner) || strcmp(inner->type, "Materialize") == 0;
		struct qfinding f = { .rule = "explain.nested-loop", .node = n, .relation = inner->relation,
			.severity = whole ? QS_HIGH : QS_LOW };
		value(&f, "inner_loops", inner->loops);
		value(&f, "inner_rows", inner->actual_rows * inner->loops);
		snprintf(f.message, sizeof f.message, "Nested Loop runs its inner side, %s, %.0f times%s",
			label, inner->loops, whole ? ": each run reads it whole; an index on the join "
						   "columns, or a hash join, would not" : "");
		emit(fn, arg, &f);
	}
}

static void
rule_heap_fetches(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (strcmp(n->type, "Index Only Scan") != 0 || n->heap_fetches <= 0)
			continue;
		double rows = n->actual_rows * n->loops;
		if (rows > 0 && n->heap_fetches / rows < HEAP_SHARE)
			continue;
		struct qfinding f = { .rule = "explain.heap-fetches", .node = n, .relation = n->relation,
			.severity = QS_LOW };
		value(&f, "heap_fetches", n->heap_fetches);
		value(&f, "rows", rows);
		/* sql: not run: SQL named in a message */
		snprintf(f.message, sizeof f.message, "Index Only Scan on %s went to the table %.0f times "
			"for %.0f rows: its visibility map is out of date (VACUUM %s)",
			n->relation ? n->relation : "?", n->heap_fetches, rows, n->relation ? n->relation : "");
		emit(fn, arg, &f);
	}
}

static void
rule_workers(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (n->workers_planned <= 0 || n->workers_launched < 0 ||
		    n->workers_launched >= n->workers_planned)
			continue;
		struct qfinding f = { .rule = "explain.workers", .node = n, .severity = QS_MEDIUM };
		value(&f, "planned", n->workers_planned);
		value(&f, "launched", n->workers_launched);
		snprintf(f.message, sizeof f.message, "%s planned %d parallel workers and got %d: "
			"max_parallel_workers or max_worker_processes ran out", n->type, n->workers_planned,
			n->workers_launched);
		emit(fn, arg, &f);
	}
}

static void
rule_timing(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	if (p->sqlite)
		return;
	if (p->analyzed && !p->timed) {
		struct qfinding f = { .rule = "explain.no-timing", .severity = QS_INFO };
		/* sql: not run: SQL named in a message */
		snprintf(f.message, sizeof f.message, "the plan has no times (EXPLAIN ANALYZE with TIMING "
			"OFF): which node is slow is judged on costs");
		emit(fn, arg, &f);
	}
	/* A node's buffers count its children's: the root's are the plan's. */
	double read = p->root->shared_read;
	int io = 0;
	for (int i = 0; i < p->nnodes; i++)
		io |= p->nodes[i]->has_io_timing;
	if (p->buffers && read > 0 && !io) {
		struct qfinding f = { .rule = "explain.no-io-timing", .severity = QS_INFO };
		value(&f, "blocks_read", read);
		/* sql: not run: SQL named in a message */
		snprintf(f.message, sizeof f.message, "%.0f blocks were read from outside the buffer cache "
			"but their time is unknown: SET track_io_timing = on shows how long reading took",
			read);
		emit(fn, arg, &f);
	}
}

/* The findings of one rule, gathered to be told worst first. */
struct gathered {
	struct qfinding *v;
	int n;
};

static void
gather(const struct qfinding *f, void *arg)
{
	struct gathered *g = arg;
	g->v = xrealloc(g->v, (size_t)(g->n + 1) * sizeof *g->v);
	g->v[g->n++] = *f;
}

static int
worse_first(const void *x, const void *y)
{
	const struct qfinding *a = x, *b = y;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int ia = a->node ? a->node->id : 0, ib = b->node ? b->node->id : 0;
	return (ia > ib) - (ia < ib);
}

typedef void rule_fn(const struct qplan *p, qfinding_fn *fn, void *arg);

void
qplan_findings(const struct qplan *p, qfinding_fn *fn, void *arg)
{
	static rule_fn *const rules[] = { rule_hot, rule_seq_scan, rule_sqlite, rule_estimates,
		rule_spills, rule_loops, rule_heap_fetches, rule_workers, rule_timing };
	for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
		struct gathered g = { NULL, 0 };
		rules[r](p, gather, &g);
		if (g.n > 1)
			qsort(g.v, (size_t)g.n, sizeof *g.v, worse_first);
		for (int i = 0; i < g.n; i++)
			fn(&g.v[i], arg);
		free(g.v);
	}
}

/* ---- index candidates ------------------------------------------------------------ */

static int
ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '"';
}

/* An operand: a column name (possibly qualified, possibly quoted) when it
 * is one, into out (its last part, unquoted). */
static int
column_operand(const char *s, size_t n, char *out, size_t size)
{
	/* A cast the server added, "(kind)::text", reads as its column. */
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == ':' && s[i + 1] == ':') {
			n = i;
			break;
		}
	while (n && (*s == '(' || *s == ' '))
		s++, n--;
	while (n && (s[n - 1] == ')' || s[n - 1] == ' '))
		n--;
	if (n == 0 || n >= size || isdigit((unsigned char)*s) || *s == '\'' || *s == '$')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!ident_char((unsigned char)s[i]))
			return 0;
	const char *dot = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			dot = s + i;
	if (dot) {
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '"')
			out[k++] = s[i];
	out[k] = '\0';
	return k > 0;
}

/* A constant or parameter operand: a quoted literal (with a cast), a
 * number, $n, or an ANY/array of those. */
static int
constant_operand(const char *s, size_t n)
{
	while (n && (*s == '(' || *s == ' '))
		s++, n--;
	if (n == 0)
		return 0;
	return *s == '\'' || *s == '$' || isdigit((unsigned char)*s) || *s == '-' ||
		strncmp(s, "ANY", 3) == 0;
}

int
qplan_condition_columns(const char *cond, char cols[][64], int *eq, int max)
{
	static const char *const ops[] = { " = ", " >= ", " <= ", " > ", " < ", " ~~ ", NULL };
	int found = 0;
	if (cond == NULL)
		return 0;
	/* Split on AND and OR at any depth: each piece "(a op b)". */
	const char *s = cond;
	while (*s && found < max) {
		const char *end = s;
		int depth = 0;
		while (*end) {
			if (*end == '(')
				depth++;
			else if (*end == ')')
				depth--;
			else if (*end == '\'') {
				for (end++; *end && *end != '\''; end++)
					;
				if (!*end)
					break;
			}
			if (strncmp(end, " AND ", 5) == 0 || strncmp(end, " OR ", 4) == 0)
				break;
			end++;
		}
		for (int k = 0; ops[k]; k++) {
			const char *op = NULL;
			for (const char *q = s; q + strlen(ops[k]) <= end; q++) {
				if (*q == '\'') {	/* not inside a literal */
					for (q++; q < end && *q != '\''; q++)
						;
					continue;
				}
				if (strncmp(q, ops[k], strlen(ops[k])) == 0) {
					op = q;
					break;
				}
			}
			if (!op)
				continue;
			const char *rhs = op + strlen(ops[k]);
			char col[64];
			if (column_operand(s, (size_t)(op - s), col, sizeof col) &&
			    constant_operand(rhs, (size_t)(end - rhs))) {
				int dup = 0;
				for (int j = 0; j < found; j++)
					dup |= strcmp(cols[j], col) == 0;
				if (!dup) {
					snprintf(cols[found], 64, "%s", col);
					eq[found++] = k == 0;
				}
			}
			break;
		}
		s = *end ? end + (strncmp(end, " AND ", 5) == 0 ? 5 : 4) : end;
	}
	return found;
}

/* The join columns of an inner scan: "(a.x = b.y)" gives the column of
 * the scan's own relation (by alias). */
static int
join_columns(const char *cond, const struct qnode *scan, char cols[][64], int max)
{
	int found = 0;
	/* An empty alias would be found everywhere, at the same place. */
	if (!cond || !scan->alias || !*scan->alias)
		return 0;
	size_t al = strlen(scan->alias);
	for (const char *q = cond; (q = strstr(q, scan->alias)) != NULL && found < max; q += al) {
		if ((q > cond && ident_char((unsigned char)q[-1])) || q[al] != '.')
			continue;
		char col[64];
		size_t k = 0;
		for (const char *c = q + al + 1; ident_char((unsigned char)*c) && *c != '.' && k < 63; c++)
			if (*c != '"')
				col[k++] = *c;
		col[k] = '\0';
		int dup = k == 0;
		for (int j = 0; j < found; j++)
			dup |= strcmp(cols[j], col) == 0;
		if (!dup)
			snprintf(cols[found++], 64, "%s", col);
	}
	return found;
}

static int
add_candidate(struct qcandidate *out, int n, int max, const char *rel, const char *a, const char *b, int node)
{
	if (n >= max)
		return n;
	for (int i = 0; i < n; i++)
		if (strcmp(out[i].relation, rel) == 0 && strcmp(out[i].column[0], a) == 0 &&
		    out[i].ncolumns == (b ? 2 : 1) && (!b || strcmp(out[i].column[1], b) == 0))
			return n;
	struct qcandidate *c = &out[n];
	memset(c, 0, sizeof *c);
	snprintf(c->relation, sizeof c->relation, "%s", rel);
	snprintf(c->column[0], sizeof c->column[0], "%s", a);
	if (b)
		snprintf(c->column[1], sizeof c->column[1], "%s", b);
	c->ncolumns = b ? 2 : 1;
	c->node = node;
	return n + 1;
}

int
qplan_candidates(const struct qplan *p, struct qcandidate *out, int max)
{
	int n = 0;
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *s = p->nodes[i];
		if (!s->relation || !is_scan_whole(s))
			continue;
		char cols[8][64];
		int eq[8], m = qplan_condition_columns(s->filter, cols, eq, 8);
		/* Join conditions that name this scan, from its ancestors. */
		for (const struct qnode *up = s->parent; up && m < 8; up = up->parent) {
			char jc[4][64];
			int k = join_columns(up->hash_cond ? up->hash_cond : up->join_filter ? up->join_filter
												: up->merge_cond, s, jc, 4);
			for (int j = 0; j < k && m < 8; j++) {
				int dup = 0;
				for (int x = 0; x < m; x++)
					dup |= strcmp(cols[x], jc[j]) == 0;
				if (!dup) {
					snprintf(cols[m], 64, "%.63s", jc[j]);
					eq[m++] = 1;
				}
			}
			if (strstr(up->type, "Join") || strcmp(up->type, "Nested Loop") == 0)
				break;
		}
		/* Single columns, then pairs: equality first. */
		for (int a = 0; a < m; a++)
			n = add_candidate(out, n, max, s->relation, cols[a], NULL, s->id);
		for (int a = 0; a < m; a++)
			for (int b = 0; b < m; b++)
				if (a != b && eq[a] && (!eq[b] || a < b))
					n = add_candidate(out, n, max, s->relation, cols[a], cols[b], s->id);
	}
	return n;
}
