/* source.c: NDJSON, CSV and benchmark readers. */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "rtime.h"
#include "util.h"

struct source {
	FILE *fp;
	const char *path;
	enum src_format fmt;
	struct src_options opt;
	long lineno;		/* lines read so far */
	off_t size;
	char *line;		/* getline's buffer */
	size_t linecap;
	struct sbuf row;	/* the current row's raw text */
	int eof;

	/* CSV */
	int header_done;
	char **names;		/* header cells */
	size_t ncols;
	const struct rec_type *rt;
	int *col_field;		/* column → field index of rt, -1 unknown */
	int type_col;		/* column named "type", or -1 */
	struct sbuf cells;	/* decoded cells, NUL-separated */
	size_t *cell_off;
	size_t cell_cap;

	/* benchmark */
	int section;
	int64_t days;
	cJSON **queue;		/* records made from one line, handed out in order */
	size_t nqueue, qhead;
	long queue_line;
	struct rec_error queue_err;
	int queue_bad;
};

enum src_format
source_format_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && strcmp(dot, ".csv") == 0)
		return SRC_CSV;
	if (dot && strcmp(dot, ".txt") == 0)
		return SRC_NRP;
	return SRC_NDJSON;
}

struct source *
source_open(const char *path, enum src_format fmt, const struct src_options *o, char *err,
	size_t errlen)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct source *s = xcalloc(1, sizeof *s);
	s->fp = fp;
	s->path = path;
	s->fmt = fmt;
	s->opt = *o;
	s->type_col = -1;
	s->section = -1;
	struct stat st;
	s->size = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
	return s;
}

off_t
source_offset(const struct source *s)
{
	off_t o = ftello(s->fp);
	return o < 0 ? 0 : o;
}

off_t source_size(const struct source *s) { return s->size; }

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	if (s->fp != stdin)
		fclose(s->fp);
	free(s->line);
	sbuf_free(&s->row);
	for (size_t i = 0; i < s->ncols; i++)
		free(s->names[i]);
	free(s->names);
	free(s->col_field);
	sbuf_free(&s->cells);
	free(s->cell_off);
	for (size_t i = s->qhead; i < s->nqueue; i++)
		cJSON_Delete(s->queue[i]);
	free(s->queue);
	free(s);
}

/* One physical line without its line end; 0 at the end of input. */
static int
read_line(struct source *s, size_t *len)
{
	ssize_t n = getline(&s->line, &s->linecap, s->fp);
	if (n < 0) {
		if (ferror(s->fp))
			return -1;
		s->eof = 1;
		return 0;
	}
	s->lineno++;
	if (n > 0 && s->line[n - 1] == '\n')
		n--;
	if (n > 0 && s->line[n - 1] == '\r')
		n--;
	s->line[n] = '\0';
	*len = (size_t)n;
	return 1;
}

static void
row_begin(struct source *s, struct src_row *row)
{
	memset(row, 0, sizeof *row);
	row->file = s->path;
	row->line = s->lineno;
}

static void
row_raw(struct src_row *row, const char *p, size_t n)
{
	row->raw = p;
	row->rawlen = n;
}

/* Text rota can hold: UTF-8 without NUL bytes (C strings end at one). */
static int
check_utf8(struct src_row *row, const char *p, size_t n)
{
	const char *nul = memchr(p, '\0', n);
	if (nul) {
		rec_error_set(&row->err, "", "a NUL byte at byte %ld", (long)(nul - p) + 1);
		return -1;
	}
	long bad = utf8_invalid_at(p, n);
	if (bad < 0)
		return 0;
	rec_error_set(&row->err, "", "invalid UTF-8 at byte %ld", bad + 1);
	return -1;
}

/* ---- NDJSON ---------------------------------------------------------- */

static int
ndjson_next(struct source *s, struct src_row *row)
{
	size_t n;
	int r;
	for (;;) {
		if ((r = read_line(s, &n)) <= 0)
			return r;
		if (n > 0 && strspn(s->line, " \t") != n)
			break;		/* blank lines separate nothing; skip them */
	}
	row_begin(s, row);
	row_raw(row, s->line, n);
	if (s->opt.lazy)
		return 1;	/* the caller parses it, if it needs to */
	source_parse(row);
	return 1;
}

int
source_parse(struct src_row *row)
{
	const char *p = row->raw;
	size_t n = row->rawlen;
	row->obj = NULL;
	if (check_utf8(row, p, n))
		return -1;
	long nul = json_nul_escape_at(p, n);
	if (nul >= 0) {
		rec_error_set(&row->err, "", "\\u0000 at column %ld: rota strings cannot hold NUL",
			nul + 1);
		return -1;
	}
	const char *end = NULL;
	row->obj = cJSON_ParseWithLengthOpts(p, n, &end, 0);
	if (row->obj && end && strspn(end, " \t") != n - (size_t)(end - p)) {
		cJSON_Delete(row->obj);
		row->obj = NULL;
	}
	if (row->obj == NULL) {
		/* cJSON's error position is approximate; ours is exact. */
		const char *why = "not JSON";
		size_t col = json_syntax_error(p, n, &why);
		rec_error_set(&row->err, "", "invalid JSON at column %zu: %s", col ? col : 1, why);
		return -1;
	}
	return 0;
}

/* ---- CSV ------------------------------------------------------------- */

/* Reads one CSV row (which may span lines inside quotes) into s->row. */
static int
csv_read_row(struct source *s, long *first_line)
{
	size_t n;
	int r, quotes = 0;
	sbuf_reset(&s->row);
	do {
		if ((r = read_line(s, &n)) <= 0) {
			if (r == 0 && s->row.len > 0)
				return 1;	/* an unclosed quote at the end: the cell parser says so */
			return r;
		}
		if (s->row.len == 0)
			*first_line = s->lineno;
		else
			sbuf_addc(&s->row, '\n');
		sbuf_add(&s->row, s->line, n);
		for (size_t i = 0; i < n; i++)
			quotes += s->line[i] == '"';
	} while (quotes % 2 != 0);
	return 1;
}

/* Splits s->row into cells; returns their count or -1 with why. */
static long
csv_split(struct source *s, const char **why)
{
	const char *p = s->row.s, *end = s->row.s + s->row.len;
	size_t ncell = 0;
	sbuf_reset(&s->cells);
	for (;;) {
		if (ncell == s->cell_cap) {
			s->cell_cap = s->cell_cap ? s->cell_cap * 2 : 16;
			s->cell_off = xrealloc(s->cell_off, s->cell_cap * sizeof *s->cell_off);
		}
		s->cell_off[ncell++] = s->cells.len;
		if (p < end && *p == '"') {
			for (p++;; p++) {
				if (p >= end) {
					*why = "unterminated quoted field";
					return -1;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						sbuf_addc(&s->cells, '"');
						p++;
						continue;
					}
					p++;
					break;
				}
				sbuf_addc(&s->cells, *p);
			}
			if (p < end && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *stop = comma ? comma : end;
			if (memchr(p, '"', (size_t)(stop - p))) {
				*why = "a quote inside an unquoted field";
				return -1;
			}
			sbuf_add(&s->cells, p, (size_t)(stop - p));
			p = stop;
		}
		sbuf_addc(&s->cells, '\0');
		if (p >= end)
			return (long)ncell;
		p++;	/* the comma */
	}
}

static const char *
cell(const struct source *s, size_t i)
{
	return s->cells.s + s->cell_off[i];
}

/* Picks the stored record type whose required fields the header has, that
 * names at least half of the header's columns, and the most of them.  (The
 * half keeps a type with few required fields, limit, from claiming a header
 * by one column.) */
static const struct rec_type *
csv_guess_type(struct source *s, char *err, size_t errlen)
{
	const struct rec_type *best = NULL;
	int best_score = -1, tie = 0;
	for (int k = 0; k < RK_COUNT; k++) {
		const struct rec_type *rt = rec_types[k];
		int score = 0, ok = 1;
		for (int i = 0; i < rt->nfields; i++) {
			int found = 0;
			for (size_t c = 0; c < s->ncols; c++)
				found |= strcmp(s->names[c], rt->fields[i].name) == 0;
			score += found;
			if ((rt->fields[i].flags & F_REQ) && !found)
				ok = 0;
		}
		if (!ok || rt->table == NULL || score == 0 || 2 * (size_t)score < s->ncols)
			continue;
		if (score > best_score) {
			best = rt;
			best_score = score;
			tie = 0;
		} else if (score == best_score) {
			tie = 1;
		}
	}
	if (best == NULL || tie) {
		snprintf(err, errlen, "%s: cannot tell the record type from the header%s; use --type",
			s->path, tie ? " (it fits more than one)" : "");
		return NULL;
	}
	return best;
}

static int
csv_header(struct source *s, char *err, size_t errlen)
{
	long first;
	const char *why;
	int r = csv_read_row(s, &first);
	if (r <= 0) {
		snprintf(err, errlen, "%s: %s", s->path, r < 0 ? strerror(errno) : "empty file, expected a header line");
		return -1;
	}
	/* A UTF-8 byte order mark, as spreadsheets write it. */
	if (s->row.len >= 3 && memcmp(s->row.s, "\xef\xbb\xbf", 3) == 0) {
		memmove(s->row.s, s->row.s + 3, s->row.len - 2);
		s->row.len -= 3;
	}
	long n = csv_split(s, &why);
	if (n < 0) {
		snprintf(err, errlen, "%s:%ld: header: %s", s->path, first, why);
		return -1;
	}
	s->ncols = (size_t)n;
	s->names = xcalloc(s->ncols, sizeof *s->names);
	for (size_t i = 0; i < s->ncols; i++) {
		s->names[i] = xstrdup(cell(s, i));
		if (s->names[i][0] == '\0') {
			snprintf(err, errlen, "%s:%ld: header: column %zu has no name", s->path, first, i + 1);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->names[i], s->names[j]) == 0) {
				snprintf(err, errlen, "%s:%ld: header: column \"%s\" given twice", s->path,
					first, s->names[i]);
				return -1;
			}
		if (strcmp(s->names[i], "type") == 0)
			s->type_col = (int)i;
	}
	s->rt = s->opt.csv_type;
	if (s->rt == NULL && s->type_col < 0 && (s->rt = csv_guess_type(s, err, errlen)) == NULL)
		return -1;
	/* Each column's field, found once here rather than on every row. */
	s->col_field = xcalloc(s->ncols, sizeof *s->col_field);
	for (size_t i = 0; i < s->ncols; i++)
		s->col_field[i] = s->rt ? rec_field_index(s->rt, s->names[i]) : -1;
	s->header_done = 1;
	return 0;
}

static int
csv_next(struct source *s, struct src_row *row)
{
	long first = 0;
	const char *why;
	int r;
	do {
		if ((r = csv_read_row(s, &first)) <= 0)
			return r;
	} while (s->row.len == 0);	/* blank lines */
	row_begin(s, row);
	row->line = first;
	row_raw(row, s->row.s, s->row.len);
	if (check_utf8(row, s->row.s, s->row.len))
		return 1;
	long n = csv_split(s, &why);
	if (n < 0) {
		rec_error_set(&row->err, "", "%s", why);
		return 1;
	}
	if ((size_t)n != s->ncols) {
		rec_error_set(&row->err, "", "expected %zu fields, got %ld", s->ncols, n);
		return 1;
	}
	const struct rec_type *rt = s->rt;
	if (s->type_col >= 0 && s->opt.csv_type == NULL) {
		rt = rec_type_named(cell(s, (size_t)s->type_col));
		if (rt == NULL) {
			rec_error_set(&row->err, "type", "unknown record type \"%.40s\"",
				cell(s, (size_t)s->type_col));
			return 1;
		}
	}
	cJSON *obj = cJSON_CreateObject();
	/* Known names are the field table's static strings: the object keeps
	 * a pointer to them instead of a copy (cJSON's "CS" calls). */
	cJSON_AddItemToObjectCS(obj, "type", cJSON_CreateString(rt->name));
	for (size_t c = 0; c < s->ncols; c++) {
		const char *v = cell(s, c);
		if (*v == '\0' || (int)c == s->type_col)
			continue;	/* an empty cell is an absent field */
		int fi = rt == s->rt ? s->col_field[c] : rec_field_index(rt, s->names[c]);
		cJSON *val = fi < 0 ? cJSON_CreateString(v)
				    : rec_value_from_text(&rt->fields[fi], v, &row->err);
		if (val == NULL) {
			cJSON_Delete(obj);
			return 1;
		}
		if (fi >= 0)
			cJSON_AddItemToObjectCS(obj, rt->fields[fi].name, val);
		else
			cJSON_AddItemToObject(obj, s->names[c], val);
	}
	row->obj = obj;
	return 1;
}

/* ---- the staff-rostering benchmark ------------------------------------- */

enum { SEC_HORIZON, SEC_SHIFTS, SEC_STAFF, SEC_DAYS_OFF, SEC_ON, SEC_OFF, SEC_COVER, SEC_N };
static const char *const sections[SEC_N] = {
	"SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
	"SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER",
};

static void
queue_push(struct source *s, cJSON *o)
{
	s->queue = xrealloc(s->queue, (s->nqueue + 1) * sizeof *s->queue);
	s->queue[s->nqueue++] = o;
}

static cJSON *
record(const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* Splits a line on commas in place into at most max parts; returns the
 * number of fields the line has, which may be more. */
static int
split_commas(char *p, char **part, int max)
{
	int n = 0;
	for (;;) {
		char *c = strchr(p, ',');
		if (n < max) {
			part[n] = p;
			if (c)
				*c = '\0';
		}
		n++;
		if (c == NULL)
			return n;
		p = c + 1;
	}
}

static int
nrp_int(const char *s, const char *field, long long lo, long long hi, long long *v,
	struct rec_error *e)
{
	char *end;
	*v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0') {
		rec_error_set(e, field, "expected an integer, got \"%.40s\"", s);
		return -1;
	}
	if (*v < lo || *v > hi) {
		rec_error_set(e, field, "expected %lld..%lld, got %lld", lo, hi, *v);
		return -1;
	}
	return 0;
}

static int
nrp_day(struct source *s, const char *txt, const char *field, char *date, struct rec_error *e)
{
	long long d;
	if (nrp_int(txt, field, 0, s->days - 1, &d, e))
		return -1;
	rtime_format_date(s->opt.nrp_start + d, date);
	return 0;
}

static int
nrp_expect(int n, int want, struct rec_error *e)
{
	if (n == want)
		return 0;
	rec_error_set(e, "", "expected %d comma-separated fields, got %d", want, n);
	return -1;
}

/* Turns one data line of the current section into records on the queue. */
static int
nrp_line(struct source *s, char *line, struct rec_error *e)
{
	char *p[16];
	long long v;
	char date[11];
	cJSON *o;
	int n;

	switch (s->section) {
	case SEC_HORIZON:
		if (s->days)
			return rec_error_set(e, "", "the horizon is given twice"), -1;
		if (nrp_int(line, "days", 1, 3660, &v, e))
			return -1;
		s->days = v;
		o = record("horizon");
		rtime_format_date(s->opt.nrp_start, date);
		cJSON_AddStringToObject(o, "start", date);
		cJSON_AddNumberToObject(o, "days", (double)v);
		cJSON_AddItemToObject(o, "slots", cJSON_CreateStringArray((const char *[]){ "DAY" }, 1));
		queue_push(s, o);
		return 0;
	case SEC_SHIFTS:
		if (nrp_expect(n = split_commas(line, p, 3), 3, e) ||
		    nrp_int(p[1], "minutes", 1, 2880, &v, e))
			return -1;
		o = record("activity");
		cJSON_AddStringToObject(o, "id", p[0]);
		cJSON_AddStringToObject(o, "kind", "clinical");
		cJSON_AddStringToObject(o, "slot", "DAY");
		cJSON_AddNumberToObject(o, "minutes", (double)v);
		if (*p[2]) {
			struct rec_field list = { "not_followed_by", FK_LIST, 0, 0, 0, NULL, NULL };
			cJSON_AddItemToObject(o, "not_followed_by", rec_value_from_text(&list, p[2], e));
		}
		queue_push(s, o);
		return 0;
	case SEC_STAFF: {
		static const char *const names[] = { "max_minutes", "min_minutes", "max_consecutive",
			"min_consecutive", "min_consecutive_off", "max_weekends" };
		if (nrp_expect(n = split_commas(line, p, 8), 8, e))
			return -1;
		struct rec_field counts = { "max_shifts", FK_COUNTS, 0, 0, 100000, NULL, NULL };
		cJSON *max_shifts = rec_value_from_text(&counts, p[1], e);
		if (max_shifts == NULL)
			return -1;
		cJSON *lim = record("limit");
		cJSON_AddStringToObject(lim, "person", p[0]);
		cJSON_AddItemToObject(lim, "max_shifts", max_shifts);
		for (int i = 0; i < 6; i++) {
			if (nrp_int(p[2 + i], names[i], 0, 1000000000, &v, e)) {
				cJSON_Delete(lim);
				return -1;
			}
			cJSON_AddNumberToObject(lim, names[i], (double)v);
		}
		o = record("person");
		cJSON_AddStringToObject(o, "id", p[0]);
		queue_push(s, o);
		queue_push(s, lim);
		return 0;
	}
	case SEC_DAYS_OFF: {
		/* EmployeeID,Day,Day,…: one absence for each run of consecutive days. */
		char *comma = strchr(line, ',');
		if (comma == NULL || comma[1] == '\0')
			return rec_error_set(e, "", "expected an employee and at least one day"), -1;
		*comma = '\0';
		const char *who = line;
		char *rest = comma + 1;
		long long prev = -2, from = -1;
		char *save = NULL;
		for (char *t = strtok_r(rest, ",", &save);; t = strtok_r(NULL, ",", &save)) {
			long long d = -1;
			if (t && nrp_int(t, "day", 0, s->days - 1, &d, e))
				return -1;
			if (t && d == prev + 1) {
				prev = d;
				continue;
			}
			if (from >= 0) {	/* close the run from..prev */
				char to[11];
				o = record("absence");
				cJSON_AddStringToObject(o, "person", who);
				rtime_format_date(s->opt.nrp_start + from, date);
				rtime_format_date(s->opt.nrp_start + prev, to);
				cJSON_AddStringToObject(o, "from", date);
				cJSON_AddStringToObject(o, "to", to);
				cJSON_AddStringToObject(o, "reason", "day off");
				queue_push(s, o);
			}
			if (t == NULL)
				break;
			from = prev = d;
		}
		return 0;
	}
	case SEC_ON:
	case SEC_OFF:
		if (nrp_expect(n = split_commas(line, p, 4), 4, e) || nrp_day(s, p[1], "day", date, e) ||
		    nrp_int(p[3], "weight", 0, 1000000000, &v, e))
			return -1;
		o = record("request");
		cJSON_AddStringToObject(o, "person", p[0]);
		cJSON_AddStringToObject(o, "date", date);
		cJSON_AddStringToObject(o, "slot", "DAY");
		cJSON_AddStringToObject(o, "activity", p[2]);
		cJSON_AddStringToObject(o, "want", s->section == SEC_ON ? "on" : "off");
		cJSON_AddNumberToObject(o, "weight", (double)v);
		queue_push(s, o);
		return 0;
	case SEC_COVER: {
		long long want, under, over;
		if (nrp_expect(n = split_commas(line, p, 5), 5, e) || nrp_day(s, p[0], "day", date, e) ||
		    nrp_int(p[2], "want", 0, 100000, &want, e) ||
		    nrp_int(p[3], "weight_under", 0, 1000000000, &under, e) ||
		    nrp_int(p[4], "weight_over", 0, 1000000000, &over, e))
			return -1;
		o = record("cover");
		cJSON_AddStringToObject(o, "date", date);
		cJSON_AddStringToObject(o, "slot", "DAY");
		cJSON_AddStringToObject(o, "activity", p[1]);
		cJSON_AddNumberToObject(o, "want", (double)want);
		cJSON_AddNumberToObject(o, "weight_under", (double)under);
		cJSON_AddNumberToObject(o, "weight_over", (double)over);
		queue_push(s, o);
		return 0;
	}
	default:
		rec_error_set(e, "", s->section < 0 ? "data before the first SECTION_ line"
						    : "data in a rejected section");
		return -1;
	}
}

static int
nrp_next(struct source *s, struct src_row *row)
{
	size_t n;
	int r;
	for (;;) {
		if (s->qhead < s->nqueue) {
			row_begin(s, row);
			row->line = s->queue_line;
			row_raw(row, s->row.s, s->row.len);
			row->obj = s->queue[s->qhead++];
			return 1;
		}
		s->qhead = s->nqueue = 0;
		if ((r = read_line(s, &n)) <= 0)
			return r;
		char *t = s->line;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '\0' || *t == '#')
			continue;
		sbuf_reset(&s->row);
		sbuf_add(&s->row, s->line, n);
		s->queue_line = s->lineno;
		if (strncmp(t, "SECTION_", 8) == 0) {
			int k;
			for (k = 0; k < SEC_N && strcmp(t, sections[k]) != 0; k++)
				;
			row_begin(s, row);
			row_raw(row, s->row.s, s->row.len);
			if (k == SEC_N) {
				rec_error_set(&row->err, "", "unknown section \"%.40s\"", t);
				s->section = SEC_N;	/* its lines are rejected too */
				return 1;
			}
			if (k != SEC_HORIZON && s->days == 0) {
				rec_error_set(&row->err, "", "%s before SECTION_HORIZON", sections[k]);
				s->section = SEC_N;
				return 1;
			}
			s->section = k;
			continue;
		}
		row_begin(s, row);
		row_raw(row, s->row.s, s->row.len);
		if (check_utf8(row, s->line, n))
			return 1;
		if (nrp_line(s, t, &row->err)) {
			for (size_t i = 0; i < s->nqueue; i++)
				cJSON_Delete(s->queue[i]);
			s->nqueue = 0;
			return 1;
		}
	}
}

int
source_next(struct source *s, struct src_row *row)
{
	switch (s->fmt) {
	case SRC_CSV:
		if (!s->header_done) {
			char err[512];
			if (csv_header(s, err, sizeof err)) {
				/* A header the tool cannot use makes the whole file unusable. */
				row_begin(s, row);
				rec_error_set(&row->err, "", "%s", err);
				errno = 0;
				s->eof = 1;
				return -2;
			}
		}
		return csv_next(s, row);
	case SRC_NRP:
		return nrp_next(s, row);
	default:
		return ndjson_next(s, row);
	}
}

int
source_each(const char *path, int fmt, const struct src_options *o,
	int (*fn)(const struct rec *r, const char *file, long line, void *arg), void *arg,
	char *err, size_t errlen)
{
	err[0] = '\0';
	struct source *s = source_open(path, fmt >= 0 ? (enum src_format)fmt : source_format_for(path),
		o, err, errlen);
	if (s == NULL)
		return -1;
	struct src_row row;
	struct rec r;
	int rc;
	while ((rc = source_next(s, &row)) > 0) {
		struct rec_error e = row.err;
		if (row.obj == NULL || rec_validate(row.obj, &r, &e)) {
			if (e.field[0])
				snprintf(err, errlen, "%s:%ld: %s: %s", row.file, row.line, e.field, e.msg);
			else
				snprintf(err, errlen, "%s:%ld: %s", row.file, row.line, e.msg);
			cJSON_Delete(row.obj);
			rc = -1;
			break;
		}
		rc = fn(&r, row.file, row.line, arg);
		cJSON_Delete(row.obj);
		if (rc)
			break;
	}
	if (rc == -1 && errno && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (rc == -2)
		snprintf(err, errlen, "%s", row.err.msg);
	source_close(s);
	return rc < 0 ? -1 : rc;
}
