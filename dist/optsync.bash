# bash completion for optsync(1): commands, their options, and the settings of `optsync set`.
_optsync() {
	local cur prev words cword
	_init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
	local commands="connect set sync daemon resync show check log audit user webhook"
	local settings="sf_import interval sf_api_share ac_rate bulk_threshold ac_bulk_threshold ac_clock_margin_s public_url allowed_hosts retry_limit"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db | --key-file) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	case $prev in
	--db | --key-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$commands --db --key-file --help --version" -- "$cur"))
		return
	fi
	case $cmd in
	connect)
		if [ "$prev" = connect ]; then COMPREPLY=($(compgen -W "ac sf" -- "$cur")); return; fi
		COMPREPLY=($(compgen -W "--url --key --login-url --client-id --client-secret --refresh-token --api-version --help" -- "$cur")) ;;
	set)
		if [ "$prev" = set ]; then COMPREPLY=($(compgen -W "$settings" -- "$cur")); return; fi
		[ "$prev" = sf_import ] && COMPREPLY=($(compgen -W "none new all" -- "$cur")) ;;
	sync) COMPREPLY=($(compgen -W "--dry-run --full --help" -- "$cur")) ;;
	daemon) COMPREPLY=($(compgen -W "--interval --log-file --no-stream --help" -- "$cur")) ;;
	resync) COMPREPLY=($(compgen -W "--email --help" -- "$cur")) ;;
	show) COMPREPLY=($(compgen -W "--email --json --help" -- "$cur")) ;;
	check) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W "--email --limit --json --help" -- "$cur")) ;;
	audit) COMPREPLY=($(compgen -W "--csv --help" -- "$cur")) ;;
	user)
		if [ "$prev" = user ]; then COMPREPLY=($(compgen -W "add" -- "$cur")); return; fi
		[ "$prev" = --role ] && { COMPREPLY=($(compgen -W "admin viewer" -- "$cur")); return; }
		COMPREPLY=($(compgen -W "--role --help" -- "$cur")) ;;
	webhook) COMPREPLY=($(compgen -W "--public-url --register --help" -- "$cur")) ;;
	esac
}
complete -F _optsync optsync
