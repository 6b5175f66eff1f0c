/* rota-explain: read a query plan, say what is slow and why, propose
 * indexes and, with --verify, prove that they help (lib/qplan). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "qplan.h"
#include "rtime.h"
#include "store.h"
#include "util.h"

struct opts {
	const char *db;
	const char **queries;
	int nqueries;
	const char *query_file;
	const char *compare[2];
	int analyze, buffers, verify, allow_write, table, quiet;
	double timeout;		/* seconds, for --analyze */
	int fail_on;		/* a severity, or -1 */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-explain [options] [PLAN...]\n"
"       rota-explain --db STORE --query SQL [--analyze] [--verify]\n"
"       rota-explain --compare OLD NEW\n"
"Read query plans (PostgreSQL's EXPLAIN (FORMAT JSON) output, or SQLite's\n"
"EXPLAIN QUERY PLAN as the sqlite3 shell prints it) from PLAN files or\n"
"standard input, or make them on a store, and write what is slow as\n"
"finding records.\n"
"\n"
"  -d, --db STORE         plan queries on STORE (SQLite file or PostgreSQL)\n"
"  -e, --query SQL        a query to plan (may be given more than once)\n"
"  -f, --queries FILE     queries to plan, separated by lines holding only ;\n"
"                         or by a ; at a line's end\n"
"  -a, --analyze          PostgreSQL: run the query (EXPLAIN ANALYZE, BUFFERS)\n"
"                         in a read-only transaction that is rolled back\n"
"      --timeout SECONDS  the statement timeout of --analyze (default 60)\n"
"      --allow-write      plan and run data-modifying statements too\n"
"  -V, --verify           PostgreSQL: try each index candidate as a hypothetical\n"
"                         index (HypoPG) and propose those that halve the cost\n"
"      --compare OLD NEW  two plans of one query, side by side\n"
"      --fail-on SEVERITY exit 1 on a finding of SEVERITY or worse\n"
"                         (info, low, medium, high)\n"
"  -F, --format FORMAT    ndjson (default) or table (the plan as a tree)\n"
"  -q, --quiet            no messages but errors\n"
"  -h, --help             print this help\n"
"      --version          print the version\n"
"\n"
"Exit status: 0 done; 1 a finding at or above --fail-on; 2 usage, or a\n"
"data-modifying statement without --allow-write; 3 a plan that cannot be\n"
"read; 4 store error; 7 output error.  See rota-explain(1).\n");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_TIMEOUT = 256, O_ALLOW, O_COMPARE, O_FAIL, O_VERSION };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "query", required_argument, NULL, 'e' },
		{ "queries", required_argument, NULL, 'f' },
		{ "analyze", no_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "allow-write", no_argument, NULL, O_ALLOW },
		{ "verify", no_argument, NULL, 'V' },
		{ "compare", no_argument, NULL, O_COMPARE },
		{ "fail-on", required_argument, NULL, O_FAIL },
		{ "format", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, compare = 0;
	*o = (struct opts){ .timeout = 60, .fail_on = -1 };
	while ((c = getopt_long(argc, argv, "d:e:f:aVF:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (*optarg == '\0')
				rota_errx(EXIT_USAGE, "--db: empty store name");
			o->db = optarg;
			break;
		case 'e':
			o->queries = xrealloc(o->queries, (size_t)(o->nqueries + 1) * sizeof *o->queries);
			o->queries[o->nqueries++] = optarg;
			break;
		case 'f': o->query_file = optarg; break;
		case 'a': o->analyze = 1; break;
		case O_TIMEOUT: o->timeout = opt_number("--timeout", optarg, 0.001, 1e6); break;
		case O_ALLOW: o->allow_write = 1; break;
		case 'V': o->verify = 1; break;
		case O_COMPARE: compare = 1; break;
		case O_FAIL:
			if ((o->fail_on = qseverity_named(optarg)) < 0)
				rota_errx(EXIT_USAGE, "--fail-on: expected info, low, medium or high, got \"%s\"",
					optarg);
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0) o->table = 1;
			else if (strcmp(optarg, "ndjson") == 0) o->table = 0;
			else rota_errx(EXIT_USAGE, "--format: expected ndjson or table, got \"%s\"", optarg);
			break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); exit(rota_close_stdout());
		case O_VERSION: printf("rota-explain %s\n", ROTA_VERSION); exit(rota_close_stdout());
		default:
			fprintf(stderr, "usage: rota-explain [options] [PLAN...]\n"
					"Try 'rota-explain --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	int planning = o->db || o->nqueries || o->query_file;
	if (compare) {
		if (planning || argc - optind != 2)
			rota_errx(EXIT_USAGE, "--compare takes two plan files and nothing else");
		o->compare[0] = argv[optind];
		o->compare[1] = argv[optind + 1];
	}
	if ((o->nqueries || o->query_file) && !o->db)
		rota_errx(EXIT_USAGE, "--query and --queries plan on a store: give --db");
	if (o->db && !o->nqueries && !o->query_file)
		rota_errx(EXIT_USAGE, "--db plans queries: give --query or --queries");
	if (o->db && optind < argc)
		rota_errx(EXIT_USAGE, "plan files or --db, not both");
	if ((o->analyze || o->verify) && !o->db)
		rota_errx(EXIT_USAGE, "--analyze and --verify plan on a store: give --db");
}

/* ---- output ---------------------------------------------------------------- */

struct out {
	const struct opts *o;
	const char *source;	/* the file or the query */
	int query;		/* 1, 2, … of --query/--queries; 0 for files */
	int worst;		/* the worst severity seen, or -1 */
	long findings;
	char when[32];
	/* -F table: findings gathered per node to print under it */
	struct sbuf *notes;	/* [node id] */
	int nnotes;
};

static void
finding_record(struct out *w, const char *rule, int severity, const struct qnode *n, const char *message,
	const char *const *names, const double *values, int nvalues, const char *relation, cJSON *extra)
{
	if (severity > w->worst)
		w->worst = severity;
	w->findings++;
	if (w->o->table) {
		int id = n ? n->id : 0;
		if (id < w->nnotes)
			sbuf_addf(&w->notes[id], "! %s %s: %s\n", qseverity_name[severity], rule, message);
		cJSON_Delete(extra);
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "finding");
	cJSON_AddStringToObject(j, "rule", rule);
	cJSON_AddStringToObject(j, "status", severity >= QS_MEDIUM ? "advisory" : "info");
	cJSON_AddStringToObject(j, "severity", qseverity_name[severity]);
	cJSON_AddStringToObject(j, "from", w->when);
	cJSON_AddStringToObject(j, "to", w->when);
	cJSON_AddStringToObject(j, "source", w->source);
	if (w->query)
		cJSON_AddNumberToObject(j, "query", w->query);
	if (n) {
		char label[256];
		qnode_label(n, label, sizeof label);
		cJSON_AddNumberToObject(j, "node", n->id);
		cJSON_AddStringToObject(j, "node_label", label);
	}
	if (relation)
		cJSON_AddStringToObject(j, "relation", relation);
	for (int i = 0; i < nvalues; i++)
		cJSON_AddNumberToObject(j, names[i], values[i]);
	for (cJSON *e = extra ? extra->child : NULL; e; e = e->next)
		cJSON_AddItemToObject(j, e->string, cJSON_Duplicate(e, 1));
	cJSON_Delete(extra);
	cJSON_AddStringToObject(j, "message", message);
	json_println(stdout, j);
	cJSON_Delete(j);
}

static void
report(const struct qfinding *f, void *arg)
{
	finding_record(arg, f->rule, f->severity, f->node, f->message, f->name, f->value, f->nvalues,
		f->relation, NULL);
}

/* Each line of a node's findings, indented under it. */
static void
print_notes(const char *notes, int indent)
{
	for (const char *line = notes; *line;) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		printf("%*s%.*s\n", indent, "", len, line);
		line += len + (nl != NULL);
	}
}

static void
print_tree(const struct out *w, const struct qplan *p, const struct qnode *n, int depth)
{
	char label[256];
	qnode_label(n, label, sizeof label);
	if (p->sqlite || p->total <= 0)
		printf("%*s%s\n", 2 * depth, "", label);
	else
		printf("%*s%s  (%s %.*f, %.0f%%%s%.0f rows)\n", 2 * depth, "", label, p->timed ? "self ms" : "self cost",
			p->timed ? 2 : 0, n->excl, 100 * n->excl / p->total,
			n->analyzed ? ", " : ", est. ", n->analyzed ? n->actual_rows : n->plan_rows);
	if (n->id > 0 && n->id < w->nnotes && w->notes[n->id].len)
		print_notes(w->notes[n->id].s, 2 * depth + 4);
	for (int k = 0; k < n->nkids; k++)
		print_tree(w, p, n->kids[k], depth + 1);
}

static void
out_begin(struct out *w, const struct qplan *p)
{
	w->nnotes = p->nnodes + 1;
	w->notes = xcalloc((size_t)w->nnotes, sizeof *w->notes);
}

static void
out_end(struct out *w, const struct qplan *p)
{
	if (w->o->table) {
		printf("== %s\n", w->source);
		if (w->notes[0].len)
			print_notes(w->notes[0].s, 0);
		print_tree(w, p, p->root, 0);
		if (p->timed)
			printf("planning %.3f ms, execution %.3f ms\n", p->planning_ms, p->execution_ms);
		putchar('\n');
	}
	for (int i = 0; i < w->nnotes; i++)
		sbuf_free(&w->notes[i]);
	free(w->notes);
	w->notes = NULL;
	w->nnotes = 0;
}

/* ---- reading plans ----------------------------------------------------------- */

static struct qplan *
plan_of_text(char *text, const char *name)
{
	char err[256];
	const char *s = text;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[' || *s == '{') {
		cJSON *j = cJSON_Parse(s);
		if (j == NULL)
			rota_errx(EXIT_DATA, "%s: not JSON", name);
		struct qplan *p = qplan_from_pg_json(j, err, sizeof err);
		cJSON_Delete(j);
		if (p == NULL)
			rota_errx(EXIT_DATA, "%s: %s", name, err);
		return p;
	}
	if (strncmp(s, "QUERY PLAN", 10) == 0) {
		const char *next = strchr(s, '\n');
		if (next && next[1] == '-')
			rota_errx(EXIT_DATA, "%s: psql's table, not the plan: run psql with -At (unaligned, "
					     "tuples only)", name);
		struct qplan *p = qplan_from_sqlite_text(text);
		if (p->nnodes == 0)
			rota_errx(EXIT_DATA, "%s: a QUERY PLAN without steps (\"|--\" lines)", name);
		return p;
	}
	rota_errx(EXIT_DATA, "%s: neither EXPLAIN (FORMAT JSON) output nor an SQLite QUERY PLAN", name);
}

static char *
read_whole(const char *path)
{
	struct sbuf b = { 0 };
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || sbuf_read_fd(&b, fd) < 0)
		rota_err(EXIT_DATA, "%s", path);
	if (fd > 0)
		close(fd);
	sbuf_addc(&b, '\0');
	return b.s;
}

/* ---- planning on a store ------------------------------------------------------- */

struct planning {
	const struct opts *o;
	struct store *st;
	char shown[1024];	/* the store's name, password masked */
	int pg;
};

static noreturn void
store_failed(const struct planning *pl)
{
	rota_errx(store_busy(pl->st) ? EXIT_BUSY : EXIT_STORE, "%s: %s", pl->shown, store_errmsg(pl->st));
}

static int
take_text(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct sbuf *b = arg;
	for (int i = 0; i < ncols; i++)
		if (cols[i])
			sbuf_adds(b, cols[i]);
	return 0;
}

/* The JSON plan of sql, as the store's EXPLAIN gives it; NULL when the
 * store refused it (the message is then the store's). */
static struct qplan *
pg_plan(struct planning *pl, const char *sql, const char *how)
{
	struct sbuf q = { 0 }, out = { 0 };
	char err[256];
	/* sql: the user's own query (how is one of ours) */
	sbuf_addf(&q, "EXPLAIN (%s) %s", how, sql);
	int rc = store_query(pl->st, q.s, 0, NULL, take_text, &out, NULL);
	sbuf_free(&q);
	if (rc < 0) {
		sbuf_free(&out);
		return NULL;
	}
	sbuf_addc(&out, '\0');
	cJSON *j = cJSON_Parse(out.s);
	struct qplan *p = j ? qplan_from_pg_json(j, err, sizeof err) : NULL;
	cJSON_Delete(j);
	sbuf_free(&out);
	if (p == NULL)
		rota_errx(EXIT_STORE, "%s: the server's plan could not be read", pl->shown);
	return p;
}

static int
modifies(const struct qplan *p)
{
	for (int i = 0; i < p->nnodes; i++)
		if (strcmp(p->nodes[i]->type, "ModifyTable") == 0)
			return 1;
	return 0;
}

static int
take_eqp(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	if (ncols >= 4)
		qplan_sqlite_add(arg, atoi(cols[0] ? cols[0] : "0"), atoi(cols[1] ? cols[1] : "0"),
			cols[3] ? cols[3] : "");
	return 0;
}

/* Existing indexes of a relation that begin with the candidate's columns:
 * the candidate would add nothing. */
struct covered {
	const struct qcandidate *c;
	int yes;
};

static int
take_index_columns(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct covered *cv = arg;
	if (ncols < 1 || !cols[0])
		return 0;
	/* The key columns of one index, in order, comma-separated. */
	char list[1024];
	snprintf(list, sizeof list, "%s", cols[0]);
	int i = 0, ok = 1;
	for (char *col = strtok(list, ","); col && i < cv->c->ncolumns; col = strtok(NULL, ","), i++)
		ok &= strcmp(col, cv->c->column[i]) == 0;
	if (ok && i == cv->c->ncolumns)
		cv->yes = 1;
	return 0;
}

/* For the statement a finding proposes, which rota never runs: the
 * hypothetical index is made by the server, from parameters (verify). */
static void
quote_ident(struct sbuf *b, const char *s)
{
	sbuf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sbuf_addc(b, '"');
		sbuf_addc(b, *s);
	}
	sbuf_addc(b, '"');
}

static void
index_columns(struct sbuf *b, const struct qcandidate *c)
{
	quote_ident(b, c->relation);
	sbuf_adds(b, " (");
	for (int i = 0; i < c->ncolumns; i++) {
		if (i)
			sbuf_adds(b, ", ");
		quote_ident(b, c->column[i]);
	}
	sbuf_adds(b, ")");
}

/* Planning may run functions (an IMMUTABLE one is called to fold its
 * constant arguments, and may call nextval): without --allow-write, every
 * transaction that plans is read-only. */
static int
read_only(const struct planning *pl)
{
	return pl->o->allow_write ? 0 : store_exec(pl->st, "SET TRANSACTION READ ONLY");
}

/* Each candidate as a hypothetical index: proposed when the planner's
 * cost of the query falls to half or less, and no index has its columns
 * already. */
static void
verify(struct planning *pl, struct out *w, const char *sql, const struct qplan *p)
{
	struct qcandidate cand[32];
	int n = qplan_candidates(p, cand, 32);
	if (n == 0)
		return;
	if (store_exec(pl->st, "SAVEPOINT rota_explain_hypopg; CREATE EXTENSION IF NOT EXISTS hypopg") < 0)
		rota_errx(EXIT_STORE, "%s: --verify needs HypoPG (Debian: postgresql-15-hypopg): %s",
			pl->shown, store_errmsg(pl->st));
	/* The extension made, the plans that follow change nothing. */
	if (read_only(pl) < 0)
		store_failed(pl);
	double before = p->root->total_cost;
	for (int i = 0; i < n; i++) {
		const struct qcandidate *c = &cand[i];
		struct covered cv = { c, 0 };
		const char *rel[] = { c->relation };
		/* The key columns of the relation's indexes (not those of an
		 * INCLUDE, nor partial or expression indexes' missing ones). */
		if (store_query(pl->st, "SELECT array_to_string(ARRAY(SELECT a.attname FROM "
			    "unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON "
			    "a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.n <= i.indnkeyatts "
			    "ORDER BY k.n), ',') FROM pg_index i "
			    "WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indpred IS NULL", 1, rel,
			    take_index_columns, &cv, NULL) < 0)
			store_failed(pl);
		if (cv.yes)
			continue;
		/* The names come from the plan: parameters, quoted by the
		 * server's format(). */
		const char *params[] = { c->relation, c->column[0], c->column[1] };
		if (store_query(pl->st, c->ncolumns > 1
				? "SELECT hypopg_create_index(format('CREATE INDEX ON %I (%I, %I)', "
				  "$1::text, $2::text, $3::text))"
				: "SELECT hypopg_create_index(format('CREATE INDEX ON %I (%I)', "
				  "$1::text, $2::text))",
			    c->ncolumns > 1 ? 3 : 2, params, NULL, NULL, NULL) < 0)
			store_failed(pl);
		struct qplan *after = pg_plan(pl, sql, "FORMAT JSON");
		if (after == NULL || store_exec(pl->st, "SELECT hypopg_reset()") < 0)
			store_failed(pl);
		double cost = after->root->total_cost;
		qplan_free(after);
		if (cost > before / 2)
			continue;
		struct sbuf stmt = { 0 };
		/* sql: not run: SQL named in a message (names quoted) */
		sbuf_adds(&stmt, "CREATE INDEX CONCURRENTLY ON ");
		index_columns(&stmt, c);
		sbuf_addc(&stmt, ';');
		char msg[1024];
		snprintf(msg, sizeof msg, "an index on %.127s (%.63s%s%.63s) cuts the estimated cost from %.0f to %.0f "
			"(%.0f%% less), tried as a hypothetical index: %.400s", c->relation, c->column[0],
			c->ncolumns > 1 ? ", " : "", c->ncolumns > 1 ? c->column[1] : "", before, cost,
			100 * (1 - cost / before), stmt.s);
		cJSON *extra = cJSON_CreateObject();
		cJSON *cols = cJSON_AddArrayToObject(extra, "columns");
		for (int k = 0; k < c->ncolumns; k++)
			cJSON_AddItemToArray(cols, cJSON_CreateString(c->column[k]));
		cJSON_AddNumberToObject(extra, "cost_before", before);
		cJSON_AddNumberToObject(extra, "cost_after", cost);
		cJSON_AddStringToObject(extra, "statement", stmt.s);
		const struct qnode *node = c->node > 0 && c->node <= p->nnodes ? p->nodes[c->node - 1] : NULL;
		finding_record(w, "explain.index", cost <= before / 10 ? QS_HIGH : QS_MEDIUM, node, msg, NULL,
			NULL, 0, c->relation, extra);
		sbuf_free(&stmt);
	}
	if (store_exec(pl->st, "ROLLBACK TO SAVEPOINT rota_explain_hypopg") < 0)
		store_failed(pl);
}

/* Candidates without --verify: named, not proposed. */
static void
candidates(struct out *w, const struct qplan *p)
{
	struct qcandidate cand[32];
	int n = qplan_candidates(p, cand, 32);
	for (int i = 0; i < n; i++) {
		const struct qcandidate *c = &cand[i];
		char msg[1024];
		snprintf(msg, sizeof msg, "an index on %.127s (%.63s%s%.63s) might serve this scan (--verify tries it "
			"on a PostgreSQL store)", c->relation, c->column[0], c->ncolumns > 1 ? ", " : "",
			c->ncolumns > 1 ? c->column[1] : "");
		cJSON *extra = cJSON_CreateObject();
		cJSON *cols = cJSON_AddArrayToObject(extra, "columns");
		for (int k = 0; k < c->ncolumns; k++)
			cJSON_AddItemToArray(cols, cJSON_CreateString(c->column[k]));
		const struct qnode *node = c->node > 0 && c->node <= p->nnodes ? p->nodes[c->node - 1] : NULL;
		finding_record(w, "explain.index-candidate", QS_INFO, node, msg, NULL, NULL, 0, c->relation,
			extra);
	}
}

static void
plan_query(struct planning *pl, struct out *w, const char *sql)
{
	const struct opts *o = pl->o;
	struct qplan *p;
	if (!pl->pg) {
		struct sbuf q = { 0 };
		/* sql: the user's own query */
		sbuf_addf(&q, "EXPLAIN QUERY PLAN %s", sql);
		p = qplan_sqlite_new();
		if (store_query(pl->st, q.s, 0, NULL, take_eqp, p, NULL) < 0)
			rota_errx(EXIT_DATA, "query %d: %s", w->query, store_errmsg(pl->st));
		sbuf_free(&q);
		qplan_sqlite_done(p);
	} else {
		/* First the plan alone, which runs nothing (read-only: the
		 * planner may call a function): a statement that writes is
		 * refused before it could run. */
		if (store_begin(pl->st) < 0 || read_only(pl) < 0)
			store_failed(pl);
		p = pg_plan(pl, sql, "FORMAT JSON");
		if (p == NULL)
			rota_errx(EXIT_DATA, "query %d: %s", w->query, store_errmsg(pl->st));
		if (modifies(p) && !o->allow_write)
			rota_errx(EXIT_USAGE, "query %d changes data: rota-explain plans it only with --allow-write",
				w->query);
		if (o->analyze) {
			char ms[32];
			snprintf(ms, sizeof ms, "%.0f", o->timeout * 1000);
			const char *tp[] = { ms };
			if (store_rollback(pl->st) < 0 || store_begin(pl->st) < 0 || read_only(pl) < 0 ||
			    store_query(pl->st, "SELECT set_config('statement_timeout', $1, true)", 1, tp,
				    NULL, NULL, NULL) < 0)
				store_failed(pl);
			qplan_free(p);
			if ((p = pg_plan(pl, sql, "FORMAT JSON, ANALYZE, BUFFERS")) == NULL)
				rota_errx(EXIT_DATA, "query %d: %s", w->query, store_errmsg(pl->st));
		}
		/* Whatever ran, ran for nothing. */
		if (store_rollback(pl->st) < 0)
			store_failed(pl);
	}
	out_begin(w, p);
	qplan_findings(p, report, w);
	if (o->verify && pl->pg) {
		/* Hypothetical indexes live in the session; the extension, if
		 * it must be made, in a transaction that is rolled back. */
		if (store_begin(pl->st) < 0)
			store_failed(pl);
		verify(pl, w, sql, p);
		if (store_rollback(pl->st) < 0)
			store_failed(pl);
	} else {
		candidates(w, p);
	}
	out_end(w, p);
	qplan_free(p);
}

/* The queries of a file: separated by a line holding only ";" or by a
 * ";" that ends a line. */
static int
split_queries(char *text, char ***out)
{
	int n = 0;
	struct sbuf cur = { 0 };
	*out = NULL;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		int ends = len && line[len - 1] == ';';
		sbuf_add(&cur, line, ends ? len - 1 : len);
		sbuf_addc(&cur, '\n');
		if (ends) {
			const char *s = cur.s;
			while (isspace((unsigned char)*s))
				s++;
			size_t keep = strlen(s);
			while (keep && isspace((unsigned char)s[keep - 1]))
				keep--;
			if (keep) {
				*out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
				(*out)[n++] = xstrndup(s, keep);
			}
			sbuf_reset(&cur);
		}
		line = nl ? nl + 1 : NULL;
	}
	const char *s = cur.s ? cur.s : "";
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len) {
		*out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
		(*out)[n++] = xstrndup(s, len);
	}
	sbuf_free(&cur);
	return n;
}

static void
plan_queries(const struct opts *o, struct out *w)
{
	struct planning pl = { .o = o };
	char err[1024];
	const char *spec = store_spec(o->db);
	rota_spec_masked(spec, pl.shown, sizeof pl.shown);
	pl.st = store_open_read(spec, err, sizeof err);
	if (pl.st == NULL)	/* its message names the store masked */
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	pl.pg = store_kind(pl.st) == STORE_PG;
	if ((o->analyze || o->verify) && !pl.pg && !o->quiet)
		rota_warnx("%s: --analyze and --verify are for PostgreSQL; SQLite's plans are read as they are",
			pl.shown);
	char **qs = NULL;
	int nq = 0;
	char *text = NULL;
	if (o->query_file) {
		text = read_whole(o->query_file);
		nq = split_queries(text, &qs);
	}
	for (int i = 0; i < o->nqueries + nq; i++) {
		const char *sql = i < o->nqueries ? o->queries[i] : qs[i - o->nqueries];
		w->query = i + 1;
		w->source = sql;
		plan_query(&pl, w, sql);
	}
	for (int i = 0; i < nq; i++)
		free(qs[i]);
	free(qs);
	free(text);
	store_close(pl.st);
}

/* ---- compare ---------------------------------------------------------------------- */

static double
plan_total(const struct qplan *p)
{
	return p->timed ? p->execution_ms : p->root->total_cost;
}

/* How each relation is read: "Seq Scan", "Index Scan using i", … */
static void
access_of(const struct qplan *p, const char *rel, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < p->nnodes; i++) {
		const struct qnode *n = p->nodes[i];
		if (n->relation && strcmp(n->relation, rel) == 0) {
			size_t len = strlen(buf);
			snprintf(buf + len, size - len, "%s%s%s%s", len ? ", " : "", n->type, n->index ? " using " : "",
				n->index ? n->index : "");
		}
	}
}

static void
compare(const struct opts *o, struct out *w)
{
	char *t0 = read_whole(o->compare[0]), *t1 = read_whole(o->compare[1]);
	struct qplan *a = plan_of_text(t0, o->compare[0]), *b = plan_of_text(t1, o->compare[1]);
	w->source = o->compare[1];
	double x = plan_total(a), y = plan_total(b);
	const char *unit = a->timed && b->timed ? "ms" : "cost";
	if (!(a->timed && b->timed)) {
		x = a->root->total_cost;
		y = b->root->total_cost;
	}
	char msg[512];
	if (a->sqlite || b->sqlite) {
		out_begin(w, b);
		goto access;
	}
	snprintf(msg, sizeof msg, "%s: %.*f before, %.*f after (%s)", unit[0] == 'm' ? "execution time" : "estimated cost",
		unit[0] == 'm' ? 3 : 0, x, unit[0] == 'm' ? 3 : 0, y,
		y < x ? "faster" : y > x ? "slower" : "the same");
	const char *names[] = { "before", "after", "ratio" };
	double values[] = { x, y, y > 0 ? x / y : 0 };
	out_begin(w, b);
	finding_record(w, "explain.compare", y > x * 1.1 ? QS_MEDIUM : QS_INFO, NULL, msg, names, values, 3,
		NULL, NULL);
access:
	/* Each relation whose reading changed (SQLite's plans have no
	 * costs: only this). */
	for (int i = 0; i < b->nnodes + a->nnodes; i++) {
		const struct qnode *n = i < b->nnodes ? b->nodes[i] : a->nodes[i - b->nnodes];
		if (!n->relation)
			continue;
		int seen = 0;
		for (int j = 0; j < i; j++) {
			const struct qnode *m = j < b->nnodes ? b->nodes[j] : a->nodes[j - b->nnodes];
			seen |= m->relation && strcmp(m->relation, n->relation) == 0;
		}
		if (seen)
			continue;
		char before[256], after[256];
		access_of(a, n->relation, before, sizeof before);
		access_of(b, n->relation, after, sizeof after);
		if (strcmp(before, after) == 0)
			continue;
		snprintf(msg, sizeof msg, "%.120s: read by %.180s before, by %.180s after", n->relation,
			*before ? before : "nothing", *after ? after : "nothing");
		finding_record(w, "explain.compare-access", QS_INFO, i < b->nnodes ? n : NULL, msg, NULL, NULL, 0,
			n->relation, NULL);
	}
	out_end(w, b);
	qplan_free(a);
	qplan_free(b);
	free(t0);
	free(t1);
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct opts o;
	rota_init(argv[0]);
	argv[0] = (char *)rota_progname;
	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	struct out w = { .o = &o, .worst = -1 };
	rtime_now_utc(w.when, sizeof w.when);
	if (o.compare[0]) {
		compare(&o, &w);
	} else if (o.db) {
		plan_queries(&o, &w);
	} else {
		char **files = optind < argc ? argv + optind : stdin_only;
		int n = optind < argc ? argc - optind : 1;
		for (int i = 0; i < n; i++) {
			char *text = read_whole(files[i]);
			struct qplan *p = plan_of_text(text, files[i]);
			free(text);
			w.source = files[i];
			out_begin(&w, p);
			qplan_findings(p, report, &w);
			candidates(&w, p);
			out_end(&w, p);
			qplan_free(p);
		}
	}
	free(o.queries);
	int out = rota_close_stdout();
	if (out)
		return out;
	return o.fail_on >= 0 && w.worst >= o.fail_on ? EXIT_FOUND : EXIT_OK;
}
