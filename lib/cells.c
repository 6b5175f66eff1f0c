/* cells.c: see cells.h. */
#include "cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rtime.h"
#include "source.h"

/* Puts one assignment (whose four fields are strings) into its cell: 0,
 * 1 when it fits none, -1 with a sentence in msg when its cell already
 * holds another. */
static int
cell_of(struct cells *cs, const char *const v[4], const char **field, char *msg, size_t n)
{
	const struct programme *g = cs->g;
	int64_t day;
	const char *why;
	int p = programme_person_index(g, v[0]), s = programme_slot_index(g, v[2]);
	int a = programme_activity_index(g, v[3]);
	int bad_date = rtime_parse_date(v[1], strlen(v[1]), &day, &why) != 0;
	/* A date far outside the programme must not overflow d. */
	int64_t d = bad_date ? -1 : day - g->start;
	*field = p < 0 ? "person" : bad_date || d < 0 || d >= g->ndays ? "date"
		: s < 0 ? "slot" : a < 0 ? "activity" : g->act[a].slot != s ? "slot" : NULL;
	if (*field)
		return 1;
	int *c = &cs->x[pg_cell(g, p, (int)d, s)];
	if (*c != PG_OFF) {
		snprintf(msg, n, "%s has two assignments on %s %s (%s and %s)", v[0], v[1], v[2],
			g->act[*c].id, v[3]);
		*field = "slot";
		return -1;
	}
	*c = a;
	return 0;
}

/* The four fields of an assignment, or -1 with the one missing. */
static int
fields_of(const cJSON *o, const char *v[4], const char **missing)
{
	static const char *const names[] = { "person", "date", "slot", "activity" };
	for (int i = 0; i < 4; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, names[i]);
		if (!cJSON_IsString(f)) {
			*missing = names[i];
			return -1;
		}
		v[i] = f->valuestring;
	}
	return 0;
}

static void
add_orphan(struct cells *cs, const cJSON *o)
{
	char *s = json_print(o);
	sbuf_adds(&cs->orphans, s);
	sbuf_addc(&cs->orphans, '\n');
	free(s);
}

static int
add_cell(const struct rec *r, const char *file, long line, void *arg)
{
	struct cells *cs = arg;
	if (r->rt->kind != RK_ASSIGNMENT)
		return 0;
	cs->records++;
	const char *v[4], *field;
	char msg[512];
	if (fields_of(r->obj, v, &field) < 0)
		rota_bad_input(file, line, field, "missing");
	int rc = cell_of(cs, v, &field, msg, sizeof msg);
	if (rc < 0)
		rota_bad_input(file, line, field, msg);
	if (rc > 0) {
		if (cs->strict)
			rota_bad_input(file, line, field, "not in the programme (a person, date, slot or "
							  "activity it does not have)");
		cs->orphaned++;
		add_orphan(cs, r->obj);
	}
	return 0;
}

void
cells_init(struct cells *cs, const struct programme *g, int strict)
{
	*cs = (struct cells){ .g = g, .strict = strict };
	cs->x = xmalloc(pg_cells(g) * sizeof(int));
	for (size_t c = 0; c < pg_cells(g); c++)
		cs->x[c] = PG_OFF;
}

void
cells_read_file(struct cells *cs, const char *path)
{
	char err[1024];
	struct src_options so = { 0 };
	if (source_each(path, SRC_NDJSON, &so, add_cell, cs, err, sizeof err) < 0)
		rota_errx(EXIT_DATA, "%s", err);
}

int
cells_read_text(struct cells *cs, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		const char *v[4], *field;
		char msg[512];
		int rc = o && fields_of(o, v, &field) == 0 ? cell_of(cs, v, &field, msg, sizeof msg) : -1;
		cJSON_Delete(o);
		if (rc < 0)
			return -1;
		cs->records++;
	}
	return 0;
}

void
cells_free(struct cells *cs)
{
	free(cs->x);
	sbuf_free(&cs->orphans);
}
