"""Collection tasks: build a list, tuple, set or dict from their inputs.

Passing a Python collection to a task creates these automatically, so the
collection's elements can themselves be task results.
"""
from __future__ import annotations

from typing import Any, Iterable

from flowctl.core.task import Task
from flowctl.utilities.context import context


class VarArgsTask(Task):
    """A task bound with positional arguments, passed to ``run`` as ``arg_1, arg_2, ...``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_generated = True

    def bind(self, *args: Any, upstream_tasks: Iterable | None = None, flow: Any = None,  # type: ignore[override]
             mapped: bool = False, **kwargs: Any) -> "Task":
        names = [f"arg_{number}" for number in range(1, len(args) + 1)]  # (an f-string: a quarter cheaper than format)
        binder = self._binder()
        if not kwargs and binder.var_keyword is not None and not binder.required:
            # run(**task_results) takes any arg_N: bind them all at once, with no per-name matching
            flow = flow if flow is not None else context.get("flow")
            if flow is not None and not upstream_tasks and self not in flow.slugs:  # a fresh copy: one pass
                flow.add_gathering_task(self, names, args, mapped)
                tags = context.get("tags")
                if tags:
                    self.tags.update(tags)
                return self
            return self._bind_matched(dict(zip(names, args)), mapped, upstream_tasks, flow, context.get("tags"),
                                      identifiers=True)
        kwargs.update(zip(names, args))
        return super().bind(upstream_tasks=upstream_tasks, flow=flow, mapped=mapped, **kwargs)

    @staticmethod
    def _ordered(task_results: dict) -> list:
        return [task_results[k] for k in sorted(task_results, key=lambda k: int(k[4:]))]


class List(VarArgsTask):
    """Collects its inputs into a list."""

    def run(self, **task_results: Any) -> list:
        return self._ordered(task_results)


class Tuple(VarArgsTask):
    """Collects its inputs into a tuple."""

    def run(self, **task_results: Any) -> tuple:
        return tuple(self._ordered(task_results))


class Set(VarArgsTask):
    """Collects its inputs into a set."""

    def run(self, **task_results: Any) -> set:
        return set(task_results.values())


class Dict(Task):
    """Builds a dict from a list of keys and a list of values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_generated = True

    def run(self, keys: Iterable, values: Iterable) -> dict:
        keys, values = list(keys), list(values)
        if len(keys) != len(values):
            raise ValueError("A different number of keys and values were provided!")  # (Prefect 1's words)
        return dict(zip(keys, values))
