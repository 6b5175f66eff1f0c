#!/usr/bin/env bats
# tests/faults.bats: faults injected into the tools on SQLite stores, the
# cache and files: kill -9 at random points of an import, a refresh of the
# reporting views, a cache put, a solve keeping its solution in the cache,
# an LP file, calendars and a repair being written (what is left must be
# the state before or the state after, never one between, and the next run
# must give the whole result); a full disk, by `ulimit -f` and by a small
# tmpfs (a clean error naming the file, the documented status, nothing
# half-written under the final name); a closed pipe on standard output
# (a quiet end, a whole first record).  faults-pg.bats does the same for
# PostgreSQL.
#
# The kills come after random delays or once the tool has reached a point
# (a file grown to a random size, a temporary file made); FAULT_SEED=N
# replays the delays of a failure, which names its seed.  Each kill loop
# prints a line "# TEST: N kills, ..." in the TAP output.

load helpers
load lib/faults

setup_file() {
	local f=$BATS_FILE_TMPDIR fm=$ROTA_TOP/examples/family-medicine prog=$DATA/programme/programme.ndjson
	export XDG_CACHE_HOME=$f/xdg ROTA_CACHE=$f/cache.db
	gen_requests_ndjson 20000 >"$f/r20k.ndjson"
	# A legal roster of the example (as in rota-mview-refresh.bats), kept
	# in a cache that the tests copy (fm_cache) so that their solves of
	# the example find it at once; its calendars, and those of another
	# roster (seed 2).
	rota-solve -q -j 1 --moves 500000 --cache "$f/fm-cache.db" "$fm"/* |
		grep '"type":"assignment"' >"$f/fm.schedule.ndjson"
	[ "$(wc -l <"$f/fm.schedule.ndjson")" -eq 861 ]
	rota-solve -q --cache "$f/fm-cache.db" -F ics -o "$f/cal-new" "$fm"/*
	rota-solve -q -j 1 --moves 500000 -s 2 --no-cache -F ics -o "$f/cal-old" "$fm"/*
	cal_state "$f/cal-new" >"$f/new.state"
	cal_state "$f/cal-old" >"$f/old.state"
	[ "$(wc -l <"$f/new.state")" -eq 29 ]
	[ "$(comm -12 "$f/old.state" "$f/new.state" | wc -l)" -lt 20 ]
	# The programme of tests/data/programme, its schedule published, and
	# changed by two absences, for repairs.
	rota-solve -q -j 1 --moves 100000 --no-cache "$prog" | grep '"type":"assignment"' >"$f/prog.published.ndjson"
	{
		cat "$prog"
		echo '{"type":"absence","person":"r3","from":"2026-01-07","to":"2026-01-08","reason":"sick"}'
		echo '{"type":"absence","person":"r5","from":"2026-01-13","to":"2026-01-13","reason":"sick"}'
	} >"$f/prog.changed.ndjson"
	# Half a year of 60 residents with a schedule, its views refreshed once.
	"$ROTA_TOP/scripts/gen-programme" --residents 60 --days 182 --schedule \
		>"$BATS_FILE_TMPDIR/prog.ndjson"
	rota-import -q --db "$BATS_FILE_TMPDIR/prog.db" "$BATS_FILE_TMPDIR/prog.ndjson"
	rota-mview-refresh -q --db "$BATS_FILE_TMPDIR/prog.db" >/dev/null
}

setup() {
	test_dir
	fault_seed
	# Never the user's cache.
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/w/xdg ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	FM=$ROTA_TOP/examples/family-medicine
	BIG=$BATS_FILE_TMPDIR/r20k.ndjson
	MNT=
}

teardown() {
	if [ -n "$MNT" ]; then
		cd /
		umount "$MNT" || true
	fi
}

# ---- helpers of this file ---------------------------------------------------

# copy_store FROM TO: a consistent copy of a store (WAL included).
copy_store() {
	rm -f "$2" "$2-wal" "$2-shm"
	sq "$1" ".backup '$2'"
}

# fm_cache: the cache ($ROTA_CACHE) a copy of the one that holds the
# example's roster.
fm_cache() {
	sq "$BATS_FILE_TMPDIR/fm-cache.db" ".backup '$ROTA_CACHE'"
}

# content STORE: the checksum of every record of STORE (rota-import --dump).
content() {
	rota-import --db "$1" --dump >"$BATS_TEST_TMPDIR/dump.ndjson" || lose "--dump of $1 failed"
	cksum <"$BATS_TEST_TMPDIR/dump.ndjson"
}

# intact STORE: SQLite finds nothing wrong in STORE.
intact() {
	local ok
	ok=$(sq "$1" 'PRAGMA integrity_check') || lose "$1 cannot be read"
	[ "$ok" = ok ] || lose "$1: $ok"
}

# views STORE: the checksum of the rows of the three reporting views.
views() {
	local v
	for v in schedule_summary person_workload rotation_coverage; do
		rota-mview-refresh -d "$1" --show "$v" || lose "--show $v failed on $1"
	done | cksum
}

# cache_entries CACHE: each entry of the cache file as "NS KEY CHECKSUM".
cache_entries() {
	sq "$1" 'SELECT ns, key, checksum FROM cache_entry ORDER BY ns, key'
}

# small_fs DIR SIZE: a tmpfs of SIZE (e.g. 2m) mounted on DIR, unmounted by
# teardown; skips the test when mounting is refused (not root, a container
# without CAP_SYS_ADMIN).
small_fs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then
		skip "cannot mount a tmpfs here (mount -t tmpfs refused: needs root and CAP_SYS_ADMIN)"
	fi
	MNT=$(cd "$1" && pwd)
}

# fill_up DIR [KIB]: fills the filesystem of DIR up, but for KIB KiB
# (default 0), with the files DIR/fill*; free_up DIR removes them.
fill_up() {
	if [ "${2:-0}" -gt 0 ]; then
		dd if=/dev/zero of="$1/slack" bs=1k count="$2" 2>/dev/null
	fi
	dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null || true
	# The last blocks, if dd's last one did not fit.
	dd if=/dev/zero of="$1/fill2" bs=512 2>/dev/null || true
	rm -f "$1/slack"
}
free_up() {
	rm -f "$1/fill" "$1/fill2"
}

# ---- kill -9: imports ----------------------------------------------------------

@test "kill -9 x10 mid-import into SQLite in batches, once the WAL has grown to a random size: whole batches kept; the same command resumes to the full data" {
	local n killed=0 ended=0 rows=0 after people
	rota-import -q --db base.db "$FM/people.csv"
	people=$(rota-import --db base.db --dump | cksum)
	copy_store base.db ref.db
	rota-import -q --db ref.db -b 500 "$BIG"
	after=$(content ref.db)
	for ((i = 1; i <= 10; i++)); do
		copy_store base.db s.db
		bg rota-import -q --db s.db -b 500 "$BIG"
		# Until the WAL holds 32 KiB to 2 MiB (the whole import: some 2.4 MiB).
		until_size s.db-wal $(((1 + RANDOM % 64) * 32768)) || true
		reap
		intact s.db
		n=$(sq s.db 'SELECT count(*) FROM requests')
		if [ "$BG_ST" -eq 137 ]; then
			killed=$((killed + 1))
			rows=$((rows + n))
			((n % 500 == 0)) || lose "$n rows kept: not whole batches of 500"
		else
			ended=$((ended + 1))
			expect "$n" 20000 "rows after exit 0"
		fi
		# The first n rows of the input, whole (row i has weight i); the
		# people as they were.
		expect "$(sq s.db 'SELECT coalesce(sum(weight), 0) FROM requests')" $((n * (n + 1) / 2)) "sum of the weights of $n rows"
		expect "$(sq s.db "SELECT count(*) FROM requests WHERE person != 'p' || weight")" 0 "rows not as in the input"
		expect "$(rota-import --db s.db --dump -t person | cksum)" "$people" "the people"
		# The same command again: the rest, nothing twice.
		rota-import --db s.db -b 500 "$BIG" 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		if [ "$BG_ST" -eq 137 ] && ((n > 0 && n < 20000)); then
			expect "$(head -n 1 rerun.err)" "$(resume_msg "$n" $((n / 500)))" "the next run's first message"
		fi
		expect "$(content s.db)" "$after" "the records after the next run"
		expect "$(sq s.db 'SELECT count(*) FROM rota_import WHERE finished IS NULL; SELECT count(*) FROM rota_import_batch')" $'0\n0' "the ledger"
	done
	tally "10 kills: $killed mid-import (keeping $((rows / (killed ? killed : 1))) of 20000 rows on average, whole batches), $ended after its end; 0 lost"
	((killed >= 5)) || fail "only $killed of 10 imports were killed mid-way (seed $SEED)"
}

@test "kill -9 x8 mid --atomic import into SQLite, over stored rows: the records as before or as after, never between" {
	local took before after nb=0 na=0
	# 20000 rows, half of whose keys are stored already with other weights.
	cp "$BIG" new.ndjson
	gen_requests_ndjson 10000 | sed 's/"weight":[0-9]*/"weight":0/' >old.ndjson
	rota-import -q --db base.db "$FM/people.csv" old.ndjson
	before=$(content base.db)
	copy_store base.db ref.db
	took=$(elapsed_ms rota-import -q --atomic --db ref.db new.ndjson)
	after=$(content ref.db)
	[ "$before" != "$after" ]
	start_one() {
		copy_store base.db s.db
		bg rota-import -q --atomic --db s.db new.ndjson
	}
	check_one() {
		local d
		intact s.db
		d=$(content s.db)
		if [ "$d" = "$before" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and nothing loaded"
			nb=$((nb + 1))
		elif [ "$d" = "$after" ]; then
			na=$((na + 1))
		else
			lose "the store is neither as before nor as after: $(sq s.db 'SELECT count(*), sum(weight) FROM requests')"
		fi
		rota-import -q --atomic --db s.db new.ndjson 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		expect "$(content s.db)" "$after" "the records after the next run"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: the store as before $nb times, as after $na times, between 0 times"
}

# ---- kill -9: the reporting views ------------------------------------------------

@test "kill -9 x8 mid-refresh of the views at random points: as before or as after; the next refresh works" {
	local took before after nb=0 na=0
	copy_store "$BATS_FILE_TMPDIR/prog.db" s0.db
	sq s0.db "DELETE FROM assignments WHERE \"date\" >= '2026-10-01'; UPDATE people SET pgy = 3 WHERE pgy = 1"
	before=$(views s0.db)
	copy_store s0.db ref.db
	took=$(elapsed_ms rota-mview-refresh -q --full -d ref.db)
	after=$(views ref.db)
	[ "$before" != "$after" ]
	start_one() {
		copy_store s0.db s.db
		bg rota-mview-refresh -q --full -d s.db
	}
	check_one() {
		local v
		intact s.db
		v=$(views s.db)
		if [ "$v" = "$before" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and the views as before"
			nb=$((nb + 1))
		elif [ "$v" = "$after" ]; then
			na=$((na + 1))
		else
			lose "the views are neither as before nor as after"
		fi
		rota-mview-refresh -q -d s.db >/dev/null 2>rerun.err || lose "the next refresh failed: $(cat rerun.err)"
		expect "$(views s.db)" "$after" "the views after the next refresh"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: the views as before $nb times, as after $na times, between 0 times"
}

# ---- kill -9: the cache ----------------------------------------------------------

@test "kill -9 x8 mid rota-cache put over an entry: the old value or the new, the others kept; the next put works" {
	local took v1 v2 n1=0 n2=0
	head -c 3000000 /dev/urandom >v1	# incompressible: stored raw
	cat "$BIG" "$BIG" >v2		# compressed
	echo small >v0
	v1=$(cksum <v1)
	v2=$(cksum <v2)
	rota-cache put other <v0
	rota-cache put k <v1
	took=$(elapsed_ms sh -c 'rota-cache put k <v2')
	start_one() {
		rota-cache put k <v1 || lose "the put of the old value failed"
		bg rota-cache put k <v2
	}
	check_one() {
		local got
		intact cache.db
		got=$(rota-cache get k | cksum)
		if [ "$got" = "$v1" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and the old value"
			n1=$((n1 + 1))
		elif [ "$got" = "$v2" ]; then
			n2=$((n2 + 1))
		else
			lose "the value is neither the old nor the new"
		fi
		expect "$(rota-cache get other)" small "the other entry"
		rota-cache stats >/dev/null 2>rerun.err || lose "stats failed: $(cat rerun.err)"
		rota-cache put k <v2 2>rerun.err || lose "the next put failed: $(cat rerun.err)"
		expect "$(rota-cache get k | cksum)" "$v2" "the value after the next put"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: the old value $n1 times, the new $n2 times, neither 0 times"
}

@test "kill -9 x8 of rota-solve keeping its solution in the cache: both entries or neither; the next run gives the whole schedule" {
	local took want after none=0 both=0 prog=$DATA/programme/programme.ndjson
	rota-solve -q -j 1 --moves 30000 --no-cache "$prog" | grep '"type":"assignment"' >want.ndjson
	# Each entry put takes a while (a trigger that reads): most kills
	# come while the entries are kept.
	rota-cache stats >/dev/null
	sq cache.db "CREATE TABLE slow (n integer);
		WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500) INSERT INTO slow SELECT x FROM c;
		CREATE TRIGGER slow AFTER INSERT ON cache_entry BEGIN SELECT count(*) FROM slow a, slow b; END;"
	took=$(elapsed_ms rota-solve -q -j 1 --moves 30000 "$prog")
	after=$(cache_entries cache.db)
	expect "$(cut -d'|' -f1 <<<"$after" | tr '\n' ' ')" 'solve solve-last ' "the entries of a solve"
	start_one() {
		rota-cache -q -A clear
		bg rota-solve -q -j 1 --moves 30000 "$prog"
	}
	check_one() {
		local got
		intact cache.db
		got=$(cache_entries cache.db)
		if [ -z "$got" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and no entry"
			none=$((none + 1))
		elif [ "$got" = "$after" ]; then
			both=$((both + 1))
		else
			lose "the cache holds neither none nor both entries: $got"
		fi
		rota-solve -q -j 1 --moves 30000 "$prog" >again.ndjson 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		expect "$(grep '"type":"assignment"' again.ndjson | cksum)" "$(cksum <want.ndjson)" "the schedule of the next run"
		expect "$(cache_entries cache.db)" "$after" "the entries after the next run"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: no entry $none times, both $both times, one of them 0 times"
}

# ---- kill -9: files ------------------------------------------------------------

@test "kill -9 x8 mid --write-lp FILE, once its temporary file is made: the old file or the new, whole; the next run writes it" {
	local took old new no=0 nn=0 f
	gen_benchmark 150 300 >bench.ndjson
	rota-solve --write-lp new.lp bench.ndjson
	new=$(cksum <new.lp)
	rota-solve --write-lp old.lp "$DATA/Instance1.txt"
	old=$(cksum <old.lp)
	# From the temporary file's creation (the problem is read) to the end.
	bg rota-solve --write-lp x.lp bench.ndjson
	until_glob 'x.lp.*' || true
	took=$(ms)
	wait "$BG"
	took=$(($(ms) - took))
	start_one() {
		cp old.lp out.lp
		bg rota-solve --write-lp out.lp bench.ndjson
		until_glob 'out.lp.*' || true
	}
	check_one() {
		local got
		got=$(cksum <out.lp)
		if [ "$got" = "$old" ]; then
			[ "$BG_ST" -eq 137 ] || lose "exit 0, and the old file"
			no=$((no + 1))
		elif [ "$got" = "$new" ]; then
			nn=$((nn + 1))
		else
			lose "out.lp is neither the old file nor the new ($(stat -c %s out.lp) bytes)"
		fi
	}
	kill_runs 8 24 "$took"
	# What a kill leaves is the temporary files ("out.lp." and 12 random
	# letters and digits), never more than one a kill.
	for f in out.lp.*; do
		[ -e "$f" ] || continue
		[[ $f =~ ^out\.lp\.[A-Za-z0-9]{12}$ ]] || fail "$f left"
	done
	(($(compgen -G 'out.lp.*' | wc -l) <= KILLED))
	rota-solve --write-lp out.lp bench.ndjson
	assert_equal "$(cksum <out.lp)" "$new"
	tally "$KILLED kills in $RUNS runs, ${took} ms from the temporary file to the end: the old file $no times, the new $nn times, a part of one 0 times"
}

@test "kill -9 x8 mid -F ics -o DIR: each calendar the old or the new, whole; the next run writes them all" {
	local took news=0 f=$BATS_FILE_TMPDIR
	# The new calendars from the cache, over those of another roster.
	fm_cache
	took=$(elapsed_ms rota-solve -q -F ics -o x "$FM"/*)
	start_one() {
		rm -rf cal
		cp -a "$f/cal-old" cal
		bg rota-solve -q -F ics -o cal "$FM"/*
	}
	check_one() {
		cal_whole cal "$f/old.state" "$f/new.state"
		[ "$BG_ST" -eq 0 ] && expect "$CAL_NEW" 29 "new calendars after exit 0"
		news=$((news + CAL_NEW))
		rota-solve -q -F ics -o cal "$FM"/* 2>rerun.err || lose "the next run failed: $(cat rerun.err)"
		expect "$(cal_state cal)" "$(cat "$f/new.state")" "the calendars after the next run"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: $news of $((RUNS * 29)) calendars new, the rest old, a part of one 0 times"
}

@test "kill -9 x8 mid --repair --full -F ics -o DIR: each calendar the published one or the repaired, whole; the next run writes them all" {
	local took news=0 pub=$BATS_FILE_TMPDIR/prog.published.ndjson changed=$BATS_FILE_TMPDIR/prog.changed.ndjson
	# The published calendars (a repair of nothing), the repaired ones.
	rota-solve -q -j 1 --moves 20000 --repair "$pub" --full -F ics -o old "$DATA/programme/programme.ndjson"
	rota-solve -q -j 1 --moves 20000 --repair "$pub" --full -F ics -o new "$changed"
	cal_state old >old.state
	cal_state new >new.state
	assert_equal "$(wc -l <new.state)" 12
	[ "$(comm -3 old.state new.state | wc -l)" -gt 0 ]
	took=$(elapsed_ms rota-solve -q -j 1 --moves 20000 --repair "$pub" --full -F ics -o x "$changed")
	start_one() {
		rm -rf cal
		cp -a old cal
		bg rota-solve -q -j 1 --moves 20000 --repair "$pub" --full -F ics -o cal "$changed"
	}
	check_one() {
		cal_whole cal old.state new.state
		news=$((news + CAL_NEW))
		rota-solve -q -j 1 --moves 20000 --repair "$pub" --full -F ics -o cal "$changed" 2>rerun.err ||
			lose "the next run failed: $(cat rerun.err)"
		expect "$(cal_state cal)" "$(cat new.state)" "the calendars after the next run"
	}
	kill_runs 8 24 "$took"
	tally "$KILLED kills in $RUNS runs of ${took} ms: $news of $((RUNS * 12)) calendars repaired, the rest as published, a part of one 0 times"
}

# ---- a full disk: ulimit -f ------------------------------------------------------
# Past the file size limit a write fails with EFBIG ("File too large"); the
# tools ignore SIGXFSZ, which would otherwise kill them mid-write.

# limited KIB CMD...: CMD with files limited to KIB KiB (ulimit -f), in a
# subshell.
limited() {
	(
		ulimit -f "$1"
		shift
		exec "$@"
	)
}

@test "ulimit -f: --write-lp FILE exits 7 naming the file; the old file stays, no temporary file" {
	gen_benchmark 150 300 >bench.ndjson
	rota-solve --write-lp out.lp "$DATA/Instance1.txt"
	cp out.lp old.lp
	run -7 --separate-stderr limited 1024 rota-solve --write-lp out.lp bench.ndjson
	assert_stderr 'rota-solve: out.lp: File too large'
	cmp out.lp old.lp
	assert_equal "$(ls)" $'bench.ndjson\nold.lp\nout.lp'
	run -0 rota-solve --write-lp out.lp bench.ndjson
	[ "$(stat -c %s out.lp)" -gt 1048576 ]
}

@test "ulimit -f: -F ics -o DIR exits 7 naming the calendar; each calendar old or new, no temporary file" {
	local f=$BATS_FILE_TMPDIR
	fm_cache
	cp -a "$f/cal-old" cal
	# -j 1 --moves: the same roster when the cache cannot be used (its
	# -shm file is larger than the limit).
	run -7 --separate-stderr limited 4 rota-solve -q -j 1 --moves 500000 -F ics -o cal "$FM"/*
	[[ $stderr =~ ^rota-solve:\ cal/[a-z0-9]+\.ics:\ File\ too\ large$ ]] || fail "stderr: $stderr"
	i=- SEED=-
	cal_whole cal "$f/old.state" "$f/new.state"
	assert_equal "$(ls cal | grep -vc '\.ics$')" 0
	run -0 rota-solve -q -F ics -o cal "$FM"/*
	assert_equal "$(cal_state cal)" "$(cat "$f/new.state")"
}

@test "ulimit -f: an import into an SQLite store exits 4 naming the store; nothing of the failed batch kept; the next run loads the rest" {
	rota-import -q --db s.db "$FM/people.csv"
	copy_store s.db ref.db
	rota-import -q --db ref.db -b 1000 "$BIG"
	local before n
	before=$(content s.db)
	# --atomic: nothing at all.
	run -4 --separate-stderr limited 512 rota-import -q --atomic --db s.db "$BIG"
	assert_stderr 'rota-import: s.db: disk I/O error'
	intact s.db
	assert_equal "$(content s.db)" "$before"
	# In batches: the batches committed before it.
	run -4 --separate-stderr limited 512 rota-import -q --db s.db -b 1000 "$BIG"
	assert_stderr 'rota-import: s.db: disk I/O error'
	intact s.db
	n=$(sq s.db 'SELECT count(*) FROM requests')
	((n > 0 && n < 20000 && n % 1000 == 0))
	assert_equal "$(sq s.db 'SELECT sum(weight) FROM requests')" $((n * (n + 1) / 2))
	run -0 --separate-stderr rota-import --db s.db -b 1000 "$BIG"
	assert_equal "${stderr_lines[0]}" "$(resume_msg "$n" $((n / 1000)))"
	assert_equal "$(content s.db)" "$(content ref.db)"
}

@test "ulimit -f: rota-import --rejects FILE exits 7 naming it; the old file stays, no temporary file" {
	echo '{"type":"reject","old":true}' >rej.ndjson
	for i in $(seq 2000); do echo '{"type":"person","id":"x","pgy":0}'; done >bad.ndjson
	run -7 --separate-stderr limited 16 rota-import -q --rejects rej.ndjson bad.ndjson
	assert_stderr 'rota-import: rej.ndjson: File too large'
	assert_equal "$(cat rej.ndjson)" '{"type":"reject","old":true}'
	assert_equal "$(ls)" $'bad.ndjson\nrej.ndjson'
	run -1 rota-import -q --rejects rej.ndjson bad.ndjson
	assert_equal "$(wc -l <rej.ndjson)" 2000
}

@test "ulimit -f: rota-cache put exits 4 naming the cache; the old value stays; the next put works" {
	head -c 3000000 /dev/urandom >big.bin
	echo old | rota-cache put k
	run -4 --separate-stderr limited 512 rota-cache put k <big.bin
	assert_stderr "rota-cache: $ROTA_CACHE: put: disk I/O error"
	intact cache.db
	assert_equal "$(rota-cache get k)" old
	# A cache made under the limit.
	run -4 --separate-stderr limited 8 rota-cache -c new.db put k <big.bin
	[[ $stderr =~ ^rota-cache:\ new\.db:\  ]] || fail "stderr: $stderr"
	run -0 rota-cache put k <big.bin
	assert_equal "$(rota-cache get k | cksum)" "$(cksum <big.bin)"
	run -0 rota-cache -c new.db put k <big.bin
	assert_equal "$(rota-cache -c new.db get k | cksum)" "$(cksum <big.bin)"
}

@test "ulimit -f: rota-mview-refresh exits 4 naming the store; the views stay; the next refresh works" {
	local before
	copy_store "$BATS_FILE_TMPDIR/prog.db" s.db
	sq s.db "UPDATE people SET pgy = 3 WHERE pgy = 1"
	before=$(views s.db)
	copy_store s.db ref.db
	rota-mview-refresh -q -d ref.db >/dev/null
	run -4 --separate-stderr limited 256 rota-mview-refresh -q -d s.db
	assert_stderr 'rota-mview-refresh: s.db: disk I/O error'
	intact s.db
	assert_equal "$(views s.db)" "$before"
	run -0 rota-mview-refresh -q -d s.db
	assert_equal "$(views s.db)" "$(views ref.db)"
	[ "$(views s.db)" != "$before" ]
}

@test "ulimit -f: standard output past the limit exits 7, not killed by SIGXFSZ" {
	run -7 --separate-stderr limited 64 sh -c 'rota-import -q "$1" >out.ndjson' - "$BIG"
	assert_stderr 'rota-import: standard output: File too large'
	fm_cache
	run -7 --separate-stderr limited 64 sh -c 'rota-solve -q -j 1 --moves 500000 "$@" >out.ndjson' - "$FM"/*
	assert_stderr 'rota-solve: standard output: File too large'
	rota-import -q --db s.db "$BIG"
	run -7 --separate-stderr limited 64 sh -c 'rota-import --db s.db --dump >out.ndjson'
	assert_stderr 'rota-import: standard output: File too large'
}

# ---- a full disk: a small tmpfs ------------------------------------------------
# Each test mounts a tmpfs of its own on ./fs (skipped where mounting is
# refused) and fills it up, leaving a little room or none.

@test "full disk: --write-lp FILE exits 7 naming the file; the old file stays, no temporary file" {
	small_fs fs 8m
	gen_benchmark 150 300 >bench.ndjson
	rota-solve --write-lp fs/out.lp "$DATA/Instance1.txt"
	cp fs/out.lp old.lp
	fill_up fs 256
	run -7 --separate-stderr rota-solve --write-lp fs/out.lp bench.ndjson
	assert_stderr 'rota-solve: fs/out.lp: No space left on device'
	cmp fs/out.lp old.lp
	assert_equal "$(ls fs)" $'fill\nfill2\nout.lp'
	free_up fs
	run -0 rota-solve --write-lp fs/out.lp "$DATA/Instance1.txt"
	cmp fs/out.lp old.lp
}

@test "full disk: -F ics -o DIR exits 7 naming the calendar; each calendar old or new, no temporary file" {
	small_fs fs 2m
	local f=$BATS_FILE_TMPDIR
	fm_cache
	cp -a "$f/cal-old" fs/cal
	fill_up fs
	run -7 --separate-stderr rota-solve -q -F ics -o fs/cal "$FM"/*
	[[ $stderr =~ ^rota-solve:\ fs/cal/[a-z0-9]+\.ics:\ No\ space\ left\ on\ device$ ]] || fail "stderr: $stderr"
	i=- SEED=-
	cal_whole fs/cal "$f/old.state" "$f/new.state"
	[ "$CAL_NEW" -lt 29 ]
	assert_equal "$(ls fs/cal | grep -vc '\.ics$')" 0
	free_up fs
	run -0 rota-solve -q -F ics -o fs/cal "$FM"/*
	assert_equal "$(cal_state fs/cal)" "$(cat "$f/new.state")"
}

@test "full disk: an import into an SQLite store exits 4 naming the store; nothing of the failed batch kept; the next run loads the rest" {
	small_fs fs 16m
	local n
	rota-import -q --db fs/s.db "$FM/people.csv"
	copy_store fs/s.db ref.db
	rota-import -q --db ref.db -b 1000 "$BIG"
	fill_up fs 1024
	run -4 --separate-stderr rota-import -q --db fs/s.db -b 1000 "$BIG"
	assert_stderr 'rota-import: fs/s.db: database or disk is full'
	free_up fs
	intact fs/s.db
	n=$(sq fs/s.db 'SELECT count(*) FROM requests')
	((n > 0 && n < 20000 && n % 1000 == 0))
	assert_equal "$(sq fs/s.db 'SELECT sum(weight) FROM requests')" $((n * (n + 1) / 2))
	assert_equal "$(rota-import --db fs/s.db --dump -t person | cksum)" "$(rota-import --db ref.db --dump -t person | cksum)"
	run -0 --separate-stderr rota-import --db fs/s.db -b 1000 "$BIG"
	assert_equal "${stderr_lines[0]}" "$(resume_msg "$n" $((n / 1000)))"
	assert_equal "$(content fs/s.db)" "$(content ref.db)"
}

@test "full disk: an --atomic import exits 4 and leaves the store as it was" {
	small_fs fs 16m
	local before
	rota-import -q --db fs/s.db "$FM/people.csv"
	before=$(content fs/s.db)
	fill_up fs 1024
	run -4 --separate-stderr rota-import -q --atomic --db fs/s.db "$BIG"
	assert_stderr 'rota-import: fs/s.db: database or disk is full'
	free_up fs
	intact fs/s.db
	assert_equal "$(content fs/s.db)" "$before"
	run -0 rota-import -q --atomic --db fs/s.db "$BIG"
	assert_equal "$(sq fs/s.db 'SELECT count(*), sum(weight) FROM requests')" '20000|200010000'
}

@test "full disk before the start: readers and writers of a store exit 4 with the engine's error, not 'not a rota store'" {
	small_fs fs 2m
	rota-import -q --db fs/s.db "$FM/people.csv"
	fill_up fs
	run -4 --separate-stderr rota-import --db fs/s.db --list
	assert_output ''
	[[ $stderr =~ ^rota-import:\ fs/s\.db:\  ]] || fail "stderr: $stderr"
	refute_stderr_line 'not a rota store'
	run -4 --separate-stderr rota-solve --db fs/s.db
	refute_stderr_line 'not a rota store'
	run -4 --separate-stderr rota-import -q --db fs/s.db "$DATA/people.csv"
	[[ $stderr =~ ^rota-import:\ fs/s\.db:\  ]] || fail "stderr: $stderr"
	free_up fs
	run -0 rota-import --db fs/s.db --list
	assert_line --regexp '^person +29$'
}

@test "full disk: rota-import --rejects FILE exits 7 naming it; the old file stays, no temporary file" {
	small_fs fs 1m
	echo '{"type":"reject","old":true}' >fs/rej.ndjson
	for i in $(seq 2000); do echo '{"type":"person","id":"x","pgy":0}'; done >bad.ndjson
	fill_up fs 16
	run -7 --separate-stderr rota-import -q --rejects fs/rej.ndjson bad.ndjson
	assert_stderr 'rota-import: fs/rej.ndjson: No space left on device'
	assert_equal "$(cat fs/rej.ndjson)" '{"type":"reject","old":true}'
	assert_equal "$(ls fs)" $'fill\nfill2\nrej.ndjson'
	free_up fs
	run -1 rota-import -q --rejects fs/rej.ndjson bad.ndjson
	assert_equal "$(wc -l <fs/rej.ndjson)" 2000
}

@test "full disk: rota-cache put exits 4 naming the cache; the old value stays; the next put works" {
	small_fs fs 8m
	export ROTA_CACHE=$MNT/cache.db
	head -c 3000000 /dev/urandom >big.bin
	echo old | rota-cache put k
	fill_up fs 512
	run -4 --separate-stderr rota-cache put k <big.bin
	assert_stderr "rota-cache: $ROTA_CACHE: put: database or disk is full"
	free_up fs
	intact "$ROTA_CACHE"
	assert_equal "$(rota-cache get k)" old
	run -0 rota-cache put k <big.bin
	assert_equal "$(rota-cache get k | cksum)" "$(cksum <big.bin)"
	# A cache made on a full disk.
	fill_up fs
	run -4 --separate-stderr rota-cache -c fs/new.db put k <big.bin
	[[ $stderr =~ ^rota-cache:\ fs/new\.db:\  ]] || fail "stderr: $stderr"
	free_up fs
	run -0 rota-cache -c fs/new.db put k <big.bin
	assert_equal "$(rota-cache -c fs/new.db get k | cksum)" "$(cksum <big.bin)"
}

@test "full disk: rota-mview-refresh exits 4 naming the store; the views stay; the next refresh works" {
	small_fs fs 40m
	local before
	copy_store "$BATS_FILE_TMPDIR/prog.db" fs/s.db
	sq fs/s.db "UPDATE people SET pgy = 3 WHERE pgy = 1"
	before=$(views fs/s.db)
	copy_store fs/s.db ref.db
	rota-mview-refresh -q -d ref.db >/dev/null
	fill_up fs 256
	run -4 --separate-stderr rota-mview-refresh -q -d fs/s.db
	assert_stderr 'rota-mview-refresh: fs/s.db: database or disk is full'
	free_up fs
	intact fs/s.db
	assert_equal "$(views fs/s.db)" "$before"
	run -0 rota-mview-refresh -q -d fs/s.db
	assert_equal "$(views fs/s.db)" "$(views ref.db)"
}

@test "full disk: standard output exits 7" {
	small_fs fs 1m
	fill_up fs 16
	run -7 --separate-stderr sh -c 'rota-import -q "$1" >fs/out.ndjson' - "$BIG"
	assert_stderr 'rota-import: standard output: No space left on device'
	fm_cache
	run -7 --separate-stderr sh -c 'rota-solve -q -j 1 --moves 500000 "$@" >fs/out.ndjson' - "$FM"/*
	assert_stderr 'rota-solve: standard output: No space left on device'
}

# ---- a closed pipe ---------------------------------------------------------------
# Each output is far larger than a pipe holds, so that the tool is still
# writing when head(1) has gone.

# piped CMD...: CMD | head -n 1; $PIPE_ST is CMD's status, pipe.first the
# line head got, pipe.err CMD's standard error.
piped() {
	"$@" 2>pipe.err 3>&- | head -n 1 >pipe.first
	PIPE_ST=${PIPESTATUS[0]}
}

# closed_pipe STATUS [-q]: runs each tool's output (with -q if given) into
# head -n 1 and checks that the tool ended with STATUS, said nothing, and
# head got a whole record.
closed_pipe() {
	local want=$1 q=${2:-} c plans
	fm_cache
	rota-import -q --db s.db "$BIG"
	rota-cache exec -- cat "$BIG" >/dev/null	# then replayed from the cache
	plans=$(for ((c = 0; c < 200; c++)); do printf ' %s' "$DATA/explain/pg-seq-scan.json"; done)
	local -a cmds=(
		"rota-solve $q -j 1 --moves 500000 $FM/*"
		"rota-import $q $BIG"
		"rota-import $q --db s.db --dump"
		"rota-check-acgme $q -a --tz America/Chicago $BATS_FILE_TMPDIR/fm.schedule.ndjson"
		"rota-explain $q $plans"
		"rota-mview-refresh $q -d $BATS_FILE_TMPDIR/prog.db --show person_workload"
		"rota-cache $q exec -- cat $BIG"
	)
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086 # the words of the command
		piped $c
		c=${c:0:80}
		[ "$PIPE_ST" -eq "$want" ] || fail "$c: exit $PIPE_ST, not $want; stderr: $(cat pipe.err)"
		[ ! -s pipe.err ] || fail "$c: said: $(cat pipe.err)"
		json_line "$(cat pipe.first)" || fail "$c: head got no whole record: $(head -c 300 pipe.first)"
	done
}

@test "closed pipe: each tool dies of SIGPIPE (141) quietly, and head gets a whole record" {
	closed_pipe 141
}

@test "closed pipe with SIGPIPE ignored: each tool exits 7 quietly (-q), and head gets a whole record" {
	trap '' PIPE
	closed_pipe 7 -q
}
