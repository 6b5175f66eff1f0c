/* planout.c: writing a programme's schedule as records, a grid, iCalendar. */
#include "planout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "acgme.h"
#include "json.h"
#include "rtime.h"

void
planout_record(struct sbuf *b, const struct programme *g, int p, int d, int s, int a, const char *change)
{
	const struct pg_activity *act = &g->act[a];
	size_t c = pg_cell(g, p, d, s);
	int64_t t = g->begins[(size_t)d * g->nacts + a];
	char date[11], start[32], end[32];
	rtime_format_date(g->start + d, date);
	tz_format(g->tz, t, start);
	tz_format(g->tz, t + (int64_t)act->minutes * 60, end);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "assignment");
	cJSON_AddStringToObject(o, "person", g->person[p]);
	cJSON_AddStringToObject(o, "date", date);
	cJSON_AddStringToObject(o, "slot", g->slot[s]);
	cJSON_AddStringToObject(o, "activity", act->id);
	cJSON_AddStringToObject(o, "start", start);
	cJSON_AddStringToObject(o, "end", end);
	cJSON_AddStringToObject(o, "kind", acgme_kind_name[act->kind]);
	cJSON_AddStringToObject(o, "source", g->preloaded[c] && g->preload[c] == a ? "preload" : "solver");
	if (g->locked[c] == a)
		cJSON_AddTrueToObject(o, "locked");
	if (g->pgy[p] > 0)
		cJSON_AddNumberToObject(o, "pgy", g->pgy[p]);
	if (change)
		cJSON_AddStringToObject(o, "change", change);
	json_write(b, o);
	sbuf_addc(b, '\n');
	cJSON_Delete(o);
}

/* ---- the grid ------------------------------------------------------------- */

#define CELL 6		/* a column: five characters and a space */

/* Short names of the activities, at most five characters, all different:
 * the id when it fits (ids are unique), else its first three and last two
 * characters ("inpatient-am" is "inpam"), else "#" and a number. */
static int
name_taken(char (*v)[CELL], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

static char (*short_names(const struct programme *g))[CELL]
{
	char (*v)[CELL] = xcalloc((size_t)g->nacts, sizeof *v);
	for (int a = 0; a < g->nacts; a++)
		if (strlen(g->act[a].id) < CELL)
			strcpy(v[a], g->act[a].id);
	for (int a = 0; a < g->nacts; a++) {
		const char *id = g->act[a].id;
		size_t n = strlen(id);
		if (n < CELL)
			continue;
		char try[CELL];
		snprintf(try, CELL, "%.3s%s", id, id + n - 2);
		for (int k = 0; name_taken(v, g->nacts, try); k++)
			snprintf(try, CELL, "#%u", (unsigned)k % 10000u);
		strcpy(v[a], try);
	}
	return v;
}

void
planout_table(FILE *fp, const struct programme *g, const int *x)
{
	int wname = 6, wslot = 4;
	for (int p = 0; p < g->npeople; p++)
		if ((int)strlen(g->person[p]) > wname)
			wname = (int)strlen(g->person[p]);
	for (int s = 0; s < g->nslots; s++)
		if ((int)strlen(g->slot[s]) > wslot)
			wslot = (int)strlen(g->slot[s]);
	/* Two header lines: the weekday's letter and the day of the month. */
	static const char wd[] = "MTWTFSS";
	fprintf(fp, "%-*s %-*s", wname, "", wslot, "");
	for (int d = 0; d < g->ndays; d++)
		fprintf(fp, " %c%-*s", wd[rtime_weekday(g->start + d)], CELL - 2, "");
	fputc('\n', fp);
	fprintf(fp, "%-*s %-*s", wname, "person", wslot, "slot");
	for (int d = 0; d < g->ndays; d++) {
		char date[11];
		rtime_format_date(g->start + d, date);
		fprintf(fp, " %-*.*s", CELL - 1, 5, date + 5);
	}
	fputc('\n', fp);
	char (*name)[CELL] = short_names(g);
	for (int p = 0; p < g->npeople; p++)
		for (int s = 0; s < g->nslots; s++) {
			fprintf(fp, "%-*s %-*s", wname, s == 0 ? g->person[p] : "", wslot, g->slot[s]);
			for (int d = 0; d < g->ndays; d++) {
				int a = x[pg_cell(g, p, d, s)];
				fprintf(fp, " %-*s", CELL - 1, a >= 0 ? name[a] : ".");
			}
			fputc('\n', fp);
		}
	fputc('\n', fp);
	for (int a = 0; a < g->nacts; a++) {
		const struct pg_activity *act = &g->act[a];
		fprintf(fp, "%-*s %s: ", CELL - 1, name[a], act->id);
		/* A name is any string: its control characters are shown, not
		 * sent to the terminal. */
		for (const unsigned char *c = (const unsigned char *)act->name; *c; c++)
			if (*c < ' ' || *c == 0x7f)
				fprintf(fp, "\\x%02x", *c);
			else
				fputc(*c, fp);
		fprintf(fp, " (%s, %02d:%02d, %d min)\n", g->slot[act->slot], act->start / 60,
			act->start % 60, act->minutes);
	}
	free(name);
}

/* ---- iCalendar (RFC 5545) -------------------------------------------------- */

/* A content line, folded so that no line passes 75 octets (a fold never
 * splits a UTF-8 sequence) and ended with CRLF. */
static void
ics_line(struct sbuf *b, const char *s)
{
	size_t n = strlen(s), col = 0;
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		size_t len = ch < 0x80 ? 1 : ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (len > n - i)
			len = n - i;
		if (col + len > 75) {
			sbuf_add(b, "\r\n ", 3);
			col = 1;
		}
		sbuf_add(b, s + i, len);
		col += len;
		i += len;
	}
	sbuf_add(b, "\r\n", 2);
}

/* TEXT escaping: backslash, semicolon, comma, newline.  A line break of
 * any kind (CR LF, CR, LF) is "\n"; other control characters, which TEXT
 * may not hold, are left out: a name must not start a line of its own. */
static void
ics_text(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',')
			sbuf_addc(b, '\\');
		if (*s == '\n' || *s == '\r') {
			sbuf_adds(b, "\\n");
			s += s[0] == '\r' && s[1] == '\n';
			continue;
		}
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			continue;
		sbuf_addc(b, *s);
	}
}

static void
utc_stamp(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y%m%dT%H%M%SZ", &tm);
}

static void
ics_person(struct sbuf *b, const struct programme *g, const int *x, int p, const char *stamp)
{
	struct sbuf line = { 0 };
	sbuf_reset(b);
	ics_line(b, "BEGIN:VCALENDAR");
	ics_line(b, "VERSION:2.0");
	ics_line(b, "PRODID:-//rota//rota-solve " ROTA_VERSION "//EN");
	ics_line(b, "CALSCALE:GREGORIAN");
	sbuf_reset(&line);
	sbuf_adds(&line, "X-WR-CALNAME:");
	ics_text(&line, g->name[p]);
	ics_line(b, line.s);
	for (int d = 0; d < g->ndays; d++)
		for (int s = 0; s < g->nslots; s++) {
			int a = x[pg_cell(g, p, d, s)];
			if (a < 0)
				continue;
			int64_t t = g->begins[(size_t)d * g->nacts + a];
			char t0[32], t1[32], date[11];
			utc_stamp(t0, sizeof t0, t);
			utc_stamp(t1, sizeof t1, t + (int64_t)g->act[a].minutes * 60);
			rtime_format_date(g->start + d, date);
			ics_line(b, "BEGIN:VEVENT");
			sbuf_reset(&line);
			/* One event per person, date and slot: a new version of
			 * the schedule updates the event rather than adding one. */
			sbuf_addf(&line, "UID:%s-%s-%s@", date, g->slot[s], g->person[p]);
			ics_text(&line, g->id);
			sbuf_adds(&line, ".rota");
			ics_line(b, line.s);
			sbuf_reset(&line);
			sbuf_addf(&line, "DTSTAMP:%s", stamp);
			ics_line(b, line.s);
			sbuf_reset(&line);
			sbuf_addf(&line, "DTSTART:%s", t0);
			ics_line(b, line.s);
			sbuf_reset(&line);
			sbuf_addf(&line, "DTEND:%s", t1);
			ics_line(b, line.s);
			sbuf_reset(&line);
			sbuf_adds(&line, "SUMMARY:");
			ics_text(&line, g->act[a].name);
			ics_line(b, line.s);
			if (g->act[a].site >= 0) {
				sbuf_reset(&line);
				sbuf_adds(&line, "LOCATION:");
				ics_text(&line, g->site[g->act[a].site]);
				ics_line(b, line.s);
			}
			sbuf_reset(&line);
			sbuf_addf(&line, "CATEGORIES:%s", acgme_kind_name[g->act[a].kind]);
			ics_line(b, line.s);
			ics_line(b, "TRANSP:OPAQUE");
			ics_line(b, "END:VEVENT");
		}
	ics_line(b, "END:VCALENDAR");
	sbuf_free(&line);
}

int
planout_ics(const char *dir, const struct programme *g, const int *x, char *err, size_t n)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, n, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char stamp[32];
	utc_stamp(stamp, sizeof stamp, (int64_t)time(NULL));
	struct sbuf b = { 0 }, path = { 0 };
	int rc = 0;
	/* Everyone's file, an empty calendar too: a subscriber then loses
	 * events that are no longer theirs. */
	for (int p = 0; p < g->npeople && rc == 0; p++) {
		ics_person(&b, g, x, p, stamp);
		sbuf_reset(&path);
		sbuf_addf(&path, "%s/%s.ics", dir, g->person[p]);
		struct afile a;
		if (strchr(g->person[p], '/') || g->person[p][0] == '.') {
			snprintf(err, n, "%s: a person id that cannot be a file name", g->person[p]);
			rc = -1;
		} else if (afile_open(&a, path.s) != 0) {
			snprintf(err, n, "%s: %s", path.s, strerror(errno));
			rc = -1;
		} else if (fwrite(b.s, 1, b.len, a.fp) != b.len) {
			int saved = errno;
			afile_abort(&a);
			snprintf(err, n, "%s: %s", path.s, strerror(saved));
			rc = -1;
		} else if (afile_commit(&a) != 0) {
			snprintf(err, n, "%s: %s", path.s, strerror(errno));
			rc = -1;
		}
	}
	sbuf_free(&b);
	sbuf_free(&path);
	return rc;
}
