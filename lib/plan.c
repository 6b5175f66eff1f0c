/* plan.c: scoring a programme's schedule, and simulated annealing on it. */
#include "plan.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acgme.h"
#include "rng.h"
#include "util.h"

/* The temperatures of the one cooling over the budget, in units of the
 * objective (cover weights are tens, requests single figures). */
#define TEMP_START 20.0
#define TEMP_END 0.2
/* A repair starts near its published schedule and should stay near it. */
#define TEMP_START_REPAIR 2.0
/* The cost of an ACGME advisory (8 h between duty periods): soft. */
#define ADVISORY_WEIGHT 5
/* Many parts: the first round may give a part this many times its share
 * of the time to become legal (most need a fraction of it: the parts of a
 * 2,000-resident system are legal in 0.05 to 1 s, their shares 0.6 s of
 * 60), and the second round searches a part still illegal until it is
 * legal before it improves it. */
#define PART_FIRST 2.0

/* The state of one search: the schedule and the counts that score it. */
struct state {
	const struct programme *g;
	const struct plan_opts *o;
	int *x;
	int *count, *fac, *need;	/* [d * nacts + a] */
	int *site_n;			/* [(d * nslots + s) * nsites + site] */
	long long *p_soft, *p_hard;	/* [person] */
	long long soft, hard, changes;
	long long weight;		/* of one unit of hard violation */
	struct acgme_rec *recs;		/* scratch: one person's records */
	int *shifts;			/* scratch: [a], one person's count */
	unsigned char *worked;		/* scratch: [d], one person's days */
	struct acgme_opts ao;
	/* Reporting (plan_evaluate): where violations and parts go. */
	plan_report_fn *report;
	void *arg;
	struct plan_score *parts;
	int reporting_person;
};

static void
violation(struct state *st, const char *rule, int p, int d, int s, int a, long long value,
	long long limit)
{
	if (st->report == NULL)
		return;
	struct plan_violation v = { rule, p, d, d, s, a, value, limit, NULL };
	st->report(&v, st->arg);
}

/* ---- the groups: cover, supervision, sites --------------------------------- */

static void
cover_cost(struct state *st, int d, int a, long long *soft, long long *hard)
{
	const struct programme *g = st->g;
	const struct pg_activity *act = &g->act[a];
	size_t k = (size_t)d * g->nacts + a;
	int n = st->count[k];
	if (act->kind != AK_LEAVE) {
		long long diff = n - g->want[k];
		long long c = diff < 0 ? -diff * g->under_w[k] : diff * g->over_w[k];
		*soft += c;
		if (st->parts)
			*(diff < 0 ? &st->parts->under : &st->parts->over) += c;
	}
	if (n < g->cmin[k]) {
		*hard += g->cmin[k] - n;
		violation(st, "programme.cover-min", -1, d, act->slot, a, n, g->cmin[k]);
	}
	if (n > g->cmax[k]) {
		*hard += n - g->cmax[k];
		violation(st, "programme.cover-max", -1, d, act->slot, a, n, g->cmax[k]);
	}
	long long have = (long long)st->fac[k] * g->sup_unit;
	if (act->supervised && st->need[k] > have) {
		long long short_by = (st->need[k] - have + g->sup_unit - 1) / g->sup_unit;
		*hard += short_by;
		violation(st, "programme.supervision", -1, d, act->slot, a, st->fac[k],
			st->fac[k] + short_by);
	}
}

static void
site_cost(struct state *st, int d, int s, int site, long long *hard)
{
	const struct programme *g = st->g;
	int n = st->site_n[((size_t)d * g->nslots + s) * g->nsites + site];
	if (n > g->capacity[site]) {
		*hard += n - g->capacity[site];
		violation(st, "programme.site-capacity", -1, d, s, -1, n, g->capacity[site]);
	}
}

/* Supervision a resident of person p's level needs, in 1/sup_unit faculty. */
static int
supervision_need(const struct programme *g, int p, const struct pg_activity *act)
{
	if (!act->supervised || (g->role[p] != PR_RESIDENT && g->role[p] != PR_FELLOW))
		return 0;
	int k = g->pgy[p] >= 1 ? g->pgy[p] : 1;	/* no level given: the strictest */
	return act->per_faculty[k] ? g->sup_unit / act->per_faculty[k] : 0;
}

/* Adds (sign 1) or takes away (-1) person p doing a on day d. */
static void
count_cell(struct state *st, int p, int d, int a, int sign)
{
	const struct programme *g = st->g;
	const struct pg_activity *act = &g->act[a];
	size_t k = (size_t)d * g->nacts + a;
	st->count[k] += sign;
	if (g->role[p] == PR_FACULTY)
		st->fac[k] += sign;
	st->need[k] += sign * supervision_need(g, p, act);
	if (act->site >= 0)
		st->site_n[((size_t)d * g->nslots + act->slot) * g->nsites + act->site] += sign;
}

/* ---- a person's rules ---------------------------------------------------- */

static void
acgme_found(const struct acgme_finding *f, void *arg)
{
	struct state *st = arg;
	if (f->status != AS_VIOLATION || st->report == NULL)
		return;
	const struct programme *g = st->g;
	int d0 = (int)((f->dates ? f->from : tz_local_day(g->tz, f->from)) - g->start);
	int d1 = (int)((f->dates ? f->to : tz_local_day(g->tz, f->to - 1)) - g->start);
	struct plan_violation v = { acgme_rules[f->rule].id, st->reporting_person, d0, d1, -1, -1,
		(long long)f->value, (long long)f->limit, f->message };
	st->report(&v, st->arg);
}

static void
acgme_overlap(const struct acgme_rec *a, const struct acgme_rec *b, const char *person, void *arg)
{
	(void)b;
	(void)person;
	struct state *st = arg;
	violation(st, "programme.overlap", st->reporting_person,
		(int)(tz_local_day(st->g->tz, a->start) - st->g->start), -1, -1, 2, 1);
}

static long long
requests_cost(const struct programme *g, const int *row, int p)
{
	long long c = 0;
	int S = g->nslots;
	for (int i = g->req_first[p]; i < g->req_first[p + 1]; i++) {
		const struct pg_request *r = &g->req[i];
		const int *day = row + (size_t)r->day * S;
		int met = 0;
		for (int s = 0; s < S && !met; s++)
			if ((r->slot < 0 || r->slot == s) && day[s] >= 0 &&
			    (r->activity < 0 ? g->act[day[s]].kind != AK_LEAVE : day[s] == r->activity))
				met = 1;
		if (met != r->on)
			c += r->weight;
	}
	return c;
}

/* The limits of person p, given counts over the row. */
static long long
limits_cost(struct state *st, int p, const int *shifts, long long minutes, const unsigned char *worked)
{
	const struct programme *g = st->g;
	int A = g->nacts, D = g->ndays;
	long long h = 0;
	for (int a = 0; a < A; a++) {
		int mx = g->max_shifts[p * A + a], mn = g->min_shifts[p * A + a];
		if (shifts[a] > mx) {
			h += shifts[a] - mx;
			violation(st, "programme.max-shifts", p, -1, -1, a, shifts[a], mx);
		}
		if (shifts[a] < mn) {
			h += mn - shifts[a];
			violation(st, "programme.min-shifts", p, -1, -1, a, shifts[a], mn);
		}
	}
	if (minutes > g->max_minutes[p]) {
		h += (minutes - g->max_minutes[p] + 59) / 60;
		violation(st, "programme.max-minutes", p, -1, -1, -1, minutes, g->max_minutes[p]);
	}
	if (minutes < g->min_minutes[p]) {
		h += (g->min_minutes[p] - minutes + 59) / 60;
		violation(st, "programme.min-minutes", p, -1, -1, -1, minutes, g->min_minutes[p]);
	}
	int run = 0, weekends = 0, last_weekend = -1;
	for (int d = 0; d <= D; d++) {
		if (d < D && worked[d]) {
			run++;
			if (g->weekend[d] >= 0 && g->weekend[d] != last_weekend) {
				weekends++;
				last_weekend = g->weekend[d];
			}
			continue;
		}
		if (run > g->max_consec[p]) {
			h += run - g->max_consec[p];
			violation(st, "programme.max-consecutive", p, d - run, -1, -1, run, g->max_consec[p]);
		}
		run = 0;
	}
	if (weekends > g->max_weekends[p]) {
		h += weekends - g->max_weekends[p];
		violation(st, "programme.max-weekends", p, -1, -1, -1, weekends, g->max_weekends[p]);
	}
	return h;
}

/* Everything that depends on person p's row alone. */
static void
person_cost(struct state *st, int p, long long *soft, long long *hard)
{
	const struct programme *g = st->g;
	int D = g->ndays, S = g->nslots, A = g->nacts;
	const int *row = st->x + pg_cell(g, p, 0, 0);
	const int *lock = g->locked + pg_cell(g, p, 0, 0);
	int *shifts = st->shifts;
	unsigned char *worked = st->worked;
	memset(shifts, 0, (size_t)A * sizeof(int));
	memset(worked, 0, (size_t)D);
	long long h = 0, minutes = 0, advisories = 0;
	int calls = 0, weekend_days = 0;
	size_t nrec = 0;
	for (int d = 0; d < D; d++) {
		for (int s = 0; s < S; s++) {
			int i = d * S + s, a = row[i];
			if (lock[i] != PG_UNLOCKED && lock[i] != a) {
				h++;
				violation(st, "programme.locked", p, d, s, lock[i], 1, 0);
			}
			if (a < 0)
				continue;
			const struct pg_activity *act = &g->act[a];
			int fixed = lock[i] == a;
			if (!fixed && !g->eligible[p * A + a]) {
				h++;
				violation(st, "programme.eligibility", p, d, s, a, 1, 0);
			}
			if (!fixed && g->absent[p * D + d] && act->kind != AK_LEAVE) {
				h++;
				violation(st, "programme.absence", p, d, s, a, 1, 0);
			}
			shifts[a]++;
			calls += act->is_call;
			if (act->kind != AK_LEAVE) {
				minutes += act->minutes;
				worked[d] = 1;
			}
			int64_t t = g->begins[(size_t)d * A + a];
			st->recs[nrec++] = (struct acgme_rec){ t, t + (int64_t)act->minutes * 60, act->kind,
				g->pgy[p], 0, 0, NULL };
			if (d + 1 < D)
				for (int s2 = 0; s2 < S; s2++) {
					int b = row[i + S - s + s2];
					if (b >= 0 && g->forbid[a * A + b]) {
						h++;
						violation(st, "programme.not-followed-by", p, d + 1, s2, b, 1, 0);
					}
				}
		}
		weekend_days += worked[d] && g->weekend[d] >= 0;
	}
	h += limits_cost(st, p, shifts, minutes, worked);
	if (nrec && (g->role[p] == PR_RESIDENT || g->role[p] == PR_FELLOW)) {
		struct acgme_counts c = { 0 };
		st->reporting_person = p;
		acgme_check_person(&st->ao, g->person[p], st->recs, nrec, &c);
		h += c.by_status[AS_VIOLATION] + c.overlaps;
		advisories = c.by_status[AS_ADVISORY];
	}
	long long req = requests_cost(g, row, p) + ADVISORY_WEIGHT * advisories;
	long long eq = st->o->equity_weight * ((long long)calls * calls + (long long)weekend_days * weekend_days);
	if (st->parts) {
		st->parts->requests += req;
		st->parts->equity += eq;
	}
	*soft = req + eq;
	*hard = h;
}

void
plan_person_counts(const struct programme *g, const int *x, int p, struct plan_counts *c)
{
	int D = g->ndays, S = g->nslots;
	memset(c, 0, sizeof *c);
	for (int d = 0; d < D; d++) {
		int worked = 0;
		for (int s = 0; s < S; s++) {
			int a = x[pg_cell(g, p, d, s)];
			if (a < 0 || g->act[a].kind == AK_LEAVE)
				continue;
			worked = 1;
			c->calls += g->act[a].is_call;
			c->half_days += !g->act[a].is_call;
			c->minutes += g->act[a].minutes;
		}
		c->weekend_days += worked && g->weekend[d] >= 0;
	}
}

/* ---- the state, whole -------------------------------------------------------- */

static long long
changes_hard(const struct state *st, long long changes)
{
	long long cap = st->o->max_changes;
	return st->o->ref && cap >= 0 && changes > cap ? changes - cap : 0;
}

static void
state_init(struct state *st, const struct programme *g, const struct plan_opts *o, const int *x)
{
	size_t cells = pg_cells(g), groups = (size_t)g->ndays * g->nacts;
	st->g = g;
	st->o = o;
	st->x = xmalloc(cells * sizeof(int));
	memcpy(st->x, x, cells * sizeof(int));
	st->count = xcalloc(groups, sizeof(int));
	st->fac = xcalloc(groups, sizeof(int));
	st->need = xcalloc(groups, sizeof(int));
	st->site_n = xcalloc((size_t)g->ndays * g->nslots * (size_t)(g->nsites + 1), sizeof(int));
	st->p_soft = xcalloc((size_t)g->npeople, sizeof(long long));
	st->p_hard = xcalloc((size_t)g->npeople, sizeof(long long));
	st->recs = xmalloc((size_t)g->ndays * g->nslots * sizeof *st->recs);
	st->shifts = xmalloc((size_t)g->nacts * sizeof(int));
	st->worked = xmalloc((size_t)g->ndays);
	acgme_defaults(&st->ao);
	st->ao.tz = g->tz;
	st->ao.periods = AP_BLOCKS;
	st->ao.anchor = g->start;
	st->ao.have_from = st->ao.have_to = 1;
	st->ao.from = g->start;
	st->ao.to = g->start + g->ndays - 1;
	st->ao.arg = st;

	/* The weight of a hard violation: above any soft change one cell can
	 * make, so that the search prefers legality to anything else. */
	long long wmax = 1;
	for (size_t k = 0; k < groups; k++) {
		if (g->under_w[k] > wmax) wmax = g->under_w[k];
		if (g->over_w[k] > wmax) wmax = g->over_w[k];
	}
	for (int i = 0; i < g->nreq; i++)
		if (g->req[i].weight > wmax)
			wmax = g->req[i].weight;
	st->weight = 10 * wmax + 1000;
}

/* Scores the whole state from its schedule. */
static void
state_score(struct state *st)
{
	const struct programme *g = st->g;
	size_t groups = (size_t)g->ndays * g->nacts;
	memset(st->count, 0, groups * sizeof(int));
	memset(st->fac, 0, groups * sizeof(int));
	memset(st->need, 0, groups * sizeof(int));
	memset(st->site_n, 0, (size_t)g->ndays * g->nslots * (size_t)(g->nsites + 1) * sizeof(int));
	for (int p = 0; p < g->npeople; p++)
		for (int d = 0; d < g->ndays; d++)
			for (int s = 0; s < g->nslots; s++) {
				int a = st->x[pg_cell(g, p, d, s)];
				if (a >= 0)
					count_cell(st, p, d, a, 1);
			}
	st->soft = st->hard = st->changes = 0;
	for (int d = 0; d < g->ndays; d++) {
		for (int a = 0; a < g->nacts; a++)
			cover_cost(st, d, a, &st->soft, &st->hard);
		for (int s = 0; s < g->nslots; s++)
			for (int site = 0; site < g->nsites; site++)
				site_cost(st, d, s, site, &st->hard);
	}
	for (int p = 0; p < g->npeople; p++) {
		person_cost(st, p, &st->p_soft[p], &st->p_hard[p]);
		st->soft += st->p_soft[p];
		st->hard += st->p_hard[p];
	}
	if (st->o->ref) {
		size_t cells = pg_cells(g);
		for (size_t c = 0; c < cells; c++)
			st->changes += st->x[c] != st->o->ref[c];
		st->soft += st->o->change_weight * st->changes;
		long long over = changes_hard(st, st->changes);
		st->hard += over;
		if (over)
			violation(st, "programme.max-changes", -1, -1, -1, -1, st->changes, st->o->max_changes);
	}
}

static void
state_free(struct state *st)
{
	free(st->x);
	free(st->count);
	free(st->fac);
	free(st->need);
	free(st->site_n);
	free(st->p_soft);
	free(st->p_hard);
	free(st->recs);
	free(st->shifts);
	free(st->worked);
}

void
plan_evaluate(const struct programme *g, const struct plan_opts *o, const int *x, struct plan_score *sc,
	plan_report_fn *report, void *arg)
{
	struct state st;
	memset(sc, 0, sizeof *sc);
	state_init(&st, g, o, x);
	st.report = report;
	st.arg = arg;
	st.parts = sc;
	if (report) {	/* the sentences are written only when asked for */
		st.ao.report = acgme_found;
		st.ao.warn = acgme_overlap;
	}
	state_score(&st);
	sc->change_count = st.changes;
	sc->changes = o->ref ? o->change_weight * st.changes : 0;
	sc->total = st.soft;
	sc->hard = st.hard;
	state_free(&st);
}

/* ---- moves ------------------------------------------------------------------ */

/* A move sets one or two cells of one day and slot. */
struct move {
	int n;
	int p[2], d, s;
	int to[2], from[2];
};

/* The groups a move touches, each once. */
struct touched {
	int n;
	int d[8], a[8], s[8], site[8];	/* a >= 0: a cover group; else the site group */
};

static void
touch(struct touched *t, int d, int a, int s, int site)
{
	for (int i = 0; i < t->n; i++)
		if (t->d[i] == d && t->a[i] == a && t->s[i] == s && t->site[i] == site)
			return;
	t->d[t->n] = d;
	t->a[t->n] = a;
	t->s[t->n] = s;
	t->site[t->n++] = site;
}

static void
touched_cost(struct state *st, const struct touched *t, long long *soft, long long *hard)
{
	for (int i = 0; i < t->n; i++) {
		if (t->a[i] >= 0)
			cover_cost(st, t->d[i], t->a[i], soft, hard);
		else
			site_cost(st, t->d[i], t->s[i], t->site[i], hard);
	}
}

static void
set_cells(struct state *st, const struct move *m, const int *value)
{
	const struct programme *g = st->g;
	for (int i = 0; i < m->n; i++) {
		size_t c = pg_cell(g, m->p[i], m->d, m->s);
		int old = st->x[c];
		if (old >= 0)
			count_cell(st, m->p[i], m->d, old, -1);
		if (value[i] >= 0)
			count_cell(st, m->p[i], m->d, value[i], 1);
		st->x[c] = value[i];
		if (st->o->ref)
			st->changes += (value[i] != st->o->ref[c]) - (old != st->o->ref[c]);
	}
}

/* Applies m if the annealing accepts it at temperature temp; returns the
 * change of cost when accepted. */
static int
try_move(struct state *st, struct rng *rng, const struct move *m, double temp, long long *delta)
{
	const struct programme *g = st->g;
	struct touched t = { 0 };
	for (int i = 0; i < m->n; i++) {
		int v[2] = { m->from[i], m->to[i] };
		for (int k = 0; k < 2; k++)
			if (v[k] >= 0) {
				touch(&t, m->d, v[k], -1, -1);
				if (g->act[v[k]].site >= 0)
					touch(&t, m->d, -1, m->s, g->act[v[k]].site);
			}
	}
	long long s0 = 0, h0 = 0, s1 = 0, h1 = 0, ps[2], ph[2];
	touched_cost(st, &t, &s0, &h0);
	long long ch0 = st->changes;
	for (int i = 0; i < m->n; i++) {
		s0 += st->p_soft[m->p[i]];
		h0 += st->p_hard[m->p[i]];
	}
	s0 += st->o->change_weight * (st->o->ref ? ch0 : 0);
	h0 += changes_hard(st, ch0);
	set_cells(st, m, m->to);
	touched_cost(st, &t, &s1, &h1);
	for (int i = 0; i < m->n; i++) {
		person_cost(st, m->p[i], &ps[i], &ph[i]);
		s1 += ps[i];
		h1 += ph[i];
	}
	s1 += st->o->change_weight * (st->o->ref ? st->changes : 0);
	h1 += changes_hard(st, st->changes);
	long long d = (s1 - s0) + st->weight * (h1 - h0);
	if (d > 0 && !(temp > 0 && unit(rng) < exp(-(double)d / temp))) {
		set_cells(st, m, m->from);
		return 0;
	}
	for (int i = 0; i < m->n; i++) {
		st->p_soft[m->p[i]] = ps[i];
		st->p_hard[m->p[i]] = ph[i];
	}
	st->soft += s1 - s0;
	st->hard += h1 - h0;
	*delta = d;
	return 1;
}

/* Who may do each activity, and what each person may do in each slot. */
struct choices {
	int *who, *who_first;	/* [who_first[a] .. who_first[a + 1]) */
	int *what, *what_first;	/* [p * nslots + s]: PG_OFF and the activities */
};

static void
choices_build(struct choices *ch, const struct programme *g)
{
	int P = g->npeople, A = g->nacts, S = g->nslots;
	ch->who_first = xcalloc((size_t)A + 1, sizeof(int));
	ch->who = xmalloc(((size_t)P * A + 1) * sizeof(int));
	int n = 0;
	for (int a = 0; a < A; a++) {
		ch->who_first[a] = n;
		for (int p = 0; p < P; p++)
			if (g->eligible[p * A + a])
				ch->who[n++] = p;
	}
	ch->who_first[A] = n;
	ch->what_first = xcalloc((size_t)P * S + 1, sizeof(int));
	ch->what = xmalloc(((size_t)P * (A + S)) * sizeof(int));
	n = 0;
	for (int p = 0; p < P; p++)
		for (int s = 0; s < S; s++) {
			ch->what_first[p * S + s] = n;
			ch->what[n++] = PG_OFF;
			for (int a = 0; a < A; a++)
				if (g->act[a].slot == s && g->eligible[p * A + a] && g->act[a].kind != AK_LEAVE)
					ch->what[n++] = a;
		}
	ch->what_first[P * S] = n;
}

static void
choices_free(struct choices *ch)
{
	free(ch->who);
	free(ch->who_first);
	free(ch->what);
	free(ch->what_first);
}

/* The part of the programme a search works on: people and the activities
 * they may do, closed under eligibility and shared sites, so that its
 * moves touch no count of another part. */
struct scope {
	int *people, np;
	int *acts, na;
	size_t cells;
};

/* Picks a move at random; 0 when the pick changes nothing or a lock. */
static int
pick_move(const struct state *st, const struct choices *ch, const struct scope *sc, struct rng *rng,
	struct move *m)
{
	const struct programme *g = st->g;
	int S = g->nslots, r = below(rng, 100);
	m->d = below(rng, g->ndays);
	if (r < 35) {		/* one cell, any value its person may take */
		int p = sc->people[below(rng, sc->np)];
		m->s = below(rng, S);
		int lo = ch->what_first[p * S + m->s], n = ch->what_first[p * S + m->s + 1] - lo;
		m->n = 1;
		m->p[0] = p;
		m->to[0] = ch->what[lo + below(rng, n)];
	} else if (r < 70) {	/* someone who may do an activity does it */
		if (sc->na == 0)
			return 0;
		int a = sc->acts[below(rng, sc->na)], lo = ch->who_first[a], n = ch->who_first[a + 1] - lo;
		if (n == 0 || g->act[a].kind == AK_LEAVE)
			return 0;
		m->s = g->act[a].slot;
		m->n = 1;
		m->p[0] = ch->who[lo + below(rng, n)];
		m->to[0] = a;
	} else {		/* two people trade their activities of a slot */
		int p = sc->people[below(rng, sc->np)];
		m->s = below(rng, S);
		int a = st->x[pg_cell(g, p, m->d, m->s)];
		if (a < 0)
			return 0;
		int lo = ch->who_first[a], n = ch->who_first[a + 1] - lo;
		int q = ch->who[lo + below(rng, n)];
		int b = st->x[pg_cell(g, q, m->d, m->s)];
		if (q == p || b == a || (b >= 0 && !g->eligible[p * g->nacts + b]))
			return 0;
		m->n = 2;
		m->p[0] = p;
		m->p[1] = q;
		m->to[0] = b;
		m->to[1] = a;
	}
	for (int i = 0; i < m->n; i++) {
		size_t c = pg_cell(g, m->p[i], m->d, m->s);
		m->from[i] = st->x[c];
		if (g->locked[c] != PG_UNLOCKED)
			return 0;
	}
	return m->n == 2 || m->from[0] != m->to[0];
}

/* ---- the parts ----------------------------------------------------------- */

static int
find(int *up, int i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

static void
join(int *up, int i, int j)
{
	i = find(up, i);
	j = find(up, j);
	if (i != j)
		up[i] = j;
}

/* Splits the programme into independent parts (a hospital's programmes
 * share no one): people and activities joined by eligibility, activities
 * by a shared site.  Largest first. */
static int
scopes_build(const struct programme *g, struct scope **out)
{
	int P = g->npeople, A = g->nacts, n = 0;
	int *up = xmalloc((size_t)(P + A) * sizeof(int)), *site_first = xmalloc(((size_t)g->nsites + 1) * sizeof(int));
	for (int i = 0; i < P + A; i++)
		up[i] = i;
	for (int i = 0; i <= g->nsites; i++)
		site_first[i] = -1;
	/* Leave joins nothing: the search never assigns it (it comes
	 * preloaded), and it has no cover cost. */
	for (int p = 0; p < P; p++)
		for (int a = 0; a < A; a++)
			if (g->eligible[p * A + a] && g->act[a].kind != AK_LEAVE)
				join(up, p, P + a);
	for (int a = 0; a < A; a++) {
		int site = g->act[a].site;
		if (site < 0)
			continue;
		if (site_first[site] < 0)
			site_first[site] = a;
		else
			join(up, P + a, P + site_first[site]);
	}
	int *id = xmalloc((size_t)(P + A) * sizeof(int));
	for (int i = 0; i < P + A; i++)
		id[i] = -1;
	for (int i = 0; i < P + A; i++) {
		int r = find(up, i);
		if (id[r] < 0)
			id[r] = n++;
	}
	struct scope *sc = xcalloc((size_t)n, sizeof *sc);
	for (int i = 0; i < P + A; i++) {
		struct scope *x = &sc[id[find(up, i)]];
		if (i < P) {
			x->people = xrealloc(x->people, (size_t)(x->np + 1) * sizeof(int));
			x->people[x->np++] = i;
		} else {
			x->acts = xrealloc(x->acts, (size_t)(x->na + 1) * sizeof(int));
			x->acts[x->na++] = i - P;
		}
	}
	/* Activities nobody may do form parts without people: no moves. */
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (sc[i].np == 0) {
			free(sc[i].acts);
			continue;
		}
		sc[i].cells = (size_t)sc[i].np * g->ndays * g->nslots;
		sc[k++] = sc[i];
	}
	for (int i = 1; i < k; i++)	/* insertion sort, largest first: few parts */
		for (int j = i; j > 0 && sc[j].cells > sc[j - 1].cells; j--) {
			struct scope t = sc[j];
			sc[j] = sc[j - 1];
			sc[j - 1] = t;
		}
	free(up);
	free(site_first);
	free(id);
	*out = sc;
	return k;
}

static void
scopes_free(struct scope *sc, int n)
{
	for (int i = 0; i < n; i++) {
		free(sc[i].people);
		free(sc[i].acts);
	}
	free(sc);
}

/* ---- the search ------------------------------------------------------------- */

struct shared {
	const struct programme *g;
	const struct plan_opts *o;
	const int *start;
	const struct choices *ch;
	struct scope *scopes;
	int nscopes, next_scope;
	int *owner;		/* [scope]: the thread that searched it */
	int **xs;		/* [thread]: its schedule at the end */
	long long *cost;	/* [thread]: and its cost (portfolio) */
	double *best_at;	/* [thread]: when it found that (portfolio) */
	int *legal;		/* [thread] */
	size_t total_cells;
	double t0;
	pthread_mutex_t lock;
	double time_to_legal, time_to_best;
	long long moves;
	double *legal_at;	/* [scope]: when it was first legal, or -1 */
};

struct worker {
	struct shared *sh;
	int id;
	pthread_t thread;
};

static long long
cost_of(const struct state *st)
{
	return st->soft + st->weight * st->hard;
}

static void
progress(const struct plan_opts *o, const struct state *st, double now)
{
	fprintf(stderr, o->progress == 1 ? "\r%s: %6.1f s  %s  objective %lld   " :
					   "%s: %.1f s %s objective %lld\n",
		rota_progname, now, st->hard ? "illegal" : "legal", st->soft);
}

struct run {
	double legal_at, best_at;	/* seconds since t0, -1: never */
	long long moves;
};

/* The hard violations inside a part: its people's, its activities' and
 * their sites'. */
static long long
scope_hard(struct state *st, const struct scope *sc)
{
	const struct programme *g = st->g;
	long long soft = 0, hard = changes_hard(st, st->changes);
	for (int i = 0; i < sc->np; i++)
		hard += st->p_hard[sc->people[i]];
	unsigned char *seen = xcalloc((size_t)g->nsites + 1, 1);
	for (int i = 0; i < sc->na; i++) {
		int a = sc->acts[i], site = g->act[a].site;
		for (int d = 0; d < g->ndays; d++)
			cover_cost(st, d, a, &soft, &hard);
		if (site < 0 || seen[site]++)
			continue;
		for (int d = 0; d < g->ndays; d++)
			for (int s = 0; s < g->nslots; s++)
				site_cost(st, d, s, site, &hard);
	}
	free(seen);
	return hard;
}

/* Anneals st within sc until the clock reads `until` (or `moves` moves),
 * and leaves st at the best schedule found there. */
static void
anneal_scope(struct state *st, const struct shared *sh, const struct scope *sc, struct rng *rng,
	double until, long long budget, int until_legal, int show, struct run *run)
{
	const struct programme *g = st->g;
	const struct plan_opts *o = st->o;
	size_t row = (size_t)g->ndays * g->nslots;
	int *best = xmalloc(sc->cells * sizeof(int));
	for (int i = 0; i < sc->np; i++)
		memcpy(best + i * row, st->x + pg_cell(g, sc->people[i], 0, 0), row * sizeof(int));
	/* The rest of the schedule does not change meanwhile: the part is
	 * legal when the whole has no more violations than the rest. */
	long long outside = st->hard - scope_hard(st, sc);
	long long best_cost = cost_of(st), moves = 0;
	int best_legal = st->hard == outside, unsaved = 0;
	double now = rota_now() - sh->t0, begin = now, shown = now;
	double temp_start = o->ref ? TEMP_START_REPAIR : TEMP_START, temp = temp_start;
	run->legal_at = best_legal ? now : -1;
	run->best_at = now;
	for (;;) {
		if ((moves & 255) == 0) {
			now = rota_now() - sh->t0;
			double f = budget ? (double)moves / (double)budget
					  : until > begin ? (now - begin) / (until - begin) : 1;
			if (f >= 1)
				break;
			temp = temp_start * pow(TEMP_END / temp_start, f);
			/* A stall ends a search; a search that found nothing
			 * legal gets ten times as long before it gives up. */
			if (o->stall > 0 && now - run->best_at > (best_legal ? 1 : 10) * o->stall)
				break;
			if (show && now - shown >= 1) {
				progress(o, st, now);
				shown = now;
			}
		}
		moves++;
		struct move m;
		long long delta;
		if (!pick_move(st, sh->ch, sc, rng, &m) || !try_move(st, rng, &m, temp, &delta))
			continue;
		if (unsaved && delta > 0) {
			/* Leaving the best: keep it, as it was before this move. */
			for (int i = 0; i < sc->np; i++)
				memcpy(best + i * row, st->x + pg_cell(g, sc->people[i], 0, 0), row * sizeof(int));
			for (int i = 0; i < m.n; i++)
				for (int j = 0; j < sc->np; j++)
					if (sc->people[j] == m.p[i])
						best[j * row + (size_t)m.d * g->nslots + m.s] = m.from[i];
			unsaved = 0;
		}
		long long c = cost_of(st);
		int legal = st->hard == outside;
		if (legal && run->legal_at < 0)
			run->legal_at = rota_now() - sh->t0;
		if (legal && until_legal) {
			unsaved = 1;	/* the state is the result */
			break;
		}
		if (legal > best_legal || (legal == best_legal && c < best_cost)) {
			best_cost = c;
			best_legal = legal;
			run->best_at = rota_now() - sh->t0;
			unsaved = 1;
		}
	}
	if (!unsaved) {
		/* Back to the best, one cell at a time, so that every count
		 * follows. */
		for (int i = 0; i < sc->np; i++)
			for (size_t k = 0; k < row; k++) {
				struct move m = { 1, { sc->people[i], 0 }, (int)(k / g->nslots), (int)(k % g->nslots),
					{ best[i * row + k], 0 }, { 0, 0 } };
				m.from[0] = st->x[pg_cell(g, m.p[0], m.d, m.s)];
				long long delta;
				if (m.from[0] != m.to[0])
					try_move(st, rng, &m, HUGE_VAL, &delta);
			}
	}
	run->moves = moves;
	free(best);
}

static void *
anneal(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct programme *g = sh->g;
	const struct plan_opts *o = sh->o;
	struct state st = { 0 };
	struct rng rng;
	struct run run;
	rng_seed(&rng, o->seed * 7919 + (uint64_t)w->id);
	state_init(&st, g, o, sh->start);
	state_score(&st);
	int show = o->progress && w->id == 0;
	if (sh->nscopes == 1) {
		/* One part: every thread searches it, with its own seed. */
		anneal_scope(&st, sh, &sh->scopes[0], &rng, o->time_limit, o->moves, 0, show, &run);
		pthread_mutex_lock(&sh->lock);
		sh->moves += run.moves;
		if (run.legal_at >= 0 && (sh->time_to_legal < 0 || run.legal_at < sh->time_to_legal))
			sh->time_to_legal = run.legal_at;
		sh->best_at[w->id] = run.best_at;
		pthread_mutex_unlock(&sh->lock);
	} else {
		/* Many parts, in two rounds.  First each thread takes the next
		 * part and searches it until it is legal (with at most its share
		 * of half the time), so that every part is legal early; then
		 * it improves the parts it took, sharing out the time left in
		 * proportion to their sizes.  With --moves, moves are shared
		 * the same way, so that a seed still repeats. */
		int threads = o->threads > 0 ? o->threads : 1;
		size_t mine = 0;
		for (;;) {
			pthread_mutex_lock(&sh->lock);
			int k = sh->next_scope < sh->nscopes ? sh->next_scope++ : -1;
			if (k >= 0)
				sh->owner[k] = w->id;
			pthread_mutex_unlock(&sh->lock);
			if (k < 0)
				break;
			const struct scope *sc = &sh->scopes[k];
			double share = (double)sc->cells / (double)sh->total_cells;
			double until = rota_now() - sh->t0 + o->time_limit * threads * share * PART_FIRST;
			long long budget = o->moves ? (long long)((double)o->moves * threads * share / 10) + 1 : 0;
			anneal_scope(&st, sh, sc, &rng, until < o->time_limit ? until : o->time_limit, budget, 1,
				show, &run);
			mine += sc->cells;
			pthread_mutex_lock(&sh->lock);
			sh->moves += run.moves;
			sh->legal_at[k] = run.legal_at;
			pthread_mutex_unlock(&sh->lock);
		}
		for (int k = 0; k < sh->nscopes; k++) {
			if (sh->owner[k] != w->id)
				continue;
			const struct scope *sc = &sh->scopes[k];
			double now = rota_now() - sh->t0, share = (double)sc->cells / (double)mine;
			double until = now + (o->time_limit - now) * share;
			long long budget = o->moves ? (long long)((double)o->moves * threads * 0.9 *
				(double)sc->cells / (double)sh->total_cells) + 1 : 0;
			if (sh->legal_at[k] < 0) {
				anneal_scope(&st, sh, sc, &rng, until, budget, 1, show, &run);
				pthread_mutex_lock(&sh->lock);
				sh->moves += run.moves;
				sh->legal_at[k] = run.legal_at;
				pthread_mutex_unlock(&sh->lock);
				budget = budget > run.moves ? budget - run.moves : 1;
			}
			anneal_scope(&st, sh, sc, &rng, until, budget, 0, show, &run);
			mine -= sc->cells;
			pthread_mutex_lock(&sh->lock);
			sh->moves += run.moves;
			if (sh->legal_at[k] < 0)
				sh->legal_at[k] = run.legal_at;
			if (run.best_at > sh->time_to_best)
				sh->time_to_best = run.best_at;
			pthread_mutex_unlock(&sh->lock);
		}
	}
	if (o->progress == 1 && w->id == 0)
		fputc('\n', stderr);
	sh->xs[w->id] = st.x;
	sh->cost[w->id] = cost_of(&st);
	sh->legal[w->id] = st.hard == 0;
	st.x = NULL;
	state_free(&st);
	return NULL;
}

void
plan_search(const struct programme *g, const struct plan_opts *o, int *x, struct plan_result *res)
{
	struct choices ch;
	choices_build(&ch, g);
	size_t cells = pg_cells(g);
	const int *start = o->start ? o->start : o->ref ? o->ref : g->preload;
	int *first = xmalloc(cells * sizeof(int));
	memcpy(first, start, cells * sizeof(int));
	for (size_t c = 0; c < cells; c++)	/* locks hold from the start */
		if (g->locked[c] != PG_UNLOCKED)
			first[c] = g->locked[c];
	int n = o->threads > 0 ? o->threads : 1;
	struct shared sh = { .g = g, .o = o, .start = first, .ch = &ch, .t0 = rota_now(),
		.time_to_legal = -1 };
	sh.nscopes = scopes_build(g, &sh.scopes);
	if (o->ref && sh.nscopes > 1) {
		/* A repair's cap on changes joins every part: search it whole. */
		scopes_free(sh.scopes, sh.nscopes);
		sh.nscopes = 1;
		sh.scopes = xcalloc(1, sizeof *sh.scopes);
		sh.scopes[0].np = g->npeople;
		sh.scopes[0].people = xmalloc((size_t)g->npeople * sizeof(int));
		for (int p = 0; p < g->npeople; p++)
			sh.scopes[0].people[p] = p;
		sh.scopes[0].na = g->nacts;
		sh.scopes[0].acts = xmalloc((size_t)g->nacts * sizeof(int));
		for (int a = 0; a < g->nacts; a++)
			sh.scopes[0].acts[a] = a;
		sh.scopes[0].cells = cells;
	}
	for (int i = 0; i < sh.nscopes; i++)
		sh.total_cells += sh.scopes[i].cells;
	sh.owner = xcalloc((size_t)sh.nscopes + 1, sizeof(int));
	sh.legal_at = xcalloc((size_t)sh.nscopes + 1, sizeof(double));
	sh.xs = xcalloc((size_t)n, sizeof *sh.xs);
	sh.cost = xcalloc((size_t)n, sizeof *sh.cost);
	sh.legal = xcalloc((size_t)n, sizeof *sh.legal);
	sh.best_at = xcalloc((size_t)n, sizeof *sh.best_at);
	pthread_mutex_init(&sh.lock, NULL);
	struct worker *w = xcalloc((size_t)n, sizeof *w);
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){ &sh, i, 0 };
		if (i > 0 && pthread_create(&w[i].thread, NULL, anneal, &w[i]) != 0)
			rota_err(EXIT_FAILURE, "pthread_create");
	}
	anneal(&w[0]);
	for (int i = 1; i < n; i++)
		pthread_join(w[i].thread, NULL);
	pthread_mutex_destroy(&sh.lock);
	if (sh.nscopes <= 1) {
		int best = 0;	/* the portfolio's best: legal first, then cost */
		for (int i = 1; i < n; i++)
			if (sh.legal[i] > sh.legal[best] ||
			    (sh.legal[i] == sh.legal[best] && sh.cost[i] < sh.cost[best]))
				best = i;
		memcpy(x, sh.xs[best], cells * sizeof(int));
		res->best_thread = best;
		sh.time_to_best = sh.best_at[best];
	} else {
		/* Each part from the thread that searched it. */
		memcpy(x, first, cells * sizeof(int));
		size_t row = (size_t)g->ndays * g->nslots;
		for (int k = 0; k < sh.nscopes; k++)
			for (int i = 0; i < sh.scopes[k].np; i++) {
				size_t c = pg_cell(g, sh.scopes[k].people[i], 0, 0);
				memcpy(x + c, sh.xs[sh.owner[k]] + c, row * sizeof(int));
			}
		res->best_thread = -1;
		/* The parts are independent: the whole was first legal when
		 * the last of them was. */
		int never = 0;
		for (int k = 0; k < sh.nscopes; k++) {
			never |= sh.legal_at[k] < 0;
			if (sh.legal_at[k] > sh.time_to_legal)
				sh.time_to_legal = sh.legal_at[k];
		}
		if (never)
			sh.time_to_legal = -1;
	}
	int best_thread = res->best_thread;
	memset(res, 0, sizeof *res);
	plan_evaluate(g, o, x, &res->score, NULL, NULL);
	res->legal = res->score.hard == 0;
	res->time_to_legal = res->legal ? sh.time_to_legal : -1;
	res->time_to_best = sh.time_to_best;
	res->elapsed = rota_now() - sh.t0;
	res->moves = sh.moves;
	res->best_thread = best_thread;
	res->parts = sh.nscopes;
	for (int i = 0; i < n; i++)
		free(sh.xs[i]);
	free(sh.xs);
	free(sh.cost);
	free(sh.legal);
	free(sh.best_at);
	free(sh.owner);
	free(sh.legal_at);
	free(w);
	free(first);
	scopes_free(sh.scopes, sh.nscopes);
	choices_free(&ch);
}
