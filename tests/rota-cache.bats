#!/usr/bin/env bats
# tests/rota-cache.bats: rota-cache, the local result cache: get, put, del,
# invalidate, clear, stats, gc and config; TTL expiry, the size bound and its
# eviction order, compression, the file's modes and default path, corrupt
# entries (a byte flipped in the file); exec (memoised commands) and lock
# (file locks between processes); 8 processes sharing one cache.
#
# The PostgreSQL advisory lock is in rota-cache-pg.bats.  python3 reads the
# JSON of `stats --format json`.

load helpers

setup() {
	test_dir
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/cache.db
	unset XDG_CACHE_HOME
}

# ---- helpers of this file ---------------------------------------------------

# st FIELD [NAMESPACE]: one field of `rota-cache stats --format json`, of the
# total or of NAMESPACE; whole numbers without ".0".
st() {
	rota-cache stats -F json | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = sys.argv[1]
o = d["total"]
if len(sys.argv) > 2:
    o = next(n for n in d["namespaces"] if n["namespace"] == sys.argv[2])
v = o[f]
print(int(v) if isinstance(v, (int, float)) and float(v).is_integer() else v)' "$@"
}

# assert_st FIELD [NAMESPACE] WANT
assert_st() {
	local want=${*: -1}
	assert_equal "$(st "${@:1:$#-1}")" "$want"
}

# assert_total_consistent: the byte total the triggers keep equals the sum
# of the entries' stored sizes.
assert_total_consistent() {
	assert_equal "$(sq "$ROTA_CACHE" 'SELECT bytes FROM cache_total')" \
		"$(sq "$ROTA_CACHE" 'SELECT coalesce(sum(stored_size), 0) FROM cache_entry')"
}

# mode PATH: its permission bits in octal.
mode() {
	stat -c %a "$1"
}

# all_bytes: every byte value 0…255 once.
all_bytes() {
	local i
	for ((i = 0; i < 256; i++)); do
		printf "\\$(printf %03o "$i")"
	done
}

# ---- get put del --------------------------------------------------------------

@test "get, put and del: a round trip, a miss exits 1, del of an absent key exits 1" {
	run -1 --separate-stderr rota-cache get k
	assert_output ""
	assert_equal "$stderr" ""
	echo hello | rota-cache put k
	run -0 rota-cache get k
	assert_output hello
	printf 'new' | rota-cache put k
	run -0 rota-cache get k
	assert_output new
	run -0 rota-cache del k
	run -1 rota-cache get k
	run -1 rota-cache del k
	# Namespaces are apart; options go before or after the key.
	echo a | rota-cache -n one put k
	echo b | rota-cache put k -n two
	run -1 rota-cache get k
	run -0 rota-cache get -n one k
	assert_output a
	run -0 rota-cache get k --namespace two
	assert_output b
	# --cache names another file.
	echo other | rota-cache --cache "$BATS_TEST_TMPDIR/w/other.db" put k
	run -0 rota-cache -c "$BATS_TEST_TMPDIR/w/other.db" get k
	assert_output other
	run -1 rota-cache get k
	# An empty value is a hit.
	rota-cache put empty </dev/null
	run -0 rota-cache get empty
	assert_output ""
	assert_total_consistent
	assert_st puts 5
	assert_st hits 5
	assert_st misses 4
}

@test "get, put and del: usage errors exit 2" {
	run -2 rota-cache
	run -2 rota-cache frob
	run -2 rota-cache get
	run -2 rota-cache get a b
	run -2 rota-cache get ''
	run -2 rota-cache put </dev/null
	run -2 rota-cache put k --ttl soon </dev/null
	run -2 rota-cache -n '' get k
	run -2 rota-cache stats -F xml
	run -0 rota-cache --help
	assert_line --partial 'usage: rota-cache'
}

@test "binary values: every byte value and NULs round-trip exactly" {
	all_bytes >all.bin
	printf '\0\0\0' >>all.bin
	assert_equal "$(stat -c %s all.bin)" 259
	rota-cache put bin <all.bin
	rota-cache get bin >got.bin
	cmp all.bin got.bin
	# Above the threshold, compressed: still exact.
	for i in 1 2 3 4 5 6 7 8; do cat all.bin; done >big.bin
	printf '\n\n' >>big.bin
	rota-cache put big <big.bin
	rota-cache get big >got.bin
	cmp big.bin got.bin
	assert [ "$(st bytes_stored)" -lt "$(st bytes_raw)" ]
	# Only NULs.
	head -c 5000 /dev/zero >zero.bin
	rota-cache put zero <zero.bin
	rota-cache get zero >got.bin
	cmp zero.bin got.bin
}

# ---- ttl gc invalidate clear --------------------------------------------------

@test "put --ttl: the entry expires; gc removes it and counts an eviction" {
	# A TTL long enough for the three puts and a get of a sanitizer build
	# on a busy machine (1 s was not, once), then a wait until it passed.
	local t0=$(ms)
	echo soon | rota-cache put k --ttl 5s
	echo later | rota-cache put --ttl 1h l
	echo always | rota-cache put m
	run -0 rota-cache get k
	assert_output soon
	[ $(($(ms) - t0)) -lt 5000 ] || skip "the machine took over 5 s for four commands"
	sleep 5
	run -1 rota-cache get k
	assert_output ""
	run -0 rota-cache get l
	assert_st entries 3
	run -0 --separate-stderr rota-cache gc
	assert_stderr 'rota-cache: removed 1 entry'
	assert_st entries 2
	assert_st evictions 1
	assert_equal "$(sq "$ROTA_CACHE" "SELECT count(*) FROM cache_entry WHERE key = 'k'")" 0
	run -0 rota-cache get m
	run -0 --separate-stderr rota-cache gc -q
	assert_equal "$stderr" ""
	assert_st evictions 1
	assert_total_consistent
}

@test "invalidate: a glob within a namespace (-n) and across all (-A)" {
	local k
	for k in k1 k2 k10 x1; do echo "$k" | rota-cache -n a put "$k"; done
	for k in k1 k3; do echo "$k" | rota-cache -n b put "$k"; done
	echo u | rota-cache put k1
	run -0 --separate-stderr rota-cache -n a invalidate 'k?'
	assert_stderr 'rota-cache: invalidated 2 entries'
	run -1 rota-cache -n a get k1
	run -1 rota-cache -n a get k2
	run -0 rota-cache -n a get k10
	run -0 rota-cache -n a get x1
	run -0 rota-cache -n b get k1
	run -0 rota-cache get k1
	# A character class; nothing matching is not an error.
	run -0 --separate-stderr rota-cache invalidate -n b '[3]*'
	assert_stderr 'rota-cache: invalidated 0 entries'
	run -0 --separate-stderr rota-cache invalidate -n b 'k[3]'
	assert_stderr 'rota-cache: invalidated 1 entry'
	# Across every namespace.
	run -0 --separate-stderr rota-cache -A invalidate 'k*'
	assert_stderr 'rota-cache: invalidated 3 entries'
	run -1 rota-cache -n a get k10
	run -1 rota-cache -n b get k1
	run -1 rota-cache get k1
	run -0 rota-cache -n a get x1
	assert_st entries 1
	assert_total_consistent
}

@test "clear: one namespace, or all with -A; the statistics stay" {
	echo 1 | rota-cache -n a put k
	echo 2 | rota-cache -n b put k
	echo 3 | rota-cache put k
	rota-cache -n a get k
	run -0 --separate-stderr rota-cache -n a clear
	assert_stderr 'rota-cache: cleared 1 entry'
	run -1 rota-cache -n a get k
	run -0 rota-cache -n b get k
	run -0 rota-cache get k
	run -0 --separate-stderr rota-cache clear -A
	assert_stderr 'rota-cache: cleared 2 entries'
	run -1 rota-cache -n b get k
	assert_st entries 0
	assert_st bytes_stored 0
	assert_st hits 3
	assert_st misses 2
	run -2 rota-cache clear extra
	assert_total_consistent
}

# ---- stats config -----------------------------------------------------------------

@test "stats: text and --format json, the total and per namespace" {
	yes 'a line of text' | head -c 10000 >text
	rota-cache -n a put big <text
	echo small | rota-cache -n a put small
	echo b | rota-cache -n b put k
	rota-cache -n a get big >/dev/null
	rota-cache -n a get small >/dev/null
	rota-cache -n a get nope || true
	rota-cache -n b get nope || true
	rota-cache -n b get nope || true
	rota-cache -n b get k >/dev/null
	run -0 rota-cache stats -F json
	python3 - "$output" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
t = d["total"]
for f in ("hits", "misses", "hit_rate", "entries", "bytes_stored", "bytes_raw",
          "compression_ratio", "evictions", "corrupt"):
    assert f in t, f
assert (t["hits"], t["misses"], t["entries"], t["evictions"], t["corrupt"]) == (3, 3, 3, 0, 0), t
assert t["hit_rate"] == 0.5, t
assert t["bytes_raw"] == 10000 + 6 + 2, t
assert t["bytes_stored"] < 1000, t
assert abs(t["compression_ratio"] - t["bytes_raw"] / t["bytes_stored"]) < 1e-9, t
assert d["max_size"] == 512 << 20 and d["path"].endswith("/w/cache.db"), d
ns = {n["namespace"]: n for n in d["namespaces"]}
assert sorted(ns) == ["a", "b"], ns
a, b = ns["a"], ns["b"]
assert (a["hits"], a["misses"], a["entries"], a["bytes_raw"]) == (2, 1, 2, 10006), a
assert (b["hits"], b["misses"], b["entries"], b["bytes_raw"], b["bytes_stored"]) == (1, 2, 1, 2, 2), b
assert abs(a["hit_rate"] - 2 / 3) < 1e-9 and abs(b["hit_rate"] - 1 / 3) < 1e-9
assert b["compression_ratio"] == 1
for f in ("hits", "misses", "entries", "bytes_raw", "bytes_stored", "evictions", "corrupt"):
    assert t[f] == a[f] + b[f], f
EOF
	run -0 rota-cache stats
	assert_line "Cache:              $ROTA_CACHE"
	assert_line --regexp '^Hits: +3 / 6 \(50\.00 %\)$'
	assert_line --regexp '^Misses: +3$'
	assert_line --regexp '^Entries: +3$'
	assert_line --regexp '^Stored: +[0-9]+ B \(raw 9\.8 KiB, ratio [0-9.]+\)$'
	assert_line --regexp '^Evictions: +0$'
	assert_line --regexp '^Corrupt entries: +0$'
	assert_line --regexp '^Max size: +512\.0 MiB \(0\.0 % used\)$'
	assert_line 'Namespace a:'
	assert_line --regexp '^  Hits: +2 / 3 \(66\.67 %\)$'
	assert_line 'Namespace b:'
	assert_line --regexp '^  Hits: +1 / 3 \(33\.33 %\)$'
	assert_line --regexp '^  Stored: +2 B \(raw 2 B, ratio 1\.00\)$'
}

@test "stats: an empty cache" {
	run -0 rota-cache stats -F json
	assert_output --partial '"total":{"hits":0,"misses":0,"hit_rate":0,"entries":0,'
	assert_output --partial '"namespaces":[]'
	run -0 rota-cache stats
	assert_line --regexp '^Hits: +0 / 0 \(0\.00 %\)$'
}

@test "config: show, and set --max-size, --level and --threshold" {
	run -0 rota-cache config
	assert_output - <<'EOF'
max_size   536870912
level      0
threshold  1024
EOF
	run -0 rota-cache config --max-size 100k --level 19 --threshold 4k
	assert_output ""
	run -0 rota-cache config
	assert_output - <<'EOF'
max_size   102400
level      19
threshold  4096
EOF
	# One setting leaves the others.
	rota-cache config --level -3
	run -0 rota-cache config -F json
	assert_output '{"max_size":102400,"level":-3,"threshold":4096}'
	run -0 rota-cache stats -F json
	assert_output --partial '"max_size":102400'
	# Below the threshold nothing is compressed.
	yes | head -c 4000 | rota-cache put under
	assert_st bytes_stored 4000
	yes | head -c 4096 | rota-cache put at
	assert [ "$(st bytes_stored)" -lt 5000 ]
	run -2 rota-cache config --level 99
	run -2 rota-cache config --max-size lots
	run -2 rota-cache config --threshold -1
	run -0 rota-cache config
	assert_line 'max_size   102400'
	# A lower bound holds at once.
	rota-cache config --threshold 1M
	head -c 60000 /dev/urandom | rota-cache put r1
	head -c 30000 /dev/urandom | rota-cache put r2
	rota-cache config --max-size 50k
	assert [ "$(st bytes_stored)" -le $((50 * 1024)) ]
	assert_st evictions 3
}

# ---- the size bound, compression --------------------------------------------------

@test "eviction: the least recently used go first, a recently read one stays, down to 90%" {
	rota-cache config --max-size 10000 --threshold 1M
	local i
	for i in 01 02 03 04 05 06 07 08 09 10; do
		head -c 1000 /dev/urandom | rota-cache put "k$i"
	done
	assert_st entries 10
	assert_st evictions 0
	rota-cache get k01 >/dev/null
	rota-cache get k02 >/dev/null
	# 11000 bytes > 10000: down to at most 9000, the two least recently used.
	head -c 1000 /dev/urandom | rota-cache put k11
	assert_st entries 9
	assert_st bytes_stored 9000
	assert_st evictions 2
	run -1 rota-cache get k03
	run -1 rota-cache get k04
	for i in 01 02 05 06 07 08 09 10 11; do
		rota-cache get "k$i" >/dev/null	# a hit (exit 0); the bytes are random
	done
	# Now k01 is the least recently used, k05 the most but k06, put again
	# with a TTL.  Expired entries go before any, even the newest.
	rota-cache get k05 >/dev/null
	head -c 1000 /dev/urandom | rota-cache put k06 --ttl 1s
	sleep 2
	head -c 1000 /dev/urandom | rota-cache put k12
	assert_st evictions 2
	# 11000: k06 (expired), then k01.
	head -c 1000 /dev/urandom | rota-cache put k13
	run -1 rota-cache get k06
	run -1 rota-cache get k01
	rota-cache get k02 >/dev/null
	rota-cache get k05 >/dev/null
	assert_st bytes_stored 9000
	assert_st evictions 4
	# One value bigger than what the cache keeps: refused, nothing evicted.
	run -4 --separate-stderr rota-cache put huge < <(head -c 20000 /dev/urandom)
	assert_stderr "rota-cache: $ROTA_CACHE: a value of 20000 bytes stored is more than the cache keeps (90% of its bound, 9000 bytes)"
	run -1 rota-cache get huge
	assert_st bytes_stored 9000
	assert_total_consistent
}

@test "compression: a repetitive 1 MB value is stored much smaller, random bytes raw" {
	yes 'Resident 17 works the night shift on ward 4B.' | head -c 1048576 >rep
	rota-cache -n z put rep <rep
	assert_st bytes_raw z 1048576
	assert [ "$(st bytes_stored z)" -lt 20000 ]
	assert [ "$(st compression_ratio z | cut -d. -f1)" -gt 50 ]
	rota-cache -n z get rep | cmp - rep
	head -c 1048576 /dev/urandom >rand
	rota-cache -n r put rand <rand
	assert_st bytes_raw r 1048576
	assert_st bytes_stored r 1048576
	assert_equal "$(sq "$ROTA_CACHE" "SELECT codec FROM cache_entry WHERE key = 'rand'")" 0
	rota-cache -n r get rand | cmp - rand
	# A higher level does not make it worse.
	local before
	before=$(st bytes_stored z)
	rota-cache config --level 19
	rota-cache -n z put rep <rep
	assert [ "$(st bytes_stored z)" -le "$before" ]
	rota-cache -n z get rep | cmp - rep
}

# ---- the file -----------------------------------------------------------------------

@test "the file: created 0600 in a 0700 folder; the default from XDG_CACHE_HOME, then HOME" {
	umask 000
	export ROTA_CACHE=$BATS_TEST_TMPDIR/w/a/b/c.db
	echo v | rota-cache put k
	assert_equal "$(mode a)" 700
	assert_equal "$(mode a/b)" 700
	assert_equal "$(mode a/b/c.db)" 600
	local f
	for f in a/b/c.db-wal a/b/c.db-shm; do
		[ ! -e "$f" ] || assert_equal "$(mode "$f")" 600
	done
	# XDG_CACHE_HOME, when ROTA_CACHE is unset.
	mkdir xdg
	echo x | env -u ROTA_CACHE XDG_CACHE_HOME="$PWD/xdg" HOME="$PWD/nohome" rota-cache put k
	assert_equal "$(mode xdg/rota)" 700
	assert_equal "$(mode xdg/rota/cache.db)" 600
	run -0 env -u ROTA_CACHE XDG_CACHE_HOME="$PWD/xdg" rota-cache get k
	assert_output x
	assert [ ! -e nohome ]
	# HOME, when neither is set; a relative XDG_CACHE_HOME is ignored.
	mkdir home
	echo h | env -u ROTA_CACHE XDG_CACHE_HOME=rel HOME="$PWD/home" rota-cache put k
	assert [ ! -e rel ]
	assert_equal "$(mode home/.cache)" 700
	assert_equal "$(mode home/.cache/rota)" 700
	assert_equal "$(mode home/.cache/rota/cache.db)" 600
	run -0 env -u ROTA_CACHE -u XDG_CACHE_HOME HOME="$PWD/home" rota-cache get k
	assert_output h
	run -0 env -u ROTA_CACHE -u XDG_CACHE_HOME HOME="$PWD/home" rota-cache stats
	assert_line "Cache:              $PWD/home/.cache/rota/cache.db"
	# WAL, so that processes share it.
	assert_equal "$(sq home/.cache/rota/cache.db 'PRAGMA journal_mode')" wal
	# Nowhere to put it.
	run -4 env -u ROTA_CACHE -u XDG_CACHE_HOME -u HOME rota-cache get k
	# Not a cache.
	echo 'not a database' >junk
	run -4 --separate-stderr rota-cache -c junk get k
}

@test "corrupt entry: a byte flipped in the file is a miss, counted, and removed" {
	local pat=ROTA-CORRUPT-PATTERN-7f3a9c
	printf 'before %s after' "$pat" | rota-cache put victim
	echo fine | rota-cache put other
	sq "$ROTA_CACHE" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	local offs
	offs=$(grep -obUa -- "$pat" "$ROTA_CACHE" | cut -d: -f1)
	assert_equal "$(wc -w <<<"$offs")" 1
	# The 'P' of PATTERN becomes a 'Q'.
	printf Q | dd of="$ROTA_CACHE" bs=1 seek=$((offs + 13)) conv=notrunc status=none
	grep -qa -- ROTA-CORRUPT-QATTERN "$ROTA_CACHE"
	run -1 --separate-stderr rota-cache get victim
	assert_output ""
	assert_st corrupt 1
	assert_st misses 1
	assert_equal "$(sq "$ROTA_CACHE" "SELECT count(*) FROM cache_entry WHERE key = 'victim'")" 0
	run -1 rota-cache get victim
	assert_st corrupt 1
	run -0 rota-cache get other
	assert_output fine
	assert_total_consistent
}

@test "corrupt entry: a compressed value, a bad size or codec in the row" {
	yes 'compressible' | head -c 100000 >rep
	rota-cache put z <rep
	rota-cache put size <rep
	rota-cache put codec <rep
	echo short | rota-cache put raw
	sq "$ROTA_CACHE" "UPDATE cache_entry SET value = zeroblob(length(value)) WHERE key = 'z';
		UPDATE cache_entry SET raw_size = 1000000000000000 WHERE key = 'size';
		UPDATE cache_entry SET codec = 7 WHERE key = 'codec';
		UPDATE cache_entry SET raw_size = -1 WHERE key = 'raw'"
	local k
	for k in z size codec raw; do
		run -1 rota-cache get "$k"
		assert_output ""
	done
	assert_st corrupt 4
	assert_st entries 0
}

# ---- exec -------------------------------------------------------------------------------

@test "exec: the first run runs, the second replays stdout, stderr and the status" {
	local cmd='echo run >>runs; echo out; echo err >&2; printf "no newline"'
	run -0 --separate-stderr rota-cache exec -- sh -c "$cmd" </dev/null
	assert_output $'out\nno newline'
	assert_equal "$stderr" err
	assert_equal "$(wc -l <runs)" 1
	run -0 --separate-stderr rota-cache exec -- sh -c "$cmd" </dev/null
	assert_output $'out\nno newline'
	assert_equal "$stderr" err
	assert_equal "$(wc -l <runs)" 1
	# In the namespace "exec", unless told.
	assert_st hits exec 1
	assert_st misses exec 1
	# Another argument vector is another key.
	run -0 rota-cache exec -- sh -c "$cmd" extra </dev/null
	assert_equal "$(wc -l <runs)" 2
	# A status kept with --cache-failures is replayed too.
	run -3 --separate-stderr rota-cache exec --cache-failures -- sh -c 'echo run >>runs3; echo o; echo e >&2; exit 3' </dev/null
	run -3 --separate-stderr rota-cache exec --cache-failures -- sh -c 'echo run >>runs3; echo o; echo e >&2; exit 3' </dev/null
	assert_output o
	assert_equal "$stderr" e
	assert_equal "$(wc -l <runs3)" 1
	# --ttl: a replay until it expires.
	rota-cache exec --ttl 1s -- sh -c 'echo run >>runs4' </dev/null
	rota-cache exec --ttl 1s -- sh -c 'echo run >>runs4' </dev/null
	assert_equal "$(wc -l <runs4)" 1
	sleep 2
	rota-cache exec --ttl 1s -- sh -c 'echo run >>runs4' </dev/null
	assert_equal "$(wc -l <runs4)" 2
	# The command's own options stay its own.
	run -0 rota-cache exec -- printf '%s-' -n -A </dev/null
	assert_output '-n--A-'
}

@test "exec: binary standard output and error are replayed exactly" {
	all_bytes >all.bin
	head -c 300000 /dev/urandom >>all.bin
	printf '\0\0' >>all.bin
	cat >cmd.sh <<'EOF'
echo run >>runs
cat all.bin
head -c 1000 all.bin >&2
EOF
	rota-cache exec -- sh cmd.sh </dev/null >out1 2>err1
	rota-cache exec -- sh cmd.sh </dev/null >out2 2>err2
	assert_equal "$(wc -l <runs)" 1
	cmp all.bin out1
	cmp all.bin out2
	head -c 1000 all.bin >err.want
	cmp err.want err1
	cmp err.want err2
}

@test "exec: standard input, --key-file contents and --env values are in the key" {
	local cmd='echo run >>runs; cat; echo "[$V]"'
	run -0 rota-cache exec -- sh -c "$cmd" <<<a
	assert_output $'a\n[]'
	run -0 rota-cache exec -- sh -c "$cmd" <<<b
	assert_output $'b\n[]'
	assert_equal "$(wc -l <runs)" 2
	run -0 rota-cache exec -- sh -c "$cmd" <<<a
	assert_output $'a\n[]'
	assert_equal "$(wc -l <runs)" 2
	# Binary input with NULs.
	all_bytes >in.bin
	rota-cache exec -- sh -c "$cmd" <in.bin >out1
	rota-cache exec -- sh -c "$cmd" <in.bin >out2
	assert_equal "$(wc -l <runs)" 3
	cmp out1 out2
	# A key file's contents.
	echo one >dep
	rota-cache exec --key-file dep -- sh -c "$cmd" </dev/null >/dev/null
	rota-cache exec --key-file dep -- sh -c "$cmd" </dev/null >/dev/null
	assert_equal "$(wc -l <runs)" 4
	echo two >dep
	rota-cache exec --key-file dep -- sh -c "$cmd" </dev/null >/dev/null
	assert_equal "$(wc -l <runs)" 5
	echo one >dep
	rota-cache exec --key-file dep -- sh -c "$cmd" </dev/null >/dev/null
	assert_equal "$(wc -l <runs)" 5
	run -3 rota-cache exec --key-file missing -- true </dev/null
	# An environment variable's value, only when named.
	V=x rota-cache exec --env V -- sh -c "$cmd" </dev/null >/dev/null
	assert_equal "$(wc -l <runs)" 6
	run -0 env V=x rota-cache exec --env V -- sh -c "$cmd" </dev/null
	assert_output '[x]'
	assert_equal "$(wc -l <runs)" 6
	run -0 env V=y rota-cache exec --env V -- sh -c "$cmd" </dev/null
	assert_output '[y]'
	assert_equal "$(wc -l <runs)" 7
	# Unset is not the same as empty.
	run -0 env -u V rota-cache exec --env V -- sh -c "$cmd" </dev/null
	run -0 env V= rota-cache exec --env V -- sh -c "$cmd" </dev/null
	assert_equal "$(wc -l <runs)" 9
	# Not named: not in the key.
	run -0 env V=z rota-cache exec -- sh -c "$cmd" </dev/null
	assert_output '[z]'
	run -0 env V=w rota-cache exec -- sh -c "$cmd" </dev/null
	assert_output '[z]'
	assert_equal "$(wc -l <runs)" 10
}

@test "exec: a failing command is not cached unless --cache-failures" {
	run -1 rota-cache exec -- sh -c 'echo run >>runs; exit 1' </dev/null
	run -1 rota-cache exec -- sh -c 'echo run >>runs; exit 1' </dev/null
	assert_equal "$(wc -l <runs)" 2
	assert_st entries 0
	run -2 rota-cache exec --cache-failures -- sh -c 'echo run >>runs2; exit 2' </dev/null
	run -2 rota-cache exec --cache-failures -- sh -c 'echo run >>runs2; exit 2' </dev/null
	assert_equal "$(wc -l <runs2)" 1
	# Killed by a signal: 128+N, never cached.
	run -143 rota-cache exec --cache-failures -- sh -c 'echo run >>runs3; kill -TERM $$' </dev/null
	run -143 rota-cache exec --cache-failures -- sh -c 'echo run >>runs3; kill -TERM $$' </dev/null
	assert_equal "$(wc -l <runs3)" 2
}

@test "exec: a command not found exits 127, one that cannot run 126" {
	run -127 --separate-stderr rota-cache exec -- no-such-command-here </dev/null
	assert_stderr 'rota-cache: no-such-command-here: No such file or directory'
	run -127 rota-cache exec --cache-failures -- no-such-command-here </dev/null
	printf 'not executable' >notexec
	run -126 rota-cache exec -- ./notexec </dev/null
	assert_st entries 0
	run -2 rota-cache exec </dev/null
}

# ---- lock -------------------------------------------------------------------------------

@test "lock: a second holder exits 5 at once; after the first, it can be had" {
	rota-cache lock job -- sh -c 'touch held; sleep 2; echo first >>order' 3>&- &
	local pid=$! t0
	wait_for held
	t0=$(ms)
	run -5 --separate-stderr rota-cache lock job -- sh -c 'echo second >>order'
	assert [ $(($(ms) - t0)) -lt 1000 ]
	assert_stderr 'rota-cache: lock job is held by another process'
	# Another name is another lock.
	run -0 rota-cache lock other -- true
	wait "$pid"
	run -0 rota-cache lock job -- sh -c 'echo second >>order'
	assert_equal "$(cat order)" $'first\nsecond'
}

@test "lock --wait: the second runs after the first; too short a wait exits 5" {
	rota-cache lock job -- sh -c 'touch held; sleep 2; echo first >>order' 3>&- &
	local pid=$! t0
	wait_for held
	t0=$(ms)
	run -5 rota-cache lock job --wait 0.5 -- true
	assert [ $(($(ms) - t0)) -ge 500 ]
	run -0 rota-cache lock --wait 10 job -- sh -c 'echo second >>order'
	assert_equal "$(cat order)" $'first\nsecond'
	wait "$pid"
}

@test "lock: no stale lock after kill -9 of the holder and its command" {
	rota-cache lock job -- sh -c 'echo $$ >child; touch held; exec sleep 60' 3>&- &
	local pid=$! t0
	wait_for held
	kill -9 "$pid"
	wait "$pid" || true
	# The command still runs, and still holds the lock.
	run -5 rota-cache lock job -- true
	kill -9 "$(cat child)"
	t0=$(ms)
	run -0 rota-cache lock job -- echo mine
	assert_output mine
	assert [ $(($(ms) - t0)) -lt 1000 ]
}

@test "lock: the command's status is passed through" {
	run -0 rota-cache lock job -- true
	run -1 rota-cache lock job -- false
	run -7 rota-cache lock job -- sh -c 'exit 7'
	run -143 rota-cache lock job -- sh -c 'kill -TERM $$'
	run -127 --separate-stderr rota-cache lock job -- no-such-command-here
	assert_stderr 'rota-cache: no-such-command-here: No such file or directory'
	run -0 rota-cache lock job -- sh -c 'echo out; echo err >&2' </dev/null
	assert_output $'out\nerr'
	run -2 rota-cache lock -- true
	run -2 rota-cache lock ../x -- true
	run -2 rota-cache lock job
	# The lock files live beside the cache, in a 0700 folder, made when
	# the cache's own folder is not there yet.
	assert_equal "$(mode locks)" 700
	assert [ -e locks/job.lock ]
	mkdir home
	run -0 env -u ROTA_CACHE -u XDG_CACHE_HOME HOME="$PWD/home" rota-cache lock job -- true
	assert_equal "$(mode home/.cache/rota/locks)" 700
	assert [ -e home/.cache/rota/locks/job.lock ]
}

# ---- many processes ---------------------------------------------------------------

# The driver: `driver run CACHE P N OUT` does N mixed operations as process
# P on keys of its own (namespace "own") and shared ones (namespace
# "shared"), checking each result, reopening the cache every 250; it writes
# "gets G" and "puts U", then "KEY SEQ" for each of its own keys present, to
# OUT.  `driver verify CACHE OUT...` checks those keys' values.
driver_src() {
	cat <<'EOF'
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define NOWN 300
#define NSHARED 40

static struct cache *c;
static long ngets, nputs;

static void
die(const char *what, const char *key)
{
	fprintf(stderr, "driver: %s %s: %s\n", what, key, c ? cache_errmsg(c) : "");
	exit(1);
}

static void
reopen(const char *path)
{
	char err[1200];
	if (c && cache_close(c) < 0)
		die("close", path);
	if (!(c = cache_open(path, err, sizeof err))) {
		fprintf(stderr, "driver: %s\n", err);
		exit(1);
	}
}

/* The value of KEY at SEQ: a header, then bytes either repetitive or not. */
static size_t
value(const char *key, long seq, char *buf)
{
	unsigned h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	size_t len = (size_t)((h + (unsigned)seq * 7919u) % 3000);
	int n = snprintf(buf, 64, "%s:%ld:%zu:", key, seq, len);
	unsigned x = h ^ (unsigned)seq;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[n + i] = seq % 3 ? (char)(x >> 16) : (char)('a' + i % 7);
	}
	return (size_t)n + len;
}

static void
check_get(const char *ns, const char *key, long seq)
{
	char want[4200];
	void *v;
	size_t len;
	int rc = cache_get(c, ns, key, &v, &len);
	ngets++;
	if (rc < 0)
		die("get", key);
	if (seq < 0) {
		if (rc)
			die("unexpected hit", key);
		return;
	}
	if (!rc)
		die("lost write", key);
	size_t wl = value(key, seq, want);
	if (len != wl || memcmp(v, want, wl) != 0)
		die("wrong value", key);
	free(v);
}

static int
run(const char *path, int p, long n, const char *out)
{
	long seq[NOWN], next = 1;
	char key[64], buf[4200];
	unsigned r = (unsigned)p * 2654435761u + 1;
	for (int i = 0; i < NOWN; i++)
		seq[i] = -1;
	reopen(path);
	for (long op = 0; op < n; op++) {
		if (op % 250 == 249)
			reopen(path);
		r = r * 1103515245u + 12345u;
		unsigned what = (r >> 8) % 100, which = (r >> 16);
		int k = (int)(which % NOWN);
		snprintf(key, sizeof key, "p%d-k%d", p, k);
		if (what < 35) {
			check_get("own", key, seq[k]);
		} else if (what < 60) {
			seq[k] = next++;
			if (cache_put(c, "own", key, buf, value(key, seq[k], buf), 0) < 0)
				die("put", key);
			nputs++;
		} else if (what < 63) {
			int rc = cache_del(c, "own", key);
			if (rc < 0 || rc != (seq[k] >= 0))
				die("del", key);
			seq[k] = -1;
		} else if (what < 78) {
			void *v;
			size_t len;
			snprintf(key, sizeof key, "s-%u", which % NSHARED);
			int rc = cache_get(c, "shared", key, &v, &len);
			ngets++;
			if (rc < 0)
				die("get", key);
			if (rc) {	/* some process's value of this key, whole */
				long s;
				size_t l;
				char k2[64];
				if (sscanf(v, "%63[^:]:%ld:%zu:", k2, &s, &l) != 3 || strcmp(k2, key) != 0)
					die("wrong shared value", key);
				if (len != value(key, s, buf) || memcmp(v, buf, len) != 0)
					die("wrong shared value", key);
				free(v);
			}
		} else if (what < 93) {
			snprintf(key, sizeof key, "s-%u", which % NSHARED);
			if (cache_put(c, "shared", key, buf, value(key, (long)p * 1000000 + next++, buf),
				    0) < 0)
				die("put", key);
			nputs++;
		} else if (what < 97) {
			char glob[64];
			snprintf(glob, sizeof glob, "p%d-k%u*", p, which % 10);
			if (cache_invalidate(c, "own", glob) < 0)
				die("invalidate", glob);
			for (int i = 0; i < NOWN; i++) {
				snprintf(key, sizeof key, "p%d-k%d", p, i);
				if (fnmatch(glob, key, 0) == 0)
					seq[i] = -1;
			}
		} else {
			char glob[64];
			snprintf(glob, sizeof glob, "s-%u*", which % 4);
			/* Within the namespace, or across all: the own keys
			 * never match. */
			if (cache_invalidate(c, which & 1 ? "shared" : NULL, glob) < 0)
				die("invalidate", glob);
		}
	}
	if (cache_close(c) < 0) {
		fprintf(stderr, "driver: close\n");
		return 1;
	}
	FILE *fp = fopen(out, "w");
	if (!fp)
		return 1;
	fprintf(fp, "gets %ld\nputs %ld\n", ngets, nputs);
	for (int i = 0; i < NOWN; i++)
		if (seq[i] >= 0)
			fprintf(fp, "p%d-k%d %ld\n", p, i, seq[i]);
	return fclose(fp) != 0;
}

static int
verify(const char *path, int n, char **outs)
{
	reopen(path);
	long checked = 0;
	for (int i = 0; i < n; i++) {
		FILE *fp = fopen(outs[i], "r");
		char key[64];
		long seq;
		if (!fp)
			return 1;
		while (fscanf(fp, "%63s %ld", key, &seq) == 2) {
			if (strcmp(key, "gets") == 0 || strcmp(key, "puts") == 0)
				continue;
			check_get("own", key, seq);
			checked++;
		}
		fclose(fp);
	}
	printf("%ld\n", checked);
	return cache_close(c) < 0;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "run") == 0)
		return run(argv[2], atoi(argv[3]), atol(argv[4]), argv[5]);
	if (argc >= 3 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], argc - 3, argv + 3);
	fprintf(stderr, "usage: driver run CACHE P N OUT | driver verify CACHE OUT...\n");
	return 2;
}
EOF
}

# build_driver: compiles it against the library under test (with the
# sanitizers when that library was built with them).
build_driver() {
	local san=
	if nm "$ROTA_BIN/librota.a" 2>/dev/null | grep -q __asan_; then
		san='-fsanitize=address,undefined -fno-omit-frame-pointer'
	fi
	driver_src >driver.c
	# shellcheck disable=SC2046,SC2086
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g $san -I"$ROTA_TOP/lib" \
		-o driver driver.c "$ROTA_BIN/librota.a" \
		$(pkg-config --libs sqlite3 libzstd libxxhash libcjson libpq) -lm -lpthread
}

@test "concurrency: 8 processes, 5000 mixed operations each: no error, no lost write, stats add up" {
	build_driver
	local p pids=() st=0
	for p in 0 1 2 3 4 5 6 7; do
		./driver run "$ROTA_CACHE" "$p" 5000 "out$p" 2>"err$p" 3>&- &
		pids+=($!)
	done
	for p in 0 1 2 3 4 5 6 7; do
		if ! wait "${pids[p]}"; then
			echo "process $p failed:" >&2
			cat "err$p" >&2
			st=1
		fi
	done
	[ "$st" -eq 0 ]
	cat err* >&2
	assert_equal "$(cat err*)" ""
	# Statistics: every get was a hit or a miss, every put counted.
	local gets puts
	gets=$(awk '$1 == "gets" { s += $2 } END { print s }' out*)
	puts=$(awk '$1 == "puts" { s += $2 } END { print s }' out*)
	assert [ "$gets" -gt 10000 ]
	assert_equal $(($(st hits) + $(st misses))) "$gets"
	assert_equal "$(st puts)" "$puts"
	assert_st corrupt 0
	assert_st evictions 0
	assert_equal "$(st entries)" "$(sq "$ROTA_CACHE" 'SELECT count(*) FROM cache_entry')"
	assert_total_consistent
	# No lost write: every own key that was put and not removed is there,
	# with its last value.
	local want
	want=$(cat out* | grep -cv '^[gp][eu]ts ')
	assert [ "$want" -gt 500 ]
	run -0 ./driver verify "$ROTA_CACHE" out*
	assert_output "$want"
	assert_equal "$(sq "$ROTA_CACHE" "SELECT count(*) FROM cache_entry WHERE ns = 'own'")" "$want"
}

@test "a cache made by an older rota is emptied and made again; a newer one is refused" {
	mkdir -p "$(dirname "$ROTA_CACHE")"
	sq "$ROTA_CACHE" "CREATE TABLE cache_entry (ns text, key text, value blob);
		INSERT INTO cache_entry VALUES ('user', 'k', 'old')"
	run -1 rota-cache get k
	assert_equal "$(sq "$ROTA_CACHE" 'PRAGMA user_version')" 2
	echo new | rota-cache put k
	run -0 rota-cache get k
	assert_output new
	sq "$ROTA_CACHE" 'PRAGMA user_version = 3'
	run -4 --separate-stderr rota-cache get k
	assert_stderr "rota-cache: $ROTA_CACHE: made by a newer rota (cache schema 3)"
}

@test "a hit records its use without rewriting the value (cache_use)" {
	head -c 5000 /dev/urandom | rota-cache put big
	rota-cache get big >/dev/null
	rota-cache stats >/dev/null	# merges the usage log
	assert_equal "$(sq "$ROTA_CACHE" 'SELECT count(*) FROM cache_use')" 1
	rota-cache del big
	assert_equal "$(sq "$ROTA_CACHE" 'SELECT count(*) FROM cache_use')" 0
}
