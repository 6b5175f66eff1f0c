# tests/helpers.bash: loaded by every rota bats file (`load helpers`).
#
# Puts the tools under test first on PATH ($ROTA_BIN, set by tests/run to the
# absolute build folder; default <repo>/build), loads bats-support and
# bats-assert, and gives the small helpers the rota-import tests share.

bats_require_minimum_version 1.5.0

ROTA_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
ROTA_BIN=${ROTA_BIN:-$ROTA_TOP/build}
PATH=$ROTA_BIN:$PATH
DATA=$ROTA_TOP/tests/data
export ROTA_TOP ROTA_BIN PATH DATA

# Results must not depend on the caller's locale, zone or environment.
export LC_ALL=C TZ=UTC
unset ROTA_DB ROTA_BUSY_TIMEOUT_MS NO_COLOR
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGPASSWORD PGOPTIONS

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# ---- standard error ------------------------------------------------------
# Use with `run --separate-stderr`.  The summary line ends in a rate
# ("…, 41234 rows/s") that changes from run to run: it reads "N rows/s" here.

stderr_norm() {
	printf '%s\n' "$stderr" | sed -E 's/, [0-9]+ rows\/s$/, N rows\/s/'
}

# assert_stderr TEXT: standard error is exactly TEXT (rate normalised);
# TEXT - reads it from standard input.
assert_stderr() {
	local want=$1 got
	[ "$want" = - ] && want=$(cat)
	got=$(stderr_norm)
	if [ "$got" != "$want" ]; then
		batslib_print_kv_single_or_multi 8 expected "$want" actual "$got" |
			batslib_decorate 'standard error differs' | fail
	fi
}

# assert_stderr_line LINE: one line of standard error is exactly LINE.
assert_stderr_line() {
	if ! stderr_norm | grep -qxF -- "$1"; then
		batslib_print_kv_single_or_multi 8 line "$1" stderr "$(stderr_norm)" |
			batslib_decorate 'no such line in standard error' | fail
	fi
}

# refute_stderr_line TEXT: no line of standard error contains TEXT.
refute_stderr_line() {
	if stderr_norm | grep -qF -- "$1"; then
		batslib_print_kv_single_or_multi 8 text "$1" stderr "$(stderr_norm)" |
			batslib_decorate 'standard error contains it' | fail
	fi
}

# assert_summary COUNTS: the last line of standard error is the summary
# "rota-import: COUNTS, N rows/s".
assert_summary() {
	local last
	last=$(stderr_norm | tail -n 1)
	assert_equal "$last" "rota-import: $1, N rows/s"
}

# ---- data ----------------------------------------------------------------

# "TYPE COUNT" for each record type in NDJSON on standard input, by type.
type_counts() {
	sed -n 's/^{"type":"\([a-z]*\)".*/\1/p' | sort | uniq -c | awk '{ print $2, $1 }'
}

# gen_people N [FIRST]: N person records p<FIRST>… as NDJSON.
gen_people() {
	awk -v n="$1" -v first="${2:-1}" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "{\"type\":\"person\",\"id\":\"p%d\",\"pgy\":%d}\n", i, 1 + i % 5
	}'
}

# mixed_people FILE: 25 good people, 2 bad rows (lines 26 and 27), 5 good
# (p26…p30), 1 bad (line 33).
mixed_people() {
	{
		gen_people 25
		echo '{"a":1,}'
		echo '{"type":"person","id":"px","pgy":0}'
		gen_people 5 26
		echo '{"type":"nurse"}'
	} >"$1"
}

# gen_requests_ndjson N / gen_requests_csv N: N requests with distinct keys
# (person p1…pN) and weight i, so sum(weight) = N(N+1)/2.
gen_requests_ndjson() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"type\":\"request\",\"person\":\"p%d\",\"date\":\"2026-%02d-%02d\",\"want\":\"on\",\"weight\":%d}\n",
				i, 1 + i % 12, 1 + i % 28, i
	}'
}
gen_requests_csv() {
	awk -v n="$1" 'BEGIN {
		print "person,date,want,weight"
		for (i = 1; i <= n; i++)
			printf "p%d,2026-%02d-%02d,on,%d\n", i, 1 + i % 12, 1 + i % 28, i
	}'
}

# request_keys FILE: the checksum of the sorted "person|date" keys of a file
# made by gen_requests_*; compare with store_request_keys of a store.
request_keys() {
	case $1 in
	*.csv) sed -n '2,$s/^\([^,]*\),\([^,]*\),.*/\1|\2/p' "$1" ;;
	*) sed -E 's/.*"person":"([^"]*)","date":"([^"]*)".*/\1|\2/' "$1" ;;
	esac | sort | cksum
}

# ---- stores --------------------------------------------------------------

sq() {
	sqlite3 -batch "$@"
}

# list_of H P S A C AB R L AS SH F: the --list output of a store holding that many
# horizon, person, activity, cover, absence, request, limit, assignment and
# finding records.
list_of() {
	local types=(horizon person site activity cover absence request limit assignment shift finding) i=0 n
	printf '%-12s %12s\n' TYPE RECORDS
	for n in "$@"; do
		printf '%-12s %12s\n' "${types[i++]}" "$n"
	done
}

# new_store STORE: makes an empty rota store (an import of no rows).
new_store() {
	rota-import -q --db "$1" </dev/null
}

# resume_msg ROWS BATCHES: what rota-import says when it resumes an import.
resume_msg() {
	local rows=$1 batches=$2
	printf 'rota-import: resuming: the first %s row%s (%s batch%s) were committed by an earlier run' \
		"$rows" "$([ "$rows" = 1 ] || echo s)" "$batches" "$([ "$batches" = 1 ] || echo es)"
}

# Runs a command with its standard output on /dev/full.
to_full() {
	"$@" >/dev/full
}

# kill_midway COUNT-COMMAND ROTA-IMPORT-ARGS...: starts rota-import in the
# background, waits until COUNT-COMMAND prints a number ≥ 3 (committed
# batches), then kills it with SIGKILL.  Fails when rota-import ended before
# it could be killed (make the input larger) or was not killed by the signal.
kill_midway() {
	local count=$1 n i pid st=0
	shift
	rota-import "$@" >"$BATS_TEST_TMPDIR/killed.out" 2>"$BATS_TEST_TMPDIR/killed.err" 3>&- &
	pid=$!
	for ((i = 0; i < 3000; i++)); do
		n=$($count 2>/dev/null) || n=0
		if [[ $n =~ ^[0-9]+$ ]] && ((n >= 3)); then
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "kill_midway: rota-import ended before it could be killed" >&2
			return 1
		fi
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || st=$?
	if [ "$st" -ne 137 ]; then
		echo "kill_midway: rota-import exited with $st, not killed (137)" >&2
		cat "$BATS_TEST_TMPDIR/killed.err" >&2
		return 1
	fi
}

# start_holder SQL COMMAND...: starts COMMAND (an SQL shell) reading its
# statements from the FIFO ./ctl, held open on fd 4 so the session stays
# until the test writes COMMIT and closes fd 4; sends it SQL, which must end
# by creating ./locked once its lock is held, and waits for that file.
# Sets holder to the session's pid.
start_holder() {
	local sql=$1
	shift
	mkfifo ctl
	"$@" <ctl >holder.out 2>&1 3>&- &
	holder=$!
	exec 4>ctl
	printf '%s' "$sql" >&4
	local i
	for ((i = 0; i < 500; i++)); do
		[ -e locked ] && break
		sleep 0.01
	done
	[ -e locked ]
}

# wait_for FILE: until FILE exists (5 s at most).
wait_for() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.01
	done
	echo "wait_for: $1 never appeared" >&2
	return 1
}

# ms: milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# test_dir: a folder of the test's own to work in (bats keeps files of its
# own in $BATS_TEST_TMPDIR).
test_dir() {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
}

# pg_teardown_file: stops the file's throwaway server ($PGDIR), if one started.
pg_teardown_file() {
	if [ -n "${PGDIR:-}" ]; then
		"$ROTA_TOP/tests/lib/pgserver" stop "$PGDIR"
	fi
}
