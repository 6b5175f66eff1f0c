#!/usr/bin/env bats
# tests/security-pg.bats: hostile names (tests/hostile.bash) through every
# tool on PostgreSQL stores, against a throwaway server (tests/lib/pgserver)
# started once for the file; each test has a database of its own, whose
# name is hostile too.  The names come back byte for byte, in valid JSON,
# every table is still there, and the server never saw a syntax error.
# rota-explain plans in read-only transactions: a function that writes,
# run by the planner, changes nothing without --allow-write.
#
# The SQLite side is tests/security.bats.

load helpers
load hostile

setup_file() {
	PGDIR=$("$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
	hostile_programme >"$BATS_FILE_TMPDIR/prog.ndjson"
	rota-import -q "$BATS_FILE_TMPDIR/prog.ndjson" >"$BATS_FILE_TMPDIR/canon.ndjson"
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	PROG=$BATS_FILE_TMPDIR/prog.ndjson
	CANON=$BATS_FILE_TMPDIR/canon.ndjson
	# A database name that would break SQL, a connection string or a format.
	DBNAME="t$BATS_TEST_NUMBER'; DROP DATABASE rota; -- \"x\" %s"
	echo 'CREATE DATABASE :"n"' | psql -X -q -h "$PGDIR" -U rota -d rota -v "n=$DBNAME" >/dev/null
	local quoted=${DBNAME//\\/\\\\}
	quoted=${quoted//\'/\\\'}
	PGC="host=$PGDIR user=rota dbname='$quoted'"
}

# pgq SQL: the result in the test's database, unaligned, without headers.
pgq() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$DBNAME" -c "$1"
}

# tables_intact: every table of the schema is there, and the server's
# databases too.
tables_intact() {
	local t
	for t in horizons people sites activities covers absences requests limits assignments shifts findings \
		rota_schema rota_import; do
		pgq "SELECT count(*) FROM \"$t\"" >/dev/null || fail "table $t is gone"
	done
	assert_equal "$(psql -X -A -t -h "$PGDIR" -U rota -d rota -c "SELECT count(*) FROM pg_database WHERE datname = 'rota'")" 1
}

solve() {
	rota-solve -q -j 1 --moves 20000 --no-cache "$@"
}

# ---- hostile names through every tool -----------------------------------------

@test "PostgreSQL: hostile names in NDJSON, in a hostile database, back byte for byte; again through the stage" {
	run -0 --separate-stderr rota-import --db "$PGC" "$PROG"
	assert_output ""
	assert_summary '15 read, 15 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr rota-import --db "$PGC" --dump
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | canonical)" "$(canonical "$CANON")"
	has_ids id "${H_PEOPLE[@]}" "$H_ACT" "$H_CALL" "$H_SITE" "$H_HOR"
	assert_equal "$(printf '%s\n' "$output" | jq -r --arg k "$H_KEY" 'select(.type == "limit") | .[$k]')" "$H_NAME"
	# COPY's markers in ids came through as text, not as NULL or an end.
	assert_equal "$(pgq "SELECT count(*) FROM people WHERE id = E'back\\\\slash \\\\N \\\\. %s%n%x'")" 1
	# Loaded again: every key is there, so the rows go through the stage
	# and INSERT ... ON CONFLICT; still the same rows, once each.
	run -0 --separate-stderr rota-import --db "$PGC" "$PROG"
	assert_equal "$(rota-import --db "$PGC" --dump | canonical)" "$(canonical "$CANON")"
	assert_equal "$(pgq 'SELECT count(*) FROM people')" 6
	tables_intact
}

@test "PostgreSQL: hostile names in CSV with quoted cells, back byte for byte" {
	csv_round_trip "$PGC" "$H_P3"
	tables_intact
}

@test "PostgreSQL: rota-solve and rota-check-acgme read the hostile store: the same as from its records" {
	rota-import -q --db "$PGC" "$PROG"
	rota-import --db "$PGC" --dump >dump.ndjson
	run -0 --separate-stderr solve --db "$PGC"
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | grep '"assignment"')" "$(solve dump.ndjson | grep '"assignment"')"
	has_ids activity "$H_ACT" "$H_CALL"
	printf '%s\n' "$output" | grep '"assignment"' >sched.ndjson
	rota-import -q --db "$PGC" sched.ndjson
	run -0 --separate-stderr rota-check-acgme -a --tz America/Chicago --db "$PGC"
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | grep -v '"summary"' | canonical)" \
		"$(rota-check-acgme -a --tz America/Chicago sched.ndjson | grep -v '"summary"' | canonical)"
	local -a who
	mapfile -t who < <(jq -r .person sched.ndjson | LC_ALL=C sort -u)
	has_ids person "${who[@]}"
	# Its findings stored and dumped: the same bytes.
	printf '%s\n' "$output" | rota-import -q --db "$PGC"
	assert_equal "$(rota-import --db "$PGC" --dump | grep '"finding"' | canonical)" \
		"$(printf '%s\n' "$output" | grep '"finding"' | canonical)"
	tables_intact
}

@test "PostgreSQL: rota-mview-refresh: full, incremental after a change, --show byte for byte" {
	solve "$PROG" >sched.ndjson
	rota-import -q --db "$PGC" "$PROG" sched.ndjson
	run -0 --separate-stderr rota-mview-refresh -q --db "$PGC"
	assert_equal "$stderr" ""
	run -0 rota-mview-refresh --db "$PGC" --show schedule_summary
	all_json
	has_ids activity "$H_ACT" "$H_CALL"
	has_ids slot "$H_SLOT"
	local who to=$H_P3
	who=$(jq -r --arg c "$H_CALL" 'select(.activity == $c) | .person' sched.ndjson)
	[ "$who" != "$H_P3" ] || to=$H_P1
	jq -c --arg c "$H_CALL" --arg to "$to" 'select(.activity == $c) | .person = $to' sched.ndjson |
		rota-import -q --db "$PGC"
	run -0 --separate-stderr rota-mview-refresh --db "$PGC" -i
	all_json
	assert_equal "$(printf '%s\n' "$output" | jq -r '.mode' | sort -u)" incremental
	local v
	for v in schedule_summary person_workload rotation_coverage; do
		rota-mview-refresh --db "$PGC" --show "$v" >"$v.inc"
	done
	assert_equal "$(jq -r --arg p "$to" 'select(.person == $p and .period == "week") | .calls' person_workload.inc)" 1
	rota-mview-refresh -q --db "$PGC" --full
	for v in schedule_summary person_workload rotation_coverage; do
		assert_equal "$v: $(cat "$v.inc")" "$v: $(rota-mview-refresh --db "$PGC" --show "$v")"
	done
	output=$(cat person_workload.inc)
	has_ids person "${H_PEOPLE[@]}"
	tables_intact
}

@test "PostgreSQL: rota-explain on the hostile store: the query echoed byte for byte; --verify quotes hostile names" {
	rota-import -q --db "$PGC" "$PROG"
	local q="SELECT * FROM people WHERE name = 'o''neil \"the\" ;-- %s%n \\' ORDER BY role"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | jq -r .source | sort -u)" "$q"
	# A table of the user's own with a hostile name: the proposed
	# statement quotes it, and runs as it is.  (Candidate columns are
	# read from the plan's conditions, which name plain columns only.)
	local t="we\"ird'; DROP TABLE people; --" c1=c1 c2=c2
	pgq "$(printf 'CREATE TABLE %s (%s int, %s text, pad text); INSERT INTO %s SELECT g, g::text, repeat($$x$$, 200) FROM generate_series(1, 20000) g; ANALYZE %s' \
		"\"${t//\"/\"\"}\"" "\"${c1//\"/\"\"}\"" "\"${c2//\"/\"\"}\"" "\"${t//\"/\"\"}\"" "\"${t//\"/\"\"}\"")"
	q="SELECT * FROM \"${t//\"/\"\"}\" WHERE \"${c1//\"/\"\"}\" = 7 AND \"${c2//\"/\"\"}\" = '7'"
	run -0 --separate-stderr rota-explain --db "$PGC" --verify --query "$q"
	assert_equal "$stderr" ""
	all_json
	local stmt
	stmt=$(printf '%s\n' "$output" | jq -r 'select(.rule == "explain.index") | .statement' | head -n 1)
	[ -n "$stmt" ] || fail "no proposal: $output"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.rule == "explain.index") | .relation' | head -n 1)" "$t"
	[[ $stmt == "CREATE INDEX CONCURRENTLY ON \"${t//\"/\"\"}\" (\""* ]] || fail "$stmt"
	# Nothing was made by --verify; the statement, run, makes one index.
	assert_equal "$(pgq "SELECT count(*) FROM pg_indexes WHERE tablename = '${t//\'/\'\'}'")" 0
	pgq "$stmt"
	assert_equal "$(pgq "SELECT count(*) FROM pg_indexes WHERE tablename = '${t//\'/\'\'}'")" 1
	tables_intact
	assert_equal "$(pgq 'SELECT count(*) FROM people')" 6
}

@test "PostgreSQL: rota-explain: a function that writes, run by the planner (IMMUTABLE, folded), changes nothing" {
	rota-import -q --db "$PGC" "$PROG"
	# The planner calls an IMMUTABLE function of constants to fold it,
	# without --analyze: a sequence's nextval is not undone by a rollback.
	pgq 'CREATE SEQUENCE s'
	pgq "CREATE FUNCTION f() RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT nextval(''s'')'"
	pgq "CREATE FUNCTION g() RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS \$\$ BEGIN RETURN nextval('s'); END \$\$"
	local q
	for q in "SELECT f()" "SELECT * FROM people WHERE pgy = g()" "WITH d AS (SELECT f() AS n) SELECT * FROM d"; do
		run -3 --separate-stderr rota-explain --db "$PGC" --query "$q"
		assert_output ""
		assert_stderr_line "rota-explain: query 1: ERROR:  cannot execute nextval() in a read-only transaction"
		run -3 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
		run -3 --separate-stderr rota-explain --db "$PGC" --verify --query "$q"
	done
	assert_equal "$(pgq 'SELECT is_called FROM s')" f
	# --allow-write is the user's leave: then it is planned.
	run -0 --separate-stderr rota-explain --db "$PGC" --allow-write --query "SELECT f()"
	assert_equal "$(pgq 'SELECT is_called FROM s')" t
	tables_intact
}

@test "PostgreSQL: the server saw no syntax error from any of it" {
	run grep -c 'syntax error' "$PGDIR/server.log"
	assert_output 0
}
