"""flowctl: write, test and run Python task/flow workflows from a terminal or CI.

The public names mirror Prefect 1.x core, so ``from prefect import Flow, task``
becomes ``from flowctl import Flow, task``. Names are resolved on first use
(PEP 562), so ``flowctl --help`` does not pay for loading the engine.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> (module, attribute); attribute None means the module itself
_PUBLIC: dict[str, tuple[str, str | None]] = {
    "Task": ("flowctl.core.task", "Task"),
    "Flow": ("flowctl.core.flow", "Flow"),
    "Parameter": ("flowctl.core.parameter", "Parameter"),
    "task": ("flowctl.utilities.tasks", "task"),
    "tags": ("flowctl.utilities.tasks", "tags"),
    "apply_map": ("flowctl.utilities.tasks", "apply_map"),
    "unmapped": ("flowctl.utilities.edges", "unmapped"),
    "mapped": ("flowctl.utilities.edges", "mapped"),
    "flatten": ("flowctl.utilities.edges", "flatten"),
    "case": ("flowctl.tasks.control_flow.conditional", "case"),
    "resource_manager": ("flowctl.tasks.core.resource_manager", "resource_manager"),
    "context": ("flowctl.utilities.context", "context"),
    "config": ("flowctl.utilities.configuration", "config"),
    "triggers": ("flowctl.triggers", None),
    "engine": ("flowctl.engine", None),
    "executors": ("flowctl.executors", None),
    "tasks": ("flowctl.tasks", None),
    "utilities": ("flowctl.utilities", None),
    "core": ("flowctl.core", None),
    "exceptions": ("flowctl.exceptions", None),
}

__all__ = [
    "Task", "Flow", "Parameter", "task", "tags", "unmapped", "mapped", "flatten", "apply_map",
    "case", "resource_manager", "context", "config", "__version__",
]


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'flowctl' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    if name != "context":  # never shadow the context object with a submodule binding
        globals()[name] = value
    else:
        globals()["context"] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
