/* acgme.h: the ACGME work-hour rules (acgme-rules(7)), one implementation
 * for rota-check-acgme and rota-solve.
 *
 * The caller hands over one person's records at a time; the rules run on
 * exact UTC seconds with integer verdicts, and use the programme's zone
 * only for calendar things (period edges, the local date of a call, leave
 * days).  Each result goes to a callback as a finding. */
#ifndef ROTA_ACGME_H
#define ROTA_ACGME_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

enum acgme_kind {
	AK_CLINICAL, AK_EDUCATION, AK_TRANSITION, AK_IN_HOUSE_CALL, AK_NIGHT_FLOAT,
	AK_MOONLIGHTING, AK_HOME_CALL, AK_HOME_CALL_IN, AK_CLINICAL_FROM_HOME, AK_LEAVE,
	AK_COUNT
};

/* The kind named ("clinical", …), or -1. */
int acgme_kind_named(const char *name);
extern const char *const acgme_kind_name[AK_COUNT];

enum acgme_rule {
	AR_80H, AR_DAY_OFF, AR_24_4, AR_14H_POST_CALL, AR_8H_BETWEEN, AR_Q3_CALL,
	AR_PGY1_MOONLIGHTING, AR_LEGACY_NF6, AR_COUNT
};

struct acgme_rule_info {
	const char *id;		/* "acgme.80h": never changes */
	const char *clause;	/* 2023 numbering: "VI.F.1" */
	const char *clause_2025;	/* the 2025 edition's: "6.20" */
	const char *title;
	int on_by_default;
};
extern const struct acgme_rule_info acgme_rules[AR_COUNT];
/* The rule with that id, or -1. */
int acgme_rule_named(const char *id);

enum acgme_status { AS_OK, AS_ADVISORY, AS_INDETERMINATE, AS_VIOLATION, AS_COUNT };
extern const char *const acgme_status_name[AS_COUNT];

struct acgme_rec {
	int64_t start, end;	/* UTC seconds, end > start */
	int kind;		/* enum acgme_kind */
	int pgy;		/* 0: not given */
	int exception;		/* VI.F.4.a: stayed by choice */
	long line;		/* where it came from, for warnings */
	const char *file;
};

enum acgme_periods { AP_MONTH, AP_BLOCKS, AP_FILE, AP_ROLLING };

/* An explicit period (a rotation): inclusive local dates. */
struct acgme_period {
	char *person;		/* NULL: everyone */
	int64_t from, to;	/* days since 1970-01-01 */
	int weekly_limit;	/* 80, or 88 where the exception is granted */
};

struct acgme_finding {
	enum acgme_rule rule;
	enum acgme_status status;
	const char *person;
	int dates;		/* from/to are local dates (periods), else instants */
	int64_t from, to;
	double value, limit;
	const char *unit;	/* "hours/week", "days off", … */
	const double *weeks;	/* acgme.80h: hours of each week of the period */
	int nweeks;
	const char *message;
};

typedef void acgme_report_fn(const struct acgme_finding *f, void *arg);
/* An overlap of two records of one person (b starts before a ends). */
typedef void acgme_warn_fn(const struct acgme_rec *a, const struct acgme_rec *b,
	const char *person, void *arg);

struct acgme_opts {
	const struct tz *tz;
	enum acgme_periods periods;
	int64_t anchor;			/* AP_BLOCKS: the first day of a block */
	const struct acgme_period *plist;	/* AP_FILE */
	size_t nplist;
	int have_from, have_to;		/* the data's coverage, if stated */
	int64_t from, to;		/* inclusive local dates */
	unsigned rules;			/* 1u << enum acgme_rule */
	int64_t merge_gap;		/* seconds */
	int exclude_gaps, strict_day_off, all;
	acgme_report_fn *report;
	acgme_warn_fn *warn;
	void *arg;
};

/* Fills o with the defaults: months, the rules on by default, a merge gap
 * of two hours; the caller sets tz and the callbacks. */
void acgme_defaults(struct acgme_opts *o);

struct acgme_counts {
	long long checked;	/* results, ok included */
	long long by_status[AS_COUNT];
	long long periods;
	long long overlaps;
};

/* Checks one person's records (any order; sorted in place) and reports
 * each result that is not ok, or all with o->all. */
void acgme_check_person(const struct acgme_opts *o, const char *person, struct acgme_rec *r,
	size_t n, struct acgme_counts *c);

#endif
