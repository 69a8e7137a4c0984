"""Wrappers that change how an argument is wired when a task is called or mapped."""
from __future__ import annotations

from typing import Any


class EdgeAnnotation:
    """Base of the argument wrappers; ``task`` is the wrapped task or value."""

    __slots__ = ("task",)

    def __init__(self, task: Any) -> None:
        self.task = task

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.task!r})"


class unmapped(EdgeAnnotation):
    """Keep an argument whole when the task is mapped: ``add.map(x=xs, y=unmapped(5))``."""

    __slots__ = ()


class mapped(EdgeAnnotation):
    """Map over this argument even when the call itself is not ``.map``."""

    __slots__ = ()


class flatten(EdgeAnnotation):
    """Flatten a list of lists (e.g. a mapped task's results) one level before use."""

    __slots__ = ()
