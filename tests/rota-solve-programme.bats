#!/usr/bin/env bats
# tests/rota-solve-programme.bats: rota-solve on residency programmes (a
# horizon of several slots, people with roles): solving (every hard rule
# holds in the output, which --evaluate and rota-check-acgme accept), the
# summary, reproducibility, the problem hash and the solution cache, repair
# of a published schedule, --evaluate of hand-broken schedules, the table
# and iCalendar formats, usage errors and bad input.
#
# The data are in tests/data/programme (see its README): programme.ndjson,
# 14 days from Monday 2026-01-05 in America/Chicago (weekends 01-10/11 and
# 01-17/18), and mini.ndjson, 7 days, for hand-written schedules.  Searches
# are run with -j 1 --moves N, which gives the same schedule every time.

load helpers

setup_file() {
	# One solve of the programme, shared (read only) by the tests that
	# check the rules in its output.
	export XDG_CACHE_HOME=$BATS_FILE_TMPDIR/xdg ROTA_CACHE=$BATS_FILE_TMPDIR/cache.db
	rota-solve -q --no-cache -j 1 --moves 200000 "$DATA/programme/programme.ndjson" \
		>"$BATS_FILE_TMPDIR/solved.ndjson" || true
}

setup() {
	test_dir
	# Never the user's cache.
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/w/xdg ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	PROG=$DATA/programme/programme.ndjson
	MINI=$DATA/programme/mini.ndjson
	SOLVED=$BATS_FILE_TMPDIR/solved.ndjson
	FM=$BATS_TEST_DIRNAME/../examples/family-medicine
}

# ---- helpers of this file ---------------------------------------------------

MOVES=200000

# solve ARGS...: rota-solve -j 1 --moves $MOVES ARGS..., into $output/$stderr.
solve() {
	run --separate-stderr rota-solve -j 1 --moves "$MOVES" "$@"
}

# summary_of TEXT: the summary record of TEXT (NDJSON).
summary_of() {
	printf '%s\n' "$1" | grep '^{"type":"summary"'
}

# assignments_of TEXT: the assignment records of TEXT.
assignments_of() {
	printf '%s\n' "$1" | grep '^{"type":"assignment"' || true
}

# field NAME JSON: one field of a one-line JSON object, as jq -c prints it.
field() {
	printf '%s\n' "$2" | jq -c ".$1"
}

# no_clock TEXT: TEXT without the summary's clock readings.
no_clock() {
	printf '%s\n' "$1" | sed -E 's/"(time_to_legal|time_to_best|elapsed)":[^,}]*,//g'
}

# problem_hash FILE...: the problem field of the summary of a (short) solve.
problem_hash() {
	rota-solve -q --no-cache -j 1 --moves 1 "$@" 2>/dev/null | sed -n 's/^{"type":"summary".*"problem":"\([0-9a-f]*\)".*/\1/p'
}

# check_acgme FILE FROM TO: rota-check-acgme on FILE, the horizon FROM..TO
# in America/Chicago with 28-day blocks from FROM.
check_acgme() {
	rota-check-acgme --tz America/Chicago --periods "28d:$2" --from "$2" --to "$3" "$1"
}

# offenders JQ-FILTER [SCHEDULE]: runs JQ-FILTER with $p the problem records
# of $PROG, $a the assignments of SCHEDULE (default $SOLVED), $act and $who
# the activities and people by id; it must yield a list of offending
# things, which must be empty.
offenders() {
	local out
	out=$(jq -c -n --slurpfile p "$PROG" --slurpfile s "${2:-$SOLVED}" '
		def day_after: . + "T00:00:00Z" | fromdate + 86400 | strftime("%Y-%m-%d");
		([$p[] | select(.type == "activity") | {key: .id, value: .}] | from_entries) as $act
		| ([$p[] | select(.type == "person") | {key: .id, value: .}] | from_entries) as $who
		| [$s[] | select(.type == "assignment")] as $a
		| '"$1")
	[ "$(assignments_of "$(cat "${2:-$SOLVED}")" | wc -l)" -gt 100 ] ||
		fail "the schedule checked has (almost) no assignments"
	assert_equal "$out" "[]"
}

# sched PERSON:DAY:SLOT:ACTIVITY...: writes schedule.ndjson, one assignment
# each; DAY is the day of the month in January 2026.
sched() {
	local a who day slot what
	: >schedule.ndjson
	for a in "$@"; do
		IFS=: read -r who day slot what <<<"$a"
		printf '{"type":"assignment","person":"%s","date":"2026-01-%02d","slot":"%s","activity":"%s"}\n' \
			"$who" "$((10#$day))" "$slot" "$what" >>schedule.ndjson
	done
}

# The legal baseline of the mini programme: its one cover and its lock.
MINI_BASE=(f1:6:AM:wards-am f2:9:AM:proc-am)

# evaluate_mini [ARGS...]: rota-solve --evaluate schedule.ndjson on mini.
evaluate_mini() {
	run --separate-stderr rota-solve "$@" -e schedule.ndjson "$MINI"
}

# findings_of TEXT: each finding as [rule,person,from,to,slot,activity,value,limit].
findings_of() {
	printf '%s\n' "$1" | jq -c 'select(.type == "finding") | [.rule,.person,.from,.to,.slot,.activity,.value,.limit]'
}

# assert_findings EXPECTED: the last --evaluate exited 1, wrote EXPECTED (the
# findings as findings_of gives them, one a line) then a summary of legal
# false, each finding with status violation and a message.
assert_findings() {
	assert_equal "$status" 1
	assert_equal "$stderr" ""
	assert_equal "$(findings_of "$output")" "$1"
	local s
	s=$(summary_of "$output")
	assert_equal "$(field mode "$s")" '"evaluate"'
	assert_equal "$(field legal "$s")" false
	[ "$(field violations "$s")" -ge 1 ] || fail "violations: $(field violations "$s")"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "finding") | .status' | sort -u)" violation
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.type == "finding" and (.message | length) == 0)')" ""
	assert_equal "${lines[-1]}" "$s"
}

# assert_infeasible_header WHAT N: the first line of standard error says no
# legal WHAT (schedule, repair) was found and the closest breaks N (the
# summary's violations), as rota-solve(1) words it or as rota-solve says it.
assert_infeasible_header() {
	local re="^rota-solve: no legal $1 found in [0-9.]+ s; the closest breaks ($2 hard rules?|hard rules \\($2 violations?\\)):\$"
	[[ ${stderr_lines[0]} =~ $re ]] || fail "stderr: $stderr"
}

# apply_diff PUBLISHED DIFF: the published schedule with the diff's removed
# assignments taken out and its added ones put in.
apply_diff() {
	jq -c -n --slurpfile pub "$1" --slurpfile d "$2" '
		[$d[] | select(.change == "removed") | [.person, .date, .slot, .activity]] as $rm
		| ($pub[] | select(.type == "assignment")
			| select([.person, .date, .slot, .activity] as $k | any($rm[]; . == $k) | not)),
		  ($d[] | select(.change == "added") | del(.change))'
}

# published: writes published.ndjson, the assignments of the shared solve,
# and sets NPUB to their number.
published() {
	assignments_of "$(cat "$SOLVED")" >published.ndjson
	NPUB=$(wc -l <published.ndjson)
	[ "$NPUB" -gt 100 ] || fail "the shared solve failed"
}

# ---- solving: the output and its rules ------------------------------------

@test "solve: a legal schedule, assignment records and one summary" {
	solve --no-cache "$PROG"
	assert_equal "$status" 0
	[[ $stderr =~ ^rota-solve:\ objective\ [0-9]+,\ legal\ after\ [0-9.]+\ s,\ best\ after\ [0-9.]+\ s,\ [0-9]+\ moves$ ]] ||
		fail "stderr: $stderr"
	local s n
	s=${lines[-1]}
	assert_equal "$(summary_of "$output")" "$s"
	assert_equal "$(field type "$s") $(field tool "$s") $(field mode "$s")" '"summary" "rota-solve" "solve"'
	assert_equal "$(field legal "$s") $(field violations "$s") $(field cached "$s")" "true 0 false"
	assert_equal "$(field strategy "$s") $(field threads "$s") $(field seed "$s")" '"anneal" 1 1'
	[ "$(field moves "$s")" -ge "$MOVES" ] || fail "moves: $(field moves "$s")"
	[[ $(field problem "$s") =~ ^\"[0-9a-f]{32}\"$ ]] || fail "problem: $(field problem "$s")"
	# The objective is the sum of its parts, and the one on standard error.
	assert_equal "$(printf '%s\n' "$s" | jq '.under + .over + .requests + .equity')" "$(field objective "$s")"
	[[ $stderr == "rota-solve: objective $(field objective "$s"),"* ]] || fail "stderr: $stderr"
	# Every other line is an assignment: 12 people in the summary.
	n=$(assignments_of "$output" | wc -l)
	assert_equal "$((n + 1))" "${#lines[@]}"
	[ "$n" -gt 100 ]
	assert_equal "$(printf '%s\n' "$s" | jq -c '.people | keys')" \
		'["f1","f2","f3","f4","r1","r2","r3","r4","r5","r6","r7","r8"]'
}

@test "solve: the assignments have the activity's times in the horizon's zone, kind, source and pgy" {
	run -0 jq -c -n --slurpfile p "$PROG" --slurpfile s "$SOLVED" '
		([$p[] | select(.type == "activity") | {key: .id, value: .}] | from_entries) as $act
		| ([$p[] | select(.type == "person") | {key: .id, value: .}] | from_entries) as $who
		| [$s[] | select(.type == "assignment") | . as $x | $act[.activity] as $ac
		   | select(.start != .date + "T" + $ac.start + ":00-06:00"
			or (.end | sub("-06:00$"; "Z") | fromdate) - (.start | sub("-06:00$"; "Z") | fromdate) != $ac.minutes * 60
			or .kind != $ac.kind or .pgy != $who[.person].pgy
			or (.source != "solver" and .source != "preload")
			or ($ac.slot != .slot))]'
	assert_output "[]"
	# Faculty have no pgy; residents theirs.
	assert_equal "$(grep -c '"person":"f1".*"pgy"' "$SOLVED")" 0
	grep -q '"person":"r7".*"pgy":3}' "$SOLVED"
	# A call runs overnight, ending the next morning.
	grep -q '"date":"2026-01-11","slot":"CALL","activity":"call","start":"2026-01-11T17:00:00-06:00","end":"2026-01-12T07:00:00-06:00","kind":"in_house_call","source":"preload","locked":true,"pgy":3}' "$SOLVED"
}

@test "solve: the output passes --evaluate and rota-check-acgme" {
	local s e
	s=$(summary_of "$(cat "$SOLVED")")
	assert_equal "$(field legal "$s")" true
	run -0 --separate-stderr rota-solve -e "$SOLVED" "$PROG"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	e=${lines[0]}
	assert_equal "$(field mode "$e") $(field legal "$e") $(field violations "$e")" '"evaluate" true 0'
	# The same score as the search's.
	local k
	for k in objective under over requests equity people; do
		assert_equal "$(field "$k" "$e")" "$(field "$k" "$s")"
	done
	run -0 check_acgme "$SOLVED" 2026-01-05 2026-01-18
	local c=${lines[-1]}
	assert_equal "$(field tool "$c") $(field violations "$c")" '"rota-check-acgme" 0'
	assert_equal "$(field records "$c")" "$(assignments_of "$(cat "$SOLVED")" | wc -l)"
}

@test "rule: supervision, residents per faculty on each activity, day and slot" {
	offenders '$a | map(select($act[.activity].supervision != null))
		| group_by([.date, .slot, .activity])
		| map({date: .[0].date, slot: .[0].slot, activity: .[0].activity,
			faculty: (map(select($who[.person].role == "faculty")) | length),
			need: (map(select($who[.person].role == "resident")
				| 1 / ($act[.activity].supervision[.pgy | tostring] // infinite)) | add // 0)})
		| map(select(.need > .faculty + 1e-9))'
	# It binds: residents are supervised on clinic, procedures and wards.
	run -0 jq -n --slurpfile s "$SOLVED" '[$s[] | select(.pgy != null and (.activity | test("clinic|proc|wards")))] | length'
	[ "$output" -gt 50 ]
}

@test "rule: site capacity, all the site's activities of a slot together" {
	offenders '($p | map(select(.type == "site") | {key: .id, value: .capacity}) | from_entries) as $cap
		| $a | map(select($act[.activity].site != null))
		| group_by([.date, .slot, $act[.activity].site])
		| map({date: .[0].date, slot: .[0].slot, site: $act[.[0].activity].site, n: length})
		| map(select(.n > $cap[.site]))'
}

@test "rule: cover min and max" {
	offenders '($a | group_by([.date, .slot, .activity])
			| map({key: (.[0].date + " " + .[0].slot + " " + .[0].activity), value: length}) | from_entries) as $n
		| [$p[] | select(.type == "cover") | . as $c | ($n[.date + " " + .slot + " " + .activity] // 0) as $k
			| select($k < (.min // 0) or (.max != null and $k > .max)) | . + {count: $k}]'
	# One call and one backup every night.
	run -0 jq -n --slurpfile s "$SOLVED" '[$s[] | select(.slot == "CALL")] | group_by(.date) | map(map(.activity) | sort) | unique'
	assert_equal "$(printf '%s' "$output" | jq -c .)" '[["backup","call"]]'
}

@test "rule: no work on the days of an absence (leave is not work)" {
	offenders '[$p[] | select(.type == "absence")] as $abs
		| $a | map(. as $x | select(.kind != "leave"
			and any($abs[]; .person == $x.person and .from <= $x.date and $x.date <= .to)))'
	# r2 is on the (locked) vacation, f3 and r6 off.
	run -0 jq -c -n --slurpfile s "$SOLVED" '[$s[] | select(.type == "assignment")
		| select((.person == "r2" and .date >= "2026-01-12" and .date <= "2026-01-14")
			or (.person == "f3" and .date == "2026-01-09") or (.person == "r6" and .date == "2026-01-16"))
		| .activity] | unique'
	assert_output '["vacation-am","vacation-pm"]'
}

@test "rule: locked preloads are in the output, source preload and locked" {
	offenders '[$p[] | select(.type == "assignment" and .locked == true) | . as $l
		| select([$a[] | select(.person == $l.person and .date == $l.date and .slot == $l.slot
			and .activity == $l.activity and .source == "preload" and .locked == true)] | length != 1)]'
	# Eight locked cells; nothing else is locked.
	run -0 jq -n --slurpfile s "$SOLVED" '[$s[] | select(.locked == true)] | length'
	assert_output 8
	# The unlocked manual preload is where the search starts: kept, its
	# source is preload, not locked; changed, the cell is the solver's.
	local r3
	r3=$(grep '"person":"r3","date":"2026-01-05","slot":"AM"' "$SOLVED" || true)
	if [[ $r3 == *'"activity":"clinic-am"'* ]]; then
		assert_equal "$(field source "$r3") $(field locked "$r3")" '"preload" null'
	elif [ -n "$r3" ]; then
		assert_equal "$(field source "$r3")" '"solver"'
	fi
	# Cells that were not preloaded are the solver's.
	run -0 jq -n --slurpfile s "$SOLVED" '[$s[] | select(.type == "assignment" and .source == "preload")] | length'
	[ "$output" -ge 8 ] && [ "$output" -le 9 ]
}

@test "rule: not_followed_by: no call two nights running, no clinic or wards after call" {
	offenders '($a | group_by(.person + " " + .date)
			| map({key: (.[0].person + " " + .[0].date), value: map(.activity)}) | from_entries) as $on
		| [$a[] | . as $x | ($on[.person + " " + (.date | day_after)] // [])[]
			| select(. as $b | ($act[$x.activity].not_followed_by // []) | index([$b]))
			| {person: $x.person, date: $x.date, activity: $x.activity, next: .}]'
	# The same, said plainly: the day after a call is free of everything but leave.
	offenders '[$a[] | select(.activity == "call") | . as $c
		| $a[] | select(.person == $c.person and .date == ($c.date | day_after) and .kind != "leave")]'
}

@test "rule: eligibility: roles, PGY levels, specialties" {
	offenders '$a | map(. as $x | $act[.activity] as $ac | $who[.person] as $w
		| select(($ac.roles != null and ($ac.roles | index([$w.role]) | not))
			or ($w.role == "resident" and $ac.pgy_min != null and $w.pgy < $ac.pgy_min)
			or ($w.role == "resident" and $ac.pgy_max != null and $w.pgy > $ac.pgy_max)
			or ($ac.specialties != null
				and ([$ac.specialties[] as $sp | ($w.specialties // [])[] | select(. == $sp)] | length == 0))))'
	# PGY-1 residents never on call; faculty only on backup, not on call.
	run -0 jq -c -n --slurpfile s "$SOLVED" '[$s[] | select(.slot == "CALL") | [(.pgy // 0 | tostring), .activity]] | unique'
	assert_output '[["0","backup"],["2","call"],["3","call"]]'
	# Procedures: only people with the specialty (r4 r5 r7 f2 f3).
	run -0 jq -c -n --slurpfile s "$SOLVED" '[$s[] | select(.activity == "proc-am") | .person] | unique - ["r4","r5","r7","f2","f3"]'
	assert_output '[]'
}

@test "summary: equity and each person's counts are those of the assignments" {
	local s
	s=$(summary_of "$(cat "$SOLVED")")
	run -0 jq -c -n --slurpfile p "$PROG" --slurpfile s "$SOLVED" '
		def weekday: strptime("%Y-%m-%d") | mktime | strftime("%u") | tonumber;
		([$p[] | select(.type == "activity") | {key: .id, value: .minutes}] | from_entries) as $min
		| [$s[] | select(.type == "assignment")] | group_by(.person)
		| map({key: .[0].person, value: {
			calls: map(select(.kind == "in_house_call" or .kind == "home_call")) | length,
			weekend_days: map(select(.kind != "leave" and (.date | weekday) >= 6) | .date) | unique | length,
			half_days: map(select(.kind != "leave" and .slot != "CALL")) | length,
			hours: ((map(select(.kind != "leave") | $min[.activity]) | add) / 60)}})
		| from_entries'
	local mine=$output
	assert_equal "$(printf '%s\n' "$s" | jq -S -c '.people')" "$(printf '%s\n' "$mine" | jq -S -c .)"
	# Equity: the weight (10 by default) times the sum of calls² and weekend days².
	local sum
	sum=$(printf '%s\n' "$mine" | jq '[.[] | .calls * .calls + .weekend_days * .weekend_days] | add')
	[ "$sum" -gt 0 ]
	assert_equal "$(field equity "$s")" "$((10 * sum))"
	run -0 --separate-stderr rota-solve --equity-weight 3 -e "$SOLVED" "$PROG"
	assert_equal "$(field equity "$output")" "$((3 * sum))"
	assert_equal "$(field objective "$output")" "$(($(field objective "$s") - 7 * sum))"
}

@test "reproducible: the same seed, one thread and --moves give the same output" {
	solve --no-cache -s 7 "$PROG"
	assert_equal "$status" 0
	local first=$output
	solve --no-cache -s 7 "$PROG"
	assert_equal "$status" 0
	assert_equal "$(no_clock "$output")" "$(no_clock "$first")"
	assert_equal "$(field seed "${lines[-1]}")" 7
	# The shared solve (seed 1) is reproduced too.
	solve --no-cache "$PROG"
	assert_equal "$(no_clock "$output")" "$(no_clock "$(cat "$SOLVED")")"
}

@test "independent parts (scripts/gen-programme's teams) are searched apart, legal and reproducible" {
	# 61 residents make 4 teams, each with its own faculty, sites and activities.
	"$ROTA_TOP/scripts/gen-programme" --residents 61 --days 7 >teams.ndjson
	solve --no-cache teams.ndjson
	assert_equal "$status" 0
	local s=${lines[-1]}
	assert_equal "$(field legal "$s") $(field parts "$s")" "true 4"
	printf '%s\n' "$output" >teams.out
	run -0 --separate-stderr rota-solve -e teams.out teams.ndjson
	run -0 check_acgme teams.out 2026-07-06 2026-07-12
	solve --no-cache teams.ndjson
	assert_equal "$(no_clock "$output")" "$(no_clock "$(cat teams.out)")"
}

@test "the DST change: start and end are local times with the offset of their instant" {
	# The mini programme moved to Tuesday 2026-03-03..09, over the spring
	# forward of Sunday 03-08: a call from 17:00 CST lasts 14 h, to 08:00 CDT.
	sed -e 's/2026-01-0/2026-03-0/g' -e 's/2026-01-1/2026-03-1/g' -e 's/"start":"2026-03-05"/"start":"2026-03-03"/' \
		"$MINI" >dst.ndjson
	printf '%s\n' '{"type":"assignment","person":"r4","date":"2026-03-07","slot":"CALL","activity":"call","locked":true}' \
		'{"type":"assignment","person":"r3","date":"2026-03-08","slot":"AM","activity":"wards-am","locked":true}' >>dst.ndjson
	solve --no-cache dst.ndjson
	assert_equal "$status" 0
	assert_line --partial '"person":"r4","date":"2026-03-07","slot":"CALL","activity":"call","start":"2026-03-07T17:00:00-06:00","end":"2026-03-08T08:00:00-05:00"'
	assert_line --partial '"person":"r3","date":"2026-03-08","slot":"AM","activity":"wards-am","start":"2026-03-08T07:00:00-05:00","end":"2026-03-08T12:00:00-05:00"'
	printf '%s\n' "$output" >dst.out
	run -0 rota-check-acgme --tz America/Chicago --periods 28d:2026-03-03 --from 2026-03-03 --to 2026-03-09 dst.out
	run -0 rota-solve -e dst.out dst.ndjson
}

# ---- the problem hash ---------------------------------------------------------

@test "problem hash: the order and layout of the records and CSV or NDJSON do not change it" {
	local h
	h=$(problem_hash "$PROG")
	[[ $h =~ ^[0-9a-f]{32}$ ]] || fail "hash: $h"
	assert_equal "$(field problem "$(summary_of "$(cat "$SOLVED")")")" "\"$h\""
	tac "$PROG" >reversed.ndjson
	assert_equal "$(problem_hash reversed.ndjson)" "$h"
	shuf --random-source=<(yes 42) "$PROG" >shuffled.ndjson
	! cmp -s shuffled.ndjson "$PROG"
	assert_equal "$(problem_hash shuffled.ndjson)" "$h"
	# Members sorted, spaces after separators, numbers written otherwise.
	jq -S -c . "$PROG" | sed 's/,"/, "/g; s/":/": /g; s/"capacity": 5,/"capacity": 5.0,/' >reformatted.ndjson
	grep -q '"capacity": 5.0,' reformatted.ndjson
	assert_equal "$(problem_hash reformatted.ndjson)" "$h"
	# Split over files, people and sites as CSV.
	grep -v -E '"type":"(person|site)"' "$PROG" >rest.ndjson
	assert_equal "$(problem_hash rest.ndjson "$DATA/programme/sites.csv" "$DATA/programme/people.csv")" "$h"
}

@test "problem hash: changing one attribute changes it" {
	local h
	h=$(problem_hash "$PROG")
	[[ $h =~ ^[0-9a-f]{32}$ ]] || fail "hash: $h"
	sed 's/"capacity":5}/"capacity":6}/' "$PROG" >a.ndjson
	sed 's/"weight":3}/"weight":4}/' "$PROG" >b.ndjson
	sed 's/"person":"r6","from":"2026-01-16","to":"2026-01-16"/"person":"r6","from":"2026-01-16","to":"2026-01-17"/' "$PROG" >c.ndjson
	sed 's/"name":"Gus Lind"/"name":"Gus Lindh"/' "$PROG" >d.ndjson
	local f seen=" $h "
	for f in a b c d; do
		! cmp -s "$f.ndjson" "$PROG" || fail "$f.ndjson is not changed"
		local g
		g=$(problem_hash "$f.ndjson")
		[[ $g =~ ^[0-9a-f]{32}$ ]] || fail "hash of $f: $g"
		[[ $seen != *" $g "* ]] || fail "$f.ndjson has a hash seen already: $g"
		seen+="$g "
	done
}

# ---- the solution cache ---------------------------------------------------------

@test "cache: a repeat solve gives the same assignments from the cache" {
	solve "$PROG"
	assert_equal "$status" 0
	local first=$output
	assert_equal "$(field cached "${lines[-1]}")" false
	[ -s "$ROTA_CACHE" ]
	solve "$PROG"
	assert_equal "$status" 0
	[[ $stderr =~ ^rota-solve:\ objective\ [0-9]+,\ from\ the\ cache\ \([0-9.]+\ s\)$ ]] || fail "stderr: $stderr"
	[[ $stderr == "rota-solve: objective $(field objective "${lines[-1]}"), from the cache"* ]] || fail "stderr: $stderr"
	assert_equal "$(assignments_of "$output")" "$(assignments_of "$first")"
	local s=${lines[-1]}
	assert_equal "$(field cached "$s") $(field legal "$s")" "true true"
	local k
	for k in objective under over requests equity problem people; do
		assert_equal "$(field "$k" "$s")" "$(field "$k" "$(summary_of "$first")")"
	done
	# Another seed and budget: still the cached schedule (the key is the problem).
	run -0 --separate-stderr rota-solve -q -j 1 -s 9 --moves 1000 "$PROG"
	assert_equal "$(assignments_of "$output")" "$(assignments_of "$first")"
	# The same problem in another order is a hit too.
	tac "$PROG" >reversed.ndjson
	run -0 --separate-stderr rota-solve -q -j 1 --moves 1000 reversed.ndjson
	assert_equal "$(field cached "${lines[-1]}")" true
	assert_equal "$(assignments_of "$output" | sort)" "$(assignments_of "$first" | sort)"
	run -0 rota-cache -c "$ROTA_CACHE" -F json stats
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve") | [.hits, .entries]')" "[3,1]"
}

@test "cache: the equity weight is part of the key, the problem hash is not changed by it" {
	solve "$PROG"
	assert_equal "$status" 0
	local first=${lines[-1]}
	solve --equity-weight 5 "$PROG"
	assert_equal "$status" 0
	assert_equal "$(field cached "${lines[-1]}")" false
	assert_equal "$(field problem "${lines[-1]}")" "$(field problem "$first")"
	solve --equity-weight 5 "$PROG"
	assert_equal "$(field cached "${lines[-1]}")" true
	run -0 rota-cache -c "$ROTA_CACHE" -F json stats
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve") | [.hits, .entries]')" "[1,2]"
}

@test "cache: --no-cache neither reads nor fills it; --cache FILE picks the file" {
	solve --no-cache "$PROG"
	assert_equal "$status" 0
	assert_equal "$(field cached "${lines[-1]}")" false
	solve --no-cache "$PROG"
	assert_equal "$(field cached "${lines[-1]}")" false
	[ ! -e "$ROTA_CACHE" ]
	[ ! -e xdg ]
	# Filled, then --no-cache does not read it.
	solve --cache other.db "$PROG"
	assert_equal "$status" 0
	[ -s other.db ]
	[ ! -e "$ROTA_CACHE" ]
	solve --no-cache --cache other.db "$PROG"
	assert_equal "$(field cached "${lines[-1]}")" false
	solve --cache other.db "$PROG"
	assert_equal "$(field cached "${lines[-1]}")" true
	run -0 rota-cache -c other.db -F json stats
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve") | [.hits, .entries]')" "[1,1]"
}

@test "cache: one that cannot be opened is a warning, and the solve goes on" {
	echo 'not a cache' >garbage.db
	solve --cache garbage.db "$PROG"
	assert_equal "$status" 0
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == 'rota-solve: the solution cache: garbage.db: '*' (solving without it)' ]] || fail "stderr: $stderr"
	[[ ${stderr_lines[1]} == 'rota-solve: objective '*', legal after '* ]] || fail "stderr: $stderr"
	assert_equal "$(field legal "${lines[-1]}") $(field cached "${lines[-1]}")" "true false"
	assert_equal "$(assignments_of "$output")" "$(assignments_of "$(cat "$SOLVED")")"
	assert_equal "$(cat garbage.db)" 'not a cache'
}

@test "cache: a changed problem starts from the latest solution of its horizon" {
	solve "$PROG"
	assert_equal "$status" 0
	run -0 rota-cache -c "$ROTA_CACHE" -n solve-last get test-block
	assert_equal "$output" "$(assignments_of "$(cat "$SOLVED")")"
	# A new absence: not a hit, but warm-started (a hit in solve-last), and
	# still legal.
	run -0 rota-cache -c "$ROTA_CACHE" -F json stats
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve-last") | [.hits, .entries]')" "[1,1]"
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-07","to":"2026-01-08"}'; } >changed.ndjson
	solve changed.ndjson
	assert_equal "$status" 0
	local s=${lines[-1]}
	assert_equal "$(field legal "$s") $(field cached "$s")" "true false"
	printf '%s\n' "$output" >changed.out
	run -0 rota-solve -e changed.out changed.ndjson
	run -0 rota-cache -c "$ROTA_CACHE" -F json stats
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve-last") | [.hits, .entries]')" "[2,1]"
	assert_equal "$(printf '%s\n' "$output" | jq -c '.namespaces[] | select(.namespace == "solve") | [.hits, .entries]')" "[0,2]"
	# The latest solution of the horizon is now the changed problem's.
	run -0 rota-cache -c "$ROTA_CACHE" -n solve-last get test-block
	assert_equal "$output" "$(assignments_of "$(cat changed.out)")"
}

# ---- repair -------------------------------------------------------------------

@test "repair: a new absence, the diff, its summary, and applied it is legal" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-07","to":"2026-01-08"}'; } >changed.ndjson
	local want
	want=$(jq -c 'select(.person == "r3" and .date >= "2026-01-07" and .date <= "2026-01-08") | [.date, .slot, .activity]' published.ndjson)
	[ -n "$want" ]
	solve --no-cache --repair published.ndjson changed.ndjson
	assert_equal "$status" 0
	printf '%s\n' "$output" >diff.ndjson
	local s=${lines[-1]}
	assert_equal "$(field mode "$s") $(field legal "$s") $(field violations "$s")" '"repair" true 0'
	# Every change record says so: removed ones first, then added ones.
	run -0 jq -r 'select(.type == "assignment") | .change' diff.ndjson
	[[ $(printf '%s\n' "$output" | uniq | tr '\n' ' ') =~ ^removed\ (added\ )?$ ]] || fail "changes: $output"
	# r3's work on the days of the absence is removed, nothing added for r3 then.
	assert_equal "$(jq -c 'select(.person == "r3" and .change == "removed") | [.date, .slot, .activity]' diff.ndjson)" "$want"
	assert_equal "$(jq -c 'select(.person == "r3" and .change == "added")' diff.ndjson)" ""
	# changes: the cells that differ; change_cost: 50 each.
	local n
	n=$(jq -r 'select(.change) | [.person, .date, .slot] | join(" ")' diff.ndjson | sort -u | wc -l)
	assert_equal "$(field changes "$s")" "$n"
	assert_equal "$(field change_cost "$s")" "$((50 * n))"
	local obj=$(($(field objective "$s") - 50 * n))
	[[ $stderr =~ ^rota-solve:\ repair:\ $n\ changes\ \([0-9.]+%\ of\ $NPUB\ published\ assignments,\ no\ cap\),\ objective\ $obj,\ [0-9.]+\ s$ ]] ||
		fail "stderr: $stderr"
	# The published schedule with the diff applied is legal.
	apply_diff published.ndjson diff.ndjson >applied.ndjson
	run -0 --separate-stderr rota-solve -e applied.ndjson changed.ndjson
	assert_equal "$(field legal "$output")" true
	# And it is not legal without the diff.
	run -1 --separate-stderr rota-solve -e published.ndjson changed.ndjson
	assert_line --partial '"rule":"programme.absence","status":"violation","person":"r3"'
}

@test "repair: --full writes the whole repaired schedule" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-07","to":"2026-01-08"}'; } >changed.ndjson
	solve --no-cache --repair published.ndjson --full changed.ndjson
	assert_equal "$status" 0
	printf '%s\n' "$output" >full.ndjson
	local s=${lines[-1]}
	assert_equal "$(field mode "$s") $(field legal "$s")" '"repair" true'
	assert_equal "$(jq -c 'select(.change)' full.ndjson)" ""
	run -0 --separate-stderr rota-solve -e full.ndjson changed.ndjson
	assert_equal "$(field legal "$output")" true
	# It differs from the published schedule in `changes` cells.
	local n
	n=$(jq -r -n --slurpfile a published.ndjson --slurpfile b full.ndjson '
		def cells: map(select(.type == "assignment") | {key: ([.person, .date, .slot] | join(" ")), value: .activity}) | from_entries;
		($a | cells) as $x | ($b | cells) as $y
		| [($x + $y) | keys[] | select($x[.] != $y[.])] | length')
	assert_equal "$(field changes "$s")" "$n"
	# At least r3's published cells on the days of the absence.
	[ "$n" -ge "$(jq -c 'select(.person == "r3" and .date >= "2026-01-07" and .date <= "2026-01-08")' published.ndjson | wc -l)" ]
	[ "$n" -ge 1 ]
}

@test "repair: locked cells never change" {
	published
	# r8 is now absent around the night of the locked call (01-11): the call
	# stays, the rest of r8's work those days goes.
	{ cat "$PROG"; echo '{"type":"absence","person":"r8","from":"2026-01-10","to":"2026-01-12"}'; } >changed.ndjson
	solve --no-cache --repair published.ndjson changed.ndjson
	assert_equal "$status" 0
	printf '%s\n' "$output" >diff.ndjson
	assert_equal "$(jq -c 'select(.locked == true)' diff.ndjson)" ""
	assert_equal "$(jq -c 'select(.person == "r8" and .slot == "CALL" and .date == "2026-01-11")' diff.ndjson)" ""
	assert_equal "$(jq -c 'select(.person == "r8" and .change == "added" and .date >= "2026-01-10" and .date <= "2026-01-12")' diff.ndjson)" ""
	assert_equal "$(jq -c 'select(.person == "r8" and .date >= "2026-01-10" and .date <= "2026-01-12" and .locked != true) | [.date, .slot, .activity]' published.ndjson)" \
		"$(jq -c 'select(.person == "r8" and .change == "removed") | [.date, .slot, .activity]' diff.ndjson)"
	apply_diff published.ndjson diff.ndjson >applied.ndjson
	run -0 --separate-stderr rota-solve -e applied.ndjson changed.ndjson
	# Locked cells of every kind stay through a repair.
	solve --no-cache --repair published.ndjson --full changed.ndjson
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.locked == true) | [.person, .date, .slot, .activity, .source]' | sort)" \
		"$(jq -c 'select(.locked == true) | [.person, .date, .slot, .activity, .source]' published.ndjson | sort)"
}

@test "repair: --max-changes 0 and nothing to change: 0 changes" {
	published
	solve --no-cache --repair published.ndjson --max-changes 0 "$PROG"
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 1
	local s=${lines[0]}
	assert_equal "$(field mode "$s") $(field legal "$s") $(field changes "$s") $(field change_cost "$s")" '"repair" true 0 0'
	[[ $stderr =~ ^rota-solve:\ repair:\ 0\ changes\ \(0\.0%\ of\ $NPUB\ published\ assignments,\ cap\ 0\),\ objective\ $(field objective "$s"),\ [0-9.]+\ s$ ]] ||
		fail "stderr: $stderr"
}

@test "repair: a cap below the changes needed: no legal repair, exit 6" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-06","to":"2026-01-09"}'; } >changed.ndjson
	# r3's published cells on those days must all change: more than the cap.
	local n cap
	n=$(jq -c 'select(.person == "r3" and .date >= "2026-01-06" and .date <= "2026-01-09")' published.ndjson | wc -l)
	[ "$n" -ge 4 ] || fail "r3 works only $n cells on 01-06..09 in the shared solve"
	# 1%: 2 of 200 to 299.
	[ "$NPUB" -ge 200 ] && [ "$NPUB" -lt 300 ] || fail "published: $NPUB"
	for cap in 0 $((n - 1)) 1%; do
		solve --no-cache --repair published.ndjson --max-changes "$cap" changed.ndjson
		assert_equal "$status" 6
		assert_equal "${#lines[@]}" 1
		assert_equal "$(field mode "${lines[0]}") $(field legal "${lines[0]}")" '"repair" false'
		assert_infeasible_header repair "$(field violations "${lines[0]}")"
		[[ ${stderr_lines[1]} == "rota-solve:   programme."* ]] || fail "stderr: $stderr"
	done
}

@test "repair: --max-changes P% caps at P% of the published assignments" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-07","to":"2026-01-08"}'; } >changed.ndjson
	# 5% of the published assignments, rounded down: 10 of 200 to 219.
	[ "$NPUB" -ge 200 ] && [ "$NPUB" -lt 220 ] || fail "published: $NPUB"
	solve --no-cache --repair published.ndjson --max-changes 5% changed.ndjson
	assert_equal "$status" 0
	[[ $stderr == *" of $NPUB published assignments, cap 10), objective "* ]] || fail "stderr: $stderr"
	local n
	n=$(field changes "${lines[-1]}")
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || fail "changes: $n"
	[ "$n" -ge "$(jq -c 'select(.person == "r3" and .date >= "2026-01-07" and .date <= "2026-01-08")' published.ndjson | wc -l)" ]
	assert_equal "$(field legal "${lines[-1]}")" true
	solve --no-cache --repair published.ndjson --max-changes 10 changed.ndjson
	assert_equal "$status" 0
	[[ $stderr == *" published assignments, cap 10), objective "* ]] || fail "stderr: $stderr"
}

@test "repair: a person and an activity gone from the problem: their assignments are removed" {
	published
	# No r1 (nor r1's request), no didactics (nor its cover).
	sed 's/,"didactics"//' "$PROG" | grep -v -e '"r1"' -e '"didactics"' >changed.ndjson
	! grep -q didactics changed.ndjson
	solve --no-cache --repair published.ndjson changed.ndjson
	assert_equal "$status" 0
	printf '%s\n' "$output" >diff.ndjson
	local gone
	gone=$(jq -c 'select(.person == "r1" or .activity == "didactics") | [.person, .date, .slot, .activity]' published.ndjson | sort)
	[ "$(printf '%s\n' "$gone" | wc -l)" -gt 14 ]
	assert_equal "$(jq -c 'select((.person == "r1" or .activity == "didactics") and .change == "removed") | [.person, .date, .slot, .activity]' diff.ndjson | sort)" "$gone"
	assert_equal "$(jq -c 'select((.person == "r1" or .activity == "didactics") and .change != "removed")' diff.ndjson)" ""
	assert_equal "$(jq -c 'select(.type == "assignment" and .change == null)' diff.ndjson)" ""
	# Applied, the schedule names nobody and nothing unknown (else exit 3), and is legal.
	apply_diff published.ndjson diff.ndjson >applied.ndjson
	run -0 --separate-stderr rota-solve -e applied.ndjson changed.ndjson
}

@test "repair: the report of an infeasible repair counts each rule's cases, as a solve's does" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r3","from":"2026-01-06","to":"2026-01-09"}'; } >changed.ndjson
	local n
	n=$(jq -c 'select(.person == "r3" and .date >= "2026-01-06" and .date <= "2026-01-09")' published.ndjson | wc -l)
	[ "$n" -ge 2 ]
	# With no change allowed, the closest is the published schedule.
	solve --no-cache --repair published.ndjson --max-changes 0 changed.ndjson
	assert_equal "$status" 6
	assert_infeasible_header repair "$n"
	assert_equal "${#stderr_lines[@]}" 3
	[[ ${stderr_lines[1]} == "rota-solve:   programme.absence: r3, "*" on 2026-01-0"[6-9]" "*": 1, limit 0" ]] || fail "stderr: $stderr"
	assert_stderr_line "rota-solve:   programme.absence: $n in all (-v lists them)"
	# -v lists each case.
	solve --no-cache -v --repair published.ndjson --max-changes 0 changed.ndjson
	assert_equal "$status" 6
	assert_equal "${#stderr_lines[@]}" "$((n + 1))"
	refute_stderr_line "in all"
}

@test "repair: --full -F table writes the repaired schedule as a table" {
	published
	{ cat "$PROG"; echo '{"type":"absence","person":"r8","from":"2026-01-10","to":"2026-01-12"}'; } >changed.ndjson
	solve --no-cache --repair published.ndjson --full -F table changed.ndjson
	assert_equal "$status" 0
	refute_output --partial '{'
	assert_equal "${lines[1]}" "person slot 01-05 01-06 01-07 01-08 01-09 01-10 01-11 01-12 01-13 01-14 01-15 01-16 01-17 01-18"
	# r8: nothing but the locked call on 01-10..12.
	local r8
	r8=$(printf '%s\n' "${lines[@]}" | grep -A2 '^r8 ' | cut -c13- | cut -c31-48 | tr '\n' '|')
	assert_equal "$r8" '.     .     .     |.     .     .     |.     call  .     |'
	[[ $stderr == "rota-solve: repair: "* ]] || fail "stderr: $stderr"
}

# ---- infeasible ----------------------------------------------------------------

@test "infeasible: one faculty cannot supervise everything: exit 6, the rules broken" {
	grep -v -E '"(f2|f3|f4)"' "$PROG" >one-faculty.ndjson
	solve --no-cache one-faculty.ndjson
	assert_equal "$status" 6
	# No assignments, only the summary of the closest schedule.
	assert_equal "${#lines[@]}" 1
	local s=${lines[0]}
	assert_equal "$(field mode "$s") $(field legal "$s")" '"solve" false'
	local v
	v=$(field violations "$s")
	[ "$v" -gt 0 ]
	assert_infeasible_header schedule "$v"
	printf '%s\n' "$stderr" | grep -q '^rota-solve:   programme\.supervision: [a-z-]* on 2026-01-[0-9]* [AP]M: 0, limit 1$' ||
		fail "stderr: $stderr"
	local n
	n=$(printf '%s\n' "$stderr" | sed -n 's/^rota-solve:   programme\.supervision: \([0-9]*\) in all (-v lists them)$/\1/p')
	[ "$n" -gt 1 ] || fail "stderr: $stderr"
	# -v lists every case instead.
	solve --no-cache -v one-faculty.ndjson
	assert_equal "$status" 6
	assert_equal "$(printf '%s\n' "$stderr" | grep -c '^rota-solve:   programme\.supervision: [a-z-]* on ')" "$n"
	refute_stderr_line "in all (-v lists them)"
}

# ---- --evaluate of hand-written schedules (mini.ndjson) ------------------------

@test "evaluate: a legal schedule and the parts of its objective" {
	# f2's proc-am is uncovered: one over (weight 1); f1's wards-am is wanted.
	sched "${MINI_BASE[@]}"
	evaluate_mini
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.mode, .legal, .objective, .under, .over, .requests, .equity, .violations]')" \
		'["evaluate",true,1,0,1,0,0,0]'
	# Leave costs no cover.
	sched "${MINI_BASE[@]}" r2:7:AM:vacation-am r2:8:AM:vacation-am
	evaluate_mini
	assert_equal "$status" 0
	assert_equal "$(field objective "$output")" 1
	# Nobody on the covered wards-am: one short (weight 1), and the cover
	# min breaks.
	sched f2:9:AM:proc-am
	evaluate_mini
	assert_equal "$(printf '%s\n' "${lines[-1]}" | jq -c '[.objective, .under, .over]')" '[2,1,1]'
	# An ACGME advisory (8 h between duty periods) costs 5 in requests:
	# call 17:00-07:00, wards again at 12:00.  A call: equity 10 x 1².
	sched "${MINI_BASE[@]}" r3:5:CALL:call r3:6:PM:wards-pm
	evaluate_mini
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.objective, .under, .over, .requests, .equity]')" '[18,0,3,5,10]'
	# Equity: 2 calls for r4 (4), 1 call and 2 weekend days for r3 (1 + 4).
	sched "${MINI_BASE[@]}" r4:5:CALL:call r4:7:CALL:call r3:10:CALL:call r3:11:AM:wards-am
	evaluate_mini
	assert_equal "$status" 0
	assert_equal "$(field equity "$output")" 90
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.people.r3.calls, .people.r3.weekend_days, .people.r4.calls]')" '[1,2,2]'
	evaluate_mini --equity-weight 0
	assert_equal "$(field equity "$output")" 0
}

@test "evaluate: programme.supervision" {
	# A PGY-1 alone in clinic: one faculty needed.
	sched "${MINI_BASE[@]}" r1:5:AM:clinic-am
	evaluate_mini
	assert_findings '["programme.supervision","*","2026-01-05","2026-01-05","AM","clinic-am",0,1]'
	# Two PGY-1s and one faculty: two needed (and three at the clinic of 2).
	sched "${MINI_BASE[@]}" r1:5:AM:clinic-am r2:5:AM:clinic-am f1:5:AM:clinic-am
	evaluate_mini
	assert_findings '["programme.supervision","*","2026-01-05","2026-01-05","AM","clinic-am",1,2]
["programme.site-capacity","*","2026-01-05","2026-01-05","AM",null,3,2]'
	# A PGY-2 with one faculty (2 per faculty): enough.
	sched "${MINI_BASE[@]}" r3:5:AM:clinic-am f1:5:AM:clinic-am
	evaluate_mini
	assert_equal "$status" 0
	# A faculty member on another activity does not count.
	sched "${MINI_BASE[@]}" r3:5:AM:clinic-am f1:5:AM:proc-am
	evaluate_mini
	assert_findings '["programme.supervision","*","2026-01-05","2026-01-05","AM","clinic-am",0,1]'
}

@test "evaluate: programme.site-capacity counts the site's activities of a slot together" {
	sched "${MINI_BASE[@]}" f1:5:AM:clinic-am f2:5:AM:proc-am r3:5:AM:proc-am
	evaluate_mini
	assert_findings '["programme.site-capacity","*","2026-01-05","2026-01-05","AM",null,3,2]'
	sched "${MINI_BASE[@]}" f1:5:AM:clinic-am r3:5:AM:proc-am
	evaluate_mini
	assert_equal "$status" 0
}

@test "evaluate: programme.cover-min and programme.cover-max" {
	sched f2:9:AM:proc-am
	evaluate_mini
	assert_findings '["programme.cover-min","*","2026-01-06","2026-01-06","AM","wards-am",0,1]'
	sched "${MINI_BASE[@]}" r2:6:AM:wards-am r3:6:AM:wards-am
	evaluate_mini
	assert_findings '["programme.cover-max","*","2026-01-06","2026-01-06","AM","wards-am",3,2]'
	sched "${MINI_BASE[@]}" r3:6:AM:wards-am
	evaluate_mini
	assert_equal "$status" 0
}

@test "evaluate: programme.not-followed-by, the next day in any slot" {
	# Clinic the morning after call (with its supervisor).
	sched "${MINI_BASE[@]}" r3:5:CALL:call r3:6:AM:clinic-am f2:6:AM:clinic-am
	evaluate_mini
	assert_findings '["programme.not-followed-by","r3","2026-01-06","2026-01-06","AM","clinic-am",1,0]'
	# Call two nights running.
	sched "${MINI_BASE[@]}" r4:5:CALL:call r4:6:CALL:call
	evaluate_mini
	assert_findings '["programme.not-followed-by","r4","2026-01-06","2026-01-06","CALL","call",1,0]'
	# Every other night, and wards (not forbidden) after call, are legal.
	sched "${MINI_BASE[@]}" r4:5:CALL:call r4:7:CALL:call r4:8:PM:wards-pm
	evaluate_mini
	assert_equal "$status" 0
}

@test "evaluate: programme.absence; leave on an absence is legal" {
	sched "${MINI_BASE[@]}" r2:7:AM:wards-am r2:8:AM:vacation-am
	evaluate_mini
	assert_findings '["programme.absence","r2","2026-01-07","2026-01-07","AM","wards-am",1,0]'
	sched "${MINI_BASE[@]}" r2:6:PM:wards-pm r2:7:AM:vacation-am r2:9:AM:wards-am
	evaluate_mini
	assert_equal "$status" 0
}

@test "evaluate: programme.locked, a locked cell left empty or changed" {
	sched f1:6:AM:wards-am
	evaluate_mini
	assert_findings '["programme.locked","f2","2026-01-09","2026-01-09","AM","proc-am",1,0]'
	assert_output --partial '"message":"f2, proc-am on 2026-01-09 AM: 1, limit 0"'
	sched f1:6:AM:wards-am f2:9:AM:wards-am
	evaluate_mini
	assert_findings '["programme.locked","f2","2026-01-09","2026-01-09","AM","proc-am",1,0]'
}

@test "evaluate: programme.eligibility and programme.max-shifts" {
	# A PGY-1 on call (PGY-2 and up).
	sched "${MINI_BASE[@]}" r1:5:CALL:call
	evaluate_mini
	assert_findings '["programme.eligibility","r1","2026-01-05","2026-01-05","CALL","call",1,0]'
	# Faculty on call (residents only).
	sched "${MINI_BASE[@]}" f1:5:CALL:call
	evaluate_mini
	assert_findings '["programme.eligibility","f1","2026-01-05","2026-01-05","CALL","call",1,0]'
	# r3 may take one call: a total over the horizon.
	sched "${MINI_BASE[@]}" r3:5:CALL:call r3:7:CALL:call
	evaluate_mini
	assert_findings '["programme.max-shifts","r3","2026-01-05","2026-01-11",null,"call",2,1]'
}

@test "evaluate: acgme.24+4 and acgme.14h-post-call, from lib/acgme" {
	# Wards 07:00-17:00, call to 07:00, wards again to 12:00: 29 h.
	sched "${MINI_BASE[@]}" r4:5:AM:wards-am r4:5:PM:wards-pm r4:5:CALL:call r4:6:AM:wards-am
	evaluate_mini
	assert_findings '["acgme.24+4","r4","2026-01-05","2026-01-06",null,null,29,24]'
	assert_output --partial '"message":"r4 worked 29.0 h continuously from 2026-01-05T07:00:00-06:00 (limit 24 h, +4 h for transitions and education)"'
	# 24 h, then back at 12:00: 5 h of rest.
	sched "${MINI_BASE[@]}" r4:5:AM:wards-am r4:5:PM:wards-pm r4:5:CALL:call r4:6:PM:wards-pm
	evaluate_mini
	assert_findings '["acgme.14h-post-call","r4","2026-01-06","2026-01-06",null,null,5,14]'
}

@test "evaluate: a schedule naming what the programme has not is bad input" {
	local a='{"type":"assignment","person":"r1","date":"2026-01-07","slot":"AM","activity":"wards-am"}'
	printf '%s\n' "$a" '{"type":"assignment","person":"zz","date":"2026-01-07","slot":"AM","activity":"wards-am"}' >schedule.ndjson
	evaluate_mini
	assert_equal "$status" 3
	assert_output ""
	assert_stderr 'rota-solve: schedule.ndjson:2: person: not in the programme (a person, date, slot or activity it does not have)'
	printf '%s\n' '{"type":"assignment","person":"r1","date":"2026-01-12","slot":"AM","activity":"wards-am"}' >schedule.ndjson
	evaluate_mini
	assert_equal "$status" 3
	assert_stderr 'rota-solve: schedule.ndjson:1: date: not in the programme (a person, date, slot or activity it does not have)'
	printf '%s\n' '{"type":"assignment","person":"r1","date":"2026-01-07","slot":"AM","activity":"nope"}' >schedule.ndjson
	evaluate_mini
	assert_equal "$status" 3
	assert_stderr 'rota-solve: schedule.ndjson:1: activity: not in the programme (a person, date, slot or activity it does not have)'
	# Two assignments in one cell.
	printf '%s\n' "$a" '{"type":"assignment","person":"r1","date":"2026-01-07","slot":"AM","activity":"clinic-am"}' >schedule.ndjson
	evaluate_mini
	assert_equal "$status" 3
	assert_output ""
	assert_stderr 'rota-solve: schedule.ndjson:2: slot: r1 has two assignments on 2026-01-07 AM (wards-am and clinic-am)'
}

# ---- formats ---------------------------------------------------------------------

@test "-F table: two header lines, a line per person and slot, a legend" {
	solve --no-cache -F table "$PROG"
	assert_equal "$status" 0
	# No summary in a table.
	refute_output --partial '{'
	assert_equal "${lines[0]}" "            M     T     W     T     F     S     S     M     T     W     T     F     S     S    "
	assert_equal "${lines[1]}" "person slot 01-05 01-06 01-07 01-08 01-09 01-10 01-11 01-12 01-13 01-14 01-15 01-16 01-17 01-18"
	# 12 people x 3 slots, (a blank line,) 10 activities.
	assert_equal "${#lines[@]}" "$((2 + 36 + 10))"
	assert_equal "$(printf '%s\n' "${lines[@]:2:36}" | cut -c1-12 | grep -c '^[rf][0-9]     AM   $')" 12
	# The legend: a short name (the id when it fits, else its first three
	# and last two characters), the id, name, slot, start and minutes.
	assert_equal "$(printf '%s\n' "${lines[@]:38}")" "cliam clinic-am: Continuity clinic (AM) (AM, 08:00, 240 min)
clipm clinic-pm: Continuity clinic (PM) (PM, 13:00, 240 min)
proam proc-am: Procedure clinic (AM, 08:00, 240 min)
waram wards-am: Inpatient wards (AM) (AM, 07:00, 300 min)
warpm wards-pm: Inpatient wards (PM) (PM, 12:00, 300 min)
didcs didactics: Wednesday didactics (PM, 13:00, 240 min)
call  call: Overnight call (CALL, 17:00, 840 min)
bacup backup: Faculty backup call (CALL, 17:00, 840 min)
vacam vacation-am: Vacation (AM) (AM, 08:00, 240 min)
vacpm vacation-pm: Vacation (PM) (PM, 13:00, 240 min)"
	# Known cells: the locks.  r2's vacation (01-12..14), f2's procedures
	# on 01-06, r8's call on 01-11.
	assert_line --regexp '^r2     AM   ([a-z.]{1,5} +){7}vacam vacam vacam '
	assert_line --regexp '^       PM   ([a-z.]{1,5} +){7}vacpm vacpm vacpm '
	assert_line --regexp '^f2     AM   [a-z.]{1,5} +proam '
	local r8
	r8=$(printf '%s\n' "${lines[@]}" | grep -A2 '^r8 ' | tail -n1)
	[[ $r8 =~ ^\ +CALL\ +([a-z.]{1,5}\ +){6}call\ \  ]] || fail "r8 CALL: $r8"
	# The same schedule as the records: r1's three rows.
	local want got
	want=$(jq -r -n --slurpfile s "$SOLVED" '
		{"clinic-am": "cliam", "clinic-pm": "clipm", "proc-am": "proam", "wards-am": "waram",
		 "wards-pm": "warpm", "didactics": "didcs", "call": "call", "backup": "bacup",
		 "vacation-am": "vacam", "vacation-pm": "vacpm"} as $short
		| ("AM", "PM", "CALL") as $slot
		| [range(5; 19) as $d | ("2026-01-" + (if $d < 10 then "0" else "" end) + ($d | tostring)) as $date
			| ([$s[] | select(.person == "r1" and .slot == $slot and .date == $date) | $short[.activity]] | .[0] // ".")
			| . + "     " | .[0:5]]
		| join(" ")')
	got=$(printf '%s\n' "${lines[@]}" | grep -A2 '^r1 ' | cut -c13-)
	assert_equal "$got" "$want"
}

@test "-F table: the short names of activities are all different" {
	# The fallback for a name taken must not be an id either.
	cat >short.ndjson <<'EOF'
{"type":"horizon","id":"sn","start":"2026-01-05","days":2,"slots":["AM","PM"],"tz":"UTC"}
{"type":"person","id":"p1","role":"resident","pgy":2}
{"type":"activity","id":"a2","slot":"AM","start":"08:00","minutes":60}
{"type":"activity","id":"xyz-am","slot":"AM","start":"08:00","minutes":60}
{"type":"activity","id":"xyzzz-am","slot":"PM","start":"13:00","minutes":60}
EOF
	solve --no-cache -F table short.ndjson
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep ': ' | cut -c1-5 | sort | uniq -d)" ""
}

@test "-F ics: a calendar per person, RFC 5545, an event per assignment" {
	# r9 is absent throughout: no work, an empty calendar.  A long name with commas
	# and a semicolon: escaped and folded.
	{
		sed 's/"name":"Vacation (AM)"/"name":"Vacation, annual leave; approved by the programme director (AM half-day block)"/' "$PROG"
		echo '{"type":"person","id":"r9","role":"resident","pgy":1}'
		echo '{"type":"absence","person":"r9","from":"2026-01-01","to":"2026-01-31"}'
	} >ics.ndjson
	solve --no-cache -F ics -o cal ics.ndjson
	assert_equal "$status" 0
	assert_output ""
	run -0 ls cal
	assert_output "$(printf '%s.ics\n' f1 f2 f3 f4 r1 r2 r3 r4 r5 r6 r7 r8 r9)"
	# The same search, as records, for the counts.
	solve --no-cache ics.ndjson
	printf '%s\n' "$output" >records.ndjson
	local f p n
	for f in cal/*.ics; do
		p=${f#cal/}
		p=${p%.ics}
		assert_equal "$(head -c 17 "$f" | tr '\r\n' 'RN')" 'BEGIN:VCALENDARRN'
		assert_equal "$(tail -c 15 "$f" | tr '\r\n' 'RN')" 'END:VCALENDARRN'
		# Every line ends in CRLF, none longer than 75 octets.
		assert_equal "$(grep -c $'\r$' "$f")" "$(wc -l <"$f")"
		assert_equal "$(LC_ALL=C awk 'length($0) > 76' "$f")" ""
		n=$(grep -c "^{\"type\":\"assignment\",\"person\":\"$p\"," records.ndjson || true)
		assert_equal "$(grep -c $'^BEGIN:VEVENT\r$' "$f")" "$n"
		assert_equal "$(grep -c $'^END:VEVENT\r$' "$f")" "$n"
		assert_equal "$(grep -c "^UID:2026-01-[0-9][0-9]-[A-Z]*-$p@test-block.rota"$'\r$' "$f")" "$n"
	done
	grep -q $'^X-WR-CALNAME:Dr. Jon Park\r$' cal/f2.ics
	# No name: the id.
	grep -q $'^X-WR-CALNAME:r9\r$' cal/r9.ics
	assert_equal "$(grep -c VEVENT cal/r9.ics)" 0
	# r2's locked vacation on Monday 01-12, 08:00-12:00 CST: 14:00-18:00 UTC,
	# its name escaped and folded (unfolded here).
	run -0 sh -c "tr -d '\r' <cal/r2.ics | sed -e ':a' -e '\$!N;s/\n //;ta' -e 'P;D' | sed -n '/^UID:2026-01-12-AM-r2@test-block.rota$/,/^END:VEVENT$/p'"
	assert_line 'DTSTART:20260112T140000Z'
	assert_line 'DTEND:20260112T180000Z'
	assert_line 'SUMMARY:Vacation\, annual leave\; approved by the programme director (AM half-day block)'
	assert_line 'CATEGORIES:leave'
	refute_line --partial 'LOCATION:'
	# r8's locked call: 17:00 CST to 07:00 CST the next day, at the hospital.
	run -0 sh -c "tr -d '\r' <cal/r8.ics | sed -n '/^UID:2026-01-11-CALL-r8@test-block.rota$/,/^END:VEVENT$/p'"
	assert_line 'DTSTART:20260111T230000Z'
	assert_line 'DTEND:20260112T130000Z'
	assert_line 'SUMMARY:Overnight call'
	assert_line 'LOCATION:hospital'
}

# ---- usage and bad input --------------------------------------------------------

# usage_error EXPECTED-FIRST-STDERR-LINE ARGS...: exit 2, nothing on stdout.
usage_error() {
	local want=$1
	shift
	run -2 --separate-stderr rota-solve "$@"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "$want"
}

@test "usage errors of the programme options exit 2 and write nothing" {
	published
	usage_error 'rota-solve: --format ics writes a folder: give it with -o DIR' -F ics "$PROG"
	usage_error 'rota-solve: --output is the folder of --format ics' -o cal "$PROG"
	usage_error 'rota-solve: --output is the folder of --format ics' -F table -o cal "$PROG"
	[ ! -e cal ]
	usage_error 'rota-solve: --format: expected ndjson, table or ics, got "csv"' -F csv "$PROG"
	usage_error 'rota-solve: --max-changes and --full go with --repair' --full "$PROG"
	usage_error 'rota-solve: --max-changes and --full go with --repair' --max-changes 3 "$PROG"
	usage_error 'rota-solve: a repair writes its changes as records: --format table and ics need --full' \
		--repair published.ndjson -F table "$PROG"
	usage_error 'rota-solve: a repair writes its changes as records: --format table and ics need --full' \
		--repair published.ndjson -F ics -o cal "$PROG"
	[ ! -e cal ]
	usage_error 'rota-solve: --repair goes without --evaluate and --write-lp' \
		--repair published.ndjson -e published.ndjson "$PROG"
	local v
	for v in abc -1 5.5 10x '' %; do
		usage_error "rota-solve: --max-changes: expected an integer 0..1099511627776, got \"$v\"" \
			--repair published.ndjson --max-changes "$v" "$PROG"
	done
	usage_error 'rota-solve: --max-changes: expected an integer 0..100, got "101"' \
		--repair published.ndjson --max-changes 101% "$PROG"
	usage_error 'rota-solve: --max-changes: expected an integer 0..100, got "5.5"' \
		--repair published.ndjson --max-changes 5.5% "$PROG"
	usage_error 'rota-solve: --change-weight: expected an integer 0..1000000000, got "-1"' \
		--repair published.ndjson --change-weight -1 "$PROG"
	usage_error 'rota-solve: --equity-weight: expected an integer 0..1000000, got "x"' --equity-weight x "$PROG"
	# A one-slot benchmark problem is no programme.
	local nrp='rota-solve: --repair and --format are for programmes (a horizon of several slots); this is a benchmark problem'
	usage_error "$nrp" --repair published.ndjson "$DATA/Instance1.txt"
	usage_error "$nrp" -F table "$DATA/Instance1.txt"
	usage_error "$nrp" -F ics -o cal "$DATA/Instance1.txt"
	[ ! -e cal ]
	usage_error 'rota-solve: --write-lp writes the benchmark model; this is a programme' --write-lp x.lp "$PROG"
	[ ! -e x.lp ]
	[ ! -e "$ROTA_CACHE" ]
}

# bad_input LINE-OF-STDERR: the last run exited 3 with that message only.
bad_input() {
	assert_equal "$status" 3
	assert_output ""
	assert_stderr "$1"
}

@test "bad input: what a programme's records need, exit 3 with file, line and field" {
	sed 's/"start":"07:00",//' "$MINI" >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:11: start: missing: a programme's activity needs its start time"
	sed 's/,"minutes":300}/}/' "$MINI" >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:11: minutes: missing: a programme's activity needs its length"
	sed 's/,"capacity":2//' "$MINI" >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:2: capacity: missing"
	{ cat "$MINI"; echo '{"type":"cover","date":"2026-01-07","slot":"PM","activity":"wards-am","want":1}'; } >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:19: slot: wards-am fills the AM slot, not PM"
	{ cat "$MINI"; echo '{"type":"cover","date":"2026-01-07","slot":"AM","activity":"wards-am","want":1,"min":3,"max":2}'; } >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:19: min: min (3) is greater than max (2)"
	{ cat "$MINI"; echo '{"type":"limit","person":"*","min_consecutive":2}'; } >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:19: min_consecutive: not a limit of programmes (the benchmark model's only)"
	{ cat "$MINI"; echo '{"type":"limit","person":"r1","min_consecutive_off":2}'; } >bad.ndjson
	solve bad.ndjson
	bad_input "rota-solve: bad.ndjson:19: min_consecutive_off: not a limit of programmes (the benchmark model's only)"
	sed 's#America/Chicago#Mars/Olympus_Mons#' "$MINI" >bad.ndjson
	solve bad.ndjson
	assert_equal "$status" 3
	assert_output ""
	[[ $stderr == 'rota-solve: bad.ndjson:1: tz: no time zone "Mars/Olympus_Mons"'* ]] || fail "stderr: $stderr"
	{ cat "$MINI"; echo '{"type":"request","person":"zz","date":"2026-01-07","want":"on"}'; } >bad.ndjson
	solve bad.ndjson
	bad_input 'rota-solve: bad.ndjson:19: person: "zz" is not a person of the programme'
	{ cat "$MINI"; echo '{"type":"cover","date":"2026-02-07","slot":"AM","activity":"wards-am","want":1}'; } >bad.ndjson
	solve bad.ndjson
	bad_input 'rota-solve: bad.ndjson:19: date: 2026-02-07 is outside the horizon (2026-01-05 to 2026-01-11)'
	# Nothing was cached or searched.
	[ ! -e "$ROTA_CACHE" ]
}

# ---- the example programme ---------------------------------------------------------

@test "examples/family-medicine solves legally in 2 s and passes rota-check-acgme" {
	run --separate-stderr rota-solve -t 2 "$FM"/*.csv "$FM"/*.ndjson
	assert_equal "$status" 0
	local s=${lines[-1]}
	assert_equal "$(field legal "$s") $(field violations "$s") $(field cached "$s")" "true 0 false"
	printf '%s\n' "$output" >fm.ndjson
	[ "$(assignments_of "$output" | wc -l)" -gt 500 ]
	# Its locked preloads (r05's vacation, f03's procedures) are there.
	assert_equal "$(jq -c 'select(.locked == true) | .person' fm.ndjson | sort | uniq -c | awk '{ print $2 $1 }' | tr '\n' ' ')" '"f03"4 "r05"10 '
	run -0 rota-check-acgme --tz America/Chicago --periods 28d:2026-07-06 --from 2026-07-06 --to 2026-08-02 fm.ndjson
	assert_equal "$(field violations "${lines[-1]}")" 0
	run -0 --separate-stderr rota-solve -e fm.ndjson "$FM"/*.csv "$FM"/*.ndjson
	assert_equal "$(field legal "$output") $(field objective "$output")" "true $(field objective "$s")"
}
