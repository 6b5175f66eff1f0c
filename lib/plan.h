/* plan.h: a schedule of a residency programme (lib/programme): its score,
 * its hard-rule violations, and the search for a good legal one, from
 * nothing or as a repair of a published schedule.
 *
 * Hard rules: eligibility, absences, locked cells, cover bounds, site
 * capacity, supervision, activities that may not follow the day before's,
 * limits, the ACGME rules (lib/acgme, the checker's own code) and the cap
 * on changes of a repair.  The objective: cover short and over want,
 * requests, equity (the sum of squares of each person's calls and weekend
 * days), and, in a repair, the changes.  One implementation of each rule
 * serves --evaluate and the search. */
#ifndef ROTA_PLAN_H
#define ROTA_PLAN_H

#include "programme.h"

struct plan_opts {
	double time_limit;	/* seconds */
	long long moves;	/* per thread; 0: time alone */
	int threads;
	uint64_t seed;
	int progress;		/* 0 none; 1 redrawn; 2 plain lines */
	long long equity_weight;
	long long change_weight;
	const int *ref;		/* a repair's published schedule [cell], or NULL */
	long long max_changes;	/* -1: no cap */
	const int *start;	/* where the search starts [cell], or NULL */
	double stall;		/* stop when a legal best has not improved for this
				 * long (seconds), an illegal one for ten times
				 * as long; 0: never */
};

struct plan_score {
	long long total;	/* the objective: the sum of the five below */
	long long under, over, requests, equity, changes;	/* requests: with ACGME advisories */
	long long change_count;	/* cells that differ from ref */
	long long hard;		/* hard-rule violations, by size */
};

/* One hard-rule violation, for findings and -v.  rule is "programme.cover-min",
 * "acgme.80h", …; person, day, slot, activity are -1 when not concerned. */
struct plan_violation {
	const char *rule;
	int person, day, last_day, slot, activity;
	long long value, limit;
	const char *message;	/* the ACGME rule's sentence, or NULL */
};
typedef void plan_report_fn(const struct plan_violation *v, void *arg);

/* Scores x, reporting every hard violation. */
void plan_evaluate(const struct programme *g, const struct plan_opts *o, const int *x,
	struct plan_score *sc, plan_report_fn *report, void *arg);

struct plan_result {
	int legal;
	struct plan_score score;
	double time_to_legal;	/* seconds, or -1 */
	double time_to_best;
	double elapsed;
	long long moves;
	int best_thread;	/* -1 when the parts were shared out */
	int parts;		/* independent parts searched */
};

/* Searches from o->start, or o->ref, or the preloaded cells; x receives
 * the best schedule found (legal if any was).  A programme that falls
 * into independent parts (people and activities joined by eligibility
 * and shared sites) is searched part by part, the threads sharing out
 * the parts and each part getting time in proportion to its size; a
 * single part is searched by every thread with its own seed. */
void plan_search(const struct programme *g, const struct plan_opts *o, int *x, struct plan_result *res);

/* Per person: calls, weekend days worked, half-days worked, and minutes
 * (leave excluded), for the summary. */
struct plan_counts {
	int calls, weekend_days, half_days;
	long long minutes;
};
void plan_person_counts(const struct programme *g, const int *x, int p, struct plan_counts *c);

#endif
