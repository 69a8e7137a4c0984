#compdef flowctl
# zsh completion for flowctl, generated from its Typer app by `make completions`
# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.
# Commands: inspect, run, runs, test-task, visualize
# Install: in ~/.zshrc, after `autoload -U compinit && compinit`: source /path/to/completions/flowctl.zsh

_flowctl_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _FLOWCTL_COMPLETE=complete_zsh flowctl)
}

compdef _flowctl_completion flowctl
