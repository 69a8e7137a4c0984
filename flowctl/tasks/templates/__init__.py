"""Template tasks, as Prefect 1's ``prefect.tasks.templates`` (``JinjaTemplate`` needs jinja2: not included)."""
from flowctl.tasks.templates.strings import StringFormatter

__all__ = ["StringFormatter"]
