/* search.h: finding a roster of low objective that keeps every hard rule.
 *
 * Simulated annealing on objective + W × (size of hard violations), with
 * moves that change one day of one person, swap two days of one person,
 * swap two people's days or a block of them, or re-optimise one person's
 * row (lib/rowopt); a move is scored from the rows and days it touches.
 * Threads run the same search with different seeds (a portfolio) and share
 * the best legal roster; the search stops at the time limit, at the move
 * budget, or when the objective reaches the lower bound. */
#ifndef ROTA_SEARCH_H
#define ROTA_SEARCH_H

#include <stdint.h>

#include "problem.h"
#include "roster.h"

struct search_opts {
	double time_limit;	/* seconds */
	long long moves;	/* per thread; 0: no budget (time alone) */
	int threads;
	uint64_t seed;
	long long bound;	/* a lower bound known from elsewhere, or -1 */
	int progress;		/* 0 none; 1 a line redrawn (a terminal); 2 plain lines */
};

struct search_result {
	int legal;		/* a roster without hard violations was found */
	struct score score;	/* of the roster returned */
	long long bound;	/* the best lower bound known */
	double time_to_best;	/* seconds */
	double elapsed;
	int best_thread;
	long long moves;	/* over all threads */
	long long domain_before, domain_after;	/* values to choose from, all cells */
};

/* A lower bound on the objective that no roster can beat: the cover each
 * day that fewer people than wanted may work, and the on-requests for days
 * off.  Weak, but proven. */
long long search_lower_bound(const struct problem *p);

/* Searches; x receives the best roster (legal if any was found). */
void search_run(const struct problem *p, const struct search_opts *o, int *x,
	struct search_result *res);

#endif
