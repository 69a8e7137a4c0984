"""Edges: the dependency (and data) links between two tasks of a flow."""
from __future__ import annotations

from keyword import iskeyword
from typing import Any

from flowctl.core.task import Task  # noqa: F401 - Prefect 1 code imports Task from here
from flowctl.exceptions import FlowDefinitionError

__all__ = ["Edge", "Task", "is_valid_identifier"]


def is_valid_identifier(string: Any) -> bool:
    """Whether ``string`` can be a keyword argument name (an identifier, not a keyword)."""
    return isinstance(string, str) and string.isidentifier() and not iskeyword(string)


class Edge:
    """``upstream_task`` feeds ``downstream_task``, as keyword ``key`` when given.

    ``mapped`` edges map the downstream task over the upstream result;
    ``flattened`` edges flatten a list of lists before it is passed on.
    """

    __slots__ = ("upstream_task", "downstream_task", "key", "mapped", "flattened", "_hash")

    def __init__(self, upstream_task: Any, downstream_task: Any, key: str | None = None,
                 mapped: bool = False, flattened: bool = False) -> None:
        # is_valid_identifier inline for plain strings: one edge per task argument of every flow built
        if key is not None and not (key.__class__ is str and key.isidentifier() and not iskeyword(key)) \
                and not is_valid_identifier(key):
            raise FlowDefinitionError(
                f"Edge key must be a valid Python identifier (received {key!r}): it is passed "
                f"to {downstream_task!r}.run() as a keyword argument."
            )
        self.upstream_task = upstream_task
        self.downstream_task = downstream_task
        self.key = key
        self.mapped = mapped
        self.flattened = flattened
        # edges key every upstream_states dict: hash once (tasks hash by identity, as __eq__ compares them)
        self._hash = hash((upstream_task, downstream_task, key, mapped, flattened))

    def _identity(self) -> tuple:
        return (self.upstream_task, self.downstream_task, self.key, self.mapped, self.flattened)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Edge):
            return NotImplemented
        return (
            self.upstream_task is other.upstream_task
            and self.downstream_task is other.downstream_task
            and self.key == other.key
            and self.mapped == other.mapped
            and self.flattened == other.flattened
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        key = f" (key={self.key})" if self.key else ""
        arrow = " (mapped)" if self.mapped else ""
        return f"<Edge{key}{arrow}: {self.upstream_task.name} to {self.downstream_task.name}>"

    @property
    def tasks(self) -> set:
        return {self.upstream_task, self.downstream_task}

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__ if name != "_hash"}

    def __setstate__(self, data: dict) -> None:
        for name, value in data.items():
            object.__setattr__(self, name, value)
        # ids differ in another process: rehash there
        object.__setattr__(self, "_hash", hash(self._identity()))
