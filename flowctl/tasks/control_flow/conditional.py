"""Branching: ``case``, ``switch``, ``ifelse`` and ``merge``.

A branch is guarded by a ``CompareValue`` task that raises ``SKIP`` when the
condition does not match; skips then flow downstream, so every task of an
unmatched branch ends ``Skipped``. ``merge`` runs unless all of its inputs
were skipped and returns the first result that is not None.
"""
from __future__ import annotations

from typing import Any

from flowctl import triggers
from flowctl.core.parameter import Parameter
from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities.context import context


class CompareValue(Task):
    """Skips unless its input equals ``value``."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        kwargs.setdefault("name", f"case({value!r})")
        super().__init__(**kwargs)

    def run(self, value: Any) -> None:
        if value != self.value:
            raise signals.SKIP(f'Provided value "{value!r}" did not match "{self.value!r}"')


def switch(condition: Any, cases: dict[Any, Any], mapped: bool = False) -> None:
    """Run only the task whose key equals ``condition``'s result; skip the others."""
    from flowctl.utilities.tasks import as_task

    for value, branch in cases.items():
        match = CompareValue(value).bind(value=condition, mapped=mapped)
        as_task(branch).set_dependencies(upstream_tasks=[match])


class _AsBool(Task):
    def run(self, x: Any) -> bool:
        return bool(x)


def ifelse(condition: Any, true_task: Any, false_task: Any, mapped: bool = False) -> None:
    """Run ``true_task`` when ``condition`` is truthy, else ``false_task``."""
    cases = {flag: branch for flag, branch in ((True, true_task), (False, false_task)) if branch is not None}
    switch(condition=_AsBool(name="as_bool").bind(x=condition, mapped=mapped), cases=cases, mapped=mapped)


class Merge(Task):
    """Returns the first non-None result among its inputs (in argument order)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("skip_on_upstream_skip", False)
        kwargs.setdefault("trigger", triggers.not_all_skipped)
        super().__init__(**kwargs)

    def run(self, **task_results: Any) -> Any:
        ordered = sorted(task_results.items(), key=lambda item: int(item[0][4:]))
        return next((value for _, value in ordered if value is not None), None)


def merge(*tasks: Any, flow: Any = None, mapped: bool = False) -> Merge:
    """Join branches: the result of whichever branch ran."""
    return Merge().bind(**{f"task{i + 1}": t for i, t in enumerate(tasks)}, flow=flow, mapped=mapped)


class case:
    """``with case(task, value):`` — tasks in the block run only when ``task`` returns ``value``."""

    def __init__(self, task: Any, value: Any) -> None:
        self.task = task
        self.value = value
        self._tasks: list[Task] = []
        self._flow: Any = None
        self._stack: list = []

    def add_task(self, task: Task, flow: Any) -> None:
        if self._flow is None:  # imperative API: the first flow a task is added to
            self._flow = flow
        elif flow is not self._flow:
            raise FlowDefinitionError("Multiple flows cannot be used with the same case statement.")
        if not isinstance(task, Parameter):
            self._tasks.append(task)

    def __enter__(self) -> "case":
        self._flow = context.get("flow")
        manager = context(case=self)
        manager.__enter__()
        self._stack.append(manager)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stack.pop().__exit__(*exc_info)
        if exc_info[0] is not None:
            return
        if self._flow is None:  # neither a `with Flow` block nor a task added to a flow
            raise FlowDefinitionError("`case` must be used inside a `with Flow(...)` block "
                                      "(or add tasks to a flow inside it, e.g. flow.add_task(t)).")
        if not self._tasks:
            return
        flow = self._flow
        members = set(self._tasks)
        condition = CompareValue(self.value).bind(value=self.task, flow=flow)
        for child in self._tasks:
            if child is condition or child is self.task:
                continue
            if not members.intersection(flow.upstream_tasks(child)):
                child.set_upstream(condition, flow=flow)
