"""Built-in tasks: constants, collections, operators, control flow, resources."""
from flowctl.tasks import control_flow, core

__all__ = ["core", "control_flow"]
