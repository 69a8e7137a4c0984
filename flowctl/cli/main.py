"""The ``flowctl`` Typer app: global options, command registration and the entry point.

Each command lives in its own module exposing ``register(app)``. ``main()``
runs the app in non-standalone mode so every usage error, Typer's and ours,
leaves in one style (``Error: …`` on stderr, exit 2; see ``errors.py``), and
first rewrites the few argument shapes Click cannot express (``argv.py``).
"""
from __future__ import annotations

import sys
from typing import Optional

import typer

import flowctl

app = typer.Typer(
    name="flowctl",
    help="Write, test and run Python workflows (Prefect 1-style flows) from a terminal or CI.",
    epilog="Examples:\n"
           "  flowctl run examples/etl.py -p batches=3\n"
           "  flowctl visualize examples/etl.py --format svg -o etl.svg\n"
           "  flowctl test-task examples/etl.py:extract --arg batches=2 --arg batch_size=3\n"
           "  flowctl completion bash > ~/.local/share/bash-completion/completions/flowctl",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {flowctl.__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Optional[bool] = typer.Option(
        None, "--version", "-V", metavar="", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """flowctl: run task/flow workflows locally, on threads, processes or Dask."""


# Command registration: one line per command module.
# (commands are added below by their modules' register(app) functions)
from flowctl.cli import run as _run_command  # noqa: E402

_run_command.register(app)
from flowctl.cli import visualize as _visualize_command  # noqa: E402

_visualize_command.register(app)
from flowctl.cli import test_task as _test_task_command  # noqa: E402

_test_task_command.register(app)
from flowctl.cli import inspect as _inspect_command  # noqa: E402

_inspect_command.register(app)
from flowctl.cli import completions as _completions  # noqa: E402

_completions.register(app)
from flowctl.cli import runs as _runs_command  # noqa: E402

_runs_command.register(app)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one error style, and a closed stdout pipe ends output quietly."""
    from flowctl.cli.argv import prepare_arguments
    from flowctl.cli.errors import guard_stdout, report_click_error

    from flowctl.utilities.logging import log_to_stderr

    args = list(sys.argv[1:] if argv is None else argv)
    guard_stdout()
    log_to_stderr()  # standard output carries the commands' results
    command = typer.main.get_command(app)
    code = 0
    try:
        args = prepare_arguments(command, args)
        code = command.main(args=args, prog_name="flowctl", standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        code = 1
    except Exception as exc:
        code = report_click_error(exc)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
