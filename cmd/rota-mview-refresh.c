/* rota-mview-refresh: keep the reporting views of a store current, fully
 * or incrementally (lib/mview); list their staleness; show their rows. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "lock.h"
#include "mview.h"
#include "store.h"
#include "util.h"

enum action { A_REFRESH, A_LIST, A_SHOW, A_QUERY };

struct opts {
	enum action action;
	const char *db;
	int incremental;
	struct mview_threshold threshold;
	long long if_stale;	/* seconds; -1: refresh whatever its age */
	double wait;
	int table, quiet, verbose;
	int view;		/* --show, --query */
	unsigned views;		/* 1u << view: those to refresh or list */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-mview-refresh [options] [VIEW...]\n"
"       rota-mview-refresh --list [-F table] [VIEW...]\n"
"       rota-mview-refresh --show VIEW [-F table]\n"
"Refresh the reporting views of a store: schedule_summary, person_workload,\n"
"rotation_coverage (default: all three), together in one transaction.\n"
"\n"
"  -d, --db STORE         the store (default $ROTA_DB, else ./rota.db)\n"
"  -i, --incremental      recompute only the rows the change log touches;\n"
"                         a full refresh when there is no earlier one, or\n"
"                         more changes than --threshold\n"
"      --full             rebuild each view whole (the default)\n"
"      --threshold N|P%%   change-log entries above which --incremental is full,\n"
"                         or a percentage of the assignments (default %g%%)\n"
"      --if-stale AGE     refresh only views last refreshed longer ago than AGE\n"
"                         (30s, 10m, 1h, 1d) or never\n"
"  -w, --wait SECONDS     wait this long for a refresh already running\n"
"                         (default: exit 5 at once)\n"
"  -l, --list             each view's rows, last refresh, mode and pending changes\n"
"  -s, --show VIEW        write the rows of VIEW\n"
"      --query VIEW       print the SQL that computes VIEW on this store\n"
"  -F, --format FORMAT    ndjson (default) or table, for --list and --show\n"
"  -q, --quiet            no messages but errors\n"
"  -v, --verbose          say why an incremental refresh was full\n"
"  -h, --help             print this help\n"
"      --version          print the version\n"
"\n"
"Exit status: 0 done; 2 usage; 4 store error; 5 another refresh holds the\n"
"lock, or the store is locked; 7 output error.  See rota-mview-refresh(1).\n",
		MVIEW_THRESHOLD_PERCENT);
}

static int
view_arg(const char *opt, const char *s)
{
	int v = mview_named(s);
	if (v < 0)
		rota_errx(EXIT_USAGE, "%s%sno view \"%s\" (schedule_summary, person_workload, "
				      "rotation_coverage)", opt ? opt : "", opt ? ": " : "", s);
	return v;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_FULL = 256, O_THRESHOLD, O_IF_STALE, O_QUERY, O_VERSION };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "incremental", no_argument, NULL, 'i' },
		{ "full", no_argument, NULL, O_FULL },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "if-stale", required_argument, NULL, O_IF_STALE },
		{ "wait", required_argument, NULL, 'w' },
		{ "list", no_argument, NULL, 'l' },
		{ "show", required_argument, NULL, 's' },
		{ "query", required_argument, NULL, O_QUERY },
		{ "format", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, actions = 0;
	*o = (struct opts){ .threshold = { -1, MVIEW_THRESHOLD_PERCENT }, .if_stale = -1, .view = -1 };
	while ((c = getopt_long(argc, argv, "d:iw:ls:F:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (*optarg == '\0')
				rota_errx(EXIT_USAGE, "--db: empty store name");
			o->db = optarg;
			break;
		case 'i': o->incremental = 1; break;
		case O_FULL: o->incremental = 0; break;
		case O_THRESHOLD: {
			size_t n = strlen(optarg);
			if (n > 1 && optarg[n - 1] == '%') {
				char num[64];
				snprintf(num, sizeof num, "%.*s", (int)(n - 1), optarg);
				o->threshold = (struct mview_threshold){ -1, opt_number("--threshold", num, 0, 1e6) };
			} else {
				o->threshold = (struct mview_threshold){ opt_integer("--threshold", optarg, 0,
					1LL << 50), -1 };
			}
			break;
		}
		case O_IF_STALE: o->if_stale = opt_duration("--if-stale", optarg); break;
		case 'w': o->wait = opt_number("--wait", optarg, 0, 1e7); break;
		case 'l': o->action = A_LIST; actions++; break;
		case 's': o->action = A_SHOW; o->view = view_arg("--show", optarg); actions++; break;
		case O_QUERY: o->action = A_QUERY; o->view = view_arg("--query", optarg); actions++; break;
		case 'F':
			if (strcmp(optarg, "table") == 0) o->table = 1;
			else if (strcmp(optarg, "ndjson") == 0) o->table = 0;
			else rota_errx(EXIT_USAGE, "--format: expected ndjson or table, got \"%s\"", optarg);
			break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(rota_close_stdout());
		case O_VERSION: printf("rota-mview-refresh %s\n", ROTA_VERSION); exit(rota_close_stdout());
		default:
			fprintf(stderr, "usage: rota-mview-refresh [options] [VIEW...]\n"
					"Try 'rota-mview-refresh --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (actions > 1)
		rota_errx(EXIT_USAGE, "--list, --show and --query go alone");
	if (o->action == A_SHOW || o->action == A_QUERY) {
		if (optind < argc)
			rota_errx(EXIT_USAGE, "%s names its one view", o->action == A_SHOW ? "--show" : "--query");
	}
	for (int i = optind; i < argc; i++)
		o->views |= 1u << view_arg(NULL, argv[i]);
	if (o->views == 0)
		o->views = (1u << MV_COUNT) - 1;
}

static noreturn void
store_failed(struct store *st)
{
	rota_errx(store_busy(st) ? EXIT_BUSY : EXIT_STORE, "%s: %s", store_name(st), store_errmsg(st));
}

/* ---- refresh ---------------------------------------------------------------- */

/* The lock that keeps two refreshes of one store apart: a file lock beside
 * an SQLite store, an advisory lock in a PostgreSQL one. */
static struct lock *
take_lock(const char *spec, double wait)
{
	char err[1200];
	int busy;
	struct lock *l;
	if (store_kind_of(spec) == STORE_PG) {
		l = lock_pg(spec, "rota-mview-refresh", wait, &busy, err, sizeof err);
	} else {
		char path[4200];
		snprintf(path, sizeof path, "%s-mview.lock", spec);
		l = lock_file(path, wait, &busy, err, sizeof err);
	}
	if (l == NULL) {
		char shown[1024];
		rota_spec_masked(spec, shown, sizeof shown);
		rota_errx(busy ? EXIT_BUSY : EXIT_STORE, busy ? "%s: a refresh is running: the lock is %s"
							     : "%s: the lock: %s", shown, err);
	}
	return l;
}

static void
write_result(const char *view, const struct mview_result *r, const char *skipped)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "summary");
	cJSON_AddStringToObject(j, "tool", "rota-mview-refresh");
	cJSON_AddStringToObject(j, "view", view);
	if (skipped) {
		cJSON_AddStringToObject(j, "mode", "skipped");
		cJSON_AddStringToObject(j, "reason", skipped);
	} else {
		cJSON_AddStringToObject(j, "mode", r->full ? "full" : "incremental");
		if (r->why_full)
			cJSON_AddStringToObject(j, "full_because", r->why_full);
		cJSON_AddNumberToObject(j, "changes", (double)r->pending);
		cJSON_AddNumberToObject(j, "rows_changed", (double)r->rows_changed);
		cJSON_AddNumberToObject(j, "seconds", r->seconds);
	}
	json_println(stdout, j);
	cJSON_Delete(j);
}

static int
refresh(const struct opts *o, const char *spec)
{
	char err[1024];
	struct lock *lk = take_lock(spec, o->wait);
	struct store *st = store_open(spec, err, sizeof err);
	if (st == NULL)
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	struct mview_result res[MV_COUNT];
	const char *skipped[MV_COUNT] = { NULL };
	int ready;
	if (mview_begin(st) < 0 || (ready = mview_ready(st)) < 0 || (ready < 2 && mview_setup(st) < 0))
		store_failed(st);
	for (int v = 0; v < MV_COUNT; v++) {
		if (!(o->views & (1u << v)))
			continue;
		if (o->if_stale >= 0 && ready) {
			struct mview_status s;
			if (mview_status(st, v, &s) < 0)
				store_failed(st);
			if (s.refreshed && s.age < (double)o->if_stale) {
				skipped[v] = "fresh";
				continue;
			}
		}
		if (mview_refresh(st, v, o->incremental, &o->threshold, &res[v]) < 0)
			store_failed(st);
	}
	if (mview_trim_log(st) < 0 || store_commit(st) < 0)
		store_failed(st);
	store_close(st);
	lock_release(lk);
	for (int v = 0; v < MV_COUNT; v++) {
		if (!(o->views & (1u << v)))
			continue;
		write_result(mview_defs[v].name, &res[v], skipped[v]);
		if (o->quiet)
			continue;
		if (skipped[v])
			rota_warnx("%s: fresh, not refreshed", mview_defs[v].name);
		else
			rota_warnx("%s: %s, %lld change%s, %lld row%s changed, %.3f s%s%s%s", mview_defs[v].name,
				res[v].full ? "full" : "incremental", res[v].pending, res[v].pending == 1 ? "" : "s",
				res[v].rows_changed, res[v].rows_changed == 1 ? "" : "s", res[v].seconds, o->verbose && res[v].why_full ? " (" : "",
				o->verbose && res[v].why_full ? res[v].why_full : "",
				o->verbose && res[v].why_full ? ")" : "");
	}
	return EXIT_OK;
}

/* ---- list and show ------------------------------------------------------------ */

static struct store *
open_reading(const char *spec, int *ready)
{
	char err[1024];
	struct store *st = store_open_read(spec, err, sizeof err);
	if (st == NULL)
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	if ((*ready = mview_ready(st)) < 0)
		store_failed(st);
	return st;
}

static int
list(const struct opts *o, const char *spec)
{
	int ready;
	struct store *st = open_reading(spec, &ready);
	if (o->table)
		printf("%-18s %9s  %-20s %8s  %-11s %8s %9s\n", "VIEW", "ROWS", "REFRESHED", "AGE", "MODE",
			"SECONDS", "PENDING");
	for (int v = 0; v < MV_COUNT; v++) {
		if (!(o->views & (1u << v)))
			continue;
		struct mview_status s = { 0 };
		if (ready && mview_status(st, v, &s) < 0)
			store_failed(st);
		if (o->table) {
			char age[32] = "-";
			if (s.refreshed)
				snprintf(age, sizeof age, "%.0fs", s.age);
			printf("%-18s %9lld  %-20s %8s  %-11s %8.3f %9lld\n", mview_defs[v].name, s.rows,
				s.refreshed ? s.at : "never", age, s.refreshed ? s.mode : "-", s.seconds,
				s.pending);
			continue;
		}
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "type", "view");
		cJSON_AddStringToObject(j, "view", mview_defs[v].name);
		cJSON_AddNumberToObject(j, "rows", (double)s.rows);
		cJSON_AddBoolToObject(j, "refreshed", s.refreshed);
		if (s.refreshed) {
			cJSON_AddStringToObject(j, "started", s.at);
			cJSON_AddNumberToObject(j, "age", s.age);
			cJSON_AddStringToObject(j, "mode", s.mode);
			cJSON_AddNumberToObject(j, "seconds", s.seconds);
			cJSON_AddNumberToObject(j, "rows_changed", (double)s.rows_changed);
		}
		cJSON_AddNumberToObject(j, "pending", (double)s.pending);
		json_println(stdout, j);
		cJSON_Delete(j);
	}
	store_close(st);
	return EXIT_OK;
}

/* Rows for a table are kept until all are in, to size the columns. */
struct shown {
	const struct mview_def *def;
	int table;
	char **cells;		/* row-major */
	size_t nrows, cap;
	int err;		/* errno of a failed write */
};

static int
show_row(int ncols, char *const *cols, char *const *names, void *arg)
{
	(void)names;
	struct shown *sh = arg;
	if (sh->table) {
		if (sh->nrows == sh->cap) {
			sh->cap = sh->cap ? 2 * sh->cap : 256;
			sh->cells = xrealloc(sh->cells, sh->cap * (size_t)ncols * sizeof *sh->cells);
		}
		for (int i = 0; i < ncols; i++)
			sh->cells[sh->nrows * (size_t)ncols + (size_t)i] = xstrdup(cols[i] ? cols[i] : "");
		sh->nrows++;
		return 0;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", sh->def->name);
	for (int i = 0; i < ncols; i++) {
		const struct mview_column *c = &sh->def->columns[i];
		if (cols[i] == NULL)
			cJSON_AddNullToObject(j, c->name);
		else if (c->number)
			cJSON_AddNumberToObject(j, c->name, atof(cols[i]));
		else
			cJSON_AddStringToObject(j, c->name, cols[i]);
	}
	int rc = json_println(stdout, j);
	cJSON_Delete(j);
	if (rc)			/* an output error: stops the walk, exit 7 */
		sh->err = errno;
	return rc ? 1 : 0;
}

static void
print_table(const struct shown *sh)
{
	int n = sh->def->ncolumns;
	size_t *w = xcalloc((size_t)n, sizeof *w);
	for (int i = 0; i < n; i++)
		w[i] = strlen(sh->def->columns[i].name);
	for (size_t r = 0; r < sh->nrows; r++)
		for (int i = 0; i < n; i++)
			if (strlen(sh->cells[r * (size_t)n + (size_t)i]) > w[i])
				w[i] = strlen(sh->cells[r * (size_t)n + (size_t)i]);
	/* Numbers to the right, text to the left, no blanks at the end. */
	for (int i = 0; i < n; i++)
		printf("%s%*s", i ? "  " : "", sh->def->columns[i].number ? (int)w[i] : i + 1 < n ? -(int)w[i] : 0,
			sh->def->columns[i].name);
	putchar('\n');
	for (size_t r = 0; r < sh->nrows; r++) {
		for (int i = 0; i < n; i++) {
			char *cell = sh->cells[r * (size_t)n + (size_t)i];
			printf("%s%*s", i ? "  " : "", sh->def->columns[i].number ? (int)w[i] : i + 1 < n ? -(int)w[i] : 0,
				cell);
			free(cell);
		}
		putchar('\n');
	}
	free(w);
}

static int
show(const struct opts *o, const char *spec)
{
	int ready;
	struct store *st = open_reading(spec, &ready);
	if (!ready)
		rota_errx(EXIT_STORE, "%s: no views yet: run rota-mview-refresh first", spec);
	struct shown sh = { &mview_defs[o->view], o->table, NULL, 0, 0, 0 };
	int rc = mview_each(st, o->view, show_row, &sh);
	if (rc < 0)
		store_failed(st);
	if (rc > 0)
		exit(rota_stdout_failed(sh.err));
	if (o->table)
		print_table(&sh);
	free(sh.cells);
	store_close(st);
	return rc > 0 ? EXIT_IO : EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o;
	rota_init(argv[0]);
	argv[0] = (char *)rota_progname;
	parse_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	const char *spec = store_spec(o.db);
	int status = EXIT_OK;
	switch (o.action) {
	case A_REFRESH: status = refresh(&o, spec); break;
	case A_LIST: status = list(&o, spec); break;
	case A_SHOW: status = show(&o, spec); break;
	case A_QUERY: {
		char *q = mview_query(o.view, store_kind_of(spec) == STORE_PG);
		printf("%s\n", q);
		free(q);
		break;
	}
	}
	int out = rota_close_stdout();
	return out ? out : status;
}
