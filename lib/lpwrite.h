/* lpwrite.h: a problem as an integer programme in CPLEX LP format, so that
 * CBC, HiGHS or a commercial solver can be run on exactly rota's model.
 *
 * Variables x_<s>_<d>_<t> (person s works type t on day d; only where it
 * may), y_<s>_<d> (s works on d, for people who may work two or more
 * types), u_<d>_<t> and o_<d>_<t> (cover short and over), w_<s>_<k> (person
 * s works weekend k), const_one (fixed at 1, carrying the objective's
 * constant, which CBC's reader does not accept); the constraints are the hard rules of roster.h and the
 * objective its weighted sum (the constant of the on-requests included, so
 * the LP's optimum equals rota's objective).  Names use indices; the
 * comment at the top of the file maps them back to ids. */
#ifndef ROTA_LPWRITE_H
#define ROTA_LPWRITE_H

#include <stdio.h>

#include "problem.h"

/* 0, or -1 on a write error (errno set). */
int lp_write(FILE *fp, const struct problem *p);

/* Reads a solution file of CBC ("Optimal - objective value …" then lines
 * "index name value reduced-cost") into x (nstaff * ndays, OFF where no
 * x variable is 1).  0, or -1 if the file is not such a solution. */
int lp_read_cbc_solution(FILE *fp, const struct problem *p, int *x);

#endif
