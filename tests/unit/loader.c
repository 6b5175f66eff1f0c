/* Unit tests for lib/loader on SQLite: batch boundaries, ledger, rollback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "tap.h"

static struct store *
fresh(const char *dir, const char *name)
{
	char path[256], err[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return store_open(path, err, sizeof err);
}

static int
add(struct loader *l, int i, long long ordinal)
{
	char json[128];
	struct rec r;
	struct rec_error e;
	snprintf(json, sizeof json, "{\"type\":\"person\",\"id\":\"p%04d\"}", i);
	cJSON *o = cJSON_Parse(json);
	if (rec_validate(o, &r, &e))
		return -2;
	return loader_add(l, o, &r, ordinal);
}

static long long
count(struct store *st, const char *type)
{
	long long n = -1;
	store_count(st, rec_type_named(type), &n);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/rota-unit-loader-XXXXXX", err[512];
	struct loader_result res;
	long long done;
	long batches;
	if (mkdtemp(dir) == NULL)
		return 1;

	/* 1000 records in batches of 300: three full batches and one of 100,
	 * crossing the loader's 256-record chunks at odd places. */
	struct store *st = fresh(dir, "a.db");
	struct loader_opts o = { 300, 0, "imp1", "test", 0 };
	struct loader *l = loader_start(st, &o);
	int rc = 0;
	for (int i = 0; i < 1000; i++)
		rc |= add(l, i, i + 1);
	tap_is_int(rc, 0, "1000 records handed over");
	tap_is_int(loader_finish(l, 1, &res, err, sizeof err), 0, "finish commits");
	tap_is_int(res.batches, 4, "four batches");
	tap_is_int(res.rows, 1000, "1000 rows committed");
	tap_is_int(count(st, "person"), 1000, "1000 people stored");
	store_ledger_resume(st, "imp1", &done, &batches);
	tap_ok(done == 0 && batches == 0, "a finished import leaves nothing to resume");
	store_close(st);

	/* Stopping after 700: the two full batches stay, the third is rolled back,
	 * and the ledger says where a rerun resumes. */
	st = fresh(dir, "b.db");
	o.import_id = "imp2";
	l = loader_start(st, &o);
	for (int i = 0; i < 700; i++)
		add(l, i, 2 * (i + 1));	/* ordinals count rejected rows too */
	tap_is_int(loader_finish(l, 0, &res, err, sizeof err), 0, "finish without commit");
	tap_ok(res.batches == 2 && res.rows == 600, "two batches, 600 rows committed (%ld, %lld)",
		res.batches, res.rows);
	tap_is_int(count(st, "person"), 600, "the batch in flight was rolled back");
	store_ledger_resume(st, "imp2", &done, &batches);
	tap_ok(done == 1200 && batches == 2, "resume after ordinal %lld of batch %ld", done, batches);
	store_close(st);

	/* Atomic: nothing of 700 when rolled back, all of them when committed. */
	st = fresh(dir, "c.db");
	struct loader_opts a = { 300, 1, NULL, NULL, 0 };
	l = loader_start(st, &a);
	for (int i = 0; i < 700; i++)
		add(l, i, i + 1);
	loader_finish(l, 0, &res, err, sizeof err);
	tap_ok(res.rows == 0 && count(st, "person") == 0, "atomic rollback leaves nothing");
	l = loader_start(st, &a);
	for (int i = 0; i < 700; i++)
		add(l, i, i + 1);
	loader_finish(l, 1, &res, err, sizeof err);
	tap_ok(res.rows == 700 && res.batches == 1 && count(st, "person") == 700,
		"atomic commit: one transaction of 700");
	store_close(st);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
