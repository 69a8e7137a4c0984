"""One error style for every command: ``Error: <sentence>`` plus a few lines, on stderr, exit 2.

Commands wrap their set-up in ``with usage_errors():``; a ``FlowctlError``
(bad target, unknown parameter, invalid TOML...) becomes one paragraph on
stderr and ``typer.Exit(2)``. Typer's own usage errors (unknown option,
missing argument, bad value) are rewritten by ``report_click_error`` in the
same style instead of Rich's box-drawn panels. Errors from anywhere else are
bugs and keep their traceback.

``guard_stdout`` makes a closed stdout pipe (``flowctl run … | head -1``)
end the output quietly, so the exit code still says how the flow ended.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn

import typer

from flowctl.exceptions import FlowctlError
from flowctl.utilities.suggest import closest

USAGE_EXIT = 2


def fail(message: str, code: int = USAGE_EXIT) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    try:
        sys.stdout.flush()
    except OSError:
        pass
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Exit 2 with the error's message for every ``FlowctlError`` raised inside."""
    try:
        yield
    except FlowctlError as exc:
        fail(str(exc))


def _is_click_error(exc: BaseException) -> bool:
    """Typer's bundled Click errors, recognised by shape (flowctl never imports click)."""
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def _option_names(exc: Any) -> list[str]:
    command = getattr(getattr(exc, "ctx", None), "command", None)
    names = []
    for param in getattr(command, "params", ()):
        names += [n for n in param.opts + param.secondary_opts if n.startswith("-")]
    return names


def _label(param: Any) -> str:
    """``--executor`` for an option, ``TARGET`` for an argument."""
    if param.param_type_name == "option":
        return next((name for name in param.opts if name.startswith("--")), param.opts[0])
    return param.metavar or (param.name or "argument").upper()


def _describe(exc: Any) -> str:
    """One sentence for a Click usage error, with a suggestion where one helps."""
    kind = type(exc).__name__
    if kind == "NoSuchOption":
        hint = closest(exc.option_name, [n for n in _option_names(exc) if n.startswith("--")], cutoff=0.7)
        return f"unknown option {exc.option_name!r}." + (f" Did you mean {hint!r}?" if hint else "")
    param = getattr(exc, "param", None)
    if kind == "MissingParameter" and param is not None:
        if param.param_type_name == "argument":
            return f"missing argument {_label(param)}."
        return f"option {param.opts[-1]!r} is required."
    message = exc.format_message().strip()
    if kind == "BadParameter" and param is not None:
        name = _label(param)
        message = message.split(": ", 1)[-1] if message.startswith("Invalid value") else message
        return f"{name}: {message}"
    if message.startswith("No such command"):
        group = getattr(getattr(exc, "ctx", None), "command", None)
        wanted = message.split("'")[1] if "'" in message else ""
        hint = closest(wanted, list(getattr(group, "commands", {}) or {}))
        return f"unknown command {wanted!r}." + (f" Did you mean {hint!r}?" if hint else "")
    return message[0].lower() + message[1:] if message else "invalid usage."


def report_click_error(exc: BaseException) -> int:
    """Print a Click usage error in flowctl's style and return its exit code; re-raise anything else."""
    if not _is_click_error(exc):
        raise exc
    if type(exc).__name__ == "NoArgsIsHelpError":  # the help is printed already; still a usage error
        return USAGE_EXIT
    ctx = getattr(exc, "ctx", None)
    sentence = _describe(exc)
    typer.echo(f"Error: {sentence[0].upper()}{sentence[1:]}", err=True)
    if ctx is not None:
        typer.echo(f"Try '{ctx.command_path} -h' for help.", err=True)
    code = exc.exit_code
    return USAGE_EXIT if code in (1, 2) and type(exc).__name__ != "ClickException" else code


class _QuietPipe:
    """A text stream that, once its reader has gone (EPIPE), sends the rest to /dev/null."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _silence(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def quiet_pipe(stream: Any) -> Any:
    """``stream`` wrapped so a closed reader ends its output silently."""
    return stream if isinstance(stream, _QuietPipe) else _QuietPipe(stream)


def guard_stdout() -> None:
    """Route ``sys.stdout`` through ``quiet_pipe`` (terminals need no guard)."""
    try:
        if not sys.stdout.isatty():
            sys.stdout = quiet_pipe(sys.stdout)
    except (AttributeError, ValueError):
        pass
