/* rota-solve: build a roster that keeps every hard rule and minimises the
 * weighted penalties; score a given one (--evaluate); write the model as an
 * integer programme (--write-lp).
 *
 * Reads the problem as records (NDJSON, or a benchmark file), writes
 * assignment records and then one summary record. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <unistd.h>

#include "cache.h"
#include "cells.h"
#include "json.h"
#include "lpwrite.h"
#include "plan.h"
#include "planout.h"
#include "problem.h"
#include "programme.h"
#include "roster.h"
#include "rtime.h"
#include "search.h"
#include "source.h"
#include "store.h"
#include "util.h"

enum output { OUT_NDJSON, OUT_TABLE, OUT_ICS };

struct opts {
	struct search_opts search;
	const char *evaluate;
	const char *write_lp;
	const char *db;
	int format;
	int64_t start;
	int quiet, verbose;
	/* Programmes only. */
	const char *repair;
	long long max_changes;	/* -1: no cap */
	int max_changes_pct;	/* max_changes is a percentage */
	long long change_weight, equity_weight;
	int full, no_cache, time_given;
	const char *cache_path;
	enum output output;
	const char *outdir;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-solve [options] [FILE...]\n"
"Build a roster for the problem in FILE (records, NDJSON; a .txt file is read\n"
"as the staff-rostering benchmark) or standard input, and write it as\n"
"assignment records, then one summary record.\n"
"\n"
"  -t, --time-limit SECONDS  stop searching after this long (default 10)\n"
"  -j, --threads N           search threads (default: the number of cores)\n"
"  -s, --seed N              random seed (default 1); with -j 1 and --moves,\n"
"                            the same seed gives the same roster\n"
"      --moves N             stop each thread after N moves instead of the clock\n"
"      --bound N             a lower bound known from elsewhere: stop on reaching it\n"
"  -e, --evaluate SCHEDULE   score the assignment records of SCHEDULE instead:\n"
"                            a finding record for each hard-rule violation\n"
"      --write-lp FILE       write the problem as a CPLEX LP file and exit\n"
"  -d, --db STORE            read the problem from a store instead of files\n"
"  -f, --from FORMAT         ndjson or nrp (default: by file name)\n"
"      --start DATE          day 0 of a benchmark file (default 2024-01-01)\n"
"      --progress            show the search on standard error\n"
"  -q, --quiet               no messages but errors\n"
"  -v, --verbose             list the violations of an infeasible result\n"
"  -h, --help                print this help\n"
"      --version             print the version\n"
"\n"
"Residency programmes (a horizon of several slots, or people with roles):\n"
"  -r, --repair SCHEDULE     repair the published SCHEDULE for the changed\n"
"                            problem with few changes; write the changes\n"
"                            (it stops when 0.3 s bring nothing better)\n"
"      --max-changes N|P%%    change at most N assignments (or P%% of them)\n"
"      --full                with --repair, write the whole repaired schedule\n"
"      --change-weight N     the cost of one change in a repair (default 50)\n"
"      --equity-weight N     the cost of a call or weekend day squared (default 10)\n"
"      --no-cache            neither use nor fill the solution cache\n"
"      --cache FILE          the cache (default: rota-cache(1)'s)\n"
"  -F, --format FORMAT       ndjson (default), table, or ics (with -o DIR)\n"
"  -o, --output DIR          the folder of --format ics: one PERSON.ics each\n"
"\n"
"Exit status: 0 a legal roster (or, with -e, a legal schedule); 1 with -e, the\n"
"schedule breaks a hard rule; 2 usage; 3 bad input; 4 store error; 6 no legal\n"
"roster found; 7 output error.  See rota-solve(1) and rota(7).\n");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_MOVES = 256, O_BOUND, O_LP, O_START, O_PROGRESS, O_VERSION, O_MAXCH, O_FULL,
		O_CHW, O_EQW, O_NOCACHE, O_CACHE };
	static const struct option longopts[] = {
		{ "time-limit", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "moves", required_argument, NULL, O_MOVES },
		{ "bound", required_argument, NULL, O_BOUND },
		{ "evaluate", required_argument, NULL, 'e' },
		{ "write-lp", required_argument, NULL, O_LP },
		{ "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "start", required_argument, NULL, O_START },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "repair", required_argument, NULL, 'r' },
		{ "max-changes", required_argument, NULL, O_MAXCH },
		{ "full", no_argument, NULL, O_FULL },
		{ "change-weight", required_argument, NULL, O_CHW },
		{ "equity-weight", required_argument, NULL, O_EQW },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	int c;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	*o = (struct opts){ .format = -1, .max_changes = -1, .change_weight = 50, .equity_weight = 10 };
	o->search = (struct search_opts){ .time_limit = 10, .threads = cores > 0 ? (int)cores : 1,
		.seed = 1, .bound = -1 };
	o->start = rtime_days_from_civil(2024, 1, 1);
	while ((c = getopt_long(argc, argv, "t:j:s:e:d:f:r:F:o:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->search.time_limit = opt_number("--time-limit", optarg, 0, 1e7);
			o->time_given = 1;
			break;
		case 'r': o->repair = optarg; break;
		case O_MAXCH: {
			size_t n = strlen(optarg);
			o->max_changes_pct = n > 1 && optarg[n - 1] == '%';
			char num[32];
			snprintf(num, sizeof num, "%.*s", (int)(n - (size_t)o->max_changes_pct), optarg);
			o->max_changes = opt_integer("--max-changes", num, 0, o->max_changes_pct ? 100 : 1LL << 40);
			break;
		}
		case O_FULL: o->full = 1; break;
		case O_CHW: o->change_weight = opt_integer("--change-weight", optarg, 0, 1000000000); break;
		case O_EQW: o->equity_weight = opt_integer("--equity-weight", optarg, 0, 1000000); break;
		case O_NOCACHE: o->no_cache = 1; break;
		case O_CACHE: o->cache_path = optarg; break;
		case 'F':
			if (strcmp(optarg, "ndjson") == 0) o->output = OUT_NDJSON;
			else if (strcmp(optarg, "table") == 0) o->output = OUT_TABLE;
			else if (strcmp(optarg, "ics") == 0) o->output = OUT_ICS;
			else rota_errx(EXIT_USAGE, "--format: expected ndjson, table or ics, got \"%s\"", optarg);
			break;
		case 'o': o->outdir = optarg; break;
		case 'j': o->search.threads = (int)opt_integer("--threads", optarg, 1, 1024); break;
		case 's': o->search.seed = (uint64_t)opt_integer("--seed", optarg, 0, 1LL << 62); break;
		case O_MOVES: o->search.moves = opt_integer("--moves", optarg, 1, 1LL << 50); break;
		case O_BOUND: o->search.bound = opt_integer("--bound", optarg, 0, 1LL << 50); break;
		case 'e': o->evaluate = optarg; break;
		case O_LP: o->write_lp = optarg; break;
		case 'd':
			if (*optarg == '\0')
				rota_errx(EXIT_USAGE, "--db: empty store name");
			o->db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "ndjson") == 0) o->format = SRC_NDJSON;
			else if (strcmp(optarg, "nrp") == 0) o->format = SRC_NRP;
			else rota_errx(EXIT_USAGE, "--from: expected ndjson or nrp, got \"%s\"", optarg);
			break;
		case O_START:
			if (rtime_parse_date(optarg, strlen(optarg), &o->start, &why))
				rota_errx(EXIT_USAGE, "--start: %s, got \"%s\"", why, optarg);
			if (rtime_weekday(o->start) != 0)
				rota_errx(EXIT_USAGE, "--start: day 0 of a benchmark is a Monday; %s is not",
					optarg);
			break;
		case O_PROGRESS: o->search.progress = 1; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(rota_close_stdout());
		case O_VERSION: printf("rota-solve %s\n", ROTA_VERSION); exit(rota_close_stdout());
		default:
			fprintf(stderr, "usage: rota-solve [options] [FILE...]\n"
					"Try 'rota-solve --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (o->evaluate && o->write_lp)
		rota_errx(EXIT_USAGE, "--evaluate and --write-lp go alone");
	if (o->db && optind < argc)
		rota_errx(EXIT_USAGE, "--db reads the store, not files");
	if (o->repair && (o->evaluate || o->write_lp))
		rota_errx(EXIT_USAGE, "--repair goes without --evaluate and --write-lp");
	if ((o->max_changes >= 0 || o->full) && !o->repair)
		rota_errx(EXIT_USAGE, "--max-changes and --full go with --repair");
	if (o->repair && !o->full && o->output != OUT_NDJSON)
		rota_errx(EXIT_USAGE, "a repair writes its changes as records: --format table and ics "
				      "need --full");
	if ((o->output == OUT_ICS) != (o->outdir != NULL))
		rota_errx(EXIT_USAGE, o->outdir ? "--output is the folder of --format ics"
						 : "--format ics writes a folder: give it with -o DIR");

	/* Progress: redrawn on a terminal, plain lines elsewhere with
	 * --progress, never with -q. */
	if (o->quiet)
		o->search.progress = 0;
	else if (o->search.progress || (isatty(STDERR_FILENO) && !o->evaluate && !o->write_lp))
		o->search.progress = isatty(STDERR_FILENO) ? 1 : 2;
}

static int
add_record(const struct rec *r, const char *file, long line, void *arg)
{
	struct problem_error e;
	if (problem_builder_add(arg, r, file, line, &e))
		rota_bad_input(file, line, e.field, e.msg);
	return 0;
}

struct stored {
	const char *spec;
	struct problem_builder *b;
};

static int
add_stored(cJSON *obj, void *arg)
{
	struct rec r;
	struct rec_error e;
	struct stored *sd = arg;
	if (rec_validate(obj, &r, &e))
		rota_bad_input(sd->spec, 0, e.field, e.msg);
	return add_record(&r, sd->spec, 0, sd->b);
}

/* The records being gathered.  Bad input exits from deep in the reading
 * callbacks; a static root keeps what was read reachable then, so that
 * LeakSanitizer reports real leaks and not these. */
static struct problem_builder *building;

static struct problem_builder *
read_records(const struct opts *o, char **files, int nfiles)
{
	struct problem_builder *b = building = problem_builder_new();
	char err[1024];
	if (o->db) {
		struct store *st = store_open_read(o->db, err, sizeof err);
		if (st == NULL)
			rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
		struct stored sd = { o->db, b };
		for (int k = 0; k < RK_COUNT; k++)
			if (rec_types[k]->table && store_each(st, rec_types[k], add_stored, &sd) < 0)
				rota_errx(EXIT_STORE, "%s: %s", store_name(st), store_errmsg(st));
		store_close(st);
	}
	struct src_options so = { .nrp_start = o->start };
	for (int i = 0; i < nfiles; i++)
		if (source_each(files[i], o->format, &so, add_record, b, err, sizeof err) < 0)
			rota_errx(EXIT_DATA, "%s", err);
	return b;
}

static noreturn void
bad_model(const struct problem_error *e)
{
	if (e->file)
		rota_bad_input(e->file, e->line, e->field, e->msg);
	rota_errx(EXIT_DATA, "%s", e->msg);
}

static struct problem *
read_problem(struct problem_builder *b)
{
	struct problem_error e;
	struct problem *p = problem_build(b, &e);
	if (p == NULL)
		bad_model(&e);
	return p;
}

/* ---- output ------------------------------------------------------------- */

static void
date_of(const struct problem *p, int d, char *buf)
{
	rtime_format_date(p->start + d, buf);
}

static void
write_roster(const struct problem *p, const int *x)
{
	char date[11];
	for (int s = 0; s < p->nstaff; s++)
		for (int d = 0; d < p->ndays; d++) {
			int t = x[(size_t)s * p->ndays + d];
			if (t == OFF)
				continue;
			cJSON *o = cJSON_CreateObject();
			date_of(p, d, date);
			cJSON_AddStringToObject(o, "type", "assignment");
			cJSON_AddStringToObject(o, "person", p->staff[s]);
			cJSON_AddStringToObject(o, "date", date);
			cJSON_AddStringToObject(o, "slot", p->slot);
			cJSON_AddStringToObject(o, "activity", p->type[t]);
			cJSON_AddStringToObject(o, "source", "solver");
			json_println(stdout, o);
			cJSON_Delete(o);
		}
}

static const char *const rule_text[HR_COUNT] = {
	"works on a day off", "works a shift that may not follow the day before's",
	"works more shifts of a type than allowed", "works fewer shifts of a type than required",
	"works more minutes than allowed", "works fewer minutes than required",
	"works more days in a row than allowed", "works fewer days in a row than required",
	"has fewer days off in a row than required", "works more weekends than allowed",
};

/* A violation as a finding record: which person, which days, which rule. */
static void
write_violation(const struct violation *v, void *arg)
{
	const struct problem *p = arg;
	char from[11], to[11], msg[256];
	int d0 = v->day >= 0 ? v->day : 0, d1 = v->day >= 0 ? v->last_day : p->ndays - 1;
	date_of(p, d0, from);
	date_of(p, d1, to);
	snprintf(msg, sizeof msg, "%s %s%s%s (%lld, limit %lld)", p->staff[v->staff], rule_text[v->rule],
		v->type >= 0 ? ": " : "", v->type >= 0 ? p->type[v->type] : "", v->value, v->limit);
	cJSON *o = cJSON_CreateObject();
	char rule[64];
	snprintf(rule, sizeof rule, "nrp.%s", hard_rule_name[v->rule]);
	cJSON_AddStringToObject(o, "type", "finding");
	cJSON_AddStringToObject(o, "rule", rule);
	cJSON_AddStringToObject(o, "status", "violation");
	cJSON_AddStringToObject(o, "person", p->staff[v->staff]);
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	if (v->type >= 0)
		cJSON_AddStringToObject(o, "activity", p->type[v->type]);
	cJSON_AddNumberToObject(o, "value", (double)v->value);
	cJSON_AddNumberToObject(o, "limit", (double)v->limit);
	cJSON_AddStringToObject(o, "message", msg);
	json_println(stdout, o);
	cJSON_Delete(o);
}

static void
explain(const struct violation *v, void *arg)
{
	const struct problem *p = arg;
	char from[11], to[11];
	int d0 = v->day >= 0 ? v->day : 0, d1 = v->day >= 0 ? v->last_day : p->ndays - 1;
	date_of(p, d0, from);
	date_of(p, d1, to);
	rota_warnx("  %s, %s to %s: %s%s%s (%lld, limit %lld)", p->staff[v->staff], from, to,
		rule_text[v->rule], v->type >= 0 ? ": " : "", v->type >= 0 ? p->type[v->type] : "",
		v->value, v->limit);
}

static void
write_summary(const char *mode, const struct score *sc, const struct search_result *res,
	const struct opts *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "summary");
	cJSON_AddStringToObject(j, "tool", "rota-solve");
	cJSON_AddStringToObject(j, "mode", mode);
	cJSON_AddNumberToObject(j, "objective", (double)sc->total);
	cJSON_AddNumberToObject(j, "on_requests", (double)sc->on_requests);
	cJSON_AddNumberToObject(j, "off_requests", (double)sc->off_requests);
	cJSON_AddNumberToObject(j, "under", (double)sc->under);
	cJSON_AddNumberToObject(j, "over", (double)sc->over);
	cJSON_AddNumberToObject(j, "violations", (double)sc->violations);
	if (res) {
		cJSON_AddNumberToObject(j, "bound", (double)res->bound);
		cJSON_AddNumberToObject(j, "gap", sc->total > 0
			? (double)(sc->total - res->bound) / (double)sc->total : 0);
		cJSON_AddNumberToObject(j, "time_to_best", res->time_to_best);
		cJSON_AddNumberToObject(j, "elapsed", res->elapsed);
		cJSON_AddStringToObject(j, "strategy", "anneal");
		cJSON_AddNumberToObject(j, "threads", o->search.threads);
		cJSON_AddNumberToObject(j, "best_thread", res->best_thread);
		cJSON_AddNumberToObject(j, "seed", (double)o->search.seed);
		cJSON_AddNumberToObject(j, "moves", (double)res->moves);
		cJSON_AddNumberToObject(j, "domain_before", (double)res->domain_before);
		cJSON_AddNumberToObject(j, "domain_after", (double)res->domain_after);
	}
	json_println(stdout, j);
	cJSON_Delete(j);
}

/* ---- the three modes ------------------------------------------------------- */

struct schedule {
	const struct problem *p;
	int *x;
	long extra;	/* second shifts on one day: a violation of their own */
};

static int
add_assignment(const struct rec *r, const char *file, long line, void *arg)
{
	struct schedule *sc = arg;
	const struct problem *p = sc->p;
	if (r->rt->kind != RK_ASSIGNMENT)
		return 0;
	const cJSON *o = r->obj;
	const char *who = cJSON_GetObjectItem(o, "person")->valuestring;
	const char *what = cJSON_GetObjectItem(o, "activity")->valuestring;
	const char *date = cJSON_GetObjectItem(o, "date")->valuestring;
	int s = problem_staff_index(p, who), t = problem_type_index(p, what);
	int64_t day;
	const char *why;
	rtime_parse_date(date, 10, &day, &why);
	if (s < 0)
		rota_errx(EXIT_DATA, "%s:%ld: person: \"%s\" is not a person of the problem", file, line, who);
	if (t < 0)
		rota_errx(EXIT_DATA, "%s:%ld: activity: \"%s\" is not an activity of the problem", file, line,
			what);
	if (day < p->start || day >= p->start + p->ndays)
		rota_errx(EXIT_DATA, "%s:%ld: date: %s is outside the horizon", file, line, date);
	int *cell = &sc->x[(size_t)s * p->ndays + (day - p->start)];
	if (*cell != OFF) {
		/* The model holds one shift a day; a second is its own violation. */
		char msg[256];
		snprintf(msg, sizeof msg, "%s works two shifts on %s (%s and %s)", who, date,
			p->type[*cell], what);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "type", "finding");
		cJSON_AddStringToObject(f, "rule", "nrp.one_shift_a_day");
		cJSON_AddStringToObject(f, "status", "violation");
		cJSON_AddStringToObject(f, "person", who);
		cJSON_AddStringToObject(f, "from", date);
		cJSON_AddStringToObject(f, "to", date);
		cJSON_AddNumberToObject(f, "value", 2);
		cJSON_AddNumberToObject(f, "limit", 1);
		cJSON_AddStringToObject(f, "message", msg);
		json_println(stdout, f);
		cJSON_Delete(f);
		sc->extra++;
		return 0;
	}
	*cell = t;
	return 0;
}

static int
evaluate(const struct problem *p, const struct opts *o)
{
	char err[1024];
	size_t cells = (size_t)p->nstaff * p->ndays;
	struct schedule sc = { p, xmalloc(cells * sizeof(int)), 0 };
	for (size_t i = 0; i < cells; i++)
		sc.x[i] = OFF;
	struct src_options so = { .nrp_start = o->start };
	if (source_each(o->evaluate, SRC_NDJSON, &so, add_assignment, &sc, err, sizeof err) < 0)
		rota_errx(EXIT_DATA, "%s", err);
	struct score score;
	roster_evaluate(p, sc.x, &score, write_violation, (void *)p);
	score.violations += sc.extra;
	write_summary("evaluate", &score, NULL, o);
	free(sc.x);
	return score.violations ? EXIT_FOUND : EXIT_OK;
}

static int
write_lp(const struct problem *p, const struct opts *o)
{
	struct afile a;
	int rc = afile_open(&a, o->write_lp);
	if (rc == 0 && lp_write(a.fp, p)) {
		int saved = errno;
		afile_abort(&a);
		errno = saved;
		rc = -1;
	} else if (rc == 0) {
		rc = afile_commit(&a);
	}
	if (rc) {
		rota_warn("%s", o->write_lp);
		return EXIT_IO;
	}
	return EXIT_OK;
}

static int
solve(const struct problem *p, const struct opts *o)
{
	size_t cells = (size_t)p->nstaff * p->ndays;
	int *x = xmalloc(cells * sizeof *x);
	struct search_result res;
	search_run(p, &o->search, x, &res);
	if (!res.legal) {
		/* No proof of infeasibility, but what a person can act on: the
		 * rules the least illegal roster found still breaks. */
		rota_warnx("no legal roster found in %.1f s; the closest breaks %lld hard rule%s%s",
			res.elapsed, res.score.violations, res.score.violations == 1 ? "" : "s",
			o->verbose ? ":" : " (-v lists them)");
		if (o->verbose)
			roster_evaluate(p, x, &res.score, explain, (void *)p);
		write_summary("solve", &res.score, &res, o);
		free(x);
		return EXIT_INFEASIBLE;
	}
	write_roster(p, x);
	write_summary("solve", &res.score, &res, o);
	if (!o->quiet)
		rota_warnx("objective %lld (bound %lld), best found after %.2f s, %lld moves",
			res.score.total, res.bound, res.time_to_best, res.moves);
	free(x);
	return EXIT_OK;
}

/* ---- residency programmes ------------------------------------------------ */

#define SOLVE_NS "solve"	/* solutions, keyed by the problem's hash */
#define LAST_NS "solve-last"	/* the latest solution of each horizon */
/* A repair stops when it has found nothing better for this long: it
 * starts from a good schedule and its best comes early (0.4 s of 10 s on
 * the example programme). */
#define REPAIR_STALL 0.3

static void
schedule_text(struct sbuf *b, const struct programme *g, const int *x)
{
	for (int p = 0; p < g->npeople; p++)
		for (int d = 0; d < g->ndays; d++)
			for (int s = 0; s < g->nslots; s++) {
				int a = x[pg_cell(g, p, d, s)];
				if (a >= 0)
					planout_record(b, g, p, d, s, a, NULL);
			}
}

static void
put_out(const struct sbuf *b)
{
	if (b->len)
		fwrite(b->s, 1, b->len, stdout);
}

static void
plan_violation_text(const struct programme *g, const struct plan_violation *v, char *msg, size_t n)
{
	char day[11] = "", last[11] = "";
	if (v->day >= 0)
		rtime_format_date(g->start + v->day, day);
	if (v->last_day > v->day)
		rtime_format_date(g->start + v->last_day, last);
	if (v->message) {
		snprintf(msg, n, "%s", v->message);
		return;
	}
	snprintf(msg, n, "%s%s%s%s%s%s%s%s%s: %lld, limit %lld", v->person >= 0 ? g->person[v->person] : "",
		v->person >= 0 && (v->activity >= 0 || v->day >= 0) ? ", " : "",
		v->activity >= 0 ? g->act[v->activity].id : "", v->activity >= 0 && v->day >= 0 ? " on " : "",
		day, *last ? " to " : "", last, v->slot >= 0 ? " " : "", v->slot >= 0 ? g->slot[v->slot] : "",
		v->value, v->limit);
}

static void
write_plan_violation(const struct plan_violation *v, void *arg)
{
	const struct programme *g = arg;
	char msg[512], from[11], to[11];
	rtime_format_date(g->start + (v->day >= 0 ? v->day : 0), from);
	rtime_format_date(g->start + (v->day >= 0 ? v->last_day : g->ndays - 1), to);
	plan_violation_text(g, v, msg, sizeof msg);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "finding");
	cJSON_AddStringToObject(o, "rule", v->rule);
	cJSON_AddStringToObject(o, "status", "violation");
	cJSON_AddStringToObject(o, "person", v->person >= 0 ? g->person[v->person] : "*");
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	if (v->slot >= 0)
		cJSON_AddStringToObject(o, "slot", g->slot[v->slot]);
	if (v->activity >= 0)
		cJSON_AddStringToObject(o, "activity", g->act[v->activity].id);
	cJSON_AddNumberToObject(o, "value", (double)v->value);
	cJSON_AddNumberToObject(o, "limit", (double)v->limit);
	cJSON_AddStringToObject(o, "message", msg);
	json_println(stdout, o);
	cJSON_Delete(o);
}

/* What blocks a legal schedule: each rule the closest one breaks, with
 * a count and the first case (all of them with -v). */
struct explained {
	const struct programme *g;
	int verbose;
	char rule[32][48];
	long long count[32];
	int n;
};

static void
explain_plan(const struct plan_violation *v, void *arg)
{
	struct explained *x = arg;
	char msg[512];
	int i = 0;
	while (i < x->n && strcmp(x->rule[i], v->rule) != 0)
		i++;
	if (i == x->n && x->n < 32)
		snprintf(x->rule[x->n++], sizeof x->rule[0], "%s", v->rule);
	if (i < 32 && x->count[i]++ > 0 && !x->verbose)
		return;
	plan_violation_text(x->g, v, msg, sizeof msg);
	rota_warnx("  %s: %s", v->rule, msg);
}

/* Says why no legal schedule came out: the rules the closest one breaks. */
static void
explain_infeasible(const struct programme *g, const struct plan_opts *po, const int *x,
	const struct plan_result *res, const char *what, int verbose)
{
	struct explained ex = { .g = g, .verbose = verbose };
	struct plan_score again;
	rota_warnx("no legal %s found in %.1f s; the closest breaks hard rules (%lld violation%s):", what,
		res->elapsed, res->score.hard, res->score.hard == 1 ? "" : "s");
	plan_evaluate(g, po, x, &again, explain_plan, &ex);
	for (int i = 0; i < ex.n; i++)
		if (ex.count[i] > 1 && !verbose)
			rota_warnx("  %s: %lld in all (-v lists them)", ex.rule[i], ex.count[i]);
}

static void
write_plan_summary(const char *mode, const struct programme *g, const int *x, const struct plan_score *sc,
	const struct plan_result *res, const struct opts *o, const char *hash, int cached)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "type", "summary");
	cJSON_AddStringToObject(j, "tool", "rota-solve");
	cJSON_AddStringToObject(j, "mode", mode);
	cJSON_AddBoolToObject(j, "legal", sc->hard == 0);
	cJSON_AddNumberToObject(j, "objective", (double)sc->total);
	cJSON_AddNumberToObject(j, "under", (double)sc->under);
	cJSON_AddNumberToObject(j, "over", (double)sc->over);
	cJSON_AddNumberToObject(j, "requests", (double)sc->requests);
	cJSON_AddNumberToObject(j, "equity", (double)sc->equity);
	cJSON_AddNumberToObject(j, "violations", (double)sc->hard);
	if (o->repair) {
		cJSON_AddNumberToObject(j, "changes", (double)sc->change_count);
		cJSON_AddNumberToObject(j, "change_cost", (double)sc->changes);
	}
	if (hash)
		cJSON_AddStringToObject(j, "problem", hash);
	cJSON_AddBoolToObject(j, "cached", cached);
	if (res) {
		cJSON_AddNumberToObject(j, "time_to_legal", res->time_to_legal);
		cJSON_AddNumberToObject(j, "time_to_best", res->time_to_best);
		cJSON_AddNumberToObject(j, "elapsed", res->elapsed);
		cJSON_AddStringToObject(j, "strategy", "anneal");
		cJSON_AddNumberToObject(j, "threads", o->search.threads);
		cJSON_AddNumberToObject(j, "seed", (double)o->search.seed);
		cJSON_AddNumberToObject(j, "moves", (double)res->moves);
		if (res->parts)
			cJSON_AddNumberToObject(j, "parts", res->parts);
	}
	cJSON *people = cJSON_AddObjectToObject(j, "people");
	for (int p = 0; p < g->npeople; p++) {
		struct plan_counts c;
		plan_person_counts(g, x, p, &c);
		cJSON *q = cJSON_AddObjectToObject(people, g->person[p]);
		cJSON_AddNumberToObject(q, "calls", c.calls);
		cJSON_AddNumberToObject(q, "weekend_days", c.weekend_days);
		cJSON_AddNumberToObject(q, "half_days", c.half_days);
		cJSON_AddNumberToObject(q, "hours", (double)c.minutes / 60.0);
	}
	json_println(stdout, j);
	cJSON_Delete(j);
}

static void
plan_opts_of(const struct opts *o, struct plan_opts *po)
{
	*po = (struct plan_opts){ .time_limit = o->search.time_limit, .moves = o->search.moves,
		.threads = o->search.threads, .seed = o->search.seed, .progress = o->search.progress,
		.equity_weight = o->equity_weight, .change_weight = o->change_weight, .max_changes = -1 };
}

static int
evaluate_programme(const struct programme *g, const struct opts *o)
{
	struct cells cs;
	struct plan_opts po;
	struct plan_score sc;
	cells_init(&cs, g, 1);
	cells_read_file(&cs, o->evaluate);
	plan_opts_of(o, &po);
	plan_evaluate(g, &po, cs.x, &sc, write_plan_violation, (void *)g);
	write_plan_summary("evaluate", g, cs.x, &sc, NULL, o, NULL, 0);
	cells_free(&cs);
	return sc.hard ? EXIT_FOUND : EXIT_OK;
}

/* The cache key of a solution: the problem and every option that shapes
 * the objective (not the time limit: a solution is kept as found). */
static void
solution_key(char *key, size_t n, const char *hash, const struct opts *o)
{
	snprintf(key, n, "v1:%s:eq%lld", hash, o->equity_weight);
}

static struct cache *
open_cache(const struct opts *o)
{
	if (o->no_cache)
		return NULL;
	char err[512];
	struct cache *c = cache_open(o->cache_path, err, sizeof err);
	if (c == NULL && !o->quiet)
		rota_warnx("the solution cache: %s (solving without it)", err);
	return c;
}

/* The schedule as the chosen format: records, a grid, or calendars. */
static int
write_schedule(const struct programme *g, const int *x, const struct opts *o)
{
	if (o->output == OUT_TABLE) {
		planout_table(stdout, g, x);
		return 0;
	}
	if (o->output == OUT_ICS) {
		char err[1024];
		if (planout_ics(o->outdir, g, x, err, sizeof err)) {
			rota_warnx("%s", err);
			return EXIT_IO;
		}
		return 0;
	}
	struct sbuf b = { 0 };
	schedule_text(&b, g, x);
	put_out(&b);
	sbuf_free(&b);
	return 0;
}

static int
cache_hit(struct cache *c, const struct programme *g, const char *ns, const char *key, int *x)
{
	void *val;
	size_t len;
	if (c == NULL || cache_get(c, ns, key, &val, &len) != 1)
		return 0;
	struct cells cs;
	cells_init(&cs, g, 0);
	int ok = cells_read_text(&cs, val) == 0;
	if (ok)
		memcpy(x, cs.x, pg_cells(g) * sizeof(int));
	cells_free(&cs);
	free(val);
	return ok;
}

static int
solve_programme(const struct programme *g, const struct opts *o, const char *hash)
{
	char key[128], last_key[256];
	struct plan_opts po;
	struct plan_result res;
	size_t cells = pg_cells(g);
	int *x = xmalloc(cells * sizeof(int)), *warm = xmalloc(cells * sizeof(int));
	plan_opts_of(o, &po);
	solution_key(key, sizeof key, hash, o);
	snprintf(last_key, sizeof last_key, "%s", g->id);
	struct cache *cache = open_cache(o);
	double t0 = rota_now();
	if (cache_hit(cache, g, SOLVE_NS, key, x)) {
		plan_evaluate(g, &po, x, &res.score, NULL, NULL);
		if (res.score.hard == 0) {
			int rc = write_schedule(g, x, o);
			if (o->output == OUT_NDJSON)
				write_plan_summary("solve", g, x, &res.score, NULL, o, hash, 1);
			if (!o->quiet)
				rota_warnx("objective %lld, from the cache (%.3f s)", res.score.total,
					rota_now() - t0);
			cache_close(cache);
			free(x);
			free(warm);
			return rc;
		}
	}
	/* A changed problem starts from the latest solution of its horizon. */
	if (cache_hit(cache, g, LAST_NS, last_key, warm)) {
		for (size_t c = 0; c < cells; c++)
			if (warm[c] == PG_OFF && g->preload[c] != PG_OFF)
				warm[c] = g->preload[c];
		po.start = warm;
	}
	plan_search(g, &po, x, &res);
	int rc = EXIT_OK;
	if (!res.legal) {
		explain_infeasible(g, &po, x, &res, "schedule", o->verbose);
		if (o->output == OUT_NDJSON)
			write_plan_summary("solve", g, x, &res.score, &res, o, hash, 0);
		rc = EXIT_INFEASIBLE;
	} else {
		rc = write_schedule(g, x, o);
		if (o->output == OUT_NDJSON)
			write_plan_summary("solve", g, x, &res.score, &res, o, hash, 0);
		if (!o->quiet)
			rota_warnx("objective %lld, legal after %.2f s, best after %.2f s, %lld moves",
				res.score.total, res.time_to_legal, res.time_to_best, res.moves);
		if (cache) {
			/* Both entries or neither: a solution found in the
			 * cache does not put the latest of its horizon again. */
			struct sbuf b = { 0 };
			schedule_text(&b, g, x);
			struct cache_item put[2] = { { SOLVE_NS, key, b.s, b.len, 0 },
				{ LAST_NS, last_key, b.s, b.len, 0 } };
			if (cache_put_all(cache, put, 2) && !o->quiet)
				rota_warnx("the solution cache: %s (not kept)", cache_errmsg(cache));
			sbuf_free(&b);
		}
	}
	if (cache)
		cache_close(cache);
	free(x);
	free(warm);
	return rc;
}

/* The diff of a repair: what was published and is no more, then what is
 * new, cell by cell; the assignments that fit no cell are removed. */
static void
write_diff(const struct programme *g, const struct cells *ref, const int *x)
{
	struct sbuf b = { 0 };
	if (ref->orphans.len) {
		char *text = xstrndup(ref->orphans.s, ref->orphans.len);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			cJSON *o = cJSON_Parse(line);
			cJSON_AddStringToObject(o, "change", "removed");
			json_write(&b, o);
			sbuf_addc(&b, '\n');
			cJSON_Delete(o);
		}
		free(text);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int p = 0; p < g->npeople; p++)
			for (int d = 0; d < g->ndays; d++)
				for (int s = 0; s < g->nslots; s++) {
					size_t c = pg_cell(g, p, d, s);
					int was = ref->x[c], now = x[c];
					if (was == now)
						continue;
					if (pass == 0 && was >= 0)
						planout_record(&b, g, p, d, s, was, "removed");
					if (pass == 1 && now >= 0)
						planout_record(&b, g, p, d, s, now, "added");
				}
	put_out(&b);
	sbuf_free(&b);
}

static int
repair_programme(const struct programme *g, const struct opts *o)
{
	struct cells ref;
	struct plan_opts po;
	struct plan_result res;
	cells_init(&ref, g, 0);
	cells_read_file(&ref, o->repair);
	plan_opts_of(o, &po);
	po.ref = ref.x;
	po.stall = REPAIR_STALL;
	long long published = ref.records;
	/* Assignments that fit no cell any more are removed whatever
	 * happens: changes, and counted against the cap. */
	if (o->max_changes >= 0) {
		po.max_changes = o->max_changes_pct ? o->max_changes * published / 100 : o->max_changes;
		po.max_changes = po.max_changes > ref.orphaned ? po.max_changes - ref.orphaned : 0;
	}
	int *x = xmalloc(pg_cells(g) * sizeof(int));
	plan_search(g, &po, x, &res);
	long long changes = res.score.change_count + ref.orphaned;
	struct plan_score shown = res.score;
	shown.change_count = changes;
	int rc = EXIT_OK;
	if (!res.legal) {
		explain_infeasible(g, &po, x, &res, "repair", o->verbose);
		rc = EXIT_INFEASIBLE;
	} else if (o->full) {
		rc = write_schedule(g, x, o);
	} else {
		write_diff(g, &ref, x);
	}
	if (o->output == OUT_NDJSON)
		write_plan_summary("repair", g, x, &shown, &res, o, NULL, 0);
	if (!o->quiet && res.legal) {
		char cap[64] = "no cap";
		if (po.max_changes >= 0)
			snprintf(cap, sizeof cap, "cap %lld", po.max_changes + ref.orphaned);
		rota_warnx("repair: %lld change%s (%.1f%% of %lld published assignments, %s), objective %lld, "
			   "%.2f s", changes, changes == 1 ? "" : "s",
			published ? 100.0 * (double)changes / (double)published : 0.0, published, cap,
			res.score.total - res.score.changes, res.elapsed);
	}
	free(x);
	cells_free(&ref);
	return rc;
}

static int
run_programme(struct problem_builder *b, const struct opts *o)
{
	struct problem_error e;
	char hash[33];
	if (o->write_lp)
		rota_errx(EXIT_USAGE, "--write-lp writes the benchmark model; this is a programme");
	programme_hash(b, hash);
	struct programme *g = programme_build(b, &e);
	if (g == NULL)
		bad_model(&e);
	problem_builder_free(b);
	building = NULL;
	int rc = o->evaluate ? evaluate_programme(g, o) : o->repair ? repair_programme(g, o)
								   : solve_programme(g, o, hash);
	programme_free(g);
	return rc;
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct opts o;
	rota_init(argv[0]);
	argv[0] = (char *)rota_progname;
	parse_args(argc, argv, &o);
	char **files = optind < argc ? argv + optind : stdin_only;
	int nfiles = o.db ? 0 : optind < argc ? argc - optind : 1;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	struct problem_builder *b = read_records(&o, files, nfiles);
	int status;
	if (programme_wanted(b)) {
		status = run_programme(b, &o);
	} else {
		if (o.repair || o.output != OUT_NDJSON)
			rota_errx(EXIT_USAGE, "--repair and --format are for programmes (a horizon of "
					      "several slots); this is a benchmark problem");
		struct problem *p = read_problem(b);
		problem_builder_free(b);
		building = NULL;
		status = o.evaluate ? evaluate(p, &o) : o.write_lp ? write_lp(p, &o) : solve(p, &o);
		problem_free(p);
	}
	int out = rota_close_stdout();
	return out ? out : status;
}
