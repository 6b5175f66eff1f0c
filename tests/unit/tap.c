/* tap.c: a minimal Test Anything Protocol emitter. */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "programme.h"
#include "record.h"
#include "rtime.h"
#include "util.h"

static int count, failed;

static int
report(int cond, const char *name)
{
	count++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", count, name);
	return cond;
}

int
tap_ok(int cond, const char *fmt, ...)
{
	char name[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return report(cond, name);
}

int
tap_is_str(const char *got, const char *want, const char *name)
{
	int ok = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	if (!report(ok, name))
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want ? want : "(null)");
	return ok;
}

int
tap_is_int(long long got, long long want, const char *name)
{
	if (!report(got == want, name))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

int
tap_done(void)
{
	printf("1..%d\n", count);
	fflush(stdout);
	return failed ? 1 : 0;
}

long long
tap_instant(const char *s)
{
	int64_t t = 0;
	int off;
	const char *why;
	if (rtime_parse_instant(s, strlen(s), &t, &off, &why) != 0)
		tap_ok(0, "test bug: %s is not an instant (%s)", s, why);
	return t;
}

long long
tap_date(const char *s)
{
	int64_t d = 0;
	const char *why;
	if (rtime_parse_date(s, strlen(s), &d, &why) != 0)
		tap_ok(0, "test bug: %s is not a date (%s)", s, why);
	return d;
}

int
tap_add_records(struct problem_builder *b, const char *text, long *line)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *s = xstrndup(p, len);
		p += len + (nl != NULL);
		++*line;
		if (len == 0) {
			free(s);
			continue;
		}
		struct rec r;
		struct rec_error e;
		struct problem_error pe;
		cJSON *o = cJSON_Parse(s);
		if (o == NULL || rec_validate(o, &r, &e)) {
			tap_ok(0, "test bug: record %ld does not validate: %s: %s", *line,
				o ? e.field : "JSON", o ? e.msg : s);
			cJSON_Delete(o);
			free(s);
			return -1;
		}
		problem_builder_add(b, &r, "test", *line, &pe);
		cJSON_Delete(o);
		free(s);
	}
	return 0;
}

struct programme *
tap_programme(const char *text)
{
	struct problem_builder *b = problem_builder_new();
	struct problem_error pe;
	struct programme *g = NULL;
	long line = 0;
	if (tap_add_records(b, text, &line) == 0 && (g = programme_build(b, &pe)) == NULL)
		tap_ok(0, "test bug: no programme: %ld: %s: %s", pe.line, pe.field, pe.msg);
	problem_builder_free(b);
	return g;
}
