/* acgme.c: the rules of acgme-rules(7), each computed once, exactly. */
#include "acgme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtime.h"
#include "util.h"

#define HOUR 3600LL
#define DAY 86400LL

const char *const acgme_kind_name[AK_COUNT] = {
	"clinical", "education", "transition", "in_house_call", "night_float",
	"moonlighting", "home_call", "home_call_in", "clinical_from_home", "leave",
};

/* What each kind does (acgme-rules(7), "Kinds"): counts toward the 80
 * hours, is on site (continuous periods and rest), is in-house call.  Every
 * kind but leave breaks a day off, and leave is not free time either. */
static const struct {
	unsigned char counts, on_site, call;
} kind_is[AK_COUNT] = {
	[AK_CLINICAL] = { 1, 1, 0 }, [AK_EDUCATION] = { 1, 1, 0 }, [AK_TRANSITION] = { 1, 1, 0 },
	[AK_IN_HOUSE_CALL] = { 1, 1, 1 }, [AK_NIGHT_FLOAT] = { 1, 1, 0 },
	[AK_MOONLIGHTING] = { 1, 1, 0 }, [AK_HOME_CALL] = { 0, 0, 0 },
	[AK_HOME_CALL_IN] = { 1, 1, 0 }, [AK_CLINICAL_FROM_HOME] = { 1, 0, 0 },
	[AK_LEAVE] = { 0, 0, 0 },
};

/* Clause numbers: the 2023 Common Program Requirements (section VI.F) and
 * the 2025 reformatted edition, which numbers the same subsections in the
 * same order from 6.20. */
const struct acgme_rule_info acgme_rules[AR_COUNT] = {
	[AR_80H] = { "acgme.80h", "VI.F.1", "6.20", "80 hours a week, averaged", 1 },
	[AR_DAY_OFF] = { "acgme.day-off", "VI.F.2.c", "6.21.c", "one day in seven free", 1 },
	[AR_24_4] = { "acgme.24+4", "VI.F.3.a", "6.22.a", "24 hours continuous, +4", 1 },
	[AR_14H_POST_CALL] = { "acgme.14h-post-call", "VI.F.2.b", "6.21.b",
		"14 hours free after 24 hours of in-house call", 1 },
	[AR_8H_BETWEEN] = { "acgme.8h-between", "VI.F.2.a", "6.21.a",
		"8 hours off between periods (should)", 1 },
	[AR_Q3_CALL] = { "acgme.q3-call", "VI.F.7", "6.26",
		"in-house call no more than every third night", 1 },
	[AR_PGY1_MOONLIGHTING] = { "acgme.pgy1-moonlighting", "VI.F.5.c", "6.24.c",
		"PGY-1 residents may not moonlight", 1 },
	[AR_LEGACY_NF6] = { "legacy.nf-6-nights", "-", "-",
		"at most 6 consecutive night-float nights (older rule)", 0 },
};

const char *const acgme_status_name[AS_COUNT] = { "ok", "advisory", "indeterminate", "violation" };

int
acgme_kind_named(const char *name)
{
	for (int k = 0; k < AK_COUNT; k++)
		if (strcmp(acgme_kind_name[k], name) == 0)
			return k;
	return -1;
}

int
acgme_rule_named(const char *id)
{
	for (int r = 0; r < AR_COUNT; r++)
		if (strcmp(acgme_rules[r].id, id) == 0)
			return r;
	return -1;
}

void
acgme_defaults(struct acgme_opts *o)
{
	memset(o, 0, sizeof *o);
	o->periods = AP_MONTH;
	for (int r = 0; r < AR_COUNT; r++)
		if (acgme_rules[r].on_by_default)
			o->rules |= 1u << r;
	o->merge_gap = 2 * HOUR;
}

/* Sorted, disjoint intervals [a, b). */
struct iv {
	int64_t a, b;
};

struct ivs {
	struct iv *v;
	size_t n, cap;
};

static void
ivs_add(struct ivs *s, int64_t a, int64_t b)
{
	/* Records come sorted by start: merge with the last when they meet. */
	if (s->n && a <= s->v[s->n - 1].b) {
		if (b > s->v[s->n - 1].b)
			s->v[s->n - 1].b = b;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = (struct iv){ a, b };
}

/* The first interval ending after t. */
static size_t
ivs_find(const struct ivs *s, int64_t t)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].b <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Seconds of s within [a, b). */
static int64_t
ivs_measure(const struct ivs *s, int64_t a, int64_t b)
{
	int64_t sum = 0;
	for (size_t i = ivs_find(s, a); i < s->n && s->v[i].a < b; i++) {
		int64_t lo = s->v[i].a > a ? s->v[i].a : a, hi = s->v[i].b < b ? s->v[i].b : b;
		if (hi > lo)
			sum += hi - lo;
	}
	return sum;
}

static int
ivs_covers(const struct ivs *s, int64_t a, int64_t b)
{
	size_t i = ivs_find(s, a);
	return i < s->n && s->v[i].a <= a && s->v[i].b >= b;
}

/* Whole days (24 h each) in the gaps of busy within [a, b), where the
 * parts [a, s0) and [s1, b) count as busy when unseen_busy, else as free. */
static int64_t
free_days(const struct ivs *busy, int64_t a, int64_t b, int64_t s0, int64_t s1, int unseen_busy)
{
	int64_t days = 0, at = unseen_busy ? s0 : a, end = unseen_busy ? s1 : b;
	for (size_t i = ivs_find(busy, s0); i < busy->n && busy->v[i].a < s1; i++) {
		int64_t lo = busy->v[i].a > s0 ? busy->v[i].a : s0;
		int64_t hi = busy->v[i].b < s1 ? busy->v[i].b : s1;
		if (lo > at)
			days += (lo - at) / DAY;
		if (hi > at)
			at = hi;
	}
	if (end > at)
		days += (end - at) / DAY;
	return days;
}

struct ctx {
	const struct acgme_opts *o;
	const char *person;
	struct acgme_rec *r;
	size_t n;
	int64_t cov0, cov1;	/* the data's coverage, instants */
	struct ivs counted, leave, busy;
	struct acgme_counts *c;
	unsigned char *leave_day;	/* per day of the period being checked */
	size_t leave_cap;
	double *weeks;
	size_t weeks_cap;
};

static int
rule_on(const struct ctx *x, enum acgme_rule r)
{
	return (x->o->rules >> r) & 1u;
}

/* Whether a result of this status goes to the report: the sentence is
 * only written for those (most results are ok and unreported). */
static int
wanted(const struct ctx *x, enum acgme_status st)
{
	return x->o->report && (st != AS_OK || x->o->all);
}

static void
emit(struct ctx *x, struct acgme_finding *f)
{
	x->c->checked++;
	x->c->by_status[f->status]++;
	f->person = x->person;
	if ((f->status != AS_OK || x->o->all) && x->o->report)
		x->o->report(f, x->o->arg);
}

/* The first record starting at or after t. */
static size_t
first_from(const struct ctx *x, int64_t t)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->r[mid].start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
period_label(int64_t from, int64_t to, int month, char *buf, size_t n)
{
	char a[16], b[16];
	rtime_format_date(from, a);
	rtime_format_date(to, b);
	if (month)
		snprintf(buf, n, "%.7s", a);
	else
		snprintf(buf, n, "%s..%s", a, b);
}

/* The rules averaged over a period of local days from..to. */
static void
check_period(struct ctx *x, int64_t from, int64_t to, int weekly_limit, int rolling)
{
	const struct tz *z = x->o->tz;
	int64_t p0 = tz_day_start(z, from), p1 = tz_day_start(z, to + 1);
	int64_t s0 = p0 > x->cov0 ? p0 : x->cov0, s1 = p1 < x->cov1 ? p1 : x->cov1;
	if (s0 >= s1)
		return;	/* no data in the period */
	x->c->periods++;
	size_t D = (size_t)(to - from + 1);
	if (D > x->leave_cap) {
		x->leave_cap = D;
		x->leave_day = xrealloc(x->leave_day, D);
	}
	/* Days fully on leave with no counted work leave the divisor. */
	int64_t leave = 0;
	for (size_t i = 0; i < D; i++) {
		int64_t a = tz_day_start(z, from + (int64_t)i), b = tz_day_start(z, from + (int64_t)i + 1);
		x->leave_day[i] = ivs_covers(&x->leave, a, b) && ivs_measure(&x->counted, a, b) == 0;
		leave += x->leave_day[i];
	}
	int64_t E = (int64_t)D - leave;
	enum acgme_status fail = rolling ? AS_ADVISORY : AS_VIOLATION;
	char label[40], msg[320];
	period_label(from, to, x->o->periods == AP_MONTH && !rolling, label, sizeof label);
	struct acgme_finding f = { .dates = 1, .from = from, .to = to, .message = msg };

	if (rule_on(x, AR_80H)) {
		/* Unseen days can only add hours or leave (a smaller limit): a
		 * failure on the data seen is final. */
		int64_t H = ivs_measure(&x->counted, p0, p1);
		size_t nw = (D + 6) / 7;
		if (nw > x->weeks_cap) {
			x->weeks_cap = nw;
			x->weeks = xrealloc(x->weeks, nw * sizeof *x->weeks);
		}
		for (size_t w = 0; w < nw; w++) {
			int64_t end = from + 7 * (int64_t)(w + 1) > to + 1 ? to + 1 : from + 7 * (int64_t)(w + 1);
			x->weeks[w] = (double)ivs_measure(&x->counted, tz_day_start(z, from + 7 * (int64_t)w),
					      tz_day_start(z, end)) / HOUR;
		}
		f.rule = AR_80H;
		f.status = 7 * H > (int64_t)weekly_limit * HOUR * E ? fail : AS_OK;
		f.value = E ? (double)H * 7 / ((double)HOUR * (double)E) : 0;
		f.limit = weekly_limit;
		f.unit = "hours/week";
		f.weeks = x->weeks;
		f.nweeks = (int)nw;
		snprintf(msg, sizeof msg, "%s worked %.1f h/week on average in %s (limit %d)", x->person,
			f.value, label, weekly_limit);
		emit(x, &f);
		f.weeks = NULL;
		f.nweeks = 0;
	}
	if (rule_on(x, AR_DAY_OFF)) {
		/* Unseen time could be free: fail only if it fails even so. */
		int64_t seen = free_days(&x->busy, p0, p1, s0, s1, 1);
		int64_t best = free_days(&x->busy, p0, p1, s0, s1, 0);
		int s = x->o->strict_day_off;
#define DAYOFF_FAILS(d) (s ? 7 * (d) < E : (d) < E / 7)
		f.rule = AR_DAY_OFF;
		f.status = !DAYOFF_FAILS(seen) ? AS_OK : DAYOFF_FAILS(best) ? fail : AS_INDETERMINATE;
#undef DAYOFF_FAILS
		f.value = (double)seen;
		f.limit = s ? (double)E / 7 : (double)(E / 7);
		f.unit = "days off";
		snprintf(msg, sizeof msg, "%s had %lld full days off in %s (at least %lld needed%s)",
			x->person, (long long)seen, label, (long long)(s ? (E + 6) / 7 : E / 7),
			f.status == AS_INDETERMINATE ? "; days outside the data could still make it" : "");
		emit(x, &f);
	}
	if (rule_on(x, AR_Q3_CALL)) {
		/* Calls longer than two days are not calls: start looking there. */
		int64_t calls = 0, last_end = INT64_MIN;
		for (size_t i = first_from(x, p0 - 2 * DAY); i < x->n && x->r[i].start < p1; i++) {
			const struct acgme_rec *r = &x->r[i];
			if (r->kind != AK_IN_HOUSE_CALL)
				continue;
			int touches = r->start <= last_end;
			if (r->end > last_end)
				last_end = r->end;
			if (touches)
				continue;	/* one call with the one before */
			int64_t day = tz_local_day(z, r->start);
			if (day >= from && day <= to && !x->leave_day[day - from])
				calls++;
		}
		f.rule = AR_Q3_CALL;
		f.status = 3 * calls > E ? fail : AS_OK;
		f.value = (double)calls;
		f.limit = (double)E / 3;
		f.unit = "calls";
		snprintf(msg, sizeof msg,
			"%s had %lld in-house calls in %s, more than one every third night (%lld eligible days)",
			x->person, (long long)calls, label, (long long)E);
		if (f.status == AS_OK)
			snprintf(msg, sizeof msg, "%s had %lld in-house calls in %s (%lld eligible days)",
				x->person, (long long)calls, label, (long long)E);
		emit(x, &f);
	}
}

static void
check_periods(struct ctx *x)
{
	const struct acgme_opts *o = x->o;
	int64_t d0 = tz_local_day(o->tz, x->cov0), d1 = tz_local_day(o->tz, x->cov1 - 1);
	if (!(o->rules & ((1u << AR_80H) | (1u << AR_DAY_OFF) | (1u << AR_Q3_CALL))))
		return;
	switch (o->periods) {
	case AP_MONTH: {
		int64_t y, y1;
		unsigned m, m1, d;
		rtime_civil_from_days(d0, &y, &m, &d);
		rtime_civil_from_days(d1, &y1, &m1, &d);
		while (y < y1 || (y == y1 && m <= m1)) {
			int64_t first = rtime_days_from_civil(y, m, 1);
			if (++m > 12) {
				m = 1;
				y++;
			}
			check_period(x, first, rtime_days_from_civil(y, m, 1) - 1, 80, 0);
		}
		break;
	}
	case AP_BLOCKS: {
		int64_t k = (d0 - o->anchor) / 28 - ((d0 - o->anchor) % 28 < 0);
		for (int64_t b = o->anchor + 28 * k; b <= d1; b += 28)
			check_period(x, b, b + 27, 80, 0);
		break;
	}
	case AP_FILE:
		for (size_t i = 0; i < o->nplist; i++) {
			const struct acgme_period *p = &o->plist[i];
			if ((!p->person || strcmp(p->person, x->person) == 0) && p->to >= d0 && p->from <= d1)
				check_period(x, p->from, p->to, p->weekly_limit, 0);
		}
		break;
	case AP_ROLLING:
		for (int64_t b = d0; b + 27 <= d1; b++)
			check_period(x, b, b + 27, 80, 1);
		break;
	}
}

/* A continuous period: on-site records joined across gaps shorter than
 * the merge gap. */
struct cperiod {
	int64_t a, b, worked;
	int call, exception, late, only_home_call_in;
};

static void
instant_finding(struct ctx *x, enum acgme_rule rule, enum acgme_status st, int64_t a, int64_t b,
	double value, double limit, const char *unit, const char *msg)
{
	struct acgme_finding f = { .rule = rule, .status = st, .from = a, .to = b, .value = value,
		.limit = limit, .unit = unit, .message = msg };
	emit(x, &f);
}

static int
in_coverage(const struct ctx *x, int64_t t)
{
	return t >= x->cov0 && t < x->cov1;
}

/* The rest after a continuous period of 24 h or more with in-house call:
 * to the next record of any kind but home call and leave.  Returns 1 if
 * the rule found it short. */
static int
check_post_call(struct ctx *x, const struct cperiod *p, int64_t L)
{
	if (!p->call || L < 24 * HOUR || !rule_on(x, AR_14H_POST_CALL) || !in_coverage(x, p->a))
		return 0;
	for (size_t i = first_from(x, p->b); i < x->n; i++) {
		const struct acgme_rec *r = &x->r[i];
		if (r->kind == AK_HOME_CALL || r->kind == AK_LEAVE)
			continue;
		int64_t gap = r->start - p->b;
		char msg[320] = "", at[32];
		enum acgme_status st = gap < 14 * HOUR ? AS_VIOLATION : AS_OK;
		if (wanted(x, st)) {
			tz_format(x->o->tz, p->b, at);
			snprintf(msg, sizeof msg, "%s had %.1f h free after %.1f h with in-house call "
				"ending %s (at least 14 h)", x->person, (double)gap / HOUR, (double)L / HOUR,
				at);
		}
		instant_finding(x, AR_14H_POST_CALL, st, p->b, r->start, (double)gap / HOUR, 14, "hours",
			msg);
		return st != AS_OK;
	}
	return 0;
}

static void
check_continuous(struct ctx *x)
{
	struct cperiod *cp = NULL;
	size_t ncp = 0, cap = 0;
	int64_t worked_to = INT64_MIN;
	for (size_t i = 0; i < x->n; i++) {
		const struct acgme_rec *r = &x->r[i];
		if (!kind_is[r->kind].on_site)
			continue;
		if (!ncp || r->start - cp[ncp - 1].b >= x->o->merge_gap) {
			if (ncp == cap) {
				cap = cap ? 2 * cap : 16;
				cp = xrealloc(cp, cap * sizeof *cp);
			}
			cp[ncp++] = (struct cperiod){ r->start, r->start, 0, 0, 0, 0, 1 };
			worked_to = r->start;
		}
		struct cperiod *p = &cp[ncp - 1];
		int64_t from = r->start > worked_to ? r->start : worked_to;
		if (r->end > from)
			p->worked += r->end - from;
		if (r->end > worked_to)
			worked_to = r->end;
		if (r->end > p->b)
			p->b = r->end;
		p->call |= kind_is[r->kind].call;
		p->exception |= r->exception;
		p->only_home_call_in &= r->kind == AK_HOME_CALL_IN;
		if (r->kind != AK_TRANSITION && r->kind != AK_EDUCATION && r->start - p->a >= 24 * HOUR)
			p->late = 1;
	}
	int short_rest = 0;
	for (size_t i = 0; i < ncp; i++) {
		const struct cperiod *p = &cp[i];
		int64_t L = x->o->exclude_gaps ? p->worked : p->b - p->a;
		char msg[320] = "", at[32];
		if (rule_on(x, AR_24_4) && in_coverage(x, p->a)) {
			int fails = L > 28 * HOUR || (L > 24 * HOUR && p->late);
			enum acgme_status st = !fails ? AS_OK : p->exception ? AS_ADVISORY : AS_VIOLATION;
			if (wanted(x, st)) {
				tz_format(x->o->tz, p->a, at);
				snprintf(msg, sizeof msg, "%s worked %.1f h continuously from %s (limit "
					"24 h, +4 h for transitions and education%s)", x->person,
					(double)L / HOUR, at, st == AS_ADVISORY ? "; stayed by choice" : "");
			}
			instant_finding(x, AR_24_4, st, p->a, p->b, (double)L / HOUR, 24, "hours", msg);
		}
		if (i > 0 && rule_on(x, AR_8H_BETWEEN) && in_coverage(x, p->a) && !short_rest &&
		    !p->only_home_call_in) {
			int64_t gap = p->a - cp[i - 1].b;
			enum acgme_status st = gap < 8 * HOUR ? AS_ADVISORY : AS_OK;
			if (wanted(x, st)) {
				tz_format(x->o->tz, p->a, at);
				snprintf(msg, sizeof msg, "%s had %.1f h off before the period starting %s "
					"(should have 8 h)", x->person, (double)gap / HOUR, at);
			}
			instant_finding(x, AR_8H_BETWEEN, st, cp[i - 1].b, p->a, (double)gap / HOUR, 8,
				"hours", msg);
		}
		short_rest = check_post_call(x, p, L);
	}
	free(cp);
}

static void
check_records(struct ctx *x)
{
	const struct tz *z = x->o->tz;
	char msg[320], at[32];
	int64_t run_from = 0, run_to = INT64_MIN;
	for (size_t i = 0; i <= x->n; i++) {
		const struct acgme_rec *r = i < x->n ? &x->r[i] : NULL;
		if (r && !in_coverage(x, r->start))
			continue;
		if (r && r->kind == AK_MOONLIGHTING && r->pgy == 1 && rule_on(x, AR_PGY1_MOONLIGHTING)) {
			tz_format(z, r->start, at);
			snprintf(msg, sizeof msg, "%s moonlighted from %s as a PGY-1 resident", x->person, at);
			instant_finding(x, AR_PGY1_MOONLIGHTING, AS_VIOLATION, r->start, r->end, 1, 0,
				"records", msg);
		}
		if (!rule_on(x, AR_LEGACY_NF6) || (r && r->kind != AK_NIGHT_FLOAT))
			continue;
		/* Runs of night-float nights on consecutive local dates. */
		int64_t day = r ? tz_local_day(z, r->start) : INT64_MAX;
		if (r && day <= run_to + 1) {
			if (day > run_to)
				run_to = day;
			continue;
		}
		if (run_to != INT64_MIN) {
			int64_t len = run_to - run_from + 1;
			char a[16];
			rtime_format_date(run_from, a);
			snprintf(msg, sizeof msg, "%s worked %lld night-float nights in a row from %s "
				"(at most 6)", x->person, (long long)len, a);
			struct acgme_finding f = { .rule = AR_LEGACY_NF6, .dates = 1, .from = run_from,
				.to = run_to, .value = (double)len, .limit = 6, .unit = "nights",
				.message = msg, .status = len > 6 ? AS_VIOLATION : AS_OK };
			emit(x, &f);
		}
		run_from = run_to = day;
	}
}

static int
by_start(const void *a, const void *b)
{
	const struct acgme_rec *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

void
acgme_check_person(const struct acgme_opts *o, const char *person, struct acgme_rec *r,
	size_t n, struct acgme_counts *c)
{
	if (n == 0)
		return;
	size_t sorted = 1;
	while (sorted < n && by_start(&r[sorted - 1], &r[sorted]) <= 0)
		sorted++;
	if (sorted < n)	/* input is mostly in order already: no sort then */
		qsort(r, n, sizeof *r, by_start);
	struct ctx x = { .o = o, .person = person, .r = r, .n = n, .c = c };
	int64_t last_end = INT64_MIN;
	size_t last = 0;
	for (size_t i = 0; i < n; i++) {
		/* Overlaps are merged below (no hour counts twice): say so. */
		if (r[i].start < last_end) {
			c->overlaps++;
			if (o->warn)
				o->warn(&r[last], &r[i], person, o->arg);
		}
		if (r[i].end > last_end) {
			last_end = r[i].end;
			last = i;
		}
		if (kind_is[r[i].kind].counts)
			ivs_add(&x.counted, r[i].start, r[i].end);
		if (r[i].kind == AK_LEAVE)
			ivs_add(&x.leave, r[i].start, r[i].end);
		ivs_add(&x.busy, r[i].start, r[i].end);	/* leave is not free time */
	}
	x.cov0 = o->have_from ? tz_day_start(o->tz, o->from) : r[0].start;
	x.cov1 = o->have_to ? tz_day_start(o->tz, o->to + 1) : last_end;
	if (x.cov0 < x.cov1) {
		check_periods(&x);
		check_continuous(&x);
		check_records(&x);
	}
	free(x.counted.v);
	free(x.leave.v);
	free(x.busy.v);
	free(x.leave_day);
	free(x.weeks);
}
