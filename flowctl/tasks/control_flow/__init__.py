"""Control flow for flows: ``case``, ``switch``, ``ifelse``, ``merge``."""
from flowctl.tasks.control_flow.conditional import CompareValue, Merge, case, ifelse, merge, switch

__all__ = ["case", "switch", "ifelse", "merge", "CompareValue", "Merge"]
