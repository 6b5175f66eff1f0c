/* store.h: the record store, an SQLite file or a PostgreSQL database.
 *
 * One logical schema on both: a table for each stored record type, keyed by
 * the type's natural key, plus the import ledger and a schema version that
 * store_open migrates forward.  Writes upsert by natural key, so loading the
 * same records twice leaves one copy. */
#ifndef ROTA_STORE_H
#define ROTA_STORE_H

#include "record.h"

#define STORE_SCHEMA_VERSION 3

enum store_kind { STORE_SQLITE, STORE_PG };

struct store;

/* The store named by spec, else $ROTA_DB, else ./rota.db. */
const char *store_spec(const char *spec);
/* A spec is PostgreSQL when it is a postgres:// or postgresql:// URI or a
 * libpq key=value string; anything else is an SQLite file name. */
enum store_kind store_kind_of(const char *spec);

/* Opens (creating an SQLite file if need be) and migrates the schema.
 * NULL with a message in err on failure; errno is then EBUSY when another
 * writer held the store past the busy timeout. */
struct store *store_open(const char *spec, char *err, size_t errlen);
/* Opens an existing store to read: creates nothing, takes no write lock,
 * and refuses a store whose schema is missing or newer than this rota's. */
struct store *store_open_read(const char *spec, char *err, size_t errlen);
void store_close(struct store *st);
enum store_kind store_kind(const struct store *st);
/* The store's name for messages: its spec, a password in it masked. */
const char *store_name(const struct store *st);
/* The last error, for messages. */
const char *store_errmsg(const struct store *st);
/* Whether the last error was another writer holding a lock past the busy
 * timeout (EXIT_BUSY rather than EXIT_STORE). */
int store_busy(const struct store *st);

/* Every function below returns 0 on success, -1 on failure (store_errmsg). */
int store_begin(struct store *st);
int store_commit(struct store *st);	/* flushes first */
int store_rollback(struct store *st);	/* drops what is pending too */

/* Adds a validated record: SQLite writes it at once; PostgreSQL buffers it
 * for COPY until store_flush or store_commit. */
int store_put(struct store *st, const struct rec *r);
int store_flush(struct store *st);

int store_count(struct store *st, const struct rec_type *rt, long long *n);
/* Calls fn with each stored record of type rt in key order; fn owns nothing
 * (the object is freed after the call).  A non-zero return from fn stops the
 * walk and is returned. */
int store_each(struct store *st, const struct rec_type *rt, int (*fn)(cJSON *, void *), void *arg);

/* Runs SQL text of any number of statements without parameters.  For the
 * tools that keep objects of their own in a store (rota-mview-refresh);
 * never SQL made from data: data goes in parameters. */
int store_exec(struct store *st, const char *sql);
/* Runs one statement with text parameters ($1, $2, … on PostgreSQL, ? on
 * SQLite: write the statement for the store's kind); calls row (if not
 * NULL) with each row; *changes (if not NULL) receives the count of rows
 * an INSERT, UPDATE or DELETE changed.  A non-zero return of row stops the
 * walk and is returned. */
typedef int store_row_fn(int ncols, char *const *cols, char *const *names, void *arg);
int store_query(struct store *st, const char *sql, int n, const char *const *params, store_row_fn *row,
	void *arg, long long *changes);

/* The import ledger: which records of an import have been committed, so a
 * killed import resumes where it stopped.  Within a transaction. */
int store_ledger_resume(struct store *st, const char *import_id, long long *done_records,
	long *batches);
int store_ledger_batch(struct store *st, const char *import_id, const char *inputs, long batch,
	long long last_record, long rows);
int store_ledger_finish(struct store *st, const char *import_id);
/* Forgets an import's ledger, so that it starts again from its first row. */
int store_ledger_forget(struct store *st, const char *import_id);

#endif
