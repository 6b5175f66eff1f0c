/* store_pg.c: the shared store, PostgreSQL through libpq.
 *
 * Records are loaded with COPY: straight into their table while no key
 * conflicts, else into a temporary stage and moved with INSERT … ON
 * CONFLICT.  The COPY of the type being written is streamed while the batch
 * is built, so that the server works while the client parses; the batch's
 * text is kept too, for the fallback to the stage. */
#include "store_impl.h"

#include "pq.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct pending {
	struct sbuf copy;	/* COPY text-format rows */
	long rows;
	uint64_t *keys;		/* open-addressing set of key hashes in this batch */
	size_t keycap, nkeys;
	int staged;		/* its staging table exists */
	int conflicts;		/* a key was already in the table: upsert from now on */
};

struct pg {
	PGconn *conn;
	struct pending p[RK_COUNT];
	struct sbuf upsert[RK_COUNT];	/* made once per type */
	struct sbuf key;
	int streaming;		/* the type whose COPY is open, or -1 */
	int to_stage;		/* that COPY fills the stage, not the table */
	size_t sent;		/* bytes of its pending text already sent */
};

/* What a streamed COPY sends at a time. */
#define STREAM_CHUNK (64 * 1024)

static int flush_type(struct store *st, const struct rec_type *rt);

/* Ends an open COPY before anything else is said on the connection. */
static int
quiesce(struct store *st)
{
	struct pg *g = st->priv;
	return g->streaming >= 0 ? flush_type(st, rec_types[g->streaming]) : 0;
}

#define PG(st) ((struct pg *)(st)->priv)

static int
fail(struct store *st, PGresult *res)
{
	const char *state = res ? pq.resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* lock_not_available: lock_timeout ran out waiting for another writer */
	st->busy = state && strcmp(state, "55P03") == 0;
	store_seterr(st, "%s", res ? pq.resultErrorMessage(res) : pq.errorMessage(PG(st)->conn));
	pq.clear(res);
	return -1;
}

static PGresult *
run(struct store *st, const char *sql, int n, const char *const *params)
{
	return n ? pq.execParams(PG(st)->conn, sql, n, NULL, params, NULL, NULL, 0)
		 : pq.exec(PG(st)->conn, sql);
}

static int
pg_exec(struct store *st, const char *sql, int n, const char *const *params)
{
	if (quiesce(st))
		return -1;
	PGresult *res = run(st, sql, n, params);
	ExecStatusType s = pq.resultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return fail(st, res);
	pq.clear(res);
	return 0;
}

static int
pg_query1(struct store *st, const char *sql, int n, const char *const *params, char **out, int nout)
{
	if (quiesce(st))
		return -1;
	PGresult *res = run(st, sql, n, params);
	if (pq.resultStatus(res) != PGRES_TUPLES_OK)
		return fail(st, res);
	int found = pq.ntuples(res) > 0;
	for (int i = 0; found && i < nout; i++)
		out[i] = pq.getisnull(res, 0, i) ? NULL : xstrdup(pq.getvalue(res, 0, i));
	pq.clear(res);
	return found;
}

static int
pg_query(struct store *st, const char *sql, int n, const char *const *params, store_row_fn *row,
	void *arg, long long *changes)
{
	*changes = 0;
	if (quiesce(st))
		return -1;
	/* Always the extended protocol: it runs one statement, never a
	 * second one hidden after a semicolon. */
	PGresult *res = pq.execParams(PG(st)->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = pq.resultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return fail(st, res);
	*changes = atoll(pq.cmdTuples(res));
	int rc = 0, ncols = pq.nfields(res), nrows = pq.ntuples(res);
	char **cols = xcalloc((size_t)ncols + 1, sizeof *cols), **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int i = 0; i < ncols; i++)
		names[i] = pq.fname(res, i);
	for (int r = 0; r < nrows && rc == 0 && row; r++) {
		for (int i = 0; i < ncols; i++)
			cols[i] = pq.getisnull(res, r, i) ? NULL : pq.getvalue(res, r, i);
		rc = row(ncols, cols, names, arg);
	}
	free(cols);
	free(names);
	pq.clear(res);
	return rc;
}

/* COPY's text format: backslash escapes for the four bytes it reserves. */
static void
copy_text(struct sbuf *b, const char *s)
{
	const char *run_start = s;
	for (; *s; s++) {
		const char *esc = NULL;
		switch (*s) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		sbuf_add(b, run_start, (size_t)(s - run_start));
		sbuf_adds(b, esc);
		run_start = s + 1;
	}
	sbuf_add(b, run_start, (size_t)(s - run_start));
}

/* Adds the key's hash to the batch's set; 1 if it was already there. */
static int
key_seen(struct pending *p, uint64_t h)
{
	if (h == 0)
		h = 1;	/* 0 marks an empty slot */
	if (2 * (p->nkeys + 1) > p->keycap) {
		size_t cap = p->keycap ? p->keycap * 2 : 1024;
		uint64_t *old = p->keys;
		size_t oldcap = p->keycap;
		p->keys = xcalloc(cap, sizeof *p->keys);
		p->keycap = cap;
		p->nkeys = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				key_seen(p, old[i]);
		free(old);
	}
	for (size_t i = h & (p->keycap - 1);; i = (i + 1) & (p->keycap - 1)) {
		if (p->keys[i] == h)
			return 1;
		if (p->keys[i] == 0) {
			p->keys[i] = h;
			p->nkeys++;
			return 0;
		}
	}
}

static int
stage(struct store *st, const struct rec_type *rt)
{
	struct pending *p = &PG(st)->p[rt->kind];
	if (p->staged)
		return 0;
	char sql[256];
	/* sql: fixed identifiers only */
	snprintf(sql, sizeof sql,
		"CREATE TEMP TABLE IF NOT EXISTS \"stage_%s\" (LIKE \"%s\" INCLUDING DEFAULTS)",
		rt->table, rt->table);
	if (pg_exec(st, sql, 0, NULL))
		return -1;
	p->staged = 1;
	return 0;
}

/* INSERT … ON CONFLICT from the stage, rewriting only rows that changed, so
 * that importing the same rows again writes nothing. */
static const char *
upsert_sql(struct pg *g, const struct rec_type *rt)
{
	struct sbuf *b = &g->upsert[rt->kind];
	if (b->len)
		return b->s;
	/* sql: fixed identifiers only */
	sbuf_addf(b, "INSERT INTO \"%s\" AS t (", rt->table);
	store_sql_columns(b, rt, "");
	sbuf_adds(b, ") SELECT ");	/* sql: fixed identifiers only */
	store_sql_columns(b, rt, "");
	sbuf_addf(b, " FROM \"stage_%s\"", rt->table);	/* sql: fixed identifiers only */
	store_sql_upsert_tail(b, rt);
	sbuf_adds(b, " WHERE (");	/* sql: fixed identifiers only */
	store_sql_columns(b, rt, "t.");
	sbuf_adds(b, ") IS DISTINCT FROM (");	/* sql: fixed identifiers only */
	store_sql_columns(b, rt, "excluded.");
	sbuf_addf(b, "); TRUNCATE \"stage_%s\"", rt->table);	/* sql: fixed identifiers only */
	return b->s;
}

/* Starts COPY … FROM STDIN into table: 0, or -1 with the error set. */
static int
copy_begin(struct store *st, const struct rec_type *rt, const char *table)
{
	struct pg *g = PG(st);
	struct sbuf b = { 0 };
	if (quiesce(st))
		return -1;
	sbuf_addf(&b, "COPY \"%s\" (", table);	/* sql: fixed identifiers only */
	store_sql_columns(&b, rt, "");
	sbuf_adds(&b, ") FROM STDIN");	/* sql: fixed identifiers only */
	PGresult *res = pq.exec(g->conn, b.s);
	sbuf_free(&b);
	if (pq.resultStatus(res) != PGRES_COPY_IN)
		return fail(st, res);
	pq.clear(res);
	return 0;
}

/* Ends the COPY; returns its result, or NULL with the error recorded. */
static PGresult *
copy_end(struct store *st, const char *abort_reason)
{
	struct pg *g = PG(st);
	if (pq.putCopyEnd(g->conn, abort_reason) != 1) {
		fail(st, NULL);
		return NULL;
	}
	PGresult *res = pq.getResult(g->conn), *more;
	while ((more = pq.getResult(g->conn)))
		pq.clear(more);
	return res;
}

static int
copy_send(struct store *st, const char *s, size_t n)
{
	return pq.putCopyData(PG(st)->conn, s, (int)n) == 1 ? 0 : fail(st, NULL);
}

/* COPY the whole pending text of rt into table; returns the result, or
 * NULL with the error recorded. */
static PGresult *
copy_rows(struct store *st, const struct rec_type *rt, const char *table)
{
	struct pending *p = &PG(st)->p[rt->kind];
	if (copy_begin(st, rt, table))
		return NULL;
	if (copy_send(st, p->copy.s, p->copy.len))
		return copy_end(st, "send failed");
	return copy_end(st, NULL);
}

static int
unique_violation(const PGresult *res)
{
	const char *state = res ? pq.resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return state && strcmp(state, "23505") == 0;
}

/* Sends the pending rows of one type.
 *
 * Optimistic first: COPY straight into the table, inside a savepoint, as
 * fast as psql's \copy.  A key that is already there makes that COPY fail;
 * then the savepoint is rolled back and this table's rows go, from now on,
 * through the stage and an upsert, which costs about 1.4 times as much
 * (scripts/bench/import). */
static int
flush_type(struct store *st, const struct rec_type *rt)
{
	struct pg *g = PG(st);
	struct pending *p = &g->p[rt->kind];
	PGresult *res = NULL;
	int rc = -1, streamed = g->streaming == (int)rt->kind;
	if (p->rows == 0)
		return 0;
	/* A NULL result below means the error is recorded already (keeping,
	 * say, a lock timeout's busy flag). */
	int optimistic = !streamed && st->in_tx && !p->conflicts;
	if (streamed) {
		/* The rest of the text, then the end of the open COPY. */
		g->streaming = -1;
		if (copy_send(st, p->copy.s + g->sent, p->copy.len - g->sent) == 0)
			res = copy_end(st, NULL);
		if (g->to_stage)
			goto staged;
	} else if (optimistic) {
		if (pg_exec(st, "SAVEPOINT rota_copy", 0, NULL))
			goto out;
		res = copy_rows(st, rt, rt->table);
	}
	if (streamed || optimistic) {
		if (res == NULL)
			goto out;
		if (pq.resultStatus(res) == PGRES_COMMAND_OK) {
			pq.clear(res);
			rc = pg_exec(st, "RELEASE SAVEPOINT rota_copy", 0, NULL);
			goto out;
		}
		if (!unique_violation(res)) {
			fail(st, res);
			goto out;
		}
		pq.clear(res);
		p->conflicts = 1;
		if (pg_exec(st, "ROLLBACK TO SAVEPOINT rota_copy", 0, NULL))
			goto out;
	}
	if (stage(st, rt))
		goto out;
	char stage_name[80];
	snprintf(stage_name, sizeof stage_name, "stage_%s", rt->table);
	res = copy_rows(st, rt, stage_name);
staged:
	if (res == NULL)
		goto out;
	if (pq.resultStatus(res) != PGRES_COMMAND_OK) {
		fail(st, res);
		goto out;
	}
	pq.clear(res);
	rc = pg_exec(st, upsert_sql(g, rt), 0, NULL);
out:
	sbuf_reset(&p->copy);
	p->rows = 0;
	if (p->keys)
		memset(p->keys, 0, p->keycap * sizeof *p->keys);
	p->nkeys = 0;
	return rc;
}

/* Opens the COPY of rt's batch and sends what is pending: into the table
 * inside a savepoint, or into the stage once its keys have conflicted. */
static int
stream_open(struct store *st, const struct rec_type *rt)
{
	struct pg *g = PG(st);
	struct pending *p = &g->p[rt->kind];
	char stage_name[80];
	snprintf(stage_name, sizeof stage_name, "stage_%s", rt->table);
	if (p->conflicts ? stage(st, rt) : pg_exec(st, "SAVEPOINT rota_copy", 0, NULL))
		return -1;
	if (copy_begin(st, rt, p->conflicts ? stage_name : rt->table))
		return -1;
	g->streaming = (int)rt->kind;
	g->to_stage = p->conflicts;
	g->sent = p->copy.len;
	return copy_send(st, p->copy.s, p->copy.len);
}

static int
pg_flush(struct store *st)
{
	for (int k = 0; k < RK_COUNT; k++)
		if (rec_types[k]->table && flush_type(st, rec_types[k]))
			return -1;
	return 0;
}

static int
pg_put(struct store *st, const struct rec *r)
{
	struct pg *g = PG(st);
	const struct rec_type *rt = r->rt;
	struct pending *p = &g->p[rt->kind];
	char buf[64];
	int allocated;

	/* One INSERT … ON CONFLICT may not touch a row twice: a key repeated
	 * within the batch sends what came before it first. */
	sbuf_reset(&g->key);
	for (int i = 0; i < rt->nfields; i++)
		if (rt->fields[i].flags & F_KEY) {
			sbuf_adds(&g->key, r->f[i]->valuestring);
			sbuf_addc(&g->key, '\x1f');
		}
	if (key_seen(p, XXH3_64bits(g->key.s, g->key.len))) {
		if (flush_type(st, rt))
			return -1;
		key_seen(p, XXH3_64bits(g->key.s, g->key.len));
	}
	for (int i = 0; i < rt->nfields; i++) {
		if (i)
			sbuf_addc(&p->copy, '\t');
		if (r->f[i] == NULL) {
			sbuf_adds(&p->copy, "\\N");
			continue;
		}
		const char *t = store_field_text(r, i, buf, sizeof buf, &allocated);
		copy_text(&p->copy, t);
		if (allocated)
			free((char *)t);
	}
	sbuf_addc(&p->copy, '\t');
	char *extra = rec_extra_json(r);
	if (extra) {
		copy_text(&p->copy, extra);
		free(extra);
	} else {
		sbuf_adds(&p->copy, "\\N");
	}
	sbuf_addc(&p->copy, '\n');
	p->rows++;
	if (g->streaming == (int)rt->kind && p->copy.len - g->sent >= STREAM_CHUNK) {
		size_t from = g->sent;
		g->sent = p->copy.len;
		return copy_send(st, p->copy.s + from, p->copy.len - from);
	}
	if (g->streaming < 0 && st->in_tx && p->copy.len >= STREAM_CHUNK)
		return stream_open(st, rt);
	return 0;
}

static void
pg_discard(struct store *st)
{
	struct pg *g = PG(st);
	if (g->streaming >= 0) {
		g->streaming = -1;
		pq.clear(copy_end(st, "rolled back"));
	}
	for (int k = 0; k < RK_COUNT; k++) {
		struct pending *p = &g->p[k];
		p->staged = 0;	/* a rollback drops a temporary table made in it */
		sbuf_reset(&p->copy);
		p->rows = 0;
		if (p->keys)
			memset(p->keys, 0, p->keycap * sizeof *p->keys);
		p->nkeys = 0;
	}
}

static int
pg_each(struct store *st, const struct rec_type *rt, int (*fn)(cJSON *, void *), void *arg)
{
	struct pg *g = PG(st);
	struct sbuf b = { 0 };
	if (quiesce(st))
		return -1;
	sbuf_adds(&b, "SELECT ");	/* sql: fixed identifiers only */
	store_sql_columns(&b, rt, "");
	sbuf_addf(&b, " FROM \"%s\" ORDER BY ", rt->table);	/* sql: fixed identifiers only */
	store_sql_keys(&b, rt);
	int ok = pq.sendQuery(g->conn, b.s) && pq.setSingleRowMode(g->conn);
	sbuf_free(&b);
	if (!ok)
		return fail(st, NULL);
	int rc = 0;
	PGresult *res;
	const char *cols[REC_MAXFIELDS + 1];
	while ((res = pq.getResult(g->conn))) {
		ExecStatusType s = pq.resultStatus(res);
		if (s == PGRES_SINGLE_TUPLE && rc == 0) {
			for (int i = 0; i <= rt->nfields; i++)
				cols[i] = pq.getisnull(res, 0, i) ? NULL : pq.getvalue(res, 0, i);
			cJSON *o = store_row_record(rt, cols);
			rc = fn(o, arg);
			cJSON_Delete(o);
		} else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0) {
			fail(st, res);	/* clears res */
			rc = -1;
			continue;
		}
		pq.clear(res);
	}
	return rc;
}

static void
pg_close(struct store *st)
{
	struct pg *g = PG(st);
	if (g == NULL)
		return;
	for (int k = 0; k < RK_COUNT; k++) {
		sbuf_free(&g->p[k].copy);
		sbuf_free(&g->upsert[k]);
		free(g->p[k].keys);
	}
	sbuf_free(&g->key);
	if (g->conn)	/* NULL when libpq could not be loaded */
		pq.finish(g->conn);
	free(g);
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* NOTICEs such as "relation already exists, skipping" */
}

static const struct store_ops pg_ops = {
	pg_exec, pg_query1, pg_query, pg_put, pg_flush, pg_each, pg_discard, pg_close,
};

int
store_pg_open(struct store *st, const char *conninfo)
{
	struct pg *g = xcalloc(1, sizeof *g);
	st->priv = g;
	st->ops = &pg_ops;
	g->streaming = -1;
	char err[256];
	if (pq_load(err, sizeof err) < 0) {
		store_seterr(st, "%s", err);
		return -1;
	}
	g->conn = pq.connectdb(conninfo);
	if (pq.status(g->conn) != CONNECTION_OK)
		return fail(st, NULL);
	pq.setNoticeProcessor(g->conn, quiet, NULL);
	/* The same patience with other writers as SQLite's busy timeout. */
	const char *t = getenv("ROTA_BUSY_TIMEOUT_MS");
	char ms[24];
	snprintf(ms, sizeof ms, "%d", t ? atoi(t) : 30000);
	const char *p[1] = { ms };
	return pg_exec(st, "SELECT set_config('client_encoding', 'UTF8', false), "
			   "set_config('lock_timeout', $1, false)", 1, p);
}
