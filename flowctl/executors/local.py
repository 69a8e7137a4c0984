"""``LocalExecutor``: runs every task in the calling thread, one at a time."""
from __future__ import annotations

from typing import Any, Callable

from flowctl.executors.base import Executor


class LocalExecutor(Executor):
    """Runs each submitted function immediately; futures are plain values."""

    @property
    def runs_inline(self) -> bool:  # type: ignore[override]
        """The scheduler calls units itself, unless a subclass wants to see them submitted."""
        return type(self).submit is LocalExecutor.submit

    def describe(self) -> dict:
        return {"executor": "local"}

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    def wait(self, futures: Any) -> Any:
        return futures

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        callback(future)  # (the "future" is the value: done already)

    def result_of(self, future: Any, task: Any, map_index: int | None) -> Any:
        return future
