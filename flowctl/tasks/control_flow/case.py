"""``prefect.tasks.control_flow.case`` path: the ``case`` block lives in ``conditional``."""
from flowctl.tasks.control_flow.conditional import case

__all__ = ["case"]
