"""The ``flowctl`` Typer app: global options and command registration.

Each command lives in its own module exposing ``register(app)``.
"""
from __future__ import annotations

from typing import Optional

import typer

import flowctl

app = typer.Typer(
    name="flowctl",
    help="Write, test and run Python workflows (Prefect 1-style flows) from a terminal or CI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowctl {flowctl.__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Show the version and exit."
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
