#!/usr/bin/env bats
# tests/rota-explain.bats: rota-explain without a server: the committed plan
# files of tests/data/explain (captured once by its ./capture from a real
# PostgreSQL 15 server and the sqlite3 shell; its README says what each
# shows), --compare, --fail-on, -F table, usage errors, unreadable plans,
# and SQLite stores planned with --db FILE --query.  The PostgreSQL side of
# --db (--analyze, --verify, writes refused) is tests/rota-explain-pg.bats.

load helpers

E=$DATA/explain

setup_file() {
	# A small programme in an SQLite store (primary keys only).
	"$ROTA_TOP/scripts/gen-programme" --residents 30 --days 28 --schedule >"$BATS_FILE_TMPDIR/p.ndjson"
	rota-import -q --db "$BATS_FILE_TMPDIR/s.db" "$BATS_FILE_TMPDIR/p.ndjson"
}

setup() {
	test_dir
	SDB=$BATS_FILE_TMPDIR/s.db
}

# ---- helpers -------------------------------------------------------------

# rules: "RULE SEVERITY NODE" of each record of $output (NODE - for the plan
# as a whole), in the order written.
rules() {
	printf '%s\n' "$output" | jq -r '"\(.rule) \(.severity) \(.node // "-")"'
}

# field RULE EXPR: jq EXPR of each record of RULE in $output, compact.
field() {
	printf '%s\n' "$output" | jq -c --arg r "$1" "select(.rule == \$r) | $2"
}

# no_rule RULE: no record of $output is of RULE.
no_rule() {
	local n
	n=$(printf '%s\n' "$output" | jq -r --arg r "$1" 'select(.rule == $r) | .rule' | wc -l)
	[ "$n" -eq 0 ] || fail "$n records of $1 in: $output"
}

# untimed: $output with each record's from and to (the run's time) as "T",
# after checking that they are one UTC time.
untimed() {
	printf '%s\n' "$output" | jq -e -s 'all(.[]; .from == .to and (.from | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")))' >/dev/null ||
		fail "from/to not one UTC time: $output"
	printf '%s\n' "$output" | sed -E 's/"from":"[^"]*","to":"[^"]*"/"from":"T","to":"T"/'
}

sq_count() {
	sqlite3 -batch "$SDB" "SELECT count(*) FROM $1"
}

# ---- PostgreSQL plan files -------------------------------------------------

@test "pg-seq-scan.json: the hot Seq Scan, its filter dropping 99.5%, a low misestimate, no I/O times, three index candidates" {
	run -0 --separate-stderr rota-explain "$E/pg-seq-scan.json"
	assert_equal "$stderr" ""
	assert_equal "$(rules)" "explain.hot-node high 1
explain.seq-scan-filter high 1
explain.misestimate low 1
explain.no-io-timing info -
explain.index-candidate info 1
explain.index-candidate info 1
explain.index-candidate info 1"
	assert_equal "$(field explain.hot-node '[.share, .ms]')" '[1,7.443]'
	assert_equal "$(field explain.seq-scan-filter '[.relation, .rows_read, .rows_removed, .status]')" '["assignments",46580,46340,"advisory"]'
	assert_equal "$(field explain.misestimate '[.estimated_rows, .actual_rows, .relation, .status]')" '[9,240,"assignments","info"]'
	assert_equal "$(field explain.no-io-timing '.blocks_read')" 806
	assert_equal "$(field explain.index-candidate '.columns')" '["activity"]
["kind"]
["activity","kind"]'
	# Every record names its source: the file as given.
	assert_equal "$(printf '%s\n' "$output" | jq -r .source | sort -u)" "$E/pg-seq-scan.json"
}

@test "pg-seq-scan.json: a record's fields, in order, with its message" {
	run -0 --separate-stderr rota-explain "$E/pg-seq-scan.json"
	run -0 untimed
	assert_line --index 1 '{"type":"finding","rule":"explain.seq-scan-filter","status":"advisory","severity":"high","from":"T","to":"T","source":"'"$E"'/pg-seq-scan.json","node":1,"node_label":"Seq Scan on assignments","relation":"assignments","rows_read":46580,"rows_removed":46340,"share_removed":0.995,"message":"Seq Scan on assignments reads 46580 rows and its filter drops 99.5% of them (((activity = '"'call-t1'::text) AND (kind = 'in_house_call'::text)))"': an index on the filter'"'"'s columns would read only those kept"}'
	assert_line --index 2 '{"type":"finding","rule":"explain.misestimate","status":"info","severity":"low","from":"T","to":"T","source":"'"$E"'/pg-seq-scan.json","node":1,"node_label":"Seq Scan on assignments","relation":"assignments","estimated_rows":9,"actual_rows":240,"factor":26.667,"message":"Seq Scan on assignments: estimated 9 rows, got 240 (under by 27 times): the statistics may be stale (ANALYZE assignments), or its conditions'"'"' columns correlated (CREATE STATISTICS)"}'
	assert_line --index 3 '{"type":"finding","rule":"explain.no-io-timing","status":"info","severity":"info","from":"T","to":"T","source":"'"$E"'/pg-seq-scan.json","blocks_read":806,"message":"806 blocks were read from outside the buffer cache but their time is unknown: SET track_io_timing = on shows how long reading took"}'
	assert_line --index 6 '{"type":"finding","rule":"explain.index-candidate","status":"info","severity":"info","from":"T","to":"T","source":"'"$E"'/pg-seq-scan.json","node":1,"node_label":"Seq Scan on assignments","relation":"assignments","columns":["activity","kind"],"message":"an index on assignments (activity, kind) might serve this scan (--verify tries it on a PostgreSQL store)"}'
}

@test "pg-seq-scan-costs.json (no ANALYZE): the hot node by cost and the candidates; nothing that needs actual rows" {
	run -0 --separate-stderr rota-explain "$E/pg-seq-scan-costs.json"
	assert_equal "$(rules)" "explain.hot-node high 1
explain.index-candidate info 1
explain.index-candidate info 1
explain.index-candidate info 1"
	assert_equal "$(field explain.hot-node '[.share, .cost, .message]')" '[1,1504.7,"Seq Scan on assignments takes 100% of the estimated cost (1505, its children excluded)"]'
}

@test "pg-no-timing.json (ANALYZE, TIMING OFF): explain.no-timing for the plan, the hot node judged on costs" {
	run -0 --separate-stderr rota-explain "$E/pg-no-timing.json"
	assert_equal "$(rules)" "explain.hot-node high 1
explain.seq-scan-filter high 1
explain.misestimate low 1
explain.no-timing info -
explain.index-candidate info 1
explain.index-candidate info 1
explain.index-candidate info 1"
	assert_equal "$(field explain.no-timing '[.node, .message]')" '[null,"the plan has no times (EXPLAIN ANALYZE with TIMING OFF): which node is slow is judged on costs"]'
	assert_equal "$(field explain.hot-node '[.cost, .ms]')" '[1504.7,null]'
}

@test "pg-pk-lookup.json: the primary key serves it: no seq-scan finding, no candidate, no misestimate, nothing above info" {
	run -0 --separate-stderr rota-explain --fail-on low "$E/pg-pk-lookup.json"
	assert_equal "$(rules)" "explain.hot-node info 1
explain.no-io-timing info -"
	assert_equal "$(field explain.hot-node '[.node_label, .share, .ms]')" '["Index Scan using assignments_pkey on assignments",1,0.033]'
}

@test "pg-heap-fetches.json: an Index Only Scan that went to the table for every row says VACUUM" {
	run -0 --separate-stderr rota-explain "$E/pg-heap-fetches.json"
	assert_equal "$(rules)" "explain.hot-node info 1
explain.heap-fetches low 1
explain.no-io-timing info -"
	assert_equal "$(field explain.heap-fetches '[.relation, .heap_fetches, .rows, .message]')" \
		'["assignments",188,188,"Index Only Scan on assignments went to the table 188 times for 188 rows: its visibility map is out of date (VACUUM assignments)"]'
}

@test "pg-limit.json, pg-exists.json: rows a Limit or a semi join did not ask for are no misestimate" {
	run -0 --separate-stderr rota-explain "$E/pg-limit.json"
	no_rule explain.misestimate
	run -0 --separate-stderr rota-explain "$E/pg-exists.json"
	no_rule explain.misestimate
}

@test "pg-sort-spill.json: the Sort that spilled, and the work_mem it wants" {
	run -0 --separate-stderr rota-explain "$E/pg-sort-spill.json"
	assert_equal "$(rules)" "explain.hot-node high 1
explain.sort-spill medium 1"
	assert_equal "$(field explain.sort-spill '[.node_label, .disk_kb, .work_mem_kb, .status, .message]')" \
		'["Sort",5480,10960,"advisory","Sort spilled 5480 kB to disk (external merge): work_mem of about 10960 kB would keep it in memory"]'
}

@test "pg-hash-spill.json: the Hash that ran in 32 batches" {
	run -0 --separate-stderr rota-explain "$E/pg-hash-spill.json"
	assert_equal "$(rules | grep -v index-candidate)" "explain.hot-node high 1
explain.hot-node medium 3
explain.hash-spill medium 3"
	assert_equal "$(field explain.hash-spill '[.node_label, .batches, .planned_batches, .work_mem_kb]')" '["Hash",32,32,2912]'
	assert_equal "$(field explain.hash-spill .message)" '"Hash ran in 32 batches (planned 32), writing to disk: work_mem (times hash_mem_multiplier) of about 2912 kB would keep it in one"'
}

@test "pg-nested-loop.json: an inner Materialize run 46580 times is high, with the join columns as candidates" {
	run -0 --separate-stderr rota-explain "$E/pg-nested-loop.json"
	assert_equal "$(field explain.nested-loop '[.severity, .node, .inner_loops, .inner_rows, .message]')" \
		'["high",1,46580,3819560,"Nested Loop runs its inner side, Materialize, 46580 times: each run reads it whole; an index on the join columns, or a hash join, would not"]'
	assert_equal "$(field explain.index-candidate '[.relation, .columns]')" '["assignments",["activity"]]
["activities",["site"]]'
}

@test "pg-nested-loop-index.json: an inner Index Scan run 46580 times is only low" {
	run -0 --separate-stderr rota-explain "$E/pg-nested-loop-index.json"
	assert_equal "$(rules)" "explain.hot-node high 3
explain.nested-loop low 1
explain.no-io-timing info -"
	assert_equal "$(field explain.nested-loop '[.relation, .inner_loops, .message]')" \
		'["covers",46580,"Nested Loop runs its inner side, Index Scan using covers_pkey on covers c, 46580 times"]'
}

@test "pg-workers.json: a Gather that got none of its 2 workers" {
	run -0 --separate-stderr rota-explain "$E/pg-workers.json"
	assert_equal "$(rules)" "explain.hot-node high 4
explain.workers medium 2
explain.index-candidate info 4"
	assert_equal "$(field explain.workers '[.node_label, .planned, .launched]')" '["Gather",2,0]'
}

@test "pg-stale.json: 139740 rows where the statistics say 1 is a high misestimate naming ANALYZE" {
	run -0 --separate-stderr rota-explain "$E/pg-stale.json"
	assert_equal "$(rules)" "explain.hot-node high 1
explain.misestimate high 1
explain.index-candidate info 1"
	assert_equal "$(field explain.misestimate '[.relation, .estimated_rows, .actual_rows, .factor]')" '["assignments",1,139740,139740]'
	assert_equal "$(field explain.misestimate .message)" '"Seq Scan on assignments: estimated 1 rows, got 139740 (under by 139740 times): the statistics may be stale (ANALYZE assignments), or its conditions'"'"' columns correlated (CREATE STATISTICS)"'
}

@test "misestimate severities: 30 times is low, 100 medium, 1000 high; under 10 times or under 10 rows, nothing" {
	# est actual -> severity (or none): the thresholds of lib/qplan.c.
	local cases="8 240 low
8 79 none
100 10 low
1 100 medium
100000 100 high
9 5 none
5 9 none
1 20 low" est act want got
	while read -r est act want; do
		printf '[{"Plan":{"Node Type":"Seq Scan","Relation Name":"t","Alias":"t","Startup Cost":0,"Total Cost":10,"Plan Rows":%s,"Actual Rows":%s,"Actual Loops":1,"Actual Total Time":1}}]\n' \
			"$est" "$act" >p.json
		run -0 --separate-stderr rota-explain p.json
		got=$(field explain.misestimate .severity | tr -d '"')
		assert_equal "$est $act ${got:-none}" "$est $act $want"
	done <<<"$cases"
}

@test "seq-scan-filter: needs 10000 rows read and 90% dropped; 99% is high" {
	local cases="10000 9000 medium
10000 9900 high
9999 9998 none
10000 8999 none" read drop want got
	while read -r read drop want; do
		printf '[{"Plan":{"Node Type":"Seq Scan","Relation Name":"t","Alias":"t","Startup Cost":0,"Total Cost":10,"Plan Rows":%s,"Actual Rows":%s,"Actual Loops":1,"Actual Total Time":1,"Filter":"(k = 1)","Rows Removed by Filter":%s}}]\n' \
			"$((read - drop))" "$((read - drop))" "$drop" >p.json
		run -0 --separate-stderr rota-explain p.json
		got=$(field explain.seq-scan-filter .severity | tr -d '"')
		assert_equal "$read $drop ${got:-none}" "$read $drop $want"
	done <<<"$cases"
}

@test "hot-node: 20% of the time is medium, 50% high; a node under 1 ms (or cost 100) only info" {
	# A Hash Join of TOTAL ms over a Seq Scan of KID ms: the join's own
	# time is TOTAL - KID.  "TOTAL KID" -> the severities of join, scan.
	local cases="10 2 high medium
10 6 medium high
10 8.5 - high
1.5 1.1 info high
3 0.9 high info
3 0.5 high -" total kid want got
	while read -r total kid want; do
		printf '[{"Plan":{"Node Type":"Hash Join","Startup Cost":0,"Total Cost":1,"Plan Rows":5,"Actual Rows":5,"Actual Loops":1,"Actual Total Time":%s,"Plans":[{"Node Type":"Seq Scan","Relation Name":"t","Alias":"t","Startup Cost":0,"Total Cost":1,"Plan Rows":5,"Actual Rows":5,"Actual Loops":1,"Actual Total Time":%s}]}}]\n' \
			"$total" "$kid" >p.json
		run -0 --separate-stderr rota-explain p.json
		got=$(printf '%s\n' "$output" | jq -r 'select(.rule == "explain.hot-node") | "\(.node):\(.severity)"' | sort | tr '\n' ' ')
		assert_equal "$total $kid: $got" "$total $kid: $(echo "$want" | awk '{ s = ""; if ($1 != "-") s = s "1:" $1 " "; if ($2 != "-") s = s "2:" $2 " "; printf "%s", s }')"
	done <<<"$cases"
}

@test "pg-bitmap-scan.json: once the index is there, no seq-scan finding and no candidate" {
	run -0 --separate-stderr rota-explain "$E/pg-bitmap-scan.json"
	no_rule explain.seq-scan-filter
	no_rule explain.index-candidate
	assert_equal "$(field explain.hot-node .node_label)" '"Bitmap Heap Scan on assignments"'
}

# ---- SQLite plan files -------------------------------------------------------

@test "sqlite-scan-sort.txt: SCAN of a whole table and a temporary B-tree for ORDER BY" {
	run -0 --separate-stderr rota-explain "$E/sqlite-scan-sort.txt"
	assert_equal "$(rules)" "explain.sqlite-scan low 1
explain.sqlite-temp-btree low 2"
	assert_equal "$(field explain.sqlite-scan '[.relation, .node_label, .message]')" \
		'["assignments","SCAN assignments","SCAN assignments: every row of assignments is read (no index serves the query'"'"'s conditions on it)"]'
	assert_equal "$(field explain.sqlite-temp-btree .message)" \
		'"USE TEMP B-TREE FOR ORDER BY: the rows are sorted in a temporary B-tree; an index in the order of the ORDER BY would give them in order"'
}

@test "sqlite-search.txt: a SEARCH by the primary key: no finding at all" {
	run -0 --separate-stderr rota-explain "$E/sqlite-search.txt"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "sqlite-automatic-index.txt: the automatic index SQLite builds on every run is medium" {
	run -0 --separate-stderr rota-explain "$E/sqlite-automatic-index.txt"
	assert_equal "$(rules)" "explain.sqlite-scan low 1
explain.sqlite-automatic-index medium 2"
	assert_equal "$(field explain.sqlite-automatic-index '[.status, .node_label]')" \
		'["advisory","SEARCH r USING AUTOMATIC COVERING INDEX (activity=? AND date=?)"]'
}

@test "sqlite-constant.txt: SELECT 1's SCAN CONSTANT ROW reads no table" {
	run -0 --separate-stderr rota-explain "$E/sqlite-constant.txt"
	assert_output ""
	# The sqlite3 shell's plan of SELECT count(*) FROM (SELECT kind FROM
	# assignments GROUP BY kind): only assignments is a table.
	cat >sub.txt <<'EOF'
QUERY PLAN
|--CO-ROUTINE (subquery-1)
|  |--SCAN assignments
|  `--USE TEMP B-TREE FOR GROUP BY
`--SCAN (subquery-1)
EOF
	run -0 --separate-stderr rota-explain sub.txt
	assert_equal "$(field explain.sqlite-scan .relation)" '"assignments"'
}

# ---- -F table ------------------------------------------------------------------

@test "-F table: the header, the plan-wide findings, the tree with self time and share, findings under their node" {
	run -0 --separate-stderr rota-explain -F table "$E/pg-seq-scan.json"
	assert_equal "$stderr" ""
	assert_output - <<EOF
== $E/pg-seq-scan.json
! info explain.no-io-timing: 806 blocks were read from outside the buffer cache but their time is unknown: SET track_io_timing = on shows how long reading took
Seq Scan on assignments  (self ms 7.44, 100%, 240 rows)
    ! high explain.hot-node: Seq Scan on assignments takes 100% of the time (7.44 ms, its children excluded)
    ! high explain.seq-scan-filter: Seq Scan on assignments reads 46580 rows and its filter drops 99.5% of them (((activity = 'call-t1'::text) AND (kind = 'in_house_call'::text))): an index on the filter's columns would read only those kept
    ! low explain.misestimate: Seq Scan on assignments: estimated 9 rows, got 240 (under by 27 times): the statistics may be stale (ANALYZE assignments), or its conditions' columns correlated (CREATE STATISTICS)
    ! info explain.index-candidate: an index on assignments (activity) might serve this scan (--verify tries it on a PostgreSQL store)
    ! info explain.index-candidate: an index on assignments (kind) might serve this scan (--verify tries it on a PostgreSQL store)
    ! info explain.index-candidate: an index on assignments (activity, kind) might serve this scan (--verify tries it on a PostgreSQL store)
planning 0.392 ms, execution 7.485 ms

EOF
}

@test "-F table: a deeper tree indented by depth; costs when there are no times" {
	run -0 --separate-stderr rota-explain -F table "$E/pg-workers.json" "$E/pg-seq-scan-costs.json"
	assert_output - <<EOF
== $E/pg-workers.json
Aggregate  (self ms 0.00, 0%, 1 rows)
  Gather  (self ms 0.35, 6%, 1 rows)
      ! medium explain.workers: Gather planned 2 parallel workers and got 0: max_parallel_workers or max_worker_processes ran out
    Aggregate  (self ms 1.23, 20%, 1 rows)
      Seq Scan on assignments  (self ms 4.71, 75%, 40420 rows)
          ! high explain.hot-node: Seq Scan on assignments takes 75% of the time (4.71 ms, its children excluded)
          ! info explain.index-candidate: an index on assignments (kind) might serve this scan (--verify tries it on a PostgreSQL store)
planning 0.349 ms, execution 6.365 ms

== $E/pg-seq-scan-costs.json
Seq Scan on assignments  (self cost 1505, 100%, est. 9 rows)
    ! high explain.hot-node: Seq Scan on assignments takes 100% of the estimated cost (1505, its children excluded)
    ! info explain.index-candidate: an index on assignments (activity) might serve this scan (--verify tries it on a PostgreSQL store)
    ! info explain.index-candidate: an index on assignments (kind) might serve this scan (--verify tries it on a PostgreSQL store)
    ! info explain.index-candidate: an index on assignments (activity, kind) might serve this scan (--verify tries it on a PostgreSQL store)

EOF
}

@test "-F table: an SQLite plan as its tree, findings under their line" {
	run -0 --separate-stderr rota-explain -F table "$E/sqlite-scan-sort.txt"
	assert_output - <<EOF
== $E/sqlite-scan-sort.txt
QUERY PLAN
  SCAN assignments
      ! low explain.sqlite-scan: SCAN assignments: every row of assignments is read (no index serves the query's conditions on it)
  USE TEMP B-TREE FOR ORDER BY
      ! low explain.sqlite-temp-btree: USE TEMP B-TREE FOR ORDER BY: the rows are sorted in a temporary B-tree; an index in the order of the ORDER BY would give them in order

EOF
}

@test "several plan files: each one's records name it; standard input is -" {
	run -0 --separate-stderr rota-explain "$E/pg-sort-spill.json" "$E/sqlite-scan-sort.txt"
	assert_equal "$(printf '%s\n' "$output" | jq -r '"\(.source | sub(".*/"; "")) \(.rule)"')" "pg-sort-spill.json explain.hot-node
pg-sort-spill.json explain.sort-spill
sqlite-scan-sort.txt explain.sqlite-scan
sqlite-scan-sort.txt explain.sqlite-temp-btree"
	run -0 --separate-stderr rota-explain <"$E/pg-sort-spill.json"
	assert_equal "$(printf '%s\n' "$output" | jq -r '"\(.source) \(.rule)"')" "- explain.hot-node
- explain.sort-spill"
	run -0 --separate-stderr rota-explain - <"$E/sqlite-scan-sort.txt"
	assert_equal "$(rules)" "explain.sqlite-scan low 1
explain.sqlite-temp-btree low 2"
}

@test "an object with Plan, not in an array, is read too" {
	jq '.[0]' "$E/pg-sort-spill.json" >o.json
	run -0 --separate-stderr rota-explain o.json
	assert_equal "$(rules)" "explain.hot-node high 1
explain.sort-spill medium 1"
}

# ---- --compare -------------------------------------------------------------------

@test "--compare: before and after an index, execution times and how the table is read" {
	run -0 --separate-stderr rota-explain --compare "$E/pg-compare-before.json" "$E/pg-compare-after.json"
	assert_equal "$stderr" ""
	run -0 untimed
	assert_output - <<EOF
{"type":"finding","rule":"explain.compare","status":"info","severity":"info","from":"T","to":"T","source":"$E/pg-compare-after.json","before":3.66,"after":0.055,"ratio":66.54545454545455,"message":"execution time: 3.660 before, 0.055 after (faster)"}
{"type":"finding","rule":"explain.compare-access","status":"info","severity":"info","from":"T","to":"T","source":"$E/pg-compare-after.json","node":1,"node_label":"Index Scan using assignments_activity_date_idx on assignments","relation":"assignments","message":"assignments: read by Seq Scan before, by Index Scan using assignments_activity_date_idx after"}
EOF
}

@test "--compare: the other way round it is slower (medium), and --fail-on medium says so" {
	run -1 --separate-stderr rota-explain --fail-on medium --compare "$E/pg-compare-after.json" "$E/pg-compare-before.json"
	assert_equal "$(field explain.compare '[.severity, .status, .before, .after, .message]')" \
		'["medium","advisory",0.055,3.66,"execution time: 0.055 before, 3.660 after (slower)"]'
	assert_equal "$(field explain.compare-access .message)" '"assignments: read by Index Scan using assignments_activity_date_idx before, by Seq Scan after"'
	run -0 --separate-stderr rota-explain --fail-on high --compare "$E/pg-compare-after.json" "$E/pg-compare-before.json"
}

@test "--compare: plans without times are compared on estimated cost; the same plan twice is the same" {
	run -0 --separate-stderr rota-explain --compare "$E/pg-compare-before-costs.json" "$E/pg-compare-after-costs.json"
	assert_equal "$(field explain.compare '[.before, .after, .message]')" '[1504.7,8.31,"estimated cost: 1505 before, 8 after (faster)"]'
	assert_equal "$(field explain.compare-access .message)" '"assignments: read by Seq Scan before, by Index Scan using assignments_activity_date_idx after"'
	# One timed and one not: costs.
	run -0 --separate-stderr rota-explain --compare "$E/pg-compare-before.json" "$E/pg-compare-after-costs.json"
	assert_equal "$(field explain.compare .message)" '"estimated cost: 1505 before, 8 after (faster)"'
	run -0 --separate-stderr rota-explain --compare "$E/pg-seq-scan.json" "$E/pg-seq-scan.json"
	assert_equal "$(rules)" "explain.compare info -"
	assert_equal "$(field explain.compare '[.ratio, .message]')" '[1,"execution time: 7.485 before, 7.485 after (the same)"]'
}

@test "--compare -F table: the comparison over the new plan's tree" {
	run -0 --separate-stderr rota-explain -F table --compare "$E/pg-compare-before-costs.json" "$E/pg-compare-after-costs.json"
	assert_output - <<EOF
== $E/pg-compare-after-costs.json
! info explain.compare: estimated cost: 1505 before, 8 after (faster)
Index Scan using assignments_activity_date_idx on assignments  (self cost 8, 100%, est. 1 rows)
    ! info explain.compare-access: assignments: read by Seq Scan before, by Index Scan using assignments_activity_date_idx after

EOF
}

@test "--compare of SQLite plans: how each table is read, and no times or costs to compare" {
	run -0 --separate-stderr rota-explain --compare "$E/sqlite-scan-sort.txt" "$E/sqlite-search.txt"
	assert_equal "$(rules)" "explain.compare-access info 1"
	assert_equal "$(field explain.compare-access .message)" '"assignments: read by SCAN before, by SEARCH using sqlite_autoindex_assignments_1 after"'
}

@test "--compare: an unreadable plan on either side exits 3 naming it" {
	printf '{not json' >bad.json
	run -3 --separate-stderr rota-explain --compare bad.json "$E/pg-compare-after.json"
	assert_output ""
	assert_stderr "rota-explain: bad.json: not JSON"
	run -3 --separate-stderr rota-explain --compare "$E/pg-compare-before.json" nothere.json
	assert_stderr "rota-explain: nothere.json: No such file or directory"
}

# ---- --fail-on ---------------------------------------------------------------------

@test "--fail-on: exit 1 on a finding at or above the severity, the records written all the same" {
	# sqlite-scan-sort.txt: two lows.
	run -1 --separate-stderr rota-explain --fail-on low "$E/sqlite-scan-sort.txt"
	assert_equal "$(rules | wc -l)" 2
	run -1 --separate-stderr rota-explain --fail-on info "$E/sqlite-scan-sort.txt"
	run -0 --separate-stderr rota-explain --fail-on medium "$E/sqlite-scan-sort.txt"
	assert_equal "$(rules | wc -l)" 2
	# sqlite-automatic-index.txt: a medium, no high.
	run -1 --separate-stderr rota-explain --fail-on medium "$E/sqlite-automatic-index.txt"
	run -0 --separate-stderr rota-explain --fail-on high "$E/sqlite-automatic-index.txt"
	# No finding at all: never 1.
	run -0 --separate-stderr rota-explain --fail-on info "$E/sqlite-search.txt"
	# The worst over several files; -F table too.
	run -1 --separate-stderr rota-explain --fail-on high "$E/sqlite-search.txt" "$E/pg-sort-spill.json"
	run -1 --separate-stderr rota-explain -F table --fail-on medium "$E/sqlite-automatic-index.txt"
	assert_line --index 0 "== $E/sqlite-automatic-index.txt"
}

# ---- usage, unreadable plans, output -------------------------------------------------

@test "usage errors exit 2 with a message and write nothing" {
	local -a cases=(
		'--format xml|rota-explain: --format: expected ndjson or table, got "xml"'
		'--fail-on severe|rota-explain: --fail-on: expected info, low, medium or high, got "severe"'
		'--query SELECT|rota-explain: --query and --queries plan on a store: give --db'
		'--queries q.sql|rota-explain: --query and --queries plan on a store: give --db'
		'--db s.db|rota-explain: --db plans queries: give --query or --queries'
		'--db s.db --query SELECT x.json|rota-explain: plan files or --db, not both'
		'--analyze x.json|rota-explain: --analyze and --verify plan on a store: give --db'
		'--verify x.json|rota-explain: --analyze and --verify plan on a store: give --db'
		'--compare x.json|rota-explain: --compare takes two plan files and nothing else'
		'--compare a b c|rota-explain: --compare takes two plan files and nothing else'
		'--compare --db s.db --query SELECT a b|rota-explain: --compare takes two plan files and nothing else'
		'--db s.db --query SELECT --timeout 0|rota-explain: --timeout: expected a number 0.001..1e+06, got "0"'
		'--db s.db --query SELECT --timeout soon|rota-explain: --timeout: expected a number 0.001..1e+06, got "soon"'
	)
	local c args msg
	for c in "${cases[@]}"; do
		args=${c%%|*}
		msg=${c#*|}
		# shellcheck disable=SC2086
		run -2 --separate-stderr rota-explain $args </dev/null
		assert_equal "$args: $output" "$args: "
		assert_equal "$args: $stderr" "$args: $msg"
	done
	run -2 --separate-stderr rota-explain --db '' --query SELECT
	assert_stderr "rota-explain: --db: empty store name"
	run -2 --separate-stderr rota-explain --bogus
	assert_stderr - <<'EOF'
rota-explain: unrecognized option '--bogus'
usage: rota-explain [options] [PLAN...]
Try 'rota-explain --help' for more information.
EOF
	run -2 --separate-stderr rota-explain -F
	assert_stderr_line "rota-explain: option requires an argument -- 'F'"
}

@test "--help and --version" {
	run -0 --separate-stderr rota-explain --help
	assert_line --index 0 "usage: rota-explain [options] [PLAN...]"
	assert_output --partial "--fail-on SEVERITY"
	assert_output --partial "Exit status: 0 done; 1 a finding at or above --fail-on; 2 usage"
	assert_equal "$stderr" ""
	run -0 --separate-stderr rota-explain --version
	assert_output --regexp '^rota-explain [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "unreadable plans exit 3 with a message naming the file, and write nothing" {
	printf '{not json' >nj.json
	printf '[{"Query Text": "SELECT 1"}]' >noplan.json
	printf '[]' >empty-array.json
	printf '{"Plan": 5}' >plan-5.json
	printf 'hello\n' >hello.txt
	: >empty.txt
	local -a cases=(
		'nj.json|rota-explain: nj.json: not JSON'
		'noplan.json|rota-explain: noplan.json: not a PostgreSQL plan: expected EXPLAIN (FORMAT JSON) output, an array of one object with "Plan"'
		'empty-array.json|rota-explain: empty-array.json: not a PostgreSQL plan: expected EXPLAIN (FORMAT JSON) output, an array of one object with "Plan"'
		'plan-5.json|rota-explain: plan-5.json: not a PostgreSQL plan: expected EXPLAIN (FORMAT JSON) output, an array of one object with "Plan"'
		'hello.txt|rota-explain: hello.txt: neither EXPLAIN (FORMAT JSON) output nor an SQLite QUERY PLAN'
		'empty.txt|rota-explain: empty.txt: neither EXPLAIN (FORMAT JSON) output nor an SQLite QUERY PLAN'
		'missing.json|rota-explain: missing.json: No such file or directory'
		'.|rota-explain: .: Is a directory'
	)
	local c f
	for c in "${cases[@]}"; do
		f=${c%%|*}
		run -3 --separate-stderr rota-explain "$f"
		assert_equal "$f: $output" "$f: "
		assert_equal "$f: $stderr" "$f: ${c#*|}"
	done
	run -3 --separate-stderr rota-explain </dev/null
	assert_stderr "rota-explain: -: neither EXPLAIN (FORMAT JSON) output nor an SQLite QUERY PLAN"
}

@test "psql's aligned output (JSON or text, under a QUERY PLAN header) is no plan: exit 3 saying so" {
	run -3 --separate-stderr rota-explain "$E/psql-aligned.json"
	assert_output ""
	assert_stderr "rota-explain: $E/psql-aligned.json: psql's table, not the plan: run psql with -At (unaligned, tuples only)"
	run -3 --separate-stderr rota-explain -F table "$E/psql-text.txt"
	assert_output ""
	assert_stderr "rota-explain: $E/psql-text.txt: psql's table, not the plan: run psql with -At (unaligned, tuples only)"
	# A QUERY PLAN line and no steps.
	run -3 --separate-stderr rota-explain <<<"QUERY PLAN"
	assert_stderr 'rota-explain: -: a QUERY PLAN without steps ("|--" lines)'
}

@test "an output error (standard output on /dev/full) exits 7" {
	run -7 --separate-stderr to_full rota-explain "$E/pg-seq-scan.json"
	assert_stderr "rota-explain: standard output: No space left on device"
}

# ---- SQLite stores ------------------------------------------------------------------

@test "SQLite store: --query plans it: SCAN of a whole table and a temporary B-tree, query 1 and its SQL in each record" {
	local q="SELECT * FROM assignments WHERE kind = 'in_house_call' ORDER BY date"
	run -0 --separate-stderr rota-explain --db "$SDB" --query "$q"
	assert_equal "$stderr" ""
	assert_equal "$(rules)" "explain.sqlite-scan low 1
explain.sqlite-temp-btree low 2"
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.query, .source]' | sort -u)" "[1,\"$q\"]"
	assert_equal "$(field explain.sqlite-scan .relation)" '"assignments"'
}

@test "SQLite store: a primary-key lookup (SEARCH) has no finding" {
	run -0 --separate-stderr rota-explain --db "$SDB" --query "SELECT * FROM assignments WHERE person = 'r001' AND date = '2026-07-06'"
	assert_output ""
	assert_equal "$stderr" ""
	# The plan is a SEARCH indeed.
	run -0 sqlite3 -batch "$SDB" "EXPLAIN QUERY PLAN SELECT * FROM assignments WHERE person = 'r001' AND date = '2026-07-06'"
	assert_output --partial "SEARCH assignments USING INDEX"
}

@test "SQLite store: a join on columns no index has gets an automatic index: medium" {
	run -0 --separate-stderr rota-explain --db "$SDB" --fail-on high \
		--query "SELECT a.person, r.weight FROM assignments a JOIN requests r ON r.activity = a.activity AND r.date = a.date"
	assert_equal "$(field explain.sqlite-automatic-index '[.severity, .node_label]')" '["medium","SEARCH r USING AUTOMATIC COVERING INDEX (activity=? AND date=?)"]'
}

@test "SQLite store: --queries FILE after --query: numbered 1..n in the order given" {
	cat >q.sql <<'EOF'
SELECT * FROM people WHERE pgy = 2;
SELECT * FROM assignments
 WHERE person = 'r001'
;
SELECT * FROM covers ORDER BY want;
EOF
	run -0 --separate-stderr rota-explain --db "$SDB" --query "SELECT * FROM absences WHERE reason = 'vacation'" --queries q.sql
	assert_equal "$(printf '%s\n' "$output" | jq -r '"\(.query) \(.rule) \(.node_label)"')" "1 explain.sqlite-scan SCAN absences
2 explain.sqlite-scan SCAN people
4 explain.sqlite-scan SCAN covers
4 explain.sqlite-temp-btree USE TEMP B-TREE FOR ORDER BY"
	# Query 3 (the primary key) has none, and is the file's second query.
	run -0 --separate-stderr rota-explain --db "$SDB" -F table --queries q.sql
	assert_equal "$(grep -c '^== ' <<<"$output")" 3
	assert_line "== SELECT * FROM people WHERE pgy = 2"
}

@test "--queries: a query's source is its text, without the line end before the ;" {
	printf 'SELECT * FROM people WHERE pgy = 2;\nSELECT * FROM covers\n;\n' >q.sql
	run -0 --separate-stderr rota-explain --db "$SDB" --queries q.sql
	assert_equal "$(printf '%s\n' "$output" | jq -c .source)" '"SELECT * FROM people WHERE pgy = 2"
"SELECT * FROM covers"'
	# - is standard input.
	run -0 --separate-stderr rota-explain --db "$SDB" -F table --queries - <q.sql
	assert_equal "$(grep '^== ' <<<"$output")" "== SELECT * FROM people WHERE pgy = 2
== SELECT * FROM covers"
}

@test "SQLite store: --analyze and --verify are PostgreSQL's: a warning (not with -q), the plan as it is" {
	local q="SELECT * FROM people WHERE pgy = 2"
	run -0 --separate-stderr rota-explain --db "$SDB" --analyze --verify --query "$q"
	assert_stderr "rota-explain: $SDB: --analyze and --verify are for PostgreSQL; SQLite's plans are read as they are"
	assert_equal "$(rules)" "explain.sqlite-scan low 1"
	run -0 --separate-stderr rota-explain -q --db "$SDB" --analyze --query "$q"
	assert_equal "$stderr" ""
	assert_equal "$(rules)" "explain.sqlite-scan low 1"
}

@test "SQLite store: a query it refuses exits 3, a store that is not there 4" {
	run -3 --separate-stderr rota-explain --db "$SDB" --query "SELECT nope FROM people"
	assert_output ""
	assert_stderr "rota-explain: query 1: no such column: nope"
	run -3 --separate-stderr rota-explain --db "$SDB" --query "SELECT 1" --query "SELEC 2"
	assert_stderr 'rota-explain: query 2: near "SELEC": syntax error'
	run -4 --separate-stderr rota-explain --db nothere.db --query "SELECT 1"
	assert_stderr "rota-explain: nothere.db: unable to open database file"
	[ ! -e nothere.db ]
	run -3 --separate-stderr rota-explain --db "$SDB" --queries nothere.sql
	assert_stderr "rota-explain: nothere.sql: No such file or directory"
}

@test "SQLite store: a DELETE is only planned (EXPLAIN QUERY PLAN runs nothing, none is refused): nothing changes" {
	local n
	n=$(sq_count people)
	[ "$n" -gt 0 ]
	run -0 --separate-stderr rota-explain --db "$SDB" --query "DELETE FROM people WHERE pgy = 2"
	assert_equal "$(rules)" "explain.sqlite-scan low 1"
	assert_equal "$(sq_count people)" "$n"
	run -0 --separate-stderr rota-explain --db "$SDB" --allow-write --query "DELETE FROM people"
	assert_equal "$(sq_count people)" "$n"
}
