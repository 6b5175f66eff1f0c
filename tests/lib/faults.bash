# tests/lib/faults.bash: loaded by the fault-injection tests (faults.bats,
# faults-pg.bats) after helpers.bash: commands run in the background and
# killed with SIGKILL at a point or after a random delay, and what they
# left compared with the state before and the state after.
#
# The delays come from $RANDOM, seeded by fault_seed from $FAULT_SEED or
# the clock; a failure names the seed, and FAULT_SEED=N replays the same
# delays (the machine's speed still decides where they land).

# fault_seed: seeds $RANDOM; the seed is $SEED.
fault_seed() {
	SEED=${FAULT_SEED:-$(($(date +%s%N) / 1000 % 32768))}
	RANDOM=$SEED
}

# lose WHAT: fails the test, naming the seed and the kill ($i).
lose() {
	fail "seed $SEED, kill ${i:-?}: $*"
}

# bg CMD...: starts CMD in the background, its output in bg.out and bg.err
# (fd 3, bats' own, closed), its input the caller's (without <&0 a
# background command reads /dev/null); $BG is its pid.
bg() {
	"$@" <&0 >bg.out 2>bg.err 3>&- &
	BG=$!
}

# reap: kills $BG with SIGKILL unless it has ended, and waits for it.
# $BG_ST is its status: 137 when the signal killed it, else its own exit
# status, which must then be 0 (it ended before the signal came).
reap() {
	kill -9 "$BG" 2>/dev/null || true
	BG_ST=0
	wait "$BG" 2>/dev/null || BG_ST=$?
	if [ "$BG_ST" -ne 137 ] && [ "$BG_ST" -ne 0 ]; then
		lose "the command exited $BG_ST: $(cat bg.err)"
	fi
}

# sleep_ms N: sleeps N milliseconds.
sleep_ms() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# rand_ms N: a random number of milliseconds from 0 to N.
rand_ms() {
	echo $((RANDOM % ($1 + 1)))
}

# until_size FILE BYTES: waits, while $BG runs, until FILE holds BYTES bytes
# or more; 1 when $BG ended first.
until_size() {
	local n
	while kill -0 "$BG" 2>/dev/null; do
		n=$(stat -c %s "$1" 2>/dev/null) || n=0
		((n >= $2)) && return 0
		sleep 0.002
	done
	return 1
}

# until_glob PATTERN: waits, while $BG runs, until a file matches PATTERN
# (a glob); 1 when $BG ended first.
until_glob() {
	while kill -0 "$BG" 2>/dev/null; do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.002
	done
	return 1
}

# until_true CMD...: waits, while $BG runs, until CMD succeeds; 1 when $BG
# ended first.
until_true() {
	while kill -0 "$BG" 2>/dev/null; do
		"$@" && return 0
		sleep 0.005
	done
	return 1
}

# elapsed_ms CMD...: runs CMD (its output thrown away) and prints how many
# milliseconds it took; fails when CMD fails.
elapsed_ms() {
	local t0
	t0=$(ms)
	"$@" >/dev/null 2>&1 || return 1
	echo $(($(ms) - t0))
}

# tally: a line for the TAP output, "# NAME: K kills, what they left".
tally() {
	local name=${BATS_TEST_DESCRIPTION#PostgreSQL: }
	echo "# ${BATS_TEST_DESCRIPTION%%"$name"}${name%%:*}: $*" >&3
}

# gen_benchmark PEOPLE DAYS: a staff-rostering benchmark problem (one slot
# a day, four shifts) as records, from 2024-01-01; its LP file is about
# 400 bytes a person and day.
gen_benchmark() {
	awk -v people="$1" -v days="$2" '
	function date(d,   m) {
		for (m = 1; d >= ml[m]; m++)
			d -= ml[m]
		return sprintf("2024-%02d-%02d", m, d + 1)
	}
	BEGIN {
		split("31 29 31 30 31 30 31 31 30 31 30 31", ml, " ")
		split("D E L N", a, " ")
		printf "{\"type\":\"horizon\",\"id\":\"bench\",\"start\":\"2024-01-01\",\"days\":%d,\"slots\":[\"DAY\"]}\n", days
		for (t = 1; t <= 4; t++)
			printf "{\"type\":\"activity\",\"id\":\"%s\",\"slot\":\"DAY\",\"minutes\":480,\"not_followed_by\":[\"%s\"]}\n", a[t], a[t % 4 + 1]
		for (p = 1; p <= people; p++) {
			printf "{\"type\":\"person\",\"id\":\"p%d\"}\n", p
			printf "{\"type\":\"limit\",\"person\":\"p%d\",\"max_minutes\":%d,\"max_consecutive\":5,\"min_consecutive_off\":2,\"max_weekends\":%d}\n", p, days * 400, days / 14
			printf "{\"type\":\"request\",\"person\":\"p%d\",\"date\":\"%s\",\"activity\":\"*\",\"want\":\"off\",\"weight\":%d}\n", p, date(p % days), 1 + p % 5
		}
		for (d = 0; d < days; d++)
			for (t = 1; t <= 4; t++)
				printf "{\"type\":\"cover\",\"date\":\"%s\",\"slot\":\"DAY\",\"activity\":\"%s\",\"want\":%d}\n", date(d), a[t], 1 + (d + t) % 3
	}'
}

# cal_state DIR: a line "NAME CONTENT" for each calendar DIR/*.ics, its
# lines joined by |, the DTSTAMP lines (the time of writing) left out, so
# that two writings of one schedule compare equal.  An empty file has no
# line.
cal_state() {
	local f=("$1"/*.ics)
	[ -e "${f[0]}" ] || return 0
	awk 'FNR == 1 { if (NR > 1) print ""; n = FILENAME; sub(/.*\//, "", n); printf "%s ", n }
		!/^DTSTAMP:/ { sub(/\r$/, ""); printf "%s|", $0 }
		END { if (NR) print "" }' "${f[@]}"
}

# cal_whole DIR OLD NEW: each calendar of DIR is the one of state OLD or the
# one of state NEW (cal_state files) and they are all there; $CAL_NEW is
# how many were NEW.  Anything else left in DIR must be a temporary file of
# a calendar ("NAME.ics." and 12 random letters and digits), which a
# SIGKILL leaves behind.
cal_whole() {
	local dir=$1 name text f
	local -A old=() new=() got=()
	while read -r name text; do old[$name]=$text; done <"$2"
	while read -r name text; do new[$name]=$text; done <"$3"
	while read -r name text; do got[$name]=$text; done < <(cal_state "$dir")
	CAL_NEW=0
	for name in "${!old[@]}"; do
		[ -n "${got[$name]+set}" ] || lose "$dir/$name is missing or empty"
		if [ "${got[$name]}" = "${new[$name]}" ]; then
			CAL_NEW=$((CAL_NEW + 1))
		elif [ "${got[$name]}" != "${old[$name]}" ]; then
			lose "$dir/$name is neither the old calendar nor the new: $(head -c 300 "$dir/$name")"
		fi
	done
	[ "${#got[@]}" -eq "${#old[@]}" ] || lose "$dir holds other calendars: $(ls "$dir" | tr '\n' ' ')"
	for f in "$dir"/*; do
		case ${f##*/} in
		*.ics) ;;
		*.ics.????????????) ;;
		*) lose "$f: not a calendar" ;;
		esac
	done
}

# json_line TEXT: TEXT is one whole JSON object.
json_line() {
	[ -n "$1" ] && printf '%s\n' "$1" | jq -e 'type == "object"' >/dev/null 2>&1
}

# expect GOT WANT WHAT: GOT is WANT, else the test fails (naming the seed).
expect() {
	[ "$1" = "$2" ] || lose "$3: got \"$1\", expected \"$2\""
}

# kill_runs KILLS MOST MS: the loop of a kill test.  Up to MOST times,
# until KILLS kills have landed (the command was still running): calls the
# test's start_one, which starts the command with bg; kills it after a
# random delay of 0 to 0.9 MS ms (MS: how long a whole run took), then
# calls the test's check_one.  A run that ended before the signal came
# shrinks the range by a fifth: the machine was quicker than when MS was
# measured.  MOST is well above KILLS: on a loaded machine a run's length
# varies, and 8 kills in 12 runs failed about one CI run in six.
# $KILLED and $RUNS count; $i is the run.
kill_runs() {
	local want=$1 most=$2 range=$(($3 * 9 / 10))
	KILLED=0 RUNS=0
	for ((i = 1; i <= most && KILLED < want; i++)); do
		RUNS=$i
		start_one
		sleep_ms "$(rand_ms "$range")"
		reap
		if [ "$BG_ST" -eq 137 ]; then
			KILLED=$((KILLED + 1))
		else
			range=$((range * 4 / 5))
		fi
		check_one
	done
	((KILLED >= want)) || fail "only $KILLED of $RUNS runs were killed before they ended (seed $SEED)"
}
