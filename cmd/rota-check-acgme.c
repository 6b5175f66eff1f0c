/* rota-check-acgme: check worked or planned hours against the ACGME rules.
 *
 * Reads shift and assignment records, groups them by person (in memory, or
 * one person at a time with --sorted), runs the rules of lib/acgme on each
 * person and writes a finding record for each result that is not ok, then
 * a summary.  Exit 1 when something is violated, like grep. */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <unistd.h>

#include <xxhash.h>

#include "acgme.h"
#include "cache.h"
#include "json.h"
#include "record.h"
#include "rtime.h"
#include "source.h"
#include "store.h"
#include "tz.h"
#include "util.h"

struct opts {
	struct acgme_opts a;
	const char *tzname;
	const char *db;
	const char *periods_file;
	int table, sorted, strict, assume_local, quiet, verbose, cache;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-check-acgme [options] [FILE...]\n"
"Check the shift and assignment records of FILE (NDJSON or CSV) or standard\n"
"input against the ACGME work-hour rules; write a finding record for each\n"
"result that is not ok, then a summary record.\n"
"\n"
"      --tz ZONE           the programme's time zone (default UTC), e.g.\n"
"                          America/New_York: where days and months begin\n"
"      --periods P         month (default), 28d:YYYY-MM-DD (blocks from that\n"
"                          day), file:PATH (period records) or rolling28\n"
"                          (every 28-day window, advisory only)\n"
"      --from DATE         the data covers days from DATE (default: its first)\n"
"      --to DATE           and up to DATE, inclusive (default: its last)\n"
"      --rules LIST        rule ids separated by commas; +ID adds to the\n"
"                          default set, -ID removes; \"all\" for every rule\n"
"      --merge-gap DUR     join on-site records closer than DUR into one\n"
"                          continuous period (default 2h; e.g. 90m, 1h30m)\n"
"      --exclude-gaps      a continuous period's length counts worked time only\n"
"      --strict-day-off    one day off in seven exactly: fail iff 7 x days off < E\n"
"      --assume-local      times without an offset are local times in --tz\n"
"      --strict            advisories and indeterminate results fail too\n"
"  -a, --all               a finding for every result, ok included\n"
"      --sorted            the input is grouped by person: check in one pass\n"
"      --cache             keep each person's findings in the local cache\n"
"                          (rota-cache(1)), keyed by their records: a re-check\n"
"                          parses and checks only the people who changed\n"
"  -F, --format FMT        ndjson (default) or table\n"
"  -d, --db STORE          read the records from a store instead of files\n"
"  -q, --quiet             no warnings\n"
"  -v, --verbose           also list the rules that cannot be checked from data\n"
"  -h, --help              print this help\n"
"      --version           print the version\n"
"\n"
"Rules: acgme.80h acgme.day-off acgme.24+4 acgme.14h-post-call\n"
"acgme.8h-between acgme.q3-call acgme.pgy1-moonlighting, and\n"
"legacy.nf-6-nights when asked for.\n"
"\n"
"Exit status: 0 nothing violated; 1 a violation (with --strict, also an\n"
"advisory or an indeterminate result); 2 usage; 3 bad input; 4 store error;\n"
"7 output error.  See rota-check-acgme(1) and rota(7).\n");
}

static int64_t
opt_date(const char *opt, const char *s)
{
	int64_t d;
	const char *why;
	if (rtime_parse_date(s, strlen(s), &d, &why))
		rota_errx(EXIT_USAGE, "%s: %s, got \"%s\"", opt, why, s);
	return d;
}

static void
parse_rules(const char *list, unsigned *rules)
{
	char *copy = xstrdup(list), *save = NULL;
	int first = 1;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save), first = 0) {
		int sign = *t == '+' ? 1 : *t == '-' ? -1 : 0;
		const char *id = sign ? t + 1 : t;
		if (first && !sign)
			*rules = 0;	/* a plain list replaces the default */
		if (strcmp(id, "all") == 0) {
			*rules = sign < 0 ? 0 : (1u << AR_COUNT) - 1;
			continue;
		}
		int r = acgme_rule_named(id);
		if (r < 0)
			rota_errx(EXIT_USAGE, "--rules: no rule \"%s\" (rota-check-acgme --help lists them)",
				id);
		if (sign < 0)
			*rules &= ~(1u << r);
		else
			*rules |= 1u << r;
	}
	free(copy);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_TZ = 256, O_PERIODS, O_FROM, O_TO, O_RULES, O_MERGE, O_EXCL, O_STRICT_DAY,
		O_LOCAL, O_STRICT, O_SORTED, O_CACHE, O_VERSION };
	static const struct option longopts[] = {
		{ "tz", required_argument, NULL, O_TZ },
		{ "periods", required_argument, NULL, O_PERIODS },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "rules", required_argument, NULL, O_RULES },
		{ "merge-gap", required_argument, NULL, O_MERGE },
		{ "exclude-gaps", no_argument, NULL, O_EXCL },
		{ "strict-day-off", no_argument, NULL, O_STRICT_DAY },
		{ "assume-local", no_argument, NULL, O_LOCAL },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "all", no_argument, NULL, 'a' },
		{ "sorted", no_argument, NULL, O_SORTED },
		{ "cache", no_argument, NULL, O_CACHE },
		{ "format", required_argument, NULL, 'F' },
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, tz_given = 0;
	memset(o, 0, sizeof *o);
	acgme_defaults(&o->a);
	o->tzname = "UTC";
	while ((c = getopt_long(argc, argv, "aF:d:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case O_TZ: o->tzname = optarg; tz_given = 1; break;
		case O_PERIODS:
			if (strcmp(optarg, "month") == 0) {
				o->a.periods = AP_MONTH;
			} else if (strcmp(optarg, "rolling28") == 0) {
				o->a.periods = AP_ROLLING;
			} else if (strncmp(optarg, "28d:", 4) == 0) {
				o->a.periods = AP_BLOCKS;
				o->a.anchor = opt_date("--periods 28d", optarg + 4);
			} else if (strncmp(optarg, "file:", 5) == 0 && optarg[5]) {
				o->a.periods = AP_FILE;
				o->periods_file = optarg + 5;
			} else {
				rota_errx(EXIT_USAGE, "--periods: expected month, 28d:YYYY-MM-DD, file:PATH "
					"or rolling28, got \"%s\"", optarg);
			}
			break;
		case O_FROM: o->a.from = opt_date("--from", optarg); o->a.have_from = 1; break;
		case O_TO: o->a.to = opt_date("--to", optarg); o->a.have_to = 1; break;
		case O_RULES: parse_rules(optarg, &o->a.rules); break;
		case O_MERGE: o->a.merge_gap = opt_duration("--merge-gap", optarg); break;
		case O_EXCL: o->a.exclude_gaps = 1; break;
		case O_STRICT_DAY: o->a.strict_day_off = 1; break;
		case O_LOCAL: o->assume_local = 1; break;
		case O_STRICT: o->strict = 1; break;
		case 'a': o->a.all = 1; break;
		case O_SORTED: o->sorted = 1; break;
		case O_CACHE: o->cache = 1; break;
		case 'F':
			if (strcmp(optarg, "table") == 0) o->table = 1;
			else if (strcmp(optarg, "ndjson") == 0) o->table = 0;
			else rota_errx(EXIT_USAGE, "--format: expected ndjson or table, got \"%s\"", optarg);
			break;
		case 'd':
			if (*optarg == '\0')
				rota_errx(EXIT_USAGE, "--db: empty store name");
			o->db = optarg;
			break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(rota_close_stdout());
		case O_VERSION: printf("rota-check-acgme %s\n", ROTA_VERSION); exit(rota_close_stdout());
		default:
			fprintf(stderr, "usage: rota-check-acgme [options] [FILE...]\n"
					"Try 'rota-check-acgme --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (o->db && optind < argc)
		rota_errx(EXIT_USAGE, "--db reads the store, not files");
	if (o->cache && o->db)
		rota_errx(EXIT_USAGE, "--cache keys people by their NDJSON lines: not with --db");
	if (o->a.have_from && o->a.have_to && o->a.to < o->a.from)
		rota_errx(EXIT_USAGE, "--to is before --from");
	if (o->assume_local && !tz_given)
		rota_errx(EXIT_USAGE, "--assume-local needs --tz: local to which zone?");
}

/* ---- people and their records ------------------------------------------ */

struct person {
	char *id;
	int pgy;		/* from a person record, 0 if none */
	struct acgme_rec *r;
	size_t n, cap;
	int done;		/* --sorted: checked, must not come back */
	struct sbuf raw;	/* --cache: the person's lines, as read */
	struct rawline *lines;
	size_t nlines, lines_cap;
};

struct rawline {
	const char *file;
	long line;
	size_t off, len;	/* in the person's raw */
};

/* People by id, in order of first appearance; an open-addressing index. */
struct people {
	struct person *v;
	size_t n, cap;
	size_t *slot;		/* index + 1, 0 empty */
	size_t nslots;
};

static void
people_rehash(struct people *P)
{
	free(P->slot);
	P->nslots = P->nslots ? 2 * P->nslots : 1024;
	P->slot = xcalloc(P->nslots, sizeof *P->slot);
	for (size_t i = 0; i < P->n; i++) {
		size_t h = XXH3_64bits(P->v[i].id, strlen(P->v[i].id)) & (P->nslots - 1);
		while (P->slot[h])
			h = (h + 1) & (P->nslots - 1);
		P->slot[h] = i + 1;
	}
}

static struct person *
people_get(struct people *P, const char *id)
{
	if (2 * (P->n + 1) > P->nslots)
		people_rehash(P);
	size_t h = XXH3_64bits(id, strlen(id)) & (P->nslots - 1);
	for (; P->slot[h]; h = (h + 1) & (P->nslots - 1))
		if (strcmp(P->v[P->slot[h] - 1].id, id) == 0)
			return &P->v[P->slot[h] - 1];
	if (P->n == P->cap) {
		P->cap = P->cap ? 2 * P->cap : 64;
		P->v = xrealloc(P->v, P->cap * sizeof *P->v);
	}
	P->v[P->n] = (struct person){ .id = xstrdup(id) };
	P->slot[h] = ++P->n;
	return &P->v[P->n - 1];
}

static void
person_add(struct person *p, const struct acgme_rec *r)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->r = xrealloc(p->r, p->cap * sizeof *p->r);
	}
	p->r[p->n++] = *r;
}

/* ---- the run ------------------------------------------------------------ */

struct run {
	struct opts *o;
	struct tz *tz;
	struct people people;
	size_t current;		/* --sorted: the person being read, index + 1;
				 * not a pointer, as people_get moves the array */
	long long records;
	struct acgme_counts counts;
	int out_failed;
	int header_done;
	FILE *out;		/* findings go here: stdout, or a person's buffer */
	struct cache *cache;	/* --cache */
	XXH128_hash_t options;	/* --cache: what else the findings depend on */
	long long cache_hits, cache_misses;
	int caching;		/* add_record: a person's block, no --sorted logic */
};

static double
rounded(double v)
{
	return (double)(long long)(v * 100 + (v < 0 ? -0.5 : 0.5)) / 100;
}

static void
print_table_row(FILE *fp, const struct acgme_finding *f, const char *from, const char *to)
{
	char v[32], l[32];
	json_number(v, sizeof v, rounded(f->value));
	json_number(l, sizeof l, rounded(f->limit));
	/* FROM and TO as wide as an instant, so that rows of both kinds line up. */
	fprintf(fp, "%-13s %-23s %-12s %-25s %-25s %8s %6s  %s\n", acgme_status_name[f->status],
		acgme_rules[f->rule].id, f->person, from, to, v, l, f->message);
}


static void
report(const struct acgme_finding *f, void *arg)
{
	struct run *run = arg;
	char from[32], to[32];
	if (f->dates) {
		rtime_format_date(f->from, from);
		rtime_format_date(f->to, to);
	} else {
		tz_format(run->tz, f->from, from);
		tz_format(run->tz, f->to, to);
	}
	if (run->o->table) {
		if (!run->header_done++)
			fprintf(stdout, "%-13s %-23s %-12s %-25s %-25s %8s %6s  %s\n", "STATUS", "RULE", "PERSON",
				"FROM", "TO", "VALUE", "LIMIT", "MESSAGE");
		print_table_row(run->out, f, from, to);
		return;
	}
	const struct acgme_rule_info *ri = &acgme_rules[f->rule];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "finding");
	cJSON_AddStringToObject(o, "rule", ri->id);
	cJSON_AddStringToObject(o, "status", acgme_status_name[f->status]);
	cJSON_AddStringToObject(o, "person", f->person);
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	cJSON_AddNumberToObject(o, "value", rounded(f->value));
	cJSON_AddNumberToObject(o, "limit", rounded(f->limit));
	cJSON_AddStringToObject(o, "unit", f->unit);
	cJSON_AddStringToObject(o, "clause", ri->clause);
	cJSON_AddStringToObject(o, "clause_2025", ri->clause_2025);
	cJSON_AddStringToObject(o, "message", f->message);
	if (f->nweeks) {
		cJSON *w = cJSON_AddArrayToObject(o, "weeks");
		for (int i = 0; i < f->nweeks; i++)
			cJSON_AddItemToArray(w, cJSON_CreateNumber(rounded(f->weeks[i])));
	}
	if (json_println(run->out, o))
		run->out_failed = 1;
	cJSON_Delete(o);
}

static void
warn_overlap(const struct acgme_rec *a, const struct acgme_rec *b, const char *person, void *arg)
{
	struct run *run = arg;
	if (run->o->quiet)
		return;
	/* Records from a store have no line (0): name the store alone. */
	char wa[600], wb[600];
	snprintf(wa, sizeof wa, a->line > 0 ? "%s:%ld" : "%s", a->file, a->line);
	snprintf(wb, sizeof wb, b->line > 0 ? "%s:%ld" : "%s", b->file, b->line);
	rota_warnx("%s: %s: overlaps the record of %s; the time is counted once", wb, person, wa);
}

static void
check_person(struct run *run, struct person *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->r[i].pgy)
			p->r[i].pgy = p->pgy;
	acgme_check_person(&run->o->a, p->id, p->r, p->n, &run->counts);
	free(p->r);
	p->r = NULL;
	p->n = p->cap = 0;
}

/* The index of a field of a record's type.  Remembered per type and name
 * (names are literals here, so pointers compare): the lookup ran for
 * every field of every record. */
static int
field_index(const struct rec *r, const char *name)
{
	static struct {
		const struct rec_type *rt;
		const char *name;
		int i;
	} memo[32];
	static unsigned next;
	for (unsigned k = 0; k < 32; k++)
		if (memo[k].rt == r->rt && memo[k].name == name)
			return memo[k].i;
	int i = rec_field_index(r->rt, name);
	memo[next % 32].rt = r->rt;
	memo[next % 32].name = name;
	memo[next++ % 32].i = i;
	return i;
}

static const cJSON *
field(const struct rec *r, const char *name)
{
	int i = field_index(r, name);
	return i >= 0 ? r->f[i] : NULL;
}

static const char *
text(const struct rec *r, const char *name)
{
	const cJSON *v = field(r, name);
	return v ? v->valuestring : NULL;
}

/* What validation parsed: an instant in seconds, an enum's index. */
static long long
number(const struct rec *r, const char *name)
{
	return r->num[field_index(r, name)];
}

/* The acgme kind of a record's kind, by the index validation found: the
 * record's list of kinds is mapped once onto lib/acgme's. */
static int
kind_of(const struct rec *r)
{
	static int map[32];
	static const char *const *mapped;
	const struct rec_field *f = &r->rt->fields[field_index(r, "kind")];
	if (mapped != f->values) {
		mapped = f->values;
		for (int i = 0; i < 32 && f->values[i]; i++)
			map[i] = acgme_kind_named(f->values[i]);
	}
	return map[number(r, "kind")];
}


/* Rewrites a time without an offset as the instant it is in --tz (exactly
 * one, or an error: never guess at a DST change). */
static void
make_instant(struct run *run, cJSON *obj, const char *name, const char *file, long line)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsString(v) || strlen(v->valuestring) != 19)
		return;	/* absent, or has an offset: validation decides */
	int64_t day, t;
	const char *why, *s = v->valuestring;
	int hh, mm, ss;
	if (rtime_parse_date(s, 10, &day, &why) || s[10] != 'T' ||
	    sscanf(s + 11, "%2d:%2d:%2d", &hh, &mm, &ss) != 3 || hh > 23 || mm > 59 || ss > 59)
		return;
	int rc = tz_from_local(run->tz, day * 86400 + hh * 3600 + mm * 60 + ss, &t);
	if (rc == -1)
		rota_bad_input(file, line, name, "this local time does not exist in --tz (clocks sprang over it)");
	if (rc == -2)
		rota_bad_input(file, line, name, "this local time happens twice in --tz (clocks fell back): "
			"give the offset");
	char buf[32];
	tz_format(run->tz, t, buf);
	cJSON_SetValuestring(v, buf);
}

static void
add_record(struct run *run, cJSON *obj, const char *file, long line)
{
	struct rec r;
	struct rec_error e;
	if (run->o->assume_local) {
		make_instant(run, obj, "start", file, line);
		make_instant(run, obj, "end", file, line);
	}
	if (rec_validate(obj, &r, &e))
		rota_bad_input(file, line, e.field, e.msg);
	enum rec_kind k = r.rt->kind;
	if (k == RK_PERSON) {
		/* Its pgy is for the person's records: with --sorted, ones already
		 * checked would silently miss it (a PGY-1 moonlighting unseen). */
		struct person *p = people_get(&run->people, text(&r, "id"));
		if (p->done)
			rota_bad_input(file, line, "id", "not sorted by person (seen before)");
		const cJSON *pgy = field(&r, "pgy");
		if (pgy)
			p->pgy = pgy->valueint;
		return;
	}
	if (k != RK_SHIFT && k != RK_ASSIGNMENT)
		return;	/* the problem's other records say nothing about hours */
	if (!text(&r, "start"))
		rota_bad_input(file, line, "start", "the check needs when the work began and ended");
	const char *kind = text(&r, "kind");
	if (!kind)
		rota_bad_input(file, line, "kind", "the check needs the kind of work (clinical, …)");
	const char *id = text(&r, "person");
	struct person *p;
	if (run->o->sorted && !run->caching) {
		if (!run->current || strcmp(run->people.v[run->current - 1].id, id) != 0) {
			if (run->current) {
				check_person(run, &run->people.v[run->current - 1]);
				run->people.v[run->current - 1].done = 1;
			}
			p = people_get(&run->people, id);
			if (p->done)
				rota_bad_input(file, line, "person", "not sorted by person (seen before)");
			run->current = (size_t)(p - run->people.v) + 1;
		}
		p = &run->people.v[run->current - 1];
	} else {
		p = people_get(&run->people, id);
	}
	const cJSON *pgy = field(&r, "pgy"), *exc = field(&r, "exception");
	struct acgme_rec a = { number(&r, "start"), number(&r, "end"), kind_of(&r),
		pgy ? pgy->valueint : 0, exc && cJSON_IsTrue(exc), line, file };
	person_add(p, &a);
	run->records++;
}

/* ---- --cache ------------------------------------------------------------
 *
 * A person's findings depend on their records, their person record's PGY
 * level and the options; nothing else.  So the cache key is a hash of the
 * options and of the person's lines as read, and a hit replays the
 * findings without parsing those lines at all: the parse is most of the
 * cost of a check.  A person's records are told apart by a scan for their
 * "person" member, exact for the lines rota writes; anything the scan
 * cannot read for certain is parsed. */

#define CACHE_NS "acgme"

/* Whether q, inside the line starting at p, is at the top level of the
 * object (depth 1) and outside any string. */
static int
top_level(const char *p, const char *q)
{
	int depth = 0, in_string = 0;
	for (; p < q; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_string = 0;
		} else if (*p == '"') {
			in_string = 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	return depth == 1 && !in_string;
}

/* The "person": "…" member of an NDJSON line, when it is at the top level
 * and plain (no escapes): 1 and the id's bytes; else 0.  The member comes
 * early in the lines rota writes, so the scan is short. */
static int
scan_person(const char *p, size_t n, const char **id, size_t *len)
{
	static const char key[] = "\"person\"";
	const char *end = p + n, *found = memmem(p, n, key, sizeof key - 1);
	if (!found || !top_level(p, found))
		return 0;
	const char *q = found + sizeof key - 1;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end || *q++ != ':')
		return 0;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end || *q++ != '"')
		return 0;
	const char *close = memchr(q, '"', (size_t)(end - q));
	if (!close || close == q || memchr(q, '\\', (size_t)(close - q)))
		return 0;
	*id = q;
	*len = (size_t)(close - q);
	return 1;
}

static void
options_digest(struct run *run)
{
	const struct opts *o = run->o;
	const struct acgme_opts *a = &o->a;
	struct sbuf b = { 0 };
	/* The version: a new rota may compute differently. */
	sbuf_addf(&b, "rota %s\ntz %s\nperiods %d %lld\ncover %d %lld %d %lld\nrules %u\n"
		  "gap %lld %d %d %d %d %d\n", ROTA_VERSION, tz_name(run->tz), (int)a->periods,
		(long long)a->anchor, a->have_from, (long long)a->from, a->have_to, (long long)a->to,
		a->rules, (long long)a->merge_gap, a->exclude_gaps, a->strict_day_off, a->all,
		o->table, o->assume_local);
	for (size_t i = 0; i < a->nplist; i++)
		sbuf_addf(&b, "period %s %lld %lld %d\n", a->plist[i].person ? a->plist[i].person : "*",
			(long long)a->plist[i].from, (long long)a->plist[i].to, a->plist[i].weekly_limit);
	run->options = XXH3_128bits(b.s, b.len);
	sbuf_free(&b);
}

/* What a person's check added to the counts, and their output. */
struct cached {
	long long checked, by_status[AS_COUNT], periods, overlaps;
};

static void
write_findings(struct run *run, const char *p, size_t n)
{
	if (n && run->o->table && !run->header_done++)
		printf("%-13s %-23s %-12s %-25s %-25s %8s %6s  %s\n", "STATUS", "RULE", "PERSON", "FROM",
			"TO", "VALUE", "LIMIT", "MESSAGE");
	if (n && fwrite(p, 1, n, stdout) != n)
		run->out_failed = 1;
}

static void
add_counts(struct acgme_counts *c, const struct cached *k, int sign)
{
	c->checked += sign * k->checked;
	for (int i = 0; i < AS_COUNT; i++)
		c->by_status[i] += sign * k->by_status[i];
	c->periods += sign * k->periods;
	c->overlaps += sign * k->overlaps;
}

/* Checks a person from their lines, or replays what the cache has. */
static void
check_block(struct run *run, struct person *p)
{
	XXH3_state_t *h = XXH3_createState();
	XXH3_128bits_reset(h);
	XXH3_128bits_update(h, &run->options, sizeof run->options);
	XXH3_128bits_update(h, &p->pgy, sizeof p->pgy);
	XXH3_128bits_update(h, p->id, strlen(p->id) + 1);
	for (size_t i = 0; i < p->nlines; i++) {
		uint64_t len = p->lines[i].len;
		XXH3_128bits_update(h, &len, sizeof len);
		XXH3_128bits_update(h, p->raw.s + p->lines[i].off, p->lines[i].len);
	}
	XXH128_hash_t d = XXH3_128bits_digest(h);
	XXH3_freeState(h);
	char key[40];
	snprintf(key, sizeof key, "%016llx%016llx", (unsigned long long)d.high64,
		(unsigned long long)d.low64);
	void *val;
	size_t len;
	int rc = cache_get(run->cache, CACHE_NS, key, &val, &len);
	if (rc < 0)
		rota_errx(cache_busy(run->cache) ? EXIT_BUSY : EXIT_STORE, "--cache: %s",
			cache_errmsg(run->cache));
	struct cached k;
	if (rc == 1 && len >= sizeof k) {
		memcpy(&k, val, sizeof k);
		add_counts(&run->counts, &k, 1);
		run->records += (long long)p->nlines;
		write_findings(run, (char *)val + sizeof k, len - sizeof k);
		free(val);
		run->cache_hits++;
		goto done;
	}
	free(rc == 1 ? val : NULL);
	run->cache_misses++;
	run->caching = 1;
	for (size_t i = 0; i < p->nlines; i++) {
		struct src_row row = { .file = p->lines[i].file, .line = p->lines[i].line,
			.raw = p->raw.s + p->lines[i].off, .rawlen = p->lines[i].len };
		if (source_parse(&row))
			rota_bad_input(row.file, row.line, row.err.field, row.err.msg);
		add_record(run, row.obj, row.file, row.line);
		cJSON_Delete(row.obj);
	}
	run->caching = 0;
	struct acgme_counts before = run->counts;
	char *out = NULL;
	size_t outlen = 0;
	run->out = open_memstream(&out, &outlen);
	if (!run->out)
		rota_err(EXIT_IO, "open_memstream");
	check_person(run, p);
	if (fclose(run->out) != 0)
		rota_err(EXIT_IO, "open_memstream");
	run->out = stdout;
	k = (struct cached){ run->counts.checked - before.checked, { 0 },
		run->counts.periods - before.periods, run->counts.overlaps - before.overlaps };
	for (int i = 0; i < AS_COUNT; i++)
		k.by_status[i] = run->counts.by_status[i] - before.by_status[i];
	struct sbuf v = { 0 };
	sbuf_add(&v, (const char *)&k, sizeof k);
	sbuf_add(&v, out ? out : "", outlen);
	if (cache_put(run->cache, CACHE_NS, key, v.s, v.len, 0) < 0 && !run->o->quiet)
		rota_warnx("--cache: %s (not kept)", cache_errmsg(run->cache));
	write_findings(run, out, outlen);
	sbuf_free(&v);
	free(out);
done:
	sbuf_free(&p->raw);
	free(p->lines);
	p->lines = NULL;
	p->nlines = p->lines_cap = 0;
}

static void
block_add(struct person *p, const struct src_row *row)
{
	if (p->nlines == p->lines_cap) {
		p->lines_cap = p->lines_cap ? 2 * p->lines_cap : 64;
		p->lines = xrealloc(p->lines, p->lines_cap * sizeof *p->lines);
	}
	p->lines[p->nlines++] = (struct rawline){ row->file, row->line, p->raw.len, row->rawlen };
	sbuf_add(&p->raw, row->raw, row->rawlen);
}

/* The person a line belongs to: by the scan, else by parsing it (a line
 * that is not a shift or an assignment is then taken in at once). */
static struct person *
person_of_line(struct run *run, struct src_row *row)
{
	const char *id;
	size_t n;
	char buf[256];
	if (scan_person(row->raw, row->rawlen, &id, &n) && n < sizeof buf) {
		if (run->current) {	/* mostly the same person as the line before */
			struct person *c = &run->people.v[run->current - 1];
			if (strncmp(c->id, id, n) == 0 && c->id[n] == '\0')
				return c;
		}
		memcpy(buf, id, n);
		buf[n] = '\0';
		return people_get(&run->people, buf);
	}
	if (source_parse(row))
		rota_bad_input(row->file, row->line, row->err.field, row->err.msg);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(row->obj, "type");
	const cJSON *who = cJSON_GetObjectItemCaseSensitive(row->obj, "person");
	struct person *p = NULL;
	if (cJSON_IsString(type) && cJSON_IsString(who) &&
	    (strcmp(type->valuestring, "shift") == 0 || strcmp(type->valuestring, "assignment") == 0))
		p = people_get(&run->people, who->valuestring);
	else
		add_record(run, row->obj, row->file, row->line);
	cJSON_Delete(row->obj);
	row->obj = NULL;
	return p;
}

static void
read_file_cached(struct run *run, const char *path)
{
	char err[1024];
	struct source *s = source_open(path, SRC_NDJSON, &(struct src_options){ .lazy = 1 }, err,
		sizeof err);
	if (!s)
		rota_errx(EXIT_DATA, "%s", err);
	struct src_row row;
	int rc;
	while ((rc = source_next(s, &row)) == 1) {
		struct person *p = person_of_line(run, &row);
		if (!p)
			continue;
		size_t at = (size_t)(p - run->people.v) + 1;
		if (run->o->sorted && run->current != at) {
			if (run->current) {
				check_block(run, &run->people.v[run->current - 1]);
				run->people.v[run->current - 1].done = 1;
			}
			p = &run->people.v[at - 1];
			if (p->done)
				rota_bad_input(row.file, row.line, "person", "not sorted by person (seen before)");
			run->current = at;
		}
		block_add(p, &row);
	}
	if (rc < 0)
		rota_errx(EXIT_DATA, "%s: %s", path, rc == -1 ? strerror(errno) : "cannot be read");
	source_close(s);
}


static void
read_file(struct run *run, const char *path)
{
	char err[1024];
	struct source *s = source_open(path, source_format_for(path), &(struct src_options){ 0 }, err,
		sizeof err);
	if (!s)
		rota_errx(EXIT_DATA, "%s", err);
	struct src_row row;
	int rc;
	while ((rc = source_next(s, &row)) == 1) {
		if (!row.obj) {
			/* Closed first, so that a leak checker does not find the
			 * file open when bad input ends the run; row.err is ours. */
			source_close(s);
			rota_bad_input(path, row.line, row.err.field, row.err.msg);
		}
		add_record(run, row.obj, row.file, row.line);
		cJSON_Delete(row.obj);
	}
	if (rc < 0)
		rota_errx(EXIT_DATA, "%s: %s", path, rc == -1 ? strerror(errno) : "cannot be read");
	source_close(s);
}

static int
add_stored(cJSON *obj, void *arg)
{
	struct run *run = arg;
	add_record(run, obj, run->o->db, 0);
	return 0;
}

static void
read_store(struct run *run)
{
	char err[1024];
	const char *spec = store_spec(run->o->db);
	struct store *st = store_open_read(spec, err, sizeof err);
	if (st == NULL)
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	/* People first, for their PGY level; then the two kinds of work. */
	static const enum rec_kind kinds[] = { RK_PERSON, RK_SHIFT, RK_ASSIGNMENT };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (store_each(st, rec_types[kinds[i]], add_stored, run) < 0)
			rota_errx(store_busy(st) ? EXIT_BUSY : EXIT_STORE, "%s: %s", store_name(st),
				store_errmsg(st));
	store_close(st);
}

/* A period record → *p; NULL, or the bad field with a sentence in *msg. */
static const char *
period_of(const cJSON *obj, struct acgme_period *p, const char **msg)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(obj, "from");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(obj, "to");
	const cJSON *who = cJSON_GetObjectItemCaseSensitive(obj, "person");
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(obj, "weekly_limit");
	const char *why;
	*msg = "expected a date YYYY-MM-DD";
	if (!cJSON_IsString(from) || rtime_parse_date(from->valuestring, strlen(from->valuestring),
					&p->from, &why))
		return "from";
	if (!cJSON_IsString(to) || rtime_parse_date(to->valuestring, strlen(to->valuestring), &p->to,
					&why))
		return "to";
	*msg = "before from";
	if (p->to < p->from)
		return "to";
	*msg = "expected a person's id";
	if (who && !cJSON_IsNull(who) && (!cJSON_IsString(who) || !*who->valuestring))
		return "person";
	*msg = "expected 80 or 88";
	if (lim && !cJSON_IsNull(lim)) {
		if (!cJSON_IsNumber(lim) || (lim->valuedouble != 80 && lim->valuedouble != 88))
			return "weekly_limit";
		p->weekly_limit = lim->valueint;
	}
	if (cJSON_IsString(who))
		p->person = xstrdup(who->valuestring);
	return NULL;
}

static void
read_periods(struct opts *o, struct acgme_period **out, size_t *n)
{
	char err[1024];
	struct source *s = source_open(o->periods_file, SRC_NDJSON, &(struct src_options){ 0 }, err,
		sizeof err);
	if (!s)
		rota_errx(EXIT_DATA, "--periods: %s", err);
	struct src_row row;
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = source_next(s, &row)) == 1) {
		struct acgme_period p = { .weekly_limit = 80 };
		const char *field = row.err.field, *msg = row.err.msg;
		int bad = !row.obj;
		if (row.obj) {
			field = period_of(row.obj, &p, &msg);
			bad = field != NULL;
			cJSON_Delete(row.obj);
		}
		if (bad) {
			/* Closed first, so that a leak checker does not find the
			 * file open when bad input ends the run. */
			source_close(s);
			rota_bad_input(o->periods_file, row.line, field, msg);
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = p;
	}
	if (rc < 0)
		rota_errx(EXIT_DATA, "%s: %s", o->periods_file, strerror(errno));
	source_close(s);
}

static void
print_summary(struct run *run)
{
	const struct acgme_counts *c = &run->counts;
	if (run->o->table) {
		printf("%s%zu people, %lld records, %lld periods: %lld violations, %lld advisories, "
			"%lld indeterminate, %lld ok\n", run->header_done ? "\n" : "", run->people.n,
			run->records, c->periods, c->by_status[AS_VIOLATION], c->by_status[AS_ADVISORY],
			c->by_status[AS_INDETERMINATE], c->by_status[AS_OK]);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "summary");
	cJSON_AddStringToObject(o, "tool", "rota-check-acgme");
	cJSON_AddNumberToObject(o, "records", (double)run->records);
	cJSON_AddNumberToObject(o, "people", (double)run->people.n);
	cJSON_AddNumberToObject(o, "periods", (double)c->periods);
	cJSON_AddNumberToObject(o, "checked", (double)c->checked);
	cJSON_AddNumberToObject(o, "violations", (double)c->by_status[AS_VIOLATION]);
	cJSON_AddNumberToObject(o, "advisories", (double)c->by_status[AS_ADVISORY]);
	cJSON_AddNumberToObject(o, "indeterminate", (double)c->by_status[AS_INDETERMINATE]);
	cJSON_AddNumberToObject(o, "ok", (double)c->by_status[AS_OK]);
	cJSON_AddNumberToObject(o, "overlaps", (double)c->overlaps);
	cJSON_AddStringToObject(o, "tz", tz_name(run->tz));
	if (run->cache) {
		cJSON_AddNumberToObject(o, "cache_hits", (double)run->cache_hits);
		cJSON_AddNumberToObject(o, "cache_misses", (double)run->cache_misses);
	}
	if (json_println(stdout, o))
		run->out_failed = 1;
	cJSON_Delete(o);
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

	char err[1024];
	struct run run = { .o = &o, .out = stdout };
	run.tz = tz_load(o.tzname, err, sizeof err);
	if (!run.tz)
		rota_errx(EXIT_USAGE, "--tz: %s", err);
	struct acgme_period *plist = NULL;
	if (o.periods_file) {
		read_periods(&o, &plist, &o.a.nplist);
		o.a.plist = plist;
	}
	o.a.tz = run.tz;
	o.a.report = report;
	o.a.warn = warn_overlap;
	o.a.arg = &run;
	if (o.verbose && !o.quiet)
		rota_warnx("not evaluated (not checkable from data): at-home call \"not so frequent or "
			   "taxing\" (VI.F.8.a) and the programme's structure rules");

	if (o.db) {
		o.sorted = 0;	/* two tables: group in memory */
		read_store(&run);
	}
	if (o.cache) {
		if (!(run.cache = cache_open(NULL, err, sizeof err)))
			rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "--cache: %s", err);
		options_digest(&run);
	}
	for (int i = 0; i < nfiles; i++)
		(o.cache ? read_file_cached : read_file)(&run, files[i]);
	void (*check)(struct run *, struct person *) = o.cache ? check_block : check_person;
	if (o.sorted) {
		if (run.current)
			check(&run, &run.people.v[run.current - 1]);
	} else {
		for (size_t i = 0; i < run.people.n; i++)
			check(&run, &run.people.v[i]);
	}
	print_summary(&run);
	if (run.cache && cache_close(run.cache) < 0 && !o.quiet)
		rota_warnx("--cache: cannot write the cache's statistics");

	for (size_t i = 0; i < run.people.n; i++) {
		free(run.people.v[i].id);
		free(run.people.v[i].r);
		free(run.people.v[i].lines);
		sbuf_free(&run.people.v[i].raw);
	}
	free(run.people.v);
	free(run.people.slot);
	for (size_t i = 0; i < o.a.nplist; i++)
		free(plist[i].person);
	free(plist);
	tz_free(run.tz);
	int out = rota_close_stdout();
	if (out || run.out_failed)
		return out ? out : EXIT_IO;
	const long long *s = run.counts.by_status;
	return s[AS_VIOLATION] || (o.strict && (s[AS_ADVISORY] || s[AS_INDETERMINATE])) ? EXIT_FOUND : 0;
}
