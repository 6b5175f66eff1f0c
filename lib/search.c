/* search.c: simulated annealing with incremental scoring, on threads. */
#include "search.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "rowopt.h"
#include "util.h"

/* The search's settings, chosen by measurement on four benchmark
 * instances (4, 5, 7, 9), one thread.  At 10 million moves and two seeds
 * the adaptive weight took the sum of objectives from 10,504 to about
 * 9,900.  The row move costs thousands of simple moves, so it is
 * measured at equal time (see ROW_SHARE). */
#define T_HIGH 100.0		/* temperature at a cycle's start, objective units */
#define T_LOW 0.5		/* and at its end */
/* Cooling spans the whole budget (time, or moves with --moves) in one
 * cycle: at equal time (20 s, -j 1, instances 8, 9, 12, 14) the objectives
 * went 1487, 525, 4588, 1566 with cycles of 2M moves, 1484, 513, 4458,
 * 1492 with 8M, and 1385, 486, 4230, 1406 with one cycle; two and four
 * cycles did no better. */
#define CYCLES 1
/* The share of the time spent re-optimising rows.  At equal time (20 s,
 * -j 1, instances 8, 9, 12, 14, 18, 20, seeds 1 and 2) the sums were
 * 18,741 and 18,535 at a quarter, 18,411 and 18,339 at a half, and
 * 0.7 did worse on every instance but 18; one row move per thousand
 * moves, the old rule, spent 60% of the time on 28 days and 91% on 182,
 * where it left instance 20 at 5,939 against 5,762 at a half. */
#define ROW_SHARE 0.5
#define W_MIN 100.0		/* least weight of a unit of hard violation */
/* Moves that swap two days of one person's row, out of a hundred: at equal
 * time (8 s, seeds 1-4) the sum went 18,276 -> 18,144 at 20 and 18,304 at
 * 35; a small gain, mostly on instance 9 (mean 552 -> 541). */
#define SHIFT_PCT 20

/* The values person s may take on day d: OFF and the allowed types. */
struct domain {
	int *start, *len;	/* [s * D + d] into vals */
	signed char *vals_small;
	int *vals;
};

struct shared {
	const struct problem *p;
	const struct search_opts *o;
	struct domain dom;
	pthread_mutex_t mu;
	long long best_obj;	/* of the best legal roster, or -1 */
	int *best_x;
	double best_time;
	int best_thread;
	long long bound;
	int stop;
	long long moves;
	double t0;
};

struct state {
	struct shared *sh;
	int id;
	struct rng rng;
	int *x, *count, *row;	/* roster, cover counts [d*T+t], scratch row */
	long long *pen, *req;	/* per person: hard size, request cost */
	long long hard, obj;	/* sums; obj includes cover */
	double w;		/* what a unit of hard violation costs now */
	struct rowopt *ro;
	long long *rowcost;	/* [d * (T + 1) + v] for the row move */
	int *newrow;
};

/* The request cost of one day: the rule lives in lib/roster. */
static long long
req_day(const struct problem *p, int s, int d, int t)
{
	long long on, off;
	return roster_day_requests(p, s, d, t, &on, &off);
}

static long long
cover_delta(const struct state *st, int d, int from, int to)
{
	const struct problem *p = st->sh->p;
	long long c = 0;
	if (from != OFF) {
		int n = st->count[d * p->ntypes + from];
		c += roster_cover_cost(p, d, from, n - 1) - roster_cover_cost(p, d, from, n);
	}
	if (to != OFF) {
		int n = st->count[d * p->ntypes + to];
		c += roster_cover_cost(p, d, to, n + 1) - roster_cover_cost(p, d, to, n);
	}
	return c;
}

static void
state_score(struct state *st)
{
	const struct problem *p = st->sh->p;
	int S = p->nstaff, D = p->ndays, T = p->ntypes;
	memset(st->count, 0, (size_t)D * T * sizeof *st->count);
	st->hard = st->obj = 0;
	for (int s = 0; s < S; s++) {
		long long on, off;
		const int *row = &st->x[(size_t)s * D];
		st->pen[s] = roster_row_penalty(p, s, row, NULL, NULL);
		st->req[s] = roster_row_requests(p, s, row, &on, &off);
		st->hard += st->pen[s];
		st->obj += st->req[s];
		for (int d = 0; d < D; d++)
			if (row[d] != OFF)
				st->count[d * T + row[d]]++;
	}
	for (int d = 0; d < D; d++)
		for (int t = 0; t < T; t++)
			st->obj += roster_cover_cost(p, d, t, st->count[d * T + t]);
}

static int
accept(struct state *st, long long delta, double temp)
{
	return delta <= 0 || (temp > 0 && unit(&st->rng) < exp(-(double)delta / temp));
}

/* Sets x[s][d] = v, keeping counts and sums. */
static void
put(struct state *st, int s, int d, int v)
{
	const struct problem *p = st->sh->p;
	int *cell = &st->x[(size_t)s * p->ndays + d];
	if (*cell != OFF)
		st->count[d * p->ntypes + *cell]--;
	if (v != OFF)
		st->count[d * p->ntypes + v]++;
	*cell = v;
}

/* One day of one person takes another value. */
static void
move_change(struct state *st, double temp)
{
	const struct problem *p = st->sh->p;
	const struct domain *dom = &st->sh->dom;
	int D = p->ndays, s = below(&st->rng, p->nstaff), d = below(&st->rng, D);
	int i = s * D + d, n = dom->len[i];
	if (n < 2)
		return;
	int old = st->x[i], v = dom->vals[dom->start[i] + below(&st->rng, n)];
	if (v == old)
		return;
	memcpy(st->row, &st->x[(size_t)s * D], (size_t)D * sizeof *st->row);
	st->row[d] = v;
	long long pen = roster_row_penalty(p, s, st->row, NULL, NULL);
	long long dreq = req_day(p, s, d, v) - req_day(p, s, d, old);
	long long dobj = dreq + cover_delta(st, d, old, v);
	long long delta = dobj + (long long)(st->w * (double)(pen - st->pen[s]));
	if (!accept(st, delta, temp))
		return;
	put(st, s, d, v);
	st->hard += pen - st->pen[s];
	st->pen[s] = pen;
	st->req[s] += dreq;
	st->obj += dobj;
}

static int
allowed(const struct problem *p, int s, int d, int v)
{
	return v == OFF || (!p->day_off[s * p->ndays + d] && p->max_shifts[s * p->ntypes + v] > 0);
}

/* Two people exchange days d..d+k-1: cover stays as it is. */
static void
move_swap(struct state *st, double temp, int maxlen)
{
	const struct problem *p = st->sh->p;
	int D = p->ndays, S = p->nstaff;
	if (S < 2)
		return;
	int a = below(&st->rng, S), b = below(&st->rng, S - 1);
	if (b >= a)
		b++;
	int k = 1 + below(&st->rng, maxlen), d0 = below(&st->rng, D);
	if (d0 + k > D)
		k = D - d0;
	int *ra = &st->x[(size_t)a * D], *rb = &st->x[(size_t)b * D];
	int same = 1;
	long long dreq_a = 0, dreq_b = 0;
	for (int d = d0; d < d0 + k; d++) {
		if (ra[d] == rb[d])
			continue;
		/* Each must be allowed the other's value (pruned domains). */
		if (!allowed(p, a, d, rb[d]) || !allowed(p, b, d, ra[d]))
			return;
		same = 0;
		dreq_a += req_day(p, a, d, rb[d]) - req_day(p, a, d, ra[d]);
		dreq_b += req_day(p, b, d, ra[d]) - req_day(p, b, d, rb[d]);
	}
	if (same)
		return;
	for (int d = d0; d < d0 + k; d++) {	/* swap in place, undo if refused */
		int t = ra[d];
		ra[d] = rb[d];
		rb[d] = t;
	}
	long long pa = roster_row_penalty(p, a, ra, NULL, NULL);
	long long pb = roster_row_penalty(p, b, rb, NULL, NULL);
	long long dpen = pa - st->pen[a] + pb - st->pen[b];
	long long delta = dreq_a + dreq_b + (long long)(st->w * (double)dpen);
	if (!accept(st, delta, temp)) {
		for (int d = d0; d < d0 + k; d++) {
			int t = ra[d];
			ra[d] = rb[d];
			rb[d] = t;
		}
		return;
	}
	st->hard += dpen;
	st->pen[a] = pa;
	st->pen[b] = pb;
	st->req[a] += dreq_a;
	st->req[b] += dreq_b;
	st->obj += dreq_a + dreq_b;
}

/* One person works day d2's value on d1 and d1's on d2: counts and
 * minutes stay, cover moves. */
static void
move_shift(struct state *st, double temp)
{
	const struct problem *p = st->sh->p;
	int D = p->ndays, s = below(&st->rng, p->nstaff);
	int d1 = below(&st->rng, D), d2 = below(&st->rng, D);
	int *x = &st->x[(size_t)s * D], a = x[d1], b = x[d2];
	if (a == b || !allowed(p, s, d1, b) || !allowed(p, s, d2, a))
		return;
	x[d1] = b;
	x[d2] = a;
	long long pen = roster_row_penalty(p, s, x, NULL, NULL);
	x[d1] = a;
	x[d2] = b;
	long long dreq = req_day(p, s, d1, b) - req_day(p, s, d1, a) + req_day(p, s, d2, a) -
			 req_day(p, s, d2, b);
	long long dobj = dreq + cover_delta(st, d1, a, b) + cover_delta(st, d2, b, a);
	long long delta = dobj + (long long)(st->w * (double)(pen - st->pen[s]));
	if (!accept(st, delta, temp))
		return;
	put(st, s, d1, b);
	put(st, s, d2, a);
	st->hard += pen - st->pen[s];
	st->pen[s] = pen;
	st->req[s] += dreq;
	st->obj += dobj;
}

/* One person's whole row re-optimised, the others fixed (lib/rowopt). */
static void
move_row(struct state *st, double temp)
{
	const struct problem *p = st->sh->p;
	int D = p->ndays, T = p->ntypes, T1 = T + 1, s = below(&st->rng, p->nstaff);
	int *x = &st->x[(size_t)s * D];
	long long now = 0;
	for (int d = 0; d < D; d++) {
		long long *c = &st->rowcost[d * T1];
		c[T] = req_day(p, s, d, OFF);
		for (int t = 0; t < T; t++) {
			int others = st->count[d * T + t] - (x[d] == t);
			c[t] = req_day(p, s, d, t) + roster_cover_cost(p, d, t, others + 1) -
			       roster_cover_cost(p, d, t, others);
		}
		now += c[x[d] == OFF ? T : x[d]];
	}
	long long best;
	if (rowopt_best(st->ro, s, st->rowcost, st->newrow, &best))
		return;
	long long delta = best - now - (long long)(st->w * (double)st->pen[s]);
	if (!accept(st, delta, temp))
		return;
	long long dreq = 0;
	for (int d = 0; d < D; d++)
		if (st->newrow[d] != x[d]) {
			dreq += req_day(p, s, d, st->newrow[d]) - req_day(p, s, d, x[d]);
			put(st, s, d, st->newrow[d]);
		}
	st->obj += best - now;
	st->req[s] += dreq;
	st->hard -= st->pen[s];
	st->pen[s] = 0;
}

/* Offers a legal roster to the others; returns the best objective known. */
static long long
offer(struct state *st)
{
	struct shared *sh = st->sh;
	const struct problem *p = sh->p;
	pthread_mutex_lock(&sh->mu);
	if (st->hard == 0 && (sh->best_obj < 0 || st->obj < sh->best_obj)) {
		sh->best_obj = st->obj;
		memcpy(sh->best_x, st->x, (size_t)p->nstaff * p->ndays * sizeof *st->x);
		sh->best_time = rota_now() - sh->t0;
		sh->best_thread = st->id;
		if (sh->best_obj <= sh->bound)
			sh->stop = 1;	/* proven optimal */
		if (sh->o->progress)
			fprintf(stderr, "%srota-solve: objective %lld, bound %lld, %.1f s%s",
				sh->o->progress == 1 ? "\r\033[K" : "", sh->best_obj, sh->bound,
				sh->best_time, sh->o->progress == 1 ? "" : "\n");
	}
	long long best = sh->best_obj;
	pthread_mutex_unlock(&sh->mu);
	return best;
}

static void *
anneal(void *arg)
{
	struct state *st = arg;
	struct shared *sh = st->sh;
	const struct problem *p = sh->p;
	const struct search_opts *o = sh->o;
	size_t cells = (size_t)p->nstaff * p->ndays;
	int *best_own = xmalloc(cells * sizeof *best_own);
	/* This thread's best: fewest hard violations first, then objective.
	 * Cooling follows the budget spent: moves over --moves when there
	 * is one, so that a seed and a move budget give the same result
	 * whatever the clock, else the time used over the time limit. */
	long long best_hard = -1, best_obj = 0;
	long long moves = 0;
	int cycle = 0;
	double temp = T_HIGH, row_time = 0, t_start = rota_now();
	st->w = W_MIN;
	state_score(st);
	if (st->hard == 0)
		offer(st);	/* the empty roster may already be as good as can be */
	for (;; moves++) {
		int r = below(&st->rng, 100);
		if (r < SHIFT_PCT)
			move_shift(st, temp);
		else if (r < 55)
			move_change(st, temp);
		else if (r < 80)
			move_swap(st, temp, 1);
		else
			move_swap(st, temp, 7);
		if ((moves & 1023) != 0)
			continue;
		/* The row move costs as much as thousands of others, more on a
		 * long horizon: with the clock it gets a share of the time,
		 * with a move budget a fixed rate, so that a seed repeats. */
		if (o->moves ? below(&st->rng, 1000) == 0 :
			       row_time < ROW_SHARE * (rota_now() - t_start)) {
			double t = o->moves ? 0 : rota_now();
			move_row(st, temp);
			if (!o->moves)
				row_time += rota_now() - t;
		}
		if ((moves & 4095) == 0) {
			/* Strategic oscillation: hard rules weigh more while
			 * they are broken, less while they hold, so the search
			 * may cross illegal ground but does not stay there. */
			st->w = st->hard ? fmin(st->w * 1.02, 1e15) : fmax(st->w / 1.02, W_MIN);
			if (best_hard < 0 || st->hard < best_hard ||
			    (st->hard == best_hard && st->obj < best_obj)) {
				best_hard = st->hard;
				best_obj = st->obj;
				memcpy(best_own, st->x, cells * sizeof *best_own);
			}
			if (st->hard == 0)
				offer(st);
		}
		double done = o->moves ? (double)moves / (double)o->moves
				       : (rota_now() - sh->t0) / o->time_limit;
		if (done >= 1 || sh->stop)
			break;
		double at = done * CYCLES;
		if ((int)at != cycle) {	/* a new cycle starts from this thread's best */
			cycle = (int)at;
			memcpy(st->x, best_own, cells * sizeof *best_own);
			state_score(st);
		}
		temp = T_HIGH * pow(T_LOW / T_HIGH, at - cycle);
	}
	if (st->hard == 0)
		offer(st);
	pthread_mutex_lock(&sh->mu);
	sh->moves += moves;
	pthread_mutex_unlock(&sh->mu);
	free(best_own);
	return NULL;
}

long long
search_lower_bound(const struct problem *p)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes;
	long long lb = 0;
	for (int d = 0; d < D; d++)
		for (int t = 0; t < T; t++) {
			int able = 0;
			for (int s = 0; s < S; s++)
				able += !p->day_off[s * D + d] && p->max_shifts[s * T + t] > 0;
			if (p->want[d * T + t] > able)
				lb += (long long)(p->want[d * T + t] - able) * p->under_w[d * T + t];
		}
	for (int s = 0; s < S; s++)
		for (int d = 0; d < D; d++)
			for (int t = 0; t <= T && p->day_off[s * D + d]; t++)
				lb += p->on_w[((size_t)s * D + d) * (T + 1) + t];
	return lb;
}

/* Prunes each cell's values: no shift on a day off, none of a type the
 * person may not work at all. */
static void
make_domain(const struct problem *p, struct domain *dom, struct search_result *res)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes;
	size_t cells = (size_t)S * D;
	dom->start = xmalloc(cells * sizeof(int));
	dom->len = xmalloc(cells * sizeof(int));
	dom->vals = xmalloc(cells * (size_t)(T + 1) * sizeof(int));
	dom->vals_small = NULL;
	res->domain_before = (long long)cells * (T + 1);
	res->domain_after = 0;
	int at = 0;
	for (int s = 0; s < S; s++)
		for (int d = 0; d < D; d++) {
			int i = s * D + d;
			dom->start[i] = at;
			dom->vals[at++] = OFF;
			for (int t = 0; t < T && !p->day_off[i]; t++)
				if (p->max_shifts[s * T + t] > 0)
					dom->vals[at++] = t;
			dom->len[i] = at - dom->start[i];
			res->domain_after += dom->len[i];
		}
}

void
search_run(const struct problem *p, const struct search_opts *o, int *x, struct search_result *res)
{
	memset(res, 0, sizeof *res);
	struct shared sh = { .p = p, .o = o, .best_obj = -1, .best_thread = -1 };
	size_t cells = (size_t)p->nstaff * p->ndays;
	make_domain(p, &sh.dom, res);
	sh.bound = search_lower_bound(p);
	if (o->bound > sh.bound)
		sh.bound = o->bound;
	sh.best_x = xmalloc(cells * sizeof *sh.best_x);
	pthread_mutex_init(&sh.mu, NULL);
	sh.t0 = rota_now();

	int n = o->threads > 0 ? o->threads : 1;
	struct state *st = xcalloc((size_t)n, sizeof *st);
	pthread_t *th = xcalloc((size_t)n, sizeof *th);
	for (int i = 0; i < n; i++) {
		st[i].sh = &sh;
		st[i].id = i;
		rng_seed(&st[i].rng, o->seed * 1000003u + (uint64_t)i);
		st[i].x = xmalloc(cells * sizeof(int));
		for (size_t c = 0; c < cells; c++)
			st[i].x[c] = OFF;
		st[i].count = xcalloc((size_t)p->ndays * p->ntypes, sizeof(int));
		st[i].row = xmalloc((size_t)p->ndays * sizeof(int));
		st[i].pen = xcalloc((size_t)p->nstaff, sizeof(long long));
		st[i].req = xcalloc((size_t)p->nstaff, sizeof(long long));
		st[i].ro = rowopt_new(p);
		st[i].rowcost = xmalloc((size_t)p->ndays * (p->ntypes + 1) * sizeof(long long));
		st[i].newrow = xmalloc((size_t)p->ndays * sizeof(int));
	}
	/* One thread runs on the caller's: -j 1 uses no extra thread at all. */
	for (int i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, anneal, &st[i]) != 0)
			rota_err(EXIT_IO, "pthread_create");
	anneal(&st[0]);
	for (int i = 1; i < n; i++)
		pthread_join(th[i], NULL);

	res->legal = sh.best_obj >= 0;
	if (res->legal) {
		memcpy(x, sh.best_x, cells * sizeof *x);
	} else {	/* the least illegal roster, for the explanation */
		int bi = 0;
		for (int i = 1; i < n; i++)
			if (st[i].hard < st[bi].hard)
				bi = i;
		memcpy(x, st[bi].x, cells * sizeof *x);
	}
	roster_evaluate(p, x, &res->score, NULL, NULL);
	res->bound = sh.bound;
	res->time_to_best = sh.best_time;
	res->best_thread = sh.best_thread;
	res->moves = sh.moves;
	res->elapsed = rota_now() - sh.t0;
	if (o->progress == 1)
		fputs("\r\033[K", stderr);

	for (int i = 0; i < n; i++) {
		free(st[i].x);
		free(st[i].count);
		free(st[i].row);
		free(st[i].pen);
		free(st[i].req);
		rowopt_free(st[i].ro);
		free(st[i].rowcost);
		free(st[i].newrow);
	}
	free(st);
	free(th);
	free(sh.best_x);
	free(sh.dom.start);
	free(sh.dom.len);
	free(sh.dom.vals);
	pthread_mutex_destroy(&sh.mu);
}
