"""Edges: the dependency (and data) links between two tasks of a flow."""
from __future__ import annotations

from collections import namedtuple
from keyword import iskeyword
from typing import Any

from flowctl.core.task import Task  # noqa: F401 - Prefect 1 code imports Task from here
from flowctl.exceptions import FlowDefinitionError

__all__ = ["Edge", "Task", "is_valid_identifier"]

_new_tuple = tuple.__new__


def is_valid_identifier(string: Any) -> bool:
    """Whether ``string`` can be a keyword argument name (an identifier, not a keyword)."""
    return isinstance(string, str) and string.isidentifier() and not iskeyword(string)


class Edge(namedtuple("EdgeFields", "upstream_task downstream_task key mapped flattened")):
    """``upstream_task`` feeds ``downstream_task``, as keyword ``key`` when given.

    ``mapped`` edges map the downstream task over the upstream result;
    ``flattened`` edges flatten a list of lists before it is passed on.

    Edges compare and hash by those five fields, as Prefect 1's do. An edge is
    an immutable record of them, a named tuple underneath, so that hashing
    one (each edge joins three sets as it is built, and keys the upstream
    states of every run) and building one (once per task argument of every
    flow) stay in C. It is no sequence otherwise: edges do not order, add or
    multiply.
    """

    __slots__ = ()

    def __new__(cls, upstream_task: Any, downstream_task: Any, key: str | None = None,
                mapped: bool = False, flattened: bool = False) -> "Edge":
        # is_valid_identifier inline for plain strings: one edge per task argument of every flow built
        if key is not None and not (key.__class__ is str and key.isidentifier() and not iskeyword(key)) \
                and not is_valid_identifier(key):
            raise FlowDefinitionError(
                f"Edge key must be a valid Python identifier (received {key!r}): it is passed "
                f"to {downstream_task!r}.run() as a keyword argument."
            )
        if upstream_task is downstream_task:
            raise ValueError("Edges can not connect a task to itself.")  # Prefect 1's words
        if not (isinstance(upstream_task, Task) and isinstance(downstream_task, Task)):  # values, annotated or not
            upstream_task, downstream_task, mapped, flattened = _as_tasks(upstream_task, downstream_task,
                                                                           mapped, flattened)
        return _new_tuple(cls, (upstream_task, downstream_task, key, mapped, flattened))

    def __repr__(self) -> str:  # (Prefect 1's)
        return (f"<Edge(key={self.key}, mapped={self.mapped}, flattened={self.flattened}): "
                f"{self.upstream_task.name} to {self.downstream_task.name}>")

    @property
    def tasks(self) -> set:
        return {self.upstream_task, self.downstream_task}

    def _not_a_sequence(self, *other: Any) -> Any:
        return NotImplemented

    __lt__ = __le__ = __gt__ = __ge__ = __add__ = __mul__ = __rmul__ = _not_a_sequence


def _as_tasks(upstream: Any, downstream: Any, mapped: bool, flattened: bool) -> tuple:
    """An edge's ends given as values, as Prefect 1's ``Edge`` takes them: an annotation's (``unmapped``,
    ``flatten``) marks the edge, and any value becomes a task (``as_task``: a constant, a collection's tasks)."""
    from flowctl.utilities import edges as annotations
    from flowctl.utilities.tasks import as_task

    for end in (upstream, downstream):
        marks = annotations.annotations_of(end)
        mapped, flattened = marks.get("mapped", mapped), marks.get("flattened", flattened)
    return as_task(upstream), as_task(downstream), mapped, flattened
