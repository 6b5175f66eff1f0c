/* planout.h: a programme's schedule for pipelines and for people: as
 * assignment records, as a grid (people down, days across), and as one
 * iCalendar file per person. */
#ifndef ROTA_PLANOUT_H
#define ROTA_PLANOUT_H

#include <stdio.h>

#include "programme.h"
#include "util.h"

/* Appends the assignment record of person p doing a on day d, slot s (one
 * line, newline included); change, when not NULL, is added as its
 * "change" field ("removed", "added"). */
void planout_record(struct sbuf *b, const struct programme *g, int p, int d, int s, int a,
	const char *change);

/* Writes the schedule as a table: each person's lines, one per slot, a
 * column per day, with each activity's short name: its id when that has
 * at most five characters, else its first three and last two (a legend
 * follows). */
void planout_table(FILE *fp, const struct programme *g, const int *x);

/* Writes dir/PERSON.ics for every person, an empty calendar for those
 * without assignments (the folder is made if missing; each file replaced
 * whole).  0, or -1 with a sentence
 * in err. */
int planout_ics(const char *dir, const struct programme *g, const int *x, char *err, size_t n);

#endif
