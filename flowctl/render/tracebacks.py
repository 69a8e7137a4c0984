"""Tracebacks as a user wants to read them: their own frames, not flowctl's."""
from __future__ import annotations

import os
import traceback

import flowctl

_FLOWCTL_DIR = os.path.dirname(os.path.abspath(flowctl.__file__)) + os.sep


def _is_internal(filename: str) -> bool:
    """Frames of flowctl itself and of importlib's machinery say nothing to the user."""
    return filename.startswith(_FLOWCTL_DIR) or filename.startswith("<frozen importlib")


def _trim(exception: traceback.TracebackException, seen: set[int]) -> None:
    if id(exception) in seen:
        return
    seen.add(id(exception))
    kept = [frame for frame in exception.stack if not _is_internal(frame.filename)]
    exception.stack = traceback.StackSummary.from_list(kept)
    for chained in (exception.__cause__, exception.__context__):
        if chained is not None:
            _trim(chained, seen)


def format_user_traceback(exc: BaseException) -> str:
    """``exc``'s traceback (chained ones included) without flowctl's own frames."""
    report = traceback.TracebackException.from_exception(exc)
    _trim(report, set())
    return "".join(report.format()).rstrip("\n")


def failure_details(state: object) -> tuple[str, str]:
    """``(message, traceback)`` of a failed state; the traceback may be empty."""
    message = getattr(state, "message", None) or type(state).__name__
    result = getattr(state, "result", None)
    if isinstance(result, BaseException):
        frames = traceback.extract_tb(result.__traceback__)
        if not any(not _is_internal(frame.filename) for frame in frames):
            return str(message), ""  # raised by flowctl itself (a trigger, a signal): the message says it all
        return str(message), format_user_traceback(result)
    return str(message), ""


def trim_traceback_text(text: str) -> str:
    """Drop flowctl's frames from a traceback already formatted into a log message."""
    if "Traceback (most recent call last)" not in text:
        return text
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line.startswith('  File "'):
            skipping = line[len('  File "'):].startswith(_FLOWCTL_DIR)
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)
