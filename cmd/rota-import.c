/* rota-import: load outside data into rota records and into a store.
 *
 * Rows come from NDJSON, CSV or benchmark files; each is validated against
 * rota-records(5).  A bad row goes to the rejects file with its line number
 * and never stops its batch.  Good rows go to standard output as NDJSON, or
 * into a store in batches, one transaction each, with an import ledger so
 * that a killed import run again resumes where it stopped. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "json.h"
#include "loader.h"
#include "record.h"
#include "rtime.h"
#include "source.h"
#include "store.h"
#include "util.h"

struct opts {
	int format;			/* -1: from each file's name */
	const struct rec_type *type;
	const char *db;
	long batch_size;
	int atomic;
	const char *rejects;
	long long max_rejects;		/* -1: no limit */
	int64_t start;
	int resume;
	int list, dump;
	int progress;
	int quiet, verbose;
};

struct run {
	struct opts *o;
	struct store *st;
	struct loader *ld;
	int store_failed;
	struct afile rej;	/* the rejects file */
	char import_id[33];
	struct sbuf inputs;
	long long read, loaded, rejected, skipped, done_before;
	long batches, batch_rows;
	double t0, last_progress;
	off_t total_bytes, bytes_before;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-import [options] [FILE...]\n"
"Load NDJSON, CSV or benchmark files as rota records: to standard output as\n"
"NDJSON, or into a store with --db.  FILE - or none reads standard input.\n"
"\n"
"  -f, --from FORMAT      ndjson, csv or nrp (default: by file name: .csv is csv,\n"
"                         .txt is nrp, anything else ndjson)\n"
"  -t, --type TYPE        the record type of CSV rows (default: from the header);\n"
"                         with --dump, the one type to write\n"
"  -d, --db STORE         load into STORE: an SQLite file, or a PostgreSQL URI or\n"
"                         connection string\n"
"  -b, --batch-size N     records per transaction (default 100000)\n"
"      --atomic           load everything in one transaction, or nothing\n"
"  -r, --rejects FILE     write rejected rows to FILE as NDJSON\n"
"  -m, --max-rejects N    stop after more than N rejected rows, rolling back the\n"
"                         batch in flight\n"
"      --start DATE       the date of day 0 of a benchmark file (a Monday;\n"
"                         default 2024-01-01)\n"
"      --no-resume        load from the first row even if the ledger holds an\n"
"                         unfinished run of the same import\n"
"  -l, --list             print how many records of each type the store holds\n"
"      --dump             write the store's records to standard output as NDJSON\n"
"      --progress         show progress on standard error even when it is not\n"
"                         a terminal\n"
"  -q, --quiet            print nothing but errors\n"
"  -v, --verbose          report every rejected row (default: the first 10)\n"
"  -h, --help             print this help\n"
"      --version          print the version\n"
"\n"
"Exit status: 0 all rows loaded; 1 some rows rejected, the rest loaded; 2 usage;\n"
"3 input unusable or too many rejects (nothing of the batch in flight kept);\n"
"4 store error; 5 store locked by another writer past the busy timeout;\n"
"7 output error.  See rota-import(1) and rota(7).\n");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_ATOMIC = 256, O_START, O_NO_RESUME, O_DUMP, O_PROGRESS, O_VERSION };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "batch-size", required_argument, NULL, 'b' },
		{ "atomic", no_argument, NULL, O_ATOMIC },
		{ "rejects", required_argument, NULL, 'r' },
		{ "max-rejects", required_argument, NULL, 'm' },
		{ "start", required_argument, NULL, O_START },
		{ "no-resume", no_argument, NULL, O_NO_RESUME },
		{ "list", no_argument, NULL, 'l' },
		{ "dump", no_argument, NULL, O_DUMP },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	int c;

	/* Large batches: each commit rewrites the index pages it touched, so
	 * 100,000 rows loaded twice as fast as 10,000 (scripts/bench/import). */
	*o = (struct opts){ .format = -1, .batch_size = 100000, .max_rejects = -1, .resume = 1 };
	o->start = rtime_days_from_civil(2024, 1, 1);
	while ((c = getopt_long(argc, argv, "f:t:d:b:r:m:lqvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "ndjson") == 0) o->format = SRC_NDJSON;
			else if (strcmp(optarg, "csv") == 0) o->format = SRC_CSV;
			else if (strcmp(optarg, "nrp") == 0) o->format = SRC_NRP;
			else rota_errx(EXIT_USAGE, "--from: expected ndjson, csv or nrp, got \"%s\"", optarg);
			break;
		case 't':
			o->type = rec_type_named(optarg);
			if (o->type == NULL)
				rota_errx(EXIT_USAGE, "--type: unknown record type \"%s\"", optarg);
			break;
		case 'd':
			if (*optarg == '\0')
				rota_errx(EXIT_USAGE, "--db: empty store name");
			o->db = optarg;
			break;
		case 'b': o->batch_size = (long)opt_integer("--batch-size", optarg, 1, 100000000); break;
		case O_ATOMIC: o->atomic = 1; break;
		case 'r': o->rejects = optarg; break;
		case 'm': o->max_rejects = opt_integer("--max-rejects", optarg, 0, 1LL << 62); break;
		case O_START:
			if (rtime_parse_date(optarg, strlen(optarg), &o->start, &why))
				rota_errx(EXIT_USAGE, "--start: %s, got \"%s\"", why, optarg);
			if (rtime_weekday(o->start) != 0)
				rota_errx(EXIT_USAGE, "--start: day 0 of a benchmark is a Monday; %s is not",
					optarg);
			break;
		case O_NO_RESUME: o->resume = 0; break;
		case 'l': o->list = 1; break;
		case O_DUMP: o->dump = 1; break;
		case O_PROGRESS: o->progress = 1; break;
		case 'q': o->quiet = 1; o->verbose = 0; break;
		case 'v': o->verbose = 1; o->quiet = 0; break;
		case 'h': usage(stdout); exit(rota_close_stdout());
		case O_VERSION: printf("rota-import %s\n", ROTA_VERSION); exit(rota_close_stdout());
		default:
			fprintf(stderr, "usage: rota-import [options] [FILE...]\n"
					"Try 'rota-import --help' for more information.\n");
			exit(EXIT_USAGE);
		}
	}
	if (o->list + o->dump > 1)
		rota_errx(EXIT_USAGE, "--list and --dump go alone");
	if ((o->list || o->dump) && optind < argc)
		rota_errx(EXIT_USAGE, "--%s reads the store, not files", o->list ? "list" : "dump");
	if (!o->progress && !o->quiet && isatty(STDERR_FILENO))
		o->progress = 1;
	if (o->quiet)
		o->progress = 0;
}

static enum src_format
format_of(const struct opts *o, const char *path)
{
	return o->format >= 0 ? (enum src_format)o->format : source_format_for(path);
}

/* The import's identity for the ledger: what is read and how.  Only
 * regular files have one: standard input, a pipe or a FIFO cannot be read
 * twice (once to hash, once to load), so such an import is never resumed. */
static int
import_identity(struct run *r, char **files, int nfiles)
{
	XXH3_state_t *h = XXH3_createState();
	XXH3_128bits_reset(h);
	static const char *const names[] = { "ndjson", "csv", "nrp" };
	char buf[1 << 16];
	for (int i = 0; i < nfiles; i++) {
		struct stat st;
		if (strcmp(files[i], "-") == 0 || stat(files[i], &st) || !S_ISREG(st.st_mode)) {
			XXH3_freeState(h);
			sbuf_reset(&r->inputs);
			return 0;
		}
		enum src_format f = format_of(r->o, files[i]);
		sbuf_addf(&r->inputs, "%s%s:%s", i ? " " : "", names[f], files[i]);
		char opt[160];
		int n = snprintf(opt, sizeof opt, "%s|%s|%lld|", names[f],
			r->o->type ? r->o->type->name : "", (long long)r->o->start);
		XXH3_128bits_update(h, opt, (size_t)n);
		FILE *fp = fopen(files[i], "r");
		if (fp == NULL)
			rota_err(EXIT_DATA, "%s", files[i]);
		size_t got;
		while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
			XXH3_128bits_update(h, buf, got);
		if (ferror(fp))
			rota_err(EXIT_DATA, "%s", files[i]);
		fclose(fp);
	}
	XXH128_hash_t d = XXH3_128bits_digest(h);
	XXH3_freeState(h);
	snprintf(r->import_id, sizeof r->import_id, "%016llx%016llx", (unsigned long long)d.high64,
		(unsigned long long)d.low64);
	return 1;
}

static void
open_rejects(struct run *r)
{
	if (r->o->rejects && afile_open(&r->rej, r->o->rejects))
		rota_err(EXIT_IO, "%s", r->o->rejects);
}

static void
close_rejects(struct run *r)
{
	if (r->rej.fp == NULL)
		return;
	if (afile_commit(&r->rej))
		rota_err(EXIT_IO, "%s", r->o->rejects);
	r->rej.fp = NULL;
}

static void
reject(struct run *r, const struct src_row *row, const struct rec_error *e)
{
	r->rejected++;
	if (!r->o->quiet && (r->o->verbose || r->rejected <= 10)) {
		if (r->o->progress && isatty(STDERR_FILENO))
			fputs("\r\033[K", stderr);
		if (e->field[0])
			rota_warnx("%s:%ld: %s: %s", row->file, row->line, e->field, e->msg);
		else
			rota_warnx("%s:%ld: %s", row->file, row->line, e->msg);
	}
	if (!r->o->quiet && !r->o->verbose && r->rejected == 11)
		rota_warnx("more rejected rows follow; -v reports them all");
	if (r->rej.fp == NULL)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "reject");
	cJSON_AddStringToObject(o, "file", row->file);
	cJSON_AddNumberToObject(o, "line", (double)row->line);
	if (e->field[0])
		cJSON_AddStringToObject(o, "field", e->field);
	else
		cJSON_AddNullToObject(o, "field");
	cJSON_AddStringToObject(o, "reason", e->msg);
	/* The raw row may not be UTF-8; JSON strings must be. */
	if (row->raw && utf8_invalid_at(row->raw, row->rawlen) < 0) {
		char *raw = xstrndup(row->raw, row->rawlen);
		cJSON_AddStringToObject(o, "raw", raw);
		free(raw);
	} else {
		cJSON_AddNullToObject(o, "raw");
	}
	json_println(r->rej.fp, o);	/* errors show at close_rejects */
	cJSON_Delete(o);
}

static noreturn void
store_fail(struct run *r, const char *what)
{
	rota_warnx("%s: %s: %s", store_name(r->st), what, store_errmsg(r->st));
	int status = store_busy(r->st) ? EXIT_BUSY : EXIT_STORE;
	store_rollback(r->st);
	store_close(r->st);
	close_rejects(r);
	exit(status);
}

static void
progress(struct run *r, const struct source *s, int final)
{
	double now = rota_now();
	/* On a terminal one line redrawn four times a second; elsewhere (a log
	 * file, with --progress) one plain line a second. */
	int tty = isatty(STDERR_FILENO);
	if (!r->o->progress || (!final && now - r->last_progress < (tty ? 0.25 : 1.0)))
		return;
	r->last_progress = now;
	if (final) {
		if (tty)
			fputs("\r\033[K", stderr);
		return;
	}
	double el = now - r->t0, rate = el > 0 ? (double)r->read / el : 0;
	fprintf(stderr, "%s%s: %lld rows, %.0f rows/s", tty ? "\r\033[K" : "", rota_progname,
		r->read, rate);
	off_t done = r->bytes_before + (s ? source_offset(s) : 0);
	if (r->total_bytes > 0 && done > 0) {
		double frac = (double)done / (double)r->total_bytes;
		fprintf(stderr, ", %.0f%%, ETA %.0fs", 100 * frac, el / frac - el);
	}
	fputs(tty ? "" : "\n", stderr);
	fflush(stderr);
}

/* The errno of the first failed write to standard output: later library
 * calls (libpq, SQLite) may change errno before the message is printed. */
static int stdout_errno;

static int
print_record(cJSON *o, void *arg)
{
	(void)arg;
	if (json_println(stdout, o) == 0)
		return 0;
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	return 1;
}

static int
close_stdout(void)
{
	if (stdout_errno)
		return rota_stdout_failed(stdout_errno);
	return rota_close_stdout();
}

/* Takes one row: rejects it, skips it (committed by an earlier run), or
 * loads it.  Returns 1 when the import must stop. */
static int
take(struct run *r, struct src_row *row)
{
	struct rec rec;
	struct rec_error e;
	r->read++;
	if (row->obj == NULL) {
		reject(r, row, &row->err);
	} else if (rec_validate(row->obj, &rec, &e)) {
		reject(r, row, &e);
	} else if (r->read <= r->done_before) {
		r->skipped++;
	} else if (r->st == NULL) {
		if (print_record(row->obj, NULL)) {
			cJSON_Delete(row->obj);
			row->obj = NULL;
			return 1;	/* standard output is gone: stop */
		}
		r->loaded++;
	} else if (rec.rt->table == NULL) {
		r->skipped++;	/* summaries describe a run; a store keeps none */
	} else {
		r->loaded++;
		if (loader_add(r->ld, row->obj, &rec, r->read))
			r->store_failed = 1;
		row->obj = NULL;	/* the loader's now */
		if (r->store_failed)
			return 1;
	}
	cJSON_Delete(row->obj);
	row->obj = NULL;
	return r->o->max_rejects >= 0 && r->rejected > r->o->max_rejects;
}

static int
import_file(struct run *r, const char *path)
{
	struct src_options so = { .csv_type = r->o->type, .nrp_start = r->o->start };
	char err[512];
	struct source *s = source_open(path, format_of(r->o, path), &so, err, sizeof err);
	if (s == NULL) {
		rota_warnx("%s", err);
		return -1;
	}
	struct src_row row;
	int rc, stop = 0;
	while (!stop && (rc = source_next(s, &row)) > 0) {
		stop = take(r, &row);
		if ((r->read & 1023) == 0)
			progress(r, s, 0);
	}
	if (!stop && rc == -1)
		rota_warn("%s", path);
	if (!stop && rc == -2)
		rota_warnx("%s", row.err.msg);
	r->bytes_before += source_offset(s);
	source_close(s);
	return stop ? 1 : rc < 0 ? -1 : 0;
}

static void
summary(const struct run *r)
{
	if (r->o->quiet)
		return;
	double el = rota_now() - r->t0;
	fprintf(stderr, "%s: %lld read, %lld %s, %lld rejected", rota_progname, r->read, r->loaded,
		r->st ? "loaded" : "written", r->rejected);
	if (r->skipped)
		fprintf(stderr, ", %lld skipped", r->skipped);
	if (r->st)
		fprintf(stderr, ", %ld batch%s", r->batches, r->batches == 1 ? "" : "es");
	fprintf(stderr, ", %.0f rows/s\n", el > 0 ? (double)r->read / el : 0);
}

static int
list_store(struct store *st)
{
	long long n[RK_COUNT];
	for (int k = 0; k < RK_COUNT; k++)	/* all counts first: no half a table */
		if (rec_types[k]->table && store_count(st, rec_types[k], &n[k]))
			return -1;
	printf("%-12s %12s\n", "TYPE", "RECORDS");
	for (int k = 0; k < RK_COUNT; k++)
		if (rec_types[k]->table)
			printf("%-12s %12lld\n", rec_types[k]->name, n[k]);
	return 0;
}

static int
read_store(const struct opts *o)
{
	char err[1024];
	struct store *st = store_open_read(store_spec(o->db), err, sizeof err);
	if (st == NULL)
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	int rc = 0;
	if (o->list) {
		rc = list_store(st);
	} else {
		for (int k = 0; rc == 0 && k < RK_COUNT; k++)
			if (rec_types[k]->table && (o->type == NULL || o->type == rec_types[k]))
				rc = store_each(st, rec_types[k], print_record, NULL);
	}
	int failed = rc < 0 ? (store_busy(st) ? EXIT_BUSY : EXIT_STORE) : rc > 0 ? EXIT_IO : 0;
	if (rc < 0)
		rota_warnx("%s: %s", store_name(st), store_errmsg(st));
	store_close(st);
	int out = close_stdout();
	return failed ? failed : out;
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct opts o;
	struct run r = { 0 };

	rota_init(argv[0]);
	argv[0] = (char *)rota_progname;	/* getopt names the program by argv[0] */
	parse_args(argc, argv, &o);
	if (o.list || o.dump)
		return read_store(&o);

	char **files = optind < argc ? argv + optind : stdin_only;
	int nfiles = optind < argc ? argc - optind : 1;
	r.o = &o;
	for (int i = 0; i < nfiles; i++) {	/* before anything is loaded */
		struct stat sb;
		if (strcmp(files[i], "-") == 0)
			continue;
		if (access(files[i], R_OK) || stat(files[i], &sb))
			rota_err(EXIT_DATA, "%s", files[i]);
		if (S_ISDIR(sb.st_mode))
			rota_errx(EXIT_DATA, "%s: Is a directory", files[i]);
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	if (o.db) {
		char err[1024];
		if ((r.st = store_open(o.db, err, sizeof err)) == NULL)
			rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
		if (!o.atomic && import_identity(&r, files, nfiles)) {
			long batches;
			if (!o.resume && store_ledger_forget(r.st, r.import_id))
				store_fail(&r, "import ledger");
			if (store_ledger_resume(r.st, r.import_id, &r.done_before, &batches))
				store_fail(&r, "import ledger");
			r.batches = batches;
			if (r.done_before && !o.quiet)
				rota_warnx("resuming: the first %lld row%s (%ld batch%s) were committed "
					   "by an earlier run", r.done_before, r.done_before == 1 ? "" : "s",
					batches, batches == 1 ? "" : "es");
		}
		struct loader_opts lo = { o.batch_size, o.atomic, r.import_id, r.inputs.s, r.batches };
		if ((r.ld = loader_start(r.st, &lo)) == NULL)
			store_fail(&r, "begin");
	}
	for (int i = 0; i < nfiles; i++) {
		struct stat sb;
		if (strcmp(files[i], "-") && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			r.total_bytes += sb.st_size;	/* for the ETA */
	}
	open_rejects(&r);
	r.t0 = r.last_progress = rota_now();

	int status = EXIT_OK, stopped = 0;
	for (int i = 0; i < nfiles && !stopped; i++) {
		int rc = import_file(&r, files[i]);
		if (rc > 0) {
			stopped = 1;
			if (!r.store_failed && !stdout_errno)
				rota_warnx("more than %lld rows rejected; stopping", o.max_rejects);
		} else if (rc < 0) {
			stopped = 1;
		}
	}
	progress(&r, NULL, 1);
	if (r.st) {
		if (!stopped && o.atomic && r.rejected) {
			rota_warnx("--atomic: %lld rows rejected; nothing loaded", r.rejected);
			stopped = 1;
		}
		struct loader_result res;
		char err[1024];
		if (loader_finish(r.ld, !stopped, &res, err, sizeof err)) {
			rota_warnx("%s: %s", store_spec(o.db), err);
			r.store_failed = store_busy(r.st) ? EXIT_BUSY : EXIT_STORE;
		}
		r.batches = res.batches;
		r.loaded = res.rows;
		store_close(r.st);
	}
	close_rejects(&r);
	sbuf_free(&r.inputs);
	summary(&r);
	if (r.store_failed)
		status = r.store_failed == EXIT_BUSY ? EXIT_BUSY : EXIT_STORE;
	else if (stopped)
		status = EXIT_DATA;
	else if (r.rejected)
		status = EXIT_FOUND;
	int out = close_stdout();
	return out ? out : status;
}
