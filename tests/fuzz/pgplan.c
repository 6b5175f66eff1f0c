/* pgplan.c: fuzzes the reading of PostgreSQL's EXPLAIN (FORMAT JSON) plans
 * (lib/qplan) and the rules and index candidates run on what was read. */
#include <cJSON.h>

#include "fuzz.h"
#include "qplan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (j == NULL)
		return 0;
	char err[256];
	struct qplan *p = qplan_from_pg_json(j, err, sizeof err);
	cJSON_Delete(j);
	if (p == NULL)
		return 0;
	qplan_findings(p, fuzz_ignore_finding, NULL);
	struct qcandidate c[16];
	qplan_candidates(p, c, 16);
	char label[512];
	for (int i = 0; i < p->nnodes; i++)
		if (p->nodes[i])
			qnode_label(p->nodes[i], label, sizeof label);
	qplan_free(p);
	return 0;
}
