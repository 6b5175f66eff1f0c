#!/usr/bin/env bats
# tests/rota-mview-refresh.bats: rota-mview-refresh on SQLite stores: the
# reporting views (schedule_summary, person_workload, rotation_coverage),
# full and incremental refreshes, --list, --if-stale, --show, --query, the
# lock, readers during a refresh and a refresh killed mid-way.
#
# The hand-made data is tests/data/mview/small.ndjson; the views it gives
# (checked by hand: see the comments of the first test) are the tables
# tests/data/mview/small.VIEW.table.  Larger data: examples/family-medicine
# with a schedule solved once for the file, and a generated programme of 200
# residents over a year (scripts/gen-programme --schedule).

load helpers

VIEWS=(schedule_summary person_workload rotation_coverage)

setup_file() {
	# A legal roster of the example (200000 moves find none: exit 6).
	rota-solve -q -j 1 --moves 500000 --no-cache "$ROTA_TOP"/examples/family-medicine/* |
		grep '"type":"assignment"' >"$BATS_FILE_TMPDIR/fm.schedule.ndjson"
	[ "$(wc -l <"$BATS_FILE_TMPDIR/fm.schedule.ndjson")" -eq 861 ]
	# A year of 200 residents: some 140000 assignments, refreshed once.
	"$ROTA_TOP/scripts/gen-programme" --residents 200 --days 365 --schedule >"$BATS_FILE_TMPDIR/big.ndjson"
	rota-import -q --db "$BATS_FILE_TMPDIR/big.db" "$BATS_FILE_TMPDIR/big.ndjson"
	rota-mview-refresh -q --db "$BATS_FILE_TMPDIR/big.db" >/dev/null
}

setup() {
	test_dir
}

# ---- helpers -------------------------------------------------------------

small_store() {
	rota-import -q --db "$1" "$DATA/mview/small.ndjson"
}

fm_store() {
	rota-import -q --db "$1" "$ROTA_TOP"/examples/family-medicine/* "$BATS_FILE_TMPDIR/fm.schedule.ndjson"
}

# copy_store FROM TO: a consistent copy of a store (WAL included).
copy_store() {
	rm -f "$2" "$2-wal" "$2-shm"
	sq "$1" ".backup '$2'"
}

# views STORE: the rows of every view, as --show writes them.
views() {
	local v
	for v in "${VIEWS[@]}"; do
		rota-mview-refresh -d "$1" --show "$v" || return
	done
}

# same_views A B: the views of stores A and B hold the same rows (not none).
same_views() {
	views "$1" >"$BATS_TEST_TMPDIR/a.views" || fail "--show failed on $1"
	views "$2" >"$BATS_TEST_TMPDIR/b.views" || fail "--show failed on $2"
	[ -s "$BATS_TEST_TMPDIR/a.views" ] || fail "no rows in the views of $1"
	if ! cmp -s "$BATS_TEST_TMPDIR/a.views" "$BATS_TEST_TMPDIR/b.views"; then
		diff "$BATS_TEST_TMPDIR/a.views" "$BATS_TEST_TMPDIR/b.views" | head -n 30 |
			batslib_decorate "the views of $1 and $2 differ" | fail
	fi
}

# full_equals STORE: a --full refresh of a copy of STORE leaves the same
# rows as STORE's views hold now.
full_equals() {
	copy_store "$1" "$BATS_TEST_TMPDIR/full.db"
	rota-mview-refresh -q --full -d "$BATS_TEST_TMPDIR/full.db" >/dev/null || fail "--full failed"
	same_views "$1" "$BATS_TEST_TMPDIR/full.db"
}

# modes: "VIEW MODE [FULL_BECAUSE]" for each summary record in $output.
modes() {
	printf '%s\n' "$output" | jq -r '[.view, .mode, (.full_because // empty)] | join(" ")'
}

# mv_stderr: $stderr with the seconds of each line as "T s".
mv_stderr() {
	printf '%s\n' "$stderr" | sed -E 's/, [0-9]+\.[0-9]{3} s/, T s/'
}

# table STORE VIEW: --show -F table without the trailing blanks of its lines.
table() {
	rota-mview-refresh -d "$1" --show "$2" -F table | sed 's/ *$//'
}

# list_field STORE VIEW FIELD: one field of VIEW's --list record.
list_field() {
	rota-mview-refresh -d "$1" --list "$2" | jq -c ".$3"
}

# writing STORE: a writer holds STORE's write lock now (sqlite3 waits for
# nothing: its busy timeout is 0).
writing() {
	! sqlite3 "$1" 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null
}

# random_sql SEED: a round of random changes to the family-medicine store,
# in SQL that SQLite and PostgreSQL both run: activities, kinds, times and
# pgy of assignments changed, some moved to another day or person, some
# deleted, new ones, a person's pgy and role changed, a person added and one
# deleted, covers' want changed, a cover added and one deleted.  Every date
# stays within the horizon, so that the periods stay those of the horizon.
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

@test "the first refresh creates the views and their tables; the rows of hand-made data are right" {
	small_store s.db
	local tables="'schedule_summary', 'person_workload', 'rotation_coverage', 'rota_mv_state', 'rota_mv_log', 'rota_mv_refresh_log', 'rota_mv_periods'"
	assert_equal "$(sq s.db "SELECT count(*) FROM sqlite_master WHERE name IN ($tables)")" 0
	run -0 --separate-stderr rota-mview-refresh -d s.db
	assert_equal "$(modes)" $'schedule_summary full\nperson_workload full\nrotation_coverage full'
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.type, .tool, .changes, .rows_changed, (.seconds | type)]')" \
		'["summary","rota-mview-refresh",0,14,"number"]
["summary","rota-mview-refresh",0,24,"number"]
["summary","rota-mview-refresh",0,6,"number"]'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 0 changes, 14 rows changed, T s
rota-mview-refresh: person_workload: full, 0 changes, 24 rows changed, T s
rota-mview-refresh: rotation_coverage: full, 0 changes, 6 rows changed, T s'
	assert_equal "$(sq s.db "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ($tables)")" 7
	# The whole views (worked out by hand from small.ndjson).
	assert_equal "$(table s.db schedule_summary)" "$(cat "$DATA/mview/small.schedule_summary.table")"
	assert_equal "$(table s.db person_workload)" "$(cat "$DATA/mview/small.person_workload.table")"
	assert_equal "$(table s.db rotation_coverage)" "$(cat "$DATA/mview/small.rotation_coverage.table")"
	# Some of it spelled out.  r1, week from Monday 22 June: clinic 240 min,
	# didactics 240, Saturday's 24-hour call 1440: 1920 minutes, 2 half-days,
	# 1 call, 1 weekend day.
	assert_equal "$(sq s.db "SELECT minutes, minutes_clinical, minutes_education, minutes_call, minutes_leave, half_days, calls, weekend_days, first_date, last_date FROM person_workload WHERE person = 'r1' AND period = 'week' AND start = '2026-06-22'")" \
		'1920|240|240|1440|0|2|1|1|2026-06-22|2026-06-27'
	# Its next week runs over 1 July: 540 min of leave, not work; Saturday 4 July.
	assert_equal "$(sq s.db "SELECT \"end\", minutes, minutes_leave, half_days, calls, weekend_days, first_date, last_date FROM person_workload WHERE person = 'r1' AND period = 'week' AND start = '2026-06-29'")" \
		'2026-07-05|480|540|2|0|1|2026-06-30|2026-07-04'
	# r2: a night float of 720 min is a call; moonlighting is clinical; leave
	# on a Sunday is no weekend day; an assignment without times is a
	# half-day of 0 minutes.
	assert_equal "$(sq s.db "SELECT start, minutes, minutes_clinical, minutes_call, minutes_leave, half_days, calls, weekend_days FROM person_workload WHERE person = 'r2' AND period = 'week' ORDER BY start")" \
		$'2026-06-22|240|240|0|540|2|0|0\n2026-06-29|960|240|720|0|1|1|0'
	# The 13th block of 2025-26 runs to 30 June, the next year's first
	# block starts on 1 July; each year's row is the sum of its blocks.
	assert_equal "$(sq s.db "SELECT period, start, \"end\" FROM person_workload WHERE person = 'f1' AND period <> 'week' ORDER BY period, start")" \
		$'block|2026-06-02|2026-06-30\nblock|2026-07-01|2026-07-28\nyear|2025-07-01|2026-06-30\nyear|2026-07-01|2027-06-30'
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload y JOIN person_workload b ON b.person = y.person AND b.period = 'block' AND b.start >= y.start AND b.start <= y.\"end\" WHERE y.period = 'year' GROUP BY y.person, y.start HAVING y.minutes <> sum(b.minutes) OR y.calls <> sum(b.calls)")" ""
	# f1's home call of 840 min on Saturday 27 June.
	assert_equal "$(sq s.db "SELECT minutes, minutes_call, calls, half_days, weekend_days FROM person_workload WHERE person = 'f1' AND period = 'block' AND start = '2026-06-02'")" '1080|840|1|1|1'
	# r3 has no assignments: zero rows for each week, block and year.
	assert_equal "$(sq s.db "SELECT count(*), sum(minutes + minutes_leave + half_days + calls + weekend_days), count(first_date) FROM person_workload WHERE person = 'r3'")" '6|0|0'
	# x9 is no person: no workload, but in the summary with role '' and pgy 0.
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload WHERE person = 'x9'")" 0
	assert_equal "$(sq s.db "SELECT role, pgy, people FROM schedule_summary WHERE \"date\" = '2026-07-04' ORDER BY role")" \
		$'|0|1\nresident|2|1'
	# pgy from the assignment (r1 is pgy 1, their assignment of 4 July says 2).
	assert_equal "$(sq s.db "SELECT count(*) FROM schedule_summary WHERE \"date\" = '2026-07-04' AND role = 'resident' AND pgy = 1")" 0
	# Every status of coverage.
	assert_equal "$(sq s.db "SELECT status, count(*) FROM rotation_coverage GROUP BY status ORDER BY status")" \
		$'adequate|3\noverstaffed|1\nuncovered|1\nunderstaffed|1'
	assert_equal "$(sq s.db "SELECT required, assigned, status FROM rotation_coverage WHERE \"date\" = '2026-07-04'")" '1|2|overstaffed'
}

@test "--show writes NDJSON records typed by the view, numbers as numbers, null for none" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d s.db --show person_workload
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 24
	assert_line '{"type":"person_workload","person":"r1","period":"week","start":"2026-06-22","end":"2026-06-28","minutes":1920,"minutes_clinical":240,"minutes_education":240,"minutes_call":1440,"minutes_leave":0,"half_days":2,"calls":1,"weekend_days":1,"first_date":"2026-06-22","last_date":"2026-06-27"}'
	assert_line '{"type":"person_workload","person":"r3","period":"year","start":"2026-07-01","end":"2027-06-30","minutes":0,"minutes_clinical":0,"minutes_education":0,"minutes_call":0,"minutes_leave":0,"half_days":0,"calls":0,"weekend_days":0,"first_date":null,"last_date":null}'
	assert_equal "$(printf '%s\n' "$output" | jq -r .type | sort -u)" person_workload
	run -0 --separate-stderr rota-mview-refresh -d s.db --show schedule_summary
	assert_equal "${#lines[@]}" 14
	assert_line --index 0 '{"type":"schedule_summary","date":"2026-06-22","activity":"clinic","slot":"AM","role":"faculty","pgy":0,"people":1}'
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.type, (.pgy | type), (.people | type)] | join(" ")' | sort -u)" \
		'schedule_summary number number'
	run -0 --separate-stderr rota-mview-refresh -d s.db --show rotation_coverage -F ndjson
	assert_equal "${#lines[@]}" 6
	assert_line '{"type":"rotation_coverage","date":"2026-06-23","activity":"clinic","slot":"AM","required":1,"min":null,"max":null,"assigned":0,"status":"uncovered"}'
	assert_line '{"type":"rotation_coverage","date":"2026-06-22","activity":"clinic","slot":"AM","required":3,"min":2,"max":4,"assigned":3,"status":"adequate"}'
}

@test "--show -F table: a header of the columns, numbers to the right; an empty view is a header alone" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d s.db --show schedule_summary -F table
	assert_line --index 0 'date        activity   slot  role      pgy  people'
	assert_line --index 1 '2026-06-22  clinic     AM    faculty     0       1'
	assert_equal "${#lines[@]}" 15
	run -0 --separate-stderr rota-mview-refresh -d s.db --show person_workload -F table
	assert_equal "$(printf '%s\n' "${lines[0]}" | sed 's/ *$//')" \
		'person  period  start       end         minutes  minutes_clinical  minutes_education  minutes_call  minutes_leave  half_days  calls  weekend_days  first_date  last_date'
	run -0 --separate-stderr rota-mview-refresh -d s.db --show rotation_coverage --format table
	assert_equal "$(printf '%s\n' "${lines[0]}" | sed 's/ *$//')" 'date        activity  slot  required  min  max  assigned  status'
	# A store without covers.
	grep -v '"type":"cover"' "$DATA/mview/small.ndjson" >nocover.ndjson
	rota-import -q --db n.db nocover.ndjson
	rota-mview-refresh -q -d n.db >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d n.db --show rotation_coverage -F table
	assert_equal "$(printf '%s\n' "$output" | sed 's/ *$//')" 'date  activity  slot  required  min  max  assigned  status'
	run -0 --separate-stderr rota-mview-refresh -d n.db --show rotation_coverage
	assert_output ""
}

@test "--query prints the SQL of a view, which gives the rows of a full refresh" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	local v
	for v in "${VIEWS[@]}"; do
		run -0 --separate-stderr rota-mview-refresh -d s.db --query "$v"
		assert_output --partial 'SELECT '
		assert_equal "$stderr" ""
		printf '%s;\n' "$output" >q.sql
		run -0 --separate-stderr sq s.db <q.sql
		assert_equal "$v: $stderr" "$v: "
		assert_equal "$(sort <<<"$output")" "$(sq s.db "SELECT * FROM $v" | sort)"
	done
	# --query opens no store.
	run -0 --separate-stderr rota-mview-refresh -d nowhere.db --query schedule_summary
	assert_output --partial 'FROM assignments'
	[ ! -e nowhere.db ]
	[ ! -e nowhere.db-mview.lock ]
}

# ---- incremental refreshes -------------------------------------------------

@test "incremental and full refreshes agree over rounds of random changes; small changes stay incremental" {
	fm_store s.db
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes)" $'schedule_summary full never refreshed\nperson_workload full never refreshed\nrotation_coverage full never refreshed'
	local round
	for round in 1 2 3 4 5; do
		random_sql "$round" >changes.sql
		run -0 --separate-stderr sq s.db <changes.sql
		assert_equal "$stderr" ""
		run -0 --separate-stderr rota-mview-refresh -d s.db -i
		assert_equal "round $round: $(modes)" \
			"round $round: "$'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
		assert_equal "round $round: $(printf '%s\n' "$output" | jq '.changes > 0' | sort -u)" "round $round: true"
		full_equals s.db
	done
	# Nothing pending, the log consumed.
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_log')" 0
}

@test "an incremental refresh replaces only the rows the changes touch" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	# r1's clinic of Tuesday 30 June becomes didactics: one change logged
	# for the old row, one for the new.
	sq s.db "UPDATE assignments SET activity = 'didactics', kind = 'education' WHERE person = 'r1' AND \"date\" = '2026-06-30'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	# The summary's row of (30 June, clinic) out, (30 June, didactics) in;
	# r1's week, block and year out and in; no cover on 30 June.
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .changes, .rows_changed]')" \
		'["schedule_summary","incremental",2,2]
["person_workload","incremental",2,6]
["rotation_coverage","incremental",2,0]'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: incremental, 2 changes, 2 rows changed, T s
rota-mview-refresh: person_workload: incremental, 2 changes, 6 rows changed, T s
rota-mview-refresh: rotation_coverage: incremental, 2 changes, 0 rows changed, T s'
	assert_equal "$(sq s.db "SELECT minutes_clinical, minutes_education FROM person_workload WHERE person = 'r1' AND start = '2026-06-29'")" '240|240'
	full_equals s.db
	# A cover's want: its day and activity are recomputed (the summary's 3
	# rows of 22 June's clinic out and in again, unchanged).
	sq s.db "UPDATE covers SET want = 5 WHERE \"date\" = '2026-06-22' AND slot = 'AM'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .changes, .rows_changed]')" \
		'["schedule_summary","incremental",2,6]
["person_workload","incremental",2,0]
["rotation_coverage","incremental",2,2]'
	assert_equal "$(sq s.db "SELECT required, status FROM rotation_coverage WHERE \"date\" = '2026-06-22'")" '5|understaffed'
	full_equals s.db
	# Nothing changed: nothing to do.
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .changes, .rows_changed]' | sort -u)" '["incremental",0,0]'
}

@test "incremental: people added, changed and deleted" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	# A new person without assignments: zero rows for them.
	sq s.db "INSERT INTO people (id, role, pgy) VALUES ('r4', 'resident', 1)"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .rows_changed]')" \
		'["schedule_summary","incremental",0]
["person_workload","incremental",6]
["rotation_coverage","incremental",0]'
	assert_equal "$(sq s.db "SELECT count(*), sum(minutes) FROM person_workload WHERE person = 'r4'")" '6|0'
	full_equals s.db
	# x9 becomes a person: their assignment of 4 July now counts for them.
	sq s.db "INSERT INTO people (id, role, pgy) VALUES ('x9', 'fellow', 4)"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(sq s.db "SELECT role, pgy FROM schedule_summary WHERE \"date\" = '2026-07-04' ORDER BY role")" $'fellow|4\nresident|2'
	assert_equal "$(sq s.db "SELECT minutes, weekend_days FROM person_workload WHERE person = 'x9' AND period = 'week' AND start = '2026-06-29'")" '240|1'
	full_equals s.db
	# r2's pgy and role.
	sq s.db "UPDATE people SET pgy = 3, role = 'fellow' WHERE id = 'r2'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(sq s.db "SELECT DISTINCT role, pgy FROM schedule_summary WHERE \"date\" IN ('2026-06-23', '2026-06-28', '2026-07-02')")" 'fellow|3'
	full_equals s.db
	# r1 deleted: their workload goes; their assignments stay, of no role.
	sq s.db "DELETE FROM people WHERE id = 'r1'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" incremental
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload WHERE person = 'r1'")" 0
	assert_equal "$(sq s.db "SELECT role, pgy, people FROM schedule_summary WHERE \"date\" = '2026-06-27' AND activity = 'call'")" '|0|1'
	full_equals s.db
}

@test "--threshold: more changes than it make an incremental refresh full" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	# One UPDATE of one row: 2 changes, not more than 2.
	sq s.db "UPDATE assignments SET kind = 'transition' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 2
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .changes]' | sort -u)" '["incremental",2]'
	# 2 changes, more than 1.
	sq s.db "UPDATE assignments SET kind = 'clinical' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 1
	assert_equal "$(modes)" 'schedule_summary full more changes than the threshold
person_workload full more changes than the threshold
rotation_coverage full more changes than the threshold'
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.changes, .rows_changed]')" $'[2,28]\n[2,48]\n[2,12]'
	# The reason is said with -v only.
	refute_stderr_line '('
	sq s.db "UPDATE people SET pgy = 2 WHERE id = 'r3'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i -v --threshold 0
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 2 changes, 28 rows changed, T s (more changes than the threshold)
rota-mview-refresh: person_workload: full, 2 changes, 48 rows changed, T s (more changes than the threshold)
rota-mview-refresh: rotation_coverage: full, 2 changes, 12 rows changed, T s (more changes than the threshold)'
	# No changes are not more than 0.
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 0
	assert_equal "$(modes | sort -u)" $'person_workload incremental\nrotation_coverage incremental\nschedule_summary incremental'
	# --full is full whatever the changes, and says no reason.
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --full
	assert_equal "$(modes)" $'schedule_summary full\nperson_workload full\nrotation_coverage full'
	full_equals s.db
}

@test "--threshold P%: more changes than a percentage of the assignments (default 10%) make it full" {
	fm_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	assert_equal "$(sq s.db 'SELECT count(*) FROM assignments')" 861
	# An UPDATE of every assignment logs each row before and after: 1722.
	sq s.db "UPDATE assignments SET source = 'manual'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 250%
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .changes]' | sort -u)" '["incremental",1722]'
	full_equals s.db
	sq s.db "UPDATE assignments SET source = 'solver'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 150%
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" 'full more changes than the threshold'
	sq s.db "UPDATE assignments SET source = 'manual'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" 'full more changes than the threshold'
	# A number still counts entries.
	sq s.db "UPDATE assignments SET source = 'solver'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 1722
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" incremental
	run -2 --separate-stderr rota-mview-refresh -d s.db -i --threshold 5x
}

@test "--threshold P%: the assignments are counted only past 1000 waiting entries" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	assert_equal "$(sq s.db 'SELECT count(*) FROM assignments')" 14
	# 2 entries, 14% of the 14 assignments, but not more than 1000.
	sq s.db "UPDATE assignments SET kind = 'transition' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 1%
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .changes]' | sort -u)" '["incremental",2]'
	# 1002 entries (1000 new people, an UPDATE of one row): more than 7100%
	# of 14 (994), not more than 7200% (1008).
	gen_people 1000 100 | rota-import -q --db s.db
	sq s.db "UPDATE assignments SET kind = 'clinical' WHERE person = 'r2' AND \"date\" = '2026-06-22'"
	assert_equal "$(rota-mview-refresh -d s.db --list schedule_summary | jq .pending)" 1002
	copy_store s.db c.db
	run -0 --separate-stderr rota-mview-refresh -d c.db -i --threshold 7200%
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" incremental
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 7100%
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" 'full more changes than the threshold'
	same_views s.db c.db
	# 503 entries: incremental whatever the percentage.
	sq s.db "UPDATE people SET pgy = 1 WHERE id IN ('r1', 'r2', 'r3')"
	sq s.db "DELETE FROM people WHERE id IN (SELECT id FROM people WHERE id LIKE 'p%' LIMIT 497)"
	assert_equal "$(rota-mview-refresh -d s.db --list schedule_summary | jq .pending)" 503
	run -0 --separate-stderr rota-mview-refresh -d s.db -i --threshold 1%
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" incremental
	full_equals s.db
}

@test "a horizon changed: every view is refreshed fully" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	sq s.db "UPDATE horizons SET tz = 'America/New_York'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i -v
	assert_equal "$(modes)" 'schedule_summary full a horizon changed
person_workload full a horizon changed
rotation_coverage full a horizon changed'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 2 changes, 28 rows changed, T s (a horizon changed)
rota-mview-refresh: person_workload: full, 2 changes, 48 rows changed, T s (a horizon changed)
rota-mview-refresh: rotation_coverage: full, 2 changes, 12 rows changed, T s (a horizon changed)'
	# A longer horizon reaches another week: its rows appear.
	sq s.db "UPDATE horizons SET days = 21"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | cut -d' ' -f2- | sort -u)" 'full a horizon changed'
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload WHERE period = 'week' AND start = '2026-07-06' AND \"end\" = '2026-07-12'")" 4
	full_equals s.db
	# The same from a fresh store: the periods are those of the data.
	sed 's/"days":14/"days":21/' "$DATA/mview/small.ndjson" >longer.ndjson
	rota-import -q --db fresh.db longer.ndjson
	rota-mview-refresh -q -d fresh.db >/dev/null
	same_views s.db fresh.db
}

@test "dates outside the old periods make person_workload full, the other views stay incremental" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	# Inside the horizon: incremental.
	sq s.db "INSERT INTO assignments (person, \"date\", slot, activity, \"start\", \"end\", kind) VALUES ('r3', '2026-06-24', 'AM', 'clinic', '2026-06-24T08:00:00-05:00', '2026-06-24T12:00:00-05:00', 'clinical')"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes)" $'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
	full_equals s.db
	# Tuesday 1 September: other weeks and another block.
	sq s.db "INSERT INTO assignments (person, \"date\", slot, activity, \"start\", \"end\", kind) VALUES ('r3', '2026-09-01', 'CALL', 'nf', '2026-09-01T19:00:00-05:00', '2026-09-02T07:00:00-05:00', 'night_float')"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i -v
	assert_equal "$(modes)" 'schedule_summary incremental
person_workload full the dates reach other periods
rotation_coverage incremental'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: incremental, 1 change, 1 row changed, T s
rota-mview-refresh: person_workload: full, 1 change, 92 rows changed, T s (the dates reach other periods)
rota-mview-refresh: rotation_coverage: incremental, 1 change, 0 rows changed, T s'
	assert_equal "$(sq s.db "SELECT period, start, \"end\", minutes, minutes_call, calls FROM person_workload WHERE person = 'r3' AND minutes > 0 ORDER BY period, start")" \
		'block|2026-06-02|2026-06-30|240|0|0
block|2026-08-26|2026-09-22|720|720|1
week|2026-06-22|2026-06-28|240|0|0
week|2026-08-31|2026-09-06|720|720|1
year|2025-07-01|2026-06-30|240|0|0
year|2026-07-01|2027-06-30|720|720|1'
	# Every week from 22 June to 6 September, for each of 4 people.
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload WHERE period = 'week'")" $((4 * 11))
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload WHERE period = 'block'")" $((4 * 4))
	full_equals s.db
	# Back inside: the periods shrink back, fully again.
	sq s.db "DELETE FROM assignments WHERE \"date\" = '2026-09-01'"
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes | sed -n 2p)" 'person_workload full the dates reach other periods'
	assert_equal "$(sq s.db "SELECT count(*) FROM person_workload")" 24
	full_equals s.db
}

@test "the periods follow the data after a refresh of another view alone" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	sq s.db "INSERT INTO assignments (person, \"date\", slot, activity, kind) VALUES ('r1', '2026-09-01', 'AM', 'clinic', 'clinical')"
	rota-mview-refresh -q -d s.db -i schedule_summary >/dev/null
	sq s.db "DELETE FROM assignments WHERE \"date\" = '2026-09-01'"
	run -0 --separate-stderr rota-mview-refresh -d s.db --full
	# The data reaches 22 June to 5 July again: 2 weeks, 2 blocks, 2 years each.
	assert_equal "$(sq s.db 'SELECT count(*) FROM person_workload')" 24
	assert_equal "$(table s.db person_workload)" "$(cat "$DATA/mview/small.person_workload.table")"
}

# ---- --list, the refresh log, --if-stale ----------------------------------

@test "--list: rows, last refresh, mode and pending changes, before and after; the refresh log" {
	small_store s.db
	run -0 --separate-stderr rota-mview-refresh -d s.db --list
	assert_output '{"type":"view","view":"schedule_summary","rows":0,"refreshed":false,"pending":0}
{"type":"view","view":"person_workload","rows":0,"refreshed":false,"pending":0}
{"type":"view","view":"rotation_coverage","rows":0,"refreshed":false,"pending":0}'
	assert_equal "$stderr" ""
	# --list changes nothing in the store.
	assert_equal "$(sq s.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rota_mv%'")" 0
	run -0 --separate-stderr rota-mview-refresh -d s.db --list -F table
	assert_output 'VIEW                    ROWS  REFRESHED                 AGE  MODE         SECONDS   PENDING
schedule_summary           0  never                       -  -              0.000         0
person_workload            0  never                       -  -              0.000         0
rotation_coverage          0  never                       -  -              0.000         0'
	rota-mview-refresh -q -d s.db >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d s.db --list
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.type, .view, .rows, .refreshed, .mode, .rows_changed, .pending, (.age >= 0), (.seconds | type)]')" \
		'["view","schedule_summary",14,true,"full",14,0,true,"number"]
["view","person_workload",24,true,"full",24,0,true,"number"]
["view","rotation_coverage",6,true,"full",6,0,true,"number"]'
	assert_equal "$(printf '%s\n' "$output" | jq -r .started | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')" 3
	run -0 --separate-stderr rota-mview-refresh -d s.db --list -F table
	assert_line --index 0 'VIEW                    ROWS  REFRESHED                 AGE  MODE         SECONDS   PENDING'
	assert_line --index 2 --regexp '^person_workload +24  [0-9T:Z-]{20} +[0-9]+s  full +[0-9]+\.[0-9]{3} +0$'
	# 5 changes: an update (old and new row), an insert, a person's pgy.
	sq s.db "UPDATE assignments SET slot = 'PM' WHERE person = 'r2' AND \"date\" = '2026-07-03';
		INSERT INTO assignments (person, \"date\", slot, activity, kind) VALUES ('r3', '2026-06-23', 'AM', 'clinic', 'clinical');
		UPDATE people SET pgy = 2 WHERE id = 'r3'"
	run -0 --separate-stderr rota-mview-refresh -d s.db --list
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .pending]')" \
		$'["schedule_summary",5]\n["person_workload",5]\n["rotation_coverage",5]'
	run -0 --separate-stderr rota-mview-refresh -d s.db --list rotation_coverage
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .pending]')" '["rotation_coverage",5]'
	run -0 --separate-stderr rota-mview-refresh -d s.db --list -F table person_workload
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp ' 5$'
	# One view refreshed: its changes are consumed, the others' kept.
	rota-mview-refresh -q -d s.db -i schedule_summary >/dev/null
	assert_equal "$(rota-mview-refresh -d s.db --list | jq -c '[.view, .mode, .pending]')" \
		'["schedule_summary","incremental",0]
["person_workload","full",5]
["rotation_coverage","full",5]'
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_log')" 5
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .mode, .changes]')" \
		'["schedule_summary","incremental",0]
["person_workload","incremental",5]
["rotation_coverage","incremental",5]'
	assert_equal "$(rota-mview-refresh -d s.db --list | jq -c '[.view, .mode, .pending, .rows]')" \
		'["schedule_summary","incremental",0,15]
["person_workload","incremental",0,24]
["rotation_coverage","incremental",0,6]'
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_log')" 0
	# The refresh log: one row per view and refresh, in order.  The summary's
	# incremental one: 3 July's clinic (1 row out, 1 in) and 23 June's
	# (1 out, 2 in); then r2's week, block and year and r3's 6 rows, out and
	# in; the 2 covers of 23 June's clinic out and in.
	assert_equal "$(sq s.db 'SELECT view, mode, rows_changed, seconds >= 0, started GLOB "????-??-??T??:??:??Z" FROM rota_mv_refresh_log ORDER BY id')" \
		'schedule_summary|full|14|1|1
person_workload|full|24|1|1
rotation_coverage|full|6|1|1
schedule_summary|incremental|5|1|1
schedule_summary|incremental|0|1|1
person_workload|incremental|18|1|1
rotation_coverage|incremental|4|1|1'
	# The last refresh of each view is its state.
	assert_equal "$(sq s.db "SELECT view, mode FROM rota_mv_state WHERE view NOT LIKE '*%' ORDER BY view")" \
		$'person_workload|incremental\nrotation_coverage|incremental\nschedule_summary|incremental'
}

@test "--if-stale: fresh views are skipped, stale and never refreshed ones refreshed" {
	small_store s.db
	# Never refreshed: refreshed.
	run -0 --separate-stderr rota-mview-refresh -d s.db --if-stale 1h
	assert_equal "$(modes)" $'schedule_summary full\nperson_workload full\nrotation_coverage full'
	# Fresh: skipped.
	sq s.db "UPDATE people SET pgy = 2 WHERE id = 'r3'"
	run -0 --separate-stderr rota-mview-refresh -d s.db --if-stale 1h -i
	assert_output '{"type":"summary","tool":"rota-mview-refresh","view":"schedule_summary","mode":"skipped","reason":"fresh"}
{"type":"summary","tool":"rota-mview-refresh","view":"person_workload","mode":"skipped","reason":"fresh"}
{"type":"summary","tool":"rota-mview-refresh","view":"rotation_coverage","mode":"skipped","reason":"fresh"}'
	assert_stderr 'rota-mview-refresh: schedule_summary: fresh, not refreshed
rota-mview-refresh: person_workload: fresh, not refreshed
rota-mview-refresh: rotation_coverage: fresh, not refreshed'
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	assert_equal "$(list_field s.db person_workload pending)" 2
	# A view last refreshed a day ago is stale for 1h but not for 2d.
	sq s.db "UPDATE rota_mv_state SET started = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day') WHERE view = 'person_workload'"
	run -0 --separate-stderr rota-mview-refresh -d s.db --if-stale 2d -i
	assert_equal "$(modes | cut -d' ' -f2 | sort -u)" skipped
	run -0 --separate-stderr rota-mview-refresh -d s.db --if-stale 1h -i
	assert_equal "$(modes)" $'schedule_summary skipped\nperson_workload incremental\nrotation_coverage skipped'
	assert_equal "$(list_field s.db person_workload pending)" 0
	assert_equal "$(list_field s.db schedule_summary pending)" 2
	# 0s: everything is stale.
	run -0 --separate-stderr rota-mview-refresh -d s.db --if-stale 0s -i
	assert_equal "$(modes)" $'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 7
	full_equals s.db
	# Views never refreshed in a store whose other views were.
	small_store t.db
	rota-mview-refresh -q -d t.db schedule_summary >/dev/null
	run -0 --separate-stderr rota-mview-refresh -d t.db --if-stale 10m
	assert_equal "$(modes)" $'schedule_summary skipped\nperson_workload full\nrotation_coverage full'
	# Only the views named.
	run -0 --separate-stderr rota-mview-refresh -d t.db --if-stale 0s rotation_coverage
	assert_equal "$(modes)" 'rotation_coverage full'
}

@test "the views named alone are refreshed, their records in the views' order; one never refreshed shows no rows" {
	small_store s.db
	run -0 --separate-stderr rota-mview-refresh -d s.db rotation_coverage schedule_summary
	assert_equal "$(modes)" $'schedule_summary full\nrotation_coverage full'
	assert_equal "$(mv_stderr)" 'rota-mview-refresh: schedule_summary: full, 0 changes, 14 rows changed, T s
rota-mview-refresh: rotation_coverage: full, 0 changes, 6 rows changed, T s'
	run -0 --separate-stderr rota-mview-refresh -d s.db --show person_workload
	assert_output ""
	run -0 --separate-stderr rota-mview-refresh -d s.db --list
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.view, .refreshed, .rows]')" \
		'["schedule_summary",true,14]
["person_workload",false,0]
["rotation_coverage",true,6]'
	assert_equal "$(sq s.db 'SELECT view FROM rota_mv_refresh_log ORDER BY id')" $'schedule_summary\nrotation_coverage'
	run -0 --separate-stderr rota-mview-refresh -d s.db -i person_workload
	assert_equal "$(modes)" 'person_workload full never refreshed'
	assert_equal "$(table s.db person_workload)" "$(cat "$DATA/mview/small.person_workload.table")"
}

# ---- the lock, concurrency, a killed refresh ---------------------------------

@test "the lock: a refresh while another holds it exits 5; --wait outlasts it" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	flock s.db-mview.lock sh -c 'touch held; while [ ! -e release ]; do sleep 0.02; done' 3>&- &
	local holder=$! waiter
	wait_for held
	run -5 --separate-stderr rota-mview-refresh -d s.db
	assert_output ""
	assert_stderr 'rota-mview-refresh: s.db: a refresh is running: the lock is held by another process'
	run -5 --separate-stderr rota-mview-refresh -d s.db -i --wait 0.2
	assert_stderr 'rota-mview-refresh: s.db: a refresh is running: the lock is held by another process (waited for it)'
	# Readers take no lock.
	run -0 --separate-stderr rota-mview-refresh -d s.db --list
	run -0 --separate-stderr rota-mview-refresh -d s.db --show schedule_summary
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	# One that waits long enough runs once the holder is done.
	rota-mview-refresh -d s.db -i --wait 60 >waited.out 2>waited.err 3>&- &
	waiter=$!
	sq s.db "UPDATE people SET pgy = 1 WHERE id = 'r3'"
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	touch release
	wait "$holder"
	wait "$waiter"
	assert_equal "$(jq -r .mode waited.out | sort -u)" incremental
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 6
	# The lock file names the last holder.
	assert_equal "$(cat s.db-mview.lock)" "$waiter"
	run -0 --separate-stderr rota-mview-refresh -q -d s.db
}

@test "a store another writer keeps locked past the busy timeout exits 5, changing nothing" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	start_holder $'BEGIN IMMEDIATE;\n.shell touch locked\n' sqlite3 s.db
	run -5 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-mview-refresh -d s.db
	assert_output ""
	assert_stderr 'rota-mview-refresh: s.db: database is locked'
	# Readers go on.
	run -0 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-mview-refresh -d s.db --show rotation_coverage
	assert_equal "${#lines[@]}" 6
	printf 'COMMIT;\n' >&4
	exec 4>&-
	wait "$holder"
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_mv_refresh_log')" 3
	run -0 --separate-stderr rota-mview-refresh -q -d s.db
}

# snap STORE: what a reader sees of two views, in one statement.
snap() {
	sqlite3 ${SNAP_TIMEOUT:+-cmd ".timeout $SNAP_TIMEOUT"} "$1" 'SELECT (SELECT count(*) FROM schedule_summary), (SELECT sum(people) FROM schedule_summary),
		(SELECT count(*) FROM person_workload), (SELECT sum(minutes) FROM person_workload),
		(SELECT sum(calls) FROM person_workload)'
}

# read_during STORE PID: reads two views of STORE again and again until the
# process PID ends, from the moment it holds the store's write lock; sets
# reads to the sequence of what each read saw: B the rows of $before, A
# those of $after (set it after), E locked out (sqlite3's busy timeout is
# 0: a reader held up fails at once), X anything else, in reads.txt.
read_during() {
	: >reads.txt
	until writing "$1" || ! kill -0 "$2" 2>/dev/null; do :; done
	local seen
	while kill -0 "$2" 2>/dev/null; do
		seen=$(snap "$1" 2>/dev/null) || seen=locked
		echo "$seen" >>reads.txt
	done
}

# read_sequence: reads.txt as B, A, E and X (see read_during).
read_sequence() {
	awk -v b="$before" -v a="$after" '{ printf "%s", $0 == b ? "B" : $0 == a ? "A" : $0 == "locked" ? "E" : "X" }' reads.txt
}

# big_refresh_while_reading: changes a copy of the big store (half the
# year's assignments go, everyone's pgy changes) and refreshes it fully
# while read_during reads it; sets before and after.
big_refresh_while_reading() {
	copy_store "$BATS_FILE_TMPDIR/big.db" b.db
	before=$(snap b.db)
	sq b.db "DELETE FROM assignments WHERE \"date\" >= '2027-01-01'; UPDATE people SET pgy = 1"
	rota-mview-refresh -q --full -d b.db >refresh.out 2>refresh.err 3>&- &
	local pid=$!
	read_during b.db "$pid"
	wait "$pid" || fail "the refresh failed: $(cat refresh.err)"
	after=$(snap b.db)
	[ "$after" != "$before" ] || fail "the refresh changed nothing"
}

@test "readers during a long refresh are not blocked and see the old rows, then the new, never a mixture" {
	local before after seq
	big_refresh_while_reading
	seq=$(read_sequence)
	# Reads of the old rows while it writes, then (once it has committed)
	# of the new; a read locked out (E) may come only after the commit (see
	# the next test), never before a read of the old rows.
	[[ $seq =~ ^B+[AE]*$ ]] ||
		fail "the reads in order: $seq (B: the old rows, A: the new, E: locked out, X: neither)"
	full_equals b.db
}

@test "readers with a busy timeout are never refused, not even as a refresh ends" {
	# As the last connection closes, SQLite checkpoints the WAL under an
	# exclusive lock (some 0.1 s for the big store): a reader without a
	# busy timeout (the sqlite3 shell's is 0) may be refused then, one
	# that waits (rota's tools wait 30 s) is not.  rota-mview-refresh(1)
	# says so.
	local before after seq
	SNAP_TIMEOUT=5000 big_refresh_while_reading
	seq=$(read_sequence)
	[[ $seq =~ ^B+A*$ ]] ||
		fail "the reads in order: $seq (B: the old rows, A: the new, E: locked out, X: neither)"
}

# slow_store STORE: triggers that make each row written to a view take a
# few milliseconds, so that a full refresh of the family-medicine store
# lasts seconds (they read, they change nothing).
slow_store() {
	sq "$1" "CREATE TABLE slow (n integer);
		WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600) INSERT INTO slow SELECT x FROM c;
		CREATE TRIGGER slow_s AFTER INSERT ON schedule_summary BEGIN SELECT count(*) FROM slow a, slow b; END;
		CREATE TRIGGER slow_w AFTER INSERT ON person_workload BEGIN SELECT count(*) FROM slow a, slow b; END;
		CREATE TRIGGER slow_c AFTER INSERT ON rotation_coverage BEGIN SELECT count(*) FROM slow a, slow b; END;"
}

@test "kill -9 mid-refresh leaves the views as they were; the next refresh works" {
	fm_store s0.db
	rota-mview-refresh -q -d s0.db >/dev/null
	slow_store s0.db
	random_sql 7 | sq s0.db
	views s0.db >before.views
	rota-mview-refresh -d s0.db --list | jq -c 'del(.age)' >before.list
	# How long a refresh of it lasts here, and what it gives.
	copy_store s0.db done.db
	local t0=$(ms) took pct pid st killed=0
	rota-mview-refresh -q --full -d done.db >/dev/null
	took=$(($(ms) - t0))
	for pct in 0 15 35 55 75; do
		copy_store s0.db s.db
		rota-mview-refresh -q --full -d s.db >killed.out 2>killed.err 3>&- &
		pid=$!
		until writing s.db; do
			kill -0 "$pid" 2>/dev/null || fail "the refresh ended before it began to write"
		done
		sleep "$(awk -v ms=$((took * pct / 100)) 'BEGIN { printf "%.3f", ms / 1000 }')"
		# It may have ended (and been reaped) already: the status says.
		kill -9 "$pid" 2>/dev/null || true
		st=0
		wait "$pid" 2>/dev/null || st=$?
		# Killed too late, on a slow day: nothing to see.
		[ "$st" -eq 0 ] && continue
		assert_equal "at ${pct}%: status $st" "at ${pct}%: status 137"
		killed=$((killed + 1))
		views s.db >after.views
		cmp -s before.views after.views || fail "at ${pct}%: the views changed"
		assert_equal "$(rota-mview-refresh -d s.db --list | jq -c 'del(.age)')" "$(cat before.list)"
		assert_equal "$(sq s.db 'PRAGMA integrity_check')" ok
	done
	[ "$killed" -ge 3 ] || fail "only $killed of 5 refreshes were killed mid-way"
	# The lock went with the killed process; the changes are still pending.
	sq s.db 'DROP TRIGGER slow_s; DROP TRIGGER slow_w; DROP TRIGGER slow_c'
	run -0 --separate-stderr rota-mview-refresh -d s.db -i
	assert_equal "$(modes)" $'schedule_summary incremental\nperson_workload incremental\nrotation_coverage incremental'
	same_views s.db done.db
}

# ---- errors ----------------------------------------------------------------

@test "usage errors exit 2" {
	small_store s.db
	run -2 --separate-stderr rota-mview-refresh -d s.db no_such_view
	assert_stderr 'rota-mview-refresh: no view "no_such_view" (schedule_summary, person_workload, rotation_coverage)'
	run -2 --separate-stderr rota-mview-refresh -d s.db --show no_such_view
	assert_stderr 'rota-mview-refresh: --show: no view "no_such_view" (schedule_summary, person_workload, rotation_coverage)'
	run -2 --separate-stderr rota-mview-refresh -d s.db --show schedule_summary person_workload
	assert_stderr 'rota-mview-refresh: --show names its one view'
	run -2 --separate-stderr rota-mview-refresh -d s.db --query schedule_summary rotation_coverage
	assert_stderr 'rota-mview-refresh: --query names its one view'
	run -2 --separate-stderr rota-mview-refresh -d s.db --list --show schedule_summary
	assert_stderr 'rota-mview-refresh: --list, --show and --query go alone'
	run -2 --separate-stderr rota-mview-refresh -d s.db --threshold -1
	assert_stderr_line 'rota-mview-refresh: --threshold: expected an integer 0..1125899906842624, got "-1"'
	run -2 --separate-stderr rota-mview-refresh -d s.db --if-stale soon
	assert_stderr_line 'rota-mview-refresh: --if-stale: expected a duration like 2h, 90m, 1h30m or 7d, got "soon"'
	run -2 --separate-stderr rota-mview-refresh -d s.db --wait -1
	run -2 --separate-stderr rota-mview-refresh -d s.db --list -F csv
	assert_stderr 'rota-mview-refresh: --format: expected ndjson or table, got "csv"'
	run -2 --separate-stderr rota-mview-refresh -d s.db --no-such-option
	assert_stderr_line "Try 'rota-mview-refresh --help' for more information."
	run -2 --separate-stderr rota-mview-refresh --db ''
	assert_stderr 'rota-mview-refresh: --db: empty store name'
	# None of them made the views.
	assert_equal "$(sq s.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rota_mv%'")" 0
	run -0 --separate-stderr rota-mview-refresh --help
	assert_line --index 0 'usage: rota-mview-refresh [options] [VIEW...]'
	run -0 --separate-stderr rota-mview-refresh --version
	assert_output --regexp '^rota-mview-refresh [0-9]'
}

@test "store errors exit 4: --show before any refresh, a missing store" {
	small_store s.db
	run -4 --separate-stderr rota-mview-refresh -d s.db --show schedule_summary
	assert_output ""
	assert_stderr 'rota-mview-refresh: s.db: no views yet: run rota-mview-refresh first'
	run -4 --separate-stderr rota-mview-refresh -d missing.db --show person_workload
	assert_output ""
	run -4 --separate-stderr rota-mview-refresh -d missing.db --list
	assert_output ""
	[ ! -e missing.db ]
	echo 'not a database, not at all, no' >junk.db
	run -4 --separate-stderr rota-mview-refresh -d junk.db
	assert_output ""
	# A symbolic link where the lock file goes.
	ln -s elsewhere s.db-mview.lock
	run -4 --separate-stderr rota-mview-refresh -d s.db
	assert_output ""
	assert_stderr 'rota-mview-refresh: s.db: the lock: s.db-mview.lock: Too many levels of symbolic links'
	[ ! -e elsewhere ]
	rm s.db-mview.lock
	# ROTA_DB names the store; when empty, ./rota.db.
	run -0 --separate-stderr env ROTA_DB=s.db rota-mview-refresh -q
	run -0 --separate-stderr env ROTA_DB=s.db rota-mview-refresh --show rotation_coverage
	assert_equal "${#lines[@]}" 6
	small_store rota.db
	run -0 --separate-stderr env ROTA_DB= rota-mview-refresh -q
	assert_equal "$(list_field rota.db schedule_summary rows)" 14
}

@test "-q: no messages; standard output on a full disk exits 7" {
	small_store s.db
	run -0 --separate-stderr rota-mview-refresh -q -d s.db
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 3
	sq s.db "UPDATE people SET pgy = 3 WHERE id = 'r1'"
	# The refresh is done (committed) all the same.
	run -7 --separate-stderr to_full rota-mview-refresh -q -d s.db -i
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
	assert_equal "$(list_field s.db person_workload pending)" 0
	assert_equal "$(list_field s.db person_workload mode)" '"incremental"'
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --list
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --list -F table
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --show rotation_coverage
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --show person_workload -F table
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --query schedule_summary
}

@test "--show of more than a buffer of rows on a full disk exits 7" {
	small_store s.db
	rota-mview-refresh -q -d s.db >/dev/null
	[ "$(rota-mview-refresh -d s.db --show person_workload | wc -c)" -gt 4096 ]
	run -7 --separate-stderr to_full rota-mview-refresh -d s.db --show person_workload
	assert_stderr 'rota-mview-refresh: standard output: No space left on device'
}
