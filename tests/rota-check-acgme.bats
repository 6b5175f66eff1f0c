#!/usr/bin/env bats
# tests/rota-check-acgme.bats: rota-check-acgme against acgme-rules(7): each
# rule at its edge (at the limit passes, one minute over fails), exact
# elapsed time across the DST changes of 2024 and in zones that change at
# midnight, period edges, overlaps, leave, partial data, the options, the
# output, bad input and the store.
#
# The records are in tests/data/acgme/ (NDJSON).  Unless a test gives --tz
# they are in UTC, and most of them use the 28-day block 2024-01-01..01-28
# (--periods 28d:2024-01-01: E = 28, so 320 h, 4 days off, 9 calls).  Each
# file holds one person per case, named after it (edge, over, p28m, …).

load helpers

D=$DATA/acgme

setup() {
	test_dir
}

# ---- helpers of this file ---------------------------------------------------

# check ARGS...: runs rota-check-acgme, standard error apart.
check() {
	run --separate-stderr rota-check-acgme "$@"
}

# got RULE PERSON: "STATUS VALUE LIMIT FROM TO" for each finding of the last
# run of RULE for PERSON, one a line, in output order.
got() {
	printf '%s\n' "$output" | jq -r --arg r "$1" --arg p "$2" \
		'select(.type == "finding" and .rule == $r and .person == $p) |
		 "\(.status) \(.value) \(.limit) \(.from) \(.to)"'
}

# weeks PERSON FROM: the weeks of the acgme.80h finding of the last run for
# PERSON over the period from FROM, as JSON.
weeks() {
	printf '%s\n' "$output" | jq -c --arg p "$1" --arg f "$2" \
		'select(.type == "finding" and .rule == "acgme.80h" and .person == $p and .from == $f) |
		 .weeks'
}

# summary FIELD: a member of the last run's summary record.
summary() {
	printf '%s\n' "$output" | jq -r --arg f "$1" 'select(.type == "summary") | .[$f]'
}

# field RULE PERSON NAME: member NAME of the first finding of the last run of
# RULE for PERSON.
field() {
	printf '%s\n' "$output" | jq -rs --arg r "$1" --arg p "$2" --arg n "$3" \
		'map(select(.type == "finding" and .rule == $r and .person == $p)) | .[0][$n]'
}

# count JQ-CONDITION: how many findings of the last run satisfy it.
count() {
	printf '%s\n' "$output" | jq -s "map(select(.type == \"finding\" and ($1))) | length"
}

# rules_seen: the rules of the last run's findings, sorted, on one line.
rules_seen() {
	printf '%s\n' "$output" | jq -r 'select(.type == "finding") | .rule' | sort -u | paste -sd' '
}

# findings: the finding records of the last run, sorted.
findings() {
	printf '%s\n' "$output" | grep '^{"type":"finding"' | sort
}

# ---- help -------------------------------------------------------------------

@test "--help names every rule and exits 0" {
	run -0 --separate-stderr rota-check-acgme --help
	assert_equal "$stderr" ""
	assert_line --index 0 'usage: rota-check-acgme [options] [FILE...]'
	local r
	for r in acgme.80h acgme.day-off acgme.24+4 acgme.14h-post-call acgme.8h-between \
		acgme.q3-call acgme.pgy1-moonlighting legacy.nf-6-nights; do
		assert_output --partial "$r"
	done
}

# ---- the rules at their edges -------------------------------------------------

@test "acgme.80h: 320 h in a 28-day block passes, 320 h + 1 min fails (7H vs 80E)" {
	check -a --rules acgme.80h --periods 28d:2024-01-01 "$D/80h.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.80h edge)" "ok 80 80 2024-01-01 2024-01-28"
	assert_equal "$(weeks edge 2024-01-01)" "[80,80,80,80]"
	# 80.004 h/week: shown rounded as 80, but over the limit all the same
	assert_equal "$(got acgme.80h over)" "violation 80 80 2024-01-01 2024-01-28"
	assert_equal "$(weeks over 2024-01-01)" "[80,80,80,80.02]"
	assert_equal "$(got acgme.80h heavy)" "violation 82.5 80 2024-01-01 2024-01-28"
	assert_equal "$(field acgme.80h over clause) $(field acgme.80h over clause_2025)" "VI.F.1 6.20"
	assert_equal "$(field acgme.80h over unit)" "hours/week"
	assert_equal "$(field acgme.80h over message)" \
		"over worked 80.0 h/week on average in 2024-01-01..2024-01-28 (limit 80)"
	assert_equal "$(summary violations)" 2
}

@test "acgme.day-off: floor(E/7) days off; a gap of 24 h is a day, of 23 h 59 min none" {
	check -a --rules acgme.day-off --periods 28d:2024-01-01 --from 2024-01-01 --to 2024-01-28 \
		"$D/dayoff.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.day-off d4)" "ok 4 4 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off d3)" "violation 3 4 2024-01-01 2024-01-28"
	# --strict-day-off: 7 x 4 = 28 = E passes, 7 x 3 does not
	check -a --strict-day-off --rules acgme.day-off --periods 28d:2024-01-01 --from 2024-01-01 \
		--to 2024-01-28 "$D/dayoff.ndjson"
	assert_equal "$(got acgme.day-off d4)" "ok 4 4 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off d3)" "violation 3 4 2024-01-01 2024-01-28"
	assert_equal "$(field acgme.day-off d3 unit)" "days off"
	assert_equal "$(field acgme.day-off d3 message)" \
		"d3 had 3 full days off in 2024-01-01..2024-01-28 (at least 4 needed)"
}

@test "acgme.day-off: --strict-day-off fails when 7 x days off < E (4 days in 30)" {
	check -a --rules acgme.day-off --from 2024-04-01 --to 2024-04-30 "$D/dayoff30.ndjson"
	assert_equal "$status" 0
	assert_equal "$(got acgme.day-off s4)" "ok 4 4 2024-04-01 2024-04-30"
	assert_equal "$(got acgme.day-off s5)" "ok 5 4 2024-04-01 2024-04-30"
	check -a --strict-day-off --rules acgme.day-off --from 2024-04-01 --to 2024-04-30 \
		"$D/dayoff30.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.day-off s4)" "violation 4 4.29 2024-04-01 2024-04-30"
	assert_equal "$(got acgme.day-off s5)" "ok 5 4.29 2024-04-01 2024-04-30"
}

@test "acgme.24+4: 24 h; 28 h ending in transition and education; 28 h 1 min; work at hour 24; exception" {
	check -a --rules acgme.24+4 "$D/call24.ndjson"
	assert_equal "$status" 1
	local a=2024-01-01T08:00:00+00:00
	assert_equal "$(got acgme.24+4 p24)" "ok 24 24 $a 2024-01-02T08:00:00+00:00"
	assert_equal "$(got acgme.24+4 p28)" "ok 28 24 $a 2024-01-02T12:00:00+00:00"
	assert_equal "$(got acgme.24+4 p28m)" "violation 28.02 24 $a 2024-01-02T12:01:00+00:00"
	assert_equal "$(got acgme.24+4 plate)" "violation 25 24 $a 2024-01-02T09:00:00+00:00"
	assert_equal "$(got acgme.24+4 pexc)" "advisory 28.02 24 $a 2024-01-02T12:01:00+00:00"
	assert_equal "$(summary violations) $(summary advisories) $(summary ok)" "2 1 2"
}

@test "acgme.14h-post-call: 14 h passes, 13 h 59 fails, from the actual end of the call period" {
	# Each call period: in_house_call 01-01 08:00 to 01-02 08:00, then a
	# transition to 10:00, its actual end; the next clinical record starts
	# 14 h (c14) or 13 h 59 min (c1359) after 10:00, 16 h or 15 h 59 min
	# after the call record's own end.
	check -a --rules acgme.14h-post-call "$D/postcall.ndjson"
	assert_equal "$status" 1
	local e=2024-01-02T10:00:00+00:00
	assert_equal "$(got acgme.14h-post-call c14)" "ok 14 14 $e 2024-01-03T00:00:00+00:00"
	assert_equal "$(got acgme.14h-post-call c1359)" "violation 13.98 14 $e 2024-01-02T23:59:00+00:00"
	# home_call, then leave, in the rest do not end it ...
	assert_equal "$(got acgme.14h-post-call chome)" "ok 14 14 $e 2024-01-03T00:00:00+00:00"
	# ... and being called in does.
	assert_equal "$(got acgme.14h-post-call chci)" "violation 10 14 $e 2024-01-02T20:00:00+00:00"
}

@test "acgme.8h-between: under 8 h is advisory (exit 0, 1 with --strict); not before home_call_in" {
	check -a --rules acgme.8h-between "$D/between.ndjson"
	assert_equal "$status" 0
	assert_equal "$(got acgme.8h-between e8)" \
		"ok 8 8 2024-01-01T18:00:00+00:00 2024-01-02T02:00:00+00:00"
	assert_equal "$(got acgme.8h-between e759)" \
		"advisory 7.98 8 2024-01-01T18:00:00+00:00 2024-01-02T01:59:00+00:00"
	assert_equal "$(got acgme.8h-between ehci)" ""
	assert_equal "$(summary violations) $(summary advisories)" "0 1"

	check --strict --rules acgme.8h-between "$D/between.ndjson"
	assert_equal "$status" 1
	# Clinical 4 h before a call-in, which alone is no period to rest before.
	run --separate-stderr bash -c \
		"grep '\"ehci\"' '$D/between.ndjson' | rota-check-acgme -a --strict --rules acgme.8h-between"
	assert_equal "$status" 0
	assert_equal "$(count 'true')" 0
}

@test "acgme.q3-call: 9 calls in 28 days pass, 10 fail (3 x calls > E); touching calls are one" {
	check -a --rules acgme.q3-call --periods 28d:2024-01-01 "$D/q3.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.q3-call q9)" "ok 9 9.33 2024-01-01 2024-01-28"
	# the tenth starts on the last day of the block (and ends in the next)
	assert_equal "$(got acgme.q3-call q10)" $'violation 10 9.33 2024-01-01 2024-01-28\nok 0 9.33 2024-01-29 2024-02-25'
	assert_equal "$(got acgme.q3-call qm)" "ok 9 9.33 2024-01-01 2024-01-28"
	# a day of leave leaves the divisor: E = 27, and 3 x 9 = 27 passes
	assert_equal "$(got acgme.q3-call q9l)" "ok 9 9 2024-01-01 2024-01-28"
}

@test "acgme.pgy1-moonlighting: pgy 1 from the record or from the person record" {
	check -a --rules acgme.pgy1-moonlighting "$D/pgy1.ndjson"
	assert_equal "$status" 1
	local m="2024-01-05T18:00:00+00:00 2024-01-06T00:00:00+00:00"
	assert_equal "$(got acgme.pgy1-moonlighting m1)" "violation 1 0 $m"
	assert_equal "$(got acgme.pgy1-moonlighting m2)" "violation 1 0 $m"
	assert_equal "$(got acgme.pgy1-moonlighting m3)" ""	# PGY-2
	assert_equal "$(got acgme.pgy1-moonlighting m4)" ""	# PGY-1, no moonlighting
	assert_equal "$(summary violations)" 2
}

@test "legacy.nf-6-nights: off by default; 6 nights pass, 7 fail" {
	check -a "$D/nf.ndjson"
	assert_equal "$status" 0
	assert_equal "$(count '.rule == "legacy.nf-6-nights"')" 0

	check -a --rules +legacy.nf-6-nights "$D/nf.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got legacy.nf-6-nights n6)" "ok 6 6 2024-01-01 2024-01-06"
	assert_equal "$(got legacy.nf-6-nights n7)" "violation 7 6 2024-01-01 2024-01-07"
	# the default rules still run beside it
	assert_equal "$(got acgme.80h n7 | cut -d' ' -f1)" ok
}

# ---- time zones ---------------------------------------------------------------

@test "DST in New York: a shift across 2024-03-10 lasts 23 h, one across 2024-11-03 25 h" {
	check -a --tz America/New_York --rules acgme.24+4 "$D/dst-ny.ndjson"
	assert_equal "$(got acgme.24+4 s23)" \
		"ok 23 24 2024-03-09T20:00:00-05:00 2024-03-10T20:00:00-04:00"
	assert_equal "$(got acgme.24+4 f25)" \
		"ok 25 24 2024-11-02T20:00:00-04:00 2024-11-03T20:00:00-05:00"
	# 24 h by the clock, 23 h elapsed: the clinical hour after the call
	# starts at hour 23, and the period lasts 24 h.
	assert_equal "$(got acgme.24+4 s)" \
		"ok 24 24 2024-03-09T08:00:00-05:00 2024-03-10T09:00:00-04:00"
	# 27 h 1 min by the clock is 28 h 1 min elapsed.
	assert_equal "$(got acgme.24+4 f)" \
		"violation 28.02 24 2024-11-02T08:00:00-04:00 2024-11-03T11:01:00-05:00"
	assert_equal "$status" 1
}

@test "DST in New York: periods begin at local midnight, before and after a change" {
	check -a --tz America/New_York --rules acgme.80h --periods 28d:2024-03-10 "$D/dst-ny.ndjson"
	# 20:00 EST to midnight is 4 h; midnight EST to 20:00 EDT 19 h
	assert_equal "$(weeks s23 2024-02-11)" "[0,0,0,4]"
	assert_equal "$(weeks s23 2024-03-10)" "[19,0,0,0]"
	assert_equal "$(got acgme.80h s23)" $'ok 1 80 2024-02-11 2024-03-09\nok 4.75 80 2024-03-10 2024-04-06'
	# 20:00 EDT to midnight is 4 h; midnight EDT to 20:00 EST 21 h
	assert_equal "$(weeks f25 2024-10-20)" "[0,4,21,0]"
	check -a --tz America/New_York --rules acgme.80h --periods 28d:2024-11-03 "$D/dst-ny.ndjson"
	assert_equal "$(got acgme.80h f25)" $'ok 1 80 2024-10-06 2024-11-02\nok 5.25 80 2024-11-03 2024-11-30'
}

@test "DST in New York: a free local day of 23 h is no day off, one of 25 h is" {
	check -a --tz America/New_York --rules acgme.day-off --periods "file:$D/periods-dst.ndjson" \
		"$D/dst-dayoff.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.day-off sp)" "violation 0 1 2024-03-07 2024-03-13"
	assert_equal "$(got acgme.day-off fa)" "ok 1 1 2024-10-31 2024-11-06"
}

@test "--assume-local in Havana: a local time that does not exist (2024-03-10T00:30) is bad input" {
	check --assume-local --tz America/Havana "$D/havana-gap.ndjson"
	assert_equal "$status" 3
	assert_output ""
	assert_stderr "rota-check-acgme: $D/havana-gap.ndjson:2: start: this local time does not exist in --tz (clocks sprang over it)"
}

@test "--assume-local: a local time that happens twice is bad input (Havana, Santiago)" {
	check --assume-local --tz America/Havana "$D/havana-twice.ndjson"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: $D/havana-twice.ndjson:2: end: this local time happens twice in --tz (clocks fell back): give the offset"
	check --assume-local --tz America/Santiago "$D/santiago-twice.ndjson"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: $D/santiago-twice.ndjson:1: start: this local time happens twice in --tz (clocks fell back): give the offset"
	# without --assume-local a time without an offset is bad input anywhere
	check --tz America/Havana "$D/havana-gap.ndjson"
	assert_equal "$status" 3
	assert_stderr_line "rota-check-acgme: $D/havana-gap.ndjson:1: start: missing UTC offset (Z or +HH:MM), got \"2024-03-08T08:00:00\""
}

@test "Havana: local times read with --assume-local; days begin at 01:00 on 03-10, at the first midnight on 11-03" {
	check -a --assume-local --tz America/Havana --rules acgme.24+4,acgme.80h \
		--periods 28d:2024-03-10 "$D/havana.ndjson"
	assert_equal "$status" 0
	# 22:00 CST to 03:00 CDT is 4 h, 2 h each side of 01:00 CDT
	assert_equal "$(got acgme.24+4 h | head -n 1)" \
		"ok 4 24 2024-03-09T22:00:00-05:00 2024-03-10T03:00:00-04:00"
	assert_equal "$(weeks h 2024-02-11)" "[0,0,0,2]"
	assert_equal "$(weeks h 2024-03-10)" "[2,0,0,0]"
	# 22:00 CDT to the second 00:30 (CST) is 3.5 h: 2 h before the first
	# midnight, 1.5 h after
	assert_equal "$(got acgme.24+4 h | tail -n 1)" \
		"ok 3.5 24 2024-11-02T22:00:00-04:00 2024-11-03T00:30:00-05:00"
	check -a --assume-local --tz America/Havana --rules acgme.80h --periods 28d:2024-11-03 \
		"$D/havana.ndjson"
	assert_equal "$(weeks h 2024-10-06)" "[0,0,0,2]"
	assert_equal "$(weeks h 2024-11-03)" "[1.5,0,0,0]"
	assert_equal "$(got acgme.80h h | grep ' 2024-1[01]-0[36] ')" \
		$'ok 0.5 80 2024-10-06 2024-11-02\nok 0.38 80 2024-11-03 2024-11-30'
}

@test "Santiago: 2024-04-07 begins at 00:00-04:00, after the midnight fall-back; hours and calls fall on the right side" {
	check -a --tz America/Santiago --rules acgme.80h,acgme.q3-call,acgme.24+4 \
		--periods 28d:2024-04-07 "$D/santiago.ndjson"
	assert_equal "$status" 0
	# 22:00-03:00 to 02:00-04:00 is 5 h: 3 h on the 25-hour 6th, 2 h on the 7th
	assert_equal "$(got acgme.24+4 t)" "ok 5 24 2024-04-06T22:00:00-03:00 2024-04-07T02:00:00-04:00"
	assert_equal "$(weeks t 2024-03-10)" "[0,0,0,3]"
	assert_equal "$(weeks t 2024-04-07)" "[2,0,0,0]"
	assert_equal "$(got acgme.80h t)" $'ok 0.75 80 2024-03-10 2024-04-06\nok 0.5 80 2024-04-07 2024-05-04'
	# a call from the second 23:30 of the 6th is a call of the 6th
	assert_equal "$(got acgme.q3-call tc)" \
		$'ok 1 9.33 2024-03-10 2024-04-06\nok 1 9.33 2024-04-07 2024-05-04'
	assert_equal "$(weeks tc 2024-03-10)" "[0,0,0,0.5]"
}

# ---- periods --------------------------------------------------------------------

@test "a shift across a period edge is cut at local midnight: hours split between two months" {
	check -a --tz America/New_York --rules acgme.80h "$D/straddle.ndjson"
	assert_equal "$status" 0
	assert_equal "$(got acgme.80h m)" $'ok 0.9 80 2024-03-01 2024-03-31\nok 1.87 80 2024-04-01 2024-04-30'
	assert_equal "$(weeks m 2024-03-01)" "[0,0,0,0,4]"
	assert_equal "$(weeks m 2024-04-01)" "[8,0,0,0,0]"
	assert_equal "$(summary periods)" 2
}

@test "--periods month is the default; 28d:DATE makes 28-day blocks from DATE" {
	check -a --rules acgme.80h "$D/80h.ndjson"
	assert_equal "$status" 0	# 330 h in 31 days is 74.5 h/week
	assert_equal "$(got acgme.80h heavy)" "ok 74.52 80 2024-01-01 2024-01-31"
	assert_equal "$(weeks heavy 2024-01-01)" "[90,90,90,60,0]"
	check -a --rules acgme.80h --periods month "$D/80h.ndjson"
	assert_equal "$(got acgme.80h heavy)" "ok 74.52 80 2024-01-01 2024-01-31"
	assert_equal "$(field acgme.80h heavy message)" \
		"heavy worked 74.5 h/week on average in 2024-01 (limit 80)"
	# blocks from a week later run back before it: 2023-12-11..2024-01-07
	# holds the first week (90 h), 2024-01-08..02-04 the other 240 h
	check -a --rules acgme.80h --periods 28d:2024-01-08 "$D/80h.ndjson"
	assert_equal "$(got acgme.80h heavy)" $'ok 22.5 80 2023-12-11 2024-01-07\nok 60 80 2024-01-08 2024-02-04'
}

@test "--periods file:PATH: rotations for one person, with weekly_limit 88" {
	check -a --rules acgme.80h --periods "file:$D/periods.ndjson" "$D/80h.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.80h heavy)" "ok 82.5 88 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.80h over)" "violation 80 80 2024-01-01 2024-01-28"
	# 160 h in 14 days: exactly 80
	assert_equal "$(got acgme.80h edge)" "ok 80 80 2024-01-01 2024-01-14"
	assert_equal "$(summary periods)" 3
}

@test "--periods rolling28: every 28-day window, findings advisory only" {
	check --periods rolling28 "$D/rolling.ndjson"
	assert_equal "$status" 0
	# 35 days of data: 8 windows, each over 80 h and without a day off
	assert_equal "$(count '.rule == "acgme.80h"')" 8
	assert_equal "$(count '.rule == "acgme.day-off"')" 8
	assert_equal "$(count '.status != "advisory"')" 0
	assert_equal "$(got acgme.80h w | head -n 1)" "advisory 98 80 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.80h w | tail -n 1)" "advisory 98 80 2024-01-08 2024-02-04"
	check --strict --periods rolling28 "$D/rolling.ndjson"
	assert_equal "$status" 1
	check --periods month "$D/rolling.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.80h w | head -n 1)" "violation 98 80 2024-01-01 2024-01-31"
}

# ---- merging, leave, partial data ---------------------------------------------

@test "overlapping records: a warning naming file:line, and the time counted once" {
	check -a --periods 28d:2024-01-01 "$D/overlap.ndjson"
	assert_equal "$status" 0
	assert_stderr "rota-check-acgme: $D/overlap.ndjson:2: o1: overlaps the record of $D/overlap.ndjson:1; the time is counted once"
	# 08:00-20:00 and 12:00-22:00: 14 h, not 22
	assert_equal "$(weeks o1 2024-01-01)" "[14,0,0,0]"
	assert_equal "$(got acgme.80h o1)" "ok 3.5 80 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.24+4 o1)" "ok 14 24 2024-01-02T08:00:00+00:00 2024-01-02T22:00:00+00:00"
	assert_equal "$(summary overlaps)" 1
	check -q "$D/overlap.ndjson"
	assert_equal "$stderr" ""
}

@test "leave days leave the divisor (E = D - leave days), and leave is not a day off" {
	# lv: 275 h in 24 days, then 4 days of leave; nolv: the same, no leave
	check -a --rules acgme.80h,acgme.day-off --periods 28d:2024-01-01 "$D/leave.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.80h lv)" "violation 80.21 80 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.80h nolv)" "ok 68.75 80 2024-01-01 2024-01-28"
	# E = 24 asks for 3 days off; 4 days of leave give none
	assert_equal "$(got acgme.day-off lv)" "violation 0 3 2024-01-01 2024-01-28"
	# lvw works an hour on the second day of leave: that day stays, E = 25
	assert_equal "$(got acgme.80h lvw)" "ok 77.28 80 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off lvw)" "violation 0 3 2024-01-01 2024-01-28"
}

@test "partial coverage: day-off indeterminate when unseen days could rescue it, violation when not" {
	# p20 works 07-01..07-20, p28 07-01..07-28, 12 h a day, no day off
	check --rules acgme.day-off "$D/partial.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.day-off p20)" "indeterminate 0 4 2024-07-01 2024-07-31"
	# after 07-28 20:00 only 3 days remain: 4 days off cannot be had
	assert_equal "$(got acgme.day-off p28)" "violation 0 4 2024-07-01 2024-07-31"
	assert_equal "$(field acgme.day-off p20 message)" \
		"p20 had 0 full days off in 2024-07 (at least 4 needed; days outside the data could still make it)"
}

@test "partial coverage: --from/--to say which days the data covers" {
	# The data is all there is through 07-31: the days without records are free.
	check -a --rules acgme.day-off --from 2024-07-01 --to 2024-07-31 "$D/partial.ndjson"
	assert_equal "$(got acgme.day-off p20)" "ok 11 4 2024-07-01 2024-07-31"
	assert_equal "$(got acgme.day-off p28)" "violation 3 4 2024-07-01 2024-07-31"
	assert_equal "$status" 1
	# Only 07-01..07-20 is known: p28's later days could be free.
	check -a --rules acgme.day-off --from 2024-07-01 --to 2024-07-20 "$D/partial.ndjson"
	assert_equal "$(got acgme.day-off p28)" "indeterminate 0 4 2024-07-01 2024-07-31"
	assert_equal "$status" 0
	check --strict --rules acgme.day-off --from 2024-07-01 --to 2024-07-20 "$D/partial.ndjson"
	assert_equal "$status" 1
}

@test "--merge-gap: records 90 min apart are one period by default, two with --merge-gap 1h" {
	# 08:00-20:00, then 21:30 to 12:30 the next day
	check -a --rules acgme.24+4 "$D/merge.ndjson"
	assert_equal "$status" 1
	assert_equal "$(got acgme.24+4 g)" \
		"violation 28.5 24 2024-01-01T08:00:00+00:00 2024-01-02T12:30:00+00:00"
	check -a --rules acgme.24+4 --merge-gap 1h "$D/merge.ndjson"
	assert_equal "$status" 0
	assert_equal "$(got acgme.24+4 g)" $'ok 12 24 2024-01-01T08:00:00+00:00 2024-01-01T20:00:00+00:00\nok 15 24 2024-01-01T21:30:00+00:00 2024-01-02T12:30:00+00:00'
	# a gap of exactly the merge gap separates; one second more joins
	check -a --rules acgme.24+4 --merge-gap 90m "$D/merge.ndjson"
	assert_equal "$(count 'true')" 2
	check -a --rules acgme.24+4 --merge-gap 1h30m1s "$D/merge.ndjson"
	assert_equal "$(count 'true')" 1
}

@test "--exclude-gaps: a continuous period counts only the time worked" {
	check -a --rules acgme.24+4 --exclude-gaps "$D/merge.ndjson"
	assert_equal "$status" 0
	assert_equal "$(got acgme.24+4 g)" \
		"ok 27 24 2024-01-01T08:00:00+00:00 2024-01-02T12:30:00+00:00"
}

@test "home call breaks a day off (and so do clinical_from_home and leave)" {
	# hc, cfh, lvg: d4's records (exactly 4 days off) and one hour of
	# home_call, clinical_from_home or leave in the middle of a day off
	check -a --rules acgme.day-off --periods 28d:2024-01-01 --from 2024-01-01 --to 2024-01-28 \
		"$D/dayoff.ndjson"
	assert_equal "$(got acgme.day-off d4)" "ok 4 4 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off hc)" "violation 3 4 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off cfh)" "violation 3 4 2024-01-01 2024-01-28"
	assert_equal "$(got acgme.day-off lvg)" "violation 3 4 2024-01-01 2024-01-28"
}

# ---- output -------------------------------------------------------------------

@test "--format table: a header, one line a finding, a blank line and the summary sentence" {
	check -F table --rules acgme.24+4 "$D/call24.ndjson"
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 --regexp '^STATUS +RULE +PERSON +FROM +TO +VALUE +LIMIT +MESSAGE$'
	assert_line --index 1 --regexp '^violation +acgme\.24\+4 +p28m +2024-01-01T08:00:00\+00:00 +2024-01-02T12:01:00\+00:00 +28\.02 +24  p28m worked 28\.0 h continuously'
	assert_line --index 3 --regexp '^advisory +acgme\.24\+4 +pexc '
	assert_line --index 4 "5 people, 12 records, 0 periods: 2 violations, 1 advisories, 0 indeterminate, 2 ok"
	assert_equal "$(printf '%s\n' "$output" | sed -n 5p)" ""
	# the columns line up
	assert_equal "$(printf '%s\n' "$output" | sed -n '1,4p' | awk '{ print index($0, $5) }' | sort -u)" 78
	# no finding: no header
	check -F table --rules acgme.24+4 "$D/between.ndjson"
	assert_equal "$status" 0
	assert_output "3 people, 6 records, 0 periods: 0 violations, 0 advisories, 0 indeterminate, 6 ok"
}

@test "-a/--all: the ok results are findings too" {
	check --rules acgme.24+4 "$D/call24.ndjson"
	assert_equal "$(count '.status == "ok"')" 0
	assert_equal "$(count 'true')" 3
	check --all --rules acgme.24+4 "$D/call24.ndjson"
	assert_equal "$(count '.status == "ok"')" 2
	assert_equal "$(count 'true')" 5
	local all=$output
	check -a --rules acgme.24+4 "$D/call24.ndjson"
	assert_equal "$output" "$all"
}

@test "the summary record counts records, people, periods and results by status" {
	check -a --periods 28d:2024-01-01 "$D/leave.ndjson" "$D/overlap.ndjson"
	assert_equal "$status" 1
	assert_equal "${lines[-1]}" "$(printf '%s\n' "$output" | grep '^{"type":"summary"')"
	assert_equal "$(summary tool) $(summary tz)" "rota-check-acgme UTC"
	# 75 + 2 records; lv, nolv, lvw and o1, one block each; two overlaps
	assert_equal "$(summary records) $(summary people) $(summary periods) $(summary overlaps)" \
		"77 4 4 2"
	assert_equal "$(summary violations)" "$(count '.status == "violation"')"
	assert_equal "$(summary advisories)" "$(count '.status == "advisory"')"
	assert_equal "$(summary indeterminate)" "$(count '.status == "indeterminate"')"
	assert_equal "$(summary ok)" "$(count '.status == "ok"')"
	assert_equal "$(summary violations) $(summary indeterminate)" "3 2"
	assert_equal "$(summary checked)" "$(count 'true')"
	# without -a the same counts, and only the findings that are not ok
	local checked ok
	checked=$(summary checked) ok=$(summary ok)
	check --periods 28d:2024-01-01 "$D/leave.ndjson" "$D/overlap.ndjson"
	assert_equal "$(summary checked) $(summary ok)" "$checked $ok"
	assert_equal "$(count 'true')" $((checked - ok))
}

@test "-v names the rules that cannot be checked from data, once, on standard error" {
	check -v --rules acgme.24+4 "$D/merge.ndjson"
	assert_equal "$status" 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "${stderr_lines[0]}" 'rota-check-acgme: not evaluated (not checkable from data): at-home call "not so frequent or taxing" (VI.F.8.a) and the programme'"'"'s structure rules'
}

# ---- --sorted -----------------------------------------------------------------

@test "--sorted gives the same findings as unsorted for input grouped by person" {
	local f
	for f in dayoff.ndjson call24.ndjson q3.ndjson; do
		check -a --periods 28d:2024-01-01 "$D/$f"
		local want=$output
		check -a --sorted --periods 28d:2024-01-01 "$D/$f"
		assert_equal "$status" 1
		assert_equal "$output" "$want"
	done
	# people first, then their records: the same findings, in the order of
	# the records rather than of the person records
	check -a --periods 28d:2024-01-01 "$D/pgy1.ndjson"
	want=$(findings)
	check -a --sorted --periods 28d:2024-01-01 "$D/pgy1.ndjson"
	assert_equal "$(findings)" "$want"
}

@test "--sorted: a person who comes back is bad input (exit 3), after the findings before" {
	check --sorted "$D/unsorted.ndjson"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: $D/unsorted.ndjson:3: person: not sorted by person (seen before)"
	assert_equal "$(count '.person == "a"')" 1
	check "$D/unsorted.ndjson"
	assert_equal "$status" 0
}

@test "--sorted: a person record after that person was checked is bad input (its pgy would be lost)" {
	{
		grep -v '"type":"person"' "$D/pgy1.ndjson"
		grep '"type":"person"' "$D/pgy1.ndjson"
	} >late.ndjson
	check --sorted --rules acgme.pgy1-moonlighting late.ndjson
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: late.ndjson:6: id: not sorted by person (seen before)"
	# unsorted, the person records count wherever they are
	check --rules acgme.pgy1-moonlighting late.ndjson
	assert_equal "$status" 1
	assert_equal "$(got acgme.pgy1-moonlighting m1 | cut -d' ' -f1)" violation
}

@test "--sorted with more people than fit the first table (65 and more)" {
	awk 'BEGIN { for (i = 1; i <= 70; i++)
		printf "{\"type\":\"shift\",\"person\":\"p%03d\",\"start\":\"2024-01-01T08:00:00Z\",\"end\":\"2024-01-02T13:00:00Z\",\"kind\":\"clinical\"}\n", i }' >many.ndjson
	check --sorted many.ndjson
	local sorted=$output
	check many.ndjson
	assert_equal "$sorted" "$output"
	assert_equal "$(summary violations)" 70
	# p064 was checked when the 65th person came: it may not come back
	printf '%s\n' '{"type":"shift","person":"p064","start":"2024-01-05T08:00:00Z","end":"2024-01-05T09:00:00Z","kind":"clinical"}' >>many.ndjson
	check --sorted many.ndjson
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: many.ndjson:71: person: not sorted by person (seen before)"
}

# ---- bad input, usage ---------------------------------------------------------

@test "bad input exits 3 with FILE:LINE: field: message and writes no summary" {
	check "$D/bad-end.ndjson"
	assert_equal "$status" 3
	assert_output ""
	assert_stderr "rota-check-acgme: $D/bad-end.ndjson:2: end: 2024-01-02T08:00:00Z is not after start (2024-01-02T08:00:00Z)"

	check "$D/no-kind.ndjson"
	assert_equal "$status" 3
	assert_output ""
	assert_stderr "rota-check-acgme: $D/no-kind.ndjson:2: kind: the check needs the kind of work (clinical, …)"

	check "$D/no-offset.ndjson"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: $D/no-offset.ndjson:2: start: missing UTC offset (Z or +HH:MM), got \"2024-01-02T08:00:00\""

	check "$D/bad-json.ndjson"
	assert_equal "$status" 3
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "${stderr_lines[0]}" "^rota-check-acgme: $D/bad-json\.ndjson:3: invalid JSON"

	# from standard input, the file is "-"
	run --separate-stderr bash -c "rota-check-acgme <'$D/bad-end.ndjson'"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: -:2: end: 2024-01-02T08:00:00Z is not after start (2024-01-02T08:00:00Z)"
}

@test "usage errors exit 2: bad --periods, unknown --rules id, bad --tz" {
	local args
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		check $args "$D/call24.ndjson"
		assert_equal "$status" 2
		assert_output ""
		assert_stderr "rota-check-acgme: $want"
	done <<'EOF'
--periods week|--periods: expected month, 28d:YYYY-MM-DD, file:PATH or rolling28, got "week"
--periods 28d:2024-13-01|--periods 28d: month out of range 01..12, got "2024-13-01"
--periods file:|--periods: expected month, 28d:YYYY-MM-DD, file:PATH or rolling28, got "file:"
--rules acgme.90h|--rules: no rule "acgme.90h" (rota-check-acgme --help lists them)
--rules +acgme.day-of|--rules: no rule "acgme.day-of" (rota-check-acgme --help lists them)
--tz ../etc/passwd|--tz: "../etc/passwd" is not a time zone name (like America/New_York)
--from 2024-02-01 --to 2024-01-31|--to is before --from
EOF
	check --tz Mars/Olympus "$D/call24.ndjson"
	assert_equal "$status" 2
	assert_regex "$stderr" '^rota-check-acgme: --tz: no time zone "Mars/Olympus"'
	check --assume-local "$D/call24.ndjson"
	assert_equal "$status" 2
	assert_stderr "rota-check-acgme: --assume-local needs --tz: local to which zone?"
	check --db x.db "$D/call24.ndjson"
	assert_equal "$status" 2
}

@test "bad period records exit 3 with FILE:LINE: field: message" {
	local rec want
	while IFS='|' read -r rec want; do
		printf '%s\n%s\n' '{"from":"2024-01-01","to":"2024-01-28"}' "$rec" >p.ndjson
		check --periods file:p.ndjson "$D/merge.ndjson"
		assert_equal "$status" 3
		assert_output ""
		assert_stderr "rota-check-acgme: p.ndjson:2: $want"
	done <<'EOF'
{"from":"2024-01-01","to":"2023-12-31"}|to: before from
{"from":"2024-01-01","to":"2024-01-28","weekly_limit":84}|weekly_limit: expected 80 or 88
{"from":"2024-01-01","to":"2024-01-28","person":""}|person: expected a person's id
{"to":"2024-01-28"}|from: expected a date YYYY-MM-DD
EOF
	check --periods file:nowhere.ndjson "$D/merge.ndjson"
	assert_equal "$status" 3
	assert_stderr "rota-check-acgme: --periods: nowhere.ndjson: No such file or directory"
}

@test "--rules: a plain list replaces the default set, +ID adds, -ID removes, all is every rule" {
	check -a --rules acgme.80h,acgme.q3-call "$D/nf.ndjson"
	assert_equal "$(rules_seen)" "acgme.80h acgme.q3-call"
	check -a --rules -acgme.day-off,-acgme.80h "$D/nf.ndjson"
	assert_equal "$(rules_seen)" "acgme.24+4 acgme.8h-between acgme.q3-call"
	check -a --rules all,-acgme.day-off "$D/nf.ndjson"
	assert_equal "$status" 1
	assert_equal "$(rules_seen)" "acgme.24+4 acgme.80h acgme.8h-between acgme.q3-call legacy.nf-6-nights"
}

# ---- records and stores -------------------------------------------------------

@test "assignment records with start, end and kind count like shift records" {
	check -a --rules acgme.24+4 "$D/assign.ndjson"
	assert_equal "$status" 1
	local got_assign=$output
	run --separate-stderr bash -c "grep '\"plate\"' '$D/call24.ndjson' | rota-check-acgme -a --rules acgme.24+4"
	assert_equal "$status" 1
	assert_equal "$got_assign" "$output"
	assert_equal "$(got acgme.24+4 plate)" \
		"violation 25 24 2024-01-01T08:00:00+00:00 2024-01-02T09:00:00+00:00"
}

@test "--db: the records of an SQLite store give the same findings as the file" {
	{
		cat "$D/pgy1.ndjson" "$D/call24.ndjson"
		sed 's/"plate"/"plate2"/' "$D/assign.ndjson"
	} >in.ndjson
	run -0 rota-import -q --db s.db in.ndjson
	check -a --periods 28d:2024-01-01 in.ndjson
	assert_equal "$status" 1
	local want want_summary
	want=$(findings) want_summary=${lines[-1]}
	check -a --periods 28d:2024-01-01 --db s.db
	assert_equal "$status" 1
	assert_equal "$stderr" ""
	assert_equal "$(findings)" "$want"
	assert_equal "${lines[-1]}" "$want_summary"
	# pgy from the stored person record, exception from the stored shift
	assert_equal "$(got acgme.pgy1-moonlighting m1 | cut -d' ' -f1)" violation
	assert_equal "$(got acgme.24+4 pexc | cut -d' ' -f1)" advisory
	assert_equal "$(got acgme.24+4 plate2 | cut -d' ' -f1)" violation
}

# ---- --cache ----------------------------------------------------------------

# gen_year N: N residents, 120 days from 2024-01-01 each, sorted by person:
# day shifts, a 24-hour call every fifth day, leave now and then; UTC.
gen_year() {
	awk -v n="$1" 'BEGIN {
		for (p = 1; p <= n; p++)
			for (d = 0; d < 120; d++) {
				t = 1704067200 + d * 86400
				k = (d + p) % 7
				if (k == 6) continue
				kind = (d + p) % 5 == 0 ? "in_house_call" : ((d + 2 * p) % 37 == 0 ? "leave" : "clinical")
				len = kind == "in_house_call" ? 24 : (k == 5 ? 6 : 10 + (d * p) % 4)
				printf "{\"type\":\"shift\",\"person\":\"r%02d\",\"start\":\"%s\",\"end\":\"%s\",\"kind\":\"%s\"}\n",
					p, iso(t + 7 * 3600), iso(t + (7 + len) * 3600), kind
			}
	}
	function iso(s,   cmd, r) {
		cmd = "date -u -d @" s " +%Y-%m-%dT%H:%M:%SZ"; cmd | getline r; close(cmd); return r
	}'
}

# findings_of FILE: the output without the summary's cache counts.
findings_of() {
	sed -E 's/,"cache_hits":[0-9]+,"cache_misses":[0-9]+//' "$1"
}

@test "--cache: a re-check replays every person; after an edit only that person is checked again" {
	export ROTA_CACHE=$BATS_TEST_TMPDIR/c/cache.db
	gen_year 6 >y.ndjson
	rota-check-acgme --rules all --sorted y.ndjson >full.out || true
	rota-check-acgme --rules all --sorted --cache y.ndjson >cold.out || true
	rota-check-acgme --rules all --sorted --cache y.ndjson >warm.out || true
	assert_equal "$(findings_of cold.out)" "$(cat full.out)"
	assert_equal "$(findings_of warm.out)" "$(cat full.out)"
	assert_equal "$(tail -1 cold.out | jq -c '[.cache_hits, .cache_misses]')" '[0,6]'
	assert_equal "$(tail -1 warm.out | jq -c '[.cache_hits, .cache_misses]')" '[6,0]'
	# One record of r03 longer by three hours.
	line=$(grep -n '"person":"r03"' y.ndjson | sed -n 40p | cut -d: -f1)
	sed -i -E "${line}s/T([0-9]{2}):00:00Z\",\"kind/T\\1:00:00Z\",\"kind/; ${line}s/(\"end\":\"[0-9-]+T)([0-9]{2})/\\1XX\\2/" y.ndjson
	sed -i -E "${line}s/XX([0-9]{2})/$(printf '%02d' 23)/" y.ndjson
	rota-check-acgme --rules all --sorted y.ndjson >full2.out || true
	rota-check-acgme --rules all --sorted --cache y.ndjson >warm2.out || true
	assert_equal "$(findings_of warm2.out)" "$(cat full2.out)"
	assert_equal "$(tail -1 warm2.out | jq -c '[.cache_hits, .cache_misses]')" '[5,1]'
	run -0 rota-cache -n acgme stats --format json
	assert_equal "$(printf '%s\n' "$output" | jq '.namespaces[0].entries')" 7
}

@test "--cache: random edits, unsorted and sorted: always the output of a full check" {
	export ROTA_CACHE=$BATS_TEST_TMPDIR/c/cache.db
	gen_year 5 >y.ndjson
	total=$(wc -l <y.ndjson)
	for i in $(seq 1 12); do
		# Move one record's end by a random number of minutes (still after
		# its start), or swap two lines (unsorted order), or drop one.
		l=$(( (RANDOM % total) + 1 ))
		case $((RANDOM % 3)) in
		0) m=$(printf '%02d' $((RANDOM % 60)))
		   sed -i -E "${l}s/(\"end\":\"[0-9-]+T[0-9]{2}:)[0-9]{2}/\\1$m/" y.ndjson ;;
		1) sed -i "${l}s/clinical/education/" y.ndjson ;;
		2) sed -i "${l}d" y.ndjson; total=$((total - 1)) ;;
		esac
		for mode in --sorted ""; do
			rota-check-acgme --rules all $mode y.ndjson >full.out 2>/dev/null || true
			rota-check-acgme --rules all $mode --cache y.ndjson >cached.out 2>/dev/null || true
			assert_equal "$(findings_of cached.out)" "$(cat full.out)"
		done
	done
	# And shuffled: the unsorted check groups by person all the same.
	shuf --random-source=<(yes) y.ndjson >s.ndjson
	rota-check-acgme --rules all s.ndjson >full.out 2>/dev/null || true
	rota-check-acgme --rules all --cache s.ndjson >cached.out 2>/dev/null || true
	assert_equal "$(findings_of cached.out)" "$(cat full.out)"
}

@test "--cache: the options are in the key; bad lines are still errors; not with --db" {
	export ROTA_CACHE=$BATS_TEST_TMPDIR/c/cache.db
	gen_year 2 >y.ndjson
	rota-check-acgme --cache y.ndjson >a.out || true
	rota-check-acgme --cache --periods 28d:2024-01-01 y.ndjson >b.out || true
	rota-check-acgme --periods 28d:2024-01-01 y.ndjson >c.out || true
	assert_equal "$(findings_of b.out)" "$(cat c.out)"
	assert_equal "$(tail -1 b.out | jq .cache_misses)" 2
	printf '%s\n' '{"type":"shift","person":"r01","start":"2024-01-02T07:00:00Z","end":"2024-01-02T05:00:00Z","kind":"clinical"}' >>y.ndjson
	check --cache y.ndjson
	assert_failure 3
	assert_stderr 'rota-check-acgme: y.ndjson:'"$(wc -l <y.ndjson)"': end: 2024-01-02T05:00:00Z is not after start (2024-01-02T07:00:00Z)'
	check --cache --db x.db
	assert_failure 2
}
