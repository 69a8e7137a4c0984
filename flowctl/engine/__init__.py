"""Running flows: states, signals, runners, results and the event stream."""
from flowctl.engine import signals, state

__all__ = ["TaskRunner", "FlowRunner", "state", "signals"]


def __getattr__(name: str):  # noqa: ANN202 - runners load on first use (no import cycle)
    if name == "TaskRunner":
        from flowctl.engine.task_runner import TaskRunner

        return TaskRunner
    if name == "FlowRunner":
        from flowctl.engine.flow_runner import FlowRunner

        return FlowRunner
    import importlib

    try:
        return importlib.import_module(f"flowctl.engine.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'flowctl.engine' has no attribute {name!r}") from None
