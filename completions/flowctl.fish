# fish completion for flowctl, generated from its Typer app by `make completions`
# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.
# Commands: completion, inspect, run, runs, test-task, visualize
# Install: flowctl completion fish > ~/.config/fish/completions/flowctl.fish

function __flowctl_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l IFS \n
    env COMP_WORDS="$words" COMP_CWORD=(math (count $words) - 1) \
        _FLOWCTL_COMPLETE=complete_bash flowctl 2>/dev/null
end

complete --command flowctl --no-files --arguments '(__flowctl_complete)'
