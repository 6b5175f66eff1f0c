/* source.h: records read from a file: NDJSON, CSV with a header, or the
 * staff-rostering benchmark text format ("nrp").
 *
 * A source yields rows; each row is one record (made but not yet validated)
 * or the reason it could not be made, with its file, line and raw text. */
#ifndef ROTA_SOURCE_H
#define ROTA_SOURCE_H

#include <stdint.h>
#include <sys/types.h>

#include "record.h"

enum src_format { SRC_NDJSON, SRC_CSV, SRC_NRP };

struct src_options {
	const struct rec_type *csv_type;	/* NULL: tell from the header */
	int64_t nrp_start;			/* date (days since 1970) of day 0 */
	int lazy;	/* NDJSON: rows come raw (obj NULL); source_parse makes them */
};

struct src_row {
	cJSON *obj;		/* the record, owned by the caller; NULL when bad */
	const char *file;	/* as named by the user; "-" is standard input */
	long line;		/* first line of the row, from 1 */
	const char *raw;	/* the row as read, valid until the next call */
	size_t rawlen;
	struct rec_error err;	/* why obj is NULL */
};

struct source;

/* Opens path ("-" = standard input).  NULL with a message in err on failure. */
struct source *source_open(const char *path, enum src_format fmt, const struct src_options *o,
	char *err, size_t errlen);
/* 1: a row; 0: the end; -1: a read error (errno set); -2: the file cannot be
 * used at all (a CSV header that names no record type), row->err says why. */
int source_next(struct source *s, struct src_row *row);
/* Bytes consumed so far, and the file's size (-1 when not a regular file). */
/* Makes row->obj from row->raw (an NDJSON line), or sets row->err: 0 or
 * -1.  For lazy sources; the raw text may be a copy the caller kept. */
int source_parse(struct src_row *row);
off_t source_offset(const struct source *s);
off_t source_size(const struct source *s);
void source_close(struct source *s);

/* The format a file name suggests: .csv, .txt (benchmark), else NDJSON. */
enum src_format source_format_for(const char *path);

/* Reads every record of a file (format from its name unless fmt >= 0) and
 * calls fn with each, validated; stops at the first bad row or when fn
 * returns non-zero.  0 at the end; -1 with "FILE:LINE: field: what" in err
 * for a bad row or an unreadable file; fn's value otherwise. */
int source_each(const char *path, int fmt, const struct src_options *o,
	int (*fn)(const struct rec *r, const char *file, long line, void *arg), void *arg,
	char *err, size_t errlen);

#endif
