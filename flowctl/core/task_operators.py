"""Operators on tasks: inside a flow, ``a + b``, ``a[k]`` or ``a.is_equal(b)`` build tasks.

Kept apart from ``Task`` itself: these methods only translate Python syntax
into operator tasks (``flowctl.tasks.core.operators``) bound in the active flow.
"""
from __future__ import annotations

from typing import Any, Iterator


class TaskOperators:
    """Mixin giving tasks their operators, item access and ``nout`` unpacking."""

    # -- unpacking and operators (each builds a task in the active flow) -----
    def __iter__(self) -> Iterator["Any"]:
        if self.nout is None:
            raise TypeError(
                f"Task is not iterable: {self!r}. If your task returns multiple results, pass `nout` to the "
                f"task decorator/constructor (e.g. @task(nout=2)), or provide a `Tuple` return-type annotation "
                f"to your task."
            )
        for index in range(self.nout):
            yield self[index]

    def __getitem__(self, key: Any) -> "Any":
        """A GetItem task named ``task[key]``, checkpointed and stored like this task (as Prefect 1)."""
        from flowctl.core.task import Task
        from flowctl.tasks.core.operators import GetItem

        label = key.name if isinstance(key, Task) else repr(key)
        return GetItem(name=f"{self.name}[{label}]", checkpoint=self.checkpoint, result=self.result).bind(self, key)

    def _operator(self, kind: str, *others: Any) -> "Any":
        from flowctl.tasks.core import operators

        return getattr(operators, kind)().bind(self, *others)

    def _reflected(self, kind: str, other: Any) -> "Any":
        from flowctl.tasks.core import operators

        return getattr(operators, kind)().bind(other, self)

    def __add__(self, other: Any) -> "Any": return self._operator("Add", other)
    def __sub__(self, other: Any) -> "Any": return self._operator("Sub", other)
    def __mul__(self, other: Any) -> "Any": return self._operator("Mul", other)
    def __truediv__(self, other: Any) -> "Any": return self._operator("Div", other)
    def __floordiv__(self, other: Any) -> "Any": return self._operator("FloorDiv", other)
    def __pow__(self, other: Any) -> "Any": return self._operator("Pow", other)
    def __mod__(self, other: Any) -> "Any": return self._operator("Mod", other)
    def __and__(self, other: Any) -> "Any": return self._operator("And", other)
    def __or__(self, other: Any) -> "Any":
        """``a | b`` makes ``b`` run after ``a`` and returns ``b`` (Prefect 1's meaning, not an Or task)."""
        self.set_dependencies(downstream_tasks=[other])
        return other

    def __xor__(self, other: Any) -> "Any": return self._operator("Xor", other)
    def __radd__(self, other: Any) -> "Any": return self._reflected("Add", other)
    def __rsub__(self, other: Any) -> "Any": return self._reflected("Sub", other)
    def __rmul__(self, other: Any) -> "Any": return self._reflected("Mul", other)
    def __rtruediv__(self, other: Any) -> "Any": return self._reflected("Div", other)
    def __rfloordiv__(self, other: Any) -> "Any": return self._reflected("FloorDiv", other)
    def __rpow__(self, other: Any) -> "Any": return self._reflected("Pow", other)
    def __rmod__(self, other: Any) -> "Any": return self._reflected("Mod", other)
    def __rand__(self, other: Any) -> "Any": return self._reflected("And", other)
    def __ror__(self, other: Any) -> "Any":
        """``x | task`` makes ``task`` run after ``x`` and returns ``task``."""
        self.set_dependencies(upstream_tasks=[other])
        return self

    def __rxor__(self, other: Any) -> "Any": return self._reflected("Xor", other)
    def __gt__(self, other: Any) -> "Any": return self._operator("GreaterThan", other)
    def __ge__(self, other: Any) -> "Any": return self._operator("GreaterThanOrEqual", other)
    def __lt__(self, other: Any) -> "Any": return self._operator("LessThan", other)
    def __le__(self, other: Any) -> "Any": return self._operator("LessThanOrEqual", other)

    def is_equal(self, other: Any) -> "Any": return self._operator("Equal", other)
    def is_not_equal(self, other: Any) -> "Any": return self._operator("NotEqual", other)
    def not_(self) -> "Any": return self._operator("Not")
    def or_(self, other: Any) -> "Any": return self._operator("Or", other)
    def and_(self, other: Any) -> "Any": return self._operator("And", other)

    def pipe(self, _task: Any, **kwargs: Any) -> "Any":
        """``a.pipe(b, k=v)`` is ``b(a, k=v)``: chain calls left to right (Prefect 1's ``Task.pipe``)."""
        return _task(self, **kwargs)
