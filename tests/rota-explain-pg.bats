#!/usr/bin/env bats
# tests/rota-explain-pg.bats: rota-explain --db on PostgreSQL stores, against
# a real throwaway server (tests/lib/pgserver) started once for the file.
# The data: scripts/gen-programme --residents 200 --days 120 --schedule
# (46,580 assignments; the rota schema's primary keys only: assignments
# (person, date, slot), people (id), covers (date, slot, activity)), loaded
# by rota-import into a template database and ANALYZEd; each test has a copy
# of its own.  --verify needs HypoPG (postgresql-15-hypopg, scripts/deps).

load helpers

setup_file() {
	PGDIR=$("$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
	"$ROTA_TOP/scripts/gen-programme" --residents 200 --days 120 --schedule >"$BATS_FILE_TMPDIR/p.ndjson"
	psql -X -q -h "$PGDIR" -U rota -d rota -c 'CREATE DATABASE base' >/dev/null
	rota-import -q --db "host=$PGDIR user=rota dbname=base" "$BATS_FILE_TMPDIR/p.ndjson"
	psql -X -q -h "$PGDIR" -U rota -d base -c 'ANALYZE' >/dev/null
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	DB=t$BATS_TEST_NUMBER
	# A copy of the template (its statistics too); CREATE DATABASE waits
	# a few seconds for a session of an earlier test still leaving it.
	psql -X -q -h "$PGDIR" -U rota -d rota -c "CREATE DATABASE \"$DB\" TEMPLATE base" >/dev/null
	PGC="host=$PGDIR user=rota dbname=$DB"
}

# ---- helpers -------------------------------------------------------------

# pgq SQL: the result in the test's database, unaligned, without headers.
pgq() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$DB" -c "$1"
}

count() {
	pgq "SELECT count(*) FROM $1"
}

# rules: "RULE SEVERITY" of each record of $output, in the order written.
rules() {
	printf '%s\n' "$output" | jq -r '"\(.rule) \(.severity)"'
}

# field RULE EXPR: jq EXPR of each record of RULE in $output, compact.
field() {
	printf '%s\n' "$output" | jq -c --arg r "$1" "select(.rule == \$r) | $2"
}

# has_rule RULE / no_rule RULE: a record of RULE is / is not in $output.
has_rule() {
	printf '%s\n' "$output" | jq -e -s --arg r "$1" 'any(.[]; .rule == $r)' >/dev/null ||
		fail "no $1 in: $output"
}
no_rule() {
	! printf '%s\n' "$output" | jq -e -s --arg r "$1" 'any(.[]; .rule == $r)' >/dev/null ||
		fail "$1 in: $output"
}

# ---- --verify: the index a query needs, and none when it needs none ----------

@test "--verify proposes exactly the missing index a query needs, at half the cost or less, and it is real" {
	local q="SELECT * FROM assignments WHERE activity = 'call-t1'"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --verify --query "$q"
	assert_equal "$stderr" ""
	assert_equal "$(field explain.index '[.relation, .columns, .statement, .node, .node_label]')" \
		'["assignments",["activity"],"CREATE INDEX CONCURRENTLY ON \"assignments\" (\"activity\");",1,"Seq Scan on assignments"]'
	field explain.index '.cost_after <= .cost_before / 2' | grep -qx true
	# With --verify the candidates are tried, not listed.
	no_rule explain.index-candidate
	has_rule explain.seq-scan-filter
	# The statement as proposed makes an index the planner then uses.
	pgq "$(field explain.index .statement | jq -r .)"
	pgq 'ANALYZE assignments'
	run -0 pgq "EXPLAIN $q"
	assert_output --partial 'assignments_activity_idx'
	# And it is not proposed again.
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --verify --query "$q"
	no_rule explain.index
	no_rule explain.seq-scan-filter
}

@test "--verify: WHERE activity AND kind gets (activity, kind) proposed; every proposal halves the cost" {
	run -0 --separate-stderr rota-explain --db "$PGC" --verify \
		--query "SELECT * FROM assignments WHERE activity = 'call-t1' AND kind = 'in_house_call'"
	field explain.index '.columns' | grep -qxF '["activity","kind"]'
	assert_equal "$(field explain.index 'select(.columns == ["activity","kind"]) | .statement')" \
		'"CREATE INDEX CONCURRENTLY ON \"assignments\" (\"activity\", \"kind\");"'
	# (kind) alone, 3% of the rows, does not halve it; only candidates of
	# the scan's filter are proposed, each at half the cost or less.
	! field explain.index '.columns' | grep -qxF '["kind"]'
	assert_equal "$(field explain.index '(.cost_after <= .cost_before / 2) and .relation == "assignments"' | sort -u)" true
	# The hypothetical indexes and the extension are gone afterwards.
	assert_equal "$(pgq "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'")" 0
}

@test "--verify: queries the keys serve, or that read every row anyway, get no proposal and no seq-scan finding" {
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --verify \
		--query "SELECT * FROM assignments WHERE person = 'r001' AND date = '2026-07-06'" \
		--query "SELECT * FROM assignments WHERE person = 'r001'" \
		--query "SELECT * FROM people WHERE id = 'r001'" \
		--query "SELECT * FROM covers WHERE date = '2026-07-06'" \
		--query "SELECT kind, count(*) FROM assignments GROUP BY kind"
	assert_equal "$stderr" ""
	no_rule explain.index
	no_rule explain.seq-scan-filter
	# Each was planned: query numbers 1..5 (each has its hot node).
	assert_equal "$(printf '%s\n' "$output" | jq -r .query | sort -u | tr '\n' ' ')" "1 2 3 4 5 "
	# Without --verify: not even a candidate.
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze \
		--query "SELECT * FROM assignments WHERE person = 'r001' AND date = '2026-07-06'" \
		--query "SELECT * FROM covers WHERE date = '2026-07-06'" \
		--query "SELECT kind, count(*) FROM assignments GROUP BY kind"
	no_rule explain.index-candidate
	no_rule explain.seq-scan-filter
}

@test "--verify: an index with the column only in INCLUDE, in an expression or a partial index does not serve it: still proposed" {
	local q="SELECT * FROM assignments WHERE activity = 'call-t1'"
	pgq 'CREATE INDEX ON assignments (slot) INCLUDE (activity)'
	pgq 'CREATE INDEX ON assignments (lower(activity))'
	pgq "CREATE INDEX ON assignments (activity) WHERE kind = 'education'"
	pgq 'ANALYZE assignments'
	run -0 --separate-stderr rota-explain --db "$PGC" --verify --query "$q"
	assert_equal "$(field explain.index .columns)" '["activity"]'
	# An index that begins with it does.
	pgq 'CREATE INDEX ON assignments (activity, slot)'
	run -0 --separate-stderr rota-explain --db "$PGC" --verify --query "$q"
	no_rule explain.index
}

@test "--analyze: actual rows make the seq-scan and misestimate findings; a plan alone has neither" {
	local q="SELECT * FROM assignments WHERE activity = 'call-t1' AND kind = 'in_house_call'"
	run -0 --separate-stderr rota-explain --db "$PGC" --query "$q"
	no_rule explain.seq-scan-filter
	no_rule explain.misestimate
	assert_equal "$(field explain.hot-node '.ms')" null
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.seq-scan-filter '[.severity, .rows_read, .rows_removed]')" '["high",46580,46340]'
	field explain.hot-node '.ms' | grep -qE '^[0-9.]+$'
}

# ---- the rules on a live server ------------------------------------------------

@test "a Sort that spills: ALTER DATABASE … SET work_mem = '64kB', ORDER BY over every row, --analyze" {
	local q="SELECT * FROM assignments ORDER BY activity, start"
	pgq "ALTER DATABASE \"$DB\" SET work_mem = '64kB'"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.sort-spill '[.severity, .node_label]')" '["medium","Sort"]'
	field explain.sort-spill '.disk_kb > 1000 and .work_mem_kb == 2 * .disk_kb' | grep -qx true
	# With the memory it asked for, no spill (the default 4MB is too little).
	pgq "ALTER DATABASE \"$DB\" SET work_mem = '$(field explain.sort-spill '.work_mem_kb * 2 | floor')kB'"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	no_rule explain.sort-spill
	assert_equal "$(field explain.hot-node .node_label)" '"Sort"'
	pgq "ALTER DATABASE \"$DB\" RESET work_mem"
}

@test "a Hash that spills: a big hash join with work_mem 64kB" {
	local q="SELECT a.person, b.activity FROM assignments a JOIN assignments b ON b.person = a.person AND b.date = a.date AND b.slot = a.slot"
	pgq "ALTER DATABASE \"$DB\" SET work_mem = '64kB'"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.hash-spill '[.severity, .node_label]')" '["medium","Hash"]'
	field explain.hash-spill '.batches > 1' | grep -qx true
	pgq "ALTER DATABASE \"$DB\" RESET work_mem"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	no_rule explain.hash-spill
}

@test "stale statistics: bulk INSERT with autovacuum off gives a high misestimate; ANALYZE ends it" {
	local q="SELECT * FROM assignments WHERE kind = 'bulk'"
	pgq 'ALTER TABLE assignments SET (autovacuum_enabled = off)'
	pgq "INSERT INTO assignments (person, date, slot, activity, kind) SELECT person, date, slot || '-' || g, 'bulk', 'bulk' FROM assignments, generate_series(1, 3) g"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.misestimate '[.severity, .relation, .actual_rows]')" '["high","assignments",139740]'
	field explain.misestimate .message | grep -qF '(ANALYZE assignments)'
	pgq 'ANALYZE assignments'
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	no_rule explain.misestimate
}

@test "stale statistics: bulk DELETE without ANALYZE: the estimate is over by far" {
	local q="SELECT * FROM assignments WHERE kind = 'clinical'"
	pgq 'ALTER TABLE assignments SET (autovacuum_enabled = off)'
	pgq "DELETE FROM assignments WHERE kind = 'clinical'"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.misestimate '[.relation, .actual_rows]')" '["assignments",0]'
	field explain.misestimate '.estimated_rows >= 10000 and (.severity == "high")' | grep -qx true
}

@test "a Nested Loop with many inner loops: hash and merge joins off (ALTER DATABASE … SET), reset after" {
	local q="SELECT a.person, ac.name FROM assignments a JOIN activities ac ON ac.site = a.activity"
	pgq "ALTER DATABASE \"$DB\" SET enable_hashjoin = off"
	pgq "ALTER DATABASE \"$DB\" SET enable_mergejoin = off"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	assert_equal "$(field explain.nested-loop '[.severity, .node_label, .inner_loops]')" '["high","Nested Loop",46580]'
	# The join's column on the inner side is a candidate.
	field explain.index-candidate '[.relation, .columns]' | grep -qxF '["activities",["site"]]'
	pgq "ALTER DATABASE \"$DB\" RESET enable_hashjoin"
	pgq "ALTER DATABASE \"$DB\" RESET enable_mergejoin"
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
	no_rule explain.nested-loop
	field explain.hot-node .node_label | grep -q 'Hash'
}

# ---- statements that write ----------------------------------------------------------

@test "data-modifying statements are refused with exit 2 without --allow-write, and nothing changes" {
	local people assignments q
	people=$(count people)
	assignments=$(count assignments)
	local -a qs=(
		"DELETE FROM people"
		"UPDATE people SET pgy = 9"
		"INSERT INTO people (id) VALUES ('zz')"
		"INSERT INTO people SELECT id || 'x', name, role, pgy, specialties, extra FROM people"
		"WITH d AS (DELETE FROM assignments RETURNING person) SELECT count(*) FROM d"
	)
	for q in "${qs[@]}"; do
		run -2 --separate-stderr rota-explain --db "$PGC" --query "$q"
		assert_equal "$q: $output" "$q: "
		assert_equal "$q: $stderr" "$q: rota-explain: query 1 changes data: rota-explain plans it only with --allow-write"
		run -2 --separate-stderr rota-explain --db "$PGC" --analyze --query "$q"
		assert_equal "$q: $output" "$q: "
	done
	# In a file, after a query that reads: the number is the file's.
	printf 'SELECT 1;\nDELETE FROM people;\n' >q.sql
	run -2 --separate-stderr rota-explain --db "$PGC" --analyze --queries q.sql
	assert_stderr_line "rota-explain: query 2 changes data: rota-explain plans it only with --allow-write"
	assert_equal "$(count people) $(count assignments)" "$people $assignments"
	assert_equal "$(pgq "SELECT count(*) FROM people WHERE pgy = 9 OR id = 'zz'")" 0
}

@test "--allow-write --analyze: a DELETE runs, and is rolled back" {
	local n
	n=$(count people)
	run -0 --separate-stderr rota-explain --db "$PGC" --allow-write --analyze -F table --query "DELETE FROM people"
	assert_equal "$stderr" ""
	assert_line --index 0 "== DELETE FROM people"
	# It ran: the scan under it read every row.
	assert_line --regexp "^  Seq Scan on people  \(self ms [0-9.]+, [0-9]+%, $n rows\)$"
	assert_line --partial "ModifyTable on people  (self ms"
	assert_equal "$(count people)" "$n"
	# Without --analyze it is only planned.
	run -0 --separate-stderr rota-explain --db "$PGC" --allow-write --query "UPDATE people SET pgy = 9"
	assert_equal "$(pgq 'SELECT count(*) FROM people WHERE pgy = 9')" 0
}

@test "--analyze: a volatile function that writes, called by a SELECT, is stopped by the read-only transaction" {
	local n
	n=$(count people)
	pgq 'CREATE FUNCTION zap() RETURNS bigint LANGUAGE sql VOLATILE AS $$ DELETE FROM people RETURNING 1 $$'
	run -3 --separate-stderr rota-explain --db "$PGC" --analyze --query "SELECT zap()"
	assert_output ""
	assert_stderr_line "rota-explain: query 1: ERROR:  cannot execute DELETE in a read-only transaction"
	assert_equal "$(count people)" "$n"
	# Planned alone, it does not run.
	run -0 --separate-stderr rota-explain --db "$PGC" --query "SELECT zap()"
	assert_equal "$(count people)" "$n"
}

@test "a second statement after the query is never run (SELECT 1; COMMIT; DELETE …)" {
	local n
	n=$(count people)
	run --separate-stderr rota-explain --db "$PGC" --query "SELECT 1; COMMIT; DELETE FROM people"
	assert_equal "$(count people)" "$n"
	[[ $status == [23] ]] || fail "exit $status: $stderr"
	run --separate-stderr rota-explain --db "$PGC" --query "SELECT 1; DELETE FROM people"
	assert_equal "$(count people)" "$n"
	[[ $status == [23] ]] || fail "exit $status: $stderr"
}

# ---- errors, timeouts, passwords ------------------------------------------------------

@test "--timeout stops a slow query under --analyze: exit 3 with the server's message" {
	run -3 --separate-stderr rota-explain --db "$PGC" --analyze --timeout 0.3 --query "SELECT pg_sleep(30)"
	assert_output ""
	assert_stderr "rota-explain: query 1: ERROR:  canceling statement due to statement timeout"
	# Without --analyze nothing runs: a plan, at once.
	run -0 --separate-stderr rota-explain --db "$PGC" --timeout 0.3 --query "SELECT pg_sleep(30)"
	has_rule explain.hot-node
}

@test "a query the server refuses exits 3 with its message; a database that is not there or not a rota store exits 4" {
	run -3 --separate-stderr rota-explain --db "$PGC" --query "SELECT nope FROM people"
	assert_output ""
	assert_stderr_line 'rota-explain: query 1: ERROR:  column "nope" does not exist'
	run -4 --separate-stderr rota-explain --db "host=$PGDIR user=rota dbname=nodb" --query "SELECT 1"
	assert_stderr "rota-explain: host=$PGDIR user=rota dbname=nodb: connection to server on socket \"$PGDIR/.s.PGSQL.5432\" failed: FATAL:  database \"nodb\" does not exist"
	pgq "CREATE DATABASE \"${DB}_plain\""
	run -4 --separate-stderr rota-explain --db "host=$PGDIR user=rota dbname=${DB}_plain" --query "SELECT 1"
	assert_stderr "rota-explain: host=$PGDIR user=rota dbname=${DB}_plain: not a rota store (it has no rota_schema table)"
}

@test "a password in the connection string is never shown: success, --verify, a bad query, a wrong host, a wrong database" {
	local url="postgresql://rota:secret@/$DB?host=$PGDIR" all=
	run -0 --separate-stderr rota-explain --db "$url" --analyze --verify --query "SELECT * FROM assignments WHERE activity = 'call-t1'"
	has_rule explain.index
	all+="$output$stderr"
	run -0 --separate-stderr rota-explain --db "$url" -F table --query "SELECT 1"
	all+="$output$stderr"
	run -3 --separate-stderr rota-explain --db "$url" --query "SELECT nope"
	all+="$output$stderr"
	run -4 --separate-stderr rota-explain --db "postgresql://rota:secret@/$DB?host=/nonexistent" --query "SELECT 1"
	[[ $stderr == "rota-explain: postgresql://rota:***@/$DB?host=/nonexistent: connection to server on socket"* ]]
	all+="$output$stderr"
	run -4 --separate-stderr rota-explain --db "postgresql://rota:secret@/nodb?host=$PGDIR" --query "SELECT 1"
	all+="$output$stderr"
	run -4 --separate-stderr rota-explain --db "host=/nonexistent user=rota password=secret dbname=$DB" --query "SELECT 1"
	[[ $stderr == "rota-explain: host=/nonexistent user=rota password=*** dbname=$DB: connection to server"* ]]
	all+="$output$stderr"
	[[ $all != *secret* ]] || fail "the password is shown: $all"
}

@test "a password in a URI that libpq cannot parse is never shown either" {
	local spec
	for spec in "postgresql://rota:secret@[::1/$DB" "postgresql://rota:secret@[::1]x/$DB" "postgresql://rota:sec%zzret@/$DB?host=$PGDIR"; do
		run -4 --separate-stderr rota-explain --db "$spec" --query "SELECT 1"
		[[ $output$stderr != *secret* && $output$stderr != *sec%zzret* ]] || fail "the password is shown: $stderr"
	done
}

# ---- several queries, -F table, --fail-on ---------------------------------------------

@test "--queries FILE: several queries numbered 1..n, each planned (with --analyze, on the server)" {
	cat >q.sql <<'EOF'
SELECT * FROM assignments WHERE activity = 'call-t1'
;
SELECT * FROM people WHERE id = 'r001';
SELECT *
  FROM assignments
 ORDER BY activity, start;
EOF
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --queries q.sql
	assert_equal "$(printf '%s\n' "$output" | jq -r .query | uniq | tr '\n' ' ')" "1 2 3 "
	assert_equal "$(field explain.seq-scan-filter .query)" 1
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.query == 2) | .source' | sort -u)" "\"SELECT * FROM people WHERE id = 'r001'\""
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze -F table --query "SELECT count(*) FROM people" --queries q.sql
	assert_equal "$(grep -c '^== ' <<<"$output")" 4
	assert_line --index 0 "== SELECT count(*) FROM people"
	assert_equal "$(grep -cE '^planning [0-9.]+ ms, execution [0-9.]+ ms$' <<<"$output")" 4
}

@test "-F table on a store: the query as header, the tree, the proposal under its scan" {
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --verify -F table --query "SELECT * FROM assignments WHERE activity = 'call-t1'"
	assert_line --index 0 "== SELECT * FROM assignments WHERE activity = 'call-t1'"
	assert_line --index 1 --regexp '^Seq Scan on assignments  \(self ms [0-9.]+, 100%, 240 rows\)$'
	assert_line --regexp '^    ! medium explain\.index: an index on assignments \(activity\) cuts the estimated cost from [0-9]+ to [0-9]+ \([0-9]+% less\), tried as a hypothetical index: CREATE INDEX CONCURRENTLY ON "assignments" \("activity"\);$'
	assert_line --regexp '^planning [0-9.]+ ms, execution [0-9.]+ ms$'
}

@test "--fail-on on a store: exit 1 with the records written; an error is still its own code" {
	run -1 --separate-stderr rota-explain --db "$PGC" --analyze --fail-on high --query "SELECT * FROM assignments WHERE activity = 'call-t1'"
	assert_equal "$(field explain.seq-scan-filter .severity)" '"high"'
	run -0 --separate-stderr rota-explain --db "$PGC" --analyze --query "SELECT * FROM assignments WHERE activity = 'call-t1'"
	# The worst over the queries: the second's sort spill is medium.
	pgq "ALTER DATABASE \"$DB\" SET work_mem = '64kB'"
	run -1 --separate-stderr rota-explain --db "$PGC" --analyze --fail-on medium --query "SELECT 1" --query "SELECT * FROM assignments ORDER BY activity, start"
	has_rule explain.sort-spill
	run -3 --separate-stderr rota-explain --db "$PGC" --fail-on info --query "SELECT nope"
}
