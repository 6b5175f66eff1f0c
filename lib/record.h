/* record.h: the rota record types (rota-records(5)) and their validation.
 *
 * Each type is described once, by a table of fields; validation, CSV
 * conversion, the store's schema and reading records back out of a store
 * are all driven by that table, so a field is defined in one place. */
#ifndef ROTA_RECORD_H
#define ROTA_RECORD_H

#include <stddef.h>
#include <cJSON.h>

enum rec_kind {
	RK_HORIZON, RK_PERSON, RK_SITE, RK_ACTIVITY, RK_COVER, RK_ABSENCE, RK_REQUEST,
	RK_LIMIT, RK_ASSIGNMENT, RK_SHIFT, RK_FINDING, RK_SUMMARY, RK_COUNT
};

enum field_kind {
	FK_ID,		/* non-empty string without control characters, ≤ 200 bytes */
	FK_STR,		/* any string */
	FK_INT,		/* integer within [min, max] */
	FK_NUM,		/* any finite number */
	FK_BOOL,
	FK_DATE,	/* YYYY-MM-DD */
	FK_INSTANT,	/* RFC 3339 with an offset */
	FK_WHEN,	/* a date or an instant */
	FK_CLOCK,	/* HH:MM */
	FK_ENUM,	/* one of values[] */
	FK_LIST,	/* array of ids; in CSV, ids separated by '|' */
	FK_COUNTS,	/* object of id → integer within [min, max]; in CSV, id=n|id=n */
};

#define F_REQ 1u	/* must be present */
#define F_KEY 2u	/* part of the natural key (stores upsert on it) */

struct rec_field {
	const char *name;
	enum field_kind kind;
	unsigned flags;
	long long min, max;
	const char *const *values;	/* FK_ENUM */
	const char *dflt;		/* default when absent, as the field's text form */
};

#define REC_MAXFIELDS 16

struct rec_type {
	enum rec_kind kind;
	const char *name;	/* the "type" of the record */
	const char *table;	/* its table in a store; NULL: not stored */
	const struct rec_field *fields;
	int nfields;
};

/* A validated record: its object and its fields in table order (NULL where
 * absent and without default); unknown fields stay in obj. */
struct rec {
	const struct rec_type *rt;
	cJSON *obj;
	cJSON *f[REC_MAXFIELDS];
	/* What validation made of a present field, so that no one parses it
	 * twice: a date in days and an instant in UTC seconds since the epoch
	 * (FK_DATE, FK_INSTANT, FK_WHEN), the index in values[] (FK_ENUM). */
	long long num[REC_MAXFIELDS];
	int nextra;
};

/* What is wrong with a record: a field name ("" when the record as a whole)
 * and a sentence. */
struct rec_error {
	char field[64];
	char msg[256];
};

extern const struct rec_type *const rec_types[RK_COUNT];
const struct rec_type *rec_type_named(const char *name);
int rec_field_index(const struct rec_type *rt, const char *name);

void rec_error_set(struct rec_error *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Validates obj in place: checks every field, fills defaults, checks the
 * rules between fields.  Returns 0 and fills r, or -1 and fills e. */
int rec_validate(cJSON *obj, struct rec *r, struct rec_error *e);

/* Converts one field's text (a CSV cell, a database column) into its JSON
 * value.  Returns NULL with e filled when the text is not of the field's kind. */
cJSON *rec_value_from_text(const struct rec_field *f, const char *s, struct rec_error *e);

/* The text form of a validated field value: the string itself, the number,
 * "true"/"false", or compact JSON for lists and counts.  Writes into buf
 * (of size n) when it fits and returns buf, else returns a malloc'd copy
 * that the caller frees (*allocated set). */
const char *rec_value_text(const struct rec_field *f, const cJSON *v, char *buf, size_t n,
	int *allocated);

/* The unknown fields of a validated record as compact JSON (malloc'd), or
 * NULL when it has none. */
char *rec_extra_json(const struct rec *r);

#endif
