"""Control flow for flows: ``case``, ``switch``, ``ifelse``, ``merge``."""
from flowctl.tasks.control_flow.conditional import CompareValue, Merge, case, ifelse, merge, switch
from flowctl.tasks.control_flow.filter import FilterTask

__all__ = ["case", "switch", "ifelse", "merge", "CompareValue", "Merge", "FilterTask"]
