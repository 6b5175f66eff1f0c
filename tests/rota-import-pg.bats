#!/usr/bin/env bats
# tests/rota-import-pg.bats: rota-import with the PostgreSQL store, against a
# real throwaway server (tests/lib/pgserver) started once for the file; each
# test has a database of its own.

load helpers

setup_file() {
	# Every statement is logged, so that a test can see how rows were sent.
	PGDIR=$(PGSERVER_OPTS='-c log_statement=all' "$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
	gen_requests_ndjson 300000 >"$BATS_FILE_TMPDIR/big.ndjson"
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	DB=t$BATS_TEST_NUMBER
	pg_newdb "$DB"
	PGC="host=$PGDIR user=rota dbname=$DB"
}

pg_newdb() {
	psql -X -q -h "$PGDIR" -U rota -d rota -c "CREATE DATABASE \"$1\"" >/dev/null
}

# pgq DATABASE SQL: the result unaligned, without headers ("a|b" rows).
pgq() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$1" -c "$2"
}

people_count() {
	pgq "${1:-$DB}" 'SELECT count(*) FROM people'
}

# log_mark, then log_count REGEX: statements the server ran since the mark.
log_mark() {
	LOG_MARK=$(stat -c %s "$PGDIR/server.log")
}
log_count() {
	tail -c +$((LOG_MARK + 1)) "$PGDIR/server.log" | grep -cE "LOG:  statement: $1" || true
}

@test "PostgreSQL: Instance1 loads with the expected counts per type" {
	run -0 --separate-stderr rota-import --db "$PGC" "$DATA/Instance1.txt"
	assert_output ""
	assert_stderr 'rota-import: 66 read, 66 loaded, 0 rejected, 1 batch, N rows/s'
	run -0 --separate-stderr rota-import --db "$PGC" --list
	assert_equal "$stderr" ""
	assert_output - <<'EOF'
TYPE              RECORDS
horizon                 1
person                  8
site                    0
activity                1
cover                  14
absence                 8
request                26
limit                   8
assignment              0
shift                   0
finding                 0
EOF
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM requests WHERE want = 'off'")" 5
	assert_equal "$(pgq "$DB" 'SELECT max(version) FROM rota_schema')" 3
}

@test "PostgreSQL: --list and --dump create nothing in a database that is not a rota store" {
	run -4 --separate-stderr rota-import --db "$PGC" --list
	assert_output ""
	assert_stderr "rota-import: $PGC: not a rota store (it has no rota_schema table)"
	run -4 --separate-stderr rota-import --db "$PGC" --dump
	assert_output ""
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
	new_store "$PGC"
	run -0 --separate-stderr rota-import --db "$PGC" --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
}

@test "PostgreSQL: import and --dump of every record type" {
	run -0 --separate-stderr rota-import --db "$PGC" "$DATA/all-types.ndjson"
	assert_stderr 'rota-import: 17 read, 16 loaded, 0 rejected, 1 skipped, 1 batch, N rows/s'
	run -0 rota-import --db "$PGC" --list
	assert_output "$(list_of 1 3 0 2 1 1 2 2 2 0 2)"
	run -0 --separate-stderr rota-import --db "$PGC" --dump
	assert_output "$(cat "$DATA/all-types.dump.ndjson")"
	run -0 --separate-stderr rota-import --db "$PGC" --dump --type assignment
	assert_output "$(grep '"type":"assignment"' "$DATA/all-types.dump.ndjson")"
	run -0 --separate-stderr rota-import --db "$PGC" --dump -t summary
	assert_output ""
	assert_equal "$(pgq "$DB" "SELECT extra FROM people WHERE id = 'r1'")" '{"pager":"4411"}'
}

@test "PostgreSQL and SQLite: the same imports give the same --dump" {
	cp "$DATA/people.csv" "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	cat >sp.ndjson <<'EOF'
{"type":"person","id":"p1","name":"","x":"\\N"}
{"type":"person","id":"p2","name":"\\N","x":"","y":null,"z":[1,{"a":false}]}
{"type":"person","id":"p3","name":"line1\nline2\r\tend \\ \"q\" é 😀"}
{"type":"person","id":"p 4\\","extra":{"k":1}}
EOF
	# In two runs: the second one's keys partly exist already (upserts).
	run -1 --separate-stderr rota-import --db s.db people.csv sp.ndjson
	run -1 --separate-stderr rota-import --db "$PGC" people.csv sp.ndjson
	run -0 --separate-stderr rota-import --db s.db Instance1.txt all-types.ndjson
	run -0 --separate-stderr rota-import --db "$PGC" Instance1.txt all-types.ndjson
	rota-import --db s.db --dump >sqlite.ndjson
	rota-import --db "$PGC" --dump >pg.ndjson
	assert_equal "$(wc -l <pg.ndjson)" 87
	cmp sqlite.ndjson pg.ndjson
	assert_equal "$(rota-import --db "$PGC" --list)" "$(rota-import --db s.db --list)"
}

@test "PostgreSQL and SQLite: numbers that need 17 digits dump the same" {
	cat >f.ndjson <<'EOF'
{"type":"finding","rule":"r1","from":"2026-01-05","to":"2026-01-11","status":"advisory","value":81.5,"limit":0.3333333333333333}
{"type":"finding","rule":"r2","from":"2026-01-05","to":"2026-01-11","status":"info","value":123456789.12345679,"limit":-1e-300}
EOF
	rota-import -q --db "$PGC" f.ndjson
	run -0 rota-import --db "$PGC" --dump
	assert_output - <<'EOF'
{"type":"finding","rule":"r1","person":"*","from":"2026-01-05","to":"2026-01-11","status":"advisory","value":81.5,"limit":0.3333333333333333}
{"type":"finding","rule":"r2","person":"*","from":"2026-01-05","to":"2026-01-11","status":"info","value":123456789.12345679,"limit":-1e-300}
EOF
	rota-import -q --db s.db f.ndjson
	assert_equal "$(rota-import --db s.db --dump)" "$output"
}

@test "PostgreSQL: URIs and libpq's environment work as connection strings" {
	gen_people 3 >a.ndjson
	gen_people 2 10 >b.ndjson
	gen_people 1 20 >c.ndjson
	gen_people 1 30 >d.ndjson
	run -0 --separate-stderr rota-import --db "postgresql:///$DB?host=$PGDIR&user=rota" a.ndjson
	assert_summary '3 read, 3 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr rota-import --db "postgres://rota@/$DB?host=$PGDIR" b.ndjson
	assert_summary '2 read, 2 loaded, 0 rejected, 1 batch'
	local enc=${PGDIR//\//%2F}
	run -0 --separate-stderr rota-import --db "postgresql://rota@$enc/$DB" c.ndjson
	assert_summary '1 read, 1 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr env PGHOST="$PGDIR" PGUSER=rota rota-import --db "dbname=$DB" d.ndjson
	assert_summary '1 read, 1 loaded, 0 rejected, 1 batch'
	run -0 env PGHOST="$PGDIR" PGUSER=rota PGDATABASE="$DB" rota-import --db 'application_name=rota-test' --list
	assert_line --index 2 "$(printf '%-12s %12s' person 7)"
	run -0 env ROTA_DB="postgresql:///$DB?host=$PGDIR&user=rota" rota-import --dump
	assert_equal "${#lines[@]}" 7
	assert_equal "$(people_count)" 7
}

@test "PostgreSQL: a connection that fails exits 4 and writes nothing" {
	gen_people 3 >in.ndjson
	run -4 --separate-stderr rota-import --db "host=/nonexistent user=rota dbname=rota" in.ndjson
	assert_output ""
	[[ ${stderr_lines[0]} == 'rota-import: host=/nonexistent user=rota dbname=rota: '*'"/nonexistent/.s.PGSQL.5432"'* ]]
	run -4 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=nope" in.ndjson
	assert_output ""
	[[ ${stderr_lines[0]} == "rota-import: host=$PGDIR user=rota dbname=nope: "*'database "nope" does not exist'* ]]
	run -4 --separate-stderr rota-import --db "postgresql://nobody@/$DB?host=$PGDIR" in.ndjson
	[[ ${stderr_lines[0]} == *'role "nobody" does not exist'* ]]
	run -4 --separate-stderr rota-import --db 'hostx=1' in.ndjson
	assert_stderr 'rota-import: hostx=1: invalid connection option "hostx"'
	run -4 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=nope" --list
	assert_output ""
	run -4 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=nope" --dump
	assert_output ""
	run -4 --separate-stderr rota-import --db "postgresql://rota@/$DB?host=$PGDIR&port=1" in.ndjson
	assert_output ""
	# Nothing was made in the database that does exist.
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
}

@test "PostgreSQL: --batch-size sets the batches, the ledger records them, COPY loads them" {
	gen_people 25 >25.ndjson
	log_mark
	run -0 --separate-stderr rota-import --db "$PGC" --batch-size 10 25.ndjson
	assert_stderr 'rota-import: 25 read, 25 loaded, 0 rejected, 3 batches, N rows/s'
	# One COPY per batch, no row-by-row INSERT.
	assert_equal "$(log_count 'COPY "(stage_)?people"')" 3
	assert_equal "$(log_count 'INSERT INTO "people" .*VALUES')" 0
	assert_equal "$(people_count)" 25
	assert_equal "$(pgq "$DB" 'SELECT inputs, finished IS NOT NULL FROM rota_import')" 'ndjson:25.ndjson|t'
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_import_batch')" 0

	pg_newdb "${DB}b"
	run -0 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=${DB}b" -b 10 <25.ndjson
	assert_summary '25 read, 25 loaded, 0 rejected, 3 batches'
	assert_equal "$(pgq "${DB}b" 'SELECT count(*) FROM rota_import')" 0

	pg_newdb "${DB}c"
	gen_people 1000 >1000.ndjson
	log_mark
	run -0 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=${DB}c" -b 100 1000.ndjson
	assert_summary '1000 read, 1000 loaded, 0 rejected, 10 batches'
	assert_equal "$(log_count 'COPY "(stage_)?people"')" 10
}

@test "PostgreSQL: --max-rejects stops past N, keeping committed batches only" {
	mixed_people in.ndjson
	run -3 --separate-stderr rota-import --db "$PGC" -b 10 -m 1 in.ndjson
	assert_stderr - <<'EOF'
rota-import: in.ndjson:26: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:27: pgy: expected 1..10, got 0
rota-import: more than 1 rows rejected; stopping
rota-import: 27 read, 20 loaded, 2 rejected, 2 batches, N rows/s
EOF
	assert_equal "$(pgq "$DB" "SELECT count(*), sum((id = 'p21')::int) FROM people")" '20|0'
	# A re-run resumes after the committed batches.
	run -1 --separate-stderr rota-import --db "$PGC" -b 10 in.ndjson
	assert_equal "${stderr_lines[0]}" "$(resume_msg 20 2)"
	assert_summary '33 read, 10 loaded, 3 rejected, 20 skipped, 3 batches'
	assert_equal "$(people_count)" 30
}

@test "PostgreSQL: --max-rejects rolls back rows of the batch in flight already sent" {
	# 1000 rows commit; then 300 more, with a key repeated early so that the
	# first ones reach the server inside the transaction; then 2 bad rows.
	{
		gen_people 1000
		gen_people 100 1001
		gen_people 1 1001
		gen_people 200 1101
		echo '{bad'
		echo '{bad'
	} >in.ndjson
	log_mark
	run -3 --separate-stderr rota-import --db "$PGC" -b 1000 -m 1 in.ndjson
	assert_summary '1303 read, 1000 loaded, 2 rejected, 1 batch'
	# The rows before the repeated key did reach the server.
	(($(log_count 'COPY "(stage_)?people"') >= 2))
	assert_equal "$(pgq "$DB" "SELECT count(*), max(substr(id, 2)::int) FROM people")" '1000|1000'
	run -3 --separate-stderr rota-import --db s.db -b 1000 -m 1 in.ndjson
	assert_summary '1303 read, 1000 loaded, 2 rejected, 1 batch'
	assert_equal "$(sq s.db 'SELECT count(*), max(CAST(substr(id, 2) AS integer)) FROM people')" '1000|1000'
}

@test "PostgreSQL: --atomic loads everything or nothing" {
	mixed_people in.ndjson
	run -3 --separate-stderr rota-import --db "$PGC" -b 10 --atomic in.ndjson
	assert_stderr_line 'rota-import: --atomic: 3 rows rejected; nothing loaded'
	assert_summary '33 read, 0 loaded, 3 rejected, 0 batches'
	run -0 rota-import --db "$PGC" --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_import')" 0

	pg_newdb "${DB}b"
	gen_people 1000 >good.ndjson
	log_mark
	run -0 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=${DB}b" -b 100 --atomic good.ndjson
	assert_stderr 'rota-import: 1000 read, 1000 loaded, 0 rejected, 1 batch, N rows/s'
	assert_equal "$(people_count "${DB}b")" 1000
	# One transaction, but still sent a batch at a time, not a row at a time.
	assert_equal "$(log_count 'COPY "(stage_)?people"')" 10
}

@test "PostgreSQL: importing again is idempotent and upserts changed fields" {
	cp "$DATA/all-types.ndjson" .
	rota-import -q --db "$PGC" all-types.ndjson
	local before xmin
	before=$(rota-import --db "$PGC" --dump)
	xmin=$(pgq "$DB" "SELECT xmin FROM people WHERE id = 'r1'")
	run -0 --separate-stderr rota-import --db "$PGC" all-types.ndjson
	refute_stderr_line 'resuming'
	assert_summary '17 read, 16 loaded, 0 rejected, 1 skipped, 1 batch'
	assert_equal "$(rota-import --db "$PGC" --dump)" "$before"
	cat >change.ndjson <<'EOF'
{"type":"person","id":"r1","name":"Ada King","pgy":2}
{"type":"request","person":"r2","date":"2026-01-06","want":"off","weight":9}
{"type":"request","person":"r2","date":"2026-01-06","want":"on"}
EOF
	rota-import -q --db "$PGC" change.ndjson
	run -0 rota-import --db "$PGC" --list
	assert_output "$(list_of 1 3 0 2 1 1 3 2 2 0 2)"
	run -0 rota-import --db "$PGC" --dump --type person
	assert_line '{"type":"person","id":"r1","name":"Ada King","pgy":2}'
	run -0 rota-import --db "$PGC" --dump --type request
	assert_output - <<'EOF'
{"type":"request","person":"r2","date":"2026-01-06","slot":"*","activity":"*","want":"off","weight":9}
{"type":"request","person":"r2","date":"2026-01-06","slot":"*","activity":"*","want":"on","weight":1}
{"type":"request","person":"r2","date":"2026-01-07","slot":"AM","activity":"clinic","want":"on","weight":1}
EOF
	# Unchanged rows are not rewritten.
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM people WHERE id = 'f1' AND xmin = '$xmin'")" 1
}

@test "PostgreSQL: a key repeated in one batch or across batches: the last wins" {
	cat >dup.ndjson <<'EOF'
{"type":"person","id":"p1","pgy":1,"name":"First"}
{"type":"person","id":"p2"}
{"type":"person","id":"p1","name":"Last","x":1}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":1}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":3}
EOF
	local bs n=0 conn
	for bs in 10000 1 2; do
		n=$((n + 1))
		pg_newdb "${DB}_$n"
		conn="host=$PGDIR user=rota dbname=${DB}_$n"
		run -0 --separate-stderr rota-import --db "$conn" -b $bs dup.ndjson
		run -0 rota-import --db "$conn" --dump
		assert_output - <<'EOF'
{"type":"person","id":"p1","name":"Last","x":1}
{"type":"person","id":"p2"}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":3}
EOF
	done
	# The same, repeated many times within one batch.
	awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"type\":\"person\",\"id\":\"p%d\",\"pgy\":%d}\n", i % 7, 1 + i % 10 }' >many.ndjson
	run -0 --separate-stderr rota-import --db "$PGC" many.ndjson
	rota-import -q --db s.db many.ndjson
	assert_equal "$(rota-import --db "$PGC" --dump)" "$(rota-import --db s.db --dump)"
	assert_equal "$(people_count)" 7
}

@test "PostgreSQL: --dump round trip into another database and into SQLite" {
	cp "$DATA/people.csv" "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	rota-import -q --db "$PGC" people.csv Instance1.txt all-types.ndjson || true
	rota-import --db "$PGC" --dump >one.ndjson
	pg_newdb "${DB}b"
	run -0 --separate-stderr rota-import --db "host=$PGDIR user=rota dbname=${DB}b" one.ndjson
	assert_summary '83 read, 83 loaded, 0 rejected, 1 batch'
	rota-import --db "host=$PGDIR user=rota dbname=${DB}b" --dump >two.ndjson
	cmp one.ndjson two.ndjson
	rota-import -q --db s.db one.ndjson
	rota-import --db s.db --dump >three.ndjson
	cmp one.ndjson three.ndjson
}

@test "PostgreSQL: --rejects and the exit status are as without a store" {
	mixed_people in.ndjson
	run -1 --separate-stderr rota-import --db "$PGC" -b 10 --rejects rej.ndjson in.ndjson
	assert_summary '33 read, 30 loaded, 3 rejected, 3 batches'
	run -1 --separate-stderr rota-import --rejects plain.ndjson in.ndjson
	cmp rej.ndjson plain.ndjson
	assert_equal "$(wc -l <rej.ndjson)" 3
	assert_equal "$(ls -A)" "in.ndjson
plain.ndjson
rej.ndjson"
	assert_equal "$(people_count)" 30
}

@test "PostgreSQL: kill -9 mid-import, then the same command resumes" {
	local big=$BATS_FILE_TMPDIR/big.ndjson
	batches() { pgq "$DB" 'SELECT count(*) FROM rota_import_batch'; }
	kill_midway batches --db "$PGC" --batch-size 1000 "$big"
	local n
	n=$(pgq "$DB" 'SELECT count(*) FROM requests')
	((n > 0 && n < 300000 && n % 1000 == 0))
	assert_equal "$(pgq "$DB" 'SELECT count(*) * 1000, max(last_record) FROM rota_import_batch')" "$n|$n"
	assert_equal "$(pgq "$DB" 'SELECT finished IS NULL FROM rota_import')" t

	run -0 --separate-stderr rota-import --db "$PGC" --batch-size 1000 "$big"
	assert_stderr "$(resume_msg "$n" $((n / 1000)))
rota-import: 300000 read, $((300000 - n)) loaded, 0 rejected, $n skipped, 300 batches, N rows/s"
	assert_equal "$(pgq "$DB" 'SELECT count(*), sum(weight) FROM requests')" '300000|45000150000'
	assert_equal "$(pgq "$DB" "SELECT person || '|' || date FROM requests" | sort | cksum)" "$(request_keys "$big")"
	assert_equal "$(pgq "$DB" 'SELECT finished IS NOT NULL FROM rota_import')" t
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_import_batch')" 0
}

@test "PostgreSQL: kill -9 mid-import, then --no-resume loads everything again" {
	local big=$BATS_FILE_TMPDIR/big.ndjson
	batches() { pgq "$DB" 'SELECT count(*) FROM rota_import_batch'; }
	# Small batches: ten times the commits, so the import cannot finish
	# between two polls (the batch size is not part of the import's
	# identity, so the rerun below is the same import).
	kill_midway batches --db "$PGC" -b 100 "$big"
	run -0 --separate-stderr rota-import --db "$PGC" -b 1000 --no-resume "$big"
	assert_stderr 'rota-import: 300000 read, 300000 loaded, 0 rejected, 300 batches, N rows/s'
	assert_equal "$(pgq "$DB" 'SELECT count(*), sum(weight) FROM requests')" '300000|45000150000'
}

@test "PostgreSQL: a store error mid-import exits 4, keeping committed batches only" {
	{
		gen_people 25
		echo '{"type":"person","id":"boom"}'
		gen_people 3 26
	} >in.ndjson
	new_store "$PGC"
	pgq "$DB" "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \$\$
		BEGIN IF NEW.id = 'boom' THEN RAISE EXCEPTION 'no boom'; END IF; RETURN NEW; END \$\$;
		CREATE TRIGGER boom BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION boom()"
	run -4 --separate-stderr rota-import --db "$PGC" -b 10 --rejects rej.ndjson in.ndjson
	assert_output ""
	stderr_norm | grep -q "^rota-import: $PGC: .*no boom"
	assert_equal "$(pgq "$DB" "SELECT count(*), sum((id = 'p21')::int) FROM people")" '20|0'
	[ -f rej.ndjson ] && [ ! -s rej.ndjson ]
	assert_equal "$(ls -A)" "in.ndjson
rej.ndjson"
	pgq "$DB" 'DROP TRIGGER boom ON people'
	run -0 --separate-stderr rota-import --db "$PGC" -b 10 in.ndjson
	assert_equal "${stderr_lines[0]}" "$(resume_msg 20 2)"
	assert_equal "$(people_count)" 29
}

@test "PostgreSQL: a store made by a newer rota exits 4" {
	new_store "$PGC"
	pgq "$DB" 'INSERT INTO rota_schema (version) VALUES (4)'
	gen_people 1 >in.ndjson
	run -4 --separate-stderr rota-import --db "$PGC" in.ndjson
	assert_stderr "rota-import: $PGC: the store's schema is version 4, newer than this rota's (3)"
	run -4 --separate-stderr rota-import --db "$PGC" --list
	assert_output ""
	assert_equal "$(people_count)" 0
}

@test "PostgreSQL: another session holding a lock past the busy timeout: exit 5" {
	gen_people 3 >in.ndjson
	new_store "$PGC"
	# A session that holds a lock on people until told to commit.
	start_holder $'BEGIN;\nLOCK TABLE people IN ACCESS EXCLUSIVE MODE;\n\\! touch locked\n' \
		psql -X -q -h "$PGDIR" -U rota -d "$DB"
	run -5 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-import --db "$PGC" in.ndjson
	assert_output ""
	assert_stderr_line "rota-import: $PGC: ERROR:  canceling statement due to lock timeout"
	run --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-import --db "$PGC" --list
	local list_status=$status
	run --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-import --db "$PGC" --dump
	local dump_status=$status
	printf 'COMMIT;\n' >&4
	exec 4>&-
	wait "$holder"
	assert_equal "$(people_count)" 0
	run -0 --separate-stderr rota-import --db "$PGC" in.ndjson
	assert_equal "$(people_count)" 3
	# Readers held up past the timeout say so the same way.
	assert_equal "--list: $list_status" "--list: 5"
	assert_equal "--dump: $dump_status" "--dump: 5"
}

@test "PostgreSQL: concurrent first runs on a new database all succeed" {
	gen_people 500 >a.ndjson
	cp "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	rota-import -q --db "$PGC" -b 50 a.ndjson &
	local p1=$!
	rota-import -q --db "$PGC" Instance1.txt &
	local p2=$!
	rota-import -q --db "$PGC" all-types.ndjson &
	local p3=$!
	wait $p1
	wait $p2
	wait $p3
	run -0 rota-import --db "$PGC" --list
	assert_output "$(list_of 1 511 0 3 15 9 28 10 2 0 2)"
}

@test "PostgreSQL: standard output on a full disk exits 7" {
	rota-import -q --db "$PGC" "$DATA/Instance1.txt"
	run -7 --separate-stderr to_full rota-import --db "$PGC" --dump
	assert_stderr_line 'rota-import: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-import --db "$PGC" --list
	assert_stderr_line 'rota-import: standard output: No space left on device'
}
