"""``StringFormatter``: a ``str.format`` template filled from the task's inputs and the context.

As in Prefect 1, the run's context (``today``, ``flow_name``, ``task_name``...)
fills the template too, and an input of the same name wins over it.
``TemplateTask`` is what it shares with ``JinjaTemplate``: the default
template, and the values a template is filled with.
"""
from __future__ import annotations

from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.context import context

__all__ = ["StringFormatter", "TemplateTask"]


class TemplateTask(Task):
    """A template (``run(template=...)`` overrides the default) filled with ``**context, **inputs``;
    subclasses say how, in ``fill``."""

    def __init__(self, template: str | None = None, **kwargs: Any) -> None:
        self.template = template or ""
        super().__init__(**kwargs)

    def run(self, template: str | None = None, **format_kwargs: Any) -> str:
        """The filled template."""
        if template is None:
            template = self.template
        with context(**format_kwargs) as values:
            return self.fill(template, values)

    def fill(self, template: str, values: Any) -> str:
        raise NotImplementedError


class StringFormatter(TemplateTask):
    """Return ``template.format(**context, **inputs)``."""

    def fill(self, template: str, values: Any) -> str:
        return template.format(**values)
