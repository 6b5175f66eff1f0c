/* rowopt.h: the best row for one person, the others' rows fixed.
 *
 * Dynamic programming over days with states (last shift, length of the
 * current run, whether the run began on day 0) enforces days off,
 * successions and the consecutive limits exactly, edges included.  The
 * resources (shifts of each type, minutes, weekends) are priced with
 * Lagrange multipliers, adjusted over a few rounds until the row keeps
 * them; the row returned is checked with roster_row_penalty. */
#ifndef ROTA_ROWOPT_H
#define ROTA_ROWOPT_H

#include "problem.h"

struct rowopt;

struct rowopt *rowopt_new(const struct problem *p);
void rowopt_free(struct rowopt *ro);

/* cost[d * (T + 1) + v]: what person s's value v on day d costs (v = T is
 * OFF), cover and requests, given the others; it may be negative.  Writes
 * the best legal row found into row and its cost into *total, and returns
 * 0; -1 if no legal row was found. */
int rowopt_best(struct rowopt *ro, int s, const long long *cost, int *row, long long *total);

#endif
