"""Older import path for executors (``prefect.engine.executors`` in Prefect docs)."""
from flowctl.executors import DaskExecutor, Executor, LocalDaskExecutor, LocalExecutor

__all__ = ["Executor", "LocalExecutor", "LocalDaskExecutor", "DaskExecutor"]
