"""``FunctionTask``: a task whose ``run`` is a plain function (what ``@task`` builds)."""
from __future__ import annotations

import functools
from typing import Any, Callable

from flowctl.core.task import Task, validate_run_signature
from flowctl.exceptions import NotCallableError


class FunctionTask(Task):
    """A FunctionTask wraps ``fn`` as the task's ``run``; the task is named after the function,
    and its docstring is the function's (``@task`` makes one)."""

    def __init__(self, fn: Callable, name: str | None = None, **kwargs: Any) -> None:
        if not callable(fn):
            raise NotCallableError(f"FunctionTask needs a callable, received {type(fn).__name__}.")
        if name is None:
            name = getattr(fn, "__name__", type(self).__name__)
        validate_run_signature(fn, name)
        self.run = fn  # type: ignore[method-assign]
        functools.update_wrapper(self, fn, updated=())
        super().__init__(name=name, **kwargs)
