#!/usr/bin/env bats
# tests/faults-pg.bats: faults injected into the tools on PostgreSQL stores,
# against a real throwaway server (tests/lib/pgserver) started once for the
# file: kill -9 at random points of an import (in batches and --atomic) and
# of a refresh of the reporting views, the server stopped (fast and
# immediate) in the middle of an import, a wrong password, a server that
# cannot be reached.  What is left must be the state before or after the
# command, never one between; the next run must give the whole result; a
# failure is exit 4 with a message, never exit 0 with rows missing; a
# password never shows in the output or the messages of any tool.
# tests/faults.bats does the same for SQLite stores, the cache and files.
#
# Besides trust for the test's own user, the server asks two roles for
# their password: pwuser (scram-sha-256) and md5user (md5).

load helpers
load lib/faults

setup_file() {
	# fsync off: the faults here are processes that die (the tools, the
	# server stopped at once), not the machine, so what the server wrote
	# stays in the page cache; checkpoints, and with them a fast stop and
	# the copies of databases, take a tenth of the time.
	PGDIR=$(PGSERVER_OPTS='-c fsync=off' "$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
	local fm=$ROTA_TOP/examples/family-medicine
	gen_requests_ndjson 20000 >"$BATS_FILE_TMPDIR/r20k.ndjson"
	pg_sql rota <<-'EOF'
		SET password_encryption = 'scram-sha-256';
		CREATE ROLE pwuser LOGIN PASSWORD 'Right-Pass-1';
		SET password_encryption = 'md5';
		CREATE ROLE md5user LOGIN PASSWORD 'Right-Pass-2';
		CREATE DATABASE pw OWNER pwuser;
		CREATE DATABASE base;
		CREATE DATABASE prog;
	EOF
	# Read before the "local all all trust" line that initdb wrote.
	sed -i '1i local all pwuser scram-sha-256\nlocal all md5user md5' "$PGDIR/data/pg_hba.conf"
	pg_sql rota <<<'SELECT pg_reload_conf()' >/dev/null
	# A store of the family-medicine example with a schedule, for the
	# password tests; the people alone, for the imports.
	rota-solve -q -j 1 --moves 500000 --no-cache "$fm"/* |
		grep '"type":"assignment"' >"$BATS_FILE_TMPDIR/fm.schedule.ndjson"
	rota-import -q --db "postgresql://pwuser:Right-Pass-1@/pw?host=$PGDIR" "$fm"/* \
		"$BATS_FILE_TMPDIR/fm.schedule.ndjson"
	rota-mview-refresh -q --db "postgresql://pwuser:Right-Pass-1@/pw?host=$PGDIR" >/dev/null
	rota-import -q --db "$(conn base)" "$fm/people.csv"
	# Half a year of 60 residents with a schedule, its views refreshed.
	"$ROTA_TOP/scripts/gen-programme" --residents 60 --days 182 --schedule >"$BATS_FILE_TMPDIR/prog.ndjson"
	rota-import -q --db "$(conn prog)" "$BATS_FILE_TMPDIR/prog.ndjson"
	rota-mview-refresh -q --db "$(conn prog)" >/dev/null
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	fault_seed
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db XDG_CACHE_HOME=$BATS_TEST_TMPDIR/w/xdg
	BIG=$BATS_FILE_TMPDIR/r20k.ndjson
	FM=$ROTA_TOP/examples/family-medicine
}

teardown() {
	# A test that failed with the server down leaves it up for the next.
	if ! psql -X -q -h "$PGDIR" -U rota -d rota -c 'SELECT 1' >/dev/null 2>&1; then
		"$ROTA_TOP/tests/lib/pgserver" up "$PGDIR" || true
	fi
}

# ---- helpers of this file ---------------------------------------------------

conn() {
	echo "host=$PGDIR user=rota dbname=$1"
}

# pg_sql DATABASE: runs the SQL of standard input as the test's user.
pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$1" -f -
}

# pgq DATABASE SQL: the result unaligned, without headers ("a|b" rows).
pgq() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U rota -d "$1" -c "$2"
}

# gone DATABASE: until no session but ours is connected to it (a session
# whose client was killed leaves when the server notices: 10 s at most).
gone() {
	local n
	for ((n = 0; n < 1000; n++)); do
		[ "$(pgq "$1" 'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')" = 0 ] &&
			return 0
		sleep 0.01
	done
	lose "sessions still connected to $1"
}

# copy_db FROM TO: TO made anew as a copy of FROM.
copy_db() {
	gone "$1"
	psql -X -q -h "$PGDIR" -U rota -d rota -c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" >/dev/null || lose "cannot copy $1 to $2"
}

# content DATABASE: the checksum of every record of the store.
content() {
	rota-import --db "$(conn "$1")" --dump >"$BATS_TEST_TMPDIR/dump.ndjson" || lose "--dump of $1 failed"
	cksum <"$BATS_TEST_TMPDIR/dump.ndjson"
}

# views DATABASE: the checksum of the rows of the three reporting views.
views() {
	local v
	for v in schedule_summary person_workload rotation_coverage; do
		rota-mview-refresh -d "$(conn "$1")" --show "$v" || lose "--show $v failed on $1"
	done | cksum
}

# whole_batches DATABASE ROWS BATCH: the store holds the first n rows of
# the input (row i has weight i), n a multiple of BATCH (ROWS when it
# ended); prints n.
whole_batches() {
	local n
	n=$(pgq "$1" 'SELECT count(*) FROM requests')
	if [ -n "$2" ]; then
		expect "$n" "$2" "rows after exit 0"
	else
		((n % $3 == 0)) || lose "$n rows kept: not whole batches of $3"
	fi
	expect "$(pgq "$1" 'SELECT coalesce(sum(weight), 0) FROM requests')" $((n * (n + 1) / 2)) "sum of the weights of $n rows"
	expect "$(pgq "$1" "SELECT count(*) FROM requests WHERE person != 'p' || weight")" 0 "rows not as in the input"
	echo "$n"
}

# ---- kill -9 ---------------------------------------------------------------------

@test "PostgreSQL: kill -9 x10 mid-import in batches, once a random number of batches is committed: whole batches kept; the same command resumes to the full data" {
	local n k killed=0 ended=0 rows=0 after
	copy_db base ref
	rota-import -q --db "$(conn ref)" -b 200 "$BIG"
	after=$(content ref)
	for ((i = 1; i <= 10; i++)); do
		copy_db base s
		k=$((1 + RANDOM % 70))
		bg rota-import -q --db "$(conn s)" -b 200 "$BIG"
		until_true eval "[ \"\$(pgq s 'SELECT count(*) FROM rota_import_batch' 2>/dev/null)\" -ge $k ] 2>/dev/null" || true
		reap
		gone s
		if [ "$BG_ST" -eq 137 ]; then
			killed=$((killed + 1))
			n=$(whole_batches s '' 200)
			rows=$((rows + n))
		else
			ended=$((ended + 1))
			n=$(whole_batches s 20000 200)
		fi
		expect "$(rota-import --db "$(conn s)" --dump -t person | cksum)" "$(rota-import --db "$(conn base)" --dump | cksum)" "the people"
		rota-import --db "$(conn s)" -b 200 "$BIG" 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		if [ "$BG_ST" -eq 137 ] && ((n > 0 && n < 20000)); then
			expect "$(head -n 1 rerun.err)" "$(resume_msg "$n" $((n / 200)))" "the next run's first message"
		fi
		expect "$(content s)" "$after" "the records after the next run"
		expect "$(pgq s 'SELECT count(*) FROM rota_import WHERE finished IS NULL; SELECT count(*) FROM rota_import_batch')" $'0\n0' "the ledger"
	done
	tally "10 kills: $killed mid-import (keeping $((rows / (killed ? killed : 1))) of 20000 rows on average, whole batches), $ended after its end; 0 lost"
	((killed >= 5)) || fail "only $killed of 10 imports were killed mid-way (seed $SEED)"
}

@test "PostgreSQL: kill -9 x8 mid --atomic import over stored rows: the records as before or as after, never between" {
	local took before after nb=0 na=0
	gen_requests_ndjson 10000 | sed 's/"weight":[0-9]*/"weight":0/' >old.ndjson
	copy_db base b0
	rota-import -q --db "$(conn b0)" old.ndjson
	before=$(content b0)
	copy_db b0 ref
	took=$(elapsed_ms rota-import -q --atomic --db "$(conn ref)" "$BIG")
	after=$(content ref)
	[ "$before" != "$after" ]
	start_one() {
		copy_db b0 s
		bg rota-import -q --atomic --db "$(conn s)" "$BIG"
	}
	check_one() {
		local d
		# A commit the client sent before it died may still finish.
		gone s
		d=$(content s)
		if [ "$d" = "$before" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and nothing loaded"
			nb=$((nb + 1))
		elif [ "$d" = "$after" ]; then
			na=$((na + 1))
		else
			lose "the store is neither as before nor as after: $(pgq s 'SELECT count(*), sum(weight) FROM requests')"
		fi
		rota-import -q --atomic --db "$(conn s)" "$BIG" 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		expect "$(content s)" "$after" "the records after the next run"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: the store as before $nb times, as after $na times, between 0 times"
}

@test "PostgreSQL: kill -9 x8 mid-refresh of the views at random points: as before or as after; the next refresh works" {
	local took before after nb=0 na=0
	copy_db prog p0
	pgq p0 "DELETE FROM assignments WHERE \"date\" >= '2026-10-01'; UPDATE people SET pgy = 3 WHERE pgy = 1" >/dev/null
	before=$(views p0)
	copy_db p0 ref
	took=$(elapsed_ms rota-mview-refresh -q --full -d "$(conn ref)")
	after=$(views ref)
	[ "$before" != "$after" ]
	start_one() {
		copy_db p0 s
		bg rota-mview-refresh -q --full -d "$(conn s)"
	}
	check_one() {
		local v
		gone s
		v=$(views s)
		if [ "$v" = "$before" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and the views as before"
			nb=$((nb + 1))
		elif [ "$v" = "$after" ]; then
			na=$((na + 1))
		else
			lose "the views are neither as before nor as after"
		fi
		rota-mview-refresh -q -d "$(conn s)" >/dev/null 2>rerun.err || lose "the next refresh failed: $(cat rerun.err)"
		expect "$(views s)" "$after" "the views after the next refresh"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: the views as before $nb times, as after $na times, between 0 times"
}

# ---- the server stopped mid-import -------------------------------------------------

@test "PostgreSQL: the server stopped (fast, immediate) mid-import, 4 times: exit 4 with a message, never exit 0 with rows missing; after a restart the same command gives the full data" {
	local mode kind n after stopped=0 ended=0 rows=0 landed
	# Long enough that the stop, which takes a while to come, comes
	# before the end.
	gen_requests_ndjson 100000 >big.ndjson
	BIG=$PWD/big.ndjson
	copy_db base ref
	rota-import -q --db "$(conn ref)" -b 1000 "$BIG"
	after=$(content ref)
	i=0
	for mode in fast immediate; do
		for kind in batches atomic; do
			i=$((i + 1))
			copy_db base s
			# Little to replay after an immediate stop.
			pgq rota CHECKPOINT >/dev/null
			local -a how=(-b 1000)
			[ "$kind" = atomic ] && how=(--atomic)
			bg rota-import -q --db "$(conn s)" "${how[@]}" "$BIG"
			if [ "$kind" = batches ]; then
				until_true eval "[ \"\$(pgq s 'SELECT count(*) FROM rota_import_batch' 2>/dev/null)\" -ge $((3 + RANDOM % 30)) ] 2>/dev/null" || true
			else
				# Until it is copying rows in.
				until_true eval "[ \"\$(pgq s \"SELECT count(*) FROM pg_stat_activity WHERE datname = 's' AND query LIKE 'COPY%'\" 2>/dev/null)\" = 1 ]" || true
				sleep_ms "$(rand_ms 50)"
			fi
			"$ROTA_TOP/tests/lib/pgserver" down "$PGDIR" "$mode"
			BG_ST=0
			wait "$BG" || BG_ST=$?
			"$ROTA_TOP/tests/lib/pgserver" up "$PGDIR"
			landed=0
			if [ "$BG_ST" -eq 4 ]; then
				stopped=$((stopped + 1))
				landed=1
				# The store named, and what became of the connection.
				grep -q "^rota-import: $(conn s): " bg.err || lose "no message naming the store: $(cat bg.err)"
				grep -qE 'server closed the connection|terminating connection|(no|lost) connection|could not (send|receive) data' bg.err ||
					lose "no reason given: $(cat bg.err)"
			elif [ "$BG_ST" -ne 0 ]; then
				lose "exit $BG_ST: $(cat bg.err)"
			else
				ended=$((ended + 1))
			fi
			if [ "$kind" = batches ]; then
				if ((landed)); then
					n=$(whole_batches s '' 1000)
				else
					n=$(whole_batches s 100000 1000)
				fi
				rows=$((rows + n))
			elif ((landed)); then
				expect "$(pgq s 'SELECT count(*) FROM requests')" 0 "rows of an --atomic import the server stopped"
			else
				expect "$(content s)" "$after" "the records after exit 0"
			fi
			rota-import -q --db "$(conn s)" "${how[@]}" "$BIG" 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
			expect "$(content s)" "$after" "the records after the next run"
		done
	done
	tally "4 stops: $stopped mid-import (exit 4), $ended after its end (exit 0, every row); $rows rows of whole batches kept; 0 lost"
	((stopped >= 3)) || fail "only $stopped of 4 imports were stopped mid-way (seed $SEED)"
}

# ---- passwords ---------------------------------------------------------------------

# every_tool SPEC SECRET STATUS MESSAGE: each tool that takes a PostgreSQL
# store (or connection string) is run on SPEC; each must exit STATUS with a
# line of standard error that holds MESSAGE (an extended regular
# expression), and SECRET must be in neither its output nor its messages.
every_tool() {
	local spec=$1 secret=$2 want=$3 msg=$4 c
	local -a argv
	for ((c = 0; c < 10; c++)); do
		case $c in
		0) argv=(rota-import --db "$spec" "$FM/people.csv") ;;
		1) argv=(rota-import --db "$spec" --list) ;;
		2) argv=(rota-import --db "$spec" --dump) ;;
		3) argv=(rota-solve -j 1 --moves 500000 --db "$spec") ;;
		4) argv=(rota-check-acgme --tz America/Chicago --db "$spec") ;;
		5) argv=(rota-mview-refresh --db "$spec") ;;
		6) argv=(rota-mview-refresh --db "$spec" --list) ;;
		7) argv=(rota-mview-refresh --db "$spec" --show person_workload) ;;
		8) argv=(rota-explain --db "$spec" --query 'SELECT * FROM people') ;;
		9) argv=(rota-cache lock faults --db "$spec" -- true) ;;
		esac
		run --separate-stderr "${argv[@]}"
		[ "$status" -eq "$want" ] || fail "${argv[*]}: exit $status, not $want: $stderr"
		if [ -n "$msg" ]; then
			grep -qE -- "$msg" <<<"$stderr" || fail "${argv[*]}: no message like /$msg/: $stderr"
		fi
		if grep -qF -- "$secret" <<<"$output$stderr"; then
			fail "${argv[*]}: the password shows: $(grep -F -- "$secret" <<<"$output$stderr" | head -n 3)"
		fi
	done
}

@test "PostgreSQL: a wrong password (scram-sha-256 and md5, in a URI and key=value) exits 4 with the server's reason, and shows in no tool's output" {
	every_tool "postgresql://pwuser:Wrong-Secret-1@/pw?host=$PGDIR" Wrong-Secret-1 4 'password authentication failed for user "pwuser"'
	every_tool "host=$PGDIR user=pwuser dbname=pw password=Wrong-Secret-2" Wrong-Secret-2 4 'password authentication failed for user "pwuser"'
	every_tool "host=$PGDIR user=md5user dbname=pw password='Wrong Secret 3'" 'Wrong Secret 3' 4 'password authentication failed for user "md5user"'
	every_tool "postgresql://md5user:Wrong%40Secret4@/pw?host=$PGDIR" 'Secret4' 4 'password authentication failed for user "md5user"'
}

@test "PostgreSQL: a server that cannot be reached, or a connection string libpq cannot read, exits 4 with the reason, and no tool shows the password" {
	every_tool "host=/nonexistent user=pwuser dbname=pw password=Secret-5" Secret-5 4 'No such file or directory'
	every_tool "host=$PGDIR port=1 user=pwuser dbname=pw password=Secret-6" Secret-6 4 '\.s\.PGSQL\.1" failed'
	every_tool "postgresql://pwuser:Secret-7@127.0.0.1:1/pw" Secret-7 4 'Connection refused'
	# libpq quotes what it cannot parse: here the password itself.
	every_tool "postgresql://pwuser:Secret%zz8@/pw?host=$PGDIR" 'zz8' 4 'invalid percent-encoded token'
	every_tool "postgresql://pwuser:Secret-9@[bad/pw" Secret-9 4 'IPv6 host address'
}

@test "PostgreSQL: the right password works, and shows in no tool's output" {
	every_tool "postgresql://pwuser:Right-Pass-1@/pw?host=$PGDIR" Right-Pass-1 0 ''
	every_tool "host=$PGDIR user=pwuser dbname=pw password=Right-Pass-1" Right-Pass-1 0 ''
}
