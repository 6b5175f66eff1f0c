/* csv.c: fuzzes the csv reader (lib/source) and what is built from its
 * records (lib/record, lib/problem, lib/programme, lib/plan). */
#include "fuzz.h"
#include "records.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_records(data, size, SRC_CSV);
}
