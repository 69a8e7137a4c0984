# fish completion for flowctl, generated from its Typer app by `make completions`
# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.
# Commands: inspect, run, runs, test-task, visualize
# Install: copy to ~/.config/fish/completions/flowctl.fish

complete --command flowctl --no-files --arguments "(env _FLOWCTL_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) flowctl)" --condition "env _FLOWCTL_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args _TYPER_COMPLETE_ARGS=(commandline -cp) flowctl"
