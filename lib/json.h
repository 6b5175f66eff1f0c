/* json.h: what rota needs of JSON beyond cJSON's parser.
 *
 * A writer whose numbers read back as the very same double (cJSON's printer
 * drops the last bit of some, 0.30000000000000004 becoming 0.3), and a
 * syntax checker that says exactly where and why a line is not JSON, for
 * the messages of lines cJSON refused. */
#ifndef ROTA_JSON_H
#define ROTA_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <cJSON.h>

#include "util.h"

/* Appends v as compact JSON. */
void json_write(struct sbuf *b, const cJSON *v);
/* v as compact JSON in a malloc'd string. */
char *json_print(const cJSON *v);
/* Writes v and a newline to fp; 0, or -1 on a write error. */
int json_println(FILE *fp, const cJSON *v);
/* The shortest text of d that reads back as d (integers without a point). */
void json_number(char *buf, size_t n, double d);

/* Finds the first syntax error in s[0..n): returns its 1-based column and
 * sets *why, or returns 0 when s holds one valid JSON value (with only
 * blanks around it). */
size_t json_syntax_error(const char *s, size_t n, const char **why);

/* The offset of the first \u0000 escape in a JSON text, or -1: cJSON cuts
 * a string there, so rota refuses such input rather than lose its tail. */
long json_nul_escape_at(const char *s, size_t n);

#endif
