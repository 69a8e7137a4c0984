"""Built-in tasks: constants, collections, operators, control flow, resources."""
from flowctl.core.task import Task
from flowctl.tasks import control_flow, core

__all__ = ["Task", "core", "control_flow"]
