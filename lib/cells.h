/* cells.h: a programme's schedule read from assignment records into its
 * cells (person × day × slot → activity), for rota-solve's --evaluate, its
 * repairs, and the solutions it keeps in the cache. */
#ifndef ROTA_CELLS_H
#define ROTA_CELLS_H

#include "programme.h"
#include "util.h"

struct cells {
	const struct programme *g;
	int *x;			/* [pg_cells(g)]: the activity, or PG_OFF */
	long records;		/* assignments read */
	long orphaned;		/* of which fit no cell */
	struct sbuf orphans;	/* those that fit no cell, as lines */
	int strict;		/* an assignment that fits no cell is an error */
};

/* Every cell off.  strict: an assignment that fits no cell (a person,
 * date, slot or activity the programme does not have) is bad input,
 * rather than an orphan. */
void cells_init(struct cells *cs, const struct programme *g, int strict);
/* Reads a file of records (assignments; others are skipped).  Bad input,
 * and two assignments in one cell, exit with the file, line and field. */
void cells_read_file(struct cells *cs, const char *path);
/* Reads assignment lines that rota-solve kept in its cache; those that
 * fit no cell (the programme changed) are left out.  0, or -1 when the
 * text is not what rota-solve puts there (not records, two in one cell):
 * the caller treats it as a miss.  text is cut up in place. */
int cells_read_text(struct cells *cs, char *text);
void cells_free(struct cells *cs);

#endif
