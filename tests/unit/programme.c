/* Unit tests for lib/programme: the residency programme model built from
 * records: which records make a programme, the indices, eligibility,
 * absences, the instants activities begin (DST included), supervision,
 * successions, cover, preloaded and locked cells, limits, the errors and
 * the canonical hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acgme.h"
#include "problem.h"
#include "programme.h"
#include "record.h"
#include "rtime.h"
#include "tap.h"
#include "util.h"

/* ---- records, one JSON object a line ---- */

static struct problem_builder *
load(const char *text)
{
	struct problem_builder *b = problem_builder_new();
	long line = 0;
	if (tap_add_records(b, text, &line)) {
		problem_builder_free(b);
		return NULL;
	}
	return b;
}

/* The programme of text, or NULL with pe set. */
static struct programme *
build(const char *text, struct problem_error *pe)
{
	memset(pe, 0, sizeof *pe);
	struct problem_builder *b = load(text);
	if (b == NULL) {
		snprintf(pe->msg, sizeof pe->msg, "test bug");
		return NULL;
	}
	struct programme *g = programme_build(b, pe);
	problem_builder_free(b);
	return g;
}

static void
build_ok(const char *text, struct programme **g, const char *name)
{
	struct problem_error pe;
	*g = build(text, &pe);
	if (!tap_ok(*g != NULL, "%s: builds", name))
		printf("#   %s:%ld: %s: %s\n", pe.file ? pe.file : "-", pe.line, pe.field, pe.msg);
}

/* ---- programme_wanted ---- */

static int
wanted(const char *text)
{
	struct problem_builder *b = load(text);
	if (b == NULL)
		return -1;
	int w = programme_wanted(b);
	problem_builder_free(b);
	return w;
}

static void
test_wanted(void)
{
	tap_is_int(wanted("{\"type\":\"horizon\",\"start\":\"2026-07-06\",\"days\":7,\"slots\":[\"AM\",\"PM\"]}\n"
			  "{\"type\":\"person\",\"id\":\"a\"}\n"),
		1, "wanted: a horizon of two slots is a programme");
	tap_is_int(wanted("{\"type\":\"horizon\",\"start\":\"2026-07-06\",\"days\":7,\"slots\":[\"DAY\"]}\n"
			  "{\"type\":\"person\",\"id\":\"a\"}\n{\"type\":\"person\",\"id\":\"b\"}\n"),
		0, "wanted: one slot and people without roles is a benchmark problem");
	tap_is_int(wanted("{\"type\":\"horizon\",\"start\":\"2026-07-06\",\"days\":7,\"slots\":[\"DAY\"]}\n"
			  "{\"type\":\"person\",\"id\":\"a\"}\n"
			  "{\"type\":\"person\",\"id\":\"b\",\"role\":\"faculty\"}\n"),
		1, "wanted: one slot but a person with a role is a programme");
	tap_is_int(wanted("{\"type\":\"person\",\"id\":\"a\"}\n"), 0, "wanted: no horizon, no roles: no");
}

/* ---- the model ---- */

#define H "{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"2026-07-06\",\"days\":7," \
	"\"slots\":[\"AM\",\"PM\",\"CALL\"],\"tz\":\"America/Chicago\"}\n"

static const char model[] =
	H
	"{\"type\":\"person\",\"id\":\"r1\",\"name\":\"Amara Okonkwo\",\"role\":\"resident\",\"pgy\":1,\"specialties\":[\"fm\"]}\n"
	"{\"type\":\"person\",\"id\":\"r2\",\"role\":\"resident\",\"pgy\":2,\"specialties\":[\"fm\"]}\n"
	"{\"type\":\"person\",\"id\":\"r3\",\"role\":\"resident\"}\n"
	"{\"type\":\"person\",\"id\":\"r4\",\"role\":\"resident\",\"pgy\":4,\"specialties\":[\"peds\"]}\n"
	"{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\",\"specialties\":[\"fm\"]}\n"
	"{\"type\":\"person\",\"id\":\"f2\",\"role\":\"faculty\",\"pgy\":1,\"specialties\":[\"icu\",\"fm\"]}\n"
	"{\"type\":\"person\",\"id\":\"s1\",\"role\":\"staff\"}\n"
	"{\"type\":\"person\",\"id\":\"fe1\",\"role\":\"fellow\",\"pgy\":4,\"specialties\":[\"peds\"]}\n"
	"{\"type\":\"person\",\"id\":\"x1\"}\n"
	"{\"type\":\"site\",\"id\":\"clinic\",\"capacity\":2}\n"
	"{\"type\":\"activity\",\"id\":\"clinic-am\",\"name\":\"Clinic (AM)\",\"kind\":\"clinical\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,"
	"\"site\":\"clinic\",\"roles\":[\"resident\",\"faculty\"],\"supervision\":{\"1\":2,\"2\":4}}\n"
	"{\"type\":\"activity\",\"id\":\"clinic-pm\",\"slot\":\"PM\",\"start\":\"13:00\",\"minutes\":240,"
	"\"site\":\"clinic\",\"supervision\":{\"1\":3}}\n"
	"{\"type\":\"activity\",\"id\":\"call\",\"kind\":\"in_house_call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":840,"
	"\"roles\":[\"resident\"],\"pgy_min\":2,\"not_followed_by\":[\"clinic-am\",\"call\"]}\n"
	"{\"type\":\"activity\",\"id\":\"senior\",\"slot\":\"AM\",\"start\":\"07:30\",\"minutes\":300,"
	"\"roles\":[\"resident\",\"fellow\",\"faculty\"],\"pgy_min\":2,\"pgy_max\":3}\n"
	"{\"type\":\"activity\",\"id\":\"peds\",\"slot\":\"PM\",\"start\":\"12:00\",\"minutes\":300,"
	"\"specialties\":[\"peds\",\"icu\"],\"site\":\"ward\"}\n"
	"{\"type\":\"activity\",\"id\":\"vac\",\"kind\":\"leave\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
	"{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"want\":2,\"weight_under\":10,\"weight_over\":3,\"min\":1,\"max\":3}\n"
	"{\"type\":\"cover\",\"date\":\"2026-07-08\",\"slot\":\"PM\",\"activity\":\"clinic-pm\",\"want\":1}\n"
	"{\"type\":\"absence\",\"person\":\"r1\",\"from\":\"2026-07-01\",\"to\":\"2026-07-07\"}\n"
	"{\"type\":\"absence\",\"person\":\"r2\",\"from\":\"2026-07-12\",\"to\":\"2026-07-20\"}\n"
	"{\"type\":\"request\",\"person\":\"r2\",\"date\":\"2026-07-08\",\"slot\":\"PM\",\"activity\":\"clinic-pm\",\"want\":\"on\"}\n"
	"{\"type\":\"request\",\"person\":\"r1\",\"date\":\"2026-07-06\",\"slot\":\"*\",\"activity\":\"*\",\"want\":\"off\",\"weight\":5}\n"
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":true}\n"
	"{\"type\":\"assignment\",\"person\":\"r2\",\"date\":\"2026-07-07\",\"slot\":\"CALL\",\"activity\":\"call\",\"source\":\"solver\"}\n"
	"{\"type\":\"assignment\",\"person\":\"r3\",\"date\":\"2026-07-09\",\"slot\":\"PM\",\"activity\":\"clinic-pm\",\"source\":\"manual\"}\n"
	"{\"type\":\"limit\",\"person\":\"r2\",\"max_consecutive\":3,\"max_minutes\":3000,\"min_shifts\":{\"call\":1}}\n"
	"{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":5,\"max_weekends\":1,\"max_shifts\":{\"call\":2}}\n";

static void
test_shape(const struct programme *g)
{
	tap_is_str(g->id, "t", "model: the horizon's id");
	tap_is_int(g->start, tap_date("2026-07-06"), "model: day 0 is 2026-07-06");
	tap_is_int(g->ndays, 7, "model: 7 days");
	tap_is_int(g->nslots, 3, "model: 3 slots");
	tap_is_int(g->npeople, 9, "model: 9 people");
	tap_is_int(g->nacts, 6, "model: 6 activities");
	tap_is_int(g->nsites, 2, "model: 2 sites (one without a record)");
	tap_is_str(tz_name(g->tz), "America/Chicago", "model: the zone");
	tap_is_int(pg_cells(g), 9 * 7 * 3, "model: pg_cells");
	tap_is_int(pg_cell(g, 2, 3, 1), (2 * 7 + 3) * 3 + 1, "model: pg_cell");

	tap_is_int(programme_person_index(g, "r1"), 0, "index: r1 is person 0");
	tap_is_int(programme_person_index(g, "fe1"), 7, "index: fe1 is person 7");
	tap_is_int(programme_person_index(g, "nobody"), -1, "index: an unknown person is -1");
	tap_is_int(programme_slot_index(g, "AM"), 0, "index: AM is slot 0");
	tap_is_int(programme_slot_index(g, "CALL"), 2, "index: CALL is slot 2");
	tap_is_int(programme_slot_index(g, "NIGHT"), -1, "index: an unknown slot is -1");
	tap_is_int(programme_activity_index(g, "call"), 2, "index: call is activity 2");
	tap_is_int(programme_activity_index(g, "vac"), 5, "index: vac is activity 5");
	tap_is_int(programme_activity_index(g, "clinic"), -1, "index: an unknown activity is -1");

	int r1 = 0, r3 = 2, f1 = 4, s1 = 6, fe1 = 7, x1 = 8;
	tap_is_str(g->name[r1], "Amara Okonkwo", "people: the name given");
	tap_is_str(g->name[r3], "r3", "people: no name: the id");
	tap_is_int(g->role[f1], PR_FACULTY, "people: f1 is faculty");
	tap_is_int(g->role[s1], PR_STAFF, "people: s1 is staff");
	tap_is_int(g->role[fe1], PR_FELLOW, "people: fe1 is a fellow");
	tap_is_int(g->role[x1], PR_RESIDENT, "people: no role: a resident");
	tap_is_int(g->pgy[r1], 1, "people: r1 is PGY-1");
	tap_is_int(g->pgy[r3], 0, "people: r3 has no PGY (0)");

	int cam = 0, cpm = 1, call = 2, vac = 5;
	const struct pg_activity *a = &g->act[cam];
	tap_is_str(a->name, "Clinic (AM)", "activity: the name given");
	tap_is_str(g->act[cpm].name, "clinic-pm", "activity: no name: the id");
	tap_is_int(a->kind, AK_CLINICAL, "activity: clinic-am is clinical");
	tap_is_int(g->act[vac].kind, AK_LEAVE, "activity: vac is leave");
	tap_is_int(a->slot, 0, "activity: clinic-am fills AM");
	tap_is_int(g->act[call].slot, 2, "activity: call fills CALL");
	tap_is_int(a->start, 8 * 60, "activity: clinic-am starts at 480 minutes");
	tap_is_int(g->act[3].start, 7 * 60 + 30, "activity: senior starts at 07:30, 450 minutes");
	tap_is_int(g->act[call].minutes, 840, "activity: call lasts 840 minutes");
	tap_is_int(a->roles, (1u << PR_RESIDENT) | (1u << PR_FACULTY), "activity: clinic-am's roles");
	tap_is_int(g->act[cpm].roles, 0, "activity: clinic-pm has no roles (anyone)");
	tap_is_int(g->act[call].pgy_min, 2, "activity: call's pgy_min");
	tap_is_int(g->act[call].pgy_max, 0, "activity: call has no pgy_max (0)");
	tap_is_int(g->act[call].is_call, 1, "activity: in-house call counts as call");
	tap_is_int(a->is_call, 0, "activity: clinic is not call");
	tap_is_int(g->act[vac].is_call, 0, "activity: leave is not call");
	tap_is_int(a->site, 0, "activity: clinic-am is at site 0");
	tap_is_int(g->act[4].site, 1, "activity: peds is at site 1, ward");
	tap_is_int(g->act[call].site, -1, "activity: call has no site");
	tap_is_str(g->site[0], "clinic", "site 0 is clinic");
	tap_is_str(g->site[1], "ward", "site 1 is ward (named by an activity only)");
	tap_is_int(g->capacity[0], 2, "site: clinic's capacity");
	tap_is_int(g->capacity[1], PG_NO_LIMIT, "site: ward, without a record, has no limit");
}

static void
test_supervision(const struct programme *g)
{
	const struct pg_activity *cam = &g->act[0], *cpm = &g->act[1], *call = &g->act[2];
	tap_is_int(g->sup_unit, 12, "supervision: sup_unit is lcm(2, 4, 3) = 12");
	tap_is_int(cam->supervised, 1, "supervision: clinic-am is supervised");
	tap_is_int(cam->per_faculty[1], 2, "supervision: clinic-am PGY-1 ratio 2");
	tap_is_int(cam->per_faculty[2], 4, "supervision: clinic-am PGY-2 ratio 4");
	tap_is_int(cam->per_faculty[3], 0, "supervision: clinic-am PGY-3 needs none");
	tap_is_int(cpm->per_faculty[1], 3, "supervision: clinic-pm PGY-1 ratio 3");
	tap_is_int(call->supervised, 0, "supervision: call is not supervised");

	int A = g->nacts, n = 0;
	for (int i = 0; i < A * A; i++)
		n += g->forbid[i];
	tap_is_int(n, 2, "not_followed_by: two successions forbidden");
	tap_is_int(g->forbid[2 * A + 0], 1, "not_followed_by: call, then clinic-am the next day: forbidden");
	tap_is_int(g->forbid[2 * A + 2], 1, "not_followed_by: call, then call: forbidden");
	tap_is_int(g->forbid[0 * A + 2], 0, "not_followed_by: clinic-am, then call: allowed");
	tap_is_int(g->forbid[2 * A + 1], 0, "not_followed_by: call, then clinic-pm: allowed");

	/* Specialties are indices in order of first use: fm, icu (f2), peds. */
	tap_is_int(g->specialties[0].n, 1, "specialties: r1 has one");
	tap_is_int(g->specialties[2].n, 0, "specialties: r3 has none");
	tap_is_int(g->specialties[5].n, 2, "specialties: f2 has two");
	tap_ok(g->specialties[5].v[0] == g->specialties[0].v[0] || g->specialties[5].v[1] == g->specialties[0].v[0],
		"specialties: f2 and r1 share fm");
	tap_is_int(g->act[4].specialties.n, 2, "specialties: peds lists two");
}

static void
test_eligibility(const struct programme *g)
{
	/* people r1 r2 r3 r4 f1 f2 s1 fe1 x1; activities clinic-am clinic-pm call senior peds vac */
	static const char *const want[] = {
		/*        cam cpm call sen peds vac */
		/* r1  */ "1" "1" "0" "0" "0" "1",
		/* r2  */ "1" "1" "1" "1" "0" "1",
		/* r3  */ "1" "1" "1" "1" "0" "1",
		/* r4  */ "1" "1" "1" "0" "1" "1",
		/* f1  */ "1" "1" "0" "1" "0" "1",
		/* f2  */ "1" "1" "0" "1" "1" "1",
		/* s1  */ "0" "1" "0" "0" "0" "1",
		/* fe1 */ "0" "1" "0" "0" "1" "1",
		/* x1  */ "1" "1" "1" "1" "0" "1",
	};
	for (int p = 0; p < g->npeople; p++) {
		char got[16] = { 0 };
		for (int a = 0; a < g->nacts; a++)
			got[a] = g->eligible[p * g->nacts + a] ? '1' : '0';
		char name[80];
		snprintf(name, sizeof name, "eligibility of %s (clinic-am clinic-pm call senior peds vac)",
			g->person[p]);
		tap_is_str(got, want[p], name);
	}
}

static void
test_days(const struct programme *g)
{
	int D = g->ndays, n = 0;
	for (int i = 0; i < g->npeople * D; i++)
		n += g->absent[i];
	tap_is_int(n, 3, "absence: three absent days in all, those inside the horizon");
	tap_ok(g->absent[0 * D + 0] && g->absent[0 * D + 1] && !g->absent[0 * D + 2],
		"absence: r1, from before the horizon to 07-07: days 0 and 1");
	tap_ok(g->absent[1 * D + 6] && !g->absent[1 * D + 5], "absence: r2, from 07-12 past the end: day 6");

	tap_is_int(g->nweekends, 1, "weekends: one");
	tap_ok(g->weekend[0] == -1 && g->weekend[4] == -1 && g->weekend[5] == 0 && g->weekend[6] == 0,
		"weekends: Saturday 07-11 and Sunday 07-12 are weekend 0, Monday and Friday are not");

	int A = g->nacts;
	tap_is_int(g->begins[0 * A + 0], tap_instant("2026-07-06T13:00:00Z"),
		"begins: clinic-am, 08:00 in Chicago on 07-06, is 13:00Z");
	tap_is_int(g->begins[1 * A + 2], tap_instant("2026-07-07T22:00:00Z"),
		"begins: call, 17:00 on 07-07, is 22:00Z");
	tap_is_int(g->begins[6 * A + 3], tap_instant("2026-07-12T12:30:00Z"),
		"begins: senior, 07:30 on 07-12, is 12:30Z");
}

static void
test_cover(const struct programme *g)
{
	int A = g->nacts;
	size_t k = 0 * A + 0;
	tap_ok(g->want[k] == 2 && g->under_w[k] == 10 && g->over_w[k] == 3 && g->cmin[k] == 1 && g->cmax[k] == 3,
		"cover: 07-06 clinic-am: want 2, under 10, over 3, min 1, max 3");
	k = 2 * A + 1;
	tap_ok(g->want[k] == 1 && g->under_w[k] == 1 && g->over_w[k] == 1 && g->cmin[k] == 0 &&
			g->cmax[k] == PG_NO_LIMIT,
		"cover: a record with want alone: under 1, over 1, min 0, no max");
	k = 1 * A + 0;
	tap_is_int(g->want[k], 0, "cover: no record: want 0");
	tap_is_int(g->under_w[k], 0, "cover: no record: under weight 0");
	tap_is_int(g->over_w[k], 1, "cover: no record: over weight 1");
	tap_is_int(g->cmin[k], 0, "cover: no record: min 0");
	tap_is_int(g->cmax[k], PG_NO_LIMIT, "cover: no record: no max");
}

static void
test_cells(const struct programme *g)
{
	size_t c_f1 = pg_cell(g, 4, 0, 0), c_r2 = pg_cell(g, 1, 1, 2), c_r3 = pg_cell(g, 2, 3, 1);
	tap_is_int(g->locked[c_f1], 0, "locked: f1's 07-06 AM is locked to clinic-am");
	tap_is_int(g->preload[c_f1], 0, "preload: f1's 07-06 AM is clinic-am");
	tap_is_int(g->preloaded[c_f1], 1, "preloaded: without a source: from elsewhere");
	tap_is_int(g->locked[c_r2], PG_UNLOCKED, "locked: r2's call is not locked");
	tap_is_int(g->preload[c_r2], 2, "preload: r2's 07-07 CALL is call");
	tap_is_int(g->preloaded[c_r2], 0, "preloaded: source solver: not from elsewhere");
	tap_is_int(g->preloaded[c_r3], 1, "preloaded: source manual: from elsewhere");
	int nlocked = 0, npre = 0;
	for (size_t c = 0; c < pg_cells(g); c++) {
		nlocked += g->locked[c] != PG_UNLOCKED;
		npre += g->preload[c] != PG_OFF;
	}
	tap_is_int(nlocked, 1, "locked: one cell");
	tap_is_int(npre, 3, "preload: three cells, every other PG_OFF");

	tap_is_int(g->nreq, 2, "requests: two");
	tap_ok(g->req_first[0] == 0 && g->req_first[1] == 1 && g->req_first[2] == 2 && g->req_first[g->npeople] == 2,
		"requests: sorted by person, req_first 0, 1, 2 … 2");
	const struct pg_request *r = &g->req[0];
	tap_ok(r->person == 0 && r->day == 0 && r->slot == -1 && r->activity == -1 && r->on == 0 && r->weight == 5,
		"requests: r1 off 07-06, any slot and activity (-1), weight 5");
	r = &g->req[1];
	tap_ok(r->person == 1 && r->day == 2 && r->slot == 1 && r->activity == 1 && r->on == 1 && r->weight == 1,
		"requests: r2 on 07-08 PM clinic-pm, weight 1 by default");

	int A = g->nacts, call = 2;
	tap_is_int(g->max_consec[1], 3, "limits: r2's own max_consecutive over everyone's");
	tap_is_int(g->max_consec[0], 5, "limits: r1 has everyone's max_consecutive 5");
	tap_is_int(g->max_consec[8], 5, "limits: x1 has everyone's max_consecutive 5");
	tap_is_int(g->max_weekends[1], 1, "limits: r2 keeps everyone's max_weekends");
	tap_is_int(g->max_minutes[1], 3000, "limits: r2's max_minutes");
	tap_is_int(g->max_minutes[0], PG_NO_LIMIT, "limits: r1 has no max_minutes");
	tap_is_int(g->min_minutes[0], 0, "limits: no min_minutes: 0");
	tap_is_int(g->max_shifts[1 * A + call], 2, "limits: r2 keeps everyone's max_shifts of call");
	tap_is_int(g->max_shifts[1 * A + 0], PG_NO_LIMIT, "limits: no max_shifts of clinic-am");
	tap_is_int(g->min_shifts[1 * A + call], 1, "limits: r2's min_shifts of call");
	tap_is_int(g->min_shifts[0 * A + call], 0, "limits: r1 has no min_shifts of call");
}

static void
test_model(void)
{
	struct programme *g;
	build_ok(model, &g, "the model");
	if (g == NULL)
		return;
	test_shape(g);
	test_supervision(g);
	test_eligibility(g);
	test_days(g);
	test_cover(g);
	test_cells(g);
	programme_free(g);
}

/* ---- instants across changes of clock ---- */

static struct programme *
dst_programme(const char *start)
{
	char text[1024];
	snprintf(text, sizeof text,
		"{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"%s\",\"days\":2,\"slots\":[\"AM\",\"NIGHT\"],\"tz\":\"America/Chicago\"}\n"
		"{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\"}\n"
		"{\"type\":\"activity\",\"id\":\"day\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"
		"{\"type\":\"activity\",\"id\":\"early\",\"slot\":\"NIGHT\",\"start\":\"01:30\",\"minutes\":60}\n"
		"{\"type\":\"activity\",\"id\":\"late\",\"slot\":\"NIGHT\",\"start\":\"02:30\",\"minutes\":60}\n",
		start);
	struct programme *g;
	build_ok(text, &g, start);
	return g;
}

static void
test_dst(void)
{
	/* Chicago falls back on 2026-11-01 at 02:00 CDT (07:00Z) to 01:00 CST. */
	struct programme *g = dst_programme("2026-10-31");
	if (g) {
		tap_is_int(g->begins[0 * 3 + 0], tap_instant("2026-10-31T13:00:00Z"), "fall back: 08:00 CDT on 10-31 is 13:00Z");
		tap_is_int(g->begins[1 * 3 + 0], tap_instant("2026-11-01T14:00:00Z"), "fall back: 08:00 CST on 11-01 is 14:00Z");
		tap_is_int(g->begins[0 * 3 + 1], tap_instant("2026-10-31T06:30:00Z"), "fall back: 01:30 on 10-31 is 06:30Z");
		tap_is_int(g->begins[1 * 3 + 1], tap_instant("2026-11-01T06:30:00Z"),
			"fall back: 01:30 on 11-01 happens twice: the first, 01:30 CDT, 06:30Z");
		tap_is_int(g->begins[1 * 3 + 2], tap_instant("2026-11-01T08:30:00Z"), "fall back: 02:30 CST on 11-01 is 08:30Z");
		tap_is_int(g->nweekends, 1, "fall back: Saturday and Sunday, one weekend");
		tap_ok(g->weekend[0] == 0 && g->weekend[1] == 0, "fall back: both days are weekend 0");
		programme_free(g);
	}
	/* Chicago springs forward on 2026-03-08 at 02:00 CST (08:00Z) to 03:00 CDT. */
	g = dst_programme("2026-03-07");
	if (g) {
		tap_is_int(g->begins[0 * 3 + 0], tap_instant("2026-03-07T14:00:00Z"), "spring forward: 08:00 CST on 03-07 is 14:00Z");
		tap_is_int(g->begins[1 * 3 + 0], tap_instant("2026-03-08T13:00:00Z"), "spring forward: 08:00 CDT on 03-08 is 13:00Z");
		tap_is_int(g->begins[1 * 3 + 1], tap_instant("2026-03-08T07:30:00Z"), "spring forward: 01:30 CST on 03-08 is 07:30Z");
		tap_is_int(g->begins[0 * 3 + 2], tap_instant("2026-03-07T08:30:00Z"), "spring forward: 02:30 CST on 03-07 is 08:30Z");
		/* 02:30 on 03-08 does not exist: it moves forward by the
		 * change, to 03:30 CDT, as mktime(3) does. */
		tap_is_int(g->begins[1 * 3 + 2], tap_instant("2026-03-08T08:30:00Z"),
			"spring forward: 02:30 on 03-08 (skipped) is 03:30 CDT, 08:30Z");
		programme_free(g);
	}
}

/* ---- errors ---- */

#define BASE H \
	"{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\",\"pgy\":1}\n" \
	"{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n"

/* Building text fails at line, field, with msg (NULL: any message). */
static void
expect_error(const char *text, long line, const char *field, const char *msg, const char *name)
{
	struct problem_error pe;
	struct programme *g = build(text, &pe);
	tap_ok(g == NULL, "error: %s: refused", name);
	programme_free(g);
	if (line > 0)
		tap_is_str(pe.file, "test", "  the file");
	else
		tap_ok(pe.file == NULL, "  no file: the programme as a whole");
	tap_is_int(pe.line, line, "  the line");
	tap_is_str(pe.field, field, "  the field");
	if (msg)
		tap_is_str(pe.msg, msg, "  the message");
}

static void
test_errors(void)
{
	expect_error(H "{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n"
		       "{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"minutes\":240}\n",
		3, "start", "missing: a programme's activity needs its start time", "an activity without start");
	expect_error(H "{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n"
		       "{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\"}\n",
		3, "minutes", NULL, "an activity without minutes");
	expect_error(H "{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n"
		       "{\"type\":\"activity\",\"id\":\"x\",\"slot\":\"NIGHT\",\"start\":\"08:00\",\"minutes\":60}\n",
		3, "slot", "\"NIGHT\" is not a slot of the horizon", "an activity of an unknown slot");
	expect_error(BASE "{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"PM\",\"activity\":\"clinic-am\",\"want\":1}\n",
		4, "slot", "clinic-am fills the AM slot, not PM", "a cover of the wrong slot");
	expect_error(BASE "{\"type\":\"absence\",\"person\":\"r9\",\"from\":\"2026-07-06\",\"to\":\"2026-07-07\"}\n",
		4, "person", "\"r9\" is not a person of the programme", "an absence of an unknown person");
	expect_error(BASE "{\"type\":\"cover\",\"date\":\"2026-07-20\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"want\":1}\n",
		4, "date", "2026-07-20 is outside the horizon (2026-07-06 to 2026-07-12)", "a cover outside the horizon");
	expect_error(BASE "{\"type\":\"request\",\"person\":\"r1\",\"date\":\"2026-07-05\",\"want\":\"off\"}\n",
		4, "date", "2026-07-05 is outside the horizon (2026-07-06 to 2026-07-12)", "a request the day before");
	expect_error(BASE "{\"type\":\"limit\",\"person\":\"*\",\"min_consecutive\":2}\n",
		4, "min_consecutive", "not a limit of programmes (the benchmark model's only)", "limit min_consecutive");
	expect_error(BASE "{\"type\":\"limit\",\"person\":\"r1\",\"min_consecutive_off\":2}\n",
		4, "min_consecutive_off", NULL, "limit min_consecutive_off");
	expect_error(BASE "{\"type\":\"limit\",\"person\":\"*\",\"max_shifts\":{\"nope\":2}}\n",
		4, "max_shifts", "\"nope\" is not an activity of the programme", "limit of an unknown activity");
	expect_error(BASE "{\"type\":\"activity\",\"id\":\"call\",\"slot\":\"CALL\",\"start\":\"17:00\",\"minutes\":60,"
			  "\"not_followed_by\":[\"nope\"]}\n",
		4, "not_followed_by", "\"nope\" is not an activity of the programme", "not_followed_by an unknown activity");
	expect_error("{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"2026-07-06\",\"days\":7,\"slots\":[\"AM\",\"PM\"],"
		     "\"tz\":\"Mars/Olympus_Mons\"}\n"
		     "{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n"
		     "{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n",
		1, "tz", NULL, "an unknown zone");
	expect_error(BASE "{\"type\":\"horizon\",\"id\":\"u\",\"start\":\"2026-07-06\",\"days\":7,\"slots\":[\"AM\",\"PM\"]}\n",
		4, "", "a programme has one horizon; this is a second", "two horizons");
	expect_error("{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n",
		0, "", "no horizon record: a programme needs one", "no horizon");
	expect_error(H "{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240}\n",
		0, "", NULL, "no people");
	expect_error(H "{\"type\":\"person\",\"id\":\"r1\",\"role\":\"resident\"}\n", 0, "", NULL, "no activities");

	/* min above max: rec_validate refuses it first ("min"); programme.c
	 * has its own check ("max") for a record that was not validated so. */
	cJSON *o = cJSON_Parse("{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\","
			       "\"want\":1,\"min\":4,\"max\":3}");
	struct rec r;
	struct rec_error re;
	tap_ok(rec_validate(o, &r, &re) != 0 && strcmp(re.field, "min") == 0, "error: cover min > max: rec_validate refuses it (min)");
	cJSON_Delete(o);
	struct problem_builder *b = load(BASE);
	o = cJSON_Parse("{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\","
			"\"want\":1,\"min\":1,\"max\":3}");
	if (b && o && rec_validate(o, &r, &re) == 0) {
		struct problem_error pe;
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "min"), 4);
		problem_builder_add(b, &r, "test", 4, &pe);
		struct programme *g = programme_build(b, &pe);
		tap_ok(g == NULL, "error: cover min 4 > max 3: refused");
		programme_free(g);
		tap_is_int(pe.line, 4, "  the line");
		tap_is_str(pe.field, "max", "  the field");
		tap_is_str(pe.msg, "3 is below min (4)", "  the message");
	} else {
		tap_ok(0, "test bug: the cover record");
	}
	cJSON_Delete(o);
	problem_builder_free(b);
}

/* ---- the hash ---- */

static const char *const hash_lines[] = {
	H,
	"{\"type\":\"person\",\"id\":\"r1\",\"name\":\"Amara Okonkwo\",\"role\":\"resident\",\"pgy\":1}\n",
	"{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\"}\n",
	"{\"type\":\"site\",\"id\":\"clinic\",\"capacity\":2}\n",
	"{\"type\":\"activity\",\"id\":\"clinic-am\",\"slot\":\"AM\",\"start\":\"08:00\",\"minutes\":240,\"site\":\"clinic\",\"supervision\":{\"1\":2,\"2\":4}}\n",
	"{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"want\":2,\"weight_under\":10,\"weight_over\":1}\n",
	"{\"type\":\"absence\",\"person\":\"r1\",\"from\":\"2026-07-07\",\"to\":\"2026-07-08\"}\n",
	"{\"type\":\"request\",\"person\":\"r1\",\"date\":\"2026-07-06\",\"slot\":\"*\",\"activity\":\"*\",\"want\":\"off\",\"weight\":5}\n",
	"{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":true}\n",
	"{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":5}\n",
};
#define NHASH (sizeof hash_lines / sizeof hash_lines[0])

static int
hash_of(const char *text, char out[33])
{
	struct problem_builder *b = load(text);
	memset(out, 0, 33);
	if (b == NULL)
		return -1;
	programme_hash(b, out);
	problem_builder_free(b);
	return 0;
}

/* The hash of the records, with line i replaced by repl (i < 0: none). */
static void
hash_with(size_t i, const char *repl, int reverse, char out[33])
{
	struct sbuf s = { 0 };
	sbuf_adds(&s, "");
	for (size_t k = 0; k < NHASH; k++) {
		size_t j = reverse ? NHASH - 1 - k : k;
		sbuf_adds(&s, j == i && repl ? repl : hash_lines[j]);
	}
	hash_of(s.s, out);
	sbuf_free(&s);
}

static void
test_hash(void)
{
	char h0[33], h1[33];
	hash_with((size_t)-1, NULL, 0, h0);
	int hex = strlen(h0) == 32;
	for (int i = 0; i < 32 && hex; i++)
		hex = (h0[i] >= '0' && h0[i] <= '9') || (h0[i] >= 'a' && h0[i] <= 'f');
	tap_ok(hex, "hash: 32 lower-case hex characters (%s)", h0);

	hash_with((size_t)-1, NULL, 1, h1);
	tap_is_str(h1, h0, "hash: the same records in reverse order: the same hash");

	/* Keys reordered, blanks added, a default written out. */
	hash_with(4, "{ \"minutes\" : 240, \"supervision\": {\"2\": 4, \"1\": 2}, \"site\": \"clinic\", "
		     "\"start\": \"08:00\", \"kind\": \"clinical\",  \"slot\":\"AM\", \"id\" : \"clinic-am\", \"type\" : \"activity\" }\n",
		1, h1);
	tap_is_str(h1, h0, "hash: an activity's keys reordered and spaced, its default kind written, records reversed: the same hash");
	hash_with(8, "{\"locked\":true,\"activity\":\"clinic-am\",\"slot\":\"AM\",\"date\":\"2026-07-06\",\"person\":\"f1\",\"type\":\"assignment\"}\n",
		0, h1);
	tap_is_str(h1, h0, "hash: an assignment's keys reordered: the same hash");
	hash_with(2, "{\"type\":\"person\",\"id\":\"f1\",\"role\":\"faculty\",\"zzz\":null}\n", 0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: an extra field: another hash");

	hash_with(5, "{\"type\":\"cover\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"want\":2,\"weight_under\":11,\"weight_over\":1}\n",
		0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: a cover's weight changed: another hash");
	hash_with(1, "{\"type\":\"person\",\"id\":\"r1\",\"name\":\"Amara Okonkwo-Smith\",\"role\":\"resident\",\"pgy\":1}\n",
		0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: a person's name changed: another hash");
	hash_with(0, "{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"2026-07-06\",\"days\":7,"
		     "\"slots\":[\"AM\",\"PM\",\"CALL\"],\"tz\":\"America/New_York\"}\n", 0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: the zone changed: another hash");
	hash_with(0, "{\"type\":\"horizon\",\"id\":\"t\",\"start\":\"2026-07-06\",\"days\":7,"
		     "\"slots\":[\"PM\",\"AM\",\"CALL\"],\"tz\":\"America/Chicago\"}\n", 0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: the slots in another order: another hash");
	hash_with(8, "{\"type\":\"assignment\",\"person\":\"f1\",\"date\":\"2026-07-06\",\"slot\":\"AM\",\"activity\":\"clinic-am\",\"locked\":false}\n",
		0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: an assignment unlocked: another hash");
	hash_with(9, "{\"type\":\"limit\",\"person\":\"*\",\"max_consecutive\":6}\n", 0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: a limit changed: another hash");
	hash_with(9, "", 0, h1);
	tap_ok(strcmp(h1, h0) != 0, "hash: a record left out: another hash");
}

int
main(void)
{
	test_wanted();
	test_model();
	test_dst();
	test_errors();
	test_hash();
	return tap_done();
}
