"""flowctl: write, test and run Python task/flow workflows from a terminal or CI.

The public names mirror Prefect 1.x core, so ``from prefect import Flow, task``
becomes ``from flowctl import Flow, task``.
"""
from flowctl.utilities.context import context  # noqa: I001 - the object, not a module
from flowctl.utilities.configuration import config

import flowctl.triggers
import flowctl.engine
import flowctl.engine.task_runner
import flowctl.engine.flow_runner
import flowctl.executors
import flowctl.tasks
import flowctl.utilities

from flowctl.core import Flow, Parameter, Task
from flowctl.tasks.control_flow import case
from flowctl.tasks.core.resource_manager import resource_manager
from flowctl.utilities.edges import flatten, mapped, unmapped
from flowctl.utilities.tasks import apply_map, tags, task

__version__ = "0.1.0"

__all__ = [
    "Task", "Flow", "Parameter", "task", "tags", "unmapped", "mapped", "flatten", "apply_map",
    "case", "resource_manager", "context", "config", "__version__",
]
