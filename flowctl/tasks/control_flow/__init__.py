"""Control flow for flows: ``case``, ``switch``, ``ifelse``, ``merge``."""
from flowctl.tasks.control_flow.conditional import CompareValue, Merge, ifelse, merge, switch
# Loaded here, then rebound: ``import flowctl.tasks.control_flow.case`` (Prefect 1's path) must not
# replace the package's ``case`` class with the module of the same name.
from flowctl.tasks.control_flow.case import case
from flowctl.tasks.control_flow.filter import FilterTask

__all__ = ["case", "switch", "ifelse", "merge", "CompareValue", "Merge", "FilterTask"]
