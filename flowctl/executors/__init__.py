"""Executors: where task runs happen (in process, thread/process pools, or Dask)."""
from flowctl.executors.base import Executor
from flowctl.executors.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "LocalDaskExecutor", "DaskExecutor"]


def __getattr__(name: str):  # noqa: ANN202 - lazy imports keep dask out of start-up
    if name == "LocalDaskExecutor":
        from flowctl.executors.pools import LocalDaskExecutor

        return LocalDaskExecutor
    if name == "DaskExecutor":
        from flowctl.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module 'flowctl.executors' has no attribute {name!r}")
