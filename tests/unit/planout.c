/* Unit tests for lib/planout: a cell as an assignment record, the schedule
 * as a table, and as one iCalendar file per person. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planout.h"
#include "problem.h"
#include "programme.h"
#include "record.h"
#include "tap.h"
#include "util.h"

/* 65 ASCII characters: after "SUMMARY:" a line has 73 octets. */
#define X65 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const char records[] =
	"{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"2026-07-06\",\"days\":2,\"slots\":[\"AM\",\"PM\",\"CALL\"],"
	"\"tz\":\"America/Chicago\"}\n"
	"{\"type\":\"person\",\"id\":\"r1\",\"name\":\"Amara Okonkwo\",\"role\":\"resident\",\"pgy\":1}\n"
	"{\"type\":\"person\",\"id\":\"f1\",\"name\":\"Smith, Jo; MD\",\"role\":\"faculty\"}\n"
	"{\"type\":\"person\",\"id\":\"f2\",\"role\":\"faculty\"}\n"
	"{\"type\":\"person\",\"id\":\"s1\",\"role\":\"staff\"}\n"
	"{\"type\":\"site\",\"id\":\"clinic\",\"capacity\":5}\n"
	"{\"type\":\"activity\",\"id\":\"clinic-am\",\"name\":\"Clinic, main; AM\",\"slot\":\"AM\",\"start\":\"08:00\","
	"\"minutes\":240,\"site\":\"clinic\"}\n"
	"{\"type\":\"activity\",\"id\":\"inpatient-am\",\"name\":\"Inpatient (AM)\",\"slot\":\"AM\",\"start\":\"07:00\",\"minutes\":300}\n"
	"{\"type\":\"activity\",\"id\":\"inpatient-pm\",\"slot\":\"PM\",\"start\":\"12:00\",\"minutes\":300}\n"
	"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":840}\n"
	"{\"type\":\"activity\",\"id\":\"vac\",\"kind\":\"leave\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
	"{\"type\":\"activity\",\"id\":\"lecture\",\"name\":\"" X65 X65 X65 "ab\",\"kind\":\"education\",\"slot\":\"PM\","
	"\"start\":\"13:00\",\"minutes\":60}\n"
	"{\"type\":\"activity\",\"id\":\"grand-rounds\",\"name\":\"" X65 "\xe2\x80\x94" "rounds\",\"kind\":\"education\","
	"\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":60}\n"
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":true}\n"
	"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"inpatient-am\",\"source\":\"solver\"}\n"
	"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-07\",\"slot\":\"PM\",\"activity\":\"inpatient-pm\",\"source\":\"manual\"}\n";

static int
act(const struct programme *g, const char *id)
{
	int a = programme_activity_index(g, id);
	if (a < 0)
		tap_ok(0, "test bug: no activity %s", id);
	return a;
}

/* ---- planout_record ---- */

static void
expect_record(const struct programme *g, const char *person, int d, const char *slot, const char *activity,
	const char *change, const char *want, const char *name)
{
	struct sbuf b = { 0 };
	sbuf_adds(&b, "");
	planout_record(&b, g, programme_person_index(g, person), d, programme_slot_index(g, slot), act(g, activity),
		change);
	tap_is_str(b.s, want, name);
	sbuf_free(&b);
}

static void
test_record(const struct programme *g)
{
	expect_record(g, "r1", 0, "AM", "clinic-am", NULL,
		"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\","
		"\"start\":\"2026-07-06T08:00:00-05:00\",\"end\":\"2026-07-06T12:00:00-05:00\",\"kind\":\"clinical\","
		"\"source\":\"solver\",\"pgy\":1}\n",
		"record: a resident's cell from the solver, with pgy");
	expect_record(g, "f1", 0, "AM", "clinic-am", "added",
		"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\","
		"\"start\":\"2026-07-06T08:00:00-05:00\",\"end\":\"2026-07-06T12:00:00-05:00\",\"kind\":\"clinical\","
		"\"source\":\"preload\",\"locked\":true,\"change\":\"added\"}\n",
		"record: a locked, preloaded cell, no pgy, a change");
	expect_record(g, "f1", 0, "AM", "inpatient-am", NULL,
		"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"inpatient-am\","
		"\"start\":\"2026-07-06T07:00:00-05:00\",\"end\":\"2026-07-06T12:00:00-05:00\",\"kind\":\"clinical\","
		"\"source\":\"solver\"}\n",
		"record: another activity in a preloaded, locked cell: solver, not locked");
	expect_record(g, "r1", 1, "AM", "inpatient-am", NULL,
		"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"inpatient-am\","
		"\"start\":\"2026-07-07T07:00:00-05:00\",\"end\":\"2026-07-07T12:00:00-05:00\",\"kind\":\"clinical\","
		"\"source\":\"solver\",\"pgy\":1}\n",
		"record: preloaded with source solver: solver");
	expect_record(g, "r1", 1, "PM", "inpatient-pm", NULL,
		"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-07\",\"slot\":\"PM\",\"activity\":\"inpatient-pm\","
		"\"start\":\"2026-07-07T12:00:00-05:00\",\"end\":\"2026-07-07T17:00:00-05:00\",\"kind\":\"clinical\","
		"\"source\":\"preload\",\"pgy\":1}\n",
		"record: preloaded with source manual: preload");
	expect_record(g, "r1", 0, "CALL", "call", "removed",
		"{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-06\",\"slot\":\"CALL\",\"activity\":\"call\","
		"\"start\":\"2026-07-06T17:00:00-05:00\",\"end\":\"2026-07-07T07:00:00-05:00\",\"kind\":\"in_house_call\","
		"\"source\":\"solver\",\"pgy\":1,\"change\":\"removed\"}\n",
		"record: a call into the next day, removed");
	expect_record(g, "s1", 1, "AM", "vac", NULL,
		"{\"type\":\"assignment\",\"person\":\"s1\",\"date\":\"2026-07-07\",\"slot\":\"AM\",\"activity\":\"vac\","
		"\"start\":\"2026-07-07T08:00:00-05:00\",\"end\":\"2026-07-07T12:00:00-05:00\",\"kind\":\"leave\","
		"\"source\":\"solver\"}\n",
		"record: leave");

	/* Appended, one line each, and each a valid assignment record. */
	struct sbuf b = { 0 };
	sbuf_adds(&b, "x\n");
	planout_record(&b, g, 0, 0, 0, act(g, "clinic-am"), NULL);
	planout_record(&b, g, 1, 0, 0, act(g, "clinic-am"), NULL);
	int lines = 0;
	for (size_t i = 0; i < b.len; i++)
		lines += b.s[i] == '\n';
	tap_ok(lines == 3 && strncmp(b.s, "x\n{", 3) == 0, "record: appended to the buffer, a line each");
	char *second = strchr(b.s + 2, '\n') + 1;
	second[strlen(second) - 1] = '\0';
	cJSON *o = cJSON_Parse(second);
	struct rec r;
	struct rec_error e;
	tap_ok(o && rec_validate(o, &r, &e) == 0, "record: it validates as an assignment record");
	cJSON_Delete(o);
	sbuf_free(&b);
}

/* ---- planout_table ---- */

static int *
schedule(const struct programme *g)
{
	int *x = xmalloc(pg_cells(g) * sizeof(int));
	for (size_t c = 0; c < pg_cells(g); c++)
		x[c] = PG_OFF;
	int r1 = 0, f1 = 1, f2 = 2;
	x[pg_cell(g, r1, 0, 0)] = act(g, "clinic-am");
	x[pg_cell(g, r1, 0, 2)] = act(g, "call");
	x[pg_cell(g, r1, 1, 0)] = act(g, "inpatient-am");
	x[pg_cell(g, r1, 1, 1)] = act(g, "inpatient-pm");
	x[pg_cell(g, f1, 0, 0)] = act(g, "clinic-am");
	x[pg_cell(g, f1, 0, 1)] = act(g, "lecture");
	x[pg_cell(g, f1, 1, 0)] = act(g, "vac");
	x[pg_cell(g, f2, 1, 1)] = act(g, "grand-rounds");
	return x;
}

static char *
table_of(const struct programme *g, const int *x)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	if (fp == NULL) {
		tap_ok(0, "open_memstream: %s", strerror(errno));
		return xstrdup("");
	}
	planout_table(fp, g, x);
	fclose(fp);
	return text;
}

static void
test_table(const struct programme *g)
{
	int *x = schedule(g);
	char *text = table_of(g, x);
	/* Monday 07-06 and Tuesday 07-07; names 6 wide, slots 4, days 5. */
	static const char want[] =
		"            M     T    \n"
		"person slot 07-06 07-07\n"
		"r1     AM   cliam inpam\n"
		"       PM   .     inppm\n"
		"       CALL call  .    \n"
		"f1     AM   cliam vac  \n"
		"       PM   lecre .    \n"
		"       CALL .     .    \n"
		"f2     AM   .     .    \n"
		"       PM   .     grads\n"
		"       CALL .     .    \n"
		"s1     AM   .     .    \n"
		"       PM   .     .    \n"
		"       CALL .     .    \n"
		"\n"
		"cliam clinic-am: Clinic, main; AM (AM, 08:00, 240 min)\n"
		"inpam inpatient-am: Inpatient (AM) (AM, 07:00, 300 min)\n"
		"inppm inpatient-pm: inpatient-pm (PM, 12:00, 300 min)\n"
		"call  call: call (CALL, 17:00, 840 min)\n"
		"vac   vac: vac (AM, 08:00, 240 min)\n"
		"lecre lecture: " X65 X65 X65 "ab (PM, 13:00, 60 min)\n"
		"grads grand-rounds: " X65 "\xe2\x80\x94" "rounds (PM, 13:00, 60 min)\n";
	tap_is_str(text, want, "table: the whole grid and legend");
	free(text);
	free(x);

	/* Short names all different: an id that fits keeps it, the others
	 * yield ("#" and a number). */
	struct programme *h = tap_programme(
		"{\"type\":\"horizon\",\"id\":\"u\",\"start\":\"2026-07-06\",\"days\":1,\"slots\":[\"AM\",\"PM\"]}\n"
		"{\"type\":\"person\",\"id\":\"a-rather-long-id\",\"role\":\"faculty\"}\n"
		"{\"type\":\"activity\",\"id\":\"inpatient-am\",\"slot\":\"AM\",\"start\":\"07:00\",\"minutes\":300}\n"
		"{\"type\":\"activity\",\"id\":\"inpam\",\"slot\":\"AM\",\"start\":\"07:00\",\"minutes\":60}\n"
		"{\"type\":\"activity\",\"id\":\"inpatient-xam\",\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":60}\n");
	if (h == NULL)
		return;
	x = xmalloc(pg_cells(h) * sizeof(int));
	x[0] = 0;
	x[1] = 2;
	text = table_of(h, x);
	static const char want2[] =
		"                      M    \n"
		"person           slot 07-06\n"
		"a-rather-long-id AM   #0   \n"
		"                 PM   #1   \n"
		"\n"
		"#0    inpatient-am: inpatient-am (AM, 07:00, 300 min)\n"
		"inpam inpam: inpam (AM, 07:00, 60 min)\n"
		"#1    inpatient-xam: inpatient-xam (PM, 13:00, 60 min)\n";
	tap_is_str(text, want2, "table: colliding short names, a long person id");
	free(text);
	free(x);
	programme_free(h);
}

/* ---- planout_ics ---- */

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	struct sbuf b = { 0 };
	sbuf_adds(&b, "");
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sbuf_add(&b, buf, n);
	fclose(fp);
	return b.s;
}

static char *
ics_of(const char *dir, const char *person)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.ics", dir, person);
	char *s = slurp(path);
	if (!tap_ok(s != NULL, "ics: %s.ics exists", person))
		return xstrdup("");
	return s;
}

/* Every line ends with CRLF, no bare CR or LF; the longest line in octets. */
static int
crlf_only(const char *s, size_t *longest)
{
	size_t col = 0;
	*longest = 0;
	for (; *s; s++) {
		if (*s == '\r') {
			if (s[1] != '\n')
				return 0;
			if (col > *longest)
				*longest = col;
			col = 0;
			s++;
			continue;
		}
		if (*s == '\n')
			return 0;
		col++;
	}
	return col == 0;
}

/* The text unfolded (RFC 5545 3.1: CRLF and one blank removed). */
static char *
unfold(const char *s)
{
	struct sbuf b = { 0 };
	sbuf_adds(&b, "");
	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 2;
			continue;
		}
		sbuf_addc(&b, *s);
	}
	return b.s;
}

static int
count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) != 0)
		printf("# could not remove %s: %s\n", dir, strerror(errno));
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

static void
test_ics(const struct programme *g)
{
	const char *tmp = getenv("TMPDIR");
	char base[256], dir[300], err[512] = "";
	snprintf(base, sizeof base, "%s/rota-planout-XXXXXX", tmp && strlen(tmp) < 100 ? tmp : "/tmp");
	if (!tap_ok(mkdtemp(base) != NULL, "ics: a temporary folder"))
		return;
	snprintf(dir, sizeof dir, "%s/cal", base);	/* made by planout_ics */
	int *x = schedule(g);
	tap_is_int(planout_ics(dir, g, x, err, sizeof err), 0, "ics: written");
	tap_is_int(entries(dir), 4, "ics: one file per person, nothing else");

	char *s1 = ics_of(dir, "s1");
	tap_is_str(s1,
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rota//rota-solve " ROTA_VERSION "//EN\r\n"
		"CALSCALE:GREGORIAN\r\nX-WR-CALNAME:s1\r\nEND:VCALENDAR\r\n",
		"ics: s1, without assignments: an empty calendar");
	free(s1);

	char *r1 = ics_of(dir, "r1");
	size_t longest;
	tap_ok(crlf_only(r1, &longest), "ics: r1: every line ends with CRLF");
	tap_is_int(count(r1, "BEGIN:VEVENT\r\n"), 4, "ics: r1: four events");
	tap_is_int(count(r1, "END:VEVENT\r\n"), 4, "ics: r1: four ends");
	tap_ok(strncmp(r1, "BEGIN:VCALENDAR\r\n", 17) == 0 && strstr(r1, "X-WR-CALNAME:Amara Okonkwo\r\n") &&
			strlen(r1) > 15 && strcmp(r1 + strlen(r1) - 15, "END:VCALENDAR\r\n") == 0,
		"ics: r1: a calendar named after r1");
	static const char ev[] =
		"BEGIN:VEVENT\r\nUID:2026-07-06-AM-r1@t.rota\r\nDTSTAMP:";
	const char *e = strstr(r1, ev);
	tap_ok(e != NULL, "ics: r1: the first event's UID: DATE-SLOT-PERSON@HORIZON.rota");
	if (e) {
		e += strlen(ev);
		int stamp = strlen(e) > 18 && e[8] == 'T' && e[15] == 'Z' && e[16] == '\r';
		for (int i = 0; i < 15 && stamp; i++)
			stamp = i == 8 || (e[i] >= '0' && e[i] <= '9');
		tap_ok(stamp, "ics: r1: DTSTAMP in UTC, YYYYMMDDTHHMMSSZ");
		e = strchr(e, '\n') + 1;
		static const char rest[] =
			"DTSTART:20260706T130000Z\r\nDTEND:20260706T170000Z\r\n"
			"SUMMARY:Clinic\\, main\\; AM\r\nLOCATION:clinic\r\nCATEGORIES:clinical\r\n"
			"TRANSP:OPAQUE\r\nEND:VEVENT\r\n";
		tap_ok(strncmp(e, rest, strlen(rest)) == 0,
			"ics: r1: clinic-am: 08:00 CDT is 13:00Z, escaped SUMMARY, LOCATION, CATEGORIES");
	}
	tap_ok(strstr(r1, "UID:2026-07-06-CALL-r1@t.rota\r\n") &&
			strstr(r1, "DTSTART:20260706T220000Z\r\nDTEND:20260707T120000Z\r\nSUMMARY:call\r\n"
				   "CATEGORIES:in_house_call\r\n"),
		"ics: r1: call from 22:00Z to 12:00Z the next day, no LOCATION");
	tap_ok(strstr(r1, "UID:2026-07-07-PM-r1@t.rota\r\nDTSTAMP:") &&
			strstr(r1, "DTSTART:20260707T170000Z\r\nDTEND:20260707T220000Z\r\n"),
		"ics: r1: inpatient-pm on 07-07");
	free(r1);

	char *f1 = ics_of(dir, "f1");
	tap_ok(crlf_only(f1, &longest), "ics: f1: every line ends with CRLF");
	tap_ok(longest <= 75, "ics: f1: no line longer than 75 octets (longest %zu)", longest);
	tap_ok(strstr(f1, "X-WR-CALNAME:Smith\\, Jo\\; MD\r\n") != NULL, "ics: f1: the calendar's name escaped");
	tap_is_int(count(f1, "BEGIN:VEVENT\r\n"), 3, "ics: f1: three events, leave too");
	tap_ok(strstr(f1, "SUMMARY:vac\r\nCATEGORIES:leave\r\n") != NULL, "ics: f1: leave's category");
	/* The 205-octet line folds: 75 octets, a blank and 74, a blank and 56. */
	const char *lec = strstr(f1, "SUMMARY:xxx");
	tap_ok(lec && strncmp(lec + 75, "\r\n x", 4) == 0 && strncmp(lec + 75 + 3 + 74, "\r\n x", 4) == 0 &&
			strncmp(lec + 75 + 3 + 74 + 3 + 56, "\r\nCATEGORIES:", 13) == 0,
		"ics: f1: a long SUMMARY folded after 75 octets, then after a blank and 74");
	char *un = unfold(f1);
	tap_ok(strstr(un, "\r\nSUMMARY:" X65 X65 X65 "ab\r\n") != NULL, "ics: f1: unfolded, the long SUMMARY whole");
	free(un);

	char *f2 = ics_of(dir, "f2");
	tap_ok(crlf_only(f2, &longest), "ics: f2: every line ends with CRLF");
	un = unfold(f2);
	tap_ok(strstr(un, "\r\nSUMMARY:" X65 "\xe2\x80\x94" "rounds\r\n") != NULL,
		"ics: f2: unfolded, the SUMMARY with a UTF-8 dash whole");
	free(un);
	/* No fold inside a UTF-8 sequence: no continuation line starts with
	 * a continuation byte. */
	int split = 0;
	for (const char *p = f2; (p = strstr(p, "\r\n ")) != NULL; p += 3)
		split |= ((unsigned char)p[3] & 0xc0) == 0x80;
	tap_ok(!split, "ics: f2: no fold inside a UTF-8 sequence");
	/* "SUMMARY:" and 65 characters are 73 octets, then a 3-octet dash:
	 * the line may not pass 75 octets (RFC 5545 3.1). */
	const char *gr = strstr(f2, "SUMMARY:" X65 "\r\n \xe2\x80\x94");
	size_t first_line = gr ? strcspn(gr, "\r") : 0;
	tap_ok(gr && first_line == 73, "ics: f2: a 3-octet character at column 74 goes whole to the "
		"next line (the first has %zu octets)", first_line);
	free(f2);
	free(f1);

	/* Again, with nobody working: every file replaced whole. */
	for (size_t c = 0; c < pg_cells(g); c++)
		x[c] = PG_OFF;
	tap_is_int(planout_ics(dir, g, x, err, sizeof err), 0, "ics: written again into the same folder");
	r1 = ics_of(dir, "r1");
	tap_ok(count(r1, "VEVENT") == 0 && count(r1, "\r\n") == 6, "ics: r1 replaced by an empty calendar");
	free(r1);
	tap_is_int(entries(dir), 4, "ics: still four files, no temporary one left");

	/* A folder that cannot be made. */
	char bad[400];
	snprintf(bad, sizeof bad, "%s/no/such", base);
	err[0] = '\0';
	tap_is_int(planout_ics(bad, g, x, err, sizeof err), -1, "ics: a folder under a missing one: -1");
	char want[512];
	snprintf(want, sizeof want, "%s: %s", bad, strerror(ENOENT));
	tap_is_str(err, want, "ics: the error names the folder and the reason");
	free(x);
	rm_dir(dir);
	rm_dir(base);

	/* A person whose id cannot be a file name. */
	struct programme *h = tap_programme(
		"{\"type\":\"horizon\",\"id\":\"u\",\"start\":\"2026-07-06\",\"days\":1,\"slots\":[\"AM\",\"PM\"]}\n"
		"{\"type\":\"person\",\"id\":\".hidden\",\"role\":\"faculty\"}\n"
		"{\"type\":\"activity\",\"id\":\"a\",\"slot\":\"AM\",\"start\":\"07:00\",\"minutes\":60}\n");
	snprintf(base, sizeof base, "%s/rota-planout-XXXXXX", tmp && strlen(tmp) < 100 ? tmp : "/tmp");
	if (h && mkdtemp(base)) {
		int y[2] = { PG_OFF, PG_OFF };
		err[0] = '\0';
		tap_is_int(planout_ics(base, h, y, err, sizeof err), -1, "ics: a person id starting with a dot: -1");
		tap_is_str(err, ".hidden: a person id that cannot be a file name", "ics: the error names the id");
		tap_is_int(entries(base), 0, "ics: no file written for it");
		rm_dir(base);
	}
	programme_free(h);
}

int
main(void)
{
	struct programme *g = tap_programme(records);
	if (g) {
		test_record(g);
		test_table(g);
		test_ics(g);
		programme_free(g);
	}
	return tap_done();
}
