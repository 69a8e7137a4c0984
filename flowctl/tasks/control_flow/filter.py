"""``FilterTask``: keep the results of a mapped task that pass a test.

The usual partner of a map whose children may fail or skip: by default it
runs whatever its upstreams ended as (``all_finished``, even after skips) and
drops ``None`` results and exceptions, so the next step sees only good values.
"""
from __future__ import annotations

from typing import Any, Callable

from flowctl import triggers
from flowctl.core.task import Task


def _is_useful(result: Any) -> bool:
    return result is not None and not isinstance(result, BaseException)


class FilterTask(Task):
    """Returns ``[r for r in task_results if filter_func(r)]``."""

    def __init__(self, filter_func: Callable[[Any], bool] | None = None,
                 log_func: Callable[[list], str] | None = None, **kwargs: Any) -> None:
        self.filter_func = filter_func or _is_useful
        self.log_func = log_func
        kwargs.setdefault("skip_on_upstream_skip", False)
        kwargs.setdefault("trigger", triggers.all_finished)
        super().__init__(**kwargs)

    def run(self, task_results: list) -> list:
        kept = [result for result in task_results if self.filter_func(result)]
        if self.log_func is not None:
            self.logger.info(self.log_func(kept))
        return kept
