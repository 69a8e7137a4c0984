"""``LocalExecutor``: runs every task in the calling thread, one at a time."""
from __future__ import annotations

from typing import Any, Callable

from flowctl.executors.base import Executor


class LocalExecutor(Executor):
    """Runs each submitted function immediately; futures are plain values."""

    runs_inline = True

    def describe(self) -> dict:
        return {"executor": "local"}

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    def wait(self, futures: Any) -> Any:
        return futures
