/* roster.c: the rules of the staff-rostering benchmark, one function each. */
#include "roster.h"

#include <stdlib.h>

#include "util.h"

const char *const hard_rule_name[HR_COUNT] = {
	"day_off", "succession", "max_shifts", "min_shifts", "max_minutes", "min_minutes",
	"max_consecutive", "min_consecutive", "min_consecutive_off", "max_weekends",
};

static long long
add(violation_fn *report, void *arg, enum hard_rule rule, int s, int d0, int d1, int t,
	long long value, long long limit, long long size)
{
	if (report) {
		struct violation v = { rule, s, d0, d1, t, value, limit };
		report(&v, arg);
	}
	return size;
}

/* Runs of working days (or of days off) and their limits.  A run that
 * touches the first or the last day is not held to a minimum: the world
 * outside the horizon is assumed to continue it.  For the maximum the days
 * outside are off, so edge runs count as they are. */
static long long
runs(const struct problem *p, int s, const int *row, violation_fn *report, void *arg)
{
	long long size = 0;
	int D = p->ndays, maxc = p->max_consec[s], minc = p->min_consec[s], mino = p->min_off[s];
	for (int d = 0; d < D;) {
		int work = row[d] != OFF, e = d;
		while (e + 1 < D && (row[e + 1] != OFF) == work)
			e++;
		int len = e - d + 1, edge = d == 0 || e == D - 1;
		if (work && len > maxc)
			size += add(report, arg, HR_MAX_CONSEC, s, d, e, -1, len, maxc, len - maxc);
		if (work && !edge && len < minc)
			size += add(report, arg, HR_MIN_CONSEC, s, d, e, -1, len, minc, minc - len);
		if (!work && !edge && len < mino)
			size += add(report, arg, HR_MIN_OFF, s, d, e, -1, len, mino, mino - len);
		d = e + 1;
	}
	return size;
}

long long
roster_row_penalty(const struct problem *p, int s, const int *row, violation_fn *report, void *arg)
{
	int D = p->ndays, T = p->ntypes;
	long long size = 0, minutes = 0;
	int count[256] = { 0 }, *cnt = T <= 256 ? count : xcalloc((size_t)T, sizeof(int));
	int weekends = 0, last_weekend = -1;

	for (int d = 0; d < D; d++) {
		int t = row[d];
		if (t == OFF)
			continue;
		cnt[t]++;
		minutes += p->minutes[t];
		if (p->day_off[s * D + d])
			size += add(report, arg, HR_DAY_OFF, s, d, d, t, 1, 0, 1);
		if (d + 1 < D && row[d + 1] != OFF && p->forbid[t * T + row[d + 1]])
			size += add(report, arg, HR_SUCCESSION, s, d, d + 1, row[d + 1], 1, 0, 1);
		if (p->weekend[d] >= 0 && p->weekend[d] != last_weekend) {
			weekends++;
			last_weekend = p->weekend[d];
		}
	}
	for (int t = 0; t < T; t++) {
		int mx = p->max_shifts[s * T + t], mn = p->min_shifts[s * T + t];
		if (cnt[t] > mx)
			size += add(report, arg, HR_MAX_SHIFTS, s, -1, -1, t, cnt[t], mx, cnt[t] - mx);
		if (cnt[t] < mn)
			size += add(report, arg, HR_MIN_SHIFTS, s, -1, -1, t, cnt[t], mn, mn - cnt[t]);
	}
	/* Minutes count by the hour begun, so a shift of any length weighs. */
	if (minutes > p->max_minutes[s])
		size += add(report, arg, HR_MAX_MINUTES, s, -1, -1, -1, minutes, p->max_minutes[s],
			(minutes - p->max_minutes[s] + 59) / 60);
	if (minutes < p->min_minutes[s])
		size += add(report, arg, HR_MIN_MINUTES, s, -1, -1, -1, minutes, p->min_minutes[s],
			(p->min_minutes[s] - minutes + 59) / 60);
	if (weekends > p->max_weekends[s])
		size += add(report, arg, HR_MAX_WEEKENDS, s, -1, -1, -1, weekends, p->max_weekends[s],
			weekends - p->max_weekends[s]);
	size += runs(p, s, row, report, arg);
	if (cnt != count)
		free(cnt);
	return size;
}

long long
roster_day_requests(const struct problem *p, int s, int d, int t, long long *on, long long *off)
{
	int T1 = p->ntypes + 1;
	const int *onw = &p->on_w[((size_t)s * p->ndays + d) * T1];
	const int *offw = &p->off_w[((size_t)s * p->ndays + d) * T1];
	long long won = 0, woff = 0;
	/* An on-request is unmet unless the day has that shift (or any shift,
	 * for "*"); an off-request is met when it has. */
	for (int u = 0; u < T1; u++) {
		if (!onw[u] && !offw[u])
			continue;
		int has = u == p->ntypes ? t != OFF : t == u;
		if (!has)
			won += onw[u];
		else
			woff += offw[u];
	}
	*on = won;
	*off = woff;
	return won + woff;
}

long long
roster_row_requests(const struct problem *p, int s, const int *row, long long *on, long long *off)
{
	long long won = 0, woff = 0, a, b;
	for (int d = 0; d < p->ndays; d++) {
		roster_day_requests(p, s, d, row[d], &a, &b);
		won += a;
		woff += b;
	}
	*on = won;
	*off = woff;
	return won + woff;
}

/* Counts violations, passing each on to the caller's report. */
struct tally {
	violation_fn *report;
	void *arg;
	long long n;
};

static void
tally(const struct violation *v, void *arg)
{
	struct tally *t = arg;
	t->n++;
	if (t->report)
		t->report(v, t->arg);
}

void
roster_evaluate(const struct problem *p, const int *x, struct score *sc, violation_fn *report,
	void *arg)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes;
	struct score z = { 0 };
	struct tally seen = { report, arg, 0 };
	int *count = xcalloc((size_t)D * (size_t)T, sizeof(int));
	for (int s = 0; s < S; s++) {
		const int *row = &x[(size_t)s * D];
		long long on, off;
		roster_row_requests(p, s, row, &on, &off);
		z.on_requests += on;
		z.off_requests += off;
		roster_row_penalty(p, s, row, tally, &seen);
		for (int d = 0; d < D; d++)
			if (row[d] != OFF)
				count[d * T + row[d]]++;
	}
	for (int d = 0; d < D; d++)
		for (int t = 0; t < T; t++) {
			int i = d * T + t, diff = count[i] - p->want[i];
			if (diff < 0)
				z.under += (long long)-diff * p->under_w[i];
			else
				z.over += (long long)diff * p->over_w[i];
		}
	free(count);
	z.violations = seen.n;
	z.total = z.on_requests + z.off_requests + z.under + z.over;
	*sc = z;
}
