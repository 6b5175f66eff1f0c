/* roster.h: a schedule on a problem, its objective and its hard-rule
 * violations, exactly as the staff-rostering benchmark defines them.
 *
 * A roster is x[s * ndays + d]: OFF or the type worked by person s on day
 * d.  One implementation of each rule serves --evaluate and the search. */
#ifndef ROTA_ROSTER_H
#define ROTA_ROSTER_H

#include "problem.h"

enum hard_rule {
	HR_DAY_OFF,		/* a shift on a day off */
	HR_SUCCESSION,		/* a shift followed the next day by one it forbids */
	HR_MAX_SHIFTS,		/* more shifts of a type than allowed */
	HR_MIN_SHIFTS,		/* fewer shifts of a type than required */
	HR_MAX_MINUTES,
	HR_MIN_MINUTES,
	HR_MAX_CONSEC,		/* a run of working days too long */
	HR_MIN_CONSEC,		/* a run of working days too short (not at an edge) */
	HR_MIN_OFF,		/* a run of days off too short (not at an edge) */
	HR_MAX_WEEKENDS,
	HR_COUNT
};

/* The rule's name in --evaluate's output ("max_consecutive", …). */
extern const char *const hard_rule_name[HR_COUNT];

struct violation {
	enum hard_rule rule;
	int staff;
	int day;		/* first day concerned, or -1 for the whole horizon */
	int last_day;		/* last day concerned */
	int type;		/* the shift type concerned, or -1 */
	long long value, limit;
};

struct score {
	long long total;	/* the objective: the sum of the four below */
	long long on_requests;	/* on-requests not met */
	long long off_requests;	/* off-requests met */
	long long under, over;	/* cover short and over */
	long long violations;	/* hard-rule violations counted */
};

typedef void violation_fn(const struct violation *v, void *arg);

/* Checks person s's row (ndays entries) against every hard rule: calls
 * report (if not NULL) for each violation, and returns their total size
 * (days, shifts, or minutes in hours rounded up), 0 when legal. */
long long roster_row_penalty(const struct problem *p, int s, const int *row, violation_fn *report,
	void *arg);
/* The cost of s's requests on day d if s works t there (OFF: no work);
 * *on and *off receive the unmet on- and the met off-requests. */
long long roster_day_requests(const struct problem *p, int s, int d, int t, long long *on,
	long long *off);
/* The cost of s's requests on row. */
long long roster_row_requests(const struct problem *p, int s, const int *row, long long *on,
	long long *off);
/* Cover cost of a count of people on day d in type t. */
static inline long long
roster_cover_cost(const struct problem *p, int d, int t, int count)
{
	int i = d * p->ntypes + t, diff = count - p->want[i];
	return diff < 0 ? (long long)-diff * p->under_w[i] : (long long)diff * p->over_w[i];
}

/* Scores a whole roster, reporting every violation. */
void roster_evaluate(const struct problem *p, const int *x, struct score *sc, violation_fn *report,
	void *arg);

#endif
