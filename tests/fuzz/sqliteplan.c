/* sqliteplan.c: fuzzes the reading of SQLite's EXPLAIN QUERY PLAN as the
 * sqlite3 shell prints it (lib/qplan) and the rules run on it. */
#include <stdlib.h>

#include "fuzz.h"
#include "qplan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct qplan *p = qplan_from_sqlite_text(text);
	qplan_findings(p, fuzz_ignore_finding, NULL);
	struct qcandidate c[16];
	qplan_candidates(p, c, 16);
	qplan_free(p);
	free(text);
	return 0;
}
