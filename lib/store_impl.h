/* store_impl.h: what the store backends share; private to lib/store*.c. */
#ifndef ROTA_STORE_IMPL_H
#define ROTA_STORE_IMPL_H

#include "store.h"
#include "util.h"

struct store_ops {
	int (*exec)(struct store *st, const char *sql, int n, const char *const *params);
	/* First row's columns as malloc'd text (NULL for SQL NULL): 1 row, 0 none, -1 error. */
	int (*query1)(struct store *st, const char *sql, int n, const char *const *params,
		char **out, int nout);
	/* Any one statement: row is called with each row's columns (text,
	 * NULL for SQL NULL) and names; *changes receives the rows an
	 * INSERT, UPDATE or DELETE changed.  0 or -1; a non-zero return of
	 * row stops and is returned. */
	int (*query)(struct store *st, const char *sql, int n, const char *const *params,
		store_row_fn *row, void *arg, long long *changes);
	int (*put)(struct store *st, const struct rec *r);
	int (*flush)(struct store *st);
	int (*each)(struct store *st, const struct rec_type *rt, int (*fn)(cJSON *, void *),
		void *arg);
	void (*discard)(struct store *st);	/* drop pending rows */
	void (*close)(struct store *st);
};

struct store {
	enum store_kind kind;
	const struct store_ops *ops;
	void *db;
	char errmsg[1024];
	char name[1024];	/* the spec, a password in it masked */
	int in_tx;
	int busy;	/* the last error was a lock wait that timed out */
	int readonly;
	int version;	/* of the schema */
	void *priv;
};

void store_seterr(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* SQL shared by the backends, made from the record tables. */
void store_sql_create(struct sbuf *b, const struct rec_type *rt, int pg);
void store_sql_columns(struct sbuf *b, const struct rec_type *rt, const char *prefix);
void store_sql_keys(struct sbuf *b, const struct rec_type *rt);
void store_sql_upsert_tail(struct sbuf *b, const struct rec_type *rt);
/* The text of field i of r for a store (booleans as 1/0). */
const char *store_field_text(const struct rec *r, int i, char *buf, size_t n, int *allocated);
/* A record object from a row of column texts (fields in table order, then extra). */
cJSON *store_row_record(const struct rec_type *rt, const char *const *cols);

int store_sqlite_open(struct store *st, const char *path, int readonly);
int store_pg_open(struct store *st, const char *conninfo);

#endif
