/* lpwrite.c: a problem as an integer programme in CPLEX LP format, and a
 * CBC solution read back into a roster.
 *
 * The rows model roster.c's rules exactly (the comments name the rule);
 * rows that can bind nothing are left out.  Everything is streamed through
 * one small buffer: nothing grows with the size of the problem, so a year
 * of 150 people and 32 types is written in the time the disk takes. */
#include "lpwrite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rtime.h"
#include "util.h"

/* ---- output: a buffer, lines wrapped for readers that limit them ---- */

#define WRAP 200	/* CPLEX limits lines to 560 characters */

struct out {
	FILE *fp;
	size_t n, col;
	int err;
	char buf[1 << 16];
	/* The row being written: its name is put out with its first term, so
	 * that a row left empty can be dropped or turned into a constant. */
	char row[64];
	int row_terms;
};

static void
flush(struct out *o)
{
	if (o->n && !o->err && fwrite(o->buf, 1, o->n, o->fp) != o->n)
		o->err = errno ? errno : EIO;
	o->n = 0;
}

static void
put(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		o->col = s[i] == '\n' ? 0 : o->col + 1;
	while (len > 0) {
		if (o->n == sizeof o->buf)
			flush(o);
		size_t k = sizeof o->buf - o->n < len ? sizeof o->buf - o->n : len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Decimal digits of v into the end of a 24-byte buffer; returns the start. */
static char *
digits(long long v, char *end)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char *p = end;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	return p;
}

static void
putll(struct out *o, long long v)
{
	char b[24], *p = digits(v, b + sizeof b);
	put(o, p, (size_t)(b + sizeof b - p));
}

/* A name: prefix then "_i" for each of n indices, into dst (64 bytes). */
static size_t
name(char *dst, const char *prefix, int n, int i, int j, int k)
{
	size_t len = strlen(prefix);
	int idx[3] = { i, j, k };
	memcpy(dst, prefix, len);
	for (int m = 0; m < n; m++) {
		char b[24], *p = digits(idx[m], b + sizeof b);
		dst[len++] = '_';
		memcpy(dst + len, p, (size_t)(b + sizeof b - p));
		len += (size_t)(b + sizeof b - p);
	}
	dst[len] = '\0';
	return len;
}

/* ---- rows ---- */

static void
row_begin(struct out *o, const char *prefix, int n, int i, int j, int k)
{
	name(o->row, prefix, n, i, j, k);
	o->row_terms = 0;
}

/* coef * variable (prefix, n indices), within the current row or objective. */
static void
term(struct out *o, long long coef, const char *prefix, int n, int i, int j, int k)
{
	if (coef == 0)
		return;
	char v[64];
	size_t len = name(v, prefix, n, i, j, k);
	if (o->row_terms == 0) {
		puts_(o, " ");
		puts_(o, o->row);
		puts_(o, ":");
	} else if (o->col > WRAP)
		puts_(o, "\n   ");
	if (coef < 0)
		puts_(o, " -");
	else if (o->row_terms)
		puts_(o, " +");
	long long a = coef < 0 ? -coef : coef;
	if (a != 1) {
		puts_(o, " ");
		putll(o, a);
	}
	puts_(o, " ");
	put(o, v, len);
	o->row_terms++;
}

/* Ends the row with "sense rhs".  A row without terms is left out when
 * 0 sense rhs holds; otherwise it is kept, on const_one with coefficient 0,
 * so that the solver sees the infeasibility. */
static void
row_end(struct out *o, const char *sense, long long rhs)
{
	if (o->row_terms == 0) {
		int holds = sense[0] == '<' ? 0 <= rhs : sense[0] == '>' ? 0 >= rhs : rhs == 0;
		if (holds)
			return;
		puts_(o, " ");
		puts_(o, o->row);
		puts_(o, ": 0 const_one");
	}
	puts_(o, " ");
	puts_(o, sense);
	puts_(o, " ");
	putll(o, rhs);
	puts_(o, "\n");
}

/* ---- one person's shape ---- */

struct person {
	int s;
	int *allowed, nallowed;	/* the types s may work */
	int *group;		/* [i]: succession group of allowed[i], or -1 */
	int ngroups;
	int open_days;		/* days that are not days off */
};

static int
has_x(const struct problem *p, const struct person *ps, int d)
{
	return ps->nallowed > 0 && !p->day_off[ps->s * p->ndays + d];
}

static int
allowed(const struct problem *p, int s, int t, int d)
{
	return p->max_shifts[s * p->ntypes + t] > 0 && !p->day_off[s * p->ndays + d];
}

/* work(s, d) * coef: y_s_d where s may work two types or more, else the one
 * x, else nothing (a day off, or a person who may work nothing). */
static void
work(struct out *o, const struct problem *p, const struct person *ps, int d, long long coef)
{
	if (!has_x(p, ps, d))
		return;
	if (ps->nallowed == 1)
		term(o, coef, "x", 3, ps->s, d, ps->allowed[0]);
	else
		term(o, coef, "y", 2, ps->s, d, 0);
}

static void
person_init(const struct problem *p, int s, struct person *ps, int *succ)
{
	int T = p->ntypes, D = p->ndays;
	ps->s = s;
	ps->nallowed = 0;
	for (int t = 0; t < T; t++)
		if (p->max_shifts[s * T + t] > 0)
			ps->allowed[ps->nallowed++] = t;
	ps->open_days = 0;
	for (int d = 0; d < D; d++)
		ps->open_days += !p->day_off[s * D + d];
	/* Types with the same forbidden followers (among the allowed) make one
	 * succession row a day: at most one shift a day makes it exact. */
	ps->ngroups = 0;
	int A = ps->nallowed;
	for (int i = 0; i < A; i++) {
		int a = ps->allowed[i], any = 0;
		ps->group[i] = -1;
		for (int j = 0; j < A; j++)
			any |= succ[i * A + j] = p->forbid[a * T + ps->allowed[j]];
		if (!any)
			continue;
		for (int k = 0; k < i && ps->group[i] < 0; k++)
			if (ps->group[k] >= 0 && memcmp(&succ[k * A], &succ[i * A], (size_t)A * sizeof *succ) == 0)
				ps->group[i] = ps->group[k];
		if (ps->group[i] < 0)
			ps->group[i] = ps->ngroups++;
	}
}

/* The rows of person s. */
static void
person_rows(struct out *o, const struct problem *p, const struct person *ps, const int *succ)
{
	int s = ps->s, D = p->ndays, T = p->ntypes, A = ps->nallowed;

	/* At most one shift a day; y_s_d is the day's work. */
	for (int d = 0; A > 1 && d < D; d++) {
		if (!has_x(p, ps, d))
			continue;
		row_begin(o, "one", 2, s, d, 0);
		for (int i = 0; i < A; i++)
			term(o, 1, "x", 3, s, d, ps->allowed[i]);
		term(o, -1, "y", 2, s, d, 0);
		row_end(o, "=", 0);
	}

	/* Succession, inside the horizon only. */
	for (int d = 0; d + 1 < D; d++) {
		if (!has_x(p, ps, d) || !has_x(p, ps, d + 1))
			continue;
		for (int g = 0; g < ps->ngroups; g++) {
			int first = -1;
			row_begin(o, "succ", 3, s, d, g);
			for (int i = 0; i < A; i++)
				if (ps->group[i] == g) {
					term(o, 1, "x", 3, s, d, ps->allowed[i]);
					if (first < 0)
						first = i;
				}
			for (int j = 0; j < A; j++)
				if (succ[first * A + j])
					term(o, 1, "x", 3, s, d + 1, ps->allowed[j]);
			row_end(o, "<=", 1);
		}
	}

	/* Shifts of each type. */
	for (int t = 0; t < T; t++) {
		int mx = p->max_shifts[s * T + t], mn = p->min_shifts[s * T + t];
		int n = mx > 0 ? ps->open_days : 0;
		for (int m = 0; m < 2; m++) {
			if (m == 0 ? mx >= n : mn <= 0)
				continue;
			row_begin(o, m == 0 ? "maxsh" : "minsh", 2, s, t, 0);
			for (int d = 0; d < D; d++)
				if (allowed(p, s, t, d))
					term(o, 1, "x", 3, s, d, t);
			row_end(o, m == 0 ? "<=" : ">=", m == 0 ? mx : mn);
		}
	}

	/* Total minutes. */
	long long most = 0;
	for (int i = 0; i < A; i++)
		if (p->minutes[ps->allowed[i]] > most)
			most = p->minutes[ps->allowed[i]];
	most *= ps->open_days;
	for (int m = 0; m < 2; m++) {
		long long lim = m == 0 ? p->max_minutes[s] : p->min_minutes[s];
		if (m == 0 ? lim == NO_LIMIT || lim >= most : lim <= 0)
			continue;
		row_begin(o, m == 0 ? "maxmin" : "minmin", 1, s, 0, 0);
		for (int d = 0; d < D; d++)
			for (int i = 0; has_x(p, ps, d) && i < A; i++)
				term(o, p->minutes[ps->allowed[i]], "x", 3, s, d, ps->allowed[i]);
		row_end(o, m == 0 ? "<=" : ">=", lim);
	}

	/* At most c working days in a row: every c + 1 days in the horizon
	 * have a day off (the days outside are off). */
	int c = p->max_consec[s];
	for (int d = 0; c < D && d + c < D; d++) {
		int open = 1;
		for (int e = d; open && e <= d + c; e++)
			open = has_x(p, ps, e);
		if (!open)
			continue;
		row_begin(o, "maxc", 2, s, d, 0);
		for (int e = d; e <= d + c; e++)
			work(o, p, ps, e, 1);
		row_end(o, "<=", c);
	}

	/* Runs of at least c working days: a run that starts on day d >= 1
	 * goes on to day d + j for every j < c inside the horizon.  A run that
	 * starts on day 0 or reaches the last day is exempt. */
	c = p->min_consec[s];
	for (int d = 1; c > 1 && d < D; d++) {
		if (!has_x(p, ps, d))
			continue;
		for (int j = 1; j < c && d + j < D; j++) {
			row_begin(o, "minc", 3, s, d, j);
			work(o, p, ps, d, 1);
			work(o, p, ps, d - 1, -1);
			work(o, p, ps, d + j, -1);
			row_end(o, "<=", 0);
		}
	}

	/* Runs of at least c days off, the same with off = 1 - work:
	 * work(d - 1) - work(d) + work(d + j) <= 1. */
	c = p->min_off[s];
	for (int d = 1; c > 1 && d < D; d++) {
		if (!has_x(p, ps, d - 1))
			continue;
		for (int j = 1; j < c && d + j < D; j++) {
			if (!has_x(p, ps, d + j))
				continue;
			row_begin(o, "mino", 3, s, d, j);
			work(o, p, ps, d - 1, 1);
			work(o, p, ps, d, -1);
			work(o, p, ps, d + j, 1);
			row_end(o, "<=", 1);
		}
	}
}

/* Weekends s may work in, and whether their limit binds. */
static int
weekends_bind(const struct problem *p, const struct person *ps, unsigned char *open)
{
	int n = 0;
	memset(open, 0, (size_t)p->nweekends);
	for (int d = 0; d < p->ndays; d++)
		if (p->weekend[d] >= 0 && has_x(p, ps, d) && !open[p->weekend[d]]) {
			open[p->weekend[d]] = 1;
			n++;
		}
	return p->max_weekends[ps->s] < n;
}

static void
weekend_rows(struct out *o, const struct problem *p, const struct person *ps, unsigned char *open)
{
	int s = ps->s;
	if (!weekends_bind(p, ps, open))
		return;
	for (int d = 0; d < p->ndays; d++) {
		if (p->weekend[d] < 0 || !has_x(p, ps, d))
			continue;
		row_begin(o, "wk", 2, s, d, 0);
		work(o, p, ps, d, 1);
		term(o, -1, "w", 2, s, p->weekend[d], 0);
		row_end(o, "<=", 0);
	}
	row_begin(o, "maxwk", 1, s, 0, 0);
	for (int k = 0; k < p->nweekends; k++)
		if (open[k])
			term(o, 1, "w", 2, s, k, 0);
	row_end(o, "<=", p->max_weekends[s]);
}

/* A list of variable names for the Bounds or Binaries section. */
static void
listed(struct out *o, const char *prefix, int n, int i, int j, int k)
{
	char v[64];
	size_t len = name(v, prefix, n, i, j, k);
	if (o->col > WRAP)
		puts_(o, "\n");
	puts_(o, " ");
	put(o, v, len);
}

static void
header(struct out *o, const struct problem *p, long long constant)
{
	char date[11];
	rtime_format_date(p->start, date);
	puts_(o, "\\ rota: the staff-rostering problem as an integer programme\n\\ ");
	putll(o, p->ndays);
	puts_(o, " days from ");
	puts_(o, date);
	puts_(o, " (day 0), ");
	putll(o, p->nstaff);
	puts_(o, " staff, ");
	putll(o, p->ntypes);
	puts_(o, " shift types.\n"
		 "\\ x_S_D_T = 1: staff S works type T on day D (absent where S may not)\n"
		 "\\ y_S_D = work of S on day D (where S may work two types or more)\n"
		 "\\ u_D_T, o_D_T: cover of type T on day D short and over\n"
		 "\\ w_S_K = 1: staff S works in weekend K\n"
		 "\\ const_one = 1, its cost the on-requests' constant (");
	putll(o, constant);
	puts_(o, "): the objective is rota's\n");
	for (int s = 0; s < p->nstaff; s++) {
		puts_(o, "\\ staff ");
		putll(o, s);
		puts_(o, " = ");
		puts_(o, p->staff[s]);
		puts_(o, "\n");
	}
	for (int t = 0; t < p->ntypes; t++) {
		puts_(o, "\\ type ");
		putll(o, t);
		puts_(o, " = ");
		puts_(o, p->type[t]);
		puts_(o, "\n");
	}
}

int
lp_write(FILE *fp, const struct problem *p)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes, T1 = T + 1;
	struct out *o = xcalloc(1, sizeof *o);
	struct person ps;
	int *succ = xmalloc((size_t)T * (size_t)T * sizeof *succ);
	unsigned char *open = xmalloc((size_t)p->nweekends + 1);
	ps.allowed = xmalloc((size_t)T * sizeof *ps.allowed);
	ps.group = xmalloc((size_t)T * sizeof *ps.group);
	o->fp = fp;

	/* On-requests cost w (1 - x): their weights sum to a constant. */
	long long constant = 0;
	for (size_t i = 0, n = (size_t)S * (size_t)D; i < n; i++)
		for (int t = 0; t < T1; t++)
			constant += p->on_w[i * (size_t)T1 + (size_t)t];
	header(o, p, constant);

	puts_(o, "Minimize\n");
	/* const_one stays in the objective even at 0: CBC's reader wants every
	 * variable of the Bounds section in the objective or a row. */
	puts_(o, " obj: ");
	putll(o, constant);
	puts_(o, " const_one");
	o->row_terms = 1;
	for (int s = 0; s < S; s++)
		for (int d = 0; d < D; d++) {
			const int *on = &p->on_w[((size_t)s * D + d) * T1];
			const int *off = &p->off_w[((size_t)s * D + d) * T1];
			for (int t = 0; t < T; t++)
				if (allowed(p, s, t, d))
					term(o, (long long)off[t] - on[t] + off[T] - on[T], "x", 3, s, d, t);
		}
	for (int d = 0; d < D; d++)
		for (int t = 0; t < T; t++) {
			term(o, p->under_w[d * T + t], "u", 2, d, t, 0);
			term(o, p->over_w[d * T + t], "o", 2, d, t, 0);
		}
	puts_(o, "\nSubject To\n");

	/* Cover, for every day and type (want 0 too). */
	for (int d = 0; d < D; d++)
		for (int t = 0; t < T; t++) {
			row_begin(o, "cover", 2, d, t, 0);
			for (int s = 0; s < S; s++)
				if (allowed(p, s, t, d))
					term(o, 1, "x", 3, s, d, t);
			term(o, 1, "u", 2, d, t, 0);
			term(o, -1, "o", 2, d, t, 0);
			row_end(o, "=", p->want[d * T + t]);
		}
	for (int s = 0; s < S; s++) {
		person_init(p, s, &ps, succ);
		person_rows(o, p, &ps, succ);
		weekend_rows(o, p, &ps, open);
	}

	puts_(o, "Bounds\n const_one = 1\nBinaries\n");
	o->col = 0;
	for (int s = 0; s < S; s++) {
		person_init(p, s, &ps, succ);
		for (int d = 0; d < D; d++)
			for (int i = 0; has_x(p, &ps, d) && i < ps.nallowed; i++)
				listed(o, "x", 3, s, d, ps.allowed[i]);
		for (int d = 0; ps.nallowed > 1 && d < D; d++)
			if (has_x(p, &ps, d))
				listed(o, "y", 2, s, d, 0);
		if (weekends_bind(p, &ps, open))
			for (int k = 0; k < p->nweekends; k++)
				if (open[k])
					listed(o, "w", 2, s, k, 0);
	}
	puts_(o, "\nEnd\n");
	flush(o);
	int err = o->err;
	if (!err && fflush(fp))
		err = errno ? errno : EIO;
	if (!err && ferror(fp))
		err = EIO;
	free(o);
	free(succ);
	free(open);
	free(ps.allowed);
	free(ps.group);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- reading CBC's solution ---- */

/* "x_S_D_T" into its indices; 0 when it is one. */
static int
parse_x(const char *s, long v[3])
{
	if (s[0] != 'x' || s[1] != '_')
		return -1;
	s += 2;
	for (int i = 0; i < 3; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (errno || *end != (i < 2 ? '_' : '\0'))
			return -1;
		s = end + (i < 2);
	}
	return 0;
}

int
lp_read_cbc_solution(FILE *fp, const struct problem *p, int *x)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes, rc = -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	for (size_t i = 0, n = (size_t)S * (size_t)D; i < n; i++)
		x[i] = OFF;
	/* "Optimal - objective value 607.00000000", or "Stopped on time - …"
	 * with a solution; not "Infeasible", "Unbounded", "Integer infeasible",
	 * nor a stop with "no integer solution - continuous used". */
	if ((len = getline(&line, &cap, fp)) <= 0 || strstr(line, " - objective value ") == NULL ||
	    (strncmp(line, "Optimal", 7) != 0 && strncmp(line, "Stopped on ", 11) != 0) ||
	    strstr(line, "no integer solution") != NULL)
		goto done;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *save, *tok = strtok_r(line, " \t\r\n", &save);
		if (tok == NULL)
			continue;
		if (strcmp(tok, "**") == 0)	/* CBC marks a value out of its bounds */
			tok = strtok_r(NULL, " \t\r\n", &save);
		char *nm = strtok_r(NULL, " \t\r\n", &save);
		char *val = strtok_r(NULL, " \t\r\n", &save), *end;
		if (tok == NULL || nm == NULL || val == NULL)
			goto done;
		strtol(tok, &end, 10);
		if (*end != '\0' || end == tok)
			goto done;
		double v = strtod(val, &end);
		if (*end != '\0' || end == val)
			goto done;
		long ix[3];
		if (parse_x(nm, ix))
			continue;	/* u, o, y, w, const_one, or a row */
		if (ix[0] >= S || ix[1] >= D || ix[2] >= T)
			goto done;	/* not this problem's programme */
		if (v <= 0.5)
			continue;
		int *cell = &x[ix[0] * D + ix[1]];
		if (*cell != OFF)
			goto done;	/* two shifts on one day: not a roster */
		*cell = (int)ix[2];
	}
	if (!ferror(fp))
		rc = 0;
done:
	free(line);
	return rc;
}
