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
        if result.__traceback__ is None:
            return str(message), ""
        return str(message), format_user_traceback(result)
    return str(message), ""
