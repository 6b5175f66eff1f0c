#!/usr/bin/env bats
# tests/rota-solve.bats: rota-solve's three modes: --evaluate (every hard
# rule, the objective), solving (the benchmark's Instance1 to its proven
# optimum, small problems exactly, reproducibility, infeasibility), and
# --write-lp (checked with CBC when it is installed); bad input and usage.
#
# Small problems are built here as NDJSON.  Their horizon is two weeks from
# Monday 2026-01-05: the weekends are 01-10/01-11 and 01-17/01-18.

load helpers

setup() {
	test_dir
}

# ---- helpers of this file ---------------------------------------------------

# problem [RECORD...]: writes problem.ndjson: 14 days, one slot DAY,
# activities E (480 minutes) and L (600 minutes, may not be followed by E),
# people a and b, no limits, no cover; then each RECORD, one a line.
problem() {
	{
		cat <<'EOF'
{"type":"horizon","start":"2026-01-05","days":14,"slots":["DAY"]}
{"type":"activity","id":"E","slot":"DAY","minutes":480}
{"type":"activity","id":"L","slot":"DAY","minutes":600,"not_followed_by":["E"]}
{"type":"person","id":"a"}
{"type":"person","id":"b"}
EOF
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >problem.ndjson
}

# schedule [PERSON:DAY:ACTIVITY...]: writes schedule.ndjson, one assignment
# record for each; DAY is the day of the month in January 2026.
schedule() {
	local a who day what
	: >schedule.ndjson
	for a in "$@"; do
		IFS=: read -r who day what <<<"$a"
		printf '{"type":"assignment","person":"%s","date":"2026-01-%02d","slot":"DAY","activity":"%s"}\n' \
			"$who" "$((10#$day))" "$what" >>schedule.ndjson
	done
}

# works PERSON ACTIVITY DAY...: PERSON:DAY:ACTIVITY for each DAY, for schedule.
works() {
	local who=$1 what=$2 d
	shift 2
	for d in "$@"; do
		printf '%s:%s:%s\n' "$who" "$d" "$what"
	done
}

# jget FIELD JSON: the value of a top-level FIELD of a one-line JSON object
# (a string without its quotes, or a number), as rota-solve writes them.
jget() {
	printf '%s\n' "$2" | sed -nE 's/.*[{,]"'"$1"'":("([^"]*)"|([^,}]*)).*/\2\3/p'
}

# evaluate_summary OBJ ON OFF UNDER OVER VIOLATIONS: the summary of --evaluate.
evaluate_summary() {
	printf '{"type":"summary","tool":"rota-solve","mode":"evaluate","objective":%s,"on_requests":%s,"off_requests":%s,"under":%s,"over":%s,"violations":%s}' "$@"
}

# assert_legal: the last run (of --evaluate) exited 0 with no finding and a
# summary of no violations and objective 0.
assert_legal() {
	assert_equal "$status" 0
	assert_output "$(evaluate_summary 0 0 0 0 0 0)"
	assert_equal "$stderr" ""
}

# assert_finding RULE PERSON FROM TO VALUE LIMIT [ACTIVITY]: the last run
# (of --evaluate) exited 1 and wrote exactly one finding, a violation of
# nrp.RULE with these fields, then a summary counting one violation.
assert_finding() {
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 2
	local f=${lines[0]}
	[[ $f == '{"type":"finding",'* ]] || fail "not a finding: $f"
	assert_equal "$(jget rule "$f")" "nrp.$1"
	assert_equal "$(jget status "$f")" violation
	assert_equal "$(jget person "$f")" "$2"
	assert_equal "$(jget from "$f")" "$3"
	assert_equal "$(jget to "$f")" "$4"
	assert_equal "$(jget value "$f")" "$5"
	assert_equal "$(jget limit "$f")" "$6"
	assert_equal "$(jget activity "$f")" "${7:-}"
	[ -n "$(jget message "$f")" ] || fail "no message: $f"
	assert_equal "${lines[1]}" "$(evaluate_summary 0 0 0 0 0 1)"
}

# evaluate ARGS...: rota-solve --evaluate schedule.ndjson problem.ndjson.
evaluate() {
	run --separate-stderr rota-solve "$@" -e schedule.ndjson problem.ndjson
}

# scores_of SUMMARY: its objective, parts and violations, as written.
scores_of() {
	printf '%s\n' "$1" | sed -E 's/.*("objective":[^}]*"violations":[0-9]+).*/\1/'
}

# no_clock OUTPUT: OUTPUT without the summary's clock readings.
no_clock() {
	printf '%s\n' "$1" | sed -E 's/"(time_to_best|elapsed)":[^,}]*,//g'
}

# ---- options, usage, help ---------------------------------------------------

@test "--help and -h print the usage on standard output and exit 0" {
	run -0 --separate-stderr rota-solve --help
	assert_equal "$stderr" ""
	assert_line --index 0 'usage: rota-solve [options] [FILE...]'
	local o
	for o in '-t, --time-limit SECONDS' '-j, --threads N' '-s, --seed N' '--moves N' '--bound N' \
		'-e, --evaluate SCHEDULE' '--write-lp FILE' '-d, --db STORE' '-f, --from FORMAT' \
		'--start DATE' '--progress' '-q, --quiet' '-v, --verbose' '-h, --help' '--version'; do
		assert_output --partial -- "$o"
	done
	local help=$output
	run -0 --separate-stderr rota-solve -h
	assert_equal "$output" "$help"
}

@test "--version prints the Makefile's version" {
	local v
	v=$(sed -n 's/^VERSION *= *//p' "$ROTA_TOP/Makefile")
	run -0 --separate-stderr rota-solve --version
	assert_output "rota-solve $v"
	assert_equal "$stderr" ""
}

# usage_error EXPECTED-FIRST-STDERR-LINE ARGS...: exit 2, nothing on stdout.
usage_error() {
	local want=$1
	shift
	run -2 --separate-stderr rota-solve "$@"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "$want"
}

@test "usage errors exit 2 with a message and write nothing" {
	problem
	usage_error "rota-solve: unrecognized option '--bogus'" --bogus problem.ndjson
	assert_stderr "rota-solve: unrecognized option '--bogus'
usage: rota-solve [options] [FILE...]
Try 'rota-solve --help' for more information."
	usage_error "rota-solve: invalid option -- 'x'" -x problem.ndjson
	usage_error "rota-solve: option '--db' requires an argument" --db
	usage_error "rota-solve: option requires an argument -- 'e'" problem.ndjson -e
	usage_error 'rota-solve: --time-limit: expected a number 0..1e+07, got "abc"' -t abc problem.ndjson
	usage_error 'rota-solve: --time-limit: expected a number 0..1e+07, got "-1"' --time-limit -1 problem.ndjson
	usage_error 'rota-solve: --threads: expected an integer 1..1024, got "0"' -j 0 problem.ndjson
	usage_error 'rota-solve: --threads: expected an integer 1..1024, got "1025"' --threads 1025 problem.ndjson
	usage_error 'rota-solve: --seed: expected an integer 0..4611686018427387904, got "x"' -s x problem.ndjson
	usage_error 'rota-solve: --moves: expected an integer 1..1125899906842624, got "0"' --moves 0 problem.ndjson
	usage_error 'rota-solve: --bound: expected an integer 0..1125899906842624, got "-1"' --bound -1 problem.ndjson
	usage_error 'rota-solve: --from: expected ndjson or nrp, got "xml"' --from xml problem.ndjson
	usage_error 'rota-solve: --from: expected ndjson or nrp, got "csv"' -f csv problem.ndjson
	usage_error 'rota-solve: --start: day out of range for its month, got "2026-02-30"' \
		--start 2026-02-30 problem.ndjson
	usage_error 'rota-solve: --start: expected a date YYYY-MM-DD, got "monday"' --start monday problem.ndjson
	usage_error 'rota-solve: --evaluate and --write-lp go alone' -e s.ndjson --write-lp x.lp problem.ndjson
	usage_error 'rota-solve: --db reads the store, not files' --db s.db problem.ndjson
	# A usage error touches no store and writes no file.
	[ ! -e s.db ] && [ ! -e x.lp ]
}

# usage_error_like PREFIX ARGS...: exit 2, nothing on stdout, and the first
# line of standard error begins with PREFIX.
usage_error_like() {
	local want=$1
	shift
	run -2 --separate-stderr rota-solve "$@"
	assert_output ""
	[[ ${stderr_lines[0]} == "$want"* ]] || fail "stderr: $stderr"
}

@test "integer options take integers, as rota-import's do" {
	problem
	# BUG: fractions are truncated silently (-j 2.5 runs 2 threads).
	usage_error_like 'rota-solve: --threads: ' -j 2.5 -e problem.ndjson problem.ndjson
	usage_error_like 'rota-solve: --seed: ' -s 1.5 -e problem.ndjson problem.ndjson
	usage_error_like 'rota-solve: --moves: ' --moves 1.5 -e problem.ndjson problem.ndjson
	usage_error_like 'rota-solve: --bound: ' --bound 0.5 -e problem.ndjson problem.ndjson
}

@test "an empty --db is a usage error, as in rota-import" {
	problem
	# BUG: rota-solve tries to open it and exits 4.
	usage_error_like 'rota-solve: --db: empty store name' --db '' -e problem.ndjson
}

@test "--start must be a Monday, as in rota-import" {
	# BUG: accepted; the benchmark's weekends then fall on the wrong days.
	usage_error_like 'rota-solve: --start: day 0 of a benchmark is a Monday' \
		--start 2026-01-06 --write-lp x.lp "$DATA/Instance1.txt"
	[ ! -e x.lp ]
}

@test "--help, --version and records to a full disk exit 7" {
	run -7 --separate-stderr to_full rota-solve --help
	assert_stderr 'rota-solve: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-solve --version
	assert_stderr 'rota-solve: standard output: No space left on device'
	problem
	schedule
	run -7 --separate-stderr to_full rota-solve -e schedule.ndjson problem.ndjson
	assert_stderr 'rota-solve: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-solve -q -j 1 --moves 10000 problem.ndjson
	assert_stderr 'rota-solve: standard output: No space left on device'
}

# ---- --evaluate: legal schedules and the objective ---------------------------

@test "--evaluate: a legal schedule exits 0 with its objective and parts" {
	problem '{"type":"limit","max_consecutive":5,"min_consecutive":2,"min_consecutive_off":2,"max_weekends":1,"max_minutes":6000,"min_minutes":2000,"max_shifts":{"L":3}}' \
		'{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":2,"weight_under":100,"weight_over":1}' \
		'{"type":"request","person":"a","date":"2026-01-09","want":"off","weight":3}'
	schedule $(works a E 5 6 7 8 9) $(works a L 14 15) $(works b E 5 6) $(works b L 12 13 14)
	evaluate
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	# 2 wanted and 2 on the 5th; a's off-request on the 9th is not granted.
	assert_output "$(evaluate_summary 3 0 3 0 0 0)"
	# The schedule may be read from standard input, and the problem too.
	run -0 --separate-stderr rota-solve -e - problem.ndjson <schedule.ndjson
	assert_output "$(evaluate_summary 3 0 3 0 0 0)"
	run -0 --separate-stderr rota-solve -e schedule.ndjson <problem.ndjson
	assert_output "$(evaluate_summary 3 0 3 0 0 0)"
	# Records other than assignments in the schedule are ignored, so a file
	# that holds both the problem and a schedule serves as both.
	cat problem.ndjson schedule.ndjson >both.ndjson
	run -0 --separate-stderr rota-solve -e both.ndjson both.ndjson
	assert_output "$(evaluate_summary 3 0 3 0 0 0)"
}

@test "objective: on-requests for an activity and for any work (\"*\")" {
	problem \
		'{"type":"request","person":"a","date":"2026-01-05","activity":"E","want":"on","weight":3}' \
		'{"type":"request","person":"a","date":"2026-01-06","activity":"E","want":"on","weight":5}' \
		'{"type":"request","person":"a","date":"2026-01-07","activity":"E","want":"on","weight":7}' \
		'{"type":"request","person":"a","date":"2026-01-08","activity":"*","want":"on","weight":11}' \
		'{"type":"request","person":"a","date":"2026-01-09","want":"on","weight":13}' \
		'{"type":"request","person":"b","date":"2026-01-09","activity":"E","want":"on"}'
	# Met; the wrong activity (5); off (7); any work (met); off (13); b off (1).
	schedule a:5:E a:6:L a:8:L
	evaluate
	assert_output "$(evaluate_summary 26 26 0 0 0 0)"
	# Every one met.
	schedule a:5:E a:6:E a:7:E a:8:L a:9:L b:9:E
	evaluate
	assert_output "$(evaluate_summary 0 0 0 0 0 0)"
	# None met.
	schedule
	evaluate
	assert_output "$(evaluate_summary 40 40 0 0 0 0)"
}

@test "objective: off-requests for an activity and for any work" {
	problem \
		'{"type":"request","person":"b","date":"2026-01-05","activity":"E","want":"off","weight":2}' \
		'{"type":"request","person":"b","date":"2026-01-06","activity":"E","want":"off","weight":4}' \
		'{"type":"request","person":"b","date":"2026-01-07","activity":"*","want":"off","weight":8}' \
		'{"type":"request","person":"b","date":"2026-01-08","want":"off","weight":16}' \
		'{"type":"request","person":"a","date":"2026-01-08","activity":"L","want":"off"}'
	# Worked E (2); L instead of E (granted); any work (8); off (granted);
	# a works L on the 8th (1).
	schedule b:5:E b:6:L b:7:L a:8:L
	evaluate
	assert_output "$(evaluate_summary 11 0 11 0 0 0)"
	schedule b:5:E b:6:E b:7:E b:8:E a:8:L
	evaluate
	assert_output "$(evaluate_summary 31 0 31 0 0 0)"
	schedule
	evaluate
	assert_output "$(evaluate_summary 0 0 0 0 0 0)"
}

@test "objective: cover short and over, each by its weight" {
	problem \
		'{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":2,"weight_under":10,"weight_over":3}' \
		'{"type":"cover","date":"2026-01-06","slot":"DAY","activity":"E","want":1,"weight_under":10,"weight_over":4}' \
		'{"type":"cover","date":"2026-01-07","slot":"DAY","activity":"E","want":0}' \
		'{"type":"cover","date":"2026-01-08","slot":"DAY","activity":"E","want":1}' \
		'{"type":"cover","date":"2026-01-12","slot":"DAY","activity":"L","want":1,"weight_under":6,"weight_over":9}'
	# 5th: one short (10); 6th: one over (4); 7th: one over, weight 1 by
	# default; 8th: one short, weight 1; 9th: no cover, no cost; 12th: L
	# short (6), the E worked instead is not wanted but costs nothing.
	schedule a:5:E a:6:E b:6:E a:7:E a:9:E b:12:E
	evaluate
	assert_output "$(evaluate_summary 22 0 0 17 5 0)"
	# Two short on the 5th, none over.
	schedule b:6:E a:8:E b:12:L
	evaluate
	assert_output "$(evaluate_summary 20 0 0 20 0 0)"
	# Everything as wanted.
	schedule a:5:E b:5:E a:6:E a:8:E b:12:L
	evaluate
	assert_output "$(evaluate_summary 0 0 0 0 0 0)"
}

@test "objective: requests and cover add up" {
	problem \
		'{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":1,"weight_under":100,"weight_over":100}' \
		'{"type":"request","person":"a","date":"2026-01-05","want":"on","weight":3}' \
		'{"type":"request","person":"b","date":"2026-01-05","want":"on","weight":5}' \
		'{"type":"request","person":"b","date":"2026-01-06","activity":"L","want":"off","weight":7}'
	schedule a:5:E b:6:L
	evaluate
	assert_output "$(evaluate_summary 12 5 7 0 0 0)"
	schedule a:5:E b:5:E
	evaluate
	assert_output "$(evaluate_summary 100 0 0 0 100 0)"
}

# ---- --evaluate: one test per hard rule -------------------------------------

@test "nrp.day_off: a shift on a day off" {
	problem '{"type":"absence","person":"a","from":"2026-01-07","to":"2026-01-08"}'
	schedule a:5:E a:6:L a:7:L b:7:E
	evaluate
	assert_finding day_off a 2026-01-07 2026-01-07 1 0 L
	# The days around it are free; an absence may reach outside the horizon.
	schedule a:6:E a:9:E b:7:E b:8:E
	evaluate
	assert_legal
	problem '{"type":"absence","person":"b","from":"2025-12-01","to":"2026-01-05"}'
	schedule b:5:E
	evaluate
	assert_finding day_off b 2026-01-05 2026-01-05 1 0 E
}

@test "nrp.succession: a shift followed the next day by one it forbids" {
	problem
	schedule a:6:L a:7:E
	evaluate
	assert_finding succession a 2026-01-06 2026-01-07 1 0 E
	# E after L is forbidden, not L after E, nor L after L, nor E after a day off.
	schedule a:6:E a:7:L a:8:L a:10:E b:5:L b:7:E
	evaluate
	assert_legal
}

@test "nrp.max_shifts: more shifts of a type than allowed" {
	problem '{"type":"limit","person":"a","max_shifts":{"E":2,"L":0}}'
	schedule a:5:E a:7:E a:9:E b:6:L
	evaluate
	assert_finding max_shifts a 2026-01-05 2026-01-18 3 2 E
	# The limit is a's; b may work L.
	schedule a:5:E a:7:E b:6:L b:8:L b:10:L
	evaluate
	assert_legal
}

@test "nrp.min_shifts: fewer shifts of a type than required" {
	problem '{"type":"limit","min_shifts":{"L":2}}' '{"type":"limit","person":"b","min_shifts":{"L":0}}'
	schedule a:5:L a:7:E
	evaluate
	assert_finding min_shifts a 2026-01-05 2026-01-18 1 2 L
	schedule a:5:L a:6:L
	evaluate
	assert_legal
}

@test "nrp.max_minutes: more minutes than allowed" {
	problem '{"type":"limit","person":"a","max_minutes":1560}'
	schedule a:5:E a:7:E a:9:L
	evaluate
	assert_legal
	schedule a:5:E a:7:L a:9:L
	evaluate
	assert_finding max_minutes a 2026-01-05 2026-01-18 1680 1560
}

@test "nrp.min_minutes: fewer minutes than required" {
	problem '{"type":"limit","person":"a","min_minutes":1000}' '{"type":"limit","person":"b","max_minutes":0}'
	schedule a:5:E a:7:E
	evaluate
	assert_finding min_minutes a 2026-01-05 2026-01-18 960 1000
	schedule a:5:E a:7:L
	evaluate
	assert_legal
}

@test "nrp.max_consecutive: a run of working days too long" {
	problem '{"type":"limit","person":"a","max_consecutive":3}'
	schedule a:7:E a:8:E a:9:E a:11:E a:12:E a:13:E
	evaluate
	assert_legal
	schedule $(works a E 8 9 10 11)
	evaluate
	assert_finding max_consecutive a 2026-01-08 2026-01-11 4 3
}

@test "nrp.max_consecutive counts runs at the edges of the horizon as they are" {
	problem '{"type":"limit","person":"a","max_consecutive":3}'
	schedule $(works a E 5 6 7 8)
	evaluate
	assert_finding max_consecutive a 2026-01-05 2026-01-08 4 3
	schedule $(works a L 15 16 17 18)
	evaluate
	assert_finding max_consecutive a 2026-01-15 2026-01-18 4 3
	schedule $(works a E 5 6 7) $(works a E 16 17 18)
	evaluate
	assert_legal
}

@test "nrp.min_consecutive: a run of working days too short" {
	problem '{"type":"limit","person":"a","min_consecutive":3}'
	schedule a:8:E a:9:E
	evaluate
	assert_finding min_consecutive a 2026-01-08 2026-01-09 2 3
	schedule $(works a E 8 9 10)
	evaluate
	assert_legal
}

@test "nrp.min_consecutive: a short run that touches the first or last day is legal" {
	problem '{"type":"limit","person":"a","min_consecutive":3}'
	schedule a:5:E
	evaluate
	assert_legal
	schedule a:17:E a:18:E
	evaluate
	assert_legal
	schedule a:5:E a:18:L
	evaluate
	assert_legal
	# One day in from the edge is not at it.
	schedule a:6:E
	evaluate
	assert_finding min_consecutive a 2026-01-06 2026-01-06 1 3
}

@test "nrp.min_consecutive_off: a run of days off too short" {
	problem '{"type":"limit","person":"a","min_consecutive_off":3}'
	schedule $(works a E 5 6 7 10 11 12)
	evaluate
	assert_finding min_consecutive_off a 2026-01-08 2026-01-09 2 3
	schedule $(works a E 5 6 7 11 12 13)
	evaluate
	assert_legal
}

@test "nrp.min_consecutive_off: a short run off that touches the first or last day is legal" {
	problem '{"type":"limit","person":"a","min_consecutive_off":3}'
	schedule $(works a E 6 7 8 9 10 11 12 13 14 15 16 17)
	evaluate
	assert_legal
	schedule $(works a E 5 6 7 8 9 10 11 12 13 14 15 16 17)
	evaluate
	assert_legal
	# Working nothing is one run off, the whole horizon.
	schedule
	evaluate
	assert_legal
	schedule $(works a E 5 7 8 9 10 11 12 13 14 15 16 17 18)
	evaluate
	assert_finding min_consecutive_off a 2026-01-06 2026-01-06 1 3
}

@test "nrp.max_weekends: more weekends worked than allowed" {
	problem '{"type":"limit","person":"a","max_weekends":1}'
	# Saturday and Sunday of one week are one weekend.
	schedule a:10:E a:11:E a:12:E
	evaluate
	assert_legal
	schedule a:11:E a:17:E
	evaluate
	assert_finding max_weekends a 2026-01-05 2026-01-18 2 1
	problem '{"type":"limit","person":"b","max_weekends":0}'
	schedule b:9:E b:12:E a:10:E a:18:E
	evaluate
	assert_legal
	schedule b:18:L
	evaluate
	assert_finding max_weekends b 2026-01-05 2026-01-18 1 0
}

@test "nrp.max_weekends: a horizon that starts on a Sunday starts with a weekend" {
	problem '{"type":"limit","person":"a","max_weekends":1}'
	sed -i 's/"start":"2026-01-05","days":14/"start":"2026-01-04","days":7/' problem.ndjson
	# Sunday the 4th and Saturday the 10th are two weekends.
	schedule a:4:E a:10:E
	evaluate
	assert_finding max_weekends a 2026-01-04 2026-01-10 2 1
	schedule a:4:E a:9:E
	evaluate
	assert_legal
}

@test "nrp.one_shift_a_day: two assignments of one person on one day" {
	problem
	schedule a:7:E a:7:L
	evaluate
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 2
	local f=${lines[0]}
	assert_equal "$(jget rule "$f")" nrp.one_shift_a_day
	assert_equal "$(jget status "$f")" violation
	assert_equal "$(jget person "$f")" a
	assert_equal "$(jget from "$f")" 2026-01-07
	assert_equal "$(jget to "$f")" 2026-01-07
	assert_equal "$(jget value "$f")" 2
	assert_equal "$(jget limit "$f")" 1
	assert_equal "${lines[1]}" "$(evaluate_summary 0 0 0 0 0 1)"
}

@test "--evaluate lists every violation, person by person" {
	problem '{"type":"limit","max_consecutive":2,"max_weekends":0}' \
		'{"type":"absence","person":"b","from":"2026-01-12","to":"2026-01-12"}'
	schedule $(works a E 9 10 11) b:12:L b:13:E
	evaluate
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 5
	assert_equal "$(jget rule "${lines[0]}") $(jget person "${lines[0]}")" "nrp.max_weekends a"
	assert_equal "$(jget rule "${lines[1]}") $(jget person "${lines[1]}")" "nrp.max_consecutive a"
	assert_equal "$(jget rule "${lines[2]}") $(jget person "${lines[2]}")" "nrp.day_off b"
	assert_equal "$(jget rule "${lines[3]}") $(jget person "${lines[3]}")" "nrp.succession b"
	assert_equal "${lines[4]}" "$(evaluate_summary 0 0 0 0 0 4)"
}

@test "--evaluate: limits for everyone, and a person's own over them" {
	problem '{"type":"limit","max_consecutive":2}' '{"type":"limit","person":"b","max_consecutive":3}'
	schedule $(works a E 5 6 7) $(works b E 5 6 7)
	evaluate
	assert_finding max_consecutive a 2026-01-05 2026-01-07 3 2
}

@test "--evaluate: an unknown person or activity, or a date outside the horizon, exits 3" {
	problem
	schedule a:5:E zed:6:E
	evaluate
	assert_equal "$status" 3
	assert_output ""
	assert_stderr 'rota-solve: schedule.ndjson:2: person: "zed" is not a person of the problem'
	schedule a:5:E b:6:N
	evaluate
	assert_equal "$status" 3
	assert_stderr 'rota-solve: schedule.ndjson:2: activity: "N" is not an activity of the problem'
	schedule a:5:E b:19:E
	evaluate
	assert_equal "$status" 3
	[[ $stderr == 'rota-solve: schedule.ndjson:2: date: 2026-01-19 is outside the horizon'* ]] ||
		fail "stderr: $stderr"
	schedule a:4:E
	evaluate
	assert_equal "$status" 3
	[[ $stderr == 'rota-solve: schedule.ndjson:1: date: 2026-01-04 is outside the horizon'* ]] ||
		fail "stderr: $stderr"
	# A record that is not valid is reported as rota-import reports it.
	printf '{"type":"assignment","person":"a","date":"2026-01-06","activity":"E"}\n' >schedule.ndjson
	evaluate
	assert_equal "$status" 3
	assert_stderr 'rota-solve: schedule.ndjson:1: slot: missing'
	run -3 --separate-stderr rota-solve -e nope.ndjson problem.ndjson
	assert_stderr 'rota-solve: nope.ndjson: No such file or directory'
}

# ---- bad input ---------------------------------------------------------------

# bad_problem EXPECTED-STDERR RECORD...: the problem with RECORDs added (its
# lines 6…) exits 3 with EXPECTED-STDERR in every mode, writing nothing.
bad_problem() {
	local want=$1
	shift
	problem "$@"
	schedule
	run -3 --separate-stderr rota-solve -j 1 --moves 10000 problem.ndjson
	assert_output ""
	assert_stderr "$want"
	run -3 --separate-stderr rota-solve -e schedule.ndjson problem.ndjson
	assert_output ""
	assert_stderr "$want"
	run -3 --separate-stderr rota-solve --write-lp x.lp problem.ndjson
	assert_stderr "$want"
	[ ! -e x.lp ]
}

@test "bad input: a record with an error exits 3 with FILE:LINE: field: message" {
	bad_problem 'rota-solve: problem.ndjson:6: pgy: expected 1..10, got 0' '{"type":"person","id":"c","pgy":0}'
	bad_problem 'rota-solve: problem.ndjson:7: invalid JSON at column 8: expected a member name in double quotes' \
		'{"type":"person","id":"c"}' '{"a":1,}'
	bad_problem 'rota-solve: problem.ndjson:6: date: expected a date YYYY-MM-DD, got "soon"' \
		'{"type":"request","person":"a","date":"soon","want":"on"}'
	bad_problem 'rota-solve: problem.ndjson:6: minutes: missing: rota-solve needs each activity'\''s length' \
		'{"type":"activity","id":"N","slot":"DAY"}'
}

@test "bad input: what the records refer to must exist" {
	bad_problem 'rota-solve: problem.ndjson:6: person: "zed" is not a person of the problem' \
		'{"type":"request","person":"zed","date":"2026-01-07","want":"on"}'
	bad_problem 'rota-solve: problem.ndjson:7: activity: "N" is not an activity of the problem' \
		'{"type":"request","person":"a","date":"2026-01-07","activity":"E","want":"on"}' \
		'{"type":"cover","date":"2026-01-07","slot":"DAY","activity":"N","want":1}'
	bad_problem 'rota-solve: problem.ndjson:6: activity: "*" is not an activity of the problem' \
		'{"type":"cover","date":"2026-01-07","slot":"DAY","activity":"*","want":1}'
	bad_problem 'rota-solve: problem.ndjson:6: activity: "Q" is not an activity of the problem' \
		'{"type":"request","person":"a","date":"2026-01-07","activity":"Q","want":"off"}'
	bad_problem 'rota-solve: problem.ndjson:6: person: "zed" is not a person of the problem' \
		'{"type":"absence","person":"zed","from":"2026-01-05","to":"2026-01-06"}'
	bad_problem 'rota-solve: problem.ndjson:6: person: "zed" is not a person of the problem' \
		'{"type":"limit","person":"zed","max_minutes":3}'
	bad_problem 'rota-solve: problem.ndjson:6: max_shifts: "N" is not an activity of the problem' \
		'{"type":"limit","max_shifts":{"N":3}}'
	bad_problem 'rota-solve: problem.ndjson:6: not_followed_by: "Q" is not an activity of the problem' \
		'{"type":"activity","id":"M","slot":"DAY","minutes":60,"not_followed_by":["Q"]}'
}

@test "records repeated with one natural key: the later replaces the earlier, as in a store" {
	# An activity given again with another length: the later one counts.
	problem '{"type":"activity","id":"E","slot":"DAY","minutes":60}' \
		'{"type":"limit","person":"a","max_minutes":60}'
	schedule a:5:E
	run -0 --separate-stderr rota-solve -e schedule.ndjson problem.ndjson
	assert_equal "$(jget violations "${lines[-1]}")" 0
}

@test "bad input: a date outside the horizon" {
	bad_problem 'rota-solve: problem.ndjson:6: date: 2026-01-19 is outside the horizon (2026-01-05 to 2026-01-18)' \
		'{"type":"request","person":"a","date":"2026-01-19","want":"on"}'
	bad_problem 'rota-solve: problem.ndjson:6: date: 2026-01-04 is outside the horizon (2026-01-05 to 2026-01-18)' \
		'{"type":"cover","date":"2026-01-04","slot":"DAY","activity":"E","want":1}'
}

@test "bad input: no horizon; a horizon of two slots is a programme, and needs its times" {
	problem
	sed -i 1d problem.ndjson
	run -3 --separate-stderr rota-solve -e problem.ndjson problem.ndjson
	assert_output ""
	assert_stderr 'rota-solve: no horizon record: a problem needs one'
	problem
	sed -i '1s/\["DAY"\]/["DAY","NIGHT"]/' problem.ndjson
	run -3 --separate-stderr rota-solve -j 1 --moves 10000 problem.ndjson
	assert_output ""
	assert_stderr "rota-solve: problem.ndjson:2: start: missing: a programme's activity needs its start time"
	printf '{"type":"horizon","start":"2026-01-05","days":7,"slots":["DAY"]}\n' >p.ndjson
	run -3 --separate-stderr rota-solve -e p.ndjson p.ndjson
	assert_stderr 'rota-solve: no activity records: a problem needs at least one'
	printf '{"type":"activity","id":"E","slot":"DAY","minutes":1}\n' >>p.ndjson
	run -3 --separate-stderr rota-solve -e p.ndjson p.ndjson
	assert_stderr 'rota-solve: no person records: a problem needs at least one'
}

@test "bad input: two horizons; the second is named" {
	problem '{"type":"horizon","id":"next","start":"2026-01-19","days":14,"slots":["DAY"]}'
	run -3 --separate-stderr rota-solve -e problem.ndjson problem.ndjson
	assert_output ""
	[[ $stderr == 'rota-solve: problem.ndjson:6: '*'a problem has one horizon; this is a second' ]] ||
		fail "stderr: $stderr"
	# BUG: the field is empty, and printed as ": ".
	refute_stderr_line ': : '
}

@test "bad input: a problem file that cannot be read exits 3" {
	run -3 --separate-stderr rota-solve nope.ndjson
	assert_output ""
	assert_stderr 'rota-solve: nope.ndjson: No such file or directory'
}

# ---- solving -------------------------------------------------------------------

@test "solving: Instance1 reaches its proven optimum 607, and --evaluate agrees" {
	run -0 --separate-stderr rota-solve -t 30 --bound 607 "$DATA/Instance1.txt"
	local summary=${lines[${#lines[@]} - 1]}
	assert_equal "$(jget type "$summary")" summary
	assert_equal "$(jget tool "$summary")" rota-solve
	assert_equal "$(jget mode "$summary")" solve
	assert_equal "$(jget objective "$summary")" 607
	assert_equal "$(jget violations "$summary")" 0
	assert_equal "$(jget bound "$summary")" 607
	assert_equal "$(jget gap "$summary")" 0
	assert_equal "$(jget strategy "$summary")" anneal
	# It stopped on reaching the bound, long before the time limit.
	awk -v e="$(jget elapsed "$summary")" 'BEGIN { exit !(e < 29) }'
	[[ ${stderr_lines[0]} =~ ^rota-solve:\ objective\ 607\ \(bound\ 607\),\ best\ found\ after\ [0-9.]+\ s,\ [0-9]+\ moves$ ]] ||
		fail "stderr: $stderr"
	# Every other line is an assignment made by the solver, in the one slot.
	printf '%s\n' "$output" | sed '$d' >out.ndjson
	[ "$(grep -c . out.ndjson)" -gt 0 ]
	assert_equal "$(grep -vc '^{"type":"assignment","person":"[A-H]","date":"2024-01-[01][0-9]","slot":"DAY","activity":"D","source":"solver"}$' out.ndjson)" 0
	# The records pass rota-import's checks.
	run -0 --separate-stderr rota-import -q out.ndjson
	run -0 --separate-stderr rota-solve -e out.ndjson "$DATA/Instance1.txt"
	assert_output "$(evaluate_summary $(scores_of "$summary" | sed -E 's/"[a-z_]+"://g; s/,/ /g'))"
}

@test "solving: a tiny problem with a unique optimum is solved exactly" {
	# Four days, one person wanted each day at a high price for short or
	# over; a asks for the first two (3 each) and the third (2), b for the
	# last two (3 each); nobody may work three days in a row.  The one
	# roster of cost 2 has a on the first two days and b on the last two.
	cat >tiny.ndjson <<'EOF'
{"type":"horizon","start":"2026-01-05","days":4,"slots":["DAY"]}
{"type":"activity","id":"D","slot":"DAY","minutes":480}
{"type":"person","id":"a"}
{"type":"person","id":"b"}
{"type":"limit","max_consecutive":2}
{"type":"absence","person":"b","from":"2026-01-05","to":"2026-01-05"}
{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"D","want":1,"weight_under":50,"weight_over":50}
{"type":"cover","date":"2026-01-06","slot":"DAY","activity":"D","want":1,"weight_under":50,"weight_over":50}
{"type":"cover","date":"2026-01-07","slot":"DAY","activity":"D","want":1,"weight_under":50,"weight_over":50}
{"type":"cover","date":"2026-01-08","slot":"DAY","activity":"D","want":1,"weight_under":50,"weight_over":50}
{"type":"request","person":"a","date":"2026-01-05","activity":"D","want":"on","weight":3}
{"type":"request","person":"a","date":"2026-01-06","activity":"D","want":"on","weight":3}
{"type":"request","person":"a","date":"2026-01-07","want":"on","weight":2}
{"type":"request","person":"b","date":"2026-01-07","activity":"D","want":"on","weight":3}
{"type":"request","person":"b","date":"2026-01-08","activity":"D","want":"on","weight":3}
{"type":"request","person":"b","date":"2026-01-06","want":"off","weight":1}
EOF
	run -0 --separate-stderr rota-solve -j 1 --moves 1000000 tiny.ndjson
	assert_equal "${#lines[@]}" 5
	assert_equal "${lines[0]}" '{"type":"assignment","person":"a","date":"2026-01-05","slot":"DAY","activity":"D","source":"solver"}'
	assert_equal "${lines[1]}" '{"type":"assignment","person":"a","date":"2026-01-06","slot":"DAY","activity":"D","source":"solver"}'
	assert_equal "${lines[2]}" '{"type":"assignment","person":"b","date":"2026-01-07","slot":"DAY","activity":"D","source":"solver"}'
	assert_equal "${lines[3]}" '{"type":"assignment","person":"b","date":"2026-01-08","slot":"DAY","activity":"D","source":"solver"}'
	assert_equal "$(scores_of "${lines[4]}")" \
		'"objective":2,"on_requests":2,"off_requests":0,"under":0,"over":0,"violations":0'
	assert_equal "$(jget threads "${lines[4]}")" 1
	assert_equal "$(jget seed "${lines[4]}")" 1
	# 2 people × 4 days × (off or D); b's day off is pruned.
	assert_equal "$(jget domain_before "${lines[4]}")" 16
	assert_equal "$(jget domain_after "${lines[4]}")" 15
	# More threads find the same.
	run -0 --separate-stderr rota-solve -q -j 2 -t 0.5 tiny.ndjson
	assert_equal "$(scores_of "${lines[4]}")" \
		'"objective":2,"on_requests":2,"off_requests":0,"under":0,"over":0,"violations":0'
	assert_equal "$stderr" ""
}

@test "solving: --bound stops the search on reaching it" {
	problem
	# Nothing wanted: the empty roster costs 0, which is the bound.
	run -0 --separate-stderr rota-solve -t 60 problem.ndjson
	assert_equal "${#lines[@]}" 1
	assert_equal "$(scores_of "$output")" \
		'"objective":0,"on_requests":0,"off_requests":0,"under":0,"over":0,"violations":0'
	assert_equal "$(jget bound "$output")" 0
	awk -v e="$(jget elapsed "$output")" 'BEGIN { exit !(e < 5) }' || fail "not stopped at once: $output"
	# A bound given that is above the best possible stops the search at the
	# first legal roster that reaches it (another thread may have found a
	# better one by then: at most the bound, then).
	problem '{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":1,"weight_under":10}'
	run -0 --separate-stderr rota-solve -t 60 --bound 10 problem.ndjson
	[ "$(jget objective "$output")" -le 10 ]
	assert_equal "$(jget bound "$output")" 10
	awk -v e="$(jget elapsed "$output")" 'BEGIN { exit !(e < 5) }' || fail "not stopped at once: $output"
}

@test "solving: -j 1, a seed and a move budget give the same roster twice" {
	run -0 --separate-stderr rota-solve -j 1 --seed 7 --moves 300000 "$DATA/Instance1.txt"
	local first=$output
	assert_equal "$(jget seed "${lines[${#lines[@]} - 1]}")" 7
	assert_equal "$(jget threads "${lines[${#lines[@]} - 1]}")" 1
	run -0 --separate-stderr rota-solve -j 1 -s 7 --moves 300000 "$DATA/Instance1.txt"
	assert_equal "$(no_clock "$output")" "$(no_clock "$first")"
	# The budget counts moves, not time: the same when the machine is busy.
	local moves
	moves=$(jget moves "${lines[${#lines[@]} - 1]}")
	awk -v m="$moves" 'BEGIN { exit !(m >= 300000 && m < 310000) }' || fail "moves: $moves"
}

@test "solving: -q says nothing; --progress shows the search" {
	problem '{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":1,"weight_under":10}'
	run -0 --separate-stderr rota-solve -q -j 1 --moves 100000 problem.ndjson
	assert_equal "$stderr" ""
	run -0 --separate-stderr rota-solve --progress -j 1 --moves 100000 problem.ndjson
	[[ $stderr == *'rota-solve: objective 0, bound 0'* ]] || fail "stderr: $stderr"
}

@test "solving: -q turns --progress off" {
	problem '{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":1,"weight_under":10}'
	run -0 --separate-stderr rota-solve -q --progress -j 1 --moves 100000 problem.ndjson
	# BUG: -q --progress still shows progress (rota(7): "never with -q").
	assert_equal "$stderr" ""
}

@test "solving: --progress off a terminal writes plain lines, not terminal controls" {
	problem '{"type":"cover","date":"2026-01-05","slot":"DAY","activity":"E","want":1,"weight_under":10}'
	run -0 --separate-stderr rota-solve --progress -j 1 --moves 100000 problem.ndjson
	# BUG: carriage returns and ESC [K are written to a file or pipe
	# (rota-import writes one plain line there).
	[[ $stderr != *$'\r'* && $stderr != *$'\033'* ]] || fail "$(printf '%s' "$stderr" | od -c | head)"
}

@test "solving: heavy weights do not make a legal roster look worse than an illegal one" {
	# One person, 7 days, at least 3 worked, at most 2 in a row; each day
	# short costs 100000.  The best legal roster works 5 days (WW-WW-W).
	{
		cat <<'EOF'
{"type":"horizon","start":"2026-01-05","days":7,"slots":["DAY"]}
{"type":"activity","id":"D","slot":"DAY","minutes":480}
{"type":"person","id":"a"}
{"type":"limit","max_consecutive":2,"min_minutes":1440}
EOF
		for d in 05 06 07 08 09 10 11; do
			printf '{"type":"cover","date":"2026-01-%s","slot":"DAY","activity":"D","want":1,"weight_under":100000}\n' "$d"
		done
	} >heavy.ndjson
	# BUG: a hard violation weighs a fixed 2000 in the search, less than one
	# day short here: it works all 7 days, never holds a legal roster, and
	# exits 6 ("no legal roster found") on a feasible problem.
	run -0 --separate-stderr rota-solve -t 2 --bound 200000 heavy.ndjson
	assert_equal "$(scores_of "${lines[${#lines[@]} - 1]}")" \
		'"objective":200000,"on_requests":0,"off_requests":0,"under":200000,"over":0,"violations":0'
}

@test "cover min and max are kept as hard rules, or refused" {
	problem '{"type":"cover","date":"2026-01-07","slot":"DAY","activity":"E","want":1,"min":1,"max":1,"weight_under":1}'
	schedule
	evaluate
	# BUG: the fields are ignored: nobody on the 7th is legal (exit 0).
	[ "$status" -eq 1 ] || [ "$status" -eq 3 ] || fail "exit $status: $output"
}

# ---- infeasible problems -----------------------------------------------------

@test "infeasible: more minutes required than any roster gives exits 6 and says why" {
	cat >inf.ndjson <<'EOF'
{"type":"horizon","start":"2026-01-05","days":3,"slots":["DAY"]}
{"type":"activity","id":"D","slot":"DAY","minutes":480}
{"type":"person","id":"a"}
{"type":"limit","person":"a","min_minutes":2000}
EOF
	run -6 --separate-stderr rota-solve -j 1 --moves 100000 inf.ndjson
	# No roster, but the summary of the closest one.
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jget mode "$output")" solve
	assert_equal "$(jget violations "$output")" 1
	[[ $stderr =~ ^rota-solve:\ no\ legal\ roster\ found\ in\ [0-9.]+\ s\;\ the\ closest\ breaks\ 1\ hard\ rule\ \(-v\ lists\ them\)$ ]] ||
		fail "stderr: $stderr"
	run -6 --separate-stderr rota-solve -v -j 1 --moves 100000 inf.ndjson
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} =~ ^rota-solve:\ no\ legal\ roster\ found\ in\ [0-9.]+\ s\;\ the\ closest\ breaks\ 1\ hard\ rule:$ ]] ||
		fail "stderr: $stderr"
	assert_equal "${stderr_lines[1]}" \
		'rota-solve:   a, 2026-01-05 to 2026-01-07: works fewer minutes than required (1440, limit 2000)'
}

@test "infeasible: a shift required of a person off every day exits 6 and says why" {
	cat >inf.ndjson <<'EOF'
{"type":"horizon","start":"2026-01-05","days":7,"slots":["DAY"]}
{"type":"activity","id":"D","slot":"DAY","minutes":480}
{"type":"activity","id":"N","slot":"DAY","minutes":600}
{"type":"person","id":"a"}
{"type":"absence","person":"a","from":"2026-01-01","to":"2026-01-31"}
{"type":"limit","min_shifts":{"N":1}}
EOF
	run -6 --separate-stderr rota-solve -v -j 2 -t 0.3 inf.ndjson
	assert_equal "$(jget violations "$output")" 1
	assert_equal "${stderr_lines[1]}" \
		'rota-solve:   a, 2026-01-05 to 2026-01-11: works fewer shifts of a type than required: N (0, limit 1)'
	# --evaluate of the empty schedule says the same as a finding.
	: >empty.ndjson
	run -1 --separate-stderr rota-solve -e empty.ndjson inf.ndjson
	assert_equal "$(jget rule "${lines[0]}")" nrp.min_shifts
	assert_equal "$(jget activity "${lines[0]}")" N
}

@test "infeasible: the closest roster of a real instance names the rule that cannot be kept" {
	# Instance1 and Z, who is to work 99999 minutes in its two weeks.
	{
		rota-import -q "$DATA/Instance1.txt"
		echo '{"type":"person","id":"Z"}'
		echo '{"type":"limit","person":"Z","min_minutes":99999}'
	} >inf.ndjson
	run -6 --separate-stderr rota-solve -v -j 1 --moves 2000000 inf.ndjson
	assert_equal "$(jget violations "$output")" 1
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "${stderr_lines[1]}" \
		'rota-solve:   Z, 2024-01-01 to 2024-01-14: works fewer minutes than required (6720, limit 99999)'
}

# ---- benchmark files, --from, --start --------------------------------------------

@test "--from nrp reads a benchmark file of any name; --start moves day 0" {
	cp "$DATA/Instance1.txt" instance1.dat
	: >empty.ndjson
	run -1 --separate-stderr rota-solve -f nrp -e empty.ndjson instance1.dat
	assert_equal "$(jget from "${lines[0]}") $(jget to "${lines[0]}")" '2024-01-01 2024-01-14'
	# Nobody works: 8 people short of their minimum minutes.
	assert_equal "$(jget violations "${lines[8]}")" 8
	run -1 --separate-stderr rota-solve --start 2024-07-01 -f nrp -e empty.ndjson instance1.dat
	assert_equal "$(jget from "${lines[0]}") $(jget to "${lines[0]}")" '2024-07-01 2024-07-14'
	# Without -f, a file not named .txt is NDJSON.
	run -3 --separate-stderr rota-solve -e empty.ndjson instance1.dat
	[[ ${stderr_lines[0]} == 'rota-solve: instance1.dat:1: '* ]] || fail "stderr: $stderr"
	# -f ndjson reads a .txt file as NDJSON.
	problem
	cp problem.ndjson problem.txt
	run -0 --separate-stderr rota-solve -f ndjson -e empty.ndjson problem.txt
	assert_output "$(evaluate_summary 0 0 0 0 0 0)"
}

# ---- --write-lp --------------------------------------------------------------------

@test "--write-lp writes the model as a CPLEX LP file, atomically" {
	run -0 --separate-stderr rota-solve --write-lp i1.lp "$DATA/Instance1.txt"
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(head -c 2 i1.lp)" '\ '
	grep -qx 'Minimize' i1.lp
	grep -qx 'Subject To' i1.lp
	grep -qx 'Binaries' i1.lp
	assert_equal "$(tail -n 1 i1.lp)" End
	# No temporary file is left beside it.
	assert_equal "$(ls -A)" i1.lp
	# An existing file is replaced whole.
	printf 'old\n%.0s' $(seq 5000) >i1.lp
	run -0 --separate-stderr rota-solve --write-lp i1.lp "$DATA/Instance1.txt"
	assert_equal "$(grep -c old i1.lp)" 0
	assert_equal "$(tail -n 1 i1.lp)" End
	assert_equal "$(ls -A)" i1.lp
	# A folder that does not exist: exit 7, nothing written.
	run -7 --separate-stderr rota-solve --write-lp nodir/x.lp "$DATA/Instance1.txt"
	assert_stderr 'rota-solve: nodir/x.lp: No such file or directory'
	assert_equal "$(ls -A)" i1.lp
}

@test "--write-lp: the file gets the mode a new file gets under the umask" {
	problem
	umask 022
	run -0 rota-solve --write-lp x.lp problem.ndjson
	# BUG: mkstemp's 0600 is kept (rota-import's rejects file honours the umask).
	assert_equal "$(stat -c %a x.lp)" 644
}

# cbc_objective LP: the objective CBC proves optimal for LP (its solution
# in sol.txt), or fails.
cbc_objective() {
	cbc "$1" solve solu sol.txt >cbc.log 2>&1 || { cat cbc.log; return 1; }
	sed -n 's/^Optimal - objective value \([-0-9.]*\)$/\1/p' sol.txt | grep . ||
		{ head -n 1 sol.txt; return 1; }
}

# cbc_roster LP: CBC's solution in sol.txt to the model LP as assignment
# records in the slot DAY (the comments of LP name day 0, staff and types).
cbc_roster() {
	local start ndays d dates=()
	start=$(sed -n 's/^\\ [0-9]* days from \([0-9-]*\) (day 0).*/\1/p' "$1")
	ndays=$(sed -n 's/^\\ \([0-9]*\) days from .*/\1/p' "$1")
	for ((d = 0; d < ndays; d++)); do
		dates+=("$(date -u -d "$start + $d days" +%F)")
	done
	awk -v dates="${dates[*]}" '
		BEGIN { split(dates, date, " ") }
		FNR == NR {
			if ($1 == "\\" && $2 == "staff") staff[$3] = $5
			if ($1 == "\\" && $2 == "type") type[$3] = $5
			next
		}
		FNR == 1 { next }
		$1 == "**" { $1 = ""; $0 = $0 }
		$2 ~ /^x_/ && $3 > 0.5 {
			split($2, i, "_")
			printf "{\"type\":\"assignment\",\"person\":\"%s\",\"date\":\"%s\",\"slot\":\"DAY\",\"activity\":\"%s\"}\n",
				staff[i[2]], date[i[3] + 1], type[i[4]]
		}' "$1" sol.txt
}

@test "--write-lp: CBC solves Instance1's model to 607, a roster --evaluate agrees with" {
	command -v cbc >/dev/null ||
		skip "cbc is not on PATH (Debian coinor-cbc; scripts/deps installs it)"
	run -0 rota-solve --write-lp i1.lp "$DATA/Instance1.txt"
	run -0 cbc_objective i1.lp
	assert_output 607.00000000
	cbc_roster i1.lp >cbc.ndjson
	run -0 --separate-stderr rota-solve -e cbc.ndjson "$DATA/Instance1.txt"
	assert_equal "$(jget objective "$output")" 607
	assert_equal "$(jget violations "$output")" 0
}

@test "--write-lp: CBC, the solver and --evaluate agree on a small problem of every rule" {
	command -v cbc >/dev/null ||
		skip "cbc is not on PATH (Debian coinor-cbc; scripts/deps installs it)"
	problem '{"type":"limit","max_consecutive":3,"min_consecutive":2,"min_consecutive_off":2,"max_weekends":1,"min_minutes":2400,"max_minutes":4800,"max_shifts":{"L":3},"min_shifts":{"E":1}}' \
		'{"type":"absence","person":"b","from":"2026-01-07","to":"2026-01-08"}' \
		'{"type":"request","person":"a","date":"2026-01-06","activity":"L","want":"on","weight":4}' \
		'{"type":"request","person":"a","date":"2026-01-12","want":"off","weight":2}' \
		'{"type":"request","person":"b","date":"2026-01-10","want":"on","weight":3}' \
		'{"type":"request","person":"b","date":"2026-01-13","activity":"E","want":"off","weight":3}'
	local d
	for d in 05 06 07 08 09 10 11 12 13 14 15 16 17 18; do
		printf '{"type":"cover","date":"2026-01-%s","slot":"DAY","activity":"E","want":1,"weight_under":5,"weight_over":1}\n' "$d"
	done >>problem.ndjson
	for d in 06 09 13 16; do
		printf '{"type":"cover","date":"2026-01-%s","slot":"DAY","activity":"L","want":1,"weight_under":4,"weight_over":2}\n' "$d"
	done >>problem.ndjson
	run -0 rota-solve --write-lp p.lp problem.ndjson
	run -0 cbc_objective p.lp
	local lp=${output%.*}
	cbc_roster p.lp >cbc.ndjson
	run -0 --separate-stderr rota-solve -e cbc.ndjson problem.ndjson
	assert_equal "$(jget objective "$output")" "$lp"
	assert_equal "$(jget violations "$output")" 0
	# The solver reaches it, and not below (that would make the model wrong).
	run -0 --separate-stderr rota-solve -q -t 5 --bound "$lp" problem.ndjson
	assert_equal "$(jget objective "${lines[${#lines[@]} - 1]}")" "$lp"
}

# ---- stores ----------------------------------------------------------------------------

@test "--db: Instance1 imported into an SQLite store is solved from the store" {
	rota-import -q --db s.db "$DATA/Instance1.txt"
	run -0 --separate-stderr rota-solve --db s.db -t 30 --bound 607
	local summary=${lines[${#lines[@]} - 1]}
	assert_equal "$(jget objective "$summary")" 607
	assert_equal "$(jget violations "$summary")" 0
	printf '%s\n' "$output" | sed '$d' >out.ndjson
	run -0 --separate-stderr rota-solve --db s.db -e out.ndjson
	assert_equal "$(jget objective "$output")" 607
	# The store and the file are one problem.
	run -0 --separate-stderr rota-solve -e out.ndjson "$DATA/Instance1.txt"
	assert_equal "$(jget objective "$output")" 607
	run -0 rota-solve --db s.db --write-lp db.lp
	run -0 rota-solve --write-lp file.lp "$DATA/Instance1.txt"
	cmp db.lp file.lp
}

@test "--db: records with one key are one record, in a file as in a store" {
	problem '{"type":"request","person":"a","date":"2026-01-07","want":"on","weight":3}' \
		'{"type":"request","person":"a","date":"2026-01-07","want":"on","weight":5}' \
		'{"type":"limit","person":"a","max_consecutive":1}' \
		'{"type":"limit","person":"a","min_minutes":0}'
	schedule a:5:E a:6:E
	rota-import -q --db s.db problem.ndjson
	run -0 --separate-stderr rota-solve --db s.db -e schedule.ndjson
	# The later record replaces the earlier one whole.
	assert_output "$(evaluate_summary 5 5 0 0 0 0)"
	# BUG: from the file, the two requests add up (8) and the two limits
	# merge (max_consecutive 1 is kept).
	evaluate
	assert_output "$(evaluate_summary 5 5 0 0 0 0)"
}

@test "--db: a store that does not exist exits 4 and is not created" {
	run -4 --separate-stderr rota-solve --db nope.db -e /dev/null
	assert_output ""
	assert_stderr 'rota-solve: nope.db: unable to open database file'
	[ ! -e nope.db ]
}

@test "--db: an error in what the store holds names the store" {
	problem '{"type":"request","person":"zed","date":"2026-01-07","want":"on"}'
	rota-import -q --db s.db problem.ndjson
	run -3 --separate-stderr rota-solve --db s.db -e /dev/null
	assert_output ""
	# BUG: reported as "store:0: person: ...", a file "store" and a line 0.
	[[ $stderr == 'rota-solve: s.db: '*'"zed" is not a person of the problem' ]] || fail "stderr: $stderr"
}
