# bash completion for the rota tools.
#
# Installed once for each tool, under the tool's name (make install); any
# copy defines completion for every tool.  A tool is one function,
# _rota_<tool>, and one case in _rota below.

_rota_types='horizon person site activity cover absence request limit assignment shift finding summary'

# File names, through bash-completion's _filedir when it is loaded.
_rota_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir
	else
		compopt -o filenames 2>/dev/null
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

# Folder names, through bash-completion's _filedir -d when it is loaded.
_rota_dirs()
{
	if declare -F _filedir >/dev/null; then
		_filedir -d
	else
		compopt -o filenames 2>/dev/null
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -- "$cur"))
	fi
}

# The options in $1 for a word that starts with "-", else files, unless the
# line has --db: a tool that reads the store takes no files.
_rota_options_or_files()
{
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$1" -- "$cur"))
		return
	fi
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case $w in
		-d|--db) return;;
		esac
	done
	_rota_files
}

# rota-import(1)
_rota_import()
{
	local opts='-b --batch-size --atomic -d --db --dump -f --from -h --help
		-l --list -m --max-rejects --no-resume --progress -q --quiet
		-r --rejects --start -t --type -v --verbose --version'

	if ((dashdash)); then
		_rota_files
		return
	fi
	case $prev in
	-f|--from)
		COMPREPLY=($(compgen -W 'ndjson csv nrp' -- "$cur"))
		return;;
	-t|--type)
		COMPREPLY=($(compgen -W "$_rota_types" -- "$cur"))
		return;;
	-d|--db|-r|--rejects)
		_rota_files
		return;;
	-b|--batch-size|-m|--max-rejects|--start)
		return;;		# a number or a date: nothing to offer
	-h|--help|--version)
		return;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# --list and --dump read the store, not files.
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case $w in
		-l|--list|--dump) return;;
		esac
	done
	_rota_files
}

# rota-solve(1)
_rota_solve()
{
	local opts='--bound --cache --change-weight -d --db -e --evaluate --equity-weight
		-F --format -f --from --full -h --help -j --threads --max-changes
		--moves --no-cache -o --output --progress -q --quiet -r --repair
		-s --seed --start -t --time-limit -v --verbose --version --write-lp'

	if ((dashdash)); then
		_rota_files
		return
	fi
	case $prev in
	-f|--from)
		COMPREPLY=($(compgen -W 'ndjson nrp' -- "$cur"))
		return;;
	-F|--format)
		COMPREPLY=($(compgen -W 'ndjson table ics' -- "$cur"))
		return;;
	-d|--db|-e|--evaluate|-r|--repair|--cache|--write-lp)
		_rota_files
		return;;
	-o|--output)
		_rota_dirs
		return;;
	-t|--time-limit|-j|--threads|-s|--seed|--moves|--bound|--start)
		return;;		# a number or a date: nothing to offer
	--change-weight|--equity-weight|--max-changes)
		return;;		# a number or a percentage: nothing to offer
	-h|--help|--version)
		return;;
	esac
	_rota_options_or_files "$opts"
}

# rota-check-acgme(1)
_rota_acgme_rules='acgme.80h acgme.day-off acgme.24+4 acgme.14h-post-call
	acgme.8h-between acgme.q3-call acgme.pgy1-moonlighting legacy.nf-6-nights'

# Time zone names under $TZDIR or /usr/share/zoneinfo, one level at a
# time like paths; nothing when there is no such folder.
_rota_time_zones()
{
	local dir=${TZDIR:-/usr/share/zoneinfo} z name IFS=$'\n'
	[[ -d $dir ]] || return
	for z in $(compgen -f -- "$dir/$cur"); do
		name=${z#"$dir"/}
		case ${name##*/} in
		[!A-Z]*|*.*) continue;;	# posix/, right/, zone.tab, leapseconds ...
		esac
		if [[ -d $z ]]; then
			COMPREPLY+=("$name/")
		else
			COMPREPLY+=("$name")
		fi
	done
	# A folder is not the end of the name.
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
	return 0
}

# --periods month, rolling28, 28d:DATE or file:PATH.  Bash splits
# "file:PATH" at the colon (COMP_WORDBREAKS), so the whole word is taken
# from the line, and the answers are cut back to the part bash replaces.
# Returns 1 when the word being completed is not a value of --periods.
_rota_acgme_periods()
{
	local line=${COMP_LINE:0:COMP_POINT} word before opt val tail c
	local -a cands=()
	word=${line##*[[:space:]]}
	before=${line%"$word"}
	before=${before%"${before##*[![:space:]]}"}
	opt=${before##*[[:space:]]}
	if [[ $word == --periods=* ]]; then
		val=${word#--periods=}
	elif [[ $opt == --periods ]]; then
		val=$word
	else
		return 1
	fi
	case $val in
	file:*)
		while IFS= read -r c; do
			[[ -d $c ]] && c+=/
			cands+=("file:$c")
		done < <(compgen -f -- "${val#file:}");;
	28d:*)
		;;			# a date: nothing to offer
	*)
		cands=($(compgen -W 'month rolling28 28d: file:' -- "$val"));;
	esac
	# "28d:", "file:" and a folder are not the end of the value.
	[[ ${#cands[@]} -eq 1 && ${cands[0]} == *[:/] ]] && compopt -o nospace 2>/dev/null
	# Bash replaces only what follows the last "=" or ":" of the word.
	tail=$word
	[[ $COMP_WORDBREAKS == *=* ]] && tail=${tail##*=}
	[[ $COMP_WORDBREAKS == *:* ]] && tail=${tail##*:}
	local drop=${word%"$tail"} pre=${word%"$val"}
	for c in "${cands[@]}"; do
		c=$pre$c
		COMPREPLY+=("${c#"$drop"}")
	done
	return 0
}

_rota_check_acgme()
{
	local opts='-a --all --assume-local --cache -d --db --exclude-gaps -F --format --from
		-h --help --merge-gap --periods -q --quiet --rules --sorted --strict
		--strict-day-off --to --tz -v --verbose --version'

	if ((dashdash)); then
		_rota_files
		return
	fi
	_rota_acgme_periods && return
	case $prev in
	-F|--format)
		COMPREPLY=($(compgen -W 'ndjson table' -- "$cur"))
		return;;
	--rules)
		# A list: complete its last item, with its sign, after the others.
		local head= item=$cur sign= r
		[[ $cur == *,* ]] && head=${cur%,*}, item=${cur##*,}
		[[ $item == [+-]* ]] && sign=${item:0:1} item=${item:1}
		for r in $(compgen -W "$_rota_acgme_rules all" -- "$item"); do
			COMPREPLY+=("$head$sign$r")
		done
		return;;
	--tz)
		_rota_time_zones
		return;;
	-d|--db)
		_rota_files
		return;;
	--from|--to|--merge-gap)
		return;;		# a date or a duration: nothing to offer
	-h|--help|--version)
		return;;
	esac
	_rota_options_or_files "$opts"
}

# rota-cache(1)
_rota_cache_commands='get put del invalidate stats gc clear config exec lock'

# The names of the lock files beside the cache that the line names (-c),
# else the default one, as rota-cache finds it.
_rota_cache_locks()
{
	local file=$1 dir
	[[ -z $file ]] && file=$ROTA_CACHE
	if [[ -n $file ]]; then
		file=${file/#\~/$HOME}
		dir=.
		[[ $file == */* ]] && dir=${file%/*}
		[[ -z $dir ]] && dir=/
	elif [[ $XDG_CACHE_HOME == /* ]]; then
		dir=$XDG_CACHE_HOME/rota
	else
		dir=$HOME/.cache/rota
	fi
	local f names=()
	for f in "$dir"/locks/*.lock; do
		[[ -e $f ]] || continue
		f=${f##*/}
		names+=("${f%.lock}")
	done
	COMPREPLY=($(compgen -W "${names[*]}" -- "$cur"))
}

_rota_cache()
{
	local i w cmd= cmdi=0 file=
	# The command: the first word that is neither an option nor the value
	# of one.  "--cache=FILE" comes as three words, "--cache", "=", "FILE".
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-c|--cache|-n|--namespace|-F|--format|-[Aq]*[cnF])
			[[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
			((i++))
			[[ $w == -c || $w == --cache || $w == -[Aq]*c ]] && file=${COMP_WORDS[i]};;
		-c*)
			file=${w#-c};;
		-*)
			;;
		*)
			cmd=$w cmdi=$i
			break;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-c|--cache)
			_rota_files
			return;;
		-F|--format)
			COMPREPLY=($(compgen -W 'text json' -- "$cur"))
			return;;
		-n|--namespace|-h|--help|--version)
			return;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-A --all-namespaces -c --cache -F --format -h --help
				-n --namespace -q --quiet --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_rota_cache_commands" -- "$cur"))
		fi
		return
	fi

	local opts
	case $cmd in
	get|del)	opts='-n --namespace';;
	put)		opts='-n --namespace --ttl';;
	invalidate|clear)	opts='-A --all-namespaces -n --namespace -q --quiet';;
	stats)		opts='-F --format';;
	gc)		opts='-q --quiet';;
	config)		opts='-F --format --level --max-size --threshold';;
	exec)		opts='--cache-failures --env --key-file -n --namespace --ttl --';;
	lock)		opts='--db --wait --';;
	*)		return;;
	esac

	# exec and lock: where the command they run begins, if it has yet:
	# after "--", else at the first operand (for lock, the one after NAME).
	if [[ $cmd == exec || $cmd == lock ]]; then
		local start=0 name=0
		for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			case $w in
			--)
				start=$((i + 1))
				break;;
			--ttl|--key-file|--env|--db|--wait|-n|--namespace|-F|--format)
				[[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
				((i++));;
			-*)
				;;
			*)
				if [[ $cmd == lock ]] && ((!name)); then
					name=$i
				else
					start=$i
					break
				fi;;
			esac
		done
		if ((start)); then
			if ((COMP_CWORD == start)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			elif declare -F _command_offset >/dev/null; then
				_command_offset "$start"
			else
				_rota_files
			fi
			return
		fi
		case $prev in
		--ttl|--key-file|--env|--db|--wait|-n|--namespace|-F|--format)
			;;		# its value: below
		*)
			[[ $cur == -* ]] && { COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; }
			if [[ $cmd == lock ]] && ((!name)); then
				_rota_cache_locks "$file"
			else
				COMPREPLY=($(compgen -c -- "$cur"))
			fi
			return;;
		esac
	fi

	case $prev in
	-F|--format)
		COMPREPLY=($(compgen -W 'text json' -- "$cur"))
		return;;
	--key-file)
		_rota_files
		return;;
	--env)
		COMPREPLY=($(compgen -v -- "$cur"))
		return;;
	-n|--namespace|--ttl|--wait|--db|--level|--max-size|--threshold)
		return;;		# a name, a duration, a number or a size: nothing to offer
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
	# Keys and glob patterns: nothing to offer.
}

# rota-mview-refresh(1)
_rota_mview_views='schedule_summary person_workload rotation_coverage'

_rota_mview_refresh()
{
	local opts='-d --db -F --format --full -h --help -i --incremental --if-stale
		-l --list --query -q --quiet -s --show --threshold -v --verbose
		--version -w --wait'

	case $prev in
	-F|--format)
		COMPREPLY=($(compgen -W 'ndjson table' -- "$cur"))
		return;;
	-s|--show|--query)
		COMPREPLY=($(compgen -W "$_rota_mview_views" -- "$cur"))
		return;;
	-d|--db)
		_rota_files
		return;;
	--if-stale|--threshold|-w|--wait)
		return;;		# a duration or a number: nothing to offer
	-h|--help|--version)
		return;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# --show and --query name their one view; the others take views.
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case $w in
		-s|--show|--show=*|--query|--query=*) return;;
		esac
	done
	COMPREPLY=($(compgen -W "$_rota_mview_views" -- "$cur"))
}

# rota-explain(1)
_rota_explain()
{
	local opts='-a --analyze --allow-write --compare -d --db -e --query -F --format
		-f --queries --fail-on -h --help -q --quiet --timeout -V --verify --version'

	case $prev in
	-F|--format)
		COMPREPLY=($(compgen -W 'ndjson table' -- "$cur"))
		return;;
	--fail-on)
		COMPREPLY=($(compgen -W 'info low medium high' -- "$cur"))
		return;;
	-d|--db|-f|--queries)
		_rota_files
		return;;
	-e|--query|--timeout)
		return;;		# SQL or a number: nothing to offer
	-h|--help|--version)
		return;;
	esac
	# Plan files, unless the line has --db: its queries come from -e and -f.
	_rota_options_or_files "$opts"
}

_rota()
{
	local cur prev dashdash=0 i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# "--opt=value": bash splits the word at "=" (COMP_WORDBREAKS).
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && dashdash=1
	done
	case ${1##*/} in
	rota-import)	_rota_import;;
	rota-solve)	_rota_solve;;
	rota-check-acgme)	_rota_check_acgme;;
	rota-cache)	_rota_cache;;
	rota-mview-refresh)	_rota_mview_refresh;;
	rota-explain)	_rota_explain;;
	esac
}

complete -F _rota rota-import rota-solve rota-check-acgme rota-cache rota-mview-refresh rota-explain
