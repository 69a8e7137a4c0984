"""Template tasks, as Prefect 1's ``prefect.tasks.templates``: ``str.format`` and Jinja templates."""
from flowctl.tasks.templates.jinja2 import JinjaTemplate
from flowctl.tasks.templates.strings import StringFormatter

__all__ = ["JinjaTemplate", "StringFormatter"]
