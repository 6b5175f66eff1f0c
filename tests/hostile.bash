# tests/hostile.bash: hostile names for tests/security.bats and
# tests/security-pg.bats (`load hostile`).
#
# Ids hold SQL quotes of both kinds, semicolons, comments, backslashes,
# COPY's own markers (\N, \.), printf conversions, placeholders ($1, ?),
# path steps and non-ASCII text, and run to 198 bytes (ids may have 200);
# names hold line breaks, tabs, control characters (an ESC sequence too)
# and run to 6000 bytes.  hostile_programme writes a small programme
# made of them, which rota-solve schedules in a moment.

H_P1="o'neil \"the\" ;--"
H_P2="'); DROP TABLE people; --"
H_P3='back\slash \N \. %s%n%x'
H_P4='Zoë Ångström 山田 🩺'
H_P5="$(printf 'L%.0s' {1..190})-long-é"
H_F1='Dr. "Faculty"; DELETE FROM x; \'
H_ACT="../../act'; DROP TABLE activities; --"
H_CALL='call "night" %n $1 ?'
H_SITE="site'\"; TRUNCATE sites; -- é"
H_HOR="hz'; DROP TABLE horizons; --"
H_SLOT="A'M;--"
H_NAME=$'Name with\nnewline\r\n\tand tab \\ and \001\033[31m control, comma; "quotes" \'s %s%n'
H_LONGNAME="$(printf 'x%.0s' {1..6000})é"
H_KEY="x'; DROP \"k\" %s"
# The residents, whom the call goes to.
H_RESIDENTS=("$H_P1" "$H_P2" "$H_P3" "$H_P4" "$H_P5")
H_PEOPLE=("${H_RESIDENTS[@]}" "$H_F1")
export H_P1 H_P2 H_P3 H_P4 H_P5 H_F1 H_ACT H_CALL H_SITE H_HOR H_SLOT H_NAME H_LONGNAME H_KEY

# hostile_programme: the programme as NDJSON on standard output: three
# days, two covers that must be filled (the AM one by two people, the
# call by a resident), an absence, a request, a limit with an unknown
# field whose name is hostile too.
hostile_programme() {
	jq -nc --arg id "$H_HOR" --arg s "$H_SLOT" \
		'{type:"horizon",id:$id,start:"2026-01-05",days:3,slots:[$s,"CALL"],tz:"America/Chicago"}'
	jq -nc --arg id "$H_SITE" --arg n "$H_NAME" '{type:"site",id:$id,name:$n,capacity:5}'
	local p
	for p in "${H_RESIDENTS[@]}"; do
		jq -nc --arg id "$p" --arg n "$H_NAME" '{type:"person",id:$id,name:$n,role:"resident",pgy:2}'
	done
	jq -nc --arg id "$H_F1" --arg n "$H_LONGNAME" '{type:"person",id:$id,name:$n,role:"faculty"}'
	jq -nc --arg id "$H_ACT" --arg n "$H_NAME" --arg s "$H_SITE" --arg slot "$H_SLOT" \
		'{type:"activity",id:$id,name:$n,slot:$slot,start:"08:00",minutes:240,site:$s}'
	jq -nc --arg id "$H_CALL" --arg n "$H_P2" \
		'{type:"activity",id:$id,name:$n,kind:"in_house_call",slot:"CALL",start:"17:00",minutes:840,roles:["resident"]}'
	jq -nc --arg a "$H_ACT" --arg slot "$H_SLOT" \
		'{type:"cover",date:"2026-01-05",slot:$slot,activity:$a,want:2,weight_under:1000}'
	jq -nc --arg a "$H_CALL" '{type:"cover",date:"2026-01-05",slot:"CALL",activity:$a,want:1,weight_under:1000}'
	jq -nc --arg p "$H_P3" --arg r "$H_NAME" '{type:"absence",person:$p,from:"2026-01-07",to:"2026-01-07",reason:$r}'
	jq -nc --arg p "$H_P4" --arg a "$H_CALL" \
		'{type:"request",person:$p,date:"2026-01-06",slot:"CALL",activity:$a,want:"off",weight:3}'
	jq -nc --arg p "$H_P1" --arg k "$H_KEY" --arg x "$H_NAME" '{type:"limit",person:$p,max_consecutive:3} + {($k):$x}'
}

# csv_cell TEXT: TEXT as one quoted CSV cell.
csv_cell() {
	local s=${1//\"/\"\"}
	printf '"%s"' "$s"
}

# hostile_csv DIR: people.csv, sites.csv and activities.csv of the same
# names in DIR, every cell quoted; the names without a carriage return
# (a CSV reader reads CR LF within a quoted cell as a line end, LF).
hostile_csv() {
	local dir=$1 p name=${H_NAME//$'\r'/}
	{
		echo 'id,name,role,pgy'
		for p in "${H_RESIDENTS[@]}"; do
			printf '%s,%s,resident,2\n' "$(csv_cell "$p")" "$(csv_cell "$name")"
		done
		printf '%s,%s,faculty,\n' "$(csv_cell "$H_F1")" "$(csv_cell "$H_LONGNAME")"
	} >"$dir/people.csv"
	{
		echo 'id,name,capacity'
		printf '%s,%s,5\n' "$(csv_cell "$H_SITE")" "$(csv_cell "$name")"
	} >"$dir/sites.csv"
	{
		echo 'id,name,kind,slot,start,minutes,site'
		printf '%s,%s,clinical,%s,08:00,240,%s\n' "$(csv_cell "$H_ACT")" "$(csv_cell "$name")" \
			"$(csv_cell "$H_SLOT")" "$(csv_cell "$H_SITE")"
	} >"$dir/activities.csv"
}

# csv_round_trip STORE RESIDENT: hostile_csv's files loaded into STORE come
# back from --dump byte for byte: people, RESIDENT's name, the faculty's
# long name, the activity.  Every name is without its carriage return.
csv_round_trip() {
	local store=$1 resident=$2 name=${H_NAME//$'\r'/}
	hostile_csv .
	run -0 --separate-stderr rota-import --db "$store" people.csv sites.csv activities.csv
	assert_summary '8 read, 8 loaded, 0 rejected, 1 batch'
	run -0 --separate-stderr rota-import --db "$store" --dump
	all_json
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "person") | .id' | LC_ALL=C sort)" \
		"$(printf '%s\n' "${H_PEOPLE[@]}" | LC_ALL=C sort)"
	assert_equal "$(printf '%s\n' "$output" | jq -r --arg id "$resident" 'select(.id == $id) | .name')" "$name"
	assert_equal "$(printf '%s\n' "$output" | jq -r --arg id "$H_F1" 'select(.id == $id) | .name')" "$H_LONGNAME"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.type == "activity") | [.id, .slot, .site, .name] | @json')" \
		"$(jq -nc --arg a "$H_ACT" --arg s "$H_SLOT" --arg site "$H_SITE" --arg n "$name" '[$a, $s, $site, $n]')"
}

# canonical FILE...: the records of NDJSON files, each sorted by key and
# compact, the lines sorted: two sets of records compare equal as text.
canonical() {
	jq -cS . "$@" | LC_ALL=C sort
}

# all_json: every line of $output is one JSON object.
all_json() {
	local bad
	bad=$(printf '%s\n' "$output" | jq -c 'if type == "object" then empty else . end' 2>&1) ||
		fail "output is not NDJSON: $bad"
	[ -z "$bad" ] || fail "not objects: $bad"
}

# has_ids FIELD ID...: each ID is, byte for byte, the FIELD of some record
# of $output.
has_ids() {
	local field=$1 id
	shift
	for id in "$@"; do
		printf '%s\n' "$output" | jq -e --arg f "$field" --arg id "$id" -s 'any(.[]; .[$f] == $id)' \
			>/dev/null || fail "no record with $field = $id"
	done
}
