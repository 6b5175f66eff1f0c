/* records.h: the record harnesses' shared body (ndjson, csv, nrp): every
 * row the source yields is validated, and the valid records are built into
 * a model (a programme, scored as preloaded, or a benchmark problem), as
 * rota-solve and rota-check-acgme read them. */
#ifndef ROTA_FUZZ_RECORDS_H
#define ROTA_FUZZ_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "source.h"

int fuzz_records(const uint8_t *data, size_t size, enum src_format fmt);

#endif
