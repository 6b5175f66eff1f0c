#!/usr/bin/env bats
# tests/rota-import.bats: rota-import on its own (NDJSON out) and with the
# SQLite store.  The PostgreSQL store is tested in rota-import-pg.bats.

load helpers

setup_file() {
	# Large inputs for the crash tests, made once for the file.
	gen_requests_ndjson 300000 >"$BATS_FILE_TMPDIR/big.ndjson"
	gen_requests_csv 300000 >"$BATS_FILE_TMPDIR/big.csv"
}

setup() {
	test_dir
}

people_count() {
	sq "$1" 'SELECT count(*) FROM people'
}

# ---- options, usage, help ----------------------------------------------

@test "helpers put \$ROTA_BIN first on PATH" {
	run -0 command -v rota-import
	assert_output "$ROTA_BIN/rota-import"
}

@test "--help and -h print the usage on standard output and exit 0" {
	run -0 --separate-stderr rota-import --help
	assert_equal "$stderr" ""
	assert_line --index 0 'usage: rota-import [options] [FILE...]'
	local o
	for o in '-f, --from FORMAT' '-t, --type TYPE' '-d, --db STORE' '-b, --batch-size N' \
		'--atomic' '-r, --rejects FILE' '-m, --max-rejects N' '--start DATE' '--no-resume' \
		'-l, --list' '--dump' '--progress' '-q, --quiet' '-v, --verbose' '-h, --help' '--version'; do
		assert_output --partial -- "$o"
	done
	local help=$output
	run -0 --separate-stderr rota-import -h
	assert_equal "$output" "$help"
}

@test "--version prints the Makefile's version" {
	local v
	v=$(sed -n 's/^VERSION *= *//p' "$ROTA_TOP/Makefile")
	run -0 --separate-stderr rota-import --version
	assert_output "rota-import $v"
	assert_equal "$stderr" ""
}

# usage_error EXPECTED-FIRST-STDERR-LINE ARGS...: exit 2, nothing on stdout.
usage_error() {
	local want=$1
	shift
	run -2 --separate-stderr rota-import "$@"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "$want"
}

@test "usage errors exit 2 with a message and write nothing" {
	printf '{"type":"person","id":"p1"}\n' >in.ndjson
	usage_error "rota-import: unrecognized option '--bogus'" --bogus in.ndjson
	assert_stderr "rota-import: unrecognized option '--bogus'
usage: rota-import [options] [FILE...]
Try 'rota-import --help' for more information."
	usage_error "rota-import: invalid option -- 'x'" -x in.ndjson
	usage_error "rota-import: option '--db' requires an argument" --db
	usage_error 'rota-import: --from: expected ndjson, csv or nrp, got "xml"' --from xml in.ndjson
	usage_error 'rota-import: --from: expected ndjson, csv or nrp, got "CSV"' -f CSV in.ndjson
	usage_error 'rota-import: --type: unknown record type "nurse"' --type nurse in.ndjson
	usage_error 'rota-import: --type: unknown record type "reject"' -t reject in.ndjson
	local n
	for n in 0 -3 1x '' 100000001 2.5; do
		usage_error "rota-import: --batch-size: expected an integer 1..100000000, got \"$n\"" \
			--batch-size "$n" in.ndjson
	done
	usage_error 'rota-import: --batch-size: expected an integer 1..100000000, got "ten"' -b ten in.ndjson
	usage_error 'rota-import: --max-rejects: expected an integer 0..4611686018427387904, got "-1"' \
		--max-rejects -1 in.ndjson
	usage_error 'rota-import: --max-rejects: expected an integer 0..4611686018427387904, got "many"' \
		-m many in.ndjson
	usage_error 'rota-import: --start: day out of range for its month, got "2026-02-30"' \
		--start 2026-02-30 in.ndjson
	usage_error 'rota-import: --start: expected a date YYYY-MM-DD, got "monday"' --start monday in.ndjson
	usage_error 'rota-import: --start: day 0 of a benchmark is a Monday; 2026-01-06 is not' \
		--start 2026-01-06 in.ndjson
	usage_error 'rota-import: --list reads the store, not files' --db s.db --list in.ndjson
	usage_error 'rota-import: --dump reads the store, not files' --db s.db --dump in.ndjson
	usage_error 'rota-import: --list and --dump go alone' --db s.db --list --dump
	usage_error 'rota-import: --db: empty store name' --db '' in.ndjson
	usage_error 'rota-import: --db: empty store name' -d '' --list
	# A usage error touches no store.
	usage_error 'rota-import: --batch-size: expected an integer 1..100000000, got "0"' \
		--db s.db -b 0 in.ndjson
	[ ! -e s.db ]
}

@test "--help and --version to a full disk exit 7" {
	run -7 --separate-stderr to_full rota-import --help
	assert_stderr 'rota-import: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-import --version
	assert_stderr 'rota-import: standard output: No space left on device'
}

# ---- NDJSON in, NDJSON out ---------------------------------------------

@test "NDJSON out is normalised, defaults are filled, unknown fields kept" {
	cat >in.ndjson <<'EOF'
{ "type" : "person", "id" : "r1", "pgy" : 2.0, "badge" : {"no": 7, "tags": ["a", "b"]} }
{"type":"request","person":"r1","date":"2026-02-02","want":"off"}
{"type":"horizon","start":"2026-01-05","days":28,"slots":["AM","PM","CALL"]}
{"type":"activity","id":"clinic","slot":"AM","minutes":2.4e2}
{"type":"limit","max_minutes":4800}
{"type":"assignment","person":"r1","date":"2026-01-05","slot":"AM","activity":"clinic"}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-11","status":"ok"}
{"type":"summary","tool":"rota-solve","objective":607}
EOF
	run -0 --separate-stderr rota-import in.ndjson
	assert_output - <<'EOF'
{"type":"person","id":"r1","pgy":2,"badge":{"no":7,"tags":["a","b"]}}
{"type":"request","person":"r1","date":"2026-02-02","want":"off","slot":"*","activity":"*","weight":1}
{"type":"horizon","start":"2026-01-05","days":28,"slots":["AM","PM","CALL"],"id":"main"}
{"type":"activity","id":"clinic","slot":"AM","minutes":240,"kind":"clinical"}
{"type":"limit","max_minutes":4800,"person":"*"}
{"type":"assignment","person":"r1","date":"2026-01-05","slot":"AM","activity":"clinic","locked":false}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-11","status":"ok","person":"*"}
{"type":"summary","tool":"rota-solve","objective":607}
EOF
	assert_stderr 'rota-import: 8 read, 8 written, 0 rejected, N rows/s'
}

@test "every record type passes through NDJSON unchanged but for defaults" {
	run -0 --separate-stderr rota-import "$DATA/all-types.ndjson"
	assert_output "$(cat "$DATA/all-types.out.ndjson")"
	assert_summary '17 read, 17 written, 0 rejected'
}

@test "NDJSON: numbers pass through exactly" {
	echo '{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-11","status":"ok","value":0.30000000000000004,"limit":0.3333333333333333,"x":[0.30000000000000004,1e21,-0.0]}' >in.ndjson
	run -0 --separate-stderr rota-import in.ndjson
	assert_output '{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-11","status":"ok","value":0.30000000000000004,"limit":0.3333333333333333,"x":[0.30000000000000004,1e+21,-0],"person":"*"}'
}

@test "NDJSON: blank lines are skipped but counted; CRLF line ends are accepted" {
	printf '\n{"type":"person","id":"a"}\r\n   \n\t\n{"type":"person","id":"b","pgy":0}\n\r\n{"type":"person","id":"c"}  \t\n' >in.ndjson
	run -1 --separate-stderr rota-import in.ndjson
	assert_output - <<'EOF'
{"type":"person","id":"a"}
{"type":"person","id":"c"}
EOF
	assert_stderr - <<'EOF'
rota-import: in.ndjson:5: pgy: expected 1..10, got 0
rota-import: 3 read, 2 written, 1 rejected, N rows/s
EOF
}

@test "standard input is read when no file or - is named" {
	printf '{"type":"person","id":"a"}\n{"type":"person"}\n' >in.ndjson
	run -1 --separate-stderr rota-import <in.ndjson
	assert_output '{"type":"person","id":"a"}'
	assert_stderr "$(printf '%s\n' 'rota-import: -:2: id: missing' 'rota-import: 2 read, 1 written, 1 rejected, N rows/s')"
	run -1 --separate-stderr rota-import - <in.ndjson
	assert_output '{"type":"person","id":"a"}'
	assert_stderr_line 'rota-import: -:2: id: missing'
}

@test "NDJSON: invalid JSON, text after the object, non-objects, with columns" {
	cat >in.ndjson <<'EOF'
{"type":"person","id":"p0"}
{"a":1,}
{"type":"person","id":"p1"} x
{"type":"person","id":"p2"}{}
{"type":"person","id":"p3"
x
[1,2]
42
"person"
null
EOF
	run -1 --separate-stderr rota-import -v in.ndjson
	assert_output '{"type":"person","id":"p0"}'
	assert_stderr - <<'EOF'
rota-import: in.ndjson:2: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:3: invalid JSON at column 29: text after the JSON value
rota-import: in.ndjson:4: invalid JSON at column 28: text after the JSON value
rota-import: in.ndjson:5: invalid JSON at column 27: expected ',' or '}'
rota-import: in.ndjson:6: invalid JSON at column 1: expected a value
rota-import: in.ndjson:7: expected a JSON object, got [1,2]
rota-import: in.ndjson:8: expected a JSON object, got 42
rota-import: in.ndjson:9: expected a JSON object, got "person"
rota-import: in.ndjson:10: expected a JSON object, got null
rota-import: 10 read, 1 written, 9 rejected, N rows/s
EOF
}

@test "NDJSON: the column of invalid JSON is that of the first bad character" {
	cat >in.ndjson <<'EOF'
{"a":1,}
{"a":[1,2,}
{bad
{"x":1, bad}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:2: invalid JSON at column 11: expected a value
rota-import: in.ndjson:3: invalid JSON at column 2: expected a member name in double quotes
rota-import: in.ndjson:4: invalid JSON at column 9: expected a member name in double quotes
rota-import: 4 read, 0 written, 4 rejected, N rows/s
EOF
}

@test "NDJSON: invalid UTF-8 is rejected with its byte; valid UTF-8 passes" {
	{
		printf '{"type":"person","id":"p\xff1"}\n'
		printf '{"type":"person","id":"p","name":"\xc0\xaf"}\n'
		printf '{"type":"person","id":"p","name":"\xed\xa0\x80"}\n'
		printf '{"type":"person","id":"p","name":"\xe2\x82"}\n'
		printf '{"type":"person","id":"p","name":"Zo\xc3\xab \xf0\x9f\x98\x80"}\n'
	} >in.ndjson
	run -1 --separate-stderr rota-import in.ndjson
	assert_output "$(printf '{"type":"person","id":"p","name":"Zo\xc3\xab \xf0\x9f\x98\x80"}')"
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: invalid UTF-8 at byte 25
rota-import: in.ndjson:2: invalid UTF-8 at byte 35
rota-import: in.ndjson:3: invalid UTF-8 at byte 35
rota-import: in.ndjson:4: invalid UTF-8 at byte 35
rota-import: 5 read, 1 written, 4 rejected, N rows/s
EOF
}

@test "NDJSON: the record type must be given and known" {
	cat >in.ndjson <<'EOF'
{"id":"p"}
{"type":"nurse","id":"p"}
{"type":7,"id":"p"}
{"type":"Person","id":"p"}
{"type":"reject","id":"p"}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_output ""
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: type: missing
rota-import: in.ndjson:2: type: unknown record type "nurse"
rota-import: in.ndjson:3: type: unknown record type 7
rota-import: in.ndjson:4: type: unknown record type "Person"
rota-import: in.ndjson:5: type: unknown record type "reject"
rota-import: 5 read, 0 written, 5 rejected, N rows/s
EOF
}

@test "NDJSON: a missing required field is named, for every type" {
	cat >in.ndjson <<'EOF'
{"type":"horizon","days":7,"slots":["DAY"]}
{"type":"horizon","start":"2026-01-05","slots":["DAY"]}
{"type":"horizon","start":"2026-01-05","days":7}
{"type":"person","name":"Ada"}
{"type":"activity","id":"a"}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a"}
{"type":"cover","date":"2026-01-05","slot":"AM","want":1}
{"type":"absence","person":"p","from":"2026-01-05"}
{"type":"request","person":"p","date":"2026-01-05"}
{"type":"request","date":"2026-01-05","want":"on"}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM"}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-06"}
{"type":"finding","rule":"r","from":"2026-01-05","status":"ok"}
{"type":"limit"}
{"type":"summary"}
EOF
	run -1 --separate-stderr rota-import -v in.ndjson
	assert_output - <<'EOF'
{"type":"limit","person":"*"}
{"type":"summary"}
EOF
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: start: missing
rota-import: in.ndjson:2: days: missing
rota-import: in.ndjson:3: slots: missing
rota-import: in.ndjson:4: id: missing
rota-import: in.ndjson:5: slot: missing
rota-import: in.ndjson:6: want: missing
rota-import: in.ndjson:7: activity: missing
rota-import: in.ndjson:8: to: missing
rota-import: in.ndjson:9: want: missing
rota-import: in.ndjson:10: person: missing
rota-import: in.ndjson:11: activity: missing
rota-import: in.ndjson:12: status: missing
rota-import: in.ndjson:13: to: missing
rota-import: 15 read, 2 written, 13 rejected, N rows/s
EOF
}

@test "NDJSON: a bad value of every field kind is rejected with its field" {
	local long
	long=$(printf 'x%.0s' {1..201})
	cat >in.ndjson <<EOF
{"type":"person","id":"p","pgy":11}
{"type":"person","id":"p","pgy":0}
{"type":"person","id":"p","pgy":2.5}
{"type":"person","id":"p","pgy":"3"}
{"type":"horizon","start":"2026-01-05","days":3661,"slots":["DAY"]}
{"type":"request","person":"p","date":"2026-01-05","want":"on","weight":1000000001}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":-1}
{"type":"absence","person":"p","from":"2026-02-30","to":"2026-03-01"}
{"type":"absence","person":"p","from":"2026-13-01","to":"2026-03-01"}
{"type":"absence","person":"p","from":"2026-1-5","to":"2026-03-01"}
{"type":"absence","person":"p","from":"2024-02-29","to":"2025-02-29"}
{"type":"absence","person":"p","from":20260105,"to":"2026-03-01"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00+25:00","end":"2026-02-01T12:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T24:00:00Z","end":"2026-02-01T12:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01 08:00","end":"2026-02-01T12:00:00Z"}
{"type":"finding","rule":"r","from":"2026-01-05T00:00","to":"2026-01-06","status":"ok"}
{"type":"activity","id":"a","slot":"AM","start":"24:00"}
{"type":"activity","id":"a","slot":"AM","start":"8:00"}
{"type":"person","id":"p","role":"boss"}
{"type":"person","id":"p","role":"$(printf 'a%.0s' {1..50})"}
{"type":"activity","id":"a","slot":"AM","kind":"surgery"}
{"type":"request","person":"p","date":"2026-01-05","want":"maybe"}
{"type":"person","id":"p","specialties":"im"}
{"type":"person","id":"p","specialties":["im",3]}
{"type":"person","id":"p","specialties":["im",""]}
{"type":"activity","id":"a","slot":"AM","supervision":[1]}
{"type":"activity","id":"a","slot":"AM","supervision":{"1":0}}
{"type":"limit","max_shifts":{"D":1.5}}
{"type":"limit","max_shifts":{"D":100001}}
{"type":"limit","max_shifts":{"":1}}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","locked":"yes"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","exception":1}
{"type":"person","id":""}
{"type":"person","id":"$long"}
{"type":"person","id":"a\tb"}
{"type":"person","id":7}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-06","status":"ok","value":"high"}
{"type":"person","id":"p","name":5}
{"type":"horizon","start":"2026-01-05","days":7,"slots":[]}
{"type":"request","person":"p","date":"2026-01-05","want":"on","slot":null}
{"type":"person","id":null}
EOF
	run -1 --separate-stderr rota-import -v in.ndjson
	assert_output ""
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: pgy: expected 1..10, got 11
rota-import: in.ndjson:2: pgy: expected 1..10, got 0
rota-import: in.ndjson:3: pgy: expected an integer, got 2.5
rota-import: in.ndjson:4: pgy: expected an integer, got "3"
rota-import: in.ndjson:5: days: expected 1..3660, got 3661
rota-import: in.ndjson:6: weight: expected 0..1000000000, got 1000000001
rota-import: in.ndjson:7: want: expected 0..100000, got -1
rota-import: in.ndjson:8: from: day out of range for its month, got "2026-02-30"
rota-import: in.ndjson:9: from: month out of range 01..12, got "2026-13-01"
rota-import: in.ndjson:10: from: expected a date YYYY-MM-DD, got "2026-1-5"
rota-import: in.ndjson:11: to: day out of range for its month, got "2025-02-29"
rota-import: in.ndjson:12: from: expected a string, got 20260105
rota-import: in.ndjson:13: start: UTC offset out of range, got "2026-02-01T08:00:00+25:00"
rota-import: in.ndjson:14: start: time of day out of range (leap seconds are not accepted), got "2026-02-01T24:00:00Z"
rota-import: in.ndjson:15: start: expected an RFC 3339 instant YYYY-MM-DDTHH:MM:SS with Z or an offset, got "2026-02-01 08:00"
rota-import: in.ndjson:16: from: expected an RFC 3339 instant YYYY-MM-DDTHH:MM:SS with Z or an offset, got "2026-01-05T00:00"
rota-import: in.ndjson:17: start: time of day out of range 00:00..23:59, got "24:00"
rota-import: in.ndjson:18: start: expected a time of day HH:MM, got "8:00"
rota-import: in.ndjson:19: role: expected one of resident, fellow, faculty, staff; got "boss"
rota-import: in.ndjson:20: role: expected one of resident, fellow, faculty, staff; got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...
rota-import: in.ndjson:21: kind: expected one of clinical, education, transition, in_house_call, night_float, moonlighting, home_call, home_call_in, clinical_from_home, leave; got "surgery"
rota-import: in.ndjson:22: want: expected one of on, off; got "maybe"
rota-import: in.ndjson:23: specialties: expected an array of names, got "im"
rota-import: in.ndjson:24: specialties: expected names in the array, got 3
rota-import: in.ndjson:25: specialties: must not be empty
rota-import: in.ndjson:26: supervision: expected an object of name: integer, got [1]
rota-import: in.ndjson:27: supervision: expected 1..100, got 0
rota-import: in.ndjson:28: max_shifts: expected an integer, got 1.5
rota-import: in.ndjson:29: max_shifts: expected 0..100000, got 100001
rota-import: in.ndjson:30: max_shifts: must not be empty
rota-import: in.ndjson:31: locked: expected true or false, got "yes"
rota-import: in.ndjson:32: exception: expected true or false, got 1
rota-import: in.ndjson:33: id: must not be empty
rota-import: in.ndjson:34: id: longer than 200 bytes
rota-import: in.ndjson:35: id: contains a control character
rota-import: in.ndjson:36: id: expected a string, got 7
rota-import: in.ndjson:37: value: expected a number, got "high"
rota-import: in.ndjson:38: name: expected a string, got 5
rota-import: in.ndjson:39: slots: a horizon needs at least one slot
rota-import: in.ndjson:40: slot: expected a string, got null
rota-import: in.ndjson:41: id: expected a string, got null
rota-import: 41 read, 0 written, 41 rejected, N rows/s
EOF
}

@test "NDJSON: values at the edges of their ranges are accepted" {
	local id200
	id200=$(printf 'x%.0s' {1..200})
	cat >in.ndjson <<EOF
{"type":"person","id":"$id200","pgy":10}
{"type":"person","id":"p","pgy":1,"role":null,"name":null}
{"type":"horizon","start":"2024-02-29","days":3660,"slots":["DAY"]}
{"type":"request","person":"p","date":"2026-01-05","want":"on","weight":0}
{"type":"activity","id":"a","slot":"AM","start":"23:59","minutes":2880,"supervision":{"1":100}}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00.123+05:30","end":"2026-02-01T23:59:59z"}
EOF
	run -0 --separate-stderr rota-import in.ndjson
	assert_output - <<EOF
{"type":"person","id":"$id200","pgy":10}
{"type":"person","id":"p","pgy":1,"role":null,"name":null}
{"type":"horizon","start":"2024-02-29","days":3660,"slots":["DAY"],"id":"main"}
{"type":"request","person":"p","date":"2026-01-05","want":"on","weight":0,"slot":"*","activity":"*"}
{"type":"activity","id":"a","slot":"AM","start":"23:59","minutes":2880,"supervision":{"1":100},"kind":"clinical"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00.123+05:30","end":"2026-02-01T23:59:59z","locked":false}
EOF
}

@test "NDJSON: an instant without a UTC offset says the offset is missing" {
	cat >in.ndjson <<'EOF'
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00.5","end":"2026-02-01T12:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00","end":"2026-02-01T12:00:00Z"}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: start: missing UTC offset (Z or +HH:MM), got "2026-02-01T08:00:00.5"
rota-import: in.ndjson:2: start: missing UTC offset (Z or +HH:MM), got "2026-02-01T08:00:00"
rota-import: 2 read, 0 written, 2 rejected, N rows/s
EOF
}

@test "NDJSON: a key given twice in an object is rejected" {
	cat >in.ndjson <<'EOF'
{"type":"person","id":"p1","id":"p2"}
{"type":"person","type":"person","id":"p"}
{"type":"person","id":"p","x":1,"x":2}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_output ""
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: id: given twice
rota-import: in.ndjson:2: type: given twice
rota-import: in.ndjson:3: x: given twice
rota-import: 3 read, 0 written, 3 rejected, N rows/s
EOF
}

@test "a name given twice in a counts field is rejected (NDJSON and CSV)" {
	echo '{"type":"limit","person":"p1","max_shifts":{"D":1,"D":2}}' >in.ndjson
	run -1 --separate-stderr rota-import in.ndjson
	assert_output ""
	assert_stderr_line "$(stderr_norm | grep -F 'in.ndjson:1: max_shifts: ')"
	printf 'person,max_shifts\np1,D=1|D=2\n' >in.csv
	run -1 --separate-stderr rota-import in.csv
	assert_output ""
	assert_stderr_line "$(stderr_norm | grep -F 'in.csv:2: max_shifts: ')"
}

@test "a string holding U+0000 is not silently cut short" {
	echo '{"type":"person","id":"p4","name":"a\u0000b"}' >in.ndjson
	run --separate-stderr rota-import in.ndjson
	refute_output '{"type":"person","id":"p4","name":"a"}'
	if [ "$status" -eq 0 ]; then
		assert_output --partial 'a\u0000b'
	else
		assert_equal "$status" 1
		assert_output ""
	fi
}

@test "NDJSON: the rules between fields of a record" {
	cat >in.ndjson <<'EOF'
{"type":"absence","person":"p","from":"2026-03-02","to":"2026-03-01"}
{"type":"absence","person":"p","from":"2026-03-02","to":"2026-03-02"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00Z","end":"2026-02-01T08:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00-05:00","end":"2026-02-01T12:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00-05:00","end":"2026-02-01T14:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00Z"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","end":"2026-02-01T08:00:00Z"}
{"type":"activity","id":"a","slot":"AM","pgy_min":3,"pgy_max":2}
{"type":"activity","id":"a","slot":"AM","pgy_min":2,"pgy_max":2}
{"type":"cover","date":"2026-02-01","slot":"AM","activity":"a","want":2,"min":3,"max":1}
{"type":"limit","min_minutes":600,"max_minutes":500}
{"type":"limit","min_consecutive":5,"max_consecutive":4}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_output - <<'EOF'
{"type":"absence","person":"p","from":"2026-03-02","to":"2026-03-02"}
{"type":"assignment","person":"p","date":"2026-02-01","slot":"AM","activity":"a","start":"2026-02-01T08:00:00-05:00","end":"2026-02-01T14:00:00Z","locked":false}
{"type":"activity","id":"a","slot":"AM","pgy_min":2,"pgy_max":2,"kind":"clinical"}
EOF
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: to: 2026-03-01 is before from (2026-03-02)
rota-import: in.ndjson:3: end: 2026-02-01T08:00:00Z is not after start (2026-02-01T08:00:00Z)
rota-import: in.ndjson:4: end: 2026-02-01T12:00:00Z is not after start (2026-02-01T08:00:00-05:00)
rota-import: in.ndjson:6: end: start and end go together
rota-import: in.ndjson:7: start: start and end go together
rota-import: in.ndjson:8: pgy_min: pgy_min (3) is greater than pgy_max (2)
rota-import: in.ndjson:10: min: min (3) is greater than max (1)
rota-import: in.ndjson:11: min_minutes: min_minutes (600) is greater than max_minutes (500)
rota-import: in.ndjson:12: min_consecutive: min_consecutive (5) is greater than max_consecutive (4)
rota-import: 12 read, 3 written, 9 rejected, N rows/s
EOF
}

@test "NDJSON: shift counts, finding periods and activity roles are checked" {
	cat >in.ndjson <<'EOF'
{"type":"limit","person":"p","max_shifts":{"D":2,"N":5},"min_shifts":{"N":1,"D":3}}
{"type":"limit","person":"p","max_shifts":{"D":2},"min_shifts":{"D":2,"E":9}}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-04","status":"ok"}
{"type":"finding","rule":"r","from":"2026-01-05T10:00:00+02:00","to":"2026-01-05T09:00:00Z","status":"ok"}
{"type":"finding","rule":"r","from":"2026-01-05T10:00:00Z","to":"2026-01-05T11:00:00+02:00","status":"ok"}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-05","status":"ok"}
{"type":"activity","id":"a","slot":"AM","roles":["resident","faculty"]}
{"type":"activity","id":"b","slot":"AM","roles":["resident","boss"]}
EOF
	run -1 --separate-stderr rota-import in.ndjson
	assert_output - <<'EOF'
{"type":"limit","person":"p","max_shifts":{"D":2},"min_shifts":{"D":2,"E":9}}
{"type":"finding","rule":"r","from":"2026-01-05T10:00:00+02:00","to":"2026-01-05T09:00:00Z","status":"ok","person":"*"}
{"type":"finding","rule":"r","from":"2026-01-05","to":"2026-01-05","status":"ok","person":"*"}
{"type":"activity","id":"a","slot":"AM","roles":["resident","faculty"],"kind":"clinical"}
EOF
	assert_stderr - <<'EOF'
rota-import: in.ndjson:1: min_shifts: D: 3 is more than max_shifts 2
rota-import: in.ndjson:3: to: 2026-01-04 is before from (2026-01-05)
rota-import: in.ndjson:5: to: 2026-01-05T11:00:00+02:00 is before from (2026-01-05T10:00:00Z)
rota-import: in.ndjson:8: roles: expected one of resident, fellow, faculty, staff; got "boss"
rota-import: 8 read, 4 written, 4 rejected, N rows/s
EOF
}

# ---- reporting: -v, -q, the first 10 -------------------------------------

@test "only the first 10 rejected rows are reported, then a note; -v reports all" {
	awk 'BEGIN { for (i = 1; i <= 12; i++) printf "{\"type\":\"person\",\"id\":\"p%d\",\"pgy\":%d}\n", i, 10 + i }' >in.ndjson
	run -1 --separate-stderr rota-import in.ndjson
	assert_output ""
	local want="" i
	for ((i = 1; i <= 10; i++)); do
		want+="rota-import: in.ndjson:$i: pgy: expected 1..10, got $((10 + i))"$'\n'
	done
	assert_stderr "${want}rota-import: more rejected rows follow; -v reports them all
rota-import: 12 read, 0 written, 12 rejected, N rows/s"

	run -1 --separate-stderr rota-import -v in.ndjson
	want+="rota-import: in.ndjson:11: pgy: expected 1..10, got 21"$'\n'
	want+="rota-import: in.ndjson:12: pgy: expected 1..10, got 22"$'\n'
	assert_stderr "${want}rota-import: 12 read, 0 written, 12 rejected, N rows/s"

	# Exactly 10: no note.
	head -n 10 in.ndjson >ten.ndjson
	run -1 --separate-stderr rota-import ten.ndjson
	refute_stderr_line 'more rejected rows follow'
	assert_summary '10 read, 0 written, 10 rejected'
}

@test "-q prints no summary; the last of -q and -v counts" {
	printf '{"type":"person","id":"a"}\n{"type":"person","id":"b"}\n' >in.ndjson
	run -0 --separate-stderr rota-import -q in.ndjson
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	run -0 --separate-stderr rota-import -v -q in.ndjson
	assert_equal "$stderr" ""
	run -0 --separate-stderr rota-import -q -v in.ndjson
	assert_stderr 'rota-import: 2 read, 2 written, 0 rejected, N rows/s'
	run -0 --separate-stderr rota-import --quiet --db s.db in.ndjson
	assert_equal "$stderr" ""
	# A fatal condition is still reported under -q.
	printf '{bad\n' >>in.ndjson
	run -3 --separate-stderr rota-import -q -m 0 --db s.db in.ndjson
	assert_stderr_line 'rota-import: more than 0 rows rejected; stopping'
	refute_stderr_line 'rows/s'
	# Rejected rows are not reported with -q.
	refute_stderr_line 'in.ndjson:'
	run -1 --separate-stderr rota-import -q in.ndjson
	assert_equal "$stderr" ""
}

@test "--progress: one plain line a second when not on a terminal; -q turns it off" {
	# 1023 rows, a pause, more rows: progress is looked at every 1024 rows.
	slow() {
		gen_people 1023
		sleep 1.1
		gen_people 2000 1024
	}
	run -0 --separate-stderr bash -c "$(declare -f gen_people slow); slow | rota-import --progress >/dev/null"
	[[ $stderr != *$'\r'* && $stderr != *$'\033'* ]]
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} =~ ^rota-import:\ 1024\ rows,\ [0-9]+\ rows/s$ ]]
	assert_summary '3023 read, 3023 written, 0 rejected'
	run -0 --separate-stderr bash -c "$(declare -f gen_people slow); slow | rota-import >/dev/null"
	assert_equal "${#stderr_lines[@]}" 1
	run -0 --separate-stderr bash -c "$(declare -f gen_people slow); slow | rota-import -q --progress >/dev/null"
	assert_equal "$stderr" ""
}

@test "on a terminal, progress is redrawn in place and cleared for messages" {
	slow() {
		echo '{"type":"person","id":"x","pgy":0}'
		gen_people 1022
		sleep 0.4
		gen_people 2000 1024
	}
	local out st=0
	out=$(script -qec "$(declare -f gen_people slow); slow | rota-import >/dev/null" /dev/null) || st=$?
	assert_equal "$st" 1
	[[ $out == $'\r\033[K'"rota-import: -:1: pgy: expected 1..10, got 0"$'\r\n\r\033[K'"rota-import: 1024 rows, "*" rows/s"$'\r\033[K'"rota-import: 3023 read, 3022 written, 1 rejected, "*" rows/s"$'\r' ]] ||
		fail "$(printf '%s' "$out" | od -c | head -20)"
	st=0
	out=$(script -qec "$(declare -f gen_people slow); slow | rota-import -q >/dev/null" /dev/null) || st=$?
	assert_equal "$st" 1
	assert_equal "$out" ""
}

# ---- CSV -------------------------------------------------------------------

@test "CSV: quoted commas, doubled quotes and newlines; line numbers after them" {
	cp "$DATA/people.csv" .
	run -1 --separate-stderr rota-import people.csv
	assert_output - <<'EOF'
{"type":"person","id":"r1","name":"Lovelace, Ada","role":"resident","pgy":1,"specialties":["im","peds"],"pager":"4411"}
{"type":"person","id":"r2","name":"Say \"hi\"","role":"resident","pgy":2}
{"type":"person","id":"r3","name":"Two\nlines","role":"fellow","specialties":["cards"]}
{"type":"person","id":"f1","name":"Grace Hopper","role":"faculty"}
{"type":"person","id":"r6","name":"Last, Row","role":"staff","pager":"x"}
EOF
	assert_stderr - <<'EOF'
rota-import: people.csv:7: pgy: expected 1..10, got 11
rota-import: people.csv:8: expected 6 fields, got 3
rota-import: 7 read, 5 written, 2 rejected, N rows/s
EOF
}

@test "CSV: a bad row that spans lines is reported at its first line" {
	printf 'id,name,pgy\na,"x\ny\nz",11\nb,c,12\n\nd,"e\n",13\n' >in.csv
	run -1 --separate-stderr rota-import in.csv
	assert_output ""
	assert_stderr - <<'EOF'
rota-import: in.csv:2: pgy: expected 1..10, got 11
rota-import: in.csv:5: pgy: expected 1..10, got 12
rota-import: in.csv:7: pgy: expected 1..10, got 13
rota-import: 3 read, 0 written, 3 rejected, N rows/s
EOF
}

@test "CSV: the record type is told from the header" {
	check_guess() {
		printf '%s\n%s\n' "$1" "$2" >in.csv
		run -0 --separate-stderr rota-import in.csv
		assert_output "$3"
	}
	check_guess 'id,name,role,pgy' 'p1,Ada,resident,2' \
		'{"type":"person","id":"p1","name":"Ada","role":"resident","pgy":2}'
	check_guess 'id' 'p1' '{"type":"person","id":"p1"}'
	check_guess 'id,tool' 'p1,x' '{"type":"person","id":"p1","tool":"x"}'
	check_guess 'id,name,slot' 'clinic,Clinic,AM' '{"type":"activity","id":"clinic","name":"Clinic","slot":"AM","kind":"clinical"}'
	check_guess 'person,date,slot,activity' 'p1,2026-01-05,AM,clinic' \
		'{"type":"assignment","person":"p1","date":"2026-01-05","slot":"AM","activity":"clinic","locked":false}'
	check_guess 'person,date,want' 'p1,2026-01-05,on' \
		'{"type":"request","person":"p1","date":"2026-01-05","want":"on","slot":"*","activity":"*","weight":1}'
	check_guess 'id,slot,kind,minutes' 'clinic,AM,education,240' \
		'{"type":"activity","id":"clinic","slot":"AM","kind":"education","minutes":240}'
	check_guess 'date,slot,activity,want' '2026-01-05,AM,clinic,2' \
		'{"type":"cover","date":"2026-01-05","slot":"AM","activity":"clinic","want":2}'
	check_guess 'person,from,to,reason' 'p1,2026-01-05,2026-01-09,leave' \
		'{"type":"absence","person":"p1","from":"2026-01-05","to":"2026-01-09","reason":"leave"}'
	check_guess 'person,date,want,weight' 'p1,2026-01-05,off,3' \
		'{"type":"request","person":"p1","date":"2026-01-05","want":"off","weight":3,"slot":"*","activity":"*"}'
	check_guess 'person,date,slot,activity,want' 'p1,2026-01-05,AM,clinic,on' \
		'{"type":"request","person":"p1","date":"2026-01-05","slot":"AM","activity":"clinic","want":"on","weight":1}'
	check_guess 'person,date,slot,activity,start,end' \
		'p1,2026-01-05,AM,clinic,2026-01-05T08:00:00-06:00,2026-01-05T12:00:00-06:00' \
		'{"type":"assignment","person":"p1","date":"2026-01-05","slot":"AM","activity":"clinic","start":"2026-01-05T08:00:00-06:00","end":"2026-01-05T12:00:00-06:00","locked":false}'
	check_guess 'person,max_minutes,max_shifts' 'p1,4800,D=10|N=2' \
		'{"type":"limit","person":"p1","max_minutes":4800,"max_shifts":{"D":10,"N":2}}'
	check_guess 'start,days,slots' '2026-01-05,28,AM|PM|CALL' \
		'{"type":"horizon","start":"2026-01-05","days":28,"slots":["AM","PM","CALL"],"id":"main"}'
	check_guess 'rule,from,to,status,value' 'acgme-80h,2026-01-05,2026-02-01,violation,81.5' \
		'{"type":"finding","rule":"acgme-80h","from":"2026-01-05","to":"2026-02-01","status":"violation","value":81.5,"person":"*"}'
}

@test "CSV: an ambiguous or unusable header exits 3 and loads nothing" {
	header_error() {
		printf '%b' "$1" >in.csv
		run -3 --separate-stderr rota-import --db s.db in.csv
		assert_output ""
		assert_stderr "$2
rota-import: 0 read, 0 loaded, 0 rejected, 0 batches, N rows/s"
		run -0 rota-import --db s.db --list
		assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	}
	header_error 'id,name,slot,role\nx,y,AM,resident\n' \
		'rota-import: in.csv: cannot tell the record type from the header (it fits more than one); use --type'
	header_error 'foo,bar\n1,2\n' \
		'rota-import: in.csv: cannot tell the record type from the header; use --type'
	# A type must name at least half of the columns.
	header_error 'id,x,y,z\np1,1,2,3\n' \
		'rota-import: in.csv: cannot tell the record type from the header; use --type'
	# summary is never guessed.
	header_error 'tool\nx\n' \
		'rota-import: in.csv: cannot tell the record type from the header; use --type'
	header_error '' 'rota-import: in.csv: empty file, expected a header line'
	header_error 'id,,name\np,,x\n' 'rota-import: in.csv:1: header: column 2 has no name'
	header_error 'id,name,id\n' 'rota-import: in.csv:1: header: column "id" given twice'
	header_error 'id,"name\np1,x\n' 'rota-import: in.csv:1: header: unterminated quoted field'
}

@test "CSV: --type overrides the header's guess" {
	printf 'id,tool\nx,y\n' >in.csv
	run -0 --separate-stderr rota-import --type person in.csv
	assert_output '{"type":"person","id":"x","tool":"y"}'
	run -0 --separate-stderr rota-import -t summary in.csv
	assert_output '{"type":"summary","id":"x","tool":"y"}'
	# A header that fits people, read as requests.
	printf 'id,name\np1,Ada\n' >in.csv
	run -1 --separate-stderr rota-import -t request in.csv
	assert_output ""
	assert_stderr_line 'rota-import: in.csv:2: person: missing'
}

@test "CSV: UTF-8 byte order mark and CRLF line ends" {
	printf '\xef\xbb\xbfid,name\r\np1,"a\r\nb"\r\np2,c\r\n\r\np3,"d,e"\r\np4,x,y\r\n' >in.csv
	run -1 --separate-stderr rota-import in.csv
	assert_output - <<'EOF'
{"type":"person","id":"p1","name":"a\nb"}
{"type":"person","id":"p2","name":"c"}
{"type":"person","id":"p3","name":"d,e"}
EOF
	assert_stderr - <<'EOF'
rota-import: in.csv:7: expected 2 fields, got 3
rota-import: 4 read, 3 written, 1 rejected, N rows/s
EOF
}

@test "CSV: wrong field counts, quote errors and invalid UTF-8 are rejected" {
	printf 'id,name\np1\np2,x,y\np3,"x"y\np4,a"b"\n,\np5,\xff\np0,fine\np6,"open\n' >in.csv
	run -1 --separate-stderr rota-import in.csv
	assert_output '{"type":"person","id":"p0","name":"fine"}'
	assert_stderr - <<'EOF'
rota-import: in.csv:2: expected 2 fields, got 1
rota-import: in.csv:3: expected 2 fields, got 3
rota-import: in.csv:4: text after a closing quote
rota-import: in.csv:5: a quote inside an unquoted field
rota-import: in.csv:6: id: missing
rota-import: in.csv:7: invalid UTF-8 at byte 4
rota-import: in.csv:9: unterminated quoted field
rota-import: 8 read, 1 written, 7 rejected, N rows/s
EOF
}

@test "CSV: an empty cell is an absent field; defaults fill it" {
	printf 'person,date,slot,activity,want,weight,note\np1,2026-01-05,,,on,,\np2,2026-01-05,AM,,off,4,x\n,2026-01-05,,,on,,\np3,2026-01-05,"",,on,,\n' >in.csv
	run -1 --separate-stderr rota-import in.csv
	assert_output - <<'EOF'
{"type":"request","person":"p1","date":"2026-01-05","want":"on","slot":"*","activity":"*","weight":1}
{"type":"request","person":"p2","date":"2026-01-05","slot":"AM","want":"off","weight":4,"note":"x","activity":"*"}
{"type":"request","person":"p3","date":"2026-01-05","want":"on","slot":"*","activity":"*","weight":1}
EOF
	assert_stderr - <<'EOF'
rota-import: in.csv:4: person: missing
rota-import: 4 read, 3 written, 1 rejected, N rows/s
EOF
}

@test "CSV: list, counts, integer and boolean cells" {
	printf 'id,slot,roles,supervision,minutes\n' >act.csv
	printf 'a,AM,resident|fellow,1=2|2=4,240\n' >>act.csv
	printf 'b,AM,resident||fellow,,\n' >>act.csv
	printf 'c,AM,,1=x,\n' >>act.csv
	printf 'd,AM,,D,\n' >>act.csv
	printf 'e,AM,,=3,\n' >>act.csv
	printf 'f,AM,,1=0,\n' >>act.csv
	printf 'g,AM,,,4h\n' >>act.csv
	printf 'h,AM,,,2.5\n' >>act.csv
	run -1 --separate-stderr rota-import act.csv
	assert_output '{"type":"activity","id":"a","slot":"AM","roles":["resident","fellow"],"supervision":{"1":2,"2":4},"minutes":240,"kind":"clinical"}'
	assert_stderr - <<'EOF'
rota-import: act.csv:3: roles: must not be empty
rota-import: act.csv:4: supervision: expected an integer after "1="
rota-import: act.csv:5: supervision: expected name=integer pairs separated by |, got "D"
rota-import: act.csv:6: supervision: expected name=integer pairs separated by |, got "=3"
rota-import: act.csv:7: supervision: expected 1..100, got 0
rota-import: act.csv:8: minutes: expected an integer, got "4h"
rota-import: act.csv:9: minutes: expected an integer, got "2.5"
rota-import: 8 read, 1 written, 7 rejected, N rows/s
EOF
	printf 'person,date,slot,activity,locked\n' >asg.csv
	local v
	for v in true 1 yes false 0 no maybe; do
		printf 'p,2026-01-05,AM,%s,%s\n' "$v" "$v" >>asg.csv
	done
	run -1 --separate-stderr rota-import asg.csv
	assert_output - <<'EOF'
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"true","locked":true}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"1","locked":true}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"yes","locked":true}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"false","locked":false}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"0","locked":false}
{"type":"assignment","person":"p","date":"2026-01-05","slot":"AM","activity":"no","locked":false}
EOF
	assert_stderr_line 'rota-import: asg.csv:8: locked: expected true or false, got "maybe"'
}

@test "CSV: a type column gives each row its own type; --type overrides it" {
	cat >in.csv <<'EOF'
type,id,person,date,want,slot,activity,name
person,p1,,,,,,Ada
request,,p1,2026-02-01,off,,,
assignment,,p1,2026-02-01,,AM,clinic,
absence,,p1,,,,,
nurse,p9,,,,,,
,p9,,,,,,
EOF
	run -1 --separate-stderr rota-import in.csv
	assert_output - <<'EOF'
{"type":"person","id":"p1","name":"Ada"}
{"type":"request","person":"p1","date":"2026-02-01","want":"off","slot":"*","activity":"*","weight":1}
{"type":"assignment","person":"p1","date":"2026-02-01","slot":"AM","activity":"clinic","locked":false}
EOF
	assert_stderr - <<'EOF'
rota-import: in.csv:5: from: missing
rota-import: in.csv:6: type: unknown record type "nurse"
rota-import: in.csv:7: type: unknown record type ""
rota-import: 6 read, 3 written, 3 rejected, N rows/s
EOF
	run -1 --separate-stderr rota-import --type person in.csv
	assert_output - <<'EOF'
{"type":"person","id":"p1","name":"Ada"}
{"type":"person","id":"p9"}
{"type":"person","id":"p9"}
EOF
	assert_summary '6 read, 3 written, 3 rejected'
}

@test "the format comes from the file name unless --from says" {
	cp "$DATA/Instance1.txt" inst.txt
	printf 'id\np1\n' >p.csv
	printf '{"type":"person","id":"p2"}\n' >p.json
	run -0 --separate-stderr rota-import p.csv p.json
	assert_output - <<'EOF'
{"type":"person","id":"p1"}
{"type":"person","id":"p2"}
EOF
	run -0 --separate-stderr rota-import inst.txt
	assert_equal "${#lines[@]}" 66
	cp p.csv p.dat
	run -1 --separate-stderr rota-import p.dat
	assert_stderr_line 'rota-import: p.dat:1: invalid JSON at column 1: expected a value'
	run -0 --separate-stderr rota-import --from csv p.dat
	assert_output '{"type":"person","id":"p1"}'
	cp p.json p.txt
	run -0 --separate-stderr rota-import -f ndjson p.txt
	assert_output '{"type":"person","id":"p2"}'
	cp inst.txt inst.dat
	run -0 --separate-stderr rota-import -f nrp inst.dat
	assert_equal "${#lines[@]}" 66
	run -0 --separate-stderr rota-import -f csv - <p.csv
	assert_output '{"type":"person","id":"p1"}'
}

@test "several files: each keeps its name and line numbers" {
	printf '{"type":"person","id":"a"}\n{"type":"person","id":"b","pgy":0}\n' >one.ndjson
	printf 'id,pgy\nc,1\nd,0\n' >two.csv
	run -1 --separate-stderr rota-import one.ndjson two.csv
	assert_output - <<'EOF'
{"type":"person","id":"a"}
{"type":"person","id":"c","pgy":1}
EOF
	assert_stderr - <<'EOF'
rota-import: one.ndjson:2: pgy: expected 1..10, got 0
rota-import: two.csv:3: pgy: expected 1..10, got 0
rota-import: 4 read, 2 written, 2 rejected, N rows/s
EOF
}

# ---- the benchmark format ------------------------------------------------

@test "nrp: Instance1 maps to the expected records" {
	run -0 --separate-stderr rota-import "$DATA/Instance1.txt"
	assert_summary '66 read, 66 written, 0 rejected'
	assert_equal "$(printf '%s\n' "$output" | type_counts)" "absence 8
activity 1
cover 14
horizon 1
limit 8
person 8
request 26"
	assert_line --index 0 '{"type":"horizon","start":"2024-01-01","days":14,"slots":["DAY"],"id":"main"}'
	assert_line --index 1 '{"type":"activity","id":"D","kind":"clinical","slot":"DAY","minutes":480}'
	assert_line --index 2 '{"type":"person","id":"A"}'
	assert_line --index 3 '{"type":"limit","person":"A","max_shifts":{"D":14},"max_minutes":4320,"min_minutes":3360,"max_consecutive":5,"min_consecutive":2,"min_consecutive_off":2,"max_weekends":1}'
	assert_line '{"type":"absence","person":"E","from":"2024-01-10","to":"2024-01-10","reason":"day off"}'
	assert_line '{"type":"request","person":"B","date":"2024-01-05","slot":"DAY","activity":"D","want":"on","weight":3}'
	assert_line '{"type":"request","person":"H","date":"2024-01-04","slot":"DAY","activity":"D","want":"off","weight":3}'
	assert_line --index 65 '{"type":"cover","date":"2024-01-14","slot":"DAY","activity":"D","want":4,"weight_under":100,"weight_over":1}'
	[ "$(printf '%s\n' "$output" | grep -c '"want":"off"')" -eq 5 ]
}

@test "nrp: --start moves day 0 to another Monday" {
	run -0 --separate-stderr rota-import --start 2026-01-05 "$DATA/Instance1.txt"
	assert_line --index 0 '{"type":"horizon","start":"2026-01-05","days":14,"slots":["DAY"],"id":"main"}'
	assert_line '{"type":"absence","person":"E","from":"2026-01-14","to":"2026-01-14","reason":"day off"}'
	assert_line --index 65 '{"type":"cover","date":"2026-01-18","slot":"DAY","activity":"D","want":4,"weight_under":100,"weight_over":1}'
	run -2 --separate-stderr rota-import --start 2026-01-04 "$DATA/Instance1.txt"
	assert_output ""
	assert_stderr 'rota-import: --start: day 0 of a benchmark is a Monday; 2026-01-04 is not'
}

@test "nrp: bad lines are rejected with their line numbers" {
	cat >bad.txt <<'EOF'
7
# a comment
SECTION_SHIFTS
SECTION_HORIZON
7
SECTION_HORIZON
8
SECTION_SHIFTS
D,480,N
N,0,
E,480
SECTION_STAFF
A,D=5,2400,0,5,1,1,1
B,D=x,2400,0,5,1,1,1
C,D=5,2400,0,5,1,1

SECTION_DAYS_OFF
A,1,2,4
B
C,7
SECTION_SHIFT_ON_REQUESTS
A,6,D,2
A,7,D,2
SECTION_SHIFT_OFF_REQUESTS
B,0,D,x
SECTION_COVER
6,D,3,100,1
-1,D,3,100,1
0,D,3,100
SECTION_NOTES
EOF
	run -1 --separate-stderr rota-import -v bad.txt
	assert_output - <<'EOF'
{"type":"horizon","start":"2024-01-01","days":7,"slots":["DAY"],"id":"main"}
{"type":"activity","id":"D","kind":"clinical","slot":"DAY","minutes":480,"not_followed_by":["N"]}
{"type":"person","id":"A"}
{"type":"limit","person":"A","max_shifts":{"D":5},"max_minutes":2400,"min_minutes":0,"max_consecutive":5,"min_consecutive":1,"min_consecutive_off":1,"max_weekends":1}
{"type":"absence","person":"A","from":"2024-01-02","to":"2024-01-03","reason":"day off"}
{"type":"absence","person":"A","from":"2024-01-05","to":"2024-01-05","reason":"day off"}
{"type":"request","person":"A","date":"2024-01-07","slot":"DAY","activity":"D","want":"on","weight":2}
{"type":"cover","date":"2024-01-07","slot":"DAY","activity":"D","want":3,"weight_under":100,"weight_over":1}
EOF
	assert_stderr - <<'EOF'
rota-import: bad.txt:1: data before the first SECTION_ line
rota-import: bad.txt:3: SECTION_SHIFTS before SECTION_HORIZON
rota-import: bad.txt:7: the horizon is given twice
rota-import: bad.txt:10: minutes: expected 1..2880, got 0
rota-import: bad.txt:11: expected 3 comma-separated fields, got 2
rota-import: bad.txt:14: max_shifts: expected an integer after "D="
rota-import: bad.txt:15: expected 8 comma-separated fields, got 7
rota-import: bad.txt:19: expected an employee and at least one day
rota-import: bad.txt:20: day: expected 0..6, got 7
rota-import: bad.txt:23: day: expected 0..6, got 7
rota-import: bad.txt:25: weight: expected an integer, got "x"
rota-import: bad.txt:28: day: expected 0..6, got -1
rota-import: bad.txt:29: expected 5 comma-separated fields, got 4
rota-import: bad.txt:30: unknown section "SECTION_NOTES"
rota-import: 22 read, 8 written, 14 rejected, N rows/s
EOF
}

@test "nrp: a line with too many fields says how many it has" {
	printf 'SECTION_HORIZON\n7\nSECTION_SHIFTS\nL,480,,x\nSECTION_COVER\n0,D,1,1,1,1\n' >f.txt
	run -1 --separate-stderr rota-import f.txt
	assert_stderr - <<'EOF'
rota-import: f.txt:4: expected 3 comma-separated fields, got 4
rota-import: f.txt:6: expected 5 comma-separated fields, got 6
rota-import: 3 read, 1 written, 2 rejected, N rows/s
EOF
}

@test "nrp: lines of a rejected section are not said to come before any section" {
	printf 'SECTION_HORIZON\n7\nSECTION_NOTES\nfree text\nSECTION_HORIZON\nSECTION_COVER\n0,D,1,1,1\n' >f.txt
	run -1 --separate-stderr rota-import f.txt
	assert_stderr_line 'rota-import: f.txt:3: unknown section "SECTION_NOTES"'
	stderr_norm | grep -q '^rota-import: f.txt:4: '
	refute_stderr_line 'f.txt:4: data before the first SECTION_ line'
}

@test "nrp: a record that breaks a rule is rejected alone, its line's others kept" {
	printf 'SECTION_HORIZON\n7\nSECTION_STAFF\nA,D=5,100,200,5,1,1,1\nB,D=5,2400,0,5,1,1,1\n' >r.txt
	run -1 --separate-stderr rota-import r.txt
	assert_output - <<'EOF'
{"type":"horizon","start":"2024-01-01","days":7,"slots":["DAY"],"id":"main"}
{"type":"person","id":"A"}
{"type":"person","id":"B"}
{"type":"limit","person":"B","max_shifts":{"D":5},"max_minutes":2400,"min_minutes":0,"max_consecutive":5,"min_consecutive":1,"min_consecutive_off":1,"max_weekends":1}
EOF
	assert_stderr - <<'EOF'
rota-import: r.txt:4: min_minutes: min_minutes (200) is greater than max_minutes (100)
rota-import: 5 read, 4 written, 1 rejected, N rows/s
EOF
}

@test "--type has no effect on NDJSON and benchmark files" {
	printf '{"type":"request","person":"p","date":"2026-01-05","want":"on"}\n' >in.ndjson
	run -0 --separate-stderr rota-import --type person in.ndjson
	assert_output '{"type":"request","person":"p","date":"2026-01-05","want":"on","slot":"*","activity":"*","weight":1}'
	run -0 --separate-stderr rota-import -t cover "$DATA/Instance1.txt"
	assert_equal "$(printf '%s\n' "$output" | type_counts | tr '\n' ' ')" 'absence 8 activity 1 cover 14 horizon 1 limit 8 person 8 request 26 '
}

# ---- the rejects file ------------------------------------------------------

@test "--rejects writes each rejected row as a reject record" {
	{
		echo '{"type":"person","id":"p1"}'
		echo '{"type":"person","id":"p2","pgy":0}'
		echo '{"a":1,}'
		printf '{"type":"person","id":"p\xff"}\n'
		echo '{"type":"person","id":"p3","name":"Zoë \"Z\""}'
		echo '{"type":"nurse"}'
	} >r.ndjson
	run -1 --separate-stderr rota-import --rejects rej.ndjson r.ndjson
	assert_output - <<'EOF'
{"type":"person","id":"p1"}
{"type":"person","id":"p3","name":"Zoë \"Z\""}
EOF
	assert_equal "$(cat rej.ndjson)" '{"type":"reject","file":"r.ndjson","line":2,"field":"pgy","reason":"expected 1..10, got 0","raw":"{\"type\":\"person\",\"id\":\"p2\",\"pgy\":0}"}
{"type":"reject","file":"r.ndjson","line":3,"field":null,"reason":"invalid JSON at column 8: expected a member name in double quotes","raw":"{\"a\":1,}"}
{"type":"reject","file":"r.ndjson","line":4,"field":null,"reason":"invalid UTF-8 at byte 25","raw":null}
{"type":"reject","file":"r.ndjson","line":6,"field":"type","reason":"unknown record type \"nurse\"","raw":"{\"type\":\"nurse\"}"}'
	# -q silences the summary, not the file.
	run -1 --separate-stderr rota-import -q -r rej2.ndjson r.ndjson
	cmp rej.ndjson rej2.ndjson
}

@test "--rejects: CSV rows keep their raw text, benchmark lines theirs" {
	printf 'id,name,pgy\na,"x\ny",11\n' >m.csv
	printf 'SECTION_HORIZON\n7\nSECTION_SHIFT_ON_REQUESTS\nA,9,D,1\n' >n.txt
	run -1 --separate-stderr rota-import --rejects rej.ndjson m.csv n.txt
	assert_equal "$(cat rej.ndjson)" '{"type":"reject","file":"m.csv","line":2,"field":"pgy","reason":"expected 1..10, got 11","raw":"a,\"x\ny\",11"}
{"type":"reject","file":"n.txt","line":4,"field":"day","reason":"expected 0..6, got 9","raw":"A,9,D,1"}'
	printf '{"type":"person"}\n' | rota-import -q --rejects rej.ndjson >/dev/null || true
	assert_equal "$(cat rej.ndjson)" '{"type":"reject","file":"-","line":1,"field":"id","reason":"missing","raw":"{\"type\":\"person\"}"}'
}

@test "--rejects with nothing rejected: an empty file and exit 0" {
	gen_people 3 >in.ndjson
	echo stale >rej.ndjson
	run -0 --separate-stderr rota-import --db s.db --rejects rej.ndjson in.ndjson
	[ -f rej.ndjson ] && [ ! -s rej.ndjson ]
	assert_equal "$(ls -A)" "in.ndjson
rej.ndjson
s.db"
}

@test "--rejects is replaced whole, leaves no temporary file, follows the umask" {
	umask 022
	mixed_people in.ndjson
	echo stale >rej.ndjson
	run -1 --separate-stderr rota-import --rejects rej.ndjson in.ndjson
	assert_equal "$(wc -l <rej.ndjson)" 3
	refute grep -q stale rej.ndjson
	assert_equal "$(ls -A)" "in.ndjson
rej.ndjson"
	# Stopped by --max-rejects: the file holds what was rejected so far.
	run -3 --separate-stderr rota-import --db s.db -b 10 -m 1 --rejects rej.ndjson in.ndjson
	assert_equal "$(wc -l <rej.ndjson)" 2
	assert_equal "$(ls -A | grep -v '^s\.db')" "in.ndjson
rej.ndjson"
	# A new file gets the mode any new file gets.
	rm rej.ndjson
	touch plain
	run -1 --separate-stderr rota-import --rejects rej.ndjson in.ndjson
	assert_equal "$(stat -c %a rej.ndjson)" "$(stat -c %a plain)"
}

@test "--rejects where it cannot be written exits 7 and loads nothing" {
	gen_people 3 >in.ndjson
	run -7 --separate-stderr rota-import --db s.db --rejects /nonexistent/dir/rej.ndjson in.ndjson
	assert_stderr 'rota-import: /nonexistent/dir/rej.ndjson: No such file or directory'
	run -0 rota-import --db s.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
}

# ---- the SQLite store ------------------------------------------------------

@test "SQLite: import, --list and --dump" {
	run -0 --separate-stderr rota-import --db s.db "$DATA/all-types.ndjson"
	assert_output ""
	assert_stderr 'rota-import: 17 read, 16 loaded, 0 rejected, 1 skipped, 1 batch, N rows/s'
	run -0 --separate-stderr rota-import --db s.db --list
	assert_equal "$stderr" ""
	assert_output - <<'EOF'
TYPE              RECORDS
horizon                 1
person                  3
site                    0
activity                2
cover                   1
absence                 1
request                 2
limit                   2
assignment              2
shift                   0
finding                 2
EOF
	assert_equal "$(sq s.db 'SELECT count(*) FROM people; SELECT count(*) FROM findings; SELECT extra FROM people WHERE id = "r1"')" '3
2
{"pager":"4411"}'
	run -0 --separate-stderr rota-import -d s.db --dump
	assert_output "$(cat "$DATA/all-types.dump.ndjson")"
	run -0 --separate-stderr rota-import --db s.db --dump --type person
	assert_output "$(grep '"type":"person"' "$DATA/all-types.dump.ndjson")"
	run -0 --separate-stderr rota-import --db s.db --dump -t summary
	assert_output ""
}

@test "SQLite: --list and --dump create nothing and refuse what is not a rota store" {
	run -4 --separate-stderr rota-import --db new.db --list
	assert_output ""
	assert_stderr 'rota-import: new.db: unable to open database file'
	[ ! -e new.db ]
	run -4 --separate-stderr rota-import --db new.db --dump
	assert_output ""
	[ ! -e new.db ]
	# Without --db or $ROTA_DB: ./rota.db.
	run -4 --separate-stderr rota-import --list
	assert_stderr 'rota-import: rota.db: unable to open database file'
	[ ! -e rota.db ]
	sq other.db 'CREATE TABLE t (x)'
	run -4 --separate-stderr rota-import --db other.db --list
	assert_stderr 'rota-import: other.db: not a rota store (it has no rota_schema table)'
	# An import of nothing makes an empty store.
	new_store new.db
	run -0 --separate-stderr rota-import --db new.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	assert_equal "$(sq new.db 'SELECT max(version) FROM rota_schema')" 3
}

@test "SQLite: a version 1 store is read as it is and upgraded by the next import" {
	new_store v1.db
	sq v1.db 'DROP TABLE shifts; DROP TABLE sites; DELETE FROM rota_schema; INSERT INTO rota_schema VALUES (1)'
	# Read: nothing created, the missing shift table reads as empty.
	run -0 --separate-stderr rota-import --db v1.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	assert_equal "$(sq v1.db "SELECT count(*) FROM sqlite_master WHERE name = 'shifts'")" 0
	# Written: the shift table comes, with the version.
	printf '%s\n' '{"type":"shift","person":"r1","start":"2024-03-01T07:00:00Z","end":"2024-03-01T19:00:00Z","kind":"clinical"}' >s.ndjson
	run -0 rota-import -q --db v1.db s.ndjson
	assert_equal "$(sq v1.db 'SELECT max(version) FROM rota_schema')" 3
	run -0 --separate-stderr rota-import --db v1.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 1 0)"
}

@test "SQLite: a version 2 store gains the site table with the next import" {
	new_store v2.db
	sq v2.db 'DROP TABLE sites; DELETE FROM rota_schema; INSERT INTO rota_schema VALUES (2)'
	run -0 --separate-stderr rota-import --db v2.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	printf '%s\n' '{"type":"site","id":"clinic","capacity":6}' >s.ndjson
	run -0 rota-import -q --db v2.db s.ndjson
	assert_equal "$(sq v2.db 'SELECT max(version) FROM rota_schema')" 3
	assert_equal "$(sq v2.db 'SELECT id, capacity FROM sites')" 'clinic|6'
}

@test "SQLite: \$ROTA_DB names the store for --list and --dump; --db wins" {
	rota-import -q --db env.db "$DATA/Instance1.txt"
	run -0 env ROTA_DB=env.db rota-import --list
	assert_output "$(list_of 1 8 0 1 14 8 26 8 0 0 0)"
	run -0 env ROTA_DB=env.db rota-import --dump --type horizon
	assert_output '{"type":"horizon","id":"main","start":"2024-01-01","days":14,"slots":["DAY"]}'
	new_store other.db
	run -0 env ROTA_DB=env.db rota-import --db other.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	# An empty $ROTA_DB is ignored: ./rota.db.
	rota-import -q --db rota.db "$DATA/all-types.ndjson"
	run -0 env ROTA_DB= rota-import --list
	assert_output "$(list_of 1 3 0 2 1 1 2 2 2 0 2)"
	run -0 rota-import --list
	assert_output "$(list_of 1 3 0 2 1 1 2 2 2 0 2)"
	# $ROTA_DB does not make an import load into a store.
	gen_people 2 >in.ndjson
	run -0 --separate-stderr env ROTA_DB=env.db rota-import in.ndjson
	assert_equal "${#lines[@]}" 2
	assert_summary '2 read, 2 written, 0 rejected'
}

@test "SQLite: a file name holding = is written with a slash before it" {
	gen_people 2 >in.ndjson
	run -0 --separate-stderr rota-import --db ./a=b.db in.ndjson
	[ -f a=b.db ]
	run -0 rota-import --db ./a=b.db --list
	assert_line --index 2 "$(printf '%-12s %12s' person 2)"
	# Without the slash it is a libpq connection string.
	run -4 --separate-stderr rota-import --db a=b.db in.ndjson
	assert_stderr 'rota-import: a=b.db: invalid connection option "a"'
}

@test "--db '' is a usage error, not a throwaway database" {
	gen_people 3 >in.ndjson
	export ROTA_DB=$BATS_TEST_TMPDIR/env.db
	run -2 --separate-stderr rota-import --db '' in.ndjson
	assert_output ""
	assert_stderr 'rota-import: --db: empty store name'
	[ ! -e "$ROTA_DB" ]
}

@test "SQLite: Instance1 loads with the expected counts per type" {
	run -0 --separate-stderr rota-import --db s.db "$DATA/Instance1.txt"
	assert_summary '66 read, 66 loaded, 0 rejected, 1 batch'
	run -0 rota-import --db s.db --list
	assert_output "$(list_of 1 8 0 1 14 8 26 8 0 0 0)"
	assert_equal "$(sq s.db "SELECT count(*) FROM requests WHERE want = 'off'")" 5
}

@test "SQLite: files of every format in one run" {
	cp "$DATA/people.csv" "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	run -1 --separate-stderr rota-import --db s.db people.csv Instance1.txt all-types.ndjson
	assert_summary '90 read, 87 loaded, 2 rejected, 1 skipped, 1 batch'
	run -0 rota-import --db s.db --list
	assert_output "$(list_of 1 13 0 3 15 9 28 10 2 0 2)"
}

@test "SQLite: --batch-size sets the number of batches" {
	gen_people 25 >25.ndjson
	gen_people 20 >20.ndjson
	gen_people 1 >1.ndjson
	: >0.ndjson
	run -0 --separate-stderr rota-import --db a.db --batch-size 10 25.ndjson
	assert_stderr 'rota-import: 25 read, 25 loaded, 0 rejected, 3 batches, N rows/s'
	run -0 --separate-stderr rota-import --db b.db -b 10 20.ndjson
	assert_summary '20 read, 20 loaded, 0 rejected, 2 batches'
	run -0 --separate-stderr rota-import --db c.db -b 10 1.ndjson
	assert_summary '1 read, 1 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr rota-import --db d.db -b 10 0.ndjson
	assert_summary '0 read, 0 loaded, 0 rejected, 0 batches'
	run -0 --separate-stderr rota-import --db e.db -b 1 25.ndjson
	assert_summary '25 read, 25 loaded, 0 rejected, 25 batches'
	# Standard input has no ledger but the same batches.
	run -0 --separate-stderr rota-import --db f.db -b 10 <25.ndjson
	assert_summary '25 read, 25 loaded, 0 rejected, 3 batches'
	assert_equal "$(sq f.db 'SELECT count(*) FROM people; SELECT count(*) FROM rota_import')" '25
0'
	# The default, as --help and rota-import(1) give it.
	local def
	def=$(rota-import --help | sed -n 's/.*records per transaction (default \([0-9]*\)).*/\1/p')
	[[ $def =~ ^[0-9]+$ ]]
	grep -q "in one transaction; default $def\.$" "$ROTA_TOP/man/rota-import.1"
	gen_people $((def + 1)) >big.ndjson
	run -0 --separate-stderr rota-import --db g.db big.ndjson
	assert_summary "$((def + 1)) read, $((def + 1)) loaded, 0 rejected, 2 batches"
	# A finished import leaves its ledger row and no batch rows.
	assert_equal "$(sq a.db 'SELECT inputs, finished IS NOT NULL FROM rota_import; SELECT count(*) FROM rota_import_batch')" 'ndjson:25.ndjson|1
0'
}

@test "SQLite: --max-rejects stops past N, keeping committed batches only" {
	mixed_people in.ndjson
	run -3 --separate-stderr rota-import --db a.db --batch-size 10 --max-rejects 1 in.ndjson
	assert_output ""
	assert_stderr - <<'EOF'
rota-import: in.ndjson:26: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:27: pgy: expected 1..10, got 0
rota-import: more than 1 rows rejected; stopping
rota-import: 27 read, 20 loaded, 2 rejected, 2 batches, N rows/s
EOF
	# p1…p20 in two committed batches; p21…p25, in flight, rolled back.
	assert_equal "$(sq a.db "SELECT count(*), sum(id IN ('p20', 'p21')) FROM people")" '20|1'

	run -3 --separate-stderr rota-import --db b.db -b 10 -m 2 in.ndjson
	assert_summary '33 read, 30 loaded, 3 rejected, 3 batches'
	assert_equal "$(people_count b.db)" 30

	run -1 --separate-stderr rota-import --db c.db -b 10 -m 3 in.ndjson
	refute_stderr_line 'stopping'
	assert_summary '33 read, 30 loaded, 3 rejected, 3 batches'

	run -3 --separate-stderr rota-import --db d.db -b 10 -m 0 in.ndjson
	assert_stderr_line 'rota-import: more than 0 rows rejected; stopping'
	assert_summary '26 read, 20 loaded, 1 rejected, 2 batches'
	assert_equal "$(people_count d.db)" 20

	# Without a store, the rows before the stop were already written.
	run -3 --separate-stderr rota-import -m 0 in.ndjson
	assert_equal "${#lines[@]}" 25
}

@test "SQLite: --atomic loads everything or nothing" {
	mixed_people in.ndjson
	run -3 --separate-stderr rota-import --db a.db --batch-size 10 --atomic in.ndjson
	assert_stderr - <<'EOF'
rota-import: in.ndjson:26: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:27: pgy: expected 1..10, got 0
rota-import: in.ndjson:33: type: unknown record type "nurse"
rota-import: --atomic: 3 rows rejected; nothing loaded
rota-import: 33 read, 0 loaded, 3 rejected, 0 batches, N rows/s
EOF
	run -0 rota-import --db a.db --list
	assert_output "$(list_of 0 0 0 0 0 0 0 0 0 0 0)"
	assert_equal "$(sq a.db 'SELECT count(*) FROM rota_import')" 0

	gen_people 25 >good.ndjson
	run -0 --separate-stderr rota-import --db b.db -b 10 --atomic good.ndjson
	assert_stderr 'rota-import: 25 read, 25 loaded, 0 rejected, 1 batch, N rows/s'
	assert_equal "$(people_count b.db)" 25
	# No ledger: an --atomic import is never resumed.
	assert_equal "$(sq b.db 'SELECT count(*) FROM rota_import')" 0

	run -3 --separate-stderr rota-import --db c.db -b 10 --atomic -m 0 in.ndjson
	assert_stderr_line 'rota-import: more than 0 rows rejected; stopping'
	refute_stderr_line '--atomic'
	assert_summary '26 read, 0 loaded, 1 rejected, 0 batches'
	assert_equal "$(people_count c.db)" 0
}

@test "SQLite: importing again is idempotent and upserts changed fields" {
	cp "$DATA/all-types.ndjson" .
	rota-import -q --db s.db all-types.ndjson
	local before
	before=$(rota-import --db s.db --dump)
	run -0 --separate-stderr rota-import --db s.db all-types.ndjson
	refute_stderr_line 'resuming'
	assert_summary '17 read, 16 loaded, 0 rejected, 1 skipped, 1 batch'
	assert_equal "$(rota-import --db s.db --dump)" "$before"
	# A changed non-key field is updated, a dropped one cleared, the key kept.
	cat >change.ndjson <<'EOF'
{"type":"person","id":"r1","name":"Ada King","pgy":2}
{"type":"request","person":"r2","date":"2026-01-06","want":"off","weight":9}
{"type":"request","person":"r2","date":"2026-01-06","want":"on"}
EOF
	rota-import -q --db s.db change.ndjson
	run -0 rota-import --db s.db --list
	assert_output "$(list_of 1 3 0 2 1 1 3 2 2 0 2)"
	run -0 rota-import --db s.db --dump --type person
	assert_line '{"type":"person","id":"r1","name":"Ada King","pgy":2}'
	run -0 rota-import --db s.db --dump --type request
	assert_output - <<'EOF'
{"type":"request","person":"r2","date":"2026-01-06","slot":"*","activity":"*","want":"off","weight":9}
{"type":"request","person":"r2","date":"2026-01-06","slot":"*","activity":"*","want":"on","weight":1}
{"type":"request","person":"r2","date":"2026-01-07","slot":"AM","activity":"clinic","want":"on","weight":1}
EOF
}

@test "SQLite: a key repeated in one batch or across batches: the last wins" {
	cat >dup.ndjson <<'EOF'
{"type":"person","id":"p1","pgy":1,"name":"First"}
{"type":"person","id":"p2"}
{"type":"person","id":"p1","name":"Last","x":1}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":1}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":3}
EOF
	local bs
	for bs in 10000 1; do
		rm -f s.db*
		run -0 --separate-stderr rota-import --db s.db -b $bs dup.ndjson
		assert_summary "5 read, 5 loaded, 0 rejected, $([ $bs = 1 ] && echo 5 batches || echo 1 batch)"
		run -0 rota-import --db s.db --dump
		assert_output - <<'EOF'
{"type":"person","id":"p1","name":"Last","x":1}
{"type":"person","id":"p2"}
{"type":"cover","date":"2026-01-05","slot":"AM","activity":"a","want":3}
EOF
	done
}

@test "SQLite: --dump round trip into a second store is exact" {
	cp "$DATA/people.csv" "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	rota-import -q --db one.db people.csv Instance1.txt all-types.ndjson || true
	rota-import --db one.db --dump >one.ndjson
	run -0 --separate-stderr rota-import --db two.db one.ndjson
	assert_summary '83 read, 83 loaded, 0 rejected, 1 batch'
	rota-import --db two.db --dump >two.ndjson
	cmp one.ndjson two.ndjson
	assert_equal "$(rota-import --db two.db --list)" "$(rota-import --db one.db --list)"
}

@test "SQLite: numbers survive the store exactly" {
	cat >f.ndjson <<'EOF'
{"type":"finding","rule":"r1","from":"2026-01-05","to":"2026-01-11","status":"advisory","value":81.5,"limit":0.3333333333333333}
{"type":"finding","rule":"r2","from":"2026-01-05","to":"2026-01-11","status":"info","value":123456789.12345679,"limit":-1e-300}
EOF
	rota-import -q --db s.db f.ndjson
	run -0 rota-import --db s.db --dump
	assert_output - <<'EOF'
{"type":"finding","rule":"r1","person":"*","from":"2026-01-05","to":"2026-01-11","status":"advisory","value":81.5,"limit":0.3333333333333333}
{"type":"finding","rule":"r2","person":"*","from":"2026-01-05","to":"2026-01-11","status":"info","value":123456789.12345679,"limit":-1e-300}
EOF
}

@test "SQLite: strings with escapes, empty strings and unknown fields round-trip" {
	cat >sp.ndjson <<'EOF'
{"type":"person","id":"p1","name":"","x":"\\N"}
{"type":"person","id":"p2","name":"\\N","x":"","y":null,"z":[1,{"a":false}]}
{"type":"person","id":"p3","name":"line1\nline2\r\tend \\ \"q\" é 😀"}
{"type":"person","id":"p 4\\","extra":{"k":1}}
EOF
	rota-import -q --db s.db sp.ndjson
	run -0 rota-import --db s.db --dump
	assert_output - <<'EOF'
{"type":"person","id":"p 4\\","extra":{"k":1}}
{"type":"person","id":"p1","name":"","x":"\\N"}
{"type":"person","id":"p2","name":"\\N","x":"","y":null,"z":[1,{"a":false}]}
{"type":"person","id":"p3","name":"line1\nline2\r\tend \\ \"q\" é 😀"}
EOF
}

@test "SQLite: a re-run after --max-rejects resumes after the committed batches" {
	mixed_people in.ndjson
	rota-import -q --db s.db -b 10 -m 1 in.ndjson || true
	assert_equal "$(sq s.db 'SELECT count(*), max(last_record) FROM rota_import_batch; SELECT finished IS NULL FROM rota_import')" '2|20
1'
	run -1 --separate-stderr rota-import --db s.db -b 10 in.ndjson
	assert_stderr - <<EOF
$(resume_msg 20 2)
rota-import: in.ndjson:26: invalid JSON at column 8: expected a member name in double quotes
rota-import: in.ndjson:27: pgy: expected 1..10, got 0
rota-import: in.ndjson:33: type: unknown record type "nurse"
rota-import: 33 read, 10 loaded, 3 rejected, 20 skipped, 3 batches, N rows/s
EOF
	assert_equal "$(people_count s.db)" 30
	assert_equal "$(sq s.db 'SELECT count(*) FROM rota_import_batch; SELECT finished IS NOT NULL FROM rota_import')" '0
1'
	# Finished: a third run loads everything again and resumes nothing.
	[ "$(people_count s.db)" -eq 30 ]
	run -1 --separate-stderr rota-import --db s.db -b 10 in.ndjson
	refute_stderr_line 'resuming'
	assert_summary '33 read, 30 loaded, 3 rejected, 3 batches'
	# File names and the batch size are not part of an import's identity.
	rota-import -q --db u.db -b 10 -m 1 in.ndjson || true
	cp in.ndjson renamed.ndjson
	run -1 --separate-stderr rota-import --db u.db -b 7 renamed.ndjson
	assert_equal "${stderr_lines[0]}" "$(resume_msg 20 2)"
	assert_equal "$(people_count u.db)" 30
	# --type is (even where it changes nothing).
	rota-import -q --db v.db -b 10 -m 1 in.ndjson || true
	run -1 --separate-stderr rota-import --db v.db -b 10 -t person in.ndjson
	refute_stderr_line 'resuming'
	# A changed file is another import: nothing is skipped.
	rota-import -q --db t.db -b 10 -m 1 in.ndjson || true
	echo '{"type":"person","id":"p99"}' >>in.ndjson
	run -1 --separate-stderr rota-import --db t.db -b 10 in.ndjson
	refute_stderr_line 'resuming'
	assert_summary '34 read, 31 loaded, 3 rejected, 4 batches'
}

@test "SQLite: --no-resume loads from the first row over an unfinished run" {
	mixed_people in.ndjson
	rota-import -q --db s.db -b 10 -m 1 in.ndjson || true
	run -1 --separate-stderr rota-import --db s.db -b 10 --no-resume in.ndjson
	refute_stderr_line 'resuming'
	assert_summary '33 read, 30 loaded, 3 rejected, 3 batches'
	assert_equal "$(people_count s.db)" 30
}

@test "SQLite: kill -9 mid-import, then the same command resumes (NDJSON)" {
	local big=$BATS_FILE_TMPDIR/big.ndjson
	batches() { [ -e s.db ] && sq s.db 'SELECT count(*) FROM rota_import_batch'; }
	kill_midway batches --db s.db --batch-size 1000 "$big"
	assert_equal "$(sq s.db 'PRAGMA integrity_check')" ok
	local n
	n=$(sq s.db 'SELECT count(*) FROM requests')
	((n > 0 && n < 300000 && n % 1000 == 0))
	assert_equal "$(sq s.db 'SELECT count(*) * 1000, max(last_record) FROM rota_import_batch')" "$n|$n"

	run -0 --separate-stderr rota-import --db s.db --batch-size 1000 "$big"
	assert_stderr "$(resume_msg "$n" $((n / 1000)))
rota-import: 300000 read, $((300000 - n)) loaded, 0 rejected, $n skipped, 300 batches, N rows/s"
	assert_equal "$(sq s.db 'SELECT count(*), sum(weight) FROM requests')" '300000|45000150000'
	assert_equal "$(sq s.db "SELECT person || '|' || date FROM requests" | sort | cksum)" "$(request_keys "$big")"
	assert_equal "$(sq s.db 'SELECT finished IS NOT NULL FROM rota_import; SELECT count(*) FROM rota_import_batch')" '1
0'
}

@test "SQLite: kill -9 mid-import, then the same command resumes (CSV)" {
	local big=$BATS_FILE_TMPDIR/big.csv
	batches() { [ -e s.db ] && sq s.db 'SELECT count(*) FROM rota_import_batch'; }
	kill_midway batches --db s.db -b 1000 "$big"
	local n
	n=$(sq s.db 'SELECT count(*) FROM requests')
	((n > 0 && n < 300000))
	run -0 --separate-stderr rota-import --db s.db -b 1000 "$big"
	assert_equal "${stderr_lines[0]}" "$(resume_msg "$n" $((n / 1000)))"
	assert_summary "300000 read, $((300000 - n)) loaded, 0 rejected, $n skipped, 300 batches"
	assert_equal "$(sq s.db 'SELECT count(*), sum(weight) FROM requests')" '300000|45000150000'
	assert_equal "$(sq s.db "SELECT person || '|' || date FROM requests" | sort | cksum)" "$(request_keys "$big")"
}

@test "SQLite: kill -9 mid-import, then --no-resume loads everything again" {
	local big=$BATS_FILE_TMPDIR/big.ndjson
	batches() { [ -e s.db ] && sq s.db 'SELECT count(*) FROM rota_import_batch'; }
	kill_midway batches --db s.db -b 1000 "$big"
	run -0 --separate-stderr rota-import --db s.db -b 1000 --no-resume "$big"
	assert_stderr 'rota-import: 300000 read, 300000 loaded, 0 rejected, 300 batches, N rows/s'
	assert_equal "$(sq s.db 'SELECT count(*), sum(weight) FROM requests')" '300000|45000150000'
}

@test "SQLite: concurrent first runs on a new store all succeed" {
	gen_people 500 >a.ndjson
	cp "$DATA/Instance1.txt" "$DATA/all-types.ndjson" .
	rota-import -q --db s.db -b 50 a.ndjson &
	local p1=$!
	rota-import -q --db s.db Instance1.txt &
	local p2=$!
	rota-import -q --db s.db all-types.ndjson &
	local p3=$!
	wait $p1
	wait $p2
	wait $p3
	run -0 rota-import --db s.db --list
	assert_output "$(list_of 1 511 0 3 15 9 28 10 2 0 2)"
	# Again and again, as a race shows only now and then: each writer waits
	# for the others (up to the busy timeout), none gives up at once.
	local round i failed=0
	for i in 1 2 3 4; do
		gen_people 1 "$i" >"one$i.ndjson"
	done
	for ((round = 0; round < 60; round++)); do
		rm -f r.db r.db-wal r.db-shm
		for i in 1 2 3 4; do
			rota-import -q --db r.db "one$i.ndjson" 2>>race.err &
		done
		for i in 1 2 3 4; do
			wait -n || failed=$((failed + 1))
		done
	done
	assert_equal "$failed writers failed: $(sort race.err | uniq -c)" "0 writers failed: "
}

@test "an unreadable input file exits 3 before anything is loaded" {
	gen_people 3 >good.ndjson
	run -3 --separate-stderr rota-import --db s.db good.ndjson missing.ndjson
	assert_output ""
	assert_stderr 'rota-import: missing.ndjson: No such file or directory'
	[ ! -e s.db ]
	run -3 --separate-stderr rota-import good.ndjson missing.ndjson
	assert_output ""
	# A directory cannot be read either.
	mkdir adir
	run -3 --separate-stderr rota-import --db s.db good.ndjson adir
	assert_stderr 'rota-import: adir: Is a directory'
	[ ! -e s.db ]
}

@test "a named pipe is read once: its rows are loaded, not lost" {
	# Like standard input, a pipe cannot be read twice (for the ledger's hash
	# and then for the rows).
	run -0 --separate-stderr bash -c "$(declare -f gen_people); rota-import --db s.db <(gen_people 2)"
	assert_summary '2 read, 2 loaded, 0 rejected, 1 batch'
	assert_equal "$(people_count s.db)" 2
	mkfifo pipe
	gen_people 3 10 >pipe 3>&- &
	run --separate-stderr timeout 5 rota-import --db t.db pipe
	assert_equal "$status" 0
	assert_summary '3 read, 3 loaded, 0 rejected, 1 batch'
	assert_equal "$(people_count t.db)" 3
}

@test "a store that cannot be opened exits 4" {
	gen_people 3 >in.ndjson
	run -4 --separate-stderr rota-import --db /nonexistent/dir/x.db in.ndjson
	assert_output ""
	assert_stderr 'rota-import: /nonexistent/dir/x.db: unable to open database file'
	run -4 --separate-stderr rota-import --db /nonexistent/dir/x.db --list
	assert_output ""
	assert_stderr 'rota-import: /nonexistent/dir/x.db: unable to open database file'
	run -4 --separate-stderr rota-import --db /nonexistent/dir/x.db --dump
	assert_output ""
	echo 'not a database' >text.db
	run -4 --separate-stderr rota-import --db text.db in.ndjson
	assert_stderr 'rota-import: text.db: file is not a database'
	assert_equal "$(cat text.db)" 'not a database'
	# A store made by a newer rota.
	rota-import -q --db new.db in.ndjson
	sq new.db 'INSERT INTO rota_schema (version) VALUES (4)'
	run -4 --separate-stderr rota-import --db new.db in.ndjson
	assert_stderr "rota-import: new.db: the store's schema is version 4, newer than this rota's (3)"
	run -4 --separate-stderr rota-import --db new.db --list
	assert_output ""
}

@test "a store error mid-import exits 4, keeping committed batches only" {
	{
		gen_people 25
		echo '{"type":"person","id":"boom"}'
		gen_people 3 26
	} >in.ndjson
	new_store s.db
	sq s.db "CREATE TRIGGER boom BEFORE INSERT ON people WHEN NEW.id = 'boom' BEGIN SELECT RAISE(ABORT, 'no boom'); END"
	run -4 --separate-stderr rota-import --db s.db -b 10 --rejects rej.ndjson in.ndjson
	assert_output ""
	stderr_norm | grep -q '^rota-import: s\.db: .*no boom$'
	refute_stderr_line 'rejected; stopping'
	# p1…p20 committed; the batch holding boom rolled back.
	assert_equal "$(sq s.db "SELECT count(*), sum(id = 'p21') FROM people")" '20|0'
	[ -f rej.ndjson ] && [ ! -s rej.ndjson ]
	assert_equal "$(ls -A | grep -v '^s\.db')" "in.ndjson
rej.ndjson"
	# The import did not finish: it can be resumed once the store is fixed.
	sq s.db 'DROP TRIGGER boom'
	run -0 --separate-stderr rota-import --db s.db -b 10 in.ndjson
	assert_equal "${stderr_lines[0]}" "$(resume_msg 20 2)"
	assert_equal "$(people_count s.db)" 29
}

@test "SQLite: another writer holding the store past the busy timeout: exit 5" {
	gen_people 3 >in.ndjson
	new_store s.db
	# A writer that holds the write lock until told to commit.
	start_holder $'BEGIN IMMEDIATE;\n.shell touch locked\n' sqlite3 s.db
	run -5 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-import --db s.db in.ndjson
	assert_output ""
	assert_stderr 'rota-import: s.db: database is locked'
	# Readers are not held up by a writer.
	run -0 --separate-stderr env ROTA_BUSY_TIMEOUT_MS=200 rota-import --db s.db --list
	printf 'COMMIT;\n' >&4
	exec 4>&-
	wait "$holder"
	assert_equal "$(people_count s.db)" 0
	run -0 --separate-stderr rota-import --db s.db in.ndjson
	assert_equal "$(people_count s.db)" 3
}

@test "standard output on a full disk exits 7" {
	gen_people 3 >in.ndjson
	run -7 --separate-stderr to_full rota-import in.ndjson
	assert_stderr_line 'rota-import: standard output: No space left on device'
	gen_people 20000 >big.ndjson
	run -7 --separate-stderr to_full rota-import -q big.ndjson
	assert_stderr_line 'rota-import: standard output: No space left on device'
	rota-import -q --db s.db in.ndjson
	run -7 --separate-stderr to_full rota-import --db s.db --dump
	assert_stderr_line 'rota-import: standard output: No space left on device'
	run -7 --separate-stderr to_full rota-import --db s.db --list
	assert_stderr_line 'rota-import: standard output: No space left on device'
	# Loading into a store writes nothing on standard output.
	run -0 --separate-stderr to_full rota-import --db s.db in.ndjson
}
