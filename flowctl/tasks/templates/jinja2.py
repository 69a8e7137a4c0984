"""``JinjaTemplate``: a Jinja template rendered with the task's inputs and the run's context.

As in Prefect 1, every context value (``today``, ``flow_name``, ``parameters``...)
is a template variable, and an input of the same name wins over it. The
template renders in Jinja's sandbox: a template may come from a parameter
(a value given on the command line), and the sandbox keeps it to reading
values rather than reaching into Python's internals (Prefect 1 renders
unsandboxed; ordinary templates render the same).
"""
from __future__ import annotations

from typing import Any

from flowctl.core.task import Task
from flowctl.utilities.context import context

__all__ = ["JinjaTemplate"]

_ENVIRONMENT: Any = None


def _environment() -> Any:
    """One sandboxed environment per process, made on first use (jinja2 comes with distributed)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        from jinja2.sandbox import SandboxedEnvironment

        _ENVIRONMENT = SandboxedEnvironment()
    return _ENVIRONMENT


class JinjaTemplate(Task):
    """Return the template rendered with ``**context, **inputs`` (``run(template=...)`` overrides the default)."""

    def __init__(self, template: str | None = None, **kwargs: Any) -> None:
        self.template = template or ""
        super().__init__(**kwargs)

    def run(self, template: str | None = None, **format_kwargs: Any) -> str:
        """The rendered template."""
        if template is None:
            template = self.template
        compiled = _environment().from_string(template)
        with context(**format_kwargs) as values:
            return compiled.render(**values)
