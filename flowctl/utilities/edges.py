"""Wrappers that change how an argument is wired when a task is called or mapped.

As in Prefect 1, each wrapper holds the wrapped task or value as ``value`` and
what it says about the edge in ``annotations`` (``{"mapped": False}`` for
``unmapped``); wrapping a wrapper merges the two, so ``mapped(flatten(x))``
maps over ``x`` flattened.
"""
from __future__ import annotations

from typing import Any


class EdgeAnnotation:
    """Base of the argument wrappers (``annotations``: this class's, then the wrapped ones')."""

    __slots__ = ("value", "annotations")
    own: dict[str, Any] = {}

    def __init__(self, value: Any) -> None:
        annotations = dict(self.own)
        if isinstance(value, EdgeAnnotation):
            annotations.update(value.annotations)
            value = value.value
        self.annotations = annotations
        self.value = value

    @property
    def task(self) -> Any:
        """The wrapped task or value (``value``'s older name here)."""
        return self.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


def annotations_of(value: Any) -> dict[str, Any]:
    """What ``value``'s wrappers say about its edge (``{}`` for a plain value)."""
    return value.annotations if isinstance(value, EdgeAnnotation) else {}


class unmapped(EdgeAnnotation):
    """Keep an argument whole when the task is mapped: ``add.map(x=xs, y=unmapped(5))``."""

    __slots__ = ()
    own = {"mapped": False}


class mapped(EdgeAnnotation):
    """Map over this argument even when the call itself is not ``.map``."""

    __slots__ = ()
    own = {"mapped": True}


class flatten(EdgeAnnotation):
    """Flatten a list of lists (e.g. a mapped task's results) one level before use."""

    __slots__ = ()
    own = {"flattened": True}
