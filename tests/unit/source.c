/* Unit tests for lib/source: NDJSON, CSV and benchmark readers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtime.h"
#include "source.h"
#include "tap.h"

static char path[64];

static void
write_file(const char *text, size_t n)
{
	snprintf(path, sizeof path, "/tmp/rota-unit-XXXXXX");
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	fwrite(text, 1, n, fp);
	fclose(fp);
}

/* Reads every row: "L<line>:<compact JSON>" or "L<line>!<field>:<msg>", one per line. */
static char *
read_all(const char *text, enum src_format fmt, const struct rec_type *type)
{
	static char out[8192];
	char err[256];
	struct src_options o = { .csv_type = type, .nrp_start = rtime_days_from_civil(2024, 1, 1) };
	struct src_row row;
	write_file(text, strlen(text));
	struct source *s = source_open(path, fmt, &o, err, sizeof err);
	out[0] = '\0';
	int rc;
	while ((rc = source_next(s, &row)) > 0) {
		size_t n = strlen(out);
		if (row.obj) {
			char *j = cJSON_PrintUnformatted(row.obj);
			snprintf(out + n, sizeof out - n, "L%ld:%s\n", row.line, j);
			free(j);
			cJSON_Delete(row.obj);
		} else {
			snprintf(out + n, sizeof out - n, "L%ld!%s:%s\n", row.line, row.err.field, row.err.msg);
		}
	}
	if (rc == -2) {
		size_t n = strlen(out);
		snprintf(out + n, sizeof out - n, "unusable:%s\n", row.err.msg);
	}
	source_close(s);
	unlink(path);
	return out;
}

int
main(void)
{
	tap_is_str(read_all("{\"type\":\"person\",\"id\":\"a\"}\n\n  \n{\"type\":\"person\",\"id\":\"b\"}\r\n", SRC_NDJSON, NULL),
		"L1:{\"type\":\"person\",\"id\":\"a\"}\nL4:{\"type\":\"person\",\"id\":\"b\"}\n",
		"NDJSON: blank lines skipped, CRLF stripped, line numbers kept");
	tap_is_str(read_all("{\"type\":\"person\",\"id\":}\n", SRC_NDJSON, NULL),
		"L1!:invalid JSON at column 23: expected a value\n", "NDJSON: syntax error with its column");
	tap_is_str(read_all("{\"type\":\"person\"} x\n", SRC_NDJSON, NULL),
		"L1!:invalid JSON at column 19: text after the JSON value\n", "NDJSON: trailing text");
	tap_is_str(read_all("{\"type\":\"person\",\"id\":\"\xff\"}\n", SRC_NDJSON, NULL),
		"L1!:invalid UTF-8 at byte 24\n", "NDJSON: invalid UTF-8");
	tap_is_str(read_all("{\"type\":\"person\",\"id\":\"a\"}", SRC_NDJSON, NULL),
		"L1:{\"type\":\"person\",\"id\":\"a\"}\n", "NDJSON: last line without newline");

	tap_is_str(read_all("\xef\xbb\xbfid,name,pgy\r\nr1,\"Doe, Jane\",2\r\nr2,\"Say \"\"hi\"\"\nthere\",\r\nr3,x,3\r\n",
			SRC_CSV, NULL),
		"L2:{\"type\":\"person\",\"id\":\"r1\",\"name\":\"Doe, Jane\",\"pgy\":2}\n"
		"L3:{\"type\":\"person\",\"id\":\"r2\",\"name\":\"Say \\\"hi\\\"\\nthere\"}\n"
		"L5:{\"type\":\"person\",\"id\":\"r3\",\"name\":\"x\",\"pgy\":3}\n",
		"CSV: BOM, quotes, doubled quotes, newline in a field, empty cell absent, row lines");
	tap_is_str(read_all("id,pgy\nr1\nr2,x\nr3,\"2\"z\n", SRC_CSV, NULL),
		"L2!:expected 2 fields, got 1\nL3!pgy:expected an integer, got \"x\"\nL4!:text after a closing quote\n",
		"CSV: bad rows named by line and field");
	tap_is_str(read_all("person,date,slot,activity\nr1,2026-07-01,AM,clinic\n", SRC_CSV, NULL),
		"L2:{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-01\",\"slot\":\"AM\",\"activity\":\"clinic\"}\n",
		"CSV: assignment told from its header");
	tap_is_str(read_all("person,date,want,weight\nr1,2026-07-01,off,5\n", SRC_CSV, NULL),
		"L2:{\"type\":\"request\",\"person\":\"r1\",\"date\":\"2026-07-01\",\"want\":\"off\",\"weight\":5}\n",
		"CSV: request told from its header");
	tap_ok(strstr(read_all("foo,bar\n1,2\n", SRC_CSV, NULL),
		       "cannot tell the record type from the header; use --type") != NULL,
		"CSV: a header that names no record type makes the file unusable");
	tap_is_str(read_all("type,id,person,max_weekends\nperson,r1,,\nlimit,,r1,2\n", SRC_CSV, NULL),
		"L2:{\"type\":\"person\",\"id\":\"r1\"}\nL3:{\"type\":\"limit\",\"person\":\"r1\",\"max_weekends\":2}\n",
		"CSV: a type column gives each row its type");
	tap_is_str(read_all("id,ward\nr1,5B\n", SRC_CSV, rec_type_named("person")),
		"L2:{\"type\":\"person\",\"id\":\"r1\",\"ward\":\"5B\"}\n", "CSV: --type, unknown column kept");

	tap_is_str(read_all("# c\nSECTION_HORIZON\n14\n\nSECTION_SHIFTS\nD,480,\nL,600,D|E\n\nSECTION_STAFF\n"
			    "A,D=14|L=0,4320,3360,5,2,2,1\n\nSECTION_DAYS_OFF\nA,0,1,2,5\n\n"
			    "SECTION_SHIFT_ON_REQUESTS\nA,3,D,2\n\nSECTION_COVER\n13,D,5,100,1\n14,D,1,1,1\n",
			SRC_NRP, NULL),
		"L3:{\"type\":\"horizon\",\"start\":\"2024-01-01\",\"days\":14,\"slots\":[\"DAY\"]}\n"
		"L6:{\"type\":\"activity\",\"id\":\"D\",\"kind\":\"clinical\",\"slot\":\"DAY\",\"minutes\":480}\n"
		"L7:{\"type\":\"activity\",\"id\":\"L\",\"kind\":\"clinical\",\"slot\":\"DAY\",\"minutes\":600,\"not_followed_by\":[\"D\",\"E\"]}\n"
		"L10:{\"type\":\"person\",\"id\":\"A\"}\n"
		"L10:{\"type\":\"limit\",\"person\":\"A\",\"max_shifts\":{\"D\":14,\"L\":0},\"max_minutes\":4320,\"min_minutes\":3360,"
		"\"max_consecutive\":5,\"min_consecutive\":2,\"min_consecutive_off\":2,\"max_weekends\":1}\n"
		"L13:{\"type\":\"absence\",\"person\":\"A\",\"from\":\"2024-01-01\",\"to\":\"2024-01-03\",\"reason\":\"day off\"}\n"
		"L13:{\"type\":\"absence\",\"person\":\"A\",\"from\":\"2024-01-06\",\"to\":\"2024-01-06\",\"reason\":\"day off\"}\n"
		"L16:{\"type\":\"request\",\"person\":\"A\",\"date\":\"2024-01-04\",\"slot\":\"DAY\",\"activity\":\"D\",\"want\":\"on\",\"weight\":2}\n"
		"L19:{\"type\":\"cover\",\"date\":\"2024-01-14\",\"slot\":\"DAY\",\"activity\":\"D\",\"want\":5,\"weight_under\":100,\"weight_over\":1}\n"
		"L20!day:expected 0..13, got 14\n",
		"nrp: every section mapped, day-off runs merged, day outside the horizon rejected");
	tap_is_str(read_all("SECTION_SHIFTS\nD,480,\n", SRC_NRP, NULL),
		"L1!:SECTION_SHIFTS before SECTION_HORIZON\nL2!:data in a rejected section\n",
		"nrp: sections need the horizon first");
	tap_is_str(read_all("SECTION_HORIZON\n7\nSECTION_FOO\n1,2\n", SRC_NRP, NULL),
		"L2:{\"type\":\"horizon\",\"start\":\"2024-01-01\",\"days\":7,\"slots\":[\"DAY\"]}\n"
		"L3!:unknown section \"SECTION_FOO\"\nL4!:data in a rejected section\n",
		"nrp: unknown section and its lines rejected");
	tap_is_str(read_all("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480\n", SRC_NRP, NULL),
		"L2:{\"type\":\"horizon\",\"start\":\"2024-01-01\",\"days\":7,\"slots\":[\"DAY\"]}\n"
		"L4!:expected 3 comma-separated fields, got 2\n", "nrp: field count");

	tap_ok(source_format_for("x.csv") == SRC_CSV && source_format_for("Instance1.txt") == SRC_NRP &&
		source_format_for("p.ndjson") == SRC_NDJSON && source_format_for("-") == SRC_NDJSON,
		"format from the file name");
	return tap_done();
}
