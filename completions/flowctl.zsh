#compdef flowctl
# zsh completion for flowctl, generated from its Typer app by `make completions`
# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.
# Commands: completion, inspect, run, runs, test-task, visualize
# Install: flowctl completion zsh > ~/.zfunc/_flowctl  (with fpath+=(~/.zfunc) before compinit), or source it after compinit

_flowctl() {
    local -a candidates continuing finished
    local candidate IFS=$'\n'
    candidates=( $(env COMP_WORDS="${(pj:\n:)words[1,CURRENT]}" COMP_CWORD=$((CURRENT - 1)) \
                   _FLOWCTL_COMPLETE=complete_bash flowctl 2>/dev/null) )
    for candidate in $candidates; do
        if [[ $candidate == */ || $candidate == *[:=] ]]; then
            continuing+=( $candidate )
        else
            finished+=( $candidate )
        fi
    done
    (( ${#finished} )) && compadd -Q -- $finished
    (( ${#continuing} )) && compadd -Q -S '' -- $continuing
    (( ${#candidates} )) || _files
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _flowctl "$@"
else
    compdef _flowctl flowctl
fi
