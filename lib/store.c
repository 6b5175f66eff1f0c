/* store.c: what both backends share: choosing one, the schema, the ledger. */
#include "store_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtime.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *
store_spec(const char *spec)
{
	if (spec && *spec)
		return spec;
	const char *env = getenv("ROTA_DB");
	return env && *env ? env : "rota.db";
}

enum store_kind
store_kind_of(const char *spec)
{
	if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
		return STORE_PG;
	/* libpq's key=value form: "host=… dbname=…"; file names rarely hold '='
	 * before any '/', so that is the test. */
	const char *eq = strchr(spec, '='), *slash = strchr(spec, '/');
	return eq && (!slash || eq < slash) ? STORE_PG : STORE_SQLITE;
}

void
store_seterr(struct store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
	/* libpq messages end in a newline; ours do not. */
	size_t n = strlen(st->errmsg);
	while (n > 0 && st->errmsg[n - 1] == '\n')
		st->errmsg[--n] = '\0';
}

const char *store_errmsg(const struct store *st) { return st->errmsg; }
int store_busy(const struct store *st) { return st->busy; }
enum store_kind store_kind(const struct store *st) { return st->kind; }

static const char *
sql_type(enum field_kind k, int pg)
{
	switch (k) {
	case FK_INT:
		return pg ? "bigint" : "integer";
	case FK_BOOL:	/* SQLite has no boolean type; 1 and 0 load into both */
		return pg ? "boolean" : "integer";
	case FK_NUM:
		return pg ? "double precision" : "real";
	default:
		return "text";
	}
}

void
store_sql_columns(struct sbuf *b, const struct rec_type *rt, const char *prefix)
{
	for (int i = 0; i < rt->nfields; i++)
		sbuf_addf(b, "%s%s\"%s\"", i ? ", " : "", prefix, rt->fields[i].name);
	sbuf_addf(b, ", %s\"extra\"", prefix);
}

void
store_sql_keys(struct sbuf *b, const struct rec_type *rt)
{
	int first = 1;
	for (int i = 0; i < rt->nfields; i++)
		if (rt->fields[i].flags & F_KEY) {
			sbuf_addf(b, "%s\"%s\"", first ? "" : ", ", rt->fields[i].name);
			first = 0;
		}
}

void
store_sql_create(struct sbuf *b, const struct rec_type *rt, int pg)
{
	sbuf_addf(b, "CREATE TABLE IF NOT EXISTS \"%s\" (", rt->table);	/* sql: fixed identifiers only */
	for (int i = 0; i < rt->nfields; i++) {
		const struct rec_field *f = &rt->fields[i];
		sbuf_addf(b, "\"%s\" %s%s, ", f->name, sql_type(f->kind, pg),
			f->flags & F_KEY ? " NOT NULL" : "");
	}
	sbuf_adds(b, "\"extra\" text, PRIMARY KEY (");
	store_sql_keys(b, rt);
	sbuf_adds(b, "));\n");
}

/* " ON CONFLICT (keys) DO UPDATE SET c = excluded.c, …" */
void
store_sql_upsert_tail(struct sbuf *b, const struct rec_type *rt)
{
	sbuf_adds(b, " ON CONFLICT (");
	store_sql_keys(b, rt);
	sbuf_adds(b, ") DO UPDATE SET ");	/* sql: fixed identifiers only */
	for (int i = 0; i < rt->nfields; i++)
		if (!(rt->fields[i].flags & F_KEY))
			sbuf_addf(b, "\"%s\" = excluded.\"%s\", ", rt->fields[i].name, rt->fields[i].name);
	sbuf_adds(b, "\"extra\" = excluded.\"extra\"");
}

const char *
store_field_text(const struct rec *r, int i, char *buf, size_t n, int *allocated)
{
	const struct rec_field *f = &r->rt->fields[i];
	if (f->kind == FK_BOOL) {
		*allocated = 0;
		return cJSON_IsTrue(r->f[i]) ? "1" : "0";
	}
	return rec_value_text(f, r->f[i], buf, n, allocated);
}

cJSON *
store_row_record(const struct rec_type *rt, const char *const *cols)
{
	struct rec_error e;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", rt->name);
	for (int i = 0; i < rt->nfields; i++) {
		const struct rec_field *f = &rt->fields[i];
		if (cols[i] == NULL)
			continue;
		cJSON *v;
		if (f->kind == FK_LIST || f->kind == FK_COUNTS)
			v = cJSON_Parse(cols[i]);
		else if (f->kind == FK_INT && strchr(cols[i], '.'))	/* SQLite may hand back 3.0 */
			v = cJSON_CreateNumber(strtod(cols[i], NULL));
		else
			v = rec_value_from_text(f, cols[i], &e);
		if (v)
			cJSON_AddItemToObject(o, f->name, v);
	}
	cJSON *extra = cols[rt->nfields] ? cJSON_Parse(cols[rt->nfields]) : NULL;
	if (extra) {
		while (extra->child) {
			cJSON *c = cJSON_DetachItemViaPointer(extra, extra->child);
			cJSON_AddItemToObject(o, c->string, c);
		}
		cJSON_Delete(extra);
	}
	return o;
}

/* A reader only checks that the schema is one it knows. */
static int
check_schema(struct store *st)
{
	char *ver = NULL;
	if (st->ops->query1(st, "SELECT max(version) FROM rota_schema", 0, NULL, &ver, 1) < 0) {
		/* Only a missing table (SQLite: "no such table", PostgreSQL:
		 * "does not exist") says what the store is; any other error,
		 * such as an I/O error on a full disk, is given as it is. */
		if (strstr(st->errmsg, "no such table") || strstr(st->errmsg, "does not exist"))
			store_seterr(st, "not a rota store (it has no rota_schema table)");
		return -1;
	}
	int version = ver ? atoi(ver) : 0;
	free(ver);
	if (version < 1 || version > STORE_SCHEMA_VERSION) {
		store_seterr(st, "the store's schema is version %d; this rota reads version %d",
			version, STORE_SCHEMA_VERSION);
		return -1;
	}
	st->version = version;
	return 0;
}

/* Creates or upgrades the schema inside one transaction. */
static int
migrate(struct store *st)
{
	int pg = st->kind == STORE_PG;
	char *ver = NULL;
	struct sbuf b = { 0 };
	int rc = -1;

	if (store_begin(st))
		return -1;
	if (pg && st->ops->exec(st, "SELECT pg_advisory_xact_lock(7472756)", 0, NULL))
		goto out;	/* two first runs at once: one creates, the other waits */
	if (st->ops->exec(st, "CREATE TABLE IF NOT EXISTS rota_schema (version integer NOT NULL)", 0, NULL))
		goto out;
	int have = st->ops->query1(st, "SELECT max(version) FROM rota_schema", 0, NULL, &ver, 1);
	if (have < 0)
		goto out;
	int version = ver ? atoi(ver) : 0;
	if (version > STORE_SCHEMA_VERSION) {
		store_seterr(st, "the store's schema is version %d, newer than this rota's (%d)",
			version, STORE_SCHEMA_VERSION);
		goto out;
	}
	if (version < STORE_SCHEMA_VERSION) {
		/* Version 1 lacked the shift table, version 2 the site table:
		 * CREATE … IF NOT EXISTS of every table brings any version up
		 * to date. */
		for (int k = 0; k < RK_COUNT; k++)
			if (rec_types[k]->table)
				store_sql_create(&b, rec_types[k], pg);
		/* sql: fixed identifiers only */
		sbuf_adds(&b,
			"CREATE TABLE IF NOT EXISTS rota_import (import_id text PRIMARY KEY, "
			"inputs text, started text NOT NULL, finished text);\n"
			"CREATE TABLE IF NOT EXISTS rota_import_batch (import_id text NOT NULL "
			"REFERENCES rota_import (import_id) ON DELETE CASCADE, batch integer NOT NULL, "
			"last_record bigint NOT NULL, nrows integer NOT NULL, committed text NOT NULL, "
			"PRIMARY KEY (import_id, batch));\n"
			"INSERT INTO rota_schema (version) VALUES (" STR(STORE_SCHEMA_VERSION) ");\n");
		if (st->ops->exec(st, b.s, 0, NULL))
			goto out;
	}
	rc = store_commit(st);
	st->version = STORE_SCHEMA_VERSION;
out:
	if (rc)
		store_rollback(st);
	free(ver);
	sbuf_free(&b);
	return rc;
}

static struct store *
open_store(const char *spec, int readonly, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof *st);
	st->kind = store_kind_of(spec);
	rota_spec_masked(*spec ? spec : "''", st->name, sizeof st->name);
	st->readonly = readonly;
	int rc;
	if (*spec == '\0') {
		/* SQLite would open a private temporary database: nothing kept. */
		store_seterr(st, "empty store name");
		rc = -1;
	} else {
		rc = st->kind == STORE_PG ? store_pg_open(st, spec)
					  : store_sqlite_open(st, spec, readonly);
	}
	if (rc == 0)
		rc = readonly ? check_schema(st) : migrate(st);
	if (rc) {
		rota_scrub_password(spec, st->errmsg);
		snprintf(err, errlen, "%s: %s", st->name, st->errmsg);
		int busy = st->busy;
		store_close(st);
		errno = busy ? EBUSY : 0;
		return NULL;
	}
	return st;
}

struct store *
store_open(const char *spec, char *err, size_t errlen)
{
	return open_store(spec, 0, err, errlen);
}

struct store *
store_open_read(const char *spec, char *err, size_t errlen)
{
	return open_store(spec, 1, err, errlen);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->ops)
		st->ops->close(st);
	free(st);
}

int
store_begin(struct store *st)
{
	/* IMMEDIATE: an SQLite writer takes the write lock now, waiting out
	 * other writers with the busy timeout instead of failing mid-batch. */
	if (st->ops->exec(st, st->kind == STORE_PG ? "BEGIN" : "BEGIN IMMEDIATE", 0, NULL))
		return -1;
	st->in_tx = 1;
	return 0;
}

int
store_commit(struct store *st)
{
	if (store_flush(st) || st->ops->exec(st, "COMMIT", 0, NULL))
		return -1;
	st->in_tx = 0;
	return 0;
}

int
store_rollback(struct store *st)
{
	st->ops->discard(st);
	if (!st->in_tx)
		return 0;
	st->in_tx = 0;
	char saved[sizeof st->errmsg];
	memcpy(saved, st->errmsg, sizeof saved);	/* keep the error that caused it */
	int rc = st->ops->exec(st, "ROLLBACK", 0, NULL);
	memcpy(st->errmsg, saved, sizeof saved);
	return rc;
}

int store_put(struct store *st, const struct rec *r) { return st->ops->put(st, r); }
int store_exec(struct store *st, const char *sql) { return st->ops->exec(st, sql, 0, NULL); }
const char *store_name(const struct store *st) { return st->name; }

int
store_query(struct store *st, const char *sql, int n, const char *const *params, store_row_fn *row,
	void *arg, long long *changes)
{
	long long dummy;
	return st->ops->query(st, sql, n, params, row, arg, changes ? changes : &dummy);
}
int store_flush(struct store *st) { return st->ops->flush(st); }

/* The schema version that brought a type's table: an older store is read
 * as it is, without that table, until an import upgrades it. */
static int
table_since(const struct rec_type *rt)
{
	return rt->kind == RK_SITE ? 3 : rt->kind == RK_SHIFT ? 2 : 1;
}

int
store_each(struct store *st, const struct rec_type *rt, int (*fn)(cJSON *, void *), void *arg)
{
	if (st->version < table_since(rt))
		return 0;
	return st->ops->each(st, rt, fn, arg);
}

int
store_count(struct store *st, const struct rec_type *rt, long long *n)
{
	char sql[128], *v = NULL;
	if (st->version < table_since(rt)) {
		*n = 0;
		return 0;
	}
	/* sql: fixed identifiers only */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", rt->table);
	if (st->ops->query1(st, sql, 0, NULL, &v, 1) < 0)
		return -1;
	*n = v ? atoll(v) : 0;
	free(v);
	return 0;
}

int
store_ledger_resume(struct store *st, const char *import_id, long long *done, long *batches)
{
	char *v[3] = { 0 };
	const char *p[1] = { import_id };
	*done = 0;
	*batches = 0;
	int r = st->ops->query1(st,
		"SELECT i.finished, max(b.last_record), count(b.batch) FROM rota_import i "
		"LEFT JOIN rota_import_batch b ON b.import_id = i.import_id "
		"WHERE i.import_id = $1 GROUP BY i.finished", 1, p, v, 3);
	if (r < 0)
		return -1;
	/* A finished import is not resumed: running it again loads it again
	 * (the upsert keeps that idempotent).  Its ledger row is reused, not
	 * deleted, so that a run of the same import going on at the same time
	 * keeps the row its batches refer to. */
	if (r == 1 && v[0] == NULL) {
		*done = v[1] ? atoll(v[1]) : 0;
		*batches = v[2] ? atol(v[2]) : 0;
	}
	for (int i = 0; i < 3; i++)
		free(v[i]);
	return 0;
}

int
store_ledger_batch(struct store *st, const char *import_id, const char *inputs, long batch,
	long long last_record, long rows)
{
	char now[32], bs[32], lr[32], rs[32];
	rtime_now_utc(now, sizeof now);
	snprintf(bs, sizeof bs, "%ld", batch);
	snprintf(lr, sizeof lr, "%lld", last_record);
	snprintf(rs, sizeof rs, "%ld", rows);
	const char *p1[3] = { import_id, inputs, now };
	const char *p2[5] = { import_id, bs, lr, rs, now };
	return st->ops->exec(st,
		       "INSERT INTO rota_import (import_id, inputs, started) VALUES ($1, $2, $3) "
		       "ON CONFLICT (import_id) DO UPDATE SET finished = NULL", 3, p1) ||
	       /* Two runs of one import at once read the same rows in the same
		* order, so either's batch row says truly what is loaded. */
	       st->ops->exec(st,
		       "INSERT INTO rota_import_batch (import_id, batch, last_record, nrows, committed) "
		       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (import_id, batch) DO UPDATE SET "
		       "last_record = excluded.last_record, nrows = excluded.nrows, "
		       "committed = excluded.committed", 5, p2) ? -1 : 0;
}

int
store_ledger_forget(struct store *st, const char *import_id)
{
	const char *p[1] = { import_id };
	return st->ops->exec(st, "DELETE FROM rota_import WHERE import_id = $1", 1, p);
}

int
store_ledger_finish(struct store *st, const char *import_id)
{
	char now[32];
	rtime_now_utc(now, sizeof now);
	const char *p[2] = { now, import_id };
	/* The batches are no longer needed once the run is complete. */
	return st->ops->exec(st, "UPDATE rota_import SET finished = $1 WHERE import_id = $2", 2, p) ||
	       st->ops->exec(st, "DELETE FROM rota_import_batch WHERE import_id = $1", 1, p + 1) ? -1 : 0;
}
