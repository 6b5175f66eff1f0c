/* tap.h: a minimal Test Anything Protocol emitter for the unit tests. */
#ifndef ROTA_TAP_H
#define ROTA_TAP_H

int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tap_is_str(const char *got, const char *want, const char *name);
int tap_is_int(long long got, long long want, const char *name);
/* Prints the plan and returns the exit status: 0 when everything passed. */
int tap_done(void);

#endif
