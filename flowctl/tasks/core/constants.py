"""``Constant``: a task that returns a fixed value, with no introspection of it."""
from __future__ import annotations

from typing import Any

from flowctl.core.task import Task


class Constant(Task):
    """Returns ``value``. Named ``Constant[<type>]`` unless a name is given."""

    def __init__(self, value: Any, name: str | None = None, **kwargs: Any) -> None:
        self.value = value
        super().__init__(name=name or f"Constant[{type(value).__name__}]", **kwargs)

    def run(self) -> Any:
        return self.value
