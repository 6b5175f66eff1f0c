/* Unit tests for lib/store on SQLite: schema, upsert, round trip, ledger.
 * (PostgreSQL is exercised by tests/rota-import-pg.bats on a real server.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"

static int
put_json(struct store *st, const char *json)
{
	struct rec r;
	struct rec_error e;
	cJSON *o = cJSON_Parse(json);
	int rc = rec_validate(o, &r, &e) == 0 ? store_put(st, &r) : -2;
	cJSON_Delete(o);
	return rc;
}

static char dumped[4096];

static int
collect(cJSON *o, void *arg)
{
	(void)arg;
	char *s = cJSON_PrintUnformatted(o);
	strncat(dumped, s, sizeof dumped - strlen(dumped) - 2);
	strcat(dumped, "\n");
	free(s);
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/rota-unit-store-XXXXXX", path[128], err[1024];
	long long n, done;
	long batches;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/t.db", dir);

	tap_ok(store_kind_of("postgresql://h/db") == STORE_PG && store_kind_of("postgres:///x") == STORE_PG &&
		store_kind_of("host=/tmp dbname=x") == STORE_PG && store_kind_of("rota.db") == STORE_SQLITE &&
		store_kind_of("./a=b/rota.db") == STORE_SQLITE, "store kind from the spec");
	setenv("ROTA_DB", "from-env.db", 1);
	tap_is_str(store_spec(NULL), "from-env.db", "ROTA_DB is the default store");
	unsetenv("ROTA_DB");
	tap_is_str(store_spec(""), "rota.db", "./rota.db without ROTA_DB");

	struct store *st = store_open(path, err, sizeof err);
	tap_ok(st != NULL, "open creates the file and schema: %s", st ? "" : err);
	const struct rec_type *person = rec_type_named("person");
	tap_ok(store_begin(st) == 0, "begin");
	tap_is_int(put_json(st, "{\"type\":\"person\",\"id\":\"r1\",\"pgy\":1,\"ward\":\"5B\"}"), 0, "put r1");
	tap_is_int(put_json(st, "{\"type\":\"person\",\"id\":\"r2\",\"specialties\":[\"im\",\"peds\"]}"), 0, "put r2");
	tap_is_int(put_json(st, "{\"type\":\"person\",\"id\":\"r1\",\"pgy\":2}"), 0, "put r1 again");
	tap_ok(store_commit(st) == 0, "commit");
	store_count(st, person, &n);
	tap_is_int(n, 2, "the same key twice is one row (upsert)");
	store_each(st, person, collect, NULL);
	tap_is_str(dumped, "{\"type\":\"person\",\"id\":\"r1\",\"pgy\":2}\n"
			   "{\"type\":\"person\",\"id\":\"r2\",\"specialties\":[\"im\",\"peds\"]}\n",
		"read back in key order; the later r1 replaced the earlier, extra field included");

	dumped[0] = '\0';
	store_begin(st);
	put_json(st, "{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-01\",\"slot\":\"AM\","
		     "\"activity\":\"clinic\",\"locked\":true,\"x\":[1]}");
	store_rollback(st);
	store_count(st, rec_type_named("assignment"), &n);
	tap_is_int(n, 0, "rollback leaves nothing");
	store_begin(st);
	put_json(st, "{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-01\",\"slot\":\"AM\","
		     "\"activity\":\"clinic\",\"locked\":true,\"x\":[1]}");
	store_commit(st);
	store_each(st, rec_type_named("assignment"), collect, NULL);
	tap_is_str(dumped, "{\"type\":\"assignment\",\"person\":\"r1\",\"date\":\"2026-07-01\",\"slot\":\"AM\","
			   "\"activity\":\"clinic\",\"locked\":true,\"x\":[1]}\n", "booleans and extras round-trip");

	/* The ledger: two committed batches of an unfinished run are resumed. */
	store_ledger_resume(st, "abc", &done, &batches);
	tap_ok(done == 0 && batches == 0, "a new import starts at 0");
	store_begin(st);
	store_ledger_batch(st, "abc", "csv:x.csv", 1, 1000, 1000);
	store_commit(st);
	store_begin(st);
	store_ledger_batch(st, "abc", "csv:x.csv", 2, 2000, 990);
	store_commit(st);
	store_ledger_resume(st, "abc", &done, &batches);
	tap_ok(done == 2000 && batches == 2, "resume after record %lld, %ld batches", done, batches);
	store_begin(st);
	store_ledger_finish(st, "abc");
	store_commit(st);
	store_ledger_resume(st, "abc", &done, &batches);
	tap_ok(done == 0 && batches == 0, "a finished import is loaded again, not resumed");
	store_close(st);

	/* A store from a newer rota is refused, not damaged. */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'INSERT INTO rota_schema VALUES (99)'", path);
	if (system(cmd) == 0) {
		st = store_open(path, err, sizeof err);
		tap_ok(st == NULL && strstr(err, "schema is version 99, newer than this rota's (3)"),
			"newer schema refused: %s", err);
	} else {
		tap_ok(1, "# SKIP sqlite3 shell not installed");
	}
	snprintf(path, sizeof path, "%s/no/such/dir/t.db", dir);
	st = store_open(path, err, sizeof err);
	tap_ok(st == NULL && strstr(err, "unable to open"), "unopenable file: %s", err);

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
