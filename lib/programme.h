/* programme.h: a residency programme, built from records (rota-records(5)).
 *
 * The model of a horizon of several slots a day (AM, PM and the night's
 * CALL): people with roles, PGY levels and specialties; activities that
 * fill one slot, with who may do them, their site and the supervision they
 * need; cover with hard bounds; sites with a capacity; absences, requests,
 * limits, and preloaded or locked assignments.  A schedule on it is
 * x[cell], the activity of one person in one slot of one day or OFF, with
 * cell = (person * ndays + day) * nslots + slot.  lib/plan scores and
 * searches schedules; the one-slot benchmark model is lib/problem. */
#ifndef ROTA_PROGRAMME_H
#define ROTA_PROGRAMME_H

#include <stdint.h>

#include "problem.h"
#include "tz.h"

#define PG_OFF (-1)		/* a slot without an activity */
#define PG_MAX_PGY 10
#define PG_NO_LIMIT INT32_MAX

enum pg_role { PR_RESIDENT, PR_FELLOW, PR_FACULTY, PR_STAFF, PR_COUNT };

/* A set of specialties, as indices into the programme's names of them. */
struct pg_set {
	int *v;
	int n;
};

struct pg_activity {
	char *id, *name;
	int kind;		/* enum acgme_kind */
	int slot;
	int start;		/* minutes after local midnight */
	int minutes;
	unsigned roles;		/* 1u << enum pg_role; 0: anyone */
	int pgy_min, pgy_max;	/* 0: no bound */
	struct pg_set specialties;	/* one of these is needed; none: anyone */
	int site;		/* -1: none */
	/* Supervision: residents of PGY k per faculty member in the same
	 * activity and slot (0: PGY k needs none); in units of 1/sup_unit. */
	int per_faculty[PG_MAX_PGY + 1];
	int supervised;
	int is_call;		/* a kind that counts as call for equity */
};

struct pg_request {
	int person, day, slot, activity;	/* slot, activity: -1 for any */
	int on;
	int weight;
};

/* An index of ids (lib/programme.c): slot[hash & mask] = index + 1. */
struct pg_ids {
	int *slot;
	size_t mask;
};

struct programme {
	char *id;		/* the horizon's */
	int64_t start;		/* date of day 0, days since 1970-01-01 */
	int ndays, nslots, npeople, nacts, nsites;
	char **slot;
	struct tz *tz;
	char **person, **name;
	int *role, *pgy;	/* pgy 0: not given */
	struct pg_set *specialties;	/* [p] */
	struct pg_activity *act;
	unsigned char *forbid;	/* [a * nacts + b]: b may not be worked the day after a */
	char **site;
	int *capacity;		/* [site], PG_NO_LIMIT for none */

	/* Cover of activity a on day d, at [d * nacts + a]. */
	int *want, *under_w, *over_w, *cmin, *cmax;
	int sup_unit;		/* the lcm of the supervision ratios */

	unsigned char *absent;	/* [p * ndays + d] */
	unsigned char *eligible;	/* [p * nacts + a] */
	int *locked;		/* [cell]: the activity or PG_OFF when locked, else -2 */
	int *preload;		/* [cell]: an assignment of the input (locked or not),
				 * where the search starts, or PG_OFF */
	unsigned char *preloaded;	/* [cell]: that assignment came from elsewhere
					 * than rota-solve (source not "solver") */
	struct pg_request *req;	/* sorted by person */
	int nreq, *req_first;	/* [p]: the first of p's requests; [npeople] = nreq */

	/* Limits per person (PG_NO_LIMIT or 0 where none). */
	int *max_shifts, *min_shifts;	/* [p * nacts + a] */
	int *max_minutes, *min_minutes, *max_consec, *max_weekends;

	int *weekend;		/* [d]: index of its weekend, or -1 on a weekday */
	int nweekends;
	int64_t *begins;	/* [d * nacts + a]: the instant activity a starts on day d */
	struct pg_ids person_ix, act_ix;
};

#define PG_UNLOCKED (-2)

static inline size_t
pg_cell(const struct programme *g, int p, int d, int s)
{
	return ((size_t)p * (size_t)g->ndays + (size_t)d) * (size_t)g->nslots + (size_t)s;
}

static inline size_t
pg_cells(const struct programme *g)
{
	return (size_t)g->npeople * (size_t)g->ndays * (size_t)g->nslots;
}

/* Whether the records gathered make a programme (a horizon of several
 * slots, or people with roles) rather than a benchmark problem. */
int programme_wanted(struct problem_builder *b);
/* Builds the model; NULL with e set when the records do not make one. */
struct programme *programme_build(struct problem_builder *b, struct problem_error *e);
void programme_free(struct programme *g);

int programme_person_index(const struct programme *g, const char *id);
int programme_activity_index(const struct programme *g, const char *id);
int programme_slot_index(const struct programme *g, const char *id);

/* The programme's canonical hash (hex, 32 characters and a NUL): of every
 * record that makes it, independent of their order and formatting. */
void programme_hash(struct problem_builder *b, char out[33]);

#endif
