"""Core built-in tasks."""
from flowctl.tasks.core import collections, constants, function, operators, resource_manager
from flowctl.tasks.core.constants import Constant
from flowctl.tasks.core.function import FunctionTask

__all__ = ["Constant", "FunctionTask", "collections", "constants", "function", "operators", "resource_manager"]
