/* store_sqlite.c: the embedded store, one SQLite file. */
#include "store_impl.h"

#include <time.h>

#include "json.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct sq {
	sqlite3 *db;
	sqlite3_stmt *upsert[RK_COUNT];	/* prepared once per type */
};

#define SQ(st) ((struct sq *)(st)->priv)

static int
fail(struct store *st)
{
	int code = sqlite3_errcode(SQ(st)->db);
	st->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
	store_seterr(st, "%s", sqlite3_errmsg(SQ(st)->db));
	return -1;
}

static int
bind_params(struct store *st, sqlite3_stmt *s, int n, const char *const *params)
{
	for (int i = 0; i < n; i++)
		if (sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_STATIC) != SQLITE_OK)
			return fail(st);
	return 0;
}

static int
sq_exec(struct store *st, const char *sql, int n, const char *const *params)
{
	if (n == 0) {
		char *msg = NULL;
		if (sqlite3_exec(SQ(st)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			int code = sqlite3_errcode(SQ(st)->db);
			st->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
			store_seterr(st, "%s", msg ? msg : sqlite3_errmsg(SQ(st)->db));
			sqlite3_free(msg);
			return -1;
		}
		return 0;
	}
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(SQ(st)->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(st);
	int rc = bind_params(st, s, n, params);
	if (rc == 0 && sqlite3_step(s) != SQLITE_DONE)
		rc = fail(st);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_query1(struct store *st, const char *sql, int n, const char *const *params, char **out, int nout)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(SQ(st)->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(st);
	int rc = bind_params(st, s, n, params);
	if (rc == 0) {
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			for (int i = 0; i < nout; i++) {
				const unsigned char *t = sqlite3_column_text(s, i);
				out[i] = t ? xstrdup((const char *)t) : NULL;
			}
			rc = 1;
		} else if (step != SQLITE_DONE) {
			rc = fail(st);
		}
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_query(struct store *st, const char *sql, int n, const char *const *params, store_row_fn *row,
	void *arg, long long *changes)
{
	sqlite3_stmt *s;
	*changes = 0;
	if (sqlite3_prepare_v2(SQ(st)->db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(st);
	int rc = bind_params(st, s, n, params), ncols = sqlite3_column_count(s);
	char **cols = xcalloc((size_t)ncols + 1, sizeof *cols), **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int i = 0; i < ncols; i++)
		names[i] = (char *)sqlite3_column_name(s, i);
	while (rc == 0) {
		int step = sqlite3_step(s);
		if (step == SQLITE_DONE) {
			*changes = sqlite3_changes64(SQ(st)->db);
			break;
		}
		if (step != SQLITE_ROW) {
			rc = fail(st);
			break;
		}
		for (int i = 0; i < ncols; i++)
			cols[i] = (char *)sqlite3_column_text(s, i);
		if (row)
			rc = row(ncols, cols, names, arg);
	}
	free(cols);
	free(names);
	sqlite3_finalize(s);
	return rc;
}

static sqlite3_stmt *
upsert_stmt(struct store *st, const struct rec_type *rt)
{
	struct sq *q = SQ(st);
	if (q->upsert[rt->kind])
		return q->upsert[rt->kind];
	struct sbuf b = { 0 };
	sbuf_addf(&b, "INSERT INTO \"%s\" (", rt->table);	/* sql: fixed identifiers only */
	store_sql_columns(&b, rt, "");
	sbuf_adds(&b, ") VALUES (");	/* sql: fixed identifiers only */
	for (int i = 0; i <= rt->nfields; i++)
		sbuf_adds(&b, i ? ", ?" : "?");
	sbuf_adds(&b, ")");
	store_sql_upsert_tail(&b, rt);
	if (sqlite3_prepare_v3(q->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &q->upsert[rt->kind], NULL) !=
	    SQLITE_OK)
		fail(st);
	sbuf_free(&b);
	return q->upsert[rt->kind];
}

static int
sq_put(struct store *st, const struct rec *r)
{
	const struct rec_type *rt = r->rt;
	sqlite3_stmt *s = upsert_stmt(st, rt);
	if (s == NULL)
		return -1;
	for (int i = 0; i < rt->nfields; i++) {
		const cJSON *v = r->f[i];
		const struct rec_field *f = &rt->fields[i];
		int rc;
		if (v == NULL)
			rc = sqlite3_bind_null(s, i + 1);
		else if (f->kind == FK_INT)
			rc = sqlite3_bind_int64(s, i + 1, (sqlite3_int64)v->valuedouble);
		else if (f->kind == FK_BOOL)
			rc = sqlite3_bind_int(s, i + 1, cJSON_IsTrue(v));
		else if (f->kind == FK_NUM)
			rc = sqlite3_bind_double(s, i + 1, v->valuedouble);
		else if (f->kind == FK_LIST || f->kind == FK_COUNTS)
			rc = sqlite3_bind_text(s, i + 1, json_print(v), -1, free);
		else	/* the record outlives the step below */
			rc = sqlite3_bind_text(s, i + 1, v->valuestring, -1, SQLITE_STATIC);
		if (rc != SQLITE_OK)
			return fail(st);
	}
	char *extra = rec_extra_json(r);
	if (extra)
		sqlite3_bind_text(s, rt->nfields + 1, extra, -1, free);
	else
		sqlite3_bind_null(s, rt->nfields + 1);
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : fail(st);
	sqlite3_reset(s);	/* every parameter is bound again on the next put */
	return rc;
}

static int sq_flush(struct store *st) { (void)st; return 0; }
static void sq_discard(struct store *st) { (void)st; }

static int
sq_each(struct store *st, const struct rec_type *rt, int (*fn)(cJSON *, void *), void *arg)
{
	struct sbuf b = { 0 };
	sqlite3_stmt *s;
	sbuf_adds(&b, "SELECT ");	/* sql: fixed identifiers only */
	store_sql_columns(&b, rt, "");
	sbuf_addf(&b, " FROM \"%s\" ORDER BY ", rt->table);	/* sql: fixed identifiers only */
	store_sql_keys(&b, rt);
	int rc = sqlite3_prepare_v2(SQ(st)->db, b.s, -1, &s, NULL) == SQLITE_OK ? 0 : fail(st);
	sbuf_free(&b);
	if (rc)
		return rc;
	const char *cols[REC_MAXFIELDS + 1];
	char num[REC_MAXFIELDS + 1][32];
	int step;
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i <= rt->nfields; i++) {
			/* SQLite renders a REAL with 15 digits; ours reads back exact. */
			if (sqlite3_column_type(s, i) == SQLITE_FLOAT) {
				json_number(num[i], sizeof num[i], sqlite3_column_double(s, i));
				cols[i] = num[i];
			} else {
				cols[i] = (const char *)sqlite3_column_text(s, i);
			}
		}
		cJSON *o = store_row_record(rt, cols);
		rc = fn(o, arg);
		cJSON_Delete(o);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(st);
	sqlite3_finalize(s);
	return rc;
}

static void
sq_close(struct store *st)
{
	struct sq *q = SQ(st);
	if (q == NULL)
		return;
	for (int k = 0; k < RK_COUNT; k++)
		sqlite3_finalize(q->upsert[k]);
	sqlite3_close(q->db);
	free(q);
}

static const struct store_ops sqlite_ops = {
	sq_exec, sq_query1, sq_query, sq_put, sq_flush, sq_each, sq_discard, sq_close,
};

static int
set_wal(struct store *st, int timeout_ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	for (int waited = 0;; waited += 10) {
		int rc = sq_exec(st, "PRAGMA journal_mode = WAL", 0, NULL);
		if (rc == 0 || !st->busy || waited >= timeout_ms)
			return rc;
		nanosleep(&pause, NULL);
	}
}

int
store_sqlite_open(struct store *st, const char *path, int readonly)
{
	struct sq *q = xcalloc(1, sizeof *q);
	st->priv = q;
	st->ops = &sqlite_ops;
	/* One connection used by one thread at a time: SQLite's own mutexes
	 * are not needed. */
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &q->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return fail(st);
	const char *t = getenv("ROTA_BUSY_TIMEOUT_MS");
	sqlite3_busy_timeout(q->db, t ? atoi(t) : 30000);
	if (readonly)
		return 0;
	/* Switching a new file to WAL needs a lock that SQLite does not wait
	 * for: first runs started together would fail at once without this. */
	if (set_wal(st, t ? atoi(t) : 30000))
		return -1;
	/* WAL lets readers go on while an import writes; NORMAL sync is
	 * durable against a killed process, which is what the ledger needs. */
	/* A writer's cache holds the key indexes of a large table (the 2 MB
	 * default made a 1,000,000-row load of shuffled keys re-read and
	 * rewrite index pages on every commit), and checkpoints come every
	 * 64 MB of WAL instead of every 4 MB (scripts/bench/import). */
	return sq_exec(st, "PRAGMA synchronous = NORMAL; "
			   "PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; "
			   "PRAGMA wal_autocheckpoint = 16384;", 0, NULL);
}
