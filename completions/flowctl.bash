# bash completion for flowctl, generated from its Typer app by `make completions`
# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.
# Commands: completion, inspect, run, runs, test-task, visualize
# Install: flowctl completion bash > ~/.local/share/bash-completion/completions/flowctl

_flowctl_completion() {
    local IFS=$'\n'
    local -a words=()
    local cword=0 i
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        if ((i > 0)) && [[ ${COMP_WORDS[i]} == ":" || ${COMP_WORDS[i-1]} == ":" ]] && ((${#words[@]})); then
            words[${#words[@]}-1]+=${COMP_WORDS[i]}
        else
            words+=("${COMP_WORDS[i]}")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    local cur=${words[cword]}
    COMPREPLY=( $( env COMP_WORDS="${words[*]}" \
                   COMP_CWORD=$cword \
                   _FLOWCTL_COMPLETE=complete_bash $1 ) )
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local prefix=${cur%"${cur##*:}"}
        for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
            COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
        done
    fi
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == */ || ${COMPREPLY[0]} == *[:=] ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -o default -F _flowctl_completion flowctl
