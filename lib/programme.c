/* programme.c: building the residency programme model from records. */
#include "programme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "acgme.h"
#include "rtime.h"
#include "util.h"

static const char *const role_names[PR_COUNT] = { "resident", "fellow", "faculty", "staff" };

int
programme_wanted(struct problem_builder *b)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_HORIZON, &n);
	if (n > 0 && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(h[0].obj, "slots")) > 1)
		return 1;
	h = problem_builder_held(b, RK_PERSON, &n);
	for (size_t i = 0; i < n; i++)
		if (held_str(&h[i], "role"))
			return 1;
	return 0;
}

static int
index_of(char *const *names, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], id) == 0)
			return i;
	return -1;
}

/* Ids to indices by hash: a schedule of a hundred thousand assignments
 * names people and activities of thousands (--evaluate of 95,000
 * assignments of 3,400 people: 0.25 s, against 0.65 s searching). */
static const char *
person_id(const struct programme *g, int i)
{
	return g->person[i];
}

static const char *
activity_id(const struct programme *g, int i)
{
	return g->act[i].id;
}

static void
ids_build(struct pg_ids *ix, const struct programme *g, int n, const char *(*id)(const struct programme *, int))
{
	ix->mask = 15;
	while (ix->mask + 1 < 2 * (size_t)n)
		ix->mask = 2 * ix->mask + 1;
	ix->slot = xcalloc(ix->mask + 1, sizeof *ix->slot);
	for (int i = 0; i < n; i++) {
		const char *s = id(g, i);
		size_t k = XXH3_64bits(s, strlen(s)) & ix->mask;
		while (ix->slot[k])
			k = (k + 1) & ix->mask;
		ix->slot[k] = i + 1;
	}
}

static int
ids_find(const struct pg_ids *ix, const struct programme *g, const char *(*id)(const struct programme *, int),
	const char *s)
{
	for (size_t k = XXH3_64bits(s, strlen(s)) & ix->mask; ix->slot[k]; k = (k + 1) & ix->mask)
		if (strcmp(id(g, ix->slot[k] - 1), s) == 0)
			return ix->slot[k] - 1;
	return -1;
}

int
programme_person_index(const struct programme *g, const char *id)
{
	return ids_find(&g->person_ix, g, person_id, id);
}

int
programme_slot_index(const struct programme *g, const char *id)
{
	return index_of(g->slot, g->nslots, id);
}

int
programme_activity_index(const struct programme *g, const char *id)
{
	return ids_find(&g->act_ix, g, activity_id, id);
}

void
programme_free(struct programme *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->nslots; i++)
		free(g->slot[i]);
	for (int i = 0; i < g->npeople; i++) {
		free(g->person[i]);
		free(g->name[i]);
		if (g->specialties)
			free(g->specialties[i].v);
	}
	for (int a = 0; a < g->nacts; a++) {
		free(g->act[a].id);
		free(g->act[a].name);
		free(g->act[a].specialties.v);
	}
	for (int i = 0; i < g->nsites; i++)
		free(g->site[i]);
	void *v[] = { g->id, g->slot, g->person, g->name, g->role, g->pgy, g->specialties, g->act,
		g->forbid, g->site, g->capacity, g->want, g->under_w, g->over_w, g->cmin, g->cmax,
		g->absent, g->eligible, g->locked, g->preload, g->preloaded, g->req, g->req_first, g->max_shifts,
		g->min_shifts, g->max_minutes, g->min_minutes, g->max_consec, g->max_weekends,
		g->weekend, g->begins, g->person_ix.slot, g->act_ix.slot };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		free(v[i]);
	tz_free(g->tz);
	free(g);
}

/* Specialties are sets of indices into the names seen, in order of first use. */
struct names {
	char **v;
	int n, cap;
};

static void
specialty_set(struct names *sp, const cJSON *list, struct pg_set *set)
{
	set->n = 0;
	set->v = xmalloc((size_t)(cJSON_GetArraySize(list) + 1) * sizeof(int));
	for (const cJSON *c = list ? list->child : NULL; c; c = c->next) {
		int i = index_of(sp->v, sp->n, c->valuestring);
		if (i < 0) {
			if (sp->n == sp->cap) {
				sp->cap = sp->cap ? 2 * sp->cap : 16;
				sp->v = xrealloc(sp->v, (size_t)sp->cap * sizeof *sp->v);
			}
			sp->v[i = sp->n++] = c->valuestring;
		}
		set->v[set->n++] = i;
	}
}

static int
sets_meet(const struct pg_set *a, const struct pg_set *b)
{
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (a->v[i] == b->v[j])
				return 1;
	return 0;
}

static int
day_in(const struct programme *g, const struct problem_held *h, const char *field, int *d,
	struct problem_error *e)
{
	int64_t day;
	const char *why, *s = held_str(h, field);
	rtime_parse_date(s, strlen(s), &day, &why);
	if (day < g->start || day >= g->start + g->ndays) {
		char first[11], last[11];
		rtime_format_date(g->start, first);
		rtime_format_date(g->start + g->ndays - 1, last);
		return problem_fail(e, h, field, "%s is outside the horizon (%s to %s)", s, first, last);
	}
	*d = (int)(day - g->start);
	return 0;
}

static int
person_in(const struct programme *g, const struct problem_held *h, int *p, struct problem_error *e)
{
	const char *id = held_str(h, "person");
	if ((*p = programme_person_index(g, id)) < 0)
		return problem_fail(e, h, "person", "\"%s\" is not a person of the programme", id);
	return 0;
}

/* A slot and activity of a record; "*" gives -1 where any_ok. */
static int
slot_activity_in(const struct programme *g, const struct problem_held *h, int any_ok, int *s, int *a,
	struct problem_error *e)
{
	const char *sid = held_str(h, "slot"), *aid = held_str(h, "activity");
	*s = *a = -1;
	if (!(any_ok && strcmp(sid, "*") == 0) && (*s = programme_slot_index(g, sid)) < 0)
		return problem_fail(e, h, "slot", "\"%s\" is not a slot of the horizon", sid);
	if (!(any_ok && strcmp(aid, "*") == 0) && (*a = programme_activity_index(g, aid)) < 0)
		return problem_fail(e, h, "activity", "\"%s\" is not an activity of the programme", aid);
	if (*s >= 0 && *a >= 0 && g->act[*a].slot != *s)
		return problem_fail(e, h, "slot", "%s fills the %s slot, not %s", aid,
			g->slot[g->act[*a].slot], sid);
	return 0;
}

static int
build_horizon(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_HORIZON, &n);
	if (n != 1)
		return problem_fail(e, n ? &h[1] : NULL, "", n ? "a programme has one horizon; this is a second"
							: "no horizon record: a programme needs one");
	const char *why, *s = held_str(h, "start");
	rtime_parse_date(s, strlen(s), &g->start, &why);
	g->id = xstrdup(held_str(h, "id"));
	g->ndays = held_int(h, "days", 0);
	const cJSON *slots = cJSON_GetObjectItemCaseSensitive(h->obj, "slots");
	g->nslots = cJSON_GetArraySize(slots);
	if (g->nslots > 8)
		return problem_fail(e, h, "slots", "at most 8 slots a day, not %d", g->nslots);
	g->slot = xcalloc((size_t)g->nslots, sizeof *g->slot);
	int i = 0;
	for (const cJSON *c = slots->child; c; c = c->next, i++) {
		if (index_of(g->slot, i, c->valuestring) >= 0)
			return problem_fail(e, h, "slots", "\"%s\" is named twice", c->valuestring);
		g->slot[i] = xstrdup(c->valuestring);
	}
	char err[256];
	const char *zone = held_str(h, "tz");
	if ((g->tz = tz_load(zone ? zone : "UTC", err, sizeof err)) == NULL)
		return problem_fail(e, h, "tz", "%s", err);
	g->weekend = xmalloc((size_t)g->ndays * sizeof *g->weekend);
	int64_t first_monday = g->start - rtime_weekday(g->start);
	for (int d = 0; d < g->ndays; d++) {
		g->weekend[d] = rtime_weekday(g->start + d) >= 5 ? (int)((g->start + d - first_monday) / 7) : -1;
		if (g->weekend[d] + 1 > g->nweekends)
			g->nweekends = g->weekend[d] + 1;
	}
	return 0;
}

static int
build_people(struct programme *g, struct problem_builder *b, struct names *sp, struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_PERSON, &n);
	if (n == 0)
		return problem_fail(e, NULL, "", "no person records: a programme needs at least one");
	g->npeople = (int)n;
	g->person = xcalloc(n, sizeof *g->person);
	g->name = xcalloc(n, sizeof *g->name);
	g->role = xcalloc(n, sizeof *g->role);
	g->pgy = xcalloc(n, sizeof *g->pgy);
	g->specialties = xcalloc(n, sizeof *g->specialties);
	for (size_t p = 0; p < n; p++) {
		const char *role = held_str(&h[p], "role"), *name = held_str(&h[p], "name");
		g->person[p] = xstrdup(held_str(&h[p], "id"));
		g->name[p] = xstrdup(name ? name : g->person[p]);
		g->role[p] = role ? index_of((char **)role_names, PR_COUNT, role) : PR_RESIDENT;
		g->pgy[p] = held_int(&h[p], "pgy", 0);
		specialty_set(sp, cJSON_GetObjectItemCaseSensitive(h[p].obj, "specialties"), &g->specialties[p]);
	}
	ids_build(&g->person_ix, g, g->npeople, person_id);
	return 0;
}

static int
build_sites(struct programme *g, struct problem_builder *b)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_SITE, &n);
	g->nsites = (int)n;
	g->site = xcalloc(n + 1, sizeof *g->site);
	g->capacity = xcalloc(n + 1, sizeof *g->capacity);
	for (size_t i = 0; i < n; i++) {
		g->site[i] = xstrdup(held_str(&h[i], "id"));
		g->capacity[i] = held_int(&h[i], "capacity", PG_NO_LIMIT);
	}
	return 0;
}

static long long
gcd(long long a, long long b)
{
	while (b) {
		long long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The parts of an activity that need only the record itself. */
static int
build_activity(struct programme *g, struct pg_activity *a, const struct problem_held *h,
	struct names *sp, struct problem_error *e)
{
	const char *s = held_str(h, "slot"), *k = held_str(h, "kind"), *name = held_str(h, "name");
	const char *why, *start = held_str(h, "start");
	a->id = xstrdup(held_str(h, "id"));
	a->name = xstrdup(name ? name : a->id);
	a->kind = acgme_kind_named(k);
	a->is_call = a->kind == AK_IN_HOUSE_CALL || a->kind == AK_NIGHT_FLOAT ||
		a->kind == AK_HOME_CALL || a->kind == AK_HOME_CALL_IN;
	if ((a->slot = programme_slot_index(g, s)) < 0)
		return problem_fail(e, h, "slot", "\"%s\" is not a slot of the horizon", s);
	if (start == NULL)
		return problem_fail(e, h, "start", "missing: a programme's activity needs its start time");
	rtime_parse_clock(start, strlen(start), &a->start, &why);
	if ((a->minutes = held_int(h, "minutes", -1)) < 0)
		return problem_fail(e, h, "minutes", "missing: a programme's activity needs its length");
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(h->obj, "roles");
	for (const cJSON *c = roles ? roles->child : NULL; c; c = c->next)
		a->roles |= 1u << index_of((char **)role_names, PR_COUNT, c->valuestring);
	a->pgy_min = held_int(h, "pgy_min", 0);
	a->pgy_max = held_int(h, "pgy_max", 0);
	specialty_set(sp, cJSON_GetObjectItemCaseSensitive(h->obj, "specialties"), &a->specialties);
	const char *site = held_str(h, "site");
	a->site = -1;
	if (site && (a->site = index_of(g->site, g->nsites, site)) < 0) {
		/* A site without a record is a place without a capacity. */
		g->site[g->nsites] = xstrdup(site);
		g->capacity[g->nsites] = PG_NO_LIMIT;
		a->site = g->nsites++;
		g->site = xrealloc(g->site, (size_t)(g->nsites + 1) * sizeof *g->site);
		g->capacity = xrealloc(g->capacity, (size_t)(g->nsites + 1) * sizeof *g->capacity);
	}
	const cJSON *sup = cJSON_GetObjectItemCaseSensitive(h->obj, "supervision");
	for (const cJSON *c = sup ? sup->child : NULL; c; c = c->next) {
		char *end;
		long level = strtol(c->string, &end, 10);
		if (*end || level < 1 || level > PG_MAX_PGY)
			return problem_fail(e, h, "supervision", "\"%s\" is not a PGY level (1 to %d)", c->string,
				PG_MAX_PGY);
		a->per_faculty[level] = (int)c->valuedouble;
		a->supervised = 1;
	}
	return 0;
}

static int
build_activities(struct programme *g, struct problem_builder *b, struct names *sp,
	struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_ACTIVITY, &n);
	if (n == 0)
		return problem_fail(e, NULL, "", "no activity records: a programme needs at least one");
	int A = g->nacts = (int)n;
	g->act = xcalloc(n, sizeof *g->act);
	long long unit = 1;
	for (int a = 0; a < A; a++) {
		if (build_activity(g, &g->act[a], &h[a], sp, e))
			return -1;
		for (int k = 1; k <= PG_MAX_PGY; k++)
			if (g->act[a].per_faculty[k])
				unit = unit / gcd(unit, g->act[a].per_faculty[k]) * g->act[a].per_faculty[k];
		if (unit > 1000000)
			return problem_fail(e, &h[a], "supervision", "ratios too varied (their least common "
				"multiple passes 1000000)");
	}
	g->sup_unit = (int)unit;
	ids_build(&g->act_ix, g, A, activity_id);
	g->forbid = xcalloc((size_t)A * (size_t)A, 1);
	for (int a = 0; a < A; a++) {
		const cJSON *nf = cJSON_GetObjectItemCaseSensitive(h[a].obj, "not_followed_by");
		for (const cJSON *c = nf ? nf->child : NULL; c; c = c->next) {
			int u = programme_activity_index(g, c->valuestring);
			if (u < 0)
				return problem_fail(e, &h[a], "not_followed_by",
					"\"%s\" is not an activity of the programme", c->valuestring);
			g->forbid[a * A + u] = 1;
		}
	}
	/* Where each activity starts each day, as an instant.  A local time
	 * that happens twice (clocks fall back) is the first of the two; one
	 * that a change skips (clocks spring forward) moves forward by the
	 * change, as mktime(3) does: 02:30 becomes 03:30. */
	g->begins = xmalloc((size_t)g->ndays * (size_t)A * sizeof *g->begins);
	for (int d = 0; d < g->ndays; d++)
		for (int a = 0; a < A; a++) {
			int64_t local = (g->start + d) * 86400 + (int64_t)g->act[a].start * 60, t = 0;
			if (tz_from_local(g->tz, local, &t) != 0) {
				int before = tz_offset(g->tz, tz_day_start(g->tz, g->start + d) - 86400);
				int after = tz_offset(g->tz, tz_day_start(g->tz, g->start + d + 2));
				int64_t t1 = local - before, t2 = local - after;
				int ok1 = tz_offset(g->tz, t1) == before, ok2 = tz_offset(g->tz, t2) == after;
				t = ok1 && ok2 ? (t1 < t2 ? t1 : t2) : ok2 ? t2 : t1;
			}
			g->begins[(size_t)d * A + a] = t;
		}
	return 0;
}

static int
build_eligibility(struct programme *g)
{
	int A = g->nacts;
	g->eligible = xcalloc((size_t)g->npeople * (size_t)A, 1);
	for (int p = 0; p < g->npeople; p++)
		for (int a = 0; a < A; a++) {
			const struct pg_activity *x = &g->act[a];
			int ok = !x->roles || (x->roles & (1u << g->role[p]));
			int resident = g->role[p] == PR_RESIDENT || g->role[p] == PR_FELLOW;
			if (resident && x->pgy_min && g->pgy[p] && g->pgy[p] < x->pgy_min)
				ok = 0;
			if (resident && x->pgy_max && g->pgy[p] && g->pgy[p] > x->pgy_max)
				ok = 0;
			if (x->specialties.n && !sets_meet(&x->specialties, &g->specialties[p]))
				ok = 0;
			g->eligible[p * A + a] = (unsigned char)ok;
		}
	return 0;
}

static int
build_cover(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n, cells = (size_t)g->ndays * (size_t)g->nacts;
	const struct problem_held *h = problem_builder_held(b, RK_COVER, &n);
	g->want = xcalloc(cells, sizeof(int));
	g->under_w = xcalloc(cells, sizeof(int));
	g->over_w = xmalloc(cells * sizeof(int));
	g->cmin = xcalloc(cells, sizeof(int));
	g->cmax = xmalloc(cells * sizeof(int));
	/* No cover record: nobody wanted, 1 per person over it, no bounds. */
	for (size_t i = 0; i < cells; i++) {
		g->over_w[i] = 1;
		g->cmax[i] = PG_NO_LIMIT;
	}
	for (size_t i = 0; i < n; i++) {
		int d, s, a;
		if (day_in(g, &h[i], "date", &d, e) || slot_activity_in(g, &h[i], 0, &s, &a, e))
			return -1;
		size_t k = (size_t)d * g->nacts + a;
		g->want[k] = held_int(&h[i], "want", 0);
		g->under_w[k] = held_int(&h[i], "weight_under", 1);
		g->over_w[k] = held_int(&h[i], "weight_over", 1);
		g->cmin[k] = held_int(&h[i], "min", 0);
		g->cmax[k] = held_int(&h[i], "max", PG_NO_LIMIT);
		if (g->cmin[k] > g->cmax[k])
			return problem_fail(e, &h[i], "max", "%d is below min (%d)", g->cmax[k], g->cmin[k]);
	}
	return 0;
}

static int
build_absences(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_ABSENCE, &n);
	int D = g->ndays;
	g->absent = xcalloc((size_t)g->npeople * (size_t)D, 1);
	for (size_t i = 0; i < n; i++) {
		int p;
		int64_t from, to;
		const char *why;
		if (person_in(g, &h[i], &p, e))
			return -1;
		rtime_parse_date(held_str(&h[i], "from"), 10, &from, &why);
		rtime_parse_date(held_str(&h[i], "to"), 10, &to, &why);
		for (int64_t day = from; day <= to; day++)	/* the days inside the horizon */
			if (day >= g->start && day < g->start + D)
				g->absent[p * D + (day - g->start)] = 1;
	}
	return 0;
}

static int
by_person(const void *x, const void *y)
{
	const struct pg_request *a = x, *b = y;
	return (a->person > b->person) - (a->person < b->person);
}

static int
build_requests(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_REQUEST, &n);
	g->req = xcalloc(n + 1, sizeof *g->req);
	g->nreq = (int)n;
	for (size_t i = 0; i < n; i++) {
		struct pg_request *r = &g->req[i];
		if (person_in(g, &h[i], &r->person, e) || day_in(g, &h[i], "date", &r->day, e) ||
		    slot_activity_in(g, &h[i], 1, &r->slot, &r->activity, e))
			return -1;
		r->on = strcmp(held_str(&h[i], "want"), "on") == 0;
		r->weight = held_int(&h[i], "weight", 1);
	}
	qsort(g->req, n, sizeof *g->req, by_person);
	g->req_first = xcalloc((size_t)g->npeople + 1, sizeof(int));
	for (int p = 0, i = 0; p <= g->npeople; p++) {
		while (i < g->nreq && g->req[i].person < p)
			i++;
		g->req_first[p] = i;
	}
	return 0;
}

static int
build_assignments(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n, cells = pg_cells(g);
	const struct problem_held *h = problem_builder_held(b, RK_ASSIGNMENT, &n);
	g->locked = xmalloc(cells * sizeof(int));
	g->preload = xmalloc(cells * sizeof(int));
	g->preloaded = xcalloc(cells, 1);
	for (size_t c = 0; c < cells; c++) {
		g->locked[c] = PG_UNLOCKED;
		g->preload[c] = PG_OFF;
	}
	for (size_t i = 0; i < n; i++) {
		int p, d, s, a;
		if (person_in(g, &h[i], &p, e) || day_in(g, &h[i], "date", &d, e) ||
		    slot_activity_in(g, &h[i], 0, &s, &a, e))
			return -1;
		size_t c = pg_cell(g, p, d, s);
		g->preload[c] = a;
		const char *source = held_str(&h[i], "source");
		g->preloaded[c] = source == NULL || strcmp(source, "solver") != 0;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h[i].obj, "locked")))
			g->locked[c] = a;
	}
	return 0;
}

static int
build_limits(struct programme *g, struct problem_builder *b, struct problem_error *e)
{
	size_t n;
	const struct problem_held *h = problem_builder_held(b, RK_LIMIT, &n);
	int P = g->npeople, A = g->nacts;
	g->max_shifts = xmalloc((size_t)P * A * sizeof(int));
	g->min_shifts = xcalloc((size_t)P * A, sizeof(int));
	for (int i = 0; i < P * A; i++)
		g->max_shifts[i] = PG_NO_LIMIT;
	int **lims[] = { &g->max_minutes, &g->min_minutes, &g->max_consec, &g->max_weekends };
	static const char *const names[] = { "max_minutes", "min_minutes", "max_consecutive",
		"max_weekends" };
	for (int k = 0; k < 4; k++) {
		*lims[k] = xmalloc((size_t)P * sizeof(int));
		for (int p = 0; p < P; p++)
			(*lims[k])[p] = k == 1 ? 0 : PG_NO_LIMIT;
	}
	static const char *const unsupported[] = { "min_consecutive", "min_consecutive_off" };
	/* Limits for everyone first, then each person's own over them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const char *who = held_str(&h[i], "person");
			int all = strcmp(who, "*") == 0, p0 = 0, p1 = P;
			if (all != (pass == 0))
				continue;
			for (int k = 0; k < 2; k++)
				if (cJSON_GetObjectItemCaseSensitive(h[i].obj, unsupported[k]))
					return problem_fail(e, &h[i], unsupported[k], "not a limit of programmes "
						"(the benchmark model's only)");
			if (!all) {
				if (person_in(g, &h[i], &p0, e))
					return -1;
				p1 = p0 + 1;
			}
			for (int k = 0; k < 4; k++) {
				int v = held_int(&h[i], names[k], -1);
				for (int p = p0; v >= 0 && p < p1; p++)
					(*lims[k])[p] = v;
			}
			static const char *const counts[] = { "max_shifts", "min_shifts" };
			for (int c = 0; c < 2; c++) {
				const cJSON *o = cJSON_GetObjectItemCaseSensitive(h[i].obj, counts[c]);
				for (const cJSON *m = o ? o->child : NULL; m; m = m->next) {
					int a = programme_activity_index(g, m->string);
					if (a < 0)
						return problem_fail(e, &h[i], counts[c],
							"\"%s\" is not an activity of the programme", m->string);
					for (int p = p0; p < p1; p++)
						(c ? g->min_shifts : g->max_shifts)[p * A + a] = (int)m->valuedouble;
				}
			}
		}
	return 0;
}

struct programme *
programme_build(struct problem_builder *b, struct problem_error *e)
{
	struct programme *g = xcalloc(1, sizeof *g);
	struct names sp = { .n = 0 };
	memset(e, 0, sizeof *e);
	int rc = build_horizon(g, b, e) || build_people(g, b, &sp, e) || build_sites(g, b) ||
	    build_activities(g, b, &sp, e) || build_eligibility(g) || build_cover(g, b, e) ||
	    build_absences(g, b, e) || build_requests(g, b, e) || build_assignments(g, b, e) ||
	    build_limits(g, b, e);
	free(sp.v);
	if (rc) {
		programme_free(g);
		return NULL;
	}
	return g;
}

/* ---- the canonical hash ---------------------------------------------------- */

static int
by_name(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	return strcmp(a->string, b->string);
}

/* Compact JSON with every object's members sorted by name: the same
 * record always gives the same text, whatever its layout and order. */
static void
canonical(struct sbuf *out, const cJSON *v)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		int n = cJSON_GetArraySize(v), obj = cJSON_IsObject(v);
		const cJSON **m = xmalloc((size_t)(n + 1) * sizeof *m);
		int i = 0;
		for (const cJSON *c = v->child; c; c = c->next)
			m[i++] = c;
		if (obj)
			qsort(m, (size_t)n, sizeof *m, by_name);
		sbuf_addc(out, obj ? '{' : '[');
		for (i = 0; i < n; i++) {
			if (i)
				sbuf_addc(out, ',');
			if (obj) {
				cJSON key = { .type = cJSON_String, .valuestring = m[i]->string };
				canonical(out, &key);
				sbuf_addc(out, ':');
			}
			canonical(out, m[i]);
		}
		sbuf_addc(out, obj ? '}' : ']');
		free(m);
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	sbuf_adds(out, s);
	free(s);
}

static int
by_text(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void
programme_hash(struct problem_builder *b, char out[33])
{
	static const enum rec_kind kinds[] = { RK_HORIZON, RK_PERSON, RK_SITE, RK_ACTIVITY, RK_COVER,
		RK_ABSENCE, RK_REQUEST, RK_LIMIT, RK_ASSIGNMENT };
	size_t total = 0, n, k = 0;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		problem_builder_held(b, kinds[i], &n);
		total += n;
	}
	char **text = xcalloc(total + 1, sizeof *text);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct problem_held *h = problem_builder_held(b, kinds[i], &n);
		for (size_t j = 0; j < n; j++) {
			struct sbuf s = { 0 };
			canonical(&s, h[j].obj);
			text[k++] = s.s;
		}
	}
	qsort(text, total, sizeof *text, by_text);
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	for (size_t i = 0; i < total; i++) {
		XXH3_128bits_update(st, text[i], strlen(text[i]) + 1);
		free(text[i]);
	}
	XXH128_hash_t hv = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	free(text);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)hv.high64, (unsigned long long)hv.low64);
}
