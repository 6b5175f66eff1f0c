/* problem.h: a rostering problem, built from records (rota-records(5)).
 *
 * The model of the staff-rostering benchmark: a horizon of days with one
 * slot, shift types (activities) with lengths and forbidden successions,
 * staff with limits, days off, on and off requests, and cover.  One model,
 * used by the search, by --evaluate and by --write-lp. */
#ifndef ROTA_PROBLEM_H
#define ROTA_PROBLEM_H

#include <stdint.h>

#include "record.h"

#define OFF (-1)		/* a day without a shift */
#define NO_LIMIT INT32_MAX

struct problem {
	int64_t start;		/* date of day 0, days since 1970-01-01 */
	char *slot;		/* the horizon's one slot */
	int ndays, nstaff, ntypes;
	char **staff;		/* ids */
	char **type;		/* ids */
	int *minutes;		/* [t] */
	unsigned char *forbid;	/* [a * ntypes + b]: b may not follow a */

	/* Per person; NO_LIMIT or 0 where no limit applies. */
	int *max_shifts;	/* [s * ntypes + t] */
	int *min_shifts;	/* [s * ntypes + t] */
	int *max_minutes, *min_minutes;
	int *max_consec, *min_consec, *min_off, *max_weekends;

	unsigned char *day_off;	/* [s * ndays + d] */
	/* Requests: weight of wanting type t on day d; type ntypes = any work. */
	int *on_w, *off_w;	/* [(s * ndays + d) * (ntypes + 1) + t] */
	int *want, *under_w, *over_w;	/* [d * ntypes + t] */

	int *weekend;		/* [d]: index of its weekend, or -1 on a weekday */
	int nweekends;
};

/* What a record could not be made into, for "FILE:LINE: field: msg"
 * (file NULL when the problem as a whole is wrong). */
struct problem_error {
	const char *file;
	long line;
	char field[64];
	char msg[256];
};

struct problem_builder;

/* A record kept until every record is in, with where it came from: one
 * per natural key, a later record replacing an earlier one whole, as in a
 * store. */
struct problem_held {
	cJSON *obj;	/* a copy, defaults filled in */
	const char *file;
	long line;
	char *key;	/* its natural key */
};

struct problem_builder *problem_builder_new(void);
/* Adds one validated record, read from file at line (file must outlive
 * the builder); records may come in any order.  Types the model does not
 * use (assignment, finding, summary) are ignored. */
int problem_builder_add(struct problem_builder *b, const struct rec *r, const char *file, long line,
	struct problem_error *e);
/* Checks what the records refer to and builds the model; NULL with e set
 * (field "" and a sentence) when the records do not make a problem. */
struct problem *problem_build(struct problem_builder *b, struct problem_error *e);
void problem_builder_free(struct problem_builder *b);
/* The records of one kind gathered so far (for the programme model,
 * lib/programme, which reads the same records). */
const struct problem_held *problem_builder_held(struct problem_builder *b, enum rec_kind kind,
	size_t *n);
void problem_free(struct problem *p);

/* A held record's string field, or NULL; its integer field, or dflt. */
const char *held_str(const struct problem_held *h, const char *name);
int held_int(const struct problem_held *h, const char *name, int dflt);
/* Fills e for the record h (NULL: the problem as a whole) and returns -1. */
int problem_fail(struct problem_error *e, const struct problem_held *h, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

int problem_staff_index(const struct problem *p, const char *id);
int problem_type_index(const struct problem *p, const char *id);

#endif
