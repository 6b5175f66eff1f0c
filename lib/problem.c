/* problem.c: building the rostering model from records. */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rtime.h"
#include "util.h"


/* The records of one type, one per natural key: as in a store, a later
 * record with the key of an earlier one replaces it whole. */
struct heap {
	struct problem_held *v;
	size_t n, cap;
	size_t *slot;	/* open addressing over key hashes: index + 1, 0 empty */
	size_t nslot;
};

struct problem_builder {
	struct heap horizon, person, site, activity, limit, absence, request, cover, assignment;
};

static char *
natural_key(const struct rec *r)
{
	struct sbuf b = { 0 };
	sbuf_adds(&b, "");
	for (int i = 0; i < r->rt->nfields; i++)
		if (r->rt->fields[i].flags & F_KEY) {
			sbuf_adds(&b, r->f[i]->valuestring);
			sbuf_addc(&b, '\x1f');
		}
	return b.s;
}

static size_t *
find_slot(struct heap *h, const char *key)
{
	size_t mask = h->nslot - 1, i = XXH3_64bits(key, strlen(key)) & mask;
	for (;; i = (i + 1) & mask)
		if (h->slot[i] == 0 || strcmp(h->v[h->slot[i] - 1].key, key) == 0)
			return &h->slot[i];
}

static void
hold(struct heap *h, const struct rec *r, const char *file, long line)
{
	if (2 * (h->n + 1) > h->nslot) {	/* grow the index, then rehash */
		h->nslot = h->nslot ? 2 * h->nslot : 128;
		free(h->slot);
		h->slot = xcalloc(h->nslot, sizeof *h->slot);
		for (size_t i = 0; i < h->n; i++)
			*find_slot(h, h->v[i].key) = i + 1;
	}
	char *key = natural_key(r);
	size_t *slot = find_slot(h, key);
	struct problem_held now = { cJSON_Duplicate(r->obj, 1), file, line, key };
	if (*slot) {
		struct problem_held *old = &h->v[*slot - 1];
		cJSON_Delete(old->obj);
		free(old->key);
		*old = now;
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n++] = now;
	*slot = h->n;
}


struct problem_builder *
problem_builder_new(void)
{
	return xcalloc(1, sizeof(struct problem_builder));
}

/* Where records of a kind are kept; NULL for kinds no model uses. */
static struct heap *
heap_of(struct problem_builder *b, enum rec_kind kind)
{
	switch (kind) {
	case RK_HORIZON: return &b->horizon;
	case RK_PERSON: return &b->person;
	case RK_SITE: return &b->site;
	case RK_ACTIVITY: return &b->activity;
	case RK_LIMIT: return &b->limit;
	case RK_ABSENCE: return &b->absence;
	case RK_REQUEST: return &b->request;
	case RK_COVER: return &b->cover;
	case RK_ASSIGNMENT: return &b->assignment;
	default: return NULL;
	}
}

int
problem_builder_add(struct problem_builder *b, const struct rec *r, const char *file, long line,
	struct problem_error *e)
{
	(void)e;
	struct heap *h = heap_of(b, r->rt->kind);
	if (h)
		hold(h, r, file, line);
	return 0;
}

const struct problem_held *
problem_builder_held(struct problem_builder *b, enum rec_kind kind, size_t *n)
{
	struct heap *h = heap_of(b, kind);
	*n = h ? h->n : 0;
	return h ? h->v : NULL;
}

static void
heap_free(struct heap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		cJSON_Delete(h->v[i].obj);
		free(h->v[i].key);
	}
	free(h->v);
	free(h->slot);
}

void
problem_builder_free(struct problem_builder *b)
{
	if (b == NULL)
		return;
	heap_free(&b->horizon);
	heap_free(&b->person);
	heap_free(&b->activity);
	heap_free(&b->limit);
	heap_free(&b->absence);
	heap_free(&b->request);
	heap_free(&b->cover);
	heap_free(&b->site);
	heap_free(&b->assignment);
	free(b);
}

void
problem_free(struct problem *p)
{
	if (p == NULL)
		return;
	free(p->slot);
	for (int i = 0; i < p->nstaff; i++)
		free(p->staff[i]);
	for (int i = 0; i < p->ntypes; i++)
		free(p->type[i]);
	free(p->staff);
	free(p->type);
	free(p->minutes);
	free(p->forbid);
	free(p->max_shifts);
	free(p->min_shifts);
	free(p->max_minutes);
	free(p->min_minutes);
	free(p->max_consec);
	free(p->min_consec);
	free(p->min_off);
	free(p->max_weekends);
	free(p->day_off);
	free(p->on_w);
	free(p->off_w);
	free(p->want);
	free(p->under_w);
	free(p->over_w);
	free(p->weekend);
	free(p);
}

int
problem_fail(struct problem_error *e, const struct problem_held *h, const char *field, const char *fmt, ...)
{
	e->file = h ? h->file : NULL;
	e->line = h ? h->line : 0;
	snprintf(e->field, sizeof e->field, "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
held_str(const struct problem_held *h, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
held_int(const struct problem_held *h, const char *name, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h->obj, name);
	return cJSON_IsNumber(v) ? (int)v->valuedouble : dflt;
}

int
problem_staff_index(const struct problem *p, const char *id)
{
	for (int i = 0; i < p->nstaff; i++)
		if (strcmp(p->staff[i], id) == 0)
			return i;
	return -1;
}

int
problem_type_index(const struct problem *p, const char *id)
{
	for (int i = 0; i < p->ntypes; i++)
		if (strcmp(p->type[i], id) == 0)
			return i;
	return -1;
}

/* The day index of a date field, which must lie in the horizon. */
static int
day_of(const struct problem *p, const struct problem_held *h, const char *field, int *day,
	struct problem_error *e)
{
	int64_t d;
	const char *why, *s = held_str(h, field);
	if (s == NULL || rtime_parse_date(s, strlen(s), &d, &why))
		return problem_fail(e, h, field, "missing");
	if (d < p->start || d >= p->start + p->ndays) {
		char first[11], last[11];
		rtime_format_date(p->start, first);
		rtime_format_date(p->start + p->ndays - 1, last);
		return problem_fail(e, h, field, "%s is outside the horizon (%s to %s)", s, first, last);
	}
	*day = (int)(d - p->start);
	return 0;
}

static int
person_of(const struct problem *p, const struct problem_held *h, int *s, struct problem_error *e)
{
	const char *id = held_str(h, "person");
	if ((*s = problem_staff_index(p, id)) < 0)
		return problem_fail(e, h, "person", "\"%s\" is not a person of the problem", id);
	return 0;
}

/* An activity id, or "*" (any work: ntypes) where any is allowed. */
static int
type_of(const struct problem *p, const struct problem_held *h, int any_ok, int *t, struct problem_error *e)
{
	const char *id = held_str(h, "activity");
	if (any_ok && strcmp(id, "*") == 0) {
		*t = p->ntypes;
		return 0;
	}
	if ((*t = problem_type_index(p, id)) < 0)
		return problem_fail(e, h, "activity", "\"%s\" is not an activity of the problem", id);
	return 0;
}

static int
build_horizon(struct problem *p, struct problem_builder *b, struct problem_error *e)
{
	if (b->horizon.n != 1)
		return problem_fail(e, b->horizon.n ? &b->horizon.v[1] : NULL, "",
			b->horizon.n ? "a problem has one horizon; this is a second"
				     : "no horizon record: a problem needs one");
	const struct problem_held *h = &b->horizon.v[0];
	const char *why, *s = held_str(h, "start");
	rtime_parse_date(s, strlen(s), &p->start, &why);
	p->ndays = held_int(h, "days", 0);
	const cJSON *slots = cJSON_GetObjectItemCaseSensitive(h->obj, "slots");
	if (cJSON_GetArraySize(slots) != 1)
		return problem_fail(e, h, "slots", "rota-solve schedules one slot a day for now; "
					  "this horizon has %d", cJSON_GetArraySize(slots));
	p->slot = xstrdup(slots->child->valuestring);
	p->weekend = xmalloc((size_t)p->ndays * sizeof *p->weekend);
	int64_t first_monday = p->start - rtime_weekday(p->start);
	for (int d = 0; d < p->ndays; d++) {
		int wd = rtime_weekday(p->start + d);
		/* Saturday and Sunday of one week are one weekend. */
		p->weekend[d] = wd >= 5 ? (int)((p->start + d - first_monday) / 7) : -1;
		if (p->weekend[d] + 1 > p->nweekends)
			p->nweekends = p->weekend[d] + 1;
	}
	return 0;
}

static int
build_types(struct problem *p, struct problem_builder *b, struct problem_error *e)
{
	int T = p->ntypes = (int)b->activity.n;
	if (T == 0)
		return problem_fail(e, NULL, "", "no activity records: a problem needs at least one");
	p->type = xcalloc((size_t)T, sizeof *p->type);
	p->minutes = xcalloc((size_t)T, sizeof *p->minutes);
	p->forbid = xcalloc((size_t)T * (size_t)T, 1);
	for (int t = 0; t < T; t++) {
		const struct problem_held *h = &b->activity.v[t];
		p->type[t] = xstrdup(held_str(h, "id"));	/* unique: one record per key */
		if ((p->minutes[t] = held_int(h, "minutes", -1)) < 0)
			return problem_fail(e, h, "minutes", "missing: rota-solve needs each activity's length");
	}
	for (int t = 0; t < T; t++) {
		const struct problem_held *h = &b->activity.v[t];
		const cJSON *nf = cJSON_GetObjectItemCaseSensitive(h->obj, "not_followed_by");
		for (const cJSON *c = nf ? nf->child : NULL; c; c = c->next) {
			int u = problem_type_index(p, c->valuestring);
			if (u < 0)
				return problem_fail(e, h, "not_followed_by", "\"%s\" is not an activity of the problem",
					c->valuestring);
			p->forbid[t * T + u] = 1;
		}
	}
	return 0;
}

static int
build_staff(struct problem *p, struct problem_builder *b, struct problem_error *e)
{
	int S = p->nstaff = (int)b->person.n, T = p->ntypes;
	if (S == 0)
		return problem_fail(e, NULL, "", "no person records: a problem needs at least one");
	p->staff = xcalloc((size_t)S, sizeof *p->staff);
	for (int s = 0; s < S; s++)	/* unique: one record per key */
		p->staff[s] = xstrdup(held_str(&b->person.v[s], "id"));
	p->max_shifts = xmalloc((size_t)S * (size_t)T * sizeof(int));
	p->min_shifts = xcalloc((size_t)S * (size_t)T, sizeof(int));
	int **lims[] = { &p->max_minutes, &p->min_minutes, &p->max_consec, &p->min_consec,
		&p->min_off, &p->max_weekends };
	static const char *const names[] = { "max_minutes", "min_minutes", "max_consecutive",
		"min_consecutive", "min_consecutive_off", "max_weekends" };
	for (int k = 0; k < 6; k++) {
		*lims[k] = xmalloc((size_t)S * sizeof(int));
		for (int s = 0; s < S; s++)	/* the "no limit" value of each */
			(*lims[k])[s] = names[k][1] == 'a' ? NO_LIMIT : 0;
	}
	for (int i = 0; i < S * T; i++)
		p->max_shifts[i] = NO_LIMIT;

	/* Limits for everyone first, then each person's own over them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < b->limit.n; i++) {
			const struct problem_held *h = &b->limit.v[i];
			const char *who = held_str(h, "person");
			int all = strcmp(who, "*") == 0, s0 = 0, s1 = S;
			if (all != (pass == 0))
				continue;
			if (!all) {
				if (person_of(p, h, &s0, e))
					return -1;
				s1 = s0 + 1;
			}
			for (int k = 0; k < 6; k++) {
				int v = held_int(h, names[k], -1);
				for (int s = s0; v >= 0 && s < s1; s++)
					(*lims[k])[s] = v;
			}
			static const char *const counts[] = { "max_shifts", "min_shifts" };
			for (int c = 0; c < 2; c++) {
				const cJSON *o = cJSON_GetObjectItemCaseSensitive(h->obj, counts[c]);
				for (const cJSON *m = o ? o->child : NULL; m; m = m->next) {
					int t = problem_type_index(p, m->string);
					if (t < 0)
						return problem_fail(e, h, counts[c], "\"%s\" is not an activity of the problem",
							m->string);
					for (int s = s0; s < s1; s++)
						(c ? p->min_shifts : p->max_shifts)[s * T + t] = (int)m->valuedouble;
				}
			}
		}
	return 0;
}

static int
build_wishes(struct problem *p, struct problem_builder *b, struct problem_error *e)
{
	int S = p->nstaff, D = p->ndays, T = p->ntypes;
	p->day_off = xcalloc((size_t)S * (size_t)D, 1);
	for (size_t i = 0; i < b->absence.n; i++) {
		const struct problem_held *h = &b->absence.v[i];
		int s, from, to;
		int64_t df, dt;
		const char *why;
		if (person_of(p, h, &s, e))
			return -1;
		/* An absence may reach outside the horizon: the days inside count. */
		rtime_parse_date(held_str(h, "from"), 10, &df, &why);
		rtime_parse_date(held_str(h, "to"), 10, &dt, &why);
		from = df < p->start ? 0 : df - p->start >= D ? D : (int)(df - p->start);
		to = dt >= p->start + D ? D - 1 : dt < p->start ? -1 : (int)(dt - p->start);
		for (int d = from; d <= to; d++)
			p->day_off[s * D + d] = 1;
	}
	size_t cells = (size_t)S * (size_t)D * (size_t)(T + 1);
	p->on_w = xcalloc(cells, sizeof(int));
	p->off_w = xcalloc(cells, sizeof(int));
	for (size_t i = 0; i < b->request.n; i++) {
		const struct problem_held *h = &b->request.v[i];
		int s, d, t;
		if (person_of(p, h, &s, e) || day_of(p, h, "date", &d, e) || type_of(p, h, 1, &t, e))
			return -1;
		int *w = strcmp(held_str(h, "want"), "on") == 0 ? p->on_w : p->off_w;
		w[((size_t)s * D + d) * (T + 1) + t] += held_int(h, "weight", 1);
	}
	p->want = xcalloc((size_t)D * (size_t)T, sizeof(int));
	p->under_w = xcalloc((size_t)D * (size_t)T, sizeof(int));
	p->over_w = xcalloc((size_t)D * (size_t)T, sizeof(int));
	for (size_t i = 0; i < b->cover.n; i++) {
		const struct problem_held *h = &b->cover.v[i];
		int d, t;
		if (day_of(p, h, "date", &d, e) || type_of(p, h, 0, &t, e))
			return -1;
		/* Hard bounds on cover are for residency programmes (their
		 * horizons have several slots); refusing them beats ignoring. */
		static const char *const bounds[] = { "min", "max" };
		for (int k = 0; k < 2; k++)
			if (cJSON_GetObjectItemCaseSensitive(h->obj, bounds[k]))
				return problem_fail(e, h, bounds[k], "hard cover bounds need a programme "
					"(a horizon of several slots); give want and weights");
		p->want[d * T + t] = held_int(h, "want", 0);
		p->under_w[d * T + t] = held_int(h, "weight_under", 1);
		p->over_w[d * T + t] = held_int(h, "weight_over", 1);
	}
	return 0;
}

struct problem *
problem_build(struct problem_builder *b, struct problem_error *e)
{
	struct problem *p = xcalloc(1, sizeof *p);
	memset(e, 0, sizeof *e);
	if (build_horizon(p, b, e) || build_types(p, b, e) || build_staff(p, b, e) ||
	    build_wishes(p, b, e)) {
		problem_free(p);
		return NULL;
	}
	return p;
}
