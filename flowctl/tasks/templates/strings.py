"""``StringFormatter``: a ``str.format`` template filled from the task's inputs and the context.

As in Prefect 1, the run's context (``today``, ``flow_name``, ``task_name``...)
fills the template too, and an input of the same name wins over it.
"""
from __future__ import annotations

from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.context import context

__all__ = ["StringFormatter"]


class StringFormatter(Task):
    """Return ``template.format(**context, **inputs)`` (``run(template=...)`` overrides the default)."""

    def __init__(self, template: str | None = None, **kwargs: Any) -> None:
        self.template = template or ""
        super().__init__(**kwargs)

    def run(self, template: str | None = None, **format_kwargs: Any) -> str:
        """The formatted template."""
        if template is None:
            template = self.template
        with context(**format_kwargs) as values:
            return template.format(**values)
