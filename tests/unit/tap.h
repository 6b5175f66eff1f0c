/* tap.h: a minimal Test Anything Protocol emitter for the unit tests. */
#ifndef ROTA_TAP_H
#define ROTA_TAP_H

int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tap_is_str(const char *got, const char *want, const char *name);
int tap_is_int(long long got, long long want, const char *name);
/* A test's own RFC 3339 instant (UTC seconds) or date (days since
 * 1970-01-01); one that does not parse is a failed test, not a crash. */
long long tap_instant(const char *s);
long long tap_date(const char *s);
/* Records for the model tests, one JSON object a line (empty lines are
 * skipped): each added to b, numbered from *line on; -1 when one is not a
 * valid record (a failed test: the test's own bug). */
struct problem_builder;
int tap_add_records(struct problem_builder *b, const char *text, long *line);
/* The programme those records make, or NULL (a failed test). */
struct programme *tap_programme(const char *text);
/* Prints the plan and returns the exit status: 0 when everything passed. */
int tap_done(void);

#endif
