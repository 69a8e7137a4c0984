"""Branching: ``case``, ``switch``, ``ifelse`` and ``merge``.

A branch is guarded by a ``CompareValue`` task that raises ``SKIP`` when the
condition does not match; skips then flow downstream, so every task of an
unmatched branch ends ``Skipped``. ``merge`` runs unless all of its inputs
were skipped and returns the first result that is not None.
"""
from __future__ import annotations

from typing import Any

from flowctl import triggers
from flowctl.core.blocks import block_closed, block_opened
from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.exceptions import FlowDefinitionError, TaskArgumentError, TaskDefinitionError
from flowctl.utilities.context import context


class CompareValue(Task):
    """Skips unless its input equals ``value``."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        kwargs.setdefault("name", f'CompareValue: "{value}"')  # Prefect 1's name, str() of the value
        super().__init__(**kwargs)

    def run(self, value: Any) -> None:
        if value != self.value:
            raise signals.SKIP(f'Provided value "{value}" did not match "{self.value}"')


def switch(condition: Any, cases: dict[Any, Any], mapped: bool = False) -> None:
    """Run only the task whose key equals ``condition``'s result; skip the others."""
    from flowctl.utilities.tasks import as_task, tags

    with tags("switch"):  # as in Prefect 1, every task switch builds carries the "switch" tag
        for value, branch in cases.items():
            branch = as_task(branch)
            match = CompareValue(value=value).bind(value=condition, mapped=mapped)
            branch.set_dependencies(upstream_tasks=[match], mapped=mapped)


def _as_bool(x: Any) -> bool:
    return bool(x)


def ifelse(condition: Any, true_task: Any, false_task: Any, mapped: bool = False) -> None:
    """Run ``true_task`` when ``condition`` is truthy, else ``false_task``."""
    from flowctl.utilities.tasks import task

    cases = {flag: branch for flag, branch in ((True, true_task), (False, false_task)) if branch is not None}
    if cases:
        as_bool = task(_as_bool, name="as_bool")(condition, mapped=mapped)
        switch(condition=as_bool, cases=cases, mapped=mapped)


class Merge(Task):
    """Returns the first non-None result among its inputs, ordered by argument name.

    The order is that of the sorted names, as in Prefect 1 (so ``task_10``
    comes before ``task_2``): flows that merge ten or more branches keep
    the result Prefect 1 gave them.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.setdefault("skip_on_upstream_skip", False):
            raise TaskDefinitionError("Merge tasks must have `skip_on_upstream_skip=False`.")
        kwargs.setdefault("trigger", triggers.not_all_skipped)
        super().__init__(**kwargs)

    def run(self, **task_results: Any) -> Any:
        return next((value for _, value in sorted(task_results.items()) if value is not None), None)


def merge(*tasks: Any, flow: Any = None, mapped: bool = False, **kwargs: Any) -> Merge:
    """Join branches: the result of whichever branch ran (``kwargs`` go to ``Merge``)."""
    return Merge(**kwargs).bind(**{f"task_{i + 1}": t for i, t in enumerate(tasks)}, flow=flow, mapped=mapped)


class case:
    """``with case(task, value):`` — tasks in the block run only when ``task`` returns ``value``."""

    def __init__(self, task: Any, value: Any) -> None:
        if isinstance(value, Task):
            raise TaskArgumentError("`value` cannot be a task: case compares a task's result with a constant.")
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
        self._tasks.append(task)

    def __enter__(self) -> None:
        """Open the block; as in Prefect 1, ``with case(...) as x`` binds None."""
        manager = context(case=self)
        manager.__enter__()
        self._stack.append(manager)
        block_opened()

    def __exit__(self, *exc_info: Any) -> None:
        block_closed()
        self._stack.pop().__exit__(*exc_info)
        # wired even when an exception leaves the block, as in Prefect 1: a caller that catches it
        # keeps a flow whose tasks made in the block still run only when the case holds
        if not self._tasks:  # as in Prefect 1, an empty block (even outside a flow) adds nothing
            return
        flow = self._flow
        members = set(self._tasks)
        condition = CompareValue(self.value, name=f"case({self.value})").bind(value=self.task, flow=flow)
        for child in self._tasks:
            if child is condition or child is self.task:
                continue
            if not members.intersection(flow.upstream_tasks(child)):
                child.set_upstream(condition, flow=flow)
