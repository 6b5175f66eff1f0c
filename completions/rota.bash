# bash completion for the rota tools.
#
# Installed once for each tool, under the tool's name (make install); any
# copy defines completion for every tool.  A tool is one function,
# _rota_<tool>, and one case in _rota below.

_rota_types='horizon person activity cover absence request limit assignment finding summary'

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
	local opts='--bound -d --db -e --evaluate -f --from -h --help -j --threads
		--moves --progress -q --quiet -s --seed --start -t --time-limit
		-v --verbose --version --write-lp'

	if ((dashdash)); then
		_rota_files
		return
	fi
	case $prev in
	-f|--from)
		COMPREPLY=($(compgen -W 'ndjson nrp' -- "$cur"))
		return;;
	-d|--db|-e|--evaluate|--write-lp)
		_rota_files
		return;;
	-t|--time-limit|-j|--threads|-s|--seed|--moves|--bound|--start)
		return;;		# a number or a date: nothing to offer
	-h|--help|--version)
		return;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# --db reads the store, not files.
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case $w in
		-d|--db) return;;
		esac
	done
	_rota_files
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
	esac
}

complete -F _rota rota-import rota-solve
