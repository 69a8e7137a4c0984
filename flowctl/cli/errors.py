"""Turning flowctl's own errors into exit code 2 with a message and no traceback of ours.

Commands wrap their set-up in ``with usage_errors():``; a ``FlowctlError``
(bad target, unknown parameter, invalid TOML...) becomes one paragraph on
stderr and ``typer.Exit(2)``. Errors from anywhere else are bugs and keep
their traceback.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, NoReturn

import typer

from flowctl.exceptions import FlowctlError

USAGE_EXIT = 2


def fail(message: str, code: int = USAGE_EXIT) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    sys.stdout.flush()
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Exit 2 with the error's message for every ``FlowctlError`` raised inside."""
    try:
        yield
    except FlowctlError as exc:
        fail(str(exc))
