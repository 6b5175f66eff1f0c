#!/usr/bin/env bats
# tests/rota-mview-refresh-pg.bats: rota-mview-refresh on PostgreSQL stores,
# against a real throwaway server (tests/lib/pgserver) started once for the
# file; each test has a database of its own.  The same core as
# tests/rota-mview-refresh.bats (which says more of the data), and what is
# PostgreSQL's own: statement-level triggers, the advisory lock, MVCC
# readers, a session that dies mid-refresh, concurrent writers.

load helpers

VIEWS=(schedule_summary person_workload rotation_coverage)

setup_file() {
	PGDIR=$("$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
	# A legal roster of the example (200000 moves find none: exit 6).
	rota-solve -q -j 1 --moves 500000 --no-cache "$ROTA_TOP"/examples/family-medicine/* |
		grep '"type":"assignment"' >"$BATS_FILE_TMPDIR/fm.schedule.ndjson"
	[ "$(wc -l <"$BATS_FILE_TMPDIR/fm.schedule.ndjson")" -eq 861 ]
	# A year of 200 residents, refreshed once, as a template database.
	"$ROTA_TOP/scripts/gen-programme" --residents 200 --days 365 --schedule >"$BATS_FILE_TMPDIR/big.ndjson"
	psql -X -q -h "$PGDIR" -U rota -d rota -c 'CREATE DATABASE big' >/dev/null
	rota-import -q --db "host=$PGDIR user=rota dbname=big" "$BATS_FILE_TMPDIR/big.ndjson"
	rota-mview-refresh -q --db "host=$PGDIR user=rota dbname=big" >/dev/null
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	DB=t$BATS_TEST_NUMBER
	pg_newdb "$DB"
	PGC=$(conn "$DB")
}

# ---- helpers -------------------------------------------------------------

conn() {
	echo "host=$PGDIR user=rota dbname=$1"
}

pg_newdb() {
	psql -X -q -h "$PGDIR" -U rota -d rota -c "CREATE DATABASE \"$1\"" >/dev/null
}

# pgq DATABASE SQL: the result unaligned, without headers ("a|b" rows).
pgq() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$1" -c "$2"
}

# pgf DATABASE: runs the SQL of standard input.
pgf() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$1" -f -
}

# gone DATABASE: until no session but ours is connected to it (a session
# whose client ended leaves when the server notices: 10 s at most).
gone() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(pgq "$1" 'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')" = 0 ] &&
			return 0
		sleep 0.01
	done
	echo "gone: sessions still connected to $1" >&2
	return 1
}

# no_advisory_locks: until the server holds no advisory lock (a session
# whose client ended releases its own when the server notices: 10 s at most).
no_advisory_locks() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(pgq rota "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] && return 0
		sleep 0.01
	done
	fail "an advisory lock is still held"
}

# copy_db FROM TO: a copy of database FROM (which must have no sessions).
copy_db() {
	gone "$1" || return
	psql -X -q -h "$PGDIR" -U rota -d rota -c "DROP DATABASE IF EXISTS \"$2\"" -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" >/dev/null
}

# spec NAME: an SQLite store for NAME.db, else the database NAME.
spec() {
	if [[ $1 == *.db ]]; then echo "$1"; else conn "$1"; fi
}

small_store() {
	rota-import -q --db "$(spec "$1")" "$DATA/mview/small.ndjson"
}

fm_store() {
	rota-import -q --db "$(spec "$1")" "$ROTA_TOP"/examples/family-medicine/* "$BATS_FILE_TMPDIR/fm.schedule.ndjson"
}

# views DATABASE: the rows of every view, as --show writes them.
views() {
	local v
	for v in "${VIEWS[@]}"; do
		rota-mview-refresh -d "$(conn "$1")" --show "$v" || return
	done
}

# same_views A B: the views of databases (or SQLite stores: *.db) A and B
# hold the same rows (not none).
same_views() {
	local a b
	a=$(spec "$1")
	b=$(spec "$2")
	local v
	for v in "${VIEWS[@]}"; do
		rota-mview-refresh -d "$a" --show "$v" || fail "--show failed on $a"
	done >"$BATS_TEST_TMPDIR/a.views"
	for v in "${VIEWS[@]}"; do
		rota-mview-refresh -d "$b" --show "$v" || fail "--show failed on $b"
	done >"$BATS_TEST_TMPDIR/b.views"
	[ -s "$BATS_TEST_TMPDIR/a.views" ] || fail "no rows in the views of $1"
	if ! cmp -s "$BATS_TEST_TMPDIR/a.views" "$BATS_TEST_TMPDIR/b.views"; then
		diff "$BATS_TEST_TMPDIR/a.views" "$BATS_TEST_TMPDIR/b.views" | head -n 30 |
			batslib_decorate "the views of $1 and $2 differ" | fail
	fi
}

# full_equals DATABASE: a --full refresh of a copy of it leaves the same
# rows as its views hold now.
full_equals() {
	copy_db "$1" "$1_full" || fail "cannot copy $1"
	rota-mview-refresh -q --full -d "$(conn "$1_full")" >/dev/null || fail "--full failed"
	same_views "$1" "$1_full"
}

modes() {
	printf '%s\n' "$output" | jq -r '[.view, .mode, (.full_because // empty)] | join(" ")'
}

mv_stderr() {
	printf '%s\n' "$stderr" | sed -E 's/, [0-9]+\.[0-9]{3} s/, T s/'
}

table() {
	rota-mview-refresh -d "$(conn "$1")" --show "$2" -F table | sed 's/ *$//'
}

list_field() {
	rota-mview-refresh -d "$(conn "$1")" --list "$2" | jq -c ".$3"
}

# in_refresh DATABASE: another session holds the lock that a refresh's
# DELETE takes on schedule_summary, until it commits.
in_refresh() {
	[ "$(pgq "$1" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND c.relname = 'schedule_summary' AND l.mode = 'RowExclusiveLock' AND l.granted
		AND l.pid <> pg_backend_pid()")" = 1 ]
}

# The same random changes as tests/rota-mview-refresh.bats makes.
random_sql() {
	RANDOM=$1
	local acts=(fmc-am fmc-pm inpatient-am inpatient-pm procedures-am didactics call backup-call vacation-am vacation-pm)
	local kinds=(clinical education transition in_house_call night_float moonlighting home_call home_call_in
		clinical_from_home leave)
	local people=(r01 r02 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15 r16 r17 f01 f02 f03 f04 f05 f06)
	local roles=(resident faculty fellow)
	local pick='SELECT person, "date", slot FROM assignments ORDER BY person, "date", slot LIMIT 1 OFFSET'
	local cpick='SELECT "date", slot, activity FROM covers ORDER BY "date", slot, activity LIMIT 1 OFFSET'
	local i DAY
	# A day of the horizon, 6 July to 2 August, in $DAY (no subshell: bash
	# seeds RANDOM anew in each).
	day() {
		local n=$((6 + RANDOM % 28))
		if ((n <= 31)); then printf -v DAY '2026-07-%02d' "$n"; else printf -v DAY '2026-08-%02d' $((n - 31)); fi
	}
	for ((i = 0; i < 4; i++)); do
		echo "UPDATE assignments SET activity = '${acts[RANDOM % ${#acts[@]}]}' WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
		echo "UPDATE assignments SET kind = '${kinds[RANDOM % ${#kinds[@]}]}' WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
		echo "UPDATE assignments SET \"start\" = \"date\" || 'T0$((RANDOM % 10)):$((RANDOM % 6))0:00-05:00', \"end\" = \"date\" || 'T$((12 + RANDOM % 12)):00:00-05:00' WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
		day
		echo "INSERT INTO assignments (person, \"date\", slot, activity, \"start\", \"end\", kind) VALUES ('${people[RANDOM % ${#people[@]}]}', '$DAY', 'CALL', 'call', '2026-07-20T17:00:00-05:00', '2026-07-21T07:30:00-05:00', '${kinds[RANDOM % ${#kinds[@]}]}') ON CONFLICT DO NOTHING;"
	done
	echo "UPDATE assignments SET pgy = $((1 + RANDOM % 3)) WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
	day
	echo "UPDATE assignments SET \"date\" = '$DAY', slot = 'S$1' WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
	echo "UPDATE assignments SET person = '${people[RANDOM % ${#people[@]}]}', slot = 'P$1' WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
	echo "DELETE FROM assignments WHERE (person, \"date\", slot) IN ($pick $((RANDOM % 800)));"
	day
	echo "DELETE FROM assignments WHERE \"date\" = '$DAY' AND slot = 'PM';"
	echo "UPDATE people SET pgy = $((1 + RANDOM % 3)) WHERE id = '${people[RANDOM % ${#people[@]}]}';"
	echo "UPDATE people SET role = '${roles[RANDOM % 3]}' WHERE id = '${people[RANDOM % ${#people[@]}]}';"
	echo "INSERT INTO people (id, role, pgy) VALUES ('n$1', 'resident', $((1 + RANDOM % 3)));"
	day
	echo "INSERT INTO assignments (person, \"date\", slot, activity, \"start\", \"end\", kind) VALUES ('n$1', '$DAY', 'AM', 'fmc-am', '2026-07-08T08:00:00-05:00', '2026-07-08T12:00:00-05:00', 'clinical');"
	echo "DELETE FROM people WHERE id = '${people[RANDOM % ${#people[@]}]}';"
	echo "UPDATE covers SET want = $((RANDOM % 12)) WHERE (\"date\", slot, activity) IN ($cpick $((RANDOM % 170)));"
	echo "UPDATE covers SET want = $((RANDOM % 3)), max = $((RANDOM % 3)) WHERE (\"date\", slot, activity) IN ($cpick $((RANDOM % 170)));"
	echo "DELETE FROM covers WHERE (\"date\", slot, activity) IN ($cpick $((RANDOM % 170)));"
	day
	echo "INSERT INTO covers (\"date\", slot, activity, want, min, max) VALUES ('$DAY', 'CALL', 'backup-call', $((RANDOM % 4)), 1, 2) ON CONFLICT DO NOTHING;"
}

# ---- creation and contents ------------------------------------------------

@test "PostgreSQL: the first refresh creates the views, triggers and tables; the rows of hand-made data are right" {
	small_store "$DB"
	local tables="'schedule_summary', 'person_workload', 'rotation_coverage', 'rota_mv_state', 'rota_mv_log', 'rota_mv_refresh_log', 'rota_mv_periods'"
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE tablename IN ($tables)")" 0
	run -0 --separate-stderr rota-mview-refresh -d "$PGC"
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.type, .tool, .view, .mode, .changes, .rows_changed, (.seconds | type)]')" \
		'["summary","rota-mview-refresh","schedule_summary","full",0,14,"number"]
["summary","rota-mview-refresh","person_workload","full",0,24,"number"]
["summary","rota-mview-refresh","rotation_coverage","full",0,6,"number"]'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 0 changes, 14 rows changed, T s
rota-mview-refresh: person_workload: full, 0 changes, 24 rows changed, T s
rota-mview-refresh: rotation_coverage: full, 0 changes, 6 rows changed, T s'
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE tablename IN ($tables)")" 7
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'rota_mv_%'")" 12
	assert_equal "$(pgq "$DB" "SELECT proname FROM pg_proc WHERE proname LIKE 'rota_mv_log_%' ORDER BY 1")" \
		$'rota_mv_log_assignments\nrota_mv_log_covers\nrota_mv_log_horizons\nrota_mv_log_people'
	assert_equal "$(table "$DB" schedule_summary)" "$(cat "$DATA/mview/small.schedule_summary.table")"
	assert_equal "$(table "$DB" person_workload)" "$(cat "$DATA/mview/small.person_workload.table")"
	assert_equal "$(table "$DB" rotation_coverage)" "$(cat "$DATA/mview/small.rotation_coverage.table")"
	# Some of it spelled out (see tests/rota-mview-refresh.bats).
	assert_equal "$(pgq "$DB" "SELECT minutes, minutes_clinical, minutes_education, minutes_call, minutes_leave, half_days, calls, weekend_days, first_date, last_date FROM person_workload WHERE person = 'r1' AND period = 'week' AND start = '2026-06-22'")" \
		'1920|240|240|1440|0|2|1|1|2026-06-22|2026-06-27'
	assert_equal "$(pgq "$DB" "SELECT start, minutes, minutes_clinical, minutes_call, minutes_leave, half_days, calls, weekend_days FROM person_workload WHERE person = 'r2' AND period = 'week' ORDER BY start")" \
		$'2026-06-22|240|240|0|540|2|0|0\n2026-06-29|960|240|720|0|1|1|0'
	assert_equal "$(pgq "$DB" "SELECT count(*), sum(minutes + minutes_leave + half_days + calls + weekend_days), count(first_date) FROM person_workload WHERE person = 'r3'")" '6|0|0'
	assert_equal "$(pgq "$DB" "SELECT status, count(*) FROM rotation_coverage GROUP BY status ORDER BY status")" \
		$'adequate|3\noverstaffed|1\nuncovered|1\nunderstaffed|1'
	# The same rows as on SQLite, NDJSON and all.
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	same_views "$DB" s.db
}

@test "PostgreSQL: --show records and table; --show before any refresh exits 4" {
	small_store "$DB"
	run -4 --separate-stderr rota-mview-refresh -d "$PGC" --show schedule_summary
	assert_output ""
	assert_stderr "rota-mview-refresh: $PGC: no views yet: run rota-mview-refresh first"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --show rotation_coverage
	assert_equal "${#lines[@]}" 6
	assert_line '{"type":"rotation_coverage","date":"2026-06-23","activity":"clinic","slot":"AM","required":1,"min":null,"max":null,"assigned":0,"status":"uncovered"}'
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --show person_workload
	assert_line '{"type":"person_workload","person":"r3","period":"year","start":"2026-07-01","end":"2027-06-30","minutes":0,"minutes_clinical":0,"minutes_education":0,"minutes_call":0,"minutes_leave":0,"half_days":0,"calls":0,"weekend_days":0,"first_date":null,"last_date":null}'
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.type, (.minutes | type), (.weekend_days | type)] | join(" ")' | sort -u)" \
		'person_workload number number'
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --show schedule_summary -F table
	assert_line --index 0 'date        activity   slot  role      pgy  people'
	assert_equal "${#lines[@]}" 15
}

@test "PostgreSQL: --query prints PostgreSQL's SQL, which gives the view's rows and makes a materialized view" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	local v q
	for v in "${VIEWS[@]}"; do
		run -0 --separate-stderr rota-mview-refresh -d "$PGC" --query "$v"
		assert_equal "$stderr" ""
		assert_output --partial 'SELECT '
		q=$output
		run -0 --separate-stderr pgq "$DB" "$q"
		assert_equal "$v: $stderr" "$v: "
		assert_equal "$(sort <<<"$output")" "$(pgq "$DB" "SELECT * FROM $v" | sort)"
	done
	# The dialect follows the store's name alone.
	run -0 rota-mview-refresh -d "$PGC" --query person_workload
	assert_output --partial 'extract(epoch FROM'
	run -0 rota-mview-refresh -d some.db --query person_workload
	assert_output --partial 'julianday('
	# As rota-mview-refresh(1) shows.
	q=$(rota-mview-refresh -d "$PGC" --query rotation_coverage)
	pgq "$DB" "CREATE MATERIALIZED VIEW coverage_mv (date, activity, slot, required, min, max, assigned, status) AS $q"
	assert_equal "$(pgq "$DB" 'SELECT * FROM coverage_mv ORDER BY 1, 2, 3')" \
		"$(pgq "$DB" 'SELECT * FROM rotation_coverage ORDER BY 1, 2, 3')"
}

# ---- incremental refreshes -------------------------------------------------

@test "PostgreSQL: incremental and full refreshes agree over rounds of random changes; small changes stay incremental" {
	fm_store "$DB"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes)" $'schedule_summary full never refreshed\nperson_workload full never refreshed\nrotation_coverage full never refreshed'
	local round
	for round in 1 2 3 4 5; do
		random_sql "$round" | pgf "$DB" || fail "round $round: the changes failed"
		run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
		assert_equal "round $round: $(modes)" \
			"round $round: "$'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
		assert_equal "round $round: $(printf '%s\n' "$output" | jq '.changes > 0' | sort -u)" "round $round: true"
		full_equals "$DB"
	done
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_log')" 0
	# And the same changes on SQLite give the same views.
	fm_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	for round in 1 2 3 4 5; do
		random_sql "$round" | sq s.db
	done
	rota-mview-refresh -q -d s.db -i >/dev/null
	same_views "$DB" s.db
}

@test "PostgreSQL: a statement's rows are logged once for each distinct entry; only the rows touched are replaced" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	pgq "$DB" "UPDATE assignments SET activity = 'didactics', kind = 'education' WHERE person = 'r1' AND \"date\" = '2026-06-30'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .changes, .rows_changed]')" \
		'["schedule_summary","incremental",2,2]
["person_workload","incremental",2,6]
["rotation_coverage","incremental",2,0]'
	full_equals "$DB"
	# One statement updating the 2 covers of 23 June's clinic (AM and PM):
	# one entry for the old rows, one for the new, not 4.
	pgq "$DB" "UPDATE covers SET weight_under = 7 WHERE \"date\" = '2026-06-23'"
	assert_equal "$(list_field "$DB" schedule_summary pending)" 2
	# A COPY of many rows (rota-import): a few entries.
	gen_people 500 | rota-import -q --db "$PGC"
	assert_equal "$(list_field "$DB" person_workload pending)" 502
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM person_workload')" $((504 * 6))
	full_equals "$DB"
}

@test "PostgreSQL: people added, changed and deleted, incrementally" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	pgq "$DB" "INSERT INTO people (id, role, pgy) VALUES ('r4', 'resident', 1), ('x9', 'fellow', 4)"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(pgq "$DB" "SELECT role, pgy FROM schedule_summary WHERE \"date\" = '2026-07-04' ORDER BY role")" $'fellow|4\nresident|2'
	assert_equal "$(pgq "$DB" "SELECT count(*), sum(minutes) FROM person_workload WHERE person IN ('r4', 'x9')")" '12|720'
	full_equals "$DB"
	pgq "$DB" "UPDATE people SET pgy = 3, role = 'fellow' WHERE id = 'r2'"
	pgq "$DB" "DELETE FROM people WHERE id = 'r1'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM person_workload WHERE person = 'r1'")" 0
	assert_equal "$(pgq "$DB" "SELECT DISTINCT role, pgy FROM schedule_summary WHERE \"date\" IN ('2026-06-23', '2026-06-28', '2026-07-02')")" 'fellow|3'
	full_equals "$DB"
}

@test "PostgreSQL: --threshold, a horizon changed, dates outside the periods: full refreshes and why" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	pgq "$DB" "UPDATE assignments SET kind = 'transition' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i --threshold 2
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .changes]' | sort -u)" '["incremental",2]'
	pgq "$DB" "UPDATE assignments SET kind = 'clinical' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i -v --threshold 1
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 2 changes, 28 rows changed, T s (more changes than the threshold)
rota-mview-refresh: person_workload: full, 2 changes, 48 rows changed, T s (more changes than the threshold)
rota-mview-refresh: rotation_coverage: full, 2 changes, 12 rows changed, T s (more changes than the threshold)'
	assert_equal "$(printf '%s\n' "$output" | jq -r .full_because | sort -u)" 'more changes than the threshold'
	# A horizon.
	pgq "$DB" "UPDATE horizons SET days = 21"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes)" 'schedule_summary full a horizon changed
person_workload full a horizon changed
rotation_coverage full a horizon changed'
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM person_workload WHERE period = 'week' AND start = '2026-07-06'")" 4
	full_equals "$DB"
	# Tuesday 1 September: other weeks, another block.
	pgq "$DB" "INSERT INTO assignments (person, \"date\", slot, activity, \"start\", \"end\", kind) VALUES ('r3', '2026-09-01', 'CALL', 'nf', '2026-09-01T19:00:00-05:00', '2026-09-02T07:00:00-05:00', 'night_float')"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(modes)" 'schedule_summary incremental
person_workload full the dates reach other periods
rotation_coverage incremental'
	assert_equal "$(pgq "$DB" "SELECT minutes, minutes_call, calls FROM person_workload WHERE person = 'r3' AND period = 'week' AND start = '2026-08-31'")" '720|720|1'
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM person_workload WHERE period = 'week'")" $((4 * 11))
	full_equals "$DB"
}

# ---- --list, the refresh log, --if-stale ----------------------------------

@test "PostgreSQL: --list before and after, pending changes, the refresh log" {
	small_store "$DB"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --list
	assert_output '{"type":"view","view":"schedule_summary","rows":0,"refreshed":false,"pending":0}
{"type":"view","view":"person_workload","rows":0,"refreshed":false,"pending":0}
{"type":"view","view":"rotation_coverage","rows":0,"refreshed":false,"pending":0}'
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'rota_mv%'")" 0
	rota-mview-refresh -q -d "$PGC" >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --list
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .rows, .refreshed, .mode, .rows_changed, .pending, (.age >= 0)]')" \
		'["schedule_summary",14,true,"full",14,0,true]
["person_workload",24,true,"full",24,0,true]
["rotation_coverage",6,true,"full",6,0,true]'
	assert_equal "$(printf '%s\n' "$output" | jq -r .started | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')" 3
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --list -F table
	assert_line --index 0 'VIEW                    ROWS  REFRESHED                 AGE  MODE         SECONDS   PENDING'
	assert_line --index 3 --regexp '^rotation_coverage +6  [0-9T:Z-]{20} +[0-9]+s  full +[0-9]+\.[0-9]{3} +0$'
	pgq "$DB" "UPDATE assignments SET slot = 'PM' WHERE person = 'r2' AND \"date\" = '2026-07-03'"
	pgq "$DB" "INSERT INTO assignments (person, \"date\", slot, activity, kind) VALUES ('r3', '2026-06-23', 'AM', 'clinic', 'clinical')"
	pgq "$DB" "UPDATE people SET pgy = 2 WHERE id = 'r3'"
	assert_equal "$(rota-mview-refresh -d "$PGC" --list | jq -c '[.view, .pending]')" \
		$'["schedule_summary",5]\n["person_workload",5]\n["rotation_coverage",5]'
	rota-mview-refresh -q -d "$PGC" -i schedule_summary >/dev/null
	assert_equal "$(rota-mview-refresh -d "$PGC" --list | jq -c '[.view, .mode, .pending]')" \
		'["schedule_summary","incremental",0]
["person_workload","full",5]
["rotation_coverage","full",5]'
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_log')" 5
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .changes]')" \
		'["schedule_summary","incremental",0]
["person_workload","incremental",5]
["rotation_coverage","incremental",5]'
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_log')" 0
	assert_equal "$(pgq "$DB" "SELECT view, mode, rows_changed, seconds >= 0, started ~ '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$' FROM rota_mv_refresh_log ORDER BY id")" \
		'schedule_summary|full|14|t|t
person_workload|full|24|t|t
rotation_coverage|full|6|t|t
schedule_summary|incremental|5|t|t
schedule_summary|incremental|0|t|t
person_workload|incremental|18|t|t
rotation_coverage|incremental|4|t|t'
}

@test "PostgreSQL: --if-stale skips fresh views, refreshes stale and never refreshed ones" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" schedule_summary >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --if-stale 1h
	assert_equal "$(modes)" $'schedule_summary skipped\nperson_workload full\nrotation_coverage full'
	assert_equal "$(printf '%s\n' "$output" | head -n 1)" '{"type":"summary","tool":"rota-mview-refresh","view":"schedule_summary","mode":"skipped","reason":"fresh"}'
	assert_equal "$(mv_stderr | head -n 1)" 'rota-mview-refresh: schedule_summary: fresh, not refreshed'
	pgq "$DB" "UPDATE people SET pgy = 2 WHERE id = 'r3'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --if-stale 1h -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" skipped
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	pgq "$DB" "UPDATE rota_mv_state SET started = to_char(now() AT TIME ZONE 'UTC' - interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') WHERE view = 'rotation_coverage'"
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --if-stale 2d -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" skipped
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --if-stale 1h -i
	assert_equal "$(modes)" $'schedule_summary skipped\nperson_workload skipped\nrotation_coverage incremental'
	assert_equal "$(list_field "$DB" person_workload pending)" 2
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --if-stale 0s -i
	assert_equal "$(modes)" $'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
	full_equals "$DB"
}

# ---- the lock, concurrency, a killed refresh ---------------------------------

@test "PostgreSQL: the advisory lock held elsewhere: exit 5; --wait outlasts it; other databases go on" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	# rota-cache lock takes the same advisory lock.
	rota-cache lock rota-mview-refresh --db "$PGC" -- sh -c 'touch held; while [ ! -e release ]; do sleep 0.02; done' 3>&- &
	local holder=$! waiter
	wait_for held
	run -5 --separate-stderr rota-mview-refresh -d "$PGC"
	assert_output ""
	assert_stderr "rota-mview-refresh: $PGC: a refresh is running: the lock is held by another session of the server"
	run -5 --separate-stderr rota-mview-refresh -d "$PGC" -i -w 0.2
	assert_stderr "rota-mview-refresh: $PGC: a refresh is running: the lock is held by another session of the server"
	# Readers take no lock; nor does the lock reach other databases.
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" --show rotation_coverage
	assert_equal "${#lines[@]}" 6
	pg_newdb other
	small_store other
	run -0 --separate-stderr rota-mview-refresh -d "$(conn other)"
	# One that waits runs once the holder is done.
	rota-mview-refresh -d "$PGC" -i --wait 60 >waited.out 2>waited.err 3>&- &
	waiter=$!
	pgq "$DB" "UPDATE people SET pgy = 1 WHERE id = 'r3'"
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	touch release
	wait "$holder"
	wait "$waiter"
	assert_equal "$(jq -r .mode waited.out | sort -u)" incremental
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_refresh_log')" 6
	no_advisory_locks
	# A server that cannot be reached: the lock's connection fails, 4.
	run -4 --separate-stderr rota-mview-refresh -d "host=$BATS_TEST_TMPDIR/none user=rota dbname=x"
	assert_stderr_line "rota-mview-refresh: host=$BATS_TEST_TMPDIR/none user=rota dbname=x: the lock: connection to server on socket \"$BATS_TEST_TMPDIR/none/.s.PGSQL.5432\" failed: No such file or directory"
}

@test "PostgreSQL: a session locking a view past the busy timeout: exit 5, nothing changed" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	start_holder $'BEGIN;\nLOCK TABLE schedule_summary IN ACCESS EXCLUSIVE MODE;\n\\! touch locked\n' \
		psql -X -q -h "$PGDIR" -U rota -d "$DB"
	run -5 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-mview-refresh -d "$PGC"
	assert_output ""
	assert_stderr_line "rota-mview-refresh: $PGC: ERROR:  canceling statement due to lock timeout"
	printf 'COMMIT;\n' >&4
	exec 4>&-
	wait "$holder"
	assert_equal "$(pgq "$DB" 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	# The failed refresh left no lock behind.
	no_advisory_locks
	run -0 --separate-stderr rota-mview-refresh -d "$PGC"
}

# snap DATABASE: what a reader sees of two views, in one statement; a
# reader that would wait for a lock fails at once.
snap() {
	PGOPTIONS='-c lock_timeout=1ms' pgq "$1" 'SELECT (SELECT count(*) FROM schedule_summary), (SELECT sum(people) FROM schedule_summary),
		(SELECT count(*) FROM person_workload), (SELECT sum(minutes) FROM person_workload),
		(SELECT sum(calls) FROM person_workload)'
}

@test "PostgreSQL: readers during a long refresh are not blocked and see the old rows, then the new" {
	copy_db big "$DB"
	local before after seq pid seen
	before=$(snap "$DB")
	pgq "$DB" "DELETE FROM assignments WHERE \"date\" >= '2027-01-01'; UPDATE people SET pgy = 1"
	rota-mview-refresh -q --full -d "$PGC" >refresh.out 2>refresh.err 3>&- &
	pid=$!
	until in_refresh "$DB" || ! kill -0 "$pid" 2>/dev/null; do :; done
	: >reads.txt
	while kill -0 "$pid" 2>/dev/null; do
		seen=$(snap "$DB" 2>/dev/null) || seen=locked
		echo "$seen" >>reads.txt
	done
	wait "$pid" || fail "the refresh failed: $(cat refresh.err)"
	after=$(snap "$DB")
	[ "$after" != "$before" ] || fail "the refresh changed nothing"
	seq=$(awk -v b="$before" -v a="$after" '{ printf "%s", $0 == b ? "B" : $0 == a ? "A" : $0 == "locked" ? "E" : "X" }' reads.txt)
	[[ $seq =~ ^B+A*$ ]] ||
		fail "the reads in order: $seq (B: the old rows, A: the new, E: locked out, X: neither)"
	full_equals "$DB"
}

@test "PostgreSQL: kill -9 mid-refresh leaves the views as they were; the next refresh works" {
	pg_newdb s0
	fm_store s0
	rota-mview-refresh -q -d "$(conn s0)" >/dev/null
	# Each INSERT into a view waits 0.3 s: a refresh lasts over a second.
	pgf s0 <<-'EOF'
		CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$;
		CREATE TRIGGER slow_s AFTER INSERT ON schedule_summary FOR EACH STATEMENT EXECUTE FUNCTION slow();
		CREATE TRIGGER slow_w AFTER INSERT ON person_workload FOR EACH STATEMENT EXECUTE FUNCTION slow();
		CREATE TRIGGER slow_c AFTER INSERT ON rotation_coverage FOR EACH STATEMENT EXECUTE FUNCTION slow();
	EOF
	random_sql 7 | pgf s0
	views s0 >before.views
	rota-mview-refresh -d "$(conn s0)" --list | jq -c 'del(.age)' >before.list
	copy_db s0 done
	local t0=$(ms) took pct pid st killed=0 k last=
	rota-mview-refresh -q --full -d "$(conn done)" >/dev/null
	took=$(($(ms) - t0))
	for pct in 0 20 40 60 80; do
		k=k$pct
		copy_db s0 "$k"
		rota-mview-refresh -q --full -d "$(conn "$k")" >killed.out 2>killed.err 3>&- &
		pid=$!
		until in_refresh "$k"; do
			kill -0 "$pid" 2>/dev/null || fail "the refresh ended before it began to write"
		done
		sleep "$(awk -v ms=$((took * pct / 100)) 'BEGIN { printf "%.3f", ms / 1000 }')"
		# It may have ended (and been reaped) already: the status says.
		kill -9 "$pid" 2>/dev/null || true
		st=0
		wait "$pid" 2>/dev/null || st=$?
		[ "$st" -eq 0 ] && continue
		assert_equal "at ${pct}%: status $st" "at ${pct}%: status 137"
		killed=$((killed + 1))
		last=$k
		# Before and after its session has gone.
		views "$k" >after.views
		cmp -s before.views after.views || fail "at ${pct}%: the views changed"
		gone "$k"
		views "$k" >after.views
		cmp -s before.views after.views || fail "at ${pct}%: the views changed once the session ended"
		assert_equal "$(rota-mview-refresh -d "$(conn "$k")" --list | jq -c 'del(.age)')" "$(cat before.list)"
	done
	[ "$killed" -ge 3 ] || fail "only $killed of 5 refreshes were killed mid-way"
	# The lock went with the session; the changes are still pending.
	pgq "$last" 'DROP TRIGGER slow_s ON schedule_summary; DROP TRIGGER slow_w ON person_workload; DROP TRIGGER slow_c ON rotation_coverage'
	run -0 --separate-stderr rota-mview-refresh -d "$(conn "$last")" -i
	assert_equal "$(modes)" $'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
	same_views "$last" done
}

@test "PostgreSQL: a change committed after a refresh by a transaction that logged it before is not lost" {
	small_store "$DB"
	rota-mview-refresh -q -d "$PGC" >/dev/null
	# A writer logs its change (id 1) and stays open; another commits
	# later ones (ids 2, 3); a refresh consumes up to 3; the first commits.
	start_holder $'BEGIN;\nUPDATE assignments SET activity = \'didactics\' WHERE person = \'r1\' AND "date" = \'2026-06-30\';\n\\! touch locked\n' \
		psql -X -q -h "$PGDIR" -U rota -d "$DB"
	pgq "$DB" "UPDATE people SET pgy = 3 WHERE id = 'r3'"
	rota-mview-refresh -q -d "$PGC" -i >/dev/null
	printf 'COMMIT;\n' >&4
	exec 4>&-
	wait "$holder"
	assert_equal "$(list_field "$DB" schedule_summary pending)" 2
	run -0 --separate-stderr rota-mview-refresh -d "$PGC" -i
	assert_equal "$(pgq "$DB" "SELECT activity FROM schedule_summary WHERE \"date\" = '2026-06-30'")" didactics
	full_equals "$DB"
}

# ---- errors ----------------------------------------------------------------

@test "PostgreSQL: usage and store errors; output errors" {
	run -2 --separate-stderr rota-mview-refresh -d "$PGC" --show schedule_summary person_workload
	assert_stderr 'rota-mview-refresh: --show names its one view'
	run -2 --separate-stderr rota-mview-refresh -d "$PGC" nope
	# A database that is not a rota store: --list and --show exit 4, make nothing.
	run -4 --separate-stderr rota-mview-refresh -d "$PGC" --list
	assert_stderr "rota-mview-refresh: $PGC: not a rota store (it has no rota_schema table)"
	run -4 --separate-stderr rota-mview-refresh -d "$PGC" --show person_workload
	assert_equal "$(pgq "$DB" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
	# A refresh makes it one.
	run -0 --separate-stderr rota-mview-refresh -d "$PGC"
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .rows_changed]' | sort -u)" '["full",0]'
	small_store "$DB"
	run -7 --separate-stderr to_full rota-mview-refresh -d "$PGC" -q -i
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
	assert_equal "$(list_field "$DB" schedule_summary rows)" 14
	run -7 --separate-stderr to_full rota-mview-refresh -d "$PGC" --list
	run -7 --separate-stderr to_full rota-mview-refresh -d "$PGC" --show schedule_summary
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
}
