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

from flowctl.tasks.templates.strings import TemplateTask

__all__ = ["JinjaTemplate"]

_ENVIRONMENT: Any = None


def _environment() -> Any:
    """One sandboxed environment per process, made on first use (jinja2 comes with distributed)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        from jinja2.sandbox import SandboxedEnvironment

        _ENVIRONMENT = SandboxedEnvironment()
    return _ENVIRONMENT


class JinjaTemplate(TemplateTask):
    """Return the template rendered with ``**context, **inputs``."""

    def fill(self, template: str, values: Any) -> str:
        return _environment().from_string(template).render(**values)
