/* rowopt.c: one person's row by dynamic programming with priced resources. */
#include "rowopt.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "util.h"

#define INF (LLONG_MAX / 4)

struct rowopt {
	const struct problem *p;
	long long *f;		/* [d * n + k]: cheapest way to be in state k on day d */
	int *from;		/* its predecessor state */
	size_t cap;		/* states a day allocated */
	long long *price;	/* [d * (T + 1) + v]: cost with the multipliers */
};

struct rowopt *
rowopt_new(const struct problem *p)
{
	struct rowopt *ro = xcalloc(1, sizeof *ro);
	ro->p = p;
	ro->price = xmalloc((size_t)p->ndays * (p->ntypes + 1) * sizeof *ro->price);
	return ro;
}

void
rowopt_free(struct rowopt *ro)
{
	if (ro == NULL)
		return;
	free(ro->f);
	free(ro->from);
	free(ro->price);
	free(ro);
}

/* States: edge (the run began on day 0) × (work on type t with run length
 * 1..capw, or off with run length 1..capo, lengths capped) × minutes
 * worked (in units of the shift lengths' gcd, when tracked) × weekends
 * worked (when tracked). */
struct shape {
	int T, capw, capo, half;	/* structural states: half per edge value */
	int U, W;			/* minute units 0..U, weekends 0..W (0: untracked) */
	int g;				/* minutes per unit */
};

static int
gcd(int a, int b)
{
	while (b) {
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Index of (structural r, edge, units u, weekends w). */
static int
st_index(const struct shape *h, int edge, int r, int u, int w)
{
	return ((edge * h->half + r) * (h->U + 1) + u) * (h->W + 1) + w;
}

#define STATE_BUDGET 20000	/* states a day, past which minutes go untracked */

static void
make_shape(const struct rowopt *ro, int s, struct shape *h)
{
	const struct problem *p = ro->p;
	int D = p->ndays, T = p->ntypes;
	int maxc = p->max_consec[s], minc = p->min_consec[s], mino = p->min_off[s];
	h->T = T;
	h->capw = maxc < D ? maxc : (minc > 1 ? minc : 1);
	if (h->capw < 1)
		h->capw = 1;
	h->capo = mino > 1 ? mino : 1;
	h->half = T * h->capw + h->capo;
	h->g = 0;
	for (int t = 0; t < T; t++)
		if (p->max_shifts[s * T + t] > 0 && p->minutes[t] > 0)
			h->g = gcd(h->g, p->minutes[t]);
	h->W = p->max_weekends[s] < p->nweekends ? p->max_weekends[s] : 0;
	h->U = 0;
	if (h->g > 0 && p->max_minutes[s] < NO_LIMIT) {
		long long U = p->max_minutes[s] / h->g;
		if ((long long)2 * h->half * (U + 1) * (h->W + 1) <= STATE_BUDGET)
			h->U = (int)U;
	}
	/* With minutes untracked but a minimum to reach, track nothing:
	 * the multiplier on minutes does the work. */
}

static void
relax(long long *cur, int *bp, int ns, long long c, int k)
{
	if (c < cur[ns]) {
		cur[ns] = c;
		bp[ns] = k;
	}
}

/* The DP with the current prices; writes the row, or returns -1 when no
 * row keeps the tracked limits. */
static int
solve_dp(struct rowopt *ro, int s, int *row)
{
	const struct problem *p = ro->p;
	int D = p->ndays, T = p->ntypes, T1 = T + 1;
	int maxc = p->max_consec[s], minc = p->min_consec[s], mino = p->min_off[s];
	struct shape h;
	make_shape(ro, s, &h);
	int n = 2 * h.half * (h.U + 1) * (h.W + 1);
	if ((size_t)n > ro->cap) {
		ro->cap = (size_t)n;
		ro->f = xrealloc(ro->f, (size_t)D * ro->cap * sizeof *ro->f);
		ro->from = xrealloc(ro->from, (size_t)D * ro->cap * sizeof *ro->from);
	}
	long long *f = ro->f;
	int *from = ro->from;
	for (long i = 0; i < (long)D * n; i++)
		f[i] = INF;
	int unit[256];
	for (int t = 0; t < T; t++)
		unit[t] = h.U && h.g ? p->minutes[t] / h.g : 0;
	int idle = h.T * h.capw;	/* first structural index of the off states */

	for (int d = 0; d < D; d++) {
		long long *cur = &f[(size_t)d * n];
		int *bp = &from[(size_t)d * n];
		const long long *pr = &ro->price[d * T1];
		int dayoff = p->day_off[s * D + d], wk = p->weekend[d];
		/* Working day d starts a weekend's count unless the day before
		 * was a worked day of the same weekend. */
		int sunday_after_sat = d > 0 && wk >= 0 && p->weekend[d - 1] == wk;
		if (d == 0) {
			cur[st_index(&h, 1, idle, 0, 0)] = pr[T];
			for (int t = 0; t < T && !dayoff; t++) {
				int u = unit[t], w = wk >= 0 && h.W ? 1 : 0;
				if (pr[t] >= INF || u > h.U || (h.W && w > h.W))
					continue;
				cur[st_index(&h, 1, t * h.capw, u, w)] = pr[t];
			}
			continue;
		}
		const long long *prev = &f[(size_t)(d - 1) * n];
		for (int k = 0; k < n; k++) {
			long long c = prev[k];
			if (c >= INF)
				continue;
			int w = k % (h.W + 1), rest = k / (h.W + 1);
			int u = rest % (h.U + 1);
			rest /= h.U + 1;
			int edge = rest >= h.half, r = rest - edge * h.half;
			int working = r < idle;
			int w_new = h.W && wk >= 0 && !(sunday_after_sat && working) ? w + 1 : w;
			if (working) {
				int t = r / h.capw, len = r % h.capw + 1;
				for (int v = 0; v < T && !dayoff; v++) {
					int nu = u + unit[v];
					if (pr[v] >= INF || p->forbid[t * T + v] || len + 1 > maxc || nu > h.U ||
					    (h.W && w_new > h.W))
						continue;
					int nl = len + 1 > h.capw ? h.capw : len + 1;
					relax(cur, bp, st_index(&h, edge, v * h.capw + nl - 1, nu, w_new),
						c + pr[v], k);
				}
				if (edge || len >= minc)
					relax(cur, bp, st_index(&h, 0, idle, u, w), c + pr[T], k);
			} else {
				int len = r - idle + 1, nl = len + 1 > h.capo ? h.capo : len + 1;
				relax(cur, bp, st_index(&h, edge, idle + nl - 1, u, w), c + pr[T], k);
				if (!edge && len < mino)
					continue;
				for (int v = 0; v < T && !dayoff; v++) {
					int nu = u + unit[v];
					if (pr[v] >= INF || nu > h.U || (h.W && w_new > h.W))
						continue;
					relax(cur, bp, st_index(&h, 0, v * h.capw, nu, w_new), c + pr[v], k);
				}
			}
		}
	}
	/* Any final state will do for the runs (the last day's run is exempt);
	 * tracked minutes must reach the minimum. */
	int umin = h.U ? (p->min_minutes[s] + h.g - 1) / h.g : 0, best = -1;
	for (int k = 0; k < n; k++) {
		long long c = f[(size_t)(D - 1) * n + k];
		if (c >= INF || (h.U && (k / (h.W + 1)) % (h.U + 1) < umin))
			continue;
		if (best < 0 || c < f[(size_t)(D - 1) * n + best])
			best = k;
	}
	if (best < 0)
		return -1;
	for (int d = D - 1; d >= 0; d--) {
		int rest = best / (h.W + 1) / (h.U + 1);
		int r = rest >= h.half ? rest - h.half : rest;
		row[d] = r < idle ? r / h.capw : OFF;
		if (d > 0)
			best = from[(size_t)d * n + best];
	}
	return 0;
}

/* Moves a price toward keeping a limit: bisection once the price has been
 * seen too low and too high, doubling steps before that. */
struct bracket {
	double lo, hi, step;
	int have_lo, have_hi;
};

static double
raise(struct bracket *b, double x)
{
	b->lo = x;
	b->have_lo = 1;
	if (b->have_hi)
		return (b->lo + b->hi) / 2;
	b->step *= 2;
	return x + b->step;
}

static double
lower(struct bracket *b, double x)
{
	b->hi = x;
	b->have_hi = 1;
	if (b->have_lo)
		return (b->lo + b->hi) / 2;
	b->step *= 2;
	return x - b->step;
}

int
rowopt_best(struct rowopt *ro, int s, const long long *cost, int *row, long long *total)
{
	const struct problem *p = ro->p;
	int D = p->ndays, T = p->ntypes, T1 = T + 1;
	if (T > 256)
		return -1;
	/* Prices: of a shift of each type, of a minute, of a weekend worked. */
	double lam[256] = { 0 }, mu = 0, nu = 0;
	struct bracket blam[256], bmu = { 0, 0, 0.05, 0, 0 }, bnu = { 0, 0, 20, 0, 0 };
	for (int t = 0; t < T; t++)
		blam[t] = (struct bracket){ 0, 0, 20, 0, 0 };
	int cnt[256];
	for (int round = 0; round < 30; round++) {
		for (int d = 0; d < D; d++) {
			long long *pr = &ro->price[d * T1];
			pr[T] = cost[d * T1 + T];
			for (int t = 0; t < T; t++) {
				if (p->max_shifts[s * T + t] == 0) {
					pr[t] = INF;
					continue;
				}
				double extra = lam[t] + mu * p->minutes[t] +
					(p->weekend[d] >= 0 ? nu : 0);
				pr[t] = cost[d * T1 + t] + (long long)extra;
			}
		}
		if (solve_dp(ro, s, row))
			return -1;	/* no row keeps the tracked limits */
		long long minutes = 0;
		int weekends = 0, last_weekend = -1, ok = 1;
		memset(cnt, 0, sizeof(int) * (size_t)T);
		for (int d = 0; d < D; d++) {
			if (row[d] == OFF)
				continue;
			cnt[row[d]]++;
			minutes += p->minutes[row[d]];
			if (p->weekend[d] >= 0 && p->weekend[d] != last_weekend) {
				weekends++;
				last_weekend = p->weekend[d];
			}
		}
		for (int t = 0; t < T; t++) {
			if (cnt[t] > p->max_shifts[s * T + t])
				lam[t] = raise(&blam[t], lam[t]), ok = 0;
			else if (cnt[t] < p->min_shifts[s * T + t])
				lam[t] = lower(&blam[t], lam[t]), ok = 0;
		}
		if (minutes > p->max_minutes[s])
			mu = raise(&bmu, mu), ok = 0;
		else if (minutes < p->min_minutes[s])
			mu = lower(&bmu, mu), ok = 0;
		if (weekends > p->max_weekends[s])
			nu = raise(&bnu, nu), ok = 0;
		if (ok && roster_row_penalty(p, s, row, NULL, NULL) == 0) {
			long long c = 0;
			for (int d = 0; d < D; d++)
				c += cost[d * T1 + (row[d] == OFF ? T : row[d])];
			*total = c;
			return 0;
		}
	}
	return -1;
}
