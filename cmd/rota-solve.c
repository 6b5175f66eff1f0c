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

#include "json.h"
#include "lpwrite.h"
#include "problem.h"
#include "roster.h"
#include "rtime.h"
#include "search.h"
#include "source.h"
#include "store.h"
#include "util.h"

struct opts {
	struct search_opts search;
	const char *evaluate;
	const char *write_lp;
	const char *db;
	int format;
	int64_t start;
	int quiet, verbose;
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
"Exit status: 0 a legal roster (or, with -e, a legal schedule); 1 with -e, the\n"
"schedule breaks a hard rule; 2 usage; 3 bad input; 4 store error; 6 no legal\n"
"roster found; 7 output error.  See rota-solve(1) and rota(7).\n");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_MOVES = 256, O_BOUND, O_LP, O_START, O_PROGRESS, O_VERSION };
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
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	int c;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	*o = (struct opts){ .format = -1 };
	o->search = (struct search_opts){ .time_limit = 10, .threads = cores > 0 ? (int)cores : 1,
		.seed = 1, .bound = -1 };
	o->start = rtime_days_from_civil(2024, 1, 1);
	while ((c = getopt_long(argc, argv, "t:j:s:e:d:f:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->search.time_limit = opt_number("--time-limit", optarg, 0, 1e7); break;
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

static struct problem *
read_problem(const struct opts *o, char **files, int nfiles)
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
				rota_errx(EXIT_STORE, "%s: %s", o->db, store_errmsg(st));
		store_close(st);
	}
	struct src_options so = { .nrp_start = o->start };
	for (int i = 0; i < nfiles; i++)
		if (source_each(files[i], o->format, &so, add_record, b, err, sizeof err) < 0)
			rota_errx(EXIT_DATA, "%s", err);
	struct problem_error e;
	struct problem *p = problem_build(b, &e);
	if (p == NULL) {
		if (e.file)
			rota_bad_input(e.file, e.line, e.field, e.msg);
		rota_errx(EXIT_DATA, "%s", e.msg);
	}
	problem_builder_free(b);
	building = NULL;
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

int
main(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct opts o;
	rota_setprogname(argv[0]);
	argv[0] = (char *)rota_progname;
	parse_args(argc, argv, &o);
	char **files = optind < argc ? argv + optind : stdin_only;
	int nfiles = o.db ? 0 : optind < argc ? argc - optind : 1;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	struct problem *p = read_problem(&o, files, nfiles);
	int status = o.evaluate ? evaluate(p, &o) : o.write_lp ? write_lp(p, &o) : solve(p, &o);
	problem_free(p);
	int out = rota_close_stdout();
	return out ? out : status;
}
