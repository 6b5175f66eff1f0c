#!/usr/bin/env bats
# tests/rota-cache-pg.bats: rota-cache lock --db, a PostgreSQL advisory lock,
# against a real throwaway server (tests/lib/pgserver) started once for the
# file.

load helpers

setup_file() {
	PGDIR=$("$ROTA_TOP/tests/lib/pgserver" start)
	export PGDIR
}

teardown_file() {
	pg_teardown_file
}

setup() {
	test_dir
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	PGC="host=$PGDIR user=rota dbname=rota"
}

# advisory_locks: the advisory locks the server holds now.
advisory_locks() {
	psql -X -q -A -t -h "$PGDIR" -U rota -d rota \
		-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
}

@test "lock --db: a second holder exits 5; after the first ends it can be had" {
	rota-cache lock job --db "$PGC" -- sh -c 'touch held; sleep 2; echo first >>order' 3>&- &
	local pid=$! t0
	wait_for held
	assert_equal "$(advisory_locks)" 1
	t0=$(ms)
	run -5 --separate-stderr rota-cache lock job --db "$PGC" -- sh -c 'echo second >>order'
	assert [ $(($(ms) - t0)) -lt 1500 ]
	assert_stderr 'rota-cache: lock job is held by another session of the server'
	# The file lock of the same name is another lock.
	run -0 rota-cache lock job -- true
	# So is another name.
	run -0 rota-cache lock other --db "$PGC" -- true
	wait "$pid"
	assert_equal "$(advisory_locks)" 0
	run -0 rota-cache lock job --db "$PGC" -- sh -c 'echo second >>order'
	assert_equal "$(cat order)" $'first\nsecond'
}

@test "lock --db --wait: the second runs after the first" {
	rota-cache lock job --db "$PGC" -- sh -c 'touch held; sleep 2; echo first >>order' 3>&- &
	local pid=$!
	wait_for held
	run -5 rota-cache lock job --db "$PGC" --wait 0.3 -- true
	run -0 rota-cache lock --wait 10 --db "$PGC" job -- sh -c 'echo second >>order'
	assert_equal "$(cat order)" $'first\nsecond'
	wait "$pid"
}

@test "lock --db: the session ends with a killed holder; the status is passed through" {
	rota-cache lock job --db "$PGC" -- sh -c 'echo $$ >child; touch held; exec sleep 60' 3>&- &
	local pid=$!
	wait_for held
	kill -9 "$pid" "$(cat child)"
	wait "$pid" || true
	# The server notices the closed connection at once, or nearly.
	run -0 rota-cache lock job --db "$PGC" --wait 5 -- echo mine
	assert_output mine
	run -7 rota-cache lock job --db "$PGC" -- sh -c 'exit 7'
	run -127 rota-cache lock job --db "$PGC" -- no-such-command-here
	assert_equal "$(advisory_locks)" 0
}

@test "lock --db: a server that cannot be reached exits 4" {
	run -4 --separate-stderr rota-cache lock job --db "host=$BATS_TEST_TMPDIR/none user=rota dbname=rota" -- true
	assert [ "${stderr#rota-cache: --db: }" != "$stderr" ]
}
