/* record.c: the record types of rota-records(5), described as field tables. */
#include "record.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rtime.h"
#include "util.h"

static const char *const kinds[] = {
	"clinical", "education", "transition", "in_house_call", "night_float",
	"moonlighting", "home_call", "home_call_in", "clinical_from_home", "leave", NULL
};
static const char *const roles[] = { "resident", "fellow", "faculty", "staff", NULL };
static const char *const sources[] = { "preload", "manual", "solver", "worked", "import", NULL };
static const char *const wants[] = { "on", "off", NULL };
static const char *const statuses[] = { "violation", "advisory", "indeterminate", "ok", "info", NULL };

#define BIG 1000000000LL
#define ID(n, fl) { n, FK_ID, fl, 0, 0, NULL, NULL }
#define IDD(n, fl, d) { n, FK_ID, fl, 0, 0, NULL, d }
#define STR(n) { n, FK_STR, 0, 0, 0, NULL, NULL }
#define INT(n, fl, lo, hi) { n, FK_INT, fl, lo, hi, NULL, NULL }
#define INTD(n, lo, hi, d) { n, FK_INT, 0, lo, hi, NULL, d }
#define NUM(n) { n, FK_NUM, 0, 0, 0, NULL, NULL }
#define BOOL(n, d) { n, FK_BOOL, 0, 0, 0, NULL, d }
#define DATE(n, fl) { n, FK_DATE, fl, 0, 0, NULL, NULL }
#define INSTANT(n) { n, FK_INSTANT, 0, 0, 0, NULL, NULL }
#define WHEN(n, fl) { n, FK_WHEN, fl, 0, 0, NULL, NULL }
#define CLOCK(n) { n, FK_CLOCK, 0, 0, 0, NULL, NULL }
#define ENUM(n, fl, v) { n, FK_ENUM, fl, 0, 0, v, NULL }
#define LIST(n, fl) { n, FK_LIST, fl, 0, 0, NULL, NULL }
#define COUNTS(n, lo, hi) { n, FK_COUNTS, 0, lo, hi, NULL, NULL }
#define NFIELDS(a) ((int)(sizeof a / sizeof a[0]))

static const struct rec_field horizon_f[] = {
	IDD("id", F_KEY, "main"), DATE("start", F_REQ), INT("days", F_REQ, 1, 3660),
	LIST("slots", F_REQ), STR("tz"),
};
static const struct rec_field person_f[] = {
	ID("id", F_KEY | F_REQ), STR("name"), ENUM("role", 0, roles), INT("pgy", 0, 1, 10),
	LIST("specialties", 0),
};
static const struct rec_field site_f[] = {
	ID("id", F_KEY | F_REQ), STR("name"), INT("capacity", F_REQ, 0, 100000),
};
static const struct rec_field activity_f[] = {
	ID("id", F_KEY | F_REQ), STR("name"), { "kind", FK_ENUM, 0, 0, 0, kinds, "clinical" },
	ID("slot", F_REQ), CLOCK("start"), INT("minutes", 0, 1, 2880),
	{ "roles", FK_LIST, 0, 0, 0, roles, NULL },
	INT("pgy_min", 0, 1, 10), INT("pgy_max", 0, 1, 10), LIST("specialties", 0),
	LIST("not_followed_by", 0), ID("site", 0), COUNTS("supervision", 1, 100),
};
static const struct rec_field cover_f[] = {
	DATE("date", F_KEY | F_REQ), ID("slot", F_KEY | F_REQ), ID("activity", F_KEY | F_REQ),
	INT("want", F_REQ, 0, 100000), INT("weight_under", 0, 0, BIG), INT("weight_over", 0, 0, BIG),
	INT("min", 0, 0, 100000), INT("max", 0, 0, 100000),
};
static const struct rec_field absence_f[] = {
	ID("person", F_KEY | F_REQ), DATE("from", F_KEY | F_REQ), DATE("to", F_REQ), STR("reason"),
};
static const struct rec_field request_f[] = {
	ID("person", F_KEY | F_REQ), DATE("date", F_KEY | F_REQ), IDD("slot", F_KEY, "*"),
	IDD("activity", F_KEY, "*"), ENUM("want", F_KEY | F_REQ, wants), INTD("weight", 0, BIG, "1"),
};
static const struct rec_field limit_f[] = {
	IDD("person", F_KEY, "*"), COUNTS("max_shifts", 0, 100000), COUNTS("min_shifts", 0, 100000),
	INT("max_minutes", 0, 0, BIG), INT("min_minutes", 0, 0, BIG),
	INT("max_consecutive", 0, 0, 100000), INT("min_consecutive", 0, 0, 100000),
	INT("min_consecutive_off", 0, 0, 100000), INT("max_weekends", 0, 0, 100000),
};
static const struct rec_field assignment_f[] = {
	ID("person", F_KEY | F_REQ), DATE("date", F_KEY | F_REQ), ID("slot", F_KEY | F_REQ),
	ID("activity", F_REQ), INSTANT("start"), INSTANT("end"), ENUM("kind", 0, kinds),
	ENUM("source", 0, sources), BOOL("locked", "false"), BOOL("exception", NULL),
	INT("pgy", 0, 1, 10),
};
static const struct rec_field shift_f[] = {
	ID("person", F_KEY | F_REQ), { "start", FK_INSTANT, F_KEY | F_REQ, 0, 0, NULL, NULL },
	{ "end", FK_INSTANT, F_REQ, 0, 0, NULL, NULL }, ENUM("kind", F_REQ, kinds),
	ID("activity", 0), INT("pgy", 0, 1, 10), BOOL("exception", NULL),
};
static const struct rec_field finding_f[] = {
	ID("rule", F_KEY | F_REQ), IDD("person", F_KEY, "*"), WHEN("from", F_KEY | F_REQ),
	WHEN("to", F_KEY | F_REQ), ENUM("status", F_REQ, statuses), NUM("value"), NUM("limit"),
	STR("clause"), STR("clause_2025"), STR("message"),
};
static const struct rec_field summary_f[] = { STR("tool") };

#define TYPE(k, n, t, f) static const struct rec_type k##_t = { RK_##k, n, t, f, NFIELDS(f) }
TYPE(HORIZON, "horizon", "horizons", horizon_f);
TYPE(PERSON, "person", "people", person_f);
TYPE(SITE, "site", "sites", site_f);
TYPE(ACTIVITY, "activity", "activities", activity_f);
TYPE(COVER, "cover", "covers", cover_f);
TYPE(ABSENCE, "absence", "absences", absence_f);
TYPE(REQUEST, "request", "requests", request_f);
TYPE(LIMIT, "limit", "limits", limit_f);
TYPE(ASSIGNMENT, "assignment", "assignments", assignment_f);
TYPE(SHIFT, "shift", "shifts", shift_f);
TYPE(FINDING, "finding", "findings", finding_f);
TYPE(SUMMARY, "summary", NULL, summary_f);

const struct rec_type *const rec_types[RK_COUNT] = {
	&HORIZON_t, &PERSON_t, &SITE_t, &ACTIVITY_t, &COVER_t, &ABSENCE_t, &REQUEST_t,
	&LIMIT_t, &ASSIGNMENT_t, &SHIFT_t, &FINDING_t, &SUMMARY_t,
};

const struct rec_type *
rec_type_named(const char *name)
{
	/* Input is mostly long runs of one type: try the last one first. */
	static _Thread_local const struct rec_type *last;
	if (last && strcmp(last->name, name) == 0)
		return last;
	for (int i = 0; i < RK_COUNT; i++)
		if (strcmp(rec_types[i]->name, name) == 0)
			return last = rec_types[i];
	return NULL;
}

int
rec_field_index(const struct rec_type *rt, const char *name)
{
	for (int i = 0; i < rt->nfields; i++)
		if (strcmp(rt->fields[i].name, name) == 0)
			return i;
	return -1;
}

void
rec_error_set(struct rec_error *e, const char *field, const char *fmt, ...)
{
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

/* A short rendering of a bad value for messages: "x", 3.5, [1,2] … */
static void
shown(const cJSON *v, char *buf, size_t n)
{
	char *s = json_print(v);
	if (strlen(s) > 40)
		snprintf(buf, n, "%.37s...", s);
	else
		snprintf(buf, n, "%s", s);
	free(s);
}

static int
check_id(const char *s, const char *name, struct rec_error *e)
{
	size_t n = strlen(s);
	if (n == 0) {
		rec_error_set(e, name, "must not be empty");
		return -1;
	}
	if (n > 200) {
		rec_error_set(e, name, "longer than 200 bytes");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			rec_error_set(e, name, "contains a control character");
			return -1;
		}
	return 0;
}

static int
check_int(const struct rec_field *f, const cJSON *v, struct rec_error *e)
{
	char b[48];
	double d = v->valuedouble;
	if (!cJSON_IsNumber(v) || d != floor(d) || !isfinite(d)) {
		shown(v, b, sizeof b);
		rec_error_set(e, f->name, "expected an integer, got %s", b);
		return -1;
	}
	if (d < (double)f->min || d > (double)f->max) {
		shown(v, b, sizeof b);
		rec_error_set(e, f->name, "expected %lld..%lld, got %s", f->min, f->max, b);
		return -1;
	}
	return 0;
}

/* A string that must be one of f->values. */
static int
check_member(const struct rec_field *f, const cJSON *v, struct rec_error *e, long long *index)
{
	char b[48], list[200] = "";
	for (const char *const *p = f->values; *p; p++)
		if (strcmp(*p, v->valuestring) == 0) {
			*index = p - f->values;
			return 0;
		}
	for (const char *const *p = f->values; *p; p++) {
		strncat(list, *p, sizeof list - strlen(list) - 3);
		if (p[1])
			strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	shown(v, b, sizeof b);
	rec_error_set(e, f->name, "expected one of %s; got %s", list, b);
	return -1;
}

static int
check_value(const struct rec_field *f, const cJSON *v, struct rec_error *e, long long *num)
{
	const char *why;
	char b[48];
	int64_t i64;
	int i;
	long long index;

	switch (f->kind) {
	case FK_INT:
		return check_int(f, v, e);
	case FK_NUM:
		if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
			return 0;
		shown(v, b, sizeof b);
		rec_error_set(e, f->name, "expected a number, got %s", b);
		return -1;
	case FK_BOOL:
		if (cJSON_IsBool(v))
			return 0;
		shown(v, b, sizeof b);
		rec_error_set(e, f->name, "expected true or false, got %s", b);
		return -1;
	case FK_LIST:
		if (!cJSON_IsArray(v)) {
			shown(v, b, sizeof b);
			rec_error_set(e, f->name, "expected an array of names, got %s", b);
			return -1;
		}
		for (const cJSON *c = v->child; c; c = c->next) {
			if (!cJSON_IsString(c)) {
				shown(c, b, sizeof b);
				rec_error_set(e, f->name, "expected names in the array, got %s", b);
				return -1;
			}
			if (check_id(c->valuestring, f->name, e))
				return -1;
			if (f->values && check_member(f, c, e, &index))
				return -1;
		}
		return 0;
	case FK_COUNTS:
		if (!cJSON_IsObject(v)) {
			shown(v, b, sizeof b);
			rec_error_set(e, f->name, "expected an object of name: integer, got %s", b);
			return -1;
		}
		for (const cJSON *c = v->child; c; c = c->next) {
			struct rec_field sub = *f;
			sub.kind = FK_INT;
			if (check_int(&sub, c, e) || check_id(c->string, f->name, e))
				return -1;
			for (const cJSON *d = v->child; d != c; d = d->next)
				if (strcmp(d->string, c->string) == 0) {
					rec_error_set(e, f->name, "\"%s\" given twice", c->string);
					return -1;
				}
		}
		return 0;
	default:
		break;
	}

	/* The rest are strings. */
	if (!cJSON_IsString(v)) {
		shown(v, b, sizeof b);
		rec_error_set(e, f->name, "expected a string, got %s", b);
		return -1;
	}
	const char *s = v->valuestring;
	size_t n = strlen(s);
	switch (f->kind) {
	case FK_ID:
		return check_id(s, f->name, e);
	case FK_DATE:
		if (rtime_parse_date(s, n, &i64, &why) == 0)
			return *num = i64, 0;
		break;
	case FK_INSTANT:
		if (rtime_parse_instant(s, n, &i64, &i, &why) == 0)
			return *num = i64, 0;
		break;
	case FK_WHEN:
		if (n == 10 ? rtime_parse_date(s, n, &i64, &why) == 0
			    : rtime_parse_instant(s, n, &i64, &i, &why) == 0)
			return *num = i64, 0;
		break;
	case FK_CLOCK:
		if (rtime_parse_clock(s, n, &i, &why) == 0)
			return 0;
		break;
	case FK_ENUM:
		return check_member(f, v, e, num);
	default:
		return 0;
	}
	shown(v, b, sizeof b);
	rec_error_set(e, f->name, "%s, got %s", why, b);
	return -1;
}

static cJSON *
default_value(const struct rec_field *f)
{
	struct rec_error e;
	return f->dflt ? rec_value_from_text(f, f->dflt, &e) : NULL;
}

static const char *
text_of(const struct rec *r, const char *name)
{
	int i = rec_field_index(r->rt, name);
	return i >= 0 && r->f[i] ? r->f[i]->valuestring : NULL;
}

static const cJSON *
field_of(const struct rec *r, const char *name)
{
	int i = rec_field_index(r->rt, name);
	return i >= 0 ? r->f[i] : NULL;
}

/* min ≤ max for a pair of optional integer fields. */
static int
check_order(const struct rec *r, const char *lo, const char *hi, struct rec_error *e)
{
	const cJSON *a = field_of(r, lo), *b = field_of(r, hi);
	if (a && b && a->valuedouble > b->valuedouble) {
		rec_error_set(e, lo, "%s (%.0f) is greater than %s (%.0f)", lo, a->valuedouble, hi,
			b->valuedouble);
		return -1;
	}
	return 0;
}

/* The rules between fields of one record. */
static int
check_record(const struct rec *r, struct rec_error *e)
{
	const char *a, *b, *why;
	int64_t ta, tb;
	int off;

	switch (r->rt->kind) {
	case RK_ABSENCE:
		a = text_of(r, "from");
		b = text_of(r, "to");
		if (strcmp(b, a) < 0) {
			rec_error_set(e, "to", "%s is before from (%s)", b, a);
			return -1;
		}
		return 0;
	case RK_ACTIVITY:
		return check_order(r, "pgy_min", "pgy_max", e);
	case RK_COVER:
		return check_order(r, "min", "max", e);
	case RK_LIMIT: {
		if (check_order(r, "min_minutes", "max_minutes", e) ||
		    check_order(r, "min_consecutive", "max_consecutive", e))
			return -1;
		const cJSON *lo = field_of(r, "min_shifts"), *hi = field_of(r, "max_shifts");
		for (const cJSON *c = lo ? lo->child : NULL; c && hi; c = c->next) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(hi, c->string);
			if (m && c->valuedouble > m->valuedouble) {
				rec_error_set(e, "min_shifts", "%s: %.0f is more than max_shifts %.0f",
					c->string, c->valuedouble, m->valuedouble);
				return -1;
			}
		}
		return 0;
	}
	case RK_FINDING:
		a = text_of(r, "from");
		b = text_of(r, "to");
		/* Same form (date or instant): text order is time order, offsets aside. */
		if (strlen(a) == strlen(b) && strlen(a) == 10 && strcmp(b, a) < 0) {
			rec_error_set(e, "to", "%s is before from (%s)", b, a);
			return -1;
		}
		if (strlen(a) > 10 && strlen(b) > 10) {
			rtime_parse_instant(a, strlen(a), &ta, &off, &why);
			rtime_parse_instant(b, strlen(b), &tb, &off, &why);
			if (tb < ta) {
				rec_error_set(e, "to", "%s is before from (%s)", b, a);
				return -1;
			}
		}
		return 0;
	case RK_ASSIGNMENT:
	case RK_SHIFT: {
		int ia = rec_field_index(r->rt, "start"), ib = rec_field_index(r->rt, "end");
		a = r->f[ia] ? r->f[ia]->valuestring : NULL;
		b = r->f[ib] ? r->f[ib]->valuestring : NULL;
		if (!a != !b) {
			rec_error_set(e, a ? "end" : "start", "start and end go together");
			return -1;
		}
		if (a && b) {
			ta = r->num[ia];	/* parsed by check_value */
			tb = r->num[ib];
			if (tb <= ta) {
				rec_error_set(e, "end", "%s is not after start (%s)", b, a);
				return -1;
			}
		}
		return 0;
	}
	case RK_HORIZON: {
		const cJSON *slots = field_of(r, "slots");
		if (cJSON_GetArraySize(slots) == 0) {
			rec_error_set(e, "slots", "a horizon needs at least one slot");
			return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

int
rec_validate(cJSON *obj, struct rec *r, struct rec_error *e)
{
	char b[48];
	if (!cJSON_IsObject(obj)) {
		shown(obj, b, sizeof b);
		rec_error_set(e, "", "expected a JSON object, got %s", b);
		return -1;
	}
	cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
	if (type == NULL) {
		rec_error_set(e, "type", "missing");
		return -1;
	}
	if (!cJSON_IsString(type) || (r->rt = rec_type_named(type->valuestring)) == NULL) {
		shown(type, b, sizeof b);
		rec_error_set(e, "type", "unknown record type %s", b);
		return -1;
	}
	const struct rec_type *rt = r->rt;
	r->obj = obj;
	r->nextra = 0;
	memset(r->f, 0, sizeof r->f);
	memset(r->num, 0, sizeof r->num);

	const cJSON *seen[REC_MAXFIELDS] = { 0 };
	int next = 0;	/* fields usually come in table order: try that one first */
	for (cJSON *c = obj->child; c; c = c->next) {
		if (c == type)
			continue;
		int i = next < rt->nfields && strcmp(rt->fields[next].name, c->string) == 0
			? next : rec_field_index(rt, c->string);
		/* A key given twice would make "which one counts" depend on the parser. */
		int twice = i >= 0 ? seen[i] != NULL : 0;
		for (cJSON *d = obj->child; i < 0 && d != c; d = d->next)
			twice |= strcmp(d->string, c->string) == 0;
		if (twice || (c != type && strcmp(c->string, "type") == 0)) {
			rec_error_set(e, c->string, "given twice");
			return -1;
		}
		if (i < 0) {
			r->nextra++;
			continue;
		}
		seen[i] = c;
		next = i + 1;
		if (cJSON_IsNull(c) && !(rt->fields[i].flags & (F_REQ | F_KEY)))
			continue;	/* null: the same as absent */
		if (check_value(&rt->fields[i], c, e, &r->num[i]))
			return -1;
		r->f[i] = c;
	}
	for (int i = 0; i < rt->nfields; i++) {
		const struct rec_field *f = &rt->fields[i];
		if (r->f[i])
			continue;
		if (f->flags & F_REQ) {
			rec_error_set(e, f->name, "missing");
			return -1;
		}
		cJSON *d = default_value(f);
		if (d) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, f->name);	/* a null */
			cJSON_AddItemToObject(obj, f->name, d);
			r->f[i] = d;
			check_value(f, d, e, &r->num[i]);	/* valid: for num[i] */
		}
	}
	return check_record(r, e);
}

/* "D=14|E=3" into {"D":14,"E":3}. */
static cJSON *
counts_from_text(const struct rec_field *f, const char *s, struct rec_error *e)
{
	cJSON *o = cJSON_CreateObject();
	while (*s) {
		const char *bar = strchr(s, '|');
		size_t n = bar ? (size_t)(bar - s) : strlen(s);
		const char *eq = memchr(s, '=', n);
		char *end;
		if (eq == NULL || eq == s) {
			rec_error_set(e, f->name, "expected name=integer pairs separated by |, got \"%.*s\"",
				(int)n, s);
			cJSON_Delete(o);
			return NULL;
		}
		long long v = strtoll(eq + 1, &end, 10);
		if (end != s + n || eq + 1 == end) {
			rec_error_set(e, f->name, "expected an integer after \"%.*s=\"", (int)(eq - s), s);
			cJSON_Delete(o);
			return NULL;
		}
		char *name = xstrndup(s, (size_t)(eq - s));
		cJSON_AddItemToObject(o, name, cJSON_CreateNumber((double)v));
		free(name);
		if (!bar)
			break;
		s = bar + 1;
	}
	return o;
}

cJSON *
rec_value_from_text(const struct rec_field *f, const char *s, struct rec_error *e)
{
	char *end;
	switch (f->kind) {
	case FK_INT: {
		long long v = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0') {
			rec_error_set(e, f->name, "expected an integer, got \"%.40s\"", s);
			return NULL;
		}
		return cJSON_CreateNumber((double)v);
	}
	case FK_NUM: {
		double v = strtod(s, &end);
		if (*s == '\0' || *end != '\0' || !isfinite(v)) {
			rec_error_set(e, f->name, "expected a number, got \"%.40s\"", s);
			return NULL;
		}
		return cJSON_CreateNumber(v);
	}
	case FK_BOOL:
		/* t and f: how PostgreSQL writes booleans back. */
		if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "t"))
			return cJSON_CreateTrue();
		if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "f"))
			return cJSON_CreateFalse();
		rec_error_set(e, f->name, "expected true or false, got \"%.40s\"", s);
		return NULL;
	case FK_LIST: {
		cJSON *a = cJSON_CreateArray();
		while (*s) {
			const char *bar = strchr(s, '|');
			size_t n = bar ? (size_t)(bar - s) : strlen(s);
			char *item = xstrndup(s, n);
			cJSON_AddItemToArray(a, cJSON_CreateString(item));
			free(item);
			if (!bar)
				break;
			s = bar + 1;
		}
		return a;
	}
	case FK_COUNTS:
		return counts_from_text(f, s, e);
	default:
		return cJSON_CreateString(s);
	}
}

const char *
rec_value_text(const struct rec_field *f, const cJSON *v, char *buf, size_t n, int *allocated)
{
	*allocated = 0;
	switch (f->kind) {
	case FK_INT:
		snprintf(buf, n, "%.0f", v->valuedouble);
		return buf;
	case FK_NUM:
		json_number(buf, n, v->valuedouble);
		return buf;
	case FK_BOOL:
		return cJSON_IsTrue(v) ? "true" : "false";
	case FK_LIST:
	case FK_COUNTS:
		*allocated = 1;
		return json_print(v);
	default:
		return v->valuestring;
	}
}

char *
rec_extra_json(const struct rec *r)
{
	if (r->nextra == 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	for (const cJSON *c = r->obj->child; c; c = c->next) {
		if (strcmp(c->string, "type") == 0 || rec_field_index(r->rt, c->string) >= 0)
			continue;
		cJSON_AddItemReferenceToObject(o, c->string, (cJSON *)c);
	}
	char *s = json_print(o);
	cJSON_Delete(o);
	return s;
}
