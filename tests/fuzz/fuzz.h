/* fuzz.h: what the fuzz harnesses share.
 *
 * Each harness is one file defining LLVMFuzzerTestOneInput over one of
 * rota's parsers.  Built with clang's libFuzzer by `make fuzz`; built with
 * replay.c instead by `make check`, which runs every input kept under
 * tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME (the crashes found,
 * kept as regression tests) once, under whichever sanitizers the build has. */
#ifndef ROTA_FUZZ_H
#define ROTA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file the parsers can open by name: a memfd made once and
 * rewritten on each call, named "/proc/self/fd/N".  Exits on failure. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* The input as a NUL-terminated copy, for parsers of strings; free it. */
char *fuzz_string(const uint8_t *data, size_t size);

/* A findings callback that keeps nothing: the harness wants the rules
 * run, not their output. */
struct qfinding;
void fuzz_ignore_finding(const struct qfinding *f, void *arg);

#endif
