/* Unit tests for lib/acgme: each rule of acgme-rules(7) at its exact edge,
 * driven through acgme_check_person and its callbacks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acgme.h"
#include "rtime.h"
#include "tap.h"

#include "tz.h"

#define HOUR 3600LL
#define DAY 86400LL
#define MAXREC 256
#define MAXF 64

static struct tz *utc, *nyc;

/* The records of the case being built, and what the check said of them. */
static struct acgme_rec rec[MAXREC];
static size_t nrec;

struct seen {
	enum acgme_rule rule;
	enum acgme_status status;
	int dates;
	int64_t from, to;
	double value, limit;
	double weeks[8];
	int nweeks;
	char message[320];
};
static struct seen found[MAXF];
static int nfound, nwarn;
static long warn_a, warn_b;	/* lines of the last overlap reported */
static struct acgme_counts counts;

static void
on_report(const struct acgme_finding *f, void *arg)
{
	(void)arg;
	if (nfound == MAXF)
		return;
	struct seen *s = &found[nfound++];
	*s = (struct seen){ .rule = f->rule, .status = f->status, .dates = f->dates, .from = f->from,
		.to = f->to, .value = f->value, .limit = f->limit, .nweeks = f->nweeks };
	for (int i = 0; i < f->nweeks && i < 8; i++)
		s->weeks[i] = f->weeks[i];
	snprintf(s->message, sizeof s->message, "%s", f->message);
}

static void
on_warn(const struct acgme_rec *a, const struct acgme_rec *b, const char *person, void *arg)
{
	(void)person;
	(void)arg;
	nwarn++;
	warn_a = a->line;
	warn_b = b->line;
}

static void
clear(void)
{
	nrec = 0;
}

/* A record from a to b (RFC 3339); its line is its place in the case. */
static struct acgme_rec *
add_at(int kind, int64_t a, int64_t b)
{
	struct acgme_rec *r = &rec[nrec];
	*r = (struct acgme_rec){ .start = a, .end = b, .kind = kind, .line = (long)++nrec,
		.file = "case" };
	return r;
}

static struct acgme_rec *
add(int kind, const char *a, const char *b)
{
	return add_at(kind, tap_instant(a), tap_instant(b));
}

/* Records of one kind, clock seconds after midnight UTC for len seconds,
 * on ndays days from the date from, except on the days of the month that
 * skip lists (ending with 0). */
static void
daily(int kind, const char *from, int ndays, int64_t clock, int64_t len, const int *skip)
{
	int64_t d0 = tap_date(from);
	for (int i = 0; i < ndays; i++) {
		int64_t y;
		unsigned m, d;
		rtime_civil_from_days(d0 + i, &y, &m, &d);
		int off = 0;
		for (const int *s = skip; s && *s; s++)
			off |= *s == (int)d;
		if (!off)
			add_at(kind, (d0 + i) * DAY + clock, (d0 + i) * DAY + clock + len);
	}
}

/* Options for a case: only the rules given, every result reported. */
static struct acgme_opts
opts(unsigned rules)
{
	struct acgme_opts o;
	acgme_defaults(&o);
	o.tz = utc;
	o.rules = rules;
	o.all = 1;
	o.report = on_report;
	o.warn = on_warn;
	return o;
}

static void
run(const struct acgme_opts *o)
{
	nfound = nwarn = 0;
	warn_a = warn_b = 0;
	memset(&counts, 0, sizeof counts);
	acgme_check_person(o, "r07", rec, nrec, &counts);
}

static void
run_rules(unsigned rules)
{
	struct acgme_opts o = opts(rules);
	run(&o);
}

/* The n-th finding of a rule, or NULL. */
static const struct seen *
nth(enum acgme_rule rule, int n)
{
	for (int i = 0; i < nfound; i++)
		if (found[i].rule == rule && n-- == 0)
			return &found[i];
	return NULL;
}

/* The finding of a rule for the period beginning on date from. */
static const struct seen *
period(enum acgme_rule rule, const char *from)
{
	for (int i = 0; i < nfound; i++)
		if (found[i].rule == rule && found[i].dates && found[i].from == tap_date(from))
			return &found[i];
	return NULL;
}

static int
nof(enum acgme_rule rule)
{
	int n = 0;
	for (int i = 0; i < nfound; i++)
		n += found[i].rule == rule;
	return n;
}

static const char *
status_of(const struct seen *f)
{
	return f ? acgme_status_name[f->status] : "(no finding)";
}

/* f has status want and, unless value is NAN, that value. */
static void
expect(const struct seen *f, enum acgme_status want, double value, const char *name)
{
	int ok = f && f->status == want && (isnan(value) || fabs(f->value - value) < 1e-9);
	if (!tap_ok(ok, "%s: %s", name, acgme_status_name[want]) && f)
		printf("#   got %s, value %.9g: %s\n", status_of(f), f->value, f->message);
	else if (!f && !ok)
		printf("#   got no finding\n");
}

#define R(r) (1u << (r))

static void
test_80h(void)
{
	/* February 2026: 28 days, so at most 7·H ≤ 80·3600·28, H ≤ 320 h. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 20, 8 * HOUR, 16 * HOUR, NULL);
	run_rules(R(AR_80H));
	const struct seen *f = period(AR_80H, "2026-02-01");
	expect(f, AS_OK, 80.0, "80h: 320 h in 28 days is exactly 80 h/week");
	tap_ok(f && f->limit == 80 && f->nweeks == 4, "  limit 80, four weeks listed");
	tap_ok(f && f->weeks[0] == 112 && f->weeks[1] == 112 && f->weeks[2] == 96 && f->weeks[3] == 0,
		"  weeks 112, 112, 96, 0 h");
	tap_is_int(nof(AR_80H), 1, "  one period (February) checked");
	rec[nrec - 1].end++;
	run_rules(R(AR_80H));
	expect(period(AR_80H, "2026-02-01"), AS_VIOLATION, NAN, "80h: one second more");

	/* A record across the month's edge counts in each month for its part. */
	clear();
	add(AK_CLINICAL, "2026-01-31T20:00:00Z", "2026-02-01T08:00:00Z");
	run_rules(R(AR_80H));
	f = period(AR_80H, "2026-01-01");
	expect(f, AS_OK, 4.0 * 7 / 31, "80h: 4 h at the end of January");
	tap_ok(f && f->nweeks == 5 && f->weeks[4] == 4, "  in its fifth week (29..31)");
	f = period(AR_80H, "2026-02-01");
	expect(f, AS_OK, 8.0 * 7 / 28, "80h: 8 h at the start of February");
	tap_ok(f && f->weeks[0] == 8, "  in its first week");

	/* Leave days leave the divisor: E = 28 − 7 = 21, H ≤ 240 h. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 15, 8 * HOUR, 16 * HOUR, NULL);
	add(AK_LEAVE, "2026-02-22T00:00:00Z", "2026-03-01T00:00:00Z");
	run_rules(R(AR_80H));
	expect(period(AR_80H, "2026-02-01"), AS_OK, 80.0, "80h: 240 h in 21 eligible days (7 on leave)");
	rec[14].end++;
	run_rules(R(AR_80H));
	expect(period(AR_80H, "2026-02-01"), AS_VIOLATION, NAN, "80h: one second more");
	/* An hour of work on a leave day makes it an eligible day again. */
	rec[14].end--;
	add(AK_CLINICAL, "2026-02-25T10:00:00Z", "2026-02-25T11:00:00Z");
	run_rules(R(AR_80H));
	expect(period(AR_80H, "2026-02-01"), AS_OK, 241.0 * 7 / 22,
		"80h: a worked leave day counts (E 22)");

	/* A rotation granted 88 h: H ≤ 352 h in 28 days. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 22, 8 * HOUR, 16 * HOUR, NULL);
	struct acgme_period rot = { .person = NULL, .from = tap_date("2026-02-01"), .to = tap_date("2026-02-28"),
		.weekly_limit = 88 };
	struct acgme_opts o = opts(R(AR_80H));
	o.periods = AP_FILE;
	o.plist = &rot;
	o.nplist = 1;
	run(&o);
	f = period(AR_80H, "2026-02-01");
	expect(f, AS_OK, 88.0, "80h: 352 h in 28 days under an 88 h rotation");
	tap_ok(f && f->limit == 88, "  limit 88");
	rec[nrec - 1].end++;
	run(&o);
	expect(period(AR_80H, "2026-02-01"), AS_VIOLATION, NAN, "80h: one second more");
}

static void
test_day_off(void)
{
	/* February 2026 seen whole: E = 28, at least 4 days off. */
	struct acgme_opts o = opts(R(AR_DAY_OFF));
	o.have_from = o.have_to = 1;
	o.from = tap_date("2026-02-01");
	o.to = tap_date("2026-02-28");
	static const int four[] = { 7, 14, 21, 28, 0 }, three[] = { 7, 14, 21, 0 };

	clear();
	daily(AK_CLINICAL, "2026-02-01", 28, 8 * HOUR, 10 * HOUR, four);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_OK, 4, "day-off: days 7, 14, 21, 28 free");
	clear();
	daily(AK_CLINICAL, "2026-02-01", 28, 8 * HOUR, 10 * HOUR, three);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_VIOLATION, 3, "day-off: day 28 worked, 3 days off");

	/* A free gap of exactly 24 h is a day; a second less is not. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 27, 8 * HOUR, 10 * HOUR, three);
	add(AK_CLINICAL, "2026-02-28T18:00:00Z", "2026-02-28T23:00:00Z");
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_OK, 4, "day-off: a gap of exactly 24 h is a day off");
	rec[nrec - 1].start--;
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_VIOLATION, 3, "day-off: 24 h less a second is not");

	/* Home call breaks a day off. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 28, 8 * HOUR, 10 * HOUR, four);
	add(AK_HOME_CALL, "2026-02-14T10:00:00Z", "2026-02-14T12:00:00Z");
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_VIOLATION, 3,
		"day-off: home call on day 14 breaks it");

	/* Leave is not a day off (but leaves the divisor: E = 24, 3 needed). */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 28, 8 * HOUR, 10 * HOUR, four);
	for (int d = 7; d <= 28; d += 7)
		add_at(AK_LEAVE, (tap_date("2026-02-01") + d - 1) * DAY, (tap_date("2026-02-01") + d) * DAY);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_VIOLATION, 0,
		"day-off: four days of leave are no day off");

	/* Data up to the 20th only: unseen days could still hold the days off. */
	o.have_from = o.have_to = 0;
	clear();
	daily(AK_CLINICAL, "2026-02-01", 20, 8 * HOUR, 10 * HOUR, NULL);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_INDETERMINATE, 0,
		"day-off: none in 1..20, eight days unseen");
	/* Up to the 27th: even the unseen day 28 cannot make four. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 27, 8 * HOUR, 10 * HOUR, NULL);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_VIOLATION, 0, "day-off: none in 1..27");

	/* April 2026: E = 30; four days off pass floor(30/7) = 4 but not
	 * --strict-day-off (7·4 < 30). */
	o = opts(R(AR_DAY_OFF));
	o.have_from = o.have_to = 1;
	o.from = tap_date("2026-04-01");
	o.to = tap_date("2026-04-30");
	clear();
	daily(AK_CLINICAL, "2026-04-01", 30, 8 * HOUR, 10 * HOUR, four);
	run(&o);
	expect(period(AR_DAY_OFF, "2026-04-01"), AS_OK, 4, "day-off: April, 4 days off");
	o.strict_day_off = 1;
	run(&o);
	expect(period(AR_DAY_OFF, "2026-04-01"), AS_VIOLATION, 4, "day-off: April, 4 days off, strict");
}

static void
test_24_4(void)
{
	unsigned r = R(AR_24_4);
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_OK, 24, "24+4: 24 h of call");
	add(AK_TRANSITION, "2026-02-03T08:00:00Z", "2026-02-03T12:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_OK, 28, "24+4: and 4 h of transition");
	rec[1].end++;
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_VIOLATION, 28 + 1.0 / 3600, "24+4: and one second more");
	rec[1].exception = 1;
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_ADVISORY, NAN, "24+4: the same, stayed by choice");

	/* Other work may not start at hour 24 or later. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_CLINICAL, "2026-02-03T08:00:00Z", "2026-02-03T09:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_VIOLATION, 25, "24+4: clinical work starting at hour 24");
	rec[0].end--;
	rec[1].start--;
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_OK, 25, "24+4: clinical work starting a second before hour 24");
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-03T10:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_OK, 26, "24+4: one 26 h record (nothing starts at hour 24)");
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T12:00:01Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_VIOLATION, NAN, "24+4: one record of 28 h and a second");

	/* Gaps under the merge gap (2 h) join records into one period. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T06:00:00Z");
	add(AK_CLINICAL, "2026-02-03T07:59:59Z", "2026-02-03T10:00:00Z");
	run_rules(r);
	tap_is_int(nof(AR_24_4), 1, "24+4: a gap of 2 h less a second joins");
	expect(nth(AR_24_4, 0), AS_OK, 26, "  26 h with the gap, work started before hour 24");
	rec[1].start++;
	run_rules(r);
	tap_is_int(nof(AR_24_4), 2, "24+4: a gap of exactly 2 h separates");
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T06:30:00Z");
	add(AK_EDUCATION, "2026-02-03T06:30:00Z", "2026-02-03T08:00:00Z");
	add(AK_CLINICAL, "2026-02-03T09:59:59Z", "2026-02-03T11:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_VIOLATION, 27, "24+4: clinical joined across a gap at hour 26");
	/* Home call is not on site: it does not extend the period. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_HOME_CALL, "2026-02-03T08:00:00Z", "2026-02-03T14:00:00Z");
	add(AK_CLINICAL_FROM_HOME, "2026-02-03T08:30:00Z", "2026-02-03T09:00:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_OK, 24, "24+4: home call and work from home after 24 h of call");
	tap_is_int(nof(AR_24_4), 1, "  one period");

	/* --exclude-gaps: 20 h + 8 h worked across a 1.5 h gap. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T04:00:00Z");
	add(AK_EDUCATION, "2026-02-03T05:30:00Z", "2026-02-03T13:30:00Z");
	run_rules(r);
	expect(nth(AR_24_4, 0), AS_VIOLATION, 29.5, "24+4: 29.5 h with the gap");
	struct acgme_opts o = opts(r);
	o.exclude_gaps = 1;
	run(&o);
	expect(nth(AR_24_4, 0), AS_OK, 28, "24+4: 28 h worked with --exclude-gaps");
}

static void
test_14h_8h(void)
{
	unsigned r = R(AR_14H_POST_CALL) | R(AR_8H_BETWEEN);
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_CLINICAL, "2026-02-03T22:00:00Z", "2026-02-04T06:00:00Z");
	run_rules(r);
	const struct seen *f = nth(AR_14H_POST_CALL, 0);
	expect(f, AS_OK, 14, "14h: 14 h free after 24 h of call");
	tap_ok(f && f->from == tap_instant("2026-02-03T08:00:00Z") && f->to == tap_instant("2026-02-03T22:00:00Z"),
		"  from the call's end to the next start");
	expect(nth(AR_8H_BETWEEN, 0), AS_OK, 14, "8h: that gap is fine too");
	rec[1].start--;
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_VIOLATION, 14 - 1.0 / 3600, "14h: a second less");
	tap_is_int(nof(AR_8H_BETWEEN), 0, "8h: not reported again for that gap");
	rec[1].start = tap_instant("2026-02-03T12:00:00Z");
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_VIOLATION, 4, "14h: 4 h free");
	tap_is_int(nof(AR_8H_BETWEEN), 0, "8h: not reported where 14h was");

	/* Home call and leave do not end the rest; work from home does. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_HOME_CALL, "2026-02-03T12:00:00Z", "2026-02-03T16:00:00Z");
	add(AK_LEAVE, "2026-02-03T16:00:00Z", "2026-02-03T20:00:00Z");
	add(AK_CLINICAL, "2026-02-03T22:00:00Z", "2026-02-04T06:00:00Z");
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_OK, 14, "14h: home call and leave inside the rest");
	add(AK_CLINICAL_FROM_HOME, "2026-02-03T13:00:00Z", "2026-02-03T14:00:00Z");
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_VIOLATION, 5, "14h: work from home 5 h after");

	/* The period runs on through transition: rest counts from its end. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_TRANSITION, "2026-02-03T08:00:00Z", "2026-02-03T10:00:00Z");
	add(AK_CLINICAL, "2026-02-04T00:00:00Z", "2026-02-04T06:00:00Z");
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_OK, 14, "14h: 14 h after call and transition");
	rec[2].start--;
	run_rules(r);
	expect(nth(AR_14H_POST_CALL, 0), AS_VIOLATION, NAN, "14h: a second less");

	/* Under 24 h of call the rule does not apply; 8h-between does. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T07:59:59Z");
	add(AK_CLINICAL, "2026-02-03T10:59:59Z", "2026-02-03T18:00:00Z");
	run_rules(r);
	tap_is_int(nof(AR_14H_POST_CALL), 0, "14h: not after 24 h less a second of call");
	expect(nth(AR_8H_BETWEEN, 0), AS_ADVISORY, 3, "8h: 3 h between");
	/* Nor after 24 h without in-house call. */
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_CLINICAL, "2026-02-03T12:00:00Z", "2026-02-03T18:00:00Z");
	run_rules(r);
	tap_is_int(nof(AR_14H_POST_CALL), 0, "14h: not after 24 h of clinical work");

	/* 8h-between: exactly 8 h is enough, a second less is advisory. */
	r = R(AR_8H_BETWEEN);
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T18:00:00Z");
	add(AK_CLINICAL, "2026-02-03T02:00:00Z", "2026-02-03T10:00:00Z");
	run_rules(r);
	f = nth(AR_8H_BETWEEN, 0);
	expect(f, AS_OK, 8, "8h: exactly 8 h");
	tap_ok(f && f->from == tap_instant("2026-02-02T18:00:00Z") && f->to == tap_instant("2026-02-03T02:00:00Z"),
		"  between the two periods");
	rec[1].start--;
	run_rules(r);
	expect(nth(AR_8H_BETWEEN, 0), AS_ADVISORY, 8 - 1.0 / 3600, "8h: a second less");
	/* Called in from home call: not a period that needs the rest. */
	rec[1].kind = AK_HOME_CALL_IN;
	rec[1].start = tap_instant("2026-02-02T22:00:00Z");
	run_rules(r);
	tap_is_int(nof(AR_8H_BETWEEN), 0, "8h: not before a period of home call called in");
	add(AK_CLINICAL, "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z");
	run_rules(r);
	expect(nth(AR_8H_BETWEEN, 0), AS_ADVISORY, 4, "8h: but before one with other work in it");
	/* A gap under the merge gap is no gap between periods. */
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T12:00:00Z");
	add(AK_CLINICAL, "2026-02-02T13:59:59Z", "2026-02-02T18:00:00Z");
	run_rules(r);
	tap_is_int(nof(AR_8H_BETWEEN), 0, "8h: 2 h less a second joins, nothing between");
}

static void
test_q3(void)
{
	unsigned r = R(AR_Q3_CALL);
	/* April 2026, 30 days: 10 calls is every third night exactly. */
	clear();
	for (int d = 1; d <= 28; d += 3)
		add_at(AK_IN_HOUSE_CALL, (tap_date("2026-04-01") + d - 1) * DAY + 17 * HOUR,
			(tap_date("2026-04-01") + d) * DAY + 8 * HOUR);
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_OK, 10, "q3: 10 calls in 30 days");
	add(AK_IN_HOUSE_CALL, "2026-04-30T17:00:00Z", "2026-04-30T23:00:00Z");
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_VIOLATION, 11, "q3: 11 calls in 30 days");

	/* A call cut at midnight into two records is one call; two calls
	 * that do not touch are two. */
	clear();
	for (int d = 1; d <= 28; d += 3) {
		int64_t d0 = tap_date("2026-04-01") + d - 1;
		add_at(AK_IN_HOUSE_CALL, d0 * DAY + 17 * HOUR, (d0 + 1) * DAY);
		add_at(AK_IN_HOUSE_CALL, (d0 + 1) * DAY, (d0 + 1) * DAY + 8 * HOUR);
	}
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_OK, 10, "q3: 10 calls cut at midnight");
	add(AK_IN_HOUSE_CALL, "2026-04-30T09:00:00Z", "2026-04-30T10:00:00Z");
	add(AK_IN_HOUSE_CALL, "2026-04-30T10:00:01Z", "2026-04-30T11:00:00Z");
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_VIOLATION, 12, "q3: and two that do not touch");

	/* The local date decides: 23:00 in New York on April 30 is May 1 in
	 * UTC, but a call of April. */
	struct acgme_opts o = opts(r);
	o.tz = nyc;
	clear();
	for (int d = 1; d <= 30; d += 3)
		add_at(AK_IN_HOUSE_CALL, (tap_date("2026-04-01") + d) * DAY + 3 * HOUR,
			(tap_date("2026-04-01") + d) * DAY + 12 * HOUR);
	add(AK_IN_HOUSE_CALL, "2026-04-30T23:00:00-04:00", "2026-05-01T08:00:00-04:00");
	run(&o);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_VIOLATION, 11, "q3: New York, 11 calls by local date");
	o.tz = utc;
	run(&o);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_OK, 10, "q3: the same in UTC, 10 in April");

	/* Ten days of leave: E = 20, and 7 calls are too many (21 > 20). */
	clear();
	for (int d = 1; d <= 19; d += 3)
		add_at(AK_IN_HOUSE_CALL, (tap_date("2026-04-01") + d - 1) * DAY + 17 * HOUR,
			(tap_date("2026-04-01") + d) * DAY + 8 * HOUR);
	add(AK_LEAVE, "2026-04-21T00:00:00Z", "2026-05-01T00:00:00Z");
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_VIOLATION, 7, "q3: 7 calls in 20 eligible days");
	nrec--;
	run_rules(r);
	expect(period(AR_Q3_CALL, "2026-04-01"), AS_OK, 7, "q3: 7 calls in 30 days");
}

static void
test_pgy1(void)
{
	unsigned r = R(AR_PGY1_MOONLIGHTING);
	clear();
	add(AK_MOONLIGHTING, "2026-02-02T18:00:00Z", "2026-02-02T23:00:00Z")->pgy = 1;
	run_rules(r);
	const struct seen *f = nth(AR_PGY1_MOONLIGHTING, 0);
	expect(f, AS_VIOLATION, NAN, "pgy1: a PGY-1 moonlighting");
	tap_ok(f && f->from == tap_instant("2026-02-02T18:00:00Z") && f->to == tap_instant("2026-02-02T23:00:00Z"),
		"  the record's instants");
	rec[0].pgy = 2;
	run_rules(r);
	tap_is_int(nof(AR_PGY1_MOONLIGHTING), 0, "pgy1: a PGY-2 may");
	rec[0].pgy = 0;
	run_rules(r);
	tap_is_int(nof(AR_PGY1_MOONLIGHTING), 0, "pgy1: no year given, no finding");
	rec[0].pgy = 1;
	rec[0].kind = AK_CLINICAL;
	run_rules(r);
	tap_is_int(nof(AR_PGY1_MOONLIGHTING), 0, "pgy1: clinical work of a PGY-1");
	/* Before the data's stated coverage: not checked. */
	rec[0].kind = AK_MOONLIGHTING;
	add(AK_CLINICAL, "2026-02-10T08:00:00Z", "2026-02-10T18:00:00Z");
	struct acgme_opts o = opts(r);
	o.have_from = 1;
	o.from = tap_date("2026-02-03");
	run(&o);
	tap_is_int(nof(AR_PGY1_MOONLIGHTING), 0, "pgy1: not before --from");
}

static void
test_nf6(void)
{
	struct acgme_opts d;
	acgme_defaults(&d);
	tap_ok(!(d.rules & R(AR_LEGACY_NF6)), "nf6: off by default");
	unsigned r = R(AR_LEGACY_NF6);
	clear();
	daily(AK_NIGHT_FLOAT, "2026-02-02", 6, 20 * HOUR, 12 * HOUR, NULL);
	run_rules(r);
	const struct seen *f = nth(AR_LEGACY_NF6, 0);
	expect(f, AS_OK, 6, "nf6: 6 nights in a row");
	tap_ok(f && f->dates && f->from == tap_date("2026-02-02") && f->to == tap_date("2026-02-07"),
		"  2026-02-02..2026-02-07");
	daily(AK_NIGHT_FLOAT, "2026-02-08", 1, 20 * HOUR, 12 * HOUR, NULL);
	run_rules(r);
	expect(nth(AR_LEGACY_NF6, 0), AS_VIOLATION, 7, "nf6: 7 nights in a row");
	tap_is_int(nof(AR_LEGACY_NF6), 1, "  one run");
	/* A night off splits the run. */
	clear();
	daily(AK_NIGHT_FLOAT, "2026-02-02", 6, 20 * HOUR, 12 * HOUR, NULL);
	daily(AK_NIGHT_FLOAT, "2026-02-09", 6, 20 * HOUR, 12 * HOUR, NULL);
	run_rules(r);
	tap_ok(nof(AR_LEGACY_NF6) == 2 && nth(AR_LEGACY_NF6, 0)->status == AS_OK &&
		nth(AR_LEGACY_NF6, 1)->status == AS_OK && nth(AR_LEGACY_NF6, 1)->value == 6,
		"nf6: 6 nights, a night off, 6 nights");
	/* Two records starting on one date are one night. */
	clear();
	daily(AK_NIGHT_FLOAT, "2026-02-02", 6, 20 * HOUR, 3 * HOUR, NULL);
	daily(AK_NIGHT_FLOAT, "2026-02-02", 6, 23 * HOUR + 1800, 8 * HOUR, NULL);
	run_rules(r);
	expect(nth(AR_LEGACY_NF6, 0), AS_OK, 6, "nf6: 6 nights of two records each");
	/* Local dates: 21:00 in New York is 02:00 UTC the next day. */
	struct acgme_opts o = opts(r);
	o.tz = nyc;
	clear();
	daily(AK_NIGHT_FLOAT, "2026-02-03", 7, 2 * HOUR, 10 * HOUR, NULL);
	run(&o);
	f = nth(AR_LEGACY_NF6, 0);
	expect(f, AS_VIOLATION, 7, "nf6: New York, 7 nights from 21:00 local");
	tap_ok(f && f->from == tap_date("2026-02-02") && f->to == tap_date("2026-02-08"),
		"  2026-02-02..2026-02-08 by local date");
}

static void
test_overlap(void)
{
	/* Given out of order: sorting puts line 2 first. */
	clear();
	add(AK_CLINICAL, "2026-02-02T12:00:00Z", "2026-02-02T20:00:00Z");
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T18:00:00Z");
	run_rules(R(AR_80H));
	tap_is_int(nwarn, 1, "overlap: the warn callback is called once");
	tap_ok(warn_a == 2 && warn_b == 1, "  with the earlier record first (lines %ld, %ld)", warn_a,
		warn_b);
	tap_is_int(counts.overlaps, 1, "  and counted");
	const struct seen *f = period(AR_80H, "2026-02-01");
	tap_ok(f && f->weeks[0] == 12, "overlap: 12 h counted, not 18 (%g)", f ? f->weeks[0] : -1);
	/* The same record twice. */
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T18:00:00Z");
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T18:00:00Z");
	run_rules(R(AR_80H));
	f = period(AR_80H, "2026-02-01");
	tap_ok(nwarn == 1 && f && f->weeks[0] == 10, "overlap: a duplicate warns, counts 10 h once");
	/* Two inside a long one: each overlaps the long one. */
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T20:00:00Z");
	add(AK_EDUCATION, "2026-02-02T09:00:00Z", "2026-02-02T10:00:00Z");
	add(AK_EDUCATION, "2026-02-02T11:00:00Z", "2026-02-02T12:00:00Z");
	run_rules(R(AR_80H));
	f = period(AR_80H, "2026-02-01");
	tap_ok(nwarn == 2 && warn_a == 1 && warn_b == 3 && f && f->weeks[0] == 12,
		"overlap: nested records warn twice against the long one, 12 h");
	/* Records that only touch do not overlap. */
	clear();
	add(AK_CLINICAL, "2026-02-02T08:00:00Z", "2026-02-02T18:00:00Z");
	add(AK_CLINICAL, "2026-02-02T18:00:00Z", "2026-02-02T20:00:00Z");
	run_rules(R(AR_80H));
	f = period(AR_80H, "2026-02-01");
	tap_ok(nwarn == 0 && counts.overlaps == 0 && f && f->weeks[0] == 12,
		"overlap: touching records do not warn, 12 h");
	/* Overlapping calls are one continuous period, counted once. */
	clear();
	add(AK_IN_HOUSE_CALL, "2026-02-02T08:00:00Z", "2026-02-03T08:00:00Z");
	add(AK_CLINICAL, "2026-02-03T06:00:00Z", "2026-02-03T09:00:00Z");
	run_rules(R(AR_24_4));
	expect(nth(AR_24_4, 0), AS_OK, 25, "overlap: 25 h continuous, nothing starting at hour 24");
	tap_is_int(nwarn, 1, "  one overlap");
}

/* Periods other than months, the person filter, and what gets reported. */
static void
test_periods(void)
{
	/* 28-day blocks from Monday 2026-01-05: data in February falls in
	 * the blocks from 2026-02-02 and from 2026-01-05. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 20, 8 * HOUR, 10 * HOUR, NULL);
	struct acgme_opts o = opts(R(AR_80H));
	o.periods = AP_BLOCKS;
	o.anchor = tap_date("2026-01-05");
	run(&o);
	tap_is_int(counts.periods, 2, "blocks: two 28-day blocks hold data");
	const struct seen *f = period(AR_80H, "2026-01-05");
	tap_ok(f && f->to == tap_date("2026-02-01"), "  2026-01-05..2026-02-01");
	f = period(AR_80H, "2026-02-02");
	expect(f, AS_OK, 19 * 10 * 7 / 28.0, "blocks: 190 h from 2026-02-02");
	/* An anchor after the data: blocks reach back to it. */
	o.anchor = tap_date("2026-03-02");
	run(&o);
	tap_ok(period(AR_80H, "2026-01-05") && period(AR_80H, "2026-02-02"),
		"blocks: an anchor after the data counts back in steps of 28 days");

	/* Rolling 28-day windows: 30 days of data make 3, each only advisory. */
	clear();
	daily(AK_CLINICAL, "2026-02-01", 30, 8 * HOUR, 12 * HOUR, NULL);
	o = opts(R(AR_80H));
	o.periods = AP_ROLLING;
	run(&o);
	tap_is_int(nof(AR_80H), 3, "rolling: 3 windows in 30 days");
	tap_ok(nof(AR_80H) == 3 && nth(AR_80H, 0)->status == AS_ADVISORY &&
		nth(AR_80H, 2)->status == AS_ADVISORY && counts.by_status[AS_VIOLATION] == 0,
		"rolling: 84 h/week is advisory, never a violation");

	/* A rotation of another person is not this person's period. */
	struct acgme_period rot[2] = {
		{ .person = "r08", .from = tap_date("2026-02-01"), .to = tap_date("2026-02-28"), .weekly_limit = 80 },
		{ .person = "r07", .from = tap_date("2026-02-15"), .to = tap_date("2026-03-14"), .weekly_limit = 80 },
	};
	o = opts(R(AR_80H));
	o.periods = AP_FILE;
	o.plist = rot;
	o.nplist = 2;
	run(&o);
	tap_ok(nof(AR_80H) == 1 && period(AR_80H, "2026-02-15"), "file: only r07's rotation");

	/* Without --all only what is not ok is reported, but all is counted:
	 * February fails 80h and day-off, March's day-off is open, q3 and
	 * March's 80h pass. */
	o = opts(R(AR_80H) | R(AR_DAY_OFF) | R(AR_Q3_CALL));
	o.all = 0;
	run(&o);
	tap_ok(nfound == 3 && counts.checked == 6 && counts.periods == 2 &&
		counts.by_status[AS_OK] == 3 && counts.by_status[AS_VIOLATION] == 2 &&
		counts.by_status[AS_INDETERMINATE] == 1 && period(AR_DAY_OFF, "2026-03-01") &&
		period(AR_DAY_OFF, "2026-03-01")->status == AS_INDETERMINATE,
		"reports: 3 of 6 results reported, all 6 counted");
}

/* A 23-hour local day is a whole day of leave. */
static void
test_dst_leave(void)
{
	struct acgme_opts o = opts(R(AR_Q3_CALL) | R(AR_DAY_OFF));
	o.tz = nyc;
	o.have_from = o.have_to = 1;
	o.from = tap_date("2026-03-01");
	o.to = tap_date("2026-03-31");
	clear();
	add(AK_IN_HOUSE_CALL, "2026-03-02T17:00:00-05:00", "2026-03-03T08:00:00-05:00");
	add(AK_LEAVE, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00");
	run(&o);
	const struct seen *f = period(AR_Q3_CALL, "2026-03-01");
	tap_ok(f && f->limit == 10, "dst: 2026-03-08 (23 h) on leave, E = 30 (limit %g calls)",
		f ? f->limit : -1);
	f = period(AR_DAY_OFF, "2026-03-01");
	tap_ok(f && f->limit == 4, "  and 4 days off needed");
	/* The day-off count is in whole 24-hour spans, not local days: the
	 * free time around the call and the leave. */
	expect(f, AS_OK, 28, "dst: 28 free 24-hour spans in March");

	/* Data from the 10th on: the days before could still be free. */
	o.have_from = o.have_to = 0;
	clear();
	daily(AK_CLINICAL, "2026-02-10", 19, 8 * HOUR, 10 * HOUR, NULL);
	o.tz = utc;
	run(&o);
	expect(period(AR_DAY_OFF, "2026-02-01"), AS_INDETERMINATE, 0,
		"day-off: data from the 10th, nine days before it unseen");
}

int
main(void)
{
	char err[256];
	unsetenv("TZDIR");
	utc = tz_load("UTC", err, sizeof err);
	nyc = tz_load("America/New_York", err, sizeof err);
	if (!tap_ok(utc && nyc, "time zones UTC and America/New_York"))
		return tap_done();
	test_80h();
	test_day_off();
	test_24_4();
	test_14h_8h();
	test_q3();
	test_pgy1();
	test_nf6();
	test_overlap();
	test_periods();
	test_dst_leave();
	tap_is_int(acgme_kind_named("home_call_in"), AK_HOME_CALL_IN, "kind named home_call_in");
	tap_is_int(acgme_kind_named("call"), -1, "no kind named call");
	tap_is_int(acgme_rule_named("acgme.24+4"), AR_24_4, "rule named acgme.24+4");
	tap_is_int(acgme_rule_named("acgme.88h"), -1, "no rule named acgme.88h");
	tz_free(utc);
	tz_free(nyc);
	return tap_done();
}
