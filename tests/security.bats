#!/usr/bin/env bats
# tests/security.bats: no SQL made from data (scripts/check-sql, and the
# checker's own failure); hostile names (tests/hostile.bash) through every
# tool on SQLite stores, whose file name is hostile too: they come back
# byte for byte, in valid JSON, with every table still there; nothing is
# written outside rota-solve's -o folder; control characters reach no
# terminal; the modes of the files rota makes under umask 022 and 077;
# symbolic links planted where rota makes a lock, a log or a file.
#
# The PostgreSQL side is tests/security-pg.bats.

load helpers
load hostile

setup_file() {
	hostile_programme >"$BATS_FILE_TMPDIR/prog.ndjson"
	# What rota-import makes of it: the records with their defaults.
	rota-import -q "$BATS_FILE_TMPDIR/prog.ndjson" >"$BATS_FILE_TMPDIR/canon.ndjson"
}

setup() {
	test_dir
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache/cache.db
	unset XDG_CACHE_HOME
	PROG=$BATS_FILE_TMPDIR/prog.ndjson
	CANON=$BATS_FILE_TMPDIR/canon.ndjson
	# A store whose file name would break SQL, a shell line or a format.
	DB="./it's \"a\" %s;\$(x) é.db"
}

# ---- helpers of this file ---------------------------------------------------

# tables_intact STORE: every table of the schema is there.
tables_intact() {
	local t
	for t in horizons people sites activities covers absences requests limits assignments shifts findings \
		rota_schema rota_import; do
		sq "$1" "SELECT count(*) FROM \"$t\"" >/dev/null || fail "table $t is gone from $1"
	done
}

# solve ARGS...: a quick, reproducible search.
solve() {
	rota-solve -q -j 1 --moves 20000 --no-cache "$@"
}

# no_control FILE: FILE holds no control character but tab and LF (CR
# only before LF when CRLF is allowed: no_control FILE crlf).
no_control() {
	if [ "${2:-}" = crlf ]; then
		! tr -d '\r\n\t' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]' || fail "$1 holds control characters"
		! sed 's/\r$//' "$1" | LC_ALL=C grep -q $'\r' || fail "$1 holds a bare CR"
	else
		! tr -d '\n\t' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]' || fail "$1 holds control characters"
	fi
}

mode() {
	stat -c %a "$1"
}

# ---- SQL is never made from data ---------------------------------------------

@test "scripts/check-sql: every call that builds SQL text in lib/ and cmd/ is marked" {
	run -0 "$ROTA_TOP/scripts/check-sql"
	assert_output ""
	# The markers are what a reviewer greps for.
	run -0 grep -c 'sql: fixed identifiers only' "$ROTA_TOP/lib/mview.c"
}

@test "scripts/check-sql fails on data formatted or appended into SQL, naming FILE:LINE, and passes marked calls" {
	cat >bad.c <<'EOF'
static void
f(struct sbuf *b, const char *id, char *q, size_t n)
{
	snprintf(q, n, "SELECT * FROM people WHERE id = '%s'", id);
	sbuf_addf(b,
		"UPDATE people SET name = '%s' "
		"WHERE id = 1", id);
	strcat(q, " WHERE id = ");
	strcat(q, id);
	sbuf_adds(b, "DELETE FROM people");
	/* sql: fixed identifiers only */
	sbuf_addf(b, "SELECT count(*) FROM \"%s\"", "people");
	sbuf_addf(b, "INSERT INTO t VALUES (1)");	/* sql: fixed identifiers only */
	snprintf(q, n, "%s: expected an integer, got \"%s\"", "pgy", id);
	fprintf(stderr, "SELECT %s\n", id);
	rota_warnx("cannot open %s", ")(");
}
EOF
	run -1 "$ROTA_TOP/scripts/check-sql" bad.c
	assert_output - <<'EOF'
bad.c:4: snprintf(q, n, "SELECT * FROM people WHERE id = '%s'", id);
bad.c:5: sbuf_addf(b,
bad.c:8: strcat(q, " WHERE id = ");
bad.c:10: sbuf_adds(b, "DELETE FROM people");
EOF
	# A file without such calls passes; so does no call at all.
	printf 'int\nmain(void)\n{\n\treturn 0;\n}\n' >good.c
	run -0 "$ROTA_TOP/scripts/check-sql" good.c
	assert_output ""
}

# ---- hostile names through every tool -----------------------------------------

@test "hostile names: NDJSON into an SQLite store with a hostile file name, and back byte for byte" {
	run -0 --separate-stderr rota-import --db "$DB" "$PROG"
	assert_output ""
	assert_summary '15 read, 15 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr rota-import --db "$DB" --dump
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | canonical)" "$(canonical "$CANON")"
	has_ids id "${H_PEOPLE[@]}" "$H_ACT" "$H_CALL" "$H_SITE" "$H_HOR"
	# The unknown field with a hostile name, kept in "extra".
	assert_equal "$(printf '%s\n' "$output" | jq -r --arg k "$H_KEY" 'select(.type == "limit") | .[$k]')" "$H_NAME"
	assert_equal "$(sq "$DB" "SELECT count(*) FROM people")" 6
	tables_intact "$DB"
	# Loaded again: the same rows, once.
	run -0 --separate-stderr rota-import --db "$DB" "$PROG"
	assert_equal "$(rota-import --db "$DB" --dump | canonical)" "$(canonical "$CANON")"
}

@test "hostile names: CSV with quoted cells (quotes, commas, line breaks) into SQLite, and back byte for byte" {
	csv_round_trip "$DB" "$H_P2"
	tables_intact "$DB"
}

@test "hostile names: rota-solve from a file and from the store: the same schedule, ids byte for byte" {
	run -0 --separate-stderr solve "$PROG"
	assert_equal "$stderr" ""
	all_json
	local from_file=$output
	# Both covers filled: two people on the activity, a resident on call.
	assert_equal "$(printf '%s\n' "$output" | jq -r --arg a "$H_ACT" 'select(.activity == $a) | .slot' | uniq -c | awk '{ print $1 }')" 2
	has_ids activity "$H_CALL"
	has_ids slot "$H_SLOT" CALL
	printf '%s\n' "$output" | jq -e -s --args '[.[] | select(.type == "assignment") | .person] - $ARGS.positional == []' \
		"${H_PEOPLE[@]}" >/dev/null || fail "a person who is not in the programme: $output"
	# The summary's people are keyed by the ids.
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "summary") | .people | keys[]' | LC_ALL=C sort)" \
		"$(printf '%s\n' "${H_PEOPLE[@]}" | LC_ALL=C sort)"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "summary") | .legal')" true
	# From the store: what a file of the store's records gives (the
	# store returns them in key order, which seeds the search).
	rota-import -q --db "$DB" "$PROG"
	rota-import --db "$DB" --dump >dump.ndjson
	run -0 --separate-stderr solve --db "$DB"
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | grep '"assignment"')" "$(solve dump.ndjson | grep '"assignment"')"
	has_ids activity "$H_ACT" "$H_CALL"
	# Loaded back into the store, as rota(7) says.
	printf '%s\n' "$output" | rota-import -q --db "$DB"
	assert_equal "$(sq "$DB" 'SELECT count(*) FROM assignments')" 3
	tables_intact "$DB"
}

@test "hostile names: rota-solve -F table: the ids as they are, a name's control characters shown as \\xHH" {
	run -0 --separate-stderr solve -F table "$PROG"
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >table.txt
	no_control table.txt
	local p
	for p in "${H_PEOPLE[@]}"; do
		grep -qF -- "$p" table.txt || fail "no $p in the table"
	done
	assert_line --partial "$H_ACT: Name with\\x0anewline\\x0d\\x0a\\x09and tab \\ and \\x01\\x1b[31m control"
	assert_line --partial "$H_CALL: $H_P2 (CALL, 17:00, 840 min)"
}

@test "hostile names: rota-solve -F ics: a calendar per hostile id, inside -o; names escaped, no control characters" {
	run -0 --separate-stderr solve -F ics -o cal "$PROG"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 ls cal
	assert_output "$(for p in "${H_PEOPLE[@]}"; do printf '%s.ics\n' "$p"; done | LC_ALL=C sort)"
	[ "$(ls -A . | tr '\n' ' ')" = "cal " ] || fail "written outside cal: $(ls -A .)"
	local f
	for f in cal/*.ics; do
		no_control "$f" crlf
	done
	# Unfolded: the activity's name (RFC 5545 TEXT) on one line, escaped,
	# its control characters (ESC too) left out.
	local ics
	ics=$(cat cal/*.ics | tr -d '\r' | sed -e ':a' -e '$!N;s/\n //;ta' -e 'P;D')
	grep -qxF -- 'SUMMARY:Name with\nnewline\n	and tab \\ and [31m control\, comma\; "quotes" '\''s %s%n' <<<"$ics" ||
		fail "SUMMARY: $ics"
	grep -qxF -- "X-WR-CALNAME:${H_NAME:0:9}\\nnewline\\n	and tab \\\\ and [31m control\\, comma\\; \"quotes\" 's %s%n" <<<"$ics" ||
		fail "X-WR-CALNAME: $ics"
}

@test "rota-solve -F ics: an id with a slash or a leading dot (../../x, a/b, .., .x) writes nothing outside -o" {
	mkdir -p deep/er && cd deep/er
	local id
	for id in '../../x' 'a/b' '..' '.x' '/tmp/x'; do
		jq -c --arg id "$id" --arg old "$H_P1" 'if .id == $old then .id = $id elif .person == $old then .person = $id else . end' \
			"$PROG" >p.ndjson
		run -7 --separate-stderr solve -F ics -o cal p.ndjson
		assert_equal "$id: $stderr" "$id: rota-solve: $id: a person id that cannot be a file name"
	done
	# Nothing above the folder, nothing but .ics files in it.
	assert_equal "$(find "$BATS_TEST_TMPDIR/w" -name '*x*' -o -name 'b.ics' | grep -v '/cal/' || true)" ""
	[ ! -e /tmp/x.ics ]
	run -0 find cal -type f ! -name '*.ics'
	assert_output ""
}

@test "hostile names: rota-check-acgme from a file, from the store and with --cache: ids byte for byte" {
	solve "$PROG" >sched.ndjson
	run -0 --separate-stderr rota-check-acgme -a --tz America/Chicago sched.ndjson
	assert_equal "$stderr" ""
	all_json
	local from_file=$output
	local -a who
	mapfile -t who < <(jq -r 'select(.type == "assignment") | .person' sched.ndjson | LC_ALL=C sort -u)
	[ "${#who[@]}" -eq 3 ]
	has_ids person "${who[@]}"
	# Each finding's message names its person as it is.
	printf '%s\n' "$output" | jq -e -s '[.[] | select(.type == "finding") | .person as $p | .message |
		startswith($p)] | all' >/dev/null || fail "a message without its person: $output"
	rota-import -q --db "$DB" "$PROG" sched.ndjson
	run -0 --separate-stderr rota-check-acgme -a --tz America/Chicago --db "$DB"
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | grep -v '"summary"' | canonical)" \
		"$(printf '%s\n' "$from_file" | grep -v '"summary"' | canonical)"
	# Twice through the cache: the second run's findings come from it.
	run -0 --separate-stderr rota-check-acgme -a --cache --tz America/Chicago sched.ndjson
	run -0 --separate-stderr rota-check-acgme -a --cache --tz America/Chicago sched.ndjson
	all_json
	assert_equal "$(printf '%s\n' "$output" | grep -v '"summary"' | canonical)" \
		"$(printf '%s\n' "$from_file" | grep -v '"summary"' | canonical)"
	# Findings loaded into the store and dumped: the same bytes.
	printf '%s\n' "$from_file" | rota-import -q --db "$DB"
	assert_equal "$(rota-import --db "$DB" --dump | grep '"finding"' | jq -r .person | LC_ALL=C sort -u)" \
		"$(printf '%s\n' "$from_file" | grep '"finding"' | jq -r .person | LC_ALL=C sort -u)"
	tables_intact "$DB"
}

@test "hostile names: rota-mview-refresh on SQLite: full, incremental after a change, --show byte for byte" {
	solve "$PROG" >sched.ndjson
	rota-import -q --db "$DB" "$PROG" sched.ndjson
	run -0 --separate-stderr rota-mview-refresh -q --db "$DB"
	assert_equal "$stderr" ""
	run -0 --separate-stderr rota-mview-refresh --db "$DB" --show schedule_summary
	all_json
	has_ids activity "$H_ACT" "$H_CALL"
	has_ids slot "$H_SLOT"
	run -0 rota-mview-refresh --db "$DB" --show person_workload
	all_json
	has_ids person "${H_PEOPLE[@]}"
	# A change: the call moves to another hostile resident.
	local who
	who=$(jq -r --arg c "$H_CALL" 'select(.activity == $c) | .person' sched.ndjson)
	local to=$H_P3
	[ "$who" != "$H_P3" ] || to=$H_P1
	jq -c --arg c "$H_CALL" --arg to "$to" 'select(.activity == $c) | .person = $to' sched.ndjson |
		rota-import -q --db "$DB"
	run -0 --separate-stderr rota-mview-refresh --db "$DB" -i
	all_json
	assert_equal "$(printf '%s\n' "$output" | jq -r '.mode' | sort -u)" incremental
	# What the incremental refresh made is what a full one makes.
	local v
	for v in schedule_summary person_workload rotation_coverage; do
		rota-mview-refresh --db "$DB" --show "$v" >"$v.inc"
	done
	rota-mview-refresh -q --db "$DB" --full
	for v in schedule_summary person_workload rotation_coverage; do
		assert_equal "$v: $(cat "$v.inc")" "$v: $(rota-mview-refresh --db "$DB" --show "$v")"
	done
	# The call is the new resident's, byte for byte.
	assert_equal "$(jq -r --arg p "$to" 'select(.person == $p and .period == "week") | .calls' person_workload.inc)" 1
	run -0 rota-mview-refresh --db "$DB" --show rotation_coverage
	has_ids activity "$H_ACT" "$H_CALL"
	tables_intact "$DB"
	for v in schedule_summary person_workload rotation_coverage rota_mv_log rota_mv_state; do
		sq "$DB" "SELECT count(*) FROM $v" >/dev/null
	done
}

@test "hostile names: rota-cache keys and namespaces: put, get byte for byte, stats JSON, invalidate, del" {
	local k="k'); DROP TABLE cache_entry; -- %s%n \\ \"q\" é" ns="ns'\"; DELETE FROM cache_stat; --"
	printf '%s' "$H_NAME" | rota-cache -n "$ns" put "$k"
	printf '%s' "$H_LONGNAME" | rota-cache -n "$ns" put "$H_P3"
	run -0 rota-cache -n "$ns" get "$k"
	assert_equal "$output" "$H_NAME"
	# The bytes exactly, the trailing ones too.
	assert_equal "$(rota-cache -n "$ns" get "$k" | od -An -c)" "$(printf '%s' "$H_NAME" | od -An -c)"
	run -0 rota-cache -n "$ns" get "$H_P3"
	assert_equal "$output" "$H_LONGNAME"
	run -1 rota-cache -n user get "$k"
	run -0 rota-cache stats -F json
	assert_equal "$(jq -r '.namespaces[].namespace' <<<"$output" | grep -v '^user$')" "$ns"
	assert_equal "$(jq -r --arg ns "$ns" '.namespaces[] | select(.namespace == $ns) | "\(.entries) \(.hits) \(.puts)"' \
		<<<"$output")" "2 3 2"
	run -0 --separate-stderr rota-cache -n "$ns" invalidate "k'*"
	assert_stderr 'rota-cache: invalidated 1 entry'
	run -1 rota-cache -n "$ns" get "$k"
	run -0 rota-cache -n "$ns" del "$H_P3"
	run -0 rota-cache config --max-size 1M --level 3 --threshold 10 -F json
	assert_equal "$(rota-cache config -F json)" '{"max_size":1048576,"level":3,"threshold":10}'
	for t in cache_entry cache_use cache_stat cache_config cache_total; do
		sq "$ROTA_CACHE" "SELECT count(*) FROM $t" >/dev/null
	done
	# A lock's name becomes a file name: anything but letters, digits,
	# dot, dash and underscore, or a leading dot, is refused.
	for k in '../../x' 'a/b' '..' '.x' "$H_P2"; do
		run -2 --separate-stderr rota-cache lock "$k" -- touch ran
		assert_stderr_line "rota-cache: lock: expected NAME (letters, digits, . _ -), got \"$k\""
	done
	[ ! -e ran ]
	run -0 find "$BATS_TEST_TMPDIR" -name x
	assert_output ""
}

@test "hostile names: rota-cache exec memoises hostile arguments and output, replayed byte for byte" {
	local arg="$H_P2 $H_P3" i
	for i in 1 2; do
		run -0 --separate-stderr rota-cache exec -- printf '%s|%s' "$H_NAME" "$arg"
		assert_equal "$output" "$H_NAME|$arg"
	done
	assert_equal "$(rota-cache exec -- printf '%s|%s' "$H_NAME" "$arg" | od -An -c)" \
		"$(printf '%s|%s' "$H_NAME" "$arg" | od -An -c)"
	run -0 rota-cache stats -F json
	assert_equal "$(jq -r '.namespaces[] | select(.namespace == "exec") | "\(.puts) \(.hits)"' <<<"$output")" "1 2"
	# Another argument is another key.
	run -0 rota-cache exec -- printf '%s' "$H_P1"
	assert_output "$H_P1"
}

@test "hostile names: rota-explain --db on the hostile store: the user's query echoed byte for byte; nothing else runs" {
	rota-import -q --db "$DB" "$PROG"
	local q="SELECT * FROM people WHERE name = 'o''neil \"the\" ;-- %s%n' ORDER BY role"
	run -0 --separate-stderr rota-explain --db "$DB" --query "$q"
	assert_equal "$stderr" ""
	all_json
	assert_equal "$(printf '%s\n' "$output" | jq -r .source | sort -u)" "$q"
	# The same in a file of queries.
	printf '%s;\nSELECT count(*) FROM activities WHERE id = %s;\n' "$q" "'../../act'';'" >q.sql
	run -0 --separate-stderr rota-explain --db "$DB" --queries q.sql
	all_json
	# SQLite prepares one statement: what follows the first never runs.
	run --separate-stderr rota-explain --db "$DB" --query "SELECT 1; DROP TABLE people"
	run --separate-stderr rota-explain --db "$DB" --query "SELECT 1; DELETE FROM people; DROP TABLE activities"
	tables_intact "$DB"
	assert_equal "$(sq "$DB" 'SELECT count(*) FROM people')" 6
}

@test "messages: control characters in a bad value reach standard error as \\xHH, not the terminal" {
	printf 'id,pgy\nr1,\033]0;pwned\a\033[31mX\n' >esc.csv
	run -1 --separate-stderr rota-import esc.csv
	assert_stderr_line 'rota-import: esc.csv:2: pgy: expected an integer, got "\x1b]0;pwned\x07\x1b[31mX"'
	printf '%s' "$stderr" >err.txt
	no_control err.txt
}

# ---- file modes -----------------------------------------------------------------

# make_files: runs every tool that makes a file, here.
make_files() {
	rota-import -q --db s.db "$PROG"
	printf 'bad\n' >bad.ndjson
	rota-import -q --db s.db --rejects rej.ndjson bad.ndjson || true
	solve -F ics -o cal "$PROG"
	rota-solve -q --write-lp lp.lp "$DATA/Instance1.txt"
	rota-mview-refresh -q --db s.db
	echo x | rota-cache -c c/cache.db put k
	rota-cache -c c/cache.db get k >/dev/null
	rota-cache -c c/cache.db lock L -- true
}

@test "file modes under umask 022: outputs and stores follow it; the cache, its log and the locks are private" {
	umask 022
	make_files
	local f
	for f in s.db rej.ndjson lp.lp "cal/$H_P1.ics"; do
		assert_equal "$f $(mode "$f")" "$f 644"
	done
	assert_equal "$(mode cal)" 755
	for f in s.db-mview.lock c/cache.db c/cache.db-usage c/locks/L.lock; do
		assert_equal "$f $(mode "$f")" "$f 600"
	done
	assert_equal "$(mode c) $(mode c/locks)" "700 700"
	# No temporary file is left.
	run -0 find . -name '*.??????*' ! -name '*.ndjson' ! -name '*.db*' ! -name '*.lock' ! -name '*.ics'
	assert_output ""
}

@test "file modes under umask 077 and 000: outputs follow the umask (0666 less it); private files stay 0600" {
	umask 077
	make_files
	local f
	for f in s.db rej.ndjson lp.lp "cal/$H_P1.ics" s.db-mview.lock c/cache.db c/cache.db-usage c/locks/L.lock; do
		assert_equal "$f $(mode "$f")" "$f 600"
	done
	assert_equal "$(mode cal) $(mode c) $(mode c/locks)" "700 700 700"
	mkdir u0 && cd u0
	umask 000
	make_files
	# SQLite makes a store 0644 less the umask.
	assert_equal "$(mode s.db) $(mode rej.ndjson) $(mode lp.lp) $(mode "cal/$H_P1.ics") $(mode cal)" "644 666 666 666 777"
	for f in s.db-mview.lock c/cache.db c/cache.db-usage c/locks/L.lock; do
		assert_equal "$f $(mode "$f")" "$f 600"
	done
}

@test "file modes: a WAL and its shared memory have their database's mode: 0600 for the cache, the umask's for a store" {
	umask 022
	echo x | rota-cache put k
	rota-import -q --db s.db "$PROG"
	# A reader holding a snapshot keeps each WAL from being checkpointed
	# away when the writer closes.
	local db
	for db in "$ROTA_CACHE" s.db; do
		rm -f ctl locked
		start_holder "BEGIN; SELECT count(*) FROM sqlite_master;
.shell touch locked
" sqlite3 "$db"
		if [ "$db" = s.db ]; then
			rota-import -q --db s.db "$PROG"
		else
			echo y | rota-cache put k2
		fi
		[ -e "$db-wal" ] && [ -e "$db-shm" ] || fail "no WAL beside $db"
		if [ "$db" = s.db ]; then
			assert_equal "$(mode "$db-wal") $(mode "$db-shm")" "644 644"
		else
			assert_equal "$(mode "$db-wal") $(mode "$db-shm")" "600 600"
		fi
		echo 'COMMIT;' >&4
		exec 4>&-
		wait "$holder" || true
	done
}

# ---- symbolic links planted where rota makes files -----------------------------------

@test "a symbolic link at a lock of rota-cache lock, at the cache, its usage log, WAL or SHM: refused, the target untouched" {
	mkdir c
	echo secret >target
	# rota-cache lock NAME: c/locks/NAME.lock.
	mkdir -m 700 c/locks
	ln -s ../../target c/locks/L.lock
	run -4 --separate-stderr rota-cache -c c/cache.db lock L -- touch ran
	assert_stderr "rota-cache: c/locks/L.lock: Too many levels of symbolic links"
	[ ! -e ran ]
	rm c/locks/L.lock
	# The cache file itself, a dangling link too (it would be created).
	local f
	for f in ../target ../nowhere; do
		ln -sfn "$f" c/cache.db
		run -4 --separate-stderr rota-cache -c c/cache.db put k </dev/null
		assert_stderr "rota-cache: c/cache.db: Too many levels of symbolic links"
		rm c/cache.db
	done
	[ ! -e nowhere ]
	# The usage log: written by a reader at its end.
	echo x | rota-cache -c c/cache.db put k
	rm -f c/cache.db-usage
	ln -s ../target c/cache.db-usage
	run -4 --separate-stderr rota-cache -c c/cache.db get k
	assert_stderr "rota-cache: cannot write the statistics"
	[ -L c/cache.db-usage ]
	rm c/cache.db-usage
	# SQLite's WAL and shared memory (SQLite opens them O_NOFOLLOW).
	for f in wal shm; do
		ln -s ../target "c/cache.db-$f"
		run -4 --separate-stderr rota-cache -c c/cache.db get k
		rm "c/cache.db-$f"
	done
	assert_equal "$(cat target)" secret
	# The mview lock beside an SQLite store is rota-mview-refresh.bats's.
}

@test "a symbolic link at rota-import's rejects file, at an .ics file or at --write-lp is replaced, not followed" {
	echo secret >target
	printf 'bad\n' >bad.ndjson
	ln -s target rej.ndjson
	run -1 --separate-stderr rota-import --rejects rej.ndjson bad.ndjson
	[ ! -L rej.ndjson ]
	assert_equal "$(jq -r .type rej.ndjson)" reject
	mkdir cal
	ln -s ../target "cal/$H_P1.ics"
	solve -F ics -o cal "$PROG"
	[ ! -L "cal/$H_P1.ics" ]
	grep -q '^BEGIN:VCALENDAR' "cal/$H_P1.ics"
	ln -s target lp.lp
	rota-solve -q --write-lp lp.lp "$DATA/Instance1.txt"
	[ ! -L lp.lp ]
	assert_equal "$(cat target)" secret
	# A dangling link is not followed either: nothing is made where it points.
	ln -s nowhere rej2.ndjson
	run -1 --separate-stderr rota-import --rejects rej2.ndjson bad.ndjson
	[ ! -L rej2.ndjson ] && [ ! -e nowhere ]
}

@test "temporary names are not predictable: links planted at every name a fixed scheme could pick are never followed" {
	echo secret >target
	printf 'bad\n' >bad.ndjson
	# The names a tool might choose without randomness.
	local s
	for s in .tmp '~' .new .part .XXXXXX .000000 .1 ".$$" -tmp; do
		ln -s target "rej.ndjson$s"
	done
	local i
	for i in 1 2 3; do
		run -1 --separate-stderr rota-import --rejects rej.ndjson bad.ndjson
	done
	assert_equal "$(cat target)" secret
	# And no temporary file is left beside it.
	run -0 sh -c 'ls -A | grep -v -e "^rej.ndjson" -e "^bad.ndjson$" -e "^target$" || true'
	assert_output ""
	[ "$(find . -name 'rej.ndjson.*' ! -type l | wc -l)" -eq 0 ]
}
