/* Unit tests for lib/json: exact numbers, error columns, NUL escapes. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static void
roundtrip(const char *text, const char *want)
{
	cJSON *v = cJSON_Parse(text);
	char *got = json_print(v);
	tap_is_str(got, want, text);
	free(got);
	cJSON_Delete(v);
}

static void
syntax(const char *text, size_t want_col, const char *want_why)
{
	const char *why = "";
	size_t col = json_syntax_error(text, strlen(text), &why);
	tap_ok(col == want_col && (want_col == 0 || strstr(why, want_why)), "%s: column %zu (%s)", text,
		col, col ? why : "valid");
}

int
main(void)
{
	roundtrip("{\"v\":0.30000000000000004}", "{\"v\":0.30000000000000004}");
	roundtrip("{\"v\":0.1}", "{\"v\":0.1}");
	roundtrip("[0.3333333333333333,123456789.12345679,1e300,-2.5e-310]",
		"[0.3333333333333333,123456789.12345679,1e+300,-2.50000000000002e-310]");
	roundtrip("[3,-0,9007199254740991,1e20]", "[3,-0,9007199254740991,1e+20]");
	roundtrip("{\"s\":\"tab\\there \\\"q\\\" \\\\ \\u0001 \\u00e9\"}",
		"{\"s\":\"tab\\there \\\"q\\\" \\\\ \\u0001 \xc3\xa9\"}");
	roundtrip("{\"a\":[true,false,null,{}],\"b\":[]}", "{\"a\":[true,false,null,{}],\"b\":[]}");
	/* Every double printed reads back as itself. */
	int exact = 1;
	srand(7);
	for (int i = 0; i < 100000; i++) {
		double d = (double)rand() / RAND_MAX * 1e6 - 5e5 + (double)rand() / RAND_MAX * 1e-6;
		char buf[32];
		json_number(buf, sizeof buf, d);
		exact &= strtod(buf, NULL) == d;
	}
	tap_ok(exact, "100000 random doubles round-trip through json_number");

	syntax("{\"type\":\"person\"}", 0, "");
	syntax("  [1, 2.5e-3, \"x\", null]  ", 0, "");
	syntax("{bad", 2, "member name");
	syntax("{\"x\":1, bad}", 9, "member name");
	syntax("{\"x\" 1}", 6, "':'");
	syntax("{\"x\":1 \"y\":2}", 8, "',' or '}'");
	syntax("{\"x\":tru}", 6, "expected a value");
	syntax("{\"x\":01}", 7, "',' or '}'");
	syntax("{\"x\":1.}", 8, "decimal point");
	syntax("{\"x\":\"a\\qb\"}", 9, "unknown escape");
	syntax("{\"x\":\"a\\u12g4\"}", 12, "four hex digits");
	syntax("{\"x\":\"abc", 10, "unterminated string");
	syntax("{\"x\":1}}", 8, "text after");
	syntax("", 1, "end of line");

	tap_is_int(json_nul_escape_at("{\"a\":\"x\\u0000y\"}", 16), 7, "\\u0000 found (offset of its backslash)");
	tap_is_int(json_nul_escape_at("{\"a\":\"x\\\\u0000y\"}", 17), -1, "\\\\u0000 is a backslash and text");
	tap_is_int(json_nul_escape_at("{\"a\":\"x\\\\\\u0000y\"}", 18), 9, "\\\\\\u0000 is a backslash and NUL");
	tap_is_int(json_nul_escape_at("{\"a\":\"\\u00001\"}", 15), 6, "\\u00001 starts with NUL");
	tap_is_int(json_nul_escape_at("{\"a\":\"\\u0001\"}", 14), -1, "\\u0001 is not NUL");
	return tap_done();
}
